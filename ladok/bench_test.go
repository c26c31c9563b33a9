package ladok_test

import (
	"strings"
	"testing"

	"github.com/edusync/edusync/ladok"
	"github.com/edusync/edusync/ladok/ladoktest"
)

// ingestPerPage is the page size of the feed benchmarks (ladokfeed's BenchmarkFeedIngest too).
const ingestPerPage = 50

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
