package reconcile_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/reconcile/reconciletest"
)

// batching is an all-at-once target that takes actions in batches; it records the batches and
// checks that the records of a batch are not changed under it while it works.
type batching struct {
	*reconciletest.AtomicTarget
	batches [][]string // the action IDs of each batch
	single  []string   // actions that came through Apply
}

func (b *batching) Apply(ctx context.Context, a reconcile.Action) (reconcile.Written, error) {
	b.single = append(b.single, a.ID)
	return b.AtomicTarget.Apply(ctx, a)
}

func (b *batching) ApplyBatch(ctx context.Context, actions []reconcile.Action, written []reconcile.Written, errs []error) {
	if len(written) != len(actions) || len(errs) != len(actions) {
		panic("ApplyBatch got results of another length than its actions")
	}
	ids := make([]string, len(actions))
	for i := range actions {
		ids[i] = actions[i].ID
		written[i], errs[i] = b.AtomicTarget.Apply(ctx, actions[i])
	}
	b.batches = append(b.batches, ids)
}

// classOf returns a school of n pupils in one class, each with a guardian (a person whose
// creation the pupil's relation waits for).
func classOf(n int) *reconcile.Snapshot {
	s := &reconcile.Snapshot{
		Organisations: []reconcile.Organisation{{Keys: reconcile.Keys{SourceKey: "o1"}, Name: "Skolan", Type: "Skola"}},
		Groups:        []reconcile.Group{{Keys: reconcile.Keys{SourceKey: "g1"}, Name: "7a", Type: "Klass", Organisation: "o1"}},
	}
	for i := range n {
		pupil, guardian := fmt.Sprintf("p%04d", i), fmt.Sprintf("v%04d", i)
		s.Persons = append(s.Persons,
			reconcile.Person{Keys: reconcile.Keys{SourceKey: pupil}, FamilyName: "Berg", GivenNames: fmt.Sprintf("Elev %d", i),
				Contexts: []reconcile.Context{{Organisation: "o1", Role: "Elev"}}, Relations: []reconcile.Relation{{Person: guardian, Role: "Vårdnadshavare"}}},
			reconcile.Person{Keys: reconcile.Keys{SourceKey: guardian}, FamilyName: "Berg", GivenNames: fmt.Sprintf("Förälder %d", i)})
		s.Memberships = append(s.Memberships, reconcile.Membership{Person: pupil, Group: "g1", Role: "Elev"})
	}
	return s
}

// planAgainst plans src against what target holds, without holds.
func planAgainst(t *testing.T, src *reconcile.Snapshot, target reconcile.Target) *reconcile.Plan {
	t.Helper()
	tgt, err := reconcile.Load(context.Background(), target)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := reconcile.NewPlan(src, tgt, reconcile.Options{Holds: []reconcile.Hold{}})
	if err != nil {
		t.Fatal(err)
	}
	return plan
}

// applyBoth applies src to an empty plain target and an empty batching one, checks that both
// runs report and leave the same, and returns the batching target.
func applyBoth(t *testing.T, src *reconcile.Snapshot) *batching {
	t.Helper()
	ctx := context.Background()
	plain := reconciletest.NewAtomicTarget(&reconcile.Snapshot{})
	batched := &batching{AtomicTarget: reconciletest.NewAtomicTarget(&reconcile.Snapshot{})}
	var reports [2]*reconcile.Report
	for n, target := range []reconcile.Target{plain, batched} {
		var err error
		if reports[n], err = reconcile.Apply(ctx, planAgainst(t, src, target), target, reconcile.ApplyOptions{}); err != nil || !reports[n].OK() {
			t.Fatalf("Apply: %v, %+v", err, reports[n].Counts)
		}
	}
	ignore := cmpopts.IgnoreFields(reconcile.Result{}, "At")
	if diff := cmp.Diff(reports[0], reports[1], ignore, cmpopts.IgnoreUnexported(reconcile.Date{})); diff != "" {
		t.Errorf("the reports of the batched and the plain run differ (-plain +batched):\n%s", diff)
	}
	if diff := cmp.Diff(plain.Snapshot(), batched.Snapshot(), cmpopts.IgnoreUnexported(reconcile.Date{})); diff != "" {
		t.Errorf("the targets differ after the batched and the plain run (-plain +batched):\n%s", diff)
	}
	if len(batched.single) != 0 {
		t.Errorf("%d actions came one by one through Apply, want every one in a batch: %v", len(batched.single), batched.single)
	}
	return batched
}

// batchOf returns the index of the batch each action came in.
func (b *batching) batchOf() map[string]int {
	out := map[string]int{}
	for n, ids := range b.batches {
		for _, id := range ids {
			out[id] = n
		}
	}
	return out
}

func TestApplyHandsABatchTargetBatches(t *testing.T) {
	batched := applyBoth(t, classOf(700)) // more memberships than one batch holds
	members := 0
	for _, b := range batched.batches {
		if len(b) > 512 {
			t.Errorf("a batch of %d actions; batches hold at most 512", len(b))
		}
		for _, id := range b {
			if id[:len("membership")] == "membership" {
				members++
			}
		}
	}
	if members != 700 || len(batched.batches) < 2 {
		t.Errorf("%d memberships came in %d batches, want all 700 in at least 2", members, len(batched.batches))
	}
	// The pupils' relations need their guardians, created in the same run: a pupil comes in a
	// batch after its guardian's.
	in := batched.batchOf()
	for i := range 700 {
		pupil, guardian := fmt.Sprintf("person/s=p%04d", i), fmt.Sprintf("person/s=v%04d", i)
		if in[pupil] <= in[guardian] {
			t.Fatalf("%s came in batch %d, its guardian %s in batch %d", pupil, in[pupil], guardian, in[guardian])
		}
	}
}

func TestApplyEndsABatchBeforeAnActionNeedingItsCreates(t *testing.T) {
	// a waits for z and b for a, persons the same run creates: each comes after the batch that
	// creates what it needs; c and z need nothing and share a batch.
	src := &reconcile.Snapshot{Persons: []reconcile.Person{
		{Keys: reconcile.Keys{SourceKey: "a"}, FamilyName: "Ek", GivenNames: "Alva", Relations: []reconcile.Relation{{Person: "z", Role: "Vårdnadshavare"}}},
		{Keys: reconcile.Keys{SourceKey: "b"}, FamilyName: "Ek", GivenNames: "Bo", Relations: []reconcile.Relation{{Person: "a", Role: "Vårdnadshavare"}}},
		{Keys: reconcile.Keys{SourceKey: "c"}, FamilyName: "Ek", GivenNames: "Cecilia"},
		{Keys: reconcile.Keys{SourceKey: "z"}, FamilyName: "Ek", GivenNames: "Zara"},
	}}
	in := applyBoth(t, src).batchOf()
	a, b, c, z := in["person/s=a"], in["person/s=b"], in["person/s=c"], in["person/s=z"]
	if !(c == z && z < a && a < b) {
		t.Errorf("batches a %d, b %d, c %d, z %d; want c and z together, then a, then b", a, b, c, z)
	}
}

func TestApplyBatchFailuresStayWithTheirAction(t *testing.T) {
	ctx := context.Background()
	src := classOf(20)
	target := &batching{AtomicTarget: reconciletest.NewAtomicTarget(&reconcile.Snapshot{})}
	target.FailOn("membership/s=p0007,g1", errors.New("disk full"))
	plan := planAgainst(t, src, target)
	rep, err := reconcile.Apply(ctx, plan, target, reconcile.ApplyOptions{})
	if !errors.Is(err, reconcile.ErrRolledBack) {
		t.Fatalf("Apply: %v, want the run rolled back", err)
	}
	if rep.Failed != 1 || rep.RolledBack != len(plan.Actions)-1 {
		t.Errorf("failed %d, rolled back %d of %d actions; want only the one the target refused failed", rep.Failed, rep.RolledBack, len(plan.Actions))
	}
	for _, res := range rep.Results {
		if (res.Status == reconcile.StatusFailed) != (res.ID == "membership/s=p0007,g1") {
			t.Errorf("%s: %s", res.ID, res.Status)
		}
	}
}
