package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/store/internal/kit"
)

type sqlTx struct {
	kit.TxState
	s     *Store
	scope store.Scope
	stmt  func(query string) (*sql.Stmt, error) // the prepared statement for query
}

var _ store.Tx = (*sqlTx)(nil)

func (t *sqlTx) Scope() store.Scope       { return t.scope }
func (t *sqlTx) Context() context.Context { return t.Ctx }
func (t *sqlTx) ReadOnly() bool           { return t.RO }

// dbErr dooms the transaction with a database error of op, permanent ones marked.
func (t *sqlTx) dbErr(op string, err error) error {
	return t.Failed(op, t.s.classify(err))
}

func (t *sqlTx) now() time.Time { return kit.Norm(t.s.cfg.Clock()) }

// exec runs a statement with the scope's flow and tenant as its first two arguments.
func (t *sqlTx) exec(op, query string, args ...any) (sql.Result, error) {
	return t.execIn(t.scope, op, query, args...)
}

// execIn is exec on another scope's rows.
func (t *sqlTx) execIn(scope store.Scope, op, query string, args ...any) (sql.Result, error) {
	st, err := t.stmt(query)
	if err != nil {
		return nil, t.dbErr(op, err)
	}
	res, err := st.ExecContext(t.Ctx, append([]any{scope.Flow, scope.Tenant}, args...)...)
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
	rows, err := st.QueryContext(t.Ctx, append([]any{t.scope.Flow, t.scope.Tenant}, args...)...)
	if err != nil {
		return nil, t.dbErr(op, err)
	}
	return rows, nil
}

// row runs a query expected to return at most one row and scans it into dest; sql.ErrNoRows
// when there is none.
func (t *sqlTx) row(query string, args []any, dest ...any) error {
	return t.rowIn(t.scope, query, args, dest...)
}

// rowIn is row on another scope's rows.
func (t *sqlTx) rowIn(scope store.Scope, query string, args []any, dest ...any) error {
	st, err := t.stmt(query)
	if err != nil {
		return err
	}
	return st.QueryRowContext(t.Ctx, append([]any{scope.Flow, scope.Tenant}, args...)...).Scan(dest...)
}

// prefixCond returns the condition on column col (after the scope's two arguments) that
// selects strings starting with prefix, as a range so the primary key index serves it.
func prefixCond(col, prefix string) (string, []any) {
	if prefix == "" {
		return "", nil
	}
	if end, ok := kit.PrefixEnd(prefix); ok {
		return " AND " + col + " >= ? AND " + col + " < ?", []any{prefix, end}
	}
	return " AND " + col + " >= ?", []any{prefix}
}

func (t *sqlTx) Position() (store.Position, error) {
	if err := t.Check("position", false); err != nil {
		return store.Position{}, err
	}
	var p store.Position
	var itemTime, saved int64
	err := t.row(`SELECT pos_cursor, pos_last, pos_offset, item_time, saved FROM positions WHERE flow = ? AND tenant = ?`, nil,
		&p.Cursor, &p.Last, &p.Offset, &itemTime, &saved)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Position{}, t.NotFound("position", "")
	}
	if err != nil {
		return store.Position{}, t.dbErr("position", err)
	}
	p.ItemTime, p.Saved = kit.FromMicros(itemTime), kit.FromMicros(saved)
	return p, nil
}

func (t *sqlTx) SetPosition(p store.Position) error {
	if err := t.Check("set position", true); err != nil {
		return err
	}
	return t.setPosition("set position", p)
}

func (t *sqlTx) setPosition(op string, p store.Position) error {
	_, err := t.exec(op, `INSERT INTO positions (flow, tenant, pos_cursor, pos_last, pos_offset, item_time, saved)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (flow, tenant) DO UPDATE SET pos_cursor = excluded.pos_cursor, pos_last = excluded.pos_last,
			pos_offset = excluded.pos_offset, item_time = excluded.item_time, saved = excluded.saved`,
		p.Cursor, p.Last, p.Offset, kit.Micros(p.ItemTime), kit.Micros(t.now()))
	return err
}

func (t *sqlTx) DeletePosition() error {
	if err := t.Check("delete position", true); err != nil {
		return err
	}
	_, err := t.exec("delete position", `DELETE FROM positions WHERE flow = ? AND tenant = ?`)
	return err
}

func (t *sqlTx) MarkProcessed(key string, expires time.Time) error {
	if err := t.Check("mark processed", true); err != nil {
		return err
	}
	if err := kit.ValidKey("processed key", key); err != nil {
		return t.Invalid("mark processed", err)
	}
	return t.markProcessed("mark processed", []string{key}, expires)
}

// markProcessed upserts keys, many to a statement.
func (t *sqlTx) markProcessed(op string, keys []string, expires time.Time) error {
	exp := kit.Micros(expires)
	return runs(len(keys), func(start, size int) error {
		args := make([]any, 0, 1+size)
		args = append(args, exp)
		for _, k := range keys[start : start+size] {
			args = append(args, k)
		}
		_, err := t.exec(op, `INSERT INTO processed (flow, tenant, expires, k) VALUES `+repeat("(?1, ?2, ?3, ?)", ", ", size)+`
			ON CONFLICT (flow, tenant, k) DO UPDATE SET expires = excluded.expires`, args...)
		return err
	})
}

func (t *sqlTx) IsProcessed(key string) (bool, error) {
	m, err := t.Processed(key)
	return m[key], err
}

func (t *sqlTx) Processed(keys ...string) (map[string]bool, error) {
	if err := t.Check("processed", false); err != nil {
		return nil, err
	}
	for _, k := range keys {
		if err := kit.ValidKey("processed key", k); err != nil {
			return nil, t.Invalid("processed", err)
		}
	}
	out := map[string]bool{}
	now := kit.Micros(t.s.cfg.Clock())
	err := runs(len(keys), func(start, size int) error {
		args := make([]any, 0, 1+size)
		args = append(args, now)
		for _, k := range keys[start : start+size] {
			args = append(args, k)
		}
		rows, err := t.query("processed", `SELECT k FROM processed WHERE flow = ?1 AND tenant = ?2
			AND (expires = 0 OR expires > ?3) AND k IN (`+repeat("?", ", ", size)+`)`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				return t.dbErr("processed", err)
			}
			out[k] = true
		}
		if err := rows.Err(); err != nil {
			return t.dbErr("processed", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (t *sqlTx) ForgetProcessed(key string) error {
	if err := t.Check("forget processed", true); err != nil {
		return err
	}
	if err := kit.ValidKey("processed key", key); err != nil {
		return t.Invalid("forget processed", err)
	}
	_, err := t.exec("forget processed", `DELETE FROM processed WHERE flow = ? AND tenant = ? AND k = ?`, key)
	return err
}

const attemptCols = `item, attempts, last_error, first_at, last_at, next_try, dead, dead_at, reason, payload`

func (t *sqlTx) scanAttempts(op string, rows *sql.Rows) ([]store.Attempt, error) {
	defer rows.Close()
	out := []store.Attempt{}
	for rows.Next() {
		var a store.Attempt
		var first, last, next, deadAt int64
		if err := rows.Scan(&a.Item, &a.Count, &a.LastError, &first, &last, &next, &a.Dead, &deadAt, &a.Reason, &a.Payload); err != nil {
			return nil, t.dbErr(op, err)
		}
		a.FirstAt, a.LastAt, a.NextTry, a.DeadAt = kit.FromMicros(first), kit.FromMicros(last), kit.FromMicros(next), kit.FromMicros(deadAt)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, t.dbErr(op, err)
	}
	return out, nil
}

func (t *sqlTx) attempt(op, item string) (*store.Attempt, error) {
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

func (t *sqlTx) putAttempt(op string, a store.Attempt) error {
	_, err := t.exec(op, `INSERT OR REPLACE INTO attempts (flow, tenant, `+attemptCols+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.Item, a.Count, a.LastError, kit.Micros(a.FirstAt), kit.Micros(a.LastAt), kit.Micros(a.NextTry),
		a.Dead, kit.Micros(a.DeadAt), a.Reason, a.Payload)
	return err
}

func (t *sqlTx) RecordAttempt(f store.Failure) (store.Attempt, error) {
	if err := t.Check("record attempt", true); err != nil {
		return store.Attempt{}, err
	}
	if err := kit.ValidKey("item", f.Item); err != nil {
		return store.Attempt{}, t.Invalid("record attempt", err)
	}
	prev, err := t.attempt("record attempt", f.Item)
	if err != nil {
		return store.Attempt{}, err
	}
	f.Payload = bytes.Clone(f.Payload)
	a := store.NextAttempt(prev, f, t.now(), t.s.cfg.MaxAttempts)
	if err := t.putAttempt("record attempt", a); err != nil {
		return store.Attempt{}, err
	}
	return a, nil
}

func (t *sqlTx) Attempt(item string) (store.Attempt, error) {
	if err := t.Check("attempt", false); err != nil {
		return store.Attempt{}, err
	}
	if err := kit.ValidKey("item", item); err != nil {
		return store.Attempt{}, t.Invalid("attempt", err)
	}
	a, err := t.attempt("attempt", item)
	if err != nil {
		return store.Attempt{}, err
	}
	if a == nil {
		return store.Attempt{}, t.NotFound("attempt", item)
	}
	return *a, nil
}

func (t *sqlTx) ClearAttempts(item string) error {
	if err := t.Check("clear attempts", true); err != nil {
		return err
	}
	if err := kit.ValidKey("item", item); err != nil {
		return t.Invalid("clear attempts", err)
	}
	_, err := t.exec("clear attempts", `DELETE FROM attempts WHERE flow = ? AND tenant = ? AND item = ?`, item)
	return err
}

func (t *sqlTx) Attempts(prefix string) ([]store.Attempt, error) {
	if err := t.Check("attempts", false); err != nil {
		return nil, err
	}
	if err := kit.ValidPrefix(prefix); err != nil {
		return nil, t.Invalid("attempts", err)
	}
	cond, args := prefixCond("item", prefix)
	rows, err := t.query("attempts", `SELECT `+attemptCols+` FROM attempts WHERE flow = ? AND tenant = ?`+cond+
		` ORDER BY first_at, item`, args...)
	if err != nil {
		return nil, err
	}
	return t.scanAttempts("attempts", rows)
}

func (t *sqlTx) DueRetries(now time.Time, limit int) ([]store.Attempt, error) {
	if err := t.Check("due retries", false); err != nil {
		return nil, err
	}
	if err := kit.ValidLimit(limit); err != nil {
		return nil, t.Invalid("due retries", err)
	}
	rows, err := t.query("due retries", `SELECT `+attemptCols+` FROM attempts WHERE flow = ? AND tenant = ?
		AND dead = 0 AND next_try <= ? ORDER BY next_try, item LIMIT ?`, kit.Micros(now), sqlLimit(limit))
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

func (t *sqlTx) DeadLetters(prefix string) ([]store.Attempt, error) {
	if err := t.Check("dead letters", false); err != nil {
		return nil, err
	}
	if err := kit.ValidPrefix(prefix); err != nil {
		return nil, t.Invalid("dead letters", err)
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
	if err := t.Check("requeue", true); err != nil {
		return err
	}
	if err := kit.ValidKey("item", item); err != nil {
		return t.Invalid("requeue", err)
	}
	res, err := t.exec("requeue", `UPDATE attempts SET attempts = 0, dead = 0, dead_at = 0, reason = '', next_try = ?3
		WHERE flow = ?1 AND tenant = ?2 AND item = ?4`, kit.Micros(nextTry), item)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return t.dbErr("requeue", err)
	} else if n == 0 {
		return t.NotFound("attempt", item)
	}
	return nil
}

func (t *sqlTx) Value(key string) ([]byte, error) {
	if err := t.Check("value", false); err != nil {
		return nil, err
	}
	if err := kit.ValidKey("key", key); err != nil {
		return nil, t.Invalid("value", err)
	}
	var v []byte
	err := t.row(`SELECT v FROM kv WHERE flow = ? AND tenant = ? AND k = ?`, []any{key}, &v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, t.NotFound("value", key)
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
	if err := t.Check("set value", true); err != nil {
		return err
	}
	if err := kit.ValidKey("key", key); err != nil {
		return t.Invalid("set value", err)
	}
	if value == nil {
		value = []byte{}
	}
	_, err := t.exec("set value", `INSERT INTO kv (flow, tenant, k, v, updated) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (flow, tenant, k) DO UPDATE SET v = excluded.v, updated = excluded.updated`,
		key, value, kit.Micros(t.now()))
	return err
}

func (t *sqlTx) DeleteValue(key string) error {
	if err := t.Check("delete value", true); err != nil {
		return err
	}
	if err := kit.ValidKey("key", key); err != nil {
		return t.Invalid("delete value", err)
	}
	_, err := t.exec("delete value", `DELETE FROM kv WHERE flow = ? AND tenant = ? AND k = ?`, key)
	return err
}

func (t *sqlTx) Values(prefix string) ([]store.Entry[[]byte], error) {
	if err := t.Check("values", false); err != nil {
		return nil, err
	}
	if err := kit.ValidPrefix(prefix); err != nil {
		return nil, t.Invalid("values", err)
	}
	cond, args := prefixCond("k", prefix)
	return t.values(`SELECT k, v FROM kv WHERE flow = ? AND tenant = ?`+cond+` ORDER BY k`, args...)
}

// values runs a query of keys and values.
func (t *sqlTx) values(query string, args ...any) ([]store.Entry[[]byte], error) {
	rows, err := t.query("values", query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []store.Entry[[]byte]{}
	for rows.Next() {
		var e store.Entry[[]byte]
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

func (t *sqlTx) ValuesFrom(prefix, after string, limit int) ([]store.Entry[[]byte], error) {
	if err := t.Check("values", false); err != nil {
		return nil, err
	}
	if err := kit.ValidPage(prefix, after, limit); err != nil {
		return nil, t.Invalid("values", err)
	}
	// One lower bound only: given k >= prefix and k > after, SQLite starts the index range at
	// one of them and filters by the other, and starting at the prefix made every page of a
	// long listing scan all the pages before it.
	cond, args := prefixCond("k", prefix)
	if after >= prefix {
		cond, args = " AND k > ?", []any{after}
		if end, ok := kit.PrefixEnd(prefix); ok && prefix != "" {
			cond, args = cond+" AND k < ?", append(args, end)
		}
	}
	args = append(args, sqlLimit(limit))
	return t.values(`SELECT k, v FROM kv WHERE flow = ? AND tenant = ?`+cond+` ORDER BY k LIMIT ?`, args...)
}

func (t *sqlTx) Schedule(id string, at time.Time, payload []byte) error {
	if err := t.Check("schedule", true); err != nil {
		return err
	}
	if err := kit.ValidKey("timer id", id); err != nil {
		return t.Invalid("schedule", err)
	}
	if at.IsZero() {
		return t.Invalid("schedule", fmt.Errorf("%w: timer %q without a time", store.ErrInvalid, id))
	}
	_, err := t.exec("schedule", `INSERT OR REPLACE INTO timers (flow, tenant, id, at, payload, scheduled) VALUES (?, ?, ?, ?, ?, ?)`,
		id, kit.Micros(at), payload, kit.Micros(t.now()))
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
	if err := t.Check("cancel timer", true); err != nil {
		return false, err
	}
	if err := kit.ValidKey("timer id", id); err != nil {
		return false, t.Invalid("cancel timer", err)
	}
	return t.deleteTimer("cancel timer", id)
}

func (t *sqlTx) Fire(id string) error {
	if err := t.Check("fire timer", true); err != nil {
		return err
	}
	if err := kit.ValidKey("timer id", id); err != nil {
		return t.Invalid("fire timer", err)
	}
	ok, err := t.deleteTimer("fire timer", id)
	if err != nil {
		return err
	}
	if !ok {
		return t.NotFound("timer", id)
	}
	return nil
}

func (t *sqlTx) timers(op, where string, args ...any) ([]store.Timer, error) {
	rows, err := t.query(op, `SELECT id, at, payload, scheduled FROM timers WHERE flow = ? AND tenant = ?`+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []store.Timer{}
	for rows.Next() {
		var tm store.Timer
		var at, sched int64
		if err := rows.Scan(&tm.ID, &at, &tm.Payload, &sched); err != nil {
			return nil, t.dbErr(op, err)
		}
		tm.At, tm.Scheduled = kit.FromMicros(at), kit.FromMicros(sched)
		out = append(out, tm)
	}
	if err := rows.Err(); err != nil {
		return nil, t.dbErr(op, err)
	}
	return out, nil
}

func (t *sqlTx) Timer(id string) (store.Timer, error) {
	if err := t.Check("timer", false); err != nil {
		return store.Timer{}, err
	}
	if err := kit.ValidKey("timer id", id); err != nil {
		return store.Timer{}, t.Invalid("timer", err)
	}
	out, err := t.timers("timer", ` AND id = ?`, id)
	if err != nil {
		return store.Timer{}, err
	}
	if len(out) == 0 {
		return store.Timer{}, t.NotFound("timer", id)
	}
	return out[0], nil
}

func (t *sqlTx) Timers(prefix string) ([]store.Timer, error) {
	if err := t.Check("timers", false); err != nil {
		return nil, err
	}
	if err := kit.ValidPrefix(prefix); err != nil {
		return nil, t.Invalid("timers", err)
	}
	cond, args := prefixCond("id", prefix)
	return t.timers("timers", cond+` ORDER BY at, id`, args...)
}

func (t *sqlTx) NextTimer() (store.Timer, error) {
	if err := t.Check("next timer", false); err != nil {
		return store.Timer{}, err
	}
	out, err := t.timers("next timer", ` ORDER BY at, id LIMIT 1`)
	if err != nil {
		return store.Timer{}, err
	}
	if len(out) == 0 {
		return store.Timer{}, t.NotFound("next timer", "")
	}
	return out[0], nil
}

func (t *sqlTx) DueTimers(now time.Time, limit int) ([]store.Timer, error) {
	if err := t.Check("due timers", false); err != nil {
		return nil, err
	}
	if err := kit.ValidLimit(limit); err != nil {
		return nil, t.Invalid("due timers", err)
	}
	return t.timers("due timers", ` AND at <= ? ORDER BY at, id LIMIT ?`, kit.Micros(now), sqlLimit(limit))
}

func (t *sqlTx) Stats() (store.Stats, error) {
	if err := t.Check("stats", false); err != nil {
		return store.Stats{}, err
	}
	var st store.Stats
	var pos int
	err := t.row(`SELECT
		(SELECT count(*) FROM positions WHERE flow = ?1 AND tenant = ?2),
		(SELECT count(*) FROM processed WHERE flow = ?1 AND tenant = ?2),
		(SELECT count(*) FROM attempts WHERE flow = ?1 AND tenant = ?2 AND dead = 0),
		(SELECT count(*) FROM attempts WHERE flow = ?1 AND tenant = ?2 AND dead = 1),
		(SELECT count(*) FROM kv WHERE flow = ?1 AND tenant = ?2),
		(SELECT count(*) FROM timers WHERE flow = ?1 AND tenant = ?2),
		(SELECT count(*) FROM leases WHERE flow = ?1 AND tenant = ?2 AND holder != ''),
		(SELECT count(*) FROM queue WHERE flow = ?1 AND tenant = ?2 AND dead = 0),
		(SELECT count(*) FROM queue WHERE flow = ?1 AND tenant = ?2 AND dead = 1)`, nil,
		&pos, &st.Processed, &st.Retrying, &st.Dead, &st.Values, &st.Timers, &st.Leases, &st.Queued, &st.DeadMessages)
	if err != nil {
		return store.Stats{}, t.dbErr("stats", err)
	}
	st.HasPosition = pos > 0
	return st, nil
}
