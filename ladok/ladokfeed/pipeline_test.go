package ladokfeed_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/edusync/edusync/ladok"
	"github.com/edusync/edusync/ladok/ladokfeed"
)

// slowState delays every Commit and records the positions committed.
type slowState struct {
	ladokfeed.State
	delay time.Duration

	mu        sync.Mutex
	positions []ladokfeed.Position
	keys      int
}

func (s *slowState) Commit(ctx context.Context, feed string, pos ladokfeed.Position, keys []string) error {
	time.Sleep(s.delay)
	if err := s.State.Commit(ctx, feed, pos, keys); err != nil {
		return err
	}
	s.mu.Lock()
	s.positions = append(s.positions, pos)
	s.keys += len(keys)
	s.mu.Unlock()
	return nil
}

func (s *slowState) committed() []ladokfeed.Position {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]ladokfeed.Position(nil), s.positions...)
}

// TestCommitsQueuedUpAreSavedTogether: while a commit is slow the handler goes on, and what
// queued up meanwhile is saved in one commit, with every key; the position ends after the last
// entry and a restart hands nothing over again.
func TestCommitsQueuedUpAreSavedTogether(t *testing.T) {
	s, c, uids := fakeFeed(t, 300, 10)
	st := &slowState{State: memState(), delay: 15 * time.Millisecond}
	rec := &recorder{}
	r := newReader(t, c, st, rec.handle, ladokfeed.WithCommitEvery(3))
	stats, err := r.CatchUp(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(uids, rec.seen()); diff != "" {
		t.Fatalf("delivered events differ from the feed (-want +got):\n%s", diff)
	}
	// 30 pages of 10, a commit asked for every 3 entries and at each page's end: 120 asked for.
	if stats.Commits >= 120/2 || stats.Commits != len(st.committed()) {
		t.Errorf("%d commits for 30 pages (%d saved): want them batched", stats.Commits, len(st.committed()))
	}
	if st.keys != 300 {
		t.Errorf("%d keys committed, want 300", st.keys)
	}
	last := st.committed()[len(st.committed())-1]
	if last.Page != ladok.FeedPageHref(s.Pages()) || last.Handled != 10 {
		t.Errorf("last position %+v", last)
	}
	again, err := r.CatchUp(context.Background())
	if err != nil || again.Handled != 0 {
		t.Errorf("second catch-up: %+v, %v", again, err)
	}
}

// blockingState holds every Commit until the test lets it through.
type blockingState struct {
	ladokfeed.State
	release chan struct{}

	mu    sync.Mutex
	saved int // entries covered by the positions saved, counted over the pages of 10
}

func (b *blockingState) Commit(ctx context.Context, feed string, pos ladokfeed.Position, keys []string) error {
	select {
	case <-b.release:
	case <-ctx.Done():
		return ctx.Err()
	}
	if err := b.State.Commit(ctx, feed, pos, keys); err != nil {
		return err
	}
	b.mu.Lock()
	b.saved = pageOf(pos.Page)*10 + pos.Handled - 10
	b.mu.Unlock()
	return nil
}

func pageOf(href string) int {
	for p := 1; p < 1000; p++ {
		if ladok.FeedPageHref(p) == href {
			return p
		}
	}
	return -1
}

// TestHandlerStaysWithinTheWindow: the handler never gets an entry of a page more than Window
// pages after the last committed one, however slow the commits are.
func TestHandlerStaysWithinTheWindow(t *testing.T) {
	_, c, _ := fakeFeed(t, 100, 10)
	st := &blockingState{State: memState(), release: make(chan struct{})}
	var (
		mu      sync.Mutex
		handled int
		worst   int
	)
	h := func(_ context.Context, e *ladok.Entry) error {
		st.mu.Lock()
		saved := st.saved
		st.mu.Unlock()
		mu.Lock()
		handled++
		page := (handled - 1) / 10                     // 0-based page of this entry
		savedPages := saved / 10                       // pages wholly committed
		if ahead := page - savedPages; ahead > worst { // pages handed over beyond them
			worst = ahead
		}
		mu.Unlock()
		return nil
	}
	r := newReader(t, c, st, h)
	done := make(chan error, 1)
	go func() { _, err := r.CatchUp(context.Background()); done <- err }()
	var err error
	finished := false
	for !finished {
		time.Sleep(10 * time.Millisecond)
		mu.Lock()
		n := handled
		mu.Unlock()
		st.mu.Lock()
		saved := st.saved
		st.mu.Unlock()
		if limit := saved/10*10 + 10*(ladokfeed.Window+1); n > limit {
			t.Fatalf("%d entries handed over with %d committed", n, saved)
		}
		select {
		case st.release <- struct{}{}:
		case err = <-done:
			finished = true
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	if worst > ladokfeed.Window {
		t.Errorf("the handler ran %d pages ahead of the committed position, window %d", worst, ladokfeed.Window)
	}
	if handled != 100 {
		t.Errorf("%d handled", handled)
	}
}

// TestRepeatOnNextPageSkippedWhileCommitPending: an event repeated on the following page is
// skipped although the commit of its first copy has not been saved yet.
func TestRepeatOnNextPageSkippedWhileCommitPending(t *testing.T) {
	s, c, uids := fakeFeed(t, 9, 10)
	s.Append(&ladok.AvbrottEvent{Header: ladok.Header{HandelseUID: uids[4]}, StudentUID: "s1"}) // the 10th entry, page 1
	s.Append(&ladok.AvbrottEvent{Header: ladok.Header{HandelseUID: uids[5]}, StudentUID: "s1"}) // page 2
	st := &slowState{State: memState(), delay: 50 * time.Millisecond}
	rec := &recorder{}
	stats, err := newReader(t, c, st, rec.handle).CatchUp(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if stats.Handled != 9 || stats.Duplicates != 2 {
		t.Errorf("stats %+v: want 9 handled and the 2 repeats skipped", stats)
	}
}

// TestCommitFailureStopsHandingOver: once a commit fails, the reader hands nothing beyond the
// window and reports the failure.
func TestCommitFailureStopsHandingOver(t *testing.T) {
	_, c, _ := fakeFeed(t, 200, 10)
	boom := errors.New("disk full")
	st := &failingState{State: memState(), fail: boom}
	rec := &recorder{}
	_, err := newReader(t, c, st, rec.handle).CatchUp(context.Background())
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	if n := len(rec.seen()); n > 10*(ladokfeed.Window+1) {
		t.Errorf("%d entries handed over after the first commit failed", n)
	}
}
