package ss12000server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/edusync/edusync/internal/ss12000serve"
	"github.com/edusync/edusync/internal/uuidtext"
	"github.com/edusync/edusync/store"
)

// A listing works like this: the first request carries the filters and starts a listing over
// the committed state of that moment (its generation). Each page serves the current version of
// the records and skips those removed since; records that appeared after the listing started
// are not part of it (a delta read on meta.modified finds them). Pages follow the records' ids
// in key order, so a page costs the same at the end of a municipality as at its start, and
// the provider keeps nothing in memory between pages. A page that had to look at many
// records without finding enough that match may carry fewer than limit; the next continues
// where it stopped. With a sortkey, the first request sorts the matching ids once and keeps
// them in the store, and the pages follow that order.

// listHandler answers GET /<resource>.
func (p *Provider) listHandler(k *kind) func(http.ResponseWriter, *http.Request, *request) {
	return func(w http.ResponseWriter, r *http.Request, q *request) {
		if c, limit, first, ok := p.paging(w, r, q, k.path); ok {
			p.serveList(w, r, q, k, c, limit, first)
		}
	}
}

// paging reads the paging of a request for the listing at path: a new listing (first), or the
// one its pageToken continues. When the request cannot be served it answers it and returns
// false.
func (p *Provider) paging(w http.ResponseWriter, r *http.Request, q *request, path string) (c *cursor, limit int, first, ok bool) {
	if _, cont := r.URL.Query()["pageToken"]; cont {
		c, limit, ok = p.continuation(w, r, q, path)
		return c, limit, false, ok
	}
	c, limit, ok = p.newListing(w, r, q, path)
	return c, limit, true, ok
}

// newListing starts the listing at path: the page's limit and a cursor that keeps every other
// parameter as the listing's filters (bounded, as the cursor travels in the pageToken). When
// the request cannot be served it answers it (400) and returns false.
func (p *Provider) newListing(w http.ResponseWriter, r *http.Request, q *request, path string) (*cursor, int, bool) {
	qs := r.URL.Query()
	limit, ok := ss12000serve.PageLimit(qs["limit"], p.opts.DefaultLimit, p.opts.MaxLimit)
	if !ok {
		badParam(w, ss12000serve.MsgLimit)
		return nil, 0, false
	}
	filters := url.Values{}
	for name, v := range qs {
		if name != "limit" {
			filters[name] = v
		}
	}
	query := filters.Encode()
	if len(query) > maxTokenQuery {
		badParam(w, "the filters are longer than the provider pages through; ask for less at a time")
		return nil, 0, false
	}
	return &cursor{Path: path, Recv: q.recv.cfg.Name, Query: query, Limit: limit}, limit, true
}

// continuation opens the pageToken of a request that continues the receiver's listing at path
// (only limit may accompany it) and returns the listing's cursor and the page's limit (the
// listing's unless the request gives one). When the token cannot be used it answers the
// request (400 not one of ours or another listing's, 410 expired) and returns false.
func (p *Provider) continuation(w http.ResponseWriter, r *http.Request, q *request, path string) (*cursor, int, bool) {
	qs := r.URL.Query()
	if msg := ss12000serve.ContinuationError(qs); msg != "" {
		badParam(w, msg)
		return nil, 0, false
	}
	c, err := p.tokens.open(qs.Get("pageToken"), p.now())
	switch {
	case errors.Is(err, errTokenMalformed):
		badParam(w, err.Error())
		return nil, 0, false
	case err != nil:
		ss12000serve.WriteError(w, http.StatusGone, "page_token_expired", ss12000serve.MsgTokenExpired)
		return nil, 0, false
	}
	if c.Path != path || c.Recv != q.recv.cfg.Name {
		badParam(w, "the pageToken belongs to another listing")
		return nil, 0, false
	}
	limit, ok := ss12000serve.PageLimit(qs["limit"], c.Limit, p.opts.MaxLimit)
	if !ok {
		badParam(w, ss12000serve.MsgLimit)
		return nil, 0, false
	}
	return c, limit, true
}

// nextToken seals the cursor of the page that follows, usable for PageTokenTTL; "" when none
// follows.
func (p *Provider) nextToken(next *cursor, more bool) string {
	if !more {
		return ""
	}
	next.Expires = p.now().Add(p.opts.PageTokenTTL).Unix()
	return p.tokens.seal(next)
}

// serveList answers one page of a listing.
func (p *Provider) serveList(w http.ResponseWriter, r *http.Request, q *request, k *kind, c *cursor, limit int, first bool) {
	rel := newRelations(p, nil, q)
	filters, _ := url.ParseQuery(c.Query)
	spec, msg := k.list(filters, rel)
	if msg != "" {
		badParam(w, msg)
		return
	}
	if k.res == "" {
		writePage(w, nil, "")
		return
	}
	var items [][]byte
	var more bool
	var err error
	next := *c
	if spec.key != nil {
		if first {
			next.Listing, next.N, next.Gen, err = p.materialise(r, q, k, spec, rel)
		}
		if err == nil {
			items, err = p.listingPage(r, q, k, &next, limit, spec, rel)
			next.Off += limit
			more = next.Off < next.N
		}
	} else {
		err = p.viewTx(r, q, func(tx store.Tx, gen uint64) error {
			if first {
				next.Gen = gen
			}
			rel.tx = tx
			items, next.After, more, err = p.scanPage(tx, q, k, spec, next.Gen, next.After, limit, rel)
			return err
		})
	}
	if errors.Is(err, errTokenExpired) {
		ss12000serve.WriteError(w, http.StatusGone, "page_token_expired", ss12000serve.MsgTokenExpired)
		return
	}
	if err != nil {
		p.fail(w, r, q, err)
		return
	}
	writePage(w, items, p.nextToken(&next, more))
}

// writePage answers with a page: the records and, when more follow, the next pageToken.
func writePage(w http.ResponseWriter, items [][]byte, token string) {
	writeListing(w, token, func(buf *bytes.Buffer) { ss12000serve.WriteArray(buf, items) })
}

// writeListing answers with a page of a listing: {"data": what data writes} with the
// pageToken of the next page when there is one.
func writeListing(w http.ResponseWriter, token string, data func(*bytes.Buffer)) {
	buf := ss12000serve.GetBuf()
	defer ss12000serve.PutBuf(buf)
	buf.WriteString(`{"data":`)
	data(buf)
	if token != "" {
		buf.WriteString(`,"pageToken":`)
		b, _ := json.Marshal(token)
		buf.Write(b)
	}
	buf.WriteByte('}')
	ss12000serve.WriteRaw(w, http.StatusOK, buf.Bytes())
}

// scanPage reads the page after key after in key order: records of the listing's generation
// the receiver sees and the filters match, limit of them, and whether more follow. It looks
// at no more than maxScan records; a page that reaches that ends short, and after is then
// where it stopped looking.
func (p *Provider) scanPage(tx store.Tx, q *request, k *kind, spec *listing, gen uint64, after string, limit int, rel *relations) (items [][]byte, last string, more bool, err error) {
	prefix := docPrefix(k.res)
	maxScan := max(10*limit, 10_000)
	// One read holds a full page and the record after it (which says more follow), so an
	// unfiltered page of 1,000 is one read of 1,001 rows rather than two of 1,000.
	chunk := min(max(2*(limit+1), 64), readChunk+1)
	scanned := 0
	last = after
	for {
		batch, err := tx.ValuesFrom(prefix, last, chunk)
		if err != nil {
			return nil, "", false, err
		}
		for _, e := range batch {
			scanned++
			env, err := decodeEnvelope(e.Value)
			if err != nil {
				return nil, "", false, err
			}
			if env.born <= gen && q.sees(&env) && spec.common.MetaOK(fromMS(env.created), fromMS(env.modified)) {
				out, ok, err := q.prepare(k, &env, spec.match, spec.common.Render, rel)
				if err != nil {
					return nil, "", false, err
				}
				if ok {
					if len(items) == limit {
						return items, last, true, nil
					}
					items = append(items, out)
				}
			}
			last = e.Key
			if scanned >= maxScan && len(items) < limit {
				return items, last, true, nil
			}
		}
		if len(batch) < chunk {
			return items, last, false, nil
		}
	}
}

// materialise sorts the ids of a sorted listing and keeps them in the store, a thousand a
// value; it returns the listing's id, size and generation. One listing is sorted at a time.
func (p *Provider) materialise(r *http.Request, q *request, k *kind, spec *listing, rel *relations) (string, int, uint64, error) {
	select {
	case p.sorting <- struct{}{}:
		defer func() { <-p.sorting }()
	case <-r.Context().Done():
		return "", 0, 0, r.Context().Err()
	}
	var keyed []ss12000serve.Keyed
	var gen uint64
	err := p.viewTx(r, q, func(tx store.Tx, g uint64) error {
		gen, rel.tx = g, tx
		return each(tx, docPrefix(k.res), func(key string, value []byte) error {
			env, err := decodeEnvelope(value)
			if err != nil {
				return err
			}
			if env.born > gen || !q.sees(&env) || !spec.common.MetaOK(fromMS(env.created), fromMS(env.modified)) {
				return nil
			}
			v, err := k.decode(env.doc)
			if err != nil {
				return errEnvelope
			}
			k.transform(v, &env, q.recv.cfg.Protected)
			rel.cur = &env
			if spec.match != nil && !spec.match(v) {
				return rel.err
			}
			keyed = append(keyed, ss12000serve.Keyed{Key: spec.key(v), ID: lastSegment(key)})
			return rel.err
		})
	})
	if err != nil {
		return "", 0, 0, err
	}
	ss12000serve.SortKeyed(keyed, spec.desc)
	id := uuidtext.Random()
	now := p.now()
	err = p.st.Update(r.Context(), p.scope, func(tx store.Tx) error {
		if err := purgeListings(tx, now); err != nil {
			return err
		}
		var b store.Batch
		for i := 0; i < len(keyed); i += readChunk {
			var ids strings.Builder
			for j, kd := range keyed[i:min(i+readChunk, len(keyed))] {
				if j > 0 {
					ids.WriteByte('\n')
				}
				ids.WriteString(kd.ID)
			}
			b.Set(fmt.Sprintf("%s%s/%06d", pListing, id, i/readChunk), []byte(ids.String()))
		}
		b.Set(pListingX+timeKey(now.Add(p.opts.ListingLifetime))+"/"+id, nil)
		return tx.Apply(b)
	})
	return id, len(keyed), gen, err
}

// listingPage serves the page of a sorted listing at c.Off: the current version of each
// record, those removed or reappeared since left out.
func (p *Provider) listingPage(r *http.Request, q *request, k *kind, c *cursor, limit int, spec *listing, rel *relations) ([][]byte, error) {
	var items [][]byte
	err := p.viewTx(r, q, func(tx store.Tx, _ uint64) error {
		rel.tx = tx
		end := min(c.Off+limit, c.N)
		var ids []string
		for i := c.Off; i < end; {
			raw, ok, err := get(tx, fmt.Sprintf("%s%s/%06d", pListing, c.Listing, i/readChunk))
			if err != nil {
				return err
			}
			if !ok {
				return errTokenExpired // the listing has expired and been purged
			}
			chunk := strings.Split(string(raw), "\n")
			from := i % readChunk
			take := min(len(chunk)-from, end-i)
			if take <= 0 {
				break
			}
			ids = append(ids, chunk[from:from+take]...)
			i += take
		}
		for _, id := range ids {
			env, ok, err := readDoc(tx, k.res, id)
			if err != nil {
				return err
			}
			if !ok || env.born > c.Gen || !q.sees(&env) {
				continue
			}
			out, _, err := q.prepare(k, &env, nil, spec.common.Render, rel)
			if err != nil {
				return err
			}
			items = append(items, out)
		}
		return nil
	})
	return items, err
}

// purgeListings drops the sorted listings that have expired.
func purgeListings(tx store.Tx, now time.Time) error {
	cutoff := timeKey(now)
	return purgeBefore(tx, pListingX, cutoff, func(key string) error {
		return deletePrefix(tx, pListing+lastSegment(key)+"/")
	})
}
