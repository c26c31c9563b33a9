package postgres_test

import (
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/edusync/edusync/store"
)

// FuzzKeys feeds any bytes as keys and listing prefixes (ids from outside systems are
// anything) to PostgreSQL and to the memory store, and wants the same answers: what is
// found, what is listed under a prefix and in which order, what is refused.
func FuzzKeys(f *testing.F) {
	needServer(f)
	f.Add("urn:uuid:1", "urn:uuid:2", "urn:")
	f.Add("co/\xff", "co/\xff\xff", "co/\xff")
	f.Add("a\x00b", "", "\x00")
	f.Add(strings.Repeat("x", 1030), strings.Repeat("x", 1024), strings.Repeat("x", 1025))
	f.Add("%_", "_%", "%")
	at := func() time.Time { return time.Date(2026, 8, 31, 7, 30, 0, 0, time.UTC) }
	pg := open(f, store.WithClock(at))
	defer pg.Close()
	var n atomic.Int64
	f.Fuzz(func(t *testing.T, a, b, prefix string) {
		sc := store.Scope{Flow: "fuzz", Tenant: fmt.Sprint(n.Add(1))}
		mem := store.NewMemory(store.WithClock(at))
		defer mem.Close()
		type answer struct {
			Err            []bool
			Values, Listed []store.Entry[[]byte]
			Processed      map[string]bool
			Timers         []store.Timer
		}
		run := func(st store.Store) answer {
			var ans answer
			fail := func(err error) {
				ans.Err = append(ans.Err, err != nil)
				if err != nil && !errors.Is(err, store.ErrInvalid) {
					t.Fatalf("%T: %v", st, err)
				}
			}
			fail(st.Update(ctx, sc, func(tx store.Tx) error { return tx.SetValue(a, []byte(b)) }))
			fail(st.Update(ctx, sc, func(tx store.Tx) error {
				var bt store.Batch
				bt.Set(b, []byte(a))
				bt.MarkProcessed(a, b)
				return tx.Apply(bt)
			}))
			fail(st.Update(ctx, sc, func(tx store.Tx) error { return tx.Schedule(prefix, time.Unix(1, 0), nil) }))
			fail(st.View(ctx, sc, func(tx store.Tx) error {
				var err error
				ans.Values, err = tx.Values("")
				return err
			}))
			fail(st.View(ctx, sc, func(tx store.Tx) error {
				var err error
				ans.Listed, err = tx.Values(prefix)
				return err
			}))
			fail(st.View(ctx, sc, func(tx store.Tx) error {
				var err error
				ans.Processed, err = tx.Processed(a, b, prefix)
				return err
			}))
			fail(st.View(ctx, sc, func(tx store.Tx) error {
				var err error
				ans.Timers, err = tx.Timers(a)
				return err
			}))
			return ans
		}
		if diff := cmp.Diff(run(mem), run(pg)); diff != "" {
			t.Fatalf("keys %q, %q, prefix %q: PostgreSQL differs from the memory store (-memory +postgres):\n%s", a, b, prefix, diff)
		}
	})
}
