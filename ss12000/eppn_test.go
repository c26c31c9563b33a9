package ss12000

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestValidateEPPN(t *testing.T) {
	for _, ok := range []string{"asa.oberg@school.example", "a@b.se", "x-y_z@sub.dom.example"} {
		if err := ValidateEPPN(ok); err != nil {
			t.Errorf("ValidateEPPN(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "noat", "@x.se", "a@", "a@@b.se", "a b@x.se", "a@localhost", "a@-x.se", "a@x..se", "a@exämple.se"} {
		if err := ValidateEPPN(bad); err == nil {
			t.Errorf("ValidateEPPN(%q) accepted", bad)
		}
	}
}

func TestEPPNAssign(t *testing.T) {
	g := &EPPNGenerator{Template: "{given1}.{family}@School.Example"}
	persons := []EPPNPerson{
		{ID: "3", GivenName: "Åsa Maria", FamilyName: "Öberg"},
		{ID: "1", GivenName: "Åsa", FamilyName: "Öberg"},
		{ID: "2", GivenName: "Jörg", FamilyName: "Müller Lüdenscheidt"},
		{ID: "4", GivenName: "Bjørn", FamilyName: "Ødegård"},
		{ID: "5", GivenName: "Ängla", FamilyName: "Strauß"},
	}
	got, err := g.Assign(context.Background(), persons, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"1": "asa.oberg@school.example",
		"2": "jorg.muller-ludenscheidt@school.example",
		"3": "asa.oberg2@school.example",
		"4": "bjorn.odegard@school.example",
		"5": "angla.strauss@school.example",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatal(d)
	}

	// Next run: person 1 left, a new Åsa Öberg arrives. Person 3 keeps hers, and person 1's EPPN
	// is not recycled.
	next := append([]EPPNPerson{{ID: "6", GivenName: "Åsa", FamilyName: "Öberg"}, persons[0]}, persons[2:]...)
	got2, err := g.Assign(context.Background(), next, got)
	if err != nil {
		t.Fatal(err)
	}
	if got2["3"] != "asa.oberg2@school.example" || got2["6"] != "asa.oberg3@school.example" {
		t.Fatalf("second run: %v", got2)
	}
	// Input order does not matter.
	rev := []EPPNPerson{persons[4], persons[3], persons[2], persons[1], persons[0]}
	got3, _ := g.Assign(context.Background(), rev, nil)
	if d := cmp.Diff(got, got3); d != "" {
		t.Fatalf("order-dependent: %s", d)
	}
}

func TestEPPNHookAndGerman(t *testing.T) {
	dir := map[string]bool{"jorg.muller@schule.example": true, "joerg.mueller@schule.example": true}
	g := &EPPNGenerator{Template: "{given}.{family}@schule.example", GermanUmlauts: true,
		Taken: func(_ context.Context, e string) (bool, error) { return dir[e], nil }}
	got, err := g.Assign(context.Background(), []EPPNPerson{{ID: "a", GivenName: "Jörg", FamilyName: "Müller"}}, nil)
	if err != nil || got["a"] != "joerg.mueller2@schule.example" {
		t.Fatalf("got %v, %v", got, err)
	}
	boom := errors.New("directory down")
	g.Taken = func(context.Context, string) (bool, error) { return false, boom }
	if _, err := g.Assign(context.Background(), []EPPNPerson{{ID: "a", GivenName: "X", FamilyName: "Y"}}, nil); !errors.Is(err, boom) {
		t.Fatalf("hook error lost: %v", err)
	}
}

func TestEPPNErrors(t *testing.T) {
	for _, tmpl := range []string{"", "{given}", "{given}@{family}.se", "{given}@localhost"} {
		g := &EPPNGenerator{Template: tmpl}
		if _, err := g.Assign(context.Background(), nil, nil); !errors.Is(err, ErrEPPNTemplate) {
			t.Errorf("template %q: %v", tmpl, err)
		}
	}
	g := &EPPNGenerator{Template: "{given}@x.se"}
	if _, err := g.Assign(context.Background(), []EPPNPerson{{ID: "1", GivenName: "漢字"}}, nil); err == nil {
		t.Error("empty local part accepted")
	}
	g = &EPPNGenerator{Template: "x@x.se", MaxSuffix: 2}
	if _, err := g.Assign(context.Background(), []EPPNPerson{{ID: "1"}, {ID: "2"}, {ID: "3"}}, nil); err == nil {
		t.Error("exhausted suffixes accepted")
	}
}
