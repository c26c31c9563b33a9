package examsync_test

import (
	"context"
	"testing"
	"time"

	"github.com/edusync/edusync/examsync"
	"github.com/edusync/edusync/fs/fstest"
	"github.com/edusync/edusync/store"
)

func newSync(tb testing.TB, w *world, st store.Store, mod ...func(*examsync.Config)) *examsync.Sync {
	tb.Helper()
	cfg := examsync.Config{Store: st, Tenants: w.setups(tb), RetryBase: 5 * time.Millisecond, RetryMax: 40 * time.Millisecond, Idle: 10 * time.Millisecond}
	for _, m := range mod {
		m(&cfg)
	}
	s, err := examsync.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Close)
	return s
}

// settle runs rounds of reading, handling and answering until nothing moves.
func settle(tb testing.TB, w *world, s *examsync.Sync) {
	tb.Helper()
	ctx := context.Background()
	quiet := 0
	for round := 0; round < 60 && quiet < 2; round++ {
		if _, err := s.Poll(ctx); err != nil {
			tb.Logf("poll: %v", err)
		}
		n, err := s.Drain(ctx)
		if err != nil {
			tb.Fatal(err)
		}
		if err := w.in.WaitDeliveries(ctx); err != nil {
			tb.Fatal(err)
		}
		k, err := s.Drain(ctx)
		if err != nil {
			tb.Fatal(err)
		}
		e := w.examiners(tb)
		if n+k+e == 0 {
			quiet++
		} else {
			quiet = 0
		}
		time.Sleep(50 * time.Millisecond) // let retries fall due
	}
}

func TestTermFlowsThroughBothExamSystems(t *testing.T) {
	pop, err := fstest.SmallUniversity(3)
	if err != nil {
		t.Fatal(err)
	}
	w := newWorld(t, pop)
	st := store.NewMemory()
	defer st.Close()
	s := newSync(t, w, st)
	w.serve(t, s)
	settle(t, w, s)
	for day := range 3 {
		w.nextDay(t, uint64(100+day))
		settle(t, w, s)
	}
	missing := 0
	for _, r := range w.fs.ExplanationRequests() {
		if _, ok := w.fs.Registered(r.VurdID, r.Kandidatnr); !ok {
			missing++
			recs, _ := s.Audit(context.Background(), w.org, examsync.AuditQuery{VurdID: r.VurdID, Kandidatnr: string(r.Kandidatnr)})
			t.Logf("missing %s/%s requested %s: %d audit records", r.VurdID, r.Kandidatnr, r.DatoKlageMottat, len(recs))
			for _, a := range recs {
				t.Logf("  %s %s %v %s %s flow %d req %d", a.Submodule, a.Step, a.Success, a.Note, a.ErrorMessage, a.FlowID, a.ExplanationRequestID)
			}
		}
	}
	sum, err := s.Summary(context.Background(), w.org, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("summary: %v", sum)
	if missing > 0 {
		t.Errorf("%d of %d explanation requests have no explanation in FS", missing, len(w.fs.ExplanationRequests()))
	}
	if d := w.duplicates(); d != 0 {
		t.Errorf("%d effects were done twice", d)
	}
}
