package sds_test

import (
	"context"
	"errors"
	"testing"

	"github.com/edusync/edusync/fileset"
	"github.com/edusync/edusync/fileset/filesettest"
	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/reconcile/reconciletest"
	"github.com/edusync/edusync/sds"
)

func school() *reconcile.Snapshot { return filesettest.School() }

func TestTargetSuite(t *testing.T) {
	reconciletest.TargetSuite(t, func(t *testing.T) *reconciletest.Fixture {
		target, err := sds.New(t.TempDir(), sds.Options{UsernameTemplate: "{given}.{family}@exempelby.se"})
		if err != nil {
			t.Fatal(err)
		}
		return &reconciletest.Fixture{Target: target, Source: school(), Equivalent: func(s *reconcile.Snapshot) {
			// SS 12000's terms in other cases, SDS's own terms, and a name with a line break.
			s.Organisations[1].Type = "SKOLENHET"
			s.Persons[0].Contexts[0].Role = "student"
			s.Persons[1].GivenNames = " Noah\n"
			s.Memberships[3].Role = "lärare"
			s.Memberships[4].Role = "teacher"
		}}
	})
}

// A first run that ends halfway leaves no set and nothing in memory: the next run creates
// everything again.
func TestAbortedFirstRunLeavesNothing(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	target, err := sds.New(t.TempDir(), sds.Options{UsernameTemplate: "{given}.{family}@exempelby.se"})
	if err != nil {
		t.Fatal(err)
	}
	plan := func() *reconcile.Plan {
		tgt, err := reconcile.Load(context.Background(), target)
		if err != nil {
			t.Fatal(err)
		}
		p, err := reconcile.NewPlan(school(), tgt, reconcile.Options{Holds: []reconcile.Hold{}})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	first := plan()
	events := 0
	stop := reconcile.AuditFunc(func(context.Context, reconcile.AuditEvent) {
		if events++; events == 5 {
			cancel()
		}
	})
	if _, err := reconcile.Apply(ctx, first, target, reconcile.ApplyOptions{Audit: stop}); !errors.Is(err, reconcile.ErrRolledBack) {
		t.Fatalf("a first run canceled halfway: %v, want ErrRolledBack", err)
	}
	if _, _, ok, _ := target.Dir().Current(); ok {
		t.Error("the aborted first run left a set")
	}
	again := plan()
	if again.Counts != first.Counts {
		t.Errorf("after the aborted run the plan counts %+v, want the first plan's %+v", again.Counts, first.Counts)
	}
	if rep, err := reconcile.Apply(context.Background(), again, target, reconcile.ApplyOptions{}); err != nil || !rep.OK() {
		t.Fatalf("the run after the aborted one: %v", err)
	}
	if n := plan().Counts.Changes(); n != 0 {
		t.Errorf("a rerun plans %d changes", n)
	}
}

// A batch of memberships is checked member by member: one whose person or group the set does
// not hold is refused, whatever came before it in the batch.
func TestApplyBatchRefusesMembershipsOfUnknownRecords(t *testing.T) {
	ctx := context.Background()
	target, err := sds.New(t.TempDir(), sds.Options{UsernameTemplate: "{given}.{family}@exempelby.se"})
	if err != nil {
		t.Fatal(err)
	}
	if err := target.Begin(ctx); err != nil {
		t.Fatal(err)
	}
	defer target.Abort(ctx)
	create := func(kind reconcile.Kind, key string, a reconcile.Action) reconcile.Action {
		a.ID, a.Kind, a.Op, a.SourceKey = string(kind)+"/s="+key, kind, reconcile.OpCreate, key
		return a
	}
	records := []reconcile.Action{
		create(reconcile.KindOrganisation, "o1", reconcile.Action{Organisation: &reconcile.Change[reconcile.Organisation]{
			After: &reconcile.Organisation{Keys: reconcile.Keys{Referrer: "o1"}, Name: "Skolan", Type: "school"}}}),
		create(reconcile.KindPerson, "p1", reconcile.Action{Person: &reconcile.Change[reconcile.Person]{
			After: &reconcile.Person{Keys: reconcile.Keys{Referrer: "p1"}, GivenNames: "Ida", FamilyName: "Berg"}}}),
		create(reconcile.KindGroup, "g1", reconcile.Action{Group: &reconcile.Change[reconcile.Group]{
			After: &reconcile.Group{Keys: reconcile.Keys{Referrer: "g1"}, Name: "7a", Organisation: "o1"}}}),
	}
	for _, a := range records {
		if _, err := target.Apply(ctx, a); err != nil {
			t.Fatalf("%s: %v", a.ID, err)
		}
	}
	member := func(person, group string) reconcile.Action {
		return create(reconcile.KindMembership, person+","+group, reconcile.Action{Membership: &reconcile.Change[reconcile.Membership]{
			After: &reconcile.Membership{Person: person, Group: group, Role: "student"}}})
	}
	batch := []reconcile.Action{member("p1", "g1"), member("p2", "g1"), member("", "g1"), member("p1", "g2"), member("p1", "")}
	written, errs := make([]reconcile.Written, len(batch)), make([]error, len(batch))
	target.ApplyBatch(ctx, batch, written, errs)
	if errs[0] != nil {
		t.Errorf("the membership of records the set holds: %v", errs[0])
	}
	for i, err := range errs[1:] {
		if !errors.Is(err, fileset.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", batch[i+1].ID, err)
		}
	}
	target.ApplyBatch(ctx, batch[2:3], written, errs) // an empty id first in its batch
	if !errors.Is(errs[0], fileset.ErrInvalid) {
		t.Errorf("a membership of no person, first in its batch: %v, want ErrInvalid", errs[0])
	}
}
