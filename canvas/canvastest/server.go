package canvastest

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/edusync/edusync/canvas"
	"github.com/edusync/edusync/internal/fakekit"
)

// Server is an in-memory Canvas LMS: the operations of openapi/canvas.yaml over the generated
// models of package canvas, with Canvas's semantics (SIS references, Link paging with bookmarks,
// enrolment states, custom roles, SIS imports) and its leaky-bucket rate limit, plus switchable
// faults. It is safe for concurrent use and is an http.Handler.
type Server struct {
	opts    options
	kit     *fakekit.Server
	tokens  map[string]bool
	buckets *buckets
	obs     *observer

	mu sync.RWMutex // guards st
	st *store

	wg sync.WaitGroup // background SIS imports
}

// NewServer starts a Server on a loopback port (an httptest.Server). Close it when done.
func NewServer(opts ...Option) *Server {
	s := newServer(opts)
	s.kit.Start()
	return s
}

// NewHandler returns a Server that does not listen; mount it (an http.Handler) at the root of a
// server of your own, and configure clients with that server's URL plus BasePath.
func NewHandler(opts ...Option) *Server { return newServer(opts) }

// Serve runs a Server on ln (for example a fixed port of a sandbox) until Close.
func Serve(ln net.Listener, opts ...Option) *Server {
	s := newServer(opts)
	s.kit.Serve(ln, "http", nil)
	return s
}

func newServer(opts []Option) *Server {
	o := defaultOptions()
	for _, f := range opts {
		if f != nil {
			f(&o)
		}
	}
	s := &Server{opts: o, tokens: map[string]bool{}}
	for _, t := range o.tokens {
		s.tokens[t] = true
	}
	s.buckets = newBuckets(o.throttle, o.now)
	s.kit = fakekit.New(fakekit.Config{
		Name: "canvastest", BasePath: BasePath, Now: o.now, Logger: o.logger, MaxBody: o.maxBody,
		Error: func(w http.ResponseWriter, _ *http.Request, status int, _, message string) {
			writeErrors(w, status, canvasMessage(status, message))
		},
		RateLimited: func(w http.ResponseWriter, _ *http.Request, _ time.Duration) {
			writeThrottled(w, s.buckets.config().Status, 0)
		},
		Authenticate: s.authenticate,
		Prepare: func(w http.ResponseWriter, r *http.Request) bool {
			if !railsPath(r) {
				writeErrors(w, http.StatusNotFound, "The specified resource does not exist.")
				return false
			}
			return true
		},
		Wrap: s.throttled,
	})
	s.kit.SetFaults(o.faults)
	s.kit.OnClose(s.wg.Wait)
	s.obs = newObserver()
	s.st = newStore(o.seed)
	s.seedBasics()
	s.routes()
	return s
}

// canvasMessage is the text Canvas answers a status with, for the answers the kit writes.
func canvasMessage(status int, message string) string {
	switch status {
	case http.StatusNotFound, http.StatusMethodNotAllowed:
		return "The specified resource does not exist."
	case http.StatusRequestEntityTooLarge:
		return "The request body is too large."
	}
	if status >= 500 {
		return "The service is temporarily unavailable."
	}
	return message
}

// URL is the API base URL clients are configured with: the server's root plus /api/v1.
func (s *Server) URL() string { return s.kit.URL() }

// Token returns a bearer token the server accepts.
func (s *Server) Token() string { return s.opts.tokens[0] }

// Client returns a canvas.Client for the server with its first token; opts come after it, so a
// test can turn retries off or pick another token.
func (s *Server) Client(opts ...canvas.Option) (*canvas.Client, error) {
	return canvas.New(s.URL(), append([]canvas.Option{canvas.WithBearerToken(s.Token())}, opts...)...)
}

// Faults makes the server misbehave the way Canvas and networks do (see SetFaults): rules for
// chosen operations ("enrollInCourse", "listUsers") and seeded rates of server errors,
// throttling (RateLimitRate: answered as the Throttle says, 403 "Rate Limit Exceeded" or 429),
// stalls, dropped connections, truncated answers and writes (POST, PUT, DELETE) carried out
// before the connection drops. Faults hit authenticated requests the throttle admitted.
type Faults = fakekit.Faults

// Rule is one deterministic fault of Faults.Rules.
type Rule = fakekit.Rule

// DefaultStall is how long a stalled request (Faults.StallRate) is held when Faults.Stall is zero.
const DefaultStall = fakekit.DefaultStall

// SetFaults switches faults on, changes them or (with the zero Faults) switches them off while
// the server runs. The random sequence restarts from the seed.
func (s *Server) SetFaults(f Faults) { s.kit.SetFaults(f) }

// ServeHTTP answers one request the way Canvas does: request id, Rails-style format suffixes,
// routing, authentication, the token's rate limit, faults, the simulated latency and the
// operation, with X-Rate-Limit-Remaining and X-Request-Cost on every answer.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.kit.ServeHTTP(w, r) }

// Close stops the server and waits for SIS imports in progress.
func (s *Server) Close() { s.kit.Close() }

// closing is closed when Close starts; background SIS imports end on it.
func (s *Server) closing() <-chan struct{} { return s.kit.Closing() }

type ctxToken struct{}

// authenticate checks the bearer token (or access_token parameter) and puts it in the request's
// context for the throttle, whose bucket it keys.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request, _ *fakekit.Operation) (*http.Request, bool) {
	tok, ok := s.authorized(r)
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="canvas-lms"`)
		writeJSON(w, http.StatusUnauthorized, map[string]any{"status": "unauthenticated", "errors": []map[string]string{{"message": "user authorization required"}}})
		return r, false
	}
	return r.WithContext(context.WithValue(r.Context(), ctxToken{}, tok)), true
}

// throttled is Canvas's leaky bucket around an operation: a request is admitted (or refused)
// when it arrives, holds its up-front charge while it runs (the simulated latency included),
// and pays its cost when it ends; every answer carries X-Rate-Limit-Remaining and
// X-Request-Cost. Faults run inside it, as they hit requests Canvas admitted.
func (s *Server) throttled(op *fakekit.Operation, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, _ := r.Context().Value(ctxToken{}).(string)
		admitted, remaining := s.buckets.admit(token)
		thr := s.buckets.config()
		if !admitted {
			s.kit.CountThrottled(op.ID)
			writeThrottled(w, thr.Status, remaining)
			return
		}
		start := time.Now()
		cost := func() float64 {
			if thr.Cost > 0 {
				return thr.Cost
			}
			return time.Since(start).Seconds()
		}
		finished := false
		defer func() {
			if !finished { // dropped connection or panic: the request still ends
				s.buckets.finish(token, cost())
			}
		}()
		if s.opts.latency > 0 {
			t := time.NewTimer(s.opts.latency)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
		rec := getRecorder(w)
		defer putRecorder(rec)
		next.ServeHTTP(rec, r)
		if fakekit.Dropped(r) {
			return // the connection is gone; the deferred finish still pays the cost
		}
		c := cost()
		finished = true
		remaining = s.buckets.finish(token, c)
		hdr := w.Header()
		for k, vs := range rec.header {
			hdr[k] = vs
		}
		hdr.Set("X-Rate-Limit-Remaining", formatUnits(remaining))
		hdr.Set("X-Request-Cost", formatUnits(c))
		hdr.Set("Content-Length", strconv.Itoa(rec.body.Len()))
		w.WriteHeader(rec.status)
		_, _ = w.Write(rec.body.Bytes())
	})
}

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
		if fakekit.Equal(t, tok) {
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

// recorder buffers an operation's answer so the rate-limit headers can be set after it ran. It
// unwraps to the connection's writer, so a fault can still drop the connection.
type recorder struct {
	w      http.ResponseWriter
	header http.Header
	status int
	body   bytes.Buffer
	wrote  bool
}

var recorders = sync.Pool{New: func() any { return &recorder{} }}

func getRecorder(w http.ResponseWriter) *recorder {
	r := recorders.Get().(*recorder)
	r.w = w
	r.header = http.Header{}
	r.status = http.StatusOK
	r.body.Reset()
	r.wrote = false
	return r
}

func putRecorder(r *recorder) {
	r.w = nil
	if r.body.Cap() > 8<<20 {
		return
	}
	recorders.Put(r)
}

// Unwrap returns the connection's writer, for http.ResponseController.
func (r *recorder) Unwrap() http.ResponseWriter { return r.w }

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
