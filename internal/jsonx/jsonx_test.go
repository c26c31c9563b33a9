package jsonx

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	openapi_types "github.com/oapi-codegen/runtime/types"
)

type date struct{ time.Time }

func (d *date) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	t, err := time.Parse(time.DateOnly, s)
	d.Time = t
	return err
}

type record struct {
	ID       string    `json:"id"`
	Name     string    `json:"displayName,omitempty"`
	Born     date      `json:"birthDate,omitzero"`
	Modified time.Time `json:"modified"`
	Tags     []string  `json:"tags,omitempty"`
	Count    int       `json:"count"`
	Nested   *record   `json:"nested,omitempty"`
	Day      openapi_types.Date
	Days     []openapi_types.Date `json:"days"`
}

// Whatever encoding/json decodes, Unmarshal decodes to the same value; what it refuses,
// Unmarshal refuses too.
func TestAgreesWithEncodingJSON(t *testing.T) {
	for _, in := range []string{
		`{"id":"a","displayName":"Åsa","birthDate":"2010-05-01","modified":"2026-09-01T10:00:00Z","tags":["x"],"count":3}`,
		`{"ID":"case","DISPLAYNAME":"upper"}`,
		`{"id":"delimiters","display_name":"snake","DISPLAY-NAME":"kebab"}`,
		`{"id":"dup","id":"last wins"}`,
		"{\"id\":\"bad utf8 \xff\"}",
		`{"id":"unknown","extra":{"deep":[1,2,3]}}`,
		`{"id":"null fields","displayName":null,"tags":null,"nested":null}`,
		`{"id":null,"count":null,"modified":null,"birthDate":null}`,
		`{"id":"n","nested":{"id":"inner","count":2}}`,
		`{"id":1}`,
		`{"count":"three"}`,
		`{"birthDate":"not a date"}`,
		`[1,2]`,
		`{"id":"a"} trailing`,
		`{"Day":"2026-02-28","days":["2026-01-01","2024-02-29"]}`,
		`{"Day":"2026-02-30"}`,
		`{"Day":null}`,
		`{"Day":20260101}`,
		`{"Day":{"a":1},"id":"x"}`,
		`{"Day":["2026-01-01"]}`,
		`{"Day":"2026-01-01T00:00:00Z"}`,
		`{"Day":"\u0032026-01-01"}`,
		`{"days":[null]}`,
		`{"id":`,
	} {
		var want, got record
		werr := json.Unmarshal([]byte(in), &want)
		gerr := Unmarshal([]byte(in), &got)
		if (werr == nil) != (gerr == nil) {
			t.Errorf("%q: encoding/json error %v, jsonx error %v", in, werr, gerr)
			continue
		}
		if werr == nil {
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%q: (-encoding/json +jsonx)\n%s", in, diff)
			}
		}
	}
}

// agree decodes in with both decoders into values prefilled alike (so that what null and
// partial objects leave alone shows) and reports any difference.
func agree(t *testing.T, in []byte) {
	t.Helper()
	prefill := func() record {
		return record{ID: "old", Name: "old", Count: 9, Tags: []string{"old"}, Nested: &record{ID: "old"}}
	}
	want, got := prefill(), prefill()
	werr := json.Unmarshal(in, &want)
	gerr := Unmarshal(in, &got)
	if (werr == nil) != (gerr == nil) {
		t.Fatalf("%q: encoding/json error %v, jsonx error %v", in, werr, gerr)
	}
	if werr == nil {
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("%q: (-encoding/json +jsonx)\n%s", in, diff)
		}
	}
	var wantMany, gotMany []record
	werr, gerr = json.Unmarshal(in, &wantMany), Unmarshal(in, &gotMany)
	if (werr == nil) != (gerr == nil) {
		t.Fatalf("%q as array: encoding/json error %v, jsonx error %v", in, werr, gerr)
	}
	if werr == nil {
		if diff := cmp.Diff(wantMany, gotMany); diff != "" {
			t.Fatalf("%q as array: (-encoding/json +jsonx)\n%s", in, diff)
		}
	}
}

// Into values that already hold data, both decoders leave and replace the same fields.
func TestAgreesOnPrefilledValues(t *testing.T) {
	for _, in := range []string{
		`{"id":null,"count":null,"tags":null,"nested":null}`,
		`{"nested":{"count":3}}`,
		`{"tags":["new"]}`,
		`{"display_name":"x"}`,
		`{}`,
	} {
		agree(t, []byte(in))
	}
}

// Whatever the input, Unmarshal succeeds exactly when encoding/json does, with the same value.
func FuzzUnmarshal(f *testing.F) {
	f.Add([]byte(`{"id":"a","birthDate":"2010-05-01","tags":["x"]}`))
	f.Add([]byte(`[{"id":"a"},{"id":2}]`))
	f.Add([]byte(`{"Day":"2026-01-01","days":["2024-02-29",null,1]}`))
	f.Add([]byte(`{"ID":"a","display_name":"b","count":null,"modified":"2026-01-01T00:00:00+01:00"}`))
	f.Fuzz(func(t *testing.T, b []byte) { agree(t, b) })
}
