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

// Option configures a Target.
type Option func(*Target)

// WithCapabilities makes the target declare c and keep only what c declares, as a real target
// with those capabilities would: kinds, fields and attributes it does not keep are dropped on
// every write, values are stored normalised (c.Normalise), referrers are dropped without
// c.Referrers, and without c.Revisions records carry no revision and stale writes are not
// refused by the target itself. AllAtOnce is set by NewAtomicTarget, not here.
func WithCapabilities(c reconcile.Capabilities) Option {
	return func(t *Target) { t.caps = c }
}

// Target is an in-memory reconcile.Target. It is safe for concurrent use. The zero value is not
// usable; call NewTarget.
type Target struct {
	mu    sync.Mutex
	caps  reconcile.Capabilities
	seq   int
	state state
	// committed is the state readers see during an all-at-once run (AtomicTarget); nil otherwise.
	committed *state
	commitErr error
	writes    []Write
	failures  map[string]error
}

// state is what the target holds.
type state struct {
	orgs        map[string]*reconcile.Organisation
	persons     map[string]*reconcile.Person
	groups      map[string]*reconcile.Group
	memberships map[string]*reconcile.Membership
	inactive    map[reconcile.Record]bool
}

func newState() state {
	return state{orgs: map[string]*reconcile.Organisation{}, persons: map[string]*reconcile.Person{},
		groups: map[string]*reconcile.Group{}, memberships: map[string]*reconcile.Membership{},
		inactive: map[reconcile.Record]bool{}}
}

// clone copies the state deeply enough that later writes (which replace records) leave it alone.
func (s *state) clone() *state {
	c := state{orgs: maps.Clone(s.orgs), persons: maps.Clone(s.persons), groups: maps.Clone(s.groups),
		memberships: maps.Clone(s.memberships), inactive: maps.Clone(s.inactive)}
	for id, o := range c.orgs {
		c.orgs[id] = ptr(*o)
	}
	for id, p := range c.persons {
		c.persons[id] = ptr(*p)
	}
	for id, g := range c.groups {
		c.groups[id] = ptr(*g)
	}
	for id, m := range c.memberships {
		c.memberships[id] = ptr(*m)
	}
	return &c
}

func ptr[T any](v T) *T { return &v }

// NewTarget returns a target holding a copy of s (as far as its capabilities keep it; by default
// it keeps everything, reconcile.Everything). Records without a TargetID (memberships without
// an ID) get a generated one; records without a revision get revision "1" when the target keeps
// revisions.
func NewTarget(s *reconcile.Snapshot, opts ...Option) *Target {
	t := &Target{caps: reconcile.Everything(), state: newState(), failures: map[string]error{}}
	for _, o := range opts {
		o(t)
	}
	t.caps.AllAtOnce = false
	if s == nil {
		return t
	}
	s = t.caps.Restrict(s)
	for _, o := range s.Organisations {
		o.Keys.TargetID = t.idOr(o.Keys.TargetID, "o")
		o.Revision = t.firstRevision(o.Revision)
		t.state.orgs[o.Keys.TargetID] = &o
	}
	for _, p := range s.Persons {
		p.Keys.TargetID = t.idOr(p.Keys.TargetID, "p")
		p.Revision = t.firstRevision(p.Revision)
		t.state.persons[p.Keys.TargetID] = &p
	}
	for _, g := range s.Groups {
		g.Keys.TargetID = t.idOr(g.Keys.TargetID, "g")
		g.Revision = t.firstRevision(g.Revision)
		t.state.groups[g.Keys.TargetID] = &g
	}
	for _, m := range s.Memberships {
		m.ID = t.idOr(m.ID, "m")
		m.Revision = t.firstRevision(m.Revision)
		t.state.memberships[m.ID] = &m
	}
	return t
}

func (t *Target) firstRevision(rev string) string {
	if !t.caps.Revisions {
		return ""
	}
	return cmp.Or(rev, "1")
}

func (t *Target) idOr(id, prefix string) string {
	if id != "" {
		return id
	}
	t.seq++
	return fmt.Sprintf("%s-%06d", prefix, t.seq)
}

// Capabilities returns what the target declares (reconcile.Everything unless WithCapabilities).
func (t *Target) Capabilities() reconcile.Capabilities { return t.caps }

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
	return t.view().inactive[reconcile.Record{Kind: kind, TargetID: id}]
}

// EditPerson changes a person as another writer would (bumping its revision), to test that
// stale actions are refused. It reports whether the person exists.
func (t *Target) EditPerson(id string, edit func(*reconcile.Person)) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	p, ok := t.state.persons[id]
	if !ok {
		return false
	}
	next := *p
	edit(&next)
	next.Keys.TargetID = id
	next.Revision = t.bump(p.Revision)
	t.state.persons[id] = &next
	return true
}

// view is the state readers see: the last committed one during an all-at-once run.
func (t *Target) view() *state {
	if t.committed != nil {
		return t.committed
	}
	return &t.state
}

// Snapshot returns a copy of the current state, each kind sorted by id, with the target's
// capabilities, so that a plan made against it fits the target.
func (t *Target) Snapshot() *reconcile.Snapshot {
	t.mu.Lock()
	defer t.mu.Unlock()
	st := t.view()
	caps := t.caps
	s := &reconcile.Snapshot{Capabilities: &caps}
	if caps.Organisations != nil {
		for _, id := range slices.Sorted(maps.Keys(st.orgs)) {
			s.Organisations = append(s.Organisations, *st.orgs[id])
		}
	}
	for _, id := range slices.Sorted(maps.Keys(st.persons)) {
		s.Persons = append(s.Persons, *st.persons[id])
	}
	for _, id := range slices.Sorted(maps.Keys(st.groups)) {
		s.Groups = append(s.Groups, *st.groups[id])
	}
	for _, id := range slices.Sorted(maps.Keys(st.memberships)) {
		s.Memberships = append(s.Memberships, *st.memberships[id])
	}
	return s
}

// Organisations yields the current organisations (none when the target declares none).
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

// ErrUnsupported is returned for actions a target cannot carry out (imports, skips, kinds it
// does not store).
var ErrUnsupported = errors.New("reconciletest: action not supported by a target")

// Apply carries out one action. Updates, restores, deactivations and deletions are refused with
// an error wrapping reconcile.ErrStale when the target keeps revisions, Action.Revision is set
// and differs from the record's, and when the record does not exist.
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
	if t.caps.Of(a.Kind) == nil {
		return reconcile.Written{}, fmt.Errorf("%w: the target does not store %q records", ErrUnsupported, a.Kind)
	}
	var w reconcile.Written
	var err error
	st := &t.state
	switch a.Kind {
	case reconcile.KindOrganisation:
		w, err = applyRecord(t, a, st.orgs, "o", t.kept(a).Organisations, func(o *reconcile.Organisation) *reconcile.Keys { return &o.Keys },
			func(o *reconcile.Organisation) *string { return &o.Revision })
	case reconcile.KindPerson:
		w, err = applyRecord(t, a, st.persons, "p", t.kept(a).Persons, func(p *reconcile.Person) *reconcile.Keys { return &p.Keys },
			func(p *reconcile.Person) *string { return &p.Revision })
	case reconcile.KindGroup:
		w, err = applyRecord(t, a, st.groups, "g", t.kept(a).Groups, func(g *reconcile.Group) *reconcile.Keys { return &g.Keys },
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

// kept returns the action's After record as the target keeps it, in a one-record snapshot.
func (t *Target) kept(a reconcile.Action) *reconcile.Snapshot {
	var s reconcile.Snapshot
	switch {
	case a.Organisation != nil && a.Organisation.After != nil:
		s.Organisations = []reconcile.Organisation{*a.Organisation.After}
	case a.Person != nil && a.Person.After != nil:
		s.Persons = []reconcile.Person{*a.Person.After}
	case a.Group != nil && a.Group.After != nil:
		s.Groups = []reconcile.Group{*a.Group.After}
	case a.Membership != nil && a.Membership.After != nil:
		s.Memberships = []reconcile.Membership{*a.Membership.After}
	}
	return t.caps.Restrict(&s)
}

func (t *Target) bump(rev string) string {
	if !t.caps.Revisions {
		return ""
	}
	n, _ := strconv.Atoi(rev)
	return strconv.Itoa(n + 1)
}

// stale refuses an action planned on another revision than the record's.
func (t *Target) stale(a *reconcile.Action, current string) error {
	if t.caps.Revisions && a.Revision != "" && current != a.Revision {
		return fmt.Errorf("%w: revision %s, action planned on %s", reconcile.ErrStale, current, a.Revision)
	}
	return nil
}

func applyRecord[T any](t *Target, a reconcile.Action, records map[string]*T, prefix string, kept []T,
	keys func(*T) *reconcile.Keys, revision func(*T) *string) (reconcile.Written, error) {
	rec := reconcile.Record{Kind: a.Kind, TargetID: a.TargetID}
	if a.Op == reconcile.OpCreate {
		if len(kept) == 0 {
			return reconcile.Written{}, errors.New("reconciletest: create without a record")
		}
		v := kept[0]
		id := t.idOr("", prefix)
		keys(&v).TargetID = id
		keys(&v).SourceKey = ""
		*revision(&v) = t.firstRevision("")
		records[id] = &v
		return reconcile.Written{TargetID: id, Revision: *revision(&v)}, nil
	}
	cur, ok := records[a.TargetID]
	if !ok {
		return reconcile.Written{}, fmt.Errorf("%w: no such record", reconcile.ErrStale)
	}
	if err := t.stale(&a, *revision(cur)); err != nil {
		return reconcile.Written{}, err
	}
	next := t.bump(*revision(cur))
	switch a.Op {
	case reconcile.OpUpdate, reconcile.OpRestore:
		if len(kept) == 0 {
			return reconcile.Written{}, errors.New("reconciletest: update without a record")
		}
		v := kept[0]
		keys(&v).TargetID = a.TargetID
		keys(&v).SourceKey = ""
		*revision(&v) = next
		records[a.TargetID] = &v
		if a.Op == reconcile.OpRestore {
			delete(t.state.inactive, rec)
		}
	case reconcile.OpDeactivate:
		t.state.inactive[rec] = true
		v := *cur
		*revision(&v) = next
		records[a.TargetID] = &v
	case reconcile.OpDelete:
		delete(records, a.TargetID)
		delete(t.state.inactive, rec)
		t.cascade(a.Kind, a.TargetID)
		next = ""
	default:
		return reconcile.Written{}, fmt.Errorf("%w: op %q", ErrUnsupported, a.Op)
	}
	return reconcile.Written{TargetID: a.TargetID, Revision: next}, nil
}

// cascade removes the memberships of a deleted person or group, as services do.
func (t *Target) cascade(kind reconcile.Kind, id string) {
	for mid, m := range t.state.memberships {
		if (kind == reconcile.KindPerson && m.Person == id) || (kind == reconcile.KindGroup && m.Group == id) {
			delete(t.state.memberships, mid)
		}
	}
}

func (t *Target) applyMembership(a reconcile.Action) (reconcile.Written, error) {
	kept := t.kept(a).Memberships
	if a.Op == reconcile.OpCreate {
		if len(kept) == 0 {
			return reconcile.Written{}, errors.New("reconciletest: create without a record")
		}
		v := kept[0]
		if _, ok := t.state.persons[v.Person]; !ok {
			return reconcile.Written{}, errors.New("reconciletest: membership of an unknown person")
		}
		if _, ok := t.state.groups[v.Group]; !ok {
			return reconcile.Written{}, errors.New("reconciletest: membership in an unknown group")
		}
		v.ID = t.idOr("", "m")
		v.Revision = t.firstRevision("")
		t.state.memberships[v.ID] = &v
		return reconcile.Written{TargetID: v.ID, Revision: v.Revision}, nil
	}
	cur, ok := t.state.memberships[a.TargetID]
	if !ok {
		return reconcile.Written{}, fmt.Errorf("%w: no such membership", reconcile.ErrStale)
	}
	if err := t.stale(&a, cur.Revision); err != nil {
		return reconcile.Written{}, err
	}
	switch a.Op {
	case reconcile.OpUpdate:
		if len(kept) == 0 {
			return reconcile.Written{}, errors.New("reconciletest: update without a record")
		}
		v := kept[0]
		v.ID = a.TargetID
		v.Revision = t.bump(cur.Revision)
		t.state.memberships[a.TargetID] = &v
		return reconcile.Written{TargetID: a.TargetID, Revision: v.Revision}, nil
	case reconcile.OpDelete:
		delete(t.state.memberships, a.TargetID)
		return reconcile.Written{TargetID: a.TargetID}, nil
	}
	return reconcile.Written{}, fmt.Errorf("%w: op %q", ErrUnsupported, a.Op)
}

// AtomicTarget is an in-memory target that changes all at once, as file-set targets do: it
// declares AllAtOnce and implements reconcile.Transactional. During a run (Begin to Commit or
// Abort) readers see the state of the last Commit; Abort restores it.
type AtomicTarget struct {
	*Target
}

// NewAtomicTarget returns an all-at-once target holding a copy of s (see NewTarget).
func NewAtomicTarget(s *reconcile.Snapshot, opts ...Option) *AtomicTarget {
	t := NewTarget(s, opts...)
	t.caps.AllAtOnce = true
	return &AtomicTarget{t}
}

// ErrNoRun is returned by Commit and Abort without a Begin, and by Begin during a run.
var ErrNoRun = errors.New("reconciletest: no run, or one already under way")

// Begin starts a run.
func (t *AtomicTarget) Begin(ctx context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.committed != nil {
		return ErrNoRun
	}
	t.committed = t.state.clone()
	return nil
}

// Commit makes the run's writes visible.
func (t *AtomicTarget) Commit(ctx context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.committed == nil {
		return ErrNoRun
	}
	if err := t.commitErr; err != nil {
		t.commitErr = nil
		return err
	}
	t.committed = nil
	return nil
}

// FailCommit makes the next Commit fail with err (and leave the run to Abort).
func (t *AtomicTarget) FailCommit(err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.commitErr = err
}

// Abort drops the run's writes.
func (t *AtomicTarget) Abort(ctx context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.committed == nil {
		return ErrNoRun
	}
	t.state = *t.committed
	t.committed = nil
	return nil
}

// Running reports whether a run is under way (between Begin and Commit or Abort).
func (t *AtomicTarget) Running() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.committed != nil
}
