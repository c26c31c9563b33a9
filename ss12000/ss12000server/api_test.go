package ss12000server

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/ss12000"
)

func TestRequestsAreCheckedAsTheStandardAnswers(t *testing.T) {
	e := newEnv(t, nil, nil)
	e.sync(school(), withProtected())
	dnp := e.token(testAudience, nil)
	a := e.get("/persons?limit=1")
	var pg page[ss12000.Person]
	a.decode(t, &pg)
	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		code                     string
	}{
		{"unknown path", "GET", "/shoes", "", 404, "not_found"},
		{"outside the base path", "GET", "/../persons", "", 404, "not_found"},
		{"list with another method", "PUT", "/persons", "", 405, "method_not_allowed"},
		{"a write the provider does not take", "POST", "/attendances", "{}", 405, "method_not_allowed"},
		{"unknown parameter", "GET", "/persons?shoeSize=42", "", 400, "invalid_parameter"},
		{"value outside the code list", "GET", "/groups?groupType=Fotbollslag", "", 400, "invalid_parameter"},
		{"unknown sortkey", "GET", "/persons?sortkey=ShoeSizeAsc", "", 400, "invalid_parameter"},
		{"unknown expand", "GET", "/persons?expand=shoes", "", 400, "invalid_parameter"},
		{"limit zero", "GET", "/persons?limit=0", "", 400, "invalid_parameter"},
		{"limit not a number", "GET", "/persons?limit=ten", "", 400, "invalid_parameter"},
		{"bad date", "GET", "/persons?meta.modified.after=yesterday", "", 400, "invalid_parameter"},
		{"pageToken with a filter", "GET", "/persons?nameContains=a&pageToken=" + url.QueryEscape(pg.PageToken), "", 400, "invalid_parameter"},
		{"pageToken of another list", "GET", "/groups?pageToken=" + url.QueryEscape(pg.PageToken), "", 400, "invalid_parameter"},
		{"pageToken not one of ours", "GET", "/persons?pageToken=%25%25%25", "", 400, "invalid_parameter"},
		{"pageToken forged", "GET", "/persons?pageToken=" + strings.Repeat("A", 80), "", 410, "page_token_expired"},
		{"a list's pageToken on /deletedEntities", "GET", "/deletedEntities?pageToken=" + url.QueryEscape(pg.PageToken), "", 400, "invalid_parameter"},
		{"a list's pageToken on /subscriptions", "GET", "/subscriptions?pageToken=" + url.QueryEscape(pg.PageToken), "", 400, "invalid_parameter"},
		{"pageToken with a filter on /deletedEntities", "GET", "/deletedEntities?entities=Person&pageToken=" + url.QueryEscape(pg.PageToken), "", 400, "invalid_parameter"},
		{"calendar events without their time range", "GET", "/calendarEvents", "", 400, "invalid_parameter"},
		{"lookup with unknown fields", "POST", "/persons/lookup", `{"ids":[],"shoes":[]}`, 400, "invalid_body"},
		{"lookup not JSON", "POST", "/persons/lookup", `{"ids":`, 400, "invalid_body"},
		{"lookup with too many keys", "POST", "/persons/lookup", `{"ids":[` + strings.Repeat(`"x",`, 100) + `"x"]}`, 413, "too_many_keys"},
		{"get of an unknown id", "GET", "/persons/00000000-0000-4000-8000-000000000000", "", 404, "not_found"},
		{"get of a kind the provider holds none of", "GET", "/grades/x", "", 404, "not_found"},
		{"log without severity", "POST", "/log/", `{"message":"x"}`, 400, "invalid_body"},
		{"log with an unknown severity", "POST", "/log", `{"message":"x","severityLevel":"Panic"}`, 400, "invalid_body"},
		{"statistics with negative counts", "POST", "/statistics", `{"resourceType":"Person","newCount":-1,"updatedCount":0,"deletedCount":0}`, 400, "invalid_body"},
		{"body too large", "POST", "/log", `{"message":"` + strings.Repeat("x", DefaultMaxBody) + `","severityLevel":"Info"}`, 413, "body_too_large"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := e.do(tc.method, tc.path, dnp, tc.body)
			if a.status != tc.status {
				t.Fatalf("status %d, want %d: %.300s", a.status, tc.status, a.body)
			}
			if code := a.errorCode(t); code != tc.code {
				t.Errorf("code %q, want %q", code, tc.code)
			}
			if tc.status == 405 && a.header.Get("Allow") == "" {
				t.Error("405 without Allow")
			}
			if a.header.Get("X-Request-Id") == "" {
				t.Error("no X-Request-Id")
			}
		})
	}
	e.clock.Advance(DefaultPageTokenTTL + time.Second)
	if a := e.do("GET", "/persons?pageToken="+url.QueryEscape(pg.PageToken), e.token(testAudience, nil), ""); a.status != 410 {
		t.Errorf("an expired pageToken: %d %s", a.status, a.body)
	}
	if a := e.do("GET", "/persons?limit=5000", e.token(testAudience, nil), ""); a.status != 200 {
		t.Errorf("a limit above the maximum is lowered: %d", a.status)
	}
}

func TestKindsTheModelDoesNotHoldAnswerEmpty(t *testing.T) {
	e := newEnv(t, nil, nil)
	e.sync(school(), withProtected())
	for _, path := range []string{"/placements", "/programmes", "/studyplans", "/syllabuses", "/schoolUnitOfferings",
		"/calendarEvents?startTime.onOrAfter=2026-01-01T00:00:00Z&startTime.onOrBefore=2027-01-01T00:00:00Z", "/attendances",
		"/attendanceEvents", "/attendanceSchedule", "/grades", "/absences", "/aggregatedAttendance?startDate=2026-01-01&endDate=2026-12-31",
		"/resources", "/rooms"} {
		if a := e.get(path); a.status != 200 || string(a.body) != `{"data":[]}` {
			t.Errorf("GET %s: %d %s", path, a.status, a.body)
		}
	}
	if a := e.do("POST", "/placements/lookup", e.token(testAudience, nil), `{"ids":["x"],"personIds":["y"]}`); a.status != 200 || string(a.body) != "[]" {
		t.Errorf("placement lookup: %d %s", a.status, a.body)
	}
}

func TestFiltersExpandAndLookups(t *testing.T) {
	e := newEnv(t, nil, nil)
	e.sync(school(), withProtected())
	dnp := e.token(testAudience, nil)
	orgs, _ := listAll[ss12000.Organisation](t, e, dnp, "/organisations?schoolUnitCode=12345678")
	if len(orgs) != 1 {
		t.Fatalf("organisations by school unit code: %+v", orgs)
	}
	unit := orgs[0].ID
	names := func(path string) []string {
		ps, _ := listAll[ss12000.Person](t, e, dnp, path)
		var out []string
		for _, p := range ps {
			out = append(out, p.GivenName)
		}
		slices.Sort(out)
		return out
	}
	for path, want := range map[string][]string{
		"/persons?nameContains=öb": {"Eva", "Åsa Maria"},
		"/persons?relationship.entity.type=enrolment&relationship.organisation=" + unit: {"Nils", "Sara", "Åsa Maria"},
		"/persons?relationship.entity.type=duty":                                        {"Karin"},
		"/persons?relationship.entity.type=responsibleFor.enrolment":                    {"Eva"},
		"/persons?civicNo=20130304-2384":                                                {"Åsa Maria"},
		"/persons?eduPersonPrincipalName=KARIN.BERG@skola.example.se":                   {"Karin"},
		"/persons?relationship.entity.type=groupMembership&relationship.organisation=x": nil,
	} {
		if got := names(path); !slices.Equal(got, want) {
			t.Errorf("%s: %q, want %q", path, got, want)
		}
	}
	ps, _ := listAll[ss12000.PersonExpanded](t, e, dnp, "/persons?nameContains=karin&expand=duties&expand=groupMemberships&expandReferenceNames=true")
	if len(ps) != 1 || len(ps[0].Embedded.Duties) != 1 || ps[0].Embedded.Duties[0].DutyAt.DisplayName != "Björkskolan" {
		t.Fatalf("a teacher with her duties expanded and names: %+v", ps)
	}
	groups, _ := listAll[ss12000.GroupExpanded](t, e, dnp, "/groups?expand=assignmentRoles")
	for _, g := range groups {
		if g.DisplayName == "7A" && (len(g.Embedded.AssignmentRoles) != 1 || g.Embedded.AssignmentRoles[0].AssignmentRoleType != "Mentor") {
			t.Errorf("7A's assignment roles: %+v", g.Embedded)
		}
	}
	a := e.do("POST", "/persons/lookup?expandReferenceNames=true", dnp, `{"civicNos":["201305062380","19000101-0000"]}`)
	var found []ss12000.Person
	a.decode(t, &found)
	if len(found) != 1 || found[0].GivenName != "Nils" || found[0].Enrolments[0].EnroledAt.DisplayName != "Björkskolan" {
		t.Errorf("lookup by civic number: %s", a.body)
	}
	a = e.do("POST", "/organisations/lookup", dnp, `{"schoolUnitCodes":["12345678"],"ids":["`+unit+`"]}`)
	var os []ss12000.Organisation
	a.decode(t, &os)
	if len(os) != 1 {
		t.Errorf("an organisation found by id and code is in the answer once: %s", a.body)
	}
	acts, _ := listAll[ss12000.Activity](t, e, dnp, "/activities?member="+found[0].ID)
	if len(acts) != 0 {
		t.Errorf("Nils takes no mathematics: %+v", acts)
	}
	if a := e.get("/persons/" + found[0].ID + "?expand=groupMemberships"); a.status != 200 || !strings.Contains(string(a.body), `"7A"`) {
		t.Errorf("get with expand: %d %s", a.status, a.body)
	}
}

func TestReceiversLimitedToOrganisationsSeeOnlyThose(t *testing.T) {
	e := newEnv(t, nil, func(o *Options) {
		o.Receivers = append(o.Receivers, Receiver{Name: "other-school", Organisations: []string{"99999999"},
			Bearer: &JWT{JWKSURL: o.Receivers[0].Bearer.JWKSURL, Issuer: testIssuer, Audience: "other"}},
			Receiver{Name: "this-school", Organisations: []string{"12345678"},
				Bearer: &JWT{JWKSURL: o.Receivers[0].Bearer.JWKSURL, Issuer: testIssuer, Audience: "this"}},
			Receiver{Name: "the-principal", Organisations: []string{"org-huvudman"},
				Bearer: &JWT{JWKSURL: o.Receivers[0].Bearer.JWKSURL, Issuer: testIssuer, Audience: "principal"}})
	})
	e.sync(school(), withProtected())
	for aud, want := range map[string]int{"other": 0, "this": 4, "principal": 4} {
		ps, _ := listAll[ss12000.Person](t, e, e.token(aud, nil), "/persons")
		groups, _ := listAll[ss12000.Group](t, e, e.token(aud, nil), "/groups")
		if len(ps) != want || (want == 0) != (len(groups) == 0) {
			t.Errorf("%s sees %d persons and %d groups, want %d persons", aud, len(ps), len(groups), want)
		}
	}
}

// callbackSink records the callbacks it gets and fails the first ones it is told to.
type callbackSink struct {
	mu    sync.Mutex
	got   []map[string]any
	fail  int
	tries int
}

func (s *callbackSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tries++
	if s.fail > 0 {
		s.fail--
		w.WriteHeader(http.StatusBadGateway)
		return
	}
	var m map[string]any
	b, _ := io.ReadAll(r.Body)
	_ = json.Unmarshal(b, &m)
	s.got = append(s.got, m)
}

func (s *callbackSink) count() (int, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.got), s.tries
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("%s: not within 10 s", what)
}

func TestSubscriptionsAreCalledBackAfterACommit(t *testing.T) {
	sink := &callbackSink{fail: 2}
	e := newEnv(t, nil, nil)
	mux := e.srv.Config.Handler.(*http.ServeMux)
	mux.Handle("/callback/", sink)
	e.sync(school(), withProtected())
	dnp := e.token(testAudience, nil)
	target := e.srv.URL + "/callback/dnp"
	a := e.do("POST", "/subscriptions", dnp, `{"name":"dnp","target":"`+target+`","resourceTypes":[{"resource":"Person"},{"resource":"Group"}]}`)
	if a.status != 201 {
		t.Fatalf("create: %d %s", a.status, a.body)
	}
	var sub ss12000.Subscription
	a.decode(t, &sub)
	if sub.ID == "" || !sub.Expires.Equal(e.clock.Now().Add(DefaultSubscriptionLifetime)) {
		t.Errorf("subscription: %+v", sub)
	}
	for _, bad := range []string{"https://evil.example/callback", e.srv.URL + "/callbackx", e.srv.URL + "/other"} {
		if a := e.do("POST", "/subscriptions", dnp, `{"name":"x","target":"`+bad+`","resourceTypes":[{"resource":"Person"}]}`); a.status != 403 {
			t.Errorf("target %s: %d", bad, a.status)
		}
	}
	lms := e.token("lms", nil)
	if a := e.do("GET", "/subscriptions/"+sub.ID, lms, ""); a.status != 404 {
		t.Errorf("another receiver reads the subscription: %d", a.status)
	}
	if a := e.do("DELETE", "/subscriptions/"+sub.ID, lms, ""); a.status != 404 {
		t.Errorf("another receiver deletes the subscription: %d", a.status)
	}
	if subs, _ := listAll[ss12000.Subscription](t, e, lms, "/subscriptions"); len(subs) != 0 {
		t.Errorf("another receiver lists %d subscriptions", len(subs))
	}
	// Paged one at a time, the receiver's two subscriptions take two pages; the token between
	// them belongs to that listing only.
	a = e.do("POST", "/subscriptions", dnp, `{"name":"dnp2","target":"`+target+`","resourceTypes":[{"resource":"Person"}]}`)
	if a.status != 201 {
		t.Fatalf("create the second: %d %s", a.status, a.body)
	}
	var second ss12000.Subscription
	a.decode(t, &second)
	subs, tokens := listAll[ss12000.Subscription](t, e, dnp, "/subscriptions?limit=1")
	if len(subs) != 2 || len(tokens) != 1 || subs[0].ID == subs[1].ID {
		t.Errorf("paged one at a time: %d subscriptions over %d tokens", len(subs), len(tokens))
	}
	if len(tokens) > 0 {
		if a := e.do("GET", "/persons?pageToken="+url.QueryEscape(tokens[0]), dnp, ""); a.status != 400 {
			t.Errorf("the subscriptions' pageToken on /persons: %d", a.status)
		}
	}
	if a := e.do("DELETE", "/subscriptions/"+second.ID, dnp, ""); a.status != 204 {
		t.Fatalf("delete the second: %d %s", a.status, a.body)
	}

	next := school()
	next.Persons[0].GivenNames = "Åsa"
	e.clock.Advance(time.Minute)
	e.sync(next, withProtected())
	waitFor(t, "the callback after two failures", func() bool { n, _ := sink.count(); return n == 1 })
	_, tries := sink.count()
	if tries != 3 {
		t.Errorf("the callback was tried %d times, want 3", tries)
	}
	got := sink.got[0]
	if got["modifiedEntities"] == nil || got["modifiedEntites"] != nil {
		t.Errorf("DNP's spelling: %v", got)
	}
	if types := got["modifiedEntities"].([]any); len(types) != 1 || types[0] != "Person" {
		t.Errorf("changed types: %v", types)
	}

	e.clock.Advance(DefaultSubscriptionLifetime - time.Hour)
	if a := e.do("PATCH", "/subscriptions/"+sub.ID, e.token(testAudience, nil), ""); a.status != 200 {
		t.Fatalf("renew: %d %s", a.status, a.body)
	}
	e.clock.Advance(2 * time.Hour)
	if a := e.do("GET", "/subscriptions/"+sub.ID, e.token(testAudience, nil), ""); a.status != 200 {
		t.Errorf("a renewed subscription expired: %d", a.status)
	}
	e.clock.Advance(DefaultSubscriptionLifetime)
	if a := e.do("GET", "/subscriptions/"+sub.ID, e.token(testAudience, nil), ""); a.status != 404 {
		t.Errorf("an expired subscription: %d", a.status)
	}
}

func TestLogAndStatisticsAreKeptForTheHost(t *testing.T) {
	e := newEnv(t, nil, nil)
	dnp := e.token(testAudience, nil)
	for _, path := range []string{"/log", "/log/"} {
		if a := e.do("POST", path, dnp, `{"message":"courseCode MAT101 cannot be mapped","messageType":"ValueMapping","severityLevel":"Warning","resourceType":"Syllabus"}`); a.status != 201 {
			t.Fatalf("POST %s: %d %s", path, a.status, a.body)
		}
	}
	for _, path := range []string{"/statistics", "/statistics/"} {
		if a := e.do("POST", path, dnp, `{"resourceType":"Person","newCount":3,"updatedCount":1,"deletedCount":0,"description":"DNP run","endDate":"2026-08-17T07:00:00Z"}`); a.status != 201 {
			t.Fatalf("POST %s: %d %s", path, a.status, a.body)
		}
	}
	logs, err := e.p.LogEntries(t.Context(), time.Time{}, 0)
	if err != nil || len(logs) != 2 || logs[0].Receiver != "dnp" || logs[0].Entry.SeverityLevel != "Warning" {
		t.Fatalf("log entries: %+v %v", logs, err)
	}
	stats, err := e.p.StatisticsEntries(t.Context(), time.Time{}, 1)
	if err != nil || len(stats) != 1 || stats[0].Entry.NewCount != 3 || !strings.Contains(string(stats[0].Raw), `"description":"DNP run"`) {
		t.Fatalf("statistics: %+v %v", stats, err)
	}
	if later, _ := e.p.LogEntries(t.Context(), e.clock.Now(), 0); len(later) != 0 {
		t.Errorf("entries after now: %d", len(later))
	}
}

var _ = reconcile.Options{}
