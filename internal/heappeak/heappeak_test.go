package heappeak

import (
	"runtime"
	"testing"
	"time"
)

var sink [][]byte

// A peak that is gone again by the time Stop is called is still reported.
func TestSeesTransientPeak(t *testing.T) {
	runtime.GC()
	s := Start()
	for range 64 {
		sink = append(sink, make([]byte, 1<<20))
	}
	time.Sleep(3 * Interval)
	sink = nil
	runtime.GC()
	peak := s.Stop()
	if MiB(peak) < 64 {
		t.Fatalf("peak %.1f MiB, want at least the 64 MiB held for three intervals", MiB(peak))
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	if m.HeapInuse >= peak {
		t.Fatalf("heap now %d >= peak %d: the test did not free its allocation", m.HeapInuse, peak)
	}
}
