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
	"sync"
	"time"

	"github.com/edusync/edusync/internal/fakekit"
	"github.com/edusync/edusync/ladok"
)

// DefaultEntriesPerPage is how many entries a feed page holds unless WithEntriesPerPage says
// otherwise.
const DefaultEntriesPerPage = 50

// Server is an in-memory Ladok: REST resources and the event feed over mutual TLS. Create it
// with NewServer (tests) or Serve (a listener of your own); it is safe for concurrent use.
type Server struct {
	ca     *CA
	client *ladok.Credentials
	opts   options
	kit    *fakekit.Server

	mu   sync.Mutex
	feed feedState
	data restData
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
	s := &Server{ca: ca, client: client, opts: o}
	s.data.init(o.larosateID)
	// Mutual TLS authenticates every request before it reaches the kit, so there is no
	// Authenticate; Ladok answers errors with its own body.
	s.kit = fakekit.New(fakekit.Config{
		Name: "ladoktest", Now: o.now,
		Error: func(w http.ResponseWriter, _ *http.Request, status int, code, message string) {
			writeFel(w, status, "ladoktest."+code, message)
		},
	})
	s.kit.HandleFunc("getFeedPage", http.MethodGet, "/handelser/feed/{id}", false, s.handleFeed)
	s.data.routes(s)
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
	s.kit.StartTLS(cfg, func(hs *http.Server) { hs.ErrorLog = s.errorLog() })
	return s
}

// Serve runs a fake Ladok on ln (wrapping it in TLS) until Close.
func Serve(ln net.Listener, opts ...Option) (*Server, error) {
	s, err := newServer(opts)
	if err != nil {
		return nil, err
	}
	cfg, err := s.tlsConfig()
	if err != nil {
		return nil, err
	}
	s.kit.Serve(tls.NewListener(ln, cfg), "https", func(hs *http.Server) { hs.ErrorLog = s.errorLog() })
	return s, nil
}

// URL is the base URL to give ladok.New, e.g. https://127.0.0.1:41234.
func (s *Server) URL() string { return s.kit.URL() }

// Close stops the server.
func (s *Server) Close() { s.kit.Close() }

// ServeHTTP answers one request without TLS, for hosts that serve the fake themselves;
// client-certificate checks happen in the TLS layer of NewServer and Serve.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.kit.ServeHTTP(w, r) }

// Faults makes matching requests fail, so tests can check that nothing is lost when Ladok
// misbehaves (see SetFaults): rules by operation id ("getFeedPage") or path prefix
// ("/handelser/feed/"), and seeded rates; a status with a Ladok error body, a body cut in half
// with a matching Content-Length (Truncate, so only the parser notices), a dropped connection,
// a stall or a delay.
type Faults = fakekit.Faults

// Rule is one deterministic fault of Faults.Rules; rules are checked in order.
type Rule = fakekit.Rule

// Stats counts what the fake saw by operation id ("getStudent", "getFeedPage"), with answers
// by status, faults and a log of the last requests (Stats.RequestsTo counts one path).
type Stats = fakekit.Stats

// SetFaults replaces the faults (the zero Faults switches them off).
func (s *Server) SetFaults(f Faults) { s.kit.SetFaults(f) }

// Stats returns what the fake saw since it started or since ResetStats.
func (s *Server) Stats() Stats { return s.kit.Stats() }

// ResetStats sets the counts to zero and empties the request log.
func (s *Server) ResetStats() { s.kit.ResetStats() }

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
	return ladok.New(s.URL(), all...)
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
