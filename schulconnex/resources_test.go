package schulconnex_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/edusync/edusync/schulconnex"
	"github.com/edusync/edusync/schulconnex/schulconnextest"
)

func ids[T any](items []T, id func(T) string) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = id(it)
	}
	return out
}

// TestOperations goes through the operations the other tests do not use, against the fake.
func TestOperations(t *testing.T) {
	clk := &clock{t: time.Date(2026, 9, 14, 10, 0, 0, 0, time.UTC)}
	s := newFake(t, schulconnextest.WithClock(clk.now))
	c := client(t, s)
	other, _ := s.AddOrganisation(schulconnex.Organisation{Kennung: "NI_2", Name: "Zweite Schule", Typ: schulconnex.OrganisationstypSchule})

	// Organisations.
	orgs, err := c.ListOrganisationenPage(ctx, &schulconnex.ListOrganisationenParams{Kennung: "ni_"})
	if err != nil || len(orgs.Items) != 2 {
		t.Fatalf("organisations %v %v", orgs, err)
	}
	if o, err := c.GetOrganisation(ctx, other.ID); err != nil || o.Name != "Zweite Schule" {
		t.Fatalf("%+v %v", o, err)
	}
	rel, err := c.GetOrganisationsbeziehungen(ctx, other.ID, &schulconnex.GetOrganisationsbeziehungenParams{IstVonOrganisationsbeziehungen: schulconnex.JaNeinJa})
	if err != nil || len(rel.HatAlsOrganisationsbeziehungen)+len(rel.IstVonOrganisationsbeziehungen) != 0 {
		t.Fatalf("%+v %v", rel, err)
	}

	// A student and a guardian, created through the API.
	student, err := c.CreatePerson(ctx, person("Kind", "Kim", "2014-01-01", "Kiel", "st1"))
	if err != nil {
		t.Fatal(err)
	}
	guardian, _ := c.CreatePerson(ctx, person("Eltern", "Eli", "1980-01-01", "Kiel", "gu1"))
	ks, err := c.CreatePersonenkontext(ctx, student.ID, schulconnex.Personenkontext{Rolle: schulconnex.RolleLern, Referrer: "st1/Lern", Jahrgangsstufe: "06"})
	if err != nil || ks.Personenstatus != schulconnex.PersonenstatusAktiv || ks.Organisation.ID != s.Organisation().ID {
		t.Fatalf("context %+v %v", ks, err)
	}
	if _, err := c.CreatePersonenkontext(ctx, student.ID, schulconnex.Personenkontext{Rolle: "lern"}); !errors.Is(err, schulconnex.ErrBadRequest) {
		t.Fatalf("a second context with the same role: %v", err)
	}
	kg, _ := c.CreatePersonenkontext(ctx, guardian.ID, schulconnex.Personenkontext{Rolle: schulconnex.RolleSorgBer})

	list, err := c.ListPersonenkontexteOfPersonPage(ctx, student.ID, &schulconnex.ListPersonenkontexteOfPersonParams{Rolle: "LERN"})
	if err != nil || len(list.Items) != 1 {
		t.Fatalf("%v %v", list, err)
	}
	all, err := c.ListPersonenkontextePage(ctx, &schulconnex.ListPersonenkontexteParams{Rolle: schulconnex.RolleSorgBer})
	if err != nil || len(all.Items) != 1 || all.Items[0].Person.ID != guardian.ID {
		t.Fatalf("%+v %v", all, err)
	}
	if d, err := c.FindPersonenkontextByReferrer(ctx, "st1/Lern"); err != nil || d.Personenkontexte[0].ID != ks.ID || d.Person.ID != student.ID {
		t.Fatalf("%+v %v", d, err)
	}

	// Relations: the student has the guardian.
	b, err := c.CreateBeziehung(ctx, ks.ID, schulconnex.Beziehung{Ktid: kg.ID, Beziehung: schulconnex.BeziehungstypSorgBer})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := c.GetBeziehung(ctx, b.ID); err != nil || got.IstVonKtid != ks.ID || got.Ktid != kg.ID {
		t.Fatalf("%+v %v", got, err)
	}
	rels, err := c.GetBeziehungen(ctx, kg.ID, &schulconnex.GetBeziehungenParams{IstVonBeziehungen: schulconnex.JaNeinJa})
	if err != nil || len(rels.HatAlsBeziehungen) != 0 || len(rels.IstVonBeziehungen) != 1 {
		t.Fatalf("%+v %v", rels, err)
	}
	withRel, _ := c.ListPersonenPage(ctx, &schulconnex.ListPersonenParams{Referrer: "st1", HatAlsBeziehungen: "ja"})
	if len(withRel.Items) != 1 || len(withRel.Items[0].Personenkontexte[0].Beziehungen.HatAlsBeziehungen) != 1 {
		t.Fatalf("hat_als_beziehungen=ja: %+v", withRel.Items)
	}
	if err := c.DeleteBeziehung(ctx, b.ID, b.Revision); err != nil {
		t.Fatal(err)
	}

	// Releasing the student's context to the other school.
	sf, err := c.CreateSichtfreigabe(ctx, ks.ID, schulconnex.Sichtfreigabe{Orgid: other.ID, Von: date("2026-09-14"), Bis: date("2027-07-31")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateSichtfreigabe(ctx, ks.ID, schulconnex.Sichtfreigabe{Orgid: other.ID, Von: date("2026-09-01"), Bis: date("2027-07-31")}); !errors.Is(err, schulconnex.ErrBadRequest) {
		t.Fatalf("release starting in the past: %v", err)
	}
	sfs, err := c.ListSichtfreigabenPage(ctx, ks.ID)
	if err != nil || !slices.Equal(ids(sfs.Items, func(x schulconnex.Sichtfreigabe) string { return x.ID }), []string{sf.ID}) {
		t.Fatalf("%+v %v", sfs, err)
	}
	if err := c.DeleteSichtfreigabe(ctx, sf.ID, sf.Revision); err != nil {
		t.Fatal(err)
	}

	// Groups and memberships.
	g, err := c.CreateGruppe(ctx, schulconnex.Gruppe{Referrer: "6a", Bezeichnung: "Klasse 6a", Typ: schulconnex.GruppentypKlasse,
		Jahrgangsstufen: []schulconnex.Jahrgangsstufe{"06"}, Faecher: []schulconnex.Fach{{Kennung: schulconnex.FachkennungDE}, {Bezeichnung: "Robotik"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateGruppe(ctx, schulconnex.Gruppe{Bezeichnung: "x", Typ: schulconnex.GruppentypKurs,
		Laufzeit: schulconnex.Laufzeit{Von: date("2026-08-01"), Vonlernperiode: "2026"}}); err == nil {
		t.Fatal("inconsistent laufzeit accepted")
	}
	m, err := c.CreateGruppenzugehoerigkeit(ctx, g.ID, schulconnex.Gruppenzugehoerigkeit{Ktid: ks.ID, Rollen: []schulconnex.Gruppenrolle{schulconnex.GruppenrolleLern}})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []schulconnex.ListGruppenParams{{Jahrgangsstufen: "06"}, {Faecher: "de,robotik"}, {Bezeichnung: "LASSE 6"}} {
		page, err := c.ListGruppenPage(ctx, &f)
		if err != nil || len(page.Items) != 1 {
			t.Errorf("filter %+v: %d groups %v", f, len(page.Items), err)
		}
	}
	if page, _ := c.ListGruppenPage(ctx, &schulconnex.ListGruppenParams{Faecher: "DE,EN"}); len(page.Items) != 0 {
		t.Error("faecher filter must require every code")
	}
	ms, err := c.ListGruppenzugehoerigkeitenOfGruppePage(ctx, g.ID, &schulconnex.ListGruppenzugehoerigkeitenOfGruppeParams{Rollen: "lern"})
	if err != nil || len(ms.Items) != 1 {
		t.Fatalf("%+v %v", ms, err)
	}
	byGroup, err := c.ListGruppenzugehoerigkeitenPage(ctx, &schulconnex.ListGruppenzugehoerigkeitenParams{Rollen: "Lern"})
	if err != nil || len(byGroup.Items) != 1 || byGroup.Items[0].Gruppe.ID != g.ID {
		t.Fatalf("%+v %v", byGroup, err)
	}
	one, err := c.GetGruppenzugehoerigkeit(ctx, m.ID)
	if err != nil || len(one.Gruppenzugehoerigkeiten) != 1 || one.Gruppe.ID != g.ID {
		t.Fatalf("%+v %v", one, err)
	}
	nm := one.Gruppenzugehoerigkeiten[0]
	nm.Von = date("2026-08-01")
	upd, err := c.UpdateGruppenzugehoerigkeit(ctx, nm)
	if err != nil || !upd.Von.Equal(date("2026-08-01").Time) || upd.Revision == m.Revision {
		t.Fatalf("%+v %v", upd, err)
	}
	if _, err := c.ModifyGruppenzugehoerigkeit(ctx, m.ID, 0, func(z *schulconnex.Gruppenzugehoerigkeit) error {
		z.Rollen = append(z.Rollen, schulconnex.GruppenrolleGMit)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteGruppenzugehoerigkeit(ctx, m.ID, upd.Revision); !errors.Is(err, schulconnex.ErrRevisionConflict) {
		t.Fatalf("stale delete: %v", err)
	}
	cur, _ := c.GetGruppenzugehoerigkeit(ctx, m.ID)
	if err := c.DeleteGruppenzugehoerigkeit(ctx, m.ID, cur.Gruppenzugehoerigkeiten[0].Revision); err != nil {
		t.Fatal(err)
	}
	// Deleting the group deletes its memberships; the person still has contexts.
	gd, _ := c.GetGruppe(ctx, g.ID)
	if err := c.DeleteGruppe(ctx, g.ID, gd.Gruppe.Revision); err != nil {
		t.Fatal(err)
	}
	if err := c.DeletePerson(ctx, student.ID, student.Revision); !errors.Is(err, schulconnex.ErrPersonHasContexts) {
		t.Fatalf("person with contexts: %v", err)
	}
	cur2, _ := c.GetPersonenkontext(ctx, ks.ID)
	if err := c.DeletePersonenkontext(ctx, ks.ID, cur2.Personenkontexte[0].Revision); err != nil {
		t.Fatal(err)
	}
	if err := c.DeletePerson(ctx, student.ID, student.Revision); err != nil {
		t.Fatal(err)
	}
	// Every iterator yields what its page call returns.
	n := 0
	for _, err := range c.ListOrganisationen(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	for _, err := range c.ListGruppen(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, err := range c.ListPersonenkontexte(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, err := range c.ListPersonenkontexteOfPerson(ctx, guardian.ID, nil) {
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, err := range c.ListSichtfreigaben(ctx, kg.ID) {
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, err := range c.ListGruppenzugehoerigkeiten(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n != 2 {
		t.Fatalf("organisations iterator yielded %d", n)
	}
	if _, err := c.GetPerson(ctx, ""); err == nil {
		t.Fatal("empty id accepted")
	}
}

// TestReleaseVisibility: a released context is visible to the other school only within its
// period.
func TestReleaseVisibility(t *testing.T) {
	clk := &clock{t: time.Date(2026, 9, 14, 10, 0, 0, 0, time.UTC)}
	s := newFake(t, schulconnextest.WithClock(clk.now))
	c := client(t, s)
	_, oc := s.AddOrganisation(schulconnex.Organisation{Kennung: "NI_2"})
	otherOrg := oc.Organisation
	p, _ := c.CreatePerson(ctx, person("Frei", "Fiona", "", "", "f1"))
	k, _ := c.CreatePersonenkontext(ctx, p.ID, schulconnex.Personenkontext{Rolle: schulconnex.RolleLern})
	if _, err := c.CreateSichtfreigabe(ctx, k.ID, schulconnex.Sichtfreigabe{Orgid: otherOrg, Von: date("2026-09-15"), Bis: date("2026-09-30")}); err != nil {
		t.Fatal(err)
	}
	other, err := schulconnex.New(s.URL(), schulconnex.WithClientCredentials(s.TokenURL(), oc.ClientID, oc.ClientSecret))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		day     time.Time
		visible bool
	}{
		{clk.t, false},
		{time.Date(2026, 9, 15, 0, 0, 0, 0, time.UTC), true},
		{time.Date(2026, 9, 30, 23, 59, 0, 0, time.UTC), true},
		{time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), false},
	} {
		clk.t = tc.day
		page, err := other.ListPersonenPage(ctx, &schulconnex.ListPersonenParams{Sichtfreigabe: "ja"})
		if err != nil || (len(page.Items) == 1) != tc.visible {
			t.Errorf("%v: %d persons %v", tc.day, len(page.Items), err)
		}
		if _, err := other.GetPerson(ctx, p.ID); (err == nil) != tc.visible {
			t.Errorf("%v: get %v", tc.day, err)
		}
	}
}
