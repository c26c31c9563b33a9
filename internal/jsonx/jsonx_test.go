package jsonx

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
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
}

// Whatever encoding/json decodes, Unmarshal decodes to the same value; what it refuses,
// Unmarshal refuses too.
func TestAgreesWithEncodingJSON(t *testing.T) {
	for _, in := range []string{
		`{"id":"a","displayName":"Åsa","birthDate":"2010-05-01","modified":"2026-09-01T10:00:00Z","tags":["x"],"count":3}`,
		`{"ID":"case","DISPLAYNAME":"upper"}`,
		`{"id":"dup","id":"last wins"}`,
		"{\"id\":\"bad utf8 \xff\"}",
		`{"id":"unknown","extra":{"deep":[1,2,3]}}`,
		`{"id":"null fields","displayName":null,"tags":null,"nested":null}`,
		`{"id":"n","nested":{"id":"inner","count":2}}`,
		`{"id":1}`,
		`{"count":"three"}`,
		`{"birthDate":"not a date"}`,
		`[1,2]`,
		`{"id":"a"} trailing`,
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

func FuzzUnmarshal(f *testing.F) {
	f.Add([]byte(`{"id":"a","birthDate":"2010-05-01","tags":["x"]}`))
	f.Add([]byte(`[{"id":"a"},{"id":2}]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var one record
		_ = Unmarshal(b, &one)
		var many []record
		_ = Unmarshal(b, &many)
	})
}
