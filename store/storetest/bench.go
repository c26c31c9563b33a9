package storetest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/edusync/edusync/store"
)

// The workloads of BenchmarkStoreCommit, the same for every backend so that their figures
// compare. Each reports commits/s: items committed per second.

// BenchCommit commits b.N feed items into st the way a feed reader does: each item's processed
// key and the position after it, batch items per transaction (one Apply). With writers > 1,
// that many readers of different tenants (scopes) commit at once, as the feed readers of
// several institutions sharing one store do.
func BenchCommit(b *testing.B, st store.Store, batch, writers int) {
	expires := time.Now().Add(30 * 24 * time.Hour)
	var next atomic.Int64
	b.ResetTimer()
	start := time.Now()
	parallel(b, writers, func(w int) {
		scope := store.Scope{Flow: "ladok-feed", Tenant: fmt.Sprint("university-", w)}
		for {
			i := int(next.Add(int64(batch))) - batch
			if i >= b.N {
				return
			}
			n := min(batch, b.N-i)
			var bt store.Batch
			for j := range n {
				bt.MarkProcessed(fmt.Sprintf("urn:uuid:%012d", i+j))
			}
			bt.Expires = expires
			bt.SetPosition(store.Position{Cursor: fmt.Sprintf("/handelser/feed/%d", (i+n)/50), Last: fmt.Sprintf("urn:uuid:%012d", i+n-1), Offset: int64((i + n) % 50)})
			if err := st.Update(context.Background(), scope, func(tx store.Tx) error { return tx.Apply(bt) }); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "commits/s")
}

// BenchQueue passes b.N webhook deliveries through st's queue: each enqueued with its delivery
// id as de-duplication key (one transaction, as a receiver does before it answers 200), then
// claimed and acknowledged by one of workers workers (two more transactions).
func BenchQueue(b *testing.B, st store.Store, workers int) {
	ctx := context.Background()
	scope := store.Scope{Flow: "inspera-hook", Tenant: "uib"}
	var next, done atomic.Int64
	b.ResetTimer()
	start := time.Now()
	parallel(b, workers, func(int) {
		for done.Load() < int64(b.N) {
			if i := next.Add(1) - 1; i < int64(b.N) {
				payload := fmt.Appendf(nil, `{"event":"submission","deliveryId":"%012d"}`, i)
				if _, err := store.Enqueue(ctx, st, scope, store.Message{Key: fmt.Sprintf("delivery-%012d", i), Payload: payload}); err != nil {
					b.Error(err)
					return
				}
			}
			var ds []store.Delivery
			err := st.Update(ctx, scope, func(tx store.Tx) error {
				var err error
				ds, err = tx.Claim(1, time.Minute)
				return err
			})
			if err != nil {
				b.Error(err)
				return
			}
			for _, d := range ds {
				if err := st.Update(ctx, scope, func(tx store.Tx) error { return tx.Ack(d) }); err != nil {
					b.Error(err)
					return
				}
				done.Add(1)
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "commits/s")
}

// parallel runs fn(0) ... fn(n-1) at once and waits for them.
func parallel(b *testing.B, n int, fn func(int)) {
	var wg sync.WaitGroup
	for w := range max(n, 1) {
		wg.Go(func() { fn(w) })
	}
	wg.Wait()
	if b.Failed() {
		b.FailNow()
	}
}
