package ladok_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/edusync/edusync/ladok"
	"github.com/edusync/edusync/ladok/ladoktest"
)

// sqliteState is a State on SQLite (modernc.org/sqlite, WAL, synchronous=NORMAL): the
// position row and the processed keys of a page are written in one transaction.
type sqliteState struct {
	db *sql.DB
}

func openSQLiteState(tb testing.TB, path string) *sqliteState {
	tb.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=busy_timeout(5000)")
	if err != nil {
		tb.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	for _, q := range []string{
		`CREATE TABLE IF NOT EXISTS feed_position (feed TEXT PRIMARY KEY, page TEXT NOT NULL, entry TEXT NOT NULL, handled INTEGER NOT NULL)`,
		`CREATE TABLE IF NOT EXISTS processed (feed TEXT NOT NULL, key TEXT NOT NULL, PRIMARY KEY (feed, key)) WITHOUT ROWID`,
	} {
		if _, err := db.Exec(q); err != nil {
			tb.Fatal(err)
		}
	}
	tb.Cleanup(func() { db.Close() })
	return &sqliteState{db: db}
}

func (s *sqliteState) LoadPosition(ctx context.Context, feed string) (ladok.Position, bool, error) {
	var p ladok.Position
	err := s.db.QueryRowContext(ctx, `SELECT page, entry, handled FROM feed_position WHERE feed = ?`, feed).Scan(&p.Page, &p.Entry, &p.Handled)
	if err == sql.ErrNoRows {
		return p, false, nil
	}
	return p, err == nil, err
}

func (s *sqliteState) Processed(ctx context.Context, feed string, keys []string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(keys) == 0 {
		return out, nil
	}
	args := make([]any, 0, len(keys)+1)
	args = append(args, feed)
	for _, k := range keys {
		args = append(args, k)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT key FROM processed WHERE feed = ? AND key IN (?`+strings.Repeat(",?", len(keys)-1)+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		out[k] = true
	}
	return out, rows.Err()
}

func (s *sqliteState) Commit(ctx context.Context, feed string, pos ladok.Position, keys []string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if len(keys) > 0 {
		stmt, err := tx.PrepareContext(ctx, `INSERT OR IGNORE INTO processed (feed, key) VALUES (?, ?)`)
		if err != nil {
			return err
		}
		for _, k := range keys {
			if _, err := stmt.ExecContext(ctx, feed, k); err != nil {
				stmt.Close()
				return err
			}
		}
		stmt.Close()
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO feed_position (feed, page, entry, handled) VALUES (?, ?, ?, ?)
		ON CONFLICT (feed) DO UPDATE SET page = excluded.page, entry = excluded.entry, handled = excluded.handled`,
		feed, pos.Page, pos.Entry, pos.Handled); err != nil {
		return err
	}
	return tx.Commit()
}

// TestSQLiteStateResumes runs the restart test against the SQLite state: the position and keys
// survive reopening the database.
func TestSQLiteStateResumes(t *testing.T) {
	_, c, uids := fakeFeed(t, 40, 10)
	path := filepath.Join(t.TempDir(), "state.db")
	rec := &recorder{failAt: uids[17], fails: 1}
	if _, err := newReader(t, c, openSQLiteState(t, path), rec.handle).CatchUp(context.Background()); err == nil {
		t.Fatal("handler failure not reported")
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
// keys in SQLite in one transaction per page.
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
	var busy time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		st := openSQLiteState(b, filepath.Join(b.TempDir(), fmt.Sprintf("ingest-%d.db", i)))
		r, err := ladok.NewReader(c, st, noop)
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
	}
	b.ReportMetric(float64(ingestEvents*b.N)/busy.Seconds(), "events/s")
	b.ReportMetric(float64(pageBytes)/float64(ingestEvents), "B/entry")
}

// BenchmarkParseFeed measures the decoder alone on one page of 50 mixed entries.
func BenchmarkParseFeed(b *testing.B) {
	s := ladoktest.NewServer(ladoktest.WithEntriesPerPage(ingestPerPage))
	defer s.Close()
	s.Append(ladoktest.Mix(42, 10*ingestPerPage)...)
	page, _ := s.Page(3)
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := ladok.ParseFeed(strings.NewReader(string(page))); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*ingestPerPage)/b.Elapsed().Seconds(), "events/s")
}
