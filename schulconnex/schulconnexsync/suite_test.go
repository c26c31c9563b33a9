package schulconnexsync_test

import (
	"testing"
	"time"

	"github.com/edusync/edusync/internal/testclock"
	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/reconcile/reconciletest"
	"github.com/edusync/edusync/schulconnex"
	"github.com/edusync/edusync/schulconnex/schulconnexsync"
	"github.com/edusync/edusync/schulconnex/schulconnextest"
)

// TestTargetSuite runs reconcile's conformance suite against the Target over the fake service.
func TestTargetSuite(t *testing.T) {
	reconciletest.TargetSuite(t, func(t *testing.T) *reconciletest.Fixture {
		start := time.Date(2026, 8, 17, 7, 0, 0, 0, time.UTC)
		clk := testclock.New(start)
		s := newFake(t, schulconnextest.WithClock(clk.Now))
		c := client(t, s, schulconnex.WithClock(clk.Now))
		lern := []reconcile.Context{{Organisation: school, Role: "Lern"}}
		return &reconciletest.Fixture{
			Target: schulconnexsync.NewTarget(c, schulconnexsync.TargetOptions{Grace: 30 * 24 * time.Hour}),
			Source: &reconcile.Snapshot{
				Persons: []reconcile.Person{
					{Keys: reconcile.Keys{SourceKey: "1001"}, FamilyName: "Muster", GivenNames: "Nora", BirthDate: reconcile.NewDate(2013, 5, 1),
						BirthPlace: "Hannover", Emails: []string{"nora@schule.example.de"}, Contexts: lern,
						Attributes: map[string]string{schulconnexsync.AttrJahrgangsstufe: "07", schulconnexsync.AttrGeschlecht: "w"}},
					{Keys: reconcile.Keys{SourceKey: "1002"}, FamilyName: "Beispiel", GivenNames: "Ben", Contexts: lern,
						Attributes: map[string]string{schulconnexsync.AttrJahrgangsstufe: "07"}},
					{Keys: reconcile.Keys{SourceKey: "2001"}, FamilyName: "Lehrer", GivenNames: "Lea",
						Contexts: []reconcile.Context{{Organisation: school, Role: "Lehr"}}},
				},
				Groups: []reconcile.Group{
					{Keys: reconcile.Keys{SourceKey: "7a"}, Name: "7a", Type: "Klasse", Organisation: school,
						Attributes: map[string]string{schulconnexsync.AttrJahrgangsstufen: "07"}},
					{Keys: reconcile.Keys{SourceKey: "ma7"}, Name: "Mathematik 7", Type: "Kurs", Organisation: school,
						Attributes: map[string]string{schulconnexsync.AttrFaecher: "MA"}},
				},
				Memberships: []reconcile.Membership{
					{Person: "1001", Group: "7a", Role: "Lern"},
					{Person: "1002", Group: "7a", Role: "Lern"},
					{Person: "2001", Group: "7a", Role: "KlLeit"},
					{Person: "1001", Group: "ma7", Role: "Lern"},
					{Person: "2001", Group: "ma7", Role: "Lehr"},
				},
			},
			Start:   start,
			Advance: clk.Advance,
			Equivalent: func(s *reconcile.Snapshot) {
				s.Persons[0].Attributes[schulconnexsync.AttrJahrgangsstufe] = "7"
				s.Persons[0].Contexts = []reconcile.Context{{Organisation: school, Role: "lern"}}
				s.Groups[0].Type = "klasse"
				s.Groups[1].Attributes[schulconnexsync.AttrFaecher] = "ma"
				s.Memberships[2].Role = "klleit"
			},
		}
	})
}
