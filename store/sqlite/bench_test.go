package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/store/sqlite"
)

// BenchmarkStoreCommit measures what a feed reader does per item: mark its processed key and
// save the position, committed durably, in a fresh SQLite file. unbatched commits every item in
// a transaction of its own; batched commits 100 items per transaction (the keys of a feed page
// and the position after it). The -normal variants use synchronous=NORMAL instead of the
// default FULL. commits/s counts items committed per second.
func BenchmarkStoreCommit(b *testing.B) {
	for _, bc := range []struct {
		name  string
		batch int
		sync  sqlite.Synchronous
	}{
		{"unbatched", 1, sqlite.SyncFull},
		{"batched", 100, sqlite.SyncFull},
		{"unbatched-normal", 1, sqlite.SyncNormal},
		{"batched-normal", 100, sqlite.SyncNormal},
	} {
		b.Run(bc.name, func(b *testing.B) {
			st := open(b, filepath.Join(b.TempDir(), "bench.db"), sqlite.WithSynchronous(bc.sync))
			defer st.Close()
			ctx := context.Background()
			scope := store.Scope{Flow: "ladok-feed", Tenant: "uu"}
			expires := time.Now().Add(30 * 24 * time.Hour)
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i += bc.batch {
				n := min(bc.batch, b.N-i)
				err := st.Update(ctx, scope, func(tx store.Tx) error {
					for j := range n {
						if err := tx.MarkProcessed(fmt.Sprintf("urn:uuid:%012d", i+j), expires); err != nil {
							return err
						}
					}
					return tx.SetPosition(store.Position{Cursor: fmt.Sprintf("/handelser/feed/%d", (i+n)/50), Last: fmt.Sprintf("urn:uuid:%012d", i+n-1), Offset: int64((i + n) % 50)})
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "commits/s")
		})
	}
}
