package pipeline_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/edusync/edusync/internal/testclock"
	"github.com/edusync/edusync/pipeline"
	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/reconcile/reconciletest"
	"github.com/edusync/edusync/store"
)

func TestRunAppliesThenFindsNothingToDo(t *testing.T) {
	clk := testclock.New(t0)
	src, tgt := newSource(school(5)), target()
	st := memStore(t, clk)
	lg := newLogs()
	var audited int
	p := newPipeline(t, src, tgt, st, pipeline.WithClock(clk), pipeline.WithLogger(lg.logger()),
		pipeline.WithAudit(reconcile.AuditFunc(func(context.Context, reconcile.AuditEvent) { audited++ })))

	first := mustRun(t, p, pipeline.StatusSucceeded)
	if first.ID != 1 || first.Trigger != pipeline.TriggerCall || first.Plan == nil || first.Report == nil {
		t.Fatalf("first run = %+v", first)
	}
	if got, want := first.Report.Counts.Created, 11; got != want { // 5 persons, a group, 5 memberships
		t.Fatalf("created %d, want %d", got, want)
	}
	if audited != 11 {
		t.Fatalf("audit events = %d, want one per action (11)", audited)
	}
	clk.Advance(24 * 60 * 60e9)
	second := mustRun(t, p, pipeline.StatusSucceeded)
	if n := second.Plan.Counts.Changes(); n != 0 {
		t.Fatalf("second run plans %d changes, want none", n)
	}
	if n := len(tgt.Writes()); n != 11 {
		t.Fatalf("target writes = %d after two runs, want 11", n)
	}

	l := p.Ledger()
	runs, err := l.Runs(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 || runs[0].ID != 2 || runs[1].ID != 1 {
		t.Fatalf("runs = %+v, want 2 then 1", runs)
	}
	if diff := cmp.Diff(first, runs[1]); diff != "" {
		t.Fatalf("run 1 as kept differs from Run's (-returned +kept):\n%s", diff)
	}
	plan, err := l.Plan(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if plan.Fingerprint != first.Plan.Fingerprint || len(plan.Actions) != 11 {
		t.Fatalf("stored plan: fingerprint %s, %d actions", plan.Fingerprint, len(plan.Actions))
	}
	rep, err := l.Report(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != 11 || rep.Counts != first.Report.Counts {
		t.Fatalf("stored report: %d results, counts %+v", len(rep.Results), rep.Counts)
	}
	h, err := l.History(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Created) != 6 {
		t.Fatalf("history remembers %d created records, want 6", len(h.Created))
	}
	if started, ended, overlap := lg.counts(); started != 2 || ended != 2 || overlap {
		t.Fatalf("logged %d starts, %d ends, overlap %v", started, ended, overlap)
	}
}

// A target without referrers recognises the records this pipeline created only through the
// history kept in the store: without it the second run would ask about each of them.
func TestHistoryInTheStoreRecognisesCreatedRecords(t *testing.T) {
	caps := reconcile.Capabilities{
		Persons: &reconcile.Stored{Fields: []string{reconcile.FieldFamilyName, reconcile.FieldGivenNames}},
	}
	src := newSource(school(4))
	st := memStore(t, nil)
	tgt := target(caps)
	mustRun(t, newPipeline(t, src, tgt, st), pipeline.StatusSucceeded)
	// A new Pipeline value (a restarted process) on the same store.
	second := mustRun(t, newPipeline(t, src, tgt, st), pipeline.StatusSucceeded)
	if n := second.Plan.Counts.Changes(); n != 0 {
		t.Fatalf("second run plans %d changes (%+v), want none", n, second.Plan.Counts)
	}
}

// evaAndIda is a source of two pupils and a target that holds Eva without a referrer and
// without birth place: a match to confirm (case 3). Ida is new.
func evaAndIda(t *testing.T) (*source, *reconciletest.Target) {
	t.Helper()
	src := newSource(&reconcile.Snapshot{Persons: []reconcile.Person{
		{Keys: reconcile.Keys{SourceKey: "S-1"}, FamilyName: "Berg", GivenNames: "Eva", BirthDate: reconcile.NewDate(2012, 3, 4)},
		{Keys: reconcile.Keys{SourceKey: "S-2"}, FamilyName: "Lund", GivenNames: "Ida"},
	}})
	tgt := target()
	if _, err := tgt.Apply(context.Background(), reconcile.Action{ID: "seed", Kind: reconcile.KindPerson, Op: reconcile.OpCreate,
		Person: &reconcile.Change[reconcile.Person]{After: &reconcile.Person{FamilyName: "Berg", GivenNames: "Eva", BirthDate: reconcile.NewDate(2012, 3, 4)}}}); err != nil {
		t.Fatal(err)
	}
	tgt.ResetWrites()
	return src, tgt
}

func TestQuestionsWaitForAnswersGivenBetweenRuns(t *testing.T) {
	ctx := context.Background()
	src, tgt := evaAndIda(t)
	p := newPipeline(t, src, tgt, memStore(t, nil))
	l := p.Ledger()

	r1, err := p.Run(ctx)
	if r1.Status != pipeline.StatusWaiting || !errors.Is(err, pipeline.ErrWaiting) {
		t.Fatalf("run 1: %s, %v; want waiting", r1.Status, err)
	}
	if n := len(tgt.Writes()); n != 0 {
		t.Fatalf("a plan with open questions wrote %d records", n)
	}
	qs, err := l.Questions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) != 1 || qs[0].Run != 1 || qs[0].Action.Case != 3 || qs[0].Action.Person == nil || qs[0].Action.Person.Before == nil {
		t.Fatalf("questions = %+v, want Eva's case-3 match with both records", qs)
	}
	if err := l.Answer(ctx, "operator", reconcile.Decision{ID: "person/s=S-9", Verdict: reconcile.Approve}); !errors.Is(err, pipeline.ErrInvalid) {
		t.Fatalf("answer to no question: %v, want ErrInvalid", err)
	}
	if err := l.Answer(ctx, "", reconcile.Decision{ID: qs[0].Action.ID, Verdict: reconcile.Approve}); !errors.Is(err, pipeline.ErrInvalid) {
		t.Fatalf("answer without a name: %v, want ErrInvalid", err)
	}
	if err := l.Answer(ctx, "operator", reconcile.Decision{ID: qs[0].Action.ID, Verdict: reconcile.Approve}); err != nil {
		t.Fatal(err)
	}
	if qs, _ = l.Questions(ctx); qs[0].Answer != reconcile.Approve || qs[0].By != "operator" {
		t.Fatalf("question after answering = %+v", qs[0])
	}

	mustRun(t, p, pipeline.StatusSucceeded)
	ops := countByOp(tgt)
	if ops[reconcile.OpCreate] != 1 || ops[reconcile.OpUpdate] != 1 {
		t.Fatalf("writes after the answer = %v, want Ida created and Eva linked", ops)
	}
	// The answer stays while the plan still consults it (reconcile lists it in Plan.Decisions)...
	r3 := mustRun(t, p, pipeline.StatusSucceeded)
	if as, _ := l.Answers(ctx); len(as) != 1 || r3.Plan.Counts.Changes() != 0 {
		t.Fatalf("answers after run 3: %+v", as)
	}
	// ...and is dropped once no plan needs it: Eva leaves the source.
	src.set(&reconcile.Snapshot{Persons: []reconcile.Person{{Keys: reconcile.Keys{SourceKey: "S-2"}, FamilyName: "Lund", GivenNames: "Ida"}}})
	mustRun(t, p, pipeline.StatusWaiting) // Eva's record is offered for import (case 4)
	if as, _ := l.Answers(ctx); len(as) != 0 {
		t.Fatalf("answers kept after no plan needs them: %+v", as)
	}
	if qs, _ := l.Questions(ctx); len(qs) != 1 || qs[0].Action.Op != reconcile.OpImport || qs[0].Answer != reconcile.Undecided {
		t.Fatalf("questions = %+v, want the import of Eva's record, unanswered", qs)
	}
}

func TestPartialApplyWritesWhatIsCertain(t *testing.T) {
	ctx := context.Background()
	src, tgt := evaAndIda(t)
	p := newPipeline(t, src, tgt, memStore(t, nil), pipeline.WithPartialApply())
	r, err := p.Run(ctx)
	if r.Status != pipeline.StatusWaiting || !errors.Is(err, pipeline.ErrWaiting) || r.Report == nil {
		t.Fatalf("run: %+v, %v; want waiting with a report", r, err)
	}
	if ops := countByOp(tgt); ops[reconcile.OpCreate] != 1 || len(tgt.Writes()) != 1 {
		t.Fatalf("writes = %v, want only Ida created", ops)
	}
}

func TestPolicyAnswersByRule(t *testing.T) {
	tgt := target()
	if _, err := tgt.Apply(context.Background(), reconcile.Action{ID: "seed", Kind: reconcile.KindPerson, Op: reconcile.OpCreate,
		Person: &reconcile.Change[reconcile.Person]{After: &reconcile.Person{FamilyName: "Nowak", GivenNames: "Jan"}}}); err != nil {
		t.Fatal(err)
	}
	p := newPipeline(t, newSource(school(2)), tgt, memStore(t, nil), pipeline.WithPolicy(reconcile.RejectAll(reconcile.OpImport)))
	r := mustRun(t, p, pipeline.StatusSucceeded)
	if r.Plan.Counts.Pending != 0 || r.Plan.Counts.Skipped != 1 {
		t.Fatalf("plan counts %+v, want the import rejected by the policy", r.Plan.Counts)
	}
}

// owned returns a target holding the school's records as this pipeline wrote them.
func owned(t *testing.T, n int) (*source, store.Store, *pipeline.Pipeline, func(...pipeline.Option) *pipeline.Pipeline) {
	t.Helper()
	src := newSource(school(n))
	st := memStore(t, nil)
	tgt := target()
	mk := func(opts ...pipeline.Option) *pipeline.Pipeline {
		opts = append([]pipeline.Option{pipeline.WithOptions(reconcile.Options{Removals: reconcile.Removals{Enabled: true, GraceDays: 30}})}, opts...)
		return newPipeline(t, src, tgt, st, opts...)
	}
	p := mk()
	mustRun(t, p, pipeline.StatusSucceeded)
	return src, st, p, mk
}

func TestHoldStopsRunsUntilReleased(t *testing.T) {
	ctx := context.Background()
	src, _, p, _ := owned(t, 40)
	l := p.Ledger()
	// The source loses 20 of its 40 pupils: more than 10% and more than 10 deactivations.
	half := school(40)
	half.Persons, half.Memberships = half.Persons[:20], half.Memberships[:20]
	src.set(half)

	r2, err := p.Run(ctx)
	if r2.Status != pipeline.StatusHeld || !errors.Is(err, pipeline.ErrHeld) || r2.Hold == nil || len(r2.Hold.Trips) == 0 {
		t.Fatalf("run 2: %+v, %v; want held with the trips", r2, err)
	}
	if !strings.Contains(err.Error(), "person deactivate") {
		t.Fatalf("hold error %q does not say what tripped", err)
	}
	if r2.Report != nil {
		t.Fatal("a held run applied something")
	}
	h, held, err := l.Hold(ctx)
	if err != nil || !held || h.Since != 2 || h.Run != 2 {
		t.Fatalf("hold = %+v, %v, %v", h, held, err)
	}
	// Held until released, even when the next plan is within the thresholds.
	src.set(school(40))
	r3 := mustRun(t, p, pipeline.StatusHeld)
	if r3.Hold.Since != 2 || len(r3.Hold.Trips) != 0 {
		t.Fatalf("run 3 hold = %+v, want still held since run 2, nothing tripped", r3.Hold)
	}
	src.set(half)
	r4 := mustRun(t, p, pipeline.StatusHeld)

	if err := l.Release(ctx, 1, "rektor"); !errors.Is(err, pipeline.ErrNotHeld) {
		t.Fatalf("release of a run that was not held: %v", err)
	}
	if err := l.Release(ctx, r4.ID, "rektor"); err != nil {
		t.Fatal(err)
	}
	if h, _, _ = l.Hold(ctx); h.Released == nil || h.Released.Run != r4.ID || h.Released.By != "rektor" {
		t.Fatalf("hold after release = %+v", h)
	}
	r5 := mustRun(t, p, pipeline.StatusSucceeded)
	if r5.Report.Counts.Deactivated != 20 || r5.Released == nil || r5.Released.Run != r4.ID {
		t.Fatalf("run 5 after the release: %+v, report %+v", r5, r5.Report)
	}
	if _, held, _ := l.Hold(ctx); held {
		t.Fatal("still held after the released run applied")
	}
	mustRun(t, p, pipeline.StatusSucceeded)
}

func TestReleaseAllowsTheReviewedCountsOnly(t *testing.T) {
	ctx := context.Background()
	src, _, p, _ := owned(t, 40)
	l := p.Ledger()
	cut := func(n int) *reconcile.Snapshot {
		s := school(40)
		s.Persons, s.Memberships = s.Persons[:n], s.Memberships[:n]
		return s
	}
	src.set(cut(25)) // 15 leave
	held := mustRun(t, p, pipeline.StatusHeld)
	if err := l.Release(ctx, held.ID, "rektor"); err != nil {
		t.Fatal(err)
	}
	src.set(cut(15)) // meanwhile 25 leave: more than was reviewed
	again := mustRun(t, p, pipeline.StatusHeld)
	if again.Hold.Since != held.ID || again.Hold.Trips[0].Count != 25 {
		t.Fatalf("hold = %+v, want held again with the new count", again.Hold)
	}
	if h, _, _ := l.Hold(ctx); h.Released != nil {
		t.Fatal("the release outlived a plan it did not cover")
	}
}

func TestRunsBeyondTheKeptAreRemoved(t *testing.T) {
	ctx := context.Background()
	st := memStore(t, nil)
	p := newPipeline(t, newSource(school(600)), target(), st, pipeline.WithKeepRuns(3))
	for range 5 {
		mustRun(t, p, pipeline.StatusSucceeded)
	}
	l := p.Ledger()
	runs, err := l.Runs(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 3 || runs[0].ID != 5 || runs[2].ID != 3 {
		t.Fatalf("kept runs = %d (first %d), want 5, 4, 3", len(runs), runs[0].ID)
	}
	if _, err := l.Plan(ctx, 1); !errors.Is(err, pipeline.ErrNoRun) {
		t.Fatalf("plan of a removed run: %v", err)
	}
	// Run 1's plan of 1,201 actions took three chunks; none of them may be left.
	var keys []string
	err = st.View(ctx, store.Scope{Flow: pipeline.Flow, Tenant: "school"}, func(tx store.Tx) error {
		vs, err := tx.Values("")
		for _, v := range vs {
			keys = append(keys, v.Key)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if strings.Contains(k, "/0000000000000001") || strings.Contains(k, "/0000000000000002") {
			t.Fatalf("key %s of a removed run is left", k)
		}
	}
}

func TestLedgerPagesLargePlans(t *testing.T) {
	ctx := context.Background()
	p := newPipeline(t, newSource(school(700)), target(), memStore(t, nil))
	r := mustRun(t, p, pipeline.StatusSucceeded)
	l := p.Ledger()
	plan, err := l.Plan(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ offset, limit int }{{0, 10}, {495, 10}, {500, 500}, {1390, 50}, {1401, 5}, {0, 0}} {
		got, total, err := l.Actions(ctx, r.ID, c.offset, c.limit)
		if err != nil {
			t.Fatal(err)
		}
		end := len(plan.Actions)
		if c.limit > 0 {
			end = min(c.offset+c.limit, end)
		}
		want := plan.Actions[min(c.offset, len(plan.Actions)):end]
		if total != len(plan.Actions) || len(got) != len(want) {
			t.Fatalf("Actions(%d, %d): %d of %d, want %d", c.offset, c.limit, len(got), total, len(want))
		}
		for i := range got {
			if got[i].ID != want[i].ID {
				t.Fatalf("Actions(%d, %d)[%d] = %s, want %s", c.offset, c.limit, i, got[i].ID, want[i].ID)
			}
		}
		results, _, err := l.Results(ctx, r.ID, c.offset, c.limit)
		if err != nil || len(results) != len(want) || (len(results) > 0 && results[0].ID != want[0].ID) {
			t.Fatalf("Results(%d, %d): %d results, %v", c.offset, c.limit, len(results), err)
		}
	}
	if _, _, err := l.Actions(ctx, r.ID, -1, 5); !errors.Is(err, pipeline.ErrInvalid) {
		t.Fatalf("negative offset: %v", err)
	}
}

func TestAlteredStoredPlanIsRefused(t *testing.T) {
	ctx := context.Background()
	st := memStore(t, nil)
	p := newPipeline(t, newSource(school(3)), target(), st)
	mustRun(t, p, pipeline.StatusSucceeded)
	scope := store.Scope{Flow: pipeline.Flow, Tenant: "school"}
	err := st.Update(ctx, scope, func(tx store.Tx) error {
		acts, err := store.Get[[]reconcile.Action](tx, "actions/0000000000000001/000000")
		if err != nil {
			return err
		}
		acts[0].Reason = "altered"
		return store.Put(tx, "actions/0000000000000001/000000", acts)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Ledger().Plan(ctx, 1); !errors.Is(err, reconcile.ErrTampered) {
		t.Fatalf("altered plan read back: %v, want ErrTampered", err)
	}
}

func TestFailedRunKeepsNoPersonalNumbers(t *testing.T) {
	src := newSource(school(2))
	pnr := "20120304-2385"
	src.fail(errors.New("source answered 500 for person " + pnr + " (token abc)"))
	lg := newLogs()
	p := newPipeline(t, src, target(), memStore(t, nil), pipeline.WithLogger(lg.logger()))
	r, err := p.Run(context.Background())
	if r.Status != pipeline.StatusFailed || !errors.Is(err, pipeline.ErrFailed) {
		t.Fatalf("run: %s, %v", r.Status, err)
	}
	for what, text := range map[string]string{"error": err.Error(), "run record": r.Error, "log": lg.String()} {
		if leak := containsAny(text, pnr, "20120304", "2385"); leak != "" {
			t.Fatalf("%s holds %q: %s", what, leak, text)
		}
	}
	if !strings.Contains(r.Error, "reading the source") {
		t.Fatalf("run error %q does not say what failed", r.Error)
	}
}

func TestNewRefusesBadConfiguration(t *testing.T) {
	st := memStore(t, nil)
	src, tgt := newSource(school(1)), target()
	for name, c := range map[string]struct {
		name string
		opts []pipeline.Option
	}{
		"empty name":          {name: ""},
		"control in name":     {name: "a\nb"},
		"long name":           {name: strings.Repeat("x", 201)},
		"zero interval":       {name: "p", opts: []pipeline.Option{pipeline.WithInterval(0)}},
		"jitter over":         {name: "p", opts: []pipeline.Option{pipeline.WithInterval(60e9), pipeline.WithJitter(60e9)}},
		"no runs kept":        {name: "p", opts: []pipeline.Option{pipeline.WithKeepRuns(0)}},
		"short lease":         {name: "p", opts: []pipeline.Option{pipeline.WithLeaseTTL(1)}},
		"bad planning option": {name: "p", opts: []pipeline.Option{pipeline.WithOptions(reconcile.Options{Removals: reconcile.Removals{GraceDays: -1}})}},
	} {
		if _, err := pipeline.New(c.name, src, tgt, st, c.opts...); !errors.Is(err, pipeline.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
	if _, err := pipeline.New("p", nil, tgt, st); !errors.Is(err, pipeline.ErrInvalid) {
		t.Errorf("no source: %v", err)
	}
}

func TestTargetSeesTheFencingToken(t *testing.T) {
	var token int64
	tgt := &tokenTarget{Target: target(), seen: &token}
	mustRun(t, newPipeline(t, newSource(school(1)), tgt, memStore(t, nil)), pipeline.StatusSucceeded)
	if token != 1 {
		t.Fatalf("the target saw fencing token %d, want 1", token)
	}
	if _, ok := pipeline.FencingToken(context.Background()); ok {
		t.Fatal("a token outside a run")
	}
}

type tokenTarget struct {
	reconcile.Target
	seen *int64
}

func (t *tokenTarget) Apply(ctx context.Context, a reconcile.Action) (reconcile.Written, error) {
	*t.seen, _ = pipeline.FencingToken(ctx)
	return t.Target.Apply(ctx, a)
}

func (t *tokenTarget) Organisations(ctx context.Context) iterOrgs {
	return t.Target.(reconcile.OrganisationSource).Organisations(ctx)
}
