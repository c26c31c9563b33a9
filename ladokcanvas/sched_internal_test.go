package ladokcanvas

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/edusync/edusync/ladok/ladokfeed"
)

// recorder notes when tasks start and end.
type recorder struct {
	mu     sync.Mutex
	events []string
	active map[string]int
	max    map[string]int
}

func newRecorder() *recorder { return &recorder{active: map[string]int{}, max: map[string]int{}} }

func (r *recorder) task(name, group string, d time.Duration) func(context.Context) error {
	return func(context.Context) error {
		r.mu.Lock()
		r.events = append(r.events, "start "+name)
		r.active[group]++
		r.max[group] = max(r.max[group], r.active[group])
		r.mu.Unlock()
		time.Sleep(d)
		r.mu.Lock()
		r.events = append(r.events, "end "+name)
		r.active[group]--
		r.mu.Unlock()
		return nil
	}
}

func (r *recorder) index(ev string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, e := range r.events {
		if e == ev {
			return i
		}
	}
	return -1
}

func submitAll(t *testing.T, s *scheduler, tasks ...*task) {
	t.Helper()
	for _, tk := range tasks {
		if tk.ctx == nil {
			tk.ctx = context.Background()
		}
		if !s.submit(tk, nil) {
			t.Fatal("submit refused")
		}
	}
	s.wait()
}

func TestSchedulerExclusiveKeysInOrder(t *testing.T) {
	s := newScheduler(8, 100)
	defer s.close()
	r := newRecorder()
	var tasks []*task
	for i := range 20 {
		name := string(rune('a' + i))
		tasks = append(tasks, &task{keys: []lockKey{student("x")}, run: r.task(name, "x", time.Millisecond)})
	}
	submitAll(t, s, tasks...)
	if r.max["x"] != 1 {
		t.Errorf("%d tasks of one student at once", r.max["x"])
	}
	for i := 1; i < 20; i++ {
		if r.index("end "+string(rune('a'+i-1))) > r.index("start "+string(rune('a'+i))) {
			t.Fatalf("task %d started before %d ended: %v", i, i-1, r.events)
		}
	}
}

func TestSchedulerSharedAndExclusive(t *testing.T) {
	s := newScheduler(8, 100)
	defer s.close()
	r := newRecorder()
	// Four enrolments in one course (shared), then a course change (exclusive), then four more.
	var tasks []*task
	for i := range 4 {
		tasks = append(tasks, &task{keys: []lockKey{student(string(rune('a' + i))), offeringShared("c")}, run: r.task("e"+string(rune('a'+i)), "c", 20*time.Millisecond)})
	}
	tasks = append(tasks, &task{keys: []lockKey{offering("c")}, run: r.task("course", "c", time.Millisecond)})
	for i := range 4 {
		tasks = append(tasks, &task{keys: []lockKey{student(string(rune('k' + i))), offeringShared("c")}, run: r.task("f"+string(rune('a'+i)), "c", time.Millisecond)})
	}
	submitAll(t, s, tasks...)
	if r.max["c"] < 2 {
		t.Errorf("enrolments in one course never ran at once (max %d)", r.max["c"])
	}
	c := r.index("start course")
	for i := range 4 {
		if r.index("end e"+string(rune('a'+i))) > c {
			t.Errorf("the course change started before enrolment %d ended", i)
		}
		if r.index("start f"+string(rune('a'+i))) < r.index("end course") {
			t.Errorf("enrolment f%d started before the course change ended", i)
		}
	}
}

func TestSchedulerBarrier(t *testing.T) {
	s := newScheduler(8, 100)
	defer s.close()
	r := newRecorder()
	submitAll(t, s,
		&task{keys: []lockKey{student("a")}, run: r.task("a", "g", 20*time.Millisecond)},
		&task{keys: []lockKey{student("b")}, run: r.task("b", "g", 20*time.Millisecond)},
		&task{barrier: true, run: r.task("barrier", "g", time.Millisecond)},
		&task{keys: []lockKey{student("c")}, run: r.task("c", "g", time.Millisecond)})
	b := r.index("start barrier")
	if r.index("end a") > b || r.index("end b") > b || r.index("start c") < r.index("end barrier") {
		t.Errorf("barrier order: %v", r.events)
	}
}

// TestSchedulerBrokenFeed: after a feed task fails, feed tasks not yet started are skipped
// (and reported as not run) until reset; other tasks go on.
func TestSchedulerBrokenFeed(t *testing.T) {
	s := newScheduler(2, 100)
	defer s.close()
	boom := errors.New("boom")
	var ran atomic.Int32
	var skipped atomic.Int32
	done := func(err error, r bool) {
		if !r {
			skipped.Add(1)
		}
	}
	gate := make(chan struct{})
	tasks := []*task{
		{feed: true, keys: []lockKey{student("a")}, run: func(context.Context) error { <-gate; return boom }, done: done},
		{feed: true, keys: []lockKey{student("a")}, run: func(context.Context) error { ran.Add(1); return nil }, done: done},
		{keys: []lockKey{student("a")}, run: func(context.Context) error { ran.Add(1); return nil }, done: done},
	}
	for _, tk := range tasks {
		tk.ctx = context.Background()
		s.submit(tk, nil)
	}
	close(gate)
	s.wait()
	if s.failure() != boom || ran.Load() != 1 || skipped.Load() != 1 {
		t.Errorf("failure %v, ran %d, skipped %d", s.failure(), ran.Load(), skipped.Load())
	}
	if s.submit(&task{ctx: context.Background(), feed: true, run: func(context.Context) error { return nil }}, nil) {
		t.Error("a feed task was accepted while the feed is broken")
	}
	s.reset()
	if s.failure() != nil {
		t.Error("reset did not clear the failure")
	}
}

func TestSchedulerBackpressure(t *testing.T) {
	s := newScheduler(1, 2)
	defer s.close()
	release := make(chan struct{})
	block := func(context.Context) error { <-release; return nil }
	s.submit(&task{ctx: context.Background(), keys: []lockKey{student("a")}, run: block}, nil)
	s.submit(&task{ctx: context.Background(), keys: []lockKey{student("b")}, run: block}, nil)
	third := make(chan struct{})
	go func() {
		s.submit(&task{ctx: context.Background(), keys: []lockKey{student("c")}, run: func(context.Context) error { return nil }}, nil)
		close(third)
	}()
	select {
	case <-third:
		t.Fatal("a third task was queued past the limit")
	case <-time.After(20 * time.Millisecond):
	}
	close(release)
	<-third
	s.wait()
}

// TestGateHoldsCommits: the reader's commit is written only when every task submitted before it
// succeeded, and never after a failure; events marked done count as processed.
func TestGateHoldsCommits(t *testing.T) {
	inner := &fakeState{}
	marked := func(_ context.Context, keys []string) (map[string]bool, error) {
		return map[string]bool{"k9": slices.Contains(keys, "k9")}, nil
	}
	g := newGate(inner, marked)
	s0, s1 := g.assign(), g.assign()
	committed := make(chan error, 1)
	go func() { committed <- g.Commit(context.Background(), "f", pos(2), []string{"k0", "k1"}) }()
	g.finished(s1, nil)
	select {
	case err := <-committed:
		t.Fatalf("committed (%v) while an earlier task was still running", err)
	case <-time.After(10 * time.Millisecond):
	}
	g.finished(s0, nil)
	if err := <-committed; err != nil {
		t.Fatal(err)
	}
	if c := inner.last(); c.pos.Handled != 2 || len(c.keys) != 2 {
		t.Errorf("last commit %+v", c)
	}
	if m, _ := g.Processed(context.Background(), "f", []string{"k1", "k9"}); !m["k9"] || m["k1"] {
		t.Errorf("processed %v: want the marked event only", m)
	}
	g.finished(g.assign(), errors.New("canvas down"))
	if err := g.Commit(context.Background(), "f", pos(3), []string{"k3"}); err == nil {
		t.Error("a commit after a failed task was accepted")
	}
	if inner.last().pos.Handled == 3 {
		t.Error("a commit after a failed task was written")
	}
}

// TestSchedulerServesOldestFirst: of the tasks ready at once, the one submitted first runs
// first, also when it became ready last (a student's next event waits for the previous one,
// not for everything queued meanwhile).
func TestSchedulerServesOldestFirst(t *testing.T) {
	s := newScheduler(1, 100)
	defer s.close()
	release := make(chan struct{})
	var mu sync.Mutex
	var order []string
	run := func(name string) func(context.Context) error {
		return func(context.Context) error {
			mu.Lock()
			order = append(order, name)
			mu.Unlock()
			return nil
		}
	}
	// The worker is busy with a's first event; a's second waits for it; b..e queue up behind.
	s.submit(&task{ctx: context.Background(), keys: []lockKey{student("a")}, run: func(context.Context) error { <-release; return nil }}, nil)
	s.submit(&task{ctx: context.Background(), keys: []lockKey{student("a")}, run: run("a2")}, nil)
	for _, n := range []string{"b", "c", "d", "e"} {
		s.submit(&task{ctx: context.Background(), keys: []lockKey{student(n)}, run: run(n)}, nil)
	}
	close(release)
	s.wait()
	if want := []string{"a2", "b", "c", "d", "e"}; !slices.Equal(order, want) {
		t.Errorf("ran %v, want %v", order, want)
	}
}

func pos(n int) ladokfeed.Position { return ladokfeed.Position{Page: "/handelser/feed/1", Handled: n} }

type commitCall struct {
	pos  ladokfeed.Position
	keys []string
}

// fakeState is a ladokfeed.State in memory that records commits.
type fakeState struct {
	mu      sync.Mutex
	commits []commitCall
}

func (f *fakeState) LoadPosition(context.Context, string) (ladokfeed.Position, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.commits) == 0 {
		return ladokfeed.Position{}, false, nil
	}
	return f.commits[len(f.commits)-1].pos, true, nil
}

func (f *fakeState) Processed(context.Context, string, []string) (map[string]bool, error) {
	return map[string]bool{}, nil
}

func (f *fakeState) Commit(_ context.Context, _ string, p ladokfeed.Position, keys []string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.commits = append(f.commits, commitCall{p, keys})
	return nil
}

func (f *fakeState) last() commitCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.commits) == 0 {
		return commitCall{}
	}
	return f.commits[len(f.commits)-1]
}
