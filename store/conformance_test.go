package store_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/store/storetest"
)

func TestMemoryConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, opts ...store.Option) store.Store {
		return store.NewMemory(opts...)
	})
}

func TestSQLiteConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, opts ...store.Option) store.Store {
		return openSQLite(t, filepath.Join(t.TempDir(), "state.db"), opts...)
	})
}

func openSQLite(t testing.TB, path string, opts ...store.Option) *store.SQLite {
	t.Helper()
	st, err := store.OpenSQLite(context.Background(), path, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return st
}
