package fileset

import (
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/edusync/edusync/reconcile"
)

// State is what a set holds, as canonical records keyed by the ids the set gives them (the
// sourcedId, person_id, ...). Formats read a set into a State and write a State out as a set.
type State struct {
	Organisations map[string]*Entry[reconcile.Organisation]
	Persons       map[string]*Entry[reconcile.Person]
	Groups        map[string]*Entry[reconcile.Group]
	Memberships   map[Pair]*Entry[reconcile.Membership]

	scratch map[string]any // formats' indexes for one run (Scratch)
}

// Entry is one record of a set: the record as the set gives it back, whether it was
// deactivated (it stays in the set, marked inactive where the format can say so, until it is
// deleted), and when this target last wrote it (zero for records it read from a set and has
// not written since, unless the format keeps the time, as OneRoster's delta sets do).
type Entry[T any] struct {
	Record   T
	Inactive bool
	Modified time.Time
}

// Pair identifies a membership: the person's and the group's ids.
type Pair struct {
	Person, Group string
}

// NewState returns an empty State.
func NewState() *State {
	return &State{Organisations: map[string]*Entry[reconcile.Organisation]{}, Persons: map[string]*Entry[reconcile.Person]{},
		Groups: map[string]*Entry[reconcile.Group]{}, Memberships: map[Pair]*Entry[reconcile.Membership]{}}
}

// Sorted returns the keys of m in order.
func Sorted[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}

// SortedMemberships returns the memberships whose person and group the state holds, ordered
// by group, then person. Memberships of a person or group deleted in the run are left out
// (the target removes them when the run commits).
func (s *State) SortedMemberships() []Pair {
	members := s.SortedMembers()
	out := make([]Pair, len(members))
	for i, m := range members {
		out[i] = m.Pair
	}
	return out
}

// Member is a membership of a State: its person and group, and its entry.
type Member struct {
	Pair
	*Entry[reconcile.Membership]
}

// SortedMembers is SortedMemberships with each membership's entry, for writers, which read
// every one of them.
func (s *State) SortedMembers() []Member {
	// A million memberships fall into some ten thousand groups: they are placed by group
	// (the groups sorted once), and only each group's members are sorted, by person.
	ids := Sorted(s.Groups)
	rank := make(map[string]int32, len(ids))
	for i, id := range ids {
		rank[id] = int32(i)
	}
	start := make([]int32, len(ids)+1)
	for k := range s.Memberships {
		if g, ok := rank[k.Group]; ok && s.Persons[k.Person] != nil {
			start[g+1]++
		}
	}
	for g := 1; g < len(start); g++ {
		start[g] += start[g-1]
	}
	out := make([]Member, start[len(ids)])
	next := slices.Clone(start[:len(ids)])
	for k, e := range s.Memberships {
		if g, ok := rank[k.Group]; ok && s.Persons[k.Person] != nil {
			out[next[g]] = Member{Pair: k, Entry: e}
			next[g]++
		}
	}
	for g := range ids {
		slices.SortFunc(out[start[g]:start[g+1]], func(a, b Member) int { return strings.Compare(a.Person, b.Person) })
	}
	return out
}

// purge removes memberships whose person or group is gone.
func (s *State) purge() {
	for k := range s.Memberships {
		if s.Persons[k.Person] == nil || s.Groups[k.Group] == nil {
			delete(s.Memberships, k)
		}
	}
}

// Scratch returns the value kept under key for the current run, building it on first use. The
// Target drops it at every Begin, Commit and Abort, so an index built from an aborted run's
// records does not outlive it.
func (s *State) Scratch(key string, build func() any) any {
	if v, ok := s.scratch[key]; ok {
		return v
	}
	if s.scratch == nil {
		s.scratch = map[string]any{}
	}
	v := build()
	s.scratch[key] = v
	return v
}
