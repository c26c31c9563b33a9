package store

import (
	"context"
	"time"

	"github.com/edusync/edusync/store/internal/kit"
)

// Sentinel errors. Every error the package returns that belongs to one of these classes matches it
// with errors.Is; the message says which scope and key it concerns.
var (
	// ErrNotFound: no position, value, attempt, timer, lease or message under that key.
	ErrNotFound = kit.ErrNotFound
	// ErrClosed: the store is closed, or was closed while the transaction ran (which then did
	// not commit).
	ErrClosed = kit.ErrClosed
	// ErrReadOnly: a write in a View transaction.
	ErrReadOnly = kit.ErrReadOnly
	// ErrTxDone: a Tx used after its Update or View returned.
	ErrTxDone = kit.ErrTxDone
	// ErrInvalid: an empty flow, key or item, a key with a NUL byte, a negative limit, a
	// time-to-live that is not positive.
	ErrInvalid = kit.ErrInvalid
	// ErrDecode: a value that Get or List cannot decode into the type asked for.
	ErrDecode = kit.ErrDecode
	// ErrLeaseHeld: AcquireLease found the lease held by another holder and not expired. Try
	// again later; it does not doom the transaction.
	ErrLeaseHeld = kit.ErrLeaseHeld
	// ErrLeaseLost: the lease was released or, after it expired, taken over by another holder
	// (whose fencing token is higher). The holder must stop; its fenced writes are refused.
	ErrLeaseLost = kit.ErrLeaseLost
	// ErrClaimLost: Ack, Nack or Extend of a delivery whose claim has ended: its visibility
	// timeout passed and the message was claimed again (or acknowledged, or deleted).
	ErrClaimLost = kit.ErrClaimLost

	// ErrPermanent is the class of failures that retrying cannot heal: a damaged or foreign
	// database, a file that cannot be written, state that should exist and does not. Hosts and
	// flows stop on them (IsPermanent) instead of retrying forever; the message names the file.
	// A queue handler marks its own hopeless failures with Permanent.
	ErrPermanent = kit.ErrPermanent
	// ErrSchemaTooNew (permanent): the database was written by a newer edusync whose schema
	// this code does not know; it is left untouched.
	ErrSchemaTooNew = kit.ErrSchemaTooNew
	// ErrNotStore (permanent): the file is a database of some other application.
	ErrNotStore = kit.ErrNotStore
	// ErrCorrupt (permanent): the database is damaged (a malformed disk image, a file that is
	// not a database at all).
	ErrCorrupt = kit.ErrCorrupt
	// ErrUnwritable (permanent): the database cannot be written (a read-only file or
	// directory, no permission).
	ErrUnwritable = kit.ErrUnwritable
	// ErrNoState (permanent): the host said the state must already exist (sqlite.MustExist),
	// and the file is missing or empty.
	ErrNoState = kit.ErrNoState
)

// IsPermanent reports whether err cannot heal by retrying: it matches ErrPermanent (a damaged,
// foreign, unwritable or missing database, a newer schema, or an error marked with Permanent).
func IsPermanent(err error) bool { return kit.Permanent(err) }

// Permanent marks err as a failure that retrying cannot heal: a queue handler returns it so
// that Worker dead-letters the message at once, and Nack does the same with it. The result
// matches both err and ErrPermanent with errors.Is; Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

type permanentError struct{ err error }

func (e permanentError) Error() string   { return e.err.Error() }
func (e permanentError) Unwrap() []error { return []error{e.err, ErrPermanent} }

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

// Validate reports ErrInvalid for a scope without flow or with a NUL byte; every backend
// checks it before a transaction.
func (s Scope) Validate() error { return kit.ValidScope(s.Flow, s.Tenant) }

// Store keeps the durable state of event-driven flows. Every read and write happens in a
// transaction scoped to one Scope. Implementations are safe for concurrent use by any number of
// goroutines (and, for SQLite, processes): write transactions are serialisable, read
// transactions see a consistent snapshot.
//
// The conformance suite (storetest.Run) defines the semantics every implementation has;
// NewMemory, store/sqlite and store/postgres pass it.
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
	// PurgeExpired deletes the processed keys and queue de-duplication keys of every scope
	// whose expiry has passed and returns how many. Stores also purge on their own, in small
	// batches, every few hundred write transactions (WithPurgeEvery).
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
	// f.Permanent is set, or f.Err is permanent (IsPermanent), it is dead-lettered:
	// Attempt.Dead is true and it is no longer offered by DueRetries. The first payload given
	// is kept unless a later one replaces it.
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
	// ValuesFrom lists up to limit (0: all) values whose key starts with prefix and comes
	// after the key after ("" for the first), in key order: a large range read a page at a
	// time, each page starting after the last key of the page before, so that memory stays
	// bounded however many values the prefix holds. The order is bytewise, as for Values,
	// except that store/postgres orders keys longer than 1 KiB that share their first KiB
	// among themselves in a fixed order of its own; paging through them is exact all the same.
	// ListFrom is the typed form.
	ValuesFrom(prefix, after string, limit int) ([]Entry[[]byte], error)

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

	// Apply makes the writes of b, in the order Batch documents: several values, processed
	// keys and a position at once, the way a feed page or a file set is committed. A backend
	// writes them in as few statements as it can.
	Apply(b Batch) error

	// AcquireLease takes lease name of this scope for holder until ttl from now, and returns
	// it. When holder holds it already, it is renewed with the same token. When it is free
	// (never taken, released, or expired), holder takes it over with a fencing token greater
	// than any the name had before. When another holder's lease has not expired, it returns
	// ErrLeaseHeld, which does not doom the transaction.
	AcquireLease(name, holder string, ttl time.Duration) (Lease, error)
	// RenewLease extends l until ttl from now; ErrLeaseLost when l is no longer current (it
	// was released, or taken over after it expired).
	RenewLease(l Lease, ttl time.Duration) (Lease, error)
	// ReleaseLease frees l at once, so that another holder need not wait for its expiry; no
	// error when it was lost already.
	ReleaseLease(l Lease) error
	// CheckLease returns ErrLeaseLost, and dooms the transaction, unless l is still current:
	// its holder holds the name with l's token (expired but not yet taken over counts). A
	// holder fences its writes with it (UpdateFenced): a holder paused past its expiry while
	// another took over commits nothing more. l's scope may be another than the transaction's.
	CheckLease(l Lease) error
	// Lease returns lease name of this scope as it stands (Holder empty when released), or
	// ErrNotFound when it was never taken.
	Lease(name string) (Lease, error)

	// Enqueue adds m to the scope's queue; it is durable once the transaction commits. A
	// message whose Key was enqueued within the de-duplication window (Message.KeyWindow,
	// else WithDedupWindow) is dropped: Enqueued.Duplicate is then true and Enqueued.ID names
	// the message that holds the key. A key is held from Enqueue until its window ends, and
	// released early when its message is dead-lettered, so that a resend runs again.
	Enqueue(m Message) (Enqueued, error)
	// Claim hands out up to n (n > 0) due messages, oldest first, each claimed for visibility:
	// no other Claim returns it until then. A message is due when it is not dead, its
	// NotBefore or retry time has come and it is not claimed (or its claim has run out: a
	// worker that crashed between Claim and Ack has its messages delivered again). Of the
	// messages sharing an OrderKey, only the oldest that is not dead is ever handed out, so
	// they are handled one at a time, in the order they were enqueued. A message whose claim
	// ran out for the MaxAttempts'th time is dead-lettered instead of handed out.
	Claim(n int, visibility time.Duration) ([]Delivery, error)
	// Extend moves the end of d's claim to visibility from now, for a handler that needs
	// longer; ErrClaimLost when the claim has ended.
	Extend(d Delivery, visibility time.Duration) (Delivery, error)
	// Ack removes d's message as done. ErrClaimLost when d's claim has ended: the message was
	// claimed again after d's visibility timeout (a claim that ran out but was not taken by
	// anyone still acknowledges), or it is gone.
	Ack(d Delivery) error
	// Nack puts d's message back after a failed delivery, due again at retryAt, with cause
	// kept (personal numbers masked). When this was its MaxAttempts'th delivery, or cause is
	// permanent (IsPermanent), it is dead-lettered with the reason instead. It returns the
	// message as it now stands; ErrClaimLost as Ack.
	Nack(d Delivery, retryAt time.Time, cause error) (Delivery, error)
	// Messages lists up to limit (0: all) messages of the queue that are not dead, oldest
	// first, for an operator's view.
	Messages(limit int) ([]Delivery, error)
	// DeadMessages lists up to limit (0: all) dead-lettered messages in the order they died,
	// each with its Reason, for an operator to requeue or delete.
	DeadMessages(limit int) ([]Delivery, error)
	// RequeueMessage gives message id a fresh start (no deliveries, not dead), due at at (the
	// zero time: at once). It keeps its place in its OrderKey's order. ErrNotFound when there
	// is no such message.
	RequeueMessage(id int64, at time.Time) error
	// DeleteMessage removes message id (dead or not) and releases its key; ErrNotFound when
	// there is no such message.
	DeleteMessage(id int64) error

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
	// Permanent dead-letters the item now: retrying cannot help. An Err marked with
	// Permanent does the same.
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
	HasPosition  bool
	Processed    int // processed keys, expired ones not yet purged included
	Retrying     int // attempt records not dead-lettered
	Dead         int // dead letters
	Values       int
	Timers       int
	Leases       int // leases held (expired ones included until released or taken over)
	Queued       int // queued messages that are not dead, claimed ones included
	DeadMessages int // dead-lettered messages
}
