package fakekit

import (
	"crypto/tls"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/edusync/edusync/internal/redact"
)

// Config is what a fake tells the kit about its API.
type Config struct {
	// Name names the fake in logs and request ids ("ss12000test").
	Name string
	// BasePath is where the API lives under the server's root ("/ss12000/v2"; "" for the
	// root). URL is the root followed by it, and Rule.Path is matched under it.
	BasePath string
	// Now is the fake's clock (time.Now when nil).
	Now func() time.Time
	// Logger receives a Debug line per request (method, redacted URL, operation, status).
	Logger *slog.Logger
	// MaxBody caps request bodies (default 10 MiB); a larger body is answered 413.
	MaxBody int64

	// Error writes an error answer in the API's own error body: status, a short machine
	// code and a message that names fields and parameters, never values. Required.
	Error func(w http.ResponseWriter, r *http.Request, status int, code, message string)
	// RateLimited writes the answer of an injected rate-limit fault; nil writes Error with
	// status 429 and a Retry-After header.
	RateLimited func(w http.ResponseWriter, r *http.Request, retryAfter time.Duration)
	// Authenticate checks a request to an operation that is not Public. It writes the
	// refusal itself and returns false, or returns the request to go on with (which may
	// carry the caller in its context). Nil lets every request through.
	Authenticate func(w http.ResponseWriter, r *http.Request, op *Operation) (*http.Request, bool)
	// Prepare runs before routing and returns false when it has answered the request (Canvas
	// reads Rails format suffixes there). It may change r's path.
	Prepare func(w http.ResponseWriter, r *http.Request) bool
	// Wrap is a layer around every operation after authentication, faults included (Canvas's
	// leaky bucket). Writers it passes on must Unwrap to the one it got, so a fault can still
	// drop the connection.
	Wrap func(op *Operation, next http.Handler) http.Handler
	// EchoRequestID answers with the client's X-Request-Id when it sent a sane one; otherwise
	// the fake numbers the requests ("<Name>-1", ...).
	EchoRequestID bool
}

// Operation is one operation of the API.
type Operation struct {
	// ID is the operation id, as in the API's OpenAPI file ("listPersons").
	ID string
	// Method and Path route it; Path is under the base path unless Root is set, in ServeMux
	// syntax ("/persons/{id}").
	Method, Path string
	// Root means Path is under the server's root, not the base path (a token endpoint).
	Root bool
	// Write marks operations that change data, for DropAfterWriteRate and Stats.Writes.
	Write bool
	// Public operations need no authentication (a token endpoint); the fault rates leave them
	// alone unless Faults.Operations names them.
	Public bool
	// Handler answers the operation; path values are set.
	Handler http.Handler
	// Resolve, when set, names the operation of each request, for a pattern that serves two
	// operations (ServeMux cannot tell Ladok's /student/personnummer/{pnr} from
	// /student/{uid}/kontaktuppgifter); ID is then what Operations lists.
	Resolve func(r *http.Request) string
}

// Server is the part every fake shares: it listens, routes requests to operations, answers
// unknown paths (404) and other methods (405 with Allow) in the API's error body, authenticates,
// injects faults, caps request bodies, numbers requests and counts them. A fake holds one and
// registers its operations with Handle.
type Server struct {
	cfg    Config
	mux    *http.ServeMux
	ops    []*Operation
	faults faultState
	obs    *observer
	reqSeq atomic.Uint64

	root    string
	hs      *httptest.Server
	hsrv    *http.Server
	closing chan struct{}
	once    sync.Once
	onClose []func()
	bare    map[string]bool // paths registered as unknown, see Handle
}

// DefaultMaxBody is the request body cap when Config.MaxBody is zero.
const DefaultMaxBody = 10 << 20

// New returns a Server for cfg that does not listen yet (Start, StartTLS, Serve).
func New(cfg Config) *Server {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	cfg.BasePath = strings.TrimSuffix("/"+strings.Trim(cfg.BasePath, "/"), "/")
	s := &Server{cfg: cfg, mux: http.NewServeMux(), obs: newObserver(), closing: make(chan struct{}), bare: map[string]bool{}}
	s.faults.set(Faults{})
	s.mux.HandleFunc("/", s.unrouted)
	return s
}

// Handle registers op. Register every operation before the server answers requests.
func (s *Server) Handle(op Operation) {
	o := &op
	s.ops = append(s.ops, o)
	var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.operate(w, r, o) })
	if s.cfg.Wrap != nil {
		h = s.cfg.Wrap(o, h)
	}
	s.mux.Handle(s.pattern(o), s.observe(o, h))
	// ServeMux redirects the path without the trailing slash to one with it; an API has the
	// paths it declares, so that path is unknown (the fake must not serve a fallback path).
	if p, ok := strings.CutSuffix(s.pattern(o), "/{$}"); ok {
		_, bare, _ := strings.Cut(p, " ")
		if _, taken := s.bare[bare]; !taken && bare != "" {
			s.bare[bare] = true
			s.mux.HandleFunc(bare, s.notFound)
		}
	}
}

// HandleFunc registers an operation by its parts.
func (s *Server) HandleFunc(id, method, path string, write bool, h http.HandlerFunc) {
	s.Handle(Operation{ID: id, Method: method, Path: path, Write: write, Handler: h})
}

// Operations returns the ids of the registered operations, each once, in registration order.
func (s *Server) Operations() []string {
	seen := map[string]bool{}
	var out []string
	for _, o := range s.ops {
		if !seen[o.ID] {
			seen[o.ID] = true
			out = append(out, o.ID)
		}
	}
	return out
}

// Routes maps the ServeMux pattern of each registered operation ("GET /api/v1/users/{id}") to
// its id, for tests that compare a fake with its OpenAPI file.
func (s *Server) Routes() map[string]string {
	out := make(map[string]string, len(s.ops))
	for _, o := range s.ops {
		out[s.pattern(o)] = o.ID
	}
	return out
}

// Match returns the id of the operation r would be routed to, if any.
func (s *Server) Match(r *http.Request) (string, bool) {
	_, p := s.mux.Handler(r)
	for _, o := range s.ops {
		if s.pattern(o) == p {
			return o.ID, true
		}
	}
	return "", false
}

func (s *Server) pattern(o *Operation) string {
	if o.Root {
		return o.Method + " " + o.Path
	}
	return o.Method + " " + s.cfg.BasePath + o.Path
}

// Start serves on a loopback port (an httptest.Server).
func (s *Server) Start() {
	s.hs = httptest.NewServer(s)
	s.root = s.hs.URL
}

// StartTLS serves TLS with cfg on a loopback port; errorLog, when not nil, receives the
// server's own errors (failed handshakes).
func (s *Server) StartTLS(cfg *tls.Config, errorLog func(*http.Server)) {
	s.hs = httptest.NewUnstartedServer(s)
	if errorLog != nil {
		errorLog(s.hs.Config)
	}
	s.hs.TLS = cfg
	s.hs.StartTLS()
	s.root = s.hs.URL
}

// Serve serves on ln (a fixed port of a sandbox) until Close; the root URL is scheme plus
// the listener's address.
func (s *Server) Serve(ln net.Listener, scheme string, configure func(*http.Server)) {
	s.hsrv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	if configure != nil {
		configure(s.hsrv)
	}
	s.root = scheme + "://" + ln.Addr().String()
	go func() { _ = s.hsrv.Serve(ln) }()
}

// Root is the server's scheme, host and port ("http://127.0.0.1:41234"); empty when it does
// not listen (a handler mounted elsewhere).
func (s *Server) Root() string { return s.root }

// URL is the base URL clients are configured with: Root followed by the base path.
func (s *Server) URL() string { return s.root + s.cfg.BasePath }

// BasePath is the path of the API under the root.
func (s *Server) BasePath() string { return s.cfg.BasePath }

// Now is the fake's clock.
func (s *Server) Now() time.Time { return s.cfg.Now() }

// Closing is closed when Close starts, so background work and stalled requests can end.
func (s *Server) Closing() <-chan struct{} { return s.closing }

// OnClose adds fn to what Close runs (after Closing is closed, before the listener stops).
func (s *Server) OnClose(fn func()) { s.onClose = append(s.onClose, fn) }

// Close stops the server once: stalled requests end, the OnClose functions run, the listener
// closes.
func (s *Server) Close() {
	s.once.Do(func() {
		close(s.closing)
		for _, fn := range s.onClose {
			fn()
		}
		if s.hs != nil {
			s.hs.Close()
		}
		if s.hsrv != nil {
			_ = s.hsrv.Close()
		}
	})
}

// SetFaults replaces the faults (the zero Faults switches them off) while the server runs; the
// random sequence restarts from the seed and rules count their hits from zero.
func (s *Server) SetFaults(f Faults) { s.faults.set(f) }

// Stats returns what the server saw since it started or since ResetStats.
func (s *Server) Stats() Stats { return s.obs.snapshot() }

// ResetStats sets every count to zero and empties the request log.
func (s *Server) ResetStats() { s.obs.reset() }

// CountThrottled notes a request the fake's own rate limit refused (Stats.Throttled).
func (s *Server) CountThrottled(op string) {
	s.obs.add(func(st *Stats) map[string]int { return st.Throttled }, op)
}

// CountGrant notes a token issued under grant (Stats.Grants).
func (s *Server) CountGrant(grant string) {
	s.obs.add(func(st *Stats) map[string]int { return st.Grants }, grant)
}

// Error writes an error answer in the API's body (Config.Error).
func (s *Server) Error(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	s.cfg.Error(w, r, status, code, message)
}

// ServeHTTP numbers and routes one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rid := ""
	if s.cfg.EchoRequestID {
		if v := r.Header.Get("X-Request-Id"); saneHeader(v) {
			rid = v
		}
	}
	if rid == "" {
		rid = s.cfg.Name + "-" + strconv.FormatUint(s.reqSeq.Add(1), 10)
	}
	w.Header().Set("X-Request-Id", rid)
	if s.cfg.Prepare != nil && !s.cfg.Prepare(w, r) {
		s.obs.record(nil, Request{At: s.cfg.Now(), Method: r.Method, Path: redact.Path(r.URL), Status: http.StatusNotFound})
		return
	}
	// ServeMux would redirect a path that needs cleaning and answer "*" and CONNECT itself; an
	// API has exactly the paths it declares, so those are unknown paths here.
	if !clean(r.URL.Path) || r.RequestURI == "*" || r.Method == http.MethodConnect {
		s.notFound(w, r)
		return
	}
	s.mux.ServeHTTP(w, r)
}

// unrouted answers a request no operation matched: 405 with Allow when another method would
// match, 404 otherwise.
func (s *Server) unrouted(w http.ResponseWriter, r *http.Request) {
	allow := s.allowed(r)
	if len(allow) == 0 {
		s.notFound(w, r)
		return
	}
	s.obs.record(nil, Request{At: s.cfg.Now(), Method: r.Method, Path: redact.Path(r.URL), Status: http.StatusMethodNotAllowed})
	s.log(r, "", http.StatusMethodNotAllowed, "")
	w.Header().Set("Allow", strings.Join(allow, ", "))
	s.cfg.Error(w, r, http.StatusMethodNotAllowed, "method_not_allowed", "the operation does not accept "+redact.Printable(r.Method, 16))
}

// notFound answers a path no operation has.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.obs.record(nil, Request{At: s.cfg.Now(), Method: r.Method, Path: redact.Path(r.URL), Status: http.StatusNotFound})
	s.log(r, "", http.StatusNotFound, "")
	s.cfg.Error(w, r, http.StatusNotFound, "no_such_operation", "no operation has this path")
}

func (s *Server) allowed(r *http.Request) []string {
	var out []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if m == r.Method {
			continue
		}
		c := r.Clone(r.Context())
		c.Method = m
		if _, p := s.mux.Handler(c); p != "" && p != "/" && !s.bare[p] {
			out = append(out, m)
		}
	}
	return out
}

// observe counts and logs every request to op with the status it was answered with.
func (s *Server) observe(op *Operation, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		op := op // this request's: a resolved operation id must not leak into the next request
		if op.Resolve != nil {
			o := *op
			o.ID, o.Resolve = op.Resolve(r), nil
			op = &o
		}
		rq := Request{At: s.cfg.Now(), Operation: op.ID, Method: r.Method, Path: redact.Path(r.URL)}
		ctx := &reqState{op: op}
		var once sync.Once
		ctx.record = func() {
			once.Do(func() {
				rq.Status, rq.Fault = sw.status, ctx.fault
				if ctx.dropped {
					rq.Status = 0
				}
				s.obs.record(op, rq)
				s.log(r, op.ID, rq.Status, rq.Fault)
			})
		}
		sw.sent = ctx.record
		r = r.WithContext(withState(r.Context(), ctx))
		defer ctx.record()
		if !op.Public && s.cfg.Authenticate != nil {
			var ok bool
			if r, ok = s.cfg.Authenticate(sw, r, op); !ok {
				return
			}
		}
		next.ServeHTTP(sw, r)
	})
}

func (s *Server) log(r *http.Request, op string, status int, fault string) {
	if s.cfg.Logger == nil {
		return
	}
	s.cfg.Logger.Debug(s.cfg.Name+" request", "method", r.Method, "url", redact.URL(r.URL),
		"operation", op, "status", status, "fault", fault)
}

// operate runs the faults chosen for the request, caps its body and calls the operation.
func (s *Server) operate(w http.ResponseWriter, r *http.Request, op *Operation) {
	st := stateOf(r.Context())
	if st.op != nil {
		op = st.op // resolved
	}
	path := strings.TrimPrefix(r.URL.Path, s.cfg.BasePath)
	d := s.faults.decide(op, r.Method, path)
	st.fault = d.kind
	if d.delay > 0 && !s.wait(r, d.delay) {
		st.dropped = true
		return
	}
	switch d.kind {
	case faultDrop:
		st.drop(w)
		return
	case faultStall:
		stall := d.stall
		if stall <= 0 {
			stall = DefaultStall
		}
		s.wait(r, stall)
		st.drop(w)
		return
	case faultRateLimit:
		if s.cfg.RateLimited != nil {
			s.cfg.RateLimited(w, r, d.retryAfter)
			return
		}
		if d.retryAfter > 0 {
			w.Header().Set("Retry-After", RetryAfterSeconds(d.retryAfter))
		}
		s.cfg.Error(w, r, d.status, codeOr(d.code, "rate_limited"), "too many requests; try again later")
		return
	case faultError:
		if d.retryAfter > 0 {
			w.Header().Set("Retry-After", RetryAfterSeconds(d.retryAfter))
		}
		s.cfg.Error(w, r, d.status, codeOr(d.code, "unavailable"), "the service is temporarily unavailable")
		return
	}
	if r.ContentLength > s.cfg.MaxBody {
		s.cfg.Error(w, r, http.StatusRequestEntityTooLarge, "body_too_large", "the request body is larger than the server accepts")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBody)
	switch d.kind {
	case faultTruncate:
		b := newBuffer(w)
		op.Handler.ServeHTTP(b, r)
		b.send(b.body.Len() / 2)
	case faultAfter:
		b := newBuffer(w)
		op.Handler.ServeHTTP(b, r)
		if b.status == 0 || b.status < 300 {
			st.drop(w)
			return
		}
		st.fault = "" // refused: answered as it was, nothing happened
		b.send(b.body.Len())
	default:
		op.Handler.ServeHTTP(w, r)
	}
}

// wait waits d and reports whether the request is still wanted.
func (s *Server) wait(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
	case <-s.closing:
	}
	return false
}

// clean reports whether p needs no cleaning (no empty, "." or ".." segments), which ServeMux
// would answer with a redirect.
func clean(p string) bool {
	c := path.Clean(p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return c == p
}

func codeOr(code, def string) string {
	if code != "" {
		return code
	}
	return def
}

func saneHeader(v string) bool {
	if v == "" || len(v) > 128 {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < 0x21 || v[i] > 0x7e {
			return false
		}
	}
	return true
}
