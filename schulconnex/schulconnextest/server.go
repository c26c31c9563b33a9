package schulconnextest

import (
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/edusync/edusync/internal/fakekit"
	"github.com/edusync/edusync/schulconnex"
)

// BasePath is the version path of the API under the server's root; the client's base URL is
// the server's root URL followed by it.
const BasePath = "/v1"

// TokenPath is the path of the OAuth2 token endpoint under the server's root.
const TokenPath = "/token"

// DefaultTokenLifetime is how long the tokens the server issues are valid unless
// WithTokenLifetime says otherwise.
const DefaultTokenLifetime = time.Hour

// Server is an in-memory Schulconnex service for source systems: the 33 operations of the
// source-system API over the models of package schulconnex, an OAuth2 token endpoint, revisions
// that refuse stale writes (409/00), the Schulconnex error body, substring filters, visibility
// releases between organisations, deletion times, and switchable faults. It is safe for
// concurrent use.
type Server struct {
	opts options
	kit  *fakekit.Server
	iss  *fakekit.Issuer[string] // tokens stand for an organisation id

	mu      sync.Mutex
	data    *store
	clients []Credentials
}

type options struct {
	now           func() time.Time
	tokenLifetime time.Duration
	numericCodes  bool
	maxContacts   int
	mandant       string
	orgName       string
	orgKennung    string
	strictBodies  bool
	usedByDefault bool
	refreshTokens bool
	passwordGrant bool
	clientGrant   bool
}

// Option configures a Server.
type Option func(*options)

// WithClock sets the server's clock (default time.Now): token expiry, deletion times and the
// validity of visibility releases follow it.
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithTokenLifetime sets how long issued tokens are valid (default one hour).
func WithTokenLifetime(d time.Duration) Option { return func(o *options) { o.tokenLifetime = d } }

// WithNumericCodes makes error bodies carry "code" as a JSON number (409) instead of a string
// ("409"), as some servers do.
func WithNumericCodes() Option { return func(o *options) { o.numericCodes = true } }

// WithMaxErreichbarkeiten limits a context to n contact entries (400/19 beyond), as servers
// that support only one do.
func WithMaxErreichbarkeiten(n int) Option { return func(o *options) { o.maxContacts = n } }

// WithOrganisation names the default organisation (the one the default credentials stand for).
func WithOrganisation(kennung, name string) Option {
	return func(o *options) { o.orgKennung, o.orgName = kennung, name }
}

// WithLenientBodies accepts request bodies with properties the specification does not know
// (by default only vendor extensions, named by URNs, are accepted; others are 400/06).
func WithLenientBodies() Option { return func(o *options) { o.strictBodies = false } }

// WithContextsUsed makes every context count as used by services from its creation, so that
// deleting one directly answers 400/13 and it has to be given a deletion time.
func WithContextsUsed() Option { return func(o *options) { o.usedByDefault = true } }

// WithoutRefreshTokens makes the password grant issue no refresh tokens.
func WithoutRefreshTokens() Option { return func(o *options) { o.refreshTokens = false } }

// WithGrants limits the token endpoint to the client-credentials grant, the password grant or
// both (the default), as operators differ.
func WithGrants(clientCredentials, password bool) Option {
	return func(o *options) { o.clientGrant, o.passwordGrant = clientCredentials, password }
}

func newServer(opts []Option) *Server {
	o := options{now: time.Now, tokenLifetime: DefaultTokenLifetime, strictBodies: true, refreshTokens: true,
		clientGrant: true, passwordGrant: true, mandant: "6b2c8a52-1c4e-4a8e-9a63-5c2f1e0d7a10",
		orgKennung: "NI_12345", orgName: "Heinrich-Heine-Schule"}
	for _, f := range opts {
		if f != nil {
			f(&o)
		}
	}
	s := &Server{opts: o}
	s.data = newStore(o.mandant, o.now)
	s.iss = fakekit.NewIssuer[string](o.now, o.tokenLifetime)
	s.kit = fakekit.New(fakekit.Config{
		Name: "schulconnextest", BasePath: BasePath, Now: o.now, MaxBody: maxBody,
		Error: func(w http.ResponseWriter, _ *http.Request, status int, code, _ string) {
			s.failWith(w, kitFehler(status, code))
		},
		Authenticate: s.authenticate,
	})
	s.routes()
	org := s.data.addOrganisation(schulconnex.Organisation{Kennung: o.orgKennung, Name: o.orgName,
		Typ: schulconnex.OrganisationstypSchule})
	s.clients = append(s.clients, Credentials{ClientID: "edusync-" + strings.ToLower(o.orgKennung), ClientSecret: "secret-" + org.ID[:8],
		Username: "svs-" + strings.ToLower(o.orgKennung), Password: "password-" + org.ID[:8], Organisation: org.ID})
	return s
}

// NewServer starts a fake Schulconnex on a loopback port with one organisation and its
// credentials (Credentials). Close it when done.
func NewServer(opts ...Option) *Server {
	s := newServer(opts)
	s.kit.Start()
	return s
}

// Serve runs a fake Schulconnex on ln until Close.
func Serve(ln net.Listener, opts ...Option) *Server {
	s := newServer(opts)
	s.kit.Serve(ln, "http", nil)
	return s
}

// URL is the base URL to give schulconnex.New, e.g. http://127.0.0.1:41234/v1.
func (s *Server) URL() string { return s.kit.URL() }

// TokenURL is the OAuth2 token endpoint, e.g. http://127.0.0.1:41234/token.
func (s *Server) TokenURL() string { return s.kit.Root() + TokenPath }

// ServeHTTP answers one request (the server is an http.Handler, for tests that put a proxy of
// their own in front of it).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.kit.ServeHTTP(w, r) }

// Close stops the server.
func (s *Server) Close() { s.kit.Close() }

// Faults makes the server misbehave as a Schulconnex service or its network can (see
// SetFaults): rules for chosen requests (by operation id such as "createPerson", method or path
// under BasePath, with Code as the error body's subcode) and seeded rates of server errors,
// 429 with Retry-After, slow answers, stalls, dropped connections and writes whose answer is
// lost after they were carried out.
type Faults = fakekit.Faults

// Rule is one deterministic fault of Faults.Rules; faults are checked in order and the first
// that matches a request hits it.
type Rule = fakekit.Rule

// Stats counts what the server saw by operation id ("createPerson"; the token endpoint is
// "token"): requests, answers by status, faults, reads and writes, tokens issued by grant type
// (client_credentials, password, refresh_token), and a log of the last requests.
type Stats = fakekit.Stats

// SetFaults replaces the faults (the zero Faults switches them off).
func (s *Server) SetFaults(f Faults) { s.kit.SetFaults(f) }

// Stats returns what the server saw since it started or since ResetStats.
func (s *Server) Stats() Stats { return s.kit.Stats() }

// ResetStats sets the request counts to zero.
func (s *Server) ResetStats() { s.kit.ResetStats() }

// Credentials returns the credentials of the default organisation: a client id and secret for
// the client-credentials grant, and a user name and password for the password grant.
func (s *Server) Credentials() Credentials {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.clients[0]
}

// Organisation returns the default organisation (the one Credentials stand for).
func (s *Server) Organisation() schulconnex.Organisation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.data.orgs[s.clients[0].Organisation].o
}

// Client returns a schulconnex.Client for the server that authenticates with the
// client-credentials grant of the default organisation; opts come after that (so a test can,
// for example, turn retries off or use the password grant instead).
func (s *Server) Client(opts ...schulconnex.Option) (*schulconnex.Client, error) {
	c := s.Credentials()
	all := append([]schulconnex.Option{schulconnex.WithClientCredentials(s.TokenURL(), c.ClientID, c.ClientSecret)}, opts...)
	return schulconnex.New(s.URL(), all...)
}

// AddOrganisation adds another organisation (a second school) with its own credentials, for
// visibility releases between organisations.
func (s *Server) AddOrganisation(o schulconnex.Organisation) (schulconnex.Organisation, Credentials) {
	s.mu.Lock()
	defer s.mu.Unlock()
	org := s.data.addOrganisation(o)
	c := Credentials{ClientID: "edusync-" + strings.ToLower(org.Kennung), ClientSecret: "secret-" + org.ID[:8],
		Username: "svs-" + strings.ToLower(org.Kennung), Password: "password-" + org.ID[:8], Organisation: org.ID}
	s.clients = append(s.clients, c)
	return org, c
}

// MarkUsed marks contexts as used by services: deleting them directly answers 400/13.
func (s *Server) MarkUsed(kontextIDs ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range kontextIDs {
		if k, ok := s.data.kontexte[id]; ok {
			k.used = true
		}
	}
}

// ExpireTokens makes every token issued so far invalid, as if it had expired early; the next
// request with one answers 401/01.
func (s *Server) ExpireTokens() { s.iss.Expire() }

// Edit lets a test change stored records as another writer would: the function gets the store
// under the server's lock. Every record written through it gets a new revision.
func (s *Server) Edit(fn func(e *Editor) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fn(&Editor{s: s.data})
}

var errUnknown = errors.New("schulconnextest: no such record")
