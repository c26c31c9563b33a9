package ss12000test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/edusync/edusync/ss12000"
)

func TestLookups(t *testing.T) {
	s := NewServer(WithDataset(SampleSchool()), WithMaxLookup(5))
	defer s.Close()
	c := newClient(t, s)
	f := facts(t, s)
	s1, _ := Get[ss12000.Person](s, sampleID("student/1"))
	ids := func(raw []json.RawMessage) []string {
		var out []string
		for _, r := range raw {
			var v struct{ ID string }
			if err := json.Unmarshal(r, &v); err != nil {
				t.Fatal(err)
			}
			out = append(out, v.ID)
		}
		return out
	}
	cases := []struct {
		name string
		path string
		body any
		want []string
	}{
		{"persons by id in the asked order, unknown absent", "/persons/lookup",
			ss12000.PersonsLookup{Ids: []string{s1.ID, "nobody", f.student0.ID}}, []string{s1.ID, f.student0.ID}},
		{"persons by civic number", "/persons/lookup",
			ss12000.PersonsLookup{CivicNos: []string{f.student0.CivicNo.Value, "191212121212"}}, []string{f.student0.ID}},
		{"persons by id and civic number, once", "/persons/lookup",
			ss12000.PersonsLookup{Ids: []string{f.student0.ID}, CivicNos: []string{f.student0.CivicNo.Value}}, []string{f.student0.ID}},
		{"vendor-style id", "/persons/lookup", ss12000.PersonsLookup{Ids: []string{"elev-1042"}}, []string{"elev-1042"}},
		{"organisations by school unit code", "/organisations/lookup",
			ss12000.OrganisationsLookup{SchoolUnitCodes: []string{SampleGYUnitCode}}, []string{f.gy}},
		{"organisations by organisation code", "/organisations/lookup",
			ss12000.OrganisationsLookup{OrganisationCodes: []string{"EXBY"}}, []string{f.huvudman}},
		{"duties", "/duties/lookup", ss12000.IDLookup{Ids: []string{f.teacherGR0.ID}}, []string{f.teacherGR0.ID}},
		{"groups", "/groups/lookup", ss12000.IDLookup{Ids: []string{sampleID("group/class/7A")}}, []string{sampleID("group/class/7A")}},
		{"activities by member", "/activities/lookup", ss12000.ActivitiesLookup{Members: []string{f.student0.ID}},
			[]string{sampleID("activity/" + sampleID("group/teaching/7A/gr-ma")), sampleID("activity/" + sampleID("group/teaching/7A/gr-sv"))}},
		{"empty body", "/rooms/lookup", ss12000.IDLookup{}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c.t = t
			var got []json.RawMessage
			c.post(tc.path, nil, tc.body, 200, &got)
			want := tc.want
			gotIDs := ids(got)
			if strings.Contains(tc.name, "activities") {
				slices.Sort(want)
				slices.Sort(gotIDs)
			}
			if d := cmp.Diff(want, gotIDs); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
			if got == nil {
				t.Error("answer is not a JSON array")
			}
		})
	}
	c.t = t
	// Limits: the keys of all lists count together.
	six := make([]string, 6)
	for i := range six {
		six[i] = fmt.Sprint("id", i)
	}
	for _, body := range []any{
		ss12000.PersonsLookup{Ids: six},
		ss12000.PersonsLookup{Ids: six[:3], CivicNos: six[:3]},
		ss12000.OrganisationsLookup{Ids: six[:2], SchoolUnitCodes: six[:2], OrganisationCodes: six[:2]},
	} {
		path := "/persons/lookup"
		if _, ok := body.(ss12000.OrganisationsLookup); ok {
			path = "/organisations/lookup"
		}
		a := c.do("POST", path, nil, body)
		if a.status != 413 || a.errBody(t).Code != "too_many_keys" {
			t.Errorf("%s with 6 keys: %d %s", path, a.status, a.body)
		}
	}
	c.post("/persons/lookup", nil, ss12000.PersonsLookup{Ids: six[:5]}, 200, nil)
	// Bad bodies and parameters.
	for _, tc := range []struct {
		body   string
		status int
	}{
		{``, 400}, {`{`, 400}, {`[]`, 400}, {`{"ids":"x"}`, 400}, {`{"civicNo":["x"]}`, 400},
		{`{"ids":["a"]} {"ids":["b"]}`, 400}, {`{"ids":[1]}`, 400}, {`null`, 200},
	} {
		a := c.do("POST", "/persons/lookup", nil, tc.body)
		if a.status != tc.status {
			t.Errorf("body %q: %d, want %d (%s)", tc.body, a.status, tc.status, a.body)
		}
		if tc.status >= 400 {
			a.errBody(t)
		}
	}
	if a := c.do("POST", "/persons/lookup", vals("limit", "5"), "{}"); a.status != 400 {
		t.Errorf("lookup with limit: %d", a.status)
	}
	if a := c.do("POST", "/rooms/lookup", vals("expand", "owner"), "{}"); a.status != 400 {
		t.Errorf("rooms lookup declares no expand: %d", a.status)
	}
}

func TestGetByID(t *testing.T) {
	s := NewServer(WithDataset(SampleSchool()))
	defer s.Close()
	c := newClient(t, s)
	var p ss12000.Person
	c.get("/persons/elev-1042", nil, 200, &p)
	if p.ID != "elev-1042" {
		t.Errorf("got %q", p.ID)
	}
	for _, path := range []string{"/persons/nobody", "/organisations/elev-1042", "/absences/x", "/subscriptions/x", "/persons/%20"} {
		a := c.do("GET", path, nil, nil)
		if a.status != 404 || a.errBody(t).Code != "not_found" {
			t.Errorf("%s: %d %s", path, a.status, a.body)
		}
	}
	if a := c.do("GET", "/absences/x", vals("expandReferenceNames", "true"), nil); a.status != 400 {
		t.Errorf("absence by id declares no parameters: %d", a.status)
	}
}
