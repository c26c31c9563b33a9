package store

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/edusync/edusync/internal/redact"
)

// Memory is a Store in memory, with the semantics of the SQLite store (the same conformance
// suite passes on both): for tests and examples. Its state is lost when the process ends.
// Transactions run one at a time, Views included.
type Memory struct {
	cfg       config
	life      lifecycle
	sem       chan struct{} // one transaction at a time; waiting honours the context
	scopes    map[Scope]*memScope
	writes    int
	purgeMore bool
}

type memScope struct {
	pos       *Position
	processed map[string]int64 // key -> expiry in micros, 0 forever
	attempts  map[string]Attempt
	values    map[string][]byte
	timers    map[string]Timer
}

func (s *memScope) empty() bool {
	return s.pos == nil && len(s.processed) == 0 && len(s.attempts) == 0 && len(s.values) == 0 && len(s.timers) == 0
}

// NewMemory returns an empty in-memory store. Of the options, WithClock, WithMaxAttempts and
// WithPurgeEvery apply.
func NewMemory(opts ...Option) *Memory {
	m := &Memory{cfg: newConfig(opts), sem: make(chan struct{}, 1), scopes: map[Scope]*memScope{}}
	m.life.init()
	return m
}

var _ Store = (*Memory)(nil)

func (m *Memory) acquire(ctx context.Context) error {
	select {
	case m.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctxErr(ctx)
	}
}

func (m *Memory) release() { <-m.sem }

// Update implements Store.
func (m *Memory) Update(ctx context.Context, scope Scope, fn func(tx Tx) error) error {
	return m.run(ctx, scope, false, fn)
}

// View implements Store.
func (m *Memory) View(ctx context.Context, scope Scope, fn func(tx Tx) error) error {
	return m.run(ctx, scope, true, fn)
}

func (m *Memory) run(ctx context.Context, scope Scope, ro bool, fn func(tx Tx) error) (err error) {
	if err := scope.validate(); err != nil {
		return err
	}
	txCtx, leave, err := m.life.enter(ctx)
	if err != nil {
		return fmt.Errorf("store: %s: %w", scope, err)
	}
	defer leave()
	if err := m.acquire(txCtx); err != nil {
		return wrapErr(txCtx, scope, "begin", err)
	}
	defer m.release()
	tx := &memTx{m: m, scope: scope, ctx: txCtx, ro: ro}
	committed := false
	defer func() {
		tx.done = true
		if !committed {
			tx.rollback()
		}
	}()
	if err := fn(tx); err != nil {
		return err
	}
	if tx.err != nil {
		return tx.err
	}
	if err := firstErr(ctxErr(txCtx), ctxErr(ctx)); err != nil {
		return wrapErr(txCtx, scope, "commit", err)
	}
	committed = true
	if s := m.scopes[scope]; s != nil && s.empty() {
		delete(m.scopes, scope)
	}
	if !ro {
		m.writes++
		if m.cfg.purgeEvery > 0 && (m.purgeMore || m.writes%m.cfg.purgeEvery == 0) {
			m.purgeMore = m.purge(m.cfg.purgeBatch) >= m.cfg.purgeBatch
		}
	}
	return nil
}

func (m *Memory) purge(limit int) int {
	now := toMicros(m.cfg.now())
	n := 0
	for scope, s := range m.scopes {
		for k, exp := range s.processed {
			if exp != 0 && exp <= now {
				delete(s.processed, k)
				n++
				if limit > 0 && n >= limit {
					return n
				}
			}
		}
		if s.empty() {
			delete(m.scopes, scope)
		}
	}
	return n
}

// PurgeExpired implements Store.
func (m *Memory) PurgeExpired(ctx context.Context) (int, error) {
	txCtx, leave, err := m.life.enter(ctx)
	if err != nil {
		return 0, fmt.Errorf("store: purge: %w", err)
	}
	defer leave()
	if err := m.acquire(txCtx); err != nil {
		return 0, fmt.Errorf("store: purge: %w", err)
	}
	defer m.release()
	return m.purge(0), nil
}

// Scopes implements Store.
func (m *Memory) Scopes(ctx context.Context) ([]Scope, error) {
	txCtx, leave, err := m.life.enter(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: scopes: %w", err)
	}
	defer leave()
	if err := m.acquire(txCtx); err != nil {
		return nil, fmt.Errorf("store: scopes: %w", err)
	}
	defer m.release()
	var out []Scope
	for s, d := range m.scopes {
		if !d.empty() {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b Scope) int {
		return cmp.Or(strings.Compare(a.Flow, b.Flow), strings.Compare(a.Tenant, b.Tenant))
	})
	return out, nil
}

// Close implements Store.
func (m *Memory) Close() error {
	m.life.close()
	return nil
}

type memTx struct {
	m     *Memory
	scope Scope
	ctx   context.Context
	ro    bool
	done  bool
	err   error    // first failure: dooms the transaction
	undo  []func() // run in reverse on rollback
}

var _ Tx = (*memTx)(nil)

func (t *memTx) rollback() {
	for i := len(t.undo) - 1; i >= 0; i-- {
		t.undo[i]()
	}
	t.undo = nil
}

// check runs before every operation: the transaction must be live, its context not ended
// (as SQLite interrupts a statement then), and a write must be allowed.
func (t *memTx) check(op string, write bool) error {
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

func (t *memTx) fail(err error) error {
	if err != nil && t.err == nil && !t.done {
		t.err = err
	}
	return err
}

func (t *memTx) invalid(op string, err error) error {
	return t.fail(fmt.Errorf("store: %s: %s: %w", t.scope, op, err))
}

func (t *memTx) notFound(what, key string) error {
	return fmt.Errorf("store: %s: %s %q: %w", t.scope, what, redact.PersonalNumbers(key), ErrNotFound)
}

// data returns the scope's data, created when create is set (nil otherwise when absent).
func (t *memTx) data(create bool) *memScope {
	s := t.m.scopes[t.scope]
	if s == nil && create {
		s = &memScope{processed: map[string]int64{}, attempts: map[string]Attempt{}, values: map[string][]byte{}, timers: map[string]Timer{}}
		t.m.scopes[t.scope] = s
	}
	return s
}

func (t *memTx) now() time.Time { return norm(t.m.cfg.now()) }

func (t *memTx) Scope() Scope             { return t.scope }
func (t *memTx) Context() context.Context { return t.ctx }
func (t *memTx) ReadOnly() bool           { return t.ro }

// setMap sets or (with ok false) deletes k in mp, recording how to undo it.
func setMap[V any](t *memTx, mp map[string]V, k string, v V, ok bool) {
	old, had := mp[k]
	if ok {
		mp[k] = v
	} else {
		delete(mp, k)
	}
	t.undo = append(t.undo, func() {
		if had {
			mp[k] = old
		} else {
			delete(mp, k)
		}
	})
}

func (t *memTx) Position() (Position, error) {
	if err := t.check("position", false); err != nil {
		return Position{}, err
	}
	s := t.data(false)
	if s == nil || s.pos == nil {
		return Position{}, fmt.Errorf("store: %s: position: %w", t.scope, ErrNotFound)
	}
	return *s.pos, nil
}

func (t *memTx) setPos(p *Position) {
	s := t.data(true)
	old := s.pos
	s.pos = p
	t.undo = append(t.undo, func() { s.pos = old })
}

func (t *memTx) SetPosition(p Position) error {
	if err := t.check("set position", true); err != nil {
		return err
	}
	p.ItemTime = norm(p.ItemTime)
	p.Saved = t.now()
	t.setPos(&p)
	return nil
}

func (t *memTx) DeletePosition() error {
	if err := t.check("delete position", true); err != nil {
		return err
	}
	if s := t.data(false); s != nil && s.pos != nil {
		t.setPos(nil)
	}
	return nil
}

func (t *memTx) MarkProcessed(key string, expires time.Time) error {
	if err := t.check("mark processed", true); err != nil {
		return err
	}
	if err := validKey("processed key", key); err != nil {
		return t.invalid("mark processed", err)
	}
	setMap(t, t.data(true).processed, key, toMicros(expires), true)
	return nil
}

func (t *memTx) live(s *memScope, key string) bool {
	if s == nil {
		return false
	}
	exp, ok := s.processed[key]
	return ok && (exp == 0 || exp > toMicros(t.m.cfg.now()))
}

func (t *memTx) IsProcessed(key string) (bool, error) {
	if err := t.check("is processed", false); err != nil {
		return false, err
	}
	if err := validKey("processed key", key); err != nil {
		return false, t.invalid("is processed", err)
	}
	return t.live(t.data(false), key), nil
}

func (t *memTx) Processed(keys ...string) (map[string]bool, error) {
	if err := t.check("processed", false); err != nil {
		return nil, err
	}
	out := map[string]bool{}
	s := t.data(false)
	for _, k := range keys {
		if err := validKey("processed key", k); err != nil {
			return nil, t.invalid("processed", err)
		}
		if t.live(s, k) {
			out[k] = true
		}
	}
	return out, nil
}

func (t *memTx) ForgetProcessed(key string) error {
	if err := t.check("forget processed", true); err != nil {
		return err
	}
	if err := validKey("processed key", key); err != nil {
		return t.invalid("forget processed", err)
	}
	if s := t.data(false); s != nil {
		if _, ok := s.processed[key]; ok {
			setMap(t, s.processed, key, 0, false)
		}
	}
	return nil
}

func cloneAttempt(a Attempt) Attempt {
	a.Payload = bytes.Clone(a.Payload)
	return a
}

func (t *memTx) RecordAttempt(f Failure) (Attempt, error) {
	if err := t.check("record attempt", true); err != nil {
		return Attempt{}, err
	}
	if err := validKey("item", f.Item); err != nil {
		return Attempt{}, t.invalid("record attempt", err)
	}
	s := t.data(true)
	var prev *Attempt
	if a, ok := s.attempts[f.Item]; ok {
		prev = &a
	}
	f.Payload = bytes.Clone(f.Payload)
	a := nextAttempt(prev, f, t.now(), t.m.cfg.maxAttempts)
	setMap(t, s.attempts, f.Item, a, true)
	return cloneAttempt(a), nil
}

func (t *memTx) Attempt(item string) (Attempt, error) {
	if err := t.check("attempt", false); err != nil {
		return Attempt{}, err
	}
	if err := validKey("item", item); err != nil {
		return Attempt{}, t.invalid("attempt", err)
	}
	if s := t.data(false); s != nil {
		if a, ok := s.attempts[item]; ok {
			return cloneAttempt(a), nil
		}
	}
	return Attempt{}, t.notFound("attempt", item)
}

func (t *memTx) ClearAttempts(item string) error {
	if err := t.check("clear attempts", true); err != nil {
		return err
	}
	if err := validKey("item", item); err != nil {
		return t.invalid("clear attempts", err)
	}
	if s := t.data(false); s != nil {
		if _, ok := s.attempts[item]; ok {
			setMap(t, s.attempts, item, Attempt{}, false)
		}
	}
	return nil
}

func (t *memTx) attemptsWhere(keep func(Attempt) bool, order func(a, b Attempt) int) []Attempt {
	out := []Attempt{}
	if s := t.data(false); s != nil {
		for _, a := range s.attempts {
			if keep(a) {
				out = append(out, cloneAttempt(a))
			}
		}
	}
	slices.SortFunc(out, order)
	return out
}

func (t *memTx) Attempts(prefix string) ([]Attempt, error) {
	if err := t.check("attempts", false); err != nil {
		return nil, err
	}
	if err := validPrefix(prefix); err != nil {
		return nil, t.invalid("attempts", err)
	}
	return t.attemptsWhere(func(a Attempt) bool { return strings.HasPrefix(a.Item, prefix) },
		func(a, b Attempt) int {
			return cmp.Or(a.FirstAt.Compare(b.FirstAt), strings.Compare(a.Item, b.Item))
		}), nil
}

func (t *memTx) DueRetries(now time.Time, limit int) ([]Attempt, error) {
	if err := t.check("due retries", false); err != nil {
		return nil, err
	}
	if err := validLimit(limit); err != nil {
		return nil, t.invalid("due retries", err)
	}
	n := toMicros(now)
	out := t.attemptsWhere(func(a Attempt) bool { return !a.Dead && toMicros(a.NextTry) <= n },
		func(a, b Attempt) int {
			return cmp.Or(a.NextTry.Compare(b.NextTry), strings.Compare(a.Item, b.Item))
		})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func (t *memTx) DeadLetters(prefix string) ([]Attempt, error) {
	if err := t.check("dead letters", false); err != nil {
		return nil, err
	}
	if err := validPrefix(prefix); err != nil {
		return nil, t.invalid("dead letters", err)
	}
	return t.attemptsWhere(func(a Attempt) bool { return a.Dead && strings.HasPrefix(a.Item, prefix) },
		func(a, b Attempt) int {
			return cmp.Or(a.DeadAt.Compare(b.DeadAt), strings.Compare(a.Item, b.Item))
		}), nil
}

func (t *memTx) Requeue(item string, nextTry time.Time) error {
	if err := t.check("requeue", true); err != nil {
		return err
	}
	if err := validKey("item", item); err != nil {
		return t.invalid("requeue", err)
	}
	s := t.data(false)
	if s == nil {
		return t.notFound("attempt", item)
	}
	a, ok := s.attempts[item]
	if !ok {
		return t.notFound("attempt", item)
	}
	a.Count, a.Dead, a.DeadAt, a.Reason, a.NextTry = 0, false, time.Time{}, "", norm(nextTry)
	setMap(t, s.attempts, item, a, true)
	return nil
}

func (t *memTx) Value(key string) ([]byte, error) {
	if err := t.check("value", false); err != nil {
		return nil, err
	}
	if err := validKey("key", key); err != nil {
		return nil, t.invalid("value", err)
	}
	if s := t.data(false); s != nil {
		if v, ok := s.values[key]; ok {
			return bytes.Clone(v), nil
		}
	}
	return nil, t.notFound("value", key)
}

func (t *memTx) SetValue(key string, value []byte) error {
	if err := t.check("set value", true); err != nil {
		return err
	}
	if err := validKey("key", key); err != nil {
		return t.invalid("set value", err)
	}
	v := bytes.Clone(value)
	if v == nil {
		v = []byte{}
	}
	setMap(t, t.data(true).values, key, v, true)
	return nil
}

func (t *memTx) DeleteValue(key string) error {
	if err := t.check("delete value", true); err != nil {
		return err
	}
	if err := validKey("key", key); err != nil {
		return t.invalid("delete value", err)
	}
	if s := t.data(false); s != nil {
		if _, ok := s.values[key]; ok {
			setMap(t, s.values, key, nil, false)
		}
	}
	return nil
}

func (t *memTx) Values(prefix string) ([]Entry[[]byte], error) {
	if err := t.check("values", false); err != nil {
		return nil, err
	}
	if err := validPrefix(prefix); err != nil {
		return nil, t.invalid("values", err)
	}
	out := []Entry[[]byte]{}
	if s := t.data(false); s != nil {
		for k, v := range s.values {
			if strings.HasPrefix(k, prefix) {
				out = append(out, Entry[[]byte]{Key: k, Value: bytes.Clone(v)})
			}
		}
	}
	slices.SortFunc(out, func(a, b Entry[[]byte]) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}

func cloneTimer(tm Timer) Timer {
	tm.Payload = bytes.Clone(tm.Payload)
	return tm
}

func (t *memTx) Schedule(id string, at time.Time, payload []byte) error {
	if err := t.check("schedule", true); err != nil {
		return err
	}
	if err := validKey("timer id", id); err != nil {
		return t.invalid("schedule", err)
	}
	if at.IsZero() {
		return t.invalid("schedule", fmt.Errorf("%w: timer %q without a time", ErrInvalid, id))
	}
	tm := Timer{ID: id, At: norm(at), Payload: bytes.Clone(payload), Scheduled: t.now()}
	setMap(t, t.data(true).timers, id, tm, true)
	return nil
}

func (t *memTx) Cancel(id string) (bool, error) {
	if err := t.check("cancel timer", true); err != nil {
		return false, err
	}
	if err := validKey("timer id", id); err != nil {
		return false, t.invalid("cancel timer", err)
	}
	if s := t.data(false); s != nil {
		if _, ok := s.timers[id]; ok {
			setMap(t, s.timers, id, Timer{}, false)
			return true, nil
		}
	}
	return false, nil
}

func (t *memTx) Timer(id string) (Timer, error) {
	if err := t.check("timer", false); err != nil {
		return Timer{}, err
	}
	if err := validKey("timer id", id); err != nil {
		return Timer{}, t.invalid("timer", err)
	}
	if s := t.data(false); s != nil {
		if tm, ok := s.timers[id]; ok {
			return cloneTimer(tm), nil
		}
	}
	return Timer{}, t.notFound("timer", id)
}

func (t *memTx) timersWhere(keep func(Timer) bool, limit int) []Timer {
	out := []Timer{}
	if s := t.data(false); s != nil {
		for _, tm := range s.timers {
			if keep(tm) {
				out = append(out, cloneTimer(tm))
			}
		}
	}
	slices.SortFunc(out, func(a, b Timer) int { return cmp.Or(a.At.Compare(b.At), strings.Compare(a.ID, b.ID)) })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

func (t *memTx) Timers(prefix string) ([]Timer, error) {
	if err := t.check("timers", false); err != nil {
		return nil, err
	}
	if err := validPrefix(prefix); err != nil {
		return nil, t.invalid("timers", err)
	}
	return t.timersWhere(func(tm Timer) bool { return strings.HasPrefix(tm.ID, prefix) }, 0), nil
}

func (t *memTx) NextTimer() (Timer, error) {
	if err := t.check("next timer", false); err != nil {
		return Timer{}, err
	}
	out := t.timersWhere(func(Timer) bool { return true }, 1)
	if len(out) == 0 {
		return Timer{}, fmt.Errorf("store: %s: next timer: %w", t.scope, ErrNotFound)
	}
	return out[0], nil
}

func (t *memTx) DueTimers(now time.Time, limit int) ([]Timer, error) {
	if err := t.check("due timers", false); err != nil {
		return nil, err
	}
	if err := validLimit(limit); err != nil {
		return nil, t.invalid("due timers", err)
	}
	n := toMicros(now)
	return t.timersWhere(func(tm Timer) bool { return toMicros(tm.At) <= n }, limit), nil
}

func (t *memTx) Fire(id string) error {
	if err := t.check("fire timer", true); err != nil {
		return err
	}
	if err := validKey("timer id", id); err != nil {
		return t.invalid("fire timer", err)
	}
	if s := t.data(false); s != nil {
		if _, ok := s.timers[id]; ok {
			setMap(t, s.timers, id, Timer{}, false)
			return nil
		}
	}
	return t.notFound("timer", id)
}

func (t *memTx) Stats() (Stats, error) {
	if err := t.check("stats", false); err != nil {
		return Stats{}, err
	}
	var st Stats
	s := t.data(false)
	if s == nil {
		return st, nil
	}
	st.HasPosition = s.pos != nil
	st.Processed = len(s.processed)
	for _, a := range s.attempts {
		if a.Dead {
			st.Dead++
		} else {
			st.Retrying++
		}
	}
	st.Values = len(s.values)
	st.Timers = len(s.timers)
	return st, nil
}
