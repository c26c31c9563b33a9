package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/edusync/edusync/store/sqlite"
	"github.com/edusync/edusync/store/storetest"
)

// BenchmarkStoreCommit measures what a flow does per item, committed durably in a fresh SQLite
// file (store/postgres has the same cases against PostgreSQL). unbatched: a feed reader marks
// an item's processed key and saves the position, one transaction per item; batched: 100 items
// per transaction (the keys of a feed page and the position after it, one Apply); queue: a
// webhook receiver enqueues an item and a worker claims and acknowledges it, three
// transactions per item. -8tenants: eight feed readers of different tenants commit at once;
// -4workers: four receivers and workers share the queue. The -normal variants use
// synchronous=NORMAL instead of the default FULL. commits/s counts items committed per second
// (for queue, items through all three steps).
func BenchmarkStoreCommit(b *testing.B) {
	for _, bc := range []struct {
		name           string
		batch, writers int
		sync           sqlite.Synchronous
		queue          bool
	}{
		{"unbatched", 1, 1, sqlite.SyncFull, false},
		{"batched", 100, 1, sqlite.SyncFull, false},
		{"queue", 1, 1, sqlite.SyncFull, true},
		{"unbatched-8tenants", 1, 8, sqlite.SyncFull, false},
		{"queue-4workers", 1, 4, sqlite.SyncFull, true},
		{"unbatched-normal", 1, 1, sqlite.SyncNormal, false},
		{"batched-normal", 100, 1, sqlite.SyncNormal, false},
		{"queue-normal", 1, 1, sqlite.SyncNormal, true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			st := open(b, filepath.Join(b.TempDir(), "bench.db"), sqlite.WithSynchronous(bc.sync))
			defer st.Close()
			if bc.queue {
				storetest.BenchQueue(b, st, bc.writers)
			} else {
				storetest.BenchCommit(b, st, bc.batch, bc.writers)
			}
		})
	}
}
