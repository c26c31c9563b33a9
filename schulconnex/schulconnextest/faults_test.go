package schulconnextest_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/edusync/edusync/schulconnex"
	"github.com/edusync/edusync/schulconnex/schulconnextest"
)

func newPerson(n string) schulconnex.Person {
	return schulconnex.Person{Referrer: n, Name: schulconnex.PersonName{Familienname: "F" + n, Vorname: "V"},
		Auskunftssperre: schulconnex.JaNeinNein, Vertrauensstufe: schulconnex.VertrauensstufeVoll}
}

// persons counts the persons the server stores.
func persons(s *schulconnextest.Server) int {
	n := 0
	_ = s.Edit(func(e *schulconnextest.Editor) error { n = len(e.Persons()); return nil })
	return n
}

// TestFaults: each kind of fault hits the requests it names, as often as it says, and carries
// the operation out or not as documented.
func TestFaults(t *testing.T) {
	ctx := context.Background()
	s := schulconnextest.NewServer()
	defer s.Close()
	c, err := s.Client(schulconnex.WithoutRetry())
	if err != nil {
		t.Fatal(err)
	}

	// A status with Retry-After, for one POST only; GETs pass.
	s.SetFaults(schulconnextest.Faults{Rules: []schulconnextest.Rule{{Method: "POST", Path: "/personen", Status: http.StatusServiceUnavailable, RetryAfter: 7 * time.Second, Times: 1}}})
	if _, err := c.ListPersonenPage(ctx, nil); err != nil {
		t.Fatalf("GET hit by a POST fault: %v", err)
	}
	_, err = c.CreatePerson(ctx, newPerson("1"))
	var apiErr *schulconnex.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 || apiErr.Code != "503" || apiErr.Subcode != "00" || apiErr.RetryAfter != 7*time.Second {
		t.Fatalf("fault answer: %#v", err)
	}
	if persons(s) != 0 {
		t.Fatal("a refused write was carried out")
	}
	if _, err := c.CreatePerson(ctx, newPerson("1")); err != nil {
		t.Fatalf("after Times ran out: %v", err)
	}

	// Drop: no answer, nothing written.
	s.SetFaults(schulconnextest.Faults{Rules: []schulconnextest.Rule{{Method: "POST", Drop: true, Times: 1}}})
	if _, err := c.CreatePerson(ctx, newPerson("2")); err == nil || errors.As(err, &apiErr) {
		t.Fatalf("dropped connection: %v", err)
	}
	if persons(s) != 1 {
		t.Fatal("a dropped write was carried out")
	}

	// AfterWrite: no answer, but written.
	s.SetFaults(schulconnextest.Faults{Rules: []schulconnextest.Rule{{Method: "POST", AfterWrite: true, Times: 1}}})
	if _, err := c.CreatePerson(ctx, newPerson("3")); err == nil {
		t.Fatal("lost answer reported as success")
	}
	if persons(s) != 2 {
		t.Fatal("the write whose answer was lost was not carried out")
	}

	// Every: every second matching request, until ClearFaults.
	s.SetFaults(schulconnextest.Faults{Rules: []schulconnextest.Rule{{Path: "/organisation-info", Status: http.StatusTooManyRequests, Every: 2}}})
	var got []bool
	for range 4 {
		_, err := c.GetOrganisationInfo(ctx)
		got = append(got, errors.Is(err, schulconnex.ErrRateLimited))
	}
	if want := []bool{false, true, false, true}; !slices.Equal(got, want) {
		t.Fatalf("Every 2: hits %v, want %v", got, want)
	}
	s.SetFaults(schulconnextest.Faults{})
	if _, err := c.GetOrganisationInfo(ctx); err != nil {
		t.Fatalf("after ClearFaults: %v", err)
	}

	// Delay: the client's deadline ends first.
	s.SetFaults(schulconnextest.Faults{Rules: []schulconnextest.Rule{{Delay: time.Second, Times: 1}}})
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := c.GetOrganisationInfo(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("slow answer: %v", err)
	}
}
