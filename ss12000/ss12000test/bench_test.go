package ss12000test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"testing"

	"github.com/edusync/edusync/ss12000"
)

// bigPersons returns n persons shaped like the sample school's (addresses, e-mail,
// enrolments, guardians), with distinct ids.
func bigPersons(n int) []ss12000.Person {
	base := SampleSchool().Persons
	out := make([]ss12000.Person, n)
	for i := range out {
		p := base[i%len(base)]
		p.ID = fmt.Sprintf("%08d-0000-4000-8000-%012d", i, i)
		out[i] = p
	}
	return out
}

// BenchmarkServePersons measures what the fake costs a client reading 100,000 persons in
// pages of 1,000 over loopback, without decoding: the server's share of BenchmarkListPersons.
func BenchmarkServePersons(b *testing.B) {
	s := NewServer(WithDataset(Dataset{Persons: bigPersons(100000)}))
	defer s.Close()
	hc := &http.Client{}
	var bytes int64
	b.ResetTimer()
	for b.Loop() {
		q := url.Values{"limit": {"1000"}}
		pages := 0
		for {
			req, _ := http.NewRequest(http.MethodGet, s.URL()+"/persons?"+q.Encode(), nil)
			req.Header.Set("Authorization", "Bearer "+s.Token())
			resp, err := hc.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil || resp.StatusCode != 200 {
				b.Fatalf("%d %v", resp.StatusCode, err)
			}
			bytes += int64(len(body))
			pages++
			// Only the token is needed; find it without decoding the page.
			var tail struct {
				PageToken string `json:"pageToken"`
			}
			if i := lastIndex(body, `,"pageToken":`); i >= 0 {
				_ = json.Unmarshal(append([]byte("{"), body[i+1:]...), &tail)
			}
			if tail.PageToken == "" {
				break
			}
			q = url.Values{"pageToken": {tail.PageToken}, "limit": {"1000"}}
		}
		if pages != 100 {
			b.Fatalf("%d pages", pages)
		}
	}
	b.SetBytes(bytes / int64(b.N))
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/100000, "ns/person")
}

func lastIndex(b []byte, s string) int {
	for i := len(b) - len(s); i >= 0; i-- {
		if string(b[i:i+len(s)]) == s {
			return i
		}
	}
	return -1
}

// BenchmarkPageWithManyLiveTokens reads listings of 5,000 persons in pages of 50 with no other
// page tokens live and with 150,000 live: the cost of a page stays flat (it used to grow to
// about 9 ms once more than 100,000 tokens were live, when every new token swept the whole
// token map).
func BenchmarkPageWithManyLiveTokens(b *testing.B) {
	for _, live := range []int{0, 150_000} {
		b.Run(fmt.Sprintf("live=%d", live), func(b *testing.B) {
			s := NewServer(WithDataset(Dataset{Persons: bigPersons(5000)}))
			defer s.Close()
			// Listings of 5,000 at 50 a page leave 100 tokens per snapshot.
			var snap *snapshot
			for i := range live {
				if i%100 == 0 {
					snap = &snapshot{}
				}
				s.pages.Add(&cursor{snap: snap, off: i % 100 * 50}, DefaultPageTokenTTL)
			}
			runtime.GC()
			hc := &http.Client{}
			pages := 0
			q := url.Values{"limit": {"50"}}
			b.ResetTimer()
			for b.Loop() {
				req, _ := http.NewRequest(http.MethodGet, s.URL()+"/persons?"+q.Encode(), nil)
				req.Header.Set("Authorization", "Bearer "+s.Token())
				resp, err := hc.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				var page struct {
					PageToken string `json:"pageToken"`
				}
				err = json.NewDecoder(resp.Body).Decode(&page)
				resp.Body.Close()
				if err != nil || resp.StatusCode != 200 {
					b.Fatalf("%d %v", resp.StatusCode, err)
				}
				pages++
				q = url.Values{"pageToken": {page.PageToken}, "limit": {"50"}}
				if page.PageToken == "" {
					q = url.Values{"limit": {"50"}}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(pages), "ns/page")
			b.ReportMetric(float64(s.pages.Len()), "live-tokens")
		})
	}
}
