package reconcile_test

import (
	"context"
	"errors"
	"iter"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/reconcile/reconciletest"
)

// run plans src against target, applies the plan and folds the report into h.
func run(t *testing.T, src *reconcile.Snapshot, target reconcile.Target, opts reconcile.Options, h *reconcile.History) (*reconcile.Plan, *reconcile.Report) {
	t.Helper()
	tgt, err := reconcile.Load(context.Background(), target)
	if err != nil {
		t.Fatal(err)
	}
	opts.History = *h
	p := mustPlan(t, src, tgt, opts)
	rep, err := reconcile.Apply(context.Background(), p, target, reconcile.ApplyOptions{})
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	h.Update(rep)
	return p, rep
}

// personsOnly keeps persons with names and e-mail addresses, nothing else.
func personsOnly() reconcile.Capabilities {
	return reconcile.Capabilities{Persons: &reconcile.Stored{Fields: []string{reconcile.FieldFamilyName, reconcile.FieldGivenNames, reconcile.FieldEmails}}}
}

func TestCapabilitiesValidate(t *testing.T) {
	norm := func(reconcile.Kind, string, string) string { return "" }
	tests := []struct {
		name string
		caps reconcile.Capabilities
		want string // "" for valid
	}{
		{"everything", reconcile.Everything(), ""},
		{"persons only", personsOnly(), ""},
		{"nothing", reconcile.Capabilities{Referrers: true}, "no kind"},
		{"unknown field", reconcile.Capabilities{Persons: &reconcile.Stored{Fields: []string{"shoeSize"}}}, `unknown field "shoeSize"`},
		{"referrer as a field", reconcile.Capabilities{Groups: &reconcile.Stored{Fields: []string{reconcile.FieldReferrer}}}, "Capabilities.Referrers"},
		{"field of another kind", reconcile.Capabilities{Groups: &reconcile.Stored{Fields: []string{reconcile.FieldFamilyName}}}, "unknown field"},
		{"memberships alone", reconcile.Capabilities{Memberships: &reconcile.Stored{}}, "need persons and groups"},
		{"normaliser without id", reconcile.Capabilities{Persons: &reconcile.Stored{}, Normalise: norm}, "go together"},
		{"membership attributes", reconcile.Capabilities{Persons: &reconcile.Stored{}, Groups: &reconcile.Stored{},
			Memberships: &reconcile.Stored{Attributes: []string{"x"}}}, "no attributes"},
	}
	for _, tt := range tests {
		err := tt.caps.Validate()
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, reconcile.ErrCapabilities)):
			t.Errorf("%s: %v, want an ErrCapabilities naming %q", tt.name, err, tt.want)
		}
	}
}

// declaring is a target whose declaration does not match its methods.
type declaring struct {
	*reconciletest.Target
	caps reconcile.Capabilities
}

func (d declaring) Capabilities() reconcile.Capabilities { return d.caps }

// noOrganisations hides the in-memory target's Organisations method.
type noOrganisations struct{ t *reconciletest.Target }

func (n noOrganisations) Persons(ctx context.Context) iter.Seq2[reconcile.Person, error] {
	return n.t.Persons(ctx)
}
func (n noOrganisations) Groups(ctx context.Context) iter.Seq2[reconcile.Group, error] {
	return n.t.Groups(ctx)
}
func (n noOrganisations) Memberships(ctx context.Context) iter.Seq2[reconcile.Membership, error] {
	return n.t.Memberships(ctx)
}
func (n noOrganisations) Capabilities() reconcile.Capabilities { return reconcile.Everything() }
func (n noOrganisations) Apply(ctx context.Context, a reconcile.Action) (reconcile.Written, error) {
	return n.t.Apply(ctx, a)
}

func TestCheckTarget(t *testing.T) {
	all := reconcile.Everything()
	atOnce := all
	atOnce.AllAtOnce = true
	tests := []struct {
		name   string
		target reconcile.Target
		want   string
	}{
		{"in-memory", reconciletest.NewTarget(nil), ""},
		{"all at once", reconciletest.NewAtomicTarget(nil), ""},
		{"organisations without OrganisationSource", noOrganisations{reconciletest.NewTarget(nil)}, "OrganisationSource"},
		{"AllAtOnce without Transactional", declaring{reconciletest.NewTarget(nil), atOnce}, "does not implement Transactional"},
		{"invalid declaration", declaring{reconciletest.NewTarget(nil), reconcile.Capabilities{}}, "no kind"},
	}
	for _, tt := range tests {
		err := reconcile.CheckTarget(tt.target)
		if (tt.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
		if tt.want != "" {
			if _, err := reconcile.Load(context.Background(), tt.target); err == nil {
				t.Errorf("%s: Load accepted the target", tt.name)
			}
		}
	}
	if err := reconcile.CheckTarget(atomicDeclaring{reconciletest.NewAtomicTarget(nil)}); err == nil || !strings.Contains(err.Error(), "does not declare AllAtOnce") {
		t.Errorf("Transactional without AllAtOnce: %v", err)
	}
}

// atomicDeclaring is an all-at-once target that forgot to declare AllAtOnce.
type atomicDeclaring struct{ *reconciletest.AtomicTarget }

func (atomicDeclaring) Capabilities() reconcile.Capabilities { return reconcile.Everything() }

func TestLoadReadsOnlyDeclaredKinds(t *testing.T) {
	s, _ := school()
	target := reconciletest.NewTarget(s, reconciletest.WithCapabilities(personsOnly()))
	snap, err := reconcile.Load(context.Background(), target)
	if err != nil {
		t.Fatal(err)
	}
	if snap.Capabilities == nil || snap.Capabilities.Groups != nil {
		t.Fatalf("Load did not put the target's capabilities on the snapshot: %+v", snap.Capabilities)
	}
	if len(snap.Organisations)+len(snap.Groups)+len(snap.Memberships) > 0 || len(snap.Persons) == 0 {
		t.Fatalf("Load read kinds the target does not declare: %d organisations, %d groups, %d memberships",
			len(snap.Organisations), len(snap.Groups), len(snap.Memberships))
	}
}

func TestPlanHonoursCapabilities(t *testing.T) {
	src := &reconcile.Snapshot{
		Organisations: []reconcile.Organisation{{Keys: reconcile.Keys{SourceKey: "o1"}, Name: "Skola"}},
		Persons: []reconcile.Person{{Keys: reconcile.Keys{SourceKey: "p1"}, FamilyName: "Berg", GivenNames: "Eva",
			BirthDate: date("2012-03-04"), EPPNs: []string{"eva@skola.example"}, Emails: []string{"Eva@Skola.Example"},
			Contexts: []reconcile.Context{{Organisation: "o1", Role: "elev"}}, Attributes: map[string]string{"grade": "7", "shoe": "38"}}},
		Groups:      []reconcile.Group{{Keys: reconcile.Keys{SourceKey: "g1"}, Name: "7A", Organisation: "o1"}},
		Memberships: []reconcile.Membership{{Person: "p1", Group: "g1", Role: "elev"}},
	}
	caps := personsOnly()
	caps.Persons.Attributes = []string{"grade"}
	caps.Normalise = func(kind reconcile.Kind, field, v string) string {
		switch field {
		case reconcile.FieldEmails:
			return strings.ToLower(v)
		case reconcile.AttributePrefix + "grade":
			if len(v) == 1 {
				return "0" + v
			}
		}
		return v
	}
	caps.NormaliseID = "test/1"
	target := reconciletest.NewTarget(nil, reconciletest.WithCapabilities(caps))
	var h reconcile.History
	p, rep := run(t, src, target, quiet(), &h)
	want := []string{"person/s=p1 create case6"}
	if diff := cmp.Diff(want, summary(p)); diff != "" {
		t.Fatalf("a target of persons alone got actions of other kinds (-want +got):\n%s", diff)
	}
	var fields []string
	for _, d := range p.Actions[0].Diffs {
		fields = append(fields, d.Field+"="+d.After)
	}
	if diff := cmp.Diff([]string{"familyName=Berg", "givenNames=Eva", "emails=eva@skola.example", "attributes.grade=07"}, fields); diff != "" {
		t.Errorf("the create writes what the target does not keep, or values it stores otherwise (-want +got):\n%s", diff)
	}
	if !rep.OK() {
		t.Fatalf("%+v", rep.Results)
	}
	// No referrer is kept, yet the next run finds the person through the history and plans nothing.
	again, _ := run(t, src, target, quiet(), &h)
	if again.Counts.Changes() != 0 || len(again.Unconverged) != 0 {
		t.Fatalf("rerun: %v %+v", summary(again), again.Unconverged)
	}
	// A rename is an update of that record, not a question or a duplicate.
	src.Persons[0].FamilyName = "Borg"
	renamed, _ := run(t, src, target, quiet(), &h)
	if diff := cmp.Diff([]string{"person/s=p1 update case1"}, summary(renamed)); diff != "" {
		t.Fatalf("rename on a target without referrers (-want +got):\n%s", diff)
	}
}

func TestApplyRefusesPlansBeyondCapabilities(t *testing.T) {
	s, _ := school()
	target := reconciletest.NewTarget(nil, reconciletest.WithCapabilities(personsOnly()))
	// A plan made against a hand-built snapshot that does not carry the target's capabilities.
	p := mustPlan(t, s, &reconcile.Snapshot{}, quiet())
	rep, err := reconcile.Apply(context.Background(), p, target, reconcile.ApplyOptions{})
	if !errors.Is(err, reconcile.ErrCapabilities) || rep != nil {
		t.Fatalf("Apply = %v, %v; want ErrCapabilities and no report", rep, err)
	}
	if len(target.Writes()) != 0 {
		t.Fatalf("Apply wrote before refusing: %v", target.Writes())
	}
	noRevisions := reconcile.Everything()
	noRevisions.Revisions = false
	plain := reconciletest.NewTarget(nil, reconciletest.WithCapabilities(noRevisions))
	p = mustPlan(t, s, plain.Snapshot(), quiet())
	if _, err := reconcile.Apply(context.Background(), p, plain, reconcile.ApplyOptions{TrustRevisions: true}); !errors.Is(err, reconcile.ErrCapabilities) {
		t.Fatalf("TrustRevisions on a target without revisions: %v", err)
	}
}

// forgetful creates records without reporting their ids.
type forgetful struct{ *reconciletest.Target }

func (f forgetful) Apply(ctx context.Context, a reconcile.Action) (reconcile.Written, error) {
	w, err := f.Target.Apply(ctx, a)
	if a.Op == reconcile.OpCreate {
		w.TargetID = ""
	}
	return w, err
}

func TestApplyFailsCreatesWithoutID(t *testing.T) {
	s, _ := school()
	target := forgetful{reconciletest.NewTarget(nil)}
	p := mustPlan(t, s, target.Snapshot(), quiet())
	rep, err := reconcile.Apply(context.Background(), p, target, reconcile.ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	noID := 0
	for _, r := range rep.Results {
		if r.Op == reconcile.OpCreate && r.Status != reconcile.StatusFailed {
			t.Errorf("%s: %s, want failed: it has no id, or needs a record that has none", r.ID, r.Status)
		}
		if strings.Contains(r.Error, "reported no id") {
			noID++
		}
	}
	if noID == 0 {
		t.Error("no create failed for its missing id")
	}
}

// shouting stores family names in upper case without declaring it.
type shouting struct{ *reconciletest.Target }

func (s shouting) Apply(ctx context.Context, a reconcile.Action) (reconcile.Written, error) {
	if a.Person != nil && a.Person.After != nil {
		p := *a.Person.After
		p.FamilyName = strings.ToUpper(p.FamilyName)
		a.Person = &reconcile.Change[reconcile.Person]{Before: a.Person.Before, After: &p}
	}
	if a.Membership != nil && a.Membership.After != nil {
		m := *a.Membership.After
		m.Role = strings.ToLower(m.Role)
		a.Membership = &reconcile.Change[reconcile.Membership]{Before: a.Membership.Before, After: &m}
	}
	return s.Target.Apply(ctx, a)
}

func TestUnconvergedFieldsAreReportedNotRewritten(t *testing.T) {
	src := &reconcile.Snapshot{
		Persons:     []reconcile.Person{src("p1", "Berg", "Eva", "", ""), src("p2", "Lund", "Ida", "", "")},
		Groups:      []reconcile.Group{{Keys: reconcile.Keys{SourceKey: "g1"}, Name: "7A"}},
		Memberships: []reconcile.Membership{{Person: "p1", Group: "g1", Role: "lern"}},
	}
	target := shouting{reconciletest.NewTarget(nil)}
	var h reconcile.History
	run(t, src, target, quiet(), &h)

	// The target holds BERG and LUND: the source still says Berg and Lund, which were written.
	for round := range 3 {
		p, _ := run(t, src, target, quiet(), &h)
		if p.Counts.Changes() != 0 {
			t.Fatalf("round %d: unconverged names planned again: %v", round, summary(p))
		}
		want := []reconcile.Unconverged{
			{Kind: reconcile.KindPerson, SourceKey: "p1", TargetID: "p-000001", Field: reconcile.FieldFamilyName, Wanted: "Berg", Held: "BERG"},
			{Kind: reconcile.KindPerson, SourceKey: "p2", TargetID: "p-000002", Field: reconcile.FieldFamilyName, Wanted: "Lund", Held: "LUND"},
		}
		if diff := cmp.Diff(want, p.Unconverged); diff != "" {
			t.Fatalf("round %d: unconverged (-want +got):\n%s", round, diff)
		}
	}
	// A new value at the source is written (once).
	src.Persons[0].FamilyName = "Borg"
	p, _ := run(t, src, target, quiet(), &h)
	if diff := cmp.Diff([]string{"person/s=p1 update case1"}, summary(p)); diff != "" {
		t.Fatalf("after a change at the source (-want +got):\n%s", diff)
	}
	if p, _ = run(t, src, target, quiet(), &h); p.Counts.Changes() != 0 || len(p.Unconverged) != 2 {
		t.Fatalf("after writing the change: %v %+v", summary(p), p.Unconverged)
	}

	// Memberships: a role update the target stores in lower case is written once, then reported.
	src.Memberships[0].Role = "Lehr"
	writes := func() int { return len(target.Writes()) }
	n := writes()
	for round := range 3 {
		p, _ := run(t, src, target, quiet(), &h)
		if round > 0 && (p.Counts.Changes() != 0 || len(p.Unconverged) != 3) {
			t.Fatalf("round %d: %v %+v", round, summary(p), p.Unconverged)
		}
	}
	if got := writes() - n; got != 1 {
		t.Fatalf("the role was written %d times, want once", got)
	}
}

func TestUnconvergedLeavesRealDriftToTheSource(t *testing.T) {
	// A record that converged is kept in step as before: another writer's change is undone.
	s := &reconcile.Snapshot{Persons: []reconcile.Person{src("p1", "Berg", "Eva", "", "")}}
	target := reconciletest.NewTarget(nil)
	var h reconcile.History
	run(t, s, target, quiet(), &h)
	run(t, s, target, quiet(), &h) // converged: the history forgets the write
	target.EditPerson("p-000001", func(p *reconcile.Person) { p.FamilyName = "Svensson" })
	p, _ := run(t, s, target, quiet(), &h)
	if diff := cmp.Diff([]string{"person/s=p1 update case1"}, summary(p)); diff != "" {
		t.Fatalf("drift (-want +got):\n%s", diff)
	}
}

func TestRelations(t *testing.T) {
	s := &reconcile.Snapshot{Persons: []reconcile.Person{
		{Keys: reconcile.Keys{SourceKey: "a-child"}, FamilyName: "Berg", GivenNames: "Eva",
			Relations: []reconcile.Relation{{Person: "z-mother", Role: "Vårdnadshavare"}, {Person: "hidden", Role: "Vårdnadshavare"}}},
		{Keys: reconcile.Keys{SourceKey: "z-mother"}, FamilyName: "Berg", GivenNames: "Anna"},
		{Keys: reconcile.Keys{SourceKey: "hidden"}, FamilyName: "X", GivenNames: "Y", Protected: true},
	}}
	target := reconciletest.NewTarget(nil)
	var h reconcile.History
	p, rep := run(t, s, target, quiet(), &h)
	if !rep.OK() {
		t.Fatalf("the child's create needs its guardian's id, created later in plan order: %+v", rep.Results)
	}
	child := action(t, p, "person/s=a-child")
	if diff := cmp.Diff([]reconcile.Ref{{Kind: reconcile.KindPerson, SourceKey: "z-mother"}}, child.Needs); diff != "" {
		t.Errorf("needs (-want +got):\n%s", diff)
	}
	got := target.Snapshot()
	var mother string
	for _, x := range got.Persons {
		if x.GivenNames == "Anna" {
			mother = x.Keys.TargetID
		}
	}
	for _, x := range got.Persons {
		if x.GivenNames == "Eva" {
			if diff := cmp.Diff([]reconcile.Relation{{Person: mother, Role: "Vårdnadshavare"}}, x.Relations); diff != "" {
				t.Errorf("the child's relations: the protected guardian must be left out (-want +got):\n%s", diff)
			}
		}
	}
	if p, _ := run(t, s, target, quiet(), &h); p.Counts.Changes() != 0 {
		t.Fatalf("rerun: %v", summary(p))
	}
	// A new guardian replaces the old one.
	s.Persons[0].Relations = []reconcile.Relation{{Person: "z-father", Role: "Vårdnadshavare"}}
	s.Persons = append(s.Persons, reconcile.Person{Keys: reconcile.Keys{SourceKey: "z-father"}, FamilyName: "Berg", GivenNames: "Olof"})
	p, rep = run(t, s, target, quiet(), &h)
	if !rep.OK() || p.Counts.Created != 1 || p.Counts.Updated != 1 {
		t.Fatalf("new guardian: %v %+v", summary(p), rep.Results)
	}
	if p, _ := run(t, s, target, quiet(), &h); p.Counts.Changes() != 0 {
		t.Fatalf("rerun: %v", summary(p))
	}
}

func TestMembershipRolesAreASet(t *testing.T) {
	s := &reconcile.Snapshot{
		Persons:     []reconcile.Person{src("p1", "Berg", "Eva", "", "")},
		Groups:      []reconcile.Group{{Keys: reconcile.Keys{SourceKey: "g1"}, Name: "7A"}},
		Memberships: []reconcile.Membership{{Person: "p1", Group: "g1", Role: "elev,mentor"}},
	}
	g := &reconcile.Snapshot{
		Persons:     []reconcile.Person{tgt("P1", "p1", "Berg", "Eva", "", "")},
		Groups:      []reconcile.Group{{Keys: reconcile.Keys{TargetID: "G1", Referrer: "g1"}, Name: "7A"}},
		Memberships: []reconcile.Membership{{ID: "M1", Person: "P1", Group: "G1", Role: "mentor, elev"}},
	}
	if p := mustPlan(t, s, g, quiet()); p.Counts.Changes() != 0 {
		t.Fatalf("the same roles in another order: %v", summary(p))
	}
	s.Memberships[0].Role = "elev"
	if p := mustPlan(t, s, g, quiet()); p.Counts.Updated != 1 {
		t.Fatalf("a role fewer: %v", summary(p))
	}
}

func TestBadPeriodsAreSkipped(t *testing.T) {
	s := &reconcile.Snapshot{
		Persons: []reconcile.Person{src("p1", "Berg", "Eva", "", "")},
		Groups: []reconcile.Group{
			{Keys: reconcile.Keys{SourceKey: "g1"}, Name: "7A", Valid: reconcile.Period{From: date("2026-08-01"), To: date("2026-06-30")}},
			{Keys: reconcile.Keys{SourceKey: "g2"}, Name: "7B"},
		},
		Memberships: []reconcile.Membership{
			{Person: "p1", Group: "g1"},
			{Person: "p1", Group: "g2", Period: reconcile.Period{From: date("2026-08-01"), To: date("2026-07-31")}},
		},
	}
	p := mustPlan(t, s, nil, quiet())
	want := []string{"person/s=p1 create case6", "group/s=g1 skip", "group/s=g2 create case4", "membership/s=p1,g1 skip", "membership/s=p1,g2 skip"}
	if diff := cmp.Diff(want, summary(p)); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	if r := action(t, p, "group/s=g1").Reason; !strings.Contains(r, "ends (2026-06-30) before it starts") {
		t.Errorf("reason %q", r)
	}
	if err := (reconcile.Period{From: date("2026-01-02"), To: date("2026-01-01")}).Check(); !errors.Is(err, reconcile.ErrPeriod) {
		t.Errorf("Check: %v", err)
	}
	if err := (reconcile.Period{From: date("2026-01-01"), To: date("2026-01-01")}).Check(); err != nil {
		t.Errorf("a one-day period: %v", err)
	}
}

func TestDateOfZeroTimeIsAbsent(t *testing.T) {
	if d := reconcile.DateOf(time.Time{}); !d.IsZero() {
		t.Fatalf("DateOf(time.Time{}) = %v, want the zero Date", d)
	}
	if d := reconcile.DateOf(time.Date(1, 1, 2, 0, 0, 0, 0, time.UTC)); d.IsZero() || d.String() != "0001-01-02" {
		t.Fatalf("a real early date: %v", d)
	}
}

func TestDefaultHoldsCoverMembershipUpdates(t *testing.T) {
	s := &reconcile.Snapshot{Persons: []reconcile.Person{src("p1", "Berg", "Eva", "", "")}}
	g := &reconcile.Snapshot{Persons: []reconcile.Person{tgt("P1", "p1", "Berg", "Eva", "", "")}}
	for i := range 100 {
		key := "g" + string(rune('a'+i%26)) + string(rune('a'+i/26))
		s.Groups = append(s.Groups, reconcile.Group{Keys: reconcile.Keys{SourceKey: key}, Name: key})
		g.Groups = append(g.Groups, reconcile.Group{Keys: reconcile.Keys{TargetID: "T" + key, Referrer: key}, Name: key})
		s.Memberships = append(s.Memberships, reconcile.Membership{Person: "p1", Group: key, Role: "Lehr"})
		g.Memberships = append(g.Memberships, reconcile.Membership{ID: "M" + key, Person: "P1", Group: "T" + key, Role: "Lern"})
	}
	p := mustPlan(t, s, g, reconcile.Options{Now: day0})
	if !errors.Is(p.HoldError(), reconcile.ErrHeld) || !strings.Contains(p.HoldError().Error(), "membership update") {
		t.Fatalf("100 of 100 memberships updated: %v", p.HoldError())
	}
}

func TestAllAtOnceTargets(t *testing.T) {
	s, _ := school()
	t.Run("commits a good run", func(t *testing.T) {
		target := reconciletest.NewAtomicTarget(nil)
		p := mustPlan(t, s, target.Snapshot(), quiet())
		rep, err := reconcile.Apply(context.Background(), p, target, reconcile.ApplyOptions{})
		if err != nil || !rep.OK() || target.Running() {
			t.Fatalf("%v %+v running=%v", err, rep, target.Running())
		}
		if len(target.Snapshot().Persons) != len(s.Persons) {
			t.Fatal("the run's writes are not visible after Commit")
		}
	})
	t.Run("aborts a run with a failure", func(t *testing.T) {
		target := reconciletest.NewAtomicTarget(nil)
		p := mustPlan(t, s, target.Snapshot(), quiet())
		target.FailOn(p.Actions[len(p.Actions)-1].ID, errors.New("disk full"))
		rep, err := reconcile.Apply(context.Background(), p, target, reconcile.ApplyOptions{})
		if !errors.Is(err, reconcile.ErrRolledBack) || rep == nil || rep.OK() || rep.RolledBack == 0 || rep.Failed != 1 {
			t.Fatalf("Apply = %+v, %v", rep, err)
		}
		if snap := target.Snapshot(); len(snap.Persons)+len(snap.Groups)+len(snap.Memberships) != 0 || target.Running() {
			t.Fatalf("Abort kept writes: %+v", snap)
		}
		var h reconcile.History
		h.Update(rep)
		if !h.IsZero() {
			t.Fatalf("rolled-back creates entered the history: %+v", h)
		}
	})
	t.Run("aborts when Commit fails", func(t *testing.T) {
		target := reconciletest.NewAtomicTarget(nil)
		target.FailCommit(errors.New("rename failed"))
		p := mustPlan(t, s, target.Snapshot(), quiet())
		rep, err := reconcile.Apply(context.Background(), p, target, reconcile.ApplyOptions{})
		if !errors.Is(err, reconcile.ErrRolledBack) || !strings.Contains(err.Error(), "rename failed") || rep.RolledBack == 0 {
			t.Fatalf("Apply = %+v, %v", rep, err)
		}
		if len(target.Snapshot().Persons) != 0 {
			t.Fatal("a failed Commit kept writes")
		}
	})
	t.Run("no run without writes", func(t *testing.T) {
		target := reconciletest.NewAtomicTarget(nil)
		p := mustPlan(t, &reconcile.Snapshot{}, target.Snapshot(), quiet())
		if _, err := reconcile.Apply(context.Background(), p, target, reconcile.ApplyOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := target.Commit(context.Background()); !errors.Is(err, reconciletest.ErrNoRun) {
			t.Fatalf("a plan without writes started a run: %v", err)
		}
	})
}

// wholeTarget is a target that also gives its records as one snapshot, and counts the reads of
// each kind, so a test can tell which way Load read it.
type wholeTarget struct {
	*reconciletest.Target
	snap      *reconcile.Snapshot
	err       error
	iterators int
}

func (w *wholeTarget) Snapshot(ctx context.Context) (*reconcile.Snapshot, error) {
	return w.snap, w.err
}

func (w *wholeTarget) Persons(ctx context.Context) iter.Seq2[reconcile.Person, error] {
	w.iterators++
	return w.Target.Persons(ctx)
}

func TestLoadTakesASnapshotSourceWhole(t *testing.T) {
	s, _ := school()
	target := &wholeTarget{Target: reconciletest.NewTarget(s, reconciletest.WithCapabilities(personsOnly())), snap: s}
	snap, err := reconcile.Load(context.Background(), target)
	if err != nil {
		t.Fatal(err)
	}
	if target.iterators != 0 {
		t.Errorf("Load read the persons one by one (%d times) instead of taking the snapshot", target.iterators)
	}
	if len(snap.Persons) == 0 || &snap.Persons[0] != &s.Persons[0] {
		t.Errorf("Load copied the snapshot's persons instead of sharing them")
	}
	if snap.Capabilities == nil || snap.Capabilities.Groups != nil {
		t.Errorf("Load did not put the target's capabilities on the snapshot: %+v", snap.Capabilities)
	}
	if len(snap.Organisations)+len(snap.Groups)+len(snap.Memberships) > 0 {
		t.Errorf("Load took kinds the target does not declare: %d organisations, %d groups, %d memberships",
			len(snap.Organisations), len(snap.Groups), len(snap.Memberships))
	}
	if len(s.Groups) == 0 {
		t.Fatal("the school has no groups; the test needs some")
	}

	target.snap, target.err = nil, errors.New("set unreadable")
	if _, err := reconcile.Load(context.Background(), target); err == nil || !strings.Contains(err.Error(), "set unreadable") {
		t.Errorf("Load of a failing snapshot: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	target.snap, target.err = s, nil
	if _, err := reconcile.Load(ctx, target); !errors.Is(err, context.Canceled) {
		t.Errorf("Load with a canceled context: %v", err)
	}
}
