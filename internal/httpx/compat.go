package httpx

// This file keeps the API the clients used before internal/apiclient while they move onto it
// (issue 14); it goes when the last one has moved.

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
	"golang.org/x/time/rate"

	"github.com/edusync/edusync/apierror"
	"github.com/edusync/edusync/internal/redact"
)

// Transitional names (see the top of the file).
type (
	APIError    = apierror.APIError
	RetryPolicy = apierror.RetryPolicy
)

// Transitional sentinels (see the top of the file).
var (
	ErrBadRequest   = apierror.ErrBadRequest
	ErrUnauthorized = apierror.ErrUnauthorized
	ErrForbidden    = apierror.ErrForbidden
	ErrNotFound     = apierror.ErrNotFound
	ErrConflict     = apierror.ErrConflict
	ErrGone         = apierror.ErrGone
	ErrTooLarge     = apierror.ErrTooLarge
	ErrRateLimited  = apierror.ErrRateLimited
	ErrServer       = apierror.ErrServer
	ErrBodyTooLarge = apierror.ErrBodyTooLarge
)

// MaxErrorBody is how much of an error response body an APIError keeps.
const MaxErrorBody = 2048

// ReadError turns a non-2xx response into an *APIError (transitional, see the top of the file).
func ReadError(resp *http.Response, decode func(e *APIError, body []byte)) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, MaxErrorBody))
	drain(resp.Body)
	e := &APIError{StatusCode: resp.StatusCode}
	if resp.Request != nil {
		e.Method = resp.Request.Method
		e.URL = redact.URL(resp.Request.URL)
	}
	e.RequestID = RequestID(resp.Header)
	e.RetryAfter, _ = ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	e.Body = redact.Text(string(body))
	if decode != nil && len(body) > 0 {
		decode(e, body)
		e.Message = redact.Text(e.Message)
	}
	return e
}

// DefaultMaxBody caps response bodies unless a client sets its own limit: large enough for any
// page these APIs return, small enough that a runaway server cannot exhaust memory.
const DefaultMaxBody = 256 << 20

// Settings collects what the common client options configure. Each client package turns its
// options into Settings and calls Build.
type Settings struct {
	HTTPClient *http.Client
	Logger     *slog.Logger
	Retry      apierror.RetryPolicy
	NoRetry    bool
	RateLimit  rate.Limit
	RateBurst  int
	MaxBody    int64
	UserAgent  string
	Header     http.Header

	BearerToken       string
	TokenSource       oauth2.TokenSource
	ClientCredentials *clientcredentials.Config
	Certificates      []tls.Certificate
	RootCAs           *x509.CertPool

	// Wrap, when set, wraps the transport below the retry and rate-limit transports and above
	// logging, so every attempt passes through it once (for example an API-specific concurrency
	// limiter that reads throttling headers). It is for client packages, not a user option.
	Wrap func(http.RoundTripper) http.RoundTripper
}

// Option configures Settings. Client packages re-export the options under their own names.
type Option func(*Settings) error

// WithHTTPClient uses c as the base client; its Transport is wrapped, its Timeout kept.
func WithHTTPClient(c *http.Client) Option {
	return func(s *Settings) error {
		if c == nil {
			return errors.New("WithHTTPClient: nil client")
		}
		s.HTTPClient = c
		return nil
	}
}

// WithLogger sends request and retry logs to l (redacted; requests are logged at Debug level).
func WithLogger(l *slog.Logger) Option {
	return func(s *Settings) error { s.Logger = l; return nil }
}

// WithRetry replaces the retry policy.
func WithRetry(p apierror.RetryPolicy) Option {
	return func(s *Settings) error { s.Retry = p; s.NoRetry = false; return nil }
}

// WithoutRetry turns retries off; every failure reaches the caller at once.
func WithoutRetry() Option {
	return func(s *Settings) error { s.NoRetry = true; return nil }
}

// WithRateLimit limits requests to perSecond on average with bursts of burst.
func WithRateLimit(perSecond float64, burst int) Option {
	return func(s *Settings) error {
		if perSecond <= 0 || burst <= 0 {
			return fmt.Errorf("WithRateLimit: rate %v and burst %d must be positive", perSecond, burst)
		}
		s.RateLimit, s.RateBurst = rate.Limit(perSecond), burst
		return nil
	}
}

// WithMaxResponseBody caps how many bytes of one response body are read.
func WithMaxResponseBody(n int64) Option {
	return func(s *Settings) error {
		if n <= 0 {
			return fmt.Errorf("WithMaxResponseBody: %d must be positive", n)
		}
		s.MaxBody = n
		return nil
	}
}

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option {
	return func(s *Settings) error { s.UserAgent = ua; return nil }
}

// WithHeader adds a fixed header to every request (for example an API key).
func WithHeader(name, value string) Option {
	return func(s *Settings) error {
		if name == "" {
			return errors.New("WithHeader: empty header name")
		}
		if s.Header == nil {
			s.Header = http.Header{}
		}
		s.Header.Set(name, value)
		return nil
	}
}

// WithBearerToken sends a static bearer token.
func WithBearerToken(token string) Option {
	return func(s *Settings) error {
		if token == "" {
			return errors.New("WithBearerToken: empty token")
		}
		s.BearerToken = token
		return nil
	}
}

// WithTokenSource authenticates with tokens from ts (any golang.org/x/oauth2 flow).
func WithTokenSource(ts oauth2.TokenSource) Option {
	return func(s *Settings) error {
		if ts == nil {
			return errors.New("WithTokenSource: nil token source")
		}
		s.TokenSource = ts
		return nil
	}
}

// WithClientCredentials authenticates with the OAuth2 client-credentials grant. Tokens are
// fetched through the same TLS settings (client certificate, roots) as the API calls.
func WithClientCredentials(tokenURL, clientID, clientSecret string, scopes ...string) Option {
	return func(s *Settings) error {
		if tokenURL == "" || clientID == "" {
			return errors.New("WithClientCredentials: token URL and client id are required")
		}
		s.ClientCredentials = &clientcredentials.Config{
			ClientID: clientID, ClientSecret: clientSecret, TokenURL: tokenURL, Scopes: scopes,
		}
		return nil
	}
}

// WithClientCertificate presents cert in the TLS handshake (mutual TLS).
func WithClientCertificate(cert tls.Certificate) Option {
	return func(s *Settings) error { s.Certificates = append(s.Certificates, cert); return nil }
}

// WithRootCAs trusts pool instead of the system roots (private or test CAs).
func WithRootCAs(pool *x509.CertPool) Option {
	return func(s *Settings) error { s.RootCAs = pool; return nil }
}

// Apply runs opts over s, returning the first error.
func (s *Settings) Apply(opts ...Option) error {
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(s); err != nil {
			return err
		}
	}
	return nil
}

// Build returns the *http.Client the settings describe. The transport stack, outermost first:
// retry, client-side rate limit, Wrap, logging, body cap, fixed headers, token auth, then the base
// transport (with the TLS settings). Auth sits below logging so no credential is ever seen by it.
func (s *Settings) Build() (*http.Client, error) {
	base := s.HTTPClient
	if base == nil {
		base = &http.Client{}
	}
	rt := base.Transport
	if rt == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		// No overall timeout (a large page may stream for a while; the caller's context bounds
		// it), but a server that accepts a request and never answers is given up on.
		t.ResponseHeaderTimeout = 90 * time.Second
		t.MaxIdleConnsPerHost = 16
		rt = t
	}
	if len(s.Certificates) > 0 || s.RootCAs != nil {
		t, ok := rt.(*http.Transport)
		if !ok {
			return nil, errors.New("client certificates and root CAs need the base client's Transport to be an *http.Transport")
		}
		t = t.Clone()
		if t.TLSClientConfig == nil {
			t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		if len(s.Certificates) > 0 {
			t.TLSClientConfig.Certificates = append(t.TLSClientConfig.Certificates, s.Certificates...)
		}
		if s.RootCAs != nil {
			t.TLSClientConfig.RootCAs = s.RootCAs
		}
		rt = t
	}

	ts := s.TokenSource
	if ts == nil && s.ClientCredentials != nil {
		tokenClient := &http.Client{Transport: rt, Timeout: base.Timeout}
		ctx := context.WithValue(context.Background(), oauth2.HTTPClient, tokenClient)
		ts = s.ClientCredentials.TokenSource(ctx)
	}
	if ts == nil && s.BearerToken != "" {
		ts = oauth2.StaticTokenSource(&oauth2.Token{AccessToken: s.BearerToken, TokenType: "Bearer"})
	}
	if ts != nil {
		rt = &oauth2.Transport{Source: ts, Base: rt}
	}

	hdr := s.Header.Clone()
	if s.UserAgent != "" {
		if hdr == nil {
			hdr = http.Header{}
		}
		hdr.Set("User-Agent", s.UserAgent)
	}
	if len(hdr) > 0 {
		rt = &HeaderTransport{Next: rt, Header: hdr}
	}
	maxBody := s.MaxBody
	if maxBody == 0 {
		maxBody = DefaultMaxBody
	}
	rt = &BodyCapTransport{Next: rt, Max: maxBody}
	if s.Logger != nil {
		rt = &LoggingTransport{Next: rt, Logger: s.Logger}
	}
	if s.Wrap != nil {
		rt = s.Wrap(rt)
	}
	if s.RateLimit > 0 {
		rt = &RateLimitTransport{Next: rt, Limiter: rate.NewLimiter(s.RateLimit, s.RateBurst)}
	}
	if !s.NoRetry {
		rt = &RetryTransport{Next: rt, Policy: s.Retry, Logger: s.Logger}
	}
	return &http.Client{
		Transport:     rt,
		Timeout:       base.Timeout,
		Jar:           base.Jar,
		CheckRedirect: base.CheckRedirect,
	}, nil
}
