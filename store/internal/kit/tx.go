package kit

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// Lifecycle tracks a store's running transactions so that Close can abort them and wait.
type Lifecycle struct {
	mu      sync.Mutex
	closed  bool
	base    context.Context
	cancel  context.CancelCauseFunc
	running sync.WaitGroup
}

// Init prepares l; it must be called before any other method.
func (l *Lifecycle) Init() {
	l.base, l.cancel = context.WithCancelCause(context.Background())
}

// Enter registers a transaction. Its context ends when ctx does or the store closes (with
// cause ErrClosed); leave must be called when the transaction is over.
func (l *Lifecycle) Enter(ctx context.Context) (txCtx context.Context, leave func(), err error) {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil, nil, ErrClosed
	}
	l.running.Add(1)
	l.mu.Unlock()
	if err := ctx.Err(); err != nil {
		l.running.Done()
		return nil, nil, context.Cause(ctx)
	}
	txCtx, cancel := context.WithCancelCause(ctx)
	stop := context.AfterFunc(l.base, func() { cancel(ErrClosed) })
	return txCtx, func() {
		stop()
		cancel(nil)
		l.running.Done()
	}, nil
}

// Close marks the store closed, aborts running transactions and waits for them; it reports
// false when the store was already closed.
func (l *Lifecycle) Close() bool {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return false
	}
	l.closed = true
	l.mu.Unlock()
	l.cancel(ErrClosed)
	l.running.Wait()
	return true
}

// CtxErr returns why ctx ended (ErrClosed when the store closed), or nil.
func CtxErr(ctx context.Context) error {
	if ctx.Err() == nil {
		return nil
	}
	if cause := context.Cause(ctx); cause != nil {
		return cause
	}
	return ctx.Err()
}

// WrapErr describes err of operation op in scope; when the transaction's context has ended, the
// error is the context's (or ErrClosed), which is what really stopped the operation.
func WrapErr(ctx context.Context, scope, op string, err error) error {
	if err == nil {
		return nil
	}
	if cerr := CtxErr(ctx); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("store: %s: %s: %w (%v)", scope, op, cerr, err)
	}
	return fmt.Errorf("store: %s: %s: %w", scope, op, err)
}

// FirstErr returns the first non-nil error.
func FirstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// TxState is what every backend's transaction keeps besides its data: its scope, context and
// mode, whether it has ended, and its first failure, which dooms it.
type TxState struct {
	Scope string // for messages
	Ctx   context.Context
	RO    bool
	Done  bool
	Err   error
}

// Fail records err as the transaction's failure when it is the first; it returns err.
func (t *TxState) Fail(err error) error {
	if err != nil && t.Err == nil && !t.Done {
		t.Err = err
	}
	return err
}

// Check runs before every operation: the transaction must be live, its context not ended (as
// SQLite interrupts a statement then), and a write must be allowed.
func (t *TxState) Check(op string, write bool) error {
	var err error
	switch {
	case t.Done:
		err = fmt.Errorf("store: %s: %s: %w", t.Scope, op, ErrTxDone)
	case CtxErr(t.Ctx) != nil:
		err = WrapErr(t.Ctx, t.Scope, op, CtxErr(t.Ctx))
	case write && t.RO:
		err = fmt.Errorf("store: %s: %s: %w", t.Scope, op, ErrReadOnly)
	}
	return t.Fail(err)
}

// Invalid dooms the transaction with an argument error of op.
func (t *TxState) Invalid(op string, err error) error {
	return t.Fail(fmt.Errorf("store: %s: %s: %w", t.Scope, op, err))
}

// Failed dooms the transaction with err, an error of op that is not the caller's (a
// database error, a lost lease or claim).
func (t *TxState) Failed(op string, err error) error {
	return t.Fail(WrapErr(t.Ctx, t.Scope, op, err))
}

// NotFound is the ErrNotFound of key (masked); it does not doom the transaction.
func (t *TxState) NotFound(what, key string) error {
	if key == "" {
		return fmt.Errorf("store: %s: %s: %w", t.Scope, what, ErrNotFound)
	}
	return fmt.Errorf("store: %s: %s %q: %w", t.Scope, what, Mask(key), ErrNotFound)
}
