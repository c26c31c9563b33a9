package canvas

import (
	"context"
	"io"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"
)

func answer(status int, remaining, cost string) *http.Response {
	h := http.Header{}
	if remaining != "" {
		h.Set("X-Rate-Limit-Remaining", remaining)
	}
	if cost != "" {
		h.Set("X-Request-Cost", cost)
	}
	body := ""
	if status == http.StatusForbidden {
		body = "403 Forbidden (Rate Limit Exceeded)"
	}
	return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(strings.NewReader(body))}
}

// simThrottle drives a throttle on a fake clock.
type simThrottle struct {
	*throttle
	t     *testing.T
	clock time.Time
}

func newSim(t *testing.T, cfg ThrottleConfig) *simThrottle {
	s := &simThrottle{throttle: newThrottle(cfg), t: t, clock: time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)}
	s.throttle.now = func() time.Time { return s.clock }
	return s
}

func (s *simThrottle) advance(d time.Duration) { s.clock = s.clock.Add(d) }

func (s *simThrottle) send() {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := s.acquire(ctx); err != nil {
		s.t.Fatalf("no slot: %v (limit %d, in flight %d)", err, s.limit, s.inflight)
	}
}

// answer delivers one answer after send.
func (s *simThrottle) answer(resp *http.Response) { s.release(resp) }

// The limit follows the bucket: Canvas's default bucket (600) allows eleven requests in flight
// with the default reserve; answers that arrive in a burst, each computed before the client
// reacted to the previous one, must not raise it.
func TestThrottleLimitFromBucket(t *testing.T) {
	s := newSim(t, DefaultThrottle())
	s.send()
	s.send()
	s.advance(20 * time.Millisecond)
	s.answer(answer(200, "550", "0.02")) // one other in flight: free = 600
	if got := s.stats().Limit; got != 11 {
		t.Fatalf("limit after the first answer = %d, want 11", got)
	}
	for s.stats().Limit > s.inflight {
		s.send()
	}
	if s.inflight != 11 {
		t.Fatalf("%d in flight", s.inflight)
	}
	// Three answers Canvas computed at nearly the same moment arrive while the client sends a
	// new request after each.
	s.advance(20 * time.Millisecond)
	s.answer(answer(200, "100", "0.02")) // 10 others at Canvas
	s.send()
	s.advance(100 * time.Microsecond)
	s.answer(answer(200, "150", "0.02")) // computed before the reaction: looks like 650
	s.send()
	s.advance(100 * time.Microsecond)
	s.answer(answer(200, "200", "0.02")) // looks like 700
	if got := s.stats().Limit; got > 11 {
		t.Fatalf("limit %d after a burst of stale answers, want at most 11", got)
	}
	// Processed out of order: an answer computed while other requests were still running
	// arrives just after their answers and makes the room look smaller than it is. Within the
	// reorder window that is not taken for a fuller bucket.
	s.advance(100 * time.Microsecond)
	s.answer(answer(200, "250", "0.02")) // looks like 550 counting only what is in flight
	if got := s.stats().Limit; got != 11 {
		t.Fatalf("limit %d after an answer processed out of order, want 11", got)
	}
	// The same answer with no answers just before it is a fuller bucket.
	s.advance(time.Second)
	s.answer(answer(200, "50", "0.02")) // 8 others in flight: 450
	if got := s.stats().Limit; got != 8 {
		t.Fatalf("limit %d after a real drop, want 8", got)
	}
}

func TestThrottleShrinksWhenBucketFills(t *testing.T) {
	s := newSim(t, DefaultThrottle())
	s.send()
	s.answer(answer(200, "600", "0"))
	s.advance(time.Second)
	// Another program uses the token: only 120 units are left with nothing of ours running.
	s.send()
	s.answer(answer(200, "120", "1"))
	if got := s.stats().Limit; got != 1 {
		t.Fatalf("limit = %d, want 1", got)
	}
	// The estimate rises again only gradually (two up-front charges a second), even if an
	// answer reports more room at once.
	s.advance(100 * time.Millisecond)
	s.send()
	s.answer(answer(200, "600", "0"))
	if got := s.stats().Limit; got != 2 {
		t.Fatalf("limit %d 100 ms later, want 2", got)
	}
	s.advance(6 * time.Second)
	s.send()
	s.answer(answer(200, "600", "0"))
	if got := s.stats().Limit; got != 11 {
		t.Fatalf("limit %d once the bucket has drained, want 11", got)
	}
	// Nearly full and nothing of ours running: the next request waits for the bucket to drain.
	s.advance(10 * time.Millisecond)
	s.send()
	s.answer(answer(200, "10", "1"))
	if wait := s.pauseUntil.Sub(s.clock); wait <= 0 || wait > 10*time.Second {
		t.Fatalf("pause = %v, want a wait for the bucket to drain", wait)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := s.acquire(ctx); err == nil {
		t.Fatal("acquire did not wait for the pause")
	}
}

func TestThrottleWithoutHeaders(t *testing.T) {
	s := newSim(t, ThrottleConfig{InitialConcurrency: 2, MaxConcurrency: 4})
	for range 5 {
		s.send()
		s.answer(&http.Response{StatusCode: 200, Header: http.Header{}, Body: http.NoBody})
	}
	if got := s.stats().Limit; got != 4 {
		t.Fatalf("limit without bucket headers = %d, want the maximum 4", got)
	}
	s.send()
	s.answer(&http.Response{StatusCode: 429, Header: http.Header{"Retry-After": {"0"}}, Body: http.NoBody})
	st := s.stats()
	if st.Limit != 1 || st.Throttled != 1 || !math.IsNaN(st.Remaining) {
		t.Fatalf("after a bare 429: %+v", st)
	}
}

func TestThrottleCountsThrottled403(t *testing.T) {
	s := newSim(t, DefaultThrottle())
	s.send()
	s.answer(answer(http.StatusForbidden, "0", "0"))
	if st := s.stats(); st.Throttled != 1 || st.Remaining != 0 || st.Limit != 1 {
		t.Fatalf("after a throttled 403: %+v", st)
	}
}
