package ss12000

import (
	"encoding/json"
	"testing"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"
)

func testGroup() GroupExpanded {
	day := func(d int) openapi_types.Date {
		return openapi_types.Date{Time: time.Date(2025, 8, d, 0, 0, 0, 0, time.UTC)}
	}
	return GroupExpanded{
		ID: "g1", DisplayName: "7A", GroupType: "Klass", StartDate: day(1),
		Organisation: OrganisationReference{ID: "o1"},
		Meta:         Meta{Modified: time.Date(2025, 8, 1, 10, 0, 0, 0, time.UTC)},
		GroupMemberships: []GroupMembership{
			{Person: PersonReference{ID: "p1"}, StartDate: day(1)},
			{Person: PersonReference{ID: "p2"}, StartDate: day(2), EndDate: day(20)},
		},
	}
}

// TestContentHashTellsVersionsApart: the version key of a record changes with any of its
// fields, and only with them.
func TestContentHashTellsVersionsApart(t *testing.T) {
	base := contentHash(testGroup())
	if again := contentHash(testGroup()); again != base {
		t.Fatalf("equal records hash %x and %x", base, again)
	}
	// An equal record decoded from JSON (another process, another run) hashes alike.
	b, err := json.Marshal(testGroup())
	if err != nil {
		t.Fatal(err)
	}
	var decoded GroupExpanded
	if err := json.Unmarshal(b, &decoded); err != nil {
		t.Fatal(err)
	}
	if got := contentHash(decoded); got != base {
		t.Errorf("the record after a JSON round trip hashes %x, want %x", got, base)
	}
	changes := map[string]func(*GroupExpanded){
		"name":       func(g *GroupExpanded) { g.DisplayName = "7B" },
		"name moved": func(g *GroupExpanded) { g.DisplayName, g.ID = "", "7Ag1" },
		"member":     func(g *GroupExpanded) { g.GroupMemberships[1].Person.ID = "p3" },
		"member order": func(g *GroupExpanded) {
			g.GroupMemberships[0], g.GroupMemberships[1] = g.GroupMemberships[1], g.GroupMemberships[0]
		},
		"member removed":   func(g *GroupExpanded) { g.GroupMemberships = g.GroupMemberships[:1] },
		"no members":       func(g *GroupExpanded) { g.GroupMemberships = []GroupMembership{} },
		"members absent":   func(g *GroupExpanded) { g.GroupMemberships = nil },
		"end date":         func(g *GroupExpanded) { g.GroupMemberships[0].EndDate = g.GroupMemberships[1].EndDate },
		"start one ns on":  func(g *GroupExpanded) { g.StartDate.Time = g.StartDate.Add(time.Nanosecond) },
		"reference name":   func(g *GroupExpanded) { g.Organisation.DisplayName = "Skola" },
		"modified changes": func(g *GroupExpanded) { g.Meta.Modified = g.Meta.Modified.Add(time.Second) },
	}
	seen := map[uint64]string{base: "base"}
	for name, change := range changes {
		g := testGroup()
		change(&g)
		h := contentHash(g)
		if other, dup := seen[h]; dup {
			t.Errorf("%s hashes as %s (%x)", name, other, h)
		}
		seen[h] = name
	}
	// The same instant in another zone is the same content.
	g := testGroup()
	g.Meta.Modified = g.Meta.Modified.In(time.FixedZone("CET", 3600))
	if got := contentHash(g); got != base {
		t.Errorf("the same instant in another zone hashes %x, want %x", got, base)
	}
}

// TestContentHashReadsUnexportedAndMapFields: unions keep their content in an unexported
// field, and map entries count whatever their order.
func TestContentHashReadsUnexportedAndMapFields(t *testing.T) {
	a := LookupCalendarEvents200JSONResponseBody{union: json.RawMessage(`[1]`)}
	b := LookupCalendarEvents200JSONResponseBody{union: json.RawMessage(`[2]`)}
	if contentHash(a) == contentHash(b) {
		t.Error("unions with different content hash alike")
	}
	m1, m2 := map[string]int{}, map[string]int{}
	for i, k := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		m1[k] = i
	}
	for i, k := range []string{"h", "g", "f", "e", "d", "c", "b", "a"} {
		m2[k] = 7 - i
	}
	if contentHash(m1) != contentHash(m2) {
		t.Error("equal maps hash differently")
	}
	m2["a"] = 1
	if contentHash(m1) == contentHash(m2) {
		t.Error("different maps hash alike")
	}
	if contentHash(map[string]int(nil)) == contentHash(map[string]int{}) {
		t.Error("an absent map hashes as an empty one")
	}
}

func BenchmarkVersionKey(b *testing.B) {
	g := testGroup()
	for i := range 48 {
		g.GroupMemberships = append(g.GroupMemberships, GroupMembership{Person: PersonReference{ID: "0b6f4c55-9a8e-4d3c-9f61-2f2d0f6a1b" + string(rune('a'+i%26)) + "0"},
			StartDate: g.StartDate})
	}
	rec := syncRecord{id: g.ID, modified: g.Meta.Modified, value: g}
	b.ReportAllocs()
	for b.Loop() {
		versionKey(rec)
	}
}
