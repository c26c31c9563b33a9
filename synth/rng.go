package synth

import (
	"math/bits"
	"math/rand/v2"
)

// rng is the only source of randomness. It uses PCG from math/rand/v2, whose output is fixed
// by its definition, and derives integers, choices and probabilities itself (integer
// arithmetic only), so a seed gives the same values on every machine and Go version.
type rng struct{ p *rand.PCG }

// newRNG returns a generator for one purpose (stream) of one seed.
func newRNG(seed uint64, stream uint64) *rng {
	return &rng{p: rand.NewPCG(seed, stream^0x9e3779b97f4a7c15)}
}

func (r *rng) u64() uint64 { return r.p.Uint64() }

// intn returns a uniform int in [0, n) (Lemire's method with rejection); n must be > 0.
func (r *rng) intn(n int) int {
	un := uint64(n)
	hi, lo := bits.Mul64(r.u64(), un)
	if lo < un {
		thresh := -un % un
		for lo < thresh {
			hi, lo = bits.Mul64(r.u64(), un)
		}
	}
	return int(hi)
}

// between returns a uniform int in [lo, hi].
func (r *rng) between(lo, hi int) int { return lo + r.intn(hi-lo+1) }

// prob is a probability prepared for chance: p scaled to 2^53.
type prob uint64

func probOf(p float64) prob {
	if p <= 0 {
		return 0
	}
	if p >= 1 {
		return 1 << 53
	}
	return prob(p * (1 << 53))
}

// chance reports true with probability p.
func (r *rng) chance(p prob) bool { return r.u64()>>11 < uint64(p) }

// pct reports true with probability n percent.
func (r *rng) pct(n int) bool { return r.intn(100) < n }

// skewed returns an index in [0, n) that favours small indexes (the square of a uniform
// variable), so lists ordered by frequency give realistic repeats (many Andersson, few Åberg).
func (r *rng) skewed(n int) int {
	a := r.intn(n)
	b := r.intn(n)
	if b < a {
		return b
	}
	return a
}

// id returns a new random ID shaped as a version 4 UUID.
func (r *rng) id() ID {
	var id ID
	a, b := r.u64(), r.u64()
	for i := 0; i < 8; i++ {
		id[i] = byte(a >> (56 - 8*i))
		id[8+i] = byte(b >> (56 - 8*i))
	}
	id[6] = id[6]&0x0f | 0x40
	id[8] = id[8]&0x3f | 0x80
	return id
}

// shuffle permutes n elements with swap (Fisher-Yates).
func (r *rng) shuffle(n int, swap func(i, j int)) {
	for i := n - 1; i > 0; i-- {
		swap(i, r.intn(i+1))
	}
}
