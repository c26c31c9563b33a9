package wiseflow

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-json-experiment/json/jsontext"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/edusync/edusync/internal/apiclient"
	"github.com/edusync/edusync/internal/redact"
)

// The WISEflow API's base URLs (Europe).
const (
	ProductionURL = "https://europe-api.wiseflow.net/v1"
	StagingURL    = "https://europe-stage-api.wiseflow.net/v1"
)

// MaxPageSize is the most records WISEflow answers per page (limit); the iterators ask for it.
const MaxPageSize = 100

// MaxListRecords is the most records one answer may hold, a page or a whole list (a flow's
// assessments or explanation requests, a submission's files, the webhooks). An answer with
// more is refused with a *DecodeError rather than held in memory: no flow has that many
// participants, and a server that sends an endless list is broken.
const MaxListRecords = 100_000

// TokenPath is the token endpoint's path under the base URL.
const TokenPath = "/oauth2/token"

// Client talks to the WISEflow API of one licence. It is safe for concurrent use: all calls
// share one throttle, so the client as a whole keeps within the licence's rate limits.
type Client struct {
	core     *apiclient.Client
	throttle *throttle // nil: WithoutThrottle
	download *http.Client
}

type config struct {
	core       apiclient.Settings
	httpClient *http.Client
	clientID   string
	secret     string
	tokenURL   string
	noThrottle bool
}

// Option configures a Client.
type Option func(*config) error

func coreOption(o apiclient.Option) Option { return func(c *config) error { return o(&c.core) } }

// WithHTTPClient uses hc as the base HTTP client: its transport is wrapped with retries,
// throttling, logging and authentication; file downloads (OpenFile) use it as it is, without
// credentials, since download links point to object storage.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error {
		if err := apiclient.WithHTTPClient(hc)(&c.core); err != nil {
			return err
		}
		c.httpClient = hc
		return nil
	}
}

// WithLogger logs requests (Debug) and retries (Info) to l. URLs are redacted; tokens, the
// client secret and the API key never reach the log.
func WithLogger(l *slog.Logger) Option { return coreOption(apiclient.WithLogger(l)) }

// WithRetry replaces the retry policy (the zero RetryPolicy: 5 attempts, jittered backoff from
// 200 ms, Retry-After honoured up to 2 minutes). A 429 is retried after RateLimit-Reset.
func WithRetry(p RetryPolicy) Option { return coreOption(apiclient.WithRetry(p)) }

// WithoutRetry turns retries off: every failure, a 429 included, reaches the caller at once.
func WithoutRetry() Option { return coreOption(apiclient.WithoutRetry()) }

// WithRateLimit adds a fixed client-side limit of perSecond requests on average with bursts of
// burst, on top of the throttle that follows WISEflow's own limits (for sharing one credential
// set between programs).
func WithRateLimit(perSecond float64, burst int) Option {
	return coreOption(apiclient.WithRateLimit(perSecond, burst))
}

// WithoutThrottle turns off the throttle that follows WISEflow's rate-limit headers: requests
// go out as the caller makes them and a 429 is only retried.
func WithoutThrottle() Option { return func(c *config) error { c.noThrottle = true; return nil } }

// WithMaxResponseBody caps one answer's body (default 64 MiB; pages are decoded as they arrive,
// so the cap bounds what one page may send, not memory). File downloads are not capped.
func WithMaxResponseBody(n int64) Option { return coreOption(apiclient.WithMaxResponseBody(n)) }

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option { return coreOption(apiclient.WithUserAgent(ua)) }

// WithPageSize sets how many records the iterators ask for per page (default and most: 100).
func WithPageSize(n int) Option { return coreOption(apiclient.WithPageSize(n)) }

// WithStrict makes a listing fail on the first record that does not decode instead of
// delivering the good ones and a RecordError for each bad one.
func WithStrict() Option { return coreOption(apiclient.WithStrict()) }

// WithClientCredentials authenticates with the client id and secret of an API token made on
// the licence administration page: POST /oauth2/token with both in the form body
// (client_secret_post), tokens valid for one hour, renewed shortly before they expire and once
// more when the service refuses one. The token endpoint is the base URL's (WithTokenURL moves it).
func WithClientCredentials(clientID, clientSecret string) Option {
	return func(c *config) error {
		if clientID == "" || clientSecret == "" {
			return errors.New("WithClientCredentials: client id and secret are required")
		}
		c.clientID, c.secret = clientID, clientSecret
		return nil
	}
}

// WithTokenURL sets the token endpoint for WithClientCredentials (default: the base URL
// followed by /oauth2/token).
func WithTokenURL(tokenURL string) Option {
	return func(c *config) error {
		u, err := url.Parse(tokenURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return errors.New("WithTokenURL: the token URL must be an absolute http(s) URL")
		}
		c.tokenURL = tokenURL
		return nil
	}
}

// WithAPIKey authenticates with the older x-api-key header instead of OAuth2. The key is a
// secret: it is masked wherever a server echoes it.
func WithAPIKey(key string) Option {
	return func(c *config) error {
		if key == "" {
			return errors.New("WithAPIKey: empty key")
		}
		return apiclient.WithHeader("x-api-key", key)(&c.core)
	}
}

// WithBearerToken sends a fixed bearer token (one fetched elsewhere); it is never renewed.
func WithBearerToken(token string) Option { return coreOption(apiclient.WithBearerToken(token)) }

// WithTokenSource authenticates with tokens from ts (any golang.org/x/oauth2 flow).
func WithTokenSource(ts oauth2.TokenSource) Option { return coreOption(apiclient.WithTokenSource(ts)) }

// New returns a client for the WISEflow API at baseURL (ProductionURL, StagingURL, or a fake's
// URL); a base URL without a path gets /v1. Authenticate with WithClientCredentials (OAuth2,
// the current way) or WithAPIKey (the older header). There are no client-certificate options:
// WISEflow authenticates by token or key alone.
func New(baseURL string, opts ...Option) (*Client, error) {
	var cfg config
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
			return nil, fmt.Errorf("wiseflow: %w", err)
		}
	}
	if cfg.clientID != "" {
		tokenURL := cfg.tokenURL
		if tokenURL == "" {
			tokenURL = normalBase(baseURL) + TokenPath
		}
		cc := &clientcredentials.Config{ClientID: cfg.clientID, ClientSecret: cfg.secret, TokenURL: tokenURL,
			AuthStyle: oauth2.AuthStyleInParams}
		name := "client credentials at " + redactedURL(tokenURL)
		tokenPath := tokenURL
		if u, err := url.Parse(tokenURL); err == nil {
			tokenPath = u.Path
		}
		err := apiclient.WithTokenFunc(name, func(tc apiclient.TokenContext) (*oauth2.Token, error) {
			tok, err := cc.Token(tc.Context())
			var refused *oauth2.RetrieveError
			var failed *url.Error
			if err != nil && !errors.As(err, &refused) && !errors.As(err, &failed) && tc.Context().Err() == nil {
				// A 2xx answer that is no token (not JSON, no access_token): broken, not a refusal.
				return nil, &DecodeError{Path: tokenPath, Err: err}
			}
			return tok, err
		}, cfg.secret)(&cfg.core)
		if err != nil {
			return nil, fmt.Errorf("wiseflow: %w", err)
		}
	}
	c := &Client{download: cfg.httpClient}
	if c.download == nil {
		c.download = &http.Client{}
	}
	if !cfg.noThrottle {
		c.throttle = newThrottle(time.Now)
	}
	core, err := apiclient.New(apiclient.Config{
		Name: "wiseflow", BaseURL: baseURL, DefaultPath: "/v1", Settings: cfg.core,
		DefaultPageSize: MaxPageSize, MaxPageSize: MaxPageSize,
		ErrorBody: decodeError, Classify: classify,
		Wrap: func(next http.RoundTripper) http.RoundTripper {
			if c.throttle == nil {
				return next
			}
			return &throttleTransport{next: next, t: c.throttle}
		},
	})
	if err != nil {
		return nil, err
	}
	c.core = core
	return c, nil
}

// normalBase is the base URL as the core will use it (a /v1 path when it has none, no trailing
// slash), for the token endpoint's default.
func normalBase(base string) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	if strings.Trim(u.Path, "/") == "" {
		u.Path = "/v1"
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u.String()
}

func redactedURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(invalid URL)"
	}
	return strings.TrimSuffix(redact.URL(u), "?")
}

// BaseURL returns the API URL the client was made for (ending in /v1).
func (c *Client) BaseURL() string { return c.core.BaseURL() }

// id renders an id for a path.
func id(n int64) string { return strconv.FormatInt(n, 10) }

// checkID refuses ids WISEflow never gives out before a request is made.
func checkID(what string, n int64) error {
	if n <= 0 {
		return fmt.Errorf("wiseflow: %s %d is not a WISEflow id", what, n)
	}
	return nil
}

// envelope is the newer endpoints' answer: {success, data, error, pagination}.
type envelope[T any] struct {
	Success *bool        `json:"success"`
	Data    T            `json:"data"`
	Error   *ErrorDetail `json:"error"`
}

// failed reports whether an envelope says the request failed: success false, or, without a
// success member, an error with an error code.
func failed(success *bool, detail *ErrorDetail) bool {
	if success != nil {
		return !*success
	}
	return detail != nil && detail.Code >= 400
}

// callEnvelope sends r and decodes the envelope's data into out; an envelope that says the
// request failed is an error (see envelopeFailure).
func callEnvelope[T any](ctx context.Context, c *Client, r *apiclient.Request, out *T) (*http.Response, error) {
	resp, err := c.core.Do(ctx, r)
	if err != nil {
		return nil, err
	}
	var env envelope[T]
	if err := c.core.Decode(resp, r.Path, &env); err != nil {
		return nil, err
	}
	if failed(env.Success, env.Error) {
		method := r.Method
		if method == "" {
			method = http.MethodGet
		}
		return nil, c.envelopeFailure(resp, method, r.Path, env.Error)
	}
	*out = env.Data
	return resp, nil
}

// callBare sends r and decodes a bare object answer into out. An envelope that says the
// request failed is an error here too (a gateway, or a newer version of the endpoint, may
// answer one with a 2xx status): read as the record it would be an empty one.
func callBare(ctx context.Context, c *Client, r *apiclient.Request, out any) (*http.Response, error) {
	resp, err := c.core.Do(ctx, r)
	if err != nil {
		return nil, err
	}
	var raw jsontext.Value
	if err := c.core.Decode(resp, r.Path, &raw); err != nil || raw == nil {
		return resp, err
	}
	var probe struct {
		Success *bool        `json:"success"`
		Error   *ErrorDetail `json:"error"`
	}
	if raw.Kind() == '{' && c.core.Unmarshal(raw, &probe) == nil && failed(probe.Success, probe.Error) {
		return nil, c.envelopeFailure(resp, cmp.Or(r.Method, http.MethodGet), r.Path, probe.Error)
	}
	if err := c.core.Unmarshal(raw, out); err != nil {
		return nil, c.core.DecodeError(r.Path, err)
	}
	return resp, nil
}
