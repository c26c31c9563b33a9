package postgres_test

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/store/storetest"
)

// noise is n bytes from rng, none of them NUL (keys may not hold NUL) and incompressible, so
// that PostgreSQL cannot squeeze a long key into its index by compressing it.
func noise(rng *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(1 + rng.IntN(255))
	}
	return string(b)
}

// state is what a store answers about keys, for comparing two stores.
type state struct {
	Values, Long, Short []store.Entry[[]byte]
	Processed           map[string]bool
	Attempts, Dead      []store.Attempt
	Timers              []store.Timer
	Leases              []store.Lease
	Claimed             []store.Delivery
	Duplicates          []bool
	Errors              []string
}

// keysWorkout does the same with keys in st that TestLongKeys does in the memory store.
func keysWorkout(t *testing.T, st store.Store, keys []string, prefixes []string) state {
	t.Helper()
	var s state
	errText := func(err error) {
		if err != nil {
			s.Errors = append(s.Errors, err.Error())
		}
	}
	errText(st.Update(ctx, scope, func(tx store.Tx) error {
		var bt store.Batch
		for i, k := range keys {
			if err := tx.SetValue(k, []byte{byte(i)}); err != nil {
				return err
			}
			bt.Set("batch/"+k, []byte{byte(i)})
			bt.MarkProcessed(k)
			if err := tx.Schedule(k, storetest.T0, nil); err != nil {
				return err
			}
			if _, err := tx.RecordAttempt(store.Failure{Item: k, Err: errors.New("no"), Permanent: i%2 == 0}); err != nil {
				return err
			}
			if _, err := tx.AcquireLease(k, "holder", time.Minute); err != nil {
				return err
			}
		}
		return tx.Apply(bt)
	}))
	for _, k := range keys {
		es, err := store.Enqueue(ctx, st, hooks, store.Message{Key: k, OrderKey: keys[len(keys)-1], Payload: []byte(k[:1])},
			store.Message{Key: k})
		errText(err)
		for _, e := range es {
			s.Duplicates = append(s.Duplicates, e.Duplicate)
		}
	}
	errText(st.Update(ctx, scope, func(tx store.Tx) error {
		// Deletions through the index: a key, a timer, a processed key, a batch's.
		k := keys[len(keys)-1]
		var bt store.Batch
		bt.Delete("batch/" + keys[0])
		return errors.Join(tx.DeleteValue(k), tx.ForgetProcessed(k), tx.Fire(k), tx.ClearAttempts(k), tx.Apply(bt))
	}))
	errText(st.View(ctx, scope, func(tx store.Tx) error {
		var err error
		if s.Values, err = tx.Values(""); err != nil {
			return err
		}
		if s.Long, err = tx.Values(prefixes[0]); err != nil {
			return err
		}
		if s.Short, err = tx.Values(prefixes[1]); err != nil {
			return err
		}
		if s.Processed, err = tx.Processed(append(keys, prefixes...)...); err != nil {
			return err
		}
		if s.Attempts, err = tx.Attempts(prefixes[0]); err != nil {
			return err
		}
		if s.Dead, err = tx.DeadLetters(""); err != nil {
			return err
		}
		if s.Timers, err = tx.Timers(prefixes[0]); err != nil {
			return err
		}
		for _, k := range keys {
			l, err := tx.Lease(k)
			if err != nil {
				return err
			}
			s.Leases = append(s.Leases, l)
			if err := tx.CheckLease(l); err != nil {
				return err
			}
		}
		return nil
	}))
	for range len(keys) * 2 {
		errText(st.Update(ctx, hooks, func(tx store.Tx) error {
			ds, err := tx.Claim(10, time.Minute)
			for _, d := range ds {
				s.Claimed = append(s.Claimed, d)
				if err := tx.Ack(d); err != nil {
					return err
				}
			}
			return err
		}))
	}
	return s
}

// TestLongKeys: keys far longer than a PostgreSQL index entry can hold (hostile ids from an
// outside system) are kept, found, listed, ordered and de-duplicated as in every other store,
// also when they share their first kilobyte.
func TestLongKeys(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	common := "p/" + noise(rng, 1500)
	keys := []string{
		"short",
		common + "b" + noise(rng, 2000),
		common + "a" + noise(rng, 3000),
		common[:1000] + noise(rng, 5000),
		common[:1024],
		common + "c",
	}
	prefixes := []string{common[:1100], common[:20], common + "z"}
	clock := storetest.NewClock(storetest.T0)
	mem := store.NewMemory(store.WithClock(clock.Now))
	defer mem.Close()
	pg := open(t, store.WithClock(clock.Now))
	defer pg.Close()
	want := keysWorkout(t, mem, keys, prefixes)
	got := keysWorkout(t, pg, keys, prefixes)
	if len(want.Errors) > 0 {
		t.Fatalf("the memory store failed: %v", want.Errors)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("PostgreSQL differs from the memory store (-memory +postgres):\n%.3000s", diff)
	}
	if len(got.Values) != 2*len(keys)-2 || len(got.Long) != 2 || len(got.Claimed) != len(keys) {
		t.Fatalf("the workout did less than it should: %d values, %d long, %d claimed", len(got.Values), len(got.Long), len(got.Claimed))
	}
}

// TestLongScopes: flows and tenants are limited, so that every index entry fits.
func TestLongScopes(t *testing.T) {
	st := open(t)
	defer st.Close()
	long := store.Scope{Flow: "f", Tenant: noise(rand.New(rand.NewPCG(3, 4)), 513)}
	if err := st.Update(ctx, long, func(tx store.Tx) error { return nil }); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("a tenant of 513 bytes: %v, want ErrInvalid", err)
	}
	ok := store.Scope{Flow: noise(rand.New(rand.NewPCG(5, 6)), 512), Tenant: long.Tenant[:512]}
	if err := st.Update(ctx, ok, func(tx store.Tx) error {
		return tx.SetValue(noise(rand.New(rand.NewPCG(7, 8)), 10000), nil)
	}); err != nil {
		t.Fatalf("the longest scope with a long key: %v", err)
	}
}
