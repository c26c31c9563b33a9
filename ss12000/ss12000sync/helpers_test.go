package ss12000sync_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/edusync/edusync/internal/testclock"
	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/ss12000"
	"github.com/edusync/edusync/ss12000/ss12000sync"
	"github.com/edusync/edusync/ss12000/ss12000test"
)

var ctx = context.Background()

// autumn is a day in the sample school's term.
var autumn = time.Date(2025, 9, 15, 8, 0, 0, 0, time.UTC)

// counter counts the requests a client sends, per path.
type counter struct {
	mu    sync.Mutex
	paths map[string]int
	next  http.RoundTripper
}

func (c *counter) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	if c.paths == nil {
		c.paths = map[string]int{}
	}
	path := r.URL.Path
	if i := strings.LastIndex(path, "/"); i >= 0 {
		path = path[i+1:]
	}
	c.paths[path]++
	c.mu.Unlock()
	return c.next.RoundTrip(r)
}

func (c *counter) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.paths {
		n += v
	}
	return n
}

func (c *counter) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.paths = nil
}

// fixture is a fake service on a settable clock with a counting client.
type fixture struct {
	srv   *ss12000test.Server
	clock *testclock.Clock
	count *counter
	c     *ss12000.Client
}

func newFixture(t testing.TB, ds ss12000test.Dataset, at time.Time, opts ...ss12000test.Option) *fixture {
	t.Helper()
	f := &fixture{clock: testclock.New(at), count: &counter{next: http.DefaultTransport}}
	f.srv = ss12000test.NewServer(append([]ss12000test.Option{ss12000test.WithDataset(ds), ss12000test.WithClock(f.clock.Now)}, opts...)...)
	t.Cleanup(f.srv.Close)
	c, err := ss12000.New(f.srv.URL(), ss12000.WithBearerToken(f.srv.Token()), ss12000.WithoutRetry(),
		ss12000.WithHTTPClient(&http.Client{Transport: f.count}))
	if err != nil {
		t.Fatal(err)
	}
	f.c = c
	return f
}

func (f *fixture) source(t testing.TB, opts ss12000sync.Options) *ss12000sync.Source {
	t.Helper()
	opts.Now = f.clock.Now
	s, err := ss12000sync.New(f.c, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func snapshot(t testing.TB, s *ss12000sync.Source) *reconcile.Snapshot {
	t.Helper()
	snap, err := s.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

func day(s string) openapi_types.Date {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return openapi_types.Date{Time: t}
}

func meta() ss12000.Meta {
	t := time.Date(2025, 8, 1, 6, 0, 0, 0, time.UTC)
	return ss12000.Meta{Created: t, Modified: t}
}

// tiny is a hand-made school: a principal and one unit, a pupil who is also the mentor of her
// own class (a duty with a Mentor assignment role), a teacher who teaches the class through an
// activity, a guardian, a protected pupil, a pupil whose enrolment ended, dates left out.
func tiny() ss12000test.Dataset {
	ref := func(id string) ss12000.ObjectReference { return ss12000.ObjectReference{ID: id} }
	pref := func(id string, m ss12000.SecurityMarking) ss12000.PersonReference {
		return ss12000.PersonReference{ID: id, SecurityMarking: m}
	}
	none := ss12000.SecurityMarkingIngen
	return ss12000test.Dataset{
		Organisations: []ss12000.Organisation{
			{ID: "hm", DisplayName: "Exempelby kommun", OrganisationType: ss12000.OrganisationTypeHuvudman, Meta: meta()},
			{ID: "su", DisplayName: "Norra skolan", OrganisationType: ss12000.OrganisationTypeSkolenhet, SchoolUnitCode: "12345678",
				ParentOrganisation: ref("hm"), SchoolTypes: []ss12000.SchoolTypesEnum{ss12000.SchoolTypesGR}, Meta: meta()},
			{ID: "old", DisplayName: "Nedlagda skolan", OrganisationType: ss12000.OrganisationTypeSkolenhet, EndDate: day("2020-06-30"), Meta: meta()},
		},
		Persons: []ss12000.Person{
			{ID: "p-ada", GivenName: "Ada", MiddleName: "Lind", FamilyName: "Berg", SecurityMarking: none,
				CivicNo: ss12000.CivicNo{Value: "201203042382"}, BirthDate: day("2012-03-04"),
				Emails: []ss12000.Email{{Type: ss12000.EmailTypeSkolaElev, Value: "ada.berg@skola.example"},
					{Type: ss12000.EmailTypePrivat, Value: "ada@privat.example"}},
				EduPersonPrincipalNames: []string{"ada.berg@skola.example"},
				Enrolments:              []ss12000.Enrolment{{EnroledAt: ref("su"), SchoolType: ss12000.SchoolTypesGR, SchoolYear: 7, StartDate: day("2025-08-18")}},
				Responsibles: []ss12000.Responsible{{Person: pref("p-mor", none), RelationType: ss12000.RelationTypesVardnadshavare},
					{Person: pref("p-hemlig", ss12000.SecurityMarkingSekretessmarkering), RelationType: ss12000.RelationTypesVardnadshavare}},
				Meta: meta()},
			{ID: "p-mor", GivenName: "Karin", FamilyName: "Berg", SecurityMarking: none, CivicNo: ss12000.CivicNo{Value: "198001012380"}, Meta: meta()},
			{ID: "p-hemlig", GivenName: "Nn", FamilyName: "Nn", SecurityMarking: ss12000.SecurityMarkingSekretessmarkering, Meta: meta()},
			{ID: "p-tyst", GivenName: "Tova", FamilyName: "Ek", CivicNo: ss12000.CivicNo{Value: "201105052385"}, // no marking: protected
				Enrolments: []ss12000.Enrolment{{EnroledAt: ref("su"), SchoolType: ss12000.SchoolTypesGR, SchoolYear: 8, StartDate: day("2024-08-19")}},
				Meta:       meta()},
			{ID: "p-slutat", GivenName: "Sam", FamilyName: "Ek", SecurityMarking: none,
				Enrolments: []ss12000.Enrolment{{EnroledAt: ref("su"), SchoolType: ss12000.SchoolTypesGR, SchoolYear: 9,
					StartDate: day("2022-08-19"), EndDate: day("2025-06-12")}},
				Meta: meta()},
			{ID: "p-lärare", GivenName: "Lars", FamilyName: "Holm", SecurityMarking: none, Meta: meta()},
		},
		Duties: []ss12000.Duty{
			{ID: "d-ada", Person: pref("p-ada", none), DutyAt: ref("su"), DutyRole: ss12000.DutyRoleLararassistent, StartDate: day("2025-08-18"),
				AssignmentRole: []ss12000.DutyAssignmentRole{{Group: ref("g-7a"), AssignmentRoleType: ss12000.AssignmentRoleTypeMentor}}, Meta: meta()},
			{ID: "d-lars", Person: pref("p-lärare", none), DutyAt: ref("su"), DutyRole: ss12000.DutyRoleLarare, StartDate: day("2015-08-01"), Meta: meta()},
		},
		Groups: []ss12000.Group{
			{ID: "g-7a", DisplayName: "7A", GroupType: ss12000.GroupTypesKlass, Organisation: ref("su"), SchoolType: ss12000.SchoolTypesGR,
				StartDate: day("2025-08-18"), GroupMemberships: []ss12000.GroupMembership{
					{Person: pref("p-ada", none), StartDate: day("2025-08-18")},
					{Person: pref("p-tyst", ss12000.SecurityMarkingSkyddadFolkbokforing)},
					{Person: pref("p-slutat", none), StartDate: day("2022-08-19"), EndDate: day("2025-06-12")},
					{Person: pref("p-okänd", none)}, // no such person
				}, Meta: meta()},
			{ID: "g-gammal", DisplayName: "9C 2024", GroupType: ss12000.GroupTypesKlass, Organisation: ref("su"),
				StartDate: day("2024-08-19"), EndDate: day("2025-06-12"), Meta: meta()},
		},
		Activities: []ss12000.Activity{
			{ID: "a-ma", DisplayName: "Matematik 7A", Organisation: ref("su"), StartDate: day("2025-08-18"),
				Groups: []ss12000.GroupReference{ref("g-7a")}, Teachers: []ss12000.DutyAssignment{{Duty: ref("d-lars")}}, Meta: meta()},
		},
	}
}
