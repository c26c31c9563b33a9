package pipeline_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/edusync/edusync/internal/testclock"
	"github.com/edusync/edusync/pipeline"
	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/reconcile/reconciletest"
	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/store/sqlite"
)

func openSQLite(t testing.TB, path string, opts ...store.Option) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), path, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// Two runners (two stores on one SQLite file, as two processes would have): while one runs,
// the other waits for the lease, then runs after it.
func TestTwoRunnersOnOneSQLiteFileTakeTurns(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	src, tgt := newSource(school(5)), target()
	lg := newLogs()
	opts := []pipeline.Option{pipeline.WithLogger(lg.logger()), pipeline.WithLeaseTTL(time.Second)}
	a := newPipeline(t, src, tgt, openSQLite(t, path), opts...)
	b := newPipeline(t, src, tgt, openSQLite(t, path), opts...)

	src.hold()
	type result struct {
		r   pipeline.Run
		err error
	}
	ra, rb := make(chan result, 1), make(chan result, 1)
	go func() { r, err := a.Run(context.Background()); ra <- result{r, err} }()
	<-src.entered // a runs
	go func() { r, err := b.Run(context.Background()); rb <- result{r, err} }()
	waitFor(t, "b to wait for the lease", func() bool { return strings.Contains(lg.String(), "waiting for it") })
	time.Sleep(300 * time.Millisecond) // several lease renewals and retries
	select {
	case <-rb:
		t.Fatal("b ran while a held the lease")
	default:
	}
	close(src.gate)
	first, second := <-ra, <-rb
	if first.err != nil || second.err != nil {
		t.Fatalf("runs: %v, %v", first.err, second.err)
	}
	if first.r.ID != 1 || second.r.ID != 2 || second.r.Started.Before(first.r.Ended) {
		t.Fatalf("a ran %d (%v to %v), b ran %d from %v; want b's run after a's", first.r.ID, first.r.Started, first.r.Ended, second.r.ID, second.r.Started)
	}
	if first.r.Holder == second.r.Holder || second.r.Token <= first.r.Token {
		t.Fatalf("holders %s and %s, tokens %d and %d", first.r.Holder, second.r.Holder, first.r.Token, second.r.Token)
	}
	if n := second.r.Plan.Counts.Changes(); n != 0 {
		t.Fatalf("b's run planned %d changes after a's", n)
	}
	if _, _, overlap := lg.counts(); overlap {
		t.Fatal("the two runners' runs overlapped")
	}
}

// viewHook calls hook after the first View, once: the moment a runner has read where the
// pipeline stands and before it asks for the lease.
type viewHook struct {
	store.Store
	once sync.Once
	hook func()
}

func (s *viewHook) View(ctx context.Context, scope store.Scope, fn func(tx store.Tx) error) error {
	err := s.Store.View(ctx, scope, fn)
	s.once.Do(s.hook)
	return err
}

// Processes due at the same moment make one run: the one that finds a run started after it
// was due returns that run.
func TestRunnerDueAtTheSameMomentTakesTheOthersRun(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	src, tgt := newSource(school(3)), target()
	lg := newLogs()
	a := newPipeline(t, src, tgt, openSQLite(t, path), pipeline.WithLogger(lg.logger()))
	hooked := &viewHook{Store: openSQLite(t, path)}
	hooked.hook = func() { mustRun(t, a, pipeline.StatusSucceeded) }
	b := newPipeline(t, src, tgt, hooked, pipeline.WithLogger(lg.logger()))
	r, err := b.Run(context.Background())
	if err != nil || r.ID != 1 {
		t.Fatalf("b: run %d, %v; want a's run 1", r.ID, err)
	}
	if started, _, _ := lg.counts(); started != 1 {
		t.Fatalf("%d runs started, want 1", started)
	}
}

// fencingTarget refuses writes carrying a smaller fencing token than one it has seen, as a
// target that keeps the last token can.
type fencingTarget struct {
	*reconciletest.Target
	highest atomic.Int64
	gate    chan struct{} // the first Apply waits for it
	entered chan struct{}
	first   atomic.Bool
}

func (f *fencingTarget) Apply(ctx context.Context, a reconcile.Action) (reconcile.Written, error) {
	if f.first.CompareAndSwap(false, true) {
		close(f.entered)
		<-f.gate
	}
	tok, _ := pipeline.FencingToken(ctx)
	for {
		h := f.highest.Load()
		if tok < h {
			return reconcile.Written{}, errors.New("fenced: a newer runner has written")
		}
		if f.highest.CompareAndSwap(h, tok) {
			break
		}
	}
	return f.Target.Apply(ctx, a)
}

// A runner stalled past its lease (here: in a target call) while another took over writes
// nothing more to the store and nothing to the target, and the other's records stand.
func TestStalledRunnerCannotWriteAfterATakeover(t *testing.T) {
	ctx := context.Background()
	sclk := testclock.New(t0) // the store's clock: leases expire when the test says
	st := memStore(t, sclk)
	src := newSource(school(4))
	tgt := &fencingTarget{Target: target(), gate: make(chan struct{}), entered: make(chan struct{})}
	ttl := 300 * time.Millisecond
	a := newPipeline(t, src, tgt, st, pipeline.WithLeaseTTL(ttl))
	b := newPipeline(t, src, tgt, st, pipeline.WithLeaseTTL(10*time.Second))

	aDone := make(chan error, 1)
	go func() { _, err := a.Run(ctx); aDone <- err }()
	<-tgt.entered // a is in its first target write
	sclk.Advance(time.Hour)
	rb, err := b.Run(ctx)
	if err != nil || rb.ID != 2 {
		t.Fatalf("b after the takeover: run %d, %v", rb.ID, err)
	}
	time.Sleep(3 * ttl) // a's renewal finds the lease taken over
	close(tgt.gate)
	aErr := <-aDone
	if !errors.Is(aErr, store.ErrLeaseLost) {
		t.Fatalf("a: %v, want ErrLeaseLost", aErr)
	}
	runs, _ := b.Ledger().Runs(ctx, 0)
	if len(runs) != 2 || runs[1].Status != pipeline.StatusInterrupted || runs[0].Status != pipeline.StatusSucceeded {
		t.Fatalf("runs = %+v; want a's interrupted (as b recorded it) and b's succeeded", runs)
	}
	if n := len(tgt.Writes()); n != 9 {
		t.Fatalf("target holds %d writes, want b's 9 only", n)
	}
	if mustRun(t, b, pipeline.StatusSucceeded).Plan.Counts.Changes() != 0 {
		t.Fatal("changes left after the takeover")
	}
}

// failingStore fails every write transaction while down is set, as a store that cannot be
// reached.
type failingStore struct {
	store.Store
	down    atomic.Bool
	updates atomic.Int32
}

func (s *failingStore) Update(ctx context.Context, scope store.Scope, fn func(tx store.Tx) error) error {
	s.updates.Add(1)
	if s.down.Load() {
		return errors.New("database unreachable")
	}
	return s.Store.Update(ctx, scope, fn)
}

// A runner that cannot renew its lease stops writing to the target once the lease may have
// expired, though nobody has taken over yet.
func TestRunnerStopsWritingWhenItCannotRenew(t *testing.T) {
	ctx := context.Background()
	st := &failingStore{Store: memStore(t, nil)}
	src := newSource(school(4))
	tgt := &fencingTarget{Target: target(), gate: make(chan struct{}), entered: make(chan struct{})}
	ttl := 200 * time.Millisecond
	p := newPipeline(t, src, tgt, st, pipeline.WithLeaseTTL(ttl))
	done := make(chan pipeline.Run, 1)
	go func() { r, _ := p.Run(ctx); done <- r }()
	<-tgt.entered
	st.down.Store(true)
	time.Sleep(3 * ttl)
	st.down.Store(false)
	close(tgt.gate)
	r := <-done
	if r.Status != pipeline.StatusInterrupted {
		t.Fatalf("run: %s (%s), want interrupted", r.Status, r.Error)
	}
	// The write that was under way when the store went down went through; none after it.
	if n := len(tgt.Writes()); n > 1 {
		t.Fatalf("%d target writes after the lease could no longer be renewed", n)
	}
	// The next run, by a runner with a time-to-live a loaded test machine cannot miss.
	mustRun(t, newPipeline(t, src, tgt, st, pipeline.WithLeaseTTL(10*time.Second)), pipeline.StatusSucceeded)
	snap := tgt.Snapshot()
	if len(snap.Persons) != 4 || len(snap.Groups) != 1 || len(snap.Memberships) != 4 {
		t.Fatalf("after the next run the target holds %d persons, %d groups, %d memberships; want 4, 1, 4",
			len(snap.Persons), len(snap.Groups), len(snap.Memberships))
	}
}

func TestAllAtOnceTargetRunsWithoutJournal(t *testing.T) {
	tgt := reconciletest.NewAtomicTarget(nil)
	p := newPipeline(t, newSource(school(3)), tgt, memStore(t, nil))
	r := mustRun(t, p, pipeline.StatusSucceeded)
	if r.Report.Counts.Created != 7 {
		t.Fatalf("created %d, want 7", r.Report.Counts.Created)
	}
	if mustRun(t, p, pipeline.StatusSucceeded).Plan.Counts.Changes() != 0 {
		t.Fatal("changes after applying to an all-at-once target")
	}
}
