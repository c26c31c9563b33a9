package sqlite

import (
	"context"
	"errors"
	"path/filepath"
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
