package reconciletest_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/reconcile/reconciletest"
)

// Plan a source against the in-memory target, apply, and look at what was written.
func ExampleTarget() {
	target := reconciletest.NewTarget(&reconcile.Snapshot{Persons: []reconcile.Person{
		{Keys: reconcile.Keys{TargetID: "t-1", Referrer: "S-1"}, FamilyName: "Berg", GivenNames: "Eva"},
	}})
	source := &reconcile.Snapshot{Persons: []reconcile.Person{
		{Keys: reconcile.Keys{SourceKey: "S-1"}, FamilyName: "Berg", GivenNames: "Eva Maria"},
		{Keys: reconcile.Keys{SourceKey: "S-2"}, FamilyName: "Lund", GivenNames: "Ida"},
	}}
	plan, err := reconcile.NewPlan(source, target.Snapshot(), reconcile.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := reconcile.Apply(context.Background(), plan, target, reconcile.ApplyOptions{}); err != nil {
		fmt.Println(err)
		return
	}
	for _, w := range target.Writes() {
		fmt.Println(w.Kind, w.Op, w.TargetID)
	}
	for _, p := range target.Snapshot().Persons {
		fmt.Println(p.Keys.TargetID, p.Keys.Referrer, p.Revision, p.GivenNames)
	}
	// Output:
	// person update t-1
	// person create p-000001
	// p-000001 S-2 1 Ida
	// t-1 S-1 2 Eva Maria
}

// A target that changes all at once: a failed run leaves the previous state.
func ExampleNewAtomicTarget() {
	target := reconciletest.NewAtomicTarget(nil)
	source := &reconcile.Snapshot{Persons: []reconcile.Person{
		{Keys: reconcile.Keys{SourceKey: "S-1"}, FamilyName: "Berg", GivenNames: "Eva"},
		{Keys: reconcile.Keys{SourceKey: "S-2"}, FamilyName: "Lund", GivenNames: "Ida"},
	}}
	plan, _ := reconcile.NewPlan(source, target.Snapshot(), reconcile.Options{})
	target.FailOn("person/s=S-2", errors.New("disk full"))
	report, err := reconcile.Apply(context.Background(), plan, target, reconcile.ApplyOptions{})
	fmt.Println(errors.Is(err, reconcile.ErrRolledBack), report.RolledBack, report.Failed, len(target.Snapshot().Persons))
	// Output: true 1 1 0
}
