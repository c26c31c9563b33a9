package ss12000

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/oauth2"

	"github.com/edusync/edusync/internal/httpx"
)

// DefaultPageSize is the limit the iterators ask for when the caller sets none: large pages
// cut round trips, and every service we know accepts a thousand records per page.
const DefaultPageSize = 1000

// DefaultLookupBatch is how many keys one lookup request carries before the client splits it.
const DefaultLookupBatch = 100

// Client talks to one SS 12000 service. It is safe for concurrent use.
type Client struct {
	base        string // without trailing slash
	hc          *http.Client
	strict      bool
	pageSize    int
	lookupBatch int
	logger      *slog.Logger
}

type config struct {
	http        httpx.Settings
	strict      bool
	pageSize    int
	lookupBatch int
}

// Option configures a Client.
type Option func(*config) error

func httpOption(o httpx.Option) Option { return func(c *config) error { return o(&c.http) } }

// WithHTTPClient uses hc as the base HTTP client; edusync wraps its transport with retries,
// logging and authentication.
func WithHTTPClient(hc *http.Client) Option { return httpOption(httpx.WithHTTPClient(hc)) }

// WithLogger logs requests (at Debug) and retries (at Info) to l. URLs are redacted: tokens and
// personal numbers never reach the log.
func WithLogger(l *slog.Logger) Option { return httpOption(httpx.WithLogger(l)) }

// RetryPolicy says when and how often failed requests are repeated.
type RetryPolicy = httpx.RetryPolicy

// WithRetry replaces the default retry policy (5 attempts, jittered exponential backoff from
// 200 ms, Retry-After honoured up to 2 minutes).
func WithRetry(p RetryPolicy) Option { return httpOption(httpx.WithRetry(p)) }

// WithoutRetry turns retries off.
func WithoutRetry() Option { return httpOption(httpx.WithoutRetry()) }

// WithRateLimit keeps the client under perSecond requests on average, with bursts of burst.
func WithRateLimit(perSecond float64, burst int) Option {
	return httpOption(httpx.WithRateLimit(perSecond, burst))
}

// WithMaxResponseBody caps how many bytes of one response are read (default 256 MiB).
func WithMaxResponseBody(n int64) Option { return httpOption(httpx.WithMaxResponseBody(n)) }

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option { return httpOption(httpx.WithUserAgent(ua)) }

// WithBearerToken authenticates with a fixed bearer token.
func WithBearerToken(token string) Option { return httpOption(httpx.WithBearerToken(token)) }

// WithTokenSource authenticates with tokens from ts (any golang.org/x/oauth2 flow).
func WithTokenSource(ts oauth2.TokenSource) Option { return httpOption(httpx.WithTokenSource(ts)) }

// WithClientCredentials authenticates with the OAuth2 client-credentials grant against tokenURL.
func WithClientCredentials(tokenURL, clientID, clientSecret string, scopes ...string) Option {
	return httpOption(httpx.WithClientCredentials(tokenURL, clientID, clientSecret, scopes...))
}

// WithAPIKey sends an API key in the named header (for services behind an API gateway).
func WithAPIKey(header, key string) Option { return httpOption(httpx.WithHeader(header, key)) }

// WithClientCertificate presents cert in the TLS handshake (mutual TLS). It combines with the
// token options: some services want both.
func WithClientCertificate(cert tls.Certificate) Option {
	return httpOption(httpx.WithClientCertificate(cert))
}

// WithRootCAs trusts pool instead of the system roots.
func WithRootCAs(pool *x509.CertPool) Option { return httpOption(httpx.WithRootCAs(pool)) }

// WithStrict makes decoding fail on the first record that does not decode, instead of
// returning the good records and a RecordError for each bad one.
func WithStrict() Option {
	return func(c *config) error { c.strict = true; return nil }
}

// WithPageSize sets the limit the iterators ask for when the caller's parameters set none.
func WithPageSize(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("ss12000: page size %d must be positive", n)
		}
		c.pageSize = n
		return nil
	}
}

// WithLookupBatch sets how many keys one lookup request carries at most.
func WithLookupBatch(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("ss12000: lookup batch %d must be positive", n)
		}
		c.lookupBatch = n
		return nil
	}
}

// New returns a client for the service at baseURL, the URL the service documents including
// its version path (for example https://skolsystem.example/ss12000/v2).
func New(baseURL string, opts ...Option) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("ss12000: base URL %q must be an absolute http(s) URL", baseURL)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("ss12000: base URL %q must not have a query or fragment", baseURL)
	}
	cfg := config{pageSize: DefaultPageSize, lookupBatch: DefaultLookupBatch}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	hc, err := cfg.http.Build()
	if err != nil {
		return nil, fmt.Errorf("ss12000: %w", err)
	}
	return &Client{
		base:        strings.TrimRight(u.String(), "/"),
		hc:          hc,
		strict:      cfg.strict,
		pageSize:    cfg.pageSize,
		lookupBatch: cfg.lookupBatch,
		logger:      cfg.http.Logger,
	}, nil
}

// BaseURL returns the service URL the client was made for.
func (c *Client) BaseURL() string { return c.base }

// APIError is an answer with a non-2xx status. Code and Message come from the service's
// Error body when it sent one. Use errors.As to inspect it and errors.Is with the Err* values.
type APIError = httpx.APIError

// Errors for errors.Is; an *APIError matches the one of its status.
var (
	ErrBadRequest   = httpx.ErrBadRequest   // 400
	ErrUnauthorized = httpx.ErrUnauthorized // 401
	ErrForbidden    = httpx.ErrForbidden    // 403
	ErrNotFound     = httpx.ErrNotFound     // 404
	ErrConflict     = httpx.ErrConflict     // 409
	ErrGone         = httpx.ErrGone         // 410, for example an expired pageToken
	ErrTooLarge     = httpx.ErrTooLarge     // 413, for example a lookup with too many ids
	ErrRateLimited  = httpx.ErrRateLimited  // 429
	ErrServer       = httpx.ErrServer       // 5xx
	ErrBodyTooLarge = httpx.ErrBodyTooLarge // response larger than WithMaxResponseBody
)

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

// do sends one request and returns the response for a 2xx answer; anything else becomes an
// *APIError. body, when not nil, is sent as JSON.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, body any) (*http.Response, error) {
	u := c.base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("ss12000: encoding %s body: %w", path, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, fmt.Errorf("ss12000: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("ss12000: %s %s: %w", method, path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, httpx.ReadError(resp, decodeError)
	}
	return resp, nil
}

// readBody reads a whole response body, sized by Content-Length when the server sent one.
func readBody(resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	var buf bytes.Buffer
	if n := resp.ContentLength; n > 0 && n < 1<<30 {
		buf.Grow(int(n) + bytes.MinRead)
	}
	_, err := buf.ReadFrom(resp.Body)
	return buf.Bytes(), err
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
	resp, err := c.do(ctx, http.MethodGet, path, q, nil)
	if err != nil {
		return err
	}
	b, err := readBody(resp)
	if err != nil {
		return fmt.Errorf("ss12000: reading %s: %w", path, err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		return &DecodeError{Path: path, Err: err}
	}
	return nil
}

// send posts (or patches) body and decodes the answer into out when out is not nil.
func (c *Client) send(ctx context.Context, method, path string, body, out any) error {
	resp, err := c.do(ctx, method, path, nil, body)
	if err != nil {
		return err
	}
	b, err := readBody(resp)
	if err != nil {
		return fmt.Errorf("ss12000: reading %s: %w", path, err)
	}
	if out == nil || len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return &DecodeError{Path: path, Err: err}
	}
	return nil
}

// remove deletes the record at path.
func (c *Client) remove(ctx context.Context, path string) error {
	resp, err := c.do(ctx, http.MethodDelete, path, nil, nil)
	if err != nil {
		return err
	}
	_, err = readBody(resp)
	return err
}

// DecodeError is a response body that is not the JSON the spec describes.
type DecodeError struct {
	Path string
	Err  error
}

// Error names the endpoint and the decoder's complaint.
func (e *DecodeError) Error() string {
	return "ss12000: decoding " + e.Path + ": " + e.Err.Error()
}

// Unwrap returns the decoder's error.
func (e *DecodeError) Unwrap() error { return e.Err }
