package noark5_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/edusync/edusync/archive/noark5"
)

// hostileArchive serves a root and an arkivstruktur whose arkivdel collection is answered by
// page; it counts the collection's requests.
func hostileArchive(t *testing.T, page func(w http.ResponseWriter, r *http.Request, n int64)) (*noark5.Client, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", noark5.MediaType)
		switch r.URL.Path {
		case "/":
			fmt.Fprintf(w, `{"_links":{%q:{"href":"/as/"}}}`, noark5.RelArkivstruktur)
		case "/as/":
			fmt.Fprintf(w, `{"_links":{%q:{"href":"/d/"}}}`, noark5.RelArkivdel)
		default:
			page(w, r, n.Add(1))
		}
	}))
	t.Cleanup(srv.Close)
	c, err := noark5.New(srv.URL, noark5.WithoutRetry(), noark5.WithMaxResponseBody(1<<20))
	if err != nil {
		t.Fatal(err)
	}
	return c, &n
}

func TestListingEndsWhenNextLinksLeadBack(t *testing.T) {
	c, n := hostileArchive(t, func(w http.ResponseWriter, r *http.Request, _ int64) {
		fmt.Fprint(w, `{"results":[{"tittel":"a","systemID":"1"}],"_links":{"next":{"href":"/d/?p=2"}}}`)
	})
	_, err := c.FindArkivdel(context.Background(), "b")
	var pc *noark5.PageCycleError
	if !errors.As(err, &pc) {
		t.Fatalf("err = %v, want a *PageCycleError", err)
	}
	if got := n.Load(); got != 2 {
		t.Errorf("%d pages requested, want 2", got)
	}
}

func TestListingEndsWhenNextLinksNeverEnd(t *testing.T) {
	c, n := hostileArchive(t, func(w http.ResponseWriter, r *http.Request, k int64) {
		fmt.Fprintf(w, `{"results":[{"tittel":"a","systemID":"1"}],"_links":{"next":{"href":"/d/?p=%d"}}}`, k)
	})
	_, err := c.FindArkivdel(context.Background(), "b")
	if !errors.Is(err, noark5.ErrPageCycle) {
		t.Fatalf("err = %v, want ErrPageCycle", err)
	}
	if got := n.Load(); got > 1000 {
		t.Errorf("%d pages requested, want at most 1000", got)
	}
}

// A listing is decoded as it arrives: the result sought is found at the head of a page larger
// than the body cap, and the page is never held whole.
func TestListingFindsAResultBeforeAPageEnds(t *testing.T) {
	c, _ := hostileArchive(t, func(w http.ResponseWriter, r *http.Request, _ int64) {
		_, _ = w.Write([]byte(`{"results":[{"tittel":"b","systemID":"1"}`))
		rec := []byte(`,{"tittel":"` + strings.Repeat("x", 64<<10) + `"}`)
		for range 64 { // 4 MiB, four times the cap
			if _, err := w.Write(rec); err != nil {
				return
			}
		}
		_, _ = w.Write([]byte(`]}`))
	})
	a, err := c.FindArkivdel(context.Background(), "b")
	if err != nil || a.SystemID != "1" {
		t.Fatalf("FindArkivdel = %+v, %v", a, err)
	}
}

func TestListingFailsOnAResultThatDoesNotDecode(t *testing.T) {
	c, _ := hostileArchive(t, func(w http.ResponseWriter, r *http.Request, _ int64) {
		fmt.Fprint(w, `{"results":[{"tittel":1,"systemID":"01017012345"},{"tittel":"b","systemID":"2"}]}`)
	})
	_, err := c.FindArkivdel(context.Background(), "b")
	if err == nil || strings.Contains(err.Error(), "01017012345") {
		t.Fatalf("err = %v, want an error without the identity number", err)
	}
}
