package synth

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// peakHeap samples runtime.MemStats.HeapInuse every 10 ms until stop is called and returns the
// maximum seen (in bytes).
func peakHeap() (stop func() uint64) {
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	sample := func() {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		for {
			p := peak.Load()
			if ms.HeapInuse <= p || peak.CompareAndSwap(p, ms.HeapInuse) {
				return
			}
		}
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				sample()
			}
		}
	}()
	return func() uint64 {
		close(done)
		wg.Wait()
		sample()
		return peak.Load()
	}
}

// benchmarkPreset reports s (seconds per generation) and MB (peak heap in use, MiB, sampled
// every 10 ms during the timed work).
func benchmarkPreset(b *testing.B, preset string) {
	o, err := PresetOptions(preset)
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	b.ResetTimer()
	stop := peakHeap()
	start := time.Now()
	var pop *Population
	for i := 0; i < b.N; i++ {
		pop = nil // let the previous population go before the next is made
		pop, err = Generate(o)
		if err != nil {
			b.Fatal(err)
		}
	}
	elapsed := time.Since(start)
	peak := stop()
	b.StopTimer()
	b.ReportMetric(elapsed.Seconds()/float64(b.N), "s")
	b.ReportMetric(float64(peak)/(1<<20), "MB")
	b.ReportMetric(float64(len(pop.Persons)), "persons")
	b.ReportMetric(float64(len(pop.Memberships)+len(pop.Registrations)), "links")
}

// BenchmarkGenerateMunicipality: goal ≤ 5 s and ≤ 800 MB on 2 cores.
//
//	go test ./synth -run '^$' -bench GenerateMunicipality -benchtime 3x
func BenchmarkGenerateMunicipality(b *testing.B) { benchmarkPreset(b, PresetMunicipality) }

// BenchmarkGenerateUniversity measures the university preset the same way.
func BenchmarkGenerateUniversity(b *testing.B) { benchmarkPreset(b, PresetUniversity) }

// BenchmarkGenerateSchool measures the school preset.
func BenchmarkGenerateSchool(b *testing.B) { benchmarkPreset(b, PresetSchool) }

// BenchmarkNextDayMunicipality measures one NextDay at rate 0.001 on the municipality preset.
func BenchmarkNextDayMunicipality(b *testing.B) {
	o, _ := PresetOptions(PresetMunicipality)
	pop, err := Generate(o)
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	b.ResetTimer()
	stop := peakHeap()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if _, _, err := NextDay(pop, uint64(i), 0.001); err != nil {
			b.Fatal(err)
		}
	}
	elapsed := time.Since(start)
	peak := stop()
	b.ReportMetric(elapsed.Seconds()/float64(b.N), "s")
	b.ReportMetric(float64(peak)/(1<<20), "MB")
}
