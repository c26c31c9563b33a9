package reconcile_test

import (
	"context"
	"fmt"
	"time"

	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/reconcile/reconciletest"
)

// A source system (here a snapshot) and a target that already holds two persons: one carries
// the source's key, one matches only by name and birth data, and one is unknown to the source.
func ExampleNewPlan() {
	born, _ := reconcile.ParseDate("2010-05-01")
	source := &reconcile.Snapshot{
		Persons: []reconcile.Person{
			{Keys: reconcile.Keys{SourceKey: "S-1"}, FamilyName: "Berg", GivenNames: "Eva", Emails: []string{"eva@example.org"}},
			{Keys: reconcile.Keys{SourceKey: "S-2"}, FamilyName: "Müller", GivenNames: "Anna", BirthDate: born, BirthPlace: "Erfurt"},
			{Keys: reconcile.Keys{SourceKey: "S-3"}, FamilyName: "Lund", GivenNames: "Ida"},
		},
		Groups:      []reconcile.Group{{Keys: reconcile.Keys{SourceKey: "G-7a"}, Name: "7a", Type: "Klasse"}},
		Memberships: []reconcile.Membership{{Person: "S-1", Group: "G-7a", Role: "Lern"}},
	}
	target := reconciletest.NewTarget(&reconcile.Snapshot{Persons: []reconcile.Person{
		{Keys: reconcile.Keys{TargetID: "t-1", Referrer: "S-1"}, FamilyName: "Berg", GivenNames: "Eva"},
		{Keys: reconcile.Keys{TargetID: "t-2"}, FamilyName: "MÜLLER", GivenNames: "Anna", BirthDate: born, BirthPlace: "Erfurt, Deutschland"},
		{Keys: reconcile.Keys{TargetID: "t-9"}, FamilyName: "Nowak", GivenNames: "Jan"},
	}})

	plan, err := reconcile.NewPlan(source, target.Snapshot(), reconcile.Options{Now: time.Date(2025, 8, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, a := range plan.Actions {
		fmt.Printf("%-22s %-6s case %d %-7s %s\n", a.ID, a.Op, a.Case, a.Confirm, a.Reason)
	}

	// Nobody imports t-9 into the source system; the rest is applied.
	plan, _ = plan.Answer(reconcile.RejectAll(reconcile.OpImport))
	report, err := reconcile.Apply(context.Background(), plan, target, reconcile.ApplyOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%+v\n", report.Counts)
	// Output:
	// person/s=S-1           update case 1         matched by key; fields differ
	// person/s=S-2           update case 2         matched without keys: names, birth date and birth place are equal; fields differ
	// person/s=S-3           create case 6         no target record matches by key or attributes
	// person/t=t-9           import case 5 pending the target holds a record the source does not know
	// group/s=G-7a           create case 4         the source has a group the target lacks
	// membership/s=S-1,G-7a  create case 0         the source has a membership the target lacks
	// {Created:3 Updated:2 Unchanged:0 Pending:0 Imported:0 Deactivated:0 Deleted:0 Skipped:1}
}

// Names are compared in folded form: Unicode normalisation and case folding, hyphens and white
// space, invisible characters.
func ExampleFold() {
	fmt.Println(reconcile.Fold("MÜLLER-LÜDENSCHEIDT") == reconcile.Fold("Mu\u0308ller Lüdenscheidt"))
	fmt.Println(reconcile.Fold("Straße") == reconcile.Fold("STRASSE"))
	fmt.Println(reconcile.Fold("Müller") == reconcile.Fold("Muller"))
	// Output:
	// true
	// true
	// false
}

// Birth places: the default country is dropped, aliases map spellings to one, and a function of
// the host's own has the last word.
func ExamplePlaceRules() {
	rules := reconcile.PlaceRules{
		Aliases: map[string]string{"Karl-Marx-Stadt": "Chemnitz"},
		Func: func(place string) string {
			if place == "frankfurt a. m." || place == "frankfurt/main" {
				return "frankfurt am main"
			}
			return place
		},
		FuncID: "frankfurt-v1",
	}
	fmt.Println(rules.Normalise("Erfurt, Deutschland"))
	fmt.Println(rules.Normalise("KARL-MARX-STADT"))
	fmt.Println(rules.Normalise("Frankfurt/Main, Deutschland"))
	// Output:
	// erfurt
	// chemnitz
	// frankfurt am main
}
