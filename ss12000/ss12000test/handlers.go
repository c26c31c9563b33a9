package ss12000test

import (
	"bytes"
	"net/http"
	"reflect"
	"slices"
	"time"

	"github.com/edusync/edusync/internal/apiquery"
)

// common holds the parameters most list, get and lookup operations share, read from their
// generated Params structs by field name.
type common struct {
	cb, ca, mb, ma time.Time // meta.created.before/after, meta.modified.before/after
	rs             renderSpec
	sortkey        string
}

// commonParams reads the shared parameters from p (a pointer to a generated Params struct)
// and checks expand and sortkey against what kind k allows.
func commonParams(p any, k *kind) (common, string) {
	var c common
	v := reflect.ValueOf(p).Elem()
	tm := func(name string) time.Time {
		f := v.FieldByName(name)
		if !f.IsValid() {
			return time.Time{}
		}
		return f.Interface().(time.Time)
	}
	c.cb, c.ca = tm("MetaCreatedBefore"), tm("MetaCreatedAfter")
	c.mb, c.ma = tm("MetaModifiedBefore"), tm("MetaModifiedAfter")
	if f := v.FieldByName("ExpandReferenceNames"); f.IsValid() {
		c.rs.refNames = f.Bool()
	}
	if f := v.FieldByName("Expand"); f.IsValid() {
		for i := 0; i < f.Len(); i++ {
			e := f.Index(i).String()
			if !slices.Contains(k.expands, e) {
				return c, "expand has a value this operation does not know"
			}
			if c.rs.expand == nil {
				c.rs.expand = map[string]bool{}
			}
			c.rs.expand[e] = true
		}
	}
	if f := v.FieldByName("Sortkey"); f.IsValid() && f.String() != "" {
		c.sortkey = f.String()
		if k.sorts[c.sortkey] == nil {
			return c, "sortkey has a value this operation does not know"
		}
	}
	return c, ""
}

// metaOK applies the meta.created and meta.modified filters, all exclusive.
func (c *common) metaOK(r *record) bool {
	return (c.cb.IsZero() || r.created.Before(c.cb)) &&
		(c.ca.IsZero() || r.created.After(c.ca)) &&
		(c.mb.IsZero() || r.modified.Before(c.mb)) &&
		(c.ma.IsZero() || r.modified.After(c.ma))
}

// filterFunc builds the resource's own filter from its params; a non-empty message is a 400.
// It runs with the server's read lock held and may use the view.
type filterFunc[P any] func(p *P, v *view) (func(*record) bool, string)

// serveList answers a list operation of kind k: a continuation (pageToken), or the first
// request of a listing, whose params P are decoded strictly and filtered with build.
func serveList[P any](s *Server, w http.ResponseWriter, r *http.Request, k *kind, build filterFunc[P]) {
	q := r.URL.Query()
	if _, ok := q["pageToken"]; ok {
		s.continuePage(w, r)
		return
	}
	var p P
	if err := apiquery.Decode(q, &p, true); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_parameter", trimMsg(err.Error()))
		return
	}
	limit, ok := s.pageLimit(q["limit"], s.opts.defaultLimit)
	if !ok {
		writeError(w, http.StatusBadRequest, "invalid_parameter", "limit must be a whole number of at least 1")
		return
	}
	c, msg := commonParams(&p, k)
	if msg != "" {
		writeError(w, http.StatusBadRequest, "invalid_parameter", msg)
		return
	}
	s.mu.RLock()
	v := s.viewLocked()
	f, msg := build(&p, v)
	if msg != "" {
		s.mu.RUnlock()
		writeError(w, http.StatusBadRequest, "invalid_parameter", msg)
		return
	}
	t := s.st.table(k)
	var ids []string
	if f == nil && c.cb.IsZero() && c.ca.IsZero() && c.mb.IsZero() && c.ma.IsZero() && c.sortkey == "" {
		ids = t.snapshotOrder()
	} else {
		var recs []*record
		for _, id := range t.order {
			rec := t.byID[id]
			if c.metaOK(rec) && (f == nil || f(rec)) {
				recs = append(recs, rec)
			}
		}
		if cmp := k.sorts[c.sortkey]; cmp != nil {
			slices.SortStableFunc(recs, cmp)
		}
		ids = make([]string, len(recs))
		for i, rec := range recs {
			ids[i] = rec.id
		}
	}
	s.mu.RUnlock()
	s.startListing(w, r, s.recordSnapshot(k, ids, c.rs, limit))
}

// recordSnapshot is a listing of the records of kind k with ids, in that order.
func (s *Server) recordSnapshot(k *kind, ids []string, rs renderSpec, limit int) *snapshot {
	return &snapshot{n: len(ids), limit: limit, write: func(buf *bytes.Buffer, lo, hi int) {
		docs := make([][]byte, 0, hi-lo)
		s.mu.RLock()
		var v *view
		if !rs.plain() {
			v = s.viewLocked()
		}
		t := s.st.table(k)
		for _, id := range ids[lo:hi] {
			if rec := t.byID[id]; rec != nil {
				docs = append(docs, s.render(k, rec, rs, v))
			}
		}
		s.mu.RUnlock()
		writeArray(buf, docs)
	}}
}

// getHandler answers GET /<resource>/{id}; params is the zero value of the operation's
// generated Params struct (struct{} when it has none).
func (s *Server) getHandler(k *kind, params any) http.HandlerFunc {
	pt := reflect.TypeOf(params)
	return func(w http.ResponseWriter, r *http.Request) {
		p := reflect.New(pt).Interface()
		if err := apiquery.Decode(r.URL.Query(), p, true); err != nil {
			writeError(w, http.StatusBadRequest, "invalid_parameter", trimMsg(err.Error()))
			return
		}
		c, msg := commonParams(p, k)
		if msg != "" {
			writeError(w, http.StatusBadRequest, "invalid_parameter", msg)
			return
		}
		id := r.PathValue("id")
		s.mu.RLock()
		rec := s.st.get(k, id)
		if rec == nil {
			s.mu.RUnlock()
			writeError(w, http.StatusNotFound, "not_found", "no "+k.path+" record with this id")
			return
		}
		var v *view
		if !c.rs.plain() {
			v = s.viewLocked()
		}
		b := s.render(k, rec, c.rs, v)
		s.mu.RUnlock()
		writeRaw(w, http.StatusOK, b)
	}
}

// lookupFunc finds the records a lookup body asks for; it runs with the read lock held.
type lookupFunc[B any] func(s *Server, v *view, body *B) []*record

// serveLookup answers POST /<resource>/lookup: params is the zero value of the operation's
// Params struct, keys counts the keys of the body (more than the maximum is 413), find finds
// the records. Unknown keys are simply not in the answer.
func serveLookup[B any](s *Server, w http.ResponseWriter, r *http.Request, k *kind, params any, keys func(*B) int, find lookupFunc[B]) {
	p := reflect.New(reflect.TypeOf(params)).Interface()
	if err := apiquery.Decode(r.URL.Query(), p, true); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_parameter", trimMsg(err.Error()))
		return
	}
	c, msg := commonParams(p, k)
	if msg != "" {
		writeError(w, http.StatusBadRequest, "invalid_parameter", msg)
		return
	}
	var body B
	if e := decodeBody(r, &body); e != nil {
		e.write(w)
		return
	}
	if n := keys(&body); n > s.opts.maxLookup {
		writeError(w, http.StatusRequestEntityTooLarge, "too_many_keys",
			"the lookup has more keys than the server accepts in one request; split it")
		return
	}
	buf := getBuf()
	defer putBuf(buf)
	s.mu.RLock()
	v := s.viewLocked()
	recs := find(s, v, &body)
	docs := make([][]byte, 0, len(recs))
	seen := make(map[string]bool, len(recs))
	for _, rec := range recs {
		if !seen[rec.id] {
			seen[rec.id] = true
			docs = append(docs, s.render(k, rec, c.rs, v))
		}
	}
	s.mu.RUnlock()
	writeArray(buf, docs)
	writeRaw(w, http.StatusOK, buf.Bytes())
}

// byIDs returns the records of kind k with the given ids, in that order, skipping unknown ones.
func (s *Server) byIDs(k *kind, ids []string) []*record {
	var out []*record
	for _, id := range ids {
		if rec := s.st.get(k, id); rec != nil {
			out = append(out, rec)
		}
	}
	return out
}

// scan returns the records of kind k for which match is true, in id order.
func (s *Server) scan(k *kind, match func(*record) bool) []*record {
	var out []*record
	t := s.st.table(k)
	for _, id := range t.order {
		if rec := t.byID[id]; match(rec) {
			out = append(out, rec)
		}
	}
	return out
}

// deleteHandler answers DELETE /<resource>/{id}: 204, or 404 when there is no such record.
func (s *Server) deleteHandler(k *kind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if len(r.URL.Query()) > 0 {
			writeError(w, http.StatusBadRequest, "invalid_parameter", "this operation takes no query parameters")
			return
		}
		id := r.PathValue("id")
		s.mu.Lock()
		ok := s.st.remove(k, id, s.now())
		s.mu.Unlock()
		if !ok {
			writeError(w, http.StatusNotFound, "not_found", "no "+k.path+" record with this id")
			return
		}
		s.changed(k, true)
		s.obs.write(Write{Operation: "delete" + string(k.ep), ID: id, At: s.now()})
		w.WriteHeader(http.StatusNoContent)
	}
}
