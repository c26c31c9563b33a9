package inspera

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/edusync/edusync/internal/apiclient"
	"github.com/edusync/edusync/internal/redact"
)

// DefaultPageSize is how many tests a search page asks for when WithPageSize sets none.
const DefaultPageSize = 100

// MaxPageSize is the largest search page openapi/inspera.yaml allows.
const MaxPageSize = 500

// MaxListRecords is the most records one answer may hold: a test's candidates, its
// explanations, a search page. An answer with more is refused with a *DecodeError rather than
// held in memory: no exam has that many candidates, and a server that sends an endless list is
// broken.
const MaxListRecords = 100_000

// DefaultMaxResponseBody caps one answer's body unless WithMaxResponseBody sets another. A test
// is read candidate by candidate as it arrives, so the cap bounds how long one answer may
// stream, not the memory it takes.
const DefaultMaxResponseBody = apiclient.DefaultMaxBody

// DefaultMaxDownload caps one downloaded file (a thesis with its appendices) unless
// WithMaxDownload sets another. Downloads stream; the cap only ends a download that never does.
const DefaultMaxDownload = 16 << 30

// DefaultTokenLifetime is how long a token is taken to live when the token endpoint's answer
// says nothing (Inspera's tokens live an hour).
const DefaultTokenLifetime = time.Hour

// Client talks to one Inspera Assessment tenant. It is safe for concurrent use.
type Client struct {
	core        *apiclient.Client
	maxDownload int64
	principal   [32]byte // a digest of the API key and tenant; zero when the key is not known
}

type config struct {
	core           apiclient.Settings
	maxDownload    int64
	tenant, apiKey string // WithAPIKey's, turned into a token function by New
}

// Option configures a Client.
type Option func(*config) error

func coreOption(o apiclient.Option) Option { return func(c *config) error { return o(&c.core) } }

// WithAPIKey authenticates the way Inspera does: the API key of an Inspera user (with extended
// access) is exchanged at POST {base}/authenticate/token/ (the key in the code header,
// grant_type=authorization_code, client_id the tenant) for an access token that lives about an
// hour. The client keeps the token until shortly before expires_in runs out and fetches a new
// one once more when the API rejects one (401). The key and the tokens never appear in an
// error or a log line.
//
// Every call is made as the key's user, and Inspera sends no webhook events to that user's
// subscriptions about its own actions: subscribe with another user's key than the one that
// writes (see inspera/insperahook.Subscribe).
func WithAPIKey(tenant, apiKey string) Option {
	return func(c *config) error {
		if tenant == "" || apiKey == "" {
			return errors.New("WithAPIKey: tenant (client_id) and API key are required")
		}
		c.tenant, c.apiKey = tenant, apiKey
		c.core.Auth = nil // New sets it, knowing where the token endpoint is
		return nil
	}
}

// WithTokenSource authenticates with bearer tokens from ts instead of an API key (a host that
// fetches Inspera tokens itself). A token the API rejects (401) is replaced once, if ts hands
// out another.
func WithTokenSource(ts oauth2.TokenSource) Option {
	return func(c *config) error {
		c.tenant, c.apiKey = "", ""
		return apiclient.WithTokenSource(ts)(&c.core)
	}
}

// WithHTTPClient uses hc as the base HTTP client; its transport is wrapped with retries,
// logging and authentication. Token requests and downloads go through it too.
func WithHTTPClient(hc *http.Client) Option { return coreOption(apiclient.WithHTTPClient(hc)) }

// WithLogger logs requests (at Debug) and retries (at Info) to l. The API key, tokens, download
// links' signatures and identity numbers never reach the log.
func WithLogger(l *slog.Logger) Option { return coreOption(apiclient.WithLogger(l)) }

// WithRetry replaces the default retry policy (the zero RetryPolicy: 5 attempts, jittered
// exponential backoff from 200 ms, Retry-After honoured up to 2 minutes). Reads, and the writes
// that set a state (options, explanation requests, appeals, committees), are retried after
// server errors and lost connections; subscriptions are re-read before being sent again; file
// export orders are not retried.
func WithRetry(p RetryPolicy) Option { return coreOption(apiclient.WithRetry(p)) }

// WithoutRetry turns retries off.
func WithoutRetry() Option { return coreOption(apiclient.WithoutRetry()) }

// WithRateLimit keeps the client under perSecond requests on average, with bursts of burst
// (Inspera's API policy asks integrations to spread their load).
func WithRateLimit(perSecond float64, burst int) Option {
	return coreOption(apiclient.WithRateLimit(perSecond, burst))
}

// WithMaxResponseBody caps how many bytes of one answer are read (default
// DefaultMaxResponseBody); a larger answer fails with a *BodyTooLargeError naming the cap.
func WithMaxResponseBody(n int64) Option { return coreOption(apiclient.WithMaxResponseBody(n)) }

// WithMaxDownload caps one downloaded file (default DefaultMaxDownload).
func WithMaxDownload(n int64) Option {
	return func(c *config) error {
		if n <= 0 {
			return fmt.Errorf("WithMaxDownload: %d must be positive", n)
		}
		c.maxDownload = n
		return nil
	}
}

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option { return coreOption(apiclient.WithUserAgent(ua)) }

// WithClientCertificate presents cert in the TLS handshake, for tenants behind a gateway that
// wants one.
func WithClientCertificate(cert tls.Certificate) Option {
	return coreOption(apiclient.WithClientCertificate(cert))
}

// WithRootCAs trusts pool instead of the system roots.
func WithRootCAs(pool *x509.CertPool) Option { return coreOption(apiclient.WithRootCAs(pool)) }

// WithStrict makes decoding fail on the first record that does not decode (a candidate of a
// test, a test of a search page) instead of returning the good ones and a RecordError for each
// bad one.
func WithStrict() Option { return coreOption(apiclient.WithStrict()) }

// WithPageSize sets how many tests a search page asks for (default DefaultPageSize, at most
// MaxPageSize).
func WithPageSize(n int) Option { return coreOption(apiclient.WithPageSize(n)) }

// New returns a client for the tenant at baseURL, https://<tenant>.inspera.no/api (a base URL
// without a path gets /api). Authenticate with WithAPIKey (or WithTokenSource); there is no
// Basic or fixed-token option, since Inspera knows only its own token grant.
func New(baseURL string, opts ...Option) (*Client, error) {
	cfg := config{maxDownload: DefaultMaxDownload}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
			return nil, fmt.Errorf("inspera: %w", err)
		}
	}
	var principal [32]byte
	if cfg.apiKey != "" {
		tokenURL, err := tokenEndpoint(baseURL)
		if err != nil {
			return nil, fmt.Errorf("inspera: %w", err)
		}
		tenant, key := cfg.tenant, cfg.apiKey
		fetch := func(tc apiclient.TokenContext) (*oauth2.Token, error) {
			return fetchToken(tc, tokenURL, tenant, key)
		}
		if err := apiclient.WithTokenFunc("the API key at "+redact.URL(tokenURL), fetch, key)(&cfg.core); err != nil {
			return nil, fmt.Errorf("inspera: %w", err)
		}
		principal = sha256.Sum256([]byte(tenant + "\x00" + key))
	}
	core, err := apiclient.New(apiclient.Config{
		Name: "inspera", BaseURL: baseURL, DefaultPath: "/api", Settings: cfg.core,
		DefaultPageSize: DefaultPageSize, MaxPageSize: MaxPageSize,
		ErrorBody: decodeError, Classify: classify,
	})
	if err != nil {
		return nil, err
	}
	return &Client{core: core, maxDownload: cfg.maxDownload, principal: principal}, nil
}

// BaseURL returns the API root the client was made for.
func (c *Client) BaseURL() string { return c.core.BaseURL() }

// SameUser reports whether a and b were made with the same API key for the same tenant, so
// that they act as the same Inspera user. It is false when either authenticates otherwise
// (the user is then unknown).
func SameUser(a, b *Client) bool {
	return a != nil && b != nil && a.principal != [32]byte{} && a.principal == b.principal
}

// tokenEndpoint returns {base}/authenticate/token/ for the base URL as New will read it.
func tokenEndpoint(baseURL string) (*url.URL, error) {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("base URL %q must be an absolute http(s) URL", redact.Text(baseURL))
	}
	p := strings.TrimRight(u.Path, "/")
	if p == "" {
		p = "/api"
	}
	return &url.URL{Scheme: u.Scheme, Host: u.Host, Path: p + "/authenticate/token/"}, nil
}

// maxTokenAnswer caps the token endpoint's answer.
const maxTokenAnswer = 64 << 10

// fetchToken exchanges the API key for a token. A refusal becomes a *TokenError with the status
// and the OAuth2 error code, never the answer's text.
func fetchToken(tc apiclient.TokenContext, tokenURL *url.URL, tenant, key string) (*oauth2.Token, error) {
	form := url.Values{"grant_type": {"authorization_code"}, "client_id": {tenant}}
	req, err := http.NewRequestWithContext(tc.Context(), http.MethodPost, tokenURL.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("code", key)
	resp, err := tc.HTTP.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxTokenAnswer))
	if err != nil {
		return nil, err
	}
	var answer struct {
		AccessToken string          `json:"access_token"`
		TokenType   string          `json:"token_type"`
		ExpiresIn   json.Number     `json:"expires_in"`
		Error       json.RawMessage `json:"error"`
	}
	_ = json.Unmarshal(body, &answer)
	if resp.StatusCode != http.StatusOK {
		status := resp.Status
		var code string
		if json.Unmarshal(answer.Error, &code) == nil && code != "" {
			status += ", error " + redact.Printable(redact.Text(code), 64)
		}
		return nil, &TokenError{Status: redact.Printable(status, 160), StatusCode: resp.StatusCode}
	}
	if answer.AccessToken == "" {
		return nil, &DecodeError{Path: tokenURL.Path, Err: errors.New("the token endpoint's answer holds no access_token")}
	}
	life := DefaultTokenLifetime
	if n, err := answer.ExpiresIn.Int64(); err == nil && n > 0 && n < 1<<31 {
		life = time.Duration(n) * time.Second
	}
	return &oauth2.Token{AccessToken: answer.AccessToken, TokenType: "Bearer", Expiry: time.Now().Add(life)}, nil
}
