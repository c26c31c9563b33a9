package fstest

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/edusync/edusync/fs"
	"github.com/edusync/edusync/internal/fakekit"
)

// The credentials a Server accepts unless WithCredentials says otherwise.
const (
	DefaultUser     = "fstest-digeks"
	DefaultPassword = "fstest-password-0451"
)

// MaxBody caps a request body: an explanation's document of fs.MaxDocument bytes in base64,
// with room for the rest.
const MaxBody = fs.MaxDocument/3*4 + 64<<10

// Server is an in-memory FS with the DigEks services for digital exams: the appeals and
// explanation requests of an institution's exams, listed by the time they changed, read per
// exam, and explanations registered into it. Create it with NewServer (tests) or Serve (a
// listener of your own); it is safe for concurrent use.
type Server struct {
	kit  *fakekit.Server
	opts options

	mu    sync.Mutex
	state state
}

type options struct {
	user, password string
	gatewayKey     string
	version        string
	now            func() time.Time
	logger         *slog.Logger
}

// Option configures a Server.
type Option func(*options)

// WithCredentials sets the API user the server accepts (default DefaultUser, DefaultPassword).
func WithCredentials(user, password string) Option {
	return func(o *options) { o.user, o.password = user, password }
}

// WithGatewayKey makes the server refuse requests without key in fs.GatewayKeyHeader, as an
// institution's API gateway in front of FS does; Client sends it.
func WithGatewayKey(key string) Option { return func(o *options) { o.gatewayKey = key } }

// WithClock sets the clock that stamps changes (sistEndret) and registrations (default
// time.Now). Tests share a testclock with the code under test.
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithLogger logs a line per request (Debug), paths redacted.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithVersion sets what GET /eksamen/versjon answers (default "fstest").
func WithVersion(v string) Option { return func(o *options) { o.version = v } }

func newServer(opts []Option) *Server {
	o := options{user: DefaultUser, password: DefaultPassword, version: "fstest", now: time.Now}
	for _, f := range opts {
		if f != nil {
			f(&o)
		}
	}
	s := &Server{opts: o}
	s.state.init()
	s.kit = fakekit.New(fakekit.Config{
		Name: "fstest", Now: o.now, Logger: o.logger, MaxBody: MaxBody,
		Error: writeError, Authenticate: s.authenticate,
	})
	s.kit.HandleFunc("listChangedExplanationRequests", http.MethodGet, "/eksamen/begrunnelse/{examSystem}", false, s.listChangedExplanationRequests)
	s.kit.HandleFunc("listChangedAppeals", http.MethodGet, "/eksamen/klager/{examSystem}", false, s.listChangedAppeals)
	s.kit.HandleFunc("getExamExplanationRequests", http.MethodGet, "/eksamen/begrunnelser/{examSystem}/{examId}", false, s.getExamExplanationRequests)
	s.kit.HandleFunc("getExamAppeals", http.MethodGet, "/eksamen/klager/{examSystem}/{examId}", false, s.getExamAppeals)
	s.kit.HandleFunc("createExplanation", http.MethodPost, "/eksamen/begrunnelser/{examSystem}", true, s.createExplanation)
	s.kit.HandleFunc("getVersion", http.MethodGet, "/eksamen/versjon", false, s.getVersion)
	return s
}

// NewServer starts a fake FS on a loopback port. Close it when done.
func NewServer(opts ...Option) *Server {
	s := newServer(opts)
	s.kit.Start()
	return s
}

// Serve runs a fake FS on ln until Close.
func Serve(ln net.Listener, opts ...Option) *Server {
	s := newServer(opts)
	s.kit.Serve(ln, "http", nil)
	return s
}

// URL is the base URL to give fs.New.
func (s *Server) URL() string { return s.kit.URL() }

// Credentials returns the API user and password the server accepts.
func (s *Server) Credentials() (user, password string) { return s.opts.user, s.opts.password }

// Client returns a client of the server with its credentials (and gateway key), and the
// server's announcement days as its fs.AnnouncementLookup; opts come after those, so they can
// replace them (fs.WithAnnouncementLookup(nil) leaves only the exam system's day).
func (s *Server) Client(opts ...fs.Option) (*fs.Client, error) {
	base := []fs.Option{fs.WithBasicAuth(s.opts.user, s.opts.password), fs.WithAnnouncementLookup(s.Lookup)}
	if s.opts.gatewayKey != "" {
		base = append(base, fs.WithAPIKey(fs.GatewayKeyHeader, s.opts.gatewayKey))
	}
	return fs.New(s.URL(), append(base, opts...)...)
}

// Close stops the server.
func (s *Server) Close() { s.kit.Close() }

// ServeHTTP answers one request, for hosts that serve the fake themselves.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.kit.ServeHTTP(w, r) }

// Faults makes matching requests fail, so tests can check that nothing is lost or done twice
// when FS misbehaves (see SetFaults): rules by operation id ("createExplanation") or path,
// and seeded rates; a status with FS's error body, a 429 with Retry-After, a body cut short, a
// dropped connection, a stall, a delay, or an explanation registered before the connection
// drops (DropAfterWriteRate, Rule.AfterWrite).
type Faults = fakekit.Faults

// Rule is one deterministic fault of Faults.Rules; rules are checked in order.
type Rule = fakekit.Rule

// Stats counts what the fake saw by operation id ("listChangedAppeals", "createExplanation"),
// with answers by status, faults and a log of the last requests.
type Stats = fakekit.Stats

// SetFaults replaces the faults (the zero Faults switches them off).
func (s *Server) SetFaults(f Faults) { s.kit.SetFaults(f) }

// Stats returns what the fake saw since it started or since ResetStats.
func (s *Server) Stats() Stats { return s.kit.Stats() }

// ResetStats sets the counts to zero and empties the request log.
func (s *Server) ResetStats() { s.kit.ResetStats() }

// writeError answers in FS's error body.
func writeError(w http.ResponseWriter, _ *http.Request, status int, code, message string) {
	fakekit.WriteJSON(w, status, fs.Error{Kode: code, Melding: message})
}

// authenticate checks the gateway key (when the server has one) and the API user, as a gateway
// in front of FS and FS itself do: each refusal is a 401, the gateway's first.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request, _ *fakekit.Operation) (*http.Request, bool) {
	if k := s.opts.gatewayKey; k != "" && !fakekit.Equal(r.Header.Get(fs.GatewayKeyHeader), k) {
		writeError(w, r, http.StatusUnauthorized, "GATEWAY_KEY", "the API key is missing or not valid")
		return nil, false
	}
	if !fakekit.CheckBasic(r, s.opts.user, s.opts.password) {
		w.Header().Set("WWW-Authenticate", `Basic realm="fstest"`)
		writeError(w, r, http.StatusUnauthorized, "UAUTORISERT", "the API user or password is wrong")
		return nil, false
	}
	return r, true
}

func (s *Server) getVersion(w http.ResponseWriter, _ *http.Request) {
	fakekit.WriteJSON(w, http.StatusOK, fs.Version{Versjon: s.opts.version})
}

// system reads the {examSystem} of a request, answering 400 for one FS does not know.
func system(w http.ResponseWriter, r *http.Request) (fs.ExamSystem, bool) {
	sys := fs.ExamSystem(r.PathValue("examSystem"))
	if !sys.Valid() {
		writeError(w, r, http.StatusBadRequest, "UKJENT_EKSAMENSSYSTEM", "examSystem must be INSPERA or WISEFLOW")
		return "", false
	}
	return sys, true
}

// changeQuery reads the parameters of a change listing, answering 400 for a missing or bad one.
func changeQuery(w http.ResponseWriter, r *http.Request) (fs.ExamSystem, string, time.Time, bool) {
	sys, ok := system(w, r)
	if !ok {
		return "", "", time.Time{}, false
	}
	q := r.URL.Query()
	inst := q.Get("institusjonsnr")
	if inst == "" || len(inst) > 8 || strings.IndexFunc(inst, func(c rune) bool { return c < '0' || c > '9' }) >= 0 {
		writeError(w, r, http.StatusBadRequest, "UGYLDIG_PARAMETER", "institusjonsnr is required and must be a number")
		return "", "", time.Time{}, false
	}
	since, err := fs.ParseTimestamp(q.Get("siden"))
	if err != nil {
		writeError(w, r, http.StatusBadRequest, "UGYLDIG_PARAMETER", "siden is required and must be a date-time")
		return "", "", time.Time{}, false
	}
	return sys, inst, since, true
}

func (s *Server) listChangedAppeals(w http.ResponseWriter, r *http.Request) {
	listChanged(s, w, r, (*state).changedAppeals)
}

func (s *Server) listChangedExplanationRequests(w http.ResponseWriter, r *http.Request) {
	listChanged(s, w, r, (*state).changedRequests)
}

// listChanged answers a change listing with what changed reads from the state.
func listChanged[T any](s *Server, w http.ResponseWriter, r *http.Request, changed func(*state, fs.ExamSystem, string, time.Time) []T) {
	sys, inst, since, ok := changeQuery(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	out := changed(&s.state, sys, inst, since)
	s.mu.Unlock()
	writeList(w, out)
}

func (s *Server) getExamAppeals(w http.ResponseWriter, r *http.Request) {
	examList(s, w, r, (*state).examAppeals)
}

func (s *Server) getExamExplanationRequests(w http.ResponseWriter, r *http.Request) {
	examList(s, w, r, (*state).examRequests)
}

// examList answers a per-exam listing: 400 for an {examId} that is not an encoded vurdId, 404
// for an exam the fake does not hold in that exam system, otherwise what list reads.
func examList[T any](s *Server, w http.ResponseWriter, r *http.Request, list func(*state, *exam) []T) {
	sys, ok := system(w, r)
	if !ok {
		return
	}
	key, err := fs.ParseExamID(r.PathValue("examId"))
	if err != nil {
		writeError(w, r, http.StatusBadRequest, "UGYLDIG_EKSAMEN", "examId is not an encoded vurdId")
		return
	}
	s.mu.Lock()
	var out []T
	e := s.state.exams[key.VurdID()]
	found := e != nil && e.system == sys
	if found {
		out = list(&s.state, e)
	}
	s.mu.Unlock()
	if !found {
		writeError(w, r, http.StatusNotFound, "EKSAMEN_FINNES_IKKE", "no such exam in this exam system")
		return
	}
	writeList(w, out)
}

// createExplanation registers an explanation on the candidate's request. FS's checks as far as
// the fake knows them: the body must be an Explanation naming an exam of this exam system and a
// candidate who asked for an explanation there, with the day it was given and a URL or a
// document (with its media type). The same explanation sent again is accepted and changes
// nothing; another one where one is registered is a 409.
func (s *Server) createExplanation(w http.ResponseWriter, r *http.Request) {
	sys, ok := system(w, r)
	if !ok {
		return
	}
	var e fs.Explanation
	if err := json.NewDecoder(r.Body).Decode(&e); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeError(w, r, http.StatusRequestEntityTooLarge, "FOR_STOR", "the request body is too large")
			return
		}
		writeError(w, r, http.StatusBadRequest, "UGYLDIG_JSON", "the body is not an explanation")
		return
	}
	if _, err := io.Copy(io.Discard, r.Body); err != nil {
		writeError(w, r, http.StatusRequestEntityTooLarge, "FOR_STOR", "the request body is too large")
		return
	}
	switch {
	case e.Kandidatnr == "":
		writeError(w, r, http.StatusBadRequest, "MANGLER_FELT", "kandidatnr is required")
		return
	case e.DatoBegrunnelseGitt.IsZero():
		writeError(w, r, http.StatusBadRequest, "MANGLER_FELT", "datoBegrunnelseGitt is required")
		return
	case e.URLBegrunnelse == "" && len(e.DokumentBegrunnelse) == 0:
		writeError(w, r, http.StatusBadRequest, "MANGLER_FELT", "urlBegrunnelse or dokumentBegrunnelse is required")
		return
	case len(e.DokumentBegrunnelse) > 0 && e.ContentTypeBegrunnelse == "":
		writeError(w, r, http.StatusBadRequest, "MANGLER_FELT", "contentTypeBegrunnelse is required with a document")
		return
	}
	key, err := fs.ParseVurdID(e.VurdID)
	if err != nil {
		writeError(w, r, http.StatusBadRequest, "UGYLDIG_EKSAMEN", "vurdId is not a valid exam key")
		return
	}
	s.mu.Lock()
	status, code, msg, req := s.state.register(sys, key, &e, s.kit.Now())
	s.mu.Unlock()
	if status != http.StatusCreated {
		writeError(w, r, status, code, msg)
		return
	}
	fakekit.WriteJSON(w, status, req)
}

// writeList writes records as a bare JSON array, one record at a time.
func writeList[T any](w http.ResponseWriter, records []T) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	_ = bw.WriteByte('[')
	for i := range records {
		if i > 0 {
			_ = bw.WriteByte(',')
		}
		_ = enc.Encode(&records[i])
	}
	_, _ = bw.WriteString("]\n")
	_ = bw.Flush()
}

// sorted returns the values of m ordered by cmp.
func sorted[T any](m map[caseKey]*T, keep func(*T) bool, cmp func(a, b *T) int) []T {
	ps := make([]*T, 0, len(m))
	for _, v := range m {
		if keep(v) {
			ps = append(ps, v)
		}
	}
	slices.SortFunc(ps, cmp)
	out := make([]T, len(ps))
	for i, p := range ps {
		out[i] = *p
	}
	return out
}
