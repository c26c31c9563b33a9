// Package storetest is the conformance suite of package store: the semantics every Store
// implementation has, written once against the interface — positions, processed keys,
// attempts, values, timers, batches, leases with fencing, the durable queue, transactions,
// isolation, cancellation and Close. The memory store, store/sqlite and store/postgres run it
// in their tests; a new backend is done when it passes:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T, opts ...store.Option) store.Store {
//			st, err := mybackend.Open(ctx, dsn, opts...)
//			if err != nil {
//				t.Fatal(err)
//			}
//			return st
//		})
//	}
//
// The opener must return a new, empty store honouring at least store.WithClock,
// store.WithMaxAttempts, store.WithPurgeEvery and store.WithDedupWindow; the suite closes it.
// What only a shared database can show (two processes racing for a lease or a message, a
// process killed between Claim and Ack) the backend tests itself, as store/sqlite and
// store/postgres do.
//
// RunCopy checks that store.Copy moves everything between two backends that are Exporters and
// Importers. BenchCommit and BenchQueue are the workloads of BenchmarkStoreCommit, the same for
// every backend so that their figures compare.
package storetest
