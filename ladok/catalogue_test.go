package ladok

import (
	"bufio"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
)

// catalogueEvent is one line of testdata/event-types.txt.
type catalogueEvent struct {
	service, name string
	fields        []catalogueField
}

type catalogueField struct {
	name, typ          string
	optional, repeated bool
	wraps              *catalogueField // for a wrapper element: its item
}

func loadCatalogue(t *testing.T) []catalogueEvent {
	t.Helper()
	f, err := os.Open("testdata/event-types.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []catalogueEvent
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.Split(line, "\t")
		if len(parts) != 3 {
			t.Fatalf("bad catalogue line %q", line)
		}
		ev := catalogueEvent{service: parts[0], name: parts[1]}
		var raw []catalogueField
		for _, fs := range strings.Split(parts[2], ";") {
			fs = strings.TrimSpace(fs)
			if fs == "" {
				continue
			}
			i := strings.LastIndexByte(fs, ':')
			cf := catalogueField{name: fs[:i], typ: fs[i+1:]}
			cf.repeated = strings.HasSuffix(cf.typ, "*")
			cf.typ = strings.TrimSuffix(cf.typ, "*")
			cf.optional = strings.HasSuffix(cf.typ, "?")
			cf.typ = strings.TrimSuffix(cf.typ, "?")
			raw = append(raw, cf)
		}
		for i := 0; i < len(raw); i++ {
			cf := raw[i]
			// A field without type and prefix wraps the next one (a list element).
			if cf.typ == "" && !strings.Contains(cf.name, ":") && i+1 < len(raw) {
				item := raw[i+1]
				cf.wraps = &item
				i++
			}
			cf.name = cf.name[strings.IndexByte(cf.name, ':')+1:]
			if cf.wraps != nil {
				cf.wraps.name = cf.wraps.name[strings.IndexByte(cf.wraps.name, ':')+1:]
			}
			ev.fields = append(ev.fields, cf)
		}
		out = append(out, ev)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// sampleValue is the text a generated sample gives a field of type typ; "" means the type is
// complex and gets a nested element.
func sampleValue(name, typ string) string {
	switch typ {
	case "string":
		return "v-" + name
	case "int":
		return "7"
	case "boolean":
		return "true"
	case "date":
		return "2026-09-14"
	case "dateTime":
		return "2026-09-14T10:15:00"
	case "time":
		return "10:15:00"
	case "decimal":
		return "7.5"
	case "Handelsetyp":
		return "UPPDATERAD"
	case "RestriktionstypEventPart":
		return "AVSTANGNING"
	case "Utbildningsgrundtyp":
		return "KURS"
	case "Studieavgiftsbetalningsvarde":
		return "studiedeltagande.domain.studieavgiftsbetalningsvarde.betald"
	case "OrsakTillAterkallningEventPart":
		return "studiedeltagande.domain.aterkalla.orsak.avbrott"
	case "AterbudsorsakEventPart":
		return "studiedeltagande.domain.aterbudsorsak.uteblev"
	}
	return ""
}

// sample writes one event of the catalogue as a producer would: prefixed elements, two items
// for repeated fields, nested elements for complex types.
func (ev catalogueEvent) sample() string {
	ns := "http://schemas.ladok.se/" + ev.service
	var b strings.Builder
	fmt.Fprintf(&b, `<x:%s xmlns:x="%s" xmlns:events="%s" xmlns:base="%s">`, ev.name, ns, NSEvents, NSBase)
	fmt.Fprintf(&b, `<events:HandelseUID>h-%s</events:HandelseUID>`, ev.name)
	b.WriteString(`<events:EventContext><events:Anvandarnamn>sys</events:Anvandarnamn><events:LarosateID>27</events:LarosateID></events:EventContext>`)
	var write func(f catalogueField)
	write = func(f catalogueField) {
		n := 1
		if f.repeated {
			n = 2
		}
		for range n {
			fmt.Fprintf(&b, "<x:%s>", f.name)
			switch {
			case f.wraps != nil:
				write(*f.wraps)
			case f.typ == "Benamningar" || f.typ == "benamningar":
				b.WriteString(`<base:Benamning><base:Sprakkod>sv</base:Sprakkod><base:Text>Namn</base:Text></base:Benamning>`)
			case f.typ == "Datumperiod":
				b.WriteString(`<base:Startdatum>2026-08-31</base:Startdatum><base:Slutdatum>2027-01-17</base:Slutdatum>`)
			case sampleValue(f.name, f.typ) != "":
				b.WriteString(sampleValue(f.name, f.typ))
			default:
				b.WriteString(`<x:Del>1</x:Del>`)
			}
			fmt.Fprintf(&b, "</x:%s>", f.name)
		}
	}
	for _, f := range ev.fields {
		write(f)
	}
	fmt.Fprintf(&b, `</x:%s>`, ev.name)
	return b.String()
}

func feedOf(events ...string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom"><id>urn:id:1</id>`)
	for i := len(events) - 1; i >= 0; i-- {
		fmt.Fprintf(&b, `<entry><id>e-%d</id><updated>2026-09-14T10:00:00Z</updated><content type="application/vnd.ladok+xml">%s</content></entry>`, i, events[i])
	}
	b.WriteString(`</feed>`)
	return b.String()
}

// omitted lists catalogue fields the typed events leave out on purpose.
var omitted = map[string]bool{
	"StudentrestriktionEvent.RestriktionEventPart": true, // an empty marker type
}

func TestEveryCatalogueEventDecodes(t *testing.T) {
	cat := loadCatalogue(t)
	if len(cat) != 250 {
		t.Fatalf("catalogue has %d event types, want 250", len(cat))
	}
	samples := make([]string, len(cat))
	for i, ev := range cat {
		samples[i] = ev.sample()
	}
	feed, err := ParseFeed(strings.NewReader(feedOf(samples...)))
	if err != nil {
		t.Fatal(err)
	}
	if len(feed.Entries) != len(cat) {
		t.Fatalf("%d entries, want %d", len(feed.Entries), len(cat))
	}
	typed := 0
	for i, ev := range cat {
		e := feed.Entries[len(cat)-1-i]
		if e.Err != nil {
			t.Errorf("%s: %v", ev.name, e.Err)
			continue
		}
		if e.Event.Name() != ev.name || e.Event.Namespace() != "http://schemas.ladok.se/"+ev.service {
			t.Errorf("%s decoded as %s in %s", ev.name, e.Event.Name(), e.Event.Namespace())
		}
		h := e.Event.EventHeader()
		if h.HandelseUID != "h-"+ev.name || h.Context.LarosateID != 27 || e.HandelseUID != h.HandelseUID {
			t.Errorf("%s: header %+v", ev.name, h)
		}
		g, generic := e.Event.(*GenericEvent)
		if _, known := typedByName[ev.name]; !known {
			if !generic {
				t.Errorf("%s: unknown type decoded as %T", ev.name, e.Event)
				continue
			}
			var v struct {
				HandelseUID string `xml:"HandelseUID"`
			}
			if err := g.Decode(&v); err != nil || v.HandelseUID != h.HandelseUID {
				t.Errorf("%s: GenericEvent.Decode: %v %+v", ev.name, err, v)
			}
			continue
		}
		typed++
		if generic {
			t.Errorf("%s is typed but decoded as a GenericEvent", ev.name)
			continue
		}
		checkTypedFields(t, ev, e.Event)
	}
	if typed != len(typedEvents) {
		t.Errorf("%d typed events found in the catalogue, want %d", typed, len(typedEvents))
	}
}

// checkTypedFields checks that the typed struct declares every field of the catalogue and
// that the sample's values arrived.
func checkTypedFields(t *testing.T, ev catalogueEvent, e Event) {
	t.Helper()
	v := reflect.ValueOf(e).Elem()
	p := planFor(v.Type())
	for _, cf := range ev.fields {
		f := p.byName[cf.name]
		if f == nil {
			if !omitted[ev.name+"."+cf.name] {
				t.Errorf("%s has no field for %s", ev.name, cf.name)
			}
			continue
		}
		fv := v.FieldByIndex(f.index)
		if cf.wraps != nil {
			if f.inner != cf.wraps.name || fv.Len() != 2 {
				t.Errorf("%s.%s: wrapper of %q with %d items, want %q with 2", ev.name, cf.name, f.inner, fv.Len(), cf.wraps.name)
			}
			continue
		}
		if cf.repeated != (fv.Kind() == reflect.Slice) {
			t.Errorf("%s.%s: repeated is %v but the field is %s", ev.name, cf.name, cf.repeated, fv.Kind())
			continue
		}
		if cf.repeated {
			if fv.Len() != 2 {
				t.Errorf("%s.%s: %d items, want 2", ev.name, cf.name, fv.Len())
			}
			fv = fv.Index(0)
		}
		want := sampleValue(cf.name, cf.typ)
		if want == "" {
			continue
		}
		var got string
		switch fv.Kind() {
		case reflect.String:
			got = fv.String()
		case reflect.Int:
			got = fmt.Sprint(fv.Int())
		case reflect.Bool:
			got = fmt.Sprint(fv.Bool())
		default:
			t.Errorf("%s.%s: catalogue type %s but field kind %s", ev.name, cf.name, cf.typ, fv.Kind())
			continue
		}
		if got != want {
			t.Errorf("%s.%s = %q, want %q", ev.name, cf.name, got, want)
		}
	}
}

// TestMarshalEventRoundTrip writes each typed event's decoded sample with MarshalEvent and
// decodes it again: the same struct comes back.
func TestMarshalEventRoundTrip(t *testing.T) {
	cat := loadCatalogue(t)
	var samples []string
	for _, ev := range cat {
		if _, ok := typedByName[ev.name]; ok {
			samples = append(samples, ev.sample())
		}
	}
	first, err := ParseFeed(strings.NewReader(feedOf(samples...)))
	if err != nil {
		t.Fatal(err)
	}
	var again []string
	for i := len(first.Entries) - 1; i >= 0; i-- {
		b, err := MarshalEvent(first.Entries[i].Event)
		if err != nil {
			t.Fatal(err)
		}
		again = append(again, string(b))
	}
	second, err := ParseFeed(strings.NewReader(feedOf(again...)))
	if err != nil {
		t.Fatal(err)
	}
	for i := range first.Entries {
		a, b := first.Entries[i].Event, second.Entries[i].Event
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s changed in the round trip:\n%+v\n%+v", a.Name(), a, b)
		}
	}
}
