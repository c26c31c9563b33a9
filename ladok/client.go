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
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/edusync/edusync/internal/apiclient"
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

// DefaultMaxResponseBody is the cap on one REST answer's body unless WithMaxResponseBody sets
// another. Search pages are decoded record by record as they arrive, so it bounds how much one
// page may send, not the memory a search takes.
const DefaultMaxResponseBody = apiclient.DefaultMaxBody

// Client talks to one Ladok environment with a client certificate. It is safe for concurrent use.
type Client struct {
	core        *apiclient.Client
	maxFeedPage int64
	leaf        *x509.Certificate // the client certificate, when the client was given one
}

type config struct {
	core        apiclient.Settings
	maxFeedPage int64
}

// Option configures a Client.
type Option func(*config) error

func coreOption(o apiclient.Option) Option { return func(c *config) error { return o(&c.core) } }

// WithHTTPClient uses hc as the base HTTP client; edusync wraps its transport with retries and
// logging. A client whose transport already presents a certificate needs no WithCredentials.
func WithHTTPClient(hc *http.Client) Option { return coreOption(apiclient.WithHTTPClient(hc)) }

// WithLogger logs requests (at Debug) and retries (at Info) to l. URLs are redacted, so personal
// numbers in Ladok's paths never reach the log.
func WithLogger(l *slog.Logger) Option { return coreOption(apiclient.WithLogger(l)) }

// WithRetry replaces the default retry policy (the zero RetryPolicy: 5 attempts, jittered
// exponential backoff from 200 ms, Retry-After honoured up to 2 minutes).
func WithRetry(p RetryPolicy) Option { return coreOption(apiclient.WithRetry(p)) }

// WithoutRetry turns retries off, for hosts that retry themselves.
func WithoutRetry() Option { return coreOption(apiclient.WithoutRetry()) }

// WithRateLimit keeps the client under perSecond requests on average, with bursts of burst, so a
// large catch-up does not crowd out the university's other integrations.
func WithRateLimit(perSecond float64, burst int) Option {
	return coreOption(apiclient.WithRateLimit(perSecond, burst))
}

// WithMaxResponseBody caps how many bytes of one REST answer are read (default
// DefaultMaxResponseBody); a larger answer fails with a *BodyTooLargeError naming the cap.
func WithMaxResponseBody(n int64) Option { return coreOption(apiclient.WithMaxResponseBody(n)) }

// WithMaxFeedPage caps how many bytes of one feed page are read (default DefaultMaxFeedPage).
func WithMaxFeedPage(n int64) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("WithMaxFeedPage: %d must be positive", n)
		}
		c.maxFeedPage = n
		return nil
	}
}

// WithUserAgent sets the User-Agent header, so Ladok's operators can tell integrations apart.
func WithUserAgent(ua string) Option { return coreOption(apiclient.WithUserAgent(ua)) }

// WithCredentials presents the credentials' certificate in the TLS handshake and trusts the
// system roots plus the CA certificates that came with the credentials (a Ladok bundle carries
// Ladok's CA, a ladoktest bundle the test CA).
func WithCredentials(cr *Credentials) Option {
	return func(c *config) error {
		if cr == nil {
			return errors.New("WithCredentials: nil credentials")
		}
		if err := apiclient.WithClientCertificate(cr.Certificate)(&c.core); err != nil {
			return err
		}
		if len(cr.CAs) > 0 {
			pool, err := cr.RootCAs()
			if err != nil {
				return err
			}
			return apiclient.WithRootCAs(pool)(&c.core)
		}
		return nil
	}
}

// WithClientCertificate presents cert in the TLS handshake. WithCredentials is the usual way;
// this is for certificates the host loads itself (for example from a hardware module).
func WithClientCertificate(cert tls.Certificate) Option {
	return coreOption(apiclient.WithClientCertificate(cert))
}

// WithRootCAs trusts pool instead of the system roots, for test environments with private CAs.
func WithRootCAs(pool *x509.CertPool) Option { return coreOption(apiclient.WithRootCAs(pool)) }

// WithPageSize sets the limit the search iterators ask for (1 to DefaultPageSize, Ladok's largest).
func WithPageSize(n int) Option { return coreOption(apiclient.WithPageSize(n)) }

// WithStrict makes decoding fail on the first record of a search page that does not decode,
// instead of delivering the good records and a RecordError for each bad one.
func WithStrict() Option { return coreOption(apiclient.WithStrict()) }

// New returns a client for the Ladok environment at baseURL, for example https://api.ladok.se
// (BaseURLFor derives it from the certificate). Ladok only speaks TLS with client
// certificates, so New needs https and either WithCredentials, WithClientCertificate or a
// WithHTTPClient that brings its own TLS setup. Ladok authenticates by certificate alone, so
// the client has no token options.
func New(baseURL string, opts ...Option) (*Client, error) {
	cfg := config{maxFeedPage: DefaultMaxFeedPage}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
			return nil, fmt.Errorf("ladok: %w", err)
		}
	}
	if len(cfg.core.Certificates) == 0 && cfg.core.HTTPClient == nil {
		return nil, errors.New("ladok: no client certificate: use WithCredentials (or WithHTTPClient with a TLS setup of its own)")
	}
	core, err := apiclient.New(apiclient.Config{Name: "ladok", BaseURL: baseURL, HTTPSOnly: true, Settings: cfg.core,
		DefaultPageSize: DefaultPageSize, MaxPageSize: DefaultPageSize, ErrorBody: decodeError})
	if err != nil {
		return nil, err
	}
	c := &Client{core: core, maxFeedPage: cfg.maxFeedPage}
	if len(cfg.core.Certificates) > 0 {
		c.leaf = leafOf(cfg.core.Certificates[0])
	}
	return c, nil
}

// BaseURL returns the environment URL the client was made for.
func (c *Client) BaseURL() string { return c.core.BaseURL() }

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
	u, err := c.GetAuthenticatedUser(ctx)
	if err != nil {
		return nil, err
	}
	h := &Health{User: *u, Latency: time.Since(start)}
	h.CertificateNotAfter, _ = c.CertificateExpiry()
	return h, nil
}

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
// client's. The client refuses to follow it, so a hostile feed cannot send the client (and its
// certificate) elsewhere.
var ErrForeignHref = apiclient.ErrForeignURL

// FeedHref returns href (a feed page's link, absolute or rooted at the base URL) as the path and
// query GetFeedPage would request, the form in which a feed reader keeps its position: such a
// position survives a change of the host name in front of Ladok (a proxy, say). An href to
// another host is refused with ErrForeignHref, as GetFeedPage refuses it.
func (c *Client) FeedHref(href string) (string, error) {
	u, err := c.core.URL(href)
	if err != nil {
		return "", err
	}
	h := u.EscapedPath()
	if u.RawQuery != "" {
		h += "?" + u.RawQuery
	}
	return h, nil
}

// request is a request to one of Ladok's services, which answer only in their own media type.
func request(method, service, path string, query url.Values, body any) *apiclient.Request {
	accept := AtomMediaType
	if service != "" {
		accept = MediaType(service)
	}
	r := &apiclient.Request{Method: method, Path: path, Query: query, Body: body, Accept: accept}
	if body != nil {
		r.ContentType = accept
	}
	return r
}

// getJSON fetches path from service and decodes the answer into out.
func (c *Client) getJSON(ctx context.Context, service, path string, query url.Values, out any) error {
	return c.core.Call(ctx, request(http.MethodGet, service, path, query, nil), out)
}
