package pipeline_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/edusync/edusync/internal/testclock"
	"github.com/edusync/edusync/pipeline"
)

// started runs p.Start in the background until the test ends, and returns a function that
// stops it and returns Start's result.
func started(t *testing.T, p *pipeline.Pipeline) func() error {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Start(ctx) }()
	var once sync.Once
	var result error
	stop := func() error {
		once.Do(func() {
			cancel()
			select {
			case result = <-done:
			case <-time.After(20 * time.Second):
				t.Error("Start did not return after its context ended")
			}
		})
		return result
	}
	t.Cleanup(func() { _ = stop() })
	return stop
}

// asleep waits until the Start loop sleeps on the clock with the given runs ended.
func asleep(t *testing.T, clk *testclock.Clock, lg *logs, ended int) {
	t.Helper()
	waitFor(t, "runs to end", func() bool { _, e, _ := lg.counts(); return e >= ended })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if !clk.BlockUntil(ctx, 1) {
		t.Fatal("the Start loop did not go to sleep")
	}
	if _, e, _ := lg.counts(); e != ended {
		t.Fatalf("%d runs ended, want %d", e, ended)
	}
}

func TestStartRunsAtOnceThenEveryInterval(t *testing.T) {
	clk := testclock.New(t0)
	lg := newLogs()
	p := newPipeline(t, newSource(school(3)), target(), memStore(t, nil), pipeline.WithClock(clk), pipeline.WithLogger(lg.logger()),
		pipeline.WithInterval(6*time.Hour), pipeline.WithJitter(0), pipeline.WithPoll(24*time.Hour))
	stop := started(t, p)
	asleep(t, clk, lg, 1)
	next, err := p.NextRun(context.Background())
	if err != nil || !next.Equal(t0.Add(6*time.Hour)) {
		t.Fatalf("NextRun = %v, %v; want six hours after the first", next, err)
	}
	clk.Advance(6*time.Hour - time.Second)
	asleep(t, clk, lg, 1)
	clk.Advance(time.Second)
	asleep(t, clk, lg, 2)
	clk.Advance(6 * time.Hour)
	asleep(t, clk, lg, 3)
	if err := stop(); err != nil {
		t.Fatalf("Start returned %v after its context ended", err)
	}
	runs, _ := p.Ledger().Runs(context.Background(), 0)
	for i, r := range runs {
		want := t0.Add(time.Duration(2-i) * 6 * time.Hour)
		if r.Trigger != pipeline.TriggerSchedule || !r.Started.Equal(want) || r.Status != pipeline.StatusSucceeded {
			t.Errorf("run %d: %s %s at %v, want scheduled at %v", r.ID, r.Trigger, r.Status, r.Started, want)
		}
	}
	if _, _, overlap := lg.counts(); overlap {
		t.Fatal("runs overlapped")
	}
}

func TestJitterIsSharedByProcessesAndSpreadsPipelines(t *testing.T) {
	ctx := context.Background()
	st := memStore(t, nil)
	clk := testclock.New(t0)
	next := map[string]time.Time{}
	for _, name := range []string{"kommun-a/sds", "kommun-b/sds", "kommun-c/sds", "kommun-d/sds"} {
		mk := func() *pipeline.Pipeline {
			p, err := pipeline.New(name, newSource(school(1)), target(), st, pipeline.WithClock(clk),
				pipeline.WithInterval(time.Hour), pipeline.WithJitter(10*time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		p := mk()
		mustRun(t, p, pipeline.StatusSucceeded)
		n, err := p.NextRun(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n.Before(t0.Add(time.Hour)) || !n.Before(t0.Add(70*time.Minute)) {
			t.Fatalf("%s: next run at %v, want within ten minutes after the interval", name, n)
		}
		if other, _ := mk().NextRun(ctx); !other.Equal(n) {
			t.Fatalf("%s: two processes compute %v and %v", name, n, other)
		}
		next[name] = n
	}
	distinct := map[time.Time]bool{}
	for _, n := range next {
		distinct[n] = true
	}
	if len(distinct) < 2 {
		t.Fatalf("every pipeline runs at the same moment: %v", next)
	}
}

func TestTriggerDuringARunQueuesOneMoreNeverTwoAtOnce(t *testing.T) {
	clk := testclock.New(t0)
	lg := newLogs()
	src := newSource(school(3))
	src.hold()
	p := newPipeline(t, src, target(), memStore(t, nil), pipeline.WithClock(clk), pipeline.WithLogger(lg.logger()),
		pipeline.WithInterval(24*time.Hour), pipeline.WithPoll(24*time.Hour))
	started(t, p)
	<-src.entered // the first run reads its source
	for range 3 {
		p.Trigger()
	}
	called := make(chan pipeline.Run, 1)
	go func() {
		r, _ := p.Run(context.Background())
		called <- r
	}()
	time.Sleep(20 * time.Millisecond)
	select {
	case r := <-called:
		t.Fatalf("Run returned run %d while another was under way", r.ID)
	default:
	}
	close(src.gate)
	asleep(t, clk, lg, 3)
	if r := <-called; r.Trigger != pipeline.TriggerCall {
		t.Fatalf("Run returned a %s run", r.Trigger)
	}
	runs, _ := p.Ledger().Runs(context.Background(), 0)
	triggers := map[pipeline.Trigger]int{}
	for _, r := range runs {
		triggers[r.Trigger]++
	}
	if len(runs) != 3 || triggers[pipeline.TriggerSchedule] != 1 || triggers[pipeline.TriggerDemand] != 1 || triggers[pipeline.TriggerCall] != 1 {
		t.Fatalf("runs by trigger = %v, want the scheduled one, one for three triggers, and the call", triggers)
	}
	if _, _, overlap := lg.counts(); overlap {
		t.Fatal("runs overlapped")
	}
	// Nothing more until the interval.
	clk.Advance(23 * time.Hour)
	asleep(t, clk, lg, 3)
}

func TestRequestFromAnotherProcessIsPickedUp(t *testing.T) {
	ctx := context.Background()
	clk := testclock.New(t0)
	lg := newLogs()
	st := memStore(t, nil)
	p := newPipeline(t, newSource(school(2)), target(), st, pipeline.WithClock(clk), pipeline.WithLogger(lg.logger()),
		pipeline.WithInterval(24*time.Hour), pipeline.WithPoll(time.Minute))
	started(t, p)
	asleep(t, clk, lg, 1)
	review, err := pipeline.OpenLedger(st, "school") // the review page's process
	if err != nil {
		t.Fatal(err)
	}
	if err := review.Request(ctx); err != nil {
		t.Fatal(err)
	}
	if err := review.Request(ctx); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute)
	asleep(t, clk, lg, 2)
	clk.Advance(time.Minute)
	asleep(t, clk, lg, 2)
	runs, _ := review.Runs(ctx, 1)
	if runs[0].Trigger != pipeline.TriggerDemand {
		t.Fatalf("run 2 was %s, want on demand", runs[0].Trigger)
	}
}

func TestFailedRunsAreRetriedSoonerWithBackoff(t *testing.T) {
	ctx := context.Background()
	clk := testclock.New(t0)
	lg := newLogs()
	src := newSource(school(2))
	src.fail(errors.New("connection refused"))
	p := newPipeline(t, src, target(), memStore(t, nil), pipeline.WithClock(clk), pipeline.WithLogger(lg.logger()),
		pipeline.WithInterval(24*time.Hour), pipeline.WithJitter(0), pipeline.WithRetryDelay(time.Minute), pipeline.WithPoll(24*time.Hour))
	started(t, p)
	asleep(t, clk, lg, 1)
	for i, wait := range []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute} {
		next, _ := p.NextRun(ctx)
		if want := clk.Now().Add(wait); !next.Equal(want) {
			t.Fatalf("after %d failures the next run is at %v, want %v", i+1, next, want)
		}
		if i == 2 {
			src.fail(nil)
		}
		clk.Advance(wait)
		asleep(t, clk, lg, i+2)
	}
	runs, _ := p.Ledger().Runs(ctx, 1)
	if runs[0].Status != pipeline.StatusSucceeded {
		t.Fatalf("the run after the source recovered: %s", runs[0].Status)
	}
	if next, _ := p.NextRun(ctx); !next.Equal(runs[0].Started.Add(24 * time.Hour)) {
		t.Fatalf("after a success the next run is at %v, want an interval after it", next)
	}
}

func TestStartOnceAtATime(t *testing.T) {
	clk := testclock.New(t0)
	lg := newLogs()
	p := newPipeline(t, newSource(school(1)), target(), memStore(t, nil), pipeline.WithClock(clk), pipeline.WithLogger(lg.logger()))
	started(t, p)
	asleep(t, clk, lg, 1)
	if err := p.Start(context.Background()); !errors.Is(err, pipeline.ErrStarted) {
		t.Fatalf("second Start: %v, want ErrStarted", err)
	}
}

// When the pipeline's own store fails, Start waits before trying again instead of spinning.
func TestStoreFailuresDoNotMakeStartSpin(t *testing.T) {
	clk := testclock.New(t0)
	lg := newLogs()
	st := &failingStore{Store: memStore(t, nil)}
	st.down.Store(true)
	p := newPipeline(t, newSource(school(2)), target(), st, pipeline.WithClock(clk), pipeline.WithLogger(lg.logger()),
		pipeline.WithRetryDelay(time.Minute), pipeline.WithPoll(24*time.Hour))
	started(t, p)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if !clk.BlockUntil(ctx, 1) {
		t.Fatal("Start did not go to sleep after the store failed")
	}
	tries := st.updates.Load()
	time.Sleep(50 * time.Millisecond)
	if n := st.updates.Load(); n != tries {
		t.Fatalf("%d more writes while Start should wait", n-tries)
	}
	st.down.Store(false)
	clk.Advance(time.Minute)
	asleep(t, clk, lg, 1)
	if runs, _ := p.Ledger().Runs(context.Background(), 0); len(runs) != 1 || runs[0].Status != pipeline.StatusSucceeded {
		t.Fatalf("runs after the store came back: %+v", runs)
	}
}
