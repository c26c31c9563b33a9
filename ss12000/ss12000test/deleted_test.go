package ss12000test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/edusync/edusync/internal/testclock"
	"github.com/edusync/edusync/ss12000"
)

func TestDeletedEntities(t *testing.T) {
	clock := testclock.New(time2026)
	s := NewServer(WithDataset(SampleSchool()), WithClock(clock.Now))
	defer s.Close()
	c := newClient(t, s)
	persons := All[ss12000.Person](s)
	groups := All[ss12000.Group](s)
	acts := All[ss12000.Activity](s)

	t0 := clock.Now()
	Delete[ss12000.Person](s, persons[0].ID, persons[1].ID)
	clock.Advance(time.Second)
	t1 := clock.Now()
	Delete[ss12000.Group](s, groups[0].ID)
	Delete[ss12000.Activity](s, acts[0].ID)
	clock.Advance(time.Second)
	Delete[ss12000.Person](s, persons[2].ID, "no-such-person")

	read := func(q ...string) ss12000.DeletedEntitiesData {
		t.Helper()
		var d ss12000.DeletedEntities
		c.get("/deletedEntities", vals(q...), 200, &d)
		if d.PageToken != "" {
			t.Fatalf("unexpected second page")
		}
		return d.Data
	}
	cases := []struct {
		name string
		q    []string
		want ss12000.DeletedEntitiesData
	}{
		{"everything", nil, ss12000.DeletedEntitiesData{
			Persons: []string{persons[0].ID, persons[1].ID, persons[2].ID}, Groups: []string{groups[0].ID}, Activitites: []string{acts[0].ID}}},
		{"after the first (exclusive)", []string{"after", t0.Format(time.RFC3339Nano)}, ss12000.DeletedEntitiesData{
			Persons: []string{persons[2].ID}, Groups: []string{groups[0].ID}, Activitites: []string{acts[0].ID}}},
		{"after the second", []string{"after", t1.Format(time.RFC3339Nano)}, ss12000.DeletedEntitiesData{Persons: []string{persons[2].ID}}},
		{"one type", []string{"entities", "Group"}, ss12000.DeletedEntitiesData{Groups: []string{groups[0].ID}}},
		{"two types", []string{"entities", "Group", "entities", "Activity"}, ss12000.DeletedEntitiesData{Groups: []string{groups[0].ID}, Activitites: []string{acts[0].ID}}},
		{"type without removals", []string{"entities", "Room"}, ss12000.DeletedEntitiesData{}},
	}
	for _, tc := range cases {
		if d := cmp.Diff(tc.want, read(tc.q...)); d != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, d)
		}
	}
	if a := c.do("GET", "/deletedEntities", vals("entities", "Student"), nil); a.status != 400 {
		t.Errorf("unknown entity type: %d", a.status)
	}
	if a := c.do("GET", "/deletedEntities", vals("after", "yesterday"), nil); a.status != 400 {
		t.Errorf("bad after: %d", a.status)
	}
	// Paged like the lists: limit counts ids across types; pageToken alone continues.
	var all []string
	q := vals("limit", "2")
	pages := 0
	for {
		var d ss12000.DeletedEntities
		c.get("/deletedEntities", q, 200, &d)
		pages++
		n := len(d.Data.Persons) + len(d.Data.Groups) + len(d.Data.Activitites)
		if n > 2 {
			t.Errorf("page with %d ids", n)
		}
		all = append(all, d.Data.Persons...)
		all = append(all, d.Data.Groups...)
		all = append(all, d.Data.Activitites...)
		if d.PageToken == "" {
			break
		}
		q = vals("pageToken", d.PageToken)
	}
	if len(all) != 5 || pages != 3 {
		t.Errorf("%d ids in %d pages", len(all), pages)
	}
	wantRemovals := []Removal{
		{ss12000.EndPointsPerson, persons[0].ID, t0}, {ss12000.EndPointsPerson, persons[1].ID, t0},
		{ss12000.EndPointsGroup, groups[0].ID, t1}, {ss12000.EndPointsActivity, acts[0].ID, t1},
		{ss12000.EndPointsPerson, persons[2].ID, t1.Add(time.Second)},
	}
	if d := cmp.Diff(wantRemovals, s.Removals()); d != "" {
		t.Errorf("Removals (-want +got):\n%s", d)
	}
}

func TestDeletedActivitiesSpelling(t *testing.T) {
	for _, tc := range []struct {
		sp   Spelling
		keys []string
	}{
		{StandardSpelling, []string{"activitites"}},
		{CorrectSpelling, []string{"activities"}},
		{BothSpellings, []string{"activities", "activitites"}},
	} {
		s := NewServer(WithDataset(SampleSchool()), WithDeletedActivitiesSpelling(tc.sp))
		Delete[ss12000.Activity](s, All[ss12000.Activity](s)[0].ID)
		var raw struct {
			Data map[string]json.RawMessage `json:"data"`
		}
		newClient(t, s).get("/deletedEntities", nil, 200, &raw)
		var keys []string
		for k := range raw.Data {
			keys = append(keys, k)
		}
		if d := cmp.Diff(tc.keys, keys, sortStrings); d != "" {
			t.Errorf("spelling %d (-want +got):\n%s", tc.sp, d)
		}
		s.Close()
	}
}
