package ladoktest_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/edusync/edusync/ladok"
	"github.com/edusync/edusync/ladok/ladokfeed"
	"github.com/edusync/edusync/ladok/ladoktest"
	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/synth"
)

func smallUniversity(t *testing.T) *synth.Population {
	t.Helper()
	o, err := synth.PresetOptions(synth.PresetUniversity)
	if err != nil {
		t.Fatal(err)
	}
	o.UniversityStudents, o.UniversityStaff, o.Departments = 120, 20, 3
	o.CourseOfferings, o.Programmes, o.ProgrammeOfferings, o.Registrations = 10, 2, 2, 300
	pop, err := synth.Generate(o)
	if err != nil {
		t.Fatal(err)
	}
	return pop
}

func TestLoadPopulation(t *testing.T) {
	pop := smallUniversity(t)
	s := ladoktest.NewServer(ladoktest.WithEntriesPerPage(100))
	defer s.Close()
	n := s.LoadPopulation(pop, ladoktest.LoadOptions{Events: -1})
	if n == 0 || s.Len() != n {
		t.Fatalf("%d events appended, feed holds %d", n, s.Len())
	}
	c, err := s.Client()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// A registered student is findable by personnummer and has the registration.
	reg := pop.Registrations[0]
	var person *synth.Person
	for i := range pop.Persons {
		if pop.Persons[i].ID == reg.Person {
			person = &pop.Persons[i]
		}
	}
	if person.CivicNoKind == synth.Personnummer || person.CivicNoKind == synth.Samordningsnummer {
		st, err := c.GetStudentByPersonnummer(ctx, person.CivicNo)
		if err != nil || st.UID != person.ID.String() || st.Efternamn != person.FamilyName {
			t.Fatalf("StudentByPersonnummer = %+v, %v", st, err)
		}
	}
	td, err := c.GetKurstillfallesdeltaganden(ctx, person.ID.String())
	if err != nil || len(td) == 0 {
		t.Fatalf("participations = %v, %v", td, err)
	}
	// Every registration of an offering is a registered participant.
	off := reg.CourseOffering
	want := 0
	for _, r := range pop.Registrations {
		if r.CourseOffering == off {
			want++
		}
	}
	got := 0
	for _, err := range c.SearchDeltagare(ctx, ladok.DeltagareKurstillfalleFilter{UtbildningstillfalleUID: []string{off.String()},
		Deltagaretillstand: []ladok.Deltagaretillstand{ladok.DeltagaretillstandRegistrerad}}) {
		if err != nil {
			t.Fatal(err)
		}
		got++
	}
	if got != want {
		t.Errorf("%d registered participants, want %d", got, want)
	}
	u, err := c.GetUtbildningstillfalle(ctx, off.String())
	if err != nil || u.StartperiodID == 0 {
		t.Fatalf("offering = %+v, %v", u, err)
	}
	if _, err := c.GetUtbildningsinstans(ctx, u.UtbildningsinstansUID); err != nil {
		t.Fatal(err)
	}
	// The feed decodes, and counts registrations.
	regs := 0
	r, err := ladokfeed.NewReader(c, ladokfeed.NewStoreState(store.NewMemory()), func(_ context.Context, e *ladok.Entry) error {
		if e.Err != nil {
			return e.Err
		}
		switch e.Event.(type) {
		case *ladok.RegistreringEvent, *ladok.OmregistreringEvent:
			regs++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if regs != len(pop.Registrations) {
		t.Errorf("%d registration events, want %d", regs, len(pop.Registrations))
	}
	// A cap limits the events.
	s2 := ladoktest.NewServer()
	defer s2.Close()
	if n := s2.LoadPopulation(pop, ladoktest.LoadOptions{Events: 7}); n != 7 {
		t.Errorf("capped load appended %d events", n)
	}
	if n := s2.LoadPopulation(pop, ladoktest.LoadOptions{}); n != 0 {
		t.Errorf("load without events appended %d", n)
	}
}

func TestFeedPagesLinkBothWays(t *testing.T) {
	s := ladoktest.NewServer(ladoktest.WithEntriesPerPage(4), ladoktest.WithFirstPage(100))
	defer s.Close()
	s.Append(ladoktest.Mix(1, 10)...)
	if s.Pages() != 3 || s.RecentPage() != 102 || s.PageNumber(9) != 102 {
		t.Fatalf("pages %d, recent %d", s.Pages(), s.RecentPage())
	}
	for _, tc := range []struct {
		page           int
		prev, next     bool
		entries, first int
	}{{100, false, true, 4, 3}, {101, true, true, 4, 7}, {102, true, false, 2, 9}} {
		body, ok := s.Page(tc.page)
		if !ok {
			t.Fatalf("page %d missing", tc.page)
		}
		f, err := ladok.ParseFeed(bytesReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if (f.Link(ladok.RelPrevArchive) != "") != tc.prev || (f.Link(ladok.RelNextArchive) != "") != tc.next || len(f.Entries) != tc.entries {
			t.Errorf("page %d: links %v, %d entries", tc.page, f.Links, len(f.Entries))
		}
		if f.ID != fmt.Sprintf("urn:id:%d", tc.page) || f.Link(ladok.RelSelf) != fmt.Sprintf("%s/handelser/feed/%d", s.URL(), tc.page) {
			t.Errorf("page %d: id %q self %q", tc.page, f.ID, f.Link(ladok.RelSelf))
		}
	}
	if _, ok := s.Page(103); ok {
		t.Error("page past the recent one exists")
	}
}

func TestFaultsAndAcceptHeader(t *testing.T) {
	s := ladoktest.NewServer()
	defer s.Close()
	c, err := s.Client(ladok.WithoutRetry())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s.SetFaults(ladoktest.Faults{Rules: []ladoktest.Rule{{Path: "/kataloginformation/", Status: 503, Times: 2}}})
	for i, want := range []bool{true, true, false} {
		_, err := c.GetAuthenticatedUser(ctx)
		if got := errors.Is(err, ladok.ErrServer); got != want {
			t.Errorf("call %d: err = %v", i, err)
		}
	}
	s.SetFaults(ladoktest.Faults{Rules: []ladoktest.Rule{{Path: "/kataloginformation/", Truncate: true, Every: 2}}})
	var truncated int
	for range 4 {
		if _, err := c.GetAuthenticatedUser(ctx); err != nil {
			truncated++
		}
	}
	if truncated != 2 {
		t.Errorf("%d truncated answers of 4, want 2", truncated)
	}
	s.SetFaults(ladoktest.Faults{})
	// Two drops: Go's transport repeats a GET once by itself when a reused connection drops.
	s.SetFaults(ladoktest.Faults{Rules: []ladoktest.Rule{{Drop: true, Times: 2}}})
	if _, err := c.GetAuthenticatedUser(ctx); err == nil {
		t.Error("dropped connection not reported")
	}
	if _, err := c.GetAuthenticatedUser(ctx); err != nil {
		t.Errorf("after the drop: %v", err)
	}
	if n := s.Stats().RequestsTo("/kataloginformation/anvandare/autentiserad"); n != 10 {
		t.Errorf("%d requests counted, want 10", n)
	}

	// Without the vendor media type Ladok answers 406.
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{
		RootCAs: s.CA().Pool(), Certificates: []tls.Certificate{s.Credentials().Certificate}}}}
	req, _ := http.NewRequest("GET", s.URL()+"/kataloginformation/anvandare/autentiserad", nil)
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotAcceptable {
		t.Errorf("status %d for a plain JSON Accept", resp.StatusCode)
	}
	// Without a client certificate there is no connection at all.
	plain := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: s.CA().Pool()}}}
	if resp, err := plain.Get(s.URL() + "/kataloginformation/anvandare/autentiserad"); err == nil {
		resp.Body.Close()
		t.Error("request without a client certificate answered")
	}
}

func TestServeOnListenerWithPEMBundle(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s, err := ladoktest.Serve(ln)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	path := filepath.Join(t.TempDir(), "ladok.pem")
	if err := ladoktest.WritePEMBundle(path, s.Credentials()); err != nil {
		t.Fatal(err)
	}
	// What a sandbox user does with the bundle path.
	creds, err := ladok.LoadPEM(path)
	if err != nil {
		t.Fatal(err)
	}
	c, err := ladok.New(s.URL(), ladok.WithCredentials(creds))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Health(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func ExampleServer() {
	fake := ladoktest.NewServer(ladoktest.WithEntriesPerPage(2))
	defer fake.Close()
	fake.Append(ladoktest.Mix(1, 5)...)
	fake.SetFaults(ladoktest.Faults{Rules: []ladoktest.Rule{{Path: "/handelser/feed/", Status: 503, Times: 1}}})

	client, err := fake.Client()
	if err != nil {
		panic(err)
	}
	feed, err := client.GetFeedPage(context.Background(), ladok.FeedFirst) // retried past the 503
	if err != nil {
		panic(err)
	}
	fmt.Println(fake.Pages(), "pages;", len(feed.Entries), "entries on the first;", feed.Link(ladok.RelNextArchive) != "")
	// Output: 3 pages; 2 entries on the first; true
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
