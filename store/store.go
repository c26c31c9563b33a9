package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Sentinel errors. Every error the package returns that belongs to one of these classes matches it
// with errors.Is; the message says which scope and key it concerns.
var (
	// ErrNotFound: no position, value, attempt or timer under that key.
	ErrNotFound = errors.New("store: not found")
	// ErrClosed: the store is closed, or was closed while the transaction ran (which then did
	// not commit).
	ErrClosed = errors.New("store: closed")
	// ErrReadOnly: a write in a View transaction.
	ErrReadOnly = errors.New("store: read-only transaction")
	// ErrTxDone: a Tx used after its Update or View returned.
	ErrTxDone = errors.New("store: transaction has ended")
	// ErrInvalid: an empty flow, key or item, a key with a NUL byte, a negative limit.
	ErrInvalid = errors.New("store: invalid argument")
	// ErrDecode: a value that Get or List cannot decode into the type asked for.
	ErrDecode = errors.New("store: cannot decode value")
	// ErrSchemaTooNew: the database was written by a newer edusync whose schema this code does
	// not know; it is left untouched.
	ErrSchemaTooNew = errors.New("store: database schema is newer than this edusync")
	// ErrNotStore: the file is an SQLite database of some other application.
	ErrNotStore = errors.New("store: not an edusync store")
)

// Scope names whose state a transaction sees: a flow (the Ladok feed reader, the Ladok->Canvas
// adapter, ...) for one tenant (a university, a municipality, a school). Flow must not be empty;
// Tenant may be, for single-tenant hosts. Scopes never see each other's state.
type Scope struct {
	Flow   string
	Tenant string
}

func (s Scope) String() string {
	if s.Tenant == "" {
		return s.Flow
	}
	return s.Flow + "/" + s.Tenant
}

func (s Scope) validate() error {
	if s.Flow == "" {
		return fmt.Errorf("%w: scope without flow", ErrInvalid)
	}
	if strings.IndexByte(s.Flow, 0) >= 0 || strings.IndexByte(s.Tenant, 0) >= 0 {
		return fmt.Errorf("%w: NUL byte in scope", ErrInvalid)
	}
	return nil
}

// Store keeps the durable state of event-driven flows. Every read and write happens in a
// transaction scoped to one Scope. Implementations are safe for concurrent use by any number of
// goroutines (and, for SQLite, processes): write transactions are serialisable, read
// transactions see a consistent snapshot.
//
// The package's conformance suite (storetest.Run) defines the semantics every implementation
// has; NewMemory and OpenSQLite pass it.
type Store interface {
	// Update runs fn in a write transaction on scope and commits it when fn returns nil. It
	// returns nil only when the transaction committed. It rolls back, and returns the error,
	// when fn returns an error or panics (the panic is re-raised), when any Tx method failed
	// during fn (even if fn ignored that error), when ctx ended before the commit, and when the
	// store was closed meanwhile (ErrClosed). fn may be called at most once; it must not call
	// Update or View on the same store (write transactions are serialised, so that deadlocks).
	// Keep slow I/O out of fn: while it runs, other writers of the same store wait.
	Update(ctx context.Context, scope Scope, fn func(tx Tx) error) error
	// View runs fn in a read-only transaction on scope: it sees one consistent snapshot, never
	// a concurrent Update's uncommitted writes. Writes fail with ErrReadOnly. Like Update, fn
	// must not start another transaction on the same store (the memory store runs one
	// transaction at a time, Views included).
	View(ctx context.Context, scope Scope, fn func(tx Tx) error) error
	// PurgeExpired deletes the processed keys of every scope whose expiry has passed and
	// returns how many. Stores also purge on their own, in small batches, every few hundred
	// write transactions (WithPurgeEvery).
	PurgeExpired(ctx context.Context) (int, error)
	// Scopes lists the scopes that hold any state, ordered by flow and tenant.
	Scopes(ctx context.Context) ([]Scope, error)
	// Close ends the store. Transactions still running are aborted (they roll back and return
	// ErrClosed) once their next store operation notices; Close waits for them, then releases
	// the database. Calls after the first return nil.
	Close() error
}

// Tx is one transaction on one Scope. It is valid only inside the function given to Update or
// View, and is not safe for concurrent use. Any error from a Tx method other than ErrNotFound
// dooms the transaction: Update then rolls back and returns that error even if fn returned nil,
// so a half-done set of writes is never committed.
type Tx interface {
	// Scope is the scope the transaction works on.
	Scope() Scope
	// Context is the context the transaction runs under (the caller's, ended also by Close).
	Context() context.Context
	// ReadOnly reports whether this is a View transaction.
	ReadOnly() bool

	// Position returns the scope's saved position, or ErrNotFound.
	Position() (Position, error)
	// SetPosition saves p as the scope's position; p.Saved is set to the store's clock.
	SetPosition(p Position) error
	// DeletePosition removes the saved position (the flow then starts afresh); no error when
	// there is none.
	DeletePosition() error

	// MarkProcessed records key as processed until expires (the zero time: forever). Marking
	// a key again replaces its expiry.
	MarkProcessed(key string, expires time.Time) error
	// IsProcessed reports whether key is recorded as processed and not expired.
	IsProcessed(key string) (bool, error)
	// Processed returns the subset of keys recorded as processed and not expired.
	Processed(keys ...string) (map[string]bool, error)
	// ForgetProcessed removes key, so the item is processed again; no error when absent.
	ForgetProcessed(key string) error

	// RecordAttempt records a failed attempt at f.Item and returns the item's record. When
	// the item has now failed f.Max times (the store's WithMaxAttempts when f.Max is 0), or
	// f.Permanent is set, it is dead-lettered: Attempt.Dead is true and it is no longer
	// offered by DueRetries. The first payload given is kept unless a later one replaces it.
	RecordAttempt(f Failure) (Attempt, error)
	// Attempt returns the record of item, or ErrNotFound.
	Attempt(item string) (Attempt, error)
	// ClearAttempts removes the record of item (after it succeeded, or was given up), dead
	// letter or not; no error when there is none.
	ClearAttempts(item string) error
	// Attempts lists every record, retrying or dead, whose item starts with prefix, oldest
	// first failure first: a flow that must keep per-key order (per student, say) names its
	// items key+"/"+event and asks Attempts(key+"/") before handling a newer event of key.
	Attempts(prefix string) ([]Attempt, error)
	// DueRetries lists up to limit (0: all) records not dead-lettered whose NextTry is not
	// after now, earliest NextTry first.
	DueRetries(now time.Time, limit int) ([]Attempt, error)
	// DeadLetters lists the dead-lettered records whose item starts with prefix, in the order
	// they were dead-lettered.
	DeadLetters(prefix string) ([]Attempt, error)
	// Requeue gives item a fresh start: attempt count 0, not dead, next try at nextTry. It
	// returns ErrNotFound when item has no record.
	Requeue(item string, nextTry time.Time) error

	// Value returns the raw value under key, or ErrNotFound. Get is the typed form.
	Value(key string) ([]byte, error)
	// SetValue stores value under key, replacing any. Put is the typed form.
	SetValue(key string, value []byte) error
	// DeleteValue removes key; no error when absent.
	DeleteValue(key string) error
	// Values lists the values whose key starts with prefix, ordered by key (bytewise). List
	// is the typed form.
	Values(prefix string) ([]Entry[[]byte], error)

	// Schedule sets timer id to fire at at with payload, replacing (moving) any timer with the
	// same id, fired or not. A time in the past fires at the next DueTimers.
	Schedule(id string, at time.Time, payload []byte) error
	// Cancel removes timer id and reports whether it was scheduled.
	Cancel(id string) (bool, error)
	// Timer returns timer id, or ErrNotFound (never scheduled, cancelled or fired).
	Timer(id string) (Timer, error)
	// Timers lists the timers whose id starts with prefix, earliest first.
	Timers(prefix string) ([]Timer, error)
	// NextTimer returns the earliest timer, or ErrNotFound: how long a flow may sleep.
	NextTimer() (Timer, error)
	// DueTimers lists up to limit (0: all) timers whose time is not after now, earliest first.
	// A timer fires exactly once when the caller acts on it and calls Fire in the same
	// transaction: the transaction that commits Fire is the only one that ever does.
	DueTimers(now time.Time, limit int) ([]Timer, error)
	// Fire removes timer id as fired. It returns ErrNotFound when the timer is no longer
	// scheduled (cancelled, or fired by another transaction).
	Fire(id string) error

	// Stats counts what the scope holds.
	Stats() (Stats, error)
}

// Position is where a flow is in its source. The store keeps one per scope.
type Position struct {
	// Cursor is opaque to the store: for a feed reader, the href of the page being read.
	Cursor string `json:"cursor"`
	// Last is the id of the last item handled at Cursor; "" when none was.
	Last string `json:"last,omitempty"`
	// Offset is how many items at Cursor are handled, for sources whose items may lack ids.
	Offset int64 `json:"offset,omitempty"`
	// ItemTime is when the last handled item happened at the source (the zero time when
	// unknown), for telling how far behind the flow is (Lag).
	ItemTime time.Time `json:"itemTime,omitzero"`
	// Saved is when the position was saved, set by the store.
	Saved time.Time `json:"saved,omitzero"`
}

// Lag is how far behind the source the flow was at now: now minus ItemTime, or 0 when ItemTime
// is unknown or in the future.
func (p Position) Lag(now time.Time) time.Duration {
	if p.ItemTime.IsZero() || now.Before(p.ItemTime) {
		return 0
	}
	return now.Sub(p.ItemTime)
}

// Failure is one failed attempt, for RecordAttempt.
type Failure struct {
	// Item identifies what failed (an event id; key+"/"+id to keep per-key order).
	Item string
	// Err is why. Its text is kept with personal numbers masked, at most 2 KiB.
	Err error
	// NextTry is when the item may be tried again.
	NextTry time.Time
	// Payload, when not nil, is kept with the record: what a retry needs (the event itself).
	Payload []byte
	// Max overrides the store's maximum number of attempts for this item when positive.
	Max int
	// Permanent dead-letters the item now: retrying cannot help.
	Permanent bool
}

// Attempt is the failure record of one item.
type Attempt struct {
	Item      string    `json:"item"`
	Count     int       `json:"count"`     // failed attempts so far
	LastError string    `json:"lastError"` // masked text of the last failure
	FirstAt   time.Time `json:"firstAt"`   // when the first failure was recorded
	LastAt    time.Time `json:"lastAt"`    // when the last failure was recorded
	NextTry   time.Time `json:"nextTry,omitzero"`
	Dead      bool      `json:"dead,omitempty"`
	DeadAt    time.Time `json:"deadAt,omitzero"`
	Reason    string    `json:"reason,omitempty"` // why it was dead-lettered
	Payload   []byte    `json:"payload,omitempty"`
}

// Timer is a scheduled timer.
type Timer struct {
	ID        string    `json:"id"`
	At        time.Time `json:"at"`
	Payload   []byte    `json:"payload,omitempty"`
	Scheduled time.Time `json:"scheduled"` // when it was (last) scheduled
}

// Entry is one key and its value, from Values or List.
type Entry[T any] struct {
	Key   string
	Value T
}

// Stats counts what one scope holds.
type Stats struct {
	HasPosition bool
	Processed   int // processed keys, expired ones not yet purged included
	Retrying    int // attempt records not dead-lettered
	Dead        int // dead letters
	Values      int
	Timers      int
}

// maxErrorText caps the stored text of a failure.
const maxErrorText = 2048

func validKey(what, k string) error {
	if k == "" {
		return fmt.Errorf("%w: empty %s", ErrInvalid, what)
	}
	if strings.IndexByte(k, 0) >= 0 {
		return fmt.Errorf("%w: NUL byte in %s", ErrInvalid, what)
	}
	return nil
}

func validPrefix(p string) error {
	if strings.IndexByte(p, 0) >= 0 {
		return fmt.Errorf("%w: NUL byte in prefix", ErrInvalid)
	}
	return nil
}

func validLimit(n int) error {
	if n < 0 {
		return fmt.Errorf("%w: negative limit %d", ErrInvalid, n)
	}
	return nil
}

// prefixEnd returns the smallest string greater than every string starting with p, and false
// when there is none (p is empty or all 0xff bytes).
func prefixEnd(p string) (string, bool) {
	b := []byte(p)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1]), true
		}
	}
	return "", false
}

// Times are kept as microseconds since 1970 in UTC (0 is the zero time), by both backends, so
// they compare and round the same everywhere and cover any year a flow could mean.
func toMicros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func fromMicros(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}
