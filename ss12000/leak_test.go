package ss12000_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/edusync/edusync/internal/leakcheck"
	"github.com/edusync/edusync/ss12000"
	"github.com/edusync/edusync/ss12000/ss12000test"
)

const leakToken = "ss12000-token-Zq81xK"

// poisoned returns the sample school's first record of each kind below with every field
// holding value (an identity number or the client's token), as a string or a number.
func poisoned(t *testing.T, value string, asNumber bool) map[string][]byte {
	t.Helper()
	ds := ss12000test.SampleSchool()
	out := map[string][]byte{}
	for path, rec := range map[string]any{"/persons": ds.Persons[0], "/groups": ds.Groups[0], "/calendarEvents": ds.CalendarEvents[0]} {
		b, err := json.Marshal(rec)
		if err != nil {
			t.Fatal(err)
		}
		out[path] = leakcheck.Fill(b, value, asNumber)
	}
	return out
}

// Every decoder of the client is fed records whose every field holds a valid identity number
// (in each of its forms, as a string and as a number) or the client's token: no run of four of
// the number's digits, and not the token, appears in err.Error(), %+v or the log, in tolerant
// and in strict mode.
func TestDecodersLeakNoIdentityNumberOrToken(t *testing.T) {
	values := append([]string{leakToken}, leakcheck.Numbers...)
	for _, value := range values {
		for _, asNumber := range []bool{false, true} {
			recs := poisoned(t, value, asNumber)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				path := strings.TrimPrefix(r.URL.Path, "/v2")
				kind := "/" + strings.Split(strings.TrimPrefix(path, "/"), "/")[0]
				rec := recs[kind]
				switch {
				case strings.HasSuffix(path, "/lookup"):
					fmt.Fprintf(w, "[%s,%s]", rec, rec)
				case strings.Count(path, "/") == 2: // a single record
					w.Write(rec)
				default:
					fmt.Fprintf(w, `{"data":[%s,%s],"pageToken":null}`, rec, rec)
				}
			}))
			for _, strict := range []bool{false, true} {
				var logs bytes.Buffer
				opts := []ss12000.Option{ss12000.WithBearerToken(leakToken), ss12000.WithoutRetry(),
					ss12000.WithLogger(leakcheck.Logger(&logs))}
				if strict {
					opts = append(opts, ss12000.WithStrict())
				}
				c, err := ss12000.New(srv.URL+"/v2", opts...)
				if err != nil {
					t.Fatal(err)
				}
				ctx := context.Background()
				var errs []error
				for _, err := range c.ListPersons(ctx, nil) {
					errs = append(errs, err)
				}
				for _, err := range c.ListGroups(ctx, nil) {
					errs = append(errs, err)
				}
				for _, err := range c.ListCalendarEvents(ctx, nil) {
					errs = append(errs, err)
				}
				_, err = c.ListPersonsPage(ctx, nil, "")
				errs = append(errs, err)
				_, err = c.GetPerson(ctx, "p1", nil)
				errs = append(errs, err)
				_, err = c.GetGroup(ctx, "g1", nil)
				errs = append(errs, err)
				_, err = c.LookupPersons(ctx, ss12000.PersonsLookup{Ids: []string{"p1"}}, nil)
				errs = append(errs, err)
				_, err = c.LookupCalendarEvents(ctx, ss12000.CalendarEventsLookup{Ids: []string{"c1"}}, nil)
				errs = append(errs, err)
				leakcheck.Decoders(t, value, leakToken, errs, logs.String(), 1, srv.Listener.Addr().String())
			}
			srv.Close()
		}
	}
}

// Requests that fail at the transport, with identity numbers in the path and the query and a
// page token in the continuation, name the request without them.
func TestTransportErrorsLeakNoIdentityNumber(t *testing.T) {
	addr := leakcheck.Unreachable(t)
	var logs bytes.Buffer
	c, err := ss12000.New("http://"+addr+"/v2", ss12000.WithBearerToken(leakToken), ss12000.WithoutRetry(),
		ss12000.WithLogger(leakcheck.Logger(&logs)))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var texts []string
	for _, n := range leakcheck.Numbers {
		_, err := c.GetPerson(ctx, n, nil)
		texts = append(texts, leakcheck.Texts(err)...)
		for _, err := range c.ListPersons(ctx, &ss12000.ListPersonsParams{CivicNo: n, NameContains: []string{"Annika"}}) {
			texts = append(texts, leakcheck.Texts(err)...)
		}
		_, err = c.ListPersonsPage(ctx, nil, "page-token-"+n)
		texts = append(texts, leakcheck.Texts(err)...)
		_, err = c.LookupPersons(ctx, ss12000.PersonsLookup{CivicNos: []string{n}}, nil)
		texts = append(texts, leakcheck.Texts(err)...)
	}
	texts = append(texts, logs.String())
	if !strings.Contains(texts[0], "GET /v2/persons/[redacted]") {
		t.Errorf("the error does not name the request: %s", texts[0])
	}
	leakcheck.Clean(t, texts, leakcheck.Numbers, []string{leakToken, "Annika", "page-token"}, addr)
}

// A page token that leads back to an earlier page (A -> B -> A) ends the listing after the
// pages were read once, with an error matching ErrPageCycle.
func TestListingEndsOnTokenCycle(t *testing.T) {
	requests := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests++
		next := map[string]string{"": "A", "A": "B", "B": "A"}[r.URL.Query().Get("pageToken")]
		fmt.Fprintf(w, `{"data":[{"id":"p%d","meta":{"created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z"}}],"pageToken":%q}`, requests, next)
	}))
	defer srv.Close()
	c, err := ss12000.New(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	var last error
	for _, err := range c.ListPersons(context.Background(), nil) {
		if err != nil {
			last = err
			break
		}
		n++
	}
	var pc *ss12000.PageCycleError
	if !errors.Is(last, ss12000.ErrPageCycle) || !errors.As(last, &pc) || n != 3 || requests != 3 {
		t.Fatalf("%d records, %d requests, error %v", n, requests, last)
	}
}

// A page larger than the body cap is refused with an error naming the cap, announced or not.
func TestPageOverTheCapIsRefused(t *testing.T) {
	page := `{"data":[` + strings.Repeat(`{"id":"p","meta":{"created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z"}},`, 100) + `{"id":"q"}]}`
	for _, announce := range []bool{true, false} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if announce {
				w.Header().Set("Content-Length", fmt.Sprint(len(page)))
			}
			io.WriteString(w, page)
		}))
		c, err := ss12000.New(srv.URL, ss12000.WithMaxResponseBody(4096))
		if err != nil {
			t.Fatal(err)
		}
		var last error
		for _, err := range c.ListPersons(context.Background(), nil) {
			last = err
		}
		var tooLarge *ss12000.BodyTooLargeError
		if !errors.Is(last, ss12000.ErrBodyTooLarge) || !errors.As(last, &tooLarge) || !strings.Contains(last.Error(), "4 KiB (4096 bytes)") {
			t.Errorf("announce %v: %v", announce, last)
		}
		srv.Close()
	}
}
