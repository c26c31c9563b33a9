package store

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver, pure Go

	"github.com/edusync/edusync/internal/redact"
)

// SQLite is a Store in one SQLite file (modernc.org/sqlite, pure Go): the embedded default.
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
// transaction); a file written by a newer edusync is refused with ErrSchemaTooNew.
type SQLite struct {
	cfg    config
	path   string
	life   lifecycle
	w      *sql.DB // the one writer connection
	r      *sql.DB // readers
	writes atomic.Int64

	// The writer: one connection held while the store is open, with its prepared statements.
	// wsem admits one write transaction at a time (waiting honours the context).
	wsem      chan struct{}
	wconn     *sql.Conn
	wstmt     map[string]*sql.Stmt
	purgeMore bool // the last opportunistic purge left expired keys behind

	rmu   sync.Mutex
	rstmt map[string]*sql.Stmt // prepared on the readers' pool
}

var _ Store = (*SQLite)(nil)

// OpenSQLite opens (creating it when missing) the store in the SQLite file at path and brings
// its schema up to date. It fails with ErrSchemaTooNew for a file of a newer edusync and with
// ErrNotStore for a database of another application.
func OpenSQLite(ctx context.Context, path string, opts ...Option) (*SQLite, error) {
	if path == "" || strings.HasPrefix(path, ":memory:") || strings.HasPrefix(path, "file:") {
		return nil, fmt.Errorf("%w: SQLite store path %q: a file path is needed", ErrInvalid, path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", path, err)
	}
	s := &SQLite{cfg: newConfig(opts), path: abs, wsem: make(chan struct{}, 1), rstmt: map[string]*sql.Stmt{}}
	s.life.init()
	sync := "FULL"
	if s.cfg.sync == SyncNormal {
		sync = "NORMAL"
	}
	base := "file:" + (&url.URL{Path: abs}).EscapedPath()
	common := fmt.Sprintf("_pragma=busy_timeout(%d)&_pragma=foreign_keys(1)", s.cfg.busyTimeout.Milliseconds())
	s.w, err = sql.Open("sqlite", base+"?"+common+"&_pragma=journal_mode(WAL)&_pragma=synchronous("+sync+")")
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", abs, err)
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
		return nil, fmt.Errorf("store: open %s: %w", abs, err)
	}
	s.r.SetMaxOpenConns(s.cfg.readers)
	s.r.SetMaxIdleConns(s.cfg.readers)
	return s, nil
}

// Path is the absolute path of the database file.
func (s *SQLite) Path() string { return s.path }

// migrate checks the file is ours and applies the migrations it lacks, in one transaction.
func (s *SQLite) migrate(ctx context.Context) error {
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: open %s: %w", s.path, err)
	}
	defer conn.Close()
	var mode string
	if err := conn.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("store: open %s: %w", s.path, err)
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("store: open %s: journal mode is %q, not WAL (a file system without shared memory?)", s.path, mode)
	}
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return fmt.Errorf("store: open %s: %w", s.path, err)
	}
	committed := false
	defer func() {
		if !committed {
			_, _ = conn.ExecContext(context.Background(), "ROLLBACK") // the error that got us here is what counts
		}
	}()
	var app, version, tables int
	if err := conn.QueryRowContext(ctx, "PRAGMA application_id").Scan(&app); err != nil {
		return fmt.Errorf("store: open %s: %w", s.path, err)
	}
	if err := conn.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("store: open %s: %w", s.path, err)
	}
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema").Scan(&tables); err != nil {
		return fmt.Errorf("store: open %s: %w", s.path, err)
	}
	switch {
	case app != 0 && app != applicationID, app == 0 && (version != 0 || tables != 0):
		return fmt.Errorf("store: open %s: %w", s.path, ErrNotStore)
	case version > len(migrations):
		return fmt.Errorf("store: open %s: %w (file has schema %d, this code knows up to %d)", s.path, ErrSchemaTooNew, version, len(migrations))
	case version == len(migrations):
		return nil
	}
	for v := version; v < len(migrations); v++ {
		for _, stmt := range migrations[v] {
			if _, err := conn.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("store: open %s: migration %d: %w", s.path, v+1, err)
			}
		}
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA application_id = %d", applicationID)); err != nil {
		return fmt.Errorf("store: open %s: %w", s.path, err)
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", len(migrations))); err != nil {
		return fmt.Errorf("store: open %s: %w", s.path, err)
	}
	if _, err := conn.ExecContext(context.WithoutCancel(ctx), "COMMIT"); err != nil {
		return fmt.Errorf("store: open %s: migrations: %w", s.path, err)
	}
	committed = true
	return nil
}

// Close implements Store.
func (s *SQLite) Close() error {
	if !s.life.close() {
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
	for _, st := range s.rstmt {
		errs = append(errs, st.Close())
	}
	return errors.Join(append(errs, s.r.Close(), s.w.Close())...)
}

// writer waits for the writer connection, opening it when needed; release must follow.
func (s *SQLite) writer(ctx context.Context) (*sql.Conn, error) {
	select {
	case s.wsem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctxErr(ctx)
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

func (s *SQLite) release() { <-s.wsem }

// discardWriter drops the writer connection after a failure that may have left it in an
// unknown state; the next write transaction opens a new one.
func (s *SQLite) discardWriter() {
	for _, st := range s.wstmt {
		st.Close()
	}
	_ = s.wconn.Raw(func(any) error { return driver.ErrBadConn }) // makes database/sql drop it
	_ = s.wconn.Close()
	s.wconn, s.wstmt = nil, nil
}

// writeStmt returns the writer's prepared statement for query; the caller holds the writer.
func (s *SQLite) writeStmt(ctx context.Context, query string) (*sql.Stmt, error) {
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

// readStmt returns query prepared on the readers' pool, for use through a read transaction.
func (s *SQLite) readStmt(ctx context.Context, query string) (*sql.Stmt, error) {
	s.rmu.Lock()
	defer s.rmu.Unlock()
	if st := s.rstmt[query]; st != nil {
		return st, nil
	}
	st, err := s.r.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	s.rstmt[query] = st
	return st, nil
}

// Update implements Store.
func (s *SQLite) Update(ctx context.Context, scope Scope, fn func(tx Tx) error) error {
	if err := scope.validate(); err != nil {
		return err
	}
	return s.write(ctx, scope, func(ctx context.Context, conn *sql.Conn) error {
		tx := &sqlTx{s: s, scope: scope, ctx: ctx, stmt: func(q string) (*sql.Stmt, error) { return s.writeStmt(ctx, q) }}
		defer func() { tx.done = true }()
		if err := fn(tx); err != nil {
			return err
		}
		return tx.err
	})
}

// write runs body in a write transaction on the writer connection and commits it when body
// returns nil and ctx has not ended.
func (s *SQLite) write(ctx context.Context, scope Scope, body func(context.Context, *sql.Conn) error) error {
	txCtx, leave, err := s.life.enter(ctx)
	if err != nil {
		return fmt.Errorf("store: %s: %w", scope, err)
	}
	defer leave()
	conn, err := s.writer(txCtx)
	if err != nil {
		return wrapErr(txCtx, scope, "begin", err)
	}
	defer s.release()
	if _, err := conn.ExecContext(txCtx, "BEGIN IMMEDIATE"); err != nil {
		s.rollback(conn) // in case it left anything open
		return wrapErr(txCtx, scope, "begin", err)
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
	if err := firstErr(ctxErr(txCtx), ctxErr(ctx)); err != nil {
		return wrapErr(txCtx, scope, "commit", err)
	}
	// Once the work is done, COMMIT runs to its end whatever the context does: nil from
	// Update then means committed, an error means not.
	if _, err := conn.ExecContext(context.WithoutCancel(txCtx), "COMMIT"); err != nil {
		return wrapErr(txCtx, scope, "commit", err)
	}
	committed = true
	// Opportunistic purge of expired keys, in small batches, and after every commit while a
	// batch found more than it could take. Errors are left to PurgeExpired to report.
	if n := s.writes.Add(1); s.cfg.purgeEvery > 0 && (s.purgeMore || n%int64(s.cfg.purgeEvery) == 0) {
		removed, err := s.purgeOn(txCtx, conn, s.cfg.purgeBatch)
		s.purgeMore = err == nil && removed >= s.cfg.purgeBatch
	}
	return nil
}

// rollback ends the open transaction on conn; when that fails for another reason than there
// being none (SQLite rolls back by itself after some errors), the connection is discarded so
// that no later transaction inherits its state.
func (s *SQLite) rollback(conn *sql.Conn) {
	_, err := conn.ExecContext(context.Background(), "ROLLBACK")
	if err != nil && !strings.Contains(err.Error(), "no transaction is active") {
		s.discardWriter()
	}
}

func (s *SQLite) purgeOn(ctx context.Context, conn *sql.Conn, limit int) (int, error) {
	now := toMicros(s.cfg.now())
	var res sql.Result
	var err error
	if limit > 0 {
		res, err = conn.ExecContext(ctx, `DELETE FROM processed WHERE (flow, tenant, k) IN
			(SELECT flow, tenant, k FROM processed WHERE expires > 0 AND expires <= ? LIMIT ?)`, now, limit)
	} else {
		res, err = conn.ExecContext(ctx, `DELETE FROM processed WHERE expires > 0 AND expires <= ?`, now)
	}
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// PurgeExpired implements Store.
func (s *SQLite) PurgeExpired(ctx context.Context) (int, error) {
	var n int
	err := s.write(ctx, Scope{Flow: "*"}, func(ctx context.Context, conn *sql.Conn) error {
		var err error
		n, err = s.purgeOn(ctx, conn, 0)
		return err
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// View implements Store.
func (s *SQLite) View(ctx context.Context, scope Scope, fn func(tx Tx) error) error {
	if err := scope.validate(); err != nil {
		return err
	}
	txCtx, leave, err := s.life.enter(ctx)
	if err != nil {
		return fmt.Errorf("store: %s: %w", scope, err)
	}
	defer leave()
	rtx, err := s.r.BeginTx(txCtx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return wrapErr(txCtx, scope, "begin", err)
	}
	defer func() { _ = rtx.Rollback() }() // read-only: nothing to lose
	tx := &sqlTx{s: s, scope: scope, ctx: txCtx, ro: true, stmt: func(q string) (*sql.Stmt, error) {
		st, err := s.readStmt(txCtx, q)
		if err != nil {
			return nil, err
		}
		return rtx.StmtContext(txCtx, st), nil
	}}
	defer func() { tx.done = true }()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.err
}

// Scopes implements Store.
func (s *SQLite) Scopes(ctx context.Context) ([]Scope, error) {
	txCtx, leave, err := s.life.enter(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: scopes: %w", err)
	}
	defer leave()
	rows, err := s.r.QueryContext(txCtx, `SELECT flow, tenant FROM positions
		UNION SELECT DISTINCT flow, tenant FROM processed
		UNION SELECT DISTINCT flow, tenant FROM attempts
		UNION SELECT DISTINCT flow, tenant FROM kv
		UNION SELECT DISTINCT flow, tenant FROM timers
		ORDER BY 1, 2`)
	if err != nil {
		return nil, wrapErr(txCtx, Scope{Flow: "*"}, "scopes", err)
	}
	defer rows.Close()
	var out []Scope
	for rows.Next() {
		var sc Scope
		if err := rows.Scan(&sc.Flow, &sc.Tenant); err != nil {
			return nil, wrapErr(txCtx, Scope{Flow: "*"}, "scopes", err)
		}
		out = append(out, sc)
	}
	if err := rows.Err(); err != nil {
		return nil, wrapErr(txCtx, Scope{Flow: "*"}, "scopes", err)
	}
	return out, nil
}

type sqlTx struct {
	s     *SQLite
	scope Scope
	ctx   context.Context
	stmt  func(query string) (*sql.Stmt, error) // the prepared statement for query
	ro    bool
	done  bool
	err   error // first failure: dooms the transaction
}

var _ Tx = (*sqlTx)(nil)

func (t *sqlTx) Scope() Scope             { return t.scope }
func (t *sqlTx) Context() context.Context { return t.ctx }
func (t *sqlTx) ReadOnly() bool           { return t.ro }

func (t *sqlTx) fail(err error) error {
	if err != nil && t.err == nil && !t.done {
		t.err = err
	}
	return err
}

func (t *sqlTx) check(op string, write bool) error {
	var err error
	switch {
	case t.done:
		err = fmt.Errorf("store: %s: %s: %w", t.scope, op, ErrTxDone)
	case ctxErr(t.ctx) != nil:
		err = wrapErr(t.ctx, t.scope, op, ctxErr(t.ctx))
	case write && t.ro:
		err = fmt.Errorf("store: %s: %s: %w", t.scope, op, ErrReadOnly)
	}
	return t.fail(err)
}

func (t *sqlTx) invalid(op string, err error) error {
	return t.fail(fmt.Errorf("store: %s: %s: %w", t.scope, op, err))
}

func (t *sqlTx) dbErr(op string, err error) error {
	return t.fail(wrapErr(t.ctx, t.scope, op, err))
}

func (t *sqlTx) notFound(what, key string) error {
	return fmt.Errorf("store: %s: %s %q: %w", t.scope, what, redact.PersonalNumbers(key), ErrNotFound)
}

func (t *sqlTx) now() time.Time { return norm(t.s.cfg.now()) }

// exec runs a statement with the scope's flow and tenant as its first two arguments.
func (t *sqlTx) exec(op, query string, args ...any) (sql.Result, error) {
	st, err := t.stmt(query)
	if err != nil {
		return nil, t.dbErr(op, err)
	}
	res, err := st.ExecContext(t.ctx, append([]any{t.scope.Flow, t.scope.Tenant}, args...)...)
	if err != nil {
		return nil, t.dbErr(op, err)
	}
	return res, nil
}

func (t *sqlTx) query(op, query string, args ...any) (*sql.Rows, error) {
	st, err := t.stmt(query)
	if err != nil {
		return nil, t.dbErr(op, err)
	}
	rows, err := st.QueryContext(t.ctx, append([]any{t.scope.Flow, t.scope.Tenant}, args...)...)
	if err != nil {
		return nil, t.dbErr(op, err)
	}
	return rows, nil
}

// row runs a query expected to return at most one row and scans it into dest; sql.ErrNoRows
// when there is none.
func (t *sqlTx) row(query string, args []any, dest ...any) error {
	st, err := t.stmt(query)
	if err != nil {
		return err
	}
	return st.QueryRowContext(t.ctx, append([]any{t.scope.Flow, t.scope.Tenant}, args...)...).Scan(dest...)
}

// prefixCond returns the condition on column col (after the scope's two arguments) that
// selects strings starting with prefix, as a range so the primary key index serves it.
func prefixCond(col, prefix string) (string, []any) {
	if prefix == "" {
		return "", nil
	}
	if end, ok := prefixEnd(prefix); ok {
		return " AND " + col + " >= ? AND " + col + " < ?", []any{prefix, end}
	}
	return " AND " + col + " >= ?", []any{prefix}
}

func (t *sqlTx) Position() (Position, error) {
	if err := t.check("position", false); err != nil {
		return Position{}, err
	}
	var p Position
	var itemTime, saved int64
	err := t.row(`SELECT pos_cursor, pos_last, pos_offset, item_time, saved FROM positions WHERE flow = ? AND tenant = ?`, nil,
		&p.Cursor, &p.Last, &p.Offset, &itemTime, &saved)
	if errors.Is(err, sql.ErrNoRows) {
		return Position{}, fmt.Errorf("store: %s: position: %w", t.scope, ErrNotFound)
	}
	if err != nil {
		return Position{}, t.dbErr("position", err)
	}
	p.ItemTime, p.Saved = fromMicros(itemTime), fromMicros(saved)
	return p, nil
}

func (t *sqlTx) SetPosition(p Position) error {
	if err := t.check("set position", true); err != nil {
		return err
	}
	_, err := t.exec("set position", `INSERT INTO positions (flow, tenant, pos_cursor, pos_last, pos_offset, item_time, saved)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (flow, tenant) DO UPDATE SET pos_cursor = excluded.pos_cursor, pos_last = excluded.pos_last,
			pos_offset = excluded.pos_offset, item_time = excluded.item_time, saved = excluded.saved`,
		p.Cursor, p.Last, p.Offset, toMicros(p.ItemTime), toMicros(t.now()))
	return err
}

func (t *sqlTx) DeletePosition() error {
	if err := t.check("delete position", true); err != nil {
		return err
	}
	_, err := t.exec("delete position", `DELETE FROM positions WHERE flow = ? AND tenant = ?`)
	return err
}

func (t *sqlTx) MarkProcessed(key string, expires time.Time) error {
	if err := t.check("mark processed", true); err != nil {
		return err
	}
	if err := validKey("processed key", key); err != nil {
		return t.invalid("mark processed", err)
	}
	_, err := t.exec("mark processed", `INSERT INTO processed (flow, tenant, k, expires) VALUES (?, ?, ?, ?)
		ON CONFLICT (flow, tenant, k) DO UPDATE SET expires = excluded.expires`, key, toMicros(expires))
	return err
}

func (t *sqlTx) IsProcessed(key string) (bool, error) {
	m, err := t.Processed(key)
	return m[key], err
}

func (t *sqlTx) Processed(keys ...string) (map[string]bool, error) {
	if err := t.check("processed", false); err != nil {
		return nil, err
	}
	for _, k := range keys {
		if err := validKey("processed key", k); err != nil {
			return nil, t.invalid("processed", err)
		}
	}
	out := map[string]bool{}
	now := toMicros(t.s.cfg.now())
	for _, k := range keys {
		var one int
		err := t.row(`SELECT 1 FROM processed WHERE flow = ? AND tenant = ? AND k = ? AND (expires = 0 OR expires > ?)`, []any{k, now}, &one)
		switch {
		case err == nil:
			out[k] = true
		case !errors.Is(err, sql.ErrNoRows):
			return nil, t.dbErr("processed", err)
		}
	}
	return out, nil
}

func (t *sqlTx) ForgetProcessed(key string) error {
	if err := t.check("forget processed", true); err != nil {
		return err
	}
	if err := validKey("processed key", key); err != nil {
		return t.invalid("forget processed", err)
	}
	_, err := t.exec("forget processed", `DELETE FROM processed WHERE flow = ? AND tenant = ? AND k = ?`, key)
	return err
}

const attemptCols = `item, attempts, last_error, first_at, last_at, next_try, dead, dead_at, reason, payload`

func (t *sqlTx) scanAttempts(op string, rows *sql.Rows) ([]Attempt, error) {
	defer rows.Close()
	out := []Attempt{}
	for rows.Next() {
		var a Attempt
		var first, last, next, deadAt int64
		if err := rows.Scan(&a.Item, &a.Count, &a.LastError, &first, &last, &next, &a.Dead, &deadAt, &a.Reason, &a.Payload); err != nil {
			return nil, t.dbErr(op, err)
		}
		a.FirstAt, a.LastAt, a.NextTry, a.DeadAt = fromMicros(first), fromMicros(last), fromMicros(next), fromMicros(deadAt)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, t.dbErr(op, err)
	}
	return out, nil
}

func (t *sqlTx) attempt(op, item string) (*Attempt, error) {
	rows, err := t.query(op, `SELECT `+attemptCols+` FROM attempts WHERE flow = ? AND tenant = ? AND item = ?`, item)
	if err != nil {
		return nil, err
	}
	as, err := t.scanAttempts(op, rows)
	if err != nil || len(as) == 0 {
		return nil, err
	}
	return &as[0], nil
}

func (t *sqlTx) putAttempt(op string, a Attempt) error {
	_, err := t.exec(op, `INSERT OR REPLACE INTO attempts (flow, tenant, `+attemptCols+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.Item, a.Count, a.LastError, toMicros(a.FirstAt), toMicros(a.LastAt), toMicros(a.NextTry),
		a.Dead, toMicros(a.DeadAt), a.Reason, a.Payload)
	return err
}

func (t *sqlTx) RecordAttempt(f Failure) (Attempt, error) {
	if err := t.check("record attempt", true); err != nil {
		return Attempt{}, err
	}
	if err := validKey("item", f.Item); err != nil {
		return Attempt{}, t.invalid("record attempt", err)
	}
	prev, err := t.attempt("record attempt", f.Item)
	if err != nil {
		return Attempt{}, err
	}
	f.Payload = bytes.Clone(f.Payload)
	a := nextAttempt(prev, f, t.now(), t.s.cfg.maxAttempts)
	if err := t.putAttempt("record attempt", a); err != nil {
		return Attempt{}, err
	}
	return a, nil
}

func (t *sqlTx) Attempt(item string) (Attempt, error) {
	if err := t.check("attempt", false); err != nil {
		return Attempt{}, err
	}
	if err := validKey("item", item); err != nil {
		return Attempt{}, t.invalid("attempt", err)
	}
	a, err := t.attempt("attempt", item)
	if err != nil {
		return Attempt{}, err
	}
	if a == nil {
		return Attempt{}, t.notFound("attempt", item)
	}
	return *a, nil
}

func (t *sqlTx) ClearAttempts(item string) error {
	if err := t.check("clear attempts", true); err != nil {
		return err
	}
	if err := validKey("item", item); err != nil {
		return t.invalid("clear attempts", err)
	}
	_, err := t.exec("clear attempts", `DELETE FROM attempts WHERE flow = ? AND tenant = ? AND item = ?`, item)
	return err
}

func (t *sqlTx) Attempts(prefix string) ([]Attempt, error) {
	if err := t.check("attempts", false); err != nil {
		return nil, err
	}
	if err := validPrefix(prefix); err != nil {
		return nil, t.invalid("attempts", err)
	}
	cond, args := prefixCond("item", prefix)
	rows, err := t.query("attempts", `SELECT `+attemptCols+` FROM attempts WHERE flow = ? AND tenant = ?`+cond+
		` ORDER BY first_at, item`, args...)
	if err != nil {
		return nil, err
	}
	return t.scanAttempts("attempts", rows)
}

func (t *sqlTx) DueRetries(now time.Time, limit int) ([]Attempt, error) {
	if err := t.check("due retries", false); err != nil {
		return nil, err
	}
	if err := validLimit(limit); err != nil {
		return nil, t.invalid("due retries", err)
	}
	rows, err := t.query("due retries", `SELECT `+attemptCols+` FROM attempts WHERE flow = ? AND tenant = ?
		AND dead = 0 AND next_try <= ? ORDER BY next_try, item LIMIT ?`, toMicros(now), sqlLimit(limit))
	if err != nil {
		return nil, err
	}
	return t.scanAttempts("due retries", rows)
}

func sqlLimit(n int) int {
	if n == 0 {
		return -1
	}
	return n
}

func (t *sqlTx) DeadLetters(prefix string) ([]Attempt, error) {
	if err := t.check("dead letters", false); err != nil {
		return nil, err
	}
	if err := validPrefix(prefix); err != nil {
		return nil, t.invalid("dead letters", err)
	}
	cond, args := prefixCond("item", prefix)
	rows, err := t.query("dead letters", `SELECT `+attemptCols+` FROM attempts WHERE flow = ? AND tenant = ? AND dead = 1`+cond+
		` ORDER BY dead_at, item`, args...)
	if err != nil {
		return nil, err
	}
	return t.scanAttempts("dead letters", rows)
}

func (t *sqlTx) Requeue(item string, nextTry time.Time) error {
	if err := t.check("requeue", true); err != nil {
		return err
	}
	if err := validKey("item", item); err != nil {
		return t.invalid("requeue", err)
	}
	res, err := t.exec("requeue", `UPDATE attempts SET attempts = 0, dead = 0, dead_at = 0, reason = '', next_try = ?3
		WHERE flow = ?1 AND tenant = ?2 AND item = ?4`, toMicros(nextTry), item)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return t.dbErr("requeue", err)
	} else if n == 0 {
		return t.notFound("attempt", item)
	}
	return nil
}

func (t *sqlTx) Value(key string) ([]byte, error) {
	if err := t.check("value", false); err != nil {
		return nil, err
	}
	if err := validKey("key", key); err != nil {
		return nil, t.invalid("value", err)
	}
	var v []byte
	err := t.row(`SELECT v FROM kv WHERE flow = ? AND tenant = ? AND k = ?`, []any{key}, &v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, t.notFound("value", key)
	}
	if err != nil {
		return nil, t.dbErr("value", err)
	}
	if v == nil {
		v = []byte{}
	}
	return v, nil
}

func (t *sqlTx) SetValue(key string, value []byte) error {
	if err := t.check("set value", true); err != nil {
		return err
	}
	if err := validKey("key", key); err != nil {
		return t.invalid("set value", err)
	}
	if value == nil {
		value = []byte{}
	}
	_, err := t.exec("set value", `INSERT INTO kv (flow, tenant, k, v, updated) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (flow, tenant, k) DO UPDATE SET v = excluded.v, updated = excluded.updated`,
		key, value, toMicros(t.now()))
	return err
}

func (t *sqlTx) DeleteValue(key string) error {
	if err := t.check("delete value", true); err != nil {
		return err
	}
	if err := validKey("key", key); err != nil {
		return t.invalid("delete value", err)
	}
	_, err := t.exec("delete value", `DELETE FROM kv WHERE flow = ? AND tenant = ? AND k = ?`, key)
	return err
}

func (t *sqlTx) Values(prefix string) ([]Entry[[]byte], error) {
	if err := t.check("values", false); err != nil {
		return nil, err
	}
	if err := validPrefix(prefix); err != nil {
		return nil, t.invalid("values", err)
	}
	cond, args := prefixCond("k", prefix)
	rows, err := t.query("values", `SELECT k, v FROM kv WHERE flow = ? AND tenant = ?`+cond+` ORDER BY k`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Entry[[]byte]{}
	for rows.Next() {
		var e Entry[[]byte]
		if err := rows.Scan(&e.Key, &e.Value); err != nil {
			return nil, t.dbErr("values", err)
		}
		if e.Value == nil {
			e.Value = []byte{}
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, t.dbErr("values", err)
	}
	return out, nil
}

func (t *sqlTx) Schedule(id string, at time.Time, payload []byte) error {
	if err := t.check("schedule", true); err != nil {
		return err
	}
	if err := validKey("timer id", id); err != nil {
		return t.invalid("schedule", err)
	}
	if at.IsZero() {
		return t.invalid("schedule", fmt.Errorf("%w: timer %q without a time", ErrInvalid, id))
	}
	_, err := t.exec("schedule", `INSERT OR REPLACE INTO timers (flow, tenant, id, at, payload, scheduled) VALUES (?, ?, ?, ?, ?, ?)`,
		id, toMicros(at), payload, toMicros(t.now()))
	return err
}

func (t *sqlTx) deleteTimer(op, id string) (bool, error) {
	res, err := t.exec(op, `DELETE FROM timers WHERE flow = ? AND tenant = ? AND id = ?`, id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, t.dbErr(op, err)
	}
	return n > 0, nil
}

func (t *sqlTx) Cancel(id string) (bool, error) {
	if err := t.check("cancel timer", true); err != nil {
		return false, err
	}
	if err := validKey("timer id", id); err != nil {
		return false, t.invalid("cancel timer", err)
	}
	return t.deleteTimer("cancel timer", id)
}

func (t *sqlTx) Fire(id string) error {
	if err := t.check("fire timer", true); err != nil {
		return err
	}
	if err := validKey("timer id", id); err != nil {
		return t.invalid("fire timer", err)
	}
	ok, err := t.deleteTimer("fire timer", id)
	if err != nil {
		return err
	}
	if !ok {
		return t.notFound("timer", id)
	}
	return nil
}

func (t *sqlTx) timers(op, where string, args ...any) ([]Timer, error) {
	rows, err := t.query(op, `SELECT id, at, payload, scheduled FROM timers WHERE flow = ? AND tenant = ?`+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Timer{}
	for rows.Next() {
		var tm Timer
		var at, sched int64
		if err := rows.Scan(&tm.ID, &at, &tm.Payload, &sched); err != nil {
			return nil, t.dbErr(op, err)
		}
		tm.At, tm.Scheduled = fromMicros(at), fromMicros(sched)
		out = append(out, tm)
	}
	if err := rows.Err(); err != nil {
		return nil, t.dbErr(op, err)
	}
	return out, nil
}

func (t *sqlTx) Timer(id string) (Timer, error) {
	if err := t.check("timer", false); err != nil {
		return Timer{}, err
	}
	if err := validKey("timer id", id); err != nil {
		return Timer{}, t.invalid("timer", err)
	}
	out, err := t.timers("timer", ` AND id = ?`, id)
	if err != nil {
		return Timer{}, err
	}
	if len(out) == 0 {
		return Timer{}, t.notFound("timer", id)
	}
	return out[0], nil
}

func (t *sqlTx) Timers(prefix string) ([]Timer, error) {
	if err := t.check("timers", false); err != nil {
		return nil, err
	}
	if err := validPrefix(prefix); err != nil {
		return nil, t.invalid("timers", err)
	}
	cond, args := prefixCond("id", prefix)
	return t.timers("timers", cond+` ORDER BY at, id`, args...)
}

func (t *sqlTx) NextTimer() (Timer, error) {
	if err := t.check("next timer", false); err != nil {
		return Timer{}, err
	}
	out, err := t.timers("next timer", ` ORDER BY at, id LIMIT 1`)
	if err != nil {
		return Timer{}, err
	}
	if len(out) == 0 {
		return Timer{}, fmt.Errorf("store: %s: next timer: %w", t.scope, ErrNotFound)
	}
	return out[0], nil
}

func (t *sqlTx) DueTimers(now time.Time, limit int) ([]Timer, error) {
	if err := t.check("due timers", false); err != nil {
		return nil, err
	}
	if err := validLimit(limit); err != nil {
		return nil, t.invalid("due timers", err)
	}
	return t.timers("due timers", ` AND at <= ? ORDER BY at, id LIMIT ?`, toMicros(now), sqlLimit(limit))
}

func (t *sqlTx) Stats() (Stats, error) {
	if err := t.check("stats", false); err != nil {
		return Stats{}, err
	}
	var st Stats
	var pos int
	err := t.row(`SELECT
		(SELECT count(*) FROM positions WHERE flow = ?1 AND tenant = ?2),
		(SELECT count(*) FROM processed WHERE flow = ?1 AND tenant = ?2),
		(SELECT count(*) FROM attempts WHERE flow = ?1 AND tenant = ?2 AND dead = 0),
		(SELECT count(*) FROM attempts WHERE flow = ?1 AND tenant = ?2 AND dead = 1),
		(SELECT count(*) FROM kv WHERE flow = ?1 AND tenant = ?2),
		(SELECT count(*) FROM timers WHERE flow = ?1 AND tenant = ?2)`, nil,
		&pos, &st.Processed, &st.Retrying, &st.Dead, &st.Values, &st.Timers)
	if err != nil {
		return Stats{}, t.dbErr("stats", err)
	}
	st.HasPosition = pos > 0
	return st, nil
}
