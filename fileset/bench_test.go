package fileset_test

import (
	"context"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/edusync/edusync/asm"
	"github.com/edusync/edusync/fileset"
	"github.com/edusync/edusync/internal/cputime"
	"github.com/edusync/edusync/internal/heappeak"
	"github.com/edusync/edusync/oneroster"
	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/sds"
	"github.com/edusync/edusync/ss12000"
	"github.com/edusync/edusync/ss12000/ss12000sync"
	"github.com/edusync/edusync/ss12000/ss12000test"
	"github.com/edusync/edusync/synth"
)

var (
	municipalityOnce sync.Once
	municipality     *reconcile.Snapshot
	municipalityDay  time.Time
	municipalityErr  error
)

// loadMunicipality reads the synth municipality preset through the SS 12000 Source from the
// fake, once; the fake is closed and collected before any timer starts.
func loadMunicipality(b *testing.B) (*reconcile.Snapshot, time.Time) {
	municipalityOnce.Do(func() {
		opts, err := synth.PresetOptions(synth.PresetMunicipality)
		if err != nil {
			municipalityErr = err
			return
		}
		pop, err := synth.Generate(opts)
		if err != nil {
			municipalityErr = err
			return
		}
		day := pop.Today.Time().Add(8 * time.Hour)
		srv := ss12000test.NewServer(ss12000test.WithDataset(ss12000test.FromPopulation(pop)), ss12000test.WithLimits(1000, 1000),
			ss12000test.WithClock(func() time.Time { return day }))
		defer srv.Close()
		c, err := ss12000.New(srv.URL(), ss12000.WithBearerToken(srv.Token()), ss12000.WithPageSize(1000))
		if err != nil {
			municipalityErr = err
			return
		}
		src, err := ss12000sync.New(c, ss12000sync.Options{Guardians: true, Now: func() time.Time { return day }})
		if err != nil {
			municipalityErr = err
			return
		}
		municipality, municipalityErr = src.Snapshot(context.Background())
		municipalityDay = day
	})
	if municipalityErr != nil {
		b.Fatal(municipalityErr)
	}
	runtime.GC()
	return municipality, municipalityDay
}

// exportTarget is what the benchmark needs of a target.
type exportTarget interface {
	reconcile.Target
	Deliverable(reconcile.Source) *fileset.Deliverable
	LastCommit() fileset.Commit
}

// BenchmarkRosterExportMunicipality exports the synth municipality preset (304,338 persons
// with guardians, 25,000 groups, 1.2 million memberships), read through the SS 12000 Source
// before the timer, into each target as a first full set. Per target it reports s (seconds for
// planning and writing one full set: screening the source, reconcile.Load of the empty target,
// NewPlan, Apply with the set's validation, fsync and switch; the fake excluded), cpu-s (the CPU
// time the process spent meanwhile, all threads and the garbage collector, which a busy
// machine inflates much less than s), MB (the peak
// HeapInuse meanwhile, sampled every 10 ms, the source snapshot included), and bytes_rewritten
// (bytes written by a second run with no changes; goal 0).
func BenchmarkRosterExportMunicipality(b *testing.B) {
	snap, day := loadMunicipality(b)
	targets := []struct {
		name string
		make func(dir string) (exportTarget, error)
	}{
		{"sds", func(dir string) (exportTarget, error) {
			return sds.New(dir, sds.Options{UsernameTemplate: "{given}.{family}@elev.exempelby.se"})
		}},
		{"oneroster", func(dir string) (exportTarget, error) {
			return oneroster.New(dir, oneroster.Options{UsernameTemplate: "{given}.{family}@elev.exempelby.se"})
		}},
		{"asm", func(dir string) (exportTarget, error) { return asm.New(dir, asm.Options{}) }},
	}
	ctx := context.Background()
	for _, tc := range targets {
		b.Run(tc.name, func(b *testing.B) {
			var took, cpu, peak, rewritten float64
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				target, err := tc.make(b.TempDir())
				if err != nil {
					b.Fatal(err)
				}
				feed := target.Deliverable(whole{snap.AsSource(), snap})
				runtime.GC()
				b.StartTimer()
				sampler := heappeak.Start()
				start, startCPU := time.Now(), cputime.Seconds()
				var history reconcile.History
				plan := exportRun(b, ctx, feed, target, day, &history)
				took += time.Since(start).Seconds()
				cpu += cputime.Seconds() - startCPU
				peak += float64(sampler.Stop()) / (1 << 20)
				b.StopTimer()
				if plan.Counts.Created == 0 || target.LastCommit().Set == "" {
					b.Fatalf("the first run wrote no set: %+v", plan.Counts)
				}
				before := target.LastCommit()
				again := exportRun(b, ctx, feed, target, day, &history)
				if after := target.LastCommit(); after.Set != before.Set {
					rewritten += float64(after.Bytes)
				}
				if n := again.Counts.Changes(); n != 0 {
					b.Errorf("the second run plans %d changes", n)
				}
				b.Logf("%s: %+v; set %v", tc.name, plan.Counts, before.Files)
			}
			b.ReportMetric(took/float64(b.N), "s")
			b.ReportMetric(cpu/float64(b.N), "cpu-s")
			b.ReportMetric(peak/float64(b.N), "MB")
			b.ReportMetric(rewritten/float64(b.N), "bytes_rewritten")
		})
	}
}

func exportRun(b *testing.B, ctx context.Context, src reconcile.Source, target reconcile.Target, day time.Time, history *reconcile.History) *reconcile.Plan {
	s, err := reconcile.Load(ctx, src)
	if err != nil {
		b.Fatal(err)
	}
	t, err := reconcile.Load(ctx, target)
	if err != nil {
		b.Fatal(err)
	}
	plan, err := reconcile.NewPlan(s, t, reconcile.Options{Now: day, History: *history, Holds: []reconcile.Hold{}})
	if err != nil {
		b.Fatal(err)
	}
	rep, err := reconcile.Apply(ctx, plan, target, reconcile.ApplyOptions{})
	if err != nil {
		b.Fatal(err)
	}
	history.Update(rep)
	return plan
}

// whole gives a loaded snapshot as ss12000sync.Source gives its own: as one Snapshot.
type whole struct {
	reconcile.Source
	snap *reconcile.Snapshot
}

// Snapshot returns the snapshot (fileset.Snapshotter).
func (w whole) Snapshot(context.Context) (*reconcile.Snapshot, error) { return w.snap, nil }
