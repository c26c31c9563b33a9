package ladokfeed

import (
	"context"
	"fmt"
	"sync"

	"github.com/edusync/edusync/internal/apiclient"
	"github.com/edusync/edusync/ladok"
)

// A catch-up runs as a pipeline of three goroutines, so that reading, handling and saving
// overlap instead of taking turns:
//
//   - the fetcher reads the pages ahead of the one being handled (a page, fetched and decoded,
//     waits for the handler while the next one is already on its way), following next-archive
//     links, never skipping one;
//   - the caller's goroutine hands the entries to the handler, page by page;
//   - the committer saves what the handler finished: it gathers every commit waiting for it
//     into one State.Commit (the last position with all their keys), so a slow disk costs
//     one sync per batch instead of one per page.
//
// The window bounds how far the handler may run ahead of what is saved: the entries of a page
// are handed over only once every page more than Window pages before it is committed. A crash
// therefore hands over again at most the entries of the last Window pages.

// Window is how many feed pages a reader hands over beyond its last committed page: at most
// the entries of that many pages are handed over again after a crash. A State whose Commit
// waits until the handler's work is really done (an adapter that applies events in the
// background) thereby also bounds how far the reader runs ahead of that work.
const Window = 2

// fetched is one page from the fetcher, with what the reader needs to place it.
type fetched struct {
	page *ladok.Feed
	href string // the href it was fetched with
	err  error
	loop error // its next-archive link leads back to a page already read: stop after it
}

// fetchAhead fetches the pages after first in order and sends them on the returned channel,
// which holds one page: while the reader handles a page, the next one waits in the channel and
// the one after it is being fetched and decoded. It stops after the last page (no
// next-archive link), at a link that leads back (the page is sent with loop set), on an error
// (sent) and when ctx ends.
func (r *Reader) fetchAhead(ctx context.Context, first *ladok.Feed, cycle *apiclient.Cycle) <-chan fetched {
	out := make(chan fetched, 1)
	go func() {
		defer close(out)
		page := first
		for {
			next := page.Link(ladok.RelNextArchive)
			if next == "" {
				return
			}
			if loop := cycle.Visit(r.canonicalHref(next)); loop != nil {
				// The page that links back has been sent already; say so and stop.
				select {
				case out <- fetched{loop: loop}:
				case <-ctx.Done():
				}
				return
			}
			f, err := r.fetch(ctx, next)
			select {
			case out <- fetched{page: f, href: next, err: err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
			page = f
		}
	}()
	return out
}

// commitReq is a commit the handler's progress asks for: the position after the entries
// handled, with their keys. page counts the pages of this catch-up, from 0.
type commitReq struct {
	page int
	pos  Position
	keys []string
}

// committer saves the reader's progress in the background, batching what queues up.
type committer struct {
	r   *Reader
	ctx context.Context

	mu      sync.Mutex
	cond    *sync.Cond
	queue   []commitReq    // asked for, not yet being written
	writing []commitReq    // being written now
	pending map[string]int // keys of queued and writing requests (how many name each)
	err     error          // the first failure; nothing more is written after it
	closed  bool
	commits int // State.Commit calls that succeeded
	done    chan struct{}
}

func (r *Reader) newCommitter(ctx context.Context) *committer {
	c := &committer{r: r, ctx: ctx, pending: map[string]int{}, done: make(chan struct{})}
	c.cond = sync.NewCond(&c.mu)
	go c.run()
	return c
}

// ask queues a commit; it fails only when an earlier commit failed.
func (c *committer) ask(q commitReq) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return c.err
	}
	for _, k := range q.keys {
		c.pending[k]++
	}
	c.queue = append(c.queue, q)
	c.cond.Broadcast()
	return nil
}

// pendingKeys returns which of keys belong to commits not yet saved (the reader counts them as
// processed: an entry repeated on the next page is skipped while its first copy's commit is
// still under way).
func (c *committer) pendingKeys(keys []string) map[string]bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]bool{}
	for _, k := range keys {
		if c.pending[k] > 0 {
			out[k] = true
		}
	}
	return out
}

// waitWindow waits until every commit of the pages before page-Window is saved, so the entries
// of page may be handed over; it returns the committer's failure, if any.
func (c *committer) waitWindow(page int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.err == nil && c.oldest() < page-Window {
		c.cond.Wait()
	}
	return c.err
}

// oldest is the page of the oldest commit not yet saved (a large number when there is none).
func (c *committer) oldest() int {
	switch {
	case len(c.writing) > 0:
		return c.writing[0].page
	case len(c.queue) > 0:
		return c.queue[0].page
	}
	return int(^uint(0) >> 1)
}

// finish waits until everything asked for is saved (or a commit failed) and stops the
// committer; it returns the first failure.
func (c *committer) finish() error {
	c.mu.Lock()
	c.closed = true
	c.cond.Broadcast()
	c.mu.Unlock()
	<-c.done
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

func (c *committer) run() {
	defer close(c.done)
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		for len(c.queue) == 0 && !c.closed && c.err == nil {
			c.cond.Wait()
		}
		if len(c.queue) == 0 || c.err != nil {
			return
		}
		c.writing, c.queue = c.queue, nil
		batch := c.writing
		var keys []string
		for _, q := range batch {
			keys = append(keys, q.keys...)
		}
		pos := batch[len(batch)-1].pos
		c.mu.Unlock()
		err := c.r.st.Commit(c.ctx, c.r.feed, pos, keys)
		c.mu.Lock()
		c.writing = nil
		if err != nil {
			c.err = fmt.Errorf("ladokfeed: saving the feed position: %w", err)
			c.cond.Broadcast()
			return
		}
		c.commits++
		for _, k := range keys {
			if c.pending[k]--; c.pending[k] <= 0 {
				delete(c.pending, k)
			}
		}
		c.r.committed(pos)
		c.cond.Broadcast()
	}
}
