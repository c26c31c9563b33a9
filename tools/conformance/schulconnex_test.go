package conformance

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/edusync/edusync/schulconnex"
	"github.com/edusync/edusync/schulconnex/schulconnextest"
)

// schulconnexAllowed are the defects of the official Schulconnex 1.7-rc1 files that our traffic
// meets.
var schulconnexAllowed = []Allow{
	{Match: `^Error at "/name/vertrauensstufe": property "vertrauensstufe" is missing`,
		Why: "the person's name lists vertrauensstufe as required, a property of the person that the name does not declare (our defect 2)"},
	{Response: true, Match: `^Error at "(/\d+)?(/person)?/name/vertrauensstufe": property "vertrauensstufe" is missing`,
		Why: "the same misplaced vertrauensstufe, in every answer that carries a person (our defect 2)"},
	{Operation: "GET /personenkontexte", Response: true, Match: `^Error at "/\d+/person/(mandant|revision|name|auskunftssperre)": property "\w+" is missing`,
		Why: "the text says this listing carries only the person's id unless asked for more, while the schema requires the whole person"},
	{Match: `^Error at "(/\d+/gruppe)?(/gruppe)?/faecher/\d+": input matches more than one oneOf schemas`,
		Why: "faecher items are a oneOf of objects with kennung, bezeichnung or both that do not exclude each other, so a subject with a kennung matches two (our defect 5)"},
	{Response: true, Match: `^Error at "(/\d+/gruppe)?(/gruppe)?/faecher/\d+": input matches more than one oneOf schemas`,
		Why: "the same overlapping oneOf of faecher, in the answers that carry a group (our defect 5)"},
}

// TestSchulconnexAgainstTheOfficialFile runs every operation of package schulconnex through a
// proxy that checks requests and answers against the official Schulconnex 1.7-rc1 source-system
// API (api-qs.yaml and the files it refers to).
func TestSchulconnexAgainstTheOfficialFile(t *testing.T) {
	specs := SharedSpecs(t)
	fake := schulconnextest.NewServer()
	defer fake.Close()
	proxy := Start(t, Config{Spec: filepath.Join(specs, "schulconnex", "openapi", "v1.7-rc1", "api-qs.yaml"), Official: true,
		Target: strings.TrimSuffix(fake.URL(), schulconnextest.BasePath), BasePath: schulconnextest.BasePath})
	cred := fake.Credentials()
	c, err := schulconnex.New(proxy.URL(), schulconnex.WithClientCredentials(fake.TokenURL(), cred.ClientID, cred.ClientSecret),
		schulconnex.WithoutRetry())
	if err != nil {
		t.Fatal(err)
	}
	runSchulconnex(t, c, fake)
	proxy.Covered(t, filepath.Join(Repo(), "openapi", "schulconnex.yaml"))
	proxy.Check(t, schulconnexAllowed)
}

func runSchulconnex(t *testing.T, c *schulconnex.Client, fake *schulconnextest.Server) {
	ctx := context.Background()
	day := func(s string) openapi_types.Date {
		d, _ := time.Parse(time.DateOnly, s)
		return openapi_types.Date{Time: d}
	}
	other, _ := fake.AddOrganisation(schulconnex.Organisation{Kennung: "NI_2", Name: "Zweite Schule", Typ: schulconnex.OrganisationstypSchule})

	_, err := c.GetOrganisationInfo(ctx)
	must(t, "GetOrganisationInfo", err)
	_, err = c.ListOrganisationenPage(ctx, nil)
	must(t, "ListOrganisationenPage", err)
	_, err = c.GetOrganisation(ctx, other.ID)
	must(t, "GetOrganisation", err)
	_, err = c.GetOrganisationsbeziehungen(ctx, other.ID, nil)
	must(t, "GetOrganisationsbeziehungen", err)

	person := func(family, given, referrer string) schulconnex.Person {
		return schulconnex.Person{Referrer: referrer, Name: schulconnex.PersonName{Familienname: family, Vorname: given},
			Geburt: schulconnex.Geburt{Datum: day("2014-01-01"), Geburtsort: "Kiel"}, Auskunftssperre: schulconnex.JaNeinNein,
			Vertrauensstufe: schulconnex.VertrauensstufeVoll}
	}
	student, err := c.CreatePerson(ctx, person("Kind", "Kim", "st1"))
	must(t, "CreatePerson", err)
	guardian, err := c.CreatePerson(ctx, person("Eltern", "Eli", "gu1"))
	must(t, "CreatePerson", err)
	_, err = c.GetPerson(ctx, student.ID)
	must(t, "GetPerson", err)
	_, err = c.ListPersonenPage(ctx, nil)
	must(t, "ListPersonenPage", err)
	student.Name.Rufname = "Kimmi"
	student, err = c.UpdatePerson(ctx, *student)
	must(t, "UpdatePerson", err)

	ks, err := c.CreatePersonenkontext(ctx, student.ID, schulconnex.Personenkontext{Rolle: schulconnex.RolleLern, Referrer: "st1/Lern", Jahrgangsstufe: "06"})
	must(t, "CreatePersonenkontext", err)
	kg, err := c.CreatePersonenkontext(ctx, guardian.ID, schulconnex.Personenkontext{Rolle: schulconnex.RolleSorgBer})
	must(t, "CreatePersonenkontext", err)
	_, err = c.ListPersonenkontexteOfPersonPage(ctx, student.ID, nil)
	must(t, "ListPersonenkontexteOfPersonPage", err)
	_, err = c.ListPersonenkontextePage(ctx, nil)
	must(t, "ListPersonenkontextePage", err)
	d, err := c.GetPersonenkontext(ctx, ks.ID)
	must(t, "GetPersonenkontext", err)
	k := d.Personenkontexte[0]
	k.Jahrgangsstufe = "07"
	ks, err = c.UpdatePersonenkontext(ctx, k)
	must(t, "UpdatePersonenkontext", err)

	b, err := c.CreateBeziehung(ctx, ks.ID, schulconnex.Beziehung{Ktid: kg.ID, Beziehung: schulconnex.BeziehungstypSorgBer})
	must(t, "CreateBeziehung", err)
	_, err = c.GetBeziehung(ctx, b.ID)
	must(t, "GetBeziehung", err)
	_, err = c.GetBeziehungen(ctx, kg.ID, nil)
	must(t, "GetBeziehungen", err)
	must(t, "DeleteBeziehung", c.DeleteBeziehung(ctx, b.ID, b.Revision))

	now := c.Now()
	sf, err := c.CreateSichtfreigabe(ctx, ks.ID, schulconnex.Sichtfreigabe{Orgid: other.ID,
		Von: openapi_types.Date{Time: now}, Bis: openapi_types.Date{Time: now.AddDate(0, 6, 0)}})
	must(t, "CreateSichtfreigabe", err)
	_, err = c.ListSichtfreigabenPage(ctx, ks.ID)
	must(t, "ListSichtfreigabenPage", err)
	must(t, "DeleteSichtfreigabe", c.DeleteSichtfreigabe(ctx, sf.ID, sf.Revision))

	g, err := c.CreateGruppe(ctx, schulconnex.Gruppe{Referrer: "6a", Bezeichnung: "Klasse 6a", Typ: schulconnex.GruppentypKlasse,
		Jahrgangsstufen: []schulconnex.Jahrgangsstufe{"06"}, Faecher: []schulconnex.Fach{{Kennung: schulconnex.FachkennungDE}}})
	must(t, "CreateGruppe", err)
	_, err = c.ListGruppenPage(ctx, nil)
	must(t, "ListGruppenPage", err)
	gd, err := c.GetGruppe(ctx, g.ID)
	must(t, "GetGruppe", err)
	gg := gd.Gruppe
	gg.Bezeichnung = "Klasse 6a (Ganztag)"
	g, err = c.UpdateGruppe(ctx, gg)
	must(t, "UpdateGruppe", err)
	m, err := c.CreateGruppenzugehoerigkeit(ctx, g.ID, schulconnex.Gruppenzugehoerigkeit{Ktid: ks.ID, Rollen: []schulconnex.Gruppenrolle{schulconnex.GruppenrolleLern}})
	must(t, "CreateGruppenzugehoerigkeit", err)
	_, err = c.ListGruppenzugehoerigkeitenOfGruppePage(ctx, g.ID, nil)
	must(t, "ListGruppenzugehoerigkeitenOfGruppePage", err)
	_, err = c.ListGruppenzugehoerigkeitenPage(ctx, nil)
	must(t, "ListGruppenzugehoerigkeitenPage", err)
	md, err := c.GetGruppenzugehoerigkeit(ctx, m.ID)
	must(t, "GetGruppenzugehoerigkeit", err)
	mm := md.Gruppenzugehoerigkeiten[0]
	mm.Von = day("2026-08-01")
	m, err = c.UpdateGruppenzugehoerigkeit(ctx, mm)
	must(t, "UpdateGruppenzugehoerigkeit", err)
	must(t, "DeleteGruppenzugehoerigkeit", c.DeleteGruppenzugehoerigkeit(ctx, m.ID, m.Revision))
	must(t, "DeleteGruppe", c.DeleteGruppe(ctx, g.ID, g.Revision))

	must(t, "DeletePersonenkontext", c.DeletePersonenkontext(ctx, ks.ID, ks.Revision))
	must(t, "DeletePersonenkontext", c.DeletePersonenkontext(ctx, kg.ID, kg.Revision))
	must(t, "DeletePerson", c.DeletePerson(ctx, student.ID, student.Revision))
}
