package apiclient

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/edusync/edusync/apierror"
)

type rec struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	When string `json:"when"`
}

func recID(r *rec) string { return r.ID }

var tokenListing = Listing[rec]{
	First: &Request{Path: "/items", Query: url.Values{"limit": {"2"}, "q": {"x"}}},
	Shape: Shape[rec]{Items: "data", Keep: []string{"pageToken"}, ID: recID},
	Next:  TokenPaging("pageToken", "pageToken", "limit"),
}

// collect runs a listing and returns the ids of the records and the errors, in order.
func collect(t *testing.T, c *Client, l *Listing[rec]) (ids []string, errs []error) {
	t.Helper()
	for r, err := range Walk(t.Context(), c, l) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ids = append(ids, r.ID)
	}
	return ids, errs
}

// pages serves the pages of a listing keyed by pageToken ("" is the first page).
func pages(t *testing.T, byToken map[string]string, calls *atomic.Int32) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls != nil {
			calls.Add(1)
		}
		tok := r.URL.Query().Get("pageToken")
		if tok != "" && r.URL.Query().Get("q") != "" {
			t.Errorf("continuation carries the filter: %s", r.URL.RawQuery)
		}
		body, ok := byToken[tok]
		if !ok {
			w.WriteHeader(http.StatusGone)
			return
		}
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// Records arrive in the answer's order, bad ones as RecordErrors in their place, indexed by
// their position in the listing; the walk follows the tokens to the end.
func TestWalkTolerantAcrossPages(t *testing.T) {
	srv := pages(t, map[string]string{
		"":  `{"pageToken":"B","data":[{"id":"a"},{"id":"b","name":7}]}`,
		"B": `{"data":[{"name":"no id"},{"id":"c"},3],"pageToken":null,"extra":{"deep":[1,2,{"x":null}]}}`,
	}, nil)
	c := newClient(t, srv.URL, Config{})
	ids, errs := collect(t, c, &tokenListing)
	if d := cmp.Diff([]string{"a", "c"}, ids); d != "" {
		t.Fatal(d)
	}
	var got []string
	for _, err := range errs {
		var re *apierror.RecordError
		if !errors.As(err, &re) {
			t.Fatalf("not a RecordError: %v", err)
		}
		got = append(got, fmt.Sprintf("%s/%d/%s/%v", re.Path, re.Index, re.ID, errors.Is(re, apierror.ErrNoID)))
	}
	if d := cmp.Diff([]string{"/items/1/b/false", "/items/2//true", "/items/4//false"}, got); d != "" {
		t.Fatal(d)
	}
}

// In strict mode a page with a bad record delivers none of its records.
func TestWalkStrict(t *testing.T) {
	srv := pages(t, map[string]string{"": `{"data":[{"id":"a"},{"id":"b","name":7}]}`}, nil)
	c := newClient(t, srv.URL, Config{}, WithStrict())
	ids, errs := collect(t, c, &tokenListing)
	var de *apierror.DecodeError
	var re *apierror.RecordError
	if len(ids) != 0 || len(errs) != 1 || !errors.As(errs[0], &de) || !errors.As(errs[0], &re) || re.ID != "b" {
		t.Fatalf("ids %v, errs %v", ids, errs)
	}
}

// Answers of the wrong shape end the listing with a DecodeError.
func TestWalkPageShapes(t *testing.T) {
	for name, body := range map[string]string{
		"not json":        `<html>`,
		"no data":         `{"pageToken":null}`,
		"data null":       `{"data":null}`,
		"data object":     `{"data":{"id":"x"}}`,
		"two data":        `{"data":[],"data":[]}`,
		"truncated":       `{"data":[{"id":"a"},{"id":"b"`,
		"trailing":        `{"data":[]} {"data":[]}`,
		"array":           `[{"id":"a"}]`,
		"huge page token": `{"data":[],"pageToken":"` + strings.Repeat("t", MaxMember) + `"}`,
		"broken record":   `{"data":[{"id":"a"},{"id":"b",}]}`,
		"empty":           ``,
	} {
		t.Run(name, func(t *testing.T) {
			srv := pages(t, map[string]string{"": body}, nil)
			c := newClient(t, srv.URL, Config{})
			_, errs := collect(t, c, &tokenListing)
			var de *apierror.DecodeError
			if len(errs) != 1 || !errors.As(errs[0], &de) {
				t.Fatalf("errs = %v", errs)
			}
		})
	}
}

// A page token that leads back to a page already read ends the listing with a
// PageCycleError, however long the cycle: A -> B -> C -> B.
func TestWalkEndsTokenCycles(t *testing.T) {
	var calls atomic.Int32
	srv := pages(t, map[string]string{
		"":  `{"data":[{"id":"a"}],"pageToken":"B"}`,
		"B": `{"data":[{"id":"b"}],"pageToken":"C"}`,
		"C": `{"data":[{"id":"c"}],"pageToken":"B"}`,
	}, &calls)
	c := newClient(t, srv.URL, Config{})
	ids, errs := collect(t, c, &tokenListing)
	var pc *apierror.PageCycleError
	if len(errs) != 1 || !errors.As(errs[0], &pc) || !errors.Is(errs[0], apierror.ErrPageCycle) || pc.Pages != 3 {
		t.Fatalf("errs = %v", errs)
	}
	if d := cmp.Diff([]string{"a", "b", "c"}, ids); d != "" || calls.Load() != 3 {
		t.Fatalf("%s; %d requests", d, calls.Load())
	}
	if strings.Contains(errs[0].Error(), "B") {
		t.Errorf("the error shows the token: %v", errs[0])
	}
}

// Link headers that cycle end the listing too, with and without reading ahead.
func TestWalkEndsLinkCycles(t *testing.T) {
	var calls atomic.Int32
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		next := (page + 1) % 3 // 0 -> 1 -> 2 -> 0
		w.Header().Set("Link", fmt.Sprintf(`<%s/items?page=%d>; rel="next"`, srv.URL, next))
		fmt.Fprintf(w, `[{"id":"p%d"}]`, page)
	}))
	defer srv.Close()
	for _, prefetch := range []int{0, 2} {
		calls.Store(0)
		c := newClient(t, srv.URL, Config{})
		l := &Listing[rec]{First: &Request{Path: "/items", Query: url.Values{"page": {"0"}}}, Shape: Shape[rec]{ID: recID},
			Next: LinkPaging(), HeaderPaging: true, Prefetch: prefetch}
		ids, errs := collect(t, c, l)
		if len(errs) != 1 || !errors.Is(errs[0], apierror.ErrPageCycle) || len(ids) != 3 || calls.Load() != 3 {
			t.Fatalf("prefetch %d: ids %v errs %v after %d requests", prefetch, ids, errs, calls.Load())
		}
	}
}

// A server that keeps sending empty pages with new tokens is given up on.
func TestWalkGivesUpOnEmptyPages(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"data":[],"pageToken":"t%d"}`, calls.Add(1))
	}))
	defer srv.Close()
	c := newClient(t, srv.URL, Config{})
	_, errs := collect(t, c, &tokenListing)
	if len(errs) != 1 || !errors.Is(errs[0], apierror.ErrPageCycle) || calls.Load() != MaxEmptyPages {
		t.Fatalf("errs %v after %d requests", errs, calls.Load())
	}
}

// Restart starts the listing over after a failed continuation, with the cycle record cleared.
func TestWalkRestart(t *testing.T) {
	var gone atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("pageToken") {
		case "":
			io.WriteString(w, `{"data":[{"id":"a"}],"pageToken":"B"}`)
		case "B":
			if gone.CompareAndSwap(false, true) {
				w.WriteHeader(http.StatusGone)
				return
			}
			io.WriteString(w, `{"data":[{"id":"b"}]}`)
		}
	}))
	defer srv.Close()
	c := newClient(t, srv.URL, Config{})
	l := tokenListing
	restarts := 0
	l.Restart = func(err error) bool { restarts++; return errors.Is(err, apierror.ErrGone) && restarts == 1 }
	ids, errs := collect(t, c, &l)
	if d := cmp.Diff([]string{"a", "a", "b"}, ids); d != "" || len(errs) != 0 {
		t.Fatalf("%s errs %v", d, errs)
	}
}

// Reading ahead keeps the order, and stopping early ends every goroutine it started.
func TestWalkPrefetchOrderAndStop(t *testing.T) {
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		if page < 9 {
			w.Header().Set("Link", fmt.Sprintf(`<%s/items?page=%d>; rel="next"`, srv.URL, page+1))
		}
		var recs []string
		for i := range 50 {
			recs = append(recs, fmt.Sprintf(`{"id":"%d-%d"}`, page, i))
		}
		io.WriteString(w, "["+strings.Join(recs, ",")+"]")
	}))
	defer srv.Close()
	c := newClient(t, srv.URL, Config{}, WithPageSize(16))
	l := &Listing[rec]{First: &Request{Path: "/items"}, Shape: Shape[rec]{ID: recID}, Next: LinkPaging(), HeaderPaging: true, Prefetch: 3}
	ids, errs := collect(t, c, l)
	if len(ids) != 500 || len(errs) != 0 || ids[0] != "0-0" || ids[499] != "9-49" || ids[50] != "1-0" {
		t.Fatalf("%d records, errs %v", len(ids), errs)
	}
	before := runtime.NumGoroutine()
	n := 0
	for range Walk(t.Context(), c, l) {
		if n++; n == 120 {
			break
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if g := runtime.NumGoroutine(); g > before {
		t.Fatalf("%d goroutines after stopping, %d before", g, before)
	}
}

func TestPagingHelpers(t *testing.T) {
	prev := &Request{Path: "/x", Query: url.Values{"limit": {"10"}, "offset": {"20"}, "page": {"3"}, "f": {"y"}}}
	for _, tc := range []struct {
		name   string
		paging Paging
		info   PageInfo
		want   string // the next query, "" for the end
	}{
		{"offset full page", OffsetPaging("offset", "limit", nil), PageInfo{Records: 10}, "f=y&limit=10&offset=30&page=3"},
		{"offset short page", OffsetPaging("offset", "limit", nil), PageInfo{Records: 9}, ""},
		{"offset total reached", OffsetPaging("offset", "limit", func(*PageInfo) (int64, bool) { return 30, true }), PageInfo{Records: 10}, ""},
		{"page number", PageNumberPaging("page", "limit", nil), PageInfo{Records: 10}, "f=y&limit=10&offset=20&page=4"},
		{"page number total", PageNumberPaging("page", "limit", func(*PageInfo) (int64, bool) { return 30, true }), PageInfo{Records: 10}, ""},
		{"page number total ahead", PageNumberPaging("page", "limit", func(*PageInfo) (int64, bool) { return 31, true }), PageInfo{Records: 10}, "f=y&limit=10&offset=20&page=4"},
	} {
		next, err := tc.paging(prev, &tc.info)
		got := ""
		if next != nil {
			got = next.Query.Encode()
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: %q %v, want %q", tc.name, got, err, tc.want)
		}
	}
}

// FuzzRecords feeds list answers to the streaming decoder, as an envelope and as a bare array,
// tolerant and strict: it never panics, fails only with typed errors, never delivers a record
// without an id, and counts every record it reports.
func FuzzRecords(f *testing.F) {
	for _, s := range []string{
		`{"data":[{"id":"a"},{"id":"b","name":7},3,null],"pageToken":"x"}`,
		`[{"id":"a","when":"2026"},{"id":1}]`,
		`{"data":[{"id":"a"}],"data":[]}`, `{"data":[{"id":"a",}]}`, `[`, `{"pageToken":{"a":[1,2]}}`, "",
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	clients := map[bool]*Client{}
	for _, strict := range []bool{false, true} {
		s := Settings{Strict: strict}
		c, err := New(Config{Name: "fuzz", BaseURL: "https://x.example", Settings: s})
		if err != nil {
			f.Fatal(err)
		}
		clients[strict] = c
	}
	f.Fuzz(func(t *testing.T, body string, envelope bool) {
		shape := Shape[rec]{ID: recID}
		if envelope {
			shape.Items, shape.Keep = "data", []string{"pageToken"}
		}
		for strict, c := range clients {
			p, err := DecodePage(c, strings.NewReader(body), "/items", &shape)
			if err != nil {
				var de *apierror.DecodeError
				if !errors.As(err, &de) {
					t.Fatalf("untyped error %T: %v", err, err)
				}
				continue
			}
			for _, r := range p.Items {
				if r.ID == "" {
					t.Fatal("record without id delivered")
				}
			}
			if strict && len(p.RecordErrors) > 0 {
				t.Fatal("record errors in strict mode")
			}
			if len(p.Items)+len(p.RecordErrors) != p.Records {
				t.Fatalf("%d items and %d errors, %d records", len(p.Items), len(p.RecordErrors), p.Records)
			}
		}
	})
}

// An answer with more records than Shape.MaxRecords is a DecodeError, good and bad records
// counted alike, in tolerant and strict mode; at the limit it is read whole.
func TestDecodePageRefusesMoreThanMaxRecords(t *testing.T) {
	c, err := New(Config{Name: "max", BaseURL: "https://x.example"})
	if err != nil {
		t.Fatal(err)
	}
	strict, err := New(Config{Name: "max", BaseURL: "https://x.example", Settings: Settings{Strict: true}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		body    string
		c       *Client
		refused bool
	}{
		{"at the limit", `{"data":[{"id":"a"},{"id":"b"},{"id":"c"}]}`, c, false},
		{"one more", `{"data":[{"id":"a"},{"id":"b"},{"id":"c"},{"id":"d"}]}`, c, true},
		{"bad records count", `{"data":[{"id":1},{"id":2},{"id":3},{"id":"d"}]}`, c, true},
		{"strict, one more", `{"data":[{"id":"a"},{"id":"b"},{"id":"c"},{"id":"d"}]}`, strict, true},
		{"bare array, one more", `[{"id":"a"},{"id":"b"},{"id":"c"},{"id":"d"}]`, c, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			shape := Shape[rec]{Items: "data", ID: recID, MaxRecords: 3}
			if strings.HasPrefix(tc.body, "[") {
				shape.Items = ""
			}
			p, err := DecodePage(tc.c, strings.NewReader(tc.body), "/items", &shape)
			var de *apierror.DecodeError
			if tc.refused {
				if !errors.As(err, &de) || !strings.Contains(err.Error(), "more than 3 records") {
					t.Fatalf("err = %v, want a DecodeError about more than 3 records", err)
				}
				return
			}
			if err != nil || p.Records != 3 {
				t.Fatalf("page %+v, err %v", p, err)
			}
		})
	}
}
