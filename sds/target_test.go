package sds_test

import (
	"context"
	"errors"
	"testing"

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
