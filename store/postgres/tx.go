package postgres

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/store/internal/kit"
)

type pgTx struct {
	kit.TxState
	s      *Store
	scope  store.Scope
	tx     pgx.Tx
	locked bool // holds the scope's lock
}

var _ store.Tx = (*pgTx)(nil)

func (t *pgTx) Scope() store.Scope       { return t.scope }
func (t *pgTx) Context() context.Context { return t.Ctx }
func (t *pgTx) ReadOnly() bool           { return t.RO }

// b is s as a bytea parameter (never NULL).
func b(s string) []byte {
	if s == "" {
		return []byte{}
	}
	return []byte(s)
}

// str scans a bytea column into a string.
type str struct{ p *string }

func (d str) ScanBytes(v []byte) error {
	*d.p = string(v)
	return nil
}

// start runs before every operation but Claim, Extend, Ack and Nack: the transaction must be
// live (kit.TxState.Check) and, in a write transaction, hold the scope's lock, which it takes
// the first time. Taken before the operation's statement runs, the lock makes every statement
// of the transaction see what the scope's earlier writers committed.
func (t *pgTx) start(op string, write bool) error {
	if err := t.Check(op, write); err != nil {
		return err
	}
	if t.RO || t.locked {
		return nil
	}
	if _, err := t.tx.Exec(t.Ctx, `SELECT pg_advisory_xact_lock($1, $2)`, lockClass, t.s.lockKey(t.scope.Flow, t.scope.Tenant)); err != nil {
		return t.dbErr(op, err)
	}
	t.locked = true
	return nil
}

// dbErr dooms the transaction with a database error of op, permanent ones marked.
func (t *pgTx) dbErr(op string, err error) error {
	return t.Failed(op, t.s.classify(err))
}

func (t *pgTx) now() time.Time { return kit.Norm(t.s.cfg.Clock()) }

// in is the arguments of a statement on scope's rows: its flow and tenant ($1, $2), then args.
func in(scope store.Scope, args []any) []any {
	return append([]any{b(scope.Flow), b(scope.Tenant)}, args...)
}

// exec runs a statement with the scope's flow and tenant as its first two arguments.
func (t *pgTx) exec(op, query string, args ...any) (pgconn.CommandTag, error) {
	return t.execIn(t.scope, op, query, args...)
}

// execIn is exec on another scope's rows.
func (t *pgTx) execIn(scope store.Scope, op, query string, args ...any) (pgconn.CommandTag, error) {
	tag, err := t.tx.Exec(t.Ctx, t.s.q(query), in(scope, args)...)
	if err != nil {
		return tag, t.dbErr(op, err)
	}
	return tag, nil
}

func (t *pgTx) query(op, query string, args ...any) (pgx.Rows, error) {
	rows, err := t.tx.Query(t.Ctx, t.s.q(query), in(t.scope, args)...)
	if err != nil {
		return nil, t.dbErr(op, err)
	}
	return rows, nil
}

// row runs a query expected to return at most one row and scans it into dest; pgx.ErrNoRows
// when there is none.
func (t *pgTx) row(query string, args []any, dest ...any) error {
	return t.rowIn(t.scope, query, args, dest...)
}

// rowIn is row on another scope's rows.
func (t *pgTx) rowIn(scope store.Scope, query string, args []any, dest ...any) error {
	return t.tx.QueryRow(t.Ctx, t.s.q(query), in(scope, args)...).Scan(dest...)
}

// maxIndexed is how much of a key the index holds as it is ({s}.ik).
const maxIndexed = 1024

// prefixCond returns the condition on key column col that selects keys starting with prefix,
// its parameters numbered from n. It is a range on the index (col_ix), exact for prefixes of
// up to maxIndexed bytes, which are the index's too; a longer prefix narrows the range by its
// first maxIndexed bytes and the full key decides.
func prefixCond(col, prefix string, n int) (string, []any) {
	if prefix == "" {
		return "", nil
	}
	cond, args := rangeCond(col+"_ix", prefix[:min(len(prefix), maxIndexed)], n)
	if len(prefix) > maxIndexed {
		more, margs := rangeCond(col, prefix, n+len(args))
		cond, args = cond+more, append(args, margs...)
	}
	return cond, args
}

// rangeCond selects the values of col starting with prefix.
func rangeCond(col, prefix string, n int) (string, []any) {
	if end, ok := kit.PrefixEnd(prefix); ok {
		return fmt.Sprintf(" AND %s >= $%d AND %s < $%d", col, n, col, n+1), []any{b(prefix), b(end)}
	}
	return fmt.Sprintf(" AND %s >= $%d", col, n), []any{b(prefix)}
}

// limit is a LIMIT's argument: NULL (none) for 0.
func limit(n int) any {
	if n == 0 {
		return nil
	}
	return int64(n)
}

func (t *pgTx) Position() (store.Position, error) {
	if err := t.start("position", false); err != nil {
		return store.Position{}, err
	}
	var p store.Position
	var itemTime, saved int64
	err := t.row(`SELECT pos_cursor, pos_last, pos_offset, item_time, saved FROM {s}.positions WHERE flow = $1 AND tenant = $2`, nil,
		str{&p.Cursor}, str{&p.Last}, &p.Offset, &itemTime, &saved)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Position{}, t.NotFound("position", "")
	}
	if err != nil {
		return store.Position{}, t.dbErr("position", err)
	}
	p.ItemTime, p.Saved = kit.FromMicros(itemTime), kit.FromMicros(saved)
	return p, nil
}

func (t *pgTx) SetPosition(p store.Position) error {
	if err := t.start("set position", true); err != nil {
		return err
	}
	return t.setPosition("set position", p)
}

func (t *pgTx) setPosition(op string, p store.Position) error {
	_, err := t.exec(op, `INSERT INTO {s}.positions (flow, tenant, pos_cursor, pos_last, pos_offset, item_time, saved)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (flow, tenant) DO UPDATE SET pos_cursor = excluded.pos_cursor, pos_last = excluded.pos_last,
			pos_offset = excluded.pos_offset, item_time = excluded.item_time, saved = excluded.saved`,
		b(p.Cursor), b(p.Last), p.Offset, kit.Micros(p.ItemTime), kit.Micros(t.now()))
	return err
}

func (t *pgTx) DeletePosition() error {
	if err := t.start("delete position", true); err != nil {
		return err
	}
	_, err := t.exec("delete position", `DELETE FROM {s}.positions WHERE flow = $1 AND tenant = $2`)
	return err
}

func (t *pgTx) MarkProcessed(key string, expires time.Time) error {
	if err := t.start("mark processed", true); err != nil {
		return err
	}
	if err := kit.ValidKey("processed key", key); err != nil {
		return t.Invalid("mark processed", err)
	}
	return t.markProcessed("mark processed", []string{key}, expires)
}

// keyArray is keys as a bytea[] parameter, each once.
func keyArray(keys []string) [][]byte {
	seen := make(map[string]bool, len(keys))
	out := make([][]byte, 0, len(keys))
	for _, k := range keys {
		if !seen[k] {
			seen[k] = true
			out = append(out, b(k))
		}
	}
	return out
}

// markProcessed upserts keys in one statement.
func (t *pgTx) markProcessed(op string, keys []string, expires time.Time) error {
	if len(keys) == 0 {
		return nil
	}
	_, err := t.exec(op, `INSERT INTO {s}.processed (flow, tenant, k, expires)
		SELECT $1, $2, k, $3 FROM unnest($4::bytea[]) AS k
		ON CONFLICT (flow, tenant, k_ix) DO UPDATE SET expires = excluded.expires`, kit.Micros(expires), keyArray(keys))
	return err
}

func (t *pgTx) IsProcessed(key string) (bool, error) {
	m, err := t.Processed(key)
	return m[key], err
}

func (t *pgTx) Processed(keys ...string) (map[string]bool, error) {
	if err := t.start("processed", false); err != nil {
		return nil, err
	}
	for _, k := range keys {
		if err := kit.ValidKey("processed key", k); err != nil {
			return nil, t.Invalid("processed", err)
		}
	}
	out := map[string]bool{}
	if len(keys) == 0 {
		return out, nil
	}
	rows, err := t.query("processed", `SELECT k FROM {s}.processed WHERE flow = $1 AND tenant = $2
		AND k_ix IN (SELECT {s}.ik(x) FROM unnest($3::bytea[]) AS x) AND (expires = 0 OR expires > $4)`, keyArray(keys), kit.Micros(t.s.cfg.Clock()))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		if err := rows.Scan(str{&k}); err != nil {
			return nil, t.dbErr("processed", err)
		}
		out[k] = true
	}
	if err := rows.Err(); err != nil {
		return nil, t.dbErr("processed", err)
	}
	return out, nil
}

func (t *pgTx) ForgetProcessed(key string) error {
	if err := t.start("forget processed", true); err != nil {
		return err
	}
	if err := kit.ValidKey("processed key", key); err != nil {
		return t.Invalid("forget processed", err)
	}
	_, err := t.exec("forget processed", `DELETE FROM {s}.processed WHERE flow = $1 AND tenant = $2 AND k_ix = {s}.ik($3)`, b(key))
	return err
}

const attemptCols = `item, attempts, last_error, first_at, last_at, next_try, dead, dead_at, reason, payload`

func (t *pgTx) scanAttempts(op string, rows pgx.Rows) ([]store.Attempt, error) {
	defer rows.Close()
	out := []store.Attempt{}
	for rows.Next() {
		a, err := scanAttempt(rows)
		if err != nil {
			return nil, t.dbErr(op, err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, t.dbErr(op, err)
	}
	return out, nil
}

// scanAttempt reads the attemptCols of one row.
func scanAttempt(row pgx.Row, before ...any) (store.Attempt, error) {
	var a store.Attempt
	var first, last, next, deadAt, count int64
	if err := row.Scan(append(before, str{&a.Item}, &count, str{&a.LastError}, &first, &last, &next, &a.Dead, &deadAt, str{&a.Reason}, &a.Payload)...); err != nil {
		return a, err
	}
	a.Count = int(count)
	a.FirstAt, a.LastAt, a.NextTry, a.DeadAt = kit.FromMicros(first), kit.FromMicros(last), kit.FromMicros(next), kit.FromMicros(deadAt)
	return a, nil
}

func (t *pgTx) attempt(op, item string) (*store.Attempt, error) {
	rows, err := t.query(op, `SELECT `+attemptCols+` FROM {s}.attempts WHERE flow = $1 AND tenant = $2 AND item_ix = {s}.ik($3)`, b(item))
	if err != nil {
		return nil, err
	}
	as, err := t.scanAttempts(op, rows)
	if err != nil || len(as) == 0 {
		return nil, err
	}
	return &as[0], nil
}

func (t *pgTx) putAttempt(op string, a store.Attempt) error {
	_, err := t.exec(op, putAttemptSQL, attemptArgs(a)...)
	return err
}

const putAttemptSQL = `INSERT INTO {s}.attempts (flow, tenant, ` + attemptCols + `)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		ON CONFLICT (flow, tenant, item_ix) DO UPDATE SET attempts = excluded.attempts, last_error = excluded.last_error,
			first_at = excluded.first_at, last_at = excluded.last_at, next_try = excluded.next_try, dead = excluded.dead,
			dead_at = excluded.dead_at, reason = excluded.reason, payload = excluded.payload`

// attemptArgs are a's values in the order of attemptCols.
func attemptArgs(a store.Attempt) []any {
	return []any{b(a.Item), int64(a.Count), b(a.LastError), kit.Micros(a.FirstAt), kit.Micros(a.LastAt), kit.Micros(a.NextTry),
		a.Dead, kit.Micros(a.DeadAt), b(a.Reason), a.Payload}
}

func (t *pgTx) RecordAttempt(f store.Failure) (store.Attempt, error) {
	if err := t.start("record attempt", true); err != nil {
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

func (t *pgTx) Attempt(item string) (store.Attempt, error) {
	if err := t.start("attempt", false); err != nil {
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

func (t *pgTx) ClearAttempts(item string) error {
	if err := t.start("clear attempts", true); err != nil {
		return err
	}
	if err := kit.ValidKey("item", item); err != nil {
		return t.Invalid("clear attempts", err)
	}
	_, err := t.exec("clear attempts", `DELETE FROM {s}.attempts WHERE flow = $1 AND tenant = $2 AND item_ix = {s}.ik($3)`, b(item))
	return err
}

func (t *pgTx) Attempts(prefix string) ([]store.Attempt, error) {
	if err := t.start("attempts", false); err != nil {
		return nil, err
	}
	if err := kit.ValidPrefix(prefix); err != nil {
		return nil, t.Invalid("attempts", err)
	}
	cond, args := prefixCond("item", prefix, 3)
	rows, err := t.query("attempts", `SELECT `+attemptCols+` FROM {s}.attempts WHERE flow = $1 AND tenant = $2`+cond+
		` ORDER BY first_at, item`, args...)
	if err != nil {
		return nil, err
	}
	return t.scanAttempts("attempts", rows)
}

func (t *pgTx) DueRetries(now time.Time, n int) ([]store.Attempt, error) {
	if err := t.start("due retries", false); err != nil {
		return nil, err
	}
	if err := kit.ValidLimit(n); err != nil {
		return nil, t.Invalid("due retries", err)
	}
	rows, err := t.query("due retries", `SELECT `+attemptCols+` FROM {s}.attempts WHERE flow = $1 AND tenant = $2
		AND NOT dead AND next_try <= $3 ORDER BY next_try, item LIMIT $4`, kit.Micros(now), limit(n))
	if err != nil {
		return nil, err
	}
	return t.scanAttempts("due retries", rows)
}

func (t *pgTx) DeadLetters(prefix string) ([]store.Attempt, error) {
	if err := t.start("dead letters", false); err != nil {
		return nil, err
	}
	if err := kit.ValidPrefix(prefix); err != nil {
		return nil, t.Invalid("dead letters", err)
	}
	cond, args := prefixCond("item", prefix, 3)
	rows, err := t.query("dead letters", `SELECT `+attemptCols+` FROM {s}.attempts WHERE flow = $1 AND tenant = $2 AND dead`+cond+
		` ORDER BY dead_at, item`, args...)
	if err != nil {
		return nil, err
	}
	return t.scanAttempts("dead letters", rows)
}

func (t *pgTx) Requeue(item string, nextTry time.Time) error {
	if err := t.start("requeue", true); err != nil {
		return err
	}
	if err := kit.ValidKey("item", item); err != nil {
		return t.Invalid("requeue", err)
	}
	tag, err := t.exec("requeue", `UPDATE {s}.attempts SET attempts = 0, dead = false, dead_at = 0, reason = ''::bytea, next_try = $3
		WHERE flow = $1 AND tenant = $2 AND item_ix = {s}.ik($4)`, kit.Micros(nextTry), b(item))
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return t.NotFound("attempt", item)
	}
	return nil
}

func (t *pgTx) Value(key string) ([]byte, error) {
	if err := t.start("value", false); err != nil {
		return nil, err
	}
	if err := kit.ValidKey("key", key); err != nil {
		return nil, t.Invalid("value", err)
	}
	var v []byte
	err := t.row(`SELECT v FROM {s}.kv WHERE flow = $1 AND tenant = $2 AND k_ix = {s}.ik($3)`, []any{b(key)}, &v)
	if errors.Is(err, pgx.ErrNoRows) {
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

func (t *pgTx) SetValue(key string, value []byte) error {
	if err := t.start("set value", true); err != nil {
		return err
	}
	if err := kit.ValidKey("key", key); err != nil {
		return t.Invalid("set value", err)
	}
	if value == nil {
		value = []byte{}
	}
	_, err := t.exec("set value", `INSERT INTO {s}.kv (flow, tenant, k, v, updated) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (flow, tenant, k_ix) DO UPDATE SET v = excluded.v, updated = excluded.updated`,
		b(key), value, kit.Micros(t.now()))
	return err
}

func (t *pgTx) DeleteValue(key string) error {
	if err := t.start("delete value", true); err != nil {
		return err
	}
	if err := kit.ValidKey("key", key); err != nil {
		return t.Invalid("delete value", err)
	}
	_, err := t.exec("delete value", `DELETE FROM {s}.kv WHERE flow = $1 AND tenant = $2 AND k_ix = {s}.ik($3)`, b(key))
	return err
}

func (t *pgTx) Values(prefix string) ([]store.Entry[[]byte], error) {
	if err := t.start("values", false); err != nil {
		return nil, err
	}
	if err := kit.ValidPrefix(prefix); err != nil {
		return nil, t.Invalid("values", err)
	}
	cond, args := prefixCond("k", prefix, 3)
	return t.values(`SELECT k, v FROM {s}.kv WHERE flow = $1 AND tenant = $2`+cond+` ORDER BY k`, args...)
}

// ValuesFrom pages through the primary key (flow, tenant, k_ix): k_ix is unique per scope and
// equals the key for keys up to 1 KiB, so a page is an index range scan and the next page
// starts exactly after the last key, while ORDER BY k would sort the whole rest of the range
// for every page.
func (t *pgTx) ValuesFrom(prefix, after string, n int) ([]store.Entry[[]byte], error) {
	if err := t.start("values", false); err != nil {
		return nil, err
	}
	if err := kit.ValidPage(prefix, after, n); err != nil {
		return nil, t.Invalid("values", err)
	}
	cond, args := prefixCond("k", prefix, 3)
	m := 3 + len(args)
	args = append(args, b(after), limit(n))
	return t.values(`SELECT k, v FROM {s}.kv WHERE flow = $1 AND tenant = $2`+cond+
		fmt.Sprintf(` AND k_ix > {s}.ik($%d) ORDER BY k_ix LIMIT $%d`, m, m+1), args...)
}

// values runs a query of keys and values.
func (t *pgTx) values(query string, args ...any) ([]store.Entry[[]byte], error) {
	rows, err := t.query("values", query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []store.Entry[[]byte]{}
	for rows.Next() {
		var e store.Entry[[]byte]
		if err := rows.Scan(str{&e.Key}, &e.Value); err != nil {
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

func (t *pgTx) Schedule(id string, at time.Time, payload []byte) error {
	if err := t.start("schedule", true); err != nil {
		return err
	}
	if err := kit.ValidKey("timer id", id); err != nil {
		return t.Invalid("schedule", err)
	}
	if at.IsZero() {
		return t.Invalid("schedule", fmt.Errorf("%w: timer %q without a time", store.ErrInvalid, kit.Mask(id)))
	}
	_, err := t.exec("schedule", putTimerSQL, b(id), kit.Micros(at), payload, kit.Micros(t.now()))
	return err
}

const putTimerSQL = `INSERT INTO {s}.timers (flow, tenant, id, at, payload, scheduled) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (flow, tenant, id_ix) DO UPDATE SET at = excluded.at, payload = excluded.payload, scheduled = excluded.scheduled`

func (t *pgTx) deleteTimer(op, id string) (bool, error) {
	tag, err := t.exec(op, `DELETE FROM {s}.timers WHERE flow = $1 AND tenant = $2 AND id_ix = {s}.ik($3)`, b(id))
	if err != nil {
		return false, err
	}
	return tag.RowsAffected() > 0, nil
}

func (t *pgTx) Cancel(id string) (bool, error) {
	if err := t.start("cancel timer", true); err != nil {
		return false, err
	}
	if err := kit.ValidKey("timer id", id); err != nil {
		return false, t.Invalid("cancel timer", err)
	}
	return t.deleteTimer("cancel timer", id)
}

func (t *pgTx) Fire(id string) error {
	if err := t.start("fire timer", true); err != nil {
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

func (t *pgTx) timers(op, where string, args ...any) ([]store.Timer, error) {
	rows, err := t.query(op, `SELECT id, at, payload, scheduled FROM {s}.timers WHERE flow = $1 AND tenant = $2`+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []store.Timer{}
	for rows.Next() {
		tm, err := scanTimer(rows)
		if err != nil {
			return nil, t.dbErr(op, err)
		}
		out = append(out, tm)
	}
	if err := rows.Err(); err != nil {
		return nil, t.dbErr(op, err)
	}
	return out, nil
}

// scanTimer reads a timer's id, at, payload and scheduled.
func scanTimer(row pgx.Row, before ...any) (store.Timer, error) {
	var tm store.Timer
	var at, sched int64
	if err := row.Scan(append(before, str{&tm.ID}, &at, &tm.Payload, &sched)...); err != nil {
		return tm, err
	}
	tm.At, tm.Scheduled = kit.FromMicros(at), kit.FromMicros(sched)
	return tm, nil
}

func (t *pgTx) Timer(id string) (store.Timer, error) {
	if err := t.start("timer", false); err != nil {
		return store.Timer{}, err
	}
	if err := kit.ValidKey("timer id", id); err != nil {
		return store.Timer{}, t.Invalid("timer", err)
	}
	out, err := t.timers("timer", ` AND id_ix = {s}.ik($3)`, b(id))
	if err != nil {
		return store.Timer{}, err
	}
	if len(out) == 0 {
		return store.Timer{}, t.NotFound("timer", id)
	}
	return out[0], nil
}

func (t *pgTx) Timers(prefix string) ([]store.Timer, error) {
	if err := t.start("timers", false); err != nil {
		return nil, err
	}
	if err := kit.ValidPrefix(prefix); err != nil {
		return nil, t.Invalid("timers", err)
	}
	cond, args := prefixCond("id", prefix, 3)
	return t.timers("timers", cond+` ORDER BY at, id`, args...)
}

func (t *pgTx) NextTimer() (store.Timer, error) {
	if err := t.start("next timer", false); err != nil {
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

// DueTimers lists the due timers. In a write transaction it holds the scope's lock, so that
// two processes firing the same scope's timers take turns and a timer that one has fired is
// gone for the other (FireDue's exactly once).
func (t *pgTx) DueTimers(now time.Time, n int) ([]store.Timer, error) {
	if err := t.start("due timers", false); err != nil {
		return nil, err
	}
	if err := kit.ValidLimit(n); err != nil {
		return nil, t.Invalid("due timers", err)
	}
	return t.timers("due timers", ` AND at <= $3 ORDER BY at, id LIMIT $4`, kit.Micros(now), limit(n))
}

func (t *pgTx) Stats() (store.Stats, error) {
	if err := t.start("stats", false); err != nil {
		return store.Stats{}, err
	}
	var st store.Stats
	var pos, processed, retrying, dead, values, timers, leases, queued, deadMessages int64
	err := t.row(`SELECT
		(SELECT count(*) FROM {s}.positions WHERE flow = $1 AND tenant = $2),
		(SELECT count(*) FROM {s}.processed WHERE flow = $1 AND tenant = $2),
		(SELECT count(*) FROM {s}.attempts WHERE flow = $1 AND tenant = $2 AND NOT dead),
		(SELECT count(*) FROM {s}.attempts WHERE flow = $1 AND tenant = $2 AND dead),
		(SELECT count(*) FROM {s}.kv WHERE flow = $1 AND tenant = $2),
		(SELECT count(*) FROM {s}.timers WHERE flow = $1 AND tenant = $2),
		(SELECT count(*) FROM {s}.leases WHERE flow = $1 AND tenant = $2 AND holder <> ''::bytea),
		(SELECT count(*) FROM {s}.queue WHERE flow = $1 AND tenant = $2 AND NOT dead),
		(SELECT count(*) FROM {s}.queue WHERE flow = $1 AND tenant = $2 AND dead)`, nil,
		&pos, &processed, &retrying, &dead, &values, &timers, &leases, &queued, &deadMessages)
	if err != nil {
		return store.Stats{}, t.dbErr("stats", err)
	}
	st.HasPosition = pos > 0
	st.Processed, st.Retrying, st.Dead, st.Values, st.Timers = int(processed), int(retrying), int(dead), int(values), int(timers)
	st.Leases, st.Queued, st.DeadMessages = int(leases), int(queued), int(deadMessages)
	return st, nil
}
