package reconcile_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/reconcile/reconciletest"
)

// school is a small source and target with one of everything: a key match with changes, an
// attribute match, a question, a creation, an import offer, groups and memberships.
func school() (*reconcile.Snapshot, *reconcile.Snapshot) {
	s := &reconcile.Snapshot{
		Organisations: []reconcile.Organisation{{Keys: reconcile.Keys{SourceKey: "o1"}, Name: "Heine-Gymnasium", Type: "Schule"}},
		Persons: []reconcile.Person{
			{Keys: reconcile.Keys{SourceKey: "p1"}, FamilyName: "Berg", GivenNames: "Eva", BirthDate: date("2010-03-04"),
				Emails: []string{"eva.berg@example.org"}, Contexts: []reconcile.Context{{Organisation: "o1", Role: "Lern"}},
				Attributes: map[string]string{"jahrgangsstufe": "08"}},
			src("p2", "Müller", "Anna Maria", "2010-05-01", "Erfurt"),
			src("p3", "Lund", "Ida", "2011-01-01", ""),
			src("p4", "Ek", "Ola", "2012-02-02", "Jena"),
		},
		Groups: []reconcile.Group{
			{Keys: reconcile.Keys{SourceKey: "g1"}, Name: "8a", Type: "Klasse", Organisation: "o1"},
			{Keys: reconcile.Keys{SourceKey: "g2"}, Name: "5c", Type: "Klasse", Organisation: "o1"},
		},
		Memberships: []reconcile.Membership{
			{Person: "p1", Group: "g1", Role: "Lern"},
			{Person: "p2", Group: "g1", Role: "Lern"},
			{Person: "p4", Group: "g2", Role: "Lern"},
		},
	}
	g := &reconcile.Snapshot{
		Organisations: []reconcile.Organisation{{Keys: reconcile.Keys{TargetID: "O1", Referrer: "o1"}, Revision: "3", Name: "Heine-Gymnasium", Type: "Schule"}},
		Persons: []reconcile.Person{
			{Keys: reconcile.Keys{TargetID: "T1", Referrer: "p1"}, Revision: "7", FamilyName: "Berg", GivenNames: "Eva", BirthDate: date("2010-03-04"),
				Emails: []string{"eva.berg@example.org"}, Contexts: []reconcile.Context{{Organisation: "O1", Role: "Lern"}},
				Attributes: map[string]string{"jahrgangsstufe": "07", "lokalisierung": "de"}},
			tgt("T2", "", "MÜLLER", "Maria Anna", "2010-05-01", "Erfurt, Deutschland"),
			tgt("T3", "", "Lund", "Ida", "2011-01-01", "Malmö"),
			tgt("T5", "", "Nowak", "Jan", "2009-09-09", "Posen"),
		},
		Groups: []reconcile.Group{{Keys: reconcile.Keys{TargetID: "G1", Referrer: "g1"}, Revision: "2", Name: "7a", Type: "Klasse", Organisation: "O1"}},
		Memberships: []reconcile.Membership{
			{ID: "M1", Revision: "1", Person: "T1", Group: "G1", Role: "Lern"},
		},
	}
	return s, g
}

func TestPlanOfASchool(t *testing.T) {
	s, g := school()
	p := mustPlan(t, s, g, quiet())
	want := []string{
		"person/s=p1 update case1",
		"person/s=p2 update case2",
		"person/s=p3/t=T3 update case3 pending",
		"person/s=p4 create case6",
		"person/t=T5 import case5 pending",
		"group/s=g1 update case1",
		"group/s=g2 create case4",
		"membership/s=p2,g1 create",
		"membership/s=p4,g2 create",
	}
	if diff := cmp.Diff(want, summary(p)); diff != "" {
		t.Fatalf("actions (-want +got):\n%s", diff)
	}
	wantCounts := reconcile.Counts{Created: 4, Updated: 3, Unchanged: 2, Pending: 2}
	if diff := cmp.Diff(wantCounts, p.Counts); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
	if got := p.ByKind[reconcile.KindPerson]; got != (reconcile.Counts{Created: 1, Updated: 2, Pending: 2}) {
		t.Errorf("person counts %+v", got)
	}

	// Field-level diffs: only what the source supplies and differs; target-only attributes stay.
	p1 := action(t, p, "person/s=p1")
	if diff := cmp.Diff([]reconcile.Diff{{Field: "attributes.jahrgangsstufe", Before: "07", After: "08"}}, p1.Diffs); diff != "" {
		t.Errorf("p1 diffs (-want +got):\n%s", diff)
	}
	if got := p1.Person.After.Attributes; !cmp.Equal(got, map[string]string{"jahrgangsstufe": "08", "lokalisierung": "de"}) {
		t.Errorf("p1 after attributes %v", got)
	}
	if p1.Revision != "7" || p1.TargetID != "T1" {
		t.Errorf("p1 revision %q target %q", p1.Revision, p1.TargetID)
	}
	p2 := action(t, p, "person/s=p2")
	wantDiffs := []reconcile.Diff{
		{Field: "referrer", After: "p2"},
		{Field: "familyName", Before: "MÜLLER", After: "Müller"},
		{Field: "givenNames", Before: "Maria Anna", After: "Anna Maria"},
		{Field: "birthPlace", Before: "Erfurt, Deutschland", After: "Erfurt"},
	}
	if diff := cmp.Diff(wantDiffs, p2.Diffs); diff != "" {
		t.Errorf("p2 diffs (-want +got):\n%s", diff)
	}
	for _, a := range p.Actions {
		if a.Reason == "" {
			t.Errorf("%s has no reason", a.ID)
		}
		if a.Op != reconcile.OpSkip && a.Op != reconcile.OpUnchanged && len(a.Diffs) == 0 {
			t.Errorf("%s (%s) has no diffs", a.ID, a.Op)
		}
	}
	wantImport := []reconcile.Diff{{Field: "familyName", After: "Nowak"}, {Field: "givenNames", After: "Jan"},
		{Field: "birthDate", After: "2009-09-09"}, {Field: "birthPlace", After: "Posen"}}
	if diff := cmp.Diff(wantImport, action(t, p, "person/t=T5").Diffs); diff != "" {
		t.Errorf("import diffs (-want +got):\n%s", diff)
	}
	if got := action(t, p, "group/s=g1").Diffs; !cmp.Equal(got, []reconcile.Diff{{Field: "name", Before: "7a", After: "8a"}}) {
		t.Errorf("group diffs %v", got)
	}
}

func TestPlanOrder(t *testing.T) {
	s, g := school()
	p := mustPlan(t, s, g, quiet())
	rank := map[reconcile.Kind]int{}
	for i, k := range reconcile.Kinds {
		rank[k] = i
	}
	sorted := slices.IsSortedFunc(p.Actions, func(a, b reconcile.Action) int {
		if rank[a.Kind] != rank[b.Kind] {
			return rank[a.Kind] - rank[b.Kind]
		}
		return strings.Compare(a.ID, b.ID)
	})
	if !sorted {
		t.Errorf("actions not in (kind, ID) order:\n%s", strings.Join(summary(p), "\n"))
	}
}

func TestPlanJSONRoundTrip(t *testing.T) {
	s, g := school()
	p := mustPlan(t, s, g, quiet())
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var back reconcile.Plan
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(p, &back, cmpopts.IgnoreUnexported(reconcile.Plan{}, reconcile.Date{}), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if err := back.Verify(); err != nil {
		t.Errorf("Verify after round trip: %v", err)
	}
	b2, _ := json.Marshal(&back)
	if string(b) != string(b2) {
		t.Error("JSON differs after a round trip")
	}
	back.Actions[0].Reason = "edited"
	if err := back.Verify(); !errors.Is(err, reconcile.ErrTampered) {
		t.Errorf("Verify of an edited plan = %v, want ErrTampered", err)
	}
	if _, err := back.Answer(nil); !errors.Is(err, reconcile.ErrNoInputs) {
		t.Errorf("Answer on a decoded plan = %v, want ErrNoInputs", err)
	}

	// A plan stored by a version with another plan format is refused as such, not as tampered.
	old := clonePlan(t, p)
	old.Version = 1
	if _, err := reconcile.Apply(t.Context(), old, reconciletest.NewTarget(g), reconcile.ApplyOptions{}); !errors.Is(err, reconcile.ErrPlanVersion) || errors.Is(err, reconcile.ErrTampered) {
		t.Errorf("Apply of a version 1 plan = %v, want ErrPlanVersion", err)
	}
}

func TestFingerprints(t *testing.T) {
	s, g := school()
	p := mustPlan(t, s, g, quiet())
	if len(p.Inputs) != 64 || len(p.Fingerprint) != 64 {
		t.Fatalf("fingerprints %q, %q", p.Inputs, p.Fingerprint)
	}

	// Reordering every slice of both snapshots changes nothing.
	s2, g2 := school()
	slices.Reverse(s2.Persons)
	slices.Reverse(s2.Groups)
	slices.Reverse(s2.Memberships)
	slices.Reverse(g2.Persons)
	p2 := mustPlan(t, s2, g2, quiet())
	if p2.Inputs != p.Inputs || p2.Fingerprint != p.Fingerprint {
		t.Error("fingerprints depend on record order")
	}
	if diff := cmp.Diff(p, p2, cmpopts.IgnoreUnexported(reconcile.Plan{}, reconcile.Date{})); diff != "" {
		t.Errorf("plan depends on record order (-want +got):\n%s", diff)
	}

	// Any change in the inputs changes both fingerprints.
	changes := map[string]func(s, g *reconcile.Snapshot, o *reconcile.Options){
		"source name":       func(s, _ *reconcile.Snapshot, _ *reconcile.Options) { s.Persons[0].GivenNames = "Eva Lisa" },
		"target revision":   func(_, g *reconcile.Snapshot, _ *reconcile.Options) { g.Persons[0].Revision = "8" },
		"membership role":   func(s, _ *reconcile.Snapshot, _ *reconcile.Options) { s.Memberships[0].Role = "Lehr" },
		"target attribute":  func(_, g *reconcile.Snapshot, _ *reconcile.Options) { g.Persons[0].Attributes["x"] = "y" },
		"options: removals": func(_, _ *reconcile.Snapshot, o *reconcile.Options) { o.Removals.Enabled = true },
		"options: decisions": func(_, _ *reconcile.Snapshot, o *reconcile.Options) {
			o.Decisions = []reconcile.Decision{{ID: "x", Verdict: reconcile.Reject}}
		},
	}
	for name, change := range changes {
		s3, g3 := school()
		o := quiet()
		change(s3, g3, &o)
		p3 := mustPlan(t, s3, g3, o)
		if p3.Inputs == p.Inputs {
			t.Errorf("%s: inputs fingerprint unchanged", name)
		}
		if p3.Fingerprint == p.Fingerprint {
			t.Errorf("%s: plan fingerprint unchanged", name)
		}
	}
}

func TestInvalidOptions(t *testing.T) {
	tests := map[string]reconcile.Options{
		"removals without now": {Removals: reconcile.Removals{Enabled: true}},
		"negative grace":       {Now: day0, Removals: reconcile.Removals{Enabled: true, GraceDays: -1}},
		"hold on skip":         {Holds: []reconcile.Hold{{Op: reconcile.OpSkip}}},
		"negative hold":        {Holds: []reconcile.Hold{{Op: reconcile.OpDelete, Max: -1}}},
		"unknown kind":         {Holds: []reconcile.Hold{{Kind: "course", Op: reconcile.OpDelete}}},
		"unknown verdict":      {Decisions: []reconcile.Decision{{ID: "person/t=1", Verdict: "maybe"}}},
	}
	for name, o := range tests {
		if _, err := reconcile.NewPlan(nil, nil, o); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if p, err := reconcile.NewPlan(nil, nil, reconcile.Options{}); err != nil || len(p.Actions) != 0 {
		t.Errorf("empty plan: %v, %v", p, err)
	}
}

// TestFingerprintCoversEveryField changes every leaf of a plan's actions and header, one at a
// time, and checks that Verify notices. It guards against a field added to the model but
// forgotten in the canonical form.
func TestFingerprintCoversEveryField(t *testing.T) {
	s, g := school()
	o := quiet()
	o.IncludeUnchanged = true
	base := mustPlan(t, s, g, o)
	mutations := 0
	check := func(path string, apply func(p *reconcile.Plan)) {
		mutations++
		p := clonePlan(t, base)
		apply(p)
		err := p.Verify()
		if path == "Plan.Version" {
			if !errors.Is(err, reconcile.ErrPlanVersion) {
				t.Errorf("changing the version: %v, want ErrPlanVersion", err)
			}
			return
		}
		if !errors.Is(err, reconcile.ErrTampered) {
			t.Errorf("changing %s does not change the fingerprint", path)
		}
	}
	// leaves calls mutate once per leaf below v with its path and a function that changes that
	// leaf in a value of v's type (filling in nil pointers and empty slices on the way).
	var leaves func(path string, typ reflect.Type, mutate func(path string, change func(reflect.Value)))
	leaves = func(path string, typ reflect.Type, mutate func(path string, change func(reflect.Value))) {
		switch {
		case typ == reflect.TypeOf(reconcile.Date{}):
			mutate(path, func(x reflect.Value) { x.Set(reflect.ValueOf(date("1999-12-31"))) })
			return
		case typ == reflect.TypeOf(time.Time{}):
			mutate(path, func(x reflect.Value) { x.Set(reflect.ValueOf(day0.Add(time.Hour))) })
			return
		}
		switch typ.Kind() {
		case reflect.Struct:
			for i := range typ.NumField() {
				if f := typ.Field(i); f.IsExported() {
					leaves(path+"."+f.Name, f.Type, func(p string, change func(reflect.Value)) {
						mutate(p, func(x reflect.Value) { change(x.Field(i)) })
					})
				}
			}
		case reflect.Pointer:
			leaves(path, typ.Elem(), func(p string, change func(reflect.Value)) {
				mutate(p, func(x reflect.Value) {
					if x.IsNil() {
						x.Set(reflect.New(typ.Elem()))
					}
					change(x.Elem())
				})
			})
		case reflect.Slice:
			mutate(path+" (length)", func(x reflect.Value) { x.Set(reflect.Append(x, reflect.New(typ.Elem()).Elem())) })
			leaves(path+"[0]", typ.Elem(), func(p string, change func(reflect.Value)) {
				mutate(p, func(x reflect.Value) {
					if x.Len() == 0 {
						x.Set(reflect.Append(x, reflect.New(typ.Elem()).Elem()))
					}
					change(x.Index(0))
				})
			})
		case reflect.Map:
			mutate(path+" (new key)", func(x reflect.Value) {
				m := reflect.MakeMap(typ)
				for _, k := range x.MapKeys() {
					m.SetMapIndex(k, x.MapIndex(k))
				}
				m.SetMapIndex(reflect.ValueOf("new-key").Convert(typ.Key()), reflect.New(typ.Elem()).Elem())
				x.Set(m)
			})
		case reflect.String:
			mutate(path, func(x reflect.Value) { x.SetString(x.String() + "~") })
		case reflect.Int:
			mutate(path, func(x reflect.Value) { x.SetInt(x.Int() + 1) })
		case reflect.Float64:
			mutate(path, func(x reflect.Value) { x.SetFloat(x.Float() + 0.5) })
		case reflect.Bool:
			mutate(path, func(x reflect.Value) { x.SetBool(!x.Bool()) })
		default:
			t.Errorf("%s: no mutation for %s", path, typ.Kind())
		}
	}
	leaves("Plan", reflect.TypeOf(reconcile.Plan{}), func(path string, change func(reflect.Value)) {
		if path == "Plan.Fingerprint" {
			return
		}
		check(path, func(p *reconcile.Plan) { change(reflect.ValueOf(p).Elem()) })
	})
	if mutations < 100 {
		t.Errorf("only %d mutations tried", mutations)
	}
	t.Logf("%d mutations, each noticed", mutations)
}

func clonePlan(t *testing.T, p *reconcile.Plan) *reconcile.Plan {
	t.Helper()
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var out reconcile.Plan
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return &out
}
