package ss12000

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/oauth2"

	"github.com/edusync/edusync/internal/apiclient"
)

// DefaultPageSize is the limit the iterators ask for when the caller sets none: large pages
// cut round trips, and every service we know accepts a thousand records per page.
const DefaultPageSize = 1000

// DefaultLookupBatch is how many keys one lookup request carries before the client splits it.
const DefaultLookupBatch = 100

// DefaultMaxResponseBody is the cap on one answer's body unless WithMaxResponseBody sets
// another. Listings are decoded record by record as they arrive, so it bounds how much one page
// may send, not the memory a listing takes.
const DefaultMaxResponseBody = apiclient.DefaultMaxBody

// Client talks to one SS 12000 service. It is safe for concurrent use.
type Client struct {
	core        *apiclient.Client
	lookupBatch int
}

type config struct {
	core        apiclient.Settings
	lookupBatch int
}

// Option configures a Client.
type Option func(*config) error

func coreOption(o apiclient.Option) Option { return func(c *config) error { return o(&c.core) } }

// WithHTTPClient uses hc as the base HTTP client; edusync wraps its transport with retries,
// logging and authentication.
func WithHTTPClient(hc *http.Client) Option { return coreOption(apiclient.WithHTTPClient(hc)) }

// WithLogger logs requests (at Debug) and retries (at Info) to l. Tokens, page tokens and
// personal numbers never reach the log.
func WithLogger(l *slog.Logger) Option { return coreOption(apiclient.WithLogger(l)) }

// WithRetry replaces the default retry policy (the zero RetryPolicy: 5 attempts, jittered
// exponential backoff from 200 ms, Retry-After honoured up to 2 minutes).
func WithRetry(p RetryPolicy) Option { return coreOption(apiclient.WithRetry(p)) }

// WithoutRetry turns retries off.
func WithoutRetry() Option { return coreOption(apiclient.WithoutRetry()) }

// WithRateLimit keeps the client under perSecond requests on average, with bursts of burst.
func WithRateLimit(perSecond float64, burst int) Option {
	return coreOption(apiclient.WithRateLimit(perSecond, burst))
}

// WithMaxResponseBody caps how many bytes of one answer are read (default
// DefaultMaxResponseBody); a larger answer fails with a *BodyTooLargeError naming the cap.
func WithMaxResponseBody(n int64) Option { return coreOption(apiclient.WithMaxResponseBody(n)) }

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option { return coreOption(apiclient.WithUserAgent(ua)) }

// WithBearerToken authenticates with a fixed bearer token.
func WithBearerToken(token string) Option { return coreOption(apiclient.WithBearerToken(token)) }

// WithTokenSource authenticates with tokens from ts (any golang.org/x/oauth2 flow). A token the
// service rejects (401) is replaced once, if ts hands out another.
func WithTokenSource(ts oauth2.TokenSource) Option {
	return coreOption(apiclient.WithTokenSource(ts))
}

// WithClientCredentials authenticates with the OAuth2 client-credentials grant against
// tokenURL. Tokens are renewed before they expire and once more when the service rejects one.
func WithClientCredentials(tokenURL, clientID, clientSecret string, scopes ...string) Option {
	return coreOption(apiclient.WithClientCredentials(tokenURL, clientID, clientSecret, scopes...))
}

// WithAPIKey sends an API key in the named header (for services behind an API gateway).
func WithAPIKey(header, key string) Option { return coreOption(apiclient.WithHeader(header, key)) }

// WithClientCertificate presents cert in the TLS handshake (mutual TLS). It combines with the
// token options: some services want both.
func WithClientCertificate(cert tls.Certificate) Option {
	return coreOption(apiclient.WithClientCertificate(cert))
}

// WithRootCAs trusts pool instead of the system roots.
func WithRootCAs(pool *x509.CertPool) Option { return coreOption(apiclient.WithRootCAs(pool)) }

// WithStrict makes decoding fail on the first record that does not decode, instead of
// returning the good records and a RecordError for each bad one.
func WithStrict() Option { return coreOption(apiclient.WithStrict()) }

// WithPageSize sets the limit the iterators ask for when the caller's parameters set none
// (default DefaultPageSize).
func WithPageSize(n int) Option { return coreOption(apiclient.WithPageSize(n)) }

// WithLookupBatch sets how many keys one lookup request carries at most.
func WithLookupBatch(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("WithLookupBatch: batch %d must be positive", n)
		}
		c.lookupBatch = n
		return nil
	}
}

// New returns a client for the service at baseURL, the URL the service documents including
// its version path (for example https://skolsystem.example/ss12000/v2).
func New(baseURL string, opts ...Option) (*Client, error) {
	cfg := config{lookupBatch: DefaultLookupBatch}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
			return nil, fmt.Errorf("ss12000: %w", err)
		}
	}
	core, err := apiclient.New(apiclient.Config{
		Name: "ss12000", BaseURL: baseURL, Settings: cfg.core,
		DefaultPageSize: DefaultPageSize, ErrorBody: decodeError,
	})
	if err != nil {
		return nil, err
	}
	return &Client{core: core, lookupBatch: cfg.lookupBatch}, nil
}

// BaseURL returns the service URL the client was made for.
func (c *Client) BaseURL() string { return c.core.BaseURL() }

// decodeError fills in the SS 12000 Error body ({code, message}).
func decodeError(e *APIError, body []byte) {
	var eb struct {
		Code    json.RawMessage `json:"code"`
		Message string          `json:"message"`
	}
	if json.Unmarshal(body, &eb) != nil {
		return
	}
	e.Code = strings.Trim(string(eb.Code), `"`)
	e.Message = eb.Message
}

// getJSON fetches path and decodes a single object into out.
func (c *Client) getJSON(ctx context.Context, path string, params any, out any) error {
	q, err := encodeQuery(params)
	if err != nil {
		return err
	}
	return c.getQuery(ctx, path, q, out)
}

// getQuery fetches path with query q and decodes the answer into out.
func (c *Client) getQuery(ctx context.Context, path string, q url.Values, out any) error {
	return c.core.Call(ctx, &apiclient.Request{Path: path, Query: q}, out)
}

// send posts (or patches) body and decodes the answer into out when out is not nil.
func (c *Client) send(ctx context.Context, method, path string, body, out any) error {
	return c.core.Call(ctx, &apiclient.Request{Method: method, Path: path, Body: body}, out)
}

// remove deletes the record at path.
func (c *Client) remove(ctx context.Context, path string) error {
	return c.core.Call(ctx, &apiclient.Request{Method: http.MethodDelete, Path: path}, nil)
}
