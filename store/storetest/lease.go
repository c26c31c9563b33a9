package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/edusync/edusync/store"
)

var pipelines = store.Scope{Flow: "pipeline", Tenant: "kommun-1"}

func acquire(st store.Store, scope store.Scope, name, holder string, ttl time.Duration) (store.Lease, error) {
	var l store.Lease
	err := st.Update(ctx, scope, func(tx store.Tx) error {
		var err error
		l, err = tx.AcquireLease(name, holder, ttl)
		return err
	})
	return l, err
}

func (s suite) leases(t *testing.T) {
	clock := NewClock(T0)
	st := s.store(t, store.WithClock(clock.Now))
	view(t, st, pipelines, func(tx store.Tx) error {
		_, err := tx.Lease("sds")
		is(t, err, store.ErrNotFound)
		return nil
	})
	a := must(acquire(st, pipelines, "sds", "host-a", time.Minute))(t)
	if a.Scope != pipelines || a.Name != "sds" || a.Holder != "host-a" || a.Token != 1 || !a.Acquired.Equal(T0) || !a.Expires.Equal(T0.Add(time.Minute)) {
		t.Fatalf("first lease %+v", a)
	}
	if !a.Held(T0) || a.Held(T0.Add(time.Minute)) {
		t.Fatal("Held wrong")
	}
	// The holder acquiring again renews it with the same token.
	clock.Advance(10 * time.Second)
	again := must(acquire(st, pipelines, "sds", "host-a", time.Minute))(t)
	if again.Token != 1 || !again.Expires.Equal(T0.Add(70*time.Second)) || !again.Acquired.Equal(T0) {
		t.Fatalf("re-acquired lease %+v", again)
	}
	// Another holder is refused, without dooming its transaction.
	update(t, st, pipelines, func(tx store.Tx) error {
		_, err := tx.AcquireLease("sds", "host-b", time.Minute)
		is(t, err, store.ErrLeaseHeld)
		if errors.Is(err, store.ErrLeaseLost) || store.IsPermanent(err) {
			t.Fatalf("ErrLeaseHeld also matches other classes: %v", err)
		}
		return tx.SetValue("written anyway", nil)
	})
	view(t, st, pipelines, func(tx store.Tx) error {
		must(tx.Value("written anyway"))(t)
		l := must(tx.Lease("sds"))(t)
		if l.Holder != "host-a" || l.Token != 1 {
			t.Fatalf("lease after a refused acquisition: %+v", l)
		}
		if n := must(tx.Stats())(t).Leases; n != 1 {
			t.Fatalf("Stats.Leases %d", n)
		}
		return nil
	})
	// Names and scopes are separate leases.
	must(acquire(st, pipelines, "oneroster", "host-b", time.Minute))(t)
	if l := must(acquire(st, store.Scope{Flow: "pipeline", Tenant: "kommun-2"}, "sds", "host-b", time.Minute))(t); l.Token != 1 {
		t.Fatalf("lease in another scope %+v", l)
	}
	// Renew extends; release frees at once, and the next holder gets a higher token.
	clock.Advance(30 * time.Second)
	update(t, st, pipelines, func(tx store.Tx) error {
		r := must(tx.RenewLease(a, 2*time.Minute))(t)
		if r.Token != 1 || !r.Expires.Equal(clock.Now().Add(2*time.Minute)) {
			t.Fatalf("renewed %+v", r)
		}
		return nil
	})
	update(t, st, pipelines, func(tx store.Tx) error { return tx.ReleaseLease(a) })
	view(t, st, pipelines, func(tx store.Tx) error {
		l := must(tx.Lease("sds"))(t)
		if l.Holder != "" || !l.Expires.IsZero() || l.Token != 1 || l.Held(clock.Now()) {
			t.Fatalf("released lease %+v", l)
		}
		return nil
	})
	b := must(acquire(st, pipelines, "sds", "host-b", time.Minute))(t)
	if b.Token != 2 || !b.Acquired.Equal(clock.Now()) {
		t.Fatalf("lease after release %+v", b)
	}
	// A's lease is lost: renewing fails (and dooms), releasing is a no-op.
	err := st.Update(ctx, pipelines, func(tx store.Tx) error {
		_, err := tx.RenewLease(a, time.Minute)
		is(t, err, store.ErrLeaseLost)
		return nil
	})
	is(t, err, store.ErrLeaseLost)
	update(t, st, pipelines, func(tx store.Tx) error { return tx.ReleaseLease(a) })
	view(t, st, pipelines, func(tx store.Tx) error {
		if l := must(tx.Lease("sds"))(t); l.Holder != "host-b" || l.Token != 2 {
			t.Fatalf("a stale holder's release freed another's lease: %+v", l)
		}
		return nil
	})
	// A holder that released and acquires again is a new holding: a new token.
	update(t, st, pipelines, func(tx store.Tx) error { return tx.ReleaseLease(b) })
	if b2 := must(acquire(st, pipelines, "sds", "host-b", time.Minute))(t); b2.Token != 3 {
		t.Fatalf("re-acquired after release: token %d, want 3", b2.Token)
	}
}

func (s suite) leaseTakeover(t *testing.T) {
	clock := NewClock(T0)
	st := s.store(t, store.WithClock(clock.Now))
	a := must(acquire(st, pipelines, "sds", "host-a", time.Minute))(t)
	clock.Advance(time.Minute - time.Microsecond)
	_, err := acquire(st, pipelines, "sds", "host-b", time.Minute)
	is(t, err, store.ErrLeaseHeld)
	// Expired but not taken over: the holder is still current, its fenced writes go through.
	clock.Advance(time.Second)
	ok(t, store.UpdateFenced(ctx, st, pipelines, a, func(tx store.Tx) error { return tx.SetValue("by a, late", nil) }))
	// Taken over: the token grows; a's fenced writes are refused and leave nothing behind.
	b := must(acquire(st, pipelines, "sds", "host-b", time.Minute))(t)
	if b.Token != a.Token+1 || b.Holder != "host-b" {
		t.Fatalf("took over %+v from %+v", b, a)
	}
	err = store.UpdateFenced(ctx, st, pipelines, a, func(tx store.Tx) error { return tx.SetValue("by a, stale", nil) })
	is(t, err, store.ErrLeaseLost)
	// The fence holds from another scope's transaction too, and dooms it.
	records := store.Scope{Flow: "sds-target", Tenant: "kommun-1"}
	err = st.Update(ctx, records, func(tx store.Tx) error {
		ok(t, tx.SetValue("by a, elsewhere", nil))
		return tx.CheckLease(a)
	})
	is(t, err, store.ErrLeaseLost)
	err = st.Update(ctx, records, func(tx store.Tx) error {
		ok(t, tx.SetValue("by a, ignored", nil))
		_ = tx.CheckLease(a) // ignored: the transaction is doomed all the same
		return nil
	})
	is(t, err, store.ErrLeaseLost)
	ok(t, store.UpdateFenced(ctx, st, records, b, func(tx store.Tx) error { return tx.SetValue("by b", nil) }))
	view(t, st, pipelines, func(tx store.Tx) error {
		must(tx.Value("by a, late"))(t)
		_, err := tx.Value("by a, stale")
		is(t, err, store.ErrNotFound)
		return nil
	})
	view(t, st, records, func(tx store.Tx) error {
		vs := must(tx.Values(""))(t)
		if len(vs) != 1 || vs[0].Key != "by b" {
			t.Fatalf("values written under the fence: %v", vs)
		}
		ok(t, tx.CheckLease(b)) // a read: allowed in a View
		return nil
	})
	// A lease of a scope that never had one is lost too, not found nowhere.
	ghost := store.Lease{Scope: store.Scope{Flow: "nobody"}, Name: "x", Holder: "h", Token: 1}
	is(t, st.View(ctx, records, func(tx store.Tx) error { return tx.CheckLease(ghost) }), store.ErrLeaseLost)
}

// leaseRace: holders in many goroutines race for one lease; exactly one wins each round.
func (s suite) leaseRace(t *testing.T) {
	clock := NewClock(T0)
	st := s.store(t, store.WithClock(clock.Now))
	const holders, rounds = 8, 5
	var last int64
	for round := range rounds {
		var mu sync.Mutex
		var won []store.Lease
		var wg sync.WaitGroup
		for h := range holders {
			wg.Go(func() {
				l, err := acquire(st, pipelines, "sds", fmt.Sprintf("holder-%d-%d", round, h), time.Minute)
				switch {
				case err == nil:
					mu.Lock()
					won = append(won, l)
					mu.Unlock()
				case !errors.Is(err, store.ErrLeaseHeld):
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if len(won) != 1 {
			t.Fatalf("round %d: %d holders won the lease: %+v", round, len(won), won)
		}
		if won[0].Token <= last {
			t.Fatalf("round %d: token %d after %d", round, won[0].Token, last)
		}
		last = won[0].Token
		if round%2 == 0 {
			update(t, st, pipelines, func(tx store.Tx) error { return tx.ReleaseLease(won[0]) })
		} else {
			clock.Advance(time.Minute) // expiry instead of release
		}
	}
}
