package backoff

import (
	"context"
	"testing"
	"time"
)

// Delay doubles from base to max and draws each delay from the upper half of its step.
func TestDelayDoublesWithinJitter(t *testing.T) {
	base, max := 100*time.Millisecond, time.Second
	for n, step := range []time.Duration{100, 200, 400, 800, 1000, 1000} {
		step *= time.Millisecond
		for range 50 {
			if d := Delay(base, max, n+1); d < step/2 || d > step {
				t.Fatalf("Delay(%v, %v, %d) = %v, want within [%v, %v]", base, max, n+1, d, step/2, step)
			}
		}
	}
}

// Sleep returns at once with the context's error when it is already done, and nil after d.
func TestSleepEndsOnCancelOrTimeout(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Sleep(ctx, time.Hour); err != context.Canceled {
		t.Fatalf("cancelled: %v", err)
	}
	if err := Sleep(context.Background(), time.Millisecond); err != nil {
		t.Fatalf("timeout: %v", err)
	}
	if err := Sleep(context.Background(), 0); err != nil {
		t.Fatalf("zero: %v", err)
	}
}
