package canvas

import (
	"bytes"
	"errors"
	"net/url"
	"strings"
	"testing"

	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/edusync/edusync/internal/apiclient"
)

// FuzzDecodeRecords feeds list pages of any shape to the page decoder the iterators and Page
// methods use (Canvas's options, bare and wrapped arrays): it must never panic, fail only with a
// DecodeError, never deliver a record without an id, and in tolerant mode account for every
// element of a well-formed array either as a record or as a RecordError.
func FuzzDecodeRecords(f *testing.F) {
	for _, s := range []string{
		`[{"id":1,"user_id":5,"type":"StudentEnrollment","enrollment_state":"active","grades":{"current_score":91.5,"final_score":null}}]`,
		`[{"id":1},{"id":"two"},{"user_id":7},{"id":4,"grades":{"current_score":"x"}}]`,
		`[{"id":1,"user":{"id":5,"name":"Åsa","sis_user_id":null}},{"id":2,"created_at":"2026-01-19T08:00:00Z"}]`,
		`[{"id":1,"id":2}]`, `[]`, `[null]`, `[1,"a",true]`, `{}`, `[`, `[{"id":1}`, "[\"\xff\"]", "",
		`[{"id":9223372036854775807},{"id":-1},{"id":1e3}]`,
		`{"enrollment_terms":[{"id":1}]}`, `{"enrollment_terms":{}}`, `{"x":[]}`, `{"enrollment_terms":[1,2]`,
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	clients := map[bool]*Client{}
	for _, strict := range []bool{false, true} {
		opts := []Option{}
		if strict {
			opts = append(opts, WithStrict())
		}
		c, err := New("https://c.example", opts...)
		if err != nil {
			f.Fatal(err)
		}
		clients[strict] = c
	}
	f.Fuzz(func(t *testing.T, b []byte, strict bool) {
		key := ""
		if len(b) > 0 && b[0] == '{' {
			key = "enrollment_terms"
		}
		s := shape(key, enrollmentID)
		p, err := apiclient.DecodePage(clients[strict].core, bytes.NewReader(b), "/courses/1/enrollments", &s)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("untyped error %T: %v", err, err)
			}
			return
		}
		for i := range p.Items {
			if p.Items[i].ID == 0 {
				t.Fatalf("record %d without id delivered from %q", i, b)
			}
		}
		if strict && len(p.RecordErrors) > 0 {
			t.Fatalf("strict mode returned %d record errors instead of failing", len(p.RecordErrors))
		}
		var parts []jsontext.Value
		if key == "" && json.Unmarshal(b, &parts, decodeOpts) == nil && !strict && len(p.Items)+len(p.RecordErrors) != len(parts) {
			t.Fatalf("%d elements became %d records and %d errors", len(parts), len(p.Items), len(p.RecordErrors))
		}
		for _, re := range p.RecordErrors {
			if re.Err == nil || re.Error() == "" {
				t.Fatalf("record error without cause: %+v", re)
			}
			if !errors.Is(re, re.Err) {
				t.Fatal("RecordError does not unwrap to its cause")
			}
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
