package schulconnextest_test

import (
	"context"
	"testing"
	"time"

	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/schulconnex"
	"github.com/edusync/edusync/schulconnex/schulconnexsync"
	"github.com/edusync/edusync/schulconnex/schulconnextest"
	"github.com/edusync/edusync/synth"
)

func germanSchool(t testing.TB) *synth.Population {
	t.Helper()
	o, err := synth.PresetOptions(synth.PresetSchool)
	if err != nil {
		t.Fatal(err)
	}
	o.Country = synth.Germany
	pop, err := synth.Generate(o)
	if err != nil {
		t.Fatal(err)
	}
	return pop
}

func TestLoadedPopulationIsInStep(t *testing.T) {
	pop := germanSchool(t)
	s := schulconnextest.NewServer()
	defer s.Close()
	if _, err := s.LoadPopulation(pop, schulconnextest.LoadOptions{Default: true, VendorExtensions: true}); err != nil {
		t.Fatal(err)
	}
	c, err := s.Client(schulconnex.WithoutRetry())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	target := schulconnexsync.NewTarget(c, schulconnexsync.TargetOptions{})
	tgt, err := reconcile.Load(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	src, err := schulconnextest.SourceSnapshot(pop, schulconnextest.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := reconcile.NewPlan(src, tgt, reconcile.Options{Now: time.Now(), IncludeProtected: true,
		Removals: reconcile.Removals{Enabled: true, GraceDays: 30}})
	if err != nil {
		t.Fatal(err)
	}
	if plan.Counts.Changes() != 0 {
		for i, a := range plan.Actions {
			if i > 10 {
				break
			}
			t.Logf("%s %s %s %v", a.ID, a.Op, a.Reason, a.Diffs)
		}
		t.Fatalf("plan has changes: %+v", plan.Counts)
	}
	t.Logf("%d persons, %d groups, %d memberships in step", len(tgt.Persons), len(tgt.Groups), len(tgt.Memberships))
}

func TestLoadSelectedUnits(t *testing.T) {
	o, _ := synth.PresetOptions(synth.PresetSchool)
	o.Country, o.SchoolUnits, o.Students, o.Staff, o.Guardians, o.Groups = synth.Germany, 4, 600, 60, 600, 80
	pop, err := synth.Generate(o)
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for u := range pop.SchoolUnits() {
		codes = append(codes, u.Code)
	}
	s := schulconnextest.NewServer()
	defer s.Close()
	ld, err := s.LoadPopulation(pop, schulconnextest.LoadOptions{Units: codes[1:2]})
	if err != nil {
		t.Fatal(err)
	}
	if len(ld.Organisations) != 1 || ld.Organisations[codes[1]] == "" {
		t.Fatalf("organisations %v", ld.Organisations)
	}
	if _, err := s.LoadPopulation(pop, schulconnextest.LoadOptions{Units: []string{"nope"}}); err == nil {
		t.Fatal("unknown unit accepted")
	}
}
