package ss12000test

import (
	"bytes"
	"net/http"
	"reflect"

	"github.com/edusync/edusync/internal/apiquery"
	"github.com/edusync/edusync/internal/ss12000serve"
)

// commonParams reads the shared parameters from p (a pointer to a generated Params struct)
// and checks expand and sortkey against what kind k allows.
func commonParams(p any, k *kind) (ss12000serve.Common, string) {
	return ss12000serve.CommonParams(p, k.expands, func(key string) bool { _, ok := k.sorts[key]; return ok })
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
		writeError(w, http.StatusBadRequest, "invalid_parameter", ss12000serve.MsgLimit)
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
	if f == nil && !c.MetaSet() && c.Sortkey == "" {
		ids = t.snapshotOrder()
	} else {
		order, sorted := k.sorts[c.Sortkey]
		var keyed []ss12000serve.Keyed
		for _, id := range t.order {
			rec := t.byID[id]
			if c.MetaOK(rec.created, rec.modified) && (f == nil || f(rec)) {
				if sorted {
					keyed = append(keyed, ss12000serve.Keyed{Key: order.key(rec), ID: rec.id})
				} else {
					ids = append(ids, rec.id)
				}
			}
		}
		if sorted {
			ss12000serve.SortKeyed(keyed, order.desc)
			ids = make([]string, len(keyed))
			for i, kd := range keyed {
				ids[i] = kd.ID
			}
		}
	}
	s.mu.RUnlock()
	s.startListing(w, r, s.recordSnapshot(k, ids, c.Render, limit))
}

// recordSnapshot is a listing of the records of kind k with ids, in that order.
func (s *Server) recordSnapshot(k *kind, ids []string, rs ss12000serve.Render, limit int) *snapshot {
	return &snapshot{n: len(ids), limit: limit, write: func(buf *bytes.Buffer, lo, hi int) {
		docs := make([][]byte, 0, hi-lo)
		s.mu.RLock()
		var v *view
		if !rs.Plain() {
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
		if !c.Render.Plain() {
			v = s.viewLocked()
		}
		b := s.render(k, rec, c.Render, v)
		s.mu.RUnlock()
		writeRaw(w, http.StatusOK, b)
	}
}

// serveLookup answers POST /<resource>/lookup: params is the zero value of the operation's
// Params struct, build reads the body's keys (more than the maximum is 413). The records with
// the body's ids come first, in the order asked, then those its other keys match, in id
// order; unknown keys are simply not in the answer.
func serveLookup[B, T any](s *Server, w http.ResponseWriter, r *http.Request, k *kind, params any, build func(*B, ss12000serve.Relations) ss12000serve.Lookup[T]) {
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
		e.Write(w)
		return
	}
	buf := getBuf()
	defer putBuf(buf)
	s.mu.RLock()
	v := s.viewLocked()
	l := build(&body, v)
	if l.Keys > s.opts.maxLookup {
		s.mu.RUnlock()
		writeError(w, http.StatusRequestEntityTooLarge, "too_many_keys",
			"the lookup has more keys than the server accepts in one request; split it")
		return
	}
	recs := s.byIDs(k, l.IDs)
	if l.Match != nil {
		recs = append(recs, s.scan(k, func(r *record) bool { return l.Match(val[T](r)) })...)
	}
	docs := make([][]byte, 0, len(recs))
	seen := make(map[string]bool, len(recs))
	for _, rec := range recs {
		if !seen[rec.id] {
			seen[rec.id] = true
			docs = append(docs, s.render(k, rec, c.Render, v))
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
