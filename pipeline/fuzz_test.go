package pipeline_test

import (
	"context"
	"testing"
	"time"

	"github.com/edusync/edusync/pipeline"
	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/store"
)

var fuzzScope = store.Scope{Flow: pipeline.Flow, Tenant: "school"}

// baseState is what a pipeline keeps after runs that asked a question, were held, and
// succeeded: every kind of value the ledger reads.
func baseState(tb testing.TB) []store.Entry[[]byte] {
	tb.Helper()
	ctx := context.Background()
	st := store.NewMemory()
	defer st.Close()
	src := newSource(school(30))
	p := newPipeline(tb, src, target(), st, pipeline.WithOptions(reconcile.Options{Removals: reconcile.Removals{Enabled: true, GraceDays: 30}}))
	if _, err := p.Run(ctx); err != nil {
		tb.Fatal(err)
	}
	less := school(30)
	less.Persons, less.Memberships = less.Persons[:10], less.Memberships[:10]
	src.set(less)
	r, _ := p.Run(ctx)
	_ = p.Ledger().Release(ctx, r.ID, "test")
	_ = p.Ledger().Request(ctx)
	var out []store.Entry[[]byte]
	if err := st.View(ctx, fuzzScope, func(tx store.Tx) (err error) {
		out, err = tx.Values("")
		return err
	}); err != nil {
		tb.Fatal(err)
	}
	return out
}

// FuzzLedgerOnDamagedState replaces one stored value of a pipeline with any bytes (a damaged
// or tampered store): reading the ledger, answering, releasing and running must fail with
// errors or succeed, never panic or loop, and never allocate by a count the value claims.
func FuzzLedgerOnDamagedState(f *testing.F) {
	base := baseState(f)
	for i, e := range base {
		f.Add(uint16(i), e.Value)
		f.Add(uint16(i), e.Value[:len(e.Value)/2])
	}
	for _, v := range []string{`null`, `[]`, `{}`, `{"lastRun":9223372036854775807,"planned":-5,"failures":9223372036854775807}`,
		`{"id":1,"actionChunks":2147483647,"resultChunks":-3,"results":-1,"plan":{"actions":-7},"report":{}}`,
		`[{"id":"x","verdict":"maybe"}]`, `{"since":-1,"run":9223372036854775807,"trips":[{"count":-1}]}`} {
		for i := range base {
			f.Add(uint16(i), []byte(v))
		}
	}
	f.Fuzz(func(t *testing.T, which uint16, value []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		slow := time.AfterFunc(15*time.Second, func() { panic("one input took over 15s: a loop on a damaged count?") })
		defer slow.Stop()
		st := store.NewMemory()
		defer st.Close()
		key := base[int(which)%len(base)].Key
		err := st.Update(ctx, fuzzScope, func(tx store.Tx) error {
			for _, e := range base {
				v := e.Value
				if e.Key == key {
					v = value
				}
				if err := tx.SetValue(e.Key, v); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		l, _ := pipeline.OpenLedger(st, "school")
		runs, _ := l.Runs(ctx, 0)
		for _, r := range runs {
			_, _ = l.Plan(ctx, r.ID)
			_, _, _ = l.Actions(ctx, r.ID, 490, 20)
			_, _ = l.Report(ctx, r.ID)
			_, _, _ = l.Results(ctx, r.ID, 0, 5)
			_ = l.Release(ctx, r.ID, "test")
			_ = r.Err()
		}
		if qs, err := l.Questions(ctx); err == nil && len(qs) > 0 {
			_ = l.Answer(ctx, "test", reconcile.Decision{ID: qs[0].Action.ID, Verdict: reconcile.Reject})
		}
		_, _, _ = l.Hold(ctx)
		_, _ = l.History(ctx)
		_, _ = l.Answers(ctx)
		p := newPipeline(t, newSource(school(30)), target(), st, pipeline.WithOptions(reconcile.Options{Removals: reconcile.Removals{Enabled: true, GraceDays: 30}}))
		_, _ = p.NextRun(ctx)
		_, _ = p.Run(ctx)
		_, _ = l.Runs(ctx, 0)
	})
}
