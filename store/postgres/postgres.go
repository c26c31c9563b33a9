package postgres

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/store/internal/kit"
)

// lockClass is the first key of every advisory lock the store takes ("EDSY"), so that its
// locks never collide with another application's two-key advisory locks.
const lockClass int32 = 0x45445359

// Store is a store.Store in a PostgreSQL schema, shared by any number of processes; it is safe
// for concurrent use.
//
// Write transactions of one scope are serialised across every process: an Update takes the
// scope's lock (a transaction-level advisory lock on the schema, flow and tenant) at its first
// operation, and from then on each statement sees everything committed before, so a
// read-modify-write never loses an update and fn is never re-run. Different scopes (tenants,
// flows) write in parallel. Claim, Extend, Ack and Nack do not take the scope's lock: they lock
// only the messages they hand out or finish (Claim with SELECT ... FOR UPDATE SKIP LOCKED), so
// many workers in many processes claim from one queue at once. Views read one snapshot
// (REPEATABLE READ, read only) and never wait for a writer.
type Store struct {
	cfg    store.Config
	pc     config
	pool   *pgxpool.Pool
	life   kit.Lifecycle
	names  *strings.Replacer // {s} and the like in queries to the quoted schema
	where  string            // for messages: the schema, its database and host
	writes atomic.Int64

	purgeMore atomic.Bool // the last opportunistic purge left expired keys behind
}

var (
	_ store.Store    = (*Store)(nil)
	_ store.Exporter = (*Store)(nil)
	_ store.Importer = (*Store)(nil)
)

// Open connects to PostgreSQL with dsn (a URL, postgres://user@host/db, or key=value
// settings, as libpq takes them; PG* environment variables fill in what it leaves out),
// creates the schema and its tables when missing (unless MustExist) and brings them up to date
// in one transaction, under a lock, so that processes starting at once do not race. It
// refuses, with errors that match store.ErrPermanent and never quote the password: a schema
// holding another application's tables (store.ErrNotStore), one written by a newer edusync
// (store.ErrSchemaTooNew), a database or role that cannot write (store.ErrUnwritable), and with
// MustExist a schema without the store's tables (store.ErrNoState). A server that cannot be
// reached is an ordinary error: retry.
func Open(ctx context.Context, dsn string, opts ...store.Option) (*Store, error) {
	cfg := store.NewConfig(opts...)
	pc := newConfig(cfg)
	if pc.schema == "" || len(pc.schema) > 63 || strings.IndexByte(pc.schema, 0) >= 0 {
		return nil, fmt.Errorf("%w: PostgreSQL schema name %q: 1 to 63 bytes, no NUL", store.ErrInvalid, pc.schema)
	}
	poolCfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("%w: PostgreSQL connection string: %s", store.ErrInvalid, parseProblem(err))
	}
	poolCfg.MaxConns = pc.maxConns
	poolCfg.MinConns = 0
	// An idle connection is closed after a while, and one that lived long is replaced: a
	// server restarted or failed over is then reached again without the host doing anything.
	poolCfg.MaxConnIdleTime = 5 * time.Minute
	poolCfg.MaxConnLifetime = time.Hour
	quoted := pgx.Identifier{pc.schema}.Sanitize()
	s := &Store{
		cfg:   cfg,
		pc:    pc,
		names: strings.NewReplacer("{s}", quoted),
		where: fmt.Sprintf("PostgreSQL schema %s of database %q on %s", quoted, poolCfg.ConnConfig.Database, poolCfg.ConnConfig.Host),
	}
	s.life.Init()
	s.pool, err = pgxpool.NewWithConfig(ctx, poolCfg)
	if err != nil {
		return nil, s.openErr(err)
	}
	if err := s.migrate(ctx); err != nil {
		s.pool.Close()
		return nil, err
	}
	return s, nil
}

// quoted matches what an error quotes.
var quoted = regexp.MustCompile(`"[^"]*"|'[^']*'`)

// parseProblem is what is wrong with a connection string, without the string: pgx quotes it
// with the password masked as well as it can tell one, and its causes quote parts of it.
func parseProblem(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, "`: "); i >= 0 {
		s = s[i+3:]
	}
	return quoted.ReplaceAllString(s, `"…"`)
}

// Schema is the PostgreSQL schema the store's tables are in.
func (s *Store) Schema() string { return s.pc.schema }

// q is query with {s} replaced by the quoted schema name.
func (s *Store) q(query string) string { return s.names.Replace(query) }

// PostgreSQL error codes the store tells apart.
const (
	codeSerialization = "40001"
	codeDeadlock      = "40P01"
)

// classify marks the errors that retrying cannot heal as permanent, naming the schema: damaged
// data, a role or server that cannot write, tables or a database that are gone, credentials
// refused. A serialisation failure or deadlock (rare: a transaction that claims or finishes
// messages and then writes other state of its scope) stays retryable, as does a lost
// connection.
func (s *Store) classify(err error) error {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return err
	}
	switch {
	case pe.Code == "XX001" || pe.Code == "XX002":
		return fmt.Errorf("%w: %s: %w", store.ErrCorrupt, s.where, err)
	case pe.Code == "42501" || pe.Code == "25006":
		return fmt.Errorf("%w: %s: %w", store.ErrUnwritable, s.where, err)
	case pe.Code == "42P01" || pe.Code == "3F000" || pe.Code == "3D000":
		return fmt.Errorf("%w: %s: %w", store.ErrNoState, s.where, err)
	case strings.HasPrefix(pe.Code, "28"):
		return fmt.Errorf("%w: %s: credentials refused: %w", store.ErrPermanent, s.where, err)
	case pe.Code == codeSerialization || pe.Code == codeDeadlock:
		return fmt.Errorf("%w (nothing was committed; the transaction may be run again)", err)
	}
	return err
}

func (s *Store) openErr(err error) error {
	err = s.classify(err)
	if kit.Permanent(err) {
		return fmt.Errorf("store: open: %w", err)
	}
	return fmt.Errorf("store: open %s: %w", s.where, err)
}

// lockKey is the second key of the advisory lock of name in this store's schema.
func (s *Store) lockKey(parts ...string) int32 {
	h := fnv.New32a()
	h.Write([]byte(s.pc.schema))
	for _, p := range parts {
		h.Write([]byte{0})
		h.Write([]byte(p))
	}
	return int32(h.Sum32())
}

// migrate checks the schema is ours, or creates it, and applies the migrations it lacks, in
// one transaction that holds the schema's migration lock.
func (s *Store) migrate(ctx context.Context) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return s.openErr(err)
	}
	defer conn.Release()
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return s.openErr(err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }() // after Commit: nothing to do
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, lockClass, s.lockKey("migrate")); err != nil {
		return s.openErr(err)
	}
	var schemaExists, metaExists bool
	var relations int
	err = tx.QueryRow(ctx, `SELECT
			EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1),
			EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = 'store_meta'),
			(SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1)`,
		s.pc.schema).Scan(&schemaExists, &metaExists, &relations)
	if err != nil {
		return s.openErr(err)
	}
	version := 0
	switch {
	case metaExists:
		var app string
		var n int
		err := tx.QueryRow(ctx, s.q(`SELECT min(app), min(version), count(*) FROM {s}.store_meta`)).Scan(&app, &version, &n)
		if err != nil {
			return s.openErr(err)
		}
		if n != 1 || app != application {
			return fmt.Errorf("store: open %s: %w (its store_meta table is not edusync's)", s.where, store.ErrNotStore)
		}
	case relations > 0:
		return fmt.Errorf("store: open %s: %w (the schema holds %d tables, indexes or sequences of something else)", s.where, store.ErrNotStore, relations)
	}
	switch {
	case version > len(migrations):
		return fmt.Errorf("store: open %s: %w (schema %d, this code knows up to %d)", s.where, store.ErrSchemaTooNew, version, len(migrations))
	case version == 0 && s.pc.mustExist:
		return fmt.Errorf("store: open %s: %w: the schema holds no edusync state", s.where, store.ErrNoState)
	}
	if !schemaExists {
		if _, err := tx.Exec(ctx, s.q(`CREATE SCHEMA {s}`)); err != nil {
			return s.openErr(err)
		}
	}
	for v := version; v < len(migrations); v++ {
		for _, stmt := range migrations[v] {
			if _, err := tx.Exec(ctx, s.q(stmt)); err != nil {
				return fmt.Errorf("store: open %s: migration %d: %w", s.where, v+1, s.classify(err))
			}
		}
	}
	switch {
	case version == 0:
		_, err = tx.Exec(ctx, s.q(`INSERT INTO {s}.store_meta (app, version) VALUES ($1, $2)`), application, len(migrations))
	case version < len(migrations):
		_, err = tx.Exec(ctx, s.q(`UPDATE {s}.store_meta SET version = $1`), len(migrations))
	default:
		err = s.writable(ctx, tx)
	}
	if err != nil {
		return s.openErr(err)
	}
	if err := tx.Commit(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("store: open %s: migrations: %w", s.where, s.classify(err))
	}
	return nil
}

// writable refuses, at Open rather than at a flow's first commit, a server that cannot write
// (a standby, default_transaction_read_only) and a role that may not change the tables.
func (s *Store) writable(ctx context.Context, tx pgx.Tx) error {
	var readOnly bool
	var table string
	err := tx.QueryRow(ctx, `SELECT current_setting('transaction_read_only') = 'on' OR pg_is_in_recovery(),
			coalesce((SELECT t FROM (SELECT t, quote_ident($1) || '.' || quote_ident(t) AS n FROM unnest($2::text[]) AS t) AS u
				WHERE NOT (has_table_privilege(n, 'SELECT') AND has_table_privilege(n, 'INSERT')
					AND has_table_privilege(n, 'UPDATE') AND has_table_privilege(n, 'DELETE'))
				LIMIT 1), '')`, s.pc.schema, tables).Scan(&readOnly, &table)
	switch {
	case err != nil:
		return err
	case readOnly:
		return fmt.Errorf("%w: %s: the server accepts no writes", store.ErrUnwritable, s.where)
	case table != "":
		return fmt.Errorf("%w: %s: the role may not change table %s", store.ErrUnwritable, s.where, table)
	}
	return nil
}

// Close implements store.Store.
func (s *Store) Close() error {
	if !s.life.Close() {
		return nil
	}
	s.pool.Close()
	return nil
}

// txn is a transaction on a connection of the pool.
type txn struct {
	conn *pgxpool.Conn
	tx   pgx.Tx
}

// begin starts a transaction on a connection of the pool; end must follow.
func (s *Store) begin(ctx context.Context, scope string, opts pgx.TxOptions) (txn, error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return txn{}, kit.WrapErr(ctx, scope, "begin", s.classify(err))
	}
	tx, err := conn.BeginTx(ctx, opts)
	if err != nil {
		conn.Release()
		return txn{}, kit.WrapErr(ctx, scope, "begin", s.classify(err))
	}
	return txn{conn, tx}, nil
}

// end rolls the transaction back unless it committed, and returns its connection to the
// pool, which drops a connection left broken or inside a transaction.
func (s *Store) end(t txn) {
	rctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = t.tx.Rollback(rctx) // after Commit it does nothing; else what went wrong is reported already
	t.conn.Release()
}

// write runs body in a write transaction (READ COMMITTED: each statement sees what committed
// before it, and the scope's lock, taken by the Tx, orders the writers of a scope) and commits
// it when body returns nil and ctx has not ended.
func (s *Store) write(ctx context.Context, scope string, body func(context.Context, pgx.Tx) error) error {
	txCtx, leave, err := s.life.Enter(ctx)
	if err != nil {
		return fmt.Errorf("store: %s: %w", scope, err)
	}
	defer leave()
	t, err := s.begin(txCtx, scope, pgx.TxOptions{IsoLevel: pgx.ReadCommitted, AccessMode: pgx.ReadWrite})
	if err != nil {
		return err
	}
	defer s.end(t)
	if err := body(txCtx, t.tx); err != nil {
		return err
	}
	if err := kit.FirstErr(kit.CtxErr(txCtx), kit.CtxErr(ctx)); err != nil {
		return kit.WrapErr(txCtx, scope, "commit", err)
	}
	// Once the work is done, COMMIT runs to its end whatever the context does: nil from
	// Update then means committed, an error from the server means not. Only a connection lost
	// while COMMIT was under way leaves it open which; the error says so.
	if err := t.tx.Commit(context.WithoutCancel(txCtx)); err != nil {
		var pe *pgconn.PgError
		if !errors.As(err, &pe) {
			err = fmt.Errorf("%w (the connection failed during COMMIT: the transaction may have committed or not)", err)
		}
		return kit.WrapErr(txCtx, scope, "commit", s.classify(err))
	}
	// Opportunistic purge of expired keys, in small batches, and after every commit while a
	// batch found more than it could take. Errors are left to PurgeExpired to report.
	if n := s.writes.Add(1); s.cfg.PurgeEvery > 0 && (s.purgeMore.Load() || n%int64(s.cfg.PurgeEvery) == 0) {
		removed, err := s.purgeOn(txCtx, t.conn, s.cfg.PurgeBatch)
		s.purgeMore.Store(err == nil && removed >= s.cfg.PurgeBatch)
	}
	return nil
}

// read runs body in a read-only transaction that sees one snapshot from its first statement
// to its end (REPEATABLE READ).
func (s *Store) read(ctx context.Context, scope string, body func(context.Context, pgx.Tx) error) error {
	txCtx, leave, err := s.life.Enter(ctx)
	if err != nil {
		return fmt.Errorf("store: %s: %w", scope, err)
	}
	defer leave()
	t, err := s.begin(txCtx, scope, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return err
	}
	defer s.end(t)
	return body(txCtx, t.tx)
}

// maxScopePart is the longest flow or tenant the store keeps, so that every index entry (a
// scope and a key of at most maxIndexed bytes and a hash) fits PostgreSQL's btree limit.
const maxScopePart = 512

// validScope is Scope.Validate, and flow and tenant of at most maxScopePart bytes each.
func validScope(scope store.Scope) error {
	if err := scope.Validate(); err != nil {
		return err
	}
	if len(scope.Flow) > maxScopePart || len(scope.Tenant) > maxScopePart {
		return fmt.Errorf("%w: scope of %d and %d bytes: the PostgreSQL store keeps flows and tenants of at most %d bytes",
			store.ErrInvalid, len(scope.Flow), len(scope.Tenant), maxScopePart)
	}
	return nil
}

// Update implements store.Store.
func (s *Store) Update(ctx context.Context, scope store.Scope, fn func(tx store.Tx) error) error {
	if err := validScope(scope); err != nil {
		return err
	}
	return s.write(ctx, scope.String(), func(ctx context.Context, ptx pgx.Tx) error {
		tx := &pgTx{TxState: kit.TxState{Scope: scope.String(), Ctx: ctx}, s: s, scope: scope, tx: ptx}
		defer func() { tx.Done = true }()
		if err := fn(tx); err != nil {
			return err
		}
		return tx.Err
	})
}

// View implements store.Store.
func (s *Store) View(ctx context.Context, scope store.Scope, fn func(tx store.Tx) error) error {
	if err := validScope(scope); err != nil {
		return err
	}
	return s.read(ctx, scope.String(), func(ctx context.Context, ptx pgx.Tx) error {
		tx := &pgTx{TxState: kit.TxState{Scope: scope.String(), Ctx: ctx, RO: true}, s: s, scope: scope, tx: ptx}
		defer func() { tx.Done = true }()
		if err := fn(tx); err != nil {
			return err
		}
		return tx.Err
	})
}

// purgeOn deletes up to limit (0: all) expired processed and de-duplication keys, in batches
// of their own transactions, skipping rows a running transaction has locked (their expiry may
// be changing; a later purge takes them).
func (s *Store) purgeOn(ctx context.Context, conn *pgxpool.Conn, limit int) (int, error) {
	const batch = 10000
	now := kit.Micros(s.cfg.Clock())
	total := 0
	for _, q := range []string{
		`DELETE FROM {s}.processed WHERE ctid = ANY (ARRAY(SELECT ctid FROM {s}.processed
			WHERE expires > 0 AND expires <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED))`,
		`DELETE FROM {s}.queue_keys WHERE ctid = ANY (ARRAY(SELECT ctid FROM {s}.queue_keys
			WHERE expires <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED))`,
	} {
		for {
			n := batch
			if limit > 0 {
				n = min(n, limit-total)
			}
			if n <= 0 {
				return total, nil
			}
			tag, err := conn.Exec(ctx, s.q(q), now, n)
			if err != nil {
				return total, s.classify(err)
			}
			total += int(tag.RowsAffected())
			if int(tag.RowsAffected()) < n {
				break
			}
		}
	}
	return total, nil
}

// PurgeExpired implements store.Store.
func (s *Store) PurgeExpired(ctx context.Context) (int, error) {
	txCtx, leave, err := s.life.Enter(ctx)
	if err != nil {
		return 0, fmt.Errorf("store: *: %w", err)
	}
	defer leave()
	conn, err := s.pool.Acquire(txCtx)
	if err != nil {
		return 0, kit.WrapErr(txCtx, "*", "purge", s.classify(err))
	}
	defer conn.Release()
	n, err := s.purgeOn(txCtx, conn, 0)
	if err != nil {
		return n, kit.WrapErr(txCtx, "*", "purge", err)
	}
	return n, nil
}

// Scopes implements store.Store.
func (s *Store) Scopes(ctx context.Context) ([]store.Scope, error) {
	var out []store.Scope
	err := s.read(ctx, "*", func(ctx context.Context, tx pgx.Tx) error {
		parts := make([]string, len(tables))
		for i, name := range tables {
			parts[i] = `SELECT flow, tenant FROM {s}.` + name
		}
		rows, err := tx.Query(ctx, s.q(strings.Join(parts, " UNION ")+` ORDER BY 1, 2`))
		if err != nil {
			return kit.WrapErr(ctx, "*", "scopes", s.classify(err))
		}
		defer rows.Close()
		for rows.Next() {
			var flow, tenant []byte
			if err := rows.Scan(&flow, &tenant); err != nil {
				return kit.WrapErr(ctx, "*", "scopes", err)
			}
			out = append(out, store.Scope{Flow: string(flow), Tenant: string(tenant)})
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
