package canvastest

import (
	"bytes"
	"context"
	"crypto/subtle"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/edusync/edusync/internal/redact"
)

// Server is an in-memory Canvas LMS: the operations of openapi/canvas.yaml over the generated
// models of package canvas, with Canvas's semantics (SIS references, Link paging with bookmarks,
// enrolment states, custom roles, SIS imports) and its leaky-bucket rate limit, plus switchable
// faults. It is safe for concurrent use and is an http.Handler.
type Server struct {
	opts    options
	mux     *http.ServeMux
	ops     map[string]*route // by mux pattern
	tokens  map[string]bool
	buckets *buckets
	faults  *faultState
	obs     *observer

	hs   *httptest.Server
	hsrv *http.Server
	root string // scheme://host:port; empty for NewHandler

	mu sync.RWMutex // guards st
	st *store

	reqSeq  atomic.Uint64
	closing chan struct{}
	wg      sync.WaitGroup // background SIS imports
	closed  atomic.Bool
}

// NewServer starts a Server on a loopback port (an httptest.Server). Close it when done.
func NewServer(opts ...Option) *Server {
	s := newServer(opts)
	s.hs = httptest.NewServer(s)
	s.root = s.hs.URL
	return s
}

// NewHandler returns a Server that does not listen; mount it (an http.Handler) at the root of a
// server of your own, and configure clients with that server's URL plus BasePath.
func NewHandler(opts ...Option) *Server { return newServer(opts) }

// Serve runs a Server on ln (for example a fixed port of a sandbox) until Close.
func Serve(ln net.Listener, opts ...Option) *Server {
	s := newServer(opts)
	s.hsrv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	s.root = "http://" + ln.Addr().String()
	go func() { _ = s.hsrv.Serve(ln) }()
	return s
}

func newServer(opts []Option) *Server {
	o := defaultOptions()
	for _, f := range opts {
		if f != nil {
			f(&o)
		}
	}
	s := &Server{opts: o, tokens: map[string]bool{}, closing: make(chan struct{})}
	for _, t := range o.tokens {
		s.tokens[t] = true
	}
	s.buckets = newBuckets(o.throttle, o.now)
	s.faults = newFaultState(o.faults)
	s.obs = newObserver()
	s.st = newStore(o.seed)
	s.seedBasics()
	s.routes()
	return s
}

// URL is the API base URL clients are configured with: the server's root plus /api/v1.
func (s *Server) URL() string { return s.root + BasePath }

// Token returns a bearer token the server accepts.
func (s *Server) Token() string { return s.opts.tokens[0] }

// Close stops the server and waits for SIS imports in progress.
func (s *Server) Close() {
	if s.closed.Swap(true) {
		return
	}
	close(s.closing)
	if s.hs != nil {
		s.hs.Close()
	}
	if s.hsrv != nil {
		_ = s.hsrv.Close()
	}
	s.wg.Wait()
}

// route is one operation of the API.
type route struct {
	op    string // operationId of openapi/canvas.yaml
	write bool
}

// ServeHTTP answers one request the way Canvas does: request id, Rails-style format suffixes,
// routing, authentication, the token's rate limit, faults, the simulated latency and the
// operation, with X-Rate-Limit-Remaining and X-Request-Cost on every answer.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rid := "req-" + strconv.FormatUint(s.reqSeq.Add(1), 10)
	w.Header().Set("X-Request-Id", rid)
	if s.opts.logger != nil {
		s.opts.logger.Debug("canvastest request", "method", r.Method, "url", redact.URL(r.URL), "request_id", rid)
	}
	if !railsPath(r) {
		s.obs.count("")
		writeErrors(w, http.StatusNotFound, "The specified resource does not exist.")
		return
	}
	_, pattern := s.mux.Handler(r)
	rt := s.ops[pattern]
	if rt == nil {
		s.obs.count("")
		writeErrors(w, http.StatusNotFound, "The specified resource does not exist.")
		return
	}
	s.obs.count(rt.op)
	token, ok := s.authorized(r)
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="canvas-lms"`)
		writeJSON(w, http.StatusUnauthorized, map[string]any{"status": "unauthenticated", "errors": []map[string]string{{"message": "user authorization required"}}})
		return
	}
	admitted, remaining := s.buckets.admit(token)
	thr := s.buckets.config()
	if !admitted {
		s.obs.throttle(rt.op)
		writeThrottled(w, thr.Status, remaining)
		return
	}
	start := time.Now()
	costOf := func() float64 {
		if thr.Cost > 0 {
			return thr.Cost
		}
		return time.Since(start).Seconds()
	}
	finished := false
	finish := func(cost float64) float64 {
		finished = true
		return s.buckets.finish(token, cost)
	}
	defer func() {
		if !finished { // dropped connection or panic: the request still ends
			finish(costOf())
		}
	}()

	d := s.faults.decide(rt.op, rt.write)
	switch {
	case d.drop:
		s.obs.fault(rt.op)
		dropConnection(w)
		return
	case d.stall > 0:
		s.obs.fault(rt.op)
		t := time.NewTimer(d.stall)
		select {
		case <-t.C:
		case <-r.Context().Done():
		case <-s.closing:
		}
		t.Stop()
		dropConnection(w)
		return
	case d.throttle:
		s.obs.fault(rt.op)
		writeThrottled(w, thr.Status, finish(0))
		return
	case d.status != 0:
		s.obs.fault(rt.op)
		writeErrors(w, d.status, "The service is temporarily unavailable.")
		return
	}
	if s.opts.latency > 0 {
		t := time.NewTimer(s.opts.latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	if r.ContentLength > s.opts.maxBody {
		writeErrors(w, http.StatusRequestEntityTooLarge, "The request body is too large.")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.opts.maxBody)
	rec := getRecorder()
	defer putRecorder(rec)
	r = r.WithContext(context.WithValue(r.Context(), ctxToken{}, token))
	s.mux.ServeHTTP(rec, r)
	if d.dropAfter && rec.status < 300 {
		s.obs.fault(rt.op)
		dropConnection(w)
		return
	}
	cost := costOf()
	remaining = finish(cost)
	hdr := w.Header()
	for k, vs := range rec.header {
		hdr[k] = vs
	}
	hdr.Set("X-Rate-Limit-Remaining", formatUnits(remaining))
	hdr.Set("X-Request-Cost", formatUnits(cost))
	hdr.Set("Content-Length", strconv.Itoa(rec.body.Len()))
	w.WriteHeader(rec.status)
	_, _ = w.Write(rec.body.Bytes())
}

type ctxToken struct{}

// authorized checks the bearer token and returns it (the throttle's bucket key).
func (s *Server) authorized(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		tok = r.URL.Query().Get("access_token")
	}
	tok = strings.TrimSpace(tok)
	if tok == "" {
		return "", false
	}
	for t := range s.tokens {
		if subtle.ConstantTimeCompare([]byte(t), []byte(tok)) == 1 {
			return t, true
		}
	}
	return "", false
}

// railsPath applies Rails's format suffix to r's path like Canvas: a segment ending in .json
// loses the suffix; a segment with any other unescaped "." does not route (which is why SIS ids
// with dots must be sent as %2E). It reports false for a path that cannot route.
func railsPath(r *http.Request) bool {
	raw := r.URL.EscapedPath()
	if !strings.Contains(raw, ".") {
		return true
	}
	segs := strings.Split(raw, "/")
	last := len(segs) - 1
	for i, seg := range segs {
		dot := strings.LastIndexByte(seg, '.')
		if dot < 0 {
			continue
		}
		if i == last && seg[dot+1:] == "json" {
			segs[i] = seg[:dot]
			continue
		}
		return false
	}
	fixed := strings.Join(segs, "/")
	p, err := url.PathUnescape(fixed)
	if err != nil {
		return false
	}
	r.URL.Path, r.URL.RawPath = p, fixed
	return true
}

// writeThrottled answers a refused request as Canvas does.
func writeThrottled(w http.ResponseWriter, status int, remaining float64) {
	h := w.Header()
	h.Set("X-Rate-Limit-Remaining", formatUnits(remaining))
	h.Set("X-Request-Cost", "0")
	h.Set("Content-Type", "text/plain; charset=utf-8")
	body := "403 Forbidden (Rate Limit Exceeded)\n"
	if status == http.StatusTooManyRequests {
		body = "429 Too Many Requests (Rate Limit Exceeded)\n"
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

// recorder buffers an operation's answer so the rate-limit headers can be set after it ran.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
	wrote  bool
}

var recorders = sync.Pool{New: func() any { return &recorder{} }}

func getRecorder() *recorder {
	r := recorders.Get().(*recorder)
	r.header = http.Header{}
	r.status = http.StatusOK
	r.body.Reset()
	r.wrote = false
	return r
}

func putRecorder(r *recorder) {
	if r.body.Cap() > 8<<20 {
		return
	}
	recorders.Put(r)
}

// Header returns the buffered answer's headers.
func (r *recorder) Header() http.Header { return r.header }

// WriteHeader records the status (the first one wins, as with a real connection).
func (r *recorder) WriteHeader(status int) {
	if !r.wrote {
		r.status, r.wrote = status, true
	}
}

// Write buffers body bytes.
func (r *recorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.body.Write(b)
}

var _ http.Handler = (*Server)(nil)
