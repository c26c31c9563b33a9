// Package testclock is the settable clock edusync's tests and fakes share: a test moves it by
// hand and hands Now to the code under test (a fake's WithClock, a client's, a store's), so
// that time-dependent behaviour is exact and fast. Code that sleeps (a scheduler waiting for
// its next run) takes After from it: the channel fires when the test moves the clock past the
// deadline, and BlockUntil lets the test wait until the code is asleep before moving it. It is
// safe for concurrent use.
package testclock

import (
	"context"
	"sync"
	"time"
)

// Clock is a clock that moves only when told to.
type Clock struct {
	mu      sync.Mutex
	t       time.Time
	waiters []waiter
	changed chan struct{} // closed and replaced whenever waiters change
}

type waiter struct {
	at time.Time
	ch chan time.Time
}

// New returns a clock standing at t.
func New(t time.Time) *Clock { return &Clock{t: t, changed: make(chan struct{})} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t, firing the After channels whose deadline it reaches.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.fire()
	c.mu.Unlock()
}

// Advance moves the clock on by d, firing the After channels whose deadline it reaches.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.fire()
	c.mu.Unlock()
}

// After returns a channel that receives the clock's time once the clock has been moved d or
// more past now; d <= 0 fires at once.
func (c *Clock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.t
		return ch
	}
	c.waiters = append(c.waiters, waiter{at: c.t.Add(d), ch: ch})
	c.signal()
	return ch
}

// Waiters is the number of After channels that have not fired yet.
func (c *Clock) Waiters() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.waiters)
}

// BlockUntil waits until at least n After channels are waiting to fire (the code under test
// is asleep), or ctx ends; it reports whether they are.
func (c *Clock) BlockUntil(ctx context.Context, n int) bool {
	for {
		c.mu.Lock()
		if len(c.waiters) >= n {
			c.mu.Unlock()
			return true
		}
		if c.changed == nil {
			c.changed = make(chan struct{})
		}
		changed := c.changed
		c.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return false
		}
	}
}

// fire sends on the channels whose deadline has come. Called with c.mu held.
func (c *Clock) fire() {
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if w.at.After(c.t) {
			kept = append(kept, w)
			continue
		}
		w.ch <- c.t
	}
	clear(c.waiters[len(kept):])
	if len(kept) != len(c.waiters) {
		c.waiters = kept
		c.signal()
	}
}

// signal wakes BlockUntil. Called with c.mu held.
func (c *Clock) signal() {
	if c.changed != nil {
		close(c.changed)
	}
	c.changed = make(chan struct{})
}
