package ladokcanvas

import (
	"container/heap"
	"context"
	"sync"
)

// The scheduler is the adapter's event pipeline: it runs the adapter's work (one task per feed
// event, timer or admin call) on a pool of workers while keeping the order that matters. Every
// task names the keys it works on (a student, an offering), exclusively or shared, and starts
// only after every earlier task that conflicts with it has finished. Events of one student
// therefore apply in feed order, course events of one offering too (and before the
// enrolments that follow them), while different students' enrolments in the same course run at
// the same time. A barrier task (a syllabus change that touches many courses, a course replay)
// waits for everything submitted before it, and everything submitted after waits for it.
//
// Ready tasks are served oldest first (a heap by submission order), not in the order they
// became ready: a student's next event, ready once the previous one is done, goes ahead of the
// newer events of other students that queued up meanwhile. The feed position can only move
// past a task once it is done, so serving the oldest first keeps the saved position close
// behind the work.

// lockKey is one key a task works on.
type lockKey struct {
	name   string
	shared bool
}

func student(uid string) lockKey  { return lockKey{name: "s:" + uid} }
func offering(uid string) lockKey { return lockKey{name: "o:" + uid} }
func offeringShared(uid string) lockKey {
	return lockKey{name: "o:" + uid, shared: true}
}

type task struct {
	ctx     context.Context
	keys    []lockKey
	barrier bool
	feed    bool   // part of the feed pipeline: a failure stops the feed tasks not yet started
	seq     uint64 // position in the feed pipeline (feed tasks)
	order   uint64 // submission order, which the ready heap serves oldest first
	run     func(ctx context.Context) error
	done    func(err error, ran bool) // called once, with the scheduler locked; may be nil

	deps  int
	after []*task // tasks waiting for this one
	on    []*task // tasks this one waits for (to drop duplicates)
}

type keyState struct {
	writer  *task
	readers map[*task]struct{}
}

type scheduler struct {
	mu      sync.Mutex
	work    *sync.Cond // workers wait for ready tasks
	space   *sync.Cond // submitters and Wait wait for tasks to finish
	keys    map[string]*keyState
	barrier *task
	live    map[*task]struct{}
	ready   readyHeap
	order   uint64
	max     int
	broken  error // set by a failed feed task; feed tasks not yet started are skipped
	closed  bool
	wg      sync.WaitGroup
	feeds   int // live feed tasks
}

func newScheduler(workers, maxLive int) *scheduler {
	s := &scheduler{keys: map[string]*keyState{}, live: map[*task]struct{}{}, max: maxLive}
	s.work = sync.NewCond(&s.mu)
	s.space = sync.NewCond(&s.mu)
	s.wg.Add(workers)
	for range workers {
		go s.worker()
	}
	return s
}

// submit queues t, waiting while too many tasks are live. It returns false (and does not
// queue t) when the scheduler is closed, or when t is a feed task and the feed is broken.
func (s *scheduler) submit(t *task, before func()) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.live) >= s.max && !s.closed && !(t.feed && s.broken != nil) {
		s.space.Wait()
	}
	if s.closed || (t.feed && s.broken != nil) {
		return false
	}
	if before != nil {
		before()
	}
	t.order = s.order
	s.order++
	if t.barrier {
		for l := range s.live {
			s.dep(t, l)
		}
		s.barrier = t
	} else if s.barrier != nil {
		s.dep(t, s.barrier)
	}
	for _, k := range t.keys {
		ks := s.keys[k.name]
		if ks == nil {
			ks = &keyState{readers: map[*task]struct{}{}}
			s.keys[k.name] = ks
		}
		s.dep(t, ks.writer)
		if k.shared {
			ks.readers[t] = struct{}{}
			continue
		}
		for r := range ks.readers {
			s.dep(t, r)
		}
		clear(ks.readers)
		ks.writer = t
	}
	s.live[t] = struct{}{}
	if t.feed {
		s.feeds++
	}
	if t.deps == 0 {
		heap.Push(&s.ready, t)
		s.work.Signal()
	}
	return true
}

func (s *scheduler) dep(t, on *task) {
	if on == nil || on == t {
		return
	}
	for _, x := range t.on {
		if x == on {
			return
		}
	}
	t.on = append(t.on, on)
	on.after = append(on.after, t)
	t.deps++
}

func (s *scheduler) worker() {
	defer s.wg.Done()
	s.mu.Lock()
	for {
		for len(s.ready) == 0 && !s.closed {
			s.work.Wait()
		}
		if len(s.ready) == 0 {
			s.mu.Unlock()
			return
		}
		t := heap.Pop(&s.ready).(*task)
		skip := s.closed || (t.feed && s.broken != nil) || t.ctx.Err() != nil
		s.mu.Unlock()
		var err error
		if skip {
			err = t.ctx.Err()
			if err == nil {
				err = s.brokenErr()
			}
		} else {
			err = t.run(t.ctx)
		}
		s.mu.Lock()
		if err != nil && t.feed && s.broken == nil {
			s.broken = err
		}
		s.finish(t, err, !skip)
	}
}

func (s *scheduler) brokenErr() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.broken != nil {
		return s.broken
	}
	return errClosed
}

// finish releases t's keys and the tasks waiting for it. s.mu is held.
func (s *scheduler) finish(t *task, err error, ran bool) {
	for _, k := range t.keys {
		ks := s.keys[k.name]
		if ks == nil {
			continue
		}
		if ks.writer == t {
			ks.writer = nil
		}
		delete(ks.readers, t)
		if ks.writer == nil && len(ks.readers) == 0 {
			delete(s.keys, k.name)
		}
	}
	if s.barrier == t {
		s.barrier = nil
	}
	for _, n := range t.after {
		n.deps--
		if n.deps == 0 {
			heap.Push(&s.ready, n)
			s.work.Signal()
		}
	}
	t.after, t.on = nil, nil
	delete(s.live, t)
	if t.feed {
		s.feeds--
	}
	if t.done != nil {
		t.done(err, ran)
	}
	s.space.Broadcast()
}

// waitFeed waits until no feed task is live.
func (s *scheduler) waitFeed() {
	s.mu.Lock()
	for s.feeds > 0 {
		s.space.Wait()
	}
	s.mu.Unlock()
}

// wait waits until no task is live.
func (s *scheduler) wait() {
	s.mu.Lock()
	for len(s.live) > 0 {
		s.space.Wait()
	}
	s.mu.Unlock()
}

// failure returns the error that broke the feed, if any.
func (s *scheduler) failure() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.broken
}

// reset clears a broken feed once its tasks have finished.
func (s *scheduler) reset() {
	s.mu.Lock()
	for s.feeds > 0 {
		s.space.Wait()
	}
	s.broken = nil
	s.mu.Unlock()
}

// close skips every task not yet started, waits for the running ones and stops the workers.
func (s *scheduler) close() {
	s.mu.Lock()
	s.closed = true
	s.work.Broadcast()
	s.space.Broadcast()
	s.mu.Unlock()
	s.wg.Wait()
}

// readyHeap holds the tasks whose dependencies are done, oldest submission first.
type readyHeap []*task

func (h readyHeap) Len() int           { return len(h) }
func (h readyHeap) Less(i, j int) bool { return h[i].order < h[j].order }
func (h readyHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *readyHeap) Push(x any)        { *h = append(*h, x.(*task)) }
func (h *readyHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return t
}
