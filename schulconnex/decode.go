package schulconnex

import (
	"encoding/json"
	"fmt"
	"iter"

	"github.com/edusync/edusync/internal/jsonx"
	"github.com/edusync/edusync/internal/redact"
)

// fastUnmarshal decodes the large list answers of Schulconnex (a tenant's persons and groups in
// one array) with internal/jsonx, which reads what encoding/json reads, several times faster.
func fastUnmarshal(b []byte, v any) error { return jsonx.Unmarshal(b, v) }

// The records that are written back keep the JSON they were decoded from in Raw, so that an
// update sends every property this package does not model back unchanged.

// UnmarshalJSON decodes a person and keeps its JSON in Raw.
func (p *Person) UnmarshalJSON(b []byte) error {
	type plain Person
	var v plain
	if err := fastUnmarshal(b, &v); err != nil {
		return err
	}
	v.Raw = append(Raw(nil), b...)
	*p = Person(v)
	return nil
}

// UnmarshalJSON decodes a person context and keeps its JSON in Raw.
func (k *Personenkontext) UnmarshalJSON(b []byte) error {
	type plain Personenkontext
	var v plain
	if err := fastUnmarshal(b, &v); err != nil {
		return err
	}
	v.Raw = append(Raw(nil), b...)
	*k = Personenkontext(v)
	return nil
}

// UnmarshalJSON decodes a group and keeps its JSON in Raw.
func (g *Gruppe) UnmarshalJSON(b []byte) error {
	type plain Gruppe
	var v plain
	if err := fastUnmarshal(b, &v); err != nil {
		return err
	}
	v.Raw = append(Raw(nil), b...)
	*g = Gruppe(v)
	return nil
}

// UnmarshalJSON decodes a group membership and keeps its JSON in Raw.
func (m *Gruppenzugehoerigkeit) UnmarshalJSON(b []byte) error {
	type plain Gruppenzugehoerigkeit
	var v plain
	if err := fastUnmarshal(b, &v); err != nil {
		return err
	}
	v.Raw = append(Raw(nil), b...)
	*m = Gruppenzugehoerigkeit(v)
	return nil
}

// Page is the answer of a list endpoint. Schulconnex has no paging: one answer holds every
// record. Records that could not be decoded are left out of Items and described in
// RecordErrors (never in strict mode, where the call fails instead).
type Page[T any] struct {
	Items        []T            // the records that decoded
	RecordErrors []*RecordError // one for each record that did not
}

// RecordError describes one record of an answer that could not be used; the rest of the answer
// is still delivered. It names where and why, never the record's contents.
type RecordError struct {
	Path  string // the endpoint, e.g. /personen
	Index int    // position in the answer
	ID    string // the record's id when it could be read
	Err   error  // why the record could not be used
}

// Error names the endpoint, position and id of the record and the cause.
func (e *RecordError) Error() string {
	id := ""
	if e.ID != "" {
		id = " (id " + e.ID + ")"
	}
	return fmt.Sprintf("schulconnex: %s record %d%s: %s", e.Path, e.Index, id, redact.PersonalNumbers(e.Err.Error()))
}

// Unwrap returns the cause.
func (e *RecordError) Unwrap() error { return e.Err }

// decodeList decodes a JSON array of records tolerantly (internal/jsonx.Array): a record that
// does not decode, or for which idOf returns "", becomes a RecordError and the others are
// delivered; in strict mode the first one fails the call.
func decodeList[T any](path string, raw []byte, idOf func(*T) string, strict bool) ([]T, []*RecordError, error) {
	var hasID func(*T) bool
	if idOf != nil {
		hasID = func(v *T) bool { return idOf(v) != "" }
	}
	items, bad, err := jsonx.Array(raw, hasID, jsonx.ArrayOptions{Strict: strict})
	if err != nil {
		return nil, nil, &DecodeError{Path: path, Err: err}
	}
	var errs []*RecordError
	for _, b := range bad {
		errs = append(errs, &RecordError{Path: path, Index: b.Index, ID: peekID(b.Raw), Err: b.Err})
	}
	return items, errs, nil
}

// peekID reads the id of a record that does not decode ({"id":...} or {"person":{"id":...}} or
// {"gruppe":{"id":...}}), for the error report.
func peekID(raw []byte) string {
	var r struct {
		ID     json.RawMessage `json:"id"`
		Person struct {
			ID json.RawMessage `json:"id"`
		} `json:"person"`
		Gruppe struct {
			ID json.RawMessage `json:"id"`
		} `json:"gruppe"`
	}
	if json.Unmarshal(raw, &r) != nil {
		return ""
	}
	for _, v := range []json.RawMessage{r.ID, r.Person.ID, r.Gruppe.ID} {
		var s string
		if len(v) > 0 && json.Unmarshal(v, &s) == nil && s != "" {
			return truncate(redact.PersonalNumbers(s), 64)
		}
	}
	return ""
}

// DecodePersonen decodes the answer of GET /personen (or /personenkontexte) tolerantly: each
// record that does not decode, or has no person id, becomes a RecordError and the others are
// returned. It is what ListPersonen uses, exported for hosts that read exports of that answer.
func DecodePersonen(body []byte, strict bool) (*Page[Personendatensatz], error) {
	items, bad, err := decodeList("/personen", body, idDatensatz, strict)
	if err != nil {
		return nil, err
	}
	return &Page[Personendatensatz]{Items: items, RecordErrors: bad}, nil
}

func idDatensatz(d *Personendatensatz) string { return d.Person.ID }
func idKontext(k *Personenkontext) string     { return k.ID }
func idGruppe(g *Gruppendatensatz) string     { return g.Gruppe.ID }
func idZugehoerigkeit(m *Gruppenzugehoerigkeit) string {
	return m.ID
}
func idOrganisation(o *Organisation) string { return o.ID }
func idSichtfreigabe(s *Sichtfreigabe) string {
	return s.ID
}

// each yields the items of a page and then its record errors.
func each[T any](page *Page[T], err error) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		if err != nil {
			yield(zero, err)
			return
		}
		for _, it := range page.Items {
			if !yield(it, nil) {
				return
			}
		}
		for _, re := range page.RecordErrors {
			if !yield(zero, re) {
				return
			}
		}
	}
}

func unmarshal(b []byte, out any) error { return json.Unmarshal(b, out) }
