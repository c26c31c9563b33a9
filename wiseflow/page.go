package wiseflow

import (
	"context"
	"errors"
	"iter"
	"net/http"
	"net/url"
	"strconv"

	"github.com/edusync/edusync/internal/apiclient"
	"github.com/edusync/edusync/internal/httpx"
)

// Page is one page of an offset-paged listing (participants, submissions, flow and source
// searches), as the Page calls return it.
type Page[T any] struct {
	// Items are the page's good records, in the answer's order.
	Items []T
	// RecordErrors are the records that could not be used (Index is the position in the page).
	RecordErrors []*RecordError
	// Offset and Limit are the page's request; Total is the listing's size as the answer gave
	// it, -1 when it gave none.
	Offset int64
	Limit  int
	Total  int64
	// Records is how many records the page held, good and bad.
	Records int
}

// More reports whether a page follows this one: the total says so, or, without a total, the
// page was full.
func (p *Page[T]) More() bool {
	if p.Records == 0 {
		return false
	}
	if p.Total >= 0 {
		return p.Offset+int64(p.Records) < p.Total
	}
	return p.Records >= p.Limit
}

// NextOffset is the offset of the page after this one.
func (p *Page[T]) NextOffset() int64 { return p.Offset + int64(p.Records) }

// listShape is the shape of an envelope's page: records in data, the paging and the envelope's
// verdict kept.
func listShape[T any](id func(*T) int64) apiclient.Shape[T] {
	return apiclient.Shape[T]{
		Items: "data", Keep: []string{"pagination", "success", "error"}, Optional: true, MaxRecords: MaxListRecords,
		ID:    func(v *T) string { return strconv.FormatInt(id(v), 10) },
		HasID: func(v *T) bool { return id(v) > 0 },
	}
}

// arrayShape is the shape of a bare array or an envelope's array that is one answer (no
// paging): the calls that return a whole list.
func arrayShape[T any](items string, id func(*T) int64) apiclient.Shape[T] {
	s := apiclient.Shape[T]{Items: items, Optional: items != "", MaxRecords: MaxListRecords,
		ID:    func(v *T) string { return strconv.FormatInt(id(v), 10) },
		HasID: func(v *T) bool { return id(v) > 0 },
	}
	if items != "" {
		s.Keep = []string{"success", "error"}
	}
	return s
}

// verdict reads the envelope members a page kept and returns the error an envelope that
// failed stands for.
func (c *Client) verdict(p *apiclient.PageInfo, status int) error {
	var success *bool
	var b bool
	if ok, err := p.Decode("success", &b); err != nil {
		return err
	} else if ok {
		success = &b
	}
	var detail *ErrorDetail
	var d ErrorDetail
	if ok, _ := p.Decode("error", &d); ok {
		detail = &d
	}
	if !failed(success, detail) {
		return nil
	}
	method, path := http.MethodGet, ""
	if p.Request != nil {
		path = p.Request.Path
		if p.Request.Method != "" {
			method = p.Request.Method
		}
	}
	return c.envelopeFailure(&http.Response{StatusCode: status, Header: p.Header}, method, path, detail)
}

// total reads pagination.total; ok is false when the page has none.
func total(p *apiclient.PageInfo) (int64, bool) {
	var pg struct {
		Total *int64 `json:"total"`
	}
	if ok, err := p.Decode("pagination", &pg); !ok || err != nil || pg.Total == nil || *pg.Total < 0 {
		return 0, false
	}
	return *pg.Total, true
}

// paging is WISEflow's offset paging: the next page starts after the records read; the
// listing ends when the total is reached or, without a total, on a page that is not full. An
// envelope that says the request failed ends it with that error.
func (c *Client) paging() apiclient.Paging {
	return func(prev *apiclient.Request, p *apiclient.PageInfo) (*apiclient.Request, error) {
		if err := c.verdict(p, http.StatusOK); err != nil {
			return nil, err
		}
		limit, _ := strconv.Atoi(prev.Query.Get("limit"))
		offset, _ := strconv.ParseInt(prev.Query.Get("offset"), 10, 64)
		t, known := total(p)
		pg := Page[struct{}]{Offset: offset, Limit: limit, Total: -1, Records: p.Records}
		if known {
			pg.Total = t
		}
		if !pg.More() {
			return nil, nil
		}
		q := make(url.Values, len(prev.Query))
		for k, vs := range prev.Query {
			q[k] = vs
		}
		q.Set("offset", strconv.FormatInt(pg.NextOffset(), 10))
		next := *prev
		next.Query = q
		return &next, nil
	}
}

// pageQuery is the query of one page.
func pageQuery(offset int64, limit int) url.Values {
	return url.Values{"offset": {strconv.FormatInt(offset, 10)}, "limit": {strconv.Itoa(limit)}}
}

// checkPage refuses page parameters WISEflow would refuse.
func checkPage(offset int64, limit int) error {
	if offset < 0 || limit < 1 || limit > MaxPageSize {
		return errors.New("wiseflow: offset must be 0 or more and limit between 1 and 100")
	}
	return nil
}

// list walks an offset-paged listing from its first page.
//
// A record delivered already (pages that shifted right under an insert) is not delivered
// again. Offsets only grow, so the core's cycle check (a page requested twice) cannot see a
// server that answers every offset with the same records; the listing ends with a
// *PageCycleError when a whole page's worth of records in a row were delivered already.
func list[T any](ctx context.Context, c *Client, r *apiclient.Request, id func(*T) int64) iter.Seq2[T, error] {
	ctx = httpx.WithIdempotent(ctx) // listings change nothing (the searches are POSTs)
	r.Query = pageQuery(0, c.core.PageSize())
	walk := apiclient.Walk(ctx, c.core, &apiclient.Listing[T]{First: r, Shape: listShape(id), Next: c.paging()})
	return func(yield func(T, error) bool) {
		seen := map[int64]struct{}{}
		repeats, records := 0, 0
		for v, err := range walk {
			if err == nil {
				records++
				k := id(&v)
				if _, dup := seen[k]; dup {
					if repeats++; repeats >= c.core.PageSize() {
						var zero T
						yield(zero, &PageCycleError{Path: c.core.Where(r.Path), Pages: records / c.core.PageSize()})
						return
					}
					continue
				}
				seen[k], repeats = struct{}{}, 0
			}
			if !yield(v, err) {
				return
			}
		}
	}
}

// page reads one page of an offset-paged listing.
func page[T any](ctx context.Context, c *Client, r *apiclient.Request, offset int64, limit int, id func(*T) int64) (*Page[T], error) {
	if err := checkPage(offset, limit); err != nil {
		return nil, err
	}
	ctx = httpx.WithIdempotent(ctx)
	r.Query = pageQuery(offset, limit)
	shape := listShape(id)
	p, err := apiclient.GetPage(ctx, c.core, r, &shape)
	if err != nil {
		return nil, err
	}
	if err := c.verdict(&p.PageInfo, http.StatusOK); err != nil {
		return nil, err
	}
	out := &Page[T]{Items: p.Items, RecordErrors: p.RecordErrors, Offset: offset, Limit: limit, Total: -1, Records: p.Records}
	if t, ok := total(&p.PageInfo); ok {
		out.Total = t
	}
	return out, nil
}

// whole reads an answer that holds a whole list (a bare array, or an envelope's data array):
// the good records, and the bad ones as RecordErrors.
func whole[T any](ctx context.Context, c *Client, r *apiclient.Request, items string, id func(*T) int64) ([]T, error) {
	shape := arrayShape(items, id)
	p, err := apiclient.GetPage(ctx, c.core, r, &shape)
	if err != nil {
		return nil, err
	}
	if items != "" {
		if err := c.verdict(&p.PageInfo, http.StatusOK); err != nil {
			return nil, err
		}
	}
	if len(p.RecordErrors) > 0 {
		return p.Items, RecordErrors(p.RecordErrors)
	}
	return p.Items, nil
}
