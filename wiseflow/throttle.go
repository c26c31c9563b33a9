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

type window struct {
	known     bool
	limit     int
	remaining int
	reported  int       // Remaining as the last answer said
	resetAt   time.Time // when the window ends; zero when unknown
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

// acquire waits until every known window has room and takes one request from each.
func (t *throttle) acquire(req *http.Request) error {
	var start time.Time
	for {
		t.mu.Lock()
		now := t.now()
		var until time.Time
		for i := range t.win {
			w := &t.win[i]
			if !w.known {
				continue
			}
			if !w.resetAt.IsZero() && !now.Before(w.resetAt) {
				// The window has ended: it starts again with the whole limit, and ends at the
				// latest a window's length from now (the next answer says exactly).
				w.remaining, w.resetAt = w.limit, now.Add(windowLength[i])
			}
			if w.remaining <= 0 && w.resetAt.After(until) {
				until = w.resetAt
			}
		}
		if until.IsZero() {
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
			return nil
		}
		wake := t.wake
		t.mu.Unlock()
		if start.IsZero() {
			start = now
		}
		timer := time.NewTimer(until.Sub(now))
		select {
		case <-timer.C:
		case <-wake:
			timer.Stop()
		case <-req.Context().Done():
			timer.Stop()
			return req.Context().Err()
		}
	}
}

// observe reads an answer's rate-limit headers.
func (t *throttle) observe(resp *http.Response) {
	h := resp.Header
	now := t.now()
	limited := resp.StatusCode == http.StatusTooManyRequests
	t.mu.Lock()
	defer t.mu.Unlock()
	t.inflight--
	others := t.inflight // attempts the service may count before or after this answer
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
			*w = window{known: true, limit: limit, remaining: remaining - others, reported: remaining, resetAt: end}
		case remaining > w.reported+others || w.resetAt.IsZero() || end.After(w.resetAt.Add(windowLength[i]/2)):
			// A new window: the service's count went up by more than answers out of order
			// explain, or the window ends later than ours. The attempts in flight may be
			// counted in it.
			w.limit, w.remaining, w.reported, w.resetAt = limit, remaining-others, remaining, end
		default:
			// The same window: keep the earliest end (each answer's is rounded up) and the
			// lower count (ours includes requests the service has not seen yet).
			w.limit, w.reported = limit, remaining
			w.remaining = min(w.remaining, remaining)
			if end.Before(w.resetAt) {
				w.resetAt = end
			}
		}
		if limited && remaining <= 0 {
			w.remaining = 0
		}
	}
	if limited {
		t.throttled.Add(1)
		reset, ok := parseSeconds(h.Get("RateLimit-Reset"))
		if !ok {
			reset = time.Second
		}
		if !specific {
			// A 429 without window headers: hold every request until the reset it names.
			w := &t.win[winGeneric]
			w.known, w.remaining, w.resetAt = true, 0, now.Add(reset)
			if w.limit == 0 {
				w.limit = 1
			}
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
		return l, max(r, 0), d, true
	}
	return 0, 0, 0, false
}

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
	if err := tt.t.acquire(req); err != nil {
		return nil, err
	}
	resp, err := tt.next.RoundTrip(req)
	if err != nil {
		tt.t.failed()
		return nil, err
	}
	tt.t.observe(resp)
	return resp, nil
}
