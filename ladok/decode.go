package ladok

import (
	"encoding/xml"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"sync"
)

// Events are decoded in two steps. While the feed page is tokenised (once, with encoding/xml),
// each event element becomes a small tree of elements by local name (tree); then the tree is
// bound to the event's struct by the struct's field names (bind). Matching local names only
// makes the decoder indifferent to the prefixes and namespaces a producer chooses for the
// fields, and an event that does not bind (a number that is not one) fails alone, without
// disturbing the page.

// EventError is an event that could not be decoded. It names the field but never quotes its
// value, which may be personal data.
type EventError struct {
	Event string // the event element's local name
	Field string // the field path, "" when the event as a whole is at fault
	Err   error
}

// Error names the event and field, never the value.
func (e *EventError) Error() string {
	if e.Field == "" {
		return "ladok: " + e.Event + ": " + e.Err.Error()
	}
	return "ladok: " + e.Event + "." + e.Field + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *EventError) Unwrap() error { return e.Err }

var (
	errNotInt  = errors.New("not an integer")
	errNotBool = errors.New("not a boolean")
)

// tree is an event element flattened into nodes; text lives in one string per event.
type tree struct {
	nodes []xnode
	arena []byte
	text  string
}

type xnode struct {
	local             string
	tstart, tend      int32 // text range in arena; tstart < 0: none
	first, last, next int32 // children and next sibling; -1: none
}

func (t *tree) reset() {
	t.nodes = t.nodes[:0]
	t.arena = t.arena[:0]
	t.text = ""
}

// open adds an element under parent (-1 for the root) and returns its index.
func (t *tree) open(parent int32, local string) int32 {
	i := int32(len(t.nodes))
	t.nodes = append(t.nodes, xnode{local: local, tstart: -1, first: -1, last: -1, next: -1})
	if parent >= 0 {
		p := &t.nodes[parent]
		if p.last >= 0 {
			t.nodes[p.last].next = i
		} else {
			p.first = i
		}
		p.last = i
	}
	return i
}

// addText records character data of n. Text of an element that has children is mixed content
// (indentation) and ignored.
func (t *tree) addText(n int32, b []byte) {
	nd := &t.nodes[n]
	if nd.first >= 0 {
		return
	}
	if nd.tstart < 0 {
		nd.tstart = int32(len(t.arena))
	}
	t.arena = append(t.arena, b...)
	nd.tend = int32(len(t.arena))
}

// finish makes the text addressable as strings (one allocation per event).
func (t *tree) finish() { t.text = string(t.arena) }

// value returns the trimmed text of node n.
func (t *tree) value(n int32) string {
	nd := &t.nodes[n]
	if nd.tstart < 0 {
		return ""
	}
	return strings.TrimSpace(t.text[nd.tstart:nd.tend])
}

// child returns the first child of n named local, or -1.
func (t *tree) child(n int32, local string) int32 {
	for c := t.nodes[n].first; c >= 0; c = t.nodes[c].next {
		if t.nodes[c].local == local {
			return c
		}
	}
	return -1
}

// Binding plans: per struct type, its fields by element name.

type fieldKind uint8

const (
	kString fieldKind = iota
	kInt
	kBool
	kStruct
	kSliceString
	kSliceInt
	kSliceStruct
	kTexts // Benamning: text per language
)

type field struct {
	name  string // element local name
	inner string // item element of a wrapper ("Perioddeltaganden>Perioddeltagande")
	index []int
	kind  fieldKind
	ns    string // "events", "base" or "" (the event's own namespace); for encoding
	sub   *plan  // for structs and slices of structs
	elem  reflect.Type
}

type plan struct {
	byName map[string]*field
	order  []*field
}

var plans sync.Map // reflect.Type -> *plan

var (
	datumperiodType = reflect.TypeFor[Datumperiod]()
	benamningType   = reflect.TypeFor[Benamning]()
)

func planFor(t reflect.Type) *plan {
	if p, ok := plans.Load(t); ok {
		return p.(*plan)
	}
	p := &plan{byName: map[string]*field{}}
	buildPlan(p, t, nil, "")
	actual, _ := plans.LoadOrStore(t, p)
	return actual.(*plan)
}

// buildPlan adds t's fields to p. Embedded structs are flattened, as in the XSD's inheritance.
// defaultNS applies to fields without an ns tag (Datumperiod's fields are in the base namespace).
func buildPlan(p *plan, t reflect.Type, index []int, defaultNS string) {
	if t == datumperiodType {
		defaultNS = "base"
	}
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		idx := append(append([]int(nil), index...), i)
		if sf.Anonymous && sf.Type.Kind() == reflect.Struct {
			buildPlan(p, sf.Type, idx, defaultNS)
			continue
		}
		if !sf.IsExported() {
			continue
		}
		tag := sf.Tag.Get("xml")
		if tag == "-" {
			continue
		}
		name := sf.Name
		if tag != "" {
			name = strings.Split(tag, ",")[0]
		}
		f := &field{name: name, index: idx, ns: sf.Tag.Get("ns")}
		if f.ns == "" {
			f.ns = defaultNS
		}
		if outer, inner, ok := strings.Cut(name, ">"); ok {
			f.name, f.inner = outer, inner
		}
		ft := sf.Type
		switch {
		case ft == benamningType:
			f.kind = kTexts
		case ft.Kind() == reflect.String:
			f.kind = kString
		case ft.Kind() == reflect.Int:
			f.kind = kInt
		case ft.Kind() == reflect.Bool:
			f.kind = kBool
		case ft.Kind() == reflect.Struct:
			f.kind = kStruct
			f.sub = planFor(ft)
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.String:
			f.kind, f.elem = kSliceString, ft.Elem()
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Int:
			f.kind, f.elem = kSliceInt, ft.Elem()
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct:
			f.kind, f.elem = kSliceStruct, ft.Elem()
			f.sub = planFor(ft.Elem())
		default:
			panic("ladok: event field " + t.Name() + "." + sf.Name + " has a type the decoder does not handle")
		}
		if _, dup := p.byName[f.name]; !dup {
			p.byName[f.name] = f
			p.order = append(p.order, f)
		}
	}
}

// bind fills the struct v from the children of node n. Unknown elements are ignored: Ladok adds
// fields over time, and an event must not fail for one more field.
func bind(t *tree, n int32, v reflect.Value, p *plan, path string) error {
	for c := t.nodes[n].first; c >= 0; c = t.nodes[c].next {
		f := p.byName[t.nodes[c].local]
		if f == nil {
			continue
		}
		fv := v.FieldByIndex(f.index)
		if f.inner != "" {
			for cc := t.nodes[c].first; cc >= 0; cc = t.nodes[cc].next {
				if t.nodes[cc].local != f.inner {
					continue
				}
				if err := bindItem(t, cc, fv, f, path); err != nil {
					return err
				}
			}
			continue
		}
		if err := bindItem(t, c, fv, f, path); err != nil {
			return err
		}
	}
	return nil
}

func bindItem(t *tree, n int32, fv reflect.Value, f *field, path string) error {
	switch f.kind {
	case kString:
		fv.SetString(t.value(n))
	case kInt:
		s := t.value(n)
		if s == "" {
			return nil
		}
		i, err := strconv.Atoi(s)
		if err != nil {
			return &EventError{Field: path + f.name, Err: errNotInt}
		}
		fv.SetInt(int64(i))
	case kBool:
		b, err := parseBool(t.value(n))
		if err != nil {
			return &EventError{Field: path + f.name, Err: err}
		}
		fv.SetBool(b)
	case kStruct:
		return bind(t, n, fv, f.sub, path+f.name+".")
	case kSliceString:
		fv.Set(reflect.Append(fv, reflect.ValueOf(t.value(n)).Convert(f.elem)))
	case kSliceInt:
		s := t.value(n)
		i, err := strconv.Atoi(s)
		if err != nil {
			return &EventError{Field: path + f.name, Err: errNotInt}
		}
		fv.Set(reflect.Append(fv, reflect.ValueOf(i).Convert(f.elem)))
	case kSliceStruct:
		item := reflect.New(f.elem).Elem()
		if err := bind(t, n, item, f.sub, path+f.name+"."); err != nil {
			return err
		}
		fv.Set(reflect.Append(fv, item))
	case kTexts:
		bindTexts(t, n, fv)
	}
	return nil
}

func parseBool(s string) (bool, error) {
	switch s {
	case "true", "1":
		return true, nil
	case "false", "0", "":
		return false, nil
	}
	return false, errNotBool
}

// bindTexts reads names per language in either of Ladok's two shapes:
// <Benamning><Sprakkod>sv</Sprakkod><Text>..</Text></Benamning> (most services) or
// <entry><key>sv</key><value>..</value></entry> (kataloginformation).
func bindTexts(t *tree, n int32, fv reflect.Value) {
	m := Benamning{}
	for c := t.nodes[n].first; c >= 0; c = t.nodes[c].next {
		var lang, text int32
		switch t.nodes[c].local {
		case "Benamning":
			lang, text = t.child(c, "Sprakkod"), t.child(c, "Text")
		case "entry":
			lang, text = t.child(c, "key"), t.child(c, "value")
		default:
			continue
		}
		if lang < 0 {
			continue
		}
		v := ""
		if text >= 0 {
			v = t.value(text)
		}
		m[t.value(lang)] = v
	}
	if len(m) > 0 {
		fv.Set(reflect.ValueOf(m))
	}
}

var headerPlan = planFor(reflect.TypeFor[Header]())

// decodeEvent turns the event tree rooted at node 0 into an Event. raw is the element's XML.
func decodeEvent(t *tree, name xml.Name, raw []byte) (Event, error) {
	if i, ok := typedByName[name.Local]; ok {
		ev := typedEvents[i].new()
		v := reflect.ValueOf(ev).Elem()
		if err := bind(t, 0, v, planFor(v.Type()), ""); err != nil {
			var ee *EventError
			if errors.As(err, &ee) {
				ee.Event = name.Local
			}
			return nil, err
		}
		return ev, nil
	}
	g := &GenericEvent{Element: name, Raw: raw}
	if err := bind(t, 0, reflect.ValueOf(&g.Header).Elem(), headerPlan, ""); err != nil {
		var ee *EventError
		if errors.As(err, &ee) {
			ee.Event = name.Local
		}
		return nil, err
	}
	return g, nil
}
