package examsync

import (
	"context"
	"sync"

	"github.com/edusync/edusync/store"
)

// committer writes the values of concurrent jobs in shared transactions (group commit): a
// job that finds no transaction running runs one for everything waiting, and hands each its
// outcome. With a store that syncs every commit to disk (SQLite's default) this is what lets
// several workers finish messages faster than one commit each.
type committer struct {
	st    store.Store
	scope store.Scope

	mu      sync.Mutex
	waiting []*commitReq
	busy    bool
}

type commitReq struct {
	sets []kv
	done chan error
}

// commit keeps sets durably and returns once they are committed.
func (c *committer) commit(ctx context.Context, sets []kv) error {
	if len(sets) == 0 {
		return nil
	}
	r := &commitReq{sets: sets, done: make(chan error, 1)}
	c.mu.Lock()
	c.waiting = append(c.waiting, r)
	lead := !c.busy
	c.busy = true
	c.mu.Unlock()
	if lead {
		c.run(context.WithoutCancel(ctx))
	}
	select {
	case err := <-r.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// run commits batches until none waits.
func (c *committer) run(ctx context.Context) {
	for {
		c.mu.Lock()
		batch := c.waiting
		c.waiting = nil
		if len(batch) == 0 {
			c.busy = false
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		err := c.st.Update(ctx, c.scope, func(tx store.Tx) error {
			for _, r := range batch {
				for _, s := range r.sets {
					if err := tx.SetValue(s.key, s.value); err != nil {
						return err
					}
				}
			}
			return nil
		})
		for _, r := range batch {
			r.done <- err
		}
	}
}
