package canvas

import (
	"context"
	"errors"
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/edusync/edusync/internal/httpx"
)

// ThrottleConfig tunes the adaptive concurrency limiter that keeps a client inside Canvas's rate
// limit.
//
// Canvas throttles per access token with a leaky bucket: each request puts an up-front charge
// (50 units by default) into the bucket while it runs and, when it ends, takes that back and adds
// what it really cost (its X-Request-Cost, roughly seconds of server time); the bucket drains at a
// fixed rate (10 units a second by default), and a request arriving while the bucket is above its
// high-water mark (600 by default) is rejected. Every answer reports the room left below the mark
// in X-Rate-Limit-Remaining.
//
// The limiter turns that into a number of requests allowed in flight: after each answer it
// allows the requests still running plus as many new ones as the remaining room holds up-front
// charges, after setting aside Reserve and the expected cost of the running requests (an average
// of X-Request-Cost). So bulk work runs as many requests at once as the bucket allows, and no
// more: with Canvas's defaults about eleven. When the room is gone it waits for the bucket to
// drain instead of being rejected; when Canvas throttles anyway (another program shares the
// token), it halves the limit and the request is retried.
type ThrottleConfig struct {
	// UpFrontCost is Canvas's up-front charge per request in flight (default 50).
	UpFrontCost float64
	// Reserve is room in the bucket the limiter leaves free for safety (default 25).
	Reserve float64
	// Outflow is how fast Canvas drains the bucket, in units per second (default 10); it tells
	// the limiter how long to wait when the bucket is full.
	Outflow float64
	// InitialConcurrency is how many requests may run before the first answer has reported the
	// bucket (default 2).
	InitialConcurrency int
	// MaxConcurrency caps requests in flight whatever the bucket says, and is the number of
	// workers RunBulk starts (default 32).
	MaxConcurrency int
}

// DefaultThrottle returns the limiter settings for Canvas's default bucket.
func DefaultThrottle() ThrottleConfig {
	return ThrottleConfig{UpFrontCost: 50, Reserve: 25, Outflow: 10, InitialConcurrency: 2, MaxConcurrency: 32}
}

func (t ThrottleConfig) withDefaults() ThrottleConfig {
	d := DefaultThrottle()
	if t.UpFrontCost <= 0 {
		t.UpFrontCost = d.UpFrontCost
	}
	if t.Reserve < 0 {
		t.Reserve = 0
	}
	if t.Outflow <= 0 {
		t.Outflow = d.Outflow
	}
	if t.MaxConcurrency <= 0 {
		t.MaxConcurrency = d.MaxConcurrency
	}
	if t.InitialConcurrency <= 0 {
		t.InitialConcurrency = d.InitialConcurrency
	}
	t.InitialConcurrency = min(t.InitialConcurrency, t.MaxConcurrency)
	return t
}

// WithThrottle replaces the adaptive limiter's settings (see ThrottleConfig). Zero fields take
// their defaults.
func WithThrottle(t ThrottleConfig) Option {
	return func(c *config) error {
		if math.IsNaN(t.UpFrontCost) || math.IsNaN(t.Reserve) || math.IsNaN(t.Outflow) {
			return errors.New("canvas: throttle settings must be numbers")
		}
		c.throttle, c.noThrottle = t.withDefaults(), false
		return nil
	}
}

// WithoutThrottle turns the adaptive limiter off: requests go out as the caller makes them
// (RunBulk still caps them at MaxConcurrency). For servers without Canvas's rate limit.
func WithoutThrottle() Option {
	return func(c *config) error { c.noThrottle = true; return nil }
}

// ThrottleStats is what the limiter has seen, for monitoring and tests.
type ThrottleStats struct {
	// Limit is the number of requests currently allowed in flight.
	Limit int
	// Remaining is the last X-Rate-Limit-Remaining Canvas reported (NaN before the first).
	Remaining float64
	// Throttled counts answers that were Canvas throttling a request (each was retried unless
	// retries ran out).
	Throttled int64
	// Requests counts attempts sent.
	Requests int64
}

// ThrottleStats returns the adaptive limiter's current state; zero when it is switched off.
func (c *Client) ThrottleStats() ThrottleStats {
	if c.throttle == nil {
		return ThrottleStats{}
	}
	return c.throttle.stats()
}

// throttle is the adaptive concurrency limiter.
//
// It estimates free: the room Canvas's bucket would have with none of this client's requests in
// flight (the high-water mark minus what past requests left behind). Every answer reports the
// room at the moment Canvas finished it; adding an up-front charge for each of the client's other
// requests still in flight gives an estimate of free. That estimate can only be too high (some of
// those requests may have been sent after Canvas computed the header), while the true free room
// grows no faster than the bucket drains. So the limiter keeps the lowest estimate, letting it
// grow at the drain rate: free = min(observed, previous + outflow × elapsed). The limit is then the
// number of up-front charges that fit into free after the reserve and the expected cost of the
// requests in flight.
type throttle struct {
	cfg ThrottleConfig

	mu         sync.Mutex
	inflight   int
	limit      int
	costAvg    float64 // running average of X-Request-Cost
	haveCost   bool
	remaining  float64
	free       float64 // estimated room with nothing of ours in flight; NaN before the first answer
	freeAt     time.Time
	pauseUntil time.Time
	wake       chan struct{} // closed and replaced whenever a waiter may proceed

	now   func() time.Time
	done  [32]time.Time // when the latest answers arrived (a ring)
	doneN int

	throttled atomic.Int64
	requests  atomic.Int64
}

func newThrottle(cfg ThrottleConfig) *throttle {
	cfg = cfg.withDefaults()
	return &throttle{cfg: cfg, limit: cfg.InitialConcurrency, remaining: math.NaN(), free: math.NaN(), wake: make(chan struct{}),
		now: time.Now}
}

func (t *throttle) stats() ThrottleStats {
	t.mu.Lock()
	defer t.mu.Unlock()
	return ThrottleStats{Limit: t.limit, Remaining: t.remaining, Throttled: t.throttled.Load(), Requests: t.requests.Load()}
}

// broadcast wakes every waiter; callers hold t.mu.
func (t *throttle) broadcast() {
	close(t.wake)
	t.wake = make(chan struct{})
}

// acquire waits until one more request may be in flight, or ctx ends.
func (t *throttle) acquire(ctx context.Context) error {
	for {
		t.mu.Lock()
		now := t.now()
		if t.inflight < t.limit && !now.Before(t.pauseUntil) {
			t.inflight++
			t.mu.Unlock()
			t.requests.Add(1)
			return nil
		}
		wake := t.wake
		var tm *time.Timer
		var timer <-chan time.Time
		if now.Before(t.pauseUntil) {
			tm = time.NewTimer(t.pauseUntil.Sub(now))
			timer = tm.C
		}
		t.mu.Unlock()
		select {
		case <-ctx.Done():
			if tm != nil {
				tm.Stop()
			}
			return ctx.Err()
		case <-wake:
		case <-timer:
		}
		if tm != nil {
			tm.Stop()
		}
	}
}

// release ends one request and adapts the limit to what its answer reported.
func (t *throttle) release(resp *http.Response) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	t.inflight--
	defer t.broadcast()
	if resp == nil {
		return
	}
	others := t.inflight // the client's other requests still in flight
	if cost, ok := headerFloat(resp.Header, "X-Request-Cost"); ok && cost >= 0 {
		if !t.haveCost {
			t.costAvg, t.haveCost = cost, true
		} else {
			t.costAvg = 0.8*t.costAvg + 0.2*cost
		}
	}
	rateLimited := resp.StatusCode == http.StatusTooManyRequests || isThrottled(resp)
	if rateLimited {
		t.throttled.Add(1)
	}
	remaining, ok := headerFloat(resp.Header, "X-Rate-Limit-Remaining")
	if !ok {
		switch {
		case rateLimited:
			// Throttled without telling how full the bucket is: halve and wait.
			t.limit = max(1, min(t.limit, t.inflight+1)/2)
			wait := time.Second
			if ra, ok := httpx.ParseRetryAfter(resp.Header.Get("Retry-After"), now); ok && ra > wait {
				wait = ra
			}
			t.pauseUntil = now.Add(wait)
		default:
			// No bucket reported (not Canvas, or throttling off): open up step by step.
			t.limit = min(t.cfg.MaxConcurrency, t.limit+1)
		}
		return
	}
	t.remaining = remaining
	// Bounds on the room Canvas would have with none of our requests running: counting only
	// the requests still in flight, and counting also those answered in the last few
	// milliseconds (answers are not always processed in the order Canvas finished them).
	recent := t.recentlyDone(now)
	t.done[t.doneN%len(t.done)] = now
	t.doneN++
	low := remaining + float64(others)*t.cfg.UpFrontCost
	high := low + float64(recent)*t.cfg.UpFrontCost
	switch {
	case math.IsNaN(t.free):
		t.free = low
	case high < t.free:
		// Less room even counting generously: someone else uses the bucket, or costs add up.
		t.free = high
	case low > t.free:
		t.free = min(low, t.free+t.growth()*now.Sub(t.freeAt).Seconds())
	}
	t.freeAt = now
	avail := t.free - t.cfg.Reserve - float64(others)*t.costAvg
	limit := int(math.Floor(avail / t.cfg.UpFrontCost))
	if limit < 1 {
		limit = 1
		if t.inflight == 0 {
			// Not even one request fits: wait until the bucket has drained enough for one.
			need := t.cfg.UpFrontCost - avail
			t.pauseUntil = now.Add(time.Duration(need / t.cfg.Outflow * float64(time.Second)))
		}
	}
	t.limit = min(limit, t.cfg.MaxConcurrency)
}

// growth is how fast the free-room estimate may rise, in units per second: the bucket's drain
// rate, or one up-front charge per half second if that is faster. An estimate can also be too
// low (an answer that arrived before one Canvas finished earlier), and waiting for the drain rate
// would keep it low for seconds; a stale answer that is too high, on the other hand, comes in a
// burst lasting milliseconds, in which this rate adds almost nothing.
func (t *throttle) growth() float64 { return max(t.cfg.Outflow, 2*t.cfg.UpFrontCost) }

// reorderWindow is how far apart answers may arrive in an order other than the one Canvas
// finished them in.
const reorderWindow = 5 * time.Millisecond

// recentlyDone counts the answers that arrived within reorderWindow before now.
func (t *throttle) recentlyDone(now time.Time) int {
	n := 0
	for i := range min(t.doneN, len(t.done)) {
		if now.Sub(t.done[i]) < reorderWindow {
			n++
		}
	}
	return n
}

func headerFloat(h http.Header, name string) (float64, bool) {
	v := h.Get(name)
	if v == "" {
		return 0, false
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// attemptTransport sits below the retry transport, so it sees every attempt: it holds a
// throttle slot for the attempt and records, for the caller's write helpers, whether an earlier
// attempt may have been carried out by Canvas although its answer was lost.
type attemptTransport struct {
	next     http.RoundTripper
	throttle *throttle
}

// RoundTrip implements http.RoundTripper.
func (t *attemptTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if t.throttle != nil {
		if err := t.throttle.acquire(ctx); err != nil {
			return nil, err
		}
	}
	resp, err := t.next.RoundTrip(req)
	if t.throttle != nil {
		t.throttle.release(resp)
	}
	if tr, ok := ctx.Value(traceKey{}).(*trace); ok {
		tr.record(resp, err)
	}
	return resp, err
}

type traceKey struct{}

// trace collects what happened to the attempts of one logical request.
type trace struct {
	maybeApplied atomic.Bool
	attempts     atomic.Int32
}

func withTrace(ctx context.Context) (context.Context, *trace) {
	tr := &trace{}
	return context.WithValue(ctx, traceKey{}, tr), tr
}

// record notes an attempt that ended so that Canvas may have carried it out without the client
// learning it: a lost connection after the request was sent, or a server error.
func (tr *trace) record(resp *http.Response, err error) {
	tr.attempts.Add(1)
	switch {
	case err != nil:
		if !neverSent(err) {
			tr.maybeApplied.Store(true)
		}
	case resp.StatusCode >= 500:
		tr.maybeApplied.Store(true)
	}
}

// neverSent reports whether err happened before the request left (dial or DNS failures, or the
// caller's context ending while waiting for a throttle slot).
func neverSent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}
