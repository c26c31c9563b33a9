package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// lifecycle tracks a store's running transactions so that Close can abort them and wait.
type lifecycle struct {
	mu      sync.Mutex
	closed  bool
	base    context.Context
	cancel  context.CancelCauseFunc
	running sync.WaitGroup
}

func (l *lifecycle) init() {
	l.base, l.cancel = context.WithCancelCause(context.Background())
}

// enter registers a transaction. Its context ends when ctx does or the store closes; leave
// must be called when the transaction is over.
func (l *lifecycle) enter(ctx context.Context) (txCtx context.Context, leave func(), err error) {
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

// close marks the store closed, aborts running transactions and waits for them; it reports
// false when the store was already closed.
func (l *lifecycle) close() bool {
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

// ctxErr returns why ctx ended (ErrClosed when the store closed), or nil.
func ctxErr(ctx context.Context) error {
	if ctx.Err() == nil {
		return nil
	}
	cause := context.Cause(ctx)
	if cause == nil {
		cause = ctx.Err()
	}
	return cause
}

// wrapErr describes err for scope; when the transaction's context has ended, the error is the
// context's (or ErrClosed), which is what really stopped the operation.
func wrapErr(ctx context.Context, scope Scope, op string, err error) error {
	if err == nil {
		return nil
	}
	if cerr := ctxErr(ctx); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("store: %s: %s: %w (%v)", scope, op, cerr, err)
	}
	return fmt.Errorf("store: %s: %s: %w", scope, op, err)
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
