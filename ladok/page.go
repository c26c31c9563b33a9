package ladok

import (
	"context"

	"fmt"
	"hash/maphash"
	"iter"

	"github.com/edusync/edusync/internal/apiclient"
)

// Page is one page of a Ladok search. Records that could not be decoded are left out of Items
// and described in RecordErrors, so one bad record does not sink the page.
type Page[T any] struct {
	Items []T
	// Page is the page number (from 1) and Total Ladok's TotaltAntalPoster: the number of
	// records the whole search matches.
	Page, Total  int
	RecordErrors []*RecordError
}

// searchShape is the shape of every search answer: {"TotaltAntalPoster": n, "Resultat": [...]};
// an answer without Resultat has no records.
func searchShape[T any](idOf func(*T) string) apiclient.Shape[T] {
	return apiclient.Shape[T]{Items: "Resultat", Keep: []string{"TotaltAntalPoster"}, ID: idOf, Optional: true}
}

// searchPage fetches one page of a search and collects its records.
func searchPage[T any](ctx context.Context, c *Client, r *apiclient.Request, page int, idOf func(*T) string) (*Page[T], error) {
	s := searchShape(idOf)
	p, err := apiclient.GetPage(ctx, c.core, r, &s)
	if err != nil {
		return nil, err
	}
	total, _, err := p.Int("TotaltAntalPoster")
	if err != nil {
		return nil, c.core.DecodeError(r.Path, err)
	}
	return &Page[T]{Items: p.Items, Page: page, Total: int(total), RecordErrors: p.RecordErrors}, nil
}

// errPagingLoop stops a search whose pages never end.
var errPagingLoop = fmt.Errorf("the search returned more pages than its total allows; stopping: %w", ErrPageCycle)

// search walks a page+limit search from page 1 (request builds each page's request), decoding
// each page record by record as it arrives. It stops after a short page or when the total is
// reached; bad records are yielded as *RecordError and the walk goes on; records repeated on a
// later page (the data moved while paging) are skipped by UID; a search that returns more pages
// than its first total allows ends with an error matching ErrPageCycle.
func search[T any](ctx context.Context, c *Client, limit int, request func(page, limit int) (*apiclient.Request, error), idOf func(*T) string) iter.Seq2[T, error] {
	if limit < 1 || limit > DefaultPageSize {
		limit = c.core.PageSize()
	}
	return func(yield func(T, error) bool) {
		var zero T
		first, err := request(1, limit)
		if err != nil {
			yield(zero, err)
			return
		}
		page, maxPages := 1, -1
		l := &apiclient.Listing[T]{First: first, Shape: searchShape(idOf),
			Next: func(_ *apiclient.Request, p *apiclient.PageInfo) (*apiclient.Request, error) {
				total, _, err := p.Int("TotaltAntalPoster")
				if err != nil {
					return nil, err
				}
				if maxPages < 0 {
					maxPages = int(total)/limit + 2
				}
				if p.Records < limit || int64(page*limit) >= total {
					return nil, nil
				}
				if page >= maxPages {
					return nil, errPagingLoop
				}
				page++
				return request(page, limit)
			}}
		seed := maphash.MakeSeed()
		seen := map[uint64]struct{}{}
		for v, err := range apiclient.Walk(ctx, c.core, l) {
			if err == nil {
				h := maphash.String(seed, idOf(&v))
				if _, dup := seen[h]; dup {
					continue
				}
				seen[h] = struct{}{}
			}
			if !yield(v, err) {
				return
			}
		}
	}
}
