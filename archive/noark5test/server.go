package noark5test

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/edusync/edusync/archive/noark5"
	"github.com/edusync/edusync/internal/fakekit"
)

// DefaultToken is the bearer token the fake accepts unless WithToken says otherwise.
const DefaultToken = "noark5-fake-token"

// DefaultSeries is the title of the series (arkivdel) a new fake holds.
const DefaultSeries = "Masteroppgaver"

// BasePath is where the fake serves the service interface's root.
const BasePath = "/noark5v5"

// Server is an in-memory Noark 5 archive. It is safe for concurrent use.
type Server struct {
	kit   *fakekit.Server
	token string
	page  int

	mu       sync.Mutex
	seq      int
	ents     map[string]*ent
	sessions map[string]*session
	writes   []Write
}

type ent struct {
	kind, id, parent string
	seq              int
	fields           map[string]any
	version          int
	file             *fileInfo
	created          time.Time
}

type fileInfo struct {
	size   int64
	sha256 string
}

type session struct {
	obj      string
	total    int64
	received int64
	hash     hashState
}

// Write is one write the archive accepted or refused, for tests that check what was tried.
type Write struct {
	Method, Kind, SystemID string
	Status                 int
}

// Option configures a Server.
type Option func(*Server)

// WithToken sets the bearer token the fake accepts.
func WithToken(t string) Option { return func(s *Server) { s.token = t } }

// WithPageSize sets how many results a listing answers per page (default 10).
func WithPageSize(n int) Option { return func(s *Server) { s.page = n } }

// NewServer starts a fake archive on a loopback port with one series, DefaultSeries.
func NewServer(opts ...Option) *Server {
	s := &Server{token: DefaultToken, page: 10, ents: map[string]*ent{}, sessions: map[string]*session{}}
	for _, o := range opts {
		o(s)
	}
	s.kit = fakekit.New(fakekit.Config{Name: "noark5test", BasePath: BasePath, MaxBody: 1 << 40,
		Error: writeError, Authenticate: s.authenticate})
	s.routes()
	s.kit.Start()
	s.ents["arkivdel-1"] = &ent{kind: "arkivdel", id: "arkivdel-1", fields: map[string]any{"tittel": DefaultSeries}, version: 1}
	return s
}

// URL is the root of the service interface (what noark5.New takes).
func (s *Server) URL() string { return s.kit.URL() }

// Client returns a client of the fake with its token.
func (s *Server) Client(opts ...noark5.Option) (*noark5.Client, error) {
	return noark5.New(s.URL(), append([]noark5.Option{noark5.WithBearerToken(s.token)}, opts...)...)
}

// Close stops the server.
func (s *Server) Close() { s.kit.Close() }

// SetFaults injects faults (see fakekit.Faults); operation ids are those of Operations.
func (s *Server) SetFaults(f fakekit.Faults) { s.kit.SetFaults(f) }

// Stats counts requests by operation and status.
func (s *Server) Stats() fakekit.Stats { return s.kit.Stats() }

// Writes lists every write tried, in order.
func (s *Server) Writes() []Write {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.writes)
}

func writeError(w http.ResponseWriter, _ *http.Request, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"kode": code, "melding": message})
}

func (s *Server) authenticate(w http.ResponseWriter, r *http.Request, _ *fakekit.Operation) (*http.Request, bool) {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(s.token)) != 1 {
		writeError(w, r, http.StatusUnauthorized, "UNAUTHORIZED", "a valid bearer token is required")
		return r, false
	}
	return r, true
}

func (s *Server) routes() {
	h := func(id, method, path string, write bool, fn http.HandlerFunc) {
		s.kit.Handle(fakekit.Operation{ID: id, Method: method, Path: path, Write: write, Handler: fn})
	}
	h("root", http.MethodGet, "/{$}", false, s.root)
	h("arkivstruktur", http.MethodGet, "/api/arkivstruktur/{$}", false, s.arkivstruktur)
	h("list", http.MethodGet, "/api/arkivstruktur/{kind}/{$}", false, s.list)
	h("get", http.MethodGet, "/api/arkivstruktur/{kind}/{id}/{$}", false, s.get)
	h("update", http.MethodPut, "/api/arkivstruktur/{kind}/{id}/{$}", true, s.update)
	h("delete", http.MethodDelete, "/api/arkivstruktur/{kind}/{id}/{$}", true, s.delete)
	h("related", http.MethodGet, "/api/arkivstruktur/{kind}/{id}/{rel}/{$}", false, s.related)
	h("create", http.MethodPost, "/api/arkivstruktur/{kind}/{id}/{rel}/{$}", true, s.post)
	h("uploadChunk", http.MethodPut, "/api/upload/{sid}", true, s.chunk)
	h("cancelUpload", http.MethodDelete, "/api/upload/{sid}", true, s.cancel)
}

func (s *Server) api() string { return s.kit.URL() + "/api/arkivstruktur/" }

func (s *Server) root(w http.ResponseWriter, _ *http.Request) {
	reply(w, http.StatusOK, "", map[string]any{"_links": noark5.Links{{Rel: noark5.RelArkivstruktur, Href: s.api()}}})
}

func (s *Server) arkivstruktur(w http.ResponseWriter, _ *http.Request) {
	a := s.api()
	reply(w, http.StatusOK, "", map[string]any{"_links": noark5.Links{
		{Rel: noark5.RelArkivdel, Href: a + "arkivdel/"},
		{Rel: noark5.RelMappe, Href: a + "mappe/"},
		{Rel: noark5.RelRegistrering, Href: a + "registrering/"},
	}})
}

// children: which kind each kind holds.
var children = map[string]string{"arkivdel": "mappe", "mappe": "registrering", "registrering": "dokumentbeskrivelse", "dokumentbeskrivelse": "dokumentobjekt"}

var kinds = map[string]bool{"arkivdel": true, "mappe": true, "registrering": true, "dokumentbeskrivelse": true, "dokumentobjekt": true}

func (s *Server) links(e *ent) noark5.Links {
	self := s.api() + e.kind + "/" + e.id + "/"
	l := noark5.Links{{Rel: noark5.RelSelf, Href: self}}
	if c, ok := children[e.kind]; ok {
		l = append(l, noark5.Link{Rel: noark5.RelBase + "arkivstruktur/" + c + "/", Href: self + c + "/"},
			noark5.Link{Rel: noark5.RelBase + "arkivstruktur/ny-" + c + "/", Href: self + "ny-" + c + "/"})
	}
	if e.kind == "dokumentobjekt" {
		l = append(l, noark5.Link{Rel: noark5.RelFil, Href: self + "referanseFil/"})
	}
	return l
}

// view is what an entity looks like on the wire. The caller holds s.mu.
func (s *Server) view(e *ent) map[string]any {
	out := make(map[string]any, len(e.fields)+3)
	for k, v := range e.fields {
		out[k] = v
	}
	out["systemID"] = e.id
	out["_links"] = s.links(e)
	if e.file != nil {
		out["referanseDokumentfil"] = s.api() + "dokumentobjekt/" + e.id + "/referanseFil/"
	}
	return out
}

func etag(e *ent) string { return `"` + strconv.Itoa(e.version) + `"` }

func reply(w http.ResponseWriter, status int, tag string, v any) {
	w.Header().Set("Content-Type", noark5.MediaType)
	if tag != "" {
		w.Header().Set("ETag", tag)
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) record(method, kind, id string, status int) {
	s.writes = append(s.writes, Write{Method: method, Kind: kind, SystemID: id, Status: status})
}

func (s *Server) lookup(w http.ResponseWriter, r *http.Request) *ent {
	kind, id := r.PathValue("kind"), r.PathValue("id")
	e, ok := s.ents[id]
	if !ok || e.kind != kind {
		writeError(w, r, http.StatusNotFound, "NOT_FOUND", "no such "+kindName(kind))
		return nil
	}
	return e
}

func kindName(k string) string {
	if kinds[k] {
		return k
	}
	return "entity"
}

func (s *Server) get(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.lookup(w, r); e != nil {
		reply(w, http.StatusOK, etag(e), s.view(e))
	}
}

var filterRE = regexp.MustCompile(`^virksomhetsspesifikkeMetadata/edusync/kilde eq '((?:[^']|'')*)'$`)

func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	kind := r.PathValue("kind")
	if !kinds[kind] {
		writeError(w, r, http.StatusNotFound, "NOT_FOUND", "no such collection")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.listOf(w, r, func(e *ent) bool { return e.kind == kind })
}

// listOf answers the entities match accepts, filtered by $filter and paged by $top and $skip,
// oldest first. The caller holds s.mu.
func (s *Server) listOf(w http.ResponseWriter, r *http.Request, match func(*ent) bool) {
	q := r.URL.Query()
	key, filtered := "", false
	if f := q.Get("$filter"); f != "" {
		m := filterRE.FindStringSubmatch(f)
		if m == nil {
			writeError(w, r, http.StatusBadRequest, "UNSUPPORTED_FILTER", "the fake reads only the source-key filter")
			return
		}
		key, filtered = strings.ReplaceAll(m[1], "''", "'"), true
	}
	var all []*ent
	for _, e := range s.ents {
		if match(e) && (!filtered || noark5.SourceKeyOf(asMap(e.fields["virksomhetsspesifikkeMetadata"])) == key) {
			all = append(all, e)
		}
	}
	slices.SortFunc(all, func(a, b *ent) int { return a.seq - b.seq })
	skip, _ := strconv.Atoi(q.Get("$skip"))
	top, _ := strconv.Atoi(q.Get("$top"))
	if top <= 0 || top > s.page {
		top = s.page
	}
	skip = max(0, min(skip, len(all)))
	end := min(len(all), skip+top)
	results := make([]map[string]any, 0, end-skip)
	for _, e := range all[skip:end] {
		results = append(results, s.view(e))
	}
	var links noark5.Links
	if end < len(all) {
		nq := r.URL.Query()
		nq.Set("$skip", strconv.Itoa(end))
		nq.Set("$top", strconv.Itoa(top))
		links = noark5.Links{{Rel: "next", Href: s.kit.Root() + r.URL.Path + "?" + nq.Encode()}}
	}
	reply(w, http.StatusOK, "", map[string]any{"results": results, "count": len(all), "_links": links})
}

func asMap(v any) map[string]any { m, _ := v.(map[string]any); return m }

// templates are the defaults a ny-* link answers.
func template(kind string) map[string]any {
	switch kind {
	case "mappe":
		return map[string]any{"dokumentmedium": map[string]any{"kode": "E", "kodenavn": "Elektronisk arkiv"}}
	case "registrering":
		return map[string]any{"dokumentmedium": map[string]any{"kode": "E", "kodenavn": "Elektronisk arkiv"}}
	case "dokumentbeskrivelse":
		return map[string]any{"dokumentstatus": map[string]any{"kode": "B", "kodenavn": "Dokumentet er under redigering"},
			"dokumenttype": map[string]any{"kode": "DOK", "kodenavn": "Dokument"}}
	case "dokumentobjekt":
		return map[string]any{"versjonsnummer": 1, "variantformat": map[string]any{"kode": "A", "kodenavn": "Arkivformat"}}
	}
	return map[string]any{}
}

func (s *Server) related(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.lookup(w, r)
	if e == nil {
		return
	}
	rel, child := r.PathValue("rel"), children[e.kind]
	switch {
	case child != "" && rel == "ny-"+child:
		reply(w, http.StatusOK, "", template(child))
	case child != "" && rel == child:
		s.listOf(w, r, func(c *ent) bool { return c.parent == e.id })
	default:
		writeError(w, r, http.StatusNotFound, "NOT_FOUND", "no such relation")
	}
}

func (s *Server) post(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("rel") == "referanseFil" {
		s.upload(w, r)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.lookup(w, r)
	if e == nil {
		return
	}
	child := children[e.kind]
	if child == "" || r.PathValue("rel") != "ny-"+child {
		writeError(w, r, http.StatusNotFound, "NOT_FOUND", "no such relation")
		return
	}
	fields, status, msg := readEntity(r, child)
	if status != 0 {
		s.record("POST", child, "", status)
		writeError(w, r, status, "INVALID", msg)
		return
	}
	s.seq++
	c := &ent{kind: child, id: fmt.Sprintf("%s-%d", child, s.seq), seq: s.seq, parent: e.id, fields: fields, version: 1, created: s.kit.Now()}
	c.fields["opprettetDato"] = c.created.UTC().Format(time.RFC3339)
	s.ents[c.id] = c
	s.record("POST", child, c.id, http.StatusCreated)
	reply(w, http.StatusCreated, etag(c), s.view(c))
}

// readEntity reads and checks a posted or put entity; status is 0 when it is acceptable.
func readEntity(r *http.Request, kind string) (map[string]any, int, string) {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, noark5.MediaType) {
		return nil, http.StatusUnsupportedMediaType, "entities are sent as " + noark5.MediaType
	}
	var fields map[string]any
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&fields); err != nil || fields == nil {
		return nil, http.StatusBadRequest, "the body is not a JSON object"
	}
	delete(fields, "_links")
	delete(fields, "systemID")
	str := func(k string) string { v, _ := fields[k].(string); return v }
	code := func(k string) string { v, _ := asMap(fields[k])["kode"].(string); return v }
	switch kind {
	case "mappe", "registrering", "dokumentbeskrivelse":
		if strings.TrimSpace(str("tittel")) == "" {
			return nil, http.StatusBadRequest, "tittel is required"
		}
	}
	if kind == "dokumentbeskrivelse" && code("tilknyttetRegistreringSom") == "" {
		return nil, http.StatusBadRequest, "tilknyttetRegistreringSom is required"
	}
	if kind == "dokumentobjekt" {
		if v, _ := fields["versjonsnummer"].(float64); v < 1 || code("variantformat") == "" {
			return nil, http.StatusBadRequest, "versjonsnummer and variantformat are required"
		}
		sum, _ := hex.DecodeString(str("sjekksum"))
		if len(sum) != sha256.Size || str("sjekksumAlgoritme") != noark5.SHA256 {
			return nil, http.StatusBadRequest, "sjekksum must be a SHA-256 in hex with sjekksumAlgoritme SHA-256"
		}
		if v, _ := fields["filstoerrelse"].(float64); v < 0 {
			return nil, http.StatusBadRequest, "filstoerrelse must not be negative"
		}
	}
	if sk, ok := fields["skjerming"]; ok {
		m := asMap(sk)
		k, _ := asMap(m["tilgangsrestriksjon"])["kode"].(string)
		h, _ := m["skjermingshjemmel"].(string)
		if k == "" || strings.TrimSpace(h) == "" {
			return nil, http.StatusBadRequest, "skjerming needs tilgangsrestriksjon and skjermingshjemmel"
		}
	}
	return fields, 0, ""
}

func (s *Server) update(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.lookup(w, r)
	if e == nil {
		return
	}
	im := r.Header.Get("If-Match")
	if im == "" {
		s.record("PUT", e.kind, e.id, http.StatusPreconditionRequired)
		writeError(w, r, http.StatusPreconditionRequired, "IF_MATCH_REQUIRED", "updates need If-Match")
		return
	}
	if im != etag(e) {
		s.record("PUT", e.kind, e.id, http.StatusPreconditionFailed)
		writeError(w, r, http.StatusPreconditionFailed, "STALE", "the entity changed since it was read")
		return
	}
	fields, status, msg := readEntity(r, e.kind)
	if status != 0 {
		s.record("PUT", e.kind, e.id, status)
		writeError(w, r, status, "INVALID", msg)
		return
	}
	fields["opprettetDato"] = e.fields["opprettetDato"]
	delete(fields, "referanseDokumentfil")
	e.fields = fields
	e.version++
	s.record("PUT", e.kind, e.id, http.StatusOK)
	reply(w, http.StatusOK, etag(e), s.view(e))
}

func (s *Server) delete(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.lookup(w, r)
	if e == nil {
		return
	}
	if im := r.Header.Get("If-Match"); im != "" && im != etag(e) {
		s.record("DELETE", e.kind, e.id, http.StatusPreconditionFailed)
		writeError(w, r, http.StatusPreconditionFailed, "STALE", "the entity changed since it was read")
		return
	}
	if e.kind == "arkivdel" {
		writeError(w, r, http.StatusForbidden, "FORBIDDEN", "series are not deleted through the interface")
		return
	}
	s.remove(e.id)
	s.record("DELETE", e.kind, e.id, http.StatusNoContent)
	w.WriteHeader(http.StatusNoContent)
}

// remove deletes id and everything under it. The caller holds s.mu.
func (s *Server) remove(id string) {
	for _, c := range s.ents {
		if c.parent == id {
			s.remove(c.id)
		}
	}
	delete(s.ents, id)
}
