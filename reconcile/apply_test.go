package reconcile_test

import (
	"bytes"
	"context"
	"errors"
	"iter"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/reconcile/reconciletest"
)

// shuffleSchool is a source and target where a run creates, updates and removes every kind.
func shuffleSchool() (*reconcile.Snapshot, *reconcile.Snapshot) {
	s := &reconcile.Snapshot{
		Organisations: []reconcile.Organisation{{Keys: reconcile.Keys{SourceKey: "o2"}, Name: "Neue Schule"}},
		Persons:       []reconcile.Person{src("p1", "Berg", "Eva", "", ""), src("p2", "Lund", "Ida", "", ""), src("p3", "Sund", "Per", "", "")},
		Groups:        []reconcile.Group{{Keys: reconcile.Keys{SourceKey: "g2"}, Name: "5c", Organisation: "o2"}, {Keys: reconcile.Keys{SourceKey: "g1"}, Name: "8a"}},
		Memberships: []reconcile.Membership{
			{Person: "p2", Group: "g2", Role: "Lern"},
			{Person: "p1", Group: "g1", Role: "Lehr"},
		},
	}
	g := &reconcile.Snapshot{
		Organisations: []reconcile.Organisation{{Keys: reconcile.Keys{TargetID: "O1", Referrer: "o1"}, Name: "Alte Schule"}},
		Persons:       []reconcile.Person{tgt("T1", "p1", "Berg", "Eva", "", ""), tgt("T3", "p3", "Sund", "Per", "", ""), tgt("T9", "p9", "Ek", "Ola", "", "")},
		Groups:        []reconcile.Group{{Keys: reconcile.Keys{TargetID: "G1", Referrer: "g1"}, Name: "7a"}, {Keys: reconcile.Keys{TargetID: "G9", Referrer: "g9"}, Name: "9x"}},
		Memberships: []reconcile.Membership{
			{ID: "M1", Person: "T1", Group: "G1", Role: "Lern"},
			{ID: "M2", Person: "T9", Group: "G1", Role: "Lern"},
			{ID: "M3", Person: "T1", Group: "G9", Role: "Lern"},
			{ID: "M4", Person: "T3", Group: "G1", Role: "Lern"},
		},
	}
	return s, g
}

func removalOptions() reconcile.Options {
	o := quiet()
	o.Removals = reconcile.Removals{Enabled: true, GraceDays: 7}
	return o
}

func TestApplyOrderAndIdempotence(t *testing.T) {
	ctx := context.Background()
	s, g := shuffleSchool()
	target := reconciletest.NewTarget(g)
	p := mustPlan(t, s, target.Snapshot(), removalOptions())
	rep, err := reconcile.Apply(ctx, p, target, reconcile.ApplyOptions{})
	if err != nil || !rep.OK() {
		t.Fatalf("Apply: %v, %+v", err, rep)
	}
	var order []string
	for _, w := range target.Writes() {
		order = append(order, string(w.Kind)+" "+string(w.Op))
	}
	want := []string{
		"organisation create",
		"person create",
		"group update", "group create",
		"membership update", "membership create",
		// removals last, memberships first
		"membership delete",
		"group deactivate",
		"person deactivate",
		"organisation deactivate",
	}
	if diff := cmp.Diff(want, order); diff != "" {
		t.Errorf("write order (-want +got):\n%s", diff)
	}
	if rep.Counts != p.Counts {
		t.Errorf("report counts %+v, plan counts %+v", rep.Counts, p.Counts)
	}
	// The new group refers to the new organisation by its new id.
	snap := target.Snapshot()
	for _, gr := range snap.Groups {
		if gr.Name == "5c" && gr.Organisation != snap.Organisations[1].Keys.TargetID {
			t.Errorf("new group's organisation %q", gr.Organisation)
		}
	}

	// Planning again on the applied state yields no changes.
	var history reconcile.History
	history.Update(rep)
	o := removalOptions()
	o.History = history
	again := mustPlan(t, s, target.Snapshot(), o)
	if again.Counts.Changes() != 0 || len(again.Actions) != 0 {
		t.Errorf("second plan has changes: %+v\n%s", again.Counts, strings.Join(summary(again), "\n"))
	}
}

func TestApplyRefusesStaleActions(t *testing.T) {
	ctx := context.Background()
	s, g := school()
	for name, trust := range map[string]bool{"re-read by Apply": false, "refused by the target": true} {
		t.Run(name, func(t *testing.T) {
			target := reconciletest.NewTarget(g)
			p := mustPlan(t, s, target.Snapshot(), quiet())
			// Someone edits T1 after planning.
			target.EditPerson("T1", func(p *reconcile.Person) { p.GivenNames = "Eva Maria" })
			rep, err := reconcile.Apply(ctx, p, target, reconcile.ApplyOptions{TrustRevisions: trust})
			if err != nil {
				t.Fatal(err)
			}
			res := result(t, rep, "person/s=p1")
			if res.Status != reconcile.StatusStale || !errors.Is(res.Err, reconcile.ErrStale) {
				t.Errorf("edited record: %s %v", res.Status, res.Err)
			}
			if rep.Stale != 1 || rep.Failed != 0 {
				t.Errorf("report: %d stale, %d failed", rep.Stale, rep.Failed)
			}
			if got := result(t, rep, "person/s=p2").Status; got != reconcile.StatusApplied {
				t.Errorf("other records: %s", got)
			}
			if snap := target.Snapshot(); snap.Persons[0].GivenNames != "Eva Maria" {
				t.Error("the concurrent change was overwritten")
			}
		})
	}
}

func TestApplyComparesBeforeImagesWithoutRevisions(t *testing.T) {
	s, g := school()
	target := reconciletest.NewTarget(g)
	view := target.Snapshot()
	for i := range view.Persons {
		view.Persons[i].Revision = "" // a target without revisions
	}
	p := mustPlan(t, s, view, quiet())
	target.EditPerson("T2", func(p *reconcile.Person) { p.BirthPlace = "Weimar" })
	rep, err := reconcile.Apply(context.Background(), p, target, reconcile.ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := result(t, rep, "person/s=p2").Status; got != reconcile.StatusStale {
		t.Errorf("changed record without revision: %s", got)
	}
	if got := result(t, rep, "person/s=p1").Status; got != reconcile.StatusApplied {
		t.Errorf("unchanged record without revision: %s", got)
	}
}

func TestApplyRefusesConcurrentCreates(t *testing.T) {
	s, g := school()
	target := reconciletest.NewTarget(g)
	p := mustPlan(t, s, target.Snapshot(), quiet())
	// Another run created p4 meanwhile.
	other := mustPlan(t, s, target.Snapshot(), quiet())
	if _, err := reconcile.Apply(context.Background(), other, target, reconcile.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	rep, err := reconcile.Apply(context.Background(), p, target, reconcile.ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"person/s=p4", "membership/s=p2,g1"} {
		if got := result(t, rep, id).Status; got != reconcile.StatusStale {
			t.Errorf("%s applied twice: %s", id, got)
		}
	}
	if n := len(target.Snapshot().Persons); n != 5 {
		t.Errorf("%d persons, want 5 (no duplicate)", n)
	}
}

func TestApplyContinuesPastFailures(t *testing.T) {
	s, g := school()
	target := reconciletest.NewTarget(g)
	p := mustPlan(t, s, target.Snapshot(), quiet())
	target.FailOn("person/s=p4", errors.New("service unavailable for 198001011234"))
	rep, err := reconcile.Apply(context.Background(), p, target, reconcile.ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]reconcile.Status{
		"person/s=p4":        reconcile.StatusFailed,
		"membership/s=p4,g2": reconcile.StatusFailed, // needs the person that failed
		"person/s=p1":        reconcile.StatusApplied,
		"group/s=g2":         reconcile.StatusApplied,
		"membership/s=p2,g1": reconcile.StatusApplied,
		"person/t=T5":        reconcile.StatusNotExecuted, // pending
	}
	for id, st := range want {
		if got := result(t, rep, id).Status; got != st {
			t.Errorf("%s: %s, want %s", id, got, st)
		}
	}
	if rep.Failed != 2 || rep.OK() {
		t.Errorf("report: failed %d", rep.Failed)
	}
	if e := result(t, rep, "person/s=p4").Error; strings.Contains(e, "198001011234") {
		t.Errorf("a personal number reached the result error: %q", e)
	}
}

// cancelingTarget cancels the context after a number of writes.
type cancelingTarget struct {
	*reconciletest.Target
	after  int
	cancel context.CancelFunc
	n      int
}

func (c *cancelingTarget) Apply(ctx context.Context, a reconcile.Action) (reconcile.Written, error) {
	w, err := c.Target.Apply(ctx, a)
	if c.n++; c.n == c.after {
		c.cancel()
	}
	return w, err
}

func TestApplyStopsOnCancel(t *testing.T) {
	s, g := school()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	target := &cancelingTarget{Target: reconciletest.NewTarget(g), after: 2, cancel: cancel}
	p := mustPlan(t, s, target.Snapshot(), quiet())
	var events []reconcile.AuditEvent
	audit := reconcile.AuditFunc(func(ctx context.Context, e reconcile.AuditEvent) {
		if ctx.Err() != nil {
			t.Errorf("the audit sink got a canceled context for %s", e.ActionID)
		}
		events = append(events, e)
	})
	rep, err := reconcile.Apply(ctx, p, target, reconcile.ApplyOptions{Audit: audit})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Apply = %v, want context.Canceled", err)
	}
	if len(target.Writes()) != 2 {
		t.Errorf("%d writes after cancel at 2", len(target.Writes()))
	}
	if rep.Canceled == 0 || rep.Canceled+2 != countExecutable(p) {
		t.Errorf("canceled %d of %d executable", rep.Canceled, countExecutable(p))
	}
	// Every action has its event, the canceled ones too.
	if len(events) != len(p.Actions) {
		t.Fatalf("%d audit events for %d actions", len(events), len(p.Actions))
	}
	canceled := 0
	for _, e := range events {
		if e.Status == reconcile.StatusCanceled {
			canceled++
		}
	}
	if canceled != rep.Canceled {
		t.Errorf("%d canceled events, %d canceled results", canceled, rep.Canceled)
	}
	for _, e := range events[:2] {
		if e.Status != reconcile.StatusApplied {
			t.Errorf("the first events are not the two writes: %+v", e)
		}
	}
}

// TestApplyAuditsAsItGoes checks that each write's event reaches the sink before the next
// write, so an audit trail survives a crash half-way.
func TestApplyAuditsAsItGoes(t *testing.T) {
	s, g := school()
	target := reconciletest.NewTarget(g)
	p := mustPlan(t, s, target.Snapshot(), quiet())
	var events []reconcile.AuditEvent
	writesAtEvent := []int{}
	audit := reconcile.AuditFunc(func(_ context.Context, e reconcile.AuditEvent) {
		events = append(events, e)
		writesAtEvent = append(writesAtEvent, len(target.Writes()))
	})
	if _, err := reconcile.Apply(context.Background(), p, target, reconcile.ApplyOptions{Audit: audit}); err != nil {
		t.Fatal(err)
	}
	applied := 0
	for n, e := range events {
		if e.Status != reconcile.StatusApplied {
			continue
		}
		applied++
		if writesAtEvent[n] != applied {
			t.Errorf("event %d (%s) came after %d writes, want %d", n, e.ActionID, writesAtEvent[n], applied)
		}
	}
	if applied != len(target.Writes()) || len(events) != len(p.Actions) {
		t.Errorf("%d applied events, %d writes, %d events for %d actions", applied, len(target.Writes()), len(events), len(p.Actions))
	}
}

func countExecutable(p *reconcile.Plan) int {
	n := 0
	for _, a := range p.Actions {
		if a.Executable() {
			n++
		}
	}
	return n
}

func TestApplyAuditAndLogs(t *testing.T) {
	s := &reconcile.Snapshot{Persons: []reconcile.Person{src("19800101-1234", "Berg", "Eva", "", ""), src("800101+4321", "Lund", "Ida", "", "")}}
	target := reconciletest.NewTarget(nil)
	p := mustPlan(t, s, nil, quiet())
	var mu sync.Mutex
	var events []reconcile.AuditEvent
	var logs bytes.Buffer
	_, err := reconcile.Apply(context.Background(), p, target, reconcile.ApplyOptions{
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Audit: reconcile.AuditFunc(func(_ context.Context, e reconcile.AuditEvent) {
			mu.Lock()
			defer mu.Unlock()
			events = append(events, e)
		}),
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != len(p.Actions) {
		t.Fatalf("%d audit events for %d actions", len(events), len(p.Actions))
	}
	if e := events[0]; e.Status != reconcile.StatusApplied || e.Op != reconcile.OpCreate || e.Plan != p.Fingerprint || e.TargetID == "" {
		t.Errorf("event %+v", e)
	}
	for _, e := range events {
		if strings.Contains(e.ActionID, "1234") || strings.Contains(e.ActionID, "4321") {
			t.Errorf("a personal number reached the audit trail: %s", e.ActionID)
		}
	}
	if l := logs.String(); strings.Contains(l, "1234") || strings.Contains(l, "4321") {
		t.Errorf("a personal number reached the logs:\n%s", l)
	}
	if !strings.Contains(logs.String(), "status=applied") {
		t.Errorf("logs:\n%s", logs.String())
	}
}

// recordingImporter imports by returning a new key.
type recordingImporter struct{ got []string }

func (r *recordingImporter) Import(_ context.Context, a reconcile.Action) (string, error) {
	r.got = append(r.got, a.TargetID)
	return "new-" + a.TargetID, nil
}

func TestApplyImports(t *testing.T) {
	s, g := school()
	p := mustPlan(t, s, g, quiet())
	p, err := p.Answer(nil, reconcile.Decision{ID: "person/t=T5", Verdict: reconcile.Approve})
	if err != nil {
		t.Fatal(err)
	}
	imp := &recordingImporter{}
	rep, err := reconcile.Apply(context.Background(), p, reconciletest.NewTarget(g), reconcile.ApplyOptions{Importer: imp})
	if err != nil {
		t.Fatal(err)
	}
	if res := result(t, rep, "person/t=T5"); res.Status != reconcile.StatusApplied || res.SourceKey != "new-T5" {
		t.Errorf("import result %+v", res)
	}
	if !cmp.Equal(imp.got, []string{"T5"}) {
		t.Errorf("imported %v", imp.got)
	}
	// Without an importer an approved import is not executed.
	rep, err = reconcile.Apply(context.Background(), p, reconciletest.NewTarget(g), reconcile.ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res := result(t, rep, "person/t=T5"); res.Status != reconcile.StatusNotExecuted || res.Err == nil {
		t.Errorf("import without importer %+v", res)
	}
}

func TestApplyRefusesTamperedPlans(t *testing.T) {
	s, g := school()
	target := reconciletest.NewTarget(g)
	p := mustPlan(t, s, target.Snapshot(), quiet())
	p.Actions = p.Actions[1:]
	if _, err := reconcile.Apply(context.Background(), p, target, reconcile.ApplyOptions{}); !errors.Is(err, reconcile.ErrTampered) {
		t.Errorf("Apply = %v, want ErrTampered", err)
	}
	if len(target.Writes()) != 0 {
		t.Error("a tampered plan wrote")
	}
}

func result(t *testing.T, rep *reconcile.Report, id string) reconcile.Result {
	t.Helper()
	for _, r := range rep.Results {
		if r.ID == id {
			return r
		}
	}
	t.Fatalf("no result for %s", id)
	return reconcile.Result{}
}

// failingSource fails after yielding its first person.
type failingSource struct{ reconcile.Source }

func (f failingSource) Persons(ctx context.Context) iter.Seq2[reconcile.Person, error] {
	return func(yield func(reconcile.Person, error) bool) {
		if yield(reconcile.Person{}, nil) {
			yield(reconcile.Person{}, errors.New("page 2 unavailable"))
		}
	}
}

func TestLoad(t *testing.T) {
	s, _ := school()
	got, err := reconcile.Load(context.Background(), s.AsSource())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(s, got, cmpopts.IgnoreUnexported(reconcile.Date{})); diff != "" {
		t.Errorf("Load (-want +got):\n%s", diff)
	}
	if _, err := reconcile.Load(context.Background(), failingSource{s.AsSource()}); err == nil || !strings.Contains(err.Error(), "persons") {
		t.Errorf("Load of a failing source: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := reconcile.Load(ctx, s.AsSource()); !errors.Is(err, context.Canceled) {
		t.Errorf("Load with a canceled context: %v", err)
	}
}
