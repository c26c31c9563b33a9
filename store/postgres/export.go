package postgres

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/store/internal/kit"
)

// exportScan reads one row of an export query into a record.
type exportScan func(rows pgx.Rows, sc *store.Scope) (store.Record, error)

// exports are the queries Export runs, one per table, each row's flow and tenant first.
var exports = []struct {
	query string
	scan  exportScan
}{
	{`SELECT flow, tenant, pos_cursor, pos_last, pos_offset, item_time, saved FROM {s}.positions ORDER BY flow, tenant`,
		func(rows pgx.Rows, sc *store.Scope) (store.Record, error) {
			var p store.Position
			var itemTime, saved int64
			err := rows.Scan(str{&sc.Flow}, str{&sc.Tenant}, str{&p.Cursor}, str{&p.Last}, &p.Offset, &itemTime, &saved)
			p.ItemTime, p.Saved = kit.FromMicros(itemTime), kit.FromMicros(saved)
			return store.Record{Position: &p}, err
		}},
	{`SELECT flow, tenant, k, expires FROM {s}.processed ORDER BY flow, tenant, k`,
		func(rows pgx.Rows, sc *store.Scope) (store.Record, error) {
			var k store.ProcessedKey
			var expires int64
			err := rows.Scan(str{&sc.Flow}, str{&sc.Tenant}, str{&k.Key}, &expires)
			k.Expires = kit.FromMicros(expires)
			return store.Record{Processed: &k}, err
		}},
	{`SELECT flow, tenant, ` + attemptCols + ` FROM {s}.attempts ORDER BY flow, tenant, item`,
		func(rows pgx.Rows, sc *store.Scope) (store.Record, error) {
			a, err := scanAttempt(rows, str{&sc.Flow}, str{&sc.Tenant})
			return store.Record{Attempt: &a}, err
		}},
	{`SELECT flow, tenant, k, v FROM {s}.kv ORDER BY flow, tenant, k`,
		func(rows pgx.Rows, sc *store.Scope) (store.Record, error) {
			var e store.Entry[[]byte]
			err := rows.Scan(str{&sc.Flow}, str{&sc.Tenant}, str{&e.Key}, &e.Value)
			if e.Value == nil {
				e.Value = []byte{}
			}
			return store.Record{Value: &e}, err
		}},
	{`SELECT flow, tenant, id, at, payload, scheduled FROM {s}.timers ORDER BY flow, tenant, id`,
		func(rows pgx.Rows, sc *store.Scope) (store.Record, error) {
			tm, err := scanTimer(rows, str{&sc.Flow}, str{&sc.Tenant})
			return store.Record{Timer: &tm}, err
		}},
	{`SELECT flow, tenant, name, holder, token, acquired, expires FROM {s}.leases ORDER BY flow, tenant, name`,
		func(rows pgx.Rows, sc *store.Scope) (store.Record, error) {
			var l store.Lease
			var acquired, expires int64
			err := rows.Scan(str{&sc.Flow}, str{&sc.Tenant}, str{&l.Name}, str{&l.Holder}, &l.Token, &acquired, &expires)
			l.Scope, l.Acquired, l.Expires = *sc, kit.FromMicros(acquired), kit.FromMicros(expires)
			return store.Record{Lease: &l}, err
		}},
	{`SELECT flow, tenant, ` + messageCols + ` FROM {s}.queue ORDER BY id`,
		func(rows pgx.Rows, sc *store.Scope) (store.Record, error) {
			m, err := scanMessage(rows, str{&sc.Flow}, str{&sc.Tenant})
			return store.Record{Message: &m}, err
		}},
	{`SELECT flow, tenant, k, expires, id FROM {s}.queue_keys ORDER BY flow, tenant, k`,
		func(rows pgx.Rows, sc *store.Scope) (store.Record, error) {
			var k store.DedupKey
			var expires int64
			err := rows.Scan(str{&sc.Flow}, str{&sc.Tenant}, str{&k.Key}, &expires, &k.ID)
			k.Expires = kit.FromMicros(expires)
			return store.Record{DedupKey: &k}, err
		}},
}

// Export implements store.Exporter: every table, read in one REPEATABLE READ transaction.
func (s *Store) Export(ctx context.Context) iter.Seq2[store.Record, error] {
	return kit.Seq(func(emit func(store.Record) bool) error {
		return s.read(ctx, "*", func(ctx context.Context, tx pgx.Tx) error {
			for _, e := range exports {
				if more, err := s.exportTable(ctx, tx, e.query, e.scan, emit); !more || err != nil {
					return err
				}
			}
			return nil
		})
	})
}

func (s *Store) exportTable(ctx context.Context, tx pgx.Tx, query string, scan exportScan, emit func(store.Record) bool) (bool, error) {
	rows, err := tx.Query(ctx, s.q(query))
	if err != nil {
		return false, kit.WrapErr(ctx, "*", "export", s.classify(err))
	}
	defer rows.Close()
	for rows.Next() {
		var sc store.Scope
		r, err := scan(rows, &sc)
		if err != nil {
			return false, kit.WrapErr(ctx, "*", "export", err)
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

// importBatch and importBytes bound what Import holds of a table before it sends it to the
// server (COPY): so many rows, or rows of so many bytes (payloads may be large).
const (
	importBatch = 2000
	importBytes = 8 << 20
)

// importer buffers the rows of each table and copies them in batches.
type importer struct {
	s      *Store
	ctx    context.Context
	tx     pgx.Tx
	now    int64
	rows   map[string][][]any
	size   map[string]int
	maxID  int64
	copied int
}

// columns are the columns Import fills, per table.
var columns = map[string][]string{
	"positions":  {"flow", "tenant", "pos_cursor", "pos_last", "pos_offset", "item_time", "saved"},
	"processed":  {"flow", "tenant", "k", "expires"},
	"attempts":   append([]string{"flow", "tenant"}, strings.Split(strings.ReplaceAll(attemptCols, " ", ""), ",")...),
	"kv":         {"flow", "tenant", "k", "v", "updated"},
	"timers":     {"flow", "tenant", "id", "at", "payload", "scheduled"},
	"leases":     {"flow", "tenant", "name", "holder", "token", "acquired", "expires"},
	"queue":      append([]string{"flow", "tenant"}, strings.Split(strings.ReplaceAll(messageCols, " ", ""), ",")...),
	"queue_keys": {"flow", "tenant", "k", "expires", "id"},
}

func (im *importer) add(r store.Record) error {
	var table string
	var row []any
	switch {
	case r.Position != nil:
		p := r.Position
		table, row = "positions", []any{b(p.Cursor), b(p.Last), p.Offset, kit.Micros(p.ItemTime), kit.Micros(p.Saved)}
	case r.Processed != nil:
		table, row = "processed", []any{b(r.Processed.Key), kit.Micros(r.Processed.Expires)}
	case r.Attempt != nil:
		table, row = "attempts", attemptArgs(*r.Attempt)
	case r.Value != nil:
		v := r.Value.Value
		if v == nil {
			v = []byte{}
		}
		table, row = "kv", []any{b(r.Value.Key), v, im.now}
	case r.Timer != nil:
		tm := r.Timer
		table, row = "timers", []any{b(tm.ID), kit.Micros(tm.At), tm.Payload, kit.Micros(tm.Scheduled)}
	case r.Lease != nil:
		l := r.Lease
		table, row = "leases", []any{b(l.Name), b(l.Holder), l.Token, kit.Micros(l.Acquired), kit.Micros(l.Expires)}
	case r.Message != nil:
		m := r.Message
		payload := m.Payload
		if payload == nil {
			payload = []byte{}
		}
		table, row = "queue", []any{m.ID, b(m.Key), b(m.OrderKey), payload, kit.Micros(m.Enqueued), kit.Micros(m.Due), m.Claimed,
			int64(m.Attempt), int64(m.MaxAttempts), b(m.LastError), m.Dead, kit.Micros(m.DeadAt), b(m.Reason)}
		im.maxID = max(im.maxID, m.ID)
	case r.DedupKey != nil:
		k := r.DedupKey
		table, row = "queue_keys", []any{b(k.Key), kit.Micros(k.Expires), k.ID}
		im.maxID = max(im.maxID, k.ID)
	}
	im.rows[table] = append(im.rows[table], append([]any{b(r.Scope.Flow), b(r.Scope.Tenant)}, row...))
	for _, v := range row {
		if v, ok := v.([]byte); ok {
			im.size[table] += len(v)
		}
	}
	if len(im.rows[table]) >= importBatch || im.size[table] >= importBytes {
		return im.flush(table)
	}
	return nil
}

func (im *importer) flush(table string) error {
	rows := im.rows[table]
	if len(rows) == 0 {
		return nil
	}
	n, err := im.tx.CopyFrom(im.ctx, pgx.Identifier{im.s.pc.schema, table}, columns[table], pgx.CopyFromRows(rows))
	if err != nil {
		return kit.WrapErr(im.ctx, "*", "import "+table, im.s.classify(err))
	}
	im.copied += int(n)
	im.rows[table], im.size[table] = nil, 0 // let the copied payloads go
	return nil
}

// Import implements store.Importer. It locks the store's tables against other writers (readers
// go on) for the length of its transaction and refuses a store that holds any state.
func (s *Store) Import(ctx context.Context, records iter.Seq2[store.Record, error]) (int, error) {
	var copied int
	err := s.write(ctx, "*", func(ctx context.Context, tx pgx.Tx) error {
		names := make([]string, len(tables))
		for i, t := range tables {
			names[i] = "{s}." + t
		}
		if _, err := tx.Exec(ctx, s.q(`LOCK TABLE `+strings.Join(names, ", ")+` IN SHARE ROW EXCLUSIVE MODE`)); err != nil {
			return kit.WrapErr(ctx, "*", "import", s.classify(err))
		}
		if err := s.mustBeEmpty(ctx, tx); err != nil {
			return err
		}
		im := &importer{s: s, ctx: ctx, tx: tx, now: kit.Micros(s.cfg.Clock()), rows: map[string][][]any{}, size: map[string]int{}}
		n := 0
		for r, err := range records {
			n++
			if err != nil {
				return fmt.Errorf("store: import into %s: reading the source: %w", s.where, err)
			}
			if err := kit.FirstErr(r.Validate(), validScope(r.Scope)); err != nil {
				return fmt.Errorf("store: import into %s: record %d: %w", s.where, n, err)
			}
			if err := im.add(r); err != nil {
				return err
			}
		}
		for _, t := range tables {
			if err := im.flush(t); err != nil {
				return err
			}
		}
		if im.maxID > 0 {
			// New messages get ids above every imported one, keys included: a key may name a
			// message that was acknowledged before the export.
			_, err := tx.Exec(ctx, `SELECT setval(seq::regclass, greatest($2, nextval(seq::regclass)))
				FROM pg_get_serial_sequence($1, 'id') AS seq`, pgx.Identifier{s.pc.schema, "queue"}.Sanitize(), im.maxID)
			if err != nil {
				return kit.WrapErr(ctx, "*", "import", s.classify(err))
			}
		}
		copied = im.copied
		return nil
	})
	if err != nil {
		return 0, err
	}
	return copied, nil
}

// mustBeEmpty refuses an import into a store that holds any scope.
func (s *Store) mustBeEmpty(ctx context.Context, tx pgx.Tx) error {
	parts := make([]string, len(tables))
	for i, name := range tables {
		parts[i] = `SELECT flow, tenant FROM {s}.` + name
	}
	var n int
	var flow, tenant []byte
	err := tx.QueryRow(ctx, s.q(`SELECT count(*) OVER (), flow, tenant FROM (`+strings.Join(parts, " UNION ")+`) AS u ORDER BY 2, 3 LIMIT 1`)).
		Scan(&n, &flow, &tenant)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil
	case err != nil:
		return kit.WrapErr(ctx, "*", "import", s.classify(err))
	}
	return fmt.Errorf("store: import: %w", kit.NotEmpty(s.where, n, store.Scope{Flow: string(flow), Tenant: string(tenant)}.String()))
}
