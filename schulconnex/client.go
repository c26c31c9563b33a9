package schulconnex

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/edusync/edusync/internal/apiclient"
	"github.com/edusync/edusync/internal/apiquery"
	"github.com/edusync/edusync/internal/rawjson"
)

// DefaultMaxResponseBody is the cap on one answer's body unless WithMaxResponseBody sets
// another. A tenant's whole person list comes in one answer, decoded record by record by the
// iterators, so the cap bounds that answer's size, not the memory an iteration takes.
const DefaultMaxResponseBody = apiclient.DefaultMaxBody

// Client talks to one Schulconnex service as a source system. It is safe for concurrent use.
type Client struct {
	core *apiclient.Client
	now  func() time.Time

	// shared remembers the ids of persons and contexts this client has seen released by another
	// organisation (sichtfreigabe Ja), so that no write to them is ever sent.
	sharedMu sync.RWMutex
	shared   map[string]bool
}

type config struct {
	core apiclient.Settings
	now  func() time.Time
}

// Option configures a Client.
type Option func(*config) error

func coreOption(o apiclient.Option) Option { return func(c *config) error { return o(&c.core) } }

// WithHTTPClient uses hc as the base HTTP client; edusync wraps its transport with retries,
// logging and authentication. Token requests go through it too.
func WithHTTPClient(hc *http.Client) Option { return coreOption(apiclient.WithHTTPClient(hc)) }

// WithLogger logs requests (at Debug) and retries (at Info) to l. Tokens, secrets and personal
// numbers never reach the log.
func WithLogger(l *slog.Logger) Option { return coreOption(apiclient.WithLogger(l)) }

// WithRetry replaces the default retry policy (the zero RetryPolicy: 5 attempts, jittered
// exponential backoff from 200 ms, Retry-After honoured up to 2 minutes). GET, PUT and DELETE are
// repeated after server faults and lost connections; POST only when it never reached the server.
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

// WithAPIKey sends an API key in the named header (for services behind an API gateway).
func WithAPIKey(header, key string) Option { return coreOption(apiclient.WithHeader(header, key)) }

// WithClientCertificate presents cert in the TLS handshake (mutual TLS), to the API and to the
// token endpoint.
func WithClientCertificate(cert tls.Certificate) Option {
	return coreOption(apiclient.WithClientCertificate(cert))
}

// WithRootCAs trusts pool instead of the system roots, for the API and the token endpoint.
func WithRootCAs(pool *x509.CertPool) Option { return coreOption(apiclient.WithRootCAs(pool)) }

// WithBearerToken authenticates with a fixed access token (obtained elsewhere).
func WithBearerToken(token string) Option { return coreOption(apiclient.WithBearerToken(token)) }

// WithTokenSource authenticates with tokens from ts (any golang.org/x/oauth2 flow). The client
// keeps the token until shortly before it expires and then asks ts for a new one; when the
// service rejects a token (401), ts is asked again once. Pass a source that fetches a new token
// on each call: a caching source (oauth2.ReuseTokenSource, which clientcredentials.Config's
// TokenSource returns) hands back the rejected token until it expires, and then the 401 is
// returned without sending the request again. WithClientCredentials and WithPasswordGrant renew
// on 401 by themselves.
func WithTokenSource(ts oauth2.TokenSource) Option {
	return coreOption(apiclient.WithTokenSource(ts))
}

// WithClientCredentials authenticates with the OAuth2 client-credentials grant at tokenURL, as
// the Schulconnex specification describes for source systems. Tokens are renewed before they
// expire, and once more when the service rejects one (401).
func WithClientCredentials(tokenURL, clientID, clientSecret string, scopes ...string) Option {
	return coreOption(apiclient.WithClientCredentials(tokenURL, clientID, clientSecret, scopes...))
}

// WithPasswordGrant authenticates with the OAuth2 resource-owner password grant at tokenURL,
// which the Schulconnex practice guide uses and some operators require. Expired tokens are
// renewed with the refresh token when the endpoint issues one, otherwise by logging in again;
// a token the service rejects (401) is replaced once.
func WithPasswordGrant(tokenURL, clientID, clientSecret, username, password string, scopes ...string) Option {
	return coreOption(apiclient.WithPasswordGrant(tokenURL, clientID, clientSecret, username, password, scopes...))
}

// WithStrict makes decoding fail on the first record that does not decode, instead of
// returning the good records and a RecordError for each bad one.
func WithStrict() Option { return coreOption(apiclient.WithStrict()) }

// WithClock sets the clock deletion times are computed from (default time.Now), for tests.
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return errors.New("WithClock: nil clock")
		}
		c.now = now
		return nil
	}
}

// New returns a client for the service at baseURL, the URL the operator documents including
// its version path (for example https://schulconnex.example/v1). Schulconnex answers every list
// in one piece, so, unlike the other clients, this one has no WithPageSize.
func New(baseURL string, opts ...Option) (*Client, error) {
	cfg := config{now: time.Now}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
			return nil, fmt.Errorf("schulconnex: %w", err)
		}
	}
	core, err := apiclient.New(apiclient.Config{Name: "schulconnex", BaseURL: baseURL, Settings: cfg.core,
		ErrorBody: decodeError, Classify: classify})
	if err != nil {
		return nil, err
	}
	return &Client{core: core, now: cfg.now, shared: map[string]bool{}}, nil
}

// BaseURL returns the service URL the client was made for.
func (c *Client) BaseURL() string { return c.core.BaseURL() }

// Now is the client's clock (WithClock, default time.Now), so adapters that compute deletion
// times over this client use the same time as its own flows.
func (c *Client) Now() time.Time { return c.now() }

// call sends a request (body already encoded, or nil) and decodes the answer into out when out
// is not nil and the answer has a body.
func (c *Client) call(ctx context.Context, method, path string, query url.Values, body []byte, out any) error {
	r := &apiclient.Request{Method: method, Path: path, Query: query}
	if body != nil {
		r.Body = body
	}
	return c.core.Call(ctx, r, out)
}

// getJSON fetches path and decodes one object into out.
func (c *Client) getJSON(ctx context.Context, path string, out any) error {
	return c.call(ctx, http.MethodGet, path, nil, nil, out)
}

// sendJSON sends in (already encoded) and decodes the answer into out when out is not nil and
// the answer has a body.
func (c *Client) sendJSON(ctx context.Context, method, path string, in []byte, out any) error {
	return c.call(ctx, method, path, nil, in, out)
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

// rememberKontext records whether a context read on its own belongs to another organisation.
func (c *Client) rememberKontext(k *Personenkontext) {
	c.rememberShared(&Personendatensatz{Personenkontexte: []Personenkontext{*k}})
}

// rememberContexts records the contexts of an entry of a context listing, whose person is often
// only an id: the person is not judged by them.
func (c *Client) rememberContexts(d *Personendatensatz) {
	c.rememberShared(&Personendatensatz{Personenkontexte: d.Personenkontexte})
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
