package ss12000

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"iter"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"

	"github.com/edusync/edusync/apierror"
	"github.com/edusync/edusync/internal/apiclient"
	"github.com/edusync/edusync/internal/apiquery"
)

// Page is one page of a list endpoint. Records that could not be decoded are left out of Items
// and described in RecordErrors (never in strict mode, where the page fails instead).
type Page[T any] struct {
	Items []T
	// NextPageToken continues the listing; empty on the last page.
	NextPageToken string
	RecordErrors  []*RecordError
}

func encodeQuery(params any) (url.Values, error) {
	q, err := apiquery.Encode(params)
	if err != nil {
		return nil, fmt.Errorf("ss12000: %w", err)
	}
	return q, nil
}

// pageShape is the shape of every SS 12000 list answer: {"data": [...], "pageToken": ...}.
func pageShape[T any](idOf func(*T) string) apiclient.Shape[T] {
	return apiclient.Shape[T]{Items: "data", Keep: []string{"pageToken"}, ID: idOf}
}

// listPage fetches one page: the first with the caller's filters, the next ones with only
// pageToken and limit, as SS 12000 requires.
func listPage[T any](ctx context.Context, c *Client, path string, params any, pageToken string, idOf func(*T) string) (*Page[T], error) {
	q, err := encodeQuery(params)
	if err != nil {
		return nil, err
	}
	if pageToken != "" {
		q = continuation(q, pageToken)
	}
	shape := pageShape(idOf)
	p, err := apiclient.GetPage(ctx, c.core, &apiclient.Request{Path: path, Query: q}, &shape)
	if err != nil {
		return nil, err
	}
	next, _, err := p.String("pageToken")
	if err != nil {
		return nil, c.core.DecodeError(path, err)
	}
	return &Page[T]{Items: p.Items, NextPageToken: next, RecordErrors: p.RecordErrors}, nil
}

// continuation keeps only limit from the first query and adds the token.
func continuation(first url.Values, token string) url.Values {
	q := url.Values{"pageToken": {token}}
	if l := first.Get("limit"); l != "" {
		q.Set("limit", l)
	}
	return q
}

// listAll walks every page of a list endpoint, decoding each page's records as they arrive.
// Bad records are yielded as *RecordError and the walk goes on (unless the caller stops); a
// failed page ends it with the error, and a pageToken that leads back to a page already read
// with a *PageCycleError. When the service answers 410 to a pageToken (it expired), the listing
// restarts once from the beginning and records already delivered are skipped by id.
func listAll[T any](ctx context.Context, c *Client, path string, params any, idOf func(*T) string) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		first, err := encodeQuery(params)
		if err != nil {
			yield(zero, err)
			return
		}
		if first.Get("pageToken") != "" {
			yield(zero, fmt.Errorf("ss12000: %s: the iterator manages pageToken itself; use the Page method to continue a listing", path))
			return
		}
		if first.Get("limit") == "" {
			first.Set("limit", strconv.Itoa(c.core.PageSize()))
		}
		restarted, sorted := false, false
		l := &apiclient.Listing[T]{
			First: &apiclient.Request{Path: path, Query: first},
			Shape: pageShape(idOf),
			Next:  apiclient.TokenPaging("pageToken", "pageToken", "limit"),
			Restart: func(err error) bool {
				if restarted || !errors.Is(err, ErrGone) {
					return false
				}
				restarted = true
				return true
			},
		}
		// The ids delivered, as 64-bit hashes, so that a restart can skip them: appended to a
		// slice (8 bytes a record) until a restart, which sorts it once for lookups.
		seed := maphash.MakeSeed()
		var before []uint64
		after := map[uint64]struct{}{}
		for v, err := range apiclient.Walk(ctx, c.core, l) {
			id := ""
			var re *RecordError
			switch {
			case err == nil:
				id = idOf(&v)
			case errors.As(err, &re):
				id = re.ID
			}
			if id != "" {
				h := maphash.String(seed, id)
				if !restarted {
					before = append(before, h)
				} else {
					if !sorted {
						slices.Sort(before)
						sorted = true
					}
					if _, dup := slices.BinarySearch(before, h); dup {
						continue
					}
					if _, dup := after[h]; dup {
						continue
					}
					after[h] = struct{}{}
				}
			}
			if !yield(v, err) {
				return
			}
		}
	}
}

// lookup posts body (an object of key lists) in batches of at most c.lookupBatch keys. A batch the
// service rejects as too large (413) or cannot handle (503) is split in half and retried, down
// to single keys. Records come back in the order the service sent them, batch after batch.
func lookup[T any](ctx context.Context, c *Client, path string, params any, body any, idOf func(*T) string) ([]T, error) {
	q, err := encodeQuery(params)
	if err != nil {
		return nil, err
	}
	keys, err := lookupKeys(body)
	if err != nil {
		return nil, fmt.Errorf("ss12000: %s: %w", path, err)
	}
	shape := apiclient.Shape[T]{ID: idOf}
	var out []T
	var bad RecordErrors
	var run func(batch []lookupKey) error
	run = func(batch []lookupKey) error {
		if len(batch) == 0 {
			return nil
		}
		p, err := apiclient.GetPage(ctx, c.core, &apiclient.Request{Method: http.MethodPost, Path: path, Query: q, Body: lookupBody(batch)}, &shape)
		if err != nil {
			if len(batch) > 1 && (errors.Is(err, ErrTooLarge) || isUnavailable(err)) {
				mid := len(batch) / 2
				if err := run(batch[:mid]); err != nil {
					return err
				}
				return run(batch[mid:])
			}
			return err
		}
		out = append(out, p.Items...)
		bad = append(bad, p.RecordErrors...)
		return nil
	}
	for start := 0; start < len(keys); start += c.lookupBatch {
		end := min(start+c.lookupBatch, len(keys))
		if err := run(keys[start:end]); err != nil {
			return out, err
		}
	}
	if len(bad) > 0 {
		return out, bad
	}
	return out, nil
}

func isUnavailable(err error) bool {
	var ae *apierror.APIError
	return errors.As(err, &ae) && ae.StatusCode == http.StatusServiceUnavailable
}

// lookupKey is one key of a lookup body: the list it belongs to ("ids", "civicNos", ...) and its value.
type lookupKey struct{ list, value string }

// lookupKeys flattens a generated lookup body (a struct of string lists) in a stable order.
func lookupKeys(body any) ([]lookupKey, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	var lists map[string][]string
	if err := json.Unmarshal(b, &lists); err != nil {
		return nil, fmt.Errorf("lookup body must be an object of string lists: %w", err)
	}
	names := make([]string, 0, len(lists))
	for n := range lists {
		names = append(names, n)
	}
	sort.Strings(names)
	var keys []lookupKey
	for _, n := range names {
		for _, v := range lists[n] {
			keys = append(keys, lookupKey{n, v})
		}
	}
	return keys, nil
}

func lookupBody(keys []lookupKey) map[string][]string {
	m := make(map[string][]string)
	for _, k := range keys {
		m[k.list] = append(m[k.list], k.value)
	}
	return m
}
