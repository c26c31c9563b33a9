// Package rawjson updates JSON objects without disturbing the members a program does not model.
//
// APIs whose updates replace a whole record (Schulconnex PUT, for one) require clients to send
// back every property they received, including vendor extensions the client's types cannot know.
// Decoding into a struct and encoding it again loses those properties, reorders the rest and
// re-escapes strings. Merge instead starts from the bytes the service sent and rewrites only the
// members whose typed value changed, so everything else goes back byte for byte.
package rawjson

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
)

// Merge returns the JSON object to send for rec, a struct (or pointer to one) that was decoded
// from raw and then changed. Members of raw whose names rec's type does not declare are kept
// verbatim, in their place. Declared members whose value did not change keep their original bytes;
// changed ones are replaced by rec's encoding, recursively for nested objects (so unknown members
// inside them survive too); members rec's encoding leaves out (cleared optional fields) are
// dropped; members rec sets that raw lacks are appended.
//
// With an empty raw, Merge is json.Marshal(rec). If raw is not a JSON object or does not decode
// into rec's type, rec's plain encoding is returned with an error saying why, so a caller can
// decide whether to send it.
func Merge(raw []byte, rec any) ([]byte, error) {
	enc, err := json.Marshal(rec)
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return enc, nil
	}
	v := reflect.ValueOf(rec)
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return enc, errors.New("rawjson: nil record")
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return enc, fmt.Errorf("rawjson: %s is not a struct", v.Type())
	}
	old := reflect.New(v.Type())
	if err := json.Unmarshal(raw, old.Interface()); err != nil {
		return enc, fmt.Errorf("rawjson: the raw record does not decode into %s: %w", v.Type(), err)
	}
	out, err := mergeObject(raw, enc, old.Elem(), v)
	if err != nil {
		return enc, err
	}
	return out, nil
}

// Member is one name/value pair of a JSON object, as byte slices of the input.
type Member struct {
	// Key is the member name as written, quotes and escapes included.
	Key []byte
	// Name is the unescaped member name.
	Name string
	// Value is the member's value as written.
	Value []byte
}

// Members splits a JSON object into its members, in order, without decoding the values. It
// fails on anything that is not a single valid JSON object.
func Members(obj []byte) ([]Member, error) {
	if !json.Valid(obj) {
		return nil, errors.New("rawjson: invalid JSON")
	}
	s := scanner{b: obj}
	s.ws()
	if !s.eat('{') {
		return nil, errors.New("rawjson: not a JSON object")
	}
	var out []Member
	s.ws()
	if s.eat('}') {
		return out, nil
	}
	for {
		s.ws()
		k0 := s.i
		s.skipString()
		key := obj[k0:s.i]
		var name string
		if err := json.Unmarshal(key, &name); err != nil {
			return nil, err
		}
		s.ws()
		s.eat(':')
		s.ws()
		v0 := s.i
		s.skipValue()
		out = append(out, Member{Key: key, Name: name, Value: obj[v0:s.i]})
		s.ws()
		if s.eat(',') {
			continue
		}
		s.eat('}')
		return out, nil
	}
}

// scanner walks JSON that json.Valid accepted, so it needs no error handling of its own.
type scanner struct {
	b []byte
	i int
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *scanner) eat(c byte) bool {
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

func (s *scanner) skipString() {
	s.i++ // opening quote
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case '\\':
			s.i += 2
		case '"':
			s.i++
			return
		default:
			s.i++
		}
	}
}

func (s *scanner) skipValue() {
	if s.i >= len(s.b) {
		return
	}
	switch s.b[s.i] {
	case '"':
		s.skipString()
	case '{', '[':
		depth := 0
		for s.i < len(s.b) {
			switch s.b[s.i] {
			case '"':
				s.skipString()
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					s.i++
					return
				}
			}
			s.i++
		}
	default: // number, true, false, null
		for s.i < len(s.b) {
			switch s.b[s.i] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return
			}
			s.i++
		}
	}
}

// field is one JSON member a struct type declares.
type field struct {
	index []int
	typ   reflect.Type
}

var fieldCache sync.Map // reflect.Type -> map[string]field

// fieldsOf lists the JSON members t declares, by name, the way encoding/json names them.
func fieldsOf(t reflect.Type) map[string]field {
	if fs, ok := fieldCache.Load(t); ok {
		return fs.(map[string]field)
	}
	fs := map[string]field{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				for n, sub := range fieldsOf(ft) {
					if _, dup := fs[n]; !dup {
						fs[n] = field{index: append([]int{i}, sub.index...), typ: sub.typ}
					}
				}
				continue
			}
		}
		if name == "" {
			name = f.Name
		}
		fs[name] = field{index: []int{i}, typ: f.Type}
	}
	fieldCache.Store(t, fs)
	return fs
}

var (
	marshalerType     = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
)

// isPlainStruct reports whether values of t encode as a JSON object of their fields, so a
// change inside one can be merged member by member.
func isPlainStruct(t reflect.Type) bool {
	if t.Kind() != reflect.Struct {
		return false
	}
	pt := reflect.PointerTo(t)
	return !t.Implements(marshalerType) && !pt.Implements(marshalerType) &&
		!t.Implements(textMarshalerType) && !pt.Implements(textMarshalerType)
}

// fieldByIndex is reflect.Value.FieldByIndex that yields the zero value through nil pointers.
func fieldByIndex(v reflect.Value, index []int) reflect.Value {
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return reflect.Zero(v.Type().Elem().Field(x).Type)
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v
}

// mergeObject merges the object raw (decoded as old) with enc, the encoding of cur.
func mergeObject(raw, enc []byte, old, cur reflect.Value) ([]byte, error) {
	rawMembers, err := Members(raw)
	if err != nil {
		return nil, err
	}
	encMembers, err := Members(enc)
	if err != nil {
		return nil, err
	}
	fields := fieldsOf(cur.Type())
	encByName := make(map[string]int, len(encMembers))
	for i, m := range encMembers {
		encByName[m.Name] = i
	}
	used := make([]bool, len(encMembers))
	var buf bytes.Buffer
	buf.Grow(len(raw) + len(enc)/4)
	buf.WriteByte('{')
	n := 0
	write := func(key, val []byte) {
		if n > 0 {
			buf.WriteByte(',')
		}
		buf.Write(key)
		buf.WriteByte(':')
		buf.Write(val)
		n++
	}
	for _, m := range rawMembers {
		f, known := fields[m.Name]
		if !known {
			write(m.Key, m.Value) // a member the type does not model: back as it came
			continue
		}
		j, present := encByName[m.Name]
		if !present || used[j] {
			continue // cleared by the caller (or a repeated name in raw)
		}
		used[j] = true
		ov, cv := fieldByIndex(old, f.index), fieldByIndex(cur, f.index)
		if reflect.DeepEqual(ov.Interface(), cv.Interface()) {
			write(m.Key, m.Value)
			continue
		}
		ft := f.typ
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
			ov, cv = reflect.Indirect(ov), reflect.Indirect(cv)
		}
		if isPlainStruct(ft) && ov.IsValid() && cv.IsValid() && len(m.Value) > 0 && m.Value[0] == '{' {
			sub, err := mergeObject(m.Value, encMembers[j].Value, ov, cv)
			if err == nil {
				write(m.Key, sub)
				continue
			}
		}
		write(m.Key, encMembers[j].Value)
	}
	for j, m := range encMembers {
		if !used[j] {
			write(m.Key, m.Value)
		}
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}
