package ss12000test_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"testing"

	"github.com/edusync/edusync/ss12000"
	"github.com/edusync/edusync/ss12000/ss12000test"
	"github.com/edusync/edusync/synth"
)

func schoolPopulation(t testing.TB, mutate func(*synth.Options)) *synth.Population {
	t.Helper()
	o, err := synth.PresetOptions(synth.PresetSchool)
	if err != nil {
		t.Fatal(err)
	}
	o.Seed = 7
	if mutate != nil {
		mutate(&o)
	}
	pop, err := synth.Generate(o)
	if err != nil {
		t.Fatal(err)
	}
	return pop
}

// A synth school loaded into the fake reads back through the client with every person,
// group and duty, references that resolve, the protected persons marked, and valid civic
// numbers.
func TestFromPopulationThroughTheClient(t *testing.T) {
	pop := schoolPopulation(t, func(o *synth.Options) { o.ProtectedShare = 0.05 })
	ds := ss12000test.FromPopulation(pop)
	srv := ss12000test.NewServer(ss12000test.WithDataset(ds))
	defer srv.Close()
	c, err := ss12000.New(srv.URL(), ss12000.WithBearerToken(srv.Token()))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	persons := map[string]ss12000.PersonExpanded{}
	protected := 0
	for p, err := range c.ListPersons(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		persons[p.ID] = p
		if ss12000.IsProtected(p.SecurityMarking) {
			protected++
		}
		if p.CivicNo.Value != "" && !synth.ValidPersonnummer(p.CivicNo.Value) {
			t.Errorf("person %s: invalid civic number", p.ID)
		}
		if p.SecurityMarking == ss12000.SecurityMarkingSkyddadFolkbokforing && len(p.Addresses) > 0 {
			t.Errorf("person %s with Skyddad folkbokföring has an address", p.ID)
		}
	}
	if len(persons) != len(pop.Persons) {
		t.Errorf("read %d persons, the population has %d", len(persons), len(pop.Persons))
	}
	want := 0
	for i := range pop.Persons {
		if pop.Persons[i].Security.IsProtected() {
			want++
		}
	}
	if want == 0 || protected != want {
		t.Errorf("%d protected persons read, the population has %d", protected, want)
	}

	orgs := map[string]bool{}
	for o, err := range c.ListOrganisations(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		orgs[o.ID] = true
	}
	members := 0
	groups := 0
	for g, err := range c.ListGroups(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		groups++
		if !orgs[g.Organisation.ID] {
			t.Errorf("group %s: organisation %s not listed", g.ID, g.Organisation.ID)
		}
		for _, m := range g.GroupMemberships {
			members++
			p, ok := persons[m.Person.ID]
			if !ok {
				t.Fatalf("group %s: member %s is not a person", g.ID, m.Person.ID)
			}
			if m.Person.SecurityMarking != p.SecurityMarking {
				t.Errorf("group %s: reference to %s carries marking %q, the person %q", g.ID, p.ID, m.Person.SecurityMarking, p.SecurityMarking)
			}
		}
	}
	if groups != len(pop.Groups) {
		t.Errorf("read %d groups, the population has %d", groups, len(pop.Groups))
	}
	if members == 0 {
		t.Error("no group memberships")
	}
	duties := 0
	for d, err := range c.ListDuties(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		duties++
		if _, ok := persons[d.Person.ID]; !ok || !orgs[d.DutyAt.ID] {
			t.Errorf("duty %s: dangling person or organisation", d.ID)
		}
	}
	if duties != len(pop.Duties) {
		t.Errorf("read %d duties, the population has %d", duties, len(pop.Duties))
	}
	for p, err := range c.ListPlacements(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := persons[p.Child.ID]; !ok {
			t.Errorf("placement %s: child %s is not a person", p.ID, p.Child.ID)
		}
	}
	// Every guardian reference resolves, and every student of the population has its guardians.
	for _, p := range persons {
		for _, r := range p.Responsibles {
			if _, ok := persons[r.Person.ID]; !ok {
				t.Errorf("person %s: responsible %s is not a person", p.ID, r.Person.ID)
			}
		}
	}
	if len(pop.Guardianships) == 0 {
		t.Fatal("the population has no guardianships")
	}
	g := pop.Guardianships[0]
	found := false
	for _, r := range persons[g.Student.String()].Responsibles {
		found = found || r.Person.ID == g.Guardian.String()
	}
	if !found {
		t.Errorf("student %s lacks guardian %s", g.Student, g.Guardian)
	}
}

// The same population gives the same dataset, byte for byte.
func TestFromPopulationDeterministic(t *testing.T) {
	hash := func() [32]byte {
		b, err := json.Marshal(ss12000test.FromPopulation(schoolPopulation(t, nil)))
		if err != nil {
			t.Fatal(err)
		}
		return sha256.Sum256(b)
	}
	if first, second := hash(), hash(); first != second {
		t.Fatal("two conversions of the same population differ")
	}
}

// University records are not part of a school's SS 12000 service.
func TestFromPopulationLeavesOutUniversities(t *testing.T) {
	o, err := synth.PresetOptions(synth.PresetUniversity)
	if err != nil {
		t.Fatal(err)
	}
	o.UniversityStudents, o.UniversityStaff, o.Departments, o.CourseOfferings, o.Programmes, o.ProgrammeOfferings, o.Registrations = 50, 5, 2, 10, 1, 1, 80
	pop, err := synth.Generate(o)
	if err != nil {
		t.Fatal(err)
	}
	ds := ss12000test.FromPopulation(pop)
	if len(ds.Persons) != 0 || len(ds.Organisations) != 0 {
		t.Fatalf("a university population gave %d persons and %d organisations", len(ds.Persons), len(ds.Organisations))
	}
}
