package fileset

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/edusync/edusync/internal/redact"
	"github.com/edusync/edusync/reconcile"
)

// Format is what a file format tells the Target: what it keeps, how a record looks once
// written and read back, and how a State becomes a set of files and back. sds, oneroster and
// asm are the formats edusync has; a host can write its own.
type Format interface {
	// Name names the format in errors ("SDS v2.1").
	Name() string
	// Capabilities declares what the format keeps (Target adds AllAtOnce and Referrers: the
	// set's ids are the referrers).
	Capabilities() reconcile.Capabilities
	// CheckID returns the rule an id of a record of kind breaks in this format, or "".
	CheckID(kind reconcile.Kind, id string) string
	// Fit returns the record as the set will give it back once written and read again
	// (fields the format does not write cleared, lists it writes one value of cut to it,
	// values it derives, such as a username, filled in from s), or an error when the record
	// cannot be written at all. rec is a *reconcile.Organisation, *reconcile.Person,
	// *reconcile.Group or *reconcile.Membership, changed in place; its keys are set already.
	Fit(s *State, rec any) error
	// Write writes s as a complete set into stage, checking every row (NewSetWriter), and
	// returns the writer's Err when rows break the format's rules.
	Write(s *State, stage *Stage) error
	// Read reads the set in dir.
	Read(dir string) (*State, error)
}

// Options configure a Target.
type Options struct {
	// Keep is how many sets before the current one stay on disk for rollback (default 1).
	Keep int
	// Now is the clock that stamps written records (Entry.Modified); default time.Now.
	Now func() time.Time
}

// Errors of the Target.
var (
	// ErrNotBegun means Apply was called outside Begin and Commit (reconcile.Apply calls
	// Begin itself).
	ErrNotBegun = errors.New("fileset: Apply outside a run (Begin was not called)")
	// ErrID means a record's id cannot be used in the format: it breaks the format's id rule,
	// holds an identity number, or would change (the systems reading the set would take a
	// record with a new id for a new one).
	ErrID = errors.New("fileset: unusable id")
	// ErrExists means a create names an id the set already holds.
	ErrExists = errors.New("fileset: the set already holds a record with this id")
)

// Target is a reconcile.Target delivered as whole sets of files into a Dir: every run that
// writes anything ends in a new, complete, validated set switched to atomically (Commit), or
// in nothing (Abort). It keeps the current set's records in memory, read from the current set
// on first use and again whenever the current set was replaced from outside. The set's ids
// are the referrers reconcile writes (the source keys, behind Options.ReferrerPrefix), so a
// set made by another tool with the same ids is recognised, and a target pointed at a set it
// did not write plans against that set.
//
// A record deactivated by reconcile stays in the set, marked inactive where the format has a
// way to say so, until reconcile deletes it after its grace period: these systems read a
// missing record as a deactivation of their own. Deleting a person or group removes its
// memberships.
type Target struct {
	f    Format
	dir  *Dir
	opts Options
	caps reconcile.Capabilities

	mu      sync.Mutex
	state   *State
	setName string // the set state was read from or written as
	running bool
	undo    []func()
	fresh   freshRecords
	deleted bool // the run deleted a record, whose memberships Commit removes
	// fromEmpty says the run started from an empty set: Abort then empties the state again
	// instead of undoing a first run's million writes one by one.
	fromEmpty bool
	found     Pair // the person and group holds last found, during one Apply or ApplyBatch
	last      Commit
}

// Commit says what the last Commit did.
type Commit struct {
	// Set is the name of the set now current ("" when the run changed nothing on disk).
	Set string
	// Bytes is the number of bytes written into the new set (0 when its files were equal to
	// the current set's, which then stays).
	Bytes int64
	// Files are the sizes of the new set's files.
	Files map[string]int64
}

// New returns a Target keeping its sets in root (created if missing) in format f.
func New(root string, f Format, opts Options) (*Target, error) {
	if f == nil {
		return nil, errors.New("fileset: New needs a format")
	}
	d, err := OpenDir(root, opts.Keep)
	if err != nil {
		return nil, err
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	caps := f.Capabilities()
	caps.AllAtOnce, caps.Referrers, caps.Revisions = true, true, false
	if err := caps.Validate(); err != nil {
		return nil, err
	}
	return &Target{f: f, dir: d, opts: opts, caps: caps}, nil
}

// Dir returns the directory the sets are kept in.
func (t *Target) Dir() *Dir { return t.dir }

// LastCommit reports what the last successful Commit wrote.
func (t *Target) LastCommit() Commit {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.last
}

// Capabilities declares what the format keeps; the set's ids are kept as referrers, and the
// target changes all at once.
func (t *Target) Capabilities() reconcile.Capabilities { return t.caps }

// State returns the current records (read from the current set if needed). The State is the
// target's own: do not change it, and do not use it during a run.
func (t *Target) State() (*State, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.load(); err != nil {
		return nil, err
	}
	return t.state, nil
}

// load reads the current set unless the state in memory is that set's (or a run is under way).
func (t *Target) load() error {
	if t.running && t.state != nil {
		return nil
	}
	dir, name, ok, err := t.dir.Current()
	if err != nil {
		return err
	}
	if !ok {
		if t.state == nil || t.setName != "" {
			t.state, t.setName = NewState(), ""
		}
		return nil
	}
	if t.state != nil && name == t.setName {
		return nil
	}
	s, err := t.f.Read(dir)
	if err != nil {
		return fmt.Errorf("fileset: reading the current %s set: %w", t.f.Name(), err)
	}
	t.state, t.setName = s, name
	return nil
}

// Organisations yields the current set's organisations in id order.
func (t *Target) Organisations(ctx context.Context) iter.Seq2[reconcile.Organisation, error] {
	return yieldAll(t, ctx, func(s *State) map[string]*Entry[reconcile.Organisation] { return s.Organisations })
}

// Persons yields the current set's persons in id order.
func (t *Target) Persons(ctx context.Context) iter.Seq2[reconcile.Person, error] {
	return yieldAll(t, ctx, func(s *State) map[string]*Entry[reconcile.Person] { return s.Persons })
}

// Groups yields the current set's groups in id order.
func (t *Target) Groups(ctx context.Context) iter.Seq2[reconcile.Group, error] {
	return yieldAll(t, ctx, func(s *State) map[string]*Entry[reconcile.Group] { return s.Groups })
}

// Memberships yields the current set's memberships by group, then person.
func (t *Target) Memberships(ctx context.Context) iter.Seq2[reconcile.Membership, error] {
	return func(yield func(reconcile.Membership, error) bool) {
		t.mu.Lock()
		err := t.load()
		var out []reconcile.Membership
		if err == nil {
			members := t.state.SortedMembers()
			out = make([]reconcile.Membership, len(members))
			for i, m := range members {
				out[i] = m.Record
			}
		}
		t.mu.Unlock()
		if err != nil {
			yield(reconcile.Membership{}, err)
			return
		}
		for i := range out {
			if err := ctx.Err(); err != nil {
				yield(reconcile.Membership{}, err)
				return
			}
			if !yield(out[i], nil) {
				return
			}
		}
	}
}

// Snapshot returns the current set's records in no particular order
// (reconcile.SnapshotSource: reconcile.Load takes them as they are, which at a million
// memberships saves sorting and copying them twice). Memberships of a person or group deleted
// in the run are left out, as Memberships leaves them out.
func (t *Target) Snapshot(ctx context.Context) (*reconcile.Snapshot, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.load(); err != nil {
		return nil, err
	}
	s := t.state
	out := &reconcile.Snapshot{Organisations: records(s.Organisations), Persons: records(s.Persons), Groups: records(s.Groups),
		Memberships: make([]reconcile.Membership, 0, len(s.Memberships))}
	for k, e := range s.Memberships {
		if s.Persons[k.Person] != nil && s.Groups[k.Group] != nil {
			out.Memberships = append(out.Memberships, e.Record)
		}
	}
	return out, nil
}

// records returns the records of m in no particular order.
func records[K comparable, T any](m map[K]*Entry[T]) []T {
	out := make([]T, 0, len(m))
	for _, e := range m {
		out = append(out, e.Record)
	}
	return out
}

func yieldAll[T any](t *Target, ctx context.Context, of func(*State) map[string]*Entry[T]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		t.mu.Lock()
		err := t.load()
		var out []T
		if err == nil {
			m := of(t.state)
			ids := Sorted(m)
			out = make([]T, len(ids))
			for i, id := range ids {
				out[i] = m[id].Record
			}
		}
		t.mu.Unlock()
		if err != nil {
			yield(zero, err)
			return
		}
		for i := range out {
			if err := ctx.Err(); err != nil {
				yield(zero, err)
				return
			}
			if !yield(out[i], nil) {
				return
			}
		}
	}
}

// Begin starts a run: the writes until Commit or Abort change the records in memory only.
func (t *Target) Begin(ctx context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.running {
		return errors.New("fileset: a run is already under way")
	}
	if err := t.load(); err != nil {
		return err
	}
	t.running, t.undo, t.fresh, t.deleted, t.state.scratch = true, nil, freshRecords{}, false, nil
	s := t.state
	t.fromEmpty = len(s.Organisations)+len(s.Persons)+len(s.Groups)+len(s.Memberships) == 0
	return nil
}

// Abort drops the run's writes; the current set stays as it was.
func (t *Target) Abort(ctx context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.running && t.fromEmpty {
		t.state = NewState()
	}
	for i := len(t.undo) - 1; i >= 0; i-- {
		t.undo[i]()
	}
	if t.state != nil {
		t.fresh.drop(t.state)
	}
	t.undo, t.running = nil, false
	if t.state != nil {
		t.state.scratch = nil
	}
	return nil
}

// Commit writes the run's records as a new set, checks it against the format's rules and
// switches to it. A set that breaks the rules (a *ValidationError) or cannot be written is
// removed and the current set stays; reconcile then calls Abort. A new set whose files equal
// the current set's is not switched to, so that a run which changed nothing the format writes
// rewrites nothing.
func (t *Target) Commit(ctx context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.running {
		return ErrNotBegun
	}
	t.state.scratch = nil
	stage, err := t.dir.Stage()
	if err != nil {
		return err
	}
	if err := t.f.Write(t.state, stage); err != nil {
		stage.Abort()
		return err
	}
	files, total, err := sizes(stage.Path())
	if err != nil {
		stage.Abort()
		return err
	}
	if cur, _, ok, err := t.dir.Current(); err == nil && ok && sameFiles(stage.Path(), cur, files) {
		stage.Abort()
		if t.deleted {
			t.state.purge()
		}
		t.running, t.undo, t.fresh = false, nil, freshRecords{}
		t.last = Commit{Files: files}
		return nil
	}
	name, err := stage.Commit()
	if err != nil {
		return err
	}
	if t.deleted {
		t.state.purge()
	}
	t.running, t.undo, t.fresh, t.setName = false, nil, freshRecords{}, filepath.Join("sets", name)
	t.last = Commit{Set: name, Bytes: total, Files: files}
	return nil
}

func sizes(dir string) (map[string]int64, int64, error) {
	es, err := os.ReadDir(dir)
	if err != nil {
		return nil, 0, err
	}
	out := map[string]int64{}
	var total int64
	for _, e := range es {
		info, err := e.Info()
		if err != nil {
			return nil, 0, err
		}
		out[e.Name()] = info.Size()
		total += info.Size()
	}
	return out, total, nil
}

// sameFiles reports whether dir b holds exactly the files of dir a with equal contents.
func sameFiles(a, b string, files map[string]int64) bool {
	es, err := os.ReadDir(b)
	if err != nil || len(es) != len(files) {
		return false
	}
	for _, e := range es {
		n, ok := files[e.Name()]
		if info, err := e.Info(); !ok || err != nil || info.Size() != n {
			return false
		}
	}
	for name := range files {
		if !sameFile(filepath.Join(a, name), filepath.Join(b, name)) {
			return false
		}
	}
	return true
}

func sameFile(a, b string) bool {
	fa, err := os.Open(a)
	if err != nil {
		return false
	}
	defer fa.Close()
	fb, err := os.Open(b)
	if err != nil {
		return false
	}
	defer fb.Close()
	ba, bb := make([]byte, 64<<10), make([]byte, 64<<10)
	for {
		na, ea := io.ReadFull(fa, ba)
		nb, eb := io.ReadFull(fb, bb)
		if na != nb || !bytes.Equal(ba[:na], bb[:nb]) {
			return false
		}
		if ea != nil || eb != nil {
			return ea == eb || (errors.Is(ea, io.ErrUnexpectedEOF) && errors.Is(eb, io.ErrUnexpectedEOF)) ||
				(ea == io.EOF && eb == io.EOF)
		}
	}
}

// Apply carries out one action on the records in memory (Commit writes them out).
func (t *Target) Apply(ctx context.Context, a reconcile.Action) (reconcile.Written, error) {
	if err := ctx.Err(); err != nil {
		return reconcile.Written{}, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.running {
		return reconcile.Written{}, ErrNotBegun
	}
	t.found = Pair{}
	return t.apply(&a, t.opts.Now().UTC())
}

// ApplyBatch carries out actions on the records in memory, as Apply does one
// (reconcile.BatchTarget): a first run of a municipality is a million of them.
func (t *Target) ApplyBatch(ctx context.Context, actions []reconcile.Action, written []reconcile.Written, errs []error) {
	if err := ctx.Err(); err != nil {
		for i := range errs {
			errs[i] = err
		}
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.opts.Now().UTC()
	t.found = Pair{}
	defer func() { t.found = Pair{} }()
	for i := range actions {
		if !t.running {
			errs[i] = ErrNotBegun
			continue
		}
		written[i], errs[i] = t.apply(&actions[i], now)
	}
}

// holds reports whether the set holds the membership's person and group. Memberships come
// in plan order, by person: the last person and group found are remembered for the rest of
// the call (persons and groups change in calls of their own).
func (t *Target) holds(k Pair) bool {
	if t.found.Person == "" || k.Person != t.found.Person {
		if t.state.Persons[k.Person] == nil {
			return false
		}
		t.found.Person = k.Person
	}
	if t.found.Group == "" || k.Group != t.found.Group {
		if t.state.Groups[k.Group] == nil {
			return false
		}
		t.found.Group = k.Group
	}
	return true
}

// apply carries out one action, stamping what it writes with now.
func (t *Target) apply(a *reconcile.Action, now time.Time) (reconcile.Written, error) {
	s := t.state
	switch a.Kind {
	case reconcile.KindOrganisation:
		return applyRecord(t, a, now, s.Organisations, a.Organisation, func(o *reconcile.Organisation) (*reconcile.Keys, *string) { return &o.Keys, &o.Revision })
	case reconcile.KindPerson:
		return applyRecord(t, a, now, s.Persons, a.Person, func(p *reconcile.Person) (*reconcile.Keys, *string) { return &p.Keys, &p.Revision })
	case reconcile.KindGroup:
		return applyRecord(t, a, now, s.Groups, a.Group, func(g *reconcile.Group) (*reconcile.Keys, *string) { return &g.Keys, &g.Revision })
	case reconcile.KindMembership:
		return t.applyMembership(a, now)
	}
	return reconcile.Written{}, fmt.Errorf("fileset: unknown kind %q", a.Kind)
}

// checkID refuses ids the format cannot use and ids holding an identity number, which must
// never reach a file (a source keyed by personal number, ss12000sync.KeyCivicNo, for example).
func (t *Target) checkID(kind reconcile.Kind, id string) error {
	if id == "" {
		return fmt.Errorf("%w: the %s has no id (no referrer or source key)", ErrID, kind)
	}
	if redact.PersonalNumbers(id) != id {
		return fmt.Errorf("%w: the %s's id holds an identity number, which must not reach the %s set; key the source by its own ids", ErrID, kind, t.f.Name())
	}
	if rule := t.f.CheckID(kind, id); rule != "" {
		return fmt.Errorf("%w: the %s id %q: %s", ErrID, kind, redact.Printable(id, 64), rule)
	}
	return nil
}

func applyRecord[T any](t *Target, a *reconcile.Action, now time.Time, m map[string]*Entry[T], ch *reconcile.Change[T],
	keys func(*T) (*reconcile.Keys, *string)) (reconcile.Written, error) {
	id := a.TargetID
	old := m[id]
	switch a.Op {
	case reconcile.OpCreate, reconcile.OpUpdate, reconcile.OpRestore:
		if ch == nil || ch.After == nil {
			return reconcile.Written{}, fmt.Errorf("fileset: a %s %s without the record", a.Kind, a.Op)
		}
		rec := *ch.After
		k, rev := keys(&rec)
		if a.Op == reconcile.OpCreate {
			id = k.Referrer
			if id == "" {
				id = a.SourceKey
			}
			if err := t.checkID(a.Kind, id); err != nil {
				return reconcile.Written{}, err
			}
			if m[id] != nil {
				return reconcile.Written{}, fmt.Errorf("%w: %s %s", ErrExists, a.Kind, redact.Printable(id, 64))
			}
		} else {
			if old == nil {
				return reconcile.Written{}, fmt.Errorf("%w: the set no longer holds the %s", reconcile.ErrStale, a.Kind)
			}
			if k.Referrer != "" && k.Referrer != id {
				return reconcile.Written{}, fmt.Errorf("%w: the %s's id would change from its referrer; the systems reading the set would take it for a new one", ErrID, a.Kind)
			}
		}
		*k, *rev = reconcile.Keys{TargetID: id, Referrer: id}, ""
		if err := t.f.Fit(t.state, &rec); err != nil {
			return reconcile.Written{}, err
		}
		e := &Entry[T]{Record: rec, Modified: now}
		if old != nil && a.Op == reconcile.OpUpdate {
			e.Inactive = old.Inactive
		}
		remember(t, m, id, old)
		m[id] = e
	case reconcile.OpDeactivate:
		if old == nil {
			return reconcile.Written{}, fmt.Errorf("%w: the set no longer holds the %s", reconcile.ErrStale, a.Kind)
		}
		remember(t, m, id, old)
		e := *old
		e.Inactive, e.Modified = true, now
		m[id] = &e
	case reconcile.OpDelete:
		if old == nil {
			return reconcile.Written{}, fmt.Errorf("%w: the set no longer holds the %s", reconcile.ErrStale, a.Kind)
		}
		remember(t, m, id, old)
		delete(m, id)
		t.deleted = true
	default:
		return reconcile.Written{}, fmt.Errorf("fileset: %s is not a write", a.Op)
	}
	return reconcile.Written{TargetID: id}, nil
}

// remember notes how to undo a write of m[id]: records new in the run are only listed, others
// get their old entry back; nothing is noted in a run from an empty set (a first run, which
// creates records by the million).
func remember[K comparable, T any](t *Target, m map[K]*Entry[T], id K, old *Entry[T]) {
	if t.fromEmpty {
		return // Abort empties the state
	}
	if old == nil {
		switch k := any(id).(type) {
		case Pair:
			t.fresh.pairs = append(t.fresh.pairs, k)
			return
		case string:
			t.fresh.ids = append(t.fresh.ids, freshID{m: any(m), id: k})
			return
		}
	}
	t.undo = append(t.undo, func() {
		if old == nil {
			delete(m, id)
		} else {
			m[id] = old
		}
	})
}

// freshRecords are the records a run created, removed again by Abort.
type freshRecords struct {
	ids   []freshID
	pairs []Pair
}

type freshID struct {
	m  any // the state's map the record is in
	id string
}

// drop removes the run's new records from s.
func (f *freshRecords) drop(s *State) {
	for _, k := range f.pairs {
		delete(s.Memberships, k)
	}
	for _, x := range f.ids {
		switch m := x.m.(type) {
		case map[string]*Entry[reconcile.Organisation]:
			delete(m, x.id)
		case map[string]*Entry[reconcile.Person]:
			delete(m, x.id)
		case map[string]*Entry[reconcile.Group]:
			delete(m, x.id)
		}
	}
	*f = freshRecords{}
}

func (t *Target) applyMembership(a *reconcile.Action, now time.Time) (reconcile.Written, error) {
	if a.Membership == nil {
		return reconcile.Written{}, errors.New("fileset: a membership action without the membership")
	}
	m := t.state.Memberships
	ref := a.Membership.After
	if ref == nil {
		ref = a.Membership.Before
	}
	if ref == nil {
		return reconcile.Written{}, errors.New("fileset: a membership action without the membership")
	}
	key := Pair{Person: ref.Person, Group: ref.Group}
	old := m[key]
	switch a.Op {
	case reconcile.OpCreate, reconcile.OpUpdate, reconcile.OpRestore:
		if a.Membership.After == nil {
			return reconcile.Written{}, fmt.Errorf("fileset: a membership %s without the record", a.Op)
		}
		if !t.holds(key) {
			return reconcile.Written{}, fmt.Errorf("%w: the membership's person or group is not in the set", ErrInvalid)
		}
		if a.Op == reconcile.OpCreate && old != nil {
			return reconcile.Written{}, fmt.Errorf("%w: a membership of this person in this group", ErrExists)
		}
		if a.Op != reconcile.OpCreate && old == nil {
			return reconcile.Written{}, fmt.Errorf("%w: the set no longer holds the membership", reconcile.ErrStale)
		}
		rec := *a.Membership.After
		rec.ID, rec.Revision = "", ""
		if err := t.f.Fit(t.state, &rec); err != nil {
			return reconcile.Written{}, err
		}
		e := &Entry[reconcile.Membership]{Record: rec, Modified: now}
		if old != nil && a.Op == reconcile.OpUpdate {
			e.Inactive = old.Inactive
		}
		remember(t, m, key, old)
		m[key] = e
	case reconcile.OpDeactivate:
		if old == nil {
			return reconcile.Written{}, fmt.Errorf("%w: the set no longer holds the membership", reconcile.ErrStale)
		}
		remember(t, m, key, old)
		e := *old
		e.Inactive, e.Modified = true, now
		m[key] = &e
	case reconcile.OpDelete:
		if old == nil {
			return reconcile.Written{}, fmt.Errorf("%w: the set no longer holds the membership", reconcile.ErrStale)
		}
		remember(t, m, key, old)
		delete(m, key)
	default:
		return reconcile.Written{}, fmt.Errorf("fileset: %s is not a write", a.Op)
	}
	return reconcile.Written{}, nil
}
