package postgres_test

import (
	"testing"

	"github.com/edusync/edusync/store/storetest"
)

// BenchmarkStoreCommit has store/sqlite's cases against PostgreSQL (fsync and
// synchronous_commit on, as in production; the server on a Unix socket of this machine, each
// case in a fresh schema): unbatched, one feed item per transaction; batched, 100 per
// transaction; queue, a webhook delivery enqueued, claimed and acknowledged in three
// transactions; -8tenants, eight feed readers of different tenants committing at once;
// -4workers, four receivers and workers sharing one queue. commits/s counts items per second.
func BenchmarkStoreCommit(b *testing.B) {
	for _, bc := range []struct {
		name           string
		batch, writers int
		queue          bool
	}{
		{"unbatched", 1, 1, false},
		{"batched", 100, 1, false},
		{"queue", 1, 1, true},
		{"unbatched-8tenants", 1, 8, false},
		{"queue-4workers", 1, 4, true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			st := open(b)
			defer st.Close()
			if bc.queue {
				storetest.BenchQueue(b, st, bc.writers)
			} else {
				storetest.BenchCommit(b, st, bc.batch, bc.writers)
			}
		})
	}
}
