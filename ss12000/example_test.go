package ss12000_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/edusync/edusync/internal/testclock"
	"github.com/edusync/edusync/ss12000"
	"github.com/edusync/edusync/ss12000/ss12000test"
)

// List every person of a school. The iterator follows the service's pageToken paging (here in
// pages of 100), decodes each page record by record as it arrives and yields a record that
// cannot be used as a *RecordError without stopping; any other error ends the listing.
func ExampleClient_ListPersons() {
	srv := ss12000test.NewServer(ss12000test.WithDataset(ss12000test.SampleSchool()))
	defer srv.Close()

	c, err := ss12000.New(srv.URL(), ss12000.WithBearerToken(srv.Token()), ss12000.WithPageSize(100))
	if err != nil {
		log.Fatal(err)
	}
	persons, bad := 0, 0
	for p, err := range c.ListPersons(context.Background(), nil) {
		var re *ss12000.RecordError
		switch {
		case errors.As(err, &re):
			bad++ // re.Index, re.ID and re.Err say which record and why
		case err != nil:
			log.Fatal(err)
		default:
			_ = p.GivenName
			persons++
		}
	}
	fmt.Println(persons, "persons,", bad, "records that could not be read")
	// Output: 314 persons, 0 records that could not be read
}

// Keep a copy current with delta syncs: the first run delivers everything, the next only what
// changed since. The state is plain JSON the host persists between runs.
func ExampleSyncer_Delta() {
	clock := testclock.New(time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC))
	srv := ss12000test.NewServer(ss12000test.WithDataset(ss12000test.SampleSchool()), ss12000test.WithClock(clock.Now))
	defer srv.Close()
	c, err := ss12000.New(srv.URL(), ss12000.WithBearerToken(srv.Token()))
	if err != nil {
		log.Fatal(err)
	}
	s := &ss12000.Syncer{Client: c, Types: []ss12000.EndPointsEnum{ss12000.EndPointsPerson}, Now: clock.Now}
	var state ss12000.SyncState // loaded from the host's storage; empty on the first run
	count := func(ctx context.Context, ch ss12000.Change) error { return nil }

	report, err := s.Delta(context.Background(), &state, count)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("first run:", report.Changed[ss12000.EndPointsPerson], "persons")

	clock.Advance(time.Hour)
	persons := ss12000test.All[ss12000.Person](srv)
	ss12000test.Modify(srv, persons[0].ID, func(p *ss12000.Person) { p.GivenName = "Ny" })
	clock.Advance(10 * time.Minute) // past the overlap window of the previous run
	report, err = s.Delta(context.Background(), &state, count)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("next run:", report.Changed[ss12000.EndPointsPerson], "person")
	// Output:
	// first run: 314 persons
	// next run: 1 person
}

// Receive a service's subscription callbacks. The handler answers at once and runs the sync
// function after a quiet period, one run at a time, with bursts of callbacks merged into one.
func ExampleNewWebhookHandler() {
	done := make(chan ss12000.Notification, 1)
	h := ss12000.NewWebhookHandler(func(ctx context.Context, n ss12000.Notification) {
		// A real host runs Syncer.Delta here.
		done <- n
	}, ss12000.WithWebhookQuietPeriod(10*time.Millisecond),
		ss12000.WithWebhookAuthorizer(func(r *http.Request) bool { return r.URL.Query().Get("key") == "hook-secret" }))
	defer h.Close()

	for _, body := range []string{`{"modifiedEntites":["Person"]}`, `{"modifiedEntities":["Group"],"deletedEntities":true}`} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/ss12000/callback?key=hook-secret", strings.NewReader(body)))
		fmt.Println("callback answered", w.Code)
	}
	n := <-done
	fmt.Println("sync for", n.Types, "removals:", n.Deleted)
	// Output:
	// callback answered 200
	// callback answered 200
	// sync for [Group Person] removals: true
}
