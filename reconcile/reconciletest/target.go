package reconciletest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"maps"
	"slices"
	"strconv"
	"sync"

	"github.com/edusync/edusync/reconcile"
)

// Write is one write the target carried out.
type Write struct {
	// Kind is the kind of record written.
	Kind reconcile.Kind
	// Op is the operation carried out.
	Op reconcile.Op
	// TargetID is the record's id (new for creates).
	TargetID string
}

// Target is an in-memory reconcile.Target. It is safe for concurrent use. The zero value is not
// usable; call NewTarget.
type Target struct {
	mu          sync.Mutex
	seq         int
	orgs        map[string]*reconcile.Organisation
	persons     map[string]*reconcile.Person
	groups      map[string]*reconcile.Group
	memberships map[string]*reconcile.Membership
	inactive    map[reconcile.Record]bool
	writes      []Write
	failures    map[string]error
}

// NewTarget returns a target holding a copy of s. Records without a TargetID (memberships
// without an ID) get a generated one; records without a revision get revision "1".
func NewTarget(s *reconcile.Snapshot) *Target {
	t := &Target{
		orgs: map[string]*reconcile.Organisation{}, persons: map[string]*reconcile.Person{},
		groups: map[string]*reconcile.Group{}, memberships: map[string]*reconcile.Membership{},
		inactive: map[reconcile.Record]bool{}, failures: map[string]error{},
	}
	if s == nil {
		return t
	}
	for _, o := range s.Organisations {
		o.Keys.TargetID = t.idOr(o.Keys.TargetID, "o")
		o.Revision = cmp.Or(o.Revision, "1")
		t.orgs[o.Keys.TargetID] = &o
	}
	for _, p := range s.Persons {
		p.Keys.TargetID = t.idOr(p.Keys.TargetID, "p")
		p.Revision = cmp.Or(p.Revision, "1")
		t.persons[p.Keys.TargetID] = &p
	}
	for _, g := range s.Groups {
		g.Keys.TargetID = t.idOr(g.Keys.TargetID, "g")
		g.Revision = cmp.Or(g.Revision, "1")
		t.groups[g.Keys.TargetID] = &g
	}
	for _, m := range s.Memberships {
		m.ID = t.idOr(m.ID, "m")
		m.Revision = cmp.Or(m.Revision, "1")
		t.memberships[m.ID] = &m
	}
	return t
}

func (t *Target) idOr(id, prefix string) string {
	if id != "" {
		return id
	}
	t.seq++
	return fmt.Sprintf("%s-%06d", prefix, t.seq)
}

// FailOn makes Apply return err for the action with this ID, once.
func (t *Target) FailOn(actionID string, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.failures[actionID] = err
}

// Writes returns the writes carried out so far, in order.
func (t *Target) Writes() []Write {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.writes)
}

// ResetWrites forgets the write log.
func (t *Target) ResetWrites() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.writes = nil
}

// Deactivated reports whether a record is deactivated.
func (t *Target) Deactivated(kind reconcile.Kind, id string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.inactive[reconcile.Record{Kind: kind, TargetID: id}]
}

// EditPerson changes a person as another writer would (bumping its revision), to test that
// stale actions are refused. It reports whether the person exists.
func (t *Target) EditPerson(id string, edit func(*reconcile.Person)) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	p, ok := t.persons[id]
	if !ok {
		return false
	}
	edit(p)
	p.Keys.TargetID = id
	p.Revision = bump(p.Revision)
	return true
}

// Snapshot returns a copy of the current state, each kind sorted by id.
func (t *Target) Snapshot() *reconcile.Snapshot {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := &reconcile.Snapshot{}
	for _, id := range slices.Sorted(maps.Keys(t.orgs)) {
		s.Organisations = append(s.Organisations, *t.orgs[id])
	}
	for _, id := range slices.Sorted(maps.Keys(t.persons)) {
		s.Persons = append(s.Persons, *t.persons[id])
	}
	for _, id := range slices.Sorted(maps.Keys(t.groups)) {
		s.Groups = append(s.Groups, *t.groups[id])
	}
	for _, id := range slices.Sorted(maps.Keys(t.memberships)) {
		s.Memberships = append(s.Memberships, *t.memberships[id])
	}
	return s
}

// Organisations yields the current organisations.
func (t *Target) Organisations(ctx context.Context) iter.Seq2[reconcile.Organisation, error] {
	return each(ctx, t.Snapshot().Organisations)
}

// Persons yields the current persons.
func (t *Target) Persons(ctx context.Context) iter.Seq2[reconcile.Person, error] {
	return each(ctx, t.Snapshot().Persons)
}

// Groups yields the current groups.
func (t *Target) Groups(ctx context.Context) iter.Seq2[reconcile.Group, error] {
	return each(ctx, t.Snapshot().Groups)
}

// Memberships yields the current memberships.
func (t *Target) Memberships(ctx context.Context) iter.Seq2[reconcile.Membership, error] {
	return each(ctx, t.Snapshot().Memberships)
}

func each[T any](ctx context.Context, items []T) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for _, v := range items {
			if err := ctx.Err(); err != nil {
				var zero T
				yield(zero, err)
				return
			}
			if !yield(v, nil) {
				return
			}
		}
	}
}

// ErrUnsupported is returned for actions a target cannot carry out (imports, skips).
var ErrUnsupported = errors.New("reconciletest: action not supported by a target")

// Apply carries out one action. Updates, restores, deactivations and deletions are refused with
// an error wrapping reconcile.ErrStale when Action.Revision is set and differs from the record's.
func (t *Target) Apply(ctx context.Context, a reconcile.Action) (reconcile.Written, error) {
	if err := ctx.Err(); err != nil {
		return reconcile.Written{}, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if err, ok := t.failures[a.ID]; ok {
		delete(t.failures, a.ID)
		return reconcile.Written{}, err
	}
	var w reconcile.Written
	var err error
	switch a.Kind {
	case reconcile.KindOrganisation:
		w, err = applyRecord(t, a, t.orgs, "o", change(a.Organisation), func(o *reconcile.Organisation) *reconcile.Keys { return &o.Keys },
			func(o *reconcile.Organisation) *string { return &o.Revision })
	case reconcile.KindPerson:
		w, err = applyRecord(t, a, t.persons, "p", change(a.Person), func(p *reconcile.Person) *reconcile.Keys { return &p.Keys },
			func(p *reconcile.Person) *string { return &p.Revision })
	case reconcile.KindGroup:
		w, err = applyRecord(t, a, t.groups, "g", change(a.Group), func(g *reconcile.Group) *reconcile.Keys { return &g.Keys },
			func(g *reconcile.Group) *string { return &g.Revision })
	case reconcile.KindMembership:
		w, err = t.applyMembership(a)
	default:
		err = fmt.Errorf("%w: kind %q", ErrUnsupported, a.Kind)
	}
	if err != nil {
		return reconcile.Written{}, err
	}
	t.writes = append(t.writes, Write{Kind: a.Kind, Op: a.Op, TargetID: w.TargetID})
	return w, nil
}

func change[T any](c *reconcile.Change[T]) *T {
	if c == nil {
		return nil
	}
	return c.After
}

func bump(rev string) string {
	n, _ := strconv.Atoi(rev)
	return strconv.Itoa(n + 1)
}

func applyRecord[T any](t *Target, a reconcile.Action, records map[string]*T, prefix string, after *T,
	keys func(*T) *reconcile.Keys, revision func(*T) *string) (reconcile.Written, error) {
	rec := reconcile.Record{Kind: a.Kind, TargetID: a.TargetID}
	if a.Op == reconcile.OpCreate {
		if after == nil {
			return reconcile.Written{}, errors.New("reconciletest: create without a record")
		}
		v := *after
		id := t.idOr("", prefix)
		keys(&v).TargetID = id
		keys(&v).SourceKey = ""
		*revision(&v) = "1"
		records[id] = &v
		return reconcile.Written{TargetID: id, Revision: "1"}, nil
	}
	cur, ok := records[a.TargetID]
	if !ok {
		return reconcile.Written{}, fmt.Errorf("%w: no such record", reconcile.ErrStale)
	}
	if a.Revision != "" && *revision(cur) != a.Revision {
		return reconcile.Written{}, fmt.Errorf("%w: revision %s, action planned on %s", reconcile.ErrStale, *revision(cur), a.Revision)
	}
	next := bump(*revision(cur))
	switch a.Op {
	case reconcile.OpUpdate, reconcile.OpRestore:
		if after == nil {
			return reconcile.Written{}, errors.New("reconciletest: update without a record")
		}
		v := *after
		keys(&v).TargetID = a.TargetID
		keys(&v).SourceKey = ""
		*revision(&v) = next
		records[a.TargetID] = &v
		if a.Op == reconcile.OpRestore {
			delete(t.inactive, rec)
		}
	case reconcile.OpDeactivate:
		t.inactive[rec] = true
		*revision(cur) = next
	case reconcile.OpDelete:
		delete(records, a.TargetID)
		delete(t.inactive, rec)
		t.cascade(a.Kind, a.TargetID)
		next = ""
	default:
		return reconcile.Written{}, fmt.Errorf("%w: op %q", ErrUnsupported, a.Op)
	}
	return reconcile.Written{TargetID: a.TargetID, Revision: next}, nil
}

// cascade removes the memberships of a deleted person or group, as services do.
func (t *Target) cascade(kind reconcile.Kind, id string) {
	for mid, m := range t.memberships {
		if (kind == reconcile.KindPerson && m.Person == id) || (kind == reconcile.KindGroup && m.Group == id) {
			delete(t.memberships, mid)
		}
	}
}

func (t *Target) applyMembership(a reconcile.Action) (reconcile.Written, error) {
	after := change(a.Membership)
	if a.Op == reconcile.OpCreate {
		if after == nil {
			return reconcile.Written{}, errors.New("reconciletest: create without a record")
		}
		if _, ok := t.persons[after.Person]; !ok {
			return reconcile.Written{}, errors.New("reconciletest: membership of an unknown person")
		}
		if _, ok := t.groups[after.Group]; !ok {
			return reconcile.Written{}, errors.New("reconciletest: membership in an unknown group")
		}
		v := *after
		v.ID = t.idOr("", "m")
		v.Revision = "1"
		t.memberships[v.ID] = &v
		return reconcile.Written{TargetID: v.ID, Revision: "1"}, nil
	}
	cur, ok := t.memberships[a.TargetID]
	if !ok {
		return reconcile.Written{}, fmt.Errorf("%w: no such membership", reconcile.ErrStale)
	}
	if a.Revision != "" && cur.Revision != a.Revision {
		return reconcile.Written{}, fmt.Errorf("%w: revision %s, action planned on %s", reconcile.ErrStale, cur.Revision, a.Revision)
	}
	switch a.Op {
	case reconcile.OpUpdate:
		if after == nil {
			return reconcile.Written{}, errors.New("reconciletest: update without a record")
		}
		v := *after
		v.ID = a.TargetID
		v.Revision = bump(cur.Revision)
		t.memberships[a.TargetID] = &v
		return reconcile.Written{TargetID: a.TargetID, Revision: v.Revision}, nil
	case reconcile.OpDelete:
		delete(t.memberships, a.TargetID)
		return reconcile.Written{TargetID: a.TargetID}, nil
	}
	return reconcile.Written{}, fmt.Errorf("%w: op %q", ErrUnsupported, a.Op)
}
