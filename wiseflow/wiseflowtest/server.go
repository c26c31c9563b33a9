package wiseflowtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/edusync/edusync/internal/fakekit"
	"github.com/edusync/edusync/wiseflow"
)

// BasePath is the API's path under the server's root; the client's base URL is the root
// followed by it.
const BasePath = "/v1"

// The limits WISEflow states for each credential set.
const (
	DefaultPerSecond = 200
	DefaultPerMinute = 5000
)

// DefaultTokenLifetime is how long issued tokens live: WISEflow's hour.
const DefaultTokenLifetime = time.Hour

// DefaultWebhookRetries and DefaultWebhookInterval are WISEflow's delivery of a webhook call
// that fails: eight calls fifteen minutes apart.
const (
	DefaultWebhookRetries  = 8
	DefaultWebhookInterval = 15 * time.Minute
)

// Server is an in-memory WISEflow licence: flows with participants, assessors, submissions with
// cover sheets and files, grades, remarking and reassessment flows (the reassessment module on
// or off), grade-explanation requests with their states, webhooks that call back signed, and
// the API's manners: the OAuth2 token endpoint (client_secret_post) and the x-api-key header,
// bare answers and envelopes, offset paging, the rate limits with their headers and 429s, and
// switchable faults. It is safe for concurrent use.
type Server struct {
	opts options
	kit  *fakekit.Server
	iss  *fakekit.Issuer[string] // tokens stand for the client id

	mu   sync.Mutex
	data *store

	limiter  *limiter
	hooks    *deliverer
	links    *fakekit.Table[fileRef] // download links
	linkLife time.Duration
}

type options struct {
	now             func() time.Time
	logger          *slog.Logger
	tokenLifetime   time.Duration
	perSecond       int
	perMinute       int
	reassessment    bool
	signature       wiseflow.Signature
	webhookRetries  int
	webhookInterval time.Duration
	webhookClient   *http.Client
	licenseID       int64
}

// Option configures a Server.
type Option func(*options)

// WithClock sets the server's clock (default time.Now): token expiry, rate-limit windows, the
// dates of records made by the hooks, and what LoadPopulation takes as today.
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithLogger logs every request (Debug) with redacted URLs.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithTokenLifetime sets how long tokens live (default one hour).
func WithTokenLifetime(d time.Duration) Option { return func(o *options) { o.tokenLifetime = d } }

// WithRateLimits sets the requests each credential set may make a second and a minute
// (default 200 and 5,000, WISEflow's); zero or less turns that window off.
func WithRateLimits(perSecond, perMinute int) Option {
	return func(o *options) { o.perSecond, o.perMinute = perSecond, perMinute }
}

// WithoutReassessmentModule makes the licence lack the reassessment module: POST
// /flow/{id}/reassessment answers 403.
func WithoutReassessmentModule() Option { return func(o *options) { o.reassessment = false } }

// WithSignature sets how webhook calls are signed (default wiseflow.DefaultSignature).
func WithSignature(s wiseflow.Signature) Option { return func(o *options) { o.signature = s } }

// WithWebhookRetries sets how often a failed webhook call is made in all and how long apart
// (default WISEflow's eight, fifteen minutes apart; tests shorten the interval).
func WithWebhookRetries(calls int, interval time.Duration) Option {
	return func(o *options) { o.webhookRetries, o.webhookInterval = calls, interval }
}

// WithWebhookClient sets the HTTP client webhook calls are made with (default: one with
// WISEflow's 10-second timeout).
func WithWebhookClient(hc *http.Client) Option { return func(o *options) { o.webhookClient = hc } }

func newServer(opts []Option) *Server {
	o := options{now: time.Now, tokenLifetime: DefaultTokenLifetime, perSecond: DefaultPerSecond, perMinute: DefaultPerMinute,
		reassessment: true, signature: wiseflow.DefaultSignature, webhookRetries: DefaultWebhookRetries,
		webhookInterval: DefaultWebhookInterval, licenseID: 4711}
	for _, f := range opts {
		if f != nil {
			f(&o)
		}
	}
	if o.webhookClient == nil {
		o.webhookClient = &http.Client{Timeout: 10 * time.Second}
	}
	s := &Server{opts: o, data: newStore(o.now)}
	s.limiter = newLimiter(o.now, o.perSecond, o.perMinute)
	s.iss = fakekit.NewIssuer[string](o.now, o.tokenLifetime)
	s.kit = fakekit.New(fakekit.Config{
		Name: "wiseflowtest", BasePath: BasePath, Now: o.now, Logger: o.logger,
		Error:        writeError,
		Authenticate: s.authenticate,
		Wrap:         s.rateLimit,
	})
	s.hooks = newDeliverer(s)
	s.kit.OnClose(s.hooks.close)
	s.data.credentials = Credentials{ClientID: "edusync-" + randomHex(4), ClientSecret: randomHex(16), APIKey: randomHex(20)}
	s.routes()
	return s
}

// NewServer starts a fake WISEflow licence on a loopback port with no flows (add them with
// LoadPopulation or the hooks) and one credential set (Credentials). Close it when done.
func NewServer(opts ...Option) *Server {
	s := newServer(opts)
	s.kit.Start()
	return s
}

// Serve runs the fake on ln until Close (a sandbox's fixed port).
func Serve(ln net.Listener, opts ...Option) *Server {
	s := newServer(opts)
	s.kit.Serve(ln, "http", nil)
	return s
}

// URL is the base URL to give wiseflow.New (http://127.0.0.1:port/v1).
func (s *Server) URL() string { return s.kit.URL() }

// TokenURL is the token endpoint.
func (s *Server) TokenURL() string { return s.kit.URL() + wiseflow.TokenPath }

// ServeHTTP answers one request (the server is an http.Handler).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.kit.ServeHTTP(w, r) }

// Close stops the server and its webhook deliveries.
func (s *Server) Close() { s.kit.Close() }

// Credentials are the licence's API credentials: a client id and secret for the token
// endpoint, and a key for the older x-api-key header.
type Credentials struct {
	ClientID, ClientSecret string
	APIKey                 string
}

// Credentials returns the licence's credentials.
func (s *Server) Credentials() Credentials {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.data.credentials
}

// Client returns a wiseflow.Client for the server with its client credentials; opts come after
// (so a test can turn retries off, or use WithAPIKey instead).
func (s *Server) Client(opts ...wiseflow.Option) (*wiseflow.Client, error) {
	c := s.Credentials()
	all := append([]wiseflow.Option{wiseflow.WithClientCredentials(c.ClientID, c.ClientSecret)}, opts...)
	return wiseflow.New(s.URL(), all...)
}

// Faults makes the server misbehave as WISEflow or its network can (see SetFaults): rules for
// chosen requests by operation id ("createReassessment", "token" for the token endpoint),
// method or path under BasePath, and seeded rates of server errors, 429s with Retry-After,
// slow answers, stalls, dropped connections, truncated answers and writes whose answer is lost.
type Faults = fakekit.Faults

// Rule is one deterministic fault of Faults.Rules.
type Rule = fakekit.Rule

// Stats counts what the server saw by operation id: requests, answers by status, faults,
// requests its rate limits refused (Throttled), tokens issued, reads and writes, and a log of
// the last requests.
type Stats = fakekit.Stats

// SetFaults replaces the faults (the zero Faults switches them off).
func (s *Server) SetFaults(f Faults) { s.kit.SetFaults(f) }

// Stats returns what the server saw since it started or since ResetStats.
func (s *Server) Stats() Stats { return s.kit.Stats() }

// ResetStats sets the counts to zero.
func (s *Server) ResetStats() { s.kit.ResetStats() }

// ExpireTokens ends every issued token early, as if its hour were over.
func (s *Server) ExpireTokens() { s.iss.Expire() }

// SetReassessmentModule turns the licence's reassessment module on or off.
func (s *Server) SetReassessmentModule(on bool) {
	s.mu.Lock()
	s.opts.reassessment = on
	s.mu.Unlock()
}

// SetRateLimits changes the limits per credential set (zero or less turns a window off) and
// starts every window afresh.
func (s *Server) SetRateLimits(perSecond, perMinute int) { s.limiter.set(perSecond, perMinute) }

// ResetRateLimits starts every rate-limit window afresh, as if a minute had passed.
func (s *Server) ResetRateLimits() { s.limiter.reset() }

type callerKey struct{}

// caller is the credential set a request came with (its rate limits are counted per set).
func caller(ctx context.Context) string {
	v, _ := ctx.Value(callerKey{}).(string)
	return v
}

// authenticate accepts a bearer token from the token endpoint or the licence's API key; the
// refusal is WISEflow's gateway answer, 401 {"message": ...}.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request, _ *fakekit.Operation) (*http.Request, bool) {
	if key := r.Header.Get("x-api-key"); key != "" {
		if fakekit.Equal(key, s.Credentials().APIKey) {
			return r.WithContext(context.WithValue(r.Context(), callerKey{}, "key")), true
		}
		unauthorized(w, "Invalid authentication credentials")
		return nil, false
	}
	sub, st := s.iss.Bearer(r)
	switch st {
	case fakekit.TokenValid:
		return r.WithContext(context.WithValue(r.Context(), callerKey{}, sub)), true
	case fakekit.TokenMissing:
		unauthorized(w, "No API key found in request")
	case fakekit.TokenExpired:
		unauthorized(w, "The token has expired")
	default:
		unauthorized(w, "Unauthorized")
	}
	return nil, false
}

func unauthorized(w http.ResponseWriter, msg string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="wiseflowtest"`)
	fakekit.WriteJSON(w, http.StatusUnauthorized, map[string]string{"message": msg})
}

// token answers POST /oauth2/token: client_credentials with client_id and client_secret in the
// form body (client_secret_post), tokens for the lifetime, and 400 {error, error_description}
// for anything else (the only refusal the 1.34.0 file declares).
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		tokenError(w, "invalid_request", "the body must be a form")
		return
	}
	if r.PostForm.Get("grant_type") != "client_credentials" {
		tokenError(w, "unsupported_grant_type", "grant_type must be client_credentials")
		return
	}
	id, secret := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	if id == "" || secret == "" {
		tokenError(w, "invalid_request", "client_id and client_secret belong in the form body")
		return
	}
	c := s.Credentials()
	if !fakekit.Equal(id, c.ClientID) || !fakekit.Equal(secret, c.ClientSecret) {
		tokenError(w, "invalid_client", "unknown client or wrong secret")
		return
	}
	tok := s.iss.Issue(id, false)
	s.kit.CountGrant("client_credentials")
	w.Header().Set("Cache-Control", "no-store")
	fakekit.WriteJSON(w, http.StatusOK, wiseflow.TokenResponse{AccessToken: tok.Access, TokenType: "Bearer",
		ExpiresIn: int64(tok.ExpiresIn / time.Second)})
}

func tokenError(w http.ResponseWriter, code, desc string) {
	fakekit.WriteJSON(w, http.StatusBadRequest, wiseflow.OAuthError{Error: code, ErrorDescription: desc})
}

// writeError writes WISEflow's error envelope; code becomes the reason.
func writeError(w http.ResponseWriter, _ *http.Request, status int, code, message string) {
	detail := wiseflow.ErrorDetail{Code: status, Message: message}
	if code != "" {
		detail.Errors = []wiseflow.ErrorReason{{Reason: code, Message: message}}
	}
	fakekit.WriteJSON(w, status, errorEnvelope{Success: false, Error: detail})
}

// errorEnvelope is the error answer; data is always null.
type errorEnvelope struct {
	Success bool                 `json:"success"`
	Data    *struct{}            `json:"data"`
	Error   wiseflow.ErrorDetail `json:"error"`
}

// ok writes the envelope of a success.
func ok(w http.ResponseWriter, status int, data any) {
	fakekit.WriteJSON(w, status, struct {
		Success bool      `json:"success"`
		Data    any       `json:"data"`
		Error   *struct{} `json:"error"`
	}{true, data, nil})
}

// okPage writes the envelope of a page; the pagination has every member, zeros included.
func okPage(w http.ResponseWriter, data any, offset int64, limit int, total int) {
	type pagination struct {
		Limit  int   `json:"limit"`
		Offset int64 `json:"offset"`
		Total  int64 `json:"total"`
	}
	fakekit.WriteJSON(w, http.StatusOK, struct {
		Success    bool       `json:"success"`
		Data       any        `json:"data"`
		Error      *struct{}  `json:"error"`
		Pagination pagination `json:"pagination"`
	}{true, data, nil, pagination{Limit: limit, Offset: offset, Total: int64(total)}})
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// pathID reads a path parameter that must be a positive integer.
func pathID(r *http.Request, name string) (int64, bool) {
	n, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	return n, err == nil && n > 0
}

// pageParams reads offset and limit (default 0 and 100); ok is false when either is invalid.
func pageParams(r *http.Request) (offset int64, limit int, ok bool) {
	limit = wiseflow.MaxPageSize
	q := r.URL.Query()
	if v := strings.TrimSpace(q.Get("offset")); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return 0, 0, false
		}
		offset = n
	}
	if v := strings.TrimSpace(q.Get("limit")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > wiseflow.MaxPageSize {
			return 0, 0, false
		}
		limit = n
	}
	return offset, limit, true
}

// Operations returns the operation ids the fake serves (those of openapi/wiseflow.yaml, the
// token endpoint as "token", and "downloadFile" for the download links).
func (s *Server) Operations() []string { return s.kit.Operations() }
