package ss12000

import (
	"errors"
	"testing"
)

func FuzzDecodePage(f *testing.F) {
	f.Add([]byte(`{"data":[{"id":"a","givenName":"Å","familyName":"B","meta":{"created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z"}}],"pageToken":"t"}`))
	f.Add([]byte(`{"data":[{"id":1},{"id":"b","birthDate":"2026-02-30"}],"pageToken":null}`))
	f.Add([]byte(`{"data":null}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"data":[{"id":"x","emails":[{"value":"a@b.se","type":"Privat"}],"_embedded":{"duties":[{"id":"d"}]}}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, strict := range []bool{false, true} {
			p, err := decodePage("/persons", body, idPersonExpanded, strict)
			if err != nil {
				var de *DecodeError
				var re *RecordError
				if !errors.As(err, &de) && !errors.As(err, &re) {
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

func FuzzDecodeRecords(f *testing.F) {
	f.Add([]byte(`[{"id":"g","displayName":"7A","groupType":"Klass","organisation":{"id":"o"},"startDate":"2026-08-15","meta":{"created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z"}}]`))
	f.Add([]byte(`[{"id":"g","startDate":"15/08/2026"}, 3, null]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		items, bad, err := decodeRecords("/groups/lookup", body, idGroupExpanded, false)
		if err != nil && (len(items) > 0 || len(bad) > 0) {
			t.Fatal("records returned together with a whole-answer error")
		}
	})
}
