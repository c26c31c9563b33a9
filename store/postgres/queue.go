package postgres

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/store/internal/kit"
)

// claimWhere selects the due heads of their order keys, oldest first ($3 is now, $4 how
// many), and locks them, skipping messages another transaction has locked: workers in many
// processes claim at once, each getting other messages, none waiting for another. A message
// whose older sibling of the same order key is claimed (locked or not) is no head and stays.
const claimWhere = `AND NOT dead AND due <= $3
	AND (order_key = ''::bytea OR NOT EXISTS (SELECT 1 FROM {s}.queue p WHERE p.flow = $1 AND p.tenant = $2
		AND p.order_ix = q.order_ix AND p.order_key <> ''::bytea AND NOT p.dead AND p.id < q.id))
	ORDER BY id LIMIT $4 FOR UPDATE SKIP LOCKED`

const messageCols = `id, msg_key, order_key, payload, enqueued, due, claimed, attempt, max_attempts, last_error, dead, dead_at, reason`

// scanMessage reads the messageCols of one row.
func scanMessage(row pgx.Row, before ...any) (store.StoredMessage, error) {
	var m store.StoredMessage
	var enqueued, due, deadAt, attempt, maxAttempts int64
	if err := row.Scan(append(before, &m.ID, str{&m.Key}, str{&m.OrderKey}, &m.Payload, &enqueued, &due, &m.Claimed, &attempt,
		&maxAttempts, str{&m.LastError}, &m.Dead, &deadAt, str{&m.Reason})...); err != nil {
		return m, err
	}
	m.Attempt, m.MaxAttempts = int(attempt), int(maxAttempts)
	m.Enqueued, m.Due, m.DeadAt = kit.FromMicros(enqueued), kit.FromMicros(due), kit.FromMicros(deadAt)
	if m.Payload == nil {
		m.Payload = []byte{}
	}
	return m, nil
}

func (t *pgTx) messages(op, where string, args ...any) ([]store.StoredMessage, error) {
	rows, err := t.query(op, `SELECT `+messageCols+` FROM {s}.queue q WHERE flow = $1 AND tenant = $2 `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.StoredMessage
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, t.dbErr(op, err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, t.dbErr(op, err)
	}
	return out, nil
}

// message reads message id, locked for the rest of the transaction in a write transaction;
// ErrNotFound when there is none.
func (t *pgTx) message(op string, id int64) (store.StoredMessage, error) {
	ms, err := t.messages(op, `AND id = $3`+t.forUpdate(), id)
	if err != nil {
		return store.StoredMessage{}, err
	}
	if len(ms) == 0 {
		return store.StoredMessage{}, t.NotFound("message", strconv.FormatInt(id, 10))
	}
	return ms[0], nil
}

// forUpdate locks the rows a write transaction reads to change.
func (t *pgTx) forUpdate() string {
	if t.RO {
		return ""
	}
	return ` FOR UPDATE`
}

func (t *pgTx) Enqueue(m store.Message) (store.Enqueued, error) {
	if err := t.start("enqueue", true); err != nil {
		return store.Enqueued{}, err
	}
	if err := kit.FirstErr(kit.ValidOptionalKey("message key", m.Key), kit.ValidOptionalKey("order key", m.OrderKey)); err != nil {
		return store.Enqueued{}, t.Invalid("enqueue", err)
	}
	now := t.now()
	if m.Key != "" {
		var id, expires int64
		err := t.row(`SELECT id, expires FROM {s}.queue_keys WHERE flow = $1 AND tenant = $2 AND k_ix = {s}.ik($3)`, []any{b(m.Key)}, &id, &expires)
		switch {
		case err == nil && expires > kit.Micros(now):
			return store.Enqueued{ID: id, Duplicate: true}, nil
		case err != nil && !errors.Is(err, pgx.ErrNoRows):
			return store.Enqueued{}, t.dbErr("enqueue", err)
		}
	}
	maxAttempts := m.MaxAttempts
	if maxAttempts <= 0 {
		maxAttempts = t.s.cfg.MaxAttempts
	}
	due := now
	if m.NotBefore.After(now) {
		due = m.NotBefore
	}
	payload := m.Payload
	if payload == nil {
		payload = []byte{}
	}
	var id int64
	err := t.row(`INSERT INTO {s}.queue (flow, tenant, msg_key, order_key, payload, enqueued, due, claimed,
		attempt, max_attempts, last_error, dead, dead_at, reason)
		VALUES ($1, $2, $3, $4, $5, $6, $7, false, 0, $8, ''::bytea, false, 0, ''::bytea) RETURNING id`,
		[]any{b(m.Key), b(m.OrderKey), payload, kit.Micros(now), kit.Micros(due), int64(maxAttempts)}, &id)
	if err != nil {
		return store.Enqueued{}, t.dbErr("enqueue", err)
	}
	if m.Key != "" {
		window := m.KeyWindow
		if window <= 0 {
			window = t.s.cfg.DedupWindow
		}
		if _, err := t.exec("enqueue", putKeySQL, b(m.Key), kit.Micros(now.Add(window)), id); err != nil {
			return store.Enqueued{}, err
		}
	}
	return store.Enqueued{ID: id}, nil
}

const putKeySQL = `INSERT INTO {s}.queue_keys (flow, tenant, k, expires, id) VALUES ($1, $2, $3, $4, $5)
	ON CONFLICT (flow, tenant, k_ix) DO UPDATE SET expires = excluded.expires, id = excluded.id`

// kill dead-letters m with reason and releases its key.
func (t *pgTx) kill(op string, m store.StoredMessage, reason string) (store.Delivery, error) {
	now := t.now()
	if _, err := t.exec(op, `UPDATE {s}.queue SET dead = true, dead_at = $3, reason = $4, claimed = false, last_error = $5
		WHERE flow = $1 AND tenant = $2 AND id = $6`, kit.Micros(now), b(reason), b(m.LastError), m.ID); err != nil {
		return store.Delivery{}, err
	}
	if err := t.releaseKey(op, m); err != nil {
		return store.Delivery{}, err
	}
	d := m.Delivery
	d.Dead, d.DeadAt, d.Reason = true, now, reason
	return d, nil
}

// releaseKey removes m's de-duplication key when m holds it.
func (t *pgTx) releaseKey(op string, m store.StoredMessage) error {
	if m.Key == "" {
		return nil
	}
	_, err := t.exec(op, `DELETE FROM {s}.queue_keys WHERE flow = $1 AND tenant = $2 AND k_ix = {s}.ik($3) AND id = $4`, b(m.Key), m.ID)
	return err
}

// Claim hands out due messages without taking the scope's lock (see Store).
func (t *pgTx) Claim(n int, visibility time.Duration) ([]store.Delivery, error) {
	if err := t.Check("claim", true); err != nil {
		return nil, err
	}
	if n <= 0 {
		return nil, t.Invalid("claim", fmt.Errorf("%w: claim of %d messages", store.ErrInvalid, n))
	}
	if err := kit.ValidDuration("visibility timeout", visibility); err != nil {
		return nil, t.Invalid("claim", err)
	}
	now := t.now()
	until := kit.Norm(now.Add(visibility))
	out := []store.Delivery{}
	// Each round hands out the due heads of their order keys; a message dead-lettered for
	// running out of deliveries lets the next of its key become head, hence another round.
	for len(out) < n {
		due, err := t.messages("claim", claimWhere, kit.Micros(now), int64(n-len(out)))
		if err != nil {
			return nil, err
		}
		killed := 0
		for _, m := range due {
			if m.Claimed && m.Attempt >= m.MaxAttempts {
				if _, err := t.kill("claim", m, kit.Unacknowledged(m.Attempt)); err != nil {
					return nil, err
				}
				killed++
				continue
			}
			if _, err := t.exec("claim", `UPDATE {s}.queue SET claimed = true, attempt = attempt + 1, due = $3
				WHERE flow = $1 AND tenant = $2 AND id = $4`, kit.Micros(until), m.ID); err != nil {
				return nil, err
			}
			d := m.Delivery
			d.Attempt++
			d.Due = until
			out = append(out, d)
		}
		if killed == 0 {
			break
		}
	}
	return out, nil
}

// claimed reads and locks d's message when d's claim still holds, else dooms the transaction
// with ErrClaimLost.
func (t *pgTx) claimed(op string, d store.Delivery) (store.StoredMessage, error) {
	ms, err := t.messages(op, `AND id = $3 FOR UPDATE`, d.ID)
	if err != nil {
		return store.StoredMessage{}, err
	}
	if len(ms) == 0 || !ms[0].Claimed || ms[0].Dead || ms[0].Attempt != d.Attempt {
		return store.StoredMessage{}, t.Failed(op, fmt.Errorf("%w: message %d, delivery %d", store.ErrClaimLost, d.ID, d.Attempt))
	}
	return ms[0], nil
}

func (t *pgTx) Extend(d store.Delivery, visibility time.Duration) (store.Delivery, error) {
	if err := t.Check("extend claim", true); err != nil {
		return store.Delivery{}, err
	}
	if err := kit.ValidDuration("visibility timeout", visibility); err != nil {
		return store.Delivery{}, t.Invalid("extend claim", err)
	}
	m, err := t.claimed("extend claim", d)
	if err != nil {
		return store.Delivery{}, err
	}
	m.Due = kit.Norm(t.now().Add(visibility))
	if _, err := t.exec("extend claim", `UPDATE {s}.queue SET due = $3 WHERE flow = $1 AND tenant = $2 AND id = $4`, kit.Micros(m.Due), m.ID); err != nil {
		return store.Delivery{}, err
	}
	return m.Delivery, nil
}

func (t *pgTx) Ack(d store.Delivery) error {
	if err := t.Check("ack", true); err != nil {
		return err
	}
	if _, err := t.claimed("ack", d); err != nil {
		return err
	}
	_, err := t.exec("ack", `DELETE FROM {s}.queue WHERE flow = $1 AND tenant = $2 AND id = $3`, d.ID)
	return err
}

func (t *pgTx) Nack(d store.Delivery, retryAt time.Time, cause error) (store.Delivery, error) {
	if err := t.Check("nack", true); err != nil {
		return store.Delivery{}, err
	}
	m, err := t.claimed("nack", d)
	if err != nil {
		return store.Delivery{}, err
	}
	var reason string
	if m.LastError, reason = kit.NackReason(m.Attempt, m.MaxAttempts, cause); reason != "" {
		return t.kill("nack", m, reason)
	}
	m.Due = kit.Norm(retryAt)
	if _, err := t.exec("nack", `UPDATE {s}.queue SET claimed = false, due = $3, last_error = $4 WHERE flow = $1 AND tenant = $2 AND id = $5`,
		kit.Micros(m.Due), b(m.LastError), m.ID); err != nil {
		return store.Delivery{}, err
	}
	return m.Delivery, nil
}

func (t *pgTx) list(op string, where string, n int) ([]store.Delivery, error) {
	if err := t.start(op, false); err != nil {
		return nil, err
	}
	if err := kit.ValidLimit(n); err != nil {
		return nil, t.Invalid(op, err)
	}
	ms, err := t.messages(op, where+` LIMIT $3`, limit(n))
	if err != nil {
		return nil, err
	}
	out := make([]store.Delivery, len(ms))
	for i, m := range ms {
		out[i] = m.Delivery
	}
	return out, nil
}

func (t *pgTx) Messages(limit int) ([]store.Delivery, error) {
	return t.list("messages", `AND NOT dead ORDER BY id`, limit)
}

func (t *pgTx) DeadMessages(limit int) ([]store.Delivery, error) {
	return t.list("dead messages", `AND dead ORDER BY dead_at, id`, limit)
}

func (t *pgTx) RequeueMessage(id int64, at time.Time) error {
	if err := t.start("requeue message", true); err != nil {
		return err
	}
	if _, err := t.message("requeue message", id); err != nil {
		return err
	}
	due := t.now()
	if at.After(due) {
		due = at
	}
	_, err := t.exec("requeue message", `UPDATE {s}.queue SET dead = false, dead_at = 0, reason = ''::bytea, claimed = false, attempt = 0, due = $3
		WHERE flow = $1 AND tenant = $2 AND id = $4`, kit.Micros(due), id)
	return err
}

func (t *pgTx) DeleteMessage(id int64) error {
	if err := t.start("delete message", true); err != nil {
		return err
	}
	m, err := t.message("delete message", id)
	if err != nil {
		return err
	}
	if err := t.releaseKey("delete message", m); err != nil {
		return err
	}
	_, err = t.exec("delete message", `DELETE FROM {s}.queue WHERE flow = $1 AND tenant = $2 AND id = $3`, id)
	return err
}
