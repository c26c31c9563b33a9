// Package postgres is the backend of package store for deployments that outgrow one process
// and one SQLite file: every scope's state in a PostgreSQL schema (github.com/jackc/pgx/v5),
// shared by any number of processes on any number of hosts. Open it and hand it to the flows
// as a store.Store:
//
//	st, err := postgres.Open(ctx, "postgres://edusync@db.example.org/edusync", postgres.MustExist())
//	if store.IsPermanent(err) {
//		// a foreign, newer, read-only or missing schema, refused credentials: do not retry
//	}
//	defer st.Close()
//
// Only programs that import this package pull in pgx; store and the flows built on it do not.
//
// # Tenants
//
// Every table is keyed by scope, a flow and a tenant, so one schema serves any number of
// institutions, each scope apart from the others. A service provider that wants institutions
// apart in the database too (each in a schema of its own, granted to its own role, dumped,
// restored and dropped on its own) opens one Store per institution with WithSchema.
//
// # Several processes
//
// What one process gets from SQLite's single writer, several get here from PostgreSQL:
//
//   - Write transactions of one scope run one at a time across every process: an Update takes
//     the scope's lock (a transaction-level advisory lock) at its first operation and holds it
//     to its end, and runs READ COMMITTED, so every statement after the lock sees what the
//     scope's earlier writers committed. A read-modify-write never loses an update, no
//     serialisation failure is ever raised, and fn runs once, never retried behind the
//     caller's back. Different scopes write in parallel.
//   - Claim hands out messages without the scope's lock, with SELECT ... FOR UPDATE SKIP
//     LOCKED, so many workers in many processes claim from one queue at once, each getting
//     other messages; Extend, Ack and Nack lock only their message. Messages of an order key
//     still come one at a time, in order.
//   - Timers fire once: DueTimers and Fire run under the scope's lock, so two processes
//     firing one scope's timers take turns and a timer one has fired is gone for the other.
//   - Leases are rows with fencing tokens; CheckLease of another scope's lease locks its row
//     (FOR SHARE) until the fenced writes have committed, so a takeover waits for them.
//   - Views read one snapshot (REPEATABLE READ, read only) and never wait for a writer.
//
// A process killed in a transaction loses its connection, and the server rolls the
// transaction back and frees its locks at once. A transaction that first claims or finishes
// messages and then writes other state of its scope takes the scope's lock after row locks;
// should a writer holding that lock wait for one of those rows (an operator deleting the
// message), PostgreSQL ends one of the two as a deadlock. That transaction fails with nothing
// committed and can be run again; the error is not permanent. Write the other state first,
// then Ack, and it cannot happen.
//
// A connection lost while COMMIT is under way leaves it open whether the transaction
// committed; Update's error says so. Flows are idempotent (processed keys, de-duplication
// keys), so running the work again does no harm.
//
// # Schema
//
// Open creates the schema (DefaultSchema unless WithSchema) and its tables when missing and
// migrates them in code, in one transaction under a lock, so that processes starting at once do
// not race. Every string is bytea (keys from outside systems need not be valid UTF-8, and
// bytea sorts bytewise whatever the collation); times are microseconds since 1970 UTC. A
// schema holding another application's tables is refused (store.ErrNotStore), as is one
// written by a newer edusync (store.ErrSchemaTooNew), a server or role that cannot write
// (store.ErrUnwritable) and, with MustExist, a schema without the store's tables
// (store.ErrNoState); all of them are permanent. Errors never quote the password.
//
// # Moving from SQLite
//
// Store is a store.Exporter and a store.Importer, as store/sqlite's Store is: store.Copy
// moves a deployment's whole state from its SQLite file into an empty schema in one
// transaction (and back, should that be needed), with processed keys, queued messages in
// flight, lease tokens and timers as they were.
package postgres
