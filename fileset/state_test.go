package fileset_test

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/edusync/edusync/fileset"
	"github.com/edusync/edusync/reconcile"
)

func TestSortedMembershipsOrdersByGroupThenPerson(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	s := fileset.NewState()
	for i := range 60 {
		id := fmt.Sprintf("p%d", r.IntN(1000)) // ids whose order is not their number's
		s.Persons[id] = &fileset.Entry[reconcile.Person]{}
		if i < 12 {
			s.Groups[fmt.Sprintf("g%d", r.IntN(100))] = &fileset.Entry[reconcile.Group]{}
		}
	}
	persons, groups := fileset.Sorted(s.Persons), fileset.Sorted(s.Groups)
	var want []fileset.Pair
	for range 400 {
		k := fileset.Pair{Person: persons[r.IntN(len(persons))], Group: groups[r.IntN(len(groups))]}
		switch r.IntN(10) {
		case 0:
			k.Person = "gone" // a person deleted in the run
		case 1:
			k.Group = "gone"
		}
		if s.Memberships[k] == nil && k.Person != "gone" && k.Group != "gone" {
			want = append(want, k)
		}
		s.Memberships[k] = &fileset.Entry[reconcile.Membership]{}
	}
	slices.SortFunc(want, func(a, b fileset.Pair) int {
		return cmp.Or(strings.Compare(a.Group, b.Group), strings.Compare(a.Person, b.Person))
	})
	if diff := gocmp.Diff(want, s.SortedMemberships()); diff != "" {
		t.Errorf("SortedMemberships (-want +got):\n%s", diff)
	}
	for _, m := range s.SortedMembers() {
		if m.Entry != s.Memberships[m.Pair] {
			t.Errorf("SortedMembers gives %v another entry than the state's", m.Pair)
		}
	}
	if got := fileset.NewState().SortedMemberships(); len(got) != 0 {
		t.Errorf("an empty state has memberships: %v", got)
	}
}
