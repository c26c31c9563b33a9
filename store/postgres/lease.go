package postgres

import (
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/store/internal/kit"
)

// lease reads lease name of scope; ok is false when it was never taken. lock is the row lock a
// write transaction takes on a lease of another scope than its own, whose scope lock it does
// not hold: FOR SHARE to check it (a takeover then waits until the fenced writes committed),
// FOR UPDATE to change it.
func (t *pgTx) lease(op string, scope store.Scope, name, lock string) (l store.Lease, ok bool, err error) {
	if t.RO || scope == t.scope {
		lock = ""
	}
	var acquired, expires int64
	err = t.rowIn(scope, `SELECT holder, token, acquired, expires FROM {s}.leases WHERE flow = $1 AND tenant = $2 AND name_ix = {s}.ik($3)`+lock,
		[]any{b(name)}, str{&l.Holder}, &l.Token, &acquired, &expires)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Lease{}, false, nil
	}
	if err != nil {
		return store.Lease{}, false, t.dbErr(op, err)
	}
	l.Scope, l.Name, l.Acquired, l.Expires = scope, name, kit.FromMicros(acquired), kit.FromMicros(expires)
	return l, true, nil
}

func (t *pgTx) putLease(op string, l store.Lease) error {
	_, err := t.execIn(l.Scope, op, putLeaseSQL, b(l.Name), b(l.Holder), l.Token, kit.Micros(l.Acquired), kit.Micros(l.Expires))
	return err
}

const putLeaseSQL = `INSERT INTO {s}.leases (flow, tenant, name, holder, token, acquired, expires)
	VALUES ($1, $2, $3, $4, $5, $6, $7)
	ON CONFLICT (flow, tenant, name_ix) DO UPDATE SET holder = excluded.holder, token = excluded.token,
		acquired = excluded.acquired, expires = excluded.expires`

// current reads the lease l names and reports whether l is still current.
func (t *pgTx) current(op string, l store.Lease, lock string) (store.Lease, bool, error) {
	if err := kit.FirstErr(l.Scope.Validate(), kit.ValidKey("lease name", l.Name)); err != nil {
		return store.Lease{}, false, t.Invalid(op, err)
	}
	cur, ok, err := t.lease(op, l.Scope, l.Name, lock)
	if err != nil {
		return store.Lease{}, false, err
	}
	return cur, ok && cur.Holder != "" && cur.Holder == l.Holder && cur.Token == l.Token, nil
}

// held is current, with a lease that is not current an ErrLeaseLost that dooms the transaction.
func (t *pgTx) held(op string, l store.Lease, lock string) (store.Lease, error) {
	cur, ok, err := t.current(op, l, lock)
	if err == nil && !ok {
		err = t.Failed(op, kit.LeaseLost(l.Scope.String(), l.Name, l.Token))
	}
	return cur, err
}

func (t *pgTx) AcquireLease(name, holder string, ttl time.Duration) (store.Lease, error) {
	if err := t.start("acquire lease", true); err != nil {
		return store.Lease{}, err
	}
	if err := kit.FirstErr(kit.ValidKey("lease name", name), kit.ValidKey("lease holder", holder), kit.ValidDuration("lease time-to-live", ttl)); err != nil {
		return store.Lease{}, t.Invalid("acquire lease", err)
	}
	cur, ok, err := t.lease("acquire lease", t.scope, name, "")
	if err != nil {
		return store.Lease{}, err
	}
	var prev *store.Lease
	if ok {
		prev = &cur
	}
	l, err := store.NextLease(prev, t.scope, name, holder, t.now(), ttl)
	if err != nil {
		return store.Lease{}, err
	}
	if err := t.putLease("acquire lease", l); err != nil {
		return store.Lease{}, err
	}
	return l, nil
}

func (t *pgTx) RenewLease(l store.Lease, ttl time.Duration) (store.Lease, error) {
	if err := t.start("renew lease", true); err != nil {
		return store.Lease{}, err
	}
	if err := kit.ValidDuration("lease time-to-live", ttl); err != nil {
		return store.Lease{}, t.Invalid("renew lease", err)
	}
	cur, err := t.held("renew lease", l, " FOR UPDATE")
	if err != nil {
		return store.Lease{}, err
	}
	cur.Expires = kit.Norm(t.now().Add(ttl))
	if err := t.putLease("renew lease", cur); err != nil {
		return store.Lease{}, err
	}
	return cur, nil
}

func (t *pgTx) ReleaseLease(l store.Lease) error {
	if err := t.start("release lease", true); err != nil {
		return err
	}
	cur, ok, err := t.current("release lease", l, " FOR UPDATE")
	if err != nil || !ok {
		return err // a lost lease has nothing to release
	}
	cur.Holder, cur.Expires = "", time.Time{}
	return t.putLease("release lease", cur)
}

func (t *pgTx) CheckLease(l store.Lease) error {
	if err := t.start("check lease", false); err != nil {
		return err
	}
	_, err := t.held("check lease", l, " FOR SHARE")
	return err
}

func (t *pgTx) Lease(name string) (store.Lease, error) {
	if err := t.start("lease", false); err != nil {
		return store.Lease{}, err
	}
	if err := kit.ValidKey("lease name", name); err != nil {
		return store.Lease{}, t.Invalid("lease", err)
	}
	l, ok, err := t.lease("lease", t.scope, name, "")
	if err != nil {
		return store.Lease{}, err
	}
	if !ok {
		return store.Lease{}, t.NotFound("lease", name)
	}
	return l, nil
}
