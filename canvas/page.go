package canvas

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/url"
	"strconv"

	"github.com/edusync/edusync/internal/apiclient"
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

// shape describes the records of a list answer: the array itself, or for wrapped answers
// ({"enrollment_terms": [...]}) the array under key; idOf, when not nil, is the number id every
// record must have.
func shape[T any](key string, idOf func(*T) int64) apiclient.Shape[T] {
	s := apiclient.Shape[T]{Items: key}
	if idOf != nil {
		s.HasID = func(v *T) bool { return idOf(v) != 0 }
		s.ID = func(v *T) string {
			if id := idOf(v); id != 0 {
				return strconv.FormatInt(id, 10)
			}
			return ""
		}
	}
	return s
}

// firstRequest is the request for a list operation's first page: the caller's filters and
// per_page.
func (c *Client) firstRequest(path string, params any) (*apiclient.Request, error) {
	q, err := encodeQuery(params)
	if err != nil {
		return nil, err
	}
	if q.Get("page") != "" {
		return nil, fmt.Errorf("canvas: %s: page is set by the listing from the Link header; use the Page method with a Next URL to continue", path)
	}
	if q.Get("per_page") == "" {
		q.Set("per_page", strconv.Itoa(c.core.PageSize()))
	}
	return &apiclient.Request{Path: path, Query: q}, nil
}

// list returns the iterator of a list operation: it follows the Link headers, requests the next
// page as soon as a page's headers are in and decodes up to the client's prefetch pages ahead of
// the caller, each record as it arrives, in Canvas's order. Bad records are yielded as
// *RecordError and the walk goes on; a failed page ends it with the error, and so does a Link
// header that leads back to a page already read (*PageCycleError). Stopping early cancels what
// is in flight.
func list[T any](ctx context.Context, c *Client, path string, params any, key string, idOf func(*T) int64) iter.Seq2[T, error] {
	first, err := c.firstRequest(path, params)
	if err != nil {
		return func(yield func(T, error) bool) {
			var zero T
			yield(zero, err)
		}
	}
	return apiclient.Walk(ctx, c.core, &apiclient.Listing[T]{
		First: first, Shape: shape(key, idOf), Next: apiclient.LinkPaging(),
		HeaderPaging: true, Prefetch: c.prefetch,
	})
}

// listPage returns one page of a list operation: the first (next == "") or the one at next,
// which must be a URL from a Link header of the same listing (on the API's host).
func listPage[T any](ctx context.Context, c *Client, path string, params any, key string, idOf func(*T) int64, next string) (*Page[T], error) {
	r, err := c.firstRequest(path, params)
	if err != nil {
		return nil, err
	}
	if next != "" {
		if u, err := url.Parse(next); err != nil || !u.IsAbs() {
			return nil, errors.New("canvas: the next URL is not an absolute URL from a Link header; not following it")
		}
		r = &apiclient.Request{Path: next} // the Next URL carries the query
	}
	s := shape(key, idOf)
	p, err := apiclient.GetPage(ctx, c.core, r, &s)
	if err != nil {
		return nil, err
	}
	return &Page[T]{Items: p.Items, Next: apiclient.NextLink(p.Header), RecordErrors: p.RecordErrors}, nil
}
