package sqlite

import (
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/store/internal/kit"
)

// claimWhere selects the due heads of their order keys, oldest first: ?3 is now, ?4 how many.
// Saying that p.order_key is not empty lets SQLite find the older messages of a key in the
// partial index queue_order instead of walking every older message for each candidate.
const claimWhere = `AND dead = 0 AND due <= ?3
	AND (order_key = '' OR NOT EXISTS (SELECT 1 FROM queue p WHERE p.flow = ?1 AND p.tenant = ?2
		AND p.order_key = queue.order_key AND p.order_key != '' AND p.dead = 0 AND p.id < queue.id))
	ORDER BY id LIMIT ?4`

const messageCols = `id, msg_key, order_key, payload, enqueued, due, claimed, attempt, max_attempts, last_error, dead, dead_at, reason`

// message is a queue row: the delivery and whether it is claimed.
type message struct {
	store.Delivery
	claimed bool
}

func (t *sqlTx) scanMessages(op string, rows *sql.Rows) ([]message, error) {
	defer rows.Close()
	var out []message
	for rows.Next() {
		var m message
		var enqueued, due, deadAt int64
		if err := rows.Scan(&m.ID, &m.Key, &m.OrderKey, &m.Payload, &enqueued, &due, &m.claimed, &m.Attempt,
			&m.MaxAttempts, &m.LastError, &m.Dead, &deadAt, &m.Reason); err != nil {
			return nil, t.dbErr(op, err)
		}
		m.Enqueued, m.Due, m.DeadAt = kit.FromMicros(enqueued), kit.FromMicros(due), kit.FromMicros(deadAt)
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, t.dbErr(op, err)
	}
	return out, nil
}

func (t *sqlTx) messages(op, where string, args ...any) ([]message, error) {
	rows, err := t.query(op, `SELECT `+messageCols+` FROM queue WHERE flow = ?1 AND tenant = ?2 `+where, args...)
	if err != nil {
		return nil, err
	}
	return t.scanMessages(op, rows)
}

// message reads message id; ErrNotFound when there is none.
func (t *sqlTx) message(op string, id int64) (message, error) {
	ms, err := t.messages(op, `AND id = ?3`, id)
	if err != nil {
		return message{}, err
	}
	if len(ms) == 0 {
		return message{}, t.NotFound("message", strconv.FormatInt(id, 10))
	}
	return ms[0], nil
}

func (t *sqlTx) Enqueue(m store.Message) (store.Enqueued, error) {
	if err := t.Check("enqueue", true); err != nil {
		return store.Enqueued{}, err
	}
	if err := kit.FirstErr(kit.ValidOptionalKey("message key", m.Key), kit.ValidOptionalKey("order key", m.OrderKey)); err != nil {
		return store.Enqueued{}, t.Invalid("enqueue", err)
	}
	now := t.now()
	if m.Key != "" {
		var id, expires int64
		err := t.row(`SELECT id, expires FROM queue_keys WHERE flow = ? AND tenant = ? AND k = ?`, []any{m.Key}, &id, &expires)
		switch {
		case err == nil && expires > kit.Micros(now):
			return store.Enqueued{ID: id, Duplicate: true}, nil
		case err != nil && !errors.Is(err, sql.ErrNoRows):
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
	res, err := t.exec("enqueue", `INSERT INTO queue (flow, tenant, msg_key, order_key, payload, enqueued, due, claimed,
		attempt, max_attempts, last_error, dead, dead_at, reason) VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, ?, '', 0, 0, '')`,
		m.Key, m.OrderKey, payload, kit.Micros(now), kit.Micros(due), maxAttempts)
	if err != nil {
		return store.Enqueued{}, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return store.Enqueued{}, t.dbErr("enqueue", err)
	}
	if m.Key != "" {
		window := m.KeyWindow
		if window <= 0 {
			window = t.s.cfg.DedupWindow
		}
		if _, err := t.exec("enqueue", `INSERT OR REPLACE INTO queue_keys (flow, tenant, k, expires, id) VALUES (?, ?, ?, ?, ?)`,
			m.Key, kit.Micros(now.Add(window)), id); err != nil {
			return store.Enqueued{}, err
		}
	}
	return store.Enqueued{ID: id}, nil
}

// kill dead-letters m with reason and releases its key.
func (t *sqlTx) kill(op string, m message, reason string) (store.Delivery, error) {
	now := t.now()
	if _, err := t.exec(op, `UPDATE queue SET dead = 1, dead_at = ?3, reason = ?4, claimed = 0, last_error = ?5
		WHERE flow = ?1 AND tenant = ?2 AND id = ?6`, kit.Micros(now), reason, m.LastError, m.ID); err != nil {
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
func (t *sqlTx) releaseKey(op string, m message) error {
	if m.Key == "" {
		return nil
	}
	_, err := t.exec(op, `DELETE FROM queue_keys WHERE flow = ? AND tenant = ? AND k = ? AND id = ?`, m.Key, m.ID)
	return err
}

func (t *sqlTx) Claim(n int, visibility time.Duration) ([]store.Delivery, error) {
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
		due, err := t.messages("claim", claimWhere, kit.Micros(now), n-len(out))
		if err != nil {
			return nil, err
		}
		killed := 0
		for _, m := range due {
			if m.claimed && m.Attempt >= m.MaxAttempts {
				if _, err := t.kill("claim", m, kit.Unacknowledged(m.Attempt)); err != nil {
					return nil, err
				}
				killed++
				continue
			}
			if _, err := t.exec("claim", `UPDATE queue SET claimed = 1, attempt = attempt + 1, due = ?3
				WHERE flow = ?1 AND tenant = ?2 AND id = ?4`, kit.Micros(until), m.ID); err != nil {
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

// claimed reads d's message when d's claim still holds, else dooms the transaction with
// ErrClaimLost.
func (t *sqlTx) claimed(op string, d store.Delivery) (message, error) {
	ms, err := t.messages(op, `AND id = ?3`, d.ID)
	if err != nil {
		return message{}, err
	}
	if len(ms) == 0 || !ms[0].claimed || ms[0].Dead || ms[0].Attempt != d.Attempt {
		return message{}, t.Failed(op, fmt.Errorf("%w: message %d, delivery %d", store.ErrClaimLost, d.ID, d.Attempt))
	}
	return ms[0], nil
}

func (t *sqlTx) Extend(d store.Delivery, visibility time.Duration) (store.Delivery, error) {
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
	if _, err := t.exec("extend claim", `UPDATE queue SET due = ?3 WHERE flow = ?1 AND tenant = ?2 AND id = ?4`, kit.Micros(m.Due), m.ID); err != nil {
		return store.Delivery{}, err
	}
	return m.Delivery, nil
}

func (t *sqlTx) Ack(d store.Delivery) error {
	if err := t.Check("ack", true); err != nil {
		return err
	}
	if _, err := t.claimed("ack", d); err != nil {
		return err
	}
	_, err := t.exec("ack", `DELETE FROM queue WHERE flow = ? AND tenant = ? AND id = ?`, d.ID)
	return err
}

func (t *sqlTx) Nack(d store.Delivery, retryAt time.Time, cause error) (store.Delivery, error) {
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
	if _, err := t.exec("nack", `UPDATE queue SET claimed = 0, due = ?3, last_error = ?4 WHERE flow = ?1 AND tenant = ?2 AND id = ?5`,
		kit.Micros(m.Due), m.LastError, m.ID); err != nil {
		return store.Delivery{}, err
	}
	return m.Delivery, nil
}

func (t *sqlTx) list(op string, where string, limit int) ([]store.Delivery, error) {
	if err := t.Check(op, false); err != nil {
		return nil, err
	}
	if err := kit.ValidLimit(limit); err != nil {
		return nil, t.Invalid(op, err)
	}
	ms, err := t.messages(op, where+` LIMIT ?3`, sqlLimit(limit))
	if err != nil {
		return nil, err
	}
	out := make([]store.Delivery, len(ms))
	for i, m := range ms {
		out[i] = m.Delivery
	}
	return out, nil
}

func (t *sqlTx) Messages(limit int) ([]store.Delivery, error) {
	return t.list("messages", `AND dead = 0 ORDER BY id`, limit)
}

func (t *sqlTx) DeadMessages(limit int) ([]store.Delivery, error) {
	return t.list("dead messages", `AND dead = 1 ORDER BY dead_at, id`, limit)
}

func (t *sqlTx) RequeueMessage(id int64, at time.Time) error {
	if err := t.Check("requeue message", true); err != nil {
		return err
	}
	if _, err := t.message("requeue message", id); err != nil {
		return err
	}
	due := t.now()
	if at.After(due) {
		due = at
	}
	_, err := t.exec("requeue message", `UPDATE queue SET dead = 0, dead_at = 0, reason = '', claimed = 0, attempt = 0, due = ?3
		WHERE flow = ?1 AND tenant = ?2 AND id = ?4`, kit.Micros(due), id)
	return err
}

func (t *sqlTx) DeleteMessage(id int64) error {
	if err := t.Check("delete message", true); err != nil {
		return err
	}
	m, err := t.message("delete message", id)
	if err != nil {
		return err
	}
	if err := t.releaseKey("delete message", m); err != nil {
		return err
	}
	_, err = t.exec("delete message", `DELETE FROM queue WHERE flow = ? AND tenant = ? AND id = ?`, id)
	return err
}
