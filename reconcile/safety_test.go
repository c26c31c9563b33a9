package reconcile_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/reconcile/reconciletest"
)

func TestOwnership(t *testing.T) {
	g := &reconcile.Snapshot{Persons: []reconcile.Person{
		tgt("T1", "svs:gone", "Berg", "Eva", "", ""),   // ours, left the source
		tgt("T2", "lms:77", "Lund", "Ida", "", ""),     // another source system's
		tgt("T3", "", "Ek", "Ola", "", ""),             // nobody's
		tgt("T4", "", "Nowak", "Jan", "", ""),          // created by us earlier (target keeps no referrer)
		tgt("T5", "svs:p5", "Sund", "Per", "", ""),     // ours, still in the source
		tgt("T6", "lms:78", "Holm", "Siv", "", "Jena"), // another system's; same person as source p6
	}}
	s := &reconcile.Snapshot{Persons: []reconcile.Person{
		src("p5", "Sund", "Per", "", ""),
		withTargetID(src("p6", "Holm", "Siv", "", "Jena"), "T6"),
	}}
	opts := quiet()
	opts.ReferrerPrefix = "svs:"
	opts.Removals = reconcile.Removals{Enabled: true, GraceDays: 30}
	opts.History.Created = []reconcile.Created{{Kind: reconcile.KindPerson, TargetID: "T4"}}
	p := mustPlan(t, s, g, opts)
	want := []string{
		"person/s=p6/t=T6 update case1 pending",
		"person/t=T1 deactivate",
		"person/t=T2 import case5 pending",
		"person/t=T3 import case5 pending",
		"person/t=T4 deactivate",
	}
	if diff := cmp.Diff(want, summary(p)); diff != "" {
		t.Errorf("actions (-want +got):\n%s", diff)
	}
	// Writes carry the namespaced referrer.
	opts.Decisions = []reconcile.Decision{{ID: "person/s=p6/t=T6", Verdict: reconcile.Approve}}
	p = mustPlan(t, s, g, opts)
	if a := action(t, p, "person/s=p6"); a.Person.After.Keys.Referrer != "svs:p6" {
		t.Errorf("referrer written %q", a.Person.After.Keys.Referrer)
	}
}

func TestRemovalsOffByDefault(t *testing.T) {
	g := &reconcile.Snapshot{Persons: []reconcile.Person{tgt("T1", "gone", "Berg", "Eva", "", "")}}
	p := mustPlan(t, nil, g, reconcile.Options{})
	if diff := cmp.Diff([]string{"person/t=T1 import case4 pending"}, summary(p)); diff != "" {
		t.Errorf("actions (-want +got):\n%s", diff)
	}
}

// TestGracePeriod follows a person who leaves, a person who leaves and comes back, through
// deactivation, the grace period and deletion, with History kept between runs.
func TestGracePeriod(t *testing.T) {
	ctx := context.Background()
	source := &reconcile.Snapshot{Persons: []reconcile.Person{src("p1", "Berg", "Eva", "", ""), src("p2", "Lund", "Ida", "", "")},
		Groups:      []reconcile.Group{{Keys: reconcile.Keys{SourceKey: "g1"}, Name: "7a"}},
		Memberships: []reconcile.Membership{{Person: "p1", Group: "g1"}, {Person: "p2", Group: "g1"}}}
	target := reconciletest.NewTarget(nil)
	var history reconcile.History
	now := day0
	run := func(want ...string) *reconcile.Plan {
		t.Helper()
		opts := quiet()
		opts.Now = now
		opts.History = history
		opts.Removals = reconcile.Removals{Enabled: true, GraceDays: 30}
		p := mustPlan(t, source, target.Snapshot(), opts)
		var got []string
		for _, a := range p.Actions {
			got = append(got, string(a.Kind)+" "+string(a.Op))
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("on %s (-want +got):\n%s", now.Format(time.DateOnly), diff)
		}
		rep, err := reconcile.Apply(ctx, p, target, reconcile.ApplyOptions{Clock: func() time.Time { return now }})
		if err != nil || !rep.OK() {
			t.Fatalf("apply: %v %+v", err, rep)
		}
		history.Update(rep)
		return p
	}
	run("person create", "person create", "group create", "membership create", "membership create")
	if len(history.Created) != 3 {
		t.Fatalf("history after creating: %+v", history)
	}
	source.Persons = source.Persons[:1]
	source.Memberships = source.Memberships[:1]
	now = day0.Add(24 * time.Hour)
	run("person deactivate")
	ida := history.Deactivated[0].TargetID
	if !target.Deactivated(reconcile.KindPerson, ida) {
		t.Fatal("the target did not deactivate")
	}
	now = day0.Add(10 * 24 * time.Hour)
	p := run() // within the grace period nothing happens
	if p.Counts.Unchanged != 4 {
		t.Errorf("during grace: %+v", p.Counts)
	}
	// Eva leaves too and comes back within her grace period: restored, not duplicated.
	source.Persons = nil
	source.Memberships = nil
	run("person deactivate")
	source.Persons = []reconcile.Person{src("p1", "Berg", "Eva", "", "")}
	source.Memberships = []reconcile.Membership{{Person: "p1", Group: "g1"}}
	now = day0.Add(20 * 24 * time.Hour)
	run("person restore")
	// After 30 days Ida is deleted (her membership with her).
	now = day0.Add(31 * 24 * time.Hour)
	run("person delete")
	if len(history.Deactivated) != 0 || len(history.Created) != 2 {
		t.Errorf("history at the end: %+v", history)
	}
	if snap := target.Snapshot(); len(snap.Persons) != 1 || len(snap.Memberships) != 1 {
		t.Errorf("target at the end: %d persons, %d memberships", len(snap.Persons), len(snap.Memberships))
	}
}

func TestHolds(t *testing.T) {
	g := &reconcile.Snapshot{}
	for i := range 20 {
		id := string(rune('a' + i))
		g.Persons = append(g.Persons, tgt("T"+id, "p"+id, "Berg", "Eva", "", ""))
	}
	s := &reconcile.Snapshot{}
	for _, x := range g.Persons[3:] {
		s.Persons = append(s.Persons, src(x.Keys.Referrer, "Berg", "Eva", "", ""))
	}
	s.Persons[0].FamilyName = "Lund" // one update
	removals := reconcile.Removals{Enabled: true, GraceDays: 30}
	tests := []struct {
		name  string
		holds []reconcile.Hold
		want  string // the trip as text, "" when nothing trips
	}{
		{"relative: 15% deactivated exceeds 10%", []reconcile.Hold{{Kind: reconcile.KindPerson, Op: reconcile.OpDeactivate, Percent: 10}},
			"3 person deactivate actions (15.0% of 20 target records) exceed the hold of 10%"},
		{"relative within the limit", []reconcile.Hold{{Kind: reconcile.KindPerson, Op: reconcile.OpDeactivate, Percent: 20}}, ""},
		{"relative under its floor", []reconcile.Hold{{Kind: reconcile.KindPerson, Op: reconcile.OpDeactivate, Percent: 10, Max: 5}}, ""},
		{"absolute", []reconcile.Hold{{Op: reconcile.OpDeactivate, Max: 2}}, "3 record deactivate actions exceed the hold of 2"},
		{"absolute zero: no updates at all", []reconcile.Hold{{Kind: reconcile.KindPerson, Op: reconcile.OpUpdate}}, "1 person update actions exceed the hold of 0"},
		{"defaults do not hold a small school", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := reconcile.Options{Now: day0, Removals: removals, Holds: tt.holds}
			p := mustPlan(t, s, g, opts)
			target := reconciletest.NewTarget(g)
			rep, err := reconcile.Apply(context.Background(), p, target, reconcile.ApplyOptions{})
			if tt.want == "" {
				if err != nil || len(p.Tripped) != 0 {
					t.Fatalf("held: %v", err)
				}
				return
			}
			var held *reconcile.HoldError
			if !errors.As(err, &held) || !errors.Is(err, reconcile.ErrHeld) || rep != nil {
				t.Fatalf("Apply = %v, %v; want a *HoldError", rep, err)
			}
			if len(held.Trips) != 1 || held.Trips[0].String() != tt.want {
				t.Errorf("trips %v, want %q", held.Trips, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say what tripped", err)
			}
			if w := target.Writes(); len(w) != 0 {
				t.Errorf("a held plan wrote %v", w)
			}
		})
	}
}

func TestProtectedIdentity(t *testing.T) {
	hidden := src("p1", "Berg", "Eva", "2010-01-01", "Jena")
	hidden.Protected = true
	s := &reconcile.Snapshot{Persons: []reconcile.Person{hidden},
		Groups:      []reconcile.Group{{Keys: reconcile.Keys{SourceKey: "g1"}, Name: "7a"}},
		Memberships: []reconcile.Membership{{Person: "p1", Group: "g1"}}}

	p := mustPlan(t, s, nil, quiet())
	want := []string{"person/s=p1 skip", "group/s=g1 create case4", "membership/s=p1,g1 skip"}
	if diff := cmp.Diff(want, summary(p)); diff != "" {
		t.Errorf("excluded (-want +got):\n%s", diff)
	}
	if a := action(t, p, "person/s=p1"); a.Person != nil || len(a.Diffs) != 0 {
		t.Error("the plan carries a protected person's data")
	}

	opts := quiet()
	opts.IncludeProtected = true
	p = mustPlan(t, s, nil, opts)
	if a := action(t, p, "person/s=p1"); a.Op != reconcile.OpCreate || !a.Person.After.Protected {
		t.Errorf("opted in: %s", a.Op)
	}

	// A person who became protected is taken out of the target when removals are on.
	g := &reconcile.Snapshot{Persons: []reconcile.Person{tgt("T1", "p1", "Berg", "Eva", "2010-01-01", "Jena")}}
	opts = quiet()
	opts.Removals.Enabled = true
	p = mustPlan(t, s, g, opts)
	if a := action(t, p, "person/s=p1"); a.Op != reconcile.OpDeactivate || !strings.HasPrefix(a.Reason, "protected identity") {
		t.Errorf("became protected, removals on: %s %q", a.Op, a.Reason)
	}
	p = mustPlan(t, s, g, quiet())
	if a := action(t, p, "person/s=p1"); a.Op != reconcile.OpSkip {
		t.Errorf("became protected, removals off: %s", a.Op)
	}

	// A question about a protected person carries none of their data.
	g = &reconcile.Snapshot{Persons: []reconcile.Person{tgt("T1", "", "Berg", "Eva", "2010-01-01", "")}}
	p = mustPlan(t, s, g, quiet())
	if a := action(t, p, "person/s=p1/t=T1"); a.Confirm != reconcile.Pending || a.Person != nil || len(a.Diffs) != 0 {
		t.Errorf("pending question about a protected person: %+v", a)
	}
}
