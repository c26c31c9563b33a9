package ladok_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/jarcoal/httpmock"

	"github.com/edusync/edusync/internal/idnum"
	"github.com/edusync/edusync/ladok"
	"github.com/edusync/edusync/ladok/ladoktest"
)

// personnummer returns a valid personnummer for birth date yyyymmdd and serial nnn.
func personnummer(yyyymmdd, nnn string) string {
	return yyyymmdd + nnn + string(idnum.LuhnDigit(yyyymmdd[2:]+nnn))
}

// university fills a fake with a small university.
func university(t *testing.T) (*ladoktest.Server, *ladok.Client) {
	t.Helper()
	s := ladoktest.NewServer()
	t.Cleanup(s.Close)
	s.AddPeriods(ladok.Period{ID: "113076", Kod: "HT2026", FromDatum: "2026-08-31", TomDatum: "2027-01-17", Benamning: ladok.Benamning{"sv": "Hösttermin 2026"}})
	for i, code := range []string{"DSV", "MATH", "HIST", "BIO", "FYS"} {
		s.AddOrganisations(ladok.Organisation{UID: fmt.Sprintf("org-%d", i), Organisationskod: code, Benamning: ladok.Benamning{"sv": code}, Organisationsenhetstyp: 1})
	}
	s.AddStudents(
		ladok.Student{UID: "s-1", Personnummer: personnummer("19900101", "238"), Fornamn: "Åsa", Efternamn: "Öberg"},
		ladok.Student{UID: "s-2", Personnummer: personnummer("20010314", "102"), Fornamn: "Björn", Efternamn: "Ågren"},
	)
	s.AddKontaktuppgifter(ladok.Kontaktuppgifter{UID: "k-1", StudentUID: "s-1", Epostadress: "asa@student.example.se"})
	s.AddUtbildningstillfallen(
		ladok.Utbildningstillfalle{UID: "kt-1", Utbildningstillfalleskod: "10001", Utbildningskod: "DA1000", UtbildningsinstansUID: "ui-1", Status: 2},
		ladok.Utbildningstillfalle{UID: "kt-2", Utbildningstillfalleskod: "10002", Utbildningskod: "DA2000", UtbildningsinstansUID: "ui-2", Status: 2},
		ladok.Utbildningstillfalle{UID: "kt-3", Utbildningstillfalleskod: "10003", Utbildningskod: "MA1000", UtbildningsinstansUID: "ui-3", Status: 1},
	)
	s.AddKurspaketeringstillfallen(ladok.Utbildningstillfalle{UID: "kp-1", Utbildningstillfalleskod: "20001", Utbildningskod: "TDATA"})
	s.AddUtbildningsinstanser(ladok.Utbildningsinstans{UID: "ui-1", Utbildningskod: "DA1000", Omfattning: "7.5", Benamning: ladok.Benamning{"sv": "Databaser"}})
	s.AddTillfallesdeltagande("s-1", ladok.Tillfallesdeltagande{UID: "td-1", Utbildningsinformation: ladok.Utbildningsinformation{UtbildningstillfalleUID: "kt-1", Utbildningskod: "DA1000"}, Nuvarande: true})
	for i := range 7 {
		s.AddDeltagare(ladok.Deltagare{UID: fmt.Sprintf("d-%d", i), UtbildningstillfalleUID: "kt-1",
			Student:       ladok.DeltagareStudent{UID: fmt.Sprintf("s-%d", i), Efternamn: string(rune('G' - i)), Fornamn: "X"},
			TillstandKurs: ladok.TillstandKurs{Tillfallesdeltagande: string(ladok.DeltagaretillstandRegistrerad)}})
	}
	s.AddDeltagare(ladok.Deltagare{UID: "d-avbrott", UtbildningstillfalleUID: "kt-1", TillstandKurs: ladok.TillstandKurs{Tillfallesdeltagande: "AVBROTT"}})
	c, err := s.Client(ladok.WithPageSize(3))
	if err != nil {
		t.Fatal(err)
	}
	return s, c
}

func TestRESTResources(t *testing.T) {
	_, c := university(t)
	ctx := context.Background()
	st, err := c.GetStudent(ctx, "s-1")
	if err != nil || st.Fornamn != "Åsa" {
		t.Fatalf("Student = %+v, %v", st, err)
	}
	for _, form := range []string{st.Personnummer, st.Personnummer[:8] + "-" + st.Personnummer[8:], st.Personnummer[2:8] + "-" + st.Personnummer[8:]} {
		got, err := c.GetStudentByPersonnummer(ctx, form)
		if err != nil || got.UID != "s-1" {
			t.Fatalf("StudentByPersonnummer(%s form) = %+v, %v", form[:2], got, err)
		}
	}
	k, err := c.GetKontaktuppgifter(ctx, "s-1")
	if err != nil || k.Epostadress != "asa@student.example.se" {
		t.Fatalf("Kontaktuppgifter = %+v, %v", k, err)
	}
	periods, err := c.GetPeriods(ctx)
	if err != nil || len(periods) != 1 || periods[0].Kod != "HT2026" {
		t.Fatalf("Periods = %+v, %v", periods, err)
	}
	org, err := c.GetOrganisation(ctx, "org-0")
	if err != nil || org.Organisationskod != "DSV" {
		t.Fatalf("Organisation = %+v, %v", org, err)
	}
	u, err := c.GetUtbildningstillfalle(ctx, "kt-2")
	if err != nil || u.Utbildningskod != "DA2000" {
		t.Fatalf("Utbildningstillfalle = %+v, %v", u, err)
	}
	kp, err := c.GetKurspaketeringstillfalle(ctx, "kp-1")
	if err != nil || kp.Utbildningskod != "TDATA" {
		t.Fatalf("Kurspaketeringstillfalle = %+v, %v", kp, err)
	}
	ui, err := c.GetUtbildningsinstans(ctx, "ui-1")
	if err != nil || ui.Benamning["sv"] != "Databaser" {
		t.Fatalf("Utbildningsinstans = %+v, %v", ui, err)
	}
	td, err := c.GetKurstillfallesdeltaganden(ctx, "s-1")
	if err != nil || len(td) != 1 || td[0].Utbildningsinformation.UtbildningstillfalleUID != "kt-1" {
		t.Fatalf("Kurstillfallesdeltaganden = %+v, %v", td, err)
	}
}

func collect[T any](t *testing.T, seq func(yield func(T, error) bool)) []T {
	t.Helper()
	var out []T
	for v, err := range seq {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

func TestSearchesPageWithExplicitOrder(t *testing.T) {
	s, c := university(t)
	ctx := context.Background()
	codes := func(orgs []ladok.Organisation) []string {
		var out []string
		for _, o := range orgs {
			out = append(out, o.Organisationskod)
		}
		return out
	}
	orgs := collect(t, c.SearchOrganisations(ctx, nil))
	if diff := cmp.Diff([]string{"BIO", "DSV", "FYS", "HIST", "MATH"}, codes(orgs)); diff != "" {
		t.Errorf("organisations (-want +got):\n%s", diff)
	}
	if n := s.Stats().RequestsTo("/kataloginformation/organisation/filtrera"); n != 2 {
		t.Errorf("%d requests for 5 organisations in pages of 3, want 2", n)
	}
	desc := collect(t, c.SearchOrganisations(ctx, &ladok.SearchOrganisationsParams{Orderby: []ladok.OrganisationOrderBy{ladok.OrganisationOrderByKodDesc}}))
	if diff := cmp.Diff([]string{"MATH", "HIST", "FYS", "DSV", "BIO"}, codes(desc)); diff != "" {
		t.Errorf("descending (-want +got):\n%s", diff)
	}
	offerings := collect(t, c.SearchUtbildningstillfallen(ctx, &ladok.SearchUtbildningstillfallenParams{Utbildningskod: "DA2000"}))
	if len(offerings) != 1 || offerings[0].UID != "kt-2" {
		t.Errorf("offerings = %+v", offerings)
	}
	all := collect(t, c.SearchUtbildningstillfallen(ctx, nil))
	if len(all) != 3 {
		t.Errorf("%d offerings, want 3", len(all))
	}
	participants := collect(t, c.SearchDeltagare(ctx, ladok.DeltagareKurstillfalleFilter{
		UtbildningstillfalleUID: []string{"kt-1"},
		Deltagaretillstand:      []ladok.Deltagaretillstand{ladok.DeltagaretillstandRegistrerad},
	}))
	var names []string
	for _, p := range participants {
		names = append(names, p.Student.Efternamn)
	}
	if diff := cmp.Diff([]string{"A", "B", "C", "D", "E", "F", "G"}, names); diff != "" {
		t.Errorf("participants by family name (-want +got):\n%s", diff)
	}
	page, err := c.SearchDeltagarePage(ctx, ladok.DeltagareKurstillfalleFilter{UtbildningstillfalleUID: []string{"kt-1"}, Page: 3, Limit: 3})
	if err != nil || page.Total != 8 || len(page.Items) != 2 || page.Page != 3 {
		t.Fatalf("page 3 = %+v, %v", page, err)
	}
}

func TestErrorsCarryLadokFieldsAndNoPersonalNumbers(t *testing.T) {
	var logs bytes.Buffer
	s, _ := university(t)
	c, err := s.Client(ladok.WithLogger(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	pnr := personnummer("19800214", "432")
	_, err = c.GetStudentByPersonnummer(ctx, pnr)
	var ae *ladok.APIError
	if !errors.Is(err, ladok.ErrNotFound) || !errors.As(err, &ae) {
		t.Fatalf("err = %v, want a 404 APIError", err)
	}
	if ae.Code != "ladoktest.saknas" || ae.Subcode != "ladoktest.saknas" || ae.RequestID == "" || ae.Message == "" {
		t.Errorf("APIError fields from Ladok's body: %+v", ae)
	}
	for _, where := range []string{err.Error(), logs.String()} {
		if strings.Contains(where, pnr) || strings.Contains(where, pnr[2:]) {
			t.Errorf("personal number leaked: %s", where)
		}
	}
	if !strings.Contains(logs.String(), "personnummer") {
		t.Error("request not logged")
	}
	_, err = c.GetStudentByPersonnummer(ctx, "19800214-4321")
	if err == nil || strings.Contains(err.Error(), "4321") {
		t.Errorf("invalid number: %v", err)
	}
	if _, err := c.GetStudent(ctx, "nobody"); !errors.Is(err, ladok.ErrNotFound) {
		t.Errorf("missing student: %v", err)
	}
	if _, err := c.GetFeedPage(ctx, "https://evil.example/handelser/feed/1"); !errors.Is(err, ladok.ErrForeignHref) {
		t.Errorf("foreign href: %v", err)
	}
	if _, err := c.GetFeedPage(ctx, ladok.FeedPageHref(999)); !errors.Is(err, ladok.ErrNotFound) {
		t.Errorf("missing page: %v", err)
	}
}

func TestNewValidates(t *testing.T) {
	cr := ladoktest.NewServer()
	defer cr.Close()
	creds := ladok.WithCredentials(cr.Credentials())
	for _, tc := range []struct {
		url  string
		opts []ladok.Option
	}{
		{"http://api.ladok.se", []ladok.Option{creds}},
		{"api.ladok.se", []ladok.Option{creds}},
		{"https://api.ladok.se?x=1", []ladok.Option{creds}},
		{"https://api.ladok.se", nil},
		{"https://api.ladok.se", []ladok.Option{creds, ladok.WithPageSize(401)}},
		{"https://api.ladok.se", []ladok.Option{creds, ladok.WithMaxFeedPage(0)}},
		{"https://api.ladok.se", []ladok.Option{ladok.WithCredentials(nil)}},
	} {
		if _, err := ladok.New(tc.url, tc.opts...); err == nil {
			t.Errorf("New(%q) accepted", tc.url)
		}
	}
	c, err := ladok.New("https://api.ladok.se/", creds)
	if err != nil || c.BaseURL() != "https://api.ladok.se" {
		t.Fatalf("New = %v, %v", c, err)
	}
}

// mockClient is a client whose requests go to an httpmock transport.
func mockClient(t *testing.T) (*ladok.Client, *httpmock.MockTransport) {
	t.Helper()
	mt := httpmock.NewMockTransport()
	c, err := ladok.New("https://api.ladok.example", ladok.WithHTTPClient(&http.Client{Transport: mt}), ladok.WithoutRetry())
	if err != nil {
		t.Fatal(err)
	}
	return c, mt
}

func TestBadRecordDoesNotSinkThePage(t *testing.T) {
	c, mt := mockClient(t)
	mt.RegisterResponder("GET", `=~^https://api\.ladok\.example/kataloginformation/organisation/filtrera`, func(r *http.Request) (*http.Response, error) {
		if got := r.Header.Get("Accept"); got != "application/vnd.ladok-kataloginformation+json" {
			t.Errorf("Accept = %q", got)
		}
		return httpmock.NewStringResponse(200, `{"TotaltAntalPoster":4,"Resultat":[
			{"Uid":"o-1","Organisationskod":"A"},
			{"Uid":"o-2","Organisationsenhetstyp":"ett"},
			{"Organisationskod":"utan-uid"},
			{"Uid":"o-4","Organisationskod":"D"}]}`), nil
	})
	var good []string
	var bad []*ladok.RecordError
	for o, err := range c.SearchOrganisations(context.Background(), nil) {
		var re *ladok.RecordError
		switch {
		case errors.As(err, &re):
			bad = append(bad, re)
		case err != nil:
			t.Fatal(err)
		default:
			good = append(good, o.UID)
		}
	}
	if diff := cmp.Diff([]string{"o-1", "o-4"}, good); diff != "" {
		t.Errorf("good records (-want +got):\n%s", diff)
	}
	if len(bad) != 2 || bad[0].ID != "o-2" || bad[0].Index != 1 || bad[1].Index != 2 {
		t.Errorf("record errors: %v", bad)
	}
}

func TestXMLErrorBody(t *testing.T) {
	c, mt := mockClient(t)
	mt.RegisterResponder("GET", "https://api.ladok.example/handelser/feed/recent",
		httpmock.NewStringResponder(503, `<ns:LadokException xmlns:ns="http://schemas.ladok.se"><ns:Detaljkod>d.1</ns:Detaljkod><ns:FelUID>f-1</ns:FelUID><ns:Felgrupp>g.1</ns:Felgrupp><ns:Meddelande>Underhåll</ns:Meddelande></ns:LadokException>`))
	_, err := c.GetFeedPage(context.Background(), ladok.FeedRecent)
	var ae *ladok.APIError
	if !errors.As(err, &ae) || ae.Code != "g.1" || ae.Subcode != "d.1" || ae.RequestID != "f-1" || ae.Message != "Underhåll" || !errors.Is(err, ladok.ErrServer) {
		t.Fatalf("err = %v (%+v)", err, ae)
	}
}

func ExampleClient_GetStudentByPersonnummer() {
	fake := ladoktest.NewServer()
	defer fake.Close()
	fake.AddStudents(ladok.Student{UID: "3e1f6c2a-0000-4000-8000-000000000001", Personnummer: "199001012385", Fornamn: "Åsa", Efternamn: "Öberg"})

	// Against Ladok: creds, _ := ladok.LoadPEM("integration.pem"); url, _ := creds.BaseURL()
	// client, _ := ladok.New(url, ladok.WithCredentials(creds))
	client, err := fake.Client()
	if err != nil {
		panic(err)
	}
	st, err := client.GetStudentByPersonnummer(context.Background(), "900101-2385")
	if err != nil {
		panic(err)
	}
	fmt.Println(st.Fornamn, st.Efternamn, st.UID)
	// Output: Åsa Öberg 3e1f6c2a-0000-4000-8000-000000000001
}

// A page of a search without an order gets the order the iterators use: Ladok pages only
// searches that name one.
func TestSearchPagesDefaultTheirOrder(t *testing.T) {
	_, c := university(t)
	ctx := context.Background()
	orgs, err := c.SearchOrganisationsPage(ctx, &ladok.SearchOrganisationsParams{Page: 1, Limit: 2})
	if err != nil || len(orgs.Items) != 2 || orgs.Items[0].Organisationskod != "BIO" {
		t.Fatalf("organisations %+v %v", orgs, err)
	}
	offers, err := c.SearchUtbildningstillfallenPage(ctx, &ladok.SearchUtbildningstillfallenParams{Page: 1, Limit: 2})
	if err != nil || len(offers.Items) != 2 || offers.Items[0].Utbildningstillfalleskod != "10001" {
		t.Fatalf("offerings %+v %v", offers, err)
	}
}
