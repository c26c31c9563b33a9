package ss12000test

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/edusync/edusync/internal/testclock"
	"github.com/edusync/edusync/ss12000"
)

// manyPersons makes n simple persons with ids p0000, p0001, ...
func manyPersons(n int) []ss12000.Person {
	out := make([]ss12000.Person, n)
	for i := range out {
		out[i] = ss12000.Person{ID: fmt.Sprintf("p%04d", i), GivenName: "Given", FamilyName: fmt.Sprintf("Family%04d", i)}
	}
	return out
}

func TestPagingWholeListing(t *testing.T) {
	s := NewServer(WithDataset(SampleSchool()))
	defer s.Close()
	c := newClient(t, s)
	want := idsOf(All[ss12000.Person](s), personID)
	if !slices.IsSorted(want) {
		t.Fatal("All is not in id order")
	}
	for _, limit := range []string{"1", "7", "100", "314", "315", "5000"} {
		got, pages := c.listIDs("/persons", vals("limit", limit))
		if d := gocmp.Diff(want, got); d != "" {
			t.Errorf("limit %s (-want +got):\n%s", limit, d)
		}
		var n int
		fmt.Sscan(limit, &n)
		n = min(n, DefaultMaxLimit)
		if wantPages := (len(want) + n - 1) / n; pages != wantPages {
			t.Errorf("limit %s: %d pages, want %d", limit, pages, wantPages)
		}
	}
}

func TestPagingLimits(t *testing.T) {
	s := NewServer(WithDataset(Dataset{Persons: manyPersons(30)}), WithLimits(4, 10))
	defer s.Close()
	c := newClient(t, s)
	for _, tc := range []struct {
		limit string
		size  int
	}{{"", 4}, {"3", 3}, {"10", 10}, {"11", 10}, {"1000000", 10}} {
		q := vals()
		if tc.limit != "" {
			q.Set("limit", tc.limit)
		}
		var p page
		c.get("/persons", q, 200, &p)
		if len(p.Data) != tc.size {
			t.Errorf("limit %q: %d records, want %d", tc.limit, len(p.Data), tc.size)
		}
		// A continuation without limit keeps the first request's page size.
		var p2 page
		c.get("/persons", vals("pageToken", *p.PageToken), 200, &p2)
		if len(p2.Data) != tc.size {
			t.Errorf("limit %q: continuation has %d records, want %d", tc.limit, len(p2.Data), tc.size)
		}
	}
	for _, bad := range []string{"0", "-1", "ten", "1.5"} {
		a := c.do("GET", "/persons", vals("limit", bad), nil)
		if a.status != 400 {
			t.Errorf("limit=%s: %d", bad, a.status)
		}
		a.errBody(t)
	}
	if a := c.do("GET", "/persons", vals("limit", "1", "limit", "2"), nil); a.status != 400 {
		t.Errorf("limit twice: %d", a.status)
	}
}

func TestPageTokenRules(t *testing.T) {
	clock := testclock.New(time2026)
	s := NewServer(WithDataset(Dataset{Persons: manyPersons(10)}), WithClock(clock.Now), WithPageTokenTTL(time.Minute))
	defer s.Close()
	c := newClient(t, s)
	var p page
	c.get("/persons", vals("limit", "3", "nameContains", "Given"), 200, &p)
	tok := *p.PageToken

	// Only limit may accompany a pageToken; filters, expand and sortkey may not.
	for _, extra := range [][]string{
		{"nameContains", "Given"}, {"expand", "duties"}, {"sortkey", "GivenNameAsc"},
		{"expandReferenceNames", "true"}, {"meta.modified.after", "2020-01-01T00:00:00Z"}, {"bogus", "1"},
	} {
		a := c.do("GET", "/persons", vals("pageToken", tok, extra[0], extra[1]), nil)
		if a.status != 400 {
			t.Errorf("pageToken with %s: %d", extra[0], a.status)
		}
		a.errBody(t)
	}
	if a := c.do("GET", "/persons", vals("pageToken", ""), nil); a.status != 400 {
		t.Errorf("empty pageToken: %d", a.status)
	}
	if a := c.do("GET", "/persons", vals("pageToken", tok, "limit", "0"), nil); a.status != 400 {
		t.Errorf("pageToken with limit 0: %d", a.status)
	}
	// Unknown tokens are gone.
	a := c.do("GET", "/persons", vals("pageToken", "not-a-token"), nil)
	if a.status != http.StatusGone || a.errBody(t).Code != "page_token_expired" {
		t.Errorf("unknown token: %d %s", a.status, a.body)
	}
	// A token belongs to its listing.
	if a := c.do("GET", "/groups", vals("pageToken", tok), nil); a.status != 400 {
		t.Errorf("persons token on /groups: %d", a.status)
	}
	// Retrying a token gives the same page and the same next token.
	var p1, p1again page
	c.get("/persons", vals("pageToken", tok), 200, &p1)
	c.get("/persons", vals("pageToken", tok), 200, &p1again)
	if d := gocmp.Diff(p1, p1again); d != "" {
		t.Errorf("retried page differs:\n%s", d)
	}
	if *p1.PageToken == tok {
		t.Error("the next page has the same token")
	}
	// Tokens expire after the TTL, counted from when they were handed out.
	clock.Advance(59 * time.Second)
	c.get("/persons", vals("pageToken", *p1.PageToken), 200, nil)
	clock.Advance(2 * time.Minute)
	a = c.do("GET", "/persons", vals("pageToken", *p1.PageToken), nil)
	if a.status != http.StatusGone {
		t.Fatalf("expired token: %d %s", a.status, a.body)
	}
	a.errBody(t)
}

func TestLastPageToken(t *testing.T) {
	for _, null := range []bool{false, true} {
		var opts []Option
		if null {
			opts = append(opts, WithNullPageToken())
		}
		s := NewServer(append(opts, WithDataset(Dataset{Persons: manyPersons(3)}))...)
		c := newClient(t, s)
		var raw map[string]json.RawMessage
		c.get("/persons", vals("limit", "3"), 200, &raw)
		tok, present := raw["pageToken"]
		if null && (!present || string(tok) != "null") {
			t.Errorf("WithNullPageToken: pageToken %q present %v", tok, present)
		}
		if !null && present {
			t.Errorf("last page has pageToken %s", tok)
		}
		// An empty listing is one page with empty data (not null).
		var empty map[string]json.RawMessage
		c.get("/persons", vals("nameContains", "nobody"), 200, &empty)
		if string(empty["data"]) != "[]" {
			t.Errorf("empty listing data = %s", empty["data"])
		}
		s.Close()
	}
}

// TestConsistentListing changes records while a listing is read: changed records in later
// pages are served in their new version, removed ones are skipped, new ones are not part of the
// listing, and no record is served twice.
func TestConsistentListing(t *testing.T) {
	s := NewServer(WithDataset(Dataset{Persons: manyPersons(20)}))
	defer s.Close()
	c := newClient(t, s)
	var p page
	c.get("/persons", vals("limit", "5"), 200, &p)
	seen := map[string]ss12000.Person{}
	take := func(p page) {
		for _, raw := range p.Data {
			var pe ss12000.Person
			if err := json.Unmarshal(raw, &pe); err != nil {
				t.Fatal(err)
			}
			if _, dup := seen[pe.ID]; dup {
				t.Errorf("%s served twice", pe.ID)
			}
			seen[pe.ID] = pe
		}
	}
	take(p)
	// Between pages: change a later record, remove two (one later, one already served),
	// add new ones (one sorting before, one after the current position).
	if _, err := Modify(s, "p0012", func(p *ss12000.Person) { p.GivenName = "Changed" }); err != nil {
		t.Fatal(err)
	}
	if n := Delete[ss12000.Person](s, "p0007", "p0001"); n != 2 {
		t.Fatalf("Delete = %d", n)
	}
	Upsert(s, ss12000.Person{ID: "p0000a", GivenName: "New", FamilyName: "Early"}, ss12000.Person{ID: "p9999", GivenName: "New", FamilyName: "Late"})
	for p.PageToken != nil {
		var next page
		c.get("/persons", vals("pageToken", *p.PageToken), 200, &next)
		take(next)
		p = next
	}
	if _, ok := seen["p0007"]; ok {
		t.Error("removed record served")
	}
	if _, ok := seen["p9999"]; ok {
		t.Error("record created after the snapshot served")
	}
	if seen["p0012"].GivenName != "Changed" {
		t.Errorf("p0012 served as %q, want its new version", seen["p0012"].GivenName)
	}
	if len(seen) != 19 { // 20 - p0007, p0001 was served before its removal
		t.Errorf("%d records served, want 19", len(seen))
	}
	// A new listing sees the new state.
	got, _ := c.listIDs("/persons", vals("limit", "6"))
	if len(got) != 20 || !slices.Contains(got, "p9999") || slices.Contains(got, "p0007") {
		t.Errorf("new listing: %v", got)
	}
}

func TestSortkey(t *testing.T) {
	s := NewServer(WithDataset(SampleSchool()))
	defer s.Close()
	c := newClient(t, s)
	persons := All[ss12000.Person](s)
	byFamily := slices.Clone(persons)
	slices.SortFunc(byFamily, func(a, b ss12000.Person) int {
		return cmp.Or(strings.Compare(a.FamilyName, b.FamilyName), strings.Compare(a.ID, b.ID))
	})
	got, _ := c.listIDs("/persons", vals("sortkey", "FamilyNameAsc", "limit", "50"))
	if d := gocmp.Diff(idsOf(byFamily, personID), got); d != "" {
		t.Errorf("FamilyNameAsc (-want +got):\n%s", d)
	}
	got, _ = c.listIDs("/persons", vals("sortkey", "ModifiedDesc", "limit", "50"))
	for i := 1; i < len(got); i++ {
		a, _ := Get[ss12000.Person](s, got[i-1])
		b, _ := Get[ss12000.Person](s, got[i])
		if a.Meta.Modified.Before(b.Meta.Modified) {
			t.Fatalf("ModifiedDesc: %s before %s", got[i-1], got[i])
		}
	}
	var gp ss12000.GroupsExpanded
	c.get("/groups", vals("sortkey", "DisplayNameAsc", "groupType", "Klass"), 200, &gp)
	var names []string
	for _, g := range gp.Data {
		names = append(names, g.DisplayName)
	}
	if !slices.IsSorted(names) || len(names) != 9 {
		t.Errorf("groups by name: %v", names)
	}
	for _, bad := range [][2]string{{"/persons", "NameAsc"}, {"/organisations", "CivicNoAsc"}, {"/duties", "EndDateAsc"}} {
		a := c.do("GET", bad[0], vals("sortkey", bad[1]), nil)
		if a.status != 400 {
			t.Errorf("%s sortkey=%s: %d", bad[0], bad[1], a.status)
		}
	}
	// An operation without sortkey refuses it as an unknown parameter.
	if a := c.do("GET", "/attendances", vals("sortkey", "ModifiedDesc"), nil); a.status != 400 {
		t.Errorf("attendances sortkey: %d", a.status)
	}
}

func TestUnknownAndBadParameters(t *testing.T) {
	s := NewServer(WithDataset(SampleSchool()))
	defer s.Close()
	c := newClient(t, s)
	for _, q := range [][]string{
		{"bogus", "1"},
		{"civicno", "1"}, // names are case-sensitive
		{"meta.modified.after", "yesterday"},
		{"relationship.startDate.onOrBefore", "2026-02-30"},
		{"expand", "everything"},
		{"expandReferenceNames", "maybe"},
		{"relationship.entity.type", "friend"},
	} {
		a := c.do("GET", "/persons", vals(q...), nil)
		if a.status != 400 {
			t.Errorf("%v: %d", q, a.status)
			continue
		}
		a.errBody(t)
	}
	if a := c.do("GET", "/persons/x", vals("limit", "1"), nil); a.status != 400 {
		t.Errorf("limit on a get: %d", a.status)
	}
}
