package ss12000

import (
	"bytes"
	"errors"
	"testing"

	"github.com/edusync/edusync/internal/apiclient"
)

// FuzzDecodePage feeds list answers to the page decoder (the one the iterators and the Page
// methods use), tolerant and strict: it never panics, every failure is typed, and no record
// without an id is delivered.
func FuzzDecodePage(f *testing.F) {
	f.Add([]byte(`{"data":[{"id":"a","givenName":"Å","familyName":"B","meta":{"created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z"}}],"pageToken":"t"}`))
	f.Add([]byte(`{"data":[{"id":1},{"id":"b","birthDate":"2026-02-30"}],"pageToken":null}`))
	f.Add([]byte(`{"data":null}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"data":[{"id":"x","emails":[{"value":"a@b.se","type":"Privat"}],"_embedded":{"duties":[{"id":"d"}]}}]}`))
	clients := map[bool]*Client{}
	for _, strict := range []bool{false, true} {
		opts := []Option{}
		if strict {
			opts = append(opts, WithStrict())
		}
		c, err := New("https://ss12000.example/v2", opts...)
		if err != nil {
			f.Fatal(err)
		}
		clients[strict] = c
	}
	shape := pageShape(idPersonExpanded)
	f.Fuzz(func(t *testing.T, body []byte) {
		for strict, c := range clients {
			p, err := apiclient.DecodePage(c.core, bytes.NewReader(body), "/persons", &shape)
			if err != nil {
				var de *DecodeError
				if !errors.As(err, &de) {
					t.Fatalf("untyped error %T: %v", err, err)
				}
				continue
			}
			for i := range p.Items {
				if p.Items[i].ID == "" {
					t.Fatal("record without id delivered")
				}
			}
			if strict && len(p.RecordErrors) > 0 {
				t.Fatal("strict mode returned record errors")
			}
		}
	})
}

// FuzzDecodeLookup feeds lookup answers (bare arrays) to the same decoder.
func FuzzDecodeLookup(f *testing.F) {
	f.Add([]byte(`[{"id":"g","displayName":"7A","groupType":"Klass","organisation":{"id":"o"},"startDate":"2026-08-15","meta":{"created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z"}}]`))
	f.Add([]byte(`[{"id":"g","startDate":"15/08/2026"}, 3, null]`))
	c, err := New("https://ss12000.example/v2")
	if err != nil {
		f.Fatal(err)
	}
	shape := apiclient.Shape[GroupExpanded]{ID: idGroupExpanded}
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := apiclient.DecodePage(c.core, bytes.NewReader(body), "/groups/lookup", &shape)
		if err == nil {
			for _, re := range p.RecordErrors {
				if re.Err == nil {
					t.Fatal("record error without a cause")
				}
			}
		}
	})
}
