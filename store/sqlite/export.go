package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"strings"

	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/store/internal/kit"
)

var (
	_ store.Exporter = (*Store)(nil)
	_ store.Importer = (*Store)(nil)
)

// exportScan reads one row of an export query, its flow and tenant first, into a record.
type exportScan func(rows *sql.Rows, sc *store.Scope) (store.Record, error)

// exports are the queries Export runs, one per table.
var exports = []struct {
	query string
	scan  exportScan
}{
	{`SELECT flow, tenant, pos_cursor, pos_last, pos_offset, item_time, saved FROM positions ORDER BY flow, tenant`,
		func(rows *sql.Rows, sc *store.Scope) (store.Record, error) {
			var p store.Position
			var itemTime, saved int64
			err := rows.Scan(&sc.Flow, &sc.Tenant, &p.Cursor, &p.Last, &p.Offset, &itemTime, &saved)
			p.ItemTime, p.Saved = kit.FromMicros(itemTime), kit.FromMicros(saved)
			return store.Record{Position: &p}, err
		}},
	{`SELECT flow, tenant, k, expires FROM processed ORDER BY flow, tenant, k`,
		func(rows *sql.Rows, sc *store.Scope) (store.Record, error) {
			var k store.ProcessedKey
			var expires int64
			err := rows.Scan(&sc.Flow, &sc.Tenant, &k.Key, &expires)
			k.Expires = kit.FromMicros(expires)
			return store.Record{Processed: &k}, err
		}},
	{`SELECT flow, tenant, ` + attemptCols + ` FROM attempts ORDER BY flow, tenant, item`,
		func(rows *sql.Rows, sc *store.Scope) (store.Record, error) {
			var a store.Attempt
			var first, last, next, deadAt int64
			err := rows.Scan(&sc.Flow, &sc.Tenant, &a.Item, &a.Count, &a.LastError, &first, &last, &next, &a.Dead, &deadAt, &a.Reason, &a.Payload)
			a.FirstAt, a.LastAt, a.NextTry, a.DeadAt = kit.FromMicros(first), kit.FromMicros(last), kit.FromMicros(next), kit.FromMicros(deadAt)
			return store.Record{Attempt: &a}, err
		}},
	{`SELECT flow, tenant, k, v FROM kv ORDER BY flow, tenant, k`,
		func(rows *sql.Rows, sc *store.Scope) (store.Record, error) {
			var e store.Entry[[]byte]
			err := rows.Scan(&sc.Flow, &sc.Tenant, &e.Key, &e.Value)
			if e.Value == nil {
				e.Value = []byte{}
			}
			return store.Record{Value: &e}, err
		}},
	{`SELECT flow, tenant, id, at, payload, scheduled FROM timers ORDER BY flow, tenant, id`,
		func(rows *sql.Rows, sc *store.Scope) (store.Record, error) {
			var tm store.Timer
			var at, sched int64
			err := rows.Scan(&sc.Flow, &sc.Tenant, &tm.ID, &at, &tm.Payload, &sched)
			tm.At, tm.Scheduled = kit.FromMicros(at), kit.FromMicros(sched)
			return store.Record{Timer: &tm}, err
		}},
	{`SELECT flow, tenant, name, holder, token, acquired, expires FROM leases ORDER BY flow, tenant, name`,
		func(rows *sql.Rows, sc *store.Scope) (store.Record, error) {
			var l store.Lease
			var acquired, expires int64
			err := rows.Scan(&sc.Flow, &sc.Tenant, &l.Name, &l.Holder, &l.Token, &acquired, &expires)
			l.Scope, l.Acquired, l.Expires = *sc, kit.FromMicros(acquired), kit.FromMicros(expires)
			return store.Record{Lease: &l}, err
		}},
	{`SELECT flow, tenant, ` + messageCols + ` FROM queue ORDER BY id`,
		func(rows *sql.Rows, sc *store.Scope) (store.Record, error) {
			var m store.StoredMessage
			var enqueued, due, deadAt int64
			err := rows.Scan(&sc.Flow, &sc.Tenant, &m.ID, &m.Key, &m.OrderKey, &m.Payload, &enqueued, &due, &m.Claimed, &m.Attempt,
				&m.MaxAttempts, &m.LastError, &m.Dead, &deadAt, &m.Reason)
			m.Enqueued, m.Due, m.DeadAt = kit.FromMicros(enqueued), kit.FromMicros(due), kit.FromMicros(deadAt)
			if m.Payload == nil {
				m.Payload = []byte{}
			}
			return store.Record{Message: &m}, err
		}},
	{`SELECT flow, tenant, k, expires, id FROM queue_keys ORDER BY flow, tenant, k`,
		func(rows *sql.Rows, sc *store.Scope) (store.Record, error) {
			var k store.DedupKey
			var expires int64
			err := rows.Scan(&sc.Flow, &sc.Tenant, &k.Key, &expires, &k.ID)
			k.Expires = kit.FromMicros(expires)
			return store.Record{DedupKey: &k}, err
		}},
}

// Export implements store.Exporter: every table, read in one read transaction.
func (s *Store) Export(ctx context.Context) iter.Seq2[store.Record, error] {
	return kit.Seq(func(emit func(store.Record) bool) error {
		return s.read(ctx, "*", func(ctx context.Context, rc *reader) error {
			for _, e := range exports {
				if more, err := s.exportTable(ctx, rc, e.query, e.scan, emit); !more || err != nil {
					return err
				}
			}
			return nil
		})
	})
}

func (s *Store) exportTable(ctx context.Context, rc *reader, query string, scan exportScan, emit func(store.Record) bool) (bool, error) {
	rows, err := rc.conn.QueryContext(ctx, query)
	if err != nil {
		return false, kit.WrapErr(ctx, "*", "export", s.classify(err))
	}
	defer rows.Close()
	for rows.Next() {
		var sc store.Scope
		r, err := scan(rows, &sc)
		if err != nil {
			return false, kit.WrapErr(ctx, "*", "export", s.classify(err))
		}
		r.Scope = sc
		if !emit(r) {
			return false, nil
		}
	}
	if err := rows.Err(); err != nil {
		return false, kit.WrapErr(ctx, "*", "export", s.classify(err))
	}
	return true, nil
}

// Import implements store.Importer, in one write transaction, which keeps other writers of
// the file (in this process and others) waiting until it ends.
func (s *Store) Import(ctx context.Context, records iter.Seq2[store.Record, error]) (int, error) {
	var n int
	err := s.write(ctx, "*", func(ctx context.Context, conn *sql.Conn) error {
		if err := s.mustBeEmpty(ctx, conn); err != nil {
			return err
		}
		now := kit.Micros(s.cfg.Clock())
		var maxID int64
		for r, err := range records {
			if err != nil {
				return fmt.Errorf("store: import into %s: reading the source: %w", s.path, err)
			}
			if err := r.Validate(); err != nil {
				return fmt.Errorf("store: import into %s: record %d: %w", s.path, n+1, err)
			}
			query, args := importRow(r, now)
			st, err := s.writeStmt(ctx, query)
			if err != nil {
				return kit.WrapErr(ctx, "*", "import", s.classify(err))
			}
			if _, err := st.ExecContext(ctx, append([]any{r.Scope.Flow, r.Scope.Tenant}, args...)...); err != nil {
				return kit.WrapErr(ctx, "*", fmt.Sprintf("import record %d", n+1), s.classify(err))
			}
			if r.Message != nil {
				maxID = max(maxID, r.Message.ID)
			}
			if r.DedupKey != nil {
				maxID = max(maxID, r.DedupKey.ID)
			}
			n++
		}
		// New messages get ids above every imported one, keys included: a key may name a
		// message that was acknowledged before the export. AUTOINCREMENT keeps the highest
		// id it has given out in sqlite_sequence.
		if maxID > 0 {
			if _, err := conn.ExecContext(ctx, `UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = 'queue'`, maxID); err != nil {
				return kit.WrapErr(ctx, "*", "import", s.classify(err))
			}
			if _, err := conn.ExecContext(ctx, `INSERT INTO sqlite_sequence (name, seq)
				SELECT 'queue', ? WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'queue')`, maxID); err != nil {
				return kit.WrapErr(ctx, "*", "import", s.classify(err))
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// importRow is the statement that writes r (the scope's flow and tenant its first two
// arguments) and its other arguments.
func importRow(r store.Record, now int64) (string, []any) {
	switch {
	case r.Position != nil:
		p := r.Position
		return `INSERT INTO positions (flow, tenant, pos_cursor, pos_last, pos_offset, item_time, saved) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			[]any{p.Cursor, p.Last, p.Offset, kit.Micros(p.ItemTime), kit.Micros(p.Saved)}
	case r.Processed != nil:
		return `INSERT INTO processed (flow, tenant, k, expires) VALUES (?, ?, ?, ?)`,
			[]any{r.Processed.Key, kit.Micros(r.Processed.Expires)}
	case r.Attempt != nil:
		a := r.Attempt
		return `INSERT INTO attempts (flow, tenant, ` + attemptCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			[]any{a.Item, a.Count, a.LastError, kit.Micros(a.FirstAt), kit.Micros(a.LastAt), kit.Micros(a.NextTry),
				a.Dead, kit.Micros(a.DeadAt), a.Reason, a.Payload}
	case r.Value != nil:
		v := r.Value.Value
		if v == nil {
			v = []byte{}
		}
		return `INSERT INTO kv (flow, tenant, k, v, updated) VALUES (?, ?, ?, ?, ?)`, []any{r.Value.Key, v, now}
	case r.Timer != nil:
		tm := r.Timer
		return `INSERT INTO timers (flow, tenant, id, at, payload, scheduled) VALUES (?, ?, ?, ?, ?, ?)`,
			[]any{tm.ID, kit.Micros(tm.At), tm.Payload, kit.Micros(tm.Scheduled)}
	case r.Lease != nil:
		l := r.Lease
		return `INSERT INTO leases (flow, tenant, name, holder, token, acquired, expires) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			[]any{l.Name, l.Holder, l.Token, kit.Micros(l.Acquired), kit.Micros(l.Expires)}
	case r.Message != nil:
		m := r.Message
		payload := m.Payload
		if payload == nil {
			payload = []byte{}
		}
		return `INSERT INTO queue (flow, tenant, ` + messageCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			[]any{m.ID, m.Key, m.OrderKey, payload, kit.Micros(m.Enqueued), kit.Micros(m.Due), m.Claimed, m.Attempt,
				m.MaxAttempts, m.LastError, m.Dead, kit.Micros(m.DeadAt), m.Reason}
	default: // DedupKey; Validate saw to it that one part is set
		k := r.DedupKey
		return `INSERT INTO queue_keys (flow, tenant, k, expires, id) VALUES (?, ?, ?, ?, ?)`,
			[]any{k.Key, kit.Micros(k.Expires), k.ID}
	}
}

// mustBeEmpty refuses an import into a file that holds any scope.
func (s *Store) mustBeEmpty(ctx context.Context, conn *sql.Conn) error {
	parts := make([]string, 0, 8)
	for _, t := range []string{"positions", "processed", "attempts", "kv", "timers", "leases", "queue", "queue_keys"} {
		parts = append(parts, "SELECT flow, tenant FROM "+t)
	}
	var n int
	var sc store.Scope
	err := conn.QueryRowContext(ctx, `SELECT count(*) OVER (), flow, tenant FROM (`+strings.Join(parts, " UNION ")+`)
		ORDER BY flow, tenant LIMIT 1`).Scan(&n, &sc.Flow, &sc.Tenant)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return kit.WrapErr(ctx, "*", "import", s.classify(err))
	}
	return fmt.Errorf("store: import: %w", kit.NotEmpty(s.path, n, sc.String()))
}
