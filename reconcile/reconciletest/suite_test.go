package reconciletest_test

import (
	"context"
	"iter"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/reconcile/reconciletest"
)

// school is a small source in the in-memory target's vocabulary.
func school() *reconcile.Snapshot {
	ctx := []reconcile.Context{{Organisation: "S1", Role: "elev"}}
	return &reconcile.Snapshot{
		Persons: []reconcile.Person{
			{Keys: reconcile.Keys{SourceKey: "p1"}, FamilyName: "Berg", GivenNames: "Eva", BirthDate: reconcile.NewDate(2012, 3, 4),
				Emails: []string{"eva@skola.example"}, Contexts: ctx, Attributes: map[string]string{"grade": "07"}},
			{Keys: reconcile.Keys{SourceKey: "p2"}, FamilyName: "Lund", GivenNames: "Ida", Contexts: ctx, Attributes: map[string]string{"grade": "08"}},
			{Keys: reconcile.Keys{SourceKey: "p3"}, FamilyName: "Holm", GivenNames: "Per", Contexts: []reconcile.Context{{Organisation: "S1", Role: "lärare"}}},
		},
		Groups: []reconcile.Group{
			{Keys: reconcile.Keys{SourceKey: "g1"}, Name: "7A", Type: "Klass", Organisation: "S1"},
			{Keys: reconcile.Keys{SourceKey: "g2"}, Name: "Ma 7", Type: "Undervisning", Organisation: "S1"},
		},
		Memberships: []reconcile.Membership{
			{Person: "p1", Group: "g1", Role: "elev"},
			{Person: "p2", Group: "g1", Role: "elev"},
			{Person: "p3", Group: "g1", Role: "mentor"},
			{Person: "p1", Group: "g2", Role: "elev"},
		},
	}
}

// narrow are the capabilities of a target that keeps little: no organisations, no EPPNs or
// relations, one attribute, grades as two digits, no referrers, no revisions.
func narrow() reconcile.Capabilities {
	return reconcile.Capabilities{
		Persons: &reconcile.Stored{Fields: []string{reconcile.FieldFamilyName, reconcile.FieldGivenNames, reconcile.FieldEmails,
			reconcile.FieldContexts}, Attributes: []string{"grade"}},
		Groups:      &reconcile.Stored{Fields: []string{reconcile.FieldName, reconcile.FieldType}},
		Memberships: &reconcile.Stored{Fields: []string{reconcile.FieldRole}},
		Normalise: func(kind reconcile.Kind, field, v string) string {
			if field == reconcile.AttributePrefix+"grade" && len(v) == 1 {
				return "0" + v
			}
			if field == reconcile.FieldEmails {
				return strings.ToLower(v)
			}
			return v
		},
		NormaliseID: "narrow/1",
	}
}

func TestTargetSuiteInMemory(t *testing.T) {
	tests := []struct {
		name   string
		target func() reconcile.Target
		equiv  func(*reconcile.Snapshot)
	}{
		{"everything", func() reconcile.Target { return reconciletest.NewTarget(nil) }, nil},
		{"narrow", func() reconcile.Target { return reconciletest.NewTarget(nil, reconciletest.WithCapabilities(narrow())) },
			func(s *reconcile.Snapshot) {
				s.Persons[0].Attributes["grade"] = "7"
				s.Persons[0].Emails = []string{"EVA@Skola.example"}
			}},
		{"all at once", func() reconcile.Target { return reconciletest.NewAtomicTarget(nil) }, nil},
		{"narrow, all at once", func() reconcile.Target {
			return reconciletest.NewAtomicTarget(nil, reconciletest.WithCapabilities(narrow()))
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reconciletest.TargetSuite(t, func(t *testing.T) *reconciletest.Fixture {
				return &reconciletest.Fixture{Target: tt.target(), Source: school(), Equivalent: tt.equiv}
			})
		})
	}
}

// broken targets each break one rule of the Target contract; the suite must catch every one.
var broken = map[string]struct {
	target func() reconcile.Target
	want   string // in the suite's failure output
}{
	"keeps memberships of deleted persons": {func() reconcile.Target { return &noCascade{Target: reconciletest.NewTarget(nil)} },
		"a membership of the deleted person"},
	"normalises without saying so": {func() reconcile.Target { return &upperCase{reconciletest.NewTarget(nil)} },
		"unconverged"},
	"ignores revisions": {func() reconcile.Target { return &blind{reconciletest.NewTarget(nil)} },
		"was not refused as stale"},
}

// TestTargetSuiteCatchesBrokenTargets runs the suite on each broken target in a child process
// (a failing suite fails its test) and checks that it failed for the right reason.
func TestTargetSuiteCatchesBrokenTargets(t *testing.T) {
	if name := os.Getenv("RECONCILETEST_BROKEN"); name != "" {
		b := broken[name]
		reconciletest.TargetSuite(t, func(t *testing.T) *reconciletest.Fixture {
			return &reconciletest.Fixture{Target: b.target(), Source: school()}
		})
		return
	}
	if testing.Short() {
		t.Skip("starts a child process per broken target")
	}
	for name, b := range broken {
		t.Run(name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestTargetSuiteCatchesBrokenTargets$", "-test.v")
			cmd.Env = append(os.Environ(), "RECONCILETEST_BROKEN="+name)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("the suite passed a target that %s:\n%s", name, out)
			}
			if !strings.Contains(string(out), b.want) {
				t.Fatalf("the suite failed, but not with %q:\n%s", b.want, out)
			}
		})
	}
}

// noCascade deletes persons but goes on yielding their memberships.
type noCascade struct {
	*reconciletest.Target
	ghosts []reconcile.Membership
}

func (t *noCascade) Apply(ctx context.Context, a reconcile.Action) (reconcile.Written, error) {
	if a.Kind == reconcile.KindPerson && a.Op == reconcile.OpDelete {
		for _, m := range t.Snapshot().Memberships {
			if m.Person == a.TargetID {
				t.ghosts = append(t.ghosts, m)
			}
		}
	}
	return t.Target.Apply(ctx, a)
}

func (t *noCascade) Memberships(ctx context.Context) iter.Seq2[reconcile.Membership, error] {
	return func(yield func(reconcile.Membership, error) bool) {
		for m, err := range t.Target.Memberships(ctx) {
			if !yield(m, err) || err != nil {
				return
			}
		}
		for _, m := range t.ghosts {
			if !yield(m, nil) {
				return
			}
		}
	}
}

// upperCase stores family names in upper case without declaring a normalisation.
type upperCase struct{ *reconciletest.Target }

func (t *upperCase) Apply(ctx context.Context, a reconcile.Action) (reconcile.Written, error) {
	if a.Person != nil && a.Person.After != nil {
		p := *a.Person.After
		p.FamilyName = strings.ToUpper(p.FamilyName)
		a.Person = &reconcile.Change[reconcile.Person]{Before: a.Person.Before, After: &p}
	}
	return t.Target.Apply(ctx, a)
}

// blind declares revisions but never refuses a stale write.
type blind struct{ *reconciletest.Target }

func (t *blind) Apply(ctx context.Context, a reconcile.Action) (reconcile.Written, error) {
	a.Revision = ""
	return t.Target.Apply(ctx, a)
}
