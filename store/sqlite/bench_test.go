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

// BenchmarkStoreCommit measures what a flow does per item, committed durably in a fresh SQLite
// file. unbatched: a feed reader marks an item's processed key and saves the position, one
// transaction per item; batched: 100 items per transaction (the keys of a feed page and the
// position after it, one Apply); queue: a webhook receiver enqueues an item and a worker claims
// and acknowledges it, three transactions per item. The -normal variants use synchronous=NORMAL
// instead of the default FULL. commits/s counts items committed per second (for queue, items
// through all three steps).
func BenchmarkStoreCommit(b *testing.B) {
	for _, bc := range []struct {
		name  string
		batch int
		sync  sqlite.Synchronous
		queue bool
	}{
		{"unbatched", 1, sqlite.SyncFull, false},
		{"batched", 100, sqlite.SyncFull, false},
		{"queue", 1, sqlite.SyncFull, true},
		{"unbatched-normal", 1, sqlite.SyncNormal, false},
		{"batched-normal", 100, sqlite.SyncNormal, false},
		{"queue-normal", 1, sqlite.SyncNormal, true},
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
				if bc.queue {
					queueItem(b, st, i)
					continue
				}
				n := min(bc.batch, b.N-i)
				var batch store.Batch
				for j := range n {
					batch.MarkProcessed(fmt.Sprintf("urn:uuid:%012d", i+j))
				}
				batch.Expires = expires
				batch.SetPosition(store.Position{Cursor: fmt.Sprintf("/handelser/feed/%d", (i+n)/50), Last: fmt.Sprintf("urn:uuid:%012d", i+n-1), Offset: int64((i + n) % 50)})
				if err := st.Update(ctx, scope, func(tx store.Tx) error { return tx.Apply(batch) }); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "commits/s")
		})
	}
}

// queueItem is one webhook delivery through the queue: enqueued with its delivery id as
// de-duplication key, claimed and acknowledged, each step a durable transaction.
func queueItem(b *testing.B, st store.Store, i int) {
	ctx := context.Background()
	scope := store.Scope{Flow: "inspera-hook", Tenant: "uib"}
	payload := []byte(fmt.Sprintf(`{"event":"submission","deliveryId":"%012d"}`, i))
	if _, err := store.Enqueue(ctx, st, scope, store.Message{Key: fmt.Sprintf("delivery-%012d", i), Payload: payload}); err != nil {
		b.Fatal(err)
	}
	var ds []store.Delivery
	err := st.Update(ctx, scope, func(tx store.Tx) error {
		var err error
		ds, err = tx.Claim(1, time.Minute)
		return err
	})
	if err != nil || len(ds) != 1 {
		b.Fatalf("claim: %v %v", ds, err)
	}
	if err := st.Update(ctx, scope, func(tx store.Tx) error { return tx.Ack(ds[0]) }); err != nil {
		b.Fatal(err)
	}
}
