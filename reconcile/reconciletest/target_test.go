package reconciletest_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/reconcile/reconciletest"
)

func TestTargetSemantics(t *testing.T) {
	ctx := context.Background()
	target := reconciletest.NewTarget(&reconcile.Snapshot{
		Persons: []reconcile.Person{{Keys: reconcile.Keys{TargetID: "P1"}, FamilyName: "Berg"}},
		Groups:  []reconcile.Group{{Keys: reconcile.Keys{TargetID: "G1"}, Name: "7a"}},
		Memberships: []reconcile.Membership{
			{Person: "P1", Group: "G1"},
		},
	})
	snap := target.Snapshot()
	if snap.Persons[0].Revision != "1" || snap.Memberships[0].ID == "" {
		t.Fatalf("loaded records lack revision or id: %+v", snap)
	}
	update := func(rev string) error {
		_, err := target.Apply(ctx, reconcile.Action{ID: "u", Kind: reconcile.KindPerson, Op: reconcile.OpUpdate, TargetID: "P1", Revision: rev,
			Person: &reconcile.Change[reconcile.Person]{After: &reconcile.Person{FamilyName: "Lund"}}})
		return err
	}
	tests := []struct {
		name  string
		do    func() error
		stale bool
	}{
		{"update on the current revision", func() error { return update("1") }, false},
		{"update on an old revision", func() error { return update("1") }, true},
		{"update of a missing record", func() error {
			_, err := target.Apply(ctx, reconcile.Action{Kind: reconcile.KindPerson, Op: reconcile.OpUpdate, TargetID: "P9",
				Person: &reconcile.Change[reconcile.Person]{After: &reconcile.Person{}}})
			return err
		}, true},
		{"deactivate", func() error {
			_, err := target.Apply(ctx, reconcile.Action{Kind: reconcile.KindPerson, Op: reconcile.OpDeactivate, TargetID: "P1", Revision: "2"})
			return err
		}, false},
	}
	for _, tt := range tests {
		err := tt.do()
		if stale := errors.Is(err, reconcile.ErrStale); stale != tt.stale {
			t.Errorf("%s: err %v, stale %v, want %v", tt.name, err, stale, tt.stale)
		}
	}
	if !target.Deactivated(reconcile.KindPerson, "P1") {
		t.Error("P1 not deactivated")
	}
	// Deleting the person takes its memberships with it.
	if _, err := target.Apply(ctx, reconcile.Action{Kind: reconcile.KindPerson, Op: reconcile.OpDelete, TargetID: "P1"}); err != nil {
		t.Fatal(err)
	}
	snap = target.Snapshot()
	if len(snap.Persons) != 0 || len(snap.Memberships) != 0 {
		t.Errorf("after delete: %+v", snap)
	}
	want := []reconciletest.Write{
		{Kind: reconcile.KindPerson, Op: reconcile.OpUpdate, TargetID: "P1"},
		{Kind: reconcile.KindPerson, Op: reconcile.OpDeactivate, TargetID: "P1"},
		{Kind: reconcile.KindPerson, Op: reconcile.OpDelete, TargetID: "P1"},
	}
	if diff := cmp.Diff(want, target.Writes()); diff != "" {
		t.Errorf("writes (-want +got):\n%s", diff)
	}
	target.ResetWrites()
	if len(target.Writes()) != 0 {
		t.Error("ResetWrites kept writes")
	}
}

func TestTargetRefusesWhatTargetsCannotDo(t *testing.T) {
	ctx := context.Background()
	target := reconciletest.NewTarget(nil)
	for _, a := range []reconcile.Action{
		{Kind: reconcile.KindPerson, Op: reconcile.OpCreate}, // no record
		{Kind: reconcile.KindMembership, Op: reconcile.OpCreate, Membership: &reconcile.Change[reconcile.Membership]{After: &reconcile.Membership{Person: "x", Group: "y"}}},
		{Kind: "course", Op: reconcile.OpCreate},
	} {
		if _, err := target.Apply(ctx, a); err == nil {
			t.Errorf("%s %s succeeded", a.Kind, a.Op)
		}
	}
	target.FailOn("boom", errors.New("injected"))
	if _, err := target.Apply(ctx, reconcile.Action{ID: "boom", Kind: reconcile.KindPerson, Op: reconcile.OpCreate,
		Person: &reconcile.Change[reconcile.Person]{After: &reconcile.Person{}}}); err == nil || err.Error() != "injected" {
		t.Errorf("FailOn: %v", err)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := target.Apply(canceled, reconcile.Action{}); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled context: %v", err)
	}
	if len(target.Writes()) != 0 {
		t.Errorf("refused actions were logged: %v", target.Writes())
	}
}
