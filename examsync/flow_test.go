package examsync_test

import (
	"context"
	"errors"
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
	assertNoPersonalData(t, w, s, nil)
}

func TestRunServesWebhooksAndStopsWhenCancelled(t *testing.T) {
	pop, err := tinyUniversity(5)
	if err != nil {
		t.Fatal(err)
	}
	w := newWorld(t, pop)
	st := store.NewMemory()
	defer st.Close()
	s := newSync(t, w, st, func(c *examsync.Config) { c.Listen = "127.0.0.1:0"; c.WISEflowInterval = time.Hour })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	if err := s.Trigger(w.org, examsync.FlowAppeals); err != nil {
		t.Fatal(err)
	}
	if err := s.Trigger("1", examsync.FlowAppeals); err == nil {
		t.Error("Trigger of an unknown institution succeeded")
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		sum, err := s.Summary(context.Background(), w.org, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if len(sum["inspera-appeal"]) > 0 && len(sum["wiseflow-appeal"]) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Run handled nothing in 10 s: %v", sum)
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Run = %v, want context.Canceled", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Run did not stop")
	}
}

func TestNewRefusesWhatItCannotRun(t *testing.T) {
	pop, err := tinyUniversity(5)
	if err != nil {
		t.Fatal(err)
	}
	w := newWorld(t, pop)
	st := store.NewMemory()
	defer st.Close()
	su := w.setups(t)
	noSecret := su[0]
	noSecret.InsperaSecrets = nil
	noClient := su[1]
	noClient.WISEflow = nil
	bad := su[0]
	bad.Tenant.OrgID = "x"
	tests := []struct {
		name string
		cfg  examsync.Config
		want error
	}{
		{"no store", examsync.Config{Tenants: su}, examsync.ErrConfig},
		{"Inspera without webhook secrets", examsync.Config{Store: st, Tenants: []examsync.Setup{noSecret}}, examsync.ErrConfig},
		{"WISEflow without client", examsync.Config{Store: st, Tenants: []examsync.Setup{noClient}}, examsync.ErrConfig},
		{"a bad tenant", examsync.Config{Store: st, Tenants: []examsync.Setup{bad}}, examsync.ErrTenant},
		{"a tenant twice", examsync.Config{Store: st, Tenants: []examsync.Setup{su[0], su[0]}}, examsync.ErrTenant},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := examsync.New(tt.cfg); !errors.Is(err, tt.want) {
				t.Errorf("New = %v, want %v", err, tt.want)
			}
		})
	}
}
