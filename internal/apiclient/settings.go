package apiclient

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
	"golang.org/x/time/rate"

	"github.com/edusync/edusync/apierror"
)

// DefaultMaxBody caps one response body unless the host sets another cap (WithMaxResponseBody).
// List answers are decoded record by record as they arrive, so the cap does not bound memory
// for them; it bounds how long a hostile or broken server can keep a listing reading one page,
// and the memory of the calls that return one object or a whole page at once. 64 MiB holds
// any page these APIs send (an SS 12000 page of 1,000 persons is about 2 MB).
const DefaultMaxBody = 64 << 20

// Settings is what the options of every client configure: the transport (HTTP client, retries,
// rate limit, logging, body cap, TLS), authentication, and how lists are read (page size,
// strictness). A client package turns its options into Settings and passes them to New in its
// Config.
type Settings struct {
	HTTPClient *http.Client
	Logger     *slog.Logger
	Retry      apierror.RetryPolicy
	NoRetry    bool
	RateLimit  rate.Limit
	RateBurst  int
	MaxBody    int64 // 0: DefaultMaxBody
	UserAgent  string
	Header     http.Header // fixed headers (API keys); their values are treated as secrets

	PageSize int  // 0: the client's default
	Strict   bool // a bad record fails the call instead of becoming a RecordError

	Auth         *Auth // nil: requests are not authenticated (or only by Header or certificates)
	Certificates []tls.Certificate
	RootCAs      *x509.CertPool
}

// Option configures Settings. Client packages re-export the options under their own names.
type Option func(*Settings) error

// Apply runs opts over s, returning the first error. Nil options are skipped.
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

// WithHTTPClient uses c as the base client: its Transport is wrapped, its Timeout, Jar and
// CheckRedirect are kept. Token requests go through it too.
func WithHTTPClient(c *http.Client) Option {
	return func(s *Settings) error {
		if c == nil {
			return errors.New("WithHTTPClient: nil client")
		}
		s.HTTPClient = c
		return nil
	}
}

// WithLogger sends a line per request attempt (Debug) and per retry (Info) to l, redacted.
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

// WithHeader adds a fixed header to every request, for example an API key. Its value is a
// secret: it is masked wherever a server echoes it into an error or a log line.
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

// WithPageSize sets how many records the iterators ask for per page.
func WithPageSize(n int) Option {
	return func(s *Settings) error {
		if n < 1 {
			return fmt.Errorf("WithPageSize: page size %d must be positive", n)
		}
		s.PageSize = n
		return nil
	}
}

// WithStrict makes decoding fail on the first record that cannot be used instead of delivering
// the good records and a RecordError for each bad one.
func WithStrict() Option {
	return func(s *Settings) error { s.Strict = true; return nil }
}

// WithClientCertificate presents cert in the TLS handshake (mutual TLS), to the API and to a
// token endpoint.
func WithClientCertificate(cert tls.Certificate) Option {
	return func(s *Settings) error { s.Certificates = append(s.Certificates, cert); return nil }
}

// WithRootCAs trusts pool instead of the system roots (private or test CAs).
func WithRootCAs(pool *x509.CertPool) Option {
	return func(s *Settings) error { s.RootCAs = pool; return nil }
}

// WithBearerToken sends a fixed bearer token. It is never renewed: a 401 reaches the caller.
func WithBearerToken(token string) Option {
	return func(s *Settings) error {
		if token == "" {
			return errors.New("WithBearerToken: empty token")
		}
		t := &oauth2.Token{AccessToken: token, TokenType: "Bearer"}
		s.Auth = &Auth{name: "bearer token", static: t, secrets: []string{token}}
		return nil
	}
}

// WithTokenSource authenticates with tokens from ts (any golang.org/x/oauth2 flow). The client
// keeps a token until shortly before it expires. When the service rejects one (401), ts is asked
// once more and the request is sent again with the new token; a source that hands back the
// rejected token (a caching one, such as oauth2.ReuseTokenSource, before the token expires)
// leaves the 401 to the caller.
func WithTokenSource(ts oauth2.TokenSource) Option {
	return func(s *Settings) error {
		if ts == nil {
			return errors.New("WithTokenSource: nil token source")
		}
		s.Auth = &Auth{name: "token source", renew: true,
			fetch: func(TokenContext) (*oauth2.Token, error) { return ts.Token() }}
		return nil
	}
}

// WithClientCredentials authenticates with the OAuth2 client-credentials grant at tokenURL.
// Tokens are fetched through the client's own TLS settings, renewed shortly before they expire
// and once more when the service rejects one (401).
func WithClientCredentials(tokenURL, clientID, clientSecret string, scopes ...string) Option {
	return func(s *Settings) error {
		if tokenURL == "" || clientID == "" {
			return errors.New("WithClientCredentials: token URL and client id are required")
		}
		cc := &clientcredentials.Config{ClientID: clientID, ClientSecret: clientSecret, TokenURL: tokenURL, Scopes: scopes}
		s.Auth = &Auth{name: "client credentials at " + redactedURL(tokenURL), renew: true, secrets: []string{clientSecret},
			fetch: func(tc TokenContext) (*oauth2.Token, error) { return cc.Token(tc.Context()) }}
		return nil
	}
}

// WithPasswordGrant authenticates with the OAuth2 resource-owner password grant at tokenURL.
// An expired token is renewed with its refresh token when the endpoint issued one, otherwise by
// logging in again; a token the service rejects (401) is replaced once.
func WithPasswordGrant(tokenURL, clientID, clientSecret, username, password string, scopes ...string) Option {
	return func(s *Settings) error {
		if tokenURL == "" || username == "" {
			return errors.New("WithPasswordGrant: token URL and user name are required")
		}
		cfg := &oauth2.Config{ClientID: clientID, ClientSecret: clientSecret, Scopes: scopes,
			Endpoint: oauth2.Endpoint{TokenURL: tokenURL}}
		s.Auth = &Auth{name: "password grant at " + redactedURL(tokenURL), renew: true, secrets: []string{clientSecret, password},
			fetch: func(tc TokenContext) (*oauth2.Token, error) {
				if old := tc.Last; old != nil && old.RefreshToken != "" {
					if t, err := cfg.TokenSource(tc.Context(), &oauth2.Token{RefreshToken: old.RefreshToken}).Token(); err == nil {
						return t, nil
					}
				}
				return cfg.PasswordCredentialsToken(tc.Context(), username, password)
			}}
		return nil
	}
}

// WithTokenFunc authenticates with tokens from fetch, for token endpoints that are not a
// standard OAuth2 grant (Inspera's, which takes an API key). name describes the endpoint in
// errors (no credentials); secrets are the credentials fetch uses, masked wherever a server
// echoes them. Tokens are renewed like WithClientCredentials's.
func WithTokenFunc(name string, fetch func(TokenContext) (*oauth2.Token, error), secrets ...string) Option {
	return func(s *Settings) error {
		if fetch == nil {
			return errors.New("WithTokenFunc: nil function")
		}
		s.Auth = &Auth{name: name, renew: true, fetch: fetch, secrets: secrets}
		return nil
	}
}

// WithBasicAuth sends HTTP Basic credentials with every request, without waiting for a
// challenge (preemptively), as APIs behind a gateway (FS) expect. The password, the encoded
// pair and the user name (an API user's name is a credential too) are masked in errors and logs.
func WithBasicAuth(username, password string) Option {
	return func(s *Settings) error {
		if username == "" {
			return errors.New("WithBasicAuth: empty user name")
		}
		enc := base64.StdEncoding.EncodeToString([]byte(username + ":" + password))
		t := &oauth2.Token{AccessToken: enc, TokenType: "Basic"}
		s.Auth = &Auth{name: "basic auth", static: t, secrets: []string{password, enc, username}}
		return nil
	}
}

// tokenEarly is how long before its expiry a token is renewed, so it does not expire in flight.
const tokenEarly = 10 * time.Second

// responseHeaderTimeout gives up on a server that accepts a request and never answers; there is
// no overall timeout, since a large listing may stream for a while (the caller's context bounds it).
const responseHeaderTimeout = 90 * time.Second
