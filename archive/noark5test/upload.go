package noark5test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"net/http"
	"strconv"
	"strings"
)

type hashState = hash.Hash

// upload takes a file for a document object: the whole file in one POST, or, with
// X-Upload-Content-Length, the opening of a chunked upload session.
func (s *Server) upload(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	e := s.lookup(w, r)
	if e == nil {
		s.mu.Unlock()
		return
	}
	if e.kind != "dokumentobjekt" {
		s.mu.Unlock()
		writeError(w, r, http.StatusNotFound, "NOT_FOUND", "no such relation")
		return
	}
	if e.file != nil {
		s.record("POST", "fil", e.id, http.StatusConflict)
		s.mu.Unlock()
		writeError(w, r, http.StatusConflict, "FILE_EXISTS", "the document object has its file")
		return
	}
	id := e.id
	if total := r.Header.Get("X-Upload-Content-Length"); total != "" {
		n, err := strconv.ParseInt(total, 10, 64)
		if err != nil || n < 0 {
			s.mu.Unlock()
			writeError(w, r, http.StatusBadRequest, "INVALID", "X-Upload-Content-Length is not a size")
			return
		}
		s.seq++
		sid := fmt.Sprintf("u%d", s.seq)
		s.sessions[sid] = &session{obj: id, total: n, hash: sha256.New()}
		s.record("POST", "upload-session", id, http.StatusOK)
		s.mu.Unlock()
		w.Header().Set("Location", s.kit.URL()+"/api/upload/"+sid)
		w.WriteHeader(http.StatusOK)
		return
	}
	s.mu.Unlock()
	h := sha256.New()
	n, err := io.Copy(h, r.Body)
	if err != nil {
		writeError(w, r, http.StatusBadRequest, "INVALID", "the file could not be read")
		return
	}
	s.finish(w, r, id, n, h)
}

// finish checks a received file against its object's declared size and checksum and keeps it.
func (s *Server) finish(w http.ResponseWriter, r *http.Request, id string, n int64, h hash.Hash) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.ents[id]
	if !ok {
		writeError(w, r, http.StatusNotFound, "NOT_FOUND", "the document object is gone")
		return
	}
	sum := hex.EncodeToString(h.Sum(nil))
	size, _ := e.fields["filstoerrelse"].(float64)
	declared, _ := e.fields["sjekksum"].(string)
	if int64(size) != n || !strings.EqualFold(declared, sum) {
		s.record("POST", "fil", id, http.StatusBadRequest)
		writeError(w, r, http.StatusBadRequest, "CHECKSUM", "the file does not match filstoerrelse and sjekksum")
		return
	}
	e.file = &fileInfo{size: n, sha256: sum}
	e.version++
	s.record("POST", "fil", id, http.StatusCreated)
	reply(w, http.StatusCreated, etag(e), s.view(e))
}

// chunk takes one Content-Range of a session; 308 until the last, then the object.
func (s *Server) chunk(w http.ResponseWriter, r *http.Request) {
	sid := r.PathValue("sid")
	s.mu.Lock()
	ss, ok := s.sessions[sid]
	s.mu.Unlock()
	if !ok {
		writeError(w, r, http.StatusNotFound, "NOT_FOUND", "no such upload session")
		return
	}
	var start, end, total int64
	if _, err := fmt.Sscanf(r.Header.Get("Content-Range"), "bytes %d-%d/%d", &start, &end, &total); err != nil ||
		total != ss.total || end < start || end >= total {
		writeError(w, r, http.StatusBadRequest, "INVALID", "Content-Range must be bytes a-b/total of the session")
		return
	}
	buf, err := io.ReadAll(io.LimitReader(r.Body, end-start+2))
	if err != nil || int64(len(buf)) != end-start+1 {
		writeError(w, r, http.StatusBadRequest, "INVALID", "the chunk's length differs from its Content-Range")
		return
	}
	s.mu.Lock()
	switch {
	case start == ss.received:
		ss.hash.Write(buf)
		ss.received += int64(len(buf))
	case end < ss.received: // a repeated chunk, already taken
	default:
		s.mu.Unlock()
		writeError(w, r, http.StatusRequestedRangeNotSatisfiable, "GAP", "a chunk starts after the bytes received")
		return
	}
	done := ss.received == ss.total
	if done {
		delete(s.sessions, sid)
	}
	received := ss.received
	s.mu.Unlock()
	if !done {
		w.Header().Set("Range", "bytes=0-"+strconv.FormatInt(received-1, 10))
		w.WriteHeader(http.StatusPermanentRedirect)
		return
	}
	s.finish(w, r, ss.obj, ss.total, ss.hash)
}

func (s *Server) cancel(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	delete(s.sessions, r.PathValue("sid"))
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}
