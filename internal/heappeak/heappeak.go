// Package heappeak measures the peak heap of a piece of work the way edusync's benchmarks
// report their MB figure: the maximum of runtime.MemStats.HeapInuse, sampled every 10 ms while
// the work runs (and once at its start and end).
package heappeak

import (
	"runtime"
	"sync"
	"time"
)

// Interval is how often the heap is sampled.
const Interval = 10 * time.Millisecond

// Sampler samples the heap in the background from Start until Stop.
type Sampler struct {
	stop chan struct{}
	done sync.WaitGroup
	mu   sync.Mutex
	max  uint64
}

// Start begins sampling.
func Start() *Sampler {
	s := &Sampler{stop: make(chan struct{})}
	s.sample()
	s.done.Add(1)
	go func() {
		defer s.done.Done()
		tick := time.NewTicker(Interval)
		defer tick.Stop()
		for {
			select {
			case <-s.stop:
				return
			case <-tick.C:
				s.sample()
			}
		}
	}()
	return s
}

func (s *Sampler) sample() {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	s.mu.Lock()
	s.max = max(s.max, m.HeapInuse)
	s.mu.Unlock()
}

// Stop ends sampling and returns the peak in bytes. It must be called once.
func (s *Sampler) Stop() uint64 {
	close(s.stop)
	s.done.Wait()
	s.sample()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.max
}

// MiB converts bytes to MiB, the unit of the benchmarks' MB metric.
func MiB(bytes uint64) float64 { return float64(bytes) / (1 << 20) }
