package reconcile

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestPermuteMovesEachElementToItsPlace(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 2, 7, 100, 1000} {
		list := make([]int, n)
		for i := range list {
			list[i] = r.IntN(50)
		}
		perm := make([]int32, n)
		for i := range perm {
			perm[i] = int32(i)
		}
		r.Shuffle(n, func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
		want := make([]int, n)
		for k, p := range perm {
			want[k] = list[p]
		}
		permute(list, perm)
		if !slices.Equal(list, want) {
			t.Fatalf("n=%d: permute gave %v, want %v", n, list, want)
		}
	}
}
