package ladok

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/edusync/edusync/internal/httpx"
	"github.com/edusync/edusync/internal/redact"
)

// DefaultPageSize is the limit the search iterators ask for when the caller sets none. It is
// Ladok's largest page: fewer round trips for the same records.
const DefaultPageSize = 400

// DefaultMaxFeedPage caps one feed page. Ladok's pages hold a few hundred entries of a few
// kilobytes; a page far larger than that is a broken or hostile answer, not data.
const DefaultMaxFeedPage = 32 << 20

// The Ladok services this package calls. Each answers only in its own vendor media type
// (MediaType), so the client sends the right Accept header per service.
const (
	ServiceKataloginformation     = "kataloginformation"
	ServiceStudentinformation     = "studentinformation"
	ServiceUtbildningsinformation = "utbildningsinformation"
	ServiceStudiedeltagande       = "studiedeltagande"
)

// MediaType returns the JSON vendor media type of a Ladok service, for example
// application/vnd.ladok-studentinformation+json. Ladok refuses requests whose Accept header
// does not name it.
func MediaType(service string) string { return "application/vnd.ladok-" + service + "+json" }

// AtomMediaType is what the event feed answers with.
const AtomMediaType = "application/atom+xml"

// Client talks to one Ladok environment with a client certificate. It is safe for concurrent use.
type Client struct {
	base        *url.URL // scheme and host (and a path prefix when the caller gave one), no trailing slash
	hc          *http.Client
	pageSize    int
	maxFeedPage int64
	logger      *slog.Logger
	leaf        *x509.Certificate // the client certificate, when the client was given one
}

type config struct {
	http        httpx.Settings
	pageSize    int
	maxFeedPage int64
}

// Option configures a Client.
type Option func(*config) error

func httpOption(o httpx.Option) Option { return func(c *config) error { return o(&c.http) } }

// WithHTTPClient uses hc as the base HTTP client; edusync wraps its transport with retries and
// logging. A client whose transport already presents a certificate needs no WithCredentials.
func WithHTTPClient(hc *http.Client) Option { return httpOption(httpx.WithHTTPClient(hc)) }

// WithLogger logs requests (at Debug) and retries (at Info) to l. URLs are redacted, so personal
// numbers in Ladok's paths never reach the log.
func WithLogger(l *slog.Logger) Option { return httpOption(httpx.WithLogger(l)) }

// RetryPolicy says when and how often failed requests are repeated.
type RetryPolicy = httpx.RetryPolicy

// WithRetry replaces the default retry policy (5 attempts, jittered exponential backoff from
// 200 ms, Retry-After honoured up to 2 minutes).
func WithRetry(p RetryPolicy) Option { return httpOption(httpx.WithRetry(p)) }

// WithoutRetry turns retries off, for hosts that retry themselves.
func WithoutRetry() Option { return httpOption(httpx.WithoutRetry()) }

// WithRateLimit keeps the client under perSecond requests on average, with bursts of burst, so a
// large catch-up does not crowd out the university's other integrations.
func WithRateLimit(perSecond float64, burst int) Option {
	return httpOption(httpx.WithRateLimit(perSecond, burst))
}

// WithMaxResponseBody caps how many bytes of one REST answer are read (default 256 MiB).
func WithMaxResponseBody(n int64) Option { return httpOption(httpx.WithMaxResponseBody(n)) }

// WithMaxFeedPage caps how many bytes of one feed page are read (default DefaultMaxFeedPage).
func WithMaxFeedPage(n int64) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("ladok: feed page cap %d must be positive", n)
		}
		c.maxFeedPage = n
		return nil
	}
}

// WithUserAgent sets the User-Agent header, so Ladok's operators can tell integrations apart.
func WithUserAgent(ua string) Option { return httpOption(httpx.WithUserAgent(ua)) }

// WithCredentials presents the credentials' certificate in the TLS handshake and trusts the
// system roots plus the CA certificates that came with the credentials (a Ladok bundle carries
// Ladok's CA, a ladoktest bundle the test CA).
func WithCredentials(cr *Credentials) Option {
	return func(c *config) error {
		if cr == nil {
			return errors.New("ladok: WithCredentials: nil credentials")
		}
		if err := httpx.WithClientCertificate(cr.Certificate)(&c.http); err != nil {
			return err
		}
		if len(cr.CAs) > 0 {
			pool, err := cr.RootCAs()
			if err != nil {
				return err
			}
			return httpx.WithRootCAs(pool)(&c.http)
		}
		return nil
	}
}

// WithClientCertificate presents cert in the TLS handshake. WithCredentials is the usual way;
// this is for certificates the host loads itself (for example from a hardware module).
func WithClientCertificate(cert tls.Certificate) Option {
	return httpOption(httpx.WithClientCertificate(cert))
}

// WithRootCAs trusts pool instead of the system roots, for test environments with private CAs.
func WithRootCAs(pool *x509.CertPool) Option { return httpOption(httpx.WithRootCAs(pool)) }

// WithPageSize sets the limit the search iterators ask for (1 to 400).
func WithPageSize(n int) Option {
	return func(c *config) error {
		if n < 1 || n > DefaultPageSize {
			return fmt.Errorf("ladok: page size %d must be between 1 and %d", n, DefaultPageSize)
		}
		c.pageSize = n
		return nil
	}
}

// New returns a client for the Ladok environment at baseURL, for example https://api.ladok.se
// (BaseURLFor derives it from the certificate). Ladok only speaks TLS with client
// certificates, so New needs https and either WithCredentials, WithClientCertificate or a
// WithHTTPClient that brings its own TLS setup.
func New(baseURL string, opts ...Option) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("ladok: base URL %q must be an absolute https URL", baseURL)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("ladok: base URL %q must not have user info, a query or a fragment", baseURL)
	}
	cfg := config{pageSize: DefaultPageSize, maxFeedPage: DefaultMaxFeedPage}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	if u.Scheme != "https" {
		return nil, fmt.Errorf("ladok: base URL %q must use https: Ladok is reached with client certificates only", baseURL)
	}
	if len(cfg.http.Certificates) == 0 && cfg.http.HTTPClient == nil {
		return nil, errors.New("ladok: no client certificate: use WithCredentials (or WithHTTPClient with a TLS setup of its own)")
	}
	hc, err := cfg.http.Build()
	if err != nil {
		return nil, fmt.Errorf("ladok: %w", err)
	}
	base := *u
	base.Path = strings.TrimRight(base.Path, "/")
	base.RawPath = ""
	c := &Client{base: &base, hc: hc, pageSize: cfg.pageSize, maxFeedPage: cfg.maxFeedPage, logger: cfg.http.Logger}
	if len(cfg.http.Certificates) > 0 {
		c.leaf = leafOf(cfg.http.Certificates[0])
	}
	return c, nil
}

// BaseURL returns the environment URL the client was made for.
func (c *Client) BaseURL() string { return c.base.String() }

// CertificateExpiry returns when the client certificate stops being valid. ok is false when the
// client was given no certificate of its own (WithHTTPClient only). Ladok certificates last a
// limited time and an expired one fails every call, so hosts should alert well before.
func (c *Client) CertificateExpiry() (notAfter time.Time, ok bool) {
	if c.leaf == nil {
		return time.Time{}, false
	}
	return c.leaf.NotAfter, true
}

// Health is the result of a health check.
type Health struct {
	// User is the Ladok user the certificate belongs to.
	User Anvandare
	// CertificateNotAfter is when the client certificate expires (zero when unknown).
	CertificateNotAfter time.Time
	// Latency is how long the check took.
	Latency time.Duration
}

// ExpiresWithin reports whether the certificate expires within d of now.
func (h *Health) ExpiresWithin(d time.Duration, now time.Time) bool {
	return !h.CertificateNotAfter.IsZero() && h.CertificateNotAfter.Before(now.Add(d))
}

// Health checks the whole path to Ladok: TLS with the certificate, Ladok's authorisation and
// the catalogue service, by fetching the authenticated user. It is the cheapest call Ladok has.
func (c *Client) Health(ctx context.Context) (*Health, error) {
	start := time.Now()
	u, err := c.AuthenticatedUser(ctx)
	if err != nil {
		return nil, err
	}
	h := &Health{User: *u, Latency: time.Since(start)}
	h.CertificateNotAfter, _ = c.CertificateExpiry()
	return h, nil
}

// APIError is an answer with a non-2xx status. Code holds Ladok's Felgrupp, Subcode its
// Detaljkod, Message its Meddelande and RequestID the FelUID (Ladok's reference for the fault)
// when the answer carried Ladok's error body. Use errors.As to inspect it and errors.Is with the
// Err* values.
type APIError = httpx.APIError

// Errors for errors.Is; an *APIError matches the one of its status.
var (
	ErrBadRequest   = httpx.ErrBadRequest   // 400
	ErrUnauthorized = httpx.ErrUnauthorized // 401
	ErrForbidden    = httpx.ErrForbidden    // 403: the certificate's user lacks the permission
	ErrNotFound     = httpx.ErrNotFound     // 404
	ErrConflict     = httpx.ErrConflict     // 409
	ErrRateLimited  = httpx.ErrRateLimited  // 429
	ErrServer       = httpx.ErrServer       // 5xx
	ErrBodyTooLarge = httpx.ErrBodyTooLarge // answer larger than the configured cap
)

// decodeError fills in Ladok's error body, JSON (the REST services) or XML (the feed).
func decodeError(e *APIError, body []byte) {
	var f LadokFel
	trimmed := bytes.TrimSpace(body)
	switch {
	case len(trimmed) > 0 && trimmed[0] == '{':
		if json.Unmarshal(trimmed, &f) != nil {
			return
		}
	case len(trimmed) > 0 && trimmed[0] == '<':
		if xml.Unmarshal(trimmed, &xmlFel{&f}) != nil {
			return
		}
	default:
		return
	}
	e.Code = f.Felgrupp
	e.Subcode = f.Detaljkod
	e.Message = f.Meddelande
	if e.RequestID == "" {
		e.RequestID = f.FelUID
	}
}

// xmlFel reads Ladok's XML error body by local names.
type xmlFel struct{ f *LadokFel }

func (x *xmlFel) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	for {
		tok, err := d.Token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			var s string
			if err := d.DecodeElement(&s, &t); err != nil {
				return err
			}
			switch t.Name.Local {
			case "FelUID":
				x.f.FelUID = s
			case "Felgrupp":
				x.f.Felgrupp = s
			case "Detaljkod":
				x.f.Detaljkod = s
			case "Meddelande":
				x.f.Meddelande = s
			}
		case xml.EndElement:
			return nil
		}
	}
}

// ErrForeignHref is an href (from a feed page) to another scheme, host or port than the
// client's. The client refuses to follow it.
var ErrForeignHref = errors.New("ladok: refusing to follow an href to another host")

// resolve turns a path or an href from Ladok into a request URL on the client's origin. Feed
// hrefs are absolute; an href to another scheme, host or port is refused, so a hostile feed
// cannot send the client (and its certificate) elsewhere.
func (c *Client) resolve(ref string) (*url.URL, error) {
	r, err := url.Parse(ref)
	if err != nil {
		return nil, fmt.Errorf("ladok: bad href %q: %w", redact.PersonalNumbers(ref), err)
	}
	if !r.IsAbs() {
		if !strings.HasPrefix(r.Path, "/") {
			return nil, fmt.Errorf("ladok: href %q is neither absolute nor rooted", redact.PersonalNumbers(ref))
		}
		out := *c.base
		if !strings.HasPrefix(r.Path, c.base.Path+"/") {
			out.Path = c.base.Path + r.Path
		} else {
			out.Path = r.Path
		}
		out.RawQuery = r.RawQuery
		return &out, nil
	}
	if !sameOrigin(r, c.base) {
		return nil, fmt.Errorf("%w: %s is not on %s", ErrForeignHref, redact.URL(r), c.base.Host)
	}
	out := *r
	out.Fragment = ""
	out.User = nil
	return &out, nil
}

// FeedHref returns href (a feed page's link, absolute or rooted at the base URL) as the path and
// query FetchFeed would request, the form in which a feed reader keeps its position: such a
// position survives a change of the host name in front of Ladok (a proxy, say). An href to
// another host is refused with ErrForeignHref, as FetchFeed refuses it.
func (c *Client) FeedHref(href string) (string, error) {
	u, err := c.resolve(href)
	if err != nil {
		return "", err
	}
	h := u.EscapedPath()
	if u.RawQuery != "" {
		h += "?" + u.RawQuery
	}
	return h, nil
}

func sameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Hostname(), b.Hostname()) &&
		portOf(a) == portOf(b)
}

func portOf(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if strings.EqualFold(u.Scheme, "http") {
		return "80"
	}
	return "443"
}

// do sends one request to path (rooted at the base URL) and returns the response of a 2xx
// answer; anything else becomes an *APIError.
func (c *Client) do(ctx context.Context, method, service, path string, query url.Values, body any) (*http.Response, error) {
	u, err := c.resolve(path)
	if err != nil {
		return nil, err
	}
	if len(query) > 0 {
		u.RawQuery = query.Encode()
	}
	var rd io.Reader
	var getBody func() (io.ReadCloser, error)
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("ladok: encoding %s body: %w", path, err)
		}
		rd = bytes.NewReader(b)
		getBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, fmt.Errorf("ladok: %w", err)
	}
	if getBody != nil {
		req.GetBody = getBody
	}
	accept := AtomMediaType
	if service != "" {
		accept = MediaType(service)
	}
	req.Header.Set("Accept", accept)
	if body != nil {
		req.Header.Set("Content-Type", accept)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("ladok: %s %s: %w", method, redact.URL(u), scrub(err))
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, httpx.ReadError(resp, decodeError)
	}
	return resp, nil
}

// scrub keeps personal numbers out of transport errors, which quote the URL.
func scrub(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			ue.URL = redact.URL(u)
		} else {
			ue.URL = redact.PersonalNumbers(ue.URL)
		}
	}
	return err
}

// readAll reads a whole response body, sized by Content-Length when the server sent one, and at
// most max bytes when max > 0.
func readAll(resp *http.Response, max int64) ([]byte, error) {
	defer resp.Body.Close()
	var buf bytes.Buffer
	if n := resp.ContentLength; n > 0 && n < 1<<30 && (max <= 0 || n <= max) {
		buf.Grow(int(n) + bytes.MinRead)
	}
	var r io.Reader = resp.Body
	if max > 0 {
		r = io.LimitReader(resp.Body, max+1)
	}
	if _, err := buf.ReadFrom(r); err != nil {
		return nil, err
	}
	if max > 0 && int64(buf.Len()) > max {
		return nil, fmt.Errorf("%w (limit %d bytes)", ErrBodyTooLarge, max)
	}
	return buf.Bytes(), nil
}

// getJSON fetches path from service and decodes the answer into out.
func (c *Client) getJSON(ctx context.Context, service, path string, query url.Values, out any) error {
	return c.sendJSON(ctx, http.MethodGet, service, path, query, nil, out)
}

// sendJSON sends body (when not nil) and decodes the answer into out.
func (c *Client) sendJSON(ctx context.Context, method, service, path string, query url.Values, body, out any) error {
	resp, err := c.do(ctx, method, service, path, query, body)
	if err != nil {
		return err
	}
	b, err := readAll(resp, 0)
	if err != nil {
		return fmt.Errorf("ladok: reading %s: %w", redact.PersonalNumbers(path), err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		return &DecodeError{Path: redact.PersonalNumbers(path), Err: err}
	}
	return nil
}

// DecodeError is an answer body that is not what the API describes.
type DecodeError struct {
	Path string // redacted
	Err  error
}

// Error says which answer did not decode; values are masked.
func (e *DecodeError) Error() string {
	return "ladok: decoding " + e.Path + ": " + redact.PersonalNumbers(e.Err.Error())
}

// Unwrap returns the decoder's error.
func (e *DecodeError) Unwrap() error { return e.Err }
