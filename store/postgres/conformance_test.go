package postgres_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/store/sqlite"
	"github.com/edusync/edusync/store/storetest"
)

func TestConformance(t *testing.T) {
	needServer(t)
	storetest.Run(t, func(t *testing.T, opts ...store.Option) store.Store {
		return open(t, opts...)
	})
}

// TestCopy moves state between PostgreSQL and SQLite both ways, and between two schemas: how an
// operator moves a deployment that outgrew one SQLite file (and back, should that be needed).
func TestCopy(t *testing.T) {
	needServer(t)
	pg := func(t *testing.T, opts ...store.Option) store.Store { return open(t, opts...) }
	lite := func(t *testing.T, opts ...store.Option) store.Store {
		st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "state.db"), opts...)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	t.Run("SQLiteToPostgreSQL", func(t *testing.T) { storetest.RunCopy(t, lite, pg) })
	t.Run("PostgreSQLToSQLite", func(t *testing.T) { storetest.RunCopy(t, pg, lite) })
	t.Run("PostgreSQLToPostgreSQL", func(t *testing.T) { storetest.RunCopy(t, pg, pg) })
}
