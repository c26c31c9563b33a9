package apiclient

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/edusync/edusync/apierror"
)

// Page is one page of a list answer, collected: what the page-level calls (ListXPage) return.
type Page[T any] struct {
	Items        []T
	RecordErrors []*apierror.RecordError
	PageInfo
}

// GetPage requests one page and collects its records (good ones in Items, bad ones in
// RecordErrors, both in the answer's order). RecordError.Index is the position in the page.
func GetPage[T any](ctx context.Context, c *Client, r *Request, shape *Shape[T]) (*Page[T], error) {
	resp, err := c.Do(ctx, r)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	p, err := DecodePage(c, resp.Body, r.Path, shape)
	if err != nil {
		return nil, err
	}
	p.Request, p.Header = r, resp.Header
	return p, nil
}

// DecodePage decodes one list answer read from body, as GetPage does, for answers that arrive
// otherwise (a host's export of an answer, a fuzz test). where names the endpoint in errors.
func DecodePage[T any](c *Client, body io.Reader, where string, shape *Shape[T]) (*Page[T], error) {
	p := &Page[T]{Items: make([]T, 0, min(c.pageSize, 4096))}
	members, n, _, err := records(c, body, where, shape, func(v T, err error) bool {
		var re *apierror.RecordError
		if errors.As(err, &re) {
			p.RecordErrors = append(p.RecordErrors, re)
		} else {
			p.Items = append(p.Items, v)
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	p.Members, p.Records = members, n
	return p, nil
}

// Paging computes the request for the page after the one just read (prev, which said page);
// nil when that was the last page.
type Paging func(prev *Request, page *PageInfo) (*Request, error)

// Listing describes one listing for Walk.
type Listing[T any] struct {
	First *Request // the first page's request, with the caller's filters and page size
	Shape Shape[T]
	Next  Paging
	// HeaderPaging says Next reads only the page's request and headers (a Link header), so the
	// next request can leave as soon as a page's headers are in; Prefetch pages are then read
	// and decoded ahead of the caller, each into a bounded queue.
	HeaderPaging bool
	Prefetch     int
	// Restart, when not nil, is asked about a failure of any page after the first; true starts
	// the listing over from First (SS 12000's expired page tokens). It decides how often.
	Restart func(error) bool
}

// MaxEmptyPages ends a listing with an error matching apierror.ErrPageCycle when that many
// pages in a row had no records but pointed to another page: a server that never converges.
const MaxEmptyPages = 100

// Walk returns the records of every page of a listing, decoded as they arrive (records), in
// the answer's order, bad records as *apierror.RecordError in their place. RecordError.Index is
// the record's position in the listing. A page the listing has already requested ends it with
// an *apierror.PageCycleError; a failed page ends it with its error. Stopping the iteration
// closes what is in flight.
func Walk[T any](ctx context.Context, c *Client, l *Listing[T]) iter.Seq2[T, error] {
	if l.HeaderPaging && l.Prefetch > 0 {
		return func(yield func(T, error) bool) { prefetch(ctx, c, l, yield) }
	}
	return func(yield func(T, error) bool) { sequential(ctx, c, l, yield) }
}

// Cycle remembers the positions a listing has visited (page tokens, links, offsets, archive
// links), for the paginators that do not use Walk (which uses one itself). It keeps a 128-bit
// digest per position, so a listing of many pages stays small.
type Cycle struct {
	path  string
	seen  map[[16]byte]struct{}
	pages int
}

// NewCycle starts the record of a listing of where (an endpoint path, for the error).
func (c *Client) NewCycle(where string) *Cycle { return NewCycle(c.Where(where)) }

// NewCycle starts the record of a listing of where, which must be redacted already (for
// paginators outside a client, such as a feed reader).
func NewCycle(where string) *Cycle {
	return &Cycle{path: where, seen: map[[16]byte]struct{}{}}
}

// Visit records position; an *apierror.PageCycleError when the listing was there before.
func (cy *Cycle) Visit(position string) error {
	sum := sha256.Sum256([]byte(position))
	key := [16]byte(sum[:16])
	if _, dup := cy.seen[key]; dup {
		return &apierror.PageCycleError{Path: cy.path, Pages: cy.pages}
	}
	cy.seen[key] = struct{}{}
	cy.pages++
	return nil
}

// Reset forgets every position (a listing that starts over).
func (cy *Cycle) Reset() {
	clear(cy.seen)
	cy.pages = 0
}

// walker is the state of one listing that both ways of walking share.
type walker[T any] struct {
	c      *Client
	l      *Listing[T]
	cycle  *Cycle
	pages  int // pages read
	empty  int // pages in a row without records
	offset int // records before the current page
}

func newWalker[T any](c *Client, l *Listing[T]) *walker[T] {
	return &walker[T]{c: c, l: l, cycle: c.NewCycle(l.First.Path)}
}

// request builds the next page's request and refuses one the listing already sent (the same
// method, URL and body).
func (w *walker[T]) request(ctx context.Context, r *Request) (*http.Request, error) {
	req, err := w.c.NewRequest(ctx, r)
	if err != nil {
		return nil, err
	}
	var position strings.Builder
	position.WriteString(req.Method + " " + req.URL.String() + "\n")
	if req.GetBody != nil {
		if b, err := req.GetBody(); err == nil {
			_, _ = io.Copy(&position, b)
		}
	}
	if err := w.cycle.Visit(position.String()); err != nil {
		return nil, err
	}
	return req, nil
}

// restart resets the walk to its first page.
func (w *walker[T]) restart() {
	w.cycle.Reset()
	w.pages, w.empty, w.offset = 0, 0, 0
}

// done accounts for a finished page and checks that the listing converges.
func (w *walker[T]) done(records int) error {
	w.pages++
	w.offset += records
	if records > 0 {
		w.empty = 0
		return nil
	}
	if w.empty++; w.empty >= MaxEmptyPages {
		return w.c.Errorf("listing %s: %d pages in a row had no records but pointed to another page; stopping: %w",
			w.c.Where(w.l.First.Path), w.empty, apierror.ErrPageCycle)
	}
	return nil
}

// shift makes a record error's index the record's position in the listing.
func shift(err error, offset int) {
	var re *apierror.RecordError
	if errors.As(err, &re) {
		re.Index += offset
	}
}

func sequential[T any](ctx context.Context, c *Client, l *Listing[T], yield func(T, error) bool) {
	var zero T
	w := newWalker(c, l)
	r := l.First
	for {
		req, err := w.request(ctx, r)
		if err != nil {
			yield(zero, err)
			return
		}
		resp, err := c.Send(req)
		if err != nil {
			if w.pages > 0 && l.Restart != nil && l.Restart(err) {
				w.restart()
				r = l.First
				continue
			}
			yield(zero, err)
			return
		}
		offset := w.offset
		members, n, stopped, err := records(c, resp.Body, l.First.Path, &l.Shape, func(v T, err error) bool {
			if err != nil {
				shift(err, offset)
			}
			return yield(v, err)
		})
		_ = resp.Body.Close()
		if stopped {
			return
		}
		if err != nil {
			shift(err, offset)
			yield(zero, err)
			return
		}
		if err := w.done(n); err != nil {
			yield(zero, err)
			return
		}
		next, err := l.Next(r, &PageInfo{Request: r, Header: resp.Header, Members: members, Records: n})
		if err != nil {
			yield(zero, c.Errorf("listing %s: %w", c.Where(l.First.Path), err))
			return
		}
		if next == nil {
			return
		}
		r = next
	}
}

// entry is a record or a record error on its way from a page's decoder to the caller.
type entry[T any] struct {
	v   T
	err error
}

// pageStream is one page being read and decoded in the background, handed over in batches of
// records (a channel operation per record cost a tenth of a listing's time).
type pageStream[T any] struct {
	batches chan []entry[T]
	free    chan []entry[T] // batches the caller is done with, for the decoder to fill again
	err     error           // set before batches is closed
	records int             // likewise
}

// batchSize is how many records a page's decoder hands over at once; batchesAhead how many
// batches it may decode ahead of the caller.
const (
	batchSize    = 32
	batchesAhead = 4
)

// prefetch walks a listing whose next page is known from a page's headers: the request for the
// next page leaves as soon as the current page's headers are in, and up to l.Prefetch pages are
// decoded ahead of the caller, each into a queue of at most batchSize*batchesAhead records, so
// memory stays bounded whatever the pages hold.
func prefetch[T any](ctx context.Context, c *Client, l *Listing[T], yield func(T, error) bool) {
	var zero T
	ctx, cancel := context.WithCancel(ctx)
	streams := make(chan *pageStream[T], l.Prefetch)
	go chain(ctx, c, l, streams)
	defer func() {
		cancel()
		for s := range streams { // let the chain and the decoders end
			for range s.batches {
			}
		}
	}()
	w := newWalker(c, l) // counts and converges; the chain checks for cycles
	for s := range streams {
		offset := w.offset
		for batch := range s.batches {
			for i := range batch {
				if batch[i].err != nil {
					shift(batch[i].err, offset)
				}
				if !yield(batch[i].v, batch[i].err) {
					return
				}
			}
			clear(batch) // hand nothing the caller was given to the next page's records
			select {
			case s.free <- batch[:0]:
			default:
			}
		}
		if s.err != nil {
			shift(s.err, offset)
			yield(zero, s.err)
			return
		}
		if err := w.done(s.records); err != nil {
			yield(zero, err)
			return
		}
	}
}

// chain requests page after page and hands each to a decoder goroutine, queueing the pages in
// order on streams, which it closes when the listing ends, fails or is cancelled.
func chain[T any](ctx context.Context, c *Client, l *Listing[T], streams chan<- *pageStream[T]) {
	defer close(streams)
	w := newWalker(c, l)
	fail := func(err error) {
		s := &pageStream[T]{batches: make(chan []entry[T]), err: err}
		close(s.batches)
		select {
		case streams <- s:
		case <-ctx.Done():
		}
	}
	r := l.First
	for {
		req, err := w.request(ctx, r)
		if err != nil {
			fail(err)
			return
		}
		resp, err := c.Send(req)
		if err != nil {
			fail(err)
			return
		}
		s := &pageStream[T]{batches: make(chan []entry[T], batchesAhead), free: make(chan []entry[T], batchesAhead+1)}
		go func() {
			defer close(s.batches)
			defer resp.Body.Close()
			batch := make([]entry[T], 0, batchSize)
			send := func() bool {
				select {
				case s.batches <- batch:
				case <-ctx.Done():
					return false
				}
				select {
				case batch = <-s.free:
				default:
					batch = make([]entry[T], 0, batchSize)
				}
				return true
			}
			var stopped bool
			_, s.records, stopped, s.err = records(c, resp.Body, l.First.Path, &l.Shape, func(v T, err error) bool {
				batch = append(batch, entry[T]{v, err})
				return len(batch) < batchSize || send()
			})
			if !stopped && len(batch) > 0 {
				send()
			}
		}()
		select {
		case streams <- s:
		case <-ctx.Done():
			return
		}
		next, err := l.Next(r, &PageInfo{Request: r, Header: resp.Header})
		if err != nil {
			fail(c.Errorf("listing %s: %w", c.Where(l.First.Path), err))
			return
		}
		if next == nil {
			return
		}
		r = next
	}
}

// TokenPaging pages by a token the answer carries in member ("pageToken"), sent back as param;
// the next requests keep only the first request's parameters named in keep (SS 12000 sends
// only pageToken and limit with a continuation). An absent, null or empty token ends the listing.
func TokenPaging(member, param string, keep ...string) Paging {
	return func(prev *Request, p *PageInfo) (*Request, error) {
		tok, ok, err := p.String(member)
		if err != nil || !ok || tok == "" {
			return nil, err
		}
		q := url.Values{param: {tok}}
		for _, k := range keep {
			if vs := prev.Query[k]; len(vs) > 0 {
				q[k] = vs
			}
		}
		next := *prev
		next.Query = q
		return &next, nil
	}
}

// LinkPaging pages by the rel="next" URL of the answer's Link headers, which must be absolute and
// is requested exactly as the server wrote it (NewRequest refuses one on another origin). No
// such link ends the listing.
func LinkPaging() Paging {
	return func(prev *Request, p *PageInfo) (*Request, error) {
		next := NextLink(p.Header)
		if next == "" {
			return nil, nil
		}
		if u, err := url.Parse(next); err != nil || !u.IsAbs() {
			return nil, errors.New("the Link header's next URL is not an absolute URL; not following it")
		}
		r := *prev
		r.Path, r.Query = next, nil
		return &r, nil
	}
}

// OffsetPaging pages by offset and limit parameters (WISEflow): the next page starts after the
// records read so far. A page with fewer records than the limit, or, when total is given and
// knows it, reaching the total ends the listing.
func OffsetPaging(offsetParam, limitParam string, total func(*PageInfo) (int64, bool)) Paging {
	return numbered(offsetParam, limitParam, total, true)
}

// PageNumberPaging pages by a page number parameter counted from 1 (Ladok); otherwise as
// OffsetPaging.
func PageNumberPaging(pageParam, limitParam string, total func(*PageInfo) (int64, bool)) Paging {
	return numbered(pageParam, limitParam, total, false)
}

func numbered(param, limitParam string, total func(*PageInfo) (int64, bool), offset bool) Paging {
	return func(prev *Request, p *PageInfo) (*Request, error) {
		limit, err := strconv.Atoi(prev.Query.Get(limitParam))
		if err != nil || limit < 1 {
			return nil, fmt.Errorf("the request has no %s", limitParam)
		}
		if p.Records < limit {
			return nil, nil
		}
		cur, _ := strconv.ParseInt(prev.Query.Get(param), 10, 64)
		var next, read int64 // the next page's parameter, and the records read through this page
		if offset {
			next = cur + int64(p.Records)
			read = next
		} else {
			cur = max(cur, 1)
			next = cur + 1
			read = cur * int64(limit)
		}
		if total != nil {
			if t, ok := total(p); ok && read >= t {
				return nil, nil
			}
		}
		q := make(url.Values, len(prev.Query)+1)
		for k, vs := range prev.Query {
			q[k] = vs
		}
		q.Set(param, strconv.FormatInt(next, 10))
		r := *prev
		r.Query = q
		return &r, nil
	}
}
