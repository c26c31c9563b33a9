package canvas

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/edusync/edusync/internal/apiquery"
	"github.com/edusync/edusync/internal/httpx"
	"github.com/edusync/edusync/internal/redact"
)

// DefaultPerPage is the page size the iterators ask for: the largest most Canvas lists allow,
// so a listing takes the fewest round trips.
const DefaultPerPage = 100

// DefaultPrefetch is how many pages a listing reads ahead of the caller by default: the next
// page is requested as soon as the current page's headers arrive, while its body is decoded.
const DefaultPrefetch = 2

// Client talks to one Canvas instance. It is safe for concurrent use; bulk work (RunBulk,
// EnrollMany) shares one adaptive throttle so the whole client stays inside Canvas's rate limit.
type Client struct {
	base        string   // .../api/v1, without trailing slash
	origin      *url.URL // scheme and host of base, for checking Link URLs
	hc          *http.Client
	strict      bool
	perPage     int
	prefetch    int
	logger      *slog.Logger
	throttle    *throttle // nil when switched off
	maxBulk     int
	createTries int

	rolesMu sync.RWMutex
	roles   map[string]Role // resolved by label and by name
}

type config struct {
	http        httpx.Settings
	strict      bool
	perPage     int
	prefetch    int
	throttle    ThrottleConfig
	noThrottle  bool
	retrySet    bool
	createTries int
}

// Option configures a Client.
type Option func(*config) error

func httpOption(o httpx.Option) Option { return func(c *config) error { return o(&c.http) } }

// WithHTTPClient uses hc as the base HTTP client; edusync wraps its transport with retries,
// throttling, logging and authentication.
func WithHTTPClient(hc *http.Client) Option { return httpOption(httpx.WithHTTPClient(hc)) }

// WithLogger logs requests (at Debug) and retries (at Info) to l. URLs are redacted and the
// token never reaches the log.
func WithLogger(l *slog.Logger) Option { return httpOption(httpx.WithLogger(l)) }

// RetryPolicy says when and how often failed requests are repeated.
type RetryPolicy = httpx.RetryPolicy

// WithRetry replaces the default retry policy (6 attempts, jittered exponential backoff from
// 250 ms, Retry-After honoured up to 2 minutes). Canvas's 403 "Rate Limit Exceeded" is always
// recognised as throttling, whatever the policy's RateLimited hook says.
func WithRetry(p RetryPolicy) Option {
	return func(c *config) error {
		c.retrySet = true
		return httpx.WithRetry(p)(&c.http)
	}
}

// WithoutRetry turns retries off: every failure, throttling included, reaches the caller at once.
func WithoutRetry() Option { return httpOption(httpx.WithoutRetry()) }

// WithRateLimit keeps the client under perSecond requests on average, with bursts of burst, on
// top of the adaptive throttle.
func WithRateLimit(perSecond float64, burst int) Option {
	return httpOption(httpx.WithRateLimit(perSecond, burst))
}

// WithMaxResponseBody caps how many bytes of one response are read (default 256 MiB).
func WithMaxResponseBody(n int64) Option { return httpOption(httpx.WithMaxResponseBody(n)) }

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option { return httpOption(httpx.WithUserAgent(ua)) }

// WithBearerToken authenticates with an access token (generated in a user's profile or issued
// through Canvas's OAuth2 flow), the way Canvas expects.
func WithBearerToken(token string) Option { return httpOption(httpx.WithBearerToken(token)) }

// WithTokenSource authenticates with tokens from ts (for example Canvas's OAuth2 refresh flow).
func WithTokenSource(ts oauth2.TokenSource) Option { return httpOption(httpx.WithTokenSource(ts)) }

// WithStrict makes decoding fail on the first record that does not decode, instead of
// returning the good records and a RecordError for each bad one.
func WithStrict() Option {
	return func(c *config) error { c.strict = true; return nil }
}

// WithPerPage sets the page size the iterators ask for (default 100, Canvas's usual maximum).
func WithPerPage(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("canvas: per_page %d must be positive", n)
		}
		c.perPage = n
		return nil
	}
}

// WithPrefetch sets how many pages a listing may read ahead of the caller (default 2). Zero
// turns pipelining off: each page is requested only after the previous one is decoded.
func WithPrefetch(n int) Option {
	return func(c *config) error {
		if n < 0 {
			return fmt.Errorf("canvas: prefetch %d must not be negative", n)
		}
		c.prefetch = n
		return nil
	}
}

// WithCreateAttempts sets how often a create whose answer was lost is tried in total (default 5).
// Before each new try the client looks the object up by its SIS id or other key, so a create
// that was applied is never sent twice.
func WithCreateAttempts(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("canvas: create attempts %d must be positive", n)
		}
		c.createTries = n
		return nil
	}
}

// New returns a client for the Canvas API at baseURL, which ends in /api/v1
// (https://canvas.example.edu/api/v1). A base URL without a path gets /api/v1 appended.
func New(baseURL string, opts ...Option) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("canvas: base URL %q must be an absolute http(s) URL", baseURL)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("canvas: base URL %q must not have user info, a query or a fragment", baseURL)
	}
	if strings.Trim(u.Path, "/") == "" {
		u.Path = "/api/v1"
	}
	cfg := config{perPage: DefaultPerPage, prefetch: DefaultPrefetch, throttle: DefaultThrottle(), createTries: 5}
	cfg.http.Retry = defaultRetry()
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	// Canvas's older throttling answer is a 403 whose body says so; it must be retried like a 429
	// and never confused with a permission error.
	userHook := cfg.http.Retry.RateLimited
	cfg.http.Retry.RateLimited = func(r *http.Response) bool {
		return isThrottled(r) || (userHook != nil && userHook(r))
	}
	c := &Client{
		base:        strings.TrimRight(u.String(), "/"),
		origin:      &url.URL{Scheme: u.Scheme, Host: u.Host},
		strict:      cfg.strict,
		perPage:     cfg.perPage,
		prefetch:    cfg.prefetch,
		logger:      cfg.http.Logger,
		maxBulk:     cfg.throttle.MaxConcurrency,
		createTries: cfg.createTries,
		roles:       map[string]Role{},
	}
	if !cfg.noThrottle {
		c.throttle = newThrottle(cfg.throttle)
	}
	cfg.http.Wrap = func(next http.RoundTripper) http.RoundTripper {
		return &attemptTransport{next: next, throttle: c.throttle}
	}
	hc, err := cfg.http.Build()
	if err != nil {
		return nil, fmt.Errorf("canvas: %w", err)
	}
	c.hc = hc
	return c, nil
}

func defaultRetry() RetryPolicy {
	return RetryPolicy{MaxAttempts: 6, BaseDelay: 250 * time.Millisecond, MaxDelay: 20 * time.Second}
}

// BaseURL returns the API URL the client was made for (ending in /api/v1).
func (c *Client) BaseURL() string { return c.base }

// APIError is an answer with a non-2xx status. Message holds Canvas's error message(s) when the
// body had any. Use errors.As to inspect it and errors.Is with the Err* values.
type APIError = httpx.APIError

// Errors for errors.Is; an *APIError matches the one of its status. A throttled request (403
// "Rate Limit Exceeded" or 429) matches ErrRateLimited and not ErrForbidden.
var (
	ErrBadRequest   = httpx.ErrBadRequest   // 400
	ErrUnauthorized = httpx.ErrUnauthorized // 401, for example an expired or revoked token
	ErrForbidden    = httpx.ErrForbidden    // 403 that is not throttling: missing permission
	ErrNotFound     = httpx.ErrNotFound     // 404
	ErrConflict     = httpx.ErrConflict     // 409
	ErrRateLimited  = httpx.ErrRateLimited  // 429, or 403 Rate Limit Exceeded
	ErrServer       = httpx.ErrServer       // 5xx
	ErrBodyTooLarge = httpx.ErrBodyTooLarge // response larger than WithMaxResponseBody
)

// do sends one request and returns the response for a 2xx answer; anything else becomes an
// *APIError. rawURL is either a path under the base URL (starting with "/") or an absolute
// URL from a Link header. body, when not nil, is sent as JSON.
func (c *Client) do(ctx context.Context, method, rawURL string, query url.Values, body any, hdr http.Header) (*http.Response, error) {
	u := rawURL
	if strings.HasPrefix(rawURL, "/") {
		u = c.base + rawURL
	}
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var rd io.Reader
	var contentType string
	switch b := body.(type) {
	case nil:
	case rawBody:
		rd, contentType = bytes.NewReader(b.data), b.contentType
	default:
		data, err := marshalJSON(body)
		if err != nil {
			return nil, fmt.Errorf("canvas: encoding %s body: %w", method, err)
		}
		rd, contentType = bytes.NewReader(data), "application/json"
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, fmt.Errorf("canvas: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, vs := range hdr {
		req.Header[k] = vs
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		// *url.Error repeats the full URL, SIS ids (which may be personal numbers) included;
		// keep its cause and name the URL redacted instead.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("canvas: %s %s: %w", method, redactedPath(req.URL), err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, httpx.ReadError(resp, decodeError)
	}
	return resp, nil
}

// rawBody is a request body sent as is (SIS import files).
type rawBody struct {
	data        []byte
	contentType string
}

// readBody reads a whole response body, sized by Content-Length when the server sent one.
func readBody(resp *http.Response) ([]byte, error) {
	var buf bytes.Buffer
	return readBodyInto(resp, &buf)
}

// readBodyInto reads a whole response body into buf (reset first) and returns its bytes, which
// stay valid until buf is used again.
func readBodyInto(resp *http.Response, buf *bytes.Buffer) ([]byte, error) {
	defer resp.Body.Close()
	buf.Reset()
	if n := resp.ContentLength; n > 0 && n < 1<<30 {
		buf.Grow(int(n) + bytes.MinRead)
	}
	_, err := buf.ReadFrom(resp.Body)
	return buf.Bytes(), err
}

// Page bodies are read into pooled buffers: a listing of 50,000 enrolments reads about 70 MB,
// and decoding copies what it keeps, so the buffers can be reused at once.
var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func getBuf() *bytes.Buffer { return bufPool.Get().(*bytes.Buffer) }

func putBuf(b *bytes.Buffer) {
	if b.Cap() > 16<<20 { // let giant buffers go
		return
	}
	bufPool.Put(b)
}

func encodeQuery(params any) (url.Values, error) {
	q, err := apiquery.Encode(params)
	if err != nil {
		return nil, fmt.Errorf("canvas: %w", err)
	}
	return q, nil
}

// getJSON fetches path with the query of params and decodes the single object answered into out.
func (c *Client) getJSON(ctx context.Context, path string, params any, out any) error {
	q, err := encodeQuery(params)
	if err != nil {
		return err
	}
	resp, err := c.do(ctx, http.MethodGet, path, q, nil, nil)
	if err != nil {
		return err
	}
	return decodeInto(resp, path, out)
}

// send sends body with method and decodes the answer into out when out is not nil.
func (c *Client) send(ctx context.Context, method, path string, query url.Values, body, out any, hdr http.Header) error {
	resp, err := c.do(ctx, method, path, query, body, hdr)
	if err != nil {
		return err
	}
	return decodeInto(resp, path, out)
}

func decodeInto(resp *http.Response, path string, out any) error {
	b, err := readBody(resp)
	if err != nil {
		return fmt.Errorf("canvas: reading %s: %w", path, err)
	}
	if out == nil || len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	if err := unmarshalJSON(b, out); err != nil {
		return &DecodeError{Path: path, Err: err}
	}
	return nil
}

// DecodeError is a response body that is not the JSON the spec describes.
type DecodeError struct {
	Path string // the redacted URL or path that answered
	Err  error  // the decoder's complaint (never the body)
}

// Error says which path answered with what could not be decoded (never the body itself;
// personal numbers the decoder's complaint may quote are masked).
func (e *DecodeError) Error() string {
	return "canvas: decoding " + e.Path + ": " + redact.PersonalNumbers(e.Err.Error())
}

// Unwrap returns the decoder's error.
func (e *DecodeError) Unwrap() error { return e.Err }
