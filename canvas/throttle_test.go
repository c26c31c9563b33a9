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

// The limit follows the bucket: Canvas's default bucket (600) allows eleven requests in flight
// with the default reserve; answers that arrive in a burst, each computed before the client
// reacted to the previous one, must not raise it.
func TestThrottleLimitFromBucket(t *testing.T) {
	th := newThrottle(DefaultThrottle())
	ctx := context.Background()
	for range 2 {
		if err := th.acquire(ctx); err != nil {
			t.Fatal(err)
		}
	}
	th.release(answer(200, "550", "0.02")) // one other in flight: free = 600
	if got := th.stats().Limit; got != 11 {
		t.Fatalf("limit after the first answer = %d, want 11", got)
	}
	// Fill up to the limit, then three answers computed at nearly the same moment arrive
	// while the client has sent new requests in between.
	for th.stats().Limit > th.inflight {
		_ = th.acquire(ctx)
	}
	th.release(answer(200, "100", "0.02")) // 10 others: free 600
	_ = th.acquire(ctx)
	th.release(answer(200, "150", "0.02")) // computed before the previous reaction: free would look 650
	_ = th.acquire(ctx)
	th.release(answer(200, "200", "0.02")) // free would look 700
	if got := th.stats().Limit; got > 11 {
		t.Fatalf("limit %d after a burst of stale answers, want at most 11", got)
	}
}

func TestThrottleShrinksWhenBucketFills(t *testing.T) {
	th := newThrottle(DefaultThrottle())
	ctx := context.Background()
	_ = th.acquire(ctx)
	th.release(answer(200, "600", "0"))
	_ = th.acquire(ctx)
	// Another program uses the token: only 120 units are left with nothing of ours running.
	th.release(answer(200, "120", "1"))
	if got := th.stats().Limit; got != 1 {
		t.Fatalf("limit = %d, want 1", got)
	}
	// Nearly full and nothing of ours running: the next request waits for the bucket to drain.
	_ = th.acquire(ctx)
	th.release(answer(200, "10", "1"))
	th.mu.Lock()
	wait := time.Until(th.pauseUntil)
	th.mu.Unlock()
	if wait <= 0 || wait > 10*time.Second {
		t.Fatalf("pause = %v, want a wait for the bucket to drain", wait)
	}
	ctx2, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if err := th.acquire(ctx2); err == nil {
		t.Fatal("acquire did not wait for the pause")
	}
}

func TestThrottleWithoutHeaders(t *testing.T) {
	th := newThrottle(ThrottleConfig{InitialConcurrency: 2, MaxConcurrency: 4})
	ctx := context.Background()
	for range 5 {
		_ = th.acquire(ctx)
		th.release(&http.Response{StatusCode: 200, Header: http.Header{}, Body: http.NoBody})
	}
	if got := th.stats().Limit; got != 4 {
		t.Fatalf("limit without bucket headers = %d, want the maximum 4", got)
	}
	_ = th.acquire(ctx)
	th.release(&http.Response{StatusCode: 429, Header: http.Header{"Retry-After": {"0"}}, Body: http.NoBody})
	st := th.stats()
	if st.Limit != 1 || st.Throttled != 1 || !math.IsNaN(st.Remaining) {
		t.Fatalf("after a bare 429: %+v", st)
	}
}

func TestThrottleCountsThrottled403(t *testing.T) {
	th := newThrottle(DefaultThrottle())
	_ = th.acquire(context.Background())
	th.release(answer(http.StatusForbidden, "0", "0"))
	if st := th.stats(); st.Throttled != 1 || st.Remaining != 0 || st.Limit != 1 {
		t.Fatalf("after a throttled 403: %+v", st)
	}
}
