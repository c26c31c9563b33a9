package store_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/store/storetest"
)

var hook = store.Scope{Flow: "inspera-hook", Tenant: "uib"}

func TestWorkerRetriesDeadLettersAndAcknowledges(t *testing.T) {
	ctx := context.Background()
	clock := storetest.NewClock(storetest.T0)
	st := store.NewMemory(store.WithClock(clock.Now))
	var logs bytes.Buffer
	const pnr = "19900101-2389"
	_, err := store.Enqueue(ctx, st, hook,
		store.Message{Key: "d1", Payload: []byte("ok")},
		store.Message{Key: "d2", Payload: []byte("flaky " + pnr)},
		store.Message{Key: "d3", Payload: []byte("hopeless")},
		store.Message{Key: "d4", Payload: []byte("broken"), MaxAttempts: 2},
	)
	if err != nil {
		t.Fatal(err)
	}
	calls := map[string]int{}
	w := store.Worker{
		Store: st, Scope: hook, Now: clock.Now, RetryBase: time.Second, RetryMax: time.Minute,
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
		Handle: func(_ context.Context, d store.Delivery) error {
			p := string(d.Payload)
			calls[p]++
			switch {
			case strings.HasPrefix(p, "flaky") && calls[p] < 3:
				return errors.New("canvas: 503 for " + pnr)
			case p == "hopeless":
				return store.Permanent(errors.New("no such exam"))
			case p == "broken":
				return errors.New("500")
			}
			return nil
		},
	}
	for range 4 { // each round, what failed is due again after at most a minute
		if _, err := w.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Minute)
	}
	want := map[string]int{"ok": 1, "flaky " + pnr: 3, "hopeless": 1, "broken": 2}
	if diff := cmp.Diff(want, calls); diff != "" {
		t.Fatalf("handler calls (-want +got):\n%s", diff)
	}
	err = st.View(ctx, hook, func(tx store.Tx) error {
		if ms, _ := tx.Messages(0); len(ms) != 0 {
			t.Fatalf("left in the queue: %+v", ms)
		}
		dead, err := tx.DeadMessages(0)
		if err != nil {
			return err
		}
		var got []string
		for _, d := range dead {
			got = append(got, string(d.Payload)+": "+d.Reason)
		}
		want := []string{"hopeless: permanent failure: no such exam", "broken: gave up after 2 attempts: 500"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("dead letters (-want +got):\n%s", diff)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if s := logs.String(); strings.Contains(s, pnr) || strings.Contains(s, "flaky") || !strings.Contains(s, "no such exam") {
		t.Fatalf("worker log:\n%s", s)
	}
	// The de-dup keys keep a redelivered webhook out, except the dead letters'.
	res, err := store.Enqueue(ctx, st, hook, store.Message{Key: "d1"}, store.Message{Key: "d3"})
	if err != nil || !res[0].Duplicate || res[1].Duplicate {
		t.Fatalf("re-enqueued: %+v %v", res, err)
	}
}

func TestWorkerHandlesConcurrentlyAndRunStops(t *testing.T) {
	st := store.NewMemory()
	msgs := make([]store.Message, 12)
	for i := range msgs {
		msgs[i] = store.Message{Payload: []byte{byte(i)}}
	}
	if _, err := store.Enqueue(context.Background(), st, hook, msgs...); err != nil {
		t.Fatal(err)
	}
	var running, most, handled atomic.Int32
	var mu sync.Mutex
	gate := make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	w := store.Worker{Store: st, Scope: hook, Batch: 4, Concurrency: 4, Poll: 5 * time.Millisecond,
		Handle: func(context.Context, store.Delivery) error {
			n := running.Add(1)
			mu.Lock()
			if n > most.Load() {
				most.Store(n)
			}
			mu.Unlock()
			if n == 4 {
				close(gate) // the fourth of the first batch lets all go
			}
			<-gate
			running.Add(-1)
			if handled.Add(1) == 12 {
				cancel()
			}
			return nil
		}}
	if err := w.Run(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v", err)
	}
	if most.Load() != 4 || handled.Load() != 12 {
		t.Fatalf("%d handled, at most %d at once", handled.Load(), most.Load())
	}
	// A closed store ends Run; a Worker without a store or handler says so.
	st.Close()
	if err := (&store.Worker{Store: st, Scope: hook, Handle: w.Handle}).Run(context.Background()); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("Run on a closed store: %v", err)
	}
	if _, err := (&store.Worker{Scope: hook}).Drain(context.Background()); err == nil {
		t.Fatal("a Worker without a store drained")
	}
}

func TestHoldLeaseRenewsReleasesAndStopsWhenLost(t *testing.T) {
	ctx := context.Background()
	clock := storetest.NewClock(storetest.T0)
	st := store.NewMemory(store.WithClock(clock.Now))
	scope := store.Scope{Flow: "pipeline", Tenant: "kommun-1"}
	ttl := 300 * time.Millisecond
	// While held (and renewed past several time-to-lives), nobody else gets it.
	err := store.HoldLease(ctx, st, scope, "sds", "", ttl, func(ctx context.Context, l store.Lease) error {
		if l.Token != 1 || !strings.Contains(l.Holder, "/") {
			t.Errorf("lease %+v", l)
		}
		for range 4 {
			time.Sleep(ttl / 3)
			clock.Advance(ttl / 3)
			if err := store.HoldLease(ctx, st, scope, "sds", "other", ttl, func(context.Context, store.Lease) error { return nil }); !errors.Is(err, store.ErrLeaseHeld) {
				t.Errorf("a second holder: %v", err)
			}
		}
		return store.UpdateFenced(ctx, st, scope, l, func(tx store.Tx) error { return tx.SetValue("ran", nil) })
	})
	if err != nil {
		t.Fatal(err)
	}
	// Released at once: the next holder need not wait, and gets the next token.
	boom := errors.New("boom")
	err = store.HoldLease(ctx, st, scope, "sds", "next", ttl, func(ctx context.Context, l store.Lease) error {
		if l.Token != 2 {
			t.Errorf("next token %d", l.Token)
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("fn's error: %v", err)
	}
	// Taken over while paused past its expiry: fn's context ends with ErrLeaseLost, its
	// fenced writes are refused, and HoldLease says so.
	err = store.HoldLease(ctx, st, scope, "sds", "paused", ttl, func(ctx context.Context, l store.Lease) error {
		clock.Advance(2 * time.Hour)
		if err := st.Update(context.Background(), scope, func(tx store.Tx) error {
			_, err := tx.AcquireLease("sds", "usurper", time.Hour)
			return err
		}); err != nil {
			t.Errorf("takeover: %v", err)
		}
		<-ctx.Done() // at the keeper's next renewal
		if !errors.Is(context.Cause(ctx), store.ErrLeaseLost) {
			t.Errorf("cause %v", context.Cause(ctx))
		}
		return store.UpdateFenced(context.Background(), st, scope, l, func(tx store.Tx) error { return tx.SetValue("stale", nil) })
	})
	if !errors.Is(err, store.ErrLeaseLost) {
		t.Fatalf("HoldLease after a takeover: %v", err)
	}
}
