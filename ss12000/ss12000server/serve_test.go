package ss12000server

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/ss12000"
)

// page is a list answer.
type page[T any] struct {
	Data      []T    `json:"data"`
	PageToken string `json:"pageToken"`
}

func listAll[T any](t testing.TB, e *env, token, path string) ([]T, []string) {
	t.Helper()
	var all []T
	var tokens []string
	next := path
	for range 1000 {
		a := e.do(http.MethodGet, next, token, "")
		if a.status != 200 {
			t.Fatalf("GET %s: %d %s", next, a.status, a.body)
		}
		var pg page[T]
		a.decode(t, &pg)
		all = append(all, pg.Data...)
		if pg.PageToken == "" {
			return all, tokens
		}
		tokens = append(tokens, pg.PageToken)
		base, _, _ := strings.Cut(path, "?")
		next = base + "?pageToken=" + url.QueryEscape(pg.PageToken)
		if lim := queryValue(path, "limit"); lim != "" {
			next += "&limit=" + lim
		}
	}
	t.Fatalf("GET %s does not end", path)
	return nil, nil
}

func queryValue(path, name string) string {
	_, q, _ := strings.Cut(path, "?")
	v, _ := url.ParseQuery(q)
	return v.Get(name)
}

func byName[T any](items []T, name func(*T) string) map[string]*T {
	out := map[string]*T{}
	for i := range items {
		out[name(&items[i])] = &items[i]
	}
	return out
}

func personName(p *ss12000.Person) string { return p.GivenName + " " + p.FamilyName }

func TestServesTheSchoolAsSS12000(t *testing.T) {
	e := newEnv(t, nil, nil)
	e.sync(school(), withProtected())
	dnp := e.token(testAudience, nil)

	orgs, _ := listAll[ss12000.Organisation](t, e, dnp, "/organisations")
	o := byName(orgs, func(o *ss12000.Organisation) string { return o.DisplayName })
	unit, principal := o["Björkskolan"], o["Exempelby kommun"]
	if unit == nil || principal == nil {
		t.Fatalf("organisations: %+v", orgs)
	}
	if unit.ParentOrganisation.ID != principal.ID || unit.SchoolUnitCode != "12345678" || unit.OrganisationType != "Skolenhet" ||
		!slices.Equal(unit.SchoolTypes, []ss12000.SchoolTypesEnum{"GR"}) || principal.OrganisationType != "Huvudman" {
		t.Errorf("school unit %+v, principal %+v", unit, principal)
	}
	if unit.Meta.Created.IsZero() || !unit.Meta.Modified.Equal(t0) {
		t.Errorf("meta of the school unit: %+v, want modified %v", unit.Meta, t0)
	}

	persons, _ := listAll[ss12000.Person](t, e, dnp, "/persons")
	p := byName(persons, personName)
	if len(persons) != 5 {
		t.Fatalf("%d persons for the receiver that opted in to protected persons", len(persons))
	}
	asa := p["Åsa Maria Öberg"]
	if asa == nil {
		t.Fatalf("persons: %v", slices.Collect(func(yield func(string) bool) {
			for k := range p {
				yield(k)
			}
		}))
	}
	want := []ss12000.Enrolment{{EnroledAt: ss12000.SchoolUnitReference{ID: unit.ID}, SchoolType: "GR", SchoolYear: 7,
		StartDate: asa.Enrolments[0].StartDate}}
	if diff := cmp.Diff(want, asa.Enrolments); diff != "" || asa.Enrolments[0].StartDate.Format(time.DateOnly) != "2026-08-17" {
		t.Errorf("enrolments (-want +got):\n%s", diff)
	}
	if asa.CivicNo.Value != "201303042384" || asa.SecurityMarking != "Ingen" || len(asa.Responsibles) != 1 ||
		asa.Responsibles[0].RelationType != "Vårdnadshavare" || asa.Responsibles[0].Person.ID != p["Eva Öberg"].ID {
		t.Errorf("Åsa: %+v", asa)
	}
	if nils := p["Nils Holm"]; nils.CivicNo.Value != "201305062380" || !slices.Equal(nils.EduPersonPrincipalNames, []string{"nils.holm@skola.example.se"}) {
		t.Errorf("Nils: civic number normalised and EPPN given: %+v", nils)
	}
	sara := p["Sara Lind"]
	if sara.SecurityMarking != "Skyddad folkbokföring" || len(sara.Emails) != 0 || !sara.BirthDate.IsZero() ||
		sara.CivicNo.Value == "" || len(sara.EduPersonPrincipalNames) != 1 || len(sara.Enrolments) != 1 {
		t.Errorf("the protected pupil is not reduced to the minimum: %+v", sara)
	}

	duties, _ := listAll[ss12000.Duty](t, e, dnp, "/duties")
	if len(duties) != 1 || duties[0].DutyRole != "Lärare" || duties[0].Person.ID != p["Karin Berg"].ID || duties[0].DutyAt.ID != unit.ID {
		t.Fatalf("duties: %+v", duties)
	}
	groups, _ := listAll[ss12000.Group](t, e, dnp, "/groups")
	g := byName(groups, func(g *ss12000.Group) string { return g.DisplayName })
	if len(g["7A"].GroupMemberships) != 3 || g["7A"].GroupType != "Klass" || g["7A"].SchoolType != "GR" || g["Matematik 7"].SchoolType != "GR" {
		t.Errorf("groups: %+v", groups)
	}
	if ar := duties[0].AssignmentRole; len(ar) != 1 || ar[0].AssignmentRoleType != "Mentor" || ar[0].Group.ID != g["7A"].ID {
		t.Errorf("the teacher's mentor role: %+v", ar)
	}
	acts, _ := listAll[ss12000.Activity](t, e, dnp, "/activities")
	if len(acts) != 1 || acts[0].Groups[0].ID != g["Matematik 7"].ID || len(acts[0].Teachers) != 1 || acts[0].Teachers[0].Duty.ID != duties[0].ID {
		t.Errorf("activities: %+v", acts)
	}
}

func TestReceiversThatDidNotOptInNeverSeeProtectedPersons(t *testing.T) {
	e := newEnv(t, nil, nil)
	e.sync(school(), withProtected())
	lms := e.token("lms", nil)
	persons, _ := listAll[ss12000.Person](t, e, lms, "/persons")
	if len(persons) != 4 {
		t.Fatalf("%d persons", len(persons))
	}
	all, _ := listAll[ss12000.Person](t, e, e.token(testAudience, nil), "/persons")
	sara := byName(all, personName)["Sara Lind"]
	if a := e.do(http.MethodGet, "/persons/"+sara.ID, lms, ""); a.status != 404 {
		t.Errorf("GET of the protected pupil: %d", a.status)
	}
	groups, _ := listAll[ss12000.Group](t, e, lms, "/groups?expandReferenceNames=true")
	for _, g := range groups {
		for _, m := range g.GroupMemberships {
			if m.Person.ID == sara.ID {
				t.Errorf("group %s names the protected pupil", g.DisplayName)
			}
		}
	}
	a := e.do(http.MethodPost, "/persons/lookup", lms, `{"ids":["`+sara.ID+`"],"civicNos":["201307082386"]}`)
	if a.status != 200 || string(a.body) != "[]" {
		t.Errorf("lookup of the protected pupil: %d %s", a.status, a.body)
	}
	if a := e.do(http.MethodGet, "/persons?civicNo=201307082386", lms, ""); !strings.Contains(string(a.body), `"data":[]`) {
		t.Errorf("filter by the protected pupil's number: %s", a.body)
	}
}

func TestPagingIsExactOverTheListing(t *testing.T) {
	e := newEnv(t, nil, nil)
	e.sync(school(), withProtected())
	dnp := e.token(testAudience, nil)
	all, _ := listAll[ss12000.Person](t, e, dnp, "/persons")
	for _, limit := range []string{"1", "2", "3", "5"} {
		got, tokens := listAll[ss12000.Person](t, e, dnp, "/persons?limit="+limit)
		if diff := cmp.Diff(all, got); diff != "" {
			t.Errorf("limit %s (-all +paged):\n%s", limit, diff)
		}
		if len(tokens) == 0 && limit != "5" {
			t.Errorf("limit %s: no pageToken", limit)
		}
	}
	sorted, _ := listAll[ss12000.Person](t, e, dnp, "/persons?sortkey=FamilyNameDesc&limit=2")
	var names []string
	for _, p := range sorted {
		names = append(names, p.FamilyName)
	}
	if !slices.Equal(names, []string{"Öberg", "Öberg", "Lind", "Holm", "Berg"}) {
		t.Errorf("sorted by family name, descending: %q", names)
	}
	_ = context.Background()
	_ = reconcile.Options{}
}
