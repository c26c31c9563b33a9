package conformance

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/ss12000"
	"github.com/edusync/edusync/ss12000/ss12000server"
	"github.com/edusync/edusync/ss12000/ss12000sync"
	"github.com/edusync/edusync/ss12000/ss12000test"
	"github.com/edusync/edusync/store/sqlite"
	"github.com/edusync/edusync/synth"
)

// ss12000ServerAllowed are the defects of the official SS 12000 2.1.0 file that the
// provider's traffic meets. The provider serves none of the kinds the file gets wrong
// (schedules, grades, attendance), so there are none.
var ss12000ServerAllowed = []Allow{}

// servedSchool is the synth school as a hub serves it: ss12000test serves the population,
// ss12000sync reads it (guardians and persons with protected identity included), the civic
// numbers are added as a source adapter would, and a reviewed plan is applied to a provider on
// SQLite. The provider is served over TLS that asks for client certificates; the receiver
// given is let in by the certificate of the transport returned.
type servedSchool struct {
	root string // scheme://host:port; the provider lives under /ss12000
	tr   *http.Transport
	p    *ss12000server.Provider
	fake *ss12000test.Server
	pop  *synth.Population
}

func serveSchool(t *testing.T, recv ss12000server.Receiver) *servedSchool {
	t.Helper()
	ctx := context.Background()
	opts, err := synth.PresetOptions(synth.PresetSchool)
	if err != nil {
		t.Fatal(err)
	}
	pop, err := synth.Generate(opts)
	if err != nil {
		t.Fatal(err)
	}
	today := pop.Options.Today.Time()
	fake := ss12000test.NewServer(ss12000test.WithDataset(ss12000test.FromPopulation(pop)))
	t.Cleanup(fake.Close)
	c, err := fake.Client()
	if err != nil {
		t.Fatal(err)
	}
	src, err := ss12000sync.New(c, ss12000sync.Options{Guardians: true, Now: func() time.Time { return today }})
	if err != nil {
		t.Fatal(err)
	}
	snap, err := src.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	civic := map[string]string{}
	for _, p := range ss12000test.All[ss12000.Person](fake) {
		civic[p.ID] = p.CivicNo.Value
	}
	for i := range snap.Persons {
		if cn := civic[snap.Persons[i].Keys.SourceKey]; cn != "" {
			if snap.Persons[i].Attributes == nil {
				snap.Persons[i].Attributes = map[string]string{}
			}
			snap.Persons[i].Attributes[ss12000server.AttrCivicNo] = cn
		}
	}

	srv := httptest.NewUnstartedServer(nil)
	srv.TLS = &tls.Config{ClientAuth: tls.RequestClientCert}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	cert := srv.TLS.Certificates[0] // the test server's certificate serves as the client's
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	fp := sha256.Sum256(leaf.Raw)
	recv.Certificates = &ss12000server.Certificates{SHA256: []string{hex.EncodeToString(fp[:])}}
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "provider.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	p, err := ss12000server.New(st, ss12000server.Options{BasePath: "/ss12000", Receivers: []ss12000server.Receiver{recv},
		EPPN: ss12000.EPPNGenerator{Template: "{given}.{family}@skola.example.se"}, Now: func() time.Time { return today.Add(8 * time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	srv.Config.Handler = p
	tgt, err := reconcile.Load(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := reconcile.NewPlan(snap, tgt, reconcile.Options{Now: today, IncludeProtected: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := reconcile.Apply(ctx, plan, p, reconcile.ApplyOptions{}); err != nil || !rep.OK() {
		t.Fatalf("apply: %v", err)
	}
	tr := srv.Client().Transport.(*http.Transport).Clone()
	tr.TLSClientConfig.Certificates = []tls.Certificate{cert}
	return &servedSchool{root: srv.URL, tr: tr, p: p, fake: fake, pop: pop}
}

// TestSS12000ServerAgainstTheOfficialFile runs every operation the provider answers through a
// proxy that checks requests and answers against the official SS 12000 2.1.0 file: each list
// with expand and expandReferenceNames where the standard has them, each get and lookup with an
// id from the list, subscriptions, /deletedEntities, log and statistics entries.
func TestSS12000ServerAgainstTheOfficialFile(t *testing.T) {
	specs := SharedSpecs(t)
	s := serveSchool(t, ss12000server.Receiver{Name: "conformance", CallbackURLs: []string{"http://127.0.0.1:9/callback"}})
	proxy := Start(t, Config{Spec: filepath.Join(specs, "ss12000", "openapi_ss12000_version2_1_0.yaml"), Official: true,
		Target: s.root, BasePath: "/ss12000", Transport: s.tr})
	c, err := ss12000.New(proxy.URL(), ss12000.WithoutRetry())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cv := reflect.ValueOf(c)
	ids := map[string]string{}
	yes := true
	expanded := map[string]any{
		"Persons": &ss12000.ListPersonsParams{Expand: []ss12000.ListPersonsParamsExpand{"duties", "responsibleFor", "placements",
			"ownedPlacements", "groupMemberships"}, ExpandReferenceNames: yes},
		"Duties":     &ss12000.ListDutiesParams{Expand: []ss12000.ListDutiesParamsExpand{"person"}, ExpandReferenceNames: yes},
		"Groups":     &ss12000.ListGroupsParams{Expand: []ss12000.ListGroupsParamsExpand{"assignmentRoles"}, ExpandReferenceNames: yes},
		"Activities": &ss12000.ListActivitiesParams{Expand: []ss12000.ListActivitiesParamsExpand{"groups"}, ExpandReferenceNames: yes},
		"CalendarEvents": &ss12000.ListCalendarEventsParams{StartTimeOnOrAfter: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC),
			StartTimeOnOrBefore: time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)},
		"AggregatedAttendances": &ss12000.ListAggregatedAttendancesParams{StartDate: openapi_types.Date{Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
			EndDate: openapi_types.Date{Time: time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)}},
	}
	for _, plural := range []string{"Organisations", "Persons", "Placements", "Duties", "Groups", "Programmes", "StudyPlans",
		"Syllabuses", "SchoolUnitOfferings", "Activities", "CalendarEvents", "Attendances", "AttendanceEvents",
		"AttendanceSchedules", "Grades", "Absences", "AggregatedAttendances", "Resources", "Rooms"} {
		page := call(t, cv, "List"+plural+"Page", ctx, expanded[plural], "")
		if page.IsNil() {
			continue
		}
		if items := page.Elem().FieldByName("Items"); items.Len() > 0 {
			if id := items.Index(0).FieldByName("ID"); id.IsValid() {
				ids[plural] = id.String()
			}
		}
		if tok := page.Elem().FieldByName("NextToken"); tok.IsValid() && tok.String() != "" {
			call(t, cv, "List"+plural+"Page", ctx, nil, tok.String())
		}
	}
	for plural, one := range map[string]string{"Organisations": "Organisation", "Persons": "Person", "Duties": "Duty",
		"Groups": "Group", "Activities": "Activity"} {
		if ids[plural] == "" {
			t.Errorf("the provider serves no %s", plural)
			continue
		}
		m := cv.MethodByName("Get" + one)
		args := []reflect.Value{reflect.ValueOf(ctx), reflect.ValueOf(ids[plural])}
		if m.Type().NumIn() == 3 {
			args = append(args, reflect.Zero(m.Type().In(2)))
		}
		check(t, "Get"+one, m.Call(args))
		if lm := cv.MethodByName("Lookup" + plural); lm.IsValid() {
			req := reflect.New(lm.Type().In(1)).Elem()
			req.FieldByName("Ids").Set(reflect.ValueOf([]string{ids[plural]}))
			check(t, "Lookup"+plural, lm.Call([]reflect.Value{reflect.ValueOf(ctx), req, reflect.Zero(lm.Type().In(2))}))
		}
	}
	sub, err := c.CreateSubscription(ctx, ss12000.CreateSubscription{Name: "conformance", Target: "http://127.0.0.1:9/callback",
		ResourceTypes: []ss12000.SubscriptionResourceType{{Resource: ss12000.EndPointsPerson}, {Resource: ss12000.EndPointsGroup}}})
	must(t, "CreateSubscription", err)
	_, err = c.ListSubscriptionsPage(ctx, nil, "")
	must(t, "ListSubscriptionsPage", err)
	_, err = c.GetSubscription(ctx, sub.ID)
	must(t, "GetSubscription", err)
	_, err = c.RenewSubscription(ctx, sub.ID)
	must(t, "RenewSubscription", err)
	must(t, "DeleteSubscription", c.DeleteSubscription(ctx, sub.ID))
	must(t, "CreateLogEntry", c.CreateLogEntry(ctx, ss12000.LogEntry{Message: "conformance run", SeverityLevel: ss12000.LogEntrySeverityLevelInfo}))
	must(t, "CreateStatisticsEntry", c.CreateStatisticsEntry(ctx, ss12000.StatisticsEntry{ResourceType: ss12000.EndPointsPerson, NewCount: 1}))
	_, err = c.ListDeletedEntitiesPage(ctx, nil, "")
	must(t, "ListDeletedEntitiesPage", err)
	// Refusals answer with the standard's Error body too.
	if _, err := c.GetPerson(ctx, "00000000-0000-4000-8000-000000000000", nil); err == nil {
		t.Error("GetPerson of an unknown id succeeded")
	}
	if _, err := c.ListPersonsPage(ctx, nil, "not-a-token"); err == nil {
		t.Error("a page token the provider never issued was taken")
	}
	for _, op := range []string{"GET /persons", "GET /persons/{id}", "POST /persons/lookup", "GET /groups", "GET /duties",
		"GET /organisations", "GET /activities", "POST /subscriptions", "PATCH /subscriptions/{id}", "GET /deletedEntities",
		"POST /log/", "POST /statistics/"} {
		if proxy.Seen()[op] == 0 {
			t.Errorf("%s went not through the proxy (seen: %v)", op, proxy.Seen())
		}
	}
	proxy.Check(t, ss12000ServerAllowed)
}
