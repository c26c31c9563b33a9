// Package sqlite is the embedded backend of package store: every scope's state in one SQLite
// file (modernc.org/sqlite, pure Go, no cgo), for hosts that run on one machine. Open it and
// hand it to the flows as a store.Store:
//
//	st, err := sqlite.Open(ctx, "/var/lib/edusync/state.db", sqlite.MustExist())
//	if store.IsPermanent(err) {
//		// damaged, foreign, unwritable, or missing: an operator must look; do not retry
//	}
//	defer st.Close()
//
// # Durability
//
// The file is in WAL mode with synchronous=FULL by default: a transaction that Update reported
// committed survives a crash of the process and a power cut (SyncNormal trades the latter for
// speed). Write transactions start with BEGIN IMMEDIATE and queue in Go, one at a time per
// process; several processes may share the file, waiting for each other up to the busy
// timeout (WithBusyTimeout). Views read a consistent snapshot on their own connections
// (WithReaders) and never block the writer. Many keys and a position are committed by one
// Tx.Apply in a few multi-row statements.
//
// # Integrity
//
// Open checks the file before using it: PRAGMA quick_check refuses a damaged file
// (store.ErrCorrupt, naming the file and the first problems found), the application id a
// database of another program (store.ErrNotStore), the schema version one written by a newer
// edusync (store.ErrSchemaTooNew); a file or directory it cannot write is refused
// (store.ErrUnwritable) rather than opened read-only, and with MustExist a missing, empty or
// schema-less file is refused (store.ErrNoState) rather than started afresh. Damage met later,
// in a transaction, is store.ErrCorrupt too. All of these match store.ErrPermanent. The schema
// is migrated in code at Open, in one transaction.
//
// Crash tests kill writers with cancelled contexts, Close in the middle of a transaction and
// SIGKILL of a child process (writing items, working the queue between Claim and Ack, holding
// a lease), and check that after reopening every item is saved completely or not at all, every
// acknowledged one is there, an unacknowledged message is delivered again and a dead holder's
// lease is taken over with its token refused.
package sqlite
