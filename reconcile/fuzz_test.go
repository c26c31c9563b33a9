package reconcile_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/reconcile/reconciletest"
)

// fuzzSnapshots decodes bytes into a small source and target drawn from pools chosen to collide:
// names that fold alike, shared and dangling keys, missing birth data, repeated memberships.
func fuzzSnapshots(data []byte) (*reconcile.Snapshot, *reconcile.Snapshot, reconcile.Options) {
	families := []string{"Berg", "BERG", "Müller", "Mu\u0308ller", "Lund", ""}
	givens := []string{"Eva", "Eva Maria", "Maria-Eva", "Ida", ""}
	dates := []string{"", "2010-01-01", "2010-01-02"}
	places := []string{"", "Erfurt", "Erfurt, Deutschland", "Jena"}
	key := func(b byte, prefix string) string {
		if b%7 == 6 {
			return ""
		}
		return fmt.Sprintf("%s%d", prefix, b%7)
	}
	next := func(i *int) byte {
		if *i >= len(data) {
			return 0
		}
		b := data[*i]
		*i++
		return b
	}
	s, g := &reconcile.Snapshot{}, &reconcile.Snapshot{}
	opts := quiet()
	i := 0
	flags := next(&i)
	opts.Removals.Enabled = flags&1 != 0
	opts.IncludeProtected = flags&2 != 0
	if flags&4 != 0 {
		opts.ReferrerPrefix = "s"
	}
	if flags&8 != 0 {
		opts.History.Created = []reconcile.Created{{Kind: reconcile.KindPerson, TargetID: "t1", SourceKey: "s2"}}
		opts.History.Writes = []reconcile.Write{{Kind: reconcile.KindPerson, TargetID: "t2", SourceDigest: "0000000000000000"}}
	}
	if flags&16 != 0 {
		// A narrow target: no organisations, no referrers, a normaliser.
		g.Capabilities = &reconcile.Capabilities{
			Persons:     &reconcile.Stored{Fields: []string{reconcile.FieldFamilyName, reconcile.FieldGivenNames, reconcile.FieldContexts, reconcile.FieldRelations}},
			Groups:      &reconcile.Stored{Fields: []string{reconcile.FieldName}},
			Memberships: &reconcile.Stored{Fields: []string{reconcile.FieldRole}},
			Normalise:   func(_ reconcile.Kind, _, v string) string { return strings.ToUpper(v) },
			NormaliseID: "upper",
		}
	}
	for i < len(data) && len(s.Persons)+len(g.Persons)+len(s.Memberships)+len(g.Memberships) < 40 {
		op, a, b, c := next(&i), next(&i), next(&i), next(&i)
		d := dateOrZero(dates[int(c)%len(dates)])
		switch op % 8 {
		case 6:
			s.Organisations = append(s.Organisations, reconcile.Organisation{Keys: reconcile.Keys{SourceKey: key(a, "o"), TargetID: key(b, "O")}, Name: key(c, "n")})
			continue
		case 7:
			g.Organisations = append(g.Organisations, reconcile.Organisation{Keys: reconcile.Keys{TargetID: key(a, "O"), Referrer: key(b, "o")}, Name: key(c, "n")})
			continue
		case 0:
			p := reconcile.Person{Keys: reconcile.Keys{SourceKey: key(a, "s"), TargetID: key(a>>3, "t")},
				FamilyName: families[int(b)%len(families)], GivenNames: givens[int(b>>3)%len(givens)],
				BirthDate: d, BirthPlace: places[int(c>>2)%len(places)], Protected: c&0x80 != 0}
			if a&0x80 != 0 {
				p.Keys.TargetID = ""
			}
			if b&0x40 != 0 {
				p.Contexts = []reconcile.Context{{Organisation: key(c, "o"), Role: "Lern"}}
			}
			if c&0x40 != 0 {
				p.Relations = []reconcile.Relation{{Person: key(c>>3, "s"), Role: "guardian"}}
			}
			s.Persons = append(s.Persons, p)
		case 1:
			g.Persons = append(g.Persons, reconcile.Person{Keys: reconcile.Keys{TargetID: key(a, "t"), Referrer: key(a>>3, "s")},
				Revision: "1", FamilyName: families[int(b)%len(families)], GivenNames: givens[int(b>>3)%len(givens)],
				BirthDate: d, BirthPlace: places[int(c>>2)%len(places)]})
		case 2:
			s.Groups = append(s.Groups, reconcile.Group{Keys: reconcile.Keys{SourceKey: key(a, "g")}, Name: key(b, "n"), Organisation: key(c, "o")})
		case 3:
			g.Groups = append(g.Groups, reconcile.Group{Keys: reconcile.Keys{TargetID: key(a, "G"), Referrer: key(b, "g")}, Name: key(c, "n")})
		case 4:
			role := key(c, "r")
			if c&0x80 != 0 {
				role += "," + key(c>>4, "r")
			}
			s.Memberships = append(s.Memberships, reconcile.Membership{Person: key(a, "s"), Group: key(b, "g"), Role: role})
		case 5:
			g.Memberships = append(g.Memberships, reconcile.Membership{ID: key(c, "m"), Person: key(a, "t"), Group: key(b, "G"), Role: key(c>>3, "r")})
		}
	}
	return s, g, opts
}

// permuted returns a copy of a snapshot with every list shuffled by seed.
func permuted(s *reconcile.Snapshot, seed uint64) *reconcile.Snapshot {
	r := rand.New(rand.NewPCG(seed, seed>>32|1))
	out := &reconcile.Snapshot{Capabilities: s.Capabilities,
		Organisations: slices.Clone(s.Organisations), Persons: slices.Clone(s.Persons),
		Groups: slices.Clone(s.Groups), Memberships: slices.Clone(s.Memberships),
	}
	r.Shuffle(len(out.Organisations), func(i, j int) {
		out.Organisations[i], out.Organisations[j] = out.Organisations[j], out.Organisations[i]
	})
	r.Shuffle(len(out.Persons), func(i, j int) { out.Persons[i], out.Persons[j] = out.Persons[j], out.Persons[i] })
	r.Shuffle(len(out.Groups), func(i, j int) { out.Groups[i], out.Groups[j] = out.Groups[j], out.Groups[i] })
	r.Shuffle(len(out.Memberships), func(i, j int) { out.Memberships[i], out.Memberships[j] = out.Memberships[j], out.Memberships[i] })
	return out
}

// FuzzPlan checks that planning never panics, that the plan does not depend on the order of the
// input, that answering and JSON keep that, and that applying never panics either.
func FuzzPlan(f *testing.F) {
	f.Add([]byte{1, 0, 1, 9, 5, 1, 1, 9, 5})
	f.Add([]byte{3, 0, 0, 0, 0, 1, 8, 0, 0, 1, 16, 0, 0, 2, 0, 1, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5, 0, 0, 0})
	f.Add([]byte{0, 0, 3, 12, 6, 0, 3, 12, 6, 1, 3, 12, 6, 1, 4, 12, 6, 1, 2, 1, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		s, g, opts := fuzzSnapshots(data)
		p, err := reconcile.NewPlan(s, g, opts)
		if err != nil {
			t.Fatal(err)
		}
		ignore := cmpopts.IgnoreUnexported(reconcile.Plan{}, reconcile.Date{})
		// The seed of the shuffles comes from the input too, so the fuzzer explores orders.
		seed := uint64(len(data))
		for _, b := range data {
			seed = seed*31 + uint64(b)
		}
		for by := range uint64(3) {
			q, err := reconcile.NewPlan(permuted(s, seed+by), permuted(g, seed+by+7), opts)
			if err != nil {
				t.Fatal(err)
			}
			if q.Fingerprint != p.Fingerprint || q.Inputs != p.Inputs {
				t.Fatalf("plan depends on input order:\n%s", cmp.Diff(p, q, ignore))
			}
		}
		if err := p.Verify(); err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		var back reconcile.Plan
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if err := back.Verify(); err != nil {
			t.Fatalf("JSON round trip breaks the fingerprint: %v", err)
		}
		policy := reconcile.RejectAll(reconcile.OpImport)
		if len(data) > 0 && data[len(data)-1]&1 != 0 {
			policy = reconcile.Policies(reconcile.ApproveCase(reconcile.KindPerson, 3), reconcile.ApproveCase(reconcile.KindPerson, 2), reconcile.ApproveCase(reconcile.KindPerson, 1))
		}
		answered, err := p.Answer(policy)
		if err != nil {
			t.Fatal(err)
		}
		q, _ := reconcile.NewPlan(permuted(s, seed+1), permuted(g, seed+2), opts)
		answered2, err := q.Answer(policy)
		if err != nil {
			t.Fatal(err)
		}
		if answered.Fingerprint != answered2.Fingerprint {
			t.Fatalf("answered plan depends on input order:\n%s", cmp.Diff(answered, answered2, ignore))
		}
		if len(answered.Tripped) == 0 {
			var caps []reconciletest.Option
			if g.Capabilities != nil {
				caps = append(caps, reconciletest.WithCapabilities(*g.Capabilities))
			}
			target := reconciletest.NewTarget(g, caps...)
			if _, err := reconcile.Apply(context.Background(), answered, target, reconcile.ApplyOptions{}); err != nil {
				t.Fatal(err)
			}
		}
	})
}
