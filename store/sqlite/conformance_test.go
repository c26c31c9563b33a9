package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/store/sqlite"
	"github.com/edusync/edusync/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, opts ...store.Option) store.Store {
		return open(t, filepath.Join(t.TempDir(), "state.db"), opts...)
	})
}

// open opens the store at path or fails the test.
func open(t testing.TB, path string, opts ...store.Option) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), path, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return st
}
