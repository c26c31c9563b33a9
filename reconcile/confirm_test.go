package reconcile_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/edusync/edusync/reconcile"
)

func TestAnswerDecisions(t *testing.T) {
	s, g := school()
	p := mustPlan(t, s, g, quiet())
	const pair = "person/s=p3/t=T3"
	const imp = "person/t=T5"

	tests := []struct {
		name      string
		policy    reconcile.Policy
		decisions []reconcile.Decision
		want      map[string]string // action ID -> "op confirm"
		missing   []string
	}{
		{
			name:      "approving a case 3 match links and updates",
			decisions: []reconcile.Decision{{ID: pair, Verdict: reconcile.Approve}},
			want:      map[string]string{"person/s=p3": "update approved", imp: "import pending"},
			missing:   []string{pair},
		},
		{
			name:      "rejecting a case 3 match creates the source record and offers the target record",
			decisions: []reconcile.Decision{{ID: pair, Verdict: reconcile.Reject}},
			want:      map[string]string{"person/s=p3": "create ", "person/t=T3": "import pending"},
			missing:   []string{pair},
		},
		{
			name:      "approving an import",
			decisions: []reconcile.Decision{{ID: imp, Verdict: reconcile.Approve}},
			want:      map[string]string{imp: "import approved", pair: "update pending"},
		},
		{
			name:   "policy: reject all imports, also those uncovered by other answers",
			policy: reconcile.RejectAll(reconcile.OpImport),
			decisions: []reconcile.Decision{
				{ID: pair, Verdict: reconcile.Reject},
			},
			want: map[string]string{imp: "import rejected", "person/t=T3": "import rejected", "person/s=p3": "create "},
		},
		{
			name:   "policy: approve case 3",
			policy: reconcile.Policies(reconcile.ApproveCase(reconcile.KindPerson, 3), reconcile.RejectAll(reconcile.OpImport)),
			want:   map[string]string{"person/s=p3": "update approved", imp: "import rejected"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next, err := p.Answer(tt.policy, tt.decisions...)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, a := range next.Actions {
				if _, ok := tt.want[a.ID]; ok {
					got[a.ID] = string(a.Op) + " " + string(a.Confirm)
				}
				for _, id := range tt.missing {
					if a.ID == id {
						t.Errorf("%s still in the plan", id)
					}
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("answered actions (-want +got):\n%s", diff)
			}
			// The answered plan is what planning with the kept decisions gives.
			o := quiet()
			o.Decisions = next.Decisions
			again := mustPlan(t, s, g, o)
			if again.Fingerprint != next.Fingerprint {
				t.Errorf("re-planning with the plan's decisions differs:\n%s", cmp.Diff(summary(next), summary(again)))
			}
			// Answering is deterministic.
			twice, err := p.Answer(tt.policy, tt.decisions...)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(next, twice, cmpopts.IgnoreUnexported(reconcile.Plan{}, reconcile.Date{})); diff != "" {
				t.Errorf("second answer differs (-first +second):\n%s", diff)
			}
		})
	}
}

func TestAnswerCounts(t *testing.T) {
	s, g := school()
	p := mustPlan(t, s, g, quiet())
	next, err := p.Answer(reconcile.RejectAll(reconcile.OpImport), reconcile.Decision{ID: "person/s=p3/t=T3", Verdict: reconcile.Approve})
	if err != nil {
		t.Fatal(err)
	}
	if next.Counts.Pending != 0 || next.Counts.Skipped != 1 || next.Counts.Updated != p.Counts.Updated+1 {
		t.Errorf("counts after answering %+v (before %+v)", next.Counts, p.Counts)
	}
	// The approved person's membership is planned now.
	s.Memberships = append(s.Memberships, reconcile.Membership{Person: "p3", Group: "g1"})
	p = mustPlan(t, s, g, quiet())
	if a := action(t, p, "membership/s=p3,g1"); a.Op != reconcile.OpSkip {
		t.Fatalf("membership of a pending person is %s", a.Op)
	}
	next, err = p.Answer(nil, reconcile.Decision{ID: "person/s=p3/t=T3", Verdict: reconcile.Approve})
	if err != nil {
		t.Fatal(err)
	}
	if a := action(t, next, "membership/s=p3,g1"); a.Op != reconcile.OpCreate || a.Membership.After.Person != "T3" {
		t.Errorf("membership after approval: %s %+v", a.Op, a.Membership)
	}
}

func TestAnswerKeyConflict(t *testing.T) {
	s := &reconcile.Snapshot{Persons: []reconcile.Person{withTargetID(src("s1", "Berg", "Eva", "", ""), "t1")}}
	g := &reconcile.Snapshot{Persons: []reconcile.Person{tgt("t1", "", "Berg", "Eva", "", ""), tgt("t2", "s1", "Berg", "Eva", "", "")}}
	p := mustPlan(t, s, g, quiet())
	next, err := p.Answer(nil, reconcile.Decision{ID: "person/s=s1/t=t1", Verdict: reconcile.Approve})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"person/s=s1 update case1 approved", "person/t=t2 import case4 pending"}
	if diff := cmp.Diff(want, summary(next)); diff != "" {
		t.Errorf("actions (-want +got):\n%s", diff)
	}
	// Two approvals for one record contradict each other: nothing is taken.
	both, err := p.Answer(nil,
		reconcile.Decision{ID: "person/s=s1/t=t1", Verdict: reconcile.Approve},
		reconcile.Decision{ID: "person/s=s1/t=t2", Verdict: reconcile.Approve})
	if err != nil {
		t.Fatal(err)
	}
	if both.Counts.Pending != 2 {
		t.Errorf("contradicting approvals: %v", summary(both))
	}
}

func TestAnswerErrors(t *testing.T) {
	s, g := school()
	p := mustPlan(t, s, g, quiet())
	if _, err := p.Answer(nil, reconcile.Decision{ID: "person/s=p1", Verdict: reconcile.Approve}); err == nil {
		t.Error("answering an action that is not pending succeeded")
	}
	if _, err := p.Answer(nil, reconcile.Decision{ID: "person/t=T5", Verdict: reconcile.Undecided}); err == nil {
		t.Error("an undecided answer was accepted")
	}
	if len(p.Pending()) != 2 {
		t.Errorf("Pending() = %d actions", len(p.Pending()))
	}
}
