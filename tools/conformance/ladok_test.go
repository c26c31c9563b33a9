package conformance

import (
	"context"
	"crypto/tls"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/edusync/edusync/ladok"
	"github.com/edusync/edusync/ladok/ladoktest"
)

// ladokAllowed is empty: Ladok publishes XSDs and a REST documentation, no OpenAPI file, so the
// check is against our own openapi/ladok.yaml, where a violation is always a defect of ours.
var ladokAllowed = []Allow{}

// TestLadokAgainstOurFile runs every operation of package ladok through a proxy that checks
// requests and answers against openapi/ladok.yaml. Ladok speaks mutual TLS: the client shows
// its certificate to the proxy (which ignores it), and the proxy shows the fake's client
// certificate to the fake, which refuses any other.
func TestLadokAgainstOurFile(t *testing.T) {
	fake := ladoktest.NewServer()
	defer fake.Close()
	creds := fake.Credentials()
	toFake := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: fake.CA().Pool(), Certificates: []tls.Certificate{creds.Certificate},
		MinVersion: tls.VersionTLS12}}
	spec := filepath.Join(Repo(), "openapi", "ladok.yaml")
	proxy := Start(t, Config{Spec: spec, Target: fake.URL(), Transport: toFake, TLS: true})
	c, err := ladok.New(proxy.URL(), ladok.WithCredentials(creds), ladok.WithRootCAs(proxy.RootCAs()), ladok.WithoutRetry())
	if err != nil {
		t.Fatal(err)
	}
	fillUniversity(fake)
	runLadok(t, c)
	proxy.Covered(t, spec)
	proxy.Check(t, ladokAllowed)
}

func fillUniversity(s *ladoktest.Server) {
	s.AddPeriods(ladok.Period{ID: "113076", Kod: "HT2026", FromDatum: "2026-08-31", TomDatum: "2027-01-17", Benamning: ladok.Benamning{"sv": "Hösttermin 2026"}})
	s.AddOrganisations(ladok.Organisation{UID: "org-1", Organisationskod: "DSV", Benamning: ladok.Benamning{"sv": "DSV"}, Organisationsenhetstyp: 1})
	s.AddStudents(ladok.Student{UID: "s-1", Personnummer: "199001012385", Fornamn: "Åsa", Efternamn: "Öberg"})
	s.AddKontaktuppgifter(ladok.Kontaktuppgifter{UID: "k-1", StudentUID: "s-1", Epostadress: "asa@student.example.se"})
	s.AddUtbildningstillfallen(ladok.Utbildningstillfalle{UID: "kt-1", Utbildningstillfalleskod: "10001", Utbildningskod: "DA1000", UtbildningsinstansUID: "ui-1", Status: 2})
	s.AddKurspaketeringstillfallen(ladok.Utbildningstillfalle{UID: "kp-1", Utbildningstillfalleskod: "20001", Utbildningskod: "TDATA"})
	s.AddUtbildningsinstanser(ladok.Utbildningsinstans{UID: "ui-1", Utbildningskod: "DA1000", Omfattning: "7.5", Benamning: ladok.Benamning{"sv": "Databaser"}})
	s.AddTillfallesdeltagande("s-1", ladok.Tillfallesdeltagande{UID: "td-1", Utbildningsinformation: ladok.Utbildningsinformation{UtbildningstillfalleUID: "kt-1", Utbildningskod: "DA1000"}, Nuvarande: true})
	s.AddDeltagare(ladok.Deltagare{UID: "d-1", UtbildningstillfalleUID: "kt-1",
		Student:       ladok.DeltagareStudent{UID: "s-1", Efternamn: "Öberg", Fornamn: "Åsa"},
		TillstandKurs: ladok.TillstandKurs{Tillfallesdeltagande: string(ladok.DeltagaretillstandRegistrerad)}})
}

func runLadok(t *testing.T, c *ladok.Client) {
	ctx := context.Background()
	_, err := c.GetAuthenticatedUser(ctx)
	must(t, "GetAuthenticatedUser", err)
	_, err = c.GetPeriods(ctx)
	must(t, "GetPeriods", err)
	_, err = c.GetOrganisation(ctx, "org-1")
	must(t, "GetOrganisation", err)
	_, err = c.SearchOrganisationsPage(ctx, &ladok.SearchOrganisationsParams{Page: 1, Limit: 10})
	must(t, "SearchOrganisationsPage", err)
	_, err = c.GetStudent(ctx, "s-1")
	must(t, "GetStudent", err)
	_, err = c.GetStudentByPersonnummer(ctx, "199001012385")
	must(t, "GetStudentByPersonnummer", err)
	_, err = c.GetKontaktuppgifter(ctx, "s-1")
	must(t, "GetKontaktuppgifter", err)
	_, err = c.GetUtbildningstillfalle(ctx, "kt-1")
	must(t, "GetUtbildningstillfalle", err)
	_, err = c.SearchUtbildningstillfallenPage(ctx, &ladok.SearchUtbildningstillfallenParams{Page: 1, Limit: 10})
	must(t, "SearchUtbildningstillfallenPage", err)
	_, err = c.GetUtbildningsinstans(ctx, "ui-1")
	must(t, "GetUtbildningsinstans", err)
	_, err = c.GetKurspaketeringstillfalle(ctx, "kp-1")
	must(t, "GetKurspaketeringstillfalle", err)
	_, err = c.GetKurstillfallesdeltaganden(ctx, "s-1")
	must(t, "GetKurstillfallesdeltaganden", err)
	_, err = c.SearchDeltagarePage(ctx, ladok.DeltagareKurstillfalleFilter{UtbildningstillfalleUID: []string{"kt-1"}, Page: 1, Limit: 10})
	must(t, "SearchDeltagarePage", err)
	_, err = c.GetFeedPage(ctx, ladok.FeedRecent)
	must(t, "GetFeedPage", err)
}
