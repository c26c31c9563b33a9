package apiquery

import (
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	openapi_types "github.com/oapi-codegen/runtime/types"
)

type kind string

type params struct {
	Name    string             `form:"name,omitempty" json:"name,omitempty"`
	Kinds   []kind             `form:"kind,omitempty"`
	After   time.Time          `form:"meta.modified.after,omitempty"`
	On      openapi_types.Date `form:"startDate.onOrBefore,omitempty"`
	Limit   *int               `form:"limit,omitempty"`
	Expand  bool               `form:"expandReferenceNames,omitempty"`
	Ignored string
}

func TestRoundTrip(t *testing.T) {
	limit := 50
	in := params{
		Name:   "Åsa",
		Kinds:  []kind{"Klass", "Mentor"},
		After:  time.Date(2026, 3, 1, 12, 0, 0, 500, time.UTC),
		On:     openapi_types.Date{Time: time.Date(2026, 8, 15, 0, 0, 0, 0, time.UTC)},
		Limit:  &limit,
		Expand: true,
	}
	q, err := Encode(&in)
	if err != nil {
		t.Fatal(err)
	}
	want := url.Values{"name": {"Åsa"}, "kind": {"Klass", "Mentor"}, "meta.modified.after": {"2026-03-01T12:00:00.0000005Z"},
		"startDate.onOrBefore": {"2026-08-15"}, "limit": {"50"}, "expandReferenceNames": {"true"}}
	if d := cmp.Diff(want, q); d != "" {
		t.Fatalf("Encode (-want +got):\n%s", d)
	}
	var out params
	if err := Decode(q, &out, true); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(in, out); d != "" {
		t.Fatalf("Decode (-want +got):\n%s", d)
	}
}

func TestEncodeSkipsZero(t *testing.T) {
	q, err := Encode(params{})
	if err != nil || len(q) != 0 {
		t.Fatalf("Encode(zero) = %v, %v", q, err)
	}
	if q, err := Encode(nil); err != nil || len(q) != 0 {
		t.Fatalf("Encode(nil) = %v, %v", q, err)
	}
	var p *params
	if q, err := Encode(p); err != nil || len(q) != 0 {
		t.Fatalf("Encode(nil pointer) = %v, %v", q, err)
	}
}

func TestDecodeErrors(t *testing.T) {
	cases := []url.Values{
		{"limit": {"ten"}},
		{"meta.modified.after": {"yesterday"}},
		{"startDate.onOrBefore": {"2026-13-01"}},
		{"expandReferenceNames": {"maybe"}},
		{"name": {"a", "b"}},
		{"nope": {"1"}},
	}
	for _, q := range cases {
		var p params
		err := Decode(q, &p, true)
		var pe *ParamError
		if !errors.As(err, &pe) {
			t.Errorf("Decode(%v) = %v, want a ParamError", q, err)
		}
	}
	var p params
	if err := Decode(url.Values{"nope": {"1"}}, &p, false); err != nil {
		t.Errorf("lenient Decode rejected an unknown parameter: %v", err)
	}
	if err := Decode(url.Values{}, p, false); err == nil {
		t.Error("Decode into a non-pointer succeeded")
	}
}

func TestDecodeCommaList(t *testing.T) {
	var p params
	if err := Decode(url.Values{"kind": {"Klass,Mentor", "Schema"}}, &p, true); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]kind{"Klass", "Mentor", "Schema"}, p.Kinds); d != "" {
		t.Fatal(d)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add("limit=5&kind=a,b&meta.modified.after=2026-01-01T00:00:00Z")
	f.Add("startDate.onOrBefore=2026-02-30&name=%ZZ")
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		var p params
		_ = Decode(q, &p, false)
	})
}
