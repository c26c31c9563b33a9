package schulconnex

import (
	"bytes"
	"context"
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
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/edusync/edusync/internal/apiquery"
	"github.com/edusync/edusync/internal/httpx"
	"github.com/edusync/edusync/internal/rawjson"
)

// Client talks to one Schulconnex service as a source system. It is safe for concurrent use.
type Client struct {
	base   string // without trailing slash
	hc     *http.Client
	auth   *authenticator
	strict bool
	logger *slog.Logger
	now    func() time.Time

	// shared remembers the ids of persons and contexts this client has seen released by another
	// organisation (sichtfreigabe Ja), so that no write to them is ever sent.
	sharedMu sync.RWMutex
	shared   map[string]bool
}

type config struct {
	http   httpx.Settings
	auth   func(tokenHTTP func() *http.Client) *authenticator
	strict bool
	now    func() time.Time
}

// Option configures a Client.
type Option func(*config) error

func httpOption(o httpx.Option) Option { return func(c *config) error { return o(&c.http) } }

// WithHTTPClient uses hc as the base HTTP client; edusync wraps its transport with retries,
// logging and authentication. Token requests go through it too.
func WithHTTPClient(hc *http.Client) Option { return httpOption(httpx.WithHTTPClient(hc)) }

// WithLogger logs requests (at Debug) and retries (at Info) to l. Tokens, secrets and personal
// numbers never reach the log.
func WithLogger(l *slog.Logger) Option { return httpOption(httpx.WithLogger(l)) }

// RetryPolicy says when and how often failed requests are repeated.
type RetryPolicy = httpx.RetryPolicy

// WithRetry replaces the default retry policy (5 attempts, jittered exponential backoff from
// 200 ms, Retry-After honoured up to 2 minutes). GET, PUT and DELETE are repeated after server
// faults and lost connections; POST only when it never reached the server.
func WithRetry(p RetryPolicy) Option { return httpOption(httpx.WithRetry(p)) }

// WithoutRetry turns retries off.
func WithoutRetry() Option { return httpOption(httpx.WithoutRetry()) }

// WithRateLimit keeps the client under perSecond requests on average, with bursts of burst.
func WithRateLimit(perSecond float64, burst int) Option {
	return httpOption(httpx.WithRateLimit(perSecond, burst))
}

// WithMaxResponseBody caps how many bytes of one response are read (default 256 MiB; a tenant's
// whole person list comes in one answer).
func WithMaxResponseBody(n int64) Option { return httpOption(httpx.WithMaxResponseBody(n)) }

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option { return httpOption(httpx.WithUserAgent(ua)) }

// WithAPIKey sends an API key in the named header (for services behind an API gateway).
func WithAPIKey(header, key string) Option { return httpOption(httpx.WithHeader(header, key)) }

// WithClientCertificate presents cert in the TLS handshake (mutual TLS), to the API and to the
// token endpoint.
func WithClientCertificate(cert tls.Certificate) Option {
	return httpOption(httpx.WithClientCertificate(cert))
}

// WithRootCAs trusts pool instead of the system roots, for the API and the token endpoint.
func WithRootCAs(pool *x509.CertPool) Option { return httpOption(httpx.WithRootCAs(pool)) }

// WithBearerToken authenticates with a fixed access token (obtained elsewhere).
func WithBearerToken(token string) Option {
	return func(c *config) error {
		if token == "" {
			return errors.New("schulconnex: WithBearerToken: empty token")
		}
		c.auth = func(func() *http.Client) *authenticator { return staticAuth(token) }
		return nil
	}
}

// WithTokenSource authenticates with tokens from ts (any golang.org/x/oauth2 flow). The client
// keeps the token until shortly before it expires and then asks ts for a new one; when the
// service rejects a token (401), ts is asked again once. Pass a source that fetches a new token
// on each call: a caching source (oauth2.ReuseTokenSource, which clientcredentials.Config's
// TokenSource returns) hands back the rejected token until it expires, and then the 401 is
// returned without sending the request again. WithClientCredentials and WithPasswordGrant renew
// on 401 by themselves.
func WithTokenSource(ts oauth2.TokenSource) Option {
	return func(c *config) error {
		if ts == nil {
			return errors.New("schulconnex: WithTokenSource: nil token source")
		}
		c.auth = func(func() *http.Client) *authenticator { return sourceAuth(ts) }
		return nil
	}
}

// WithClientCredentials authenticates with the OAuth2 client-credentials grant at tokenURL, as
// the Schulconnex specification describes for source systems. Tokens are renewed before they
// expire, and once more when the service rejects one (401).
func WithClientCredentials(tokenURL, clientID, clientSecret string, scopes ...string) Option {
	return func(c *config) error {
		if tokenURL == "" || clientID == "" {
			return errors.New("schulconnex: WithClientCredentials: token URL and client id are required")
		}
		g := grant{tokenURL: tokenURL, clientID: clientID, clientSecret: clientSecret, scopes: scopes}
		c.auth = func(hc func() *http.Client) *authenticator { return grantAuth(g, hc) }
		return nil
	}
}

// WithPasswordGrant authenticates with the OAuth2 resource-owner password grant at tokenURL,
// which the Schulconnex practice guide uses and some operators require. Expired tokens are
// renewed with the refresh token when the endpoint issues one, otherwise by logging in again;
// a token the service rejects (401) is replaced once.
func WithPasswordGrant(tokenURL, clientID, clientSecret, username, password string, scopes ...string) Option {
	return func(c *config) error {
		if tokenURL == "" || username == "" {
			return errors.New("schulconnex: WithPasswordGrant: token URL and user name are required")
		}
		g := grant{tokenURL: tokenURL, clientID: clientID, clientSecret: clientSecret,
			username: username, password: password, scopes: scopes}
		c.auth = func(hc func() *http.Client) *authenticator { return grantAuth(g, hc) }
		return nil
	}
}

// WithStrict makes decoding fail on the first record that does not decode, instead of
// returning the good records and a RecordError for each bad one.
func WithStrict() Option {
	return func(c *config) error { c.strict = true; return nil }
}

// WithClock sets the clock deletion times are computed from (default time.Now), for tests.
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return errors.New("schulconnex: WithClock: nil clock")
		}
		c.now = now
		return nil
	}
}

// New returns a client for the service at baseURL, the URL the operator documents including
// its version path (for example https://schulconnex.example/v1).
func New(baseURL string, opts ...Option) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("schulconnex: base URL %q must be an absolute http(s) URL", baseURL)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("schulconnex: base URL %q must not have a query or fragment", baseURL)
	}
	cfg := config{now: time.Now}
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
		return nil, fmt.Errorf("schulconnex: %w", err)
	}
	c := &Client{base: strings.TrimRight(u.String(), "/"), hc: hc, strict: cfg.strict,
		logger: cfg.http.Logger, now: cfg.now, shared: map[string]bool{}}
	if cfg.auth != nil {
		// Token requests use the same base client and TLS settings, without the API's own
		// authentication and with retries only for requests that never left.
		ts := cfg.http
		ts.Header, ts.BearerToken, ts.TokenSource, ts.ClientCredentials = nil, "", nil, nil
		var once sync.Once
		var tokenHTTP *http.Client
		c.auth = cfg.auth(func() *http.Client {
			once.Do(func() {
				var err error
				if tokenHTTP, err = ts.Build(); err != nil {
					tokenHTTP = http.DefaultClient
				}
			})
			return tokenHTTP
		})
	}
	return c, nil
}

// BaseURL returns the service URL the client was made for.
func (c *Client) BaseURL() string { return c.base }

// Now is the client's clock (WithClock, default time.Now), so adapters that compute deletion
// times over this client use the same time as its own flows.
func (c *Client) Now() time.Time { return c.now() }

// do sends one request and returns the response of a 2xx answer; anything else becomes an
// *APIError (classified by code and subcode). body, when not nil, is sent as JSON. A 401 answer
// to a request authenticated by an OAuth2 grant is retried once with a new token.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, body []byte) (*http.Response, error) {
	u := c.base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var rejected *oauth2.Token // the token the service refused, if any
	var refusal error          // and its answer
	for attempt := 0; ; attempt++ {
		var rd io.Reader
		if body != nil {
			rd = bytes.NewReader(body)
		}
		req, err := http.NewRequestWithContext(ctx, method, u, rd)
		if err != nil {
			return nil, fmt.Errorf("schulconnex: %w", err)
		}
		req.Header.Set("Accept", "application/json")
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		var tok *oauth2.Token
		if c.auth != nil {
			if tok, err = c.auth.set(req); err != nil {
				return nil, err
			}
			if rejected != nil && tok.AccessToken == rejected.AccessToken {
				return nil, refusal // the source has no other token; sending it again is useless
			}
		}
		resp, err := c.hc.Do(req)
		if err != nil {
			return nil, fmt.Errorf("schulconnex: %s %s: %w", method, path, err)
		}
		if resp.StatusCode == http.StatusUnauthorized && attempt == 0 && c.auth != nil && c.auth.reject(tok) {
			rejected, refusal = tok, classify(httpx.ReadError(resp, decodeError))
			resp.Body.Close()
			continue
		}
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			return nil, classify(httpx.ReadError(resp, decodeError))
		}
		return resp, nil
	}
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

// call sends a request and returns the whole answer body.
func (c *Client) call(ctx context.Context, method, path string, query url.Values, body []byte) ([]byte, error) {
	resp, err := c.do(ctx, method, path, query, body)
	if err != nil {
		return nil, err
	}
	b, err := readBody(resp)
	if err != nil {
		return nil, fmt.Errorf("schulconnex: reading %s %s: %w", method, path, err)
	}
	return b, nil
}

// getJSON fetches path and decodes one object into out.
func (c *Client) getJSON(ctx context.Context, path string, out any) error {
	b, err := c.call(ctx, http.MethodGet, path, nil, nil)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, out); err != nil {
		return &DecodeError{Path: path, Err: err}
	}
	return nil
}

// sendJSON sends in (already encoded) and decodes the answer into out when out is not nil and
// the answer has a body.
func (c *Client) sendJSON(ctx context.Context, method, path string, in []byte, out any) error {
	b, err := c.call(ctx, method, path, nil, in)
	if err != nil {
		return err
	}
	if out == nil || len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return &DecodeError{Path: path, Err: err}
	}
	return nil
}

// encode marshals a create body.
func encode(path string, v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("schulconnex: encoding %s body: %w", path, err)
	}
	return b, nil
}

// encodeUpdate builds the body of an update: the record as the service sent it (raw) with the
// caller's changes, so vendor extensions and other properties this package does not model go
// back unchanged, as full-record PUTs require. A Raw that is not the record's JSON (changed by
// the caller) is an error rather than a reason to send the plain encoding: that would drop
// whatever Raw carried beyond the models.
func encodeUpdate(path string, raw []byte, v any) ([]byte, error) {
	b, err := rawjson.Merge(raw, v)
	if err != nil {
		return nil, fmt.Errorf("schulconnex: encoding %s body: %w", path, err)
	}
	return b, nil
}

// revisionBody is the body of every DELETE.
func revisionBody(revision string) []byte {
	b, _ := json.Marshal(Revision{Revision: revision})
	return b
}

// query encodes a generated *Params struct.
func query(params any) (url.Values, error) {
	q, err := apiquery.Encode(params)
	if err != nil {
		return nil, fmt.Errorf("schulconnex: %w", err)
	}
	return q, nil
}

// escape makes an id safe as one path segment.
func escape(id string) string { return url.PathEscape(id) }

// DecodeError is a response body that is not the JSON the specification describes.
type DecodeError struct {
	Path string // the endpoint, e.g. /personen/{id} with the id filled in
	Err  error  // the JSON decoder's error
}

// Error names the endpoint and the JSON error.
func (e *DecodeError) Error() string { return "schulconnex: decoding " + e.Path + ": " + e.Err.Error() }

// Unwrap returns the JSON error.
func (e *DecodeError) Unwrap() error { return e.Err }

// rememberShared records whether a context (and, when all its readable contexts are shared,
// its person) belongs to another organisation.
func (c *Client) rememberShared(d *Personendatensatz) {
	if len(d.Personenkontexte) == 0 {
		return
	}
	all := true
	var sharedIDs []string
	for i := range d.Personenkontexte {
		k := &d.Personenkontexte[i]
		if k.Sichtfreigabe.Bool() {
			if k.ID != "" {
				sharedIDs = append(sharedIDs, k.ID)
			}
		} else {
			all = false
		}
	}
	if len(sharedIDs) == 0 && !all {
		return
	}
	c.sharedMu.Lock()
	defer c.sharedMu.Unlock()
	for _, id := range sharedIDs {
		c.shared["k:"+id] = true
	}
	if d.Person.ID != "" {
		if all {
			c.shared["p:"+d.Person.ID] = true
		} else {
			delete(c.shared, "p:"+d.Person.ID)
		}
	}
}

// isShared reports whether a person ("p") or context ("k") id was seen as released by another
// organisation.
func (c *Client) isShared(kind, id string) bool {
	c.sharedMu.RLock()
	defer c.sharedMu.RUnlock()
	return c.shared[kind+":"+id]
}

// IsShared reports whether d is visible only because other organisations released its
// contexts to this one: every context has sichtfreigabe Ja. Such persons are read-only.
func IsShared(d *Personendatensatz) bool {
	if len(d.Personenkontexte) == 0 {
		return false
	}
	for i := range d.Personenkontexte {
		if !d.Personenkontexte[i].Sichtfreigabe.Bool() {
			return false
		}
	}
	return true
}
