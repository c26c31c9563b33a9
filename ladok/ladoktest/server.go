package ladoktest

import (
	"crypto/rand"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/edusync/edusync/ladok"
)

// DefaultEntriesPerPage is how many entries a feed page holds unless WithEntriesPerPage says
// otherwise.
const DefaultEntriesPerPage = 50

// Server is an in-memory Ladok: REST resources and the event feed over mutual TLS. Create it
// with NewServer (tests) or Serve (a listener of your own); it is safe for concurrent use.
type Server struct {
	// URL is the base URL to give ladok.New, e.g. https://127.0.0.1:41234.
	URL string

	ca     *CA
	client *ladok.Credentials
	opts   options

	hs       *httptest.Server
	plain    *http.Server
	listener net.Listener

	mu      sync.Mutex
	feed    feedState
	data    restData
	faults  []*faultState
	counter map[string]int // requests per path, for tests
}

type options struct {
	perPage    int
	firstPage  int
	larosateID int
	ou         string
	now        func() time.Time
	hosts      []string
	logger     *slog.Logger
}

// Option configures a Server.
type Option func(*options)

// WithEntriesPerPage sets how many entries one feed page holds (default 50). Pages fill up oldest
// first; the page being filled is the recent page.
func WithEntriesPerPage(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.perPage = n
		}
	}
}

// WithFirstPage numbers the oldest feed page n (default 1), so tests can use Ladok-sized page
// numbers.
func WithFirstPage(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.firstPage = n
		}
	}
}

// WithLarosateID sets the university id written into event contexts (default 99).
func WithLarosateID(id int) Option { return func(o *options) { o.larosateID = id } }

// WithCertificateOU sets the OU of the client certificate the server hands out (default
// "ladoktest", which names no real Ladok environment).
func WithCertificateOU(ou string) Option { return func(o *options) { o.ou = ou } }

// WithClock sets the clock for entry timestamps (default time.Now).
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithLogger logs the server's own errors (failed TLS handshakes, such as a refused client
// certificate) to l; by default they are discarded.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithHostNames adds names or addresses to the server certificate, for a fake reached by a
// name other than localhost or 127.0.0.1.
func WithHostNames(hosts ...string) Option {
	return func(o *options) { o.hosts = append(o.hosts, hosts...) }
}

func newServer(opts []Option) (*Server, error) {
	o := options{perPage: DefaultEntriesPerPage, firstPage: 1, larosateID: 99, ou: "ladoktest", now: time.Now}
	for _, f := range opts {
		if f != nil {
			f(&o)
		}
	}
	ca, err := NewCA()
	if err != nil {
		return nil, err
	}
	now := time.Now()
	client, err := ca.ClientCertificate("edusync-integration", o.ou, now.Add(-time.Hour), now.AddDate(1, 0, 0))
	if err != nil {
		return nil, err
	}
	s := &Server{ca: ca, client: client, opts: o, counter: map[string]int{}}
	s.data.init(o.larosateID)
	return s, nil
}

// tlsConfig requires a client certificate signed by the test CA, as Ladok requires its own.
func (s *Server) tlsConfig() (*tls.Config, error) {
	cert, err := s.ca.serverCertificate(s.opts.hosts...)
	if err != nil {
		return nil, err
	}
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{cert},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    s.ca.Pool(),
	}, nil
}

// NewServer starts a fake Ladok on a loopback port. Close it when done.
func NewServer(opts ...Option) *Server {
	s, err := newServer(opts)
	if err != nil {
		panic("ladoktest: " + err.Error())
	}
	cfg, err := s.tlsConfig()
	if err != nil {
		panic("ladoktest: " + err.Error())
	}
	s.hs = httptest.NewUnstartedServer(s.Handler())
	s.hs.Config.ErrorLog = s.errorLog()
	s.hs.TLS = cfg
	s.hs.StartTLS()
	s.URL = s.hs.URL
	return s
}

// Serve runs a fake Ladok on ln (wrapping it in TLS) until Close. baseHost, when not empty,
// is the host name clients use, for the URL and the server certificate.
func Serve(ln net.Listener, opts ...Option) (*Server, error) {
	s, err := newServer(opts)
	if err != nil {
		return nil, err
	}
	cfg, err := s.tlsConfig()
	if err != nil {
		return nil, err
	}
	s.listener = tls.NewListener(ln, cfg)
	s.plain = &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second, ErrorLog: s.errorLog()}
	s.URL = "https://" + ln.Addr().String()
	go func() { _ = s.plain.Serve(s.listener) }()
	return s, nil
}

// Close stops the server.
func (s *Server) Close() {
	if s.hs != nil {
		s.hs.Close()
	}
	if s.plain != nil {
		_ = s.plain.Close()
	}
}

func (s *Server) errorLog() *log.Logger {
	if s.opts.logger == nil {
		return log.New(io.Discard, "", 0)
	}
	return slog.NewLogLogger(s.opts.logger.Handler(), slog.LevelWarn)
}

// CA returns the fake's certificate authority, to issue more client certificates (expired ones,
// other OUs) with CA.ClientCertificate.
func (s *Server) CA() *CA { return s.ca }

// Credentials returns a valid client certificate for the fake, with the test CA.
func (s *Server) Credentials() *ladok.Credentials { return s.client }

// Client returns a ladok.Client for the fake with the server's credentials; opts come after
// them (so a test can, for example, turn retries off).
func (s *Server) Client(opts ...ladok.Option) (*ladok.Client, error) {
	all := append([]ladok.Option{ladok.WithRootCAs(s.ca.Pool()), ladok.WithCredentials(s.client)}, opts...)
	return ladok.New(s.URL, all...)
}

// Requests returns how many requests reached path (exactly, without query), faults included.
func (s *Server) Requests(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counter[path]
}

// Handler returns the server's HTTP handler (without TLS), for hosts that serve it themselves.
// Client-certificate checks happen in the TLS layer of NewServer and Serve.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /handelser/feed/{id}", s.handleFeed)
	s.data.routes(mux, s)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.counter[r.URL.Path]++
		f := s.faultFor(r.URL.Path)
		s.mu.Unlock()
		if f != nil {
			if f.Status != 0 {
				writeFel(w, f.Status, "ladoktest.fault", "injected fault")
				return
			}
			if f.Drop {
				dropConnection(w)
				return
			}
			if f.Truncate {
				tw := &truncatingWriter{ResponseWriter: w, header: http.Header{}}
				mux.ServeHTTP(tw, r)
				tw.flushHalf()
				return
			}
		}
		mux.ServeHTTP(w, r)
	})
}

// Faults --------------------------------------------------------------------------------------

// Fault is a failure the server injects into matching requests, so tests can check that
// nothing is lost when Ladok misbehaves.
type Fault struct {
	// Path limits the fault to requests whose path starts with it ("" matches every request).
	Path string
	// Status answers with this HTTP status and a Ladok error body instead of the resource.
	Status int
	// Truncate sends only the first half of the body, with a Content-Length that matches what is
	// sent, so that only the parser notices.
	Truncate bool
	// Drop closes the connection without an answer.
	Drop bool
	// Times is how many matching requests the fault hits; 0 means until ClearFaults.
	Times int
	// Every hits only every Nth matching request (0 or 1: every one).
	Every int
}

type faultState struct {
	Fault
	seen, hits int
}

// InjectFault adds a fault; faults are checked in the order they were added.
func (s *Server) InjectFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &faultState{Fault: f})
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// faultFor returns the fault that hits this request, if any. Called with s.mu held.
func (s *Server) faultFor(path string) *Fault {
	for _, f := range s.faults {
		if !strings.HasPrefix(path, f.Path) {
			continue
		}
		if f.Times > 0 && f.hits >= f.Times {
			continue
		}
		f.seen++
		if f.Every > 1 && f.seen%f.Every != 0 {
			continue
		}
		f.hits++
		ff := f.Fault
		return &ff
	}
	return nil
}

func dropConnection(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err == nil {
		_ = conn.Close()
	}
}

// truncatingWriter buffers a response and sends half of it.
type truncatingWriter struct {
	http.ResponseWriter
	header http.Header
	status int
	body   []byte
}

func (t *truncatingWriter) Header() http.Header { return t.header }

func (t *truncatingWriter) WriteHeader(code int) { t.status = code }

func (t *truncatingWriter) Write(b []byte) (int, error) {
	t.body = append(t.body, b...)
	return len(b), nil
}

func (t *truncatingWriter) flushHalf() {
	for k, v := range t.header {
		t.ResponseWriter.Header()[k] = v
	}
	half := t.body[:len(t.body)/2]
	t.ResponseWriter.Header().Set("Content-Length", fmt.Sprint(len(half)))
	if t.status == 0 {
		t.status = http.StatusOK
	}
	t.ResponseWriter.WriteHeader(t.status)
	_, _ = t.ResponseWriter.Write(half)
}

// Errors in Ladok's body ------------------------------------------------------------------------

func writeFel(w http.ResponseWriter, status int, code, msg string) {
	f := ladok.LadokFel{
		FelUID:          newUID(),
		Felkategori:     "ladoktest.kategori",
		FelkategoriText: http.StatusText(status),
		Felgrupp:        code,
		Detaljkod:       code,
		Meddelande:      msg,
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(f)
}

// newUID returns a random UUID-shaped id, like Ladok's UIDs.
func newUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
