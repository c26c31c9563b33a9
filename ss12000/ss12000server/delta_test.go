package ss12000server

import (
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/ss12000"
)

func TestMetaModifiedMovesOnlyForRecordsThatChanged(t *testing.T) {
	e := newEnv(t, nil, nil)
	e.sync(school(), withProtected())
	first := e.clock.Now()
	e.clock.Advance(time.Hour)
	next := school()
	next.Persons[2].FamilyName = "Holmberg" // Nils
	rep := e.sync(next, withProtected())
	if rep.Counts.Updated != 1 {
		t.Fatalf("the rename planned %+v", rep.Counts)
	}
	dnp := e.token(testAudience, nil)
	changed, _ := listAll[ss12000.Person](t, e, dnp, "/persons?meta.modified.after="+url.QueryEscape(first.Format(time.RFC3339Nano)))
	if len(changed) != 1 || changed[0].FamilyName != "Holmberg" || !changed[0].Meta.Modified.Equal(e.clock.Now()) || !changed[0].Meta.Created.Equal(first) {
		t.Fatalf("persons modified after the first run: %+v", changed)
	}
	// The teacher's duty names the person by id only: it did not change. Nor did the groups.
	for _, path := range []string{"/duties", "/groups", "/organisations", "/activities"} {
		if got, _ := listAll[map[string]any](t, e, dnp, path+"?meta.modified.after="+url.QueryEscape(first.Format(time.RFC3339Nano))); len(got) != 0 {
			t.Errorf("%s changed with a pupil's name: %v", path, got)
		}
	}
	// A third run without changes writes nothing at all.
	e.clock.Advance(time.Hour)
	if rep := e.sync(next, withProtected()); rep.Counts.Created+rep.Counts.Updated != 0 {
		t.Errorf("a rerun planned %+v", rep.Counts)
	}
	if got, _ := listAll[ss12000.Person](t, e, dnp, "/persons?meta.modified.after="+url.QueryEscape(e.clock.Now().Add(-time.Minute).Format(time.RFC3339))); len(got) != 0 {
		t.Errorf("a run without changes modified %d persons", len(got))
	}
}

func TestRemovedRecordsAreListedOnDeletedEntities(t *testing.T) {
	e := newEnv(t, nil, nil)
	e.sync(school(), withProtected())
	dnp, lms := e.token(testAudience, nil), e.token("lms", nil)
	before, _ := listAll[ss12000.Person](t, e, dnp, "/persons")
	ids := map[string]string{}
	for _, p := range before {
		ids[p.GivenName] = p.ID
	}
	start := e.clock.Now()
	e.clock.Advance(time.Hour)
	next := school()
	next.Persons = slices.DeleteFunc(next.Persons, func(p reconcile.Person) bool {
		return p.Keys.SourceKey == "p-elev2" || p.Keys.SourceKey == "p-elev3" // Nils and Sara leave
	})
	next.Memberships = slices.DeleteFunc(next.Memberships, func(m reconcile.Membership) bool {
		return m.Person == "p-elev2" || m.Person == "p-elev3"
	})
	e.sync(next, reconcile.Options{IncludeProtected: true, Removals: reconcile.Removals{Enabled: true}})
	after, _ := listAll[ss12000.Person](t, e, dnp, "/persons")
	if len(after) != 3 {
		t.Fatalf("%d persons served after two left", len(after))
	}
	var d struct {
		Data ss12000.DeletedEntitiesData `json:"data"`
	}
	a := e.do(http.MethodGet, "/deletedEntities?after="+url.QueryEscape(start.Format(time.RFC3339)), dnp, "")
	a.decode(t, &d)
	if !slices.Contains(d.Data.Persons, ids["Nils"]) || !slices.Contains(d.Data.Persons, ids["Sara"]) || len(d.Data.Persons) != 2 {
		t.Errorf("removed persons for dnp: %+v", d.Data)
	}
	a = e.do(http.MethodGet, "/deletedEntities?entities=Person", lms, "")
	d.Data = ss12000.DeletedEntitiesData{}
	a.decode(t, &d)
	if !slices.Equal(d.Data.Persons, []string{ids["Nils"]}) {
		t.Errorf("removed persons for a receiver that never saw the protected one: %+v", d.Data.Persons)
	}
	a = e.do(http.MethodGet, "/deletedEntities?after="+url.QueryEscape(e.clock.Now().Format(time.RFC3339Nano)), dnp, "")
	d.Data = ss12000.DeletedEntitiesData{}
	a.decode(t, &d)
	if len(d.Data.Persons) != 0 {
		t.Errorf("after is exclusive: %+v", d.Data)
	}
	if a := e.do(http.MethodGet, "/deletedEntities?entities=Shoe", dnp, ""); a.status != 400 {
		t.Errorf("an unknown type: %d", a.status)
	}
	// Paged by ids.
	a = e.do(http.MethodGet, "/deletedEntities?limit=1", dnp, "")
	var first struct {
		Data      ss12000.DeletedEntitiesData `json:"data"`
		PageToken string                      `json:"pageToken"`
	}
	a.decode(t, &first)
	if len(first.Data.Persons) != 1 || first.PageToken == "" {
		t.Fatalf("first page of one: %s", a.body)
	}
	a = e.do(http.MethodGet, "/deletedEntities?pageToken="+url.QueryEscape(first.PageToken), dnp, "")
	var second struct {
		Data      ss12000.DeletedEntitiesData `json:"data"`
		PageToken string                      `json:"pageToken"`
	}
	a.decode(t, &second)
	if len(second.Data.Persons) != 1 || second.Data.Persons[0] == first.Data.Persons[0] || second.PageToken != "" {
		t.Errorf("second page: %s", a.body)
	}
}

func TestAListingKeepsToItsStartWhileRunsCommit(t *testing.T) {
	e := newEnv(t, nil, nil)
	e.sync(school(), withProtected())
	dnp := e.token(testAudience, nil)
	a := e.do(http.MethodGet, "/persons?limit=2", dnp, "")
	var pg page[ss12000.Person]
	a.decode(t, &pg)
	// Meanwhile a pupil arrives and one is renamed.
	next := school()
	next.Persons = append(next.Persons, reconcile.Person{Keys: reconcile.Keys{SourceKey: "p-ny"}, GivenNames: "Ny", FamilyName: "Elev",
		Contexts: []reconcile.Context{{Organisation: "org-skola", Role: "Elev"}}, Attributes: map[string]string{AttrSchoolType: "GR"}})
	for i := range next.Persons {
		next.Persons[i].FamilyName += "-X"
	}
	e.clock.Advance(time.Minute)
	e.sync(next, withProtected())
	rest, _ := listAll[ss12000.Person](t, e, dnp, "/persons?pageToken="+url.QueryEscape(pg.PageToken))
	got := append(pg.Data, rest...)
	if len(got) != 5 {
		t.Fatalf("the listing has %d persons; it started with 5", len(got))
	}
	for _, p := range rest {
		if p.GivenName == "Ny" {
			t.Error("a person who arrived after the listing started is in it")
		}
		if len(p.FamilyName) < 2 || p.FamilyName[len(p.FamilyName)-2:] != "-X" {
			t.Errorf("the later pages do not serve the current version: %s", p.FamilyName)
		}
	}
	if all, _ := listAll[ss12000.Person](t, e, dnp, "/persons"); len(all) != 6 {
		t.Errorf("a new listing has %d persons", len(all))
	}
}
