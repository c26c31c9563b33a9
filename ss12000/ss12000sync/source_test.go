package ss12000sync_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/edusync/edusync/internal/golden"
	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/reconcile/reconciletest"
	"github.com/edusync/edusync/ss12000"
	"github.com/edusync/edusync/ss12000/ss12000sync"
	"github.com/edusync/edusync/ss12000/ss12000test"
	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/store/sqlite"
)

// TestSnapshotOfATinySchool pins the canonical form of every case the Source handles (golden
// file): merged roles, a teacher through an activity, absent dates, private e-mail left out,
// protected persons (a missing marking too), ended records left out, guardians as relations.
func TestSnapshotOfATinySchool(t *testing.T) {
	f := newFixture(t, tiny(), autumn)
	s := f.source(t, ss12000sync.Options{Guardians: true})
	snap := snapshot(t, s)
	b, err := json.MarshalIndent(snap, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "testdata/tiny.json", append(b, '\n'))
	want := ss12000sync.Counts{Organisations: 2, Persons: 5, Groups: 1, Memberships: 3, Protected: 2, Guardians: 2,
		WithoutContext: 1, Ended: 2, DroppedMemberships: 1}
	if diff := cmp.Diff(want, s.LastReport().Counts); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
}

func TestMergedRolesAreOneMembership(t *testing.T) {
	f := newFixture(t, tiny(), autumn)
	snap := snapshot(t, f.source(t, ss12000sync.Options{}))
	var got []string
	for _, m := range snap.Memberships {
		got = append(got, m.Person+" "+m.Group+" "+m.Role+" "+m.Period.String())
	}
	want := []string{
		"p-ada g-7a Elev,Mentor ",
		"p-tyst g-7a Elev ",
		"p-lärare g-7a Lärare ",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("memberships (-want +got):\n%s", diff)
	}
}

func TestAbsentDatesAreAbsent(t *testing.T) {
	f := newFixture(t, tiny(), autumn)
	snap := snapshot(t, f.source(t, ss12000sync.Options{Guardians: true}))
	b, _ := json.Marshal(snap)
	if strings.Contains(string(b), "0001-01-01") {
		t.Fatalf("an absent SS 12000 date became 0001-01-01: %s", b)
	}
	for _, p := range snap.Persons {
		if p.Keys.SourceKey == "p-mor" && !p.BirthDate.IsZero() {
			t.Errorf("a person without birth date got %v", p.BirthDate)
		}
	}
	if g := snap.Groups[0]; !g.Valid.To.IsZero() || g.Valid.From.String() != "2025-08-18" {
		t.Errorf("group period %v", g.Valid)
	}
}

func TestPersonalNumberAsKey(t *testing.T) {
	f := newFixture(t, tiny(), autumn)
	snap := snapshot(t, f.source(t, ss12000sync.Options{PersonKey: ss12000sync.KeyCivicNo, Guardians: true}))
	keys := map[string]bool{}
	for _, p := range snap.Persons {
		keys[p.Keys.SourceKey] = true
	}
	for _, k := range []string{"201203042382", "198001012380", "p-lärare", "p-tyst", "p-hemlig"} {
		if !keys[k] {
			t.Errorf("key %q missing: %v", k, keys)
		}
	}
	if keys["201105052385"] {
		t.Error("a protected person's personal number became a key")
	}
	for _, m := range snap.Memberships {
		if m.Person == "p-ada" {
			t.Errorf("a membership still names the pupil by id: %+v", m)
		}
	}
	for _, p := range snap.Persons {
		for _, r := range p.Relations {
			if r.Person == "p-mor" {
				t.Errorf("a relation still names the guardian by id: %+v", r)
			}
		}
	}
}

// TestReconcileIntoAnInMemoryTarget runs the source through reconcile twice: everything created
// (protected persons left out), then nothing to do.
func TestReconcileIntoAnInMemoryTarget(t *testing.T) {
	f := newFixture(t, ss12000test.SampleSchool(), autumn)
	src := f.source(t, ss12000sync.Options{Guardians: true})
	target := reconciletest.NewTarget(nil)
	var h reconcile.History
	for round := range 2 {
		source, err := reconcile.Load(ctx, src)
		if err != nil {
			t.Fatal(err)
		}
		tgt, err := reconcile.Load(ctx, target)
		if err != nil {
			t.Fatal(err)
		}
		plan, err := reconcile.NewPlan(source, tgt, reconcile.Options{History: h, Holds: []reconcile.Hold{}})
		if err != nil {
			t.Fatal(err)
		}
		rep, err := reconcile.Apply(ctx, plan, target, reconcile.ApplyOptions{})
		if err != nil || !rep.OK() {
			t.Fatalf("round %d: %v %+v", round, err, rep)
		}
		h.Update(rep)
		switch round {
		case 0:
			if plan.Counts.Created < 300 || plan.Counts.Skipped == 0 {
				t.Fatalf("first run: %+v", plan.Counts)
			}
		case 1:
			if plan.Counts.Changes() != 0 || len(plan.Unconverged) != 0 {
				t.Fatalf("second run changes %+v", plan.Counts)
			}
		}
	}
	for _, p := range target.Snapshot().Persons {
		if p.Protected {
			t.Fatalf("a protected person reached the target: %s", p.Keys.TargetID)
		}
	}
}

// backends are the stores the Source is tested with.
var backends = map[string]func(t *testing.T) store.Store{
	"memory": func(*testing.T) store.Store { return store.NewMemory() },
	"sqlite": func(t *testing.T) store.Store {
		st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "state.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	},
}

func TestDeltaRunsWithStore(t *testing.T) {
	for name, open := range backends {
		t.Run(name, func(t *testing.T) { testDeltaRuns(t, open(t)) })
	}
}

func testDeltaRuns(t *testing.T, st store.Store) {
	f := newFixture(t, tiny(), autumn)
	scope := store.Scope{Flow: "ss12000sync-test"}
	first := f.source(t, ss12000sync.Options{Store: st, Scope: scope})
	snapshot(t, first)
	if r := first.LastReport(); !r.Full || r.Stored != 0 {
		t.Fatalf("first run: %+v", r)
	}

	// The next day: a name changes, the old group is removed.
	f.clock.Advance(24 * time.Hour)
	if _, err := ss12000test.Modify(f.srv, "p-ada", func(p *ss12000.Person) { p.FamilyName = "Lind" }); err != nil {
		t.Fatal(err)
	}
	ss12000test.Delete[ss12000.Group](f.srv, "g-gammal")
	f.count.reset()

	// A new process: the stored snapshot plus a delta run.
	next := f.source(t, ss12000sync.Options{Store: st, Scope: scope})
	snap := snapshot(t, next)
	r := next.LastReport()
	if r.Full || r.Stored == 0 || r.Changed[ss12000.EndPointsPerson] != 1 || r.Deleted != 1 {
		t.Fatalf("second run: %+v", r)
	}
	// One request per resource and one for /deletedEntities.
	if n := f.count.total(); n != 6 {
		t.Errorf("the delta run sent %d requests: %v", n, f.count.paths)
	}
	found := false
	for _, p := range snap.Persons {
		if p.Keys.SourceKey == "p-ada" {
			found = p.FamilyName == "Lind"
		}
	}
	if !found {
		t.Fatal("the changed name is not in the snapshot")
	}
	// The same snapshot as a full read of the service gives.
	fresh := snapshot(t, f.source(t, ss12000sync.Options{}))
	if diff := cmp.Diff(fresh, snap, cmp.AllowUnexported(reconcile.Date{})); diff != "" {
		t.Fatalf("stored + delta differs from a full read (-full +delta):\n%s", diff)
	}

	// Another day, another process: what the last run stored is read back with the rest.
	f.clock.Advance(24 * time.Hour)
	if _, err := ss12000test.Modify(f.srv, "p-ada", func(p *ss12000.Person) { p.GivenName = "Ada Maria" }); err != nil {
		t.Fatal(err)
	}
	snap = snapshot(t, f.source(t, ss12000sync.Options{Store: st, Scope: scope}))
	fresh = snapshot(t, f.source(t, ss12000sync.Options{}))
	if diff := cmp.Diff(fresh, snap, cmp.AllowUnexported(reconcile.Date{})); diff != "" {
		t.Fatalf("third run: stored + delta differs from a full read (-full +delta):\n%s", diff)
	}
}

func TestFailedRunKeepsThePreviousSnapshot(t *testing.T) {
	f := newFixture(t, tiny(), autumn)
	st := store.NewMemory()
	scope := store.Scope{Flow: "ss12000sync-test"}
	s := f.source(t, ss12000sync.Options{Store: st, Scope: scope})
	before := snapshot(t, s)
	if _, err := ss12000test.Modify(f.srv, "p-ada", func(p *ss12000.Person) { p.FamilyName = "Lind" }); err != nil {
		t.Fatal(err)
	}
	f.srv.SetFaults(ss12000test.Faults{ErrorRate: 1})
	if _, err := s.Refresh(ctx); err == nil {
		t.Fatal("a refresh against a failing service succeeded")
	}
	if s.LastReport().Full != true {
		t.Fatal("the failed run replaced the report")
	}
	same, _ := s.Persons(ctx), 0
	for p := range same {
		if p.Keys.SourceKey == "p-ada" && p.FamilyName != "Berg" {
			t.Fatal("the failed run changed the snapshot")
		}
	}
	f.srv.SetFaults(ss12000test.Faults{})
	after := snapshot(t, f.source(t, ss12000sync.Options{Store: st, Scope: scope}))
	if len(after.Persons) != len(before.Persons) {
		t.Fatal("persons lost")
	}
	for _, p := range after.Persons {
		if p.Keys.SourceKey == "p-ada" && p.FamilyName != "Lind" {
			t.Fatalf("the change was not read after the failure: %q", p.FamilyName)
		}
	}
}

// rewriting changes the /persons pages the service sends: old becomes new, once per page.
type rewriting struct{ old, new string }

func (rw rewriting) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil || !strings.HasSuffix(r.URL.Path, "/persons") {
		return resp, err
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	b = []byte(strings.Replace(string(b), rw.old, rw.new, 1))
	resp.Body = io.NopCloser(strings.NewReader(string(b)))
	resp.ContentLength = -1
	resp.Header.Del("Content-Length")
	return resp, nil
}

// rewritten returns a Source reading the fixture's service through rw.
func rewritten(t *testing.T, f *fixture, rw rewriting, st store.Store, scope store.Scope) *ss12000sync.Source {
	t.Helper()
	c, err := ss12000.New(f.srv.URL(), ss12000.WithBearerToken(f.srv.Token()), ss12000.WithoutRetry(),
		ss12000.WithHTTPClient(&http.Client{Transport: rw}))
	if err != nil {
		t.Fatal(err)
	}
	s, err := ss12000sync.New(c, ss12000sync.Options{Store: st, Scope: scope, Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestUnreadableRecordsFailTheRun(t *testing.T) {
	f := newFixture(t, tiny(), autumn)
	st := store.NewMemory()
	scope := store.Scope{Flow: "ss12000sync-test"}
	s := rewritten(t, f, rewriting{`"familyName":"Berg"`, `"familyName":{"x":1}`}, st, scope)
	_, err := s.Refresh(ctx)
	if !errors.Is(err, ss12000sync.ErrUnreadableRecords) {
		t.Fatalf("Refresh = %v, want ErrUnreadableRecords", err)
	}
	for _, digits := range []string{"201203042382", "198001012380"} {
		if strings.Contains(err.Error(), digits) {
			t.Fatalf("the error carries a personal number: %v", err)
		}
	}
	if n := storedKeys(t, st, scope); n != 0 {
		t.Fatalf("a failed run stored %d values", n)
	}
}

func storedKeys(t *testing.T, st store.Store, scope store.Scope) int {
	t.Helper()
	n := 0
	err := st.View(ctx, scope, func(tx store.Tx) error {
		vals, err := tx.Values("ss12000sync/")
		n = len(vals)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestDamagedStoredSnapshotIsReadAgain(t *testing.T) {
	f := newFixture(t, tiny(), autumn)
	st := store.NewMemory()
	scope := store.Scope{Flow: "ss12000sync-test"}
	want := snapshot(t, f.source(t, ss12000sync.Options{Store: st, Scope: scope}))
	// A damaged record of a person the service still has, and one of a person it no longer
	// has: the full read replaces the one and deletes the other.
	if err := st.Update(ctx, scope, func(tx store.Tx) error {
		return errors.Join(tx.SetValue("ss12000sync/p/p-ada", []byte{1, 0xff, 0xff}),
			tx.SetValue("ss12000sync/p/p-gone", []byte{1, 0xff, 0xff}))
	}); err != nil {
		t.Fatal(err)
	}
	s := f.source(t, ss12000sync.Options{Store: st, Scope: scope})
	got := snapshot(t, s)
	if r := s.LastReport(); !r.Full || !strings.Contains(r.Reread, "cannot be read") {
		t.Fatalf("report %+v", r)
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(reconcile.Date{})); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	// The full read replaced the damaged value: the next process reads deltas again.
	s = f.source(t, ss12000sync.Options{Store: st, Scope: scope})
	snapshot(t, s)
	if r := s.LastReport(); r.Full || r.Reread != "" {
		t.Fatalf("after the repair: %+v", r)
	}
}

func TestOptionsAreChecked(t *testing.T) {
	f := newFixture(t, tiny(), autumn)
	for name, o := range map[string]ss12000sync.Options{
		"store without scope": {Store: store.NewMemory()},
		"unknown key":         {PersonKey: 7},
		"negative FullEvery":  {FullEvery: -1},
	} {
		if _, err := ss12000sync.New(f.c, o); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := ss12000sync.New(nil, ss12000sync.Options{}); err == nil {
		t.Error("no client: accepted")
	}
}

func TestOversizedRecordsFailTheRun(t *testing.T) {
	f := newFixture(t, tiny(), autumn)
	st := store.NewMemory()
	scope := store.Scope{Flow: "ss12000sync-test"}
	s := rewritten(t, f, rewriting{`"givenName":"Ada"`, `"givenName":"` + strings.Repeat("A", 5000) + `"`}, st, scope)
	_, err := s.Refresh(ctx)
	if !errors.Is(err, ss12000sync.ErrRecordTooLarge) || strings.Contains(err.Error(), "AAAA") {
		t.Fatalf("Refresh = %v, want ErrRecordTooLarge without the value", err)
	}
	if n := storedKeys(t, st, scope); n != 0 {
		t.Fatalf("a failed run stored %d values", n)
	}
}

// brokenStore fails its write transactions while broken is set.
type brokenStore struct {
	store.Store
	broken bool
}

func (b *brokenStore) Update(ctx context.Context, scope store.Scope, fn func(store.Tx) error) error {
	if b.broken {
		return errors.New("disk full")
	}
	return b.Store.Update(ctx, scope, fn)
}

func TestFailedStoreWriteKeepsThePreviousSnapshot(t *testing.T) {
	f := newFixture(t, tiny(), autumn)
	st := &brokenStore{Store: store.NewMemory()}
	scope := store.Scope{Flow: "ss12000sync-test"}
	s := f.source(t, ss12000sync.Options{Store: st, Scope: scope})
	snapshot(t, s)
	first := s.LastReport()
	f.clock.Advance(time.Hour)
	if _, err := ss12000test.Modify(f.srv, "p-ada", func(p *ss12000.Person) { p.FamilyName = "Lind" }); err != nil {
		t.Fatal(err)
	}
	st.broken = true
	if _, err := s.Refresh(ctx); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("Refresh with a failing store: %v", err)
	}
	if s.LastReport() != first {
		t.Fatal("a run whose store write failed replaced the report")
	}
	for p := range s.Persons(ctx) {
		if p.Keys.SourceKey == "p-ada" && p.FamilyName != "Berg" {
			t.Fatal("a run whose store write failed replaced the snapshot")
		}
	}
	st.broken = false
	// The next run reads the change again and keeps it; a new process then starts from it.
	snapshot(t, s)
	if r := s.LastReport(); r.Changed[ss12000.EndPointsPerson] != 1 {
		t.Fatalf("the change was not read again: %+v", r)
	}
	for _, p := range snapshot(t, f.source(t, ss12000sync.Options{Store: st, Scope: scope})).Persons {
		if p.Keys.SourceKey == "p-ada" && p.FamilyName != "Lind" {
			t.Fatalf("the stored snapshot lacks the change: %q", p.FamilyName)
		}
	}
}
