package ladokcanvas

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/edusync/edusync/ladok/ladokfeed"
)

// pipeline sits between ladokfeed.Reader and its State. The adapter's feed handler only queues
// each event on the scheduler and returns, so the reader moves on while Canvas works; the
// reader's commits are held back here until every event they cover has been applied in
// Canvas, and only then written to the real State (several ready commits as one). So the feed
// position is never saved ahead of Canvas, and parallel work does not cost at-least-once.
//
// Keys of commits not yet written count as processed for the reader, so an event repeated on
// a later page is skipped while its first delivery is still being applied. When an event
// fails (Canvas or Ladok down after the clients' own retries), no later commit is written, the
// reader is stopped, and the next run starts again from the last position written.
type pipeline struct {
	inner ladokfeed.State

	mu      sync.Mutex
	cond    *sync.Cond
	next    uint64              // seq of the next feed task
	low     uint64              // every feed task with seq < low has succeeded
	ahead   map[uint64]struct{} // succeeded tasks with seq > low
	commits []pendingCommit
	pending map[string]int // keys of queued commits (count of commits naming them)
	failed  error
	stopped bool
	flushes int // inner commits written
}

type pendingCommit struct {
	upTo uint64 // tasks with seq < upTo must have succeeded
	feed string
	pos  ladokfeed.Position
	keys []string
}

var errClosed = errors.New("ladokcanvas: the adapter is closed")

func newPipeline(inner ladokfeed.State) *pipeline {
	p := &pipeline{inner: inner, ahead: map[uint64]struct{}{}, pending: map[string]int{}}
	p.cond = sync.NewCond(&p.mu)
	return p
}

// assign gives a feed task its sequence number (called with the scheduler locked, so numbers
// follow the order of submission).
func (p *pipeline) assign() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.next
	p.next++
	return s
}

// finished records the outcome of feed task seq.
func (p *pipeline) finished(seq uint64, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil {
		if p.failed == nil {
			p.failed = err
		}
		p.cond.Broadcast()
		return
	}
	if seq != p.low {
		p.ahead[seq] = struct{}{}
		return
	}
	p.low++
	for {
		if _, ok := p.ahead[p.low]; !ok {
			break
		}
		delete(p.ahead, p.low)
		p.low++
	}
	if len(p.commits) > 0 && p.commits[0].upTo <= p.low {
		p.cond.Broadcast()
	}
}

// fail stops the pipeline with err (the handler saw something it cannot queue).
func (p *pipeline) fail(err error) {
	p.mu.Lock()
	if p.failed == nil {
		p.failed = err
	}
	p.cond.Broadcast()
	p.mu.Unlock()
}

func (p *pipeline) err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.failed
}

// LoadPosition implements ladokfeed.State.
func (p *pipeline) LoadPosition(ctx context.Context, feed string) (ladokfeed.Position, bool, error) {
	return p.inner.LoadPosition(ctx, feed)
}

// Processed implements ladokfeed.State: the keys written, plus those of commits still waiting.
func (p *pipeline) Processed(ctx context.Context, feed string, keys []string) (map[string]bool, error) {
	m, err := p.inner.Processed(ctx, feed, keys)
	if err != nil {
		return nil, err
	}
	if m == nil {
		m = map[string]bool{}
	}
	p.mu.Lock()
	for _, k := range keys {
		if p.pending[k] > 0 {
			m[k] = true
		}
	}
	p.mu.Unlock()
	return m, nil
}

// Commit implements ladokfeed.State: it queues the commit behind the tasks submitted so far.
func (p *pipeline) Commit(_ context.Context, feed string, pos ladokfeed.Position, keys []string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.failed != nil {
		return fmt.Errorf("ladokcanvas: not saving the feed position: %w", p.failed)
	}
	if p.stopped {
		return errClosed
	}
	c := pendingCommit{upTo: p.next, feed: feed, pos: pos, keys: append([]string(nil), keys...)}
	for _, k := range c.keys {
		p.pending[k]++
	}
	p.commits = append(p.commits, c)
	p.cond.Broadcast()
	return nil
}

// run writes ready commits to the real State until stop is called. Several ready commits of
// one feed are written as one: the last position with all their keys.
func (p *pipeline) run(ctx context.Context) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for {
		for !p.stopped && (len(p.commits) == 0 || p.commits[0].upTo > p.low) {
			p.cond.Wait()
		}
		if len(p.commits) == 0 || p.commits[0].upTo > p.low {
			return // stopped, nothing more can be written
		}
		n := 1
		for n < len(p.commits) && p.commits[n].upTo <= p.low && p.commits[n].feed == p.commits[0].feed {
			n++
		}
		batch := p.commits[:n]
		var keys []string
		for _, c := range batch {
			keys = append(keys, c.keys...)
		}
		last := batch[n-1]
		p.mu.Unlock()
		err := p.inner.Commit(ctx, last.feed, last.pos, keys)
		p.mu.Lock()
		if err != nil {
			if p.failed == nil {
				p.failed = fmt.Errorf("ladokcanvas: saving the feed position: %w", err)
			}
			p.cond.Broadcast()
			return
		}
		p.flushes++
		for _, c := range batch {
			for _, k := range c.keys {
				if p.pending[k]--; p.pending[k] <= 0 {
					delete(p.pending, k)
				}
			}
		}
		p.commits = p.commits[n:]
		p.cond.Broadcast()
	}
}

// flush waits until every queued commit is written, or none more can be (a failure, a stop).
func (p *pipeline) flush() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.commits) > 0 && p.failed == nil && !p.stopped {
		p.cond.Wait()
	}
	if p.failed != nil {
		return p.failed
	}
	if len(p.commits) > 0 {
		return errClosed
	}
	return nil
}

// stop ends run once it has written what it can.
func (p *pipeline) stop() {
	p.mu.Lock()
	p.stopped = true
	p.cond.Broadcast()
	p.mu.Unlock()
}
