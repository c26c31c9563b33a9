package ss12000test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sync"

	"github.com/edusync/edusync/internal/ss12000serve"
)

// A listing works like this: the first request carries the filters; the server collects the
// ids of the matching records in their final order (the snapshot) and answers with the first
// page and a pageToken. A pageToken stands for a position in a snapshot; each page serves the
// current version of the records at its positions and skips the ones removed since. Records
// created after the snapshot are not in the listing: the next delta sync finds them by
// meta.modified. The same token may be used again (a retry) and yields the same page and the
// same next token. Tokens expire pageTTL after they were handed out.

// snapshot is one listing.
type snapshot struct {
	path  string // the listing's URL path; its tokens are refused elsewhere
	n     int    // number of items
	limit int    // the first request's page size, used when a continuation sets none
	// write appends the "data" value of items [lo, hi) to buf.
	write func(buf *bytes.Buffer, lo, hi int)
}

// cursor is what a pageToken stands for. Tokens live in a fakekit.Table, which forgets
// expired ones in amortised steps, so a page costs the same with a million live tokens.
type cursor struct {
	snap *snapshot
	off  int

	mu   sync.Mutex
	next map[int]string // page size -> the token of the page after this one, once handed out
}

// nextToken returns the token for the page after cur (page size limit), handing out a new one
// the first time and the same one on repeats, with its lifetime renewed.
func (s *Server) nextToken(cur *cursor, limit int) string {
	cur.mu.Lock()
	defer cur.mu.Unlock()
	if t, ok := cur.next[limit]; ok && s.pages.Renew(t, s.opts.pageTTL) {
		return t
	}
	t := s.pages.Add(&cursor{snap: cur.snap, off: cur.off + limit}, s.opts.pageTTL)
	if cur.next == nil {
		cur.next = map[int]string{}
	}
	cur.next[limit] = t
	return t
}

// pageLimit reads the limit parameter (see ss12000serve.PageLimit).
func (s *Server) pageLimit(raw []string, def int) (int, bool) {
	return ss12000serve.PageLimit(raw, def, s.opts.maxLimit)
}

// continuePage answers a request that carries a pageToken. Only limit may accompany it.
func (s *Server) continuePage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if msg := ss12000serve.ContinuationError(q); msg != "" {
		writeError(w, http.StatusBadRequest, "invalid_parameter", msg)
		return
	}
	cur, ok := s.pages.Get(q.Get("pageToken"))
	if !ok {
		writeError(w, http.StatusGone, "page_token_expired", ss12000serve.MsgTokenExpired)
		return
	}
	if cur.snap.path != r.URL.Path {
		writeError(w, http.StatusBadRequest, "invalid_parameter", "the pageToken belongs to a listing of another operation")
		return
	}
	limit, ok := s.pageLimit(q["limit"], cur.snap.limit)
	if !ok {
		writeError(w, http.StatusBadRequest, "invalid_parameter", ss12000serve.MsgLimit)
		return
	}
	s.writePage(w, cur, limit)
}

// startListing answers the first request of a listing: it makes the snapshot and sends page one.
func (s *Server) startListing(w http.ResponseWriter, r *http.Request, snap *snapshot) {
	snap.path = r.URL.Path
	cur := &cursor{snap: snap}
	s.writePage(w, cur, snap.limit)
}

// writePage sends the page of cur with limit items at most.
func (s *Server) writePage(w http.ResponseWriter, cur *cursor, limit int) {
	lo := min(cur.off, cur.snap.n)
	hi := min(lo+limit, cur.snap.n)
	buf := getBuf()
	defer putBuf(buf)
	buf.WriteString(`{"data":`)
	cur.snap.write(buf, lo, hi)
	if hi < cur.snap.n {
		tok := s.nextToken(cur, limit)
		buf.WriteString(`,"pageToken":`)
		b, _ := json.Marshal(tok)
		buf.Write(b)
	} else if s.opts.nullPageToken {
		buf.WriteString(`,"pageToken":null`)
	}
	buf.WriteByte('}')
	writeRaw(w, http.StatusOK, buf.Bytes())
}
