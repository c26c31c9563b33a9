package storetest

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edusync/edusync/store"
)

var hooks = store.Scope{Flow: "inspera-hook", Tenant: "uib"}

// pnr is a Swedish personnummer (valid check digit), which error texts kept by the store
// must mask.
const pnr = "19900101-2389"

func enqueue(t *testing.T, st store.Store, scope store.Scope, msgs ...store.Message) []store.Enqueued {
	t.Helper()
	return must(store.Enqueue(ctx, st, scope, msgs...))(t)
}

func claim(t *testing.T, st store.Store, scope store.Scope, n int, vis time.Duration) []store.Delivery {
	t.Helper()
	var out []store.Delivery
	update(t, st, scope, func(tx store.Tx) error {
		var err error
		out, err = tx.Claim(n, vis)
		return err
	})
	return out
}

func ack(st store.Store, scope store.Scope, d store.Delivery) error {
	return st.Update(ctx, scope, func(tx store.Tx) error { return tx.Ack(d) })
}

func nack(t *testing.T, st store.Store, scope store.Scope, d store.Delivery, at time.Time, cause error) store.Delivery {
	t.Helper()
	var out store.Delivery
	update(t, st, scope, func(tx store.Tx) error {
		var err error
		out, err = tx.Nack(d, at, cause)
		return err
	})
	return out
}

func payloads(ds []store.Delivery) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = string(d.Payload)
	}
	return out
}

func want(t *testing.T, got []store.Delivery, payloads_ ...string) {
	t.Helper()
	if g := payloads(got); !slices.Equal(g, payloads_) {
		t.Fatalf("delivered %q, want %q", g, payloads_)
	}
}

func (s suite) queue(t *testing.T) {
	clock := NewClock(T0)
	st := s.store(t, store.WithClock(clock.Now))
	view(t, st, hooks, func(tx store.Tx) error {
		if ms := must(tx.Messages(0))(t); len(ms) != 0 {
			t.Fatalf("empty queue lists %v", ms)
		}
		return nil
	})
	if ds := claim(t, st, hooks, 10, time.Minute); len(ds) != 0 {
		t.Fatalf("claimed %v from an empty queue", ds)
	}
	ids := enqueue(t, st, hooks, store.Message{Payload: []byte("a")}, store.Message{Payload: []byte("b")}, store.Message{Payload: []byte("c")})
	if ids[0].ID <= 0 || ids[1].ID <= ids[0].ID || ids[2].ID <= ids[1].ID || ids[0].Duplicate {
		t.Fatalf("Enqueue returned %+v", ids)
	}
	view(t, st, hooks, func(tx store.Tx) error {
		st := must(tx.Stats())(t)
		if st.Queued != 3 || st.DeadMessages != 0 {
			t.Fatalf("Stats %+v", st)
		}
		want(t, must(tx.Messages(2))(t), "a", "b")
		return nil
	})
	got := claim(t, st, hooks, 2, time.Minute)
	want(t, got, "a", "b")
	d := got[0]
	if d.ID != ids[0].ID || d.Attempt != 1 || d.MaxAttempts != 5 || !d.Enqueued.Equal(T0) || !d.Due.Equal(T0.Add(time.Minute)) || d.Dead {
		t.Fatalf("delivery %+v", d)
	}
	want(t, claim(t, st, hooks, 10, time.Minute), "c") // a and b are claimed
	if ds := claim(t, st, hooks, 10, time.Minute); len(ds) != 0 {
		t.Fatalf("claimed %q twice", payloads(ds))
	}
	ok(t, ack(st, hooks, d))
	// Acknowledging again fails, and dooms its transaction.
	err := st.Update(ctx, hooks, func(tx store.Tx) error {
		ok(t, tx.SetValue("with the second ack", nil))
		return tx.Ack(d)
	})
	is(t, err, store.ErrClaimLost)
	view(t, st, hooks, func(tx store.Tx) error {
		_, err := tx.Value("with the second ack")
		is(t, err, store.ErrNotFound)
		want(t, must(tx.Messages(0))(t), "b", "c")
		return nil
	})
	ok(t, ack(st, hooks, got[1]))
	// Extend keeps a claim for longer.
	clock.Advance(50 * time.Second)
	var c store.Delivery
	update(t, st, hooks, func(tx store.Tx) error {
		c = must(tx.Extend(must(tx.Messages(0))(t)[0], 5*time.Minute))(t)
		return nil
	})
	if !c.Due.Equal(clock.Now().Add(5 * time.Minute)) {
		t.Fatalf("extended to %v", c.Due)
	}
	clock.Advance(time.Minute)
	if ds := claim(t, st, hooks, 10, time.Minute); len(ds) != 0 {
		t.Fatal("an extended claim ran out at its first visibility timeout")
	}
	ok(t, ack(st, hooks, c))
	view(t, st, hooks, func(tx store.Tx) error {
		if st := must(tx.Stats())(t); st.Queued != 0 {
			t.Fatalf("Stats after acknowledging everything %+v", st)
		}
		return nil
	})
	// Delayed delivery.
	enqueue(t, st, hooks, store.Message{Payload: []byte("later"), NotBefore: clock.Now().Add(time.Hour)})
	if ds := claim(t, st, hooks, 10, time.Minute); len(ds) != 0 {
		t.Fatal("a delayed message was delivered early")
	}
	clock.Advance(time.Hour)
	want(t, claim(t, st, hooks, 10, time.Minute), "later")
	// Queues of other scopes are separate; ids grow across scopes.
	other := store.Scope{Flow: "wiseflow-hook", Tenant: "uib"}
	oid := enqueue(t, st, other, store.Message{Payload: []byte("other")})[0].ID
	if oid <= ids[2].ID {
		t.Fatalf("id %d in another scope after %d", oid, ids[2].ID)
	}
	if ds := claim(t, st, hooks, 10, time.Minute); len(ds) != 0 {
		t.Fatalf("claimed another scope's message %q", payloads(ds))
	}
	want(t, claim(t, st, other, 10, time.Minute), "other")
}

// queueRedelivery: a worker that crashes between Claim and Ack has its message delivered
// again once the visibility timeout has passed, and its late Ack is refused.
func (s suite) queueRedelivery(t *testing.T) {
	clock := NewClock(T0)
	st := s.store(t, store.WithClock(clock.Now))
	enqueue(t, st, hooks, store.Message{Payload: []byte("m")})
	first := claim(t, st, hooks, 1, time.Minute)[0]
	// The worker crashes here: no Ack, no Nack.
	clock.Advance(time.Minute - time.Microsecond)
	if ds := claim(t, st, hooks, 1, time.Minute); len(ds) != 0 {
		t.Fatal("redelivered before the visibility timeout")
	}
	clock.Advance(time.Microsecond)
	again := claim(t, st, hooks, 1, time.Minute)
	want(t, again, "m")
	if again[0].ID != first.ID || again[0].Attempt != 2 {
		t.Fatalf("redelivery %+v after %+v", again[0], first)
	}
	is(t, ack(st, hooks, first), store.ErrClaimLost)
	err := st.Update(ctx, hooks, func(tx store.Tx) error {
		_, err := tx.Nack(first, T0, errors.New("late"))
		return err
	})
	is(t, err, store.ErrClaimLost)
	err = st.Update(ctx, hooks, func(tx store.Tx) error {
		_, err := tx.Extend(first, time.Minute)
		return err
	})
	is(t, err, store.ErrClaimLost)
	ok(t, ack(st, hooks, again[0]))

	// A claim that ran out but was not taken again still acknowledges.
	enqueue(t, st, hooks, store.Message{Payload: []byte("slow")})
	slow := claim(t, st, hooks, 1, time.Minute)[0]
	clock.Advance(time.Hour)
	ok(t, ack(st, hooks, slow))
	if ds := claim(t, st, hooks, 1, time.Minute); len(ds) != 0 {
		t.Fatal("an acknowledged message was delivered again")
	}

	// A message whose every delivery runs out (it crashes its worker) is dead-lettered.
	enqueue(t, st, hooks, store.Message{Payload: []byte("poison"), MaxAttempts: 2})
	for i := 1; i <= 2; i++ {
		ds := claim(t, st, hooks, 1, time.Minute)
		if len(ds) != 1 || ds[0].Attempt != i {
			t.Fatalf("delivery %d: %+v", i, ds)
		}
		clock.Advance(time.Minute)
	}
	if ds := claim(t, st, hooks, 1, time.Minute); len(ds) != 0 {
		t.Fatalf("delivered a third time: %+v", ds)
	}
	view(t, st, hooks, func(tx store.Tx) error {
		dead := must(tx.DeadMessages(0))(t)
		if len(dead) != 1 || string(dead[0].Payload) != "poison" || !strings.Contains(dead[0].Reason, "not acknowledged after 2 deliveries") {
			t.Fatalf("dead letters %+v", dead)
		}
		return nil
	})
}

func (s suite) queueRetry(t *testing.T) {
	clock := NewClock(T0)
	st := s.store(t, store.WithClock(clock.Now), store.WithMaxAttempts(3))
	enqueue(t, st, hooks, store.Message{Payload: []byte("m")}, store.Message{Payload: []byte("n"), MaxAttempts: 1})
	ds := claim(t, st, hooks, 2, time.Minute)
	want(t, ds, "m", "n")
	cause := fmt.Errorf("canvas refused student %s: 503", pnr)
	after := nack(t, st, hooks, ds[0], clock.Now().Add(5*time.Minute), cause)
	if after.Dead || after.Attempt != 1 || !after.Due.Equal(clock.Now().Add(5*time.Minute)) || strings.Contains(after.LastError, pnr) || !strings.Contains(after.LastError, "503") {
		t.Fatalf("after Nack %+v", after)
	}
	// n has MaxAttempts 1: its first failure dead-letters it and says why.
	dead := nack(t, st, hooks, ds[1], clock.Now(), cause)
	if !dead.Dead || !dead.DeadAt.Equal(clock.Now()) || !strings.Contains(dead.Reason, "gave up after 1 attempts") || !strings.Contains(dead.Reason, "503") || strings.Contains(dead.Reason, pnr) {
		t.Fatalf("dead letter %+v", dead)
	}
	clock.Advance(5*time.Minute - time.Microsecond)
	if got := claim(t, st, hooks, 10, time.Minute); len(got) != 0 {
		t.Fatalf("retried before its time: %q", payloads(got))
	}
	clock.Advance(time.Microsecond)
	for attempt := 2; attempt <= 3; attempt++ {
		got := claim(t, st, hooks, 10, time.Minute)
		if len(got) != 1 || got[0].Attempt != attempt || got[0].LastError != after.LastError {
			t.Fatalf("retry %d: %+v", attempt, got)
		}
		after = nack(t, st, hooks, got[0], clock.Now(), errors.New("still 503"))
	}
	if !after.Dead || after.Reason != "gave up after 3 attempts: still 503" {
		t.Fatalf("after the last attempt %+v", after)
	}
	if got := claim(t, st, hooks, 10, time.Minute); len(got) != 0 {
		t.Fatalf("a dead letter was delivered: %q", payloads(got))
	}
	// A permanent failure dead-letters at once.
	enqueue(t, st, hooks, store.Message{Payload: []byte("p")})
	p := nack(t, st, hooks, claim(t, st, hooks, 1, time.Minute)[0], clock.Now(), store.Permanent(errors.New("no such exam")))
	if !p.Dead || p.Reason != "permanent failure: no such exam" {
		t.Fatalf("permanent failure %+v", p)
	}
	var deadIDs []int64
	view(t, st, hooks, func(tx store.Tx) error {
		dead := must(tx.DeadMessages(0))(t)
		want(t, dead, "n", "m", "p") // in the order they died
		for _, d := range dead {
			deadIDs = append(deadIDs, d.ID)
		}
		want(t, must(tx.DeadMessages(1))(t), "n")
		if st := must(tx.Stats())(t); st.Queued != 0 || st.DeadMessages != 3 {
			t.Fatalf("Stats %+v", st)
		}
		return nil
	})
	// An operator requeues one and deletes another.
	update(t, st, hooks, func(tx store.Tx) error {
		ok(t, tx.RequeueMessage(deadIDs[1], time.Time{}))
		ok(t, tx.DeleteMessage(deadIDs[2]))
		is(t, tx.RequeueMessage(deadIDs[2], time.Time{}), store.ErrNotFound)
		is(t, tx.DeleteMessage(99999), store.ErrNotFound)
		return nil
	})
	got := claim(t, st, hooks, 10, time.Minute)
	if len(got) != 1 || string(got[0].Payload) != "m" || got[0].Attempt != 1 || got[0].Dead || got[0].Reason != "" {
		t.Fatalf("requeued message delivered as %+v", got)
	}
	ok(t, ack(st, hooks, got[0]))
	view(t, st, hooks, func(tx store.Tx) error {
		want(t, must(tx.DeadMessages(0))(t), "n")
		return nil
	})
	// Requeued for later.
	update(t, st, hooks, func(tx store.Tx) error { return tx.RequeueMessage(deadIDs[0], clock.Now().Add(time.Hour)) })
	if got := claim(t, st, hooks, 10, time.Minute); len(got) != 0 {
		t.Fatal("requeued for later, delivered now")
	}
	clock.Advance(time.Hour)
	want(t, claim(t, st, hooks, 10, time.Minute), "n")
}

func (s suite) queueDedup(t *testing.T) {
	clock := NewClock(T0)
	st := s.store(t, store.WithClock(clock.Now), store.WithDedupWindow(time.Hour), store.WithPurgeEvery(0))
	first := enqueue(t, st, hooks, store.Message{Key: "delivery-1", Payload: []byte("1")})[0]
	dup := enqueue(t, st, hooks, store.Message{Key: "delivery-1", Payload: []byte("1 again")})[0]
	if !dup.Duplicate || dup.ID != first.ID {
		t.Fatalf("duplicate enqueued as %+v (first %+v)", dup, first)
	}
	// Still a duplicate after it was handled, within the window.
	d := claim(t, st, hooks, 10, time.Minute)
	want(t, d, "1")
	if d[0].Key != "delivery-1" {
		t.Fatalf("delivery key %q", d[0].Key)
	}
	ok(t, ack(st, hooks, d[0]))
	clock.Advance(time.Hour - time.Microsecond)
	if e := enqueue(t, st, hooks, store.Message{Key: "delivery-1"})[0]; !e.Duplicate {
		t.Fatal("a duplicate within the window was enqueued")
	}
	// After the window, the key is free again.
	clock.Advance(time.Microsecond)
	if e := enqueue(t, st, hooks, store.Message{Key: "delivery-1", Payload: []byte("1 resent")})[0]; e.Duplicate || e.ID == first.ID {
		t.Fatalf("after the window: %+v", e)
	}
	want(t, claim(t, st, hooks, 10, time.Minute), "1 resent")
	// Keys are per scope; a message may have its own window.
	if e := enqueue(t, st, store.Scope{Flow: "wiseflow-hook", Tenant: "uib"}, store.Message{Key: "delivery-1"})[0]; e.Duplicate {
		t.Fatal("a key of another scope counted")
	}
	enqueue(t, st, hooks, store.Message{Key: "short", KeyWindow: time.Minute})
	clock.Advance(time.Minute)
	if e := enqueue(t, st, hooks, store.Message{Key: "short"})[0]; e.Duplicate {
		t.Fatal("Message.KeyWindow ignored")
	}
	// A dead letter releases its key, so that a resend runs again (a content hash whose
	// handling failed).
	enqueue(t, st, hooks, store.Message{Key: "hash-x", Payload: []byte("x"), MaxAttempts: 1})
	var x store.Delivery
	for _, d := range claim(t, st, hooks, 10, time.Minute) {
		if string(d.Payload) == "x" {
			x = d
		} else {
			ok(t, ack(st, hooks, d))
		}
	}
	if dead := nack(t, st, hooks, x, clock.Now(), errors.New("fs: 500")); !dead.Dead {
		t.Fatal("not dead-lettered")
	}
	if e := enqueue(t, st, hooks, store.Message{Key: "hash-x", Payload: []byte("x resent")})[0]; e.Duplicate {
		t.Fatal("a dead letter still holds its key")
	}
	// Deleting a message releases its key as well; a requeued dead letter does not take its
	// key back from the resend.
	update(t, st, hooks, func(tx store.Tx) error { return tx.RequeueMessage(x.ID, time.Time{}) })
	ms := claim(t, st, hooks, 10, time.Minute)
	want(t, ms, "x", "x resent")
	update(t, st, hooks, func(tx store.Tx) error { return tx.DeleteMessage(ms[1].ID) })
	if e := enqueue(t, st, hooks, store.Message{Key: "hash-x"})[0]; e.Duplicate {
		t.Fatal("a deleted message still holds its key")
	}
	// Expired keys are purged.
	clock.Advance(2 * time.Hour)
	if n := must(st.PurgeExpired(ctx))(t); n < 3 {
		t.Fatalf("PurgeExpired removed %d keys", n)
	}
}

// queueOrder: messages of one OrderKey are handed out one at a time, oldest first, while
// other keys go on.
func (s suite) queueOrder(t *testing.T) {
	clock := NewClock(T0)
	st := s.store(t, store.WithClock(clock.Now))
	const ab = "cand-1/exam-7"
	enqueue(t, st, hooks,
		store.Message{OrderKey: ab, Payload: []byte("a1")},
		store.Message{OrderKey: ab, Payload: []byte("a2")},
		store.Message{OrderKey: "cand-2/exam-7", Payload: []byte("b1")},
		store.Message{Payload: []byte("free")},
		store.Message{OrderKey: ab, Payload: []byte("a3")},
		store.Message{OrderKey: "cand-2/exam-7", Payload: []byte("b2")},
	)
	first := claim(t, st, hooks, 10, time.Minute)
	want(t, first, "a1", "b1", "free")
	// a1 fails and waits for its retry: a2 still waits behind it.
	nack(t, st, hooks, first[0], clock.Now().Add(time.Minute), errors.New("503"))
	ok(t, ack(st, hooks, first[1]))
	ok(t, ack(st, hooks, first[2]))
	b2 := claim(t, st, hooks, 10, time.Minute)
	want(t, b2, "b2")
	ok(t, ack(st, hooks, b2[0]))
	clock.Advance(time.Minute)
	a1 := claim(t, st, hooks, 10, time.Minute)
	want(t, a1, "a1")
	ok(t, ack(st, hooks, a1[0]))
	// A claim that runs out keeps the order too.
	a2 := claim(t, st, hooks, 10, time.Minute)
	want(t, a2, "a2")
	clock.Advance(time.Minute)
	a2 = claim(t, st, hooks, 10, time.Minute)
	want(t, a2, "a2")
	// A dead letter leaves the order: the next of its key goes on.
	update(t, st, hooks, func(tx store.Tx) error {
		_, err := tx.Nack(a2[0], clock.Now(), store.Permanent(errors.New("malformed")))
		return err
	})
	a3 := claim(t, st, hooks, 10, time.Minute)
	want(t, a3, "a3")
	ok(t, ack(st, hooks, a3[0]))
	// Requeued, an older message goes before newer ones of its key again.
	enqueue(t, st, hooks, store.Message{OrderKey: ab, Payload: []byte("a4")})
	update(t, st, hooks, func(tx store.Tx) error { return tx.RequeueMessage(a2[0].ID, time.Time{}) })
	want(t, claim(t, st, hooks, 10, time.Minute), "a2")
}

// queueConcurrent: workers in many goroutines claim from one queue; every message is handed
// out exactly once, and never two of one OrderKey at the same time.
func (s suite) queueConcurrent(t *testing.T) {
	st := s.store(t)
	const n, keys = 120, 7
	var msgs []store.Message
	for i := range n {
		msgs = append(msgs, store.Message{OrderKey: fmt.Sprint("k", i%keys), Payload: fmt.Append(nil, i)})
	}
	enqueue(t, st, hooks, msgs...)
	var mu sync.Mutex
	seen := map[string]int{}
	busy := map[string]bool{}
	lastOf := map[string]int{}
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			for {
				var ds []store.Delivery
				err := st.Update(ctx, hooks, func(tx store.Tx) error {
					var err error
					ds, err = tx.Claim(3, time.Hour)
					return err
				})
				if err != nil {
					t.Error(err)
					return
				}
				if len(ds) == 0 {
					mu.Lock()
					done := len(seen) == n
					mu.Unlock()
					if done {
						return
					}
					time.Sleep(time.Millisecond)
					continue
				}
				for _, d := range ds {
					mu.Lock()
					if busy[d.OrderKey] {
						t.Errorf("two messages of %s out at once", d.OrderKey)
					}
					i, _ := strconv.Atoi(string(d.Payload))
					if prev, ok := lastOf[d.OrderKey]; ok && prev > i {
						t.Errorf("%s: message %d after %d", d.OrderKey, i, prev)
					}
					lastOf[d.OrderKey] = i
					busy[d.OrderKey] = true
					seen[string(d.Payload)]++
					mu.Unlock()
				}
				for _, d := range ds {
					mu.Lock()
					busy[d.OrderKey] = false
					mu.Unlock()
					if err := ack(st, hooks, d); err != nil {
						t.Error(err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	if len(seen) != n {
		t.Fatalf("%d of %d messages delivered", len(seen), n)
	}
	for p, c := range seen {
		if c != 1 {
			t.Fatalf("message %s delivered %d times", p, c)
		}
	}
}

func (s suite) queueRollback(t *testing.T) {
	st := s.store(t)
	enqueue(t, st, hooks, store.Message{Key: "k1", Payload: []byte("m")})
	boom := errors.New("boom")
	err := st.Update(ctx, hooks, func(tx store.Tx) error {
		if ds := must(tx.Claim(1, time.Minute))(t); len(ds) != 1 {
			t.Fatal("nothing claimed")
		}
		if e := must(tx.Enqueue(store.Message{Key: "k2", Payload: []byte("rolled back")}))(t); e.Duplicate {
			t.Fatal("k2 a duplicate")
		}
		return boom
	})
	is(t, err, boom)
	// The claim and the enqueue were rolled back: m is due at once, at its first attempt,
	// and k2 is free.
	ds := claim(t, st, hooks, 10, time.Minute)
	if len(ds) != 1 || string(ds[0].Payload) != "m" || ds[0].Attempt != 1 {
		t.Fatalf("after rollback: %+v", ds)
	}
	if e := enqueue(t, st, hooks, store.Message{Key: "k2"})[0]; e.Duplicate {
		t.Fatal("a rolled back enqueue holds its key")
	}
}
