// Package backoff holds edusync's one retry delay and a cancellable sleep, shared by the HTTP
// clients' retries and the store's queue workers. It depends on nothing but the standard
// library, so the store can use it without pulling in net/http.
package backoff

import (
	"context"
	"math/rand/v2"
	"time"
)

// Delay is the wait before retry number n (1-based): base doubled per attempt up to max, with
// equal jitter (between half and all of it), so concurrent clients spread out but never retry
// at once.
func Delay(base, max time.Duration, n int) time.Duration {
	d := base
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	half := d / 2
	return half + time.Duration(rand.Int64N(int64(half)+1))
}

// Sleep waits for d or until ctx is done, whichever comes first.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
