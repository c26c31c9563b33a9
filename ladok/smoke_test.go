package ladok_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/edusync/edusync/ladok"
	"github.com/edusync/edusync/ladok/ladoktest"
)

func TestSmoke(t *testing.T) {
	s := ladoktest.NewServer(ladoktest.WithEntriesPerPage(3))
	defer s.Close()
	c, err := s.Client()
	if err != nil {
		t.Fatal(err)
	}
	h, err := c.Health(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", h)
	for i := 0; i < 7; i++ {
		s.Append(&ladok.RegistreringEvent{RegistreringBas: ladok.RegistreringBas{StudentUID: "s", Period: i}, StudieperiodStart: "2026-09-01"})
	}
	f, err := c.FetchFeed(context.Background(), ladok.FeedRecent)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", f.Links)
	for _, e := range f.Entries {
		t.Logf("%s %s %v %+v", e.ID, e.Name, e.Err, e.Event)
	}
	t.Logf("%s", f.Entries[0].Raw)
}

func BenchmarkParseSmoke(b *testing.B) {
	s := ladoktest.NewServer(ladoktest.WithEntriesPerPage(50))
	defer s.Close()
	evs := ladoktest.Mix(1, 1000)
	s.Append(evs...)
	c, _ := s.Client()
	// fetch one page raw
	f, err := c.FetchFeed(context.Background(), ladok.FeedPageHref(3))
	if err != nil {
		b.Fatal(err)
	}
	total := 0
	for _, e := range f.Entries {
		total += len(e.Raw)
		if e.Err != nil {
			b.Fatal(e.Err)
		}
	}
	b.Logf("mean raw event %d bytes", total/len(f.Entries))
	page, _ := s.Page(3)
	b.Logf("page %d bytes, per entry %d", len(page), len(page)/50)
	b.SetBytes(int64(len(page)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := ladok.ParseFeed(bytes.NewReader(page)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*50)/b.Elapsed().Seconds(), "events/s")
}
