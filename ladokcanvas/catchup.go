package ladokcanvas

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/edusync/edusync/ladok"
	"github.com/edusync/edusync/ladok/ladokfeed"
	"github.com/edusync/edusync/store"
)

// catchUp is one CatchUp: the feed reader's handler and State for its duration. The handler
// only turns each entry into a task on the scheduler and returns, so the reader moves on while
// Canvas works; the State (the gate) holds each of the reader's commits back until every task
// submitted before it is done, and only then writes it to the feed's real State. The reader
// never runs more than ladokfeed.Window pages ahead of what the gate let through, so the saved
// position stays within two pages of the work; and since a task is done only once its event
// is marked in the ledger, what a crash hands over again is only what was in progress.
type catchUp struct {
	a *Adapter
	// ctx is the CatchUp's context. The tasks the handler submits run after the handler has
	// returned, so they take this one, not the reader's context of the handler call.
	ctx  context.Context
	gate *gate
}

func (a *Adapter) newCatchUp(ctx context.Context) *catchUp {
	return &catchUp{a: a, ctx: ctx, gate: newGate(a.feed, a.marked)}
}

// handle is the reader's handler: it queues the entry's event and returns. It fails only when
// the catch-up cannot go on (an earlier task failed, the adapter closed): the reader then
// stops, and its position stays before everything not done.
func (c *catchUp) handle(_ context.Context, e *ladok.Entry) error {
	a := c.a
	if err := c.gate.err(); err != nil {
		return err
	}
	a.stats.events.Add(1)
	info := deadInfo{Entry: e.ID, Handelse: e.HandelseUID, Event: e.Name}
	mark := ladokfeed.EntryKey(e)
	if e.Err != nil {
		return c.submit(nil, false, mark, func(ctx context.Context) error {
			return a.deadLetter(ctx, info, permanent(e.Err))
		})
	}
	w, ok := a.route(e.Event)
	if !ok {
		a.stats.ignored.Add(1)
		a.log.Debug("ladokcanvas: event ignored", "event", e.Name, "entry", e.ID)
		return nil
	}
	return c.submit(w.keys, w.barrier, mark, func(ctx context.Context) error {
		err := a.throttled(ctx, w.run)
		if err == nil {
			a.stats.applied.Add(1)
			return nil
		}
		if isPermanent(err) {
			return a.deadLetter(ctx, info, err)
		}
		return err
	})
}

// submit queues a feed task whose event is marked done in the ledger when run succeeds.
func (c *catchUp) submit(keys []lockKey, barrier bool, mark string, run func(context.Context) error) error {
	a := c.a
	t := &task{ctx: c.ctx, keys: keys, barrier: barrier, feed: true, run: func(ctx context.Context) error {
		if err := finished(ctx, run(ctx)); err != nil {
			return err
		}
		if mark == "" {
			return a.ledger.commit(ctx)
		}
		return a.ledger.commit(ctx, mark)
	}}
	t.done = func(err error, _ bool) { c.gate.finished(t.seq, err) }
	if !a.sched.submit(t, func() { t.seq = c.gate.assign() }) {
		err := errClosed
		if !a.closed.Load() {
			err = a.sched.brokenErr()
		}
		c.gate.fail(err)
		return err
	}
	return nil
}

var errClosed = errors.New("ladokcanvas: the adapter is closed")

// complete is what a listing that ended without an error needs checking for: its context may
// have ended, and a listing cut short that way can stop early without saying so. Whatever is
// decided from a listing (what to delete, what is recorded as done) waits for this.
func complete(ctx context.Context) error {
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return nil
}

// finished is the outcome of a task's work: err, or, when the work reports success but its
// context has ended, the context's error. Work cut short by its context may end without an
// error (a listing that stops early), and an event counts as done only when it was done whole;
// applying it again is harmless.
func finished(ctx context.Context, err error) error {
	if err == nil {
		err = context.Cause(ctx)
	}
	return err
}

// gate is the feed reader's State during a catch-up: LoadPosition and Processed read the real
// State (Processed also the events the ledger marked done since the last commit), and Commit
// waits until every task submitted before it is done, then writes the real State.
type gate struct {
	inner  ladokfeed.State
	marked func(ctx context.Context, keys []string) (map[string]bool, error)

	mu     sync.Mutex
	cond   *sync.Cond
	next   uint64              // seq of the next feed task
	low    uint64              // every feed task with seq < low has succeeded
	ahead  map[uint64]struct{} // succeeded tasks with seq > low
	failed error
}

func newGate(inner ladokfeed.State, marked func(context.Context, []string) (map[string]bool, error)) *gate {
	g := &gate{inner: inner, marked: marked, ahead: map[uint64]struct{}{}}
	g.cond = sync.NewCond(&g.mu)
	return g
}

// assign gives a feed task its sequence number (called with the scheduler locked, so numbers
// follow the order of submission).
func (g *gate) assign() uint64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	s := g.next
	g.next++
	return s
}

// finished records the outcome of feed task seq.
func (g *gate) finished(seq uint64, err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if err != nil {
		if g.failed == nil {
			g.failed = err
		}
		g.cond.Broadcast()
		return
	}
	if seq != g.low {
		g.ahead[seq] = struct{}{}
		return
	}
	g.low++
	for {
		if _, ok := g.ahead[g.low]; !ok {
			break
		}
		delete(g.ahead, g.low)
		g.low++
	}
	g.cond.Broadcast()
}

// fail stops the catch-up with err.
func (g *gate) fail(err error) {
	g.mu.Lock()
	if g.failed == nil {
		g.failed = err
	}
	g.cond.Broadcast()
	g.mu.Unlock()
}

func (g *gate) err() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.failed
}

// LoadPosition implements ladokfeed.State.
func (g *gate) LoadPosition(ctx context.Context, feed string) (ladokfeed.Position, bool, error) {
	return g.inner.LoadPosition(ctx, feed)
}

// Processed implements ladokfeed.State: the keys committed with a feed position, and those of
// events the ledger marked done after the last one (before a crash, say).
func (g *gate) Processed(ctx context.Context, feed string, keys []string) (map[string]bool, error) {
	m, err := g.inner.Processed(ctx, feed, keys)
	if err != nil {
		return nil, err
	}
	done, err := g.marked(ctx, keys)
	if err != nil {
		return nil, err
	}
	if m == nil {
		m = map[string]bool{}
	}
	for k := range done {
		m[k] = true
	}
	return m, nil
}

// Commit implements ladokfeed.State: it waits until every task submitted so far is done (the
// reader's committer calls it after the entries it covers were handed over), then writes the
// position. A failed task fails it, and nothing after the last good commit is saved.
func (g *gate) Commit(ctx context.Context, feed string, pos ladokfeed.Position, keys []string) error {
	g.mu.Lock()
	upTo := g.next
	for g.failed == nil && g.low < upTo {
		g.cond.Wait()
	}
	failed := g.failed
	g.mu.Unlock()
	if failed != nil {
		return fmt.Errorf("ladokcanvas: not saving the feed position: %w", failed)
	}
	return g.inner.Commit(ctx, feed, pos, keys)
}

// marked returns which of keys the ledger has marked done.
func (a *Adapter) marked(ctx context.Context, keys []string) (map[string]bool, error) {
	var out map[string]bool
	err := a.st.View(ctx, a.scope, func(tx store.Tx) error {
		var err error
		out, err = tx.Processed(keys...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("ladokcanvas: reading the events done: %w", err)
	}
	return out, nil
}
