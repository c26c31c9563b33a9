// Package store keeps the durable state of edusync's flows (the Ladok feed reader, the
// Ladok->Canvas adapter, the SS 12000 and Schulconnex syncs, pipelines, webhook receivers and
// pollers), so that after a crash a flow neither loses its place nor does an effect twice, and
// two processes never do the same work at once. It is the one place flows keep such state; none
// invents its own.
//
// Like database/sql and its drivers, this package holds the interfaces (Store, Tx), the helpers
// built on them and an in-memory backend (NewMemory, for tests and examples); the backends that
// persist live beside it: store/sqlite, one SQLite file, the embedded default, and
// store/postgres, a PostgreSQL schema shared by many processes. Importing store,
// or a flow built on it, pulls in no database driver; only the program that opens a backend
// does. The conformance suite in store/storetest defines what every backend does.
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
//   - values: a key-value area for flow state, typed with Get, Put and List (JSON), and read a
//     page at a time in key order with ValuesFrom (ListFrom) where a prefix holds many;
//   - timers: fire at a time, survive restarts, fire once; Schedule again to move one,
//     Cancel to drop one;
//   - leases: named, held by one holder at a time until they expire, with fencing tokens;
//   - a queue of messages: durable on Enqueue, handed out by Claim, finished by Ack or Nack.
//
// # Transactions and batches
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
// Tx method (other than ErrNotFound and ErrLeaseHeld) dooms the transaction even if fn ignores
// it, so a half-done set of writes never commits. nil from Update means committed; an error
// means nothing of fn's writes was kept. A context that ends, or Close, aborts a running
// transaction, which then rolls back.
//
// A Batch gathers many writes (values, deletions, processed keys and a position) for Tx.Apply,
// which a backend makes in a few multi-row statements: how a feed reader commits a page
// (Commit) and a file-set target the records of a file with where it got to.
//
// Timers fire exactly once when the firing and the effect's bookkeeping share a
// transaction: DueTimers lists what is due, Fire removes a timer as fired, and FireDue runs
// that loop, one transaction per timer. An effect outside the store (a Canvas call) is then
// at least once, and exactly once for the store; keep slow calls out of Update (they hold up
// every other writer) by recording the work in the firing transaction and doing it afterwards,
// with RecordAttempt for its failures.
//
// # Leases
//
// A lease keeps two processes from running the same pipeline at once. AcquireLease takes it for
// a holder until it expires; the holder renews it while it works and releases it when done
// (HoldLease does all three around a function, and ends the function's context when the lease
// is lost). An expired lease may be taken over by another holder, which gets a higher fencing
// token. A holder that was paused past its expiry (a long GC, a suspended VM) and then writes
// is refused: UpdateFenced checks, in the writing transaction, that the holder's token is
// still the current one (CheckLease) and otherwise fails with ErrLeaseLost, committing
// nothing.
//
//	err := store.HoldLease(ctx, st, scope, "sds-export", "", time.Minute,
//		func(ctx context.Context, l store.Lease) error {
//			return store.UpdateFenced(ctx, st, scope, l, func(tx store.Tx) error { ... })
//		})
//
// # The queue
//
// A webhook receiver enqueues what it received and answers 200 once Enqueue has returned (the
// message is then committed); a Worker hands the messages to a handler. Claim hands a message
// to one worker for a visibility timeout; Ack removes it when done; Nack puts it back, due at a
// retry time, until its MaxAttempts'th delivery, when it is dead-lettered with the reason. A
// worker that crashes between Claim and Ack has its message delivered again once the timeout
// has passed; its late Ack is refused (ErrClaimLost). A message's Key de-duplicates: a second
// message with the same Key within the window (WithDedupWindow, Message.KeyWindow) is dropped,
// unless the first was dead-lettered, so that a resend after a failure runs again. Messages
// with the same OrderKey are handed out one at a time in the order they were enqueued (a
// candidate's appeal before its grade explanation). DeadMessages lists the dead letters for an
// operator, RequeueMessage and DeleteMessage act on them.
//
//	w := store.Worker{Store: st, Scope: scope, Handle: func(ctx context.Context, d store.Delivery) error {
//		return apply(ctx, d.Payload) // store.Permanent(err) when retrying cannot help
//	}}
//	err := w.Run(ctx)
//
// # Errors
//
// Errors match the sentinels ErrNotFound, ErrClosed, ErrReadOnly, ErrTxDone, ErrInvalid,
// ErrDecode, ErrLeaseHeld, ErrLeaseLost and ErrClaimLost with errors.Is, and the context's error
// when it ended a transaction. Failures that retrying cannot heal match ErrPermanent
// (IsPermanent): a damaged database (ErrCorrupt), another application's (ErrNotStore), a newer
// schema (ErrSchemaTooNew), a file that cannot be written (ErrUnwritable), state that should
// exist and does not (ErrNoState); flows stop on them instead of retrying forever. Keys, items
// and failure texts in errors and in the store have personal numbers masked.
//
// # Backends
//
// store/sqlite keeps everything in one SQLite file (modernc.org/sqlite, pure Go, no cgo) in
// WAL mode, synchronous=FULL by default, checked at Open; several processes may share the
// file. store/postgres keeps it in a PostgreSQL schema that processes on many hosts share
// (writers of a scope take turns, Claim is SELECT ... FOR UPDATE SKIP LOCKED). NewMemory has
// the same semantics in memory, for tests; its state ends with the process. All three pass
// storetest.Run. A backend reads the options with NewConfig and keeps its own ones in
// Config.Backend (BackendOption).
//
// The persistent backends are Exporters and Importers: Copy moves a deployment's whole state
// from one to another (an SQLite file into PostgreSQL when a host outgrows one process).
package store
