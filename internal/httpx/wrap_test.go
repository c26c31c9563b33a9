package httpx

import (
	"net/http"
	"sync/atomic"
	"testing"
)

type countingRT struct {
	next http.RoundTripper
	n    *atomic.Int32
}

func (c countingRT) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(r)
}

// Wrap sits below the retry transport: it sees every attempt, not just the first.
func TestWrapSeesEveryAttempt(t *testing.T) {
	srv, calls := scripted(t, 503, 503, 200)
	var seen atomic.Int32
	s := &Settings{Retry: fastPolicy(), Wrap: func(next http.RoundTripper) http.RoundTripper {
		return countingRT{next: next, n: &seen}
	}}
	c, err := s.Build()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || calls.Load() != 3 || seen.Load() != 3 {
		t.Fatalf("status %d, server saw %d, wrapper saw %d; want 200, 3, 3", resp.StatusCode, calls.Load(), seen.Load())
	}
}
