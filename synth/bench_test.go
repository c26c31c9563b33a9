package synth

import (
	"io"
	"runtime"
	"testing"
	"time"

	"github.com/edusync/edusync/internal/heappeak"
)

// benchmarkPreset reports s (seconds per generation) and MB (peak heap in use, MiB, sampled
// every 10 ms during the timed work), and returns the last population.
func benchmarkPreset(b *testing.B, preset string) *Population {
	o, err := PresetOptions(preset)
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	b.ResetTimer()
	peak := heappeak.Start()
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
	mb := heappeak.MiB(peak.Stop())
	b.StopTimer()
	b.ReportMetric(elapsed.Seconds()/float64(b.N), "s")
	b.ReportMetric(mb, "MB")
	b.ReportMetric(float64(len(pop.Persons)), "persons")
	b.ReportMetric(float64(len(pop.Memberships)+len(pop.Registrations)), "links")
	return pop
}

// BenchmarkGenerateMunicipality: goal ≤ 5 s and ≤ 800 MB on 2 cores.
//
//	go test ./synth -run '^$' -bench GenerateMunicipality -benchtime 3x
func BenchmarkGenerateMunicipality(b *testing.B) { benchmarkPreset(b, PresetMunicipality) }

// BenchmarkGenerateUniversity measures the university preset the same way.
func BenchmarkGenerateUniversity(b *testing.B) { benchmarkPreset(b, PresetUniversity) }

// BenchmarkGenerateExams measures the university-no preset: the population with its term's
// exams (30,000 ordinary candidates, 1,500 theses) and the exam calendar run from the start of
// the term to its Today. Goal ≤ 2 s and ≤ 400 MB on 2 cores.
//
//	go test ./synth -run '^$' -bench GenerateExams -benchtime 5x
func BenchmarkGenerateExams(b *testing.B) {
	pop := benchmarkPreset(b, PresetUniversityNO)
	b.ReportMetric(float64(len(pop.Candidates)), "candidates")
	b.ReportMetric(float64(len(pop.Appeals)+len(pop.Explanations)), "requests")
}

// BenchmarkNextDayExams measures one NextDay of the university-no preset (the population's
// events and a day of the exam calendar).
func BenchmarkNextDayExams(b *testing.B) {
	o, _ := PresetOptions(PresetUniversityNO)
	pop, err := Generate(o)
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if _, _, err := NextDay(pop, uint64(i), 0.001); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(time.Since(start).Seconds()/float64(b.N), "s")
}

// BenchmarkThesisFile measures reading a generated thesis file (MB/s).
func BenchmarkThesisFile(b *testing.B) {
	f := File{ContentType: "application/pdf", Size: 64 << 20, Seed: 1}
	b.SetBytes(f.Size)
	for i := 0; i < b.N; i++ {
		if _, err := f.Open().WriteTo(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

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
	peak := heappeak.Start()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if _, _, err := NextDay(pop, uint64(i), 0.001); err != nil {
			b.Fatal(err)
		}
	}
	elapsed := time.Since(start)
	mb := heappeak.MiB(peak.Stop())
	b.ReportMetric(elapsed.Seconds()/float64(b.N), "s")
	b.ReportMetric(mb, "MB")
}
