package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/edusync/edusync/store/internal/kit"
)

// Get decodes the value under key, stored by Put, into a T. It returns ErrNotFound when there
// is none and ErrDecode when the stored JSON does not fit T.
func Get[T any](tx Tx, key string) (T, error) {
	var v T
	raw, err := tx.Value(key)
	if err != nil {
		return v, err
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return v, fmt.Errorf("%w: %s %q as %T: %v", ErrDecode, tx.Scope(), kit.Mask(key), v, err)
	}
	return v, nil
}

// Put stores v under key, JSON-encoded, replacing any value.
func Put[T any](tx Tx, key string, v T) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("%w: cannot encode %T: %v", ErrInvalid, v, err)
	}
	return tx.SetValue(key, raw)
}

// List decodes every value whose key starts with prefix, ordered by key.
func List[T any](tx Tx, prefix string) ([]Entry[T], error) {
	raws, err := tx.Values(prefix)
	if err != nil {
		return nil, err
	}
	return decodeEntries[T](tx, raws)
}

// ListFrom decodes up to limit (0: all) values whose key starts with prefix and comes after
// after, in key order (see Tx.ValuesFrom).
func ListFrom[T any](tx Tx, prefix, after string, limit int) ([]Entry[T], error) {
	raws, err := tx.ValuesFrom(prefix, after, limit)
	if err != nil {
		return nil, err
	}
	return decodeEntries[T](tx, raws)
}

func decodeEntries[T any](tx Tx, raws []Entry[[]byte]) ([]Entry[T], error) {
	out := make([]Entry[T], 0, len(raws))
	for _, e := range raws {
		var v T
		if err := json.Unmarshal(e.Value, &v); err != nil {
			return nil, fmt.Errorf("%w: %s %q as %T: %v", ErrDecode, tx.Scope(), kit.Mask(e.Key), v, err)
		}
		out = append(out, Entry[T]{Key: e.Key, Value: v})
	}
	return out, nil
}

// Commit saves pos and marks keys processed until expires (zero: forever) in one transaction
// (a Batch): what a feed reader does once its handler has succeeded for the entries up to pos.
func Commit(ctx context.Context, st Store, scope Scope, pos Position, keys []string, expires time.Time) error {
	b := Batch{Processed: keys, Expires: expires, Position: &pos}
	return st.Update(ctx, scope, func(tx Tx) error { return tx.Apply(b) })
}

// LoadPosition returns the saved position of scope; ok is false when there is none.
func LoadPosition(ctx context.Context, st Store, scope Scope) (pos Position, ok bool, err error) {
	err = st.View(ctx, scope, func(tx Tx) error {
		pos, err = tx.Position()
		return err
	})
	if errors.Is(err, ErrNotFound) {
		return Position{}, false, nil
	}
	return pos, err == nil, err
}

// FireDue fires the timers of scope due at now, each exactly once: for every due timer, in a
// transaction of its own, it calls fn and, when fn returns nil, removes the timer as fired in
// the same transaction, so fn's own writes (the effect's bookkeeping) and the firing commit
// together or not at all. When fn fails the timer stays due and FireDue returns the error with
// the number fired so far. limit caps how many are fired (0: all that are due).
func FireDue(ctx context.Context, st Store, scope Scope, now time.Time, limit int, fn func(tx Tx, t Timer) error) (int, error) {
	fired := 0
	for limit == 0 || fired < limit {
		done := false
		err := st.Update(ctx, scope, func(tx Tx) error {
			due, err := tx.DueTimers(now, 1)
			if err != nil {
				return err
			}
			if len(due) == 0 {
				done = true
				return nil
			}
			if err := fn(tx, due[0]); err != nil {
				return err
			}
			return tx.Fire(due[0].ID)
		})
		if err != nil {
			return fired, err
		}
		if done {
			return fired, nil
		}
		fired++
	}
	return fired, nil
}

// NextAttempt is the attempt record after failure f at now, given the previous record (nil
// when there was none) and the store's default maximum of attempts. It is what RecordAttempt
// stores, the same in every backend; backends call it, hosts need not.
func NextAttempt(prev *Attempt, f Failure, now time.Time, maxAttempts int) Attempt {
	var a Attempt
	if prev != nil {
		a = *prev
	} else {
		a = Attempt{Item: f.Item, FirstAt: now}
	}
	a.Count++
	a.LastAt = now
	a.LastError = kit.ErrorText(f.Err)
	if f.Payload != nil {
		a.Payload = f.Payload
	}
	limit := maxAttempts
	if f.Max > 0 {
		limit = f.Max
	}
	switch {
	case a.Dead:
		// Stays dead; only Requeue revives it.
	case f.Permanent || kit.Permanent(f.Err):
		a.Dead, a.DeadAt, a.NextTry = true, now, time.Time{}
		a.Reason = kit.PermanentReason("")
	case a.Count >= limit:
		a.Dead, a.DeadAt, a.NextTry = true, now, time.Time{}
		a.Reason = kit.GaveUp(a.Count, "")
	default:
		a.NextTry = f.NextTry
	}
	a.FirstAt, a.LastAt, a.NextTry, a.DeadAt = kit.Norm(a.FirstAt), kit.Norm(a.LastAt), kit.Norm(a.NextTry), kit.Norm(a.DeadAt)
	return a
}
