package ss12000server

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/ss12000"
)

// TestEdusyncsOwnClientKeepsACopyCurrent reads the provider as a receiver built with edusync
// would: a full sync, then delta syncs that see a renamed pupil and one who left.
func TestEdusyncsOwnClientKeepsACopyCurrent(t *testing.T) {
	e := newEnv(t, nil, nil)
	e.sync(school(), withProtected())
	ctx := context.Background()
	syncer := &ss12000.Syncer{Client: e.client(testAudience), Now: e.clock.Now,
		Types: []ss12000.EndPointsEnum{ss12000.EndPointsOrganisation, ss12000.EndPointsPerson, ss12000.EndPointsGroup, ss12000.EndPointsDuty}}
	var state ss12000.SyncState
	copyOf := map[string]string{} // person id -> family name
	handle := func(_ context.Context, c ss12000.Change) error {
		if c.Type != ss12000.EndPointsPerson {
			return nil
		}
		if c.Deleted {
			delete(copyOf, c.ID)
			return nil
		}
		copyOf[c.ID] = c.Record.(ss12000.PersonExpanded).FamilyName
		return nil
	}
	if _, err := syncer.Full(ctx, &state, handle); err != nil {
		t.Fatal(err)
	}
	if len(copyOf) != 5 {
		t.Fatalf("the full sync copied %d persons", len(copyOf))
	}
	e.clock.Advance(time.Hour)
	next := school()
	next.Persons[0].FamilyName = "Öberg Lind"
	next.Persons = slices.DeleteFunc(next.Persons, func(p reconcile.Person) bool { return p.Keys.SourceKey == "p-elev2" })
	next.Memberships = slices.DeleteFunc(next.Memberships, func(m reconcile.Membership) bool { return m.Person == "p-elev2" })
	e.sync(next, reconcile.Options{IncludeProtected: true, Removals: reconcile.Removals{Enabled: true}})
	e.clock.Advance(time.Minute)
	rep, err := syncer.Delta(ctx, &state, handle)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, n := range copyOf {
		names = append(names, n)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"Berg", "Lind", "Öberg", "Öberg Lind"}) || rep.Deleted != 1 {
		t.Errorf("after the delta sync: %q, %d deleted", names, rep.Deleted)
	}
	// The iterators page through the provider.
	c := e.client(testAudience)
	n := 0
	for p, err := range c.ListPersons(ctx, &ss12000.ListPersonsParams{Limit: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		if p.ID == "" {
			t.Error("a person without id")
		}
		n++
	}
	if n != 4 {
		t.Errorf("ListPersons read %d persons", n)
	}
}
