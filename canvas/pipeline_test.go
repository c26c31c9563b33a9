package canvas_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/edusync/edusync/canvas"
)

// pagedServer answers /api/v1/courses/1/enrollments in pages of two records. Each page's
// headers (with the Link to the next page) are flushed at once; its body is held back until the
// next page has been requested, or until hold has passed. late counts the pages whose body had
// to wait the full hold, which is what a client that does not pipeline causes.
type pagedServer struct {
	*httptest.Server
	pages int
	hold  time.Duration

	mu        sync.Mutex
	requested map[int]chan struct{}
	late      int
}

func newPagedServer(t *testing.T, pages int, hold time.Duration) *pagedServer {
	ps := &pagedServer{pages: pages, hold: hold, requested: map[int]chan struct{}{}}
	ps.Server = httptest.NewServer(http.HandlerFunc(ps.serve))
	t.Cleanup(ps.Close)
	return ps
}

func (ps *pagedServer) signal(page int) chan struct{} {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	ch := ps.requested[page]
	if ch == nil {
		ch = make(chan struct{})
		ps.requested[page] = ch
	}
	return ch
}

func (ps *pagedServer) serve(w http.ResponseWriter, r *http.Request) {
	page := 1
	if p := r.URL.Query().Get("page"); p != "" {
		page, _ = strconv.Atoi(p)
	}
	close(ps.signal(page))
	if page < ps.pages {
		w.Header().Set("Link", fmt.Sprintf(`<%s%s?page=%d&per_page=2>; rel="next"`, ps.URL, r.URL.Path, page+1))
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	w.(http.Flusher).Flush()
	if page < ps.pages {
		select {
		case <-ps.signal(page + 1):
		case <-time.After(ps.hold):
			ps.mu.Lock()
			ps.late++
			ps.mu.Unlock()
		case <-r.Context().Done():
			return
		}
	}
	fmt.Fprintf(w, `[{"id":%d,"user_id":1,"type":"StudentEnrollment"},{"id":%d,"user_id":2,"type":"StudentEnrollment"}]`, 2*page-1, 2*page)
}

// The request for the next page leaves as soon as the current page's headers are in, before
// its body has arrived: the server holds every body back until the next page is requested.
// Without pipelining (WithPrefetch(0)) each page waits for the hold instead, which shows the
// test can fail.
func TestListingPipelines(t *testing.T) {
	for _, tc := range []struct {
		prefetch  int
		wantLate  bool
		pages     int
		hold      time.Duration
		wantCount int
	}{
		{canvas.DefaultPrefetch, false, 8, 5 * time.Second, 16},
		{0, true, 3, 100 * time.Millisecond, 6},
	} {
		t.Run("prefetch="+strconv.Itoa(tc.prefetch), func(t *testing.T) {
			ps := newPagedServer(t, tc.pages, tc.hold)
			c, err := canvas.New(ps.URL, canvas.WithBearerToken("t"), canvas.WithPrefetch(tc.prefetch))
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for e, err := range c.ListCourseEnrollments(ctxT(t), canvas.ID(1), nil) {
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, e.ID)
			}
			for i, id := range ids {
				if id != int64(i+1) {
					t.Fatalf("records out of order: %v", ids)
				}
			}
			if len(ids) != tc.wantCount {
				t.Fatalf("%d records, want %d", len(ids), tc.wantCount)
			}
			ps.mu.Lock()
			late := ps.late
			ps.mu.Unlock()
			if (late > 0) != tc.wantLate {
				t.Fatalf("%d of %d pages waited for the next request; pipelining expected: %v", late, tc.pages, !tc.wantLate)
			}
		})
	}
}

// Stopping a listing early returns at once and cancels what is in flight, even when the server
// is still holding back a page that was requested ahead.
func TestListingStopsEarly(t *testing.T) {
	hang := make(chan struct{})
	defer close(hang)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("page") == "" {
			w.Header().Set("Link", `<http://`+r.Host+r.URL.Path+`?page=2>; rel="next"`)
			w.Write([]byte(`[{"id":1,"user_id":1},{"id":2,"user_id":2}]`))
			return
		}
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		select { // page 2's body never comes
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	c, _ := canvas.New(srv.URL, canvas.WithBearerToken("t"))
	done := make(chan int)
	go func() {
		n := 0
		for _, err := range c.ListCourseEnrollments(ctxT(t), canvas.ID(1), nil) {
			if err != nil {
				break
			}
			n++
			break
		}
		done <- n
	}()
	select {
	case n := <-done:
		if n != 1 {
			t.Fatalf("%d records before stopping", n)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("stopping early did not cancel the page in flight")
	}
}
