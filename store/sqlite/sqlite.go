package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	msqlite "modernc.org/sqlite" // the "sqlite" database/sql driver, pure Go
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/store/internal/kit"
)

// Store is a store.Store in one SQLite file; it is safe for concurrent use.
//
// The file is in WAL mode, so readers never block the writer nor the writer readers. All
// writes of the process go through one connection, one transaction at a time (SQLite allows one
// writer; queueing writers in Go instead of letting them collide avoids SQLITE_BUSY storms), and
// each write transaction starts with BEGIN IMMEDIATE, so it holds the write lock from its first
// statement and never fails half-way to upgrade a read lock. Other processes using the same
// file wait up to the busy timeout (WithBusyTimeout). Views run on a small pool of read-only
// connections (WithReaders). synchronous is FULL by default (see SyncFull for why).
//
// The schema is versioned in code (PRAGMA user_version, migrations applied at open in one
// transaction); a file written by a newer edusync is refused with store.ErrSchemaTooNew.
type Store struct {
	cfg    store.Config
	sc     config
	path   string
	life   kit.Lifecycle
	w      *sql.DB // the one writer connection
	r      *sql.DB // readers
	writes atomic.Int64

	// The writer: one connection held while the store is open, with its prepared statements.
	// wsem admits one write transaction at a time (waiting honours the context).
	wsem      chan struct{}
	wconn     *sql.Conn
	wstmt     map[string]*sql.Stmt
	purgeMore bool // the last opportunistic purge left expired keys behind

	// The readers: connections held for View and Scopes, each with its prepared statements;
	// nil slots are opened when first needed. A View holds one connection for its whole
	// transaction and prepares on it, so Views never wait on each other for a connection.
	rpool chan *reader
}

// reader is a connection of the readers' pool with its prepared statements.
type reader struct {
	conn *sql.Conn
	stmt map[string]*sql.Stmt
}

func (rc *reader) prepare(ctx context.Context, query string) (*sql.Stmt, error) {
	if st := rc.stmt[query]; st != nil {
		return st, nil
	}
	st, err := rc.conn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	rc.stmt[query] = st
	return st, nil
}

// close finalizes the reader's statements and then closes its connection; with bad, the
// connection is dropped from the pool instead of returned to it. The order matters: database/sql
// does not track statements prepared on a Conn, so a statement finalized after its connection
// closed would run SQLite on freed memory.
func (rc *reader) close(bad bool) error {
	var errs []error
	for _, st := range rc.stmt {
		errs = append(errs, st.Close())
	}
	rc.stmt = nil
	if bad {
		_ = rc.conn.Raw(func(any) error { return driver.ErrBadConn }) // makes database/sql drop it
		return errors.Join(errs...)
	}
	return errors.Join(append(errs, rc.conn.Close())...)
}

var _ store.Store = (*Store)(nil)

// Open opens (creating it when missing, unless MustExist) the store in the SQLite file at
// path, checks it (PRAGMA quick_check) and brings its schema up to date. It refuses, with
// errors that name the file and match store.ErrPermanent: a damaged file (store.ErrCorrupt), a
// database of another application (store.ErrNotStore), one of a newer edusync
// (store.ErrSchemaTooNew), a file or directory it cannot write (store.ErrUnwritable), and
// with MustExist a missing or empty one (store.ErrNoState).
func Open(ctx context.Context, path string, opts ...store.Option) (*Store, error) {
	if path == "" || strings.HasPrefix(path, ":memory:") || strings.HasPrefix(path, "file:") {
		return nil, fmt.Errorf("%w: SQLite store path %q: a file path is needed", store.ErrInvalid, path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", path, err)
	}
	cfg := store.NewConfig(opts...)
	s := &Store{cfg: cfg, sc: newConfig(cfg), path: abs, wsem: make(chan struct{}, 1)}
	s.life.Init()
	if s.sc.mustExist {
		switch fi, err := os.Stat(abs); {
		case errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("store: open %s: %w: the file is missing", abs, store.ErrNoState)
		case err != nil:
			return nil, fmt.Errorf("store: open %s: %w", abs, err)
		case fi.Size() == 0:
			return nil, fmt.Errorf("store: open %s: %w: the file is empty", abs, store.ErrNoState)
		}
	}
	sync := "FULL"
	if s.sc.sync == SyncNormal {
		sync = "NORMAL"
	}
	base := "file:" + (&url.URL{Path: abs}).EscapedPath()
	common := fmt.Sprintf("_pragma=busy_timeout(%d)&_pragma=foreign_keys(1)", s.sc.busyTimeout.Milliseconds())
	s.w, err = sql.Open("sqlite", base+"?"+common+"&_pragma=journal_mode(WAL)&_pragma=synchronous("+sync+")")
	if err != nil {
		return nil, s.openErr(err)
	}
	s.w.SetMaxOpenConns(1)
	s.w.SetMaxIdleConns(1)
	s.w.SetConnMaxLifetime(0)
	s.w.SetConnMaxIdleTime(0)
	if err := s.migrate(ctx); err != nil {
		s.w.Close()
		return nil, err
	}
	s.r, err = sql.Open("sqlite", base+"?"+common+"&_pragma=query_only(1)")
	if err != nil {
		s.w.Close()
		return nil, s.openErr(err)
	}
	s.r.SetMaxOpenConns(s.sc.readers)
	s.r.SetMaxIdleConns(s.sc.readers)
	s.rpool = make(chan *reader, s.sc.readers)
	for range s.sc.readers {
		s.rpool <- nil
	}
	return s, nil
}

// Path is the absolute path of the database file.
func (s *Store) Path() string { return s.path }

// classify marks the SQLite errors that retrying cannot heal as permanent, naming the file: a
// damaged image, a file that is not a database, one that cannot be written or opened.
func (s *Store) classify(err error) error {
	var se *msqlite.Error
	if !errors.As(err, &se) {
		return err
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
		return fmt.Errorf("%w: %s: %w", store.ErrCorrupt, s.path, err)
	case sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM, sqlite3.SQLITE_CANTOPEN:
		return fmt.Errorf("%w: %s: %w", store.ErrUnwritable, s.path, err)
	}
	return err
}

func (s *Store) openErr(err error) error {
	err = s.classify(err)
	if kit.Permanent(err) {
		return fmt.Errorf("store: open: %w", err)
	}
	return fmt.Errorf("store: open %s: %w", s.path, err)
}

// migrate checks the file is sound and ours, and applies the migrations it lacks, in one
// transaction.
func (s *Store) migrate(ctx context.Context) error {
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return s.openErr(err)
	}
	defer conn.Close()
	var mode string
	if err := conn.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return s.openErr(err)
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("store: open %s: journal mode is %q, not WAL (a file system without shared memory?)", s.path, mode)
	}
	if err := s.quickCheck(ctx, conn); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return s.openErr(err)
	}
	committed := false
	defer func() {
		if !committed {
			_, _ = conn.ExecContext(context.Background(), "ROLLBACK") // the error that got us here is what counts
		}
	}()
	var app, version, tables int
	if err := conn.QueryRowContext(ctx, "PRAGMA application_id").Scan(&app); err != nil {
		return s.openErr(err)
	}
	if err := conn.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return s.openErr(err)
	}
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema").Scan(&tables); err != nil {
		return s.openErr(err)
	}
	switch {
	case app != 0 && app != applicationID, app == 0 && (version != 0 || tables != 0):
		return fmt.Errorf("store: open %s: %w", s.path, store.ErrNotStore)
	case version > len(migrations):
		return fmt.Errorf("store: open %s: %w (file has schema %d, this code knows up to %d)", s.path, store.ErrSchemaTooNew, version, len(migrations))
	case version == 0 && s.sc.mustExist:
		return fmt.Errorf("store: open %s: %w: the database holds no edusync state", s.path, store.ErrNoState)
	}
	// Up to date or not, the header is written and committed: SQLite opens a file it may not
	// write read-only without saying so, and a store that cannot write must fail here, not at
	// a flow's first commit.
	for v := version; v < len(migrations); v++ {
		for _, stmt := range migrations[v] {
			if _, err := conn.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("store: open %s: migration %d: %w", s.path, v+1, s.classify(err))
			}
		}
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA application_id = %d", applicationID)); err != nil {
		return s.openErr(err)
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", len(migrations))); err != nil {
		return s.openErr(err)
	}
	if _, err := conn.ExecContext(context.WithoutCancel(ctx), "COMMIT"); err != nil {
		return fmt.Errorf("store: open %s: migrations: %w", s.path, s.classify(err))
	}
	committed = true
	return nil
}

// quickCheck runs SQLite's quick_check (the structure of every page and index, in time linear
// in the file's size) and refuses a damaged file with the first problems it names.
func (s *Store) quickCheck(ctx context.Context, conn *sql.Conn) error {
	rows, err := conn.QueryContext(ctx, "PRAGMA quick_check(3)")
	if err != nil {
		return s.openErr(err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return s.openErr(err)
		}
		if line != "ok" {
			problems = append(problems, kit.Mask(line))
		}
	}
	if err := rows.Err(); err != nil {
		return s.openErr(err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("store: open: %w: %s: quick_check: %s", store.ErrCorrupt, s.path, strings.Join(problems, "; "))
	}
	return nil
}

// Close implements store.Store.
func (s *Store) Close() error {
	if !s.life.Close() {
		return nil
	}
	var errs []error
	if s.wconn != nil {
		for _, st := range s.wstmt {
			errs = append(errs, st.Close())
		}
		errs = append(errs, s.wconn.Close())
		s.wconn, s.wstmt = nil, nil
	}
	for range cap(s.rpool) {
		if rc := <-s.rpool; rc != nil {
			errs = append(errs, rc.close(false))
		}
	}
	return errors.Join(append(errs, s.r.Close(), s.w.Close())...)
}

// writer waits for the writer connection, opening it when needed; release must follow.
func (s *Store) writer(ctx context.Context) (*sql.Conn, error) {
	select {
	case s.wsem <- struct{}{}:
	case <-ctx.Done():
		return nil, kit.CtxErr(ctx)
	}
	if s.wconn == nil {
		conn, err := s.w.Conn(ctx)
		if err != nil {
			<-s.wsem
			return nil, err
		}
		s.wconn, s.wstmt = conn, map[string]*sql.Stmt{}
	}
	return s.wconn, nil
}

func (s *Store) release() { <-s.wsem }

// discardWriter drops the writer connection after a failure that may have left it in an
// unknown state; the next write transaction opens a new one.
func (s *Store) discardWriter() {
	for _, st := range s.wstmt {
		st.Close()
	}
	_ = s.wconn.Raw(func(any) error { return driver.ErrBadConn }) // makes database/sql drop it
	_ = s.wconn.Close()
	s.wconn, s.wstmt = nil, nil
}

// writeStmt returns the writer's prepared statement for query; the caller holds the writer.
func (s *Store) writeStmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st := s.wstmt[query]; st != nil {
		return st, nil
	}
	st, err := s.wconn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	s.wstmt[query] = st
	return st, nil
}

// reader waits for a reader connection, opening it when needed; putReader must follow.
func (s *Store) reader(ctx context.Context) (*reader, error) {
	var rc *reader
	select {
	case rc = <-s.rpool:
	case <-ctx.Done():
		return nil, kit.CtxErr(ctx)
	}
	if rc == nil {
		conn, err := s.r.Conn(ctx)
		if err != nil {
			s.rpool <- nil
			return nil, err
		}
		rc = &reader{conn: conn, stmt: map[string]*sql.Stmt{}}
	}
	return rc, nil
}

// putReader returns rc to the pool, or drops it when it may be in an unknown state.
func (s *Store) putReader(rc *reader, healthy bool) {
	if !healthy {
		_ = rc.close(true)
		rc = nil
	}
	s.rpool <- rc
}

// read runs body in a read transaction on a reader connection: one snapshot from its first
// statement to its end.
func (s *Store) read(ctx context.Context, scope string, body func(context.Context, *reader) error) error {
	txCtx, leave, err := s.life.Enter(ctx)
	if err != nil {
		return fmt.Errorf("store: %s: %w", scope, err)
	}
	defer leave()
	rc, err := s.reader(txCtx)
	if err != nil {
		return kit.WrapErr(txCtx, scope, "begin", s.classify(err))
	}
	if _, err := rc.conn.ExecContext(txCtx, "BEGIN"); err != nil {
		s.putReader(rc, false)
		return kit.WrapErr(txCtx, scope, "begin", s.classify(err))
	}
	defer func() {
		_, err := rc.conn.ExecContext(context.Background(), "ROLLBACK") // read-only: nothing to lose
		s.putReader(rc, err == nil)
	}()
	return body(txCtx, rc)
}

// Update implements store.Store.
func (s *Store) Update(ctx context.Context, scope store.Scope, fn func(tx store.Tx) error) error {
	if err := scope.Validate(); err != nil {
		return err
	}
	return s.write(ctx, scope.String(), func(ctx context.Context, conn *sql.Conn) error {
		tx := &sqlTx{TxState: kit.TxState{Scope: scope.String(), Ctx: ctx}, s: s, scope: scope,
			stmt: func(q string) (*sql.Stmt, error) { return s.writeStmt(ctx, q) }}
		defer func() { tx.Done = true }()
		if err := fn(tx); err != nil {
			return err
		}
		return tx.Err
	})
}

// write runs body in a write transaction on the writer connection and commits it when body
// returns nil and ctx has not ended.
func (s *Store) write(ctx context.Context, scope string, body func(context.Context, *sql.Conn) error) error {
	txCtx, leave, err := s.life.Enter(ctx)
	if err != nil {
		return fmt.Errorf("store: %s: %w", scope, err)
	}
	defer leave()
	conn, err := s.writer(txCtx)
	if err != nil {
		return kit.WrapErr(txCtx, scope, "begin", s.classify(err))
	}
	defer s.release()
	if _, err := conn.ExecContext(txCtx, "BEGIN IMMEDIATE"); err != nil {
		s.rollback(conn) // in case it left anything open
		return kit.WrapErr(txCtx, scope, "begin", s.classify(err))
	}
	committed := false
	defer func() {
		if !committed {
			s.rollback(conn)
		}
	}()
	if err := body(txCtx, conn); err != nil {
		return err
	}
	if err := kit.FirstErr(kit.CtxErr(txCtx), kit.CtxErr(ctx)); err != nil {
		return kit.WrapErr(txCtx, scope, "commit", err)
	}
	// Once the work is done, COMMIT runs to its end whatever the context does: nil from
	// Update then means committed, an error means not.
	if _, err := conn.ExecContext(context.WithoutCancel(txCtx), "COMMIT"); err != nil {
		return kit.WrapErr(txCtx, scope, "commit", s.classify(err))
	}
	committed = true
	// Opportunistic purge of expired keys, in small batches, and after every commit while a
	// batch found more than it could take. Errors are left to PurgeExpired to report.
	if n := s.writes.Add(1); s.cfg.PurgeEvery > 0 && (s.purgeMore || n%int64(s.cfg.PurgeEvery) == 0) {
		removed, err := s.purgeOn(txCtx, conn, s.cfg.PurgeBatch)
		s.purgeMore = err == nil && removed >= s.cfg.PurgeBatch
	}
	return nil
}

// rollback ends the open transaction on conn; when that fails for another reason than there
// being none (SQLite rolls back by itself after some errors), the connection is discarded so
// that no later transaction inherits its state.
func (s *Store) rollback(conn *sql.Conn) {
	_, err := conn.ExecContext(context.Background(), "ROLLBACK")
	if err != nil && !strings.Contains(err.Error(), "no transaction is active") {
		s.discardWriter()
	}
}

// purgeOn deletes up to limit (0: all) expired processed and de-duplication keys, each table
// in its own statement (a purge outside a transaction commits each at once).
func (s *Store) purgeOn(ctx context.Context, conn *sql.Conn, limit int) (int, error) {
	now := kit.Micros(s.cfg.Clock())
	total := 0
	for _, q := range []struct{ all, some string }{
		{`DELETE FROM processed WHERE expires > 0 AND expires <= ?`,
			`DELETE FROM processed WHERE (flow, tenant, k) IN
				(SELECT flow, tenant, k FROM processed WHERE expires > 0 AND expires <= ? LIMIT ?)`},
		{`DELETE FROM queue_keys WHERE expires <= ?`,
			`DELETE FROM queue_keys WHERE (flow, tenant, k) IN
				(SELECT flow, tenant, k FROM queue_keys WHERE expires <= ? LIMIT ?)`},
	} {
		var res sql.Result
		var err error
		if limit > 0 {
			if total >= limit {
				break
			}
			res, err = conn.ExecContext(ctx, q.some, now, limit-total)
		} else {
			res, err = conn.ExecContext(ctx, q.all, now)
		}
		if err != nil {
			return total, s.classify(err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, err
		}
		total += int(n)
	}
	return total, nil
}

// PurgeExpired implements store.Store.
func (s *Store) PurgeExpired(ctx context.Context) (int, error) {
	var n int
	err := s.write(ctx, "*", func(ctx context.Context, conn *sql.Conn) error {
		var err error
		n, err = s.purgeOn(ctx, conn, 0)
		return err
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// View implements store.Store.
func (s *Store) View(ctx context.Context, scope store.Scope, fn func(tx store.Tx) error) error {
	if err := scope.Validate(); err != nil {
		return err
	}
	return s.read(ctx, scope.String(), func(ctx context.Context, rc *reader) error {
		tx := &sqlTx{TxState: kit.TxState{Scope: scope.String(), Ctx: ctx, RO: true}, s: s, scope: scope,
			stmt: func(q string) (*sql.Stmt, error) { return rc.prepare(ctx, q) }}
		defer func() { tx.Done = true }()
		if err := fn(tx); err != nil {
			return err
		}
		return tx.Err
	})
}

// Scopes implements store.Store.
func (s *Store) Scopes(ctx context.Context) ([]store.Scope, error) {
	var out []store.Scope
	err := s.read(ctx, "*", func(ctx context.Context, rc *reader) error {
		rows, err := rc.conn.QueryContext(ctx, `SELECT flow, tenant FROM positions
			UNION SELECT DISTINCT flow, tenant FROM processed
			UNION SELECT DISTINCT flow, tenant FROM attempts
			UNION SELECT DISTINCT flow, tenant FROM kv
			UNION SELECT DISTINCT flow, tenant FROM timers
			UNION SELECT DISTINCT flow, tenant FROM leases
			UNION SELECT DISTINCT flow, tenant FROM queue
			UNION SELECT DISTINCT flow, tenant FROM queue_keys
			ORDER BY 1, 2`)
		if err != nil {
			return kit.WrapErr(ctx, "*", "scopes", s.classify(err))
		}
		defer rows.Close()
		for rows.Next() {
			var sc store.Scope
			if err := rows.Scan(&sc.Flow, &sc.Tenant); err != nil {
				return kit.WrapErr(ctx, "*", "scopes", err)
			}
			out = append(out, sc)
		}
		if err := rows.Err(); err != nil {
			return kit.WrapErr(ctx, "*", "scopes", s.classify(err))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
