package pipeline

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/edusync/edusync/store"
)

// holding is the run lease while a run holds it. Besides renewing it (as store.HoldLease
// does), it knows until when the lease is surely still this runner's: the start of the last
// renewal that went through plus the time-to-live, by this process's monotonic clock. Store
// writes are fenced by the token anyway; writes to the target, which the store cannot fence,
// are made only while the lease is surely held, so a runner that was paused past its lease
// (a long GC, a stopped process) and wakes up does not write on after another runner has
// taken over.
type holding struct {
	lease store.Lease
	ttl   time.Duration

	mu    sync.Mutex
	until time.Time
}

func (h *holding) setUntil(t time.Time) {
	h.mu.Lock()
	h.until = t
	h.mu.Unlock()
}

// sure reports whether the lease is surely still held.
func (h *holding) sure() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return time.Now().Before(h.until)
}

// errNotSure is why a target write is refused when the lease may have expired.
var errNotSure = fmt.Errorf("%w: the lease could not be renewed in time; another runner may have taken over", store.ErrLeaseLost)

// hold runs fn while holding the pipeline's run lease: took is false when another runner holds
// it (err then matches store.ErrLeaseHeld). fn's context ends with store.ErrLeaseLost as its
// cause when a renewal finds the lease taken over, or when renewals keep failing until it
// may have expired. The lease is released when fn returns.
func (p *Pipeline) hold(ctx context.Context, fn func(lctx context.Context, h *holding) error) (took bool, err error) {
	ttl := p.cfg.leaseTTL
	asked := time.Now()
	var l store.Lease
	err = p.st.Update(ctx, p.scope, func(tx store.Tx) (err error) {
		l, err = tx.AcquireLease(leaseName, p.holder, ttl)
		return err
	})
	if err != nil {
		return false, err
	}
	h := &holding{lease: l, ttl: ttl}
	h.setUntil(asked.Add(ttl))
	lctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	renewing := make(chan struct{})
	go func() {
		defer close(renewing)
		p.renew(lctx, h, cancel)
	}()
	ferr := fn(lctx, h)
	lost := errors.Is(context.Cause(lctx), store.ErrLeaseLost)
	cancel(nil)
	<-renewing
	// Release even when ctx has ended, so the next runner need not wait for the expiry.
	rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), ttl)
	defer rcancel()
	rerr := p.st.Update(rctx, p.scope, func(tx store.Tx) error { return tx.ReleaseLease(l) })
	switch {
	case ferr != nil:
		return true, ferr
	case lost:
		return true, context.Cause(lctx)
	}
	return true, rerr
}

// renew renews h every third of its time-to-live until ctx ends, and cancels with
// store.ErrLeaseLost when the lease was taken over or could not be renewed before it may have
// expired.
func (p *Pipeline) renew(ctx context.Context, h *holding, cancel context.CancelCauseFunc) {
	t := time.NewTicker(max(h.ttl/3, time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		asked := time.Now()
		err := p.st.Update(ctx, p.scope, func(tx store.Tx) error {
			_, err := tx.RenewLease(h.lease, h.ttl)
			return err
		})
		switch {
		case err == nil:
			h.setUntil(asked.Add(h.ttl))
		case ctx.Err() != nil:
			return
		case errors.Is(err, store.ErrLeaseLost):
			cancel(err)
			return
		case store.IsPermanent(err), !h.sure():
			cancel(fmt.Errorf("%w: renewing failed until it may have expired: %w", store.ErrLeaseLost, err))
			return
		}
	}
}
