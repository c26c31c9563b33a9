package ladokfeed_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/edusync/edusync/ladok"
	"github.com/edusync/edusync/ladok/ladokfeed"
	"github.com/edusync/edusync/ladok/ladoktest"
)

// A next-archive link that leads back to a page already read (1 -> 2 -> 3 -> 2) ends the
// catch-up with an error matching ladok.ErrPageCycle after each page was read once, instead of
// reading the same pages for ever.
func TestCatchUpEndsOnArchiveLinkCycle(t *testing.T) {
	fake := ladoktest.NewServer(ladoktest.WithEntriesPerPage(5), ladoktest.WithFirstPage(1))
	defer fake.Close()
	fake.Append(ladoktest.Mix(7, 40)...) // pages 1 to 8
	var requests atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		rec := httptest.NewRecorder()
		fake.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		if r.URL.Path == "/handelser/feed/3" { // page 3 says page 2 comes next
			host := "https://" + r.Host + "/handelser/feed/"
			body = bytes.Replace(body, []byte(`rel="next-archive" href="`+host+`4"`), []byte(`rel="next-archive" href="`+host+`2"`), 1)
		}
		for k, vs := range rec.Header() {
			w.Header()[k] = vs
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(rec.Code)
		w.Write(body)
	}))
	defer srv.Close()
	c, err := ladok.New(srv.URL, ladok.WithHTTPClient(srv.Client()), ladok.WithoutRetry())
	if err != nil {
		t.Fatal(err)
	}
	var rec recorder
	r := newReader(t, c, memState(), rec.handle, ladokfeed.WithStart(ladok.FeedFirst))
	_, err = r.CatchUp(context.Background())
	var pc *ladok.PageCycleError
	if !errors.Is(err, ladok.ErrPageCycle) || !errors.As(err, &pc) {
		t.Fatalf("err = %v", err)
	}
	if got := len(rec.seen()); got != 15 {
		t.Errorf("handled %d entries, want the 15 of pages 1 to 3", got)
	}
	if n := requests.Load(); n > 6 {
		t.Errorf("%d requests for three pages", n)
	}
}
