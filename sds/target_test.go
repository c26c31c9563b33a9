package sds_test

import (
	"testing"

	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/reconcile/reconciletest"
	"github.com/edusync/edusync/sds"
)

// school is a small source in SS 12000's vocabulary: a principal and a school unit, three
// pupils and a teacher, a class and a teaching group.
func school() *reconcile.Snapshot {
	term := reconcile.Period{From: reconcile.NewDate(2025, 8, 18), To: reconcile.NewDate(2026, 6, 12)}
	org := func(key, name, typ, parent string) reconcile.Organisation {
		o := reconcile.Organisation{Keys: reconcile.Keys{SourceKey: key}, Name: name, Type: typ}
		if parent != "" {
			o.Attributes = map[string]string{sds.AttrParent: parent}
		}
		return o
	}
	person := func(key, given, family, role string) reconcile.Person {
		return reconcile.Person{Keys: reconcile.Keys{SourceKey: key}, GivenNames: given, FamilyName: family,
			Emails: []string{key + "@exempelby.se"}, EPPNs: []string{key + "@exempelby.se"},
			Contexts: []reconcile.Context{{Organisation: "unit-1", Role: role}}}
	}
	return &reconcile.Snapshot{
		Organisations: []reconcile.Organisation{org("kommun", "Exempelby kommun", "Huvudman", ""), org("unit-1", "Exempelbyskolan", "Skolenhet", "kommun")},
		Persons: []reconcile.Person{person("p-1", "Åsa", "Öberg", "Elev"), person("p-2", "Noah", "Andersson", "Elev"),
			person("p-3", "Elsa", "Lind", "Elev"), person("t-1", "Karin", "Berg", "Lärare")},
		Groups: []reconcile.Group{{Keys: reconcile.Keys{SourceKey: "7a"}, Name: "7A", Type: "Klass", Organisation: "unit-1", Valid: term},
			{Keys: reconcile.Keys{SourceKey: "ma7"}, Name: "Matematik 7", Type: "Undervisning", Organisation: "unit-1", Valid: term}},
		Memberships: []reconcile.Membership{{Person: "p-1", Group: "7a", Role: "Elev"}, {Person: "p-2", Group: "7a", Role: "Elev"},
			{Person: "p-3", Group: "ma7", Role: "Elev"}, {Person: "t-1", Group: "ma7", Role: "Lärare"}, {Person: "t-1", Group: "7a", Role: "Mentor"}},
	}
}

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
