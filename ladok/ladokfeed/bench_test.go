package ladokfeed_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/edusync/edusync/ladok"
	"github.com/edusync/edusync/ladok/ladokfeed"
	"github.com/edusync/edusync/ladok/ladoktest"
	"github.com/edusync/edusync/store/sqlite"
)

// openSQLiteState opens a reader state in a fresh sqlite.Open file (the production
// setting: WAL, synchronous=FULL), closed when the test ends.
func openSQLiteState(tb testing.TB, path string) *ladokfeed.StoreState {
	tb.Helper()
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	return ladokfeed.NewStoreState(st)
}

// TestSQLiteStateResumes runs the restart test against the SQLite state: the position and keys
// survive closing and reopening the database.
func TestSQLiteStateResumes(t *testing.T) {
	_, c, uids := fakeFeed(t, 40, 10)
	path := filepath.Join(t.TempDir(), "state.db")
	rec := &recorder{failAt: uids[17], fails: 1}
	first, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := newReader(t, c, ladokfeed.NewStoreState(first), rec.handle).CatchUp(context.Background()); err == nil {
		t.Fatal("handler failure not reported")
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	rec2 := &recorder{}
	if _, err := newReader(t, c, openSQLiteState(t, path), rec2.handle).CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := rec2.seen(); len(got) != 23 || got[0] != uids[17] {
		t.Fatalf("after reopening: %d entries starting %v", len(got), got[:1])
	}
}

const (
	ingestEvents  = 100_000
	ingestPerPage = 50
)

// BenchmarkFeedIngest reads and decodes 100,000 events (ladoktest.Mix: 60% study
// participation, 20% student, 20% course events) from the fake over mutual TLS, in archive
// pages of 50, hands them to a no-op handler and saves the position and the entries' processed
// keys in package store's SQLite file (synchronous=FULL), the reader's commits batched as they
// queue up.
//
// Each iteration also decodes the same pages with ladok.ParseFeed alone, one after the other
// on one goroutine (no network, no store), and ingest_ratio is the reader's events/s over the
// parser's: how close the whole pipeline (fetching, decoding, handing over, committing) comes to
// decoding alone on the same machine at the same time. Goal: 0.6 or more.
func BenchmarkFeedIngest(b *testing.B) {
	s := ladoktest.NewServer(ladoktest.WithEntriesPerPage(ingestPerPage))
	defer s.Close()
	events := ladoktest.Mix(42, ingestEvents)
	s.Append(events...)
	if testing.Verbose() {
		counts := map[string]int{}
		for _, e := range events {
			counts[e.Name()]++
		}
		b.Logf("event mix: %v", counts)
	}
	var pageBytes int
	for p := 1; p <= s.Pages(); p++ {
		body, _ := s.Page(p)
		pageBytes += len(body)
	}
	c, err := s.Client()
	if err != nil {
		b.Fatal(err)
	}
	noop := func(context.Context, *ladok.Entry) error { return nil }
	b.ResetTimer()
	var busy, parsing time.Duration
	commits := 0
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		parsing += parseAlone(b, s)
		st := openSQLiteState(b, filepath.Join(b.TempDir(), fmt.Sprintf("ingest-%d.db", i)))
		r, err := ladokfeed.NewReader(c, st, noop)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		stats, err := r.CatchUp(context.Background())
		busy += time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		if stats.Handled != ingestEvents {
			b.Fatalf("handled %d events, want %d", stats.Handled, ingestEvents)
		}
		commits += stats.Commits
	}
	b.ReportMetric(float64(ingestEvents*b.N)/busy.Seconds(), "events/s")
	b.ReportMetric(float64(ingestEvents*b.N)/parsing.Seconds(), "parse_events/s")
	b.ReportMetric(parsing.Seconds()/busy.Seconds(), "ingest_ratio")
	b.ReportMetric(float64(pageBytes)/float64(ingestEvents), "B/entry")
	b.ReportMetric(float64(ingestEvents*b.N)/float64(commits), "entries/commit")
}

// parseAlone decodes every page of s with ladok.ParseFeed, one after the other, and returns the
// time the decoding took.
func parseAlone(b *testing.B, s *ladoktest.Server) time.Duration {
	var took time.Duration
	for p := 1; p <= s.Pages(); p++ {
		body, _ := s.Page(p)
		start := time.Now()
		f, err := ladok.ParseFeed(bytes.NewReader(body))
		took += time.Since(start)
		if err != nil || len(f.Entries) == 0 {
			b.Fatalf("page %d: %v", p, err)
		}
	}
	return took
}
