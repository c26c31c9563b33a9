package canvas

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/edusync/edusync/internal/redact"
)

// Page is one page of a list operation. Records that could not be decoded are left out of Items
// and described in RecordErrors (never in strict mode, where the page fails instead).
type Page[T any] struct {
	// Items are the page's records in Canvas's order.
	Items []T
	// Next is the URL of the next page exactly as Canvas sent it in the Link header; empty on
	// the last page. Pass it to the same Page method to continue; never build or change it
	// (Canvas's bookmarks are opaque).
	Next string
	// RecordErrors describe the records of the page that could not be decoded.
	RecordErrors []*RecordError
}

// lister describes one list operation: where its first page is and how its records decode.
type lister[T any] struct {
	path  string         // path of the first page, under the base URL
	query url.Values     // query of the first page (filters, per_page)
	key   string         // for wrapped answers ({"enrollment_terms": [...]}), the array's name
	idOf  func(*T) int64 // nil: records need no id
}

func newLister[T any](c *Client, path string, params any, key string, idOf func(*T) int64) (*lister[T], error) {
	q, err := encodeQuery(params)
	if err != nil {
		return nil, err
	}
	if q.Get("page") != "" {
		return nil, fmt.Errorf("canvas: %s: page is set by the listing from the Link header; use the Page method with a Next URL to continue", path)
	}
	if q.Get("per_page") == "" {
		q.Set("per_page", strconv.Itoa(c.perPage))
	}
	return &lister[T]{path: path, query: q, key: key, idOf: idOf}, nil
}

// checkNext makes sure a Link URL stays on the client's host: the token is sent with it, and a
// server must not be able to redirect it elsewhere.
func (c *Client) checkNext(next string) error {
	u, err := url.Parse(next)
	if err != nil || !u.IsAbs() {
		return fmt.Errorf("canvas: the Link header's next URL is not an absolute URL")
	}
	if !strings.EqualFold(u.Scheme, c.origin.Scheme) || !sameHost(u, c.origin) {
		return fmt.Errorf("canvas: the Link header's next URL points to %s://%s, not to the API's host; not following it", u.Scheme, u.Host)
	}
	return nil
}

// sameHost compares the hosts of two URLs of the same scheme as a browser would: host names
// case-insensitively, and a missing port as the scheme's default (https://c.example and
// https://c.example:443 are one host).
func sameHost(a, b *url.URL) bool {
	port := func(u *url.URL) string {
		if p := u.Port(); p != "" {
			return p
		}
		if strings.EqualFold(u.Scheme, "https") {
			return "443"
		}
		return "80"
	}
	return strings.EqualFold(a.Hostname(), b.Hostname()) && port(a) == port(b)
}

// pageStart is a page whose headers have arrived: its body is still to be read.
type pageStart struct {
	resp  *http.Response
	where string // redacted URL for errors
	next  string
}

// request sends the request for one page (the first when next is "", else next) and returns
// once the answer's headers are in, with the next page's URL from its Link header.
func (l *lister[T]) request(ctx context.Context, c *Client, next string) (*pageStart, error) {
	var resp *http.Response
	var err error
	if next == "" {
		resp, err = c.do(ctx, http.MethodGet, l.path, l.query, nil, nil)
	} else {
		if err := c.checkNext(next); err != nil {
			return nil, err
		}
		resp, err = c.do(ctx, http.MethodGet, next, nil, nil, nil)
	}
	if err != nil {
		return nil, err
	}
	return &pageStart{resp: resp, where: redact.URL(resp.Request.URL), next: NextLink(resp.Header)}, nil
}

// finish reads and decodes the body of a page whose headers have arrived.
func (l *lister[T]) finish(c *Client, ps *pageStart) (*Page[T], error) {
	buf := getBuf()
	defer putBuf(buf)
	b, err := readBodyInto(ps.resp, buf)
	if err != nil {
		return nil, fmt.Errorf("canvas: reading %s: %w", ps.where, err)
	}
	if l.key != "" {
		if b, err = unwrapArray(b, l.key); err != nil {
			return nil, &DecodeError{Path: ps.where, Err: err}
		}
	}
	items, bad, err := decodeRecords(ps.where, b, l.idOf, c.strict, c.perPage)
	if err != nil {
		return nil, err
	}
	return &Page[T]{Items: items, Next: ps.next, RecordErrors: bad}, nil
}

// page fetches one page: the first one (next == "") or the one at next.
func (l *lister[T]) page(ctx context.Context, c *Client, next string) (*Page[T], error) {
	ps, err := l.request(ctx, c, next)
	if err != nil {
		return nil, err
	}
	return l.finish(c, ps)
}

// future is a page being read and decoded in the background.
type future[T any] struct {
	done chan struct{}
	page *Page[T]
	err  error
}

// all walks every page. The request for the next page leaves as soon as the current page's
// headers (with the Link header) arrive, while its body is still being read and decoded, and
// up to c.prefetch pages are decoded ahead of the caller, on other cores. Records come out in
// Canvas's order. Bad records are yielded as *RecordError and the walk goes on; a failed page
// ends it with the error. Stopping early cancels what is in flight.
func (l *lister[T]) all(ctx context.Context, c *Client) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		if c.prefetch == 0 {
			l.sequential(ctx, c, yield)
			return
		}
		ctx, cancel := context.WithCancel(ctx)
		futures := make(chan *future[T], c.prefetch)
		go l.fetchChain(ctx, c, futures)
		defer func() {
			cancel()
			for f := range futures { // let the chain end; bodies are closed by their readers
				<-f.done
			}
		}()
		for f := range futures {
			<-f.done
			if f.err != nil {
				yield(zero, f.err)
				return
			}
			if !deliver(f.page, yield) {
				return
			}
		}
	}
}

// fetchChain requests page after page, each as soon as the previous page's headers are in,
// hands every page to a goroutine that reads and decodes it, and queues the results in order.
// It closes futures when the listing ends, fails or is cancelled.
func (l *lister[T]) fetchChain(ctx context.Context, c *Client, futures chan<- *future[T]) {
	defer close(futures)
	next := ""
	seen := map[string]bool{}
	for {
		f := &future[T]{done: make(chan struct{})}
		ps, err := l.request(ctx, c, next)
		if err != nil {
			f.err = err
			close(f.done)
			select {
			case futures <- f:
			case <-ctx.Done():
			}
			return
		}
		go func() {
			defer close(f.done)
			f.page, f.err = l.finish(c, ps)
		}()
		select {
		case futures <- f:
		case <-ctx.Done():
			<-f.done
			return
		}
		if ps.next == "" {
			return
		}
		if seen[ps.next] {
			f := &future[T]{done: make(chan struct{}), err: fmt.Errorf("canvas: %s: the Link header repeats a page already read; stopping to avoid a loop", l.path)}
			close(f.done)
			select {
			case futures <- f:
			case <-ctx.Done():
			}
			return
		}
		seen[ps.next] = true
		next = ps.next
	}
}

// sequential walks the pages one after the other (no prefetch).
func (l *lister[T]) sequential(ctx context.Context, c *Client, yield func(T, error) bool) {
	var zero T
	next := ""
	seen := map[string]bool{}
	for {
		p, err := l.page(ctx, c, next)
		if err != nil {
			yield(zero, err)
			return
		}
		if !deliver(p, yield) || p.Next == "" {
			return
		}
		if seen[p.Next] {
			yield(zero, fmt.Errorf("canvas: %s: the Link header repeats a page already read; stopping to avoid a loop", l.path))
			return
		}
		seen[p.Next] = true
		next = p.Next
	}
}

// deliver yields a page's records, then its record errors; false when the caller stopped.
func deliver[T any](p *Page[T], yield func(T, error) bool) bool {
	var zero T
	for i := range p.Items {
		if !yield(p.Items[i], nil) {
			return false
		}
	}
	for _, re := range p.RecordErrors {
		if !yield(zero, re) {
			return false
		}
	}
	return true
}

// list returns the iterator of a list operation, or one that yields the setup error.
func list[T any](ctx context.Context, c *Client, path string, params any, key string, idOf func(*T) int64) iter.Seq2[T, error] {
	l, err := newLister(c, path, params, key, idOf)
	if err != nil {
		return func(yield func(T, error) bool) {
			var zero T
			yield(zero, err)
		}
	}
	return l.all(ctx, c)
}

// listPage returns one page of a list operation: the first (next == "") or the one at next.
func listPage[T any](ctx context.Context, c *Client, path string, params any, key string, idOf func(*T) int64, next string) (*Page[T], error) {
	if next != "" {
		params = nil // the Next URL carries the query
	}
	l, err := newLister(c, path, params, key, idOf)
	if err != nil {
		return nil, err
	}
	return l.page(ctx, c, next)
}
