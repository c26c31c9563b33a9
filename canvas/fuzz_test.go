package canvas

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
)

// FuzzDecodeRecords feeds list pages of any shape to the record decoder: it must never panic,
// never deliver a record without an id, and in tolerant mode account for every element of a
// well-formed array either as a record or as a RecordError.
func FuzzDecodeRecords(f *testing.F) {
	for _, s := range []string{
		`[{"id":1,"user_id":5,"type":"StudentEnrollment","enrollment_state":"active","grades":{"current_score":91.5,"final_score":null}}]`,
		`[{"id":1},{"id":"two"},{"user_id":7},{"id":4,"grades":{"current_score":"x"}}]`,
		`[{"id":1,"user":{"id":5,"name":"Åsa","sis_user_id":null}},{"id":2,"created_at":"2026-01-19T08:00:00Z"}]`,
		`[{"id":1,"id":2}]`, `[]`, `[null]`, `[1,"a",true]`, `{}`, `[`, `[{"id":1}`, "[\"\xff\"]", "",
		`[{"id":9223372036854775807},{"id":-1},{"id":1e3}]`,
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, b []byte, strict bool) {
		items, bad, err := decodeRecords("https://c.example/api/v1/courses/1/enrollments", b, enrollmentID, strict, 100)
		if err != nil {
			if items != nil || bad != nil {
				t.Fatalf("records next to a page error: %d items, %d bad", len(items), len(bad))
			}
			return
		}
		for i := range items {
			if items[i].ID == 0 {
				t.Fatalf("record %d without id delivered from %q", i, b)
			}
		}
		if strict && len(bad) > 0 {
			t.Fatalf("strict mode returned %d record errors instead of failing", len(bad))
		}
		var parts []jsontext.Value
		if perr := unmarshalJSON(b, &parts); perr == nil && !strict && len(items)+len(bad) != len(parts) {
			t.Fatalf("%d elements became %d records and %d errors", len(parts), len(items), len(bad))
		}
		for _, re := range bad {
			if re.Err == nil || re.Error() == "" {
				t.Fatalf("record error without cause: %+v", re)
			}
			if !errors.Is(re, re.Err) {
				t.Fatal("RecordError does not unwrap to its cause")
			}
		}
	})
}

// FuzzUnwrapArray checks the decoder of wrapped lists ({"enrollment_terms": [...]}).
func FuzzUnwrapArray(f *testing.F) {
	for _, s := range []string{`{"enrollment_terms":[{"id":1}]}`, `{"enrollment_terms":{}}`, `{"x":[]}`, `[]`, `{`, `{"enrollment_terms":[1,2]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := unwrapArray(b, "enrollment_terms")
		if err == nil && (len(v) == 0 || v[0] != '[') {
			t.Fatalf("unwrapped %q from %q", v, b)
		}
	})
}

// FuzzParseRef checks that any reference a user or a configuration file writes either fails
// with an error or becomes a Ref whose path segment cannot break out of its place in the path
// (no unescaped "/", ".", "?", "#") and decodes back to the reference.
func FuzzParseRef(f *testing.F) {
	for _, s := range []string{"42", "self", "sis_course_id:BENCH", "sis_user_id:a/b.c", "hex:sis_user_id:612f62", "hex:sis_user_id:zz",
		"sis_term_id:", "sis_login_id:a b%c?d#e", "unknown:x", "sis_section_id:..", "sis_account_id:Ämne/Ø", " 7 ", "99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRef(s)
		if err != nil {
			if r != "" {
				t.Fatalf("ParseRef(%q) returned %q next to an error", s, r)
			}
			return
		}
		seg := r.PathSegment()
		if strings.ContainsAny(seg, "/.?#") {
			t.Fatalf("path segment %q of %q is not safe", seg, s)
		}
		if back, err := url.PathUnescape(seg); err != nil || back != string(r) {
			t.Fatalf("path segment %q decodes to %q (%v), want %q", seg, back, err, r)
		}
		hexSeg := r.HexPathSegment()
		if strings.ContainsAny(hexSeg, "/.?#") {
			t.Fatalf("hex segment %q of %q is not safe", hexSeg, s)
		}
		if r.IsSIS() {
			again, err := ParseRef(hexSeg)
			if err != nil || again != r {
				t.Fatalf("hex form %q reads back as %q (%v), want %q", hexSeg, again, err, r)
			}
		}
	})
}
