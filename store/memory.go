package store

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/edusync/edusync/store/internal/kit"
)

// Memory is a Store in memory, with the semantics of the SQLite store (the same conformance
// suite passes on both): for tests and examples. Its state is lost when the process ends.
// Transactions run one at a time, Views included.
type Memory struct {
	cfg       Config
	life      kit.Lifecycle
	sem       chan struct{} // one transaction at a time; waiting honours the context
	scopes    map[Scope]*memScope
	writes    int
	purgeMore bool
	lastID    int64 // of the last message enqueued in any scope
}

type memScope struct {
	pos       *Position
	processed map[string]int64 // key -> expiry in micros, 0 forever
	attempts  map[string]Attempt
	values    map[string][]byte
	timers    map[string]Timer
	leases    map[string]Lease
	queue     map[int64]*memMessage
	keys      map[string]memKey // queue de-duplication keys
}

// memMessage is a queued message; claimed is set from Claim until Nack or requeue.
type memMessage struct {
	Delivery
	claimed bool
}

type memKey struct {
	expires int64 // micros
	id      int64
}

func (s *memScope) empty() bool {
	return s.pos == nil && len(s.processed) == 0 && len(s.attempts) == 0 && len(s.values) == 0 &&
		len(s.timers) == 0 && len(s.leases) == 0 && len(s.queue) == 0 && len(s.keys) == 0
}

// NewMemory returns an empty in-memory store. Backend options (those of store/sqlite) are
// ignored.
func NewMemory(opts ...Option) *Memory {
	m := &Memory{cfg: NewConfig(opts...), sem: make(chan struct{}, 1), scopes: map[Scope]*memScope{}}
	m.life.Init()
	return m
}

var _ Store = (*Memory)(nil)

func (m *Memory) acquire(ctx context.Context) error {
	select {
	case m.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return kit.CtxErr(ctx)
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
	if err := scope.Validate(); err != nil {
		return err
	}
	txCtx, leave, err := m.life.Enter(ctx)
	if err != nil {
		return fmt.Errorf("store: %s: %w", scope, err)
	}
	defer leave()
	if err := m.acquire(txCtx); err != nil {
		return kit.WrapErr(txCtx, scope.String(), "begin", err)
	}
	defer m.release()
	tx := &memTx{TxState: kit.TxState{Scope: scope.String(), Ctx: txCtx, RO: ro}, m: m, scope: scope}
	committed := false
	lastID := m.lastID
	defer func() {
		tx.Done = true
		if !committed {
			tx.rollback()
			m.lastID = lastID
		}
	}()
	if err := fn(tx); err != nil {
		return err
	}
	if tx.Err != nil {
		return tx.Err
	}
	if err := kit.FirstErr(kit.CtxErr(txCtx), kit.CtxErr(ctx)); err != nil {
		return kit.WrapErr(txCtx, scope.String(), "commit", err)
	}
	committed = true
	if s := m.scopes[scope]; s != nil && s.empty() {
		delete(m.scopes, scope)
	}
	if !ro {
		m.writes++
		if m.cfg.PurgeEvery > 0 && (m.purgeMore || m.writes%m.cfg.PurgeEvery == 0) {
			m.purgeMore = m.purge(m.cfg.PurgeBatch) >= m.cfg.PurgeBatch
		}
	}
	return nil
}

// purge deletes up to limit (0: all) expired processed and de-duplication keys.
func (m *Memory) purge(limit int) int {
	now := kit.Micros(m.cfg.Clock())
	n := 0
	for scope, s := range m.scopes {
		for k, exp := range s.processed {
			if exp != 0 && exp <= now {
				delete(s.processed, k)
				if n++; limit > 0 && n >= limit {
					return n
				}
			}
		}
		for k, mk := range s.keys {
			if mk.expires <= now {
				delete(s.keys, k)
				if n++; limit > 0 && n >= limit {
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
	txCtx, leave, err := m.life.Enter(ctx)
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
	txCtx, leave, err := m.life.Enter(ctx)
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
	m.life.Close()
	return nil
}

type memTx struct {
	kit.TxState
	m     *Memory
	scope Scope
	undo  []func() // run in reverse on rollback
}

var _ Tx = (*memTx)(nil)

func (t *memTx) rollback() {
	for i := len(t.undo) - 1; i >= 0; i-- {
		t.undo[i]()
	}
	t.undo = nil
}

// data returns the scope's data, created when create is set (nil otherwise when absent).
func (t *memTx) data(create bool) *memScope {
	s := t.m.scopes[t.scope]
	if s == nil && create {
		s = &memScope{processed: map[string]int64{}, attempts: map[string]Attempt{}, values: map[string][]byte{},
			timers: map[string]Timer{}, leases: map[string]Lease{}, queue: map[int64]*memMessage{}, keys: map[string]memKey{}}
		t.m.scopes[t.scope] = s
	}
	return s
}

func (t *memTx) now() time.Time { return kit.Norm(t.m.cfg.Clock()) }

func (t *memTx) Scope() Scope             { return t.scope }
func (t *memTx) Context() context.Context { return t.Ctx }
func (t *memTx) ReadOnly() bool           { return t.RO }

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
	if err := t.Check("position", false); err != nil {
		return Position{}, err
	}
	s := t.data(false)
	if s == nil || s.pos == nil {
		return Position{}, t.NotFound("position", "")
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
	if err := t.Check("set position", true); err != nil {
		return err
	}
	p.ItemTime = kit.Norm(p.ItemTime)
	p.Saved = t.now()
	t.setPos(&p)
	return nil
}

func (t *memTx) DeletePosition() error {
	if err := t.Check("delete position", true); err != nil {
		return err
	}
	if s := t.data(false); s != nil && s.pos != nil {
		t.setPos(nil)
	}
	return nil
}

func (t *memTx) MarkProcessed(key string, expires time.Time) error {
	if err := t.Check("mark processed", true); err != nil {
		return err
	}
	if err := kit.ValidKey("processed key", key); err != nil {
		return t.Invalid("mark processed", err)
	}
	setMap(t, t.data(true).processed, key, kit.Micros(expires), true)
	return nil
}

func (t *memTx) live(s *memScope, key string) bool {
	if s == nil {
		return false
	}
	exp, ok := s.processed[key]
	return ok && (exp == 0 || exp > kit.Micros(t.m.cfg.Clock()))
}

func (t *memTx) IsProcessed(key string) (bool, error) {
	if err := t.Check("is processed", false); err != nil {
		return false, err
	}
	if err := kit.ValidKey("processed key", key); err != nil {
		return false, t.Invalid("is processed", err)
	}
	return t.live(t.data(false), key), nil
}

func (t *memTx) Processed(keys ...string) (map[string]bool, error) {
	if err := t.Check("processed", false); err != nil {
		return nil, err
	}
	out := map[string]bool{}
	s := t.data(false)
	for _, k := range keys {
		if err := kit.ValidKey("processed key", k); err != nil {
			return nil, t.Invalid("processed", err)
		}
		if t.live(s, k) {
			out[k] = true
		}
	}
	return out, nil
}

func (t *memTx) ForgetProcessed(key string) error {
	if err := t.Check("forget processed", true); err != nil {
		return err
	}
	if err := kit.ValidKey("processed key", key); err != nil {
		return t.Invalid("forget processed", err)
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
	if err := t.Check("record attempt", true); err != nil {
		return Attempt{}, err
	}
	if err := kit.ValidKey("item", f.Item); err != nil {
		return Attempt{}, t.Invalid("record attempt", err)
	}
	s := t.data(true)
	var prev *Attempt
	if a, ok := s.attempts[f.Item]; ok {
		prev = &a
	}
	f.Payload = bytes.Clone(f.Payload)
	a := NextAttempt(prev, f, t.now(), t.m.cfg.MaxAttempts)
	setMap(t, s.attempts, f.Item, a, true)
	return cloneAttempt(a), nil
}

func (t *memTx) Attempt(item string) (Attempt, error) {
	if err := t.Check("attempt", false); err != nil {
		return Attempt{}, err
	}
	if err := kit.ValidKey("item", item); err != nil {
		return Attempt{}, t.Invalid("attempt", err)
	}
	if s := t.data(false); s != nil {
		if a, ok := s.attempts[item]; ok {
			return cloneAttempt(a), nil
		}
	}
	return Attempt{}, t.NotFound("attempt", item)
}

func (t *memTx) ClearAttempts(item string) error {
	if err := t.Check("clear attempts", true); err != nil {
		return err
	}
	if err := kit.ValidKey("item", item); err != nil {
		return t.Invalid("clear attempts", err)
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
	if err := t.Check("attempts", false); err != nil {
		return nil, err
	}
	if err := kit.ValidPrefix(prefix); err != nil {
		return nil, t.Invalid("attempts", err)
	}
	return t.attemptsWhere(func(a Attempt) bool { return strings.HasPrefix(a.Item, prefix) },
		func(a, b Attempt) int {
			return cmp.Or(a.FirstAt.Compare(b.FirstAt), strings.Compare(a.Item, b.Item))
		}), nil
}

func (t *memTx) DueRetries(now time.Time, limit int) ([]Attempt, error) {
	if err := t.Check("due retries", false); err != nil {
		return nil, err
	}
	if err := kit.ValidLimit(limit); err != nil {
		return nil, t.Invalid("due retries", err)
	}
	n := kit.Micros(now)
	out := t.attemptsWhere(func(a Attempt) bool { return !a.Dead && kit.Micros(a.NextTry) <= n },
		func(a, b Attempt) int {
			return cmp.Or(a.NextTry.Compare(b.NextTry), strings.Compare(a.Item, b.Item))
		})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func (t *memTx) DeadLetters(prefix string) ([]Attempt, error) {
	if err := t.Check("dead letters", false); err != nil {
		return nil, err
	}
	if err := kit.ValidPrefix(prefix); err != nil {
		return nil, t.Invalid("dead letters", err)
	}
	return t.attemptsWhere(func(a Attempt) bool { return a.Dead && strings.HasPrefix(a.Item, prefix) },
		func(a, b Attempt) int {
			return cmp.Or(a.DeadAt.Compare(b.DeadAt), strings.Compare(a.Item, b.Item))
		}), nil
}

func (t *memTx) Requeue(item string, nextTry time.Time) error {
	if err := t.Check("requeue", true); err != nil {
		return err
	}
	if err := kit.ValidKey("item", item); err != nil {
		return t.Invalid("requeue", err)
	}
	s := t.data(false)
	if s == nil {
		return t.NotFound("attempt", item)
	}
	a, ok := s.attempts[item]
	if !ok {
		return t.NotFound("attempt", item)
	}
	a.Count, a.Dead, a.DeadAt, a.Reason, a.NextTry = 0, false, time.Time{}, "", kit.Norm(nextTry)
	setMap(t, s.attempts, item, a, true)
	return nil
}

func (t *memTx) Value(key string) ([]byte, error) {
	if err := t.Check("value", false); err != nil {
		return nil, err
	}
	if err := kit.ValidKey("key", key); err != nil {
		return nil, t.Invalid("value", err)
	}
	if s := t.data(false); s != nil {
		if v, ok := s.values[key]; ok {
			return bytes.Clone(v), nil
		}
	}
	return nil, t.NotFound("value", key)
}

func (t *memTx) SetValue(key string, value []byte) error {
	if err := t.Check("set value", true); err != nil {
		return err
	}
	if err := kit.ValidKey("key", key); err != nil {
		return t.Invalid("set value", err)
	}
	v := bytes.Clone(value)
	if v == nil {
		v = []byte{}
	}
	setMap(t, t.data(true).values, key, v, true)
	return nil
}

func (t *memTx) DeleteValue(key string) error {
	if err := t.Check("delete value", true); err != nil {
		return err
	}
	if err := kit.ValidKey("key", key); err != nil {
		return t.Invalid("delete value", err)
	}
	if s := t.data(false); s != nil {
		if _, ok := s.values[key]; ok {
			setMap(t, s.values, key, nil, false)
		}
	}
	return nil
}

func (t *memTx) Values(prefix string) ([]Entry[[]byte], error) {
	if err := t.Check("values", false); err != nil {
		return nil, err
	}
	if err := kit.ValidPrefix(prefix); err != nil {
		return nil, t.Invalid("values", err)
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

func (t *memTx) ValuesFrom(prefix, after string, limit int) ([]Entry[[]byte], error) {
	if err := t.Check("values", false); err != nil {
		return nil, err
	}
	if err := kit.ValidPage(prefix, after, limit); err != nil {
		return nil, t.Invalid("values", err)
	}
	out := []Entry[[]byte]{}
	if s := t.data(false); s != nil {
		for k, v := range s.values {
			if strings.HasPrefix(k, prefix) && k > after {
				out = append(out, Entry[[]byte]{Key: k, Value: v})
			}
		}
	}
	slices.SortFunc(out, func(a, b Entry[[]byte]) int { return strings.Compare(a.Key, b.Key) })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	for i := range out {
		out[i].Value = bytes.Clone(out[i].Value)
	}
	return out, nil
}

func cloneTimer(tm Timer) Timer {
	tm.Payload = bytes.Clone(tm.Payload)
	return tm
}

func (t *memTx) Schedule(id string, at time.Time, payload []byte) error {
	if err := t.Check("schedule", true); err != nil {
		return err
	}
	if err := kit.ValidKey("timer id", id); err != nil {
		return t.Invalid("schedule", err)
	}
	if at.IsZero() {
		return t.Invalid("schedule", fmt.Errorf("%w: timer %q without a time", ErrInvalid, id))
	}
	tm := Timer{ID: id, At: kit.Norm(at), Payload: bytes.Clone(payload), Scheduled: t.now()}
	setMap(t, t.data(true).timers, id, tm, true)
	return nil
}

func (t *memTx) Cancel(id string) (bool, error) {
	if err := t.Check("cancel timer", true); err != nil {
		return false, err
	}
	if err := kit.ValidKey("timer id", id); err != nil {
		return false, t.Invalid("cancel timer", err)
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
	if err := t.Check("timer", false); err != nil {
		return Timer{}, err
	}
	if err := kit.ValidKey("timer id", id); err != nil {
		return Timer{}, t.Invalid("timer", err)
	}
	if s := t.data(false); s != nil {
		if tm, ok := s.timers[id]; ok {
			return cloneTimer(tm), nil
		}
	}
	return Timer{}, t.NotFound("timer", id)
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
	if err := t.Check("timers", false); err != nil {
		return nil, err
	}
	if err := kit.ValidPrefix(prefix); err != nil {
		return nil, t.Invalid("timers", err)
	}
	return t.timersWhere(func(tm Timer) bool { return strings.HasPrefix(tm.ID, prefix) }, 0), nil
}

func (t *memTx) NextTimer() (Timer, error) {
	if err := t.Check("next timer", false); err != nil {
		return Timer{}, err
	}
	out := t.timersWhere(func(Timer) bool { return true }, 1)
	if len(out) == 0 {
		return Timer{}, t.NotFound("next timer", "")
	}
	return out[0], nil
}

func (t *memTx) DueTimers(now time.Time, limit int) ([]Timer, error) {
	if err := t.Check("due timers", false); err != nil {
		return nil, err
	}
	if err := kit.ValidLimit(limit); err != nil {
		return nil, t.Invalid("due timers", err)
	}
	n := kit.Micros(now)
	return t.timersWhere(func(tm Timer) bool { return kit.Micros(tm.At) <= n }, limit), nil
}

func (t *memTx) Fire(id string) error {
	if err := t.Check("fire timer", true); err != nil {
		return err
	}
	if err := kit.ValidKey("timer id", id); err != nil {
		return t.Invalid("fire timer", err)
	}
	if s := t.data(false); s != nil {
		if _, ok := s.timers[id]; ok {
			setMap(t, s.timers, id, Timer{}, false)
			return nil
		}
	}
	return t.NotFound("timer", id)
}

func (t *memTx) Stats() (Stats, error) {
	if err := t.Check("stats", false); err != nil {
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
	for _, l := range s.leases {
		if l.Holder != "" {
			st.Leases++
		}
	}
	for _, m := range s.queue {
		if m.Dead {
			st.DeadMessages++
		} else {
			st.Queued++
		}
	}
	return st, nil
}

func (t *memTx) Apply(b Batch) error {
	if err := t.Check("apply", true); err != nil {
		return err
	}
	if err := b.Validate(); err != nil {
		return t.Invalid("apply", err)
	}
	for _, k := range b.Deletes {
		if s := t.data(false); s != nil {
			if _, ok := s.values[k]; ok {
				setMap(t, s.values, k, nil, false)
			}
		}
	}
	for _, e := range b.Values {
		v := bytes.Clone(e.Value)
		if v == nil {
			v = []byte{}
		}
		setMap(t, t.data(true).values, e.Key, v, true)
	}
	for _, k := range b.Processed {
		setMap(t, t.data(true).processed, k, kit.Micros(b.Expires), true)
	}
	if b.Position != nil {
		p := *b.Position
		p.ItemTime = kit.Norm(p.ItemTime)
		p.Saved = t.now()
		t.setPos(&p)
	}
	return nil
}

// current returns the data of l's scope and whether l is its name's current lease.
func (t *memTx) current(op string, l Lease) (*memScope, bool, error) {
	if err := kit.FirstErr(l.Scope.Validate(), kit.ValidKey("lease name", l.Name)); err != nil {
		return nil, false, t.Invalid(op, err)
	}
	s := t.m.scopes[l.Scope]
	if s == nil {
		return nil, false, nil
	}
	cur, ok := s.leases[l.Name]
	return s, ok && cur.Holder != "" && cur.Holder == l.Holder && cur.Token == l.Token, nil
}

// held is current, with a lease that is not current an ErrLeaseLost that dooms the transaction.
func (t *memTx) held(op string, l Lease) (*memScope, error) {
	s, ok, err := t.current(op, l)
	if err == nil && !ok {
		err = t.Failed(op, kit.LeaseLost(l.Scope.String(), l.Name, l.Token))
	}
	return s, err
}

func (t *memTx) AcquireLease(name, holder string, ttl time.Duration) (Lease, error) {
	if err := t.Check("acquire lease", true); err != nil {
		return Lease{}, err
	}
	if err := kit.FirstErr(kit.ValidKey("lease name", name), kit.ValidKey("lease holder", holder), kit.ValidDuration("lease time-to-live", ttl)); err != nil {
		return Lease{}, t.Invalid("acquire lease", err)
	}
	s := t.data(true)
	var cur *Lease
	if l, ok := s.leases[name]; ok {
		cur = &l
	}
	l, err := NextLease(cur, t.scope, name, holder, t.now(), ttl)
	if err != nil {
		return Lease{}, err
	}
	setMap(t, s.leases, name, l, true)
	return l, nil
}

func (t *memTx) RenewLease(l Lease, ttl time.Duration) (Lease, error) {
	if err := t.Check("renew lease", true); err != nil {
		return Lease{}, err
	}
	if err := kit.ValidDuration("lease time-to-live", ttl); err != nil {
		return Lease{}, t.Invalid("renew lease", err)
	}
	s, err := t.held("renew lease", l)
	if err != nil {
		return Lease{}, err
	}
	cur := s.leases[l.Name]
	cur.Expires = kit.Norm(t.now().Add(ttl))
	setMap(t, s.leases, l.Name, cur, true)
	return cur, nil
}

func (t *memTx) ReleaseLease(l Lease) error {
	if err := t.Check("release lease", true); err != nil {
		return err
	}
	s, ok, err := t.current("release lease", l)
	if err != nil || !ok {
		return err // a lost lease has nothing to release
	}
	cur := s.leases[l.Name]
	cur.Holder, cur.Expires = "", time.Time{}
	setMap(t, s.leases, l.Name, cur, true)
	return nil
}

func (t *memTx) CheckLease(l Lease) error {
	if err := t.Check("check lease", false); err != nil {
		return err
	}
	_, err := t.held("check lease", l)
	return err
}

func (t *memTx) Lease(name string) (Lease, error) {
	if err := t.Check("lease", false); err != nil {
		return Lease{}, err
	}
	if err := kit.ValidKey("lease name", name); err != nil {
		return Lease{}, t.Invalid("lease", err)
	}
	if s := t.data(false); s != nil {
		if l, ok := s.leases[name]; ok {
			return l, nil
		}
	}
	return Lease{}, t.NotFound("lease", name)
}

// setMessage replaces (or with m nil removes) message id, recording how to undo it.
func (t *memTx) setMessage(s *memScope, id int64, m *memMessage) {
	old, had := s.queue[id]
	if m != nil {
		s.queue[id] = m
	} else {
		delete(s.queue, id)
	}
	t.undo = append(t.undo, func() {
		if had {
			s.queue[id] = old
		} else {
			delete(s.queue, id)
		}
	})
}

func (t *memTx) setKey(s *memScope, k string, v memKey, ok bool) {
	old, had := s.keys[k]
	if ok {
		s.keys[k] = v
	} else {
		delete(s.keys, k)
	}
	t.undo = append(t.undo, func() {
		if had {
			s.keys[k] = old
		} else {
			delete(s.keys, k)
		}
	})
}

func cloneDelivery(m *memMessage) Delivery {
	d := m.Delivery
	d.Payload = bytes.Clone(d.Payload)
	return d
}

func (t *memTx) Enqueue(m Message) (Enqueued, error) {
	if err := t.Check("enqueue", true); err != nil {
		return Enqueued{}, err
	}
	if err := kit.FirstErr(kit.ValidOptionalKey("message key", m.Key), kit.ValidOptionalKey("order key", m.OrderKey)); err != nil {
		return Enqueued{}, t.Invalid("enqueue", err)
	}
	now := t.now()
	s := t.data(true)
	if m.Key != "" {
		if k, ok := s.keys[m.Key]; ok && k.expires > kit.Micros(now) {
			return Enqueued{ID: k.id, Duplicate: true}, nil
		}
	}
	t.m.lastID++
	id := t.m.lastID
	maxAttempts := m.MaxAttempts
	if maxAttempts <= 0 {
		maxAttempts = t.m.cfg.MaxAttempts
	}
	due := now
	if m.NotBefore.After(now) {
		due = kit.Norm(m.NotBefore)
	}
	msg := &memMessage{Delivery: Delivery{ID: id, Key: m.Key, OrderKey: m.OrderKey, Payload: bytes.Clone(m.Payload),
		Enqueued: now, MaxAttempts: maxAttempts, Due: due}}
	t.setMessage(s, id, msg)
	if m.Key != "" {
		window := m.KeyWindow
		if window <= 0 {
			window = t.m.cfg.DedupWindow
		}
		t.setKey(s, m.Key, memKey{expires: kit.Micros(now.Add(window)), id: id}, true)
	}
	return Enqueued{ID: id}, nil
}

// live returns the scope's messages that are not dead, oldest first.
func (s *memScope) live() []*memMessage {
	var out []*memMessage
	for _, m := range s.queue {
		if !m.Dead {
			out = append(out, m)
		}
	}
	slices.SortFunc(out, func(a, b *memMessage) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// kill dead-letters m (a copy put in place) with reason and releases its key.
func (t *memTx) kill(s *memScope, m memMessage, reason string) *memMessage {
	m.Dead, m.DeadAt, m.Reason, m.claimed = true, t.now(), reason, false
	t.setMessage(s, m.ID, &m)
	if k, ok := s.keys[m.Key]; ok && m.Key != "" && k.id == m.ID {
		t.setKey(s, m.Key, memKey{}, false)
	}
	return &m
}

func (t *memTx) Claim(n int, visibility time.Duration) ([]Delivery, error) {
	if err := t.Check("claim", true); err != nil {
		return nil, err
	}
	if n <= 0 {
		return nil, t.Invalid("claim", fmt.Errorf("%w: claim of %d messages", ErrInvalid, n))
	}
	if err := kit.ValidDuration("visibility timeout", visibility); err != nil {
		return nil, t.Invalid("claim", err)
	}
	s := t.data(false)
	if s == nil {
		return []Delivery{}, nil
	}
	now := t.now()
	blocked := map[string]bool{} // order keys with an older live message
	out := []Delivery{}
	for _, m := range s.live() {
		if len(out) == n {
			break
		}
		if m.OrderKey != "" {
			if blocked[m.OrderKey] {
				continue
			}
			blocked[m.OrderKey] = true
		}
		if m.Due.After(now) {
			continue
		}
		c := *m
		if c.claimed && c.Attempt >= c.MaxAttempts {
			t.kill(s, c, kit.Unacknowledged(c.Attempt))
			delete(blocked, c.OrderKey) // the next of its key may go
			continue
		}
		c.claimed = true
		c.Attempt++
		c.Due = kit.Norm(now.Add(visibility))
		t.setMessage(s, c.ID, &c)
		out = append(out, cloneDelivery(&c))
	}
	return out, nil
}

// claimed returns d's message when d's claim still holds, else dooms the transaction with
// ErrClaimLost.
func (t *memTx) claimed(op string, d Delivery) (*memScope, *memMessage, error) {
	if s := t.data(false); s != nil {
		if m, ok := s.queue[d.ID]; ok && m.claimed && !m.Dead && m.Attempt == d.Attempt {
			return s, m, nil
		}
	}
	return nil, nil, t.Failed(op, fmt.Errorf("%w: message %d, delivery %d", ErrClaimLost, d.ID, d.Attempt))
}

func (t *memTx) Extend(d Delivery, visibility time.Duration) (Delivery, error) {
	if err := t.Check("extend claim", true); err != nil {
		return Delivery{}, err
	}
	if err := kit.ValidDuration("visibility timeout", visibility); err != nil {
		return Delivery{}, t.Invalid("extend claim", err)
	}
	s, m, err := t.claimed("extend claim", d)
	if err != nil {
		return Delivery{}, err
	}
	c := *m
	c.Due = kit.Norm(t.now().Add(visibility))
	t.setMessage(s, c.ID, &c)
	return cloneDelivery(&c), nil
}

func (t *memTx) Ack(d Delivery) error {
	if err := t.Check("ack", true); err != nil {
		return err
	}
	s, _, err := t.claimed("ack", d)
	if err != nil {
		return err
	}
	t.setMessage(s, d.ID, nil)
	return nil
}

func (t *memTx) Nack(d Delivery, retryAt time.Time, cause error) (Delivery, error) {
	if err := t.Check("nack", true); err != nil {
		return Delivery{}, err
	}
	s, m, err := t.claimed("nack", d)
	if err != nil {
		return Delivery{}, err
	}
	c := *m
	var reason string
	c.LastError, reason = kit.NackReason(c.Attempt, c.MaxAttempts, cause)
	if reason != "" {
		return cloneDelivery(t.kill(s, c, reason)), nil
	}
	c.claimed = false
	c.Due = kit.Norm(retryAt)
	t.setMessage(s, c.ID, &c)
	return cloneDelivery(&c), nil
}

func (t *memTx) messages(op string, dead bool, limit int) ([]Delivery, error) {
	if err := t.Check(op, false); err != nil {
		return nil, err
	}
	if err := kit.ValidLimit(limit); err != nil {
		return nil, t.Invalid(op, err)
	}
	out := []Delivery{}
	s := t.data(false)
	if s == nil {
		return out, nil
	}
	var ms []*memMessage
	for _, m := range s.queue {
		if m.Dead == dead {
			ms = append(ms, m)
		}
	}
	slices.SortFunc(ms, func(a, b *memMessage) int {
		if dead {
			return cmp.Or(a.DeadAt.Compare(b.DeadAt), cmp.Compare(a.ID, b.ID))
		}
		return cmp.Compare(a.ID, b.ID)
	})
	for _, m := range ms {
		if limit > 0 && len(out) == limit {
			break
		}
		out = append(out, cloneDelivery(m))
	}
	return out, nil
}

func (t *memTx) Messages(limit int) ([]Delivery, error) { return t.messages("messages", false, limit) }

func (t *memTx) DeadMessages(limit int) ([]Delivery, error) {
	return t.messages("dead messages", true, limit)
}

func (t *memTx) message(op string, id int64) (*memScope, *memMessage, error) {
	if s := t.data(false); s != nil {
		if m, ok := s.queue[id]; ok {
			return s, m, nil
		}
	}
	return nil, nil, t.NotFound("message", strconv.FormatInt(id, 10))
}

func (t *memTx) RequeueMessage(id int64, at time.Time) error {
	if err := t.Check("requeue message", true); err != nil {
		return err
	}
	s, m, err := t.message("requeue message", id)
	if err != nil {
		return err
	}
	c := *m
	c.Dead, c.DeadAt, c.Reason, c.claimed, c.Attempt = false, time.Time{}, "", false, 0
	c.Due = t.now()
	if at.After(c.Due) {
		c.Due = kit.Norm(at)
	}
	t.setMessage(s, id, &c)
	return nil
}

func (t *memTx) DeleteMessage(id int64) error {
	if err := t.Check("delete message", true); err != nil {
		return err
	}
	s, m, err := t.message("delete message", id)
	if err != nil {
		return err
	}
	if k, ok := s.keys[m.Key]; ok && m.Key != "" && k.id == id {
		t.setKey(s, m.Key, memKey{}, false)
	}
	t.setMessage(s, id, nil)
	return nil
}
