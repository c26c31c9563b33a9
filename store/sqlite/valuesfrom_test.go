package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/edusync/edusync/store"
)

// TestValuesFromLatePagesCostAsTheFirst pages through a long prefix: a page near its end must
// cost about what the first does. Given both the prefix and the after key as lower bounds,
// SQLite started the range at the prefix, so each page scanned every page before it (this
// test on the code before the fix: a page 200 values from the end took 95 ms, the first
// 0.2 ms).
func TestValuesFromLatePagesCostAsTheFirst(t *testing.T) {
	ctx := context.Background()
	st := open(t, filepath.Join(t.TempDir(), "s.db"))
	sc := store.Scope{Flow: "pages"}
	const n = 40_000
	value := make([]byte, 500)
	if err := st.Update(ctx, sc, func(tx store.Tx) error {
		b := store.Batch{}
		for i := range n {
			b.Set(fmt.Sprintf("d/%08d", i), value)
		}
		return tx.Apply(b)
	}); err != nil {
		t.Fatal(err)
	}
	page := func(after string) time.Duration {
		best := time.Hour
		for range 5 {
			start := time.Now()
			if err := st.View(ctx, sc, func(tx store.Tx) error {
				got, err := tx.ValuesFrom("d/", after, 100)
				if err == nil && len(got) != 100 {
					err = fmt.Errorf("%d values after %q", len(got), after)
				}
				return err
			}); err != nil {
				t.Fatal(err)
			}
			best = min(best, time.Since(start))
		}
		return best
	}
	first, last := page(""), page(fmt.Sprintf("d/%08d", n-200))
	t.Logf("first page %s, a late one %s", first, last)
	if last > 20*first+5*time.Millisecond {
		t.Errorf("a page near the end took %s, the first %s", last, first)
	}
}
