package storetest_test

import (
	"context"
	"fmt"
	"time"

	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/store/storetest"
)

// The suite's clock drives a store's time by hand, so that expiry, visibility timeouts and
// leases are tested exactly and at once; tests of flows use it the same way.
func ExampleNewClock() {
	clock := storetest.NewClock(storetest.T0)
	st := store.NewMemory(store.WithClock(clock.Now))
	defer st.Close()
	scope := store.Scope{Flow: "wiseflow-hook", Tenant: "uib"}
	ctx := context.Background()
	_, _ = store.Enqueue(ctx, st, scope, store.Message{Payload: []byte("m")})
	claim := func() int {
		var n int
		_ = st.Update(ctx, scope, func(tx store.Tx) error {
			ds, err := tx.Claim(1, time.Minute)
			n = len(ds)
			return err
		})
		return n
	}
	fmt.Println("claimed:", claim())
	fmt.Println("while the claim lasts:", claim())
	clock.Advance(time.Minute) // the worker died without Ack
	fmt.Println("after the visibility timeout:", claim())
	// Output:
	// claimed: 1
	// while the claim lasts: 0
	// after the visibility timeout: 1
}
