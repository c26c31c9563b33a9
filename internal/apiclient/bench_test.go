package apiclient

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/edusync/edusync/apierror"
	"github.com/edusync/edusync/internal/heappeak"
)

// hostileRecord is shaped like an SS 12000 person in a list answer, about 175 bytes.
type hostileRecord struct {
	ID         string `json:"id"`
	GivenName  string `json:"givenName"`
	FamilyName string `json:"familyName"`
	CivicNo    struct {
		Value       string `json:"value"`
		Nationality string `json:"nationality"`
	} `json:"civicNo"`
	Meta struct {
		Created string `json:"created"`
	} `json:"meta"`
}

const (
	hostilePageBytes = 200 << 20
	hostileRecordFmt = `{"id":"%08x-0000-4000-8000-%012d","givenName":"Anna","familyName":"Berg","civicNo":{"value":"199001011234","nationality":"SE"},"meta":{"created":"2026-01-01T00:00:00Z"}}`
)

// hostileServer streams one SS 12000-shaped list answer of size bytes (chunked: no
// Content-Length, so only reading can find out it is too large) and returns how many records
// it holds.
func hostileServer(size int) (*httptest.Server, int) {
	recLen := len(fmt.Sprintf(hostileRecordFmt, 0, 0)) + 1
	n := (size - len(`{"data":[],"pageToken":null}`)) / recLen
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bw := bufio.NewWriterSize(w, 64<<10)
		bw.WriteString(`{"data":[`)
		for i := range n {
			if i > 0 {
				bw.WriteByte(',')
			}
			if _, err := fmt.Fprintf(bw, hostileRecordFmt, i, i); err != nil {
				return // the client gave up
			}
		}
		bw.WriteString(`],"pageToken":null}`)
		bw.Flush()
	}))
	return srv, n
}

// BenchmarkHostilePage lists a 200 MB page of 1.2 million records twice: with the default body
// cap, where it must be refused with an error that names the cap, and with the cap raised to
// 1 GiB, where every record is streamed to a consumer that drops it. peak_heap_MB is the peak
// HeapInuse (sampled every 10 ms) minus HeapInuse after a GC before the listing; the goal is
// at most 64 in both runs: a page is never held whole.
func BenchmarkHostilePage(b *testing.B) {
	srv, n := hostileServer(hostilePageBytes)
	defer srv.Close()
	for _, tc := range []struct {
		name    string
		maxBody int64
	}{{"default-cap", 0}, {"cap-1GiB", 1 << 30}} {
		b.Run(tc.name, func(b *testing.B) {
			s := Settings{}
			if tc.maxBody > 0 {
				s.MaxBody = tc.maxBody
			}
			c, err := New(Config{Name: "bench", BaseURL: srv.URL, Settings: s, DefaultPageSize: 1000})
			if err != nil {
				b.Fatal(err)
			}
			l := &Listing[hostileRecord]{
				First: &Request{Path: "/persons", Query: map[string][]string{"limit": {"1000"}}},
				Shape: Shape[hostileRecord]{Items: "data", Keep: []string{"pageToken"}, ID: func(r *hostileRecord) string { return r.ID }},
				Next:  TokenPaging("pageToken", "pageToken", "limit"),
			}
			var peak float64
			records := 0
			for b.Loop() {
				runtime.GC()
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				before := ms.HeapInuse
				sampler := heappeak.Start()
				records = 0
				var last error
				for _, err := range Walk(context.Background(), c, l) {
					if err != nil {
						last = err
						continue
					}
					records++
				}
				top := sampler.Stop()
				peak = max(peak, heappeak.MiB(top-min(before, top)))
				switch {
				case tc.maxBody == 0:
					var tooLarge *apierror.BodyTooLargeError
					if !errors.As(last, &tooLarge) || !errors.Is(last, apierror.ErrBodyTooLarge) || !strings.Contains(last.Error(), "64 MiB") {
						b.Fatalf("default cap: got %v after %d records, want the body-too-large error naming 64 MiB", last, records)
					}
				case last != nil || records != n:
					b.Fatalf("1 GiB cap: %d of %d records, error %v", records, n, last)
				}
			}
			b.ReportMetric(peak, "peak_heap_MB")
			b.ReportMetric(float64(records), "records")
		})
	}
}
