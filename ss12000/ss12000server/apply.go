package ss12000server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/edusync/edusync/internal/uuidtext"
	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/store"
)

// A run is one reconcile.Apply: Begin takes the provider's run lease (one run at a time, in
// this process and in every other that shares the store) and notes the committed generation;
// Apply checks each action against the committed records and stages the change in the store;
// Commit applies every staged change and rebuilds the served records they touch in one store
// transaction, so receivers see the previous state or the plan's whole result, never a part;
// Abort throws the staged changes away.

// Errors of runs.
var (
	// ErrNoRun is returned by Apply, Commit and Abort outside a run (reconcile.Apply calls
	// Begin first, because the provider declares AllAtOnce).
	ErrNoRun = errors.New("ss12000server: no run: Begin was not called, or the run has ended")
	// ErrRunning is returned by Begin while another run is under way, in this process or in
	// another that shares the store.
	ErrRunning = errors.New("ss12000server: another run is under way")
)

const (
	runLease    = "run"
	runLeaseTTL = 10 * time.Minute // renewed with every staged batch
	stageBatch  = 500
)

// run is the state of the run under way.
type run struct {
	base, gen uint64 // the committed generation at Begin, and the one Commit makes
	today     string // the run's day, for the start dates of new records and contexts
	lease     store.Lease
	pending   store.Batch
	// created are the persons and groups created in this run, for their memberships.
	created map[string]byte
}

// staged is a change a run staged: the record to store, or its deletion.
type staged struct {
	Delete bool            `json:"delete,omitempty"`
	Rec    json.RawMessage `json:"rec,omitempty"`
}

// Begin starts a run: until Commit, receivers keep seeing the last committed state.
func (p *Provider) Begin(ctx context.Context) error {
	p.runMu.Lock()
	defer p.runMu.Unlock()
	if p.run != nil {
		return ErrRunning
	}
	r := &run{created: map[string]byte{}, today: p.now().Format("2006-01-02")}
	err := p.st.Update(ctx, p.scope, func(tx store.Tx) error {
		l, err := tx.AcquireLease(runLease, p.holder, runLeaseTTL)
		if errors.Is(err, store.ErrLeaseHeld) {
			return ErrRunning
		}
		if err != nil {
			return err
		}
		r.lease = l
		if r.base, err = committedGen(tx); err != nil {
			return err
		}
		r.gen = r.base + 1
		// What a run that crashed staged is thrown away.
		return deletePrefix(tx, pStaged)
	})
	if err != nil {
		return fmt.Errorf("ss12000server: Begin: %w", err)
	}
	p.run = r
	return nil
}

// deletePrefix removes every value under prefix, a chunk at a time.
func deletePrefix(tx store.Tx, prefix string) error {
	for {
		batch, err := tx.ValuesFrom(prefix, "", readChunk)
		if err != nil {
			return err
		}
		if len(batch) == 0 {
			return nil
		}
		var b store.Batch
		for _, e := range batch {
			b.Delete(e.Key)
		}
		if err := tx.Apply(b); err != nil {
			return err
		}
	}
}

// Abort drops every change of the run: the committed state stays as it was.
func (p *Provider) Abort(ctx context.Context) error {
	p.runMu.Lock()
	defer p.runMu.Unlock()
	r := p.run
	if r == nil {
		return ErrNoRun
	}
	p.run = nil
	err := p.st.Update(ctx, p.scope, func(tx store.Tx) error {
		if err := deletePrefix(tx, pStaged); err != nil {
			return err
		}
		return tx.ReleaseLease(r.lease)
	})
	if err != nil {
		return fmt.Errorf("ss12000server: Abort: %w", err)
	}
	p.log.Info("ss12000server: run aborted", "generation", r.gen)
	return nil
}

// stage adds a change to the run's pending batch and writes the batch once it is full.
func (p *Provider) stage(ctx context.Context, r *run, kind byte, id string, s staged) error {
	raw, err := json.Marshal(s)
	if err != nil {
		return err
	}
	r.pending.Set(stagedKey(kind, id), raw)
	if len(r.pending.Values) >= stageBatch {
		return p.flush(ctx, r)
	}
	return nil
}

// flush writes the pending batch of staged changes and renews the run lease.
func (p *Provider) flush(ctx context.Context, r *run) error {
	if r.pending.Len() == 0 {
		return nil
	}
	err := p.st.Update(ctx, p.scope, func(tx store.Tx) error {
		l, err := tx.RenewLease(r.lease, runLeaseTTL)
		if err != nil {
			return err
		}
		r.lease = l
		return tx.Apply(r.pending)
	})
	if err != nil {
		return fmt.Errorf("ss12000server: staging changes: %w", err)
	}
	r.pending = store.Batch{}
	return nil
}

// Apply checks one action of a plan against the committed records and stages it; Commit
// makes it visible. Updates, restores, deactivations and deletions planned on another
// revision than the record's are refused with an error wrapping reconcile.ErrStale.
func (p *Provider) Apply(ctx context.Context, a reconcile.Action) (reconcile.Written, error) {
	p.runMu.Lock()
	defer p.runMu.Unlock()
	r := p.run
	if r == nil {
		return reconcile.Written{}, ErrNoRun
	}
	switch a.Kind {
	case reconcile.KindOrganisation:
		return applyRecord(ctx, p, r, a, kOrg, a.Organisation, func(o *reconcile.Organisation) (*reconcile.Keys, *string) { return &o.Keys, &o.Revision }, nil)
	case reconcile.KindPerson:
		return applyRecord(ctx, p, r, a, kPerson, a.Person, func(x *reconcile.Person) (*reconcile.Keys, *string) { return &x.Keys, &x.Revision }, seeContexts)
	case reconcile.KindGroup:
		return applyRecord(ctx, p, r, a, kGroup, a.Group, func(g *reconcile.Group) (*reconcile.Keys, *string) { return &g.Keys, &g.Revision }, nil)
	case reconcile.KindMembership:
		return p.applyMembership(ctx, r, a)
	}
	return reconcile.Written{}, fmt.Errorf("ss12000server: an action of unknown kind %q", a.Kind)
}

// seeContexts notes the day each new context of a person first appears.
func seeContexts(s *stored[reconcile.Person], today string) {
	seen := make(map[string]string, len(s.Rec.Contexts))
	for _, c := range s.Rec.Contexts {
		k := contextKey(c)
		if d, ok := s.Seen[k]; ok {
			seen[k] = d
		} else {
			seen[k] = today
		}
	}
	s.Seen = seen
}

// load reads a committed canonical record; ok is false when there is none.
func load[T any](ctx context.Context, p *Provider, kind byte, id string) (v T, ok bool, err error) {
	err = p.st.View(ctx, p.scope, func(tx store.Tx) error {
		raw, err := tx.Value(canonKey(kind, id))
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		ok = true
		return decodeStored(raw, &v)
	})
	return v, ok, err
}

func stale(a *reconcile.Action, current uint64) error {
	if a.Revision != "" && a.Revision != rev(current) {
		return fmt.Errorf("%w: the record has revision %d, the action was planned on %s", reconcile.ErrStale, current, a.Revision)
	}
	return nil
}

func applyRecord[T any](ctx context.Context, p *Provider, r *run, a reconcile.Action, kind byte, ch *reconcile.Change[T],
	ids func(*T) (*reconcile.Keys, *string), prepare func(*stored[T], string)) (reconcile.Written, error) {
	after := func(id string) (T, error) {
		var v T
		if ch == nil || ch.After == nil {
			return v, fmt.Errorf("ss12000server: a %s %s without the record to write", a.Kind, a.Op)
		}
		v = *ch.After
		keys, revision := ids(&v)
		keys.TargetID, keys.SourceKey, *revision = id, "", ""
		return v, nil
	}
	put := func(id string, s stored[T]) (reconcile.Written, error) {
		if prepare != nil {
			prepare(&s, r.today)
		}
		raw, err := json.Marshal(s)
		if err != nil {
			return reconcile.Written{}, err
		}
		if err := p.stage(ctx, r, kind, id, staged{Rec: raw}); err != nil {
			return reconcile.Written{}, err
		}
		return reconcile.Written{TargetID: id, Revision: rev(r.gen)}, nil
	}
	if a.Op == reconcile.OpCreate {
		id := uuidtext.Random()
		v, err := after(id)
		if err != nil {
			return reconcile.Written{}, err
		}
		r.created[id] = kind
		return put(id, stored[T]{Rev: r.gen, Since: r.today, Rec: v})
	}
	cur, ok, err := load[stored[T]](ctx, p, kind, a.TargetID)
	if err != nil {
		return reconcile.Written{}, fmt.Errorf("ss12000server: reading the record: %w", err)
	}
	if !ok {
		return reconcile.Written{}, fmt.Errorf("%w: the provider holds no such %s", reconcile.ErrStale, a.Kind)
	}
	if err := stale(&a, cur.Rev); err != nil {
		return reconcile.Written{}, err
	}
	switch a.Op {
	case reconcile.OpUpdate, reconcile.OpRestore:
		v, err := after(a.TargetID)
		if err != nil {
			return reconcile.Written{}, err
		}
		inactive := cur.Inactive && a.Op == reconcile.OpUpdate
		return put(a.TargetID, stored[T]{Rev: r.gen, Inactive: inactive, Since: cur.Since, Seen: cur.Seen, Rec: v})
	case reconcile.OpDeactivate:
		cur.Rev, cur.Inactive = r.gen, true
		return put(a.TargetID, cur)
	case reconcile.OpDelete:
		if err := p.stage(ctx, r, kind, a.TargetID, staged{Delete: true}); err != nil {
			return reconcile.Written{}, err
		}
		return reconcile.Written{TargetID: a.TargetID}, nil
	}
	return reconcile.Written{}, fmt.Errorf("ss12000server: a %s cannot be %sd", a.Kind, a.Op)
}

func (p *Provider) applyMembership(ctx context.Context, r *run, a reconcile.Action) (reconcile.Written, error) {
	ch := a.Membership
	stage := func(id string, s storedMembership) (reconcile.Written, error) {
		raw, err := json.Marshal(s)
		if err != nil {
			return reconcile.Written{}, err
		}
		if err := p.stage(ctx, r, kMembership, id, staged{Rec: raw}); err != nil {
			return reconcile.Written{}, err
		}
		return reconcile.Written{TargetID: id, Revision: rev(r.gen)}, nil
	}
	if a.Op == reconcile.OpCreate {
		if ch == nil || ch.After == nil {
			return reconcile.Written{}, errors.New("ss12000server: a membership create without the membership")
		}
		m := *ch.After
		if err := p.checkMember(ctx, r, m.Person, m.Group); err != nil {
			return reconcile.Written{}, err
		}
		m.ID, m.Revision = uuidtext.Random(), ""
		return stage(m.ID, storedMembership{Rev: r.gen, Rec: m})
	}
	cur, ok, err := load[storedMembership](ctx, p, kMembership, a.TargetID)
	if err != nil {
		return reconcile.Written{}, fmt.Errorf("ss12000server: reading the membership: %w", err)
	}
	if !ok {
		return reconcile.Written{}, fmt.Errorf("%w: the provider holds no such membership", reconcile.ErrStale)
	}
	if err := stale(&a, cur.Rev); err != nil {
		return reconcile.Written{}, err
	}
	switch a.Op {
	case reconcile.OpUpdate:
		if ch == nil || ch.After == nil {
			return reconcile.Written{}, errors.New("ss12000server: a membership update without the membership")
		}
		m := *ch.After
		if m.Person != cur.Rec.Person || m.Group != cur.Rec.Group {
			return reconcile.Written{}, errors.New("ss12000server: a membership update cannot move the membership to another person or group")
		}
		m.ID, m.Revision = a.TargetID, ""
		return stage(a.TargetID, storedMembership{Rev: r.gen, Rec: m})
	case reconcile.OpDelete:
		if err := p.stage(ctx, r, kMembership, a.TargetID, staged{Delete: true}); err != nil {
			return reconcile.Written{}, err
		}
		return reconcile.Written{TargetID: a.TargetID}, nil
	}
	return reconcile.Written{}, fmt.Errorf("ss12000server: a membership cannot be %sd", a.Op)
}

// checkMember refuses a membership of a person or in a group the provider does not hold, and a
// second membership of a person in a group (a plan made before another run created one).
func (p *Provider) checkMember(ctx context.Context, r *run, person, group string) error {
	newPerson, newGroup := r.created[person] == kPerson, r.created[group] == kGroup
	if r.base == 0 && !(newPerson && newGroup) {
		// Nothing is committed yet: only records created in this run exist.
		if !newPerson {
			return errors.New("ss12000server: a membership of a person the provider does not hold")
		}
		return errors.New("ss12000server: a membership in a group the provider does not hold")
	}
	if newPerson && newGroup {
		return nil
	}
	return p.st.View(ctx, p.scope, func(tx store.Tx) error {
		for _, c := range []struct {
			isNew bool
			kind  byte
			id    string
			what  string
		}{{newPerson, kPerson, person, "person"}, {newGroup, kGroup, group, "group"}} {
			if c.isNew {
				continue
			}
			if _, err := tx.Value(canonKey(c.kind, c.id)); errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("ss12000server: a membership of a %s the provider does not hold", c.what)
			} else if err != nil {
				return err
			}
		}
		if _, err := tx.Value(pGroupMem + group + "/" + person); err == nil {
			return fmt.Errorf("%w: the person is a member of the group already", reconcile.ErrStale)
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return nil
	})
}
