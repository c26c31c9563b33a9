package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edusync/edusync/store"
)

// TestDiscardWriter: after a rollback fails, the writer connection is dropped and the next
// write transaction opens a new one; nothing committed is lost.
func TestDiscardWriter(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	scope := store.Scope{Flow: "f"}
	if err := st.Update(ctx, scope, func(tx store.Tx) error { return tx.SetValue("a", nil) }); err != nil {
		t.Fatal(err)
	}
	if _, err := st.writer(ctx); err != nil {
		t.Fatal(err)
	}
	st.discardWriter()
	st.release()
	if err := st.Update(ctx, scope, func(tx store.Tx) error { return tx.SetValue("b", nil) }); err != nil {
		t.Fatal(err)
	}
	err = st.View(ctx, scope, func(tx store.Tx) error {
		vs, err := tx.Values("")
		if err == nil && len(vs) != 2 {
			err = errors.New("values lost")
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestClaimUsesTheOrderIndex: Claim looks up the older messages of an order key in its index;
// a plan that walks the queue instead makes every Claim slower the longer the queue.
func TestClaimUsesTheOrderIndex(t *testing.T) {
	st, err := Open(context.Background(), filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	conn, err := st.w.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rows, err := conn.QueryContext(context.Background(), `EXPLAIN QUERY PLAN SELECT `+messageCols+
		` FROM queue WHERE flow = ?1 AND tenant = ?2 `+claimWhere, "f", "", 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if p := strings.Join(plan, "\n"); !strings.Contains(p, "USING INDEX queue_order") || !strings.Contains(p, "USING INDEX queue_live") {
		t.Fatalf("claim plan:\n%s", p)
	}
}

// TestDroppedReaderClosesItsStatementsFirst: a reader connection dropped after a failure
// finalizes its prepared statements while the connection is still open. database/sql does not
// track statements prepared on a Conn, so finalizing them after the connection closed runs
// SQLite on freed memory (a SIGSEGV in the test that found it).
func TestDroppedReaderClosesItsStatementsFirst(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	scope := store.Scope{Flow: "f"}
	if err := st.Update(ctx, scope, func(tx store.Tx) error { return tx.SetValue("a", []byte("1")) }); err != nil {
		t.Fatal(err)
	}
	for range 50 {
		rc, err := st.reader(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{"SELECT 1", "SELECT 2", "SELECT count(*) FROM kv"} {
			if _, err := rc.prepare(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		st.putReader(rc, false)
	}
	err = st.View(ctx, scope, func(tx store.Tx) error {
		_, err := tx.Value("a")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestCloseWhileViewsRun: Close during Views (some of them failing because Close ended their
// transactions) drops and closes reader connections in the right order and never crashes.
func TestCloseWhileViewsRun(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	scope := store.Scope{Flow: "f"}
	for round := range 20 {
		st, err := Open(ctx, filepath.Join(dir, "state.db"), WithReaders(4))
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Update(ctx, scope, func(tx store.Tx) error { return tx.SetValue("a", []byte("1")) }); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Go(func() {
				for i := 0; ; i++ {
					select {
					case <-done:
						return
					default:
					}
					err := st.View(ctx, scope, func(tx store.Tx) error {
						if _, err := tx.Value("a"); err != nil {
							return err
						}
						if (g+i)%3 == 0 {
							return errors.New("the view's own failure")
						}
						_, err := tx.Values("")
						return err
					})
					if errors.Is(err, store.ErrClosed) {
						return
					}
				}
			})
		}
		time.Sleep(time.Duration(round%5) * time.Millisecond)
		if err := st.Close(); err != nil && !strings.Contains(err.Error(), "closed") {
			t.Errorf("round %d: Close: %v", round, err)
		}
		close(done)
		wg.Wait()
	}
}
