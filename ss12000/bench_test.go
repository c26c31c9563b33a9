package ss12000_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/edusync/edusync/ss12000"
	"github.com/edusync/edusync/ss12000/ss12000test"
)

const (
	benchPersons = 100_000
	benchLimit   = 1000
)

// benchServer serves 100,000 persons shaped like the sample school's (addresses, e-mail,
// enrolments, guardians, EPPNs), each with its own id, over loopback.
func benchServer(b *testing.B) *ss12000test.Server {
	b.Helper()
	base := ss12000test.SampleSchool().Persons
	persons := make([]ss12000.Person, benchPersons)
	for i := range persons {
		p := base[i%len(base)]
		p.ID = fmt.Sprintf("%08x-0000-4000-8000-%012d", i, i)
		persons[i] = p
	}
	return ss12000test.NewServer(ss12000test.WithDataset(ss12000test.Dataset{Persons: persons}))
}

// benchHTTPClient is the one http.Client both benchmarks use, so they share connection reuse.
func benchHTTPClient() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
}

// BenchmarkListPersons lists 100,000 persons from ss12000test over loopback through the
// client's iterator (pages of 1,000, tolerant decoding, retries and logging transports in
// place) and reports records/s.
func BenchmarkListPersons(b *testing.B) {
	srv := benchServer(b)
	defer srv.Close()
	c, err := ss12000.New(srv.URL(), ss12000.WithBearerToken(srv.Token()),
		ss12000.WithHTTPClient(benchHTTPClient()), ss12000.WithPageSize(benchLimit))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		n := 0
		for p, err := range c.ListPersons(ctx, nil) {
			if err != nil {
				b.Fatal(err)
			}
			if p.ID == "" {
				b.Fatal("person without id")
			}
			n++
		}
		if n != benchPersons {
			b.Fatalf("listed %d persons, want %d", n, benchPersons)
		}
	}
	b.ReportMetric(float64(benchPersons*b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkListPersonsBaseline reads the same pages (same limit, same kind of http.Client) with
// bare net/http and one json.Decoder per page into ss12000.PersonsExpanded, the generated page
// type: what a hand-written loop without paging rules, tolerance or retries costs. It
// reports records/s; the goal is BenchmarkListPersons >= 0.85x this.
func BenchmarkListPersonsBaseline(b *testing.B) {
	srv := benchServer(b)
	defer srv.Close()
	hc := benchHTTPClient()
	b.ResetTimer()
	for b.Loop() {
		n := 0
		q := url.Values{"limit": {fmt.Sprint(benchLimit)}}
		for {
			req, err := http.NewRequest(http.MethodGet, srv.URL()+"/persons?"+q.Encode(), nil)
			if err != nil {
				b.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+srv.Token())
			resp, err := hc.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			var page ss12000.PersonsExpanded
			err = json.NewDecoder(resp.Body).Decode(&page)
			resp.Body.Close()
			if err != nil || resp.StatusCode != http.StatusOK {
				b.Fatalf("status %d: %v", resp.StatusCode, err)
			}
			n += len(page.Data)
			if page.PageToken == "" {
				break
			}
			q = url.Values{"pageToken": {page.PageToken}, "limit": {fmt.Sprint(benchLimit)}}
		}
		if n != benchPersons {
			b.Fatalf("listed %d persons, want %d", n, benchPersons)
		}
	}
	b.ReportMetric(float64(benchPersons*b.N)/b.Elapsed().Seconds(), "records/s")
}
