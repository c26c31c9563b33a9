package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

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
