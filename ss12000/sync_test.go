package ss12000_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/edusync/edusync/internal/testclock"
	"github.com/edusync/edusync/ss12000"
	"github.com/edusync/edusync/ss12000/ss12000test"
)

// The tests in this file run the real Syncer against the in-memory service, with one
// controlled clock for both sides, and keep a host's copy of the data the way an integration
// would: every delivered Change is applied to a map. The copy must end up equal to the
// service's records, nothing may be delivered twice, and nothing may be lost.

// t0 is where the controlled clocks start: a whole second, so whole-second stamps are easy to follow.
var t0 = time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)

// startFake starts the in-memory service and closes it when the test ends.
func startFake(t testing.TB, ds ss12000test.Dataset, opts ...ss12000test.Option) *ss12000test.Server {
	t.Helper()
	srv := ss12000test.NewServer(append([]ss12000test.Option{ss12000test.WithDataset(ds)}, opts...)...)
	t.Cleanup(srv.Close)
	return srv
}

// fakeClient is a client of srv with its bearer token and quick retries.
func fakeClient(t testing.TB, srv *ss12000test.Server, opts ...ss12000.Option) *ss12000.Client {
	t.Helper()
	base := []ss12000.Option{
		ss12000.WithBearerToken(srv.Token()),
		ss12000.WithRetry(ss12000.RetryPolicy{MaxAttempts: 4, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}),
	}
	c, err := ss12000.New(srv.URL(), append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func personID(i int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", i) }
func groupID(i int) string  { return fmt.Sprintf("00000000-0000-4000-9000-%012d", i) }

func testPersons(n int) []ss12000.Person {
	out := make([]ss12000.Person, n)
	for i := range out {
		out[i] = ss12000.Person{ID: personID(i), GivenName: fmt.Sprintf("Given%d", i), FamilyName: "Family"}
	}
	return out
}

func testGroups(n int) []ss12000.Group {
	out := make([]ss12000.Group, n)
	for i := range out {
		out[i] = ss12000.Group{ID: groupID(i), DisplayName: fmt.Sprintf("Group %d", i), GroupType: "Klass",
			Organisation: ss12000.OrganisationReference{ID: "org-1"}}
	}
	return out
}

func testActivities(n int) []ss12000.Activity {
	out := make([]ss12000.Activity, n)
	for i := range out {
		out[i] = ss12000.Activity{ID: fmt.Sprintf("00000000-0000-4000-a000-%012d", i), DisplayName: fmt.Sprintf("Activity %d", i),
			Organisation: ss12000.OrganisationReference{ID: "org-1"}}
	}
	return out
}

// rename changes a person's given name, as an administrator would.
func rename(t testing.TB, srv *ss12000test.Server, id, given string) ss12000.Person {
	t.Helper()
	p, err := ss12000test.Modify(srv, id, func(p *ss12000.Person) { p.GivenName = given })
	if err != nil {
		t.Fatalf("modify %s: %v", id, err)
	}
	return p
}

func renameGroup(t testing.TB, srv *ss12000test.Server, id, name string) {
	t.Helper()
	if _, err := ss12000test.Modify(srv, id, func(g *ss12000.Group) { g.DisplayName = name }); err != nil {
		t.Fatalf("modify %s: %v", id, err)
	}
}

// fingerprint is what the host keeps of a record: enough to tell versions apart.
func fingerprint(id string, modified time.Time, name string) string {
	return id + "|" + modified.UTC().Format(time.RFC3339Nano) + "|" + name
}

// host is an integration's copy of the data, kept by applying Changes.
type host struct {
	mu   sync.Mutex
	recs map[ss12000.EndPointsEnum]map[string]string
	// log is every delivery since the last takeLog, as "Type id" or "Type id deleted".
	log []string
	// versions is every record version delivered since the last takeVersions (fingerprints).
	versions []string
	// fail, when set, is asked before each delivery; an error it returns is the handler's.
	fail func(ss12000.Change) error
}

func newHost() *host { return &host{recs: map[ss12000.EndPointsEnum]map[string]string{}} }

func recordFingerprint(t testing.TB, ch ss12000.Change) string {
	switch r := ch.Record.(type) {
	case ss12000.PersonExpanded:
		return fingerprint(r.ID, r.Meta.Modified, r.GivenName+" "+r.FamilyName)
	case ss12000.GroupExpanded:
		return fingerprint(r.ID, r.Meta.Modified, r.DisplayName)
	case ss12000.ActivityExpanded:
		return fingerprint(r.ID, r.Meta.Modified, r.DisplayName)
	default:
		t.Errorf("%s %s: unexpected record type %T", ch.Type, ch.ID, ch.Record)
		return ""
	}
}

// handler returns the sync handler applying changes to h.
func (h *host) handler(t testing.TB) func(context.Context, ss12000.Change) error {
	return func(_ context.Context, ch ss12000.Change) error {
		h.mu.Lock()
		defer h.mu.Unlock()
		if h.fail != nil {
			if err := h.fail(ch); err != nil {
				return err
			}
		}
		m := h.recs[ch.Type]
		if m == nil {
			m = map[string]string{}
			h.recs[ch.Type] = m
		}
		if ch.Deleted {
			if ch.Record != nil || !ch.Modified.IsZero() {
				t.Errorf("removal of %s %s carries a record or time", ch.Type, ch.ID)
			}
			delete(m, ch.ID)
			h.log = append(h.log, string(ch.Type)+" "+ch.ID+" deleted")
			return nil
		}
		fp := recordFingerprint(t, ch)
		if !strings.HasPrefix(fp, ch.ID+"|"+ch.Modified.UTC().Format(time.RFC3339Nano)+"|") {
			t.Errorf("change %s %s (modified %s) carries record %s", ch.Type, ch.ID, ch.Modified, fp)
		}
		m[ch.ID] = fp
		h.log = append(h.log, string(ch.Type)+" "+ch.ID)
		h.versions = append(h.versions, fp)
		return nil
	}
}

// takeLog returns the deliveries since the last call, sorted, and forgets them.
func (h *host) takeLog() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := h.log
	h.log = nil
	slices.Sort(out)
	return out
}

// takeVersions returns the record versions delivered since the last call and forgets them.
func (h *host) takeVersions() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := h.versions
	h.versions = nil
	return out
}

// removeDisappeared applies a full run's report of records that are gone.
func (h *host) removeDisappeared(rep *ss12000.SyncReport) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for typ, ids := range rep.Disappeared {
		for _, id := range ids {
			delete(h.recs[typ], id)
		}
	}
}

// serviceState is what the fake holds, in the host's form.
func serviceState(srv *ss12000test.Server, types ...ss12000.EndPointsEnum) map[ss12000.EndPointsEnum]map[string]string {
	out := map[ss12000.EndPointsEnum]map[string]string{}
	for _, typ := range types {
		m := map[string]string{}
		switch typ {
		case ss12000.EndPointsPerson:
			for _, p := range ss12000test.All[ss12000.Person](srv) {
				m[p.ID] = fingerprint(p.ID, p.Meta.Modified, p.GivenName+" "+p.FamilyName)
			}
		case ss12000.EndPointsGroup:
			for _, g := range ss12000test.All[ss12000.Group](srv) {
				m[g.ID] = fingerprint(g.ID, g.Meta.Modified, g.DisplayName)
			}
		case ss12000.EndPointsActivity:
			for _, a := range ss12000test.All[ss12000.Activity](srv) {
				m[a.ID] = fingerprint(a.ID, a.Meta.Modified, a.DisplayName)
			}
		}
		out[typ] = m
	}
	return out
}

// checkCopy fails the test when the host's copy differs from the service.
func (h *host) checkCopy(t testing.TB, srv *ss12000test.Server, types ...ss12000.EndPointsEnum) {
	t.Helper()
	h.mu.Lock()
	got := map[ss12000.EndPointsEnum]map[string]string{}
	for _, typ := range types {
		got[typ] = map[string]string{}
		for id, fp := range h.recs[typ] {
			got[typ][id] = fp
		}
	}
	h.mu.Unlock()
	if d := cmp.Diff(serviceState(srv, types...), got); d != "" {
		t.Fatalf("host copy differs from the service (-service +host):\n%s", d)
	}
}

var personsAndGroups = []ss12000.EndPointsEnum{ss12000.EndPointsPerson, ss12000.EndPointsGroup}

func changes(typ ss12000.EndPointsEnum, ids ...string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = string(typ) + " " + id
	}
	return out
}

func sorted(parts ...[]string) []string {
	out := slices.Concat(parts...)
	slices.Sort(out)
	if out == nil {
		out = []string{}
	}
	return out
}

func takeLog(h *host) []string {
	l := h.takeLog()
	if l == nil {
		l = []string{}
	}
	return l
}

func mustRun(t testing.TB, run func(context.Context, *ss12000.SyncState, func(context.Context, ss12000.Change) error) (*ss12000.SyncReport, error),
	st *ss12000.SyncState, h *host) *ss12000.SyncReport {
	t.Helper()
	rep, err := run(context.Background(), st, h.handler(t))
	if err != nil {
		t.Fatalf("sync run: %v", err)
	}
	return rep
}

func TestSyncDeltaDeliversExactlyTheChanges(t *testing.T) {
	clk := testclock.New(t0)
	srv := startFake(t, ss12000test.Dataset{Persons: testPersons(20), Groups: testGroups(5)}, ss12000test.WithClock(clk.Now))
	s := &ss12000.Syncer{Client: fakeClient(t, srv, ss12000.WithPageSize(7)), Types: personsAndGroups, Now: clk.Now}
	var st ss12000.SyncState
	h := newHost()

	// The first delta run has no watermark: it delivers everything.
	rep := mustRun(t, s.Delta, &st, h)
	if d := cmp.Diff(map[ss12000.EndPointsEnum]int{"Person": 20, "Group": 5}, rep.Changed); d != "" {
		t.Fatalf("first run counts: %s", d)
	}
	h.checkCopy(t, srv, personsAndGroups...)
	h.takeLog()

	clk.Advance(time.Minute)
	rename(t, srv, personID(3), "Changed3")
	rename(t, srv, personID(17), "Changed17")
	renameGroup(t, srv, groupID(1), "Renamed group")
	added := ss12000test.Upsert(srv, ss12000.Group{DisplayName: "New group", GroupType: "Klass", Organisation: ss12000.OrganisationReference{ID: "org-1"}})[0]

	rep = mustRun(t, s.Delta, &st, h)
	want := sorted(changes("Person", personID(3), personID(17)), changes("Group", groupID(1), added.ID))
	if d := cmp.Diff(want, takeLog(h)); d != "" {
		t.Fatalf("delta delivered (-want +got):\n%s", d)
	}
	if d := cmp.Diff(map[ss12000.EndPointsEnum]int{"Person": 2, "Group": 2}, rep.Changed); d != "" {
		t.Fatalf("delta counts: %s", d)
	}
	h.checkCopy(t, srv, personsAndGroups...)

	// Nothing changed: the overlap window lists the same records again, and none is delivered twice.
	mustRun(t, s.Delta, &st, h)
	if got := takeLog(h); len(got) != 0 {
		t.Fatalf("a run without changes delivered %v", got)
	}
	clk.Advance(10 * time.Minute)
	mustRun(t, s.Delta, &st, h)
	if got := takeLog(h); len(got) != 0 {
		t.Fatalf("a run after the overlap window delivered %v", got)
	}

	// A change long after the last one is still found.
	clk.Advance(3 * time.Hour)
	rename(t, srv, personID(3), "Again")
	mustRun(t, s.Delta, &st, h)
	if d := cmp.Diff(changes("Person", personID(3)), takeLog(h)); d != "" {
		t.Fatalf("later delta (-want +got):\n%s", d)
	}
	h.checkCopy(t, srv, personsAndGroups...)
}

// recordingTransport remembers the URL of every request.
type recordingTransport struct {
	mu   sync.Mutex
	urls []*url.URL
	next http.RoundTripper
}

func (rt *recordingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rt.mu.Lock()
	rt.urls = append(rt.urls, r.URL)
	rt.mu.Unlock()
	return rt.next.RoundTrip(r)
}

// take returns the query values of parameter name of the requests to path since the last call.
func (rt *recordingTransport) take(path, name string) []string {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	var out []string
	for _, u := range rt.urls {
		if strings.HasSuffix(u.Path, path) && u.Query().Get("pageToken") == "" {
			out = append(out, u.Query().Get(name))
		}
	}
	rt.urls = nil
	return out
}

func TestSyncWatermarkOverlapAndExclusiveAfter(t *testing.T) {
	clk := testclock.New(t0)
	srv := startFake(t, ss12000test.Dataset{Persons: testPersons(4)}, ss12000test.WithClock(clk.Now))
	rt := &recordingTransport{next: http.DefaultTransport}
	s := &ss12000.Syncer{Client: fakeClient(t, srv, ss12000.WithHTTPClient(&http.Client{Transport: rt})),
		Types: []ss12000.EndPointsEnum{ss12000.EndPointsPerson}, Overlap: 2 * time.Minute, Now: clk.Now}
	var st ss12000.SyncState
	h := newHost()
	mustRun(t, s.Delta, &st, h)
	if got := rt.take("/persons", "meta.modified.after"); !slices.Equal(got, []string{""}) {
		t.Fatalf("first run asked for meta.modified.after %q, want no filter", got)
	}
	h.takeLog()

	clk.Advance(time.Hour)
	p := rename(t, srv, personID(2), "Later")
	mustRun(t, s.Delta, &st, h)
	rt.take("/persons", "meta.modified.after")
	if d := cmp.Diff(changes("Person", personID(2)), takeLog(h)); d != "" {
		t.Fatal(d)
	}
	if !st.Resources["Person"].Modified.Equal(p.Meta.Modified) {
		t.Fatalf("watermark %s, want the delivered meta.modified %s", st.Resources["Person"].Modified, p.Meta.Modified)
	}

	// The next run starts the overlap before the watermark: the after filter is exclusive, and
	// a service may stamp a change with a time at or before the last one delivered.
	mustRun(t, s.Delta, &st, h)
	after := rt.take("/persons", "meta.modified.after")
	wantAfter := p.Meta.Modified.Add(-2 * time.Minute).Format(time.RFC3339Nano)
	if !slices.Equal(after, []string{wantAfter}) {
		t.Fatalf("meta.modified.after = %q, want [%s] (watermark minus the overlap)", after, wantAfter)
	}
	if got := takeLog(h); len(got) != 0 {
		t.Fatalf("the overlap delivered %v again", got)
	}
	// A change stamped exactly at the watermark (a service with coarse clocks) is found.
	if _, err := ss12000test.Modify(srv, personID(1), func(q *ss12000.Person) { q.GivenName = "Same stamp" }); err != nil {
		t.Fatal(err)
	}
	if q, _ := ss12000test.Get[ss12000.Person](srv, personID(1)); !q.Meta.Modified.Equal(p.Meta.Modified) {
		t.Fatalf("test setup: stamps differ (%s, %s)", q.Meta.Modified, p.Meta.Modified)
	}
	mustRun(t, s.Delta, &st, h)
	if d := cmp.Diff(changes("Person", personID(1)), takeLog(h)); d != "" {
		t.Fatalf("a change stamped at the watermark (-want +got):\n%s", d)
	}
	h.checkCopy(t, srv, ss12000.EndPointsPerson)
}

func TestSyncSameSecondChangeDeliveredAgain(t *testing.T) {
	clk := testclock.New(t0)
	srv := startFake(t, ss12000test.Dataset{Persons: testPersons(6)}, ss12000test.WithClock(clk.Now),
		ss12000test.WithTimestampResolution(time.Second))
	s := &ss12000.Syncer{Client: fakeClient(t, srv), Types: []ss12000.EndPointsEnum{ss12000.EndPointsPerson}, Now: clk.Now}
	var st ss12000.SyncState
	h := newHost()
	mustRun(t, s.Delta, &st, h)
	h.takeLog()

	clk.Advance(1200 * time.Millisecond) // t0+1.2s, stamped t0+1s
	first := rename(t, srv, personID(4), "First")
	mustRun(t, s.Delta, &st, h)
	if d := cmp.Diff(changes("Person", personID(4)), takeLog(h)); d != "" {
		t.Fatalf("first change (-want +got):\n%s", d)
	}

	clk.Advance(500 * time.Millisecond) // t0+1.7s: the same second
	second := rename(t, srv, personID(4), "Second")
	other := rename(t, srv, personID(0), "Other")
	if !second.Meta.Modified.Equal(first.Meta.Modified) || !other.Meta.Modified.Equal(first.Meta.Modified) {
		t.Fatalf("test setup: stamps %s, %s and %s should be one second", first.Meta.Modified, second.Meta.Modified, other.Meta.Modified)
	}
	mustRun(t, s.Delta, &st, h)
	if d := cmp.Diff(sorted(changes("Person", personID(0), personID(4))), takeLog(h)); d != "" {
		t.Fatalf("a record changed again within the same second (-want +got):\n%s", d)
	}
	h.checkCopy(t, srv, ss12000.EndPointsPerson)

	// Storing a record unchanged within the same second makes the same version: not delivered.
	clk.Advance(100 * time.Millisecond)
	if _, err := ss12000test.Modify(srv, personID(4), func(*ss12000.Person) {}); err != nil {
		t.Fatal(err)
	}
	mustRun(t, s.Delta, &st, h)
	if got := takeLog(h); len(got) != 0 {
		t.Fatalf("an unchanged version was delivered again: %v", got)
	}
	mustRun(t, s.Delta, &st, h)
	if got := takeLog(h); len(got) != 0 {
		t.Fatalf("a run without changes delivered %v", got)
	}
}

func TestSyncDeletions(t *testing.T) {
	spellings := []struct {
		name string
		s    ss12000test.Spelling
	}{{"activitites", ss12000test.StandardSpelling}, {"activities", ss12000test.CorrectSpelling}, {"both", ss12000test.BothSpellings}}
	for _, sp := range spellings {
		t.Run(sp.name, func(t *testing.T) {
			clk := testclock.New(t0)
			acts := testActivities(3)
			srv := startFake(t, ss12000test.Dataset{Persons: testPersons(5), Groups: testGroups(2), Activities: acts},
				ss12000test.WithClock(clk.Now), ss12000test.WithDeletedActivitiesSpelling(sp.s), ss12000test.WithLimits(1, 1000))
			types := []ss12000.EndPointsEnum{ss12000.EndPointsPerson, ss12000.EndPointsActivity}
			s := &ss12000.Syncer{Client: fakeClient(t, srv), Types: types, Now: clk.Now}
			var st ss12000.SyncState
			h := newHost()
			mustRun(t, s.Delta, &st, h)
			h.takeLog()

			clk.Advance(time.Minute)
			ss12000test.Delete[ss12000.Person](srv, personID(1))
			ss12000test.Delete[ss12000.Activity](srv, acts[0].ID)
			ss12000test.Delete[ss12000.Group](srv, groupID(0)) // not a synced type
			rep := mustRun(t, s.Delta, &st, h)
			want := []string{"Activity " + acts[0].ID + " deleted", "Person " + personID(1) + " deleted"}
			if d := cmp.Diff(want, takeLog(h)); d != "" {
				t.Fatalf("removals (-want +got):\n%s", d)
			}
			if rep.Deleted != 2 {
				t.Fatalf("report counts %d removals, want 2", rep.Deleted)
			}
			h.checkCopy(t, srv, types...)

			// The next runs read /deletedEntities with the overlap again: nothing twice.
			clk.Advance(time.Minute)
			mustRun(t, s.Delta, &st, h)
			if got := takeLog(h); len(got) != 0 {
				t.Fatalf("removals delivered twice: %v", got)
			}
			ss12000test.Delete[ss12000.Person](srv, personID(2))
			clk.Advance(time.Second)
			ss12000test.Delete[ss12000.Activity](srv, acts[2].ID)
			mustRun(t, s.Delta, &st, h)
			want = []string{"Activity " + acts[2].ID + " deleted", "Person " + personID(2) + " deleted"}
			if d := cmp.Diff(want, takeLog(h)); d != "" {
				t.Fatalf("later removals (-want +got):\n%s", d)
			}
			for _, d := range []time.Duration{time.Second, 4 * time.Minute, 10 * time.Minute} {
				clk.Advance(d)
				mustRun(t, s.Delta, &st, h)
				if got := takeLog(h); len(got) != 0 {
					t.Fatalf("after %s: removals delivered twice: %v", d, got)
				}
			}
			h.checkCopy(t, srv, types...)
		})
	}
}

func TestSyncStateJSONRoundTrip(t *testing.T) {
	clk := testclock.New(t0)
	srv := startFake(t, ss12000test.Dataset{Persons: testPersons(8), Groups: testGroups(3)}, ss12000test.WithClock(clk.Now),
		ss12000test.WithTimestampResolution(time.Second))
	s := &ss12000.Syncer{Client: fakeClient(t, srv), Types: personsAndGroups, Now: clk.Now}
	h := newHost()
	// The host keeps only the JSON between runs, as it would in a database.
	var saved []byte
	run := func(full bool) {
		t.Helper()
		var st ss12000.SyncState
		if saved != nil {
			if err := json.Unmarshal(saved, &st); err != nil {
				t.Fatal(err)
			}
		}
		f := s.Delta
		if full {
			f = s.Full
		}
		mustRun(t, f, &st, h)
		b, err := json.Marshal(st)
		if err != nil {
			t.Fatal(err)
		}
		var back ss12000.SyncState
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(st, back); d != "" {
			t.Fatalf("state changes in a JSON round trip:\n%s", d)
		}
		saved = b
	}
	run(true)
	h.takeLog()

	clk.Advance(1300 * time.Millisecond)
	rename(t, srv, personID(5), "A")
	ss12000test.Delete[ss12000.Group](srv, groupID(2))
	run(false)
	if d := cmp.Diff([]string{"Group " + groupID(2) + " deleted", "Person " + personID(5)}, takeLog(h)); d != "" {
		t.Fatal(d)
	}
	// Within the same second, after a restore from JSON: the new version comes, the old does
	// not, and the removal is not repeated.
	clk.Advance(300 * time.Millisecond)
	rename(t, srv, personID(5), "B")
	run(false)
	if d := cmp.Diff(changes("Person", personID(5)), takeLog(h)); d != "" {
		t.Fatalf("after a restore (-want +got):\n%s", d)
	}
	run(false)
	if got := takeLog(h); len(got) != 0 {
		t.Fatalf("after a restore a run without changes delivered %v", got)
	}
	h.checkCopy(t, srv, personsAndGroups...)
	var st map[string]any
	if err := json.Unmarshal(saved, &st); err != nil || st["version"] != 1.0 {
		t.Fatalf("saved state %s has no version 1", saved)
	}
}

func TestSyncStateFromNewerVersion(t *testing.T) {
	srv := startFake(t, ss12000test.Dataset{Persons: testPersons(3)})
	s := &ss12000.Syncer{Client: fakeClient(t, srv), Types: []ss12000.EndPointsEnum{ss12000.EndPointsPerson}}
	raw := `{"version":2,"resources":{"Person":{"modified":"2025-01-01T00:00:00Z","future":[1,2]}},"deletedAfter":"2025-01-01T00:00:00Z"}`
	for _, full := range []bool{false, true} {
		var st ss12000.SyncState
		if err := json.Unmarshal([]byte(raw), &st); err != nil {
			t.Fatal(err)
		}
		before, _ := json.Marshal(st)
		run := s.Delta
		if full {
			run = s.Full
		}
		called := false
		_, err := run(context.Background(), &st, func(context.Context, ss12000.Change) error { called = true; return nil })
		if !errors.Is(err, ss12000.ErrSyncState) {
			t.Fatalf("full=%v: error %v, want ErrSyncState", full, err)
		}
		after, _ := json.Marshal(st)
		if called || string(before) != string(after) {
			t.Fatalf("full=%v: a refused state was used (handler called %v, state %s)", full, called, after)
		}
	}
	if n := srv.Stats().Requests["listPersons"]; n != 0 {
		t.Fatalf("%d listings for a refused state", n)
	}
}

func TestSyncFullReportsDisappeared(t *testing.T) {
	clk := testclock.New(t0)
	srv := startFake(t, ss12000test.Dataset{Persons: testPersons(6), Groups: testGroups(3)}, ss12000test.WithClock(clk.Now))
	s := &ss12000.Syncer{Client: fakeClient(t, srv, ss12000.WithPageSize(4)), Types: personsAndGroups, Now: clk.Now}
	var st ss12000.SyncState
	h := newHost()
	rep := mustRun(t, s.Full, &st, h)
	if len(rep.Disappeared) != 0 {
		t.Fatalf("first full run reports disappeared %v", rep.Disappeared)
	}
	if got := len(takeLog(h)); got != 9 {
		t.Fatalf("first full run delivered %d records, want 9", got)
	}

	clk.Advance(time.Hour)
	ss12000test.Delete[ss12000.Person](srv, personID(0), personID(4))
	ss12000test.Delete[ss12000.Group](srv, groupID(1))
	added := ss12000test.Upsert(srv, ss12000.Person{GivenName: "New", FamilyName: "Person"})[0]
	rep = mustRun(t, s.Full, &st, h)
	want := map[ss12000.EndPointsEnum][]string{"Person": {personID(0), personID(4)}, "Group": {groupID(1)}}
	if d := cmp.Diff(want, rep.Disappeared); d != "" {
		t.Fatalf("disappeared (-want +got):\n%s", d)
	}
	h.removeDisappeared(rep)
	log := takeLog(h)
	if !slices.Contains(log, "Person "+added.ID) || len(slices.DeleteFunc(slices.Clone(log), func(s string) bool { return strings.HasSuffix(s, "deleted") })) != 7 {
		t.Fatalf("second full run delivered %v, want all 7 records", log)
	}
	h.checkCopy(t, srv, personsAndGroups...)

	// Nothing disappeared since: an empty report. A removal a delta run delivered is not
	// reported again by the next full run; one the delta runs did not see is.
	clk.Advance(time.Hour)
	rep = mustRun(t, s.Full, &st, h)
	if len(rep.Disappeared) != 0 {
		t.Fatalf("third full run reports %v", rep.Disappeared)
	}
	h.takeLog()
	clk.Advance(time.Hour)
	ss12000test.Delete[ss12000.Person](srv, personID(2))
	late := ss12000test.Upsert(srv, ss12000.Person{GivenName: "Late", FamilyName: "Person"})[0]
	mustRun(t, s.Delta, &st, h)
	if d := cmp.Diff(sorted([]string{"Person " + personID(2) + " deleted", "Person " + late.ID}), takeLog(h)); d != "" {
		t.Fatal(d)
	}
	// A record a delta run delivered joins the known ids, so its disappearance is reported.
	clk.Advance(time.Hour)
	ss12000test.Delete[ss12000.Person](srv, added.ID, late.ID)
	rep = mustRun(t, s.Full, &st, h)
	h.removeDisappeared(rep)
	if d := cmp.Diff(map[ss12000.EndPointsEnum][]string{"Person": sorted([]string{added.ID, late.ID})}, rep.Disappeared); d != "" {
		t.Fatalf("disappeared after a delta (-want +got):\n%s", d)
	}
	h.checkCopy(t, srv, personsAndGroups...)
}

// A host that ran only delta runs and then a full run must still learn of records removed in
// between: the full run moves the /deletedEntities position on.
func TestSyncFullAfterDeltaKeepsRemovals(t *testing.T) {
	clk := testclock.New(t0)
	srv := startFake(t, ss12000test.Dataset{Persons: testPersons(5), Groups: testGroups(2)}, ss12000test.WithClock(clk.Now))
	s := &ss12000.Syncer{Client: fakeClient(t, srv), Types: personsAndGroups, Now: clk.Now}
	var st ss12000.SyncState
	h := newHost()
	mustRun(t, s.Delta, &st, h)
	clk.Advance(time.Hour)
	ss12000test.Delete[ss12000.Person](srv, personID(3))
	clk.Advance(time.Hour)
	rep := mustRun(t, s.Full, &st, h)
	h.removeDisappeared(rep)
	h.checkCopy(t, srv, personsAndGroups...)
	// And the next delta run does not deliver the removal again.
	h.takeLog()
	mustRun(t, s.Delta, &st, h)
	if got := takeLog(h); len(got) != 0 {
		t.Fatalf("delta after full delivered %v", got)
	}
}

func TestSyncHandlerErrorLeavesStateAndRepeats(t *testing.T) {
	boom := errors.New("host database is down")
	for _, phase := range []string{"records", "removals"} {
		t.Run(phase, func(t *testing.T) {
			clk := testclock.New(t0)
			srv := startFake(t, ss12000test.Dataset{Persons: testPersons(6), Groups: testGroups(2)}, ss12000test.WithClock(clk.Now))
			s := &ss12000.Syncer{Client: fakeClient(t, srv, ss12000.WithPageSize(2)), Types: personsAndGroups, Now: clk.Now}
			var st ss12000.SyncState
			h := newHost()
			mustRun(t, s.Delta, &st, h)
			h.takeLog()

			clk.Advance(time.Minute)
			for _, i := range []int{1, 2, 3} {
				rename(t, srv, personID(i), "Changed")
			}
			renameGroup(t, srv, groupID(0), "Changed")
			ss12000test.Delete[ss12000.Person](srv, personID(5))
			before, _ := json.Marshal(st)
			h.fail = func(ch ss12000.Change) error {
				if (phase == "records" && ch.ID == personID(2)) || (phase == "removals" && ch.Deleted) {
					return boom
				}
				return nil
			}
			_, err := s.Delta(context.Background(), &st, h.handler(t))
			if !errors.Is(err, boom) {
				t.Fatalf("error %v, want the handler's", err)
			}
			if after, _ := json.Marshal(st); string(after) != string(before) {
				t.Fatalf("a failed run changed the state:\n%s\n%s", before, after)
			}
			h.takeLog()
			h.fail = nil
			mustRun(t, s.Delta, &st, h)
			want := sorted(changes("Person", personID(1), personID(2), personID(3)), changes("Group", groupID(0)), []string{"Person " + personID(5) + " deleted"})
			if d := cmp.Diff(want, takeLog(h)); d != "" {
				t.Fatalf("the run after the failure (-want +got):\n%s", d)
			}
			h.checkCopy(t, srv, personsAndGroups...)
		})
	}
}

func TestSyncCancelledRunLeavesState(t *testing.T) {
	srv := startFake(t, ss12000test.Dataset{Persons: testPersons(10)})
	s := &ss12000.Syncer{Client: fakeClient(t, srv, ss12000.WithPageSize(3)), Types: []ss12000.EndPointsEnum{ss12000.EndPointsPerson}}
	var st ss12000.SyncState
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	_, err := s.Delta(ctx, &st, func(context.Context, ss12000.Change) error {
		if n++; n == 4 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if st.Version != 0 || st.Resources != nil {
		t.Fatalf("a cancelled run changed the state: %+v", st)
	}
}

// THE test of the issue: changes made while a run is under way (to a record the run has
// passed, to one it has not reached, a new record, and records of a type already finished)
// are all delivered by the next run, and nothing is delivered twice.
func TestSyncChangeDuringRunIsPickedUpNext(t *testing.T) {
	cases := []struct {
		name       string
		pageSize   int
		resolution time.Duration
		runTakes   time.Duration // how far the clock moves while the run is under way
	}{
		{"long run small pages", 2, time.Millisecond, 6 * time.Minute},
		{"long run one page", 1000, time.Millisecond, 6 * time.Minute},
		{"whole seconds", 2, time.Second, 400 * time.Millisecond},
		{"short run", 3, time.Millisecond, 2 * time.Second},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			clk := testclock.New(t0)
			srv := startFake(t, ss12000test.Dataset{Persons: testPersons(10), Groups: testGroups(3)},
				ss12000test.WithClock(clk.Now), ss12000test.WithTimestampResolution(c.resolution))
			s := &ss12000.Syncer{Client: fakeClient(t, srv, ss12000.WithPageSize(c.pageSize)), Types: personsAndGroups, Now: clk.Now}
			var st ss12000.SyncState
			h := newHost()
			mustRun(t, s.Delta, &st, h)
			h.takeLog()

			clk.Advance(time.Minute)
			for _, i := range []int{2, 5, 8} {
				rename(t, srv, personID(i), "Before run")
			}
			renameGroup(t, srv, groupID(1), "Before run")

			var created ss12000.Person
			var deletedInRun string
			h.fail = func(ch ss12000.Change) error {
				switch {
				case ch.Type == ss12000.EndPointsPerson && ch.ID == personID(5) && created.ID == "":
					rename(t, srv, personID(2), "During run (passed)")
					clk.Advance(c.runTakes)
					rename(t, srv, personID(8), "During run (ahead)")
					created = ss12000test.Upsert(srv, ss12000.Person{GivenName: "Created", FamilyName: "During run"})[0]
				case ch.Type == ss12000.EndPointsGroup && ch.ID == groupID(1) && deletedInRun == "":
					// Persons are finished by now.
					rename(t, srv, personID(0), "During group run")
					renameGroup(t, srv, groupID(0), "During group run")
					deletedInRun = personID(9)
					ss12000test.Delete[ss12000.Person](srv, deletedInRun)
				}
				return nil
			}
			h.takeVersions()
			mustRun(t, s.Delta, &st, h)
			h.fail = nil
			first := takeLog(h)
			if created.ID == "" || deletedInRun == "" {
				t.Fatalf("test setup: the in-run changes did not happen (delivered %v)", first)
			}

			// The next run delivers every change to a record the first run had passed or
			// could not see (a new record, a type already finished).
			mustRun(t, s.Delta, &st, h)
			second := takeLog(h)
			for _, want := range []string{
				"Person " + personID(2), "Person " + personID(0), "Person " + created.ID, "Group " + groupID(0),
			} {
				if !slices.Contains(second, want) {
					t.Errorf("change made during the run not delivered next: %s (first run %v, second %v)", want, first, second)
				}
			}
			// The removal is delivered once, by whichever run read /deletedEntities after it.
			removal := "Person " + deletedInRun + " deleted"
			if n := len(slices.DeleteFunc(slices.Concat(first, second), func(s string) bool { return s != removal })); n != 1 {
				t.Errorf("the removal made during the run was delivered %d times (first %v, second %v)", n, first, second)
			}
			// Person 8 changed before the run reached it: the first run delivered the new version
			// when its page was read after the change, otherwise the second does; never both.
			versions := h.takeVersions()
			seen := map[string]bool{}
			for _, v := range versions {
				if seen[v] {
					t.Errorf("version %s delivered twice", v)
				}
				seen[v] = true
			}
			p8, _ := ss12000test.Get[ss12000.Person](srv, personID(8))
			if !seen[fingerprint(p8.ID, p8.Meta.Modified, p8.GivenName+" "+p8.FamilyName)] {
				t.Errorf("the version of person 8 written during the run was not delivered (%v)", versions)
			}
			h.checkCopy(t, srv, personsAndGroups...)
			mustRun(t, s.Delta, &st, h)
			if got := takeLog(h); len(got) != 0 {
				t.Fatalf("a third run delivered %v", got)
			}
		})
	}
}

// Random interleavings of changes (between runs and from inside the handler), clock moves,
// failing handlers and delta and full runs: at the end the host's copy equals the service,
// no version and no removal was delivered twice by a run that followed a successful one.
func TestSyncRandomInterleavings(t *testing.T) {
	seeds := 12
	if testing.Short() {
		seeds = 4
	}
	for seed := range uint64(seeds) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) { randomSync(t, seed) })
	}
}

func randomSync(t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 42))
	clk := testclock.New(t0)
	resolution := []time.Duration{time.Second, time.Millisecond}[rng.IntN(2)]
	srv := startFake(t, ss12000test.Dataset{Persons: testPersons(25), Groups: testGroups(6)},
		ss12000test.WithClock(clk.Now), ss12000test.WithTimestampResolution(resolution))
	overlap := []time.Duration{time.Second, 90 * time.Second, 0}[rng.IntN(3)]
	s := &ss12000.Syncer{Client: fakeClient(t, srv, ss12000.WithPageSize(1+rng.IntN(6))), Types: personsAndGroups, Overlap: overlap, Now: clk.Now}
	h := newHost()
	var st ss12000.SyncState

	steps := []time.Duration{0, 0, 200 * time.Millisecond, 700 * time.Millisecond, time.Second, 40 * time.Second, 3 * time.Minute, 7 * time.Minute}
	var ops []string // for the failure message
	made := 0        // new records get ids from a counter, so the run is the same every time
	newID := func() string { made++; return fmt.Sprintf("10000000-0000-4000-8000-%012d", seed*1000+uint64(made)) }
	mutate := func(where string) {
		persons := ss12000test.All[ss12000.Person](srv)
		groups := ss12000test.All[ss12000.Group](srv)
		switch n := rng.IntN(10); {
		case n < 4 && len(persons) > 0:
			p := persons[rng.IntN(len(persons))]
			name := fmt.Sprintf("v%d", rng.IntN(1000))
			rename(t, srv, p.ID, name)
			ops = append(ops, where+" rename "+p.ID+" "+name)
		case n < 6 && len(groups) > 0:
			g := groups[rng.IntN(len(groups))]
			renameGroup(t, srv, g.ID, fmt.Sprintf("g%d", rng.IntN(1000)))
			ops = append(ops, where+" rename "+g.ID)
		case n < 7:
			p := ss12000test.Upsert(srv, ss12000.Person{ID: newID(), GivenName: "New", FamilyName: fmt.Sprint(rng.IntN(1000))})[0]
			ops = append(ops, where+" create "+p.ID)
		case n < 8:
			g := ss12000test.Upsert(srv, ss12000.Group{ID: newID(), DisplayName: "New", GroupType: "Klass", Organisation: ss12000.OrganisationReference{ID: "org-1"}})[0]
			ops = append(ops, where+" create "+g.ID)
		case n < 9 && len(persons) > 0:
			id := persons[rng.IntN(len(persons))].ID
			ss12000test.Delete[ss12000.Person](srv, id)
			ops = append(ops, where+" delete "+id)
		case len(groups) > 0:
			id := groups[rng.IntN(len(groups))].ID
			ss12000test.Delete[ss12000.Group](srv, id)
			ops = append(ops, where+" delete "+id)
		}
		clk.Advance(steps[rng.IntN(len(steps))])
	}

	// confirmed holds what successful runs delivered: a delta run must not deliver it again.
	confirmed := map[string]bool{}
	key := func(ch ss12000.Change) string {
		if ch.Deleted {
			return "deleted " + string(ch.Type) + " " + ch.ID
		}
		return string(ch.Type) + " " + recordFingerprint(t, ch)
	}
	apply := h.handler(t)
	rounds := 14
	for round := range rounds {
		last := round == rounds-1
		for range rng.IntN(4) {
			if !last {
				mutate(fmt.Sprintf("round %d before:", round))
			}
		}
		full := !last && rng.IntN(6) == 0
		failAt := -1
		if !last && rng.IntN(7) == 0 {
			failAt = rng.IntN(8)
		}
		var delivered []string
		n := 0
		handle := func(ctx context.Context, ch ss12000.Change) error {
			n++
			if n == failAt {
				return errors.New("host failure")
			}
			k := key(ch)
			if confirmed[k] && (!full || ch.Deleted) {
				t.Errorf("round %d: %s delivered again\nops: %s", round, k, strings.Join(ops, "\n"))
			}
			delivered = append(delivered, k)
			if err := apply(ctx, ch); err != nil {
				return err
			}
			if !last && rng.IntN(6) == 0 {
				mutate(fmt.Sprintf("round %d during:", round))
			}
			return nil
		}
		run := s.Delta
		if full {
			run = s.Full
		}
		rep, err := run(context.Background(), &st, handle)
		if err != nil {
			// A failing handler, or clock moves inside the handler long enough for page tokens
			// to expire twice in one listing: the run fails and the next one repeats it.
			if !last && (failAt >= 0 && strings.Contains(err.Error(), "host failure") || errors.Is(err, ss12000.ErrGone)) {
				ops = append(ops, fmt.Sprintf("round %d: failed: %v", round, err))
				continue
			}
			t.Fatalf("round %d: %v", round, err)
		}
		if full {
			h.removeDisappeared(rep)
		}
		for _, k := range delivered {
			confirmed[k] = true
		}
		ops = append(ops, fmt.Sprintf("round %d: full=%v delivered %d", round, full, len(delivered)))
		if last {
			// Nothing changed during the last run: the copy is complete.
			h.mu.Lock()
			got := map[ss12000.EndPointsEnum]map[string]string{}
			for _, typ := range personsAndGroups {
				got[typ] = map[string]string{}
				for id, fp := range h.recs[typ] {
					got[typ][id] = fp
				}
			}
			h.mu.Unlock()
			if d := cmp.Diff(serviceState(srv, personsAndGroups...), got); d != "" {
				t.Fatalf("host copy differs from the service (-service +host):\n%s\nops:\n%s", d, strings.Join(ops, "\n"))
			}
		}
	}
	// The last run above may have been preceded by changes only in earlier rounds; one more
	// run must deliver nothing.
	var extra []string
	if _, err := s.Delta(context.Background(), &st, func(_ context.Context, ch ss12000.Change) error {
		extra = append(extra, key(ch))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	sort.Strings(extra)
	if len(extra) != 0 {
		t.Fatalf("a run after a complete one delivered %v", extra)
	}
}
