package rawjson

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

type name struct {
	Family string   `json:"familienname"`
	Given  string   `json:"vorname"`
	Titles []string `json:"anrede,omitempty"`
}

type record struct {
	ID       string    `json:"id,omitempty"`
	Revision string    `json:"revision,omitempty"`
	Name     name      `json:"name"`
	Born     time.Time `json:"born,omitzero"`
	Note     string    `json:"note,omitempty"`
	Skip     string    `json:"-"`
}

func decode(t *testing.T, raw string) record {
	t.Helper()
	var r record
	if err := json.Unmarshal([]byte(raw), &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestMerge(t *testing.T) {
	const raw = `{ "id": "p1",
  "urn:x:ext": {"nr" : "A&B <1>",  "list":[1, 2]},
  "revision":"3",
  "name": {"familienname": "M\u00fcller", "vorname":"Anna", "urn:x:inner": true},
  "note":"keep me" }`
	cases := []struct {
		name string
		edit func(*record)
		want string
	}{
		{"unchanged", func(*record) {}, `{"id":"p1","urn:x:ext":{"nr" : "A&B <1>",  "list":[1, 2]},"revision":"3","name":{"familienname": "M\u00fcller", "vorname":"Anna", "urn:x:inner": true},"note":"keep me"}`},
		{"nested change keeps nested extension", func(r *record) { r.Name.Given = "Anne" },
			`{"id":"p1","urn:x:ext":{"nr" : "A&B <1>",  "list":[1, 2]},"revision":"3","name":{"familienname":"M\u00fcller","vorname":"Anne","urn:x:inner":true},"note":"keep me"}`},
		{"cleared field is dropped", func(r *record) { r.Note = "" },
			`{"id":"p1","urn:x:ext":{"nr" : "A&B <1>",  "list":[1, 2]},"revision":"3","name":{"familienname": "M\u00fcller", "vorname":"Anna", "urn:x:inner": true}}`},
		{"new field is appended", func(r *record) { r.Born = time.Date(2005, 5, 1, 0, 0, 0, 0, time.UTC); r.Revision = "4" },
			`{"id":"p1","urn:x:ext":{"nr" : "A&B <1>",  "list":[1, 2]},"revision":"4","name":{"familienname": "M\u00fcller", "vorname":"Anna", "urn:x:inner": true},"note":"keep me","born":"2005-05-01T00:00:00Z"}`},
		{"list added inside nested object", func(r *record) { r.Name.Titles = []string{"Dr."} },
			`{"id":"p1","urn:x:ext":{"nr" : "A&B <1>",  "list":[1, 2]},"revision":"3","name":{"familienname":"M\u00fcller","vorname":"Anna","urn:x:inner":true,"anrede":["Dr."]},"note":"keep me"}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := decode(t, raw)
			c.edit(&r)
			got, err := Merge([]byte(raw), &r)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(c.want, string(got)); diff != "" {
				t.Errorf("-want +got:\n%s", diff)
			}
			if !json.Valid(got) {
				t.Fatalf("invalid JSON %s", got)
			}
			// The typed view of the result is the edited record.
			if diff := cmp.Diff(r, decode(t, string(got))); diff != "" {
				t.Errorf("decoded result differs (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMergeFallbacks(t *testing.T) {
	r := record{ID: "x", Name: name{Family: "A", Given: "B"}}
	plain, _ := json.Marshal(r)
	for _, raw := range []string{"", "  ", `[1]`, `{"name": 5}`, `{`} {
		got, err := Merge([]byte(raw), r)
		if string(got) != string(plain) {
			t.Errorf("raw %q: got %s, want the plain encoding", raw, got)
		}
		if (err == nil) != (len(raw) == 0 || raw == "  ") {
			t.Errorf("raw %q: err = %v", raw, err)
		}
	}
	if _, err := Merge([]byte(`{}`), (*record)(nil)); err == nil {
		t.Error("nil record accepted")
	}
	if _, err := Merge([]byte(`{}`), 5); err == nil {
		t.Error("non-struct accepted")
	}
}

func TestMembers(t *testing.T) {
	ms, err := Members([]byte(` { "a\"b" : [1,{"x":"]}"}] , "c":null,"d":-1.5e3,"e":"\\"}`))
	if err != nil {
		t.Fatal(err)
	}
	var got [][2]string
	for _, m := range ms {
		got = append(got, [2]string{m.Name, string(m.Value)})
	}
	want := [][2]string{{`a"b`, `[1,{"x":"]}"}]`}, {"c", "null"}, {"d", "-1.5e3"}, {"e", `"\\"`}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Error(diff)
	}
	for _, bad := range []string{`[]`, `{"a":}`, `"s"`, ``} {
		if _, err := Members([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if ms, err := Members([]byte(`{}`)); err != nil || len(ms) != 0 {
		t.Errorf("empty object: %v %v", ms, err)
	}
}

func FuzzMerge(f *testing.F) {
	f.Add([]byte(`{"id":"a","name":{"familienname":"x","vorname":"y","z":1},"urn:v":[1]}`), "neu")
	f.Add([]byte(`{"name":{}}`), "")
	f.Fuzz(func(t *testing.T, raw []byte, given string) {
		var r record
		if json.Unmarshal(raw, &r) != nil {
			return
		}
		r.Name.Given = given
		out, err := Merge(raw, &r)
		if err != nil {
			return
		}
		var back record
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("merge of %s gave invalid %s: %v", raw, out, err)
		}
		var plain record
		b, _ := json.Marshal(&r)
		_ = json.Unmarshal(b, &plain) // invalid UTF-8 comes back replaced, as in any encoding
		if back.Name.Given != plain.Name.Given {
			t.Fatalf("edit lost: %s", out)
		}
	})
}
