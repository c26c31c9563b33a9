package reconcile_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/edusync/edusync/reconcile"
)

// day0 is the "now" of most tests.
var day0 = time.Date(2025, 8, 1, 6, 0, 0, 0, time.UTC)

func date(s string) reconcile.Date {
	d, err := reconcile.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// src is a source person: key, family name, given names, birth date, birth place.
func src(key, family, given, born, place string) reconcile.Person {
	return reconcile.Person{Keys: reconcile.Keys{SourceKey: key}, FamilyName: family, GivenNames: given,
		BirthDate: dateOrZero(born), BirthPlace: place}
}

// tgt is a target person: id, referrer, family name, given names, birth date, birth place.
func tgt(id, referrer, family, given, born, place string) reconcile.Person {
	return reconcile.Person{Keys: reconcile.Keys{TargetID: id, Referrer: referrer}, Revision: "1",
		FamilyName: family, GivenNames: given, BirthDate: dateOrZero(born), BirthPlace: place}
}

func dateOrZero(s string) reconcile.Date {
	if s == "" {
		return reconcile.Date{}
	}
	return date(s)
}

func withTargetID(p reconcile.Person, id string) reconcile.Person {
	p.Keys.TargetID = id
	return p
}

// quiet are options without holds, so tests of matching are not held.
func quiet() reconcile.Options { return reconcile.Options{Holds: []reconcile.Hold{}, Now: day0} }

func mustPlan(t testing.TB, s, g *reconcile.Snapshot, opts reconcile.Options) *reconcile.Plan {
	t.Helper()
	p, err := reconcile.NewPlan(s, g, opts)
	if err != nil {
		t.Fatalf("NewPlan: %v", err)
	}
	return p
}

// summary renders each action as "ID op [case N] [confirm]" for compact expectations.
func summary(p *reconcile.Plan) []string {
	out := make([]string, 0, len(p.Actions))
	for _, a := range p.Actions {
		line := a.ID + " " + string(a.Op)
		if a.Case != 0 {
			line += fmt.Sprintf(" case%d", a.Case)
		}
		if a.Confirm != "" {
			line += " " + string(a.Confirm)
		}
		out = append(out, line)
	}
	return out
}

func action(t testing.TB, p *reconcile.Plan, id string) *reconcile.Action {
	t.Helper()
	for i := range p.Actions {
		if p.Actions[i].ID == id {
			return &p.Actions[i]
		}
	}
	t.Fatalf("no action %q in plan:\n%s", id, strings.Join(summary(p), "\n"))
	return nil
}
