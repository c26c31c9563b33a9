package ss12000

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"sort"
	"strconv"

	"github.com/edusync/edusync/internal/apiquery"
	"github.com/edusync/edusync/internal/jsonx"
	"github.com/edusync/edusync/internal/redact"
)

// Page is one page of a list endpoint. Records that could not be decoded are left out of Items
// and described in RecordErrors (never in strict mode, where the page fails instead).
type Page[T any] struct {
	Items []T
	// NextPageToken continues the listing; empty on the last page.
	NextPageToken string
	RecordErrors  []*RecordError
}

// RecordError describes one record of a page or lookup answer that could not be used. The rest
// of the page is still delivered. It never contains record contents, only where and why.
type RecordError struct {
	Path  string // the endpoint, e.g. /persons
	Index int    // position in the page or answer
	ID    string // the record's id when it could be read
	Err   error
}

// Error says which record of which endpoint failed and why; personal numbers are masked.
func (e *RecordError) Error() string {
	id := ""
	if e.ID != "" {
		id = " (id " + e.ID + ")"
	}
	return fmt.Sprintf("ss12000: %s record %d%s: %s", e.Path, e.Index, id, redact.PersonalNumbers(e.Err.Error()))
}

// Unwrap returns the cause.
func (e *RecordError) Unwrap() error { return e.Err }

// RecordErrors is returned by lookups, together with the good records, when some records
// could not be decoded.
type RecordErrors []*RecordError

// Error describes the first bad record and how many more there are.
func (e RecordErrors) Error() string {
	if len(e) == 1 {
		return e[0].Error()
	}
	return fmt.Sprintf("%s (and %d more bad records)", e[0].Error(), len(e)-1)
}

// Unwrap lets errors.As reach each RecordError.
func (e RecordErrors) Unwrap() []error {
	out := make([]error, len(e))
	for i, r := range e {
		out[i] = r
	}
	return out
}

func encodeQuery(params any) (url.Values, error) {
	q, err := apiquery.Encode(params)
	if err != nil {
		return nil, fmt.Errorf("ss12000: %w", err)
	}
	return q, nil
}

// decodeRecords decodes a JSON array of records tolerantly (internal/jsonx.Array): a record that
// does not decode, or has no id, becomes a RecordError and the others are delivered; in strict
// mode the first one fails the call.
func decodeRecords[T any](path string, raw []byte, idOf func(*T) string, strict bool) ([]T, []*RecordError, error) {
	var hasID func(*T) bool
	if idOf != nil {
		hasID = func(v *T) bool { return idOf(v) != "" }
	}
	items, bad, err := jsonx.Array(raw, hasID, jsonx.ArrayOptions{Strict: strict})
	if err != nil {
		return nil, nil, &DecodeError{Path: path, Err: err}
	}
	var errs []*RecordError
	for _, b := range bad {
		errs = append(errs, &RecordError{Path: path, Index: b.Index, ID: peekID(b.Raw), Err: b.Err})
	}
	return items, errs, nil
}

// peekID reads the id of a record that does not decode, for the error report.
func peekID(raw []byte) string {
	var r struct {
		ID json.RawMessage `json:"id"`
	}
	if json.Unmarshal(raw, &r) != nil || len(r.ID) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(r.ID, &s) == nil {
		return redact.PersonalNumbers(s)
	}
	return ""
}

// pageEnvelope is the shape of every SS 12000 list answer.
type pageEnvelope struct {
	Data      json.RawMessage `json:"data"`
	PageToken *string         `json:"pageToken"`
}

// fetchPage requests one page and decodes it tolerantly.
func fetchPage[T any](ctx context.Context, c *Client, path string, q url.Values, idOf func(*T) string) (*Page[T], error) {
	resp, err := c.do(ctx, http.MethodGet, path, q, nil)
	if err != nil {
		return nil, err
	}
	b, err := readBody(resp)
	if err != nil {
		return nil, fmt.Errorf("ss12000: reading %s: %w", path, err)
	}
	return decodePage(path, b, idOf, c.strict)
}

// decodePage decodes a list answer: {"data": [...], "pageToken": ...}.
func decodePage[T any](path string, b []byte, idOf func(*T) string, strict bool) (*Page[T], error) {
	// Fast path: one pass over the whole page into the typed envelope.
	var env struct {
		Data      []T     `json:"data"`
		PageToken *string `json:"pageToken"`
	}
	if err := jsonx.Unmarshal(b, &env); err == nil && env.Data != nil {
		p := &Page[T]{Items: env.Data}
		if env.PageToken != nil {
			p.NextPageToken = *env.PageToken
		}
		if idOf != nil {
			for i := range env.Data {
				if idOf(&env.Data[i]) == "" {
					return pageSlowPath(path, b, idOf, strict)
				}
			}
		}
		return p, nil
	} else if err == nil {
		return nil, &DecodeError{Path: path, Err: errors.New(`answer has no "data" array`)}
	}
	return pageSlowPath(path, b, idOf, strict)
}

func pageSlowPath[T any](path string, b []byte, idOf func(*T) string, strict bool) (*Page[T], error) {
	var env pageEnvelope
	if err := json.Unmarshal(b, &env); err != nil {
		return nil, &DecodeError{Path: path, Err: err}
	}
	if len(bytes.TrimSpace(env.Data)) == 0 || bytes.Equal(bytes.TrimSpace(env.Data), []byte("null")) {
		return nil, &DecodeError{Path: path, Err: errors.New(`answer has no "data" array`)}
	}
	items, bad, err := decodeRecords(path, env.Data, idOf, strict)
	if err != nil {
		return nil, err
	}
	p := &Page[T]{Items: items, RecordErrors: bad}
	if env.PageToken != nil {
		p.NextPageToken = *env.PageToken
	}
	return p, nil
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
	return fetchPage(ctx, c, path, q, idOf)
}

// continuation keeps only limit from the first query and adds the token.
func continuation(first url.Values, token string) url.Values {
	q := url.Values{"pageToken": {token}}
	if l := first.Get("limit"); l != "" {
		q.Set("limit", l)
	}
	return q
}

// listAll walks every page of a list endpoint. Bad records are yielded as *RecordError and the
// walk goes on (unless the caller stops); a failed page ends it with the error. When the
// service answers 410 to a pageToken (it expired), the listing restarts once from the beginning
// and records already delivered are skipped by id.
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
			first.Set("limit", strconv.Itoa(c.pageSize))
		}
		seen := make(map[string]struct{})
		restarted := false
		token := ""
		for {
			q := first
			if token != "" {
				q = continuation(first, token)
			}
			page, err := fetchPage(ctx, c, path, q, idOf)
			if err != nil {
				if token != "" && !restarted && errors.Is(err, ErrGone) {
					restarted, token = true, ""
					continue
				}
				yield(zero, err)
				return
			}
			for i := range page.Items {
				id := idOf(&page.Items[i])
				if _, dup := seen[id]; dup && restarted {
					continue
				}
				seen[id] = struct{}{}
				if !yield(page.Items[i], nil) {
					return
				}
			}
			for _, re := range page.RecordErrors {
				if re.ID != "" {
					if _, dup := seen[re.ID]; dup && restarted {
						continue
					}
					seen[re.ID] = struct{}{}
				}
				if !yield(zero, re) {
					return
				}
			}
			if page.NextPageToken == "" {
				return
			}
			if page.NextPageToken == token {
				yield(zero, fmt.Errorf("ss12000: %s: the service returned the same pageToken twice; stopping to avoid a loop", path))
				return
			}
			token = page.NextPageToken
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
	var out []T
	var bad RecordErrors
	var run func(batch []lookupKey) error
	run = func(batch []lookupKey) error {
		if len(batch) == 0 {
			return nil
		}
		resp, err := c.do(ctx, http.MethodPost, path, q, lookupBody(batch))
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
		b, err := readBody(resp)
		if err != nil {
			return fmt.Errorf("ss12000: reading %s: %w", path, err)
		}
		items, recErrs, err := decodeRecords(path, b, idOf, c.strict)
		if err != nil {
			return err
		}
		out = append(out, items...)
		bad = append(bad, recErrs...)
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
	var ae *APIError
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
