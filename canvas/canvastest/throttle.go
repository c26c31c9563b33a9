package canvastest

import (
	"strconv"
	"sync"
	"time"
)

// buckets holds one leaky bucket per token.
type buckets struct {
	mu    sync.Mutex
	cfg   Throttle
	level map[string]*bucket
	now   func() time.Time

	throttled int64
	admitted  int64
}

type bucket struct {
	level float64
	at    time.Time // when level was last drained
}

func newBuckets(cfg Throttle, now func() time.Time) *buckets {
	return &buckets{cfg: cfg, level: map[string]*bucket{}, now: now}
}

// drain lets the bucket leak up to now; callers hold b.mu.
func (bs *buckets) drain(b *bucket, now time.Time) {
	if d := now.Sub(b.at); d > 0 {
		b.level = max(0, b.level-d.Seconds()*bs.cfg.Outflow)
	}
	b.at = now
}

func (bs *buckets) get(token string, now time.Time) *bucket {
	b := bs.level[token]
	if b == nil {
		b = &bucket{at: now}
		bs.level[token] = b
	}
	bs.drain(b, now)
	return b
}

// admit charges the up-front units for a request of token, or refuses it when the bucket is
// at its high-water mark. It returns the remaining room for the answer's header.
func (bs *buckets) admit(token string) (ok bool, remaining float64) {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	now := bs.now()
	b := bs.get(token, now)
	if !bs.cfg.Off && b.level >= bs.cfg.HighWater {
		bs.throttled++
		return false, bs.remaining(b)
	}
	bs.admitted++
	b.level = min(b.level+bs.cfg.UpFront, bs.cfg.Maximum)
	return true, bs.remaining(b)
}

// finish takes back a request's up-front charge, adds its cost and returns the remaining room.
func (bs *buckets) finish(token string, cost float64) float64 {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	b := bs.get(token, bs.now())
	b.level = min(max(0, b.level-bs.cfg.UpFront+cost), bs.cfg.Maximum)
	return bs.remaining(b)
}

func (bs *buckets) remaining(b *bucket) float64 { return max(0, bs.cfg.HighWater-b.level) }

func (bs *buckets) set(cfg Throttle) {
	bs.mu.Lock()
	bs.cfg = cfg
	bs.mu.Unlock()
}

func (bs *buckets) config() Throttle {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	return bs.cfg
}

// Level returns the current level of token's bucket (after draining), for tests.
func (s *Server) Level(token string) float64 {
	bs := s.buckets
	bs.mu.Lock()
	defer bs.mu.Unlock()
	return bs.get(token, bs.now()).level
}

// SetThrottle changes the rate limit while the server runs; bucket levels are kept.
func (s *Server) SetThrottle(t Throttle) { s.buckets.set(t.withDefaults()) }

func formatUnits(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
