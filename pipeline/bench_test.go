package pipeline_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/edusync/edusync/pipeline"
	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/reconcile/reconciletest"
)

// BenchmarkPipelineRun measures what running through the pipeline costs over calling reconcile
// directly (Load both sides, NewPlan, Apply, History.Update), for a first run of a school of
// 2,000 pupils (4,001 creates) into the in-memory target, with the pipeline's state in an
// SQLite file (synchronous=FULL): the lease, the stored plan and report, the journal, the
// history. It reports ms per run for both and their ratio (overhead), for a target that keeps
// referrers (journal flushed in batches) and for one that keeps none (every create journaled
// at once), and ms of a second run that finds nothing to do.
func BenchmarkPipelineRun(b *testing.B) {
	ctx := context.Background()
	src := school(2000)
	noRefs := reconcile.Capabilities{Persons: reconcile.StoresAll(reconcile.KindPerson), Groups: reconcile.StoresAll(reconcile.KindGroup),
		Memberships: reconcile.StoresAll(reconcile.KindMembership), Revisions: true}
	bare := func(tgt reconcile.Target) time.Duration {
		start := time.Now()
		s, err := reconcile.Load(ctx, src.AsSource())
		if err != nil {
			b.Fatal(err)
		}
		t, err := reconcile.Load(ctx, tgt)
		if err != nil {
			b.Fatal(err)
		}
		var h reconcile.History
		plan, err := reconcile.NewPlan(s, t, reconcile.Options{Now: time.Now(), History: h})
		if err != nil {
			b.Fatal(err)
		}
		rep, err := reconcile.Apply(ctx, plan, tgt, reconcile.ApplyOptions{})
		if err != nil {
			b.Fatal(err)
		}
		h.Update(rep)
		return time.Since(start)
	}
	var direct, piped, directNoRef, pipedNoRef, again time.Duration
	for i := 0; b.Loop(); i++ {
		direct += bare(reconciletest.NewTarget(nil))
		directNoRef += bare(reconciletest.NewTarget(nil, reconciletest.WithCapabilities(noRefs)))
		for _, noRef := range []bool{false, true} {
			var tgt *reconciletest.Target
			if noRef {
				tgt = reconciletest.NewTarget(nil, reconciletest.WithCapabilities(noRefs))
			} else {
				tgt = reconciletest.NewTarget(nil)
			}
			st := openSQLite(b, filepath.Join(b.TempDir(), fmt.Sprintf("state-%d-%v.db", i, noRef)))
			p, err := pipeline.New("bench", src.AsSource(), tgt, st)
			if err != nil {
				b.Fatal(err)
			}
			start := time.Now()
			if _, err := p.Run(ctx); err != nil {
				b.Fatal(err)
			}
			took := time.Since(start)
			if noRef {
				pipedNoRef += took
				continue
			}
			piped += took
			start = time.Now()
			r, err := p.Run(ctx)
			if err != nil || r.Plan.Counts.Changes() != 0 {
				b.Fatalf("second run: %v, %d changes", err, r.Plan.Counts.Changes())
			}
			again += time.Since(start)
		}
	}
	n := float64(b.N)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / n }
	b.ReportMetric(ms(direct), "ms_reconcile")
	b.ReportMetric(ms(piped), "ms_pipeline")
	b.ReportMetric(float64(piped)/float64(direct), "overhead")
	b.ReportMetric(ms(pipedNoRef), "ms_pipeline_noref")
	b.ReportMetric(float64(pipedNoRef)/float64(directNoRef), "overhead_noref")
	b.ReportMetric(ms(again), "ms_rerun")
	b.ReportMetric(0, "ns/op")
}
