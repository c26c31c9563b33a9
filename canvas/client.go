package canvas

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"

	"golang.org/x/oauth2"

	"github.com/edusync/edusync/internal/apiclient"
	"github.com/edusync/edusync/internal/apiquery"
)

// DefaultPageSize is the page size (per_page) the iterators ask for: the largest most Canvas
// lists allow, so a listing takes the fewest round trips.
const DefaultPageSize = 100

// DefaultPrefetch is how many pages a listing reads ahead of the caller by default: the next
// page is requested as soon as the current page's headers arrive, while its body is decoded.
const DefaultPrefetch = 2

// DefaultMaxResponseBody is the cap on one answer's body unless WithMaxResponseBody sets
// another. Pages are decoded record by record as they arrive, so it bounds how much one page
// may send, not the memory a listing takes.
const DefaultMaxResponseBody = apiclient.DefaultMaxBody

// Client talks to one Canvas instance. It is safe for concurrent use; bulk work (RunBulk,
// EnrollMany) shares one adaptive throttle so the whole client stays inside Canvas's rate limit.
type Client struct {
	core        *apiclient.Client
	prefetch    int
	throttle    *throttle // nil when switched off
	maxBulk     int
	createTries int

	rolesMu sync.RWMutex
	roles   map[string]Role // resolved by label and by name
}

type config struct {
	core        apiclient.Settings
	prefetch    int
	throttle    ThrottleConfig
	noThrottle  bool
	createTries int
}

// Option configures a Client.
type Option func(*config) error

func coreOption(o apiclient.Option) Option { return func(c *config) error { return o(&c.core) } }

// WithHTTPClient uses hc as the base HTTP client; edusync wraps its transport with retries,
// throttling, logging and authentication.
func WithHTTPClient(hc *http.Client) Option { return coreOption(apiclient.WithHTTPClient(hc)) }

// WithLogger logs requests (at Debug) and retries (at Info) to l. URLs are redacted and the
// token never reaches the log.
func WithLogger(l *slog.Logger) Option { return coreOption(apiclient.WithLogger(l)) }

// WithRetry replaces the default retry policy (the zero RetryPolicy: 5 attempts, jittered
// exponential backoff from 200 ms, Retry-After honoured up to 2 minutes). Canvas's 403 "Rate
// Limit Exceeded" is always recognised as throttling, whatever the policy's RateLimited hook says.
func WithRetry(p RetryPolicy) Option { return coreOption(apiclient.WithRetry(p)) }

// WithoutRetry turns retries off: every failure, throttling included, reaches the caller at once.
func WithoutRetry() Option { return coreOption(apiclient.WithoutRetry()) }

// WithRateLimit keeps the client under perSecond requests on average, with bursts of burst, on
// top of the adaptive throttle.
func WithRateLimit(perSecond float64, burst int) Option {
	return coreOption(apiclient.WithRateLimit(perSecond, burst))
}

// WithMaxResponseBody caps how many bytes of one answer are read (default
// DefaultMaxResponseBody); a larger answer fails with a *BodyTooLargeError naming the cap.
func WithMaxResponseBody(n int64) Option { return coreOption(apiclient.WithMaxResponseBody(n)) }

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option { return coreOption(apiclient.WithUserAgent(ua)) }

// WithBearerToken authenticates with an access token (generated in a user's profile or issued
// through Canvas's OAuth2 flow), the way Canvas expects.
func WithBearerToken(token string) Option { return coreOption(apiclient.WithBearerToken(token)) }

// WithTokenSource authenticates with tokens from ts (for example Canvas's OAuth2 refresh flow).
// A token Canvas rejects (401) is replaced once, if ts hands out another.
func WithTokenSource(ts oauth2.TokenSource) Option {
	return coreOption(apiclient.WithTokenSource(ts))
}

// WithStrict makes decoding fail on the first record that does not decode, instead of
// returning the good records and a RecordError for each bad one.
func WithStrict() Option { return coreOption(apiclient.WithStrict()) }

// WithPageSize sets the page size (per_page) the iterators ask for (default DefaultPageSize,
// Canvas's usual maximum).
func WithPageSize(n int) Option { return coreOption(apiclient.WithPageSize(n)) }

// WithPrefetch sets how many pages a listing may read ahead of the caller (default 2). Zero
// turns pipelining off: each page is requested only after the previous one is decoded.
func WithPrefetch(n int) Option {
	return func(c *config) error {
		if n < 0 {
			return fmt.Errorf("WithPrefetch: %d must not be negative", n)
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
			return fmt.Errorf("WithCreateAttempts: %d must be positive", n)
		}
		c.createTries = n
		return nil
	}
}

// New returns a client for the Canvas API at baseURL, which ends in /api/v1
// (https://canvas.example.edu/api/v1). A base URL without a path gets /api/v1 appended.
func New(baseURL string, opts ...Option) (*Client, error) {
	cfg := config{prefetch: DefaultPrefetch, throttle: DefaultThrottle(), createTries: 5}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
			return nil, fmt.Errorf("canvas: %w", err)
		}
	}
	c := &Client{
		prefetch:    cfg.prefetch,
		maxBulk:     cfg.throttle.MaxConcurrency,
		createTries: cfg.createTries,
		roles:       map[string]Role{},
	}
	if !cfg.noThrottle {
		c.throttle = newThrottle(cfg.throttle)
	}
	core, err := apiclient.New(apiclient.Config{
		Name: "canvas", BaseURL: baseURL, DefaultPath: "/api/v1", Settings: cfg.core,
		DefaultPageSize: DefaultPageSize, ErrorBody: decodeError, JSON: decodeOpts, Marshal: marshalJSON,
		// Canvas's older throttling answer is a 403 whose body says so; it is retried like a 429
		// and never confused with a permission error.
		RateLimited: isThrottled,
		Wrap: func(next http.RoundTripper) http.RoundTripper {
			return &attemptTransport{next: next, throttle: c.throttle}
		},
	})
	if err != nil {
		return nil, err
	}
	c.core = core
	return c, nil
}

// BaseURL returns the API URL the client was made for (ending in /api/v1).
func (c *Client) BaseURL() string { return c.core.BaseURL() }

// do sends one request and returns the response for a 2xx answer; anything else becomes an
// *APIError. rawURL is either a path under the base URL (starting with "/") or an absolute
// URL from a Link header. body, when not nil, is sent as JSON (a rawBody as it is).
func (c *Client) do(ctx context.Context, method, rawURL string, query url.Values, body any, hdr http.Header) (*http.Response, error) {
	r := &apiclient.Request{Method: method, Path: rawURL, Query: query, Body: body, Header: hdr}
	if b, ok := body.(rawBody); ok {
		r.Body, r.ContentType = b.data, b.contentType
	}
	return c.core.Do(ctx, r)
}

// rawBody is a request body sent as is (SIS import files).
type rawBody struct {
	data        []byte
	contentType string
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
	return c.core.Decode(resp, path, out)
}

// send sends body with method and decodes the answer into out when out is not nil.
func (c *Client) send(ctx context.Context, method, path string, query url.Values, body, out any, hdr http.Header) error {
	resp, err := c.do(ctx, method, path, query, body, hdr)
	if err != nil {
		return err
	}
	return c.core.Decode(resp, path, out)
}
