package ladok

import (
	"bytes"
	"encoding/xml"
	"errors"
	"reflect"
	"slices"
	"strconv"
)

// prefixes are the namespace prefixes MarshalEvent writes, the ones Ladok's own feed uses.
var prefixes = map[string]string{
	NSStudentinformation:     "si",
	NSStudiedeltagande:       "sd",
	NSUtbildningsinformation: "ui",
	NSKataloginformation:     "ki",
}

// MarshalEvent writes ev as XML the way Ladok's feed carries it: the event element in its
// service's namespace, HandelseUID and EventContext in the events namespace, names and date
// periods in the base namespace. Empty fields are left out. A *GenericEvent is written as its
// Raw XML. The fake server (ladoktest) builds its feed with it; hosts can use it to keep an
// event, for example in a dead-letter queue.
func MarshalEvent(ev Event) ([]byte, error) {
	var buf bytes.Buffer
	if err := writeEvent(&buf, ev); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// writeEvent appends ev's XML to buf.
func writeEvent(buf *bytes.Buffer, ev Event) error {
	if ev == nil {
		return errors.New("ladok: MarshalEvent: nil event")
	}
	if g, ok := ev.(*GenericEvent); ok {
		if len(g.Raw) == 0 {
			return errors.New("ladok: MarshalEvent: generic event without raw XML")
		}
		buf.Write(g.Raw)
		return nil
	}
	v := reflect.ValueOf(ev)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return errors.New("ladok: MarshalEvent: the event must be a pointer to a struct")
	}
	ns := ev.Namespace()
	pfx := prefixes[ns]
	if pfx == "" {
		pfx = "ev"
	}
	buf.WriteByte('<')
	buf.WriteString(pfx)
	buf.WriteByte(':')
	buf.WriteString(ev.Name())
	buf.WriteString(` xmlns:`)
	buf.WriteString(pfx)
	buf.WriteString(`="`)
	xml.EscapeText(buf, []byte(ns))
	buf.WriteString(`" xmlns:base="` + NSBase + `" xmlns:events="` + NSEvents + `">`)
	writeFields(buf, v.Elem(), planFor(v.Elem().Type()), pfx)
	buf.WriteString("</")
	buf.WriteString(pfx)
	buf.WriteByte(':')
	buf.WriteString(ev.Name())
	buf.WriteByte('>')
	return nil
}

func fieldPrefix(f *field, pfx string) string {
	switch f.ns {
	case "events", "base":
		return f.ns
	}
	return pfx
}

func open(buf *bytes.Buffer, pfx, name string) {
	buf.WriteByte('<')
	buf.WriteString(pfx)
	buf.WriteByte(':')
	buf.WriteString(name)
	buf.WriteByte('>')
}

func closeTag(buf *bytes.Buffer, pfx, name string) {
	buf.WriteString("</")
	buf.WriteString(pfx)
	buf.WriteByte(':')
	buf.WriteString(name)
	buf.WriteByte('>')
}

func writeFields(buf *bytes.Buffer, v reflect.Value, p *plan, pfx string) {
	for _, f := range p.order {
		fv := v.FieldByIndex(f.index)
		if fv.IsZero() {
			continue
		}
		fp := fieldPrefix(f, pfx)
		if f.inner != "" {
			open(buf, fp, f.name)
			for i := 0; i < fv.Len(); i++ {
				writeValue(buf, fv.Index(i), f, pfx, pfx, f.inner)
			}
			closeTag(buf, fp, f.name)
			continue
		}
		switch f.kind {
		case kSliceString, kSliceInt, kSliceStruct:
			for i := 0; i < fv.Len(); i++ {
				writeValue(buf, fv.Index(i), f, fp, pfx, f.name)
			}
		default:
			writeValue(buf, fv, f, fp, pfx, f.name)
		}
	}
}

// writeValue writes one element: <fp:name>value</fp:name>.
func writeValue(buf *bytes.Buffer, v reflect.Value, f *field, fp, pfx, name string) {
	open(buf, fp, name)
	switch v.Kind() {
	case reflect.String:
		xml.EscapeText(buf, []byte(v.String()))
	case reflect.Int:
		buf.WriteString(strconv.FormatInt(v.Int(), 10))
	case reflect.Bool:
		buf.WriteString(strconv.FormatBool(v.Bool()))
	case reflect.Struct:
		writeFields(buf, v, f.sub, pfx)
	case reflect.Map:
		m := v.Interface().(Benamning)
		langs := make([]string, 0, len(m))
		for l := range m {
			langs = append(langs, l)
		}
		slices.Sort(langs)
		for _, l := range langs {
			buf.WriteString("<base:Benamning><base:Sprakkod>")
			xml.EscapeText(buf, []byte(l))
			buf.WriteString("</base:Sprakkod><base:Text>")
			xml.EscapeText(buf, []byte(m[l]))
			buf.WriteString("</base:Text></base:Benamning>")
		}
	}
	closeTag(buf, fp, name)
}
