package reconcile_test

import (
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/edusync/edusync/internal/heappeak"
	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/synth"
)

// municipalityScenario builds the snapshots of the municipality preset (scaled by share) and its
// next day with 1% changes, and lets go of the synth populations.
func municipalityScenario(b *testing.B, share float64) (src, tgt *reconcile.Snapshot) {
	b.Helper()
	o, err := synth.PresetOptions(synth.PresetMunicipality)
	if err != nil {
		b.Fatal(err)
	}
	if share != 1 {
		scale := func(n int) int { return int(float64(n) * share) }
		o.SchoolUnits, o.Students, o.Staff, o.Guardians = scale(o.SchoolUnits), scale(o.Students), scale(o.Staff), scale(o.Guardians)
		o.Groups, o.Memberships = scale(o.Groups), scale(o.Memberships)
	}
	s := newScenario(b, o, 0.01)
	return s.source, s.target
}

// BenchmarkPlanMunicipality plans the synth municipality preset (about 305,000 persons, 25,000
// groups, 1.2 million memberships) against its next day with 1% changes, the snapshots built
// before the timer starts. It reports s/plan (seconds per plan) and MB (the peak of HeapInuse,
// MiB, sampled every 10 ms while planning, snapshots included). Each plan starts from a collected
// heap (not timed). Goal on 2 cores: at most 3 s and 1,500 MB.
//
//	go test ./reconcile -run '^$' -bench 'BenchmarkPlan(Municipality|Scaling)$' -benchtime 5x
func BenchmarkPlanMunicipality(b *testing.B) {
	src, tgt := municipalityScenario(b, 1)
	opts := syncOptions()
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	peak := heappeak.Start()
	b.ResetTimer()
	var plan *reconcile.Plan
	for range b.N {
		// Each plan starts from a collected heap, as a host's single plan of the day does, so the
		// peak does not depend on how many plans' garbage b.N lets pile up.
		b.StopTimer()
		plan = nil
		runtime.GC()
		b.StartTimer()
		var err error
		if plan, err = reconcile.NewPlan(src, tgt, opts); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	mb := heappeak.MiB(peak.Stop())
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/plan")
	b.ReportMetric(mb, "MB")
	b.Logf("%d persons, %d groups, %d memberships in the target; snapshots %.0f MiB of heap before planning; %d actions, counts %+v",
		len(tgt.Persons), len(tgt.Groups), len(tgt.Memberships), float64(before.HeapInuse)/(1<<20), len(plan.Actions), plan.Counts)
}

// BenchmarkPlanScaling plans 10% and 100% of the municipality, b.N times each, alternating, and
// reports how much longer the full size takes (time_ratio; linear would be 10). One untimed plan
// of each size comes first; each timed plan starts from a collected heap, so neither pays for the
// other's garbage. The ratio compares the median
// plan of each size, so that one burst of load on a shared machine during a short plan does not
// decide the figure; the ratio of the fastest and of the mean plans are logged beside it. Goal:
// at most 11.
func BenchmarkPlanScaling(b *testing.B) {
	smallSrc, smallTgt := municipalityScenario(b, 0.1)
	bigSrc, bigTgt := municipalityScenario(b, 1)
	opts := syncOptions()
	// One plan of each size before timing, so that neither size's figure includes the first
	// faulting-in of the heap it grows into.
	for _, s := range [][2]*reconcile.Snapshot{{smallSrc, smallTgt}, {bigSrc, bigTgt}} {
		if _, err := reconcile.NewPlan(s[0], s[1], opts); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	timed := func(src, tgt *reconcile.Snapshot) time.Duration {
		b.StopTimer()
		runtime.GC()
		b.StartTimer()
		start := time.Now()
		if _, err := reconcile.NewPlan(src, tgt, opts); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	var small, big []time.Duration
	for range b.N {
		small = append(small, timed(smallSrc, smallTgt))
		big = append(big, timed(bigSrc, bigTgt))
	}
	b.StopTimer()
	mean := func(ds []time.Duration) float64 {
		var t time.Duration
		for _, d := range ds {
			t += d
		}
		return t.Seconds() / float64(len(ds))
	}
	median := func(ds []time.Duration) float64 {
		s := slices.Sorted(slices.Values(ds))
		return (s[(len(s)-1)/2] + s[len(s)/2]).Seconds() / 2
	}
	b.ReportMetric(median(big)/median(small), "time_ratio")
	b.Logf("10%%: %d persons, median plan %.3f s; 100%%: %d persons, median plan %.3f s; over %d plans of each: ratio of the fastest %.2f, of the means %.2f",
		len(smallTgt.Persons), median(small), len(bigTgt.Persons), median(big), b.N,
		slices.Min(big).Seconds()/slices.Min(small).Seconds(), mean(big)/mean(small))
}
