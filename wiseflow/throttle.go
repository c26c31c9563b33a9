package wiseflow

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// WISEflow limits each credential set to 200 requests a second and 5,000 a minute and reports
// the state of both windows on every answer (X-RateLimit-Second-* and X-RateLimit-Minute-*:
// Limit, Remaining, Reset in seconds), the tighter one also as RateLimit-Limit, -Remaining and
// -Reset; a request over a limit is answered 429. The throttle keeps the client within the
// windows the answers describe: it counts its own requests against each window's remaining
// quota (those in flight included) and, when one is used up, holds further requests until that
// window resets instead of sending them into a 429. When a 429 happens anyway (another program
// uses the same credentials), the window is marked used up until RateLimit-Reset and the answer
// gets a Retry-After of that many seconds, so the retry waits exactly as long.

// RateLimitStats is what the throttle has seen, for monitoring and tests.
type RateLimitStats struct {
	// Requests counts attempts sent through the throttle.
	Requests int64
	// Waits counts attempts the throttle held back until a window reset; Waited is how long in
	// total.
	Waits  int64
	Waited time.Duration
	// Throttled counts 429 answers.
	Throttled int64
	// Second and Minute are the windows as the last answers described them (zero before any).
	Second, Minute WindowState
}

// WindowState is one rate-limit window as the client sees it.
type WindowState struct {
	Limit     int       // requests the window allows
	Remaining int       // requests left, less those the client sent since the last answer
	Reset     time.Time // when the window ends (an upper bound: the service rounds up to seconds)
}

// RateLimitStats returns the throttle's counts and windows; zero when WithoutThrottle.
func (c *Client) RateLimitStats() RateLimitStats {
	if c.throttle == nil {
		return RateLimitStats{}
	}
	return c.throttle.stats()
}

// window indexes: the second and minute windows, and the generic RateLimit-* one, used only
// when an answer describes neither of the others.
const (
	winSecond = iota
	winMinute
	winGeneric
	nWindows
)

// windowHeaders are the headers of each window: WISEflow's help pages spell them
// X-RateLimit-Second-Limit; gateways of the same make spell them X-RateLimit-Limit-Second.
var windowHeaders = [nWindows][2][3]string{
	winSecond:  {{"X-RateLimit-Second-Limit", "X-RateLimit-Second-Remaining", "X-RateLimit-Second-Reset"}, {"X-RateLimit-Limit-Second", "X-RateLimit-Remaining-Second", "X-RateLimit-Reset-Second"}},
	winMinute:  {{"X-RateLimit-Minute-Limit", "X-RateLimit-Minute-Remaining", "X-RateLimit-Minute-Reset"}, {"X-RateLimit-Limit-Minute", "X-RateLimit-Remaining-Minute", "X-RateLimit-Reset-Minute"}},
	winGeneric: {{"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"}, {"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"}},
}

// windowLength is how long a window lasts, for the estimate of when a window that has reset
// ends again before an answer says so.
var windowLength = [nWindows]time.Duration{winSecond: time.Second, winMinute: time.Minute, winGeneric: time.Second}

// window is the client's view of one of the service's windows. The client's own count is the
// truth within an epoch (the span from the moment it took the window to have reset until it
// resets again): answers only ever lower it, since an answer that was delayed may report a
// count from before later requests. A window is taken to have reset only when resetAt has
// passed; resetAt comes from the answers (each rounds up, so the earliest is the best bound).
type window struct {
	known     bool
	limit     int
	remaining int
	epoch     time.Time // when the client's current epoch of this window began
	resetAt   time.Time // when the window ends: confirmed by an answer, or a guess
	confirmed bool      // resetAt comes from an answer of this epoch
}

type throttle struct {
	now func() time.Time

	mu       sync.Mutex
	win      [nWindows]window
	inflight int           // attempts sent and not answered
	wake     chan struct{} // closed and replaced when a held request may go on

	requests, waits, waited, throttled atomic.Int64
}

func newThrottle(now func() time.Time) *throttle {
	if now == nil {
		now = time.Now
	}
	return &throttle{now: now, wake: make(chan struct{})}
}

func (t *throttle) stats() RateLimitStats {
	t.mu.Lock()
	defer t.mu.Unlock()
	st := func(w window) WindowState {
		if !w.known {
			return WindowState{}
		}
		return WindowState{Limit: w.limit, Remaining: w.remaining, Reset: w.resetAt}
	}
	return RateLimitStats{Requests: t.requests.Load(), Waits: t.waits.Load(), Waited: time.Duration(t.waited.Load()),
		Throttled: t.throttled.Load(), Second: st(t.win[winSecond]), Minute: st(t.win[winMinute])}
}

// acquire waits until every known window has room, takes one request from each and returns
// when the request leaves.
func (t *throttle) acquire(req *http.Request) (time.Time, error) {
	var start time.Time
	for {
		t.mu.Lock()
		now := t.now()
		var until time.Time
		wait := false
		for i := range t.win {
			w := &t.win[i]
			if !w.known {
				continue
			}
			if !now.Before(w.resetAt) {
				// The window has ended: a new epoch starts with the whole limit. When it ends
				// is a guess until the first answer of the epoch says.
				w.remaining, w.epoch, w.resetAt, w.confirmed = w.limit, now, now.Add(windowLength[i]), false
			}
			if w.remaining > 0 {
				continue
			}
			switch {
			case w.confirmed:
				until = later(until, w.resetAt)
			case t.inflight > 0:
				wait = true // an answer will say when the window ends
			default:
				until = later(until, w.resetAt.Add(windowLength[i]))
			}
		}
		if until.IsZero() && !wait {
			for i := range t.win {
				if t.win[i].known {
					t.win[i].remaining--
				}
			}
			t.inflight++
			t.mu.Unlock()
			t.requests.Add(1)
			if !start.IsZero() {
				t.waits.Add(1)
				t.waited.Add(int64(t.now().Sub(start)))
			}
			return now, nil
		}
		wake := t.wake
		t.mu.Unlock()
		if start.IsZero() {
			start = now
		}
		var timer <-chan time.Time
		var tm *time.Timer
		if !until.IsZero() {
			tm = time.NewTimer(until.Sub(now))
			timer = tm.C
		}
		select {
		case <-timer:
		case <-wake:
		case <-req.Context().Done():
		}
		if tm != nil {
			tm.Stop()
		}
		if err := req.Context().Err(); err != nil {
			return time.Time{}, err
		}
	}
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// observe reads an answer's rate-limit headers; sent is when its request left.
func (t *throttle) observe(resp *http.Response, sent time.Time) {
	h := resp.Header
	now := t.now()
	limited := resp.StatusCode == http.StatusTooManyRequests
	t.mu.Lock()
	defer t.mu.Unlock()
	t.inflight--
	specific := false
	for i := range t.win {
		if i == winGeneric && specific {
			break // the generic headers repeat the tighter of the two windows
		}
		limit, remaining, reset, ok := windowFrom(h, windowHeaders[i])
		if !ok {
			continue
		}
		if i != winGeneric {
			specific = true
		}
		w := &t.win[i]
		end := now.Add(reset)
		switch {
		case !w.known:
			// The requests in flight may be counted before this one's answer was written.
			*w = window{known: true, limit: limit, remaining: remaining - t.inflight, epoch: sent, resetAt: end, confirmed: true}
		case sent.Before(w.epoch):
			// An answer from an earlier epoch says nothing about this one.
		case !w.confirmed:
			w.limit, w.remaining, w.resetAt, w.confirmed = limit, min(w.remaining, remaining), end, true
		default:
			w.limit, w.remaining = limit, min(w.remaining, remaining)
			if end.Before(w.resetAt) {
				w.resetAt = end
			}
		}
		if limited && remaining <= 0 {
			w.remaining, w.confirmed = 0, true
			w.resetAt = later(w.resetAt, end)
		}
	}
	if limited {
		t.throttled.Add(1)
		reset, ok := parseSeconds(h.Get("RateLimit-Reset"))
		if !ok {
			reset = time.Second
		}
		reset = min(reset, maxReset)
		if !specific {
			// A 429 without window headers: hold every request until the reset it names.
			w := &t.win[winGeneric]
			if !w.known {
				w.known, w.limit = true, 1
			}
			w.remaining, w.epoch, w.resetAt, w.confirmed = 0, now, now.Add(reset), true
		}
		if h.Get("Retry-After") == "" {
			h.Set("Retry-After", strconv.Itoa(int(math.Ceil(reset.Seconds()))))
		}
	}
	close(t.wake)
	t.wake = make(chan struct{})
}

// failed accounts for an attempt that got no answer: it may or may not have been counted, so
// the window keeps it.
func (t *throttle) failed() {
	t.mu.Lock()
	t.inflight--
	close(t.wake)
	t.wake = make(chan struct{})
	t.mu.Unlock()
}

// windowFrom reads one window's limit, remaining and reset from either spelling of its headers.
func windowFrom(h http.Header, names [2][3]string) (limit, remaining int, reset time.Duration, ok bool) {
	for _, n := range names {
		l, err1 := strconv.Atoi(strings.TrimSpace(h.Get(n[0])))
		r, err2 := strconv.Atoi(strings.TrimSpace(h.Get(n[1])))
		if err1 != nil || err2 != nil || l <= 0 {
			continue
		}
		d, ok := parseSeconds(h.Get(n[2]))
		if !ok {
			d = 0
		}
		return l, max(r, 0), min(d, maxReset), true
	}
	return 0, 0, 0, false
}

// maxReset bounds the wait a reset header can ask for: WISEflow's longest window is a minute,
// so a longer reset is a broken or hostile answer, and the wait ends after a minute and a second
// (the request then goes and a 429 is retried like any other).
const maxReset = 61 * time.Second

// parseSeconds reads a reset in seconds (whole or fractional; at most an hour).
func parseSeconds(v string) (time.Duration, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || math.IsNaN(f) || f < 0 || f > 3600 {
		return 0, false
	}
	return time.Duration(f * float64(time.Second)), true
}

// throttleTransport puts every attempt through the throttle.
type throttleTransport struct {
	next http.RoundTripper
	t    *throttle
}

// RoundTrip implements http.RoundTripper.
func (tt *throttleTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	sent, err := tt.t.acquire(req)
	if err != nil {
		return nil, err
	}
	resp, err := tt.next.RoundTrip(req)
	if err != nil {
		tt.t.failed()
		return nil, err
	}
	tt.t.observe(resp, sent)
	return resp, nil
}
