package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/edusync/edusync/store/internal/kit"
)

// Lease is a named lease of a scope: while a holder holds it, no other holder can take it, so
// that two processes never run the same pipeline at once. It expires unless renewed; once
// expired another holder may take it over, with a higher fencing token, after which the first
// holder's fenced writes (CheckLease, UpdateFenced) are refused.
type Lease struct {
	Scope  Scope  `json:"scope"`
	Name   string `json:"name"`
	Holder string `json:"holder"` // empty when released
	// Token is the fencing token: it increases every time the lease passes to a holder (a
	// first acquisition, a takeover after expiry or release) and stays while one holder
	// renews it. A writer outside the store (a target system that keeps the last token it saw)
	// can refuse writes with a smaller token.
	Token    int64     `json:"token"`
	Acquired time.Time `json:"acquired"` // when Holder took it (this Token)
	Expires  time.Time `json:"expires"`  // zero when released
}

// Held reports whether the lease is held and not expired at now.
func (l Lease) Held(now time.Time) bool {
	return l.Holder != "" && now.Before(l.Expires)
}

// NextLease is the lease after holder asks for lease name of scope at now for ttl, given the
// current one (nil when the name was never taken): renewed with the same token when holder
// holds it, taken with the next token when it is free or expired, ErrLeaseHeld when another
// holder's has not expired. It is what AcquireLease stores, the same in every backend;
// backends call it, hosts need not.
func NextLease(cur *Lease, scope Scope, name, holder string, now time.Time, ttl time.Duration) (Lease, error) {
	var l Lease
	switch {
	case cur != nil && cur.Holder == holder:
		l = *cur
	case cur != nil && cur.Held(now):
		return Lease{}, kit.LeaseHeld(scope.String(), name, cur.Expires)
	default:
		l = Lease{Scope: scope, Name: name, Holder: holder, Acquired: kit.Norm(now)}
		if cur != nil {
			l.Token = cur.Token
		}
		l.Token++
	}
	l.Expires = kit.Norm(now.Add(ttl))
	return l, nil
}

// NewHolder returns a holder name unique to this process and call: the host name, the process
// id and a random part, so that an operator can tell who holds a lease.
func NewHolder() string {
	host, _ := os.Hostname()
	var b [6]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

// UpdateFenced is Update, committed only when l is still current (CheckLease): the writes of a
// holder that has lost its lease are refused with ErrLeaseLost.
func UpdateFenced(ctx context.Context, st Store, scope Scope, l Lease, fn func(tx Tx) error) error {
	return st.Update(ctx, scope, func(tx Tx) error {
		if err := tx.CheckLease(l); err != nil {
			return err
		}
		return fn(tx)
	})
}

// HoldLease runs fn while holding lease name of scope. It acquires the lease for holder
// (NewHolder when empty) with time-to-live ttl, or returns ErrLeaseHeld when another holder
// has it; renews it every ttl/3 while fn runs; and releases it when fn returns. When the lease
// is lost (a renewal finds it taken over, or renewals keep failing until it has expired), fn's
// context ends with ErrLeaseLost as its cause; fn should then stop, and its writes through
// UpdateFenced are refused anyway. HoldLease returns fn's error, else ErrLeaseLost when the
// lease was lost while fn ran.
func HoldLease(ctx context.Context, st Store, scope Scope, name, holder string, ttl time.Duration, fn func(ctx context.Context, l Lease) error) error {
	if holder == "" {
		holder = NewHolder()
	}
	var l Lease
	err := st.Update(ctx, scope, func(tx Tx) error {
		var err error
		l, err = tx.AcquireLease(name, holder, ttl)
		return err
	})
	if err != nil {
		return err
	}
	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	renewed := make(chan struct{})
	go func() {
		defer close(renewed)
		keep(runCtx, st, l, ttl, cancel)
	}()
	ferr := fn(runCtx, l)
	lost := errors.Is(context.Cause(runCtx), ErrLeaseLost)
	cancel(nil)
	<-renewed
	// Release even when ctx has ended: otherwise the next holder waits for the expiry.
	rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), ttl)
	defer rcancel()
	rerr := st.Update(rctx, l.Scope, func(tx Tx) error { return tx.ReleaseLease(l) })
	switch {
	case ferr != nil:
		return ferr
	case lost:
		return fmt.Errorf("store: %s: lease %q: %w", scope, kit.Mask(name), ErrLeaseLost)
	}
	return rerr
}

// keep renews l every ttl/3 until ctx ends; when the lease is lost, or it expires before a
// renewal gets through, it cancels with ErrLeaseLost.
func keep(ctx context.Context, st Store, l Lease, ttl time.Duration, cancel context.CancelCauseFunc) {
	deadline := time.Now().Add(ttl)
	t := time.NewTicker(max(ttl/3, time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		err := st.Update(ctx, l.Scope, func(tx Tx) error {
			var err error
			l, err = tx.RenewLease(l, ttl)
			return err
		})
		switch {
		case err == nil:
			deadline = time.Now().Add(ttl)
		case ctx.Err() != nil:
			return
		case errors.Is(err, ErrLeaseLost):
			cancel(err)
			return
		case IsPermanent(err), !time.Now().Before(deadline):
			cancel(fmt.Errorf("%w: renewing failed until it expired: %w", ErrLeaseLost, err))
			return
		}
	}
}
