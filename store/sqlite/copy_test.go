package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/store/storetest"
)

// TestCopy moves a store's contents into another file (store/postgres's tests move them to
// PostgreSQL and back).
func TestCopy(t *testing.T) {
	opener := func(t *testing.T, opts ...store.Option) store.Store {
		return open(t, filepath.Join(t.TempDir(), "state.db"), opts...)
	}
	storetest.RunCopy(t, opener, opener)
}
