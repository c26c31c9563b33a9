package schulconnex

import (
	"bytes"
	"context"
	"iter"
	"sync"

	"github.com/edusync/edusync/internal/apiclient"
	"github.com/edusync/edusync/internal/jsonx"
)

// fastUnmarshal decodes the large list answers of Schulconnex (a tenant's persons and groups in
// one array) with internal/jsonx, which reads what encoding/json reads, several times faster.
func fastUnmarshal(b []byte, v any) error { return jsonx.Unmarshal(b, v) }

// The records that are written back keep the JSON they were decoded from in Raw, so that an
// update sends every property this package does not model back unchanged. A record that fails
// to decode keeps what did decode (as encoding/json does), so that its error can name its id.

// UnmarshalJSON decodes a person and keeps its JSON in Raw.
func (p *Person) UnmarshalJSON(b []byte) error {
	type plain Person
	var v plain
	err := fastUnmarshal(b, &v)
	v.Raw = append(Raw(nil), b...)
	*p = Person(v)
	return err
}

// UnmarshalJSON decodes a person context and keeps its JSON in Raw.
func (k *Personenkontext) UnmarshalJSON(b []byte) error {
	type plain Personenkontext
	var v plain
	err := fastUnmarshal(b, &v)
	v.Raw = append(Raw(nil), b...)
	*k = Personenkontext(v)
	return err
}

// UnmarshalJSON decodes a group and keeps its JSON in Raw.
func (g *Gruppe) UnmarshalJSON(b []byte) error {
	type plain Gruppe
	var v plain
	err := fastUnmarshal(b, &v)
	v.Raw = append(Raw(nil), b...)
	*g = Gruppe(v)
	return err
}

// UnmarshalJSON decodes a group membership and keeps its JSON in Raw.
func (m *Gruppenzugehoerigkeit) UnmarshalJSON(b []byte) error {
	type plain Gruppenzugehoerigkeit
	var v plain
	err := fastUnmarshal(b, &v)
	v.Raw = append(Raw(nil), b...)
	*m = Gruppenzugehoerigkeit(v)
	return err
}

// Page is the answer of a list endpoint. Schulconnex has no paging: one answer holds every
// record. Records that could not be decoded are left out of Items and described in
// RecordErrors (never in strict mode, where the call fails instead).
type Page[T any] struct {
	Items        []T            // the records that decoded
	RecordErrors []*RecordError // one for each record that did not
}

// listPage reads a list answer whole (the Page calls). seen, when not nil, is called for every
// record delivered.
func listPage[T any](ctx context.Context, c *Client, path string, params any, idOf func(*T) string, seen func(*T)) (*Page[T], error) {
	q, err := query(params)
	if err != nil {
		return nil, err
	}
	p, err := apiclient.GetPage(ctx, c.core, &apiclient.Request{Path: path, Query: q}, &apiclient.Shape[T]{ID: idOf})
	if err != nil {
		return nil, err
	}
	if seen != nil {
		for i := range p.Items {
			seen(&p.Items[i])
		}
	}
	return &Page[T]{Items: p.Items, RecordErrors: p.RecordErrors}, nil
}

// list yields the records of a list answer one by one as they arrive, each record that could
// not be decoded as a *RecordError in its place; a failed request ends it with the error.
// Schulconnex answers a list in one piece, so there is no paging to follow.
func list[T any](ctx context.Context, c *Client, path string, params any, idOf func(*T) string, seen func(*T)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		q, err := query(params)
		if err != nil {
			yield(zero, err)
			return
		}
		l := &apiclient.Listing[T]{First: &apiclient.Request{Path: path, Query: q}, Shape: apiclient.Shape[T]{ID: idOf},
			Next: func(*apiclient.Request, *apiclient.PageInfo) (*apiclient.Request, error) { return nil, nil }}
		for v, err := range apiclient.Walk(ctx, c.core, l) {
			if err == nil && seen != nil {
				seen(&v)
			}
			if !yield(v, err) {
				return
			}
		}
	}
}

// decoders decode answers a host holds (DecodePersonen), tolerant and strict, with the client's
// decoding and redaction and no service behind them.
var decoders = sync.OnceValue(func() map[bool]*apiclient.Client {
	out := map[bool]*apiclient.Client{}
	for _, strict := range []bool{false, true} {
		c, err := apiclient.New(apiclient.Config{Name: "schulconnex", BaseURL: "https://schulconnex.invalid", Settings: apiclient.Settings{Strict: strict}})
		if err != nil {
			panic(err) // a fixed, valid configuration
		}
		out[strict] = c
	}
	return out
})

// DecodePersonen decodes the answer of GET /personen (or /personenkontexte) tolerantly: each
// record that does not decode, or has no person id, becomes a RecordError and the others are
// returned. It is what ListPersonen uses, exported for hosts that read exports of that answer.
func DecodePersonen(body []byte, strict bool) (*Page[Personendatensatz], error) {
	p, err := apiclient.DecodePage(decoders()[strict], bytes.NewBuffer(body), "/personen", &apiclient.Shape[Personendatensatz]{ID: idDatensatz})
	if err != nil {
		return nil, err
	}
	return &Page[Personendatensatz]{Items: p.Items, RecordErrors: p.RecordErrors}, nil
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
