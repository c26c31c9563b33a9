package fileset

import (
	"context"
	"iter"
	"slices"
	"sync"

	"github.com/edusync/edusync/reconcile"
)

// Screener is implemented by formats that cannot deliver some records at all (a contact
// without an e-mail address in SDS, a person with no student or staff role in Apple School
// Manager). Screen returns the persons and groups of a source snapshot the format cannot
// write, and why; it must not change the snapshot.
type Screener interface {
	Screen(s *reconcile.Snapshot) []LeftOut
}

// Snapshotter is a source that gives its records as one snapshot (ss12000sync.Source does):
// Deliverable then takes it as it is instead of copying the records one by one.
type Snapshotter = reconcile.SnapshotSource

// LeftOut is a source record Deliverable left out, and why. With Related set, only the
// relation of the person SourceKey to the person Related is left out.
type LeftOut struct {
	Kind      reconcile.Kind `json:"kind"`
	SourceKey string         `json:"sourceKey"`
	Related   string         `json:"related,omitempty"`
	Reason    string         `json:"reason"`
}

// Deliverable is a reconcile.Source that gives a target only what its format can deliver:
// see Target.Deliverable.
type Deliverable struct {
	t   *Target
	src reconcile.Source

	mu   sync.Mutex
	cur  *screened
	left []LeftOut
}

// Deliverable wraps src so that a plan against this target proposes only what the format can
// write: persons without a given or a family name, and records the format's Screener refuses,
// are left out, with their memberships and the relations to them; persons with protected
// identity are reduced to what the format needs (no e-mail addresses, birth date or place,
// relations or attributes), and others keep the one e-mail address every format writes (the
// lowest), so that, where the host opts in to them, what is planned is what
// the set gives back. Without it, such records reach the target and the run is refused
// (fail closed). LeftOut lists what the last read left out.
//
// reconcile.Load reads it whole through Snapshot. Read kind by kind, the source is read whole
// when the first kind is asked for and given out kind by kind, in Load's order
// (organisations, persons, groups, memberships).
func (t *Target) Deliverable(src reconcile.Source) *Deliverable {
	return &Deliverable{t: t, src: src}
}

// LeftOut returns the records the last read left out.
func (d *Deliverable) LeftOut() []LeftOut {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.left)
}

// done drops the screened source once memberships, the last kind, were read, so that the next
// reconcile.Load reads the source again.
func (d *Deliverable) done() {
	d.mu.Lock()
	d.cur = nil
	d.mu.Unlock()
}

// Snapshot screens the source and returns what the format can deliver, sharing the source's
// records (reconcile.SnapshotSource: reconcile.Load takes it without copying). Do not change
// it. Every call reads the source again.
func (d *Deliverable) Snapshot(ctx context.Context) (*reconcile.Snapshot, error) {
	s, err := d.fillScreened(ctx)
	d.done()
	if err != nil {
		return nil, err
	}
	out := s.Snapshot
	return &out, nil
}

// Organisations yields the source's organisations.
func (d *Deliverable) Organisations(ctx context.Context) iter.Seq2[reconcile.Organisation, error] {
	return seq(d, ctx, func(s *screened) []reconcile.Organisation { return s.Organisations }, false)
}

// Persons yields the persons the format can deliver.
func (d *Deliverable) Persons(ctx context.Context) iter.Seq2[reconcile.Person, error] {
	return seq(d, ctx, func(s *screened) []reconcile.Person { return s.Persons }, false)
}

// Groups yields the groups the format can deliver.
func (d *Deliverable) Groups(ctx context.Context) iter.Seq2[reconcile.Group, error] {
	return seq(d, ctx, func(s *screened) []reconcile.Group { return s.Groups }, false)
}

// Memberships yields the memberships of the persons and groups given out.
func (d *Deliverable) Memberships(ctx context.Context) iter.Seq2[reconcile.Membership, error] {
	return seq(d, ctx, func(s *screened) []reconcile.Membership { return s.Memberships }, true)
}

func seq[T any](d *Deliverable, ctx context.Context, of func(*screened) []T, last bool) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		if last {
			defer d.done()
		}
		s, err := d.fillScreened(ctx)
		if err != nil {
			var zero T
			yield(zero, err)
			return
		}
		for _, v := range of(s) {
			if !yield(v, nil) {
				return
			}
		}
	}
}

type screened struct {
	reconcile.Snapshot
	left []LeftOut
}

func (d *Deliverable) fillScreened(ctx context.Context) (*screened, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cur != nil {
		return d.cur, nil
	}
	var snap *reconcile.Snapshot
	var err error
	if whole, ok := d.src.(Snapshotter); ok {
		snap, err = whole.Snapshot(ctx)
	} else {
		snap, err = reconcile.Load(ctx, d.src)
	}
	if err != nil {
		return nil, err
	}
	d.cur = screen(snap, d.t.f)
	d.left = d.cur.left
	return d.cur, nil
}

// screen returns what f can deliver of snap.
func screen(snap *reconcile.Snapshot, f Format) *screened {
	out := &screened{}
	out.Organisations = snap.Organisations
	for _, p := range snap.Persons {
		if Clean(p.GivenNames) == "" || Clean(p.FamilyName) == "" {
			out.left = append(out.left, LeftOut{Kind: reconcile.KindPerson, SourceKey: p.Keys.SourceKey, Reason: "a given and a family name are required"})
		}
	}
	if sc, ok := f.(Screener); ok {
		out.left = append(out.left, sc.Screen(snap)...)
	}
	gone := map[reconcile.Kind]map[string]bool{reconcile.KindPerson: {}, reconcile.KindGroup: {}}
	relations := map[Pair]bool{} // person, related
	for _, l := range out.left {
		if l.Related != "" {
			relations[Pair{Person: l.SourceKey, Group: l.Related}] = true
			continue
		}
		if gone[l.Kind] == nil {
			gone[l.Kind] = map[string]bool{}
		}
		gone[l.Kind][l.SourceKey] = true
	}
	gonePersons, goneGroups := gone[reconcile.KindPerson], gone[reconcile.KindGroup]
	isGone := func(k reconcile.Kind, key string) bool { return gone[k][key] }
	protected := map[string]bool{}
	for _, p := range snap.Persons {
		if p.Protected {
			protected[p.Keys.SourceKey] = true
		}
	}
	// Records are shared with snap; a slice is copied only where something is left out or
	// changed.
	out.Persons = snap.Persons
	copied := false
	for i := range snap.Persons {
		p := snap.Persons[i]
		changed := false
		if isGone(reconcile.KindPerson, p.Keys.SourceKey) {
			changed = true
		} else {
			if p.Protected {
				p = reconcile.Person{Keys: p.Keys, FamilyName: p.FamilyName, GivenNames: p.GivenNames, EPPNs: p.EPPNs,
					Protected: true, Contexts: p.Contexts}
				changed = true
			}
			// Every format writes one e-mail address per person, the lowest (Usernames.Person,
			// asm): plan that one, or a person with two would be updated on every run.
			if len(p.Emails) > 1 {
				p.Emails = []string{slices.Min(p.Emails)}
				changed = true
			}
			drop := func(r reconcile.Relation) bool {
				return isGone(reconcile.KindPerson, r.Person) || protected[r.Person] || relations[Pair{Person: p.Keys.SourceKey, Group: r.Person}]
			}
			if slices.ContainsFunc(p.Relations, drop) {
				p.Relations = slices.DeleteFunc(slices.Clone(p.Relations), drop)
				changed = true
			}
		}
		if !changed {
			if copied {
				out.Persons = append(out.Persons, p)
			}
			continue
		}
		if !copied {
			out.Persons = append(make([]reconcile.Person, 0, len(snap.Persons)), snap.Persons[:i]...)
			copied = true
		}
		if !isGone(reconcile.KindPerson, p.Keys.SourceKey) {
			out.Persons = append(out.Persons, p)
		}
	}
	out.Groups = keep(snap.Groups, func(g *reconcile.Group) bool { return !isGone(reconcile.KindGroup, g.Keys.SourceKey) })
	out.Memberships = keep(snap.Memberships, func(m *reconcile.Membership) bool {
		return !gonePersons[m.Person] && (len(goneGroups) == 0 || !goneGroups[m.Group])
	})
	return out
}

// keep returns the items ok keeps: items itself when it keeps them all.
func keep[T any](items []T, ok func(*T) bool) []T {
	for i := range items {
		if ok(&items[i]) {
			continue
		}
		out := append(make([]T, 0, len(items)), items[:i]...)
		for j := i + 1; j < len(items); j++ {
			if ok(&items[j]) {
				out = append(out, items[j])
			}
		}
		return out
	}
	return items
}
