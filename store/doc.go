// Package store keeps the durable state of edusync's event-driven flows (the Ladok feed
// reader, the Ladok->Canvas adapter, the SS 12000 incremental sync, the Schulconnex reconcile
// adapter, webhook and polling flows), so that after a crash a flow neither loses its place
// nor does an effect twice. It is the one place flows keep such state; none invents its own.
//
// # What it holds
//
// Everything belongs to a Scope: a flow and a tenant (a university, a municipality). Per scope:
//
//   - a Position: an opaque cursor (the href of the feed page being read), the id of the last
//     item handled there, a count for items without ids, the source time of that item (for
//     Lag, how far behind the flow is) and when it was saved;
//   - processed keys (Atom entry ids, HandelseUIDs, ...) for de-duplication, each with an
//     expiry, purged by PurgeExpired and, in small batches, by the store itself;
//   - attempts: failed items with their count, last error (personal numbers masked), next try
//     and payload; after the maximum number of attempts (WithMaxAttempts, or Failure.Max) or a
//     permanent failure an item is dead-lettered with its reason, until Requeue;
//   - values: a small key-value area for flow state, typed with Get, Put and List (JSON);
//     e.g. which course offerings share a Canvas course, early-access flags, active
//     suspensions, a serialised ss12000.SyncState, the records a reconcile run created;
//   - timers: fire at a time, survive restarts, fire once; Schedule again to move one,
//     Cancel to drop one.
//
// # Transactions
//
// All reads and writes happen in Update (one writer at a time, serialisable) or View (a
// consistent snapshot, read-only). A flow combines whatever it needs atomically:
//
//	err := st.Update(ctx, scope, func(tx store.Tx) error {
//		if err := tx.MarkProcessed(entry.ID, expiry); err != nil {
//			return err
//		}
//		if err := store.Put(tx, "suspension/"+id, s); err != nil {
//			return err
//		}
//		return tx.SetPosition(store.Position{Cursor: page, Last: entry.ID})
//	})
//
// Update commits only when fn returns nil and every Tx call in it succeeded: an error from any
// Tx method (other than ErrNotFound) dooms the transaction even if fn ignores it, so a
// half-done set of writes never commits. nil from Update means committed; an error means
// nothing of fn's writes was kept. A context that ends, or Close, aborts a running
// transaction, which then rolls back.
//
// Timers fire exactly once when the firing and the effect's bookkeeping share a
// transaction: DueTimers lists what is due, Fire removes a timer as fired, and FireDue runs
// that loop, one transaction per timer. An effect outside the store (a Canvas call) is then
// at least once, and exactly once for the store; keep slow calls out of Update (they hold up
// every other writer of the file) by recording the work in the firing transaction and doing
// it afterwards, with RecordAttempt for its failures.
//
// # Backends
//
// OpenSQLite is the embedded default: one SQLite file (modernc.org/sqlite, pure Go, no cgo)
// in WAL mode with a busy timeout, one writer connection in the process (writers queue in Go,
// each transaction BEGIN IMMEDIATE) and a pool of read-only connections for View,
// synchronous=FULL (see SyncFull), the schema migrated in code at open and a file of a newer
// schema refused. Several processes may share the file. NewMemory has the same semantics in
// memory, for tests. Both pass the conformance suite in package storetest, which a future
// backend (PostgreSQL) runs too. Crash tests kill writers with cancelled contexts, Close in the
// middle of a transaction and SIGKILL, and check that after reopening every item is saved
// completely or not at all, and every acknowledged one is there.
//
// Errors match the sentinels ErrNotFound, ErrClosed, ErrReadOnly, ErrTxDone, ErrInvalid,
// ErrDecode, ErrSchemaTooNew and ErrNotStore with errors.Is, and the context's error when it
// ended a transaction. Keys and items in error messages have personal numbers masked.
package store
