package fs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/edusync/edusync/internal/apiclient"
	"github.com/edusync/edusync/internal/redact"
)

// GatewayKeyHeader is the header Sikt's API gateway (Gravitee) reads its subscription key
// from, for institutions that reach FS through it (WithAPIKey).
const GatewayKeyHeader = "X-Gravitee-Api-Key"

// Client talks to one FS environment's DigEks services. It is safe for concurrent use.
type Client struct {
	core     *apiclient.Client
	announce AnnouncementLookup
}

type config struct {
	core     apiclient.Settings
	basic    bool
	announce AnnouncementLookup
}

// Option configures a Client.
type Option func(*config) error

func coreOption(o apiclient.Option) Option { return func(c *config) error { return o(&c.core) } }

// WithBasicAuth authenticates as the FS API user with HTTP Basic, sent with every request
// without waiting for a challenge, as FS expects. Required. The password, the encoded
// credentials and (when it is at least six characters) the user name are masked wherever a
// server echoes them.
func WithBasicAuth(username, password string) Option {
	return func(c *config) error {
		if err := apiclient.WithBasicAuth(username, password)(&c.core); err != nil {
			return err
		}
		c.basic = true
		return nil
	}
}

// WithAPIKey sends key in header with every request, for an API gateway in front of FS
// (GatewayKeyHeader for Sikt's). The key is masked wherever a server echoes it.
func WithAPIKey(header, key string) Option {
	return func(c *config) error {
		if key == "" {
			return errors.New("WithAPIKey: empty key")
		}
		return apiclient.WithHeader(header, key)(&c.core)
	}
}

// WithHTTPClient uses hc as the base HTTP client; edusync wraps its transport with
// authentication, retries and logging.
func WithHTTPClient(hc *http.Client) Option { return coreOption(apiclient.WithHTTPClient(hc)) }

// WithLogger logs requests (at Debug) and retries (at Info) to l. URLs are redacted (the
// institution and the time asked for are masked), and no record's content is logged.
func WithLogger(l *slog.Logger) Option { return coreOption(apiclient.WithLogger(l)) }

// WithRetry replaces the default retry policy (the zero RetryPolicy: 5 attempts, jittered
// exponential backoff from 200 ms, Retry-After honoured up to 2 minutes). Reads are retried
// after server faults and lost connections; CreateExplanation checks FS instead (see there).
func WithRetry(p RetryPolicy) Option { return coreOption(apiclient.WithRetry(p)) }

// WithoutRetry turns retries off, for hosts that retry themselves.
func WithoutRetry() Option { return coreOption(apiclient.WithoutRetry()) }

// WithRateLimit keeps the client under perSecond requests on average, with bursts of burst;
// FS serves every institution's integrations.
func WithRateLimit(perSecond float64, burst int) Option {
	return coreOption(apiclient.WithRateLimit(perSecond, burst))
}

// WithMaxResponseBody caps how many bytes of one answer are read (default 64 MiB). Listings
// are decoded record by record as they arrive, so it bounds how long one answer may go on, not
// the memory a listing takes.
func WithMaxResponseBody(n int64) Option { return coreOption(apiclient.WithMaxResponseBody(n)) }

// WithUserAgent sets the User-Agent header, so FS's operators can tell integrations apart.
func WithUserAgent(ua string) Option { return coreOption(apiclient.WithUserAgent(ua)) }

// WithStrict makes a listing fail on the first record that cannot be used instead of
// delivering the good records and a RecordError for each bad one.
func WithStrict() Option { return coreOption(apiclient.WithStrict()) }

// WithAnnouncementLookup tells the client where the host finds FS's own announcement day of a
// result (and the exam unit's manual appeal deadline), which no DigEks call returns; see
// Client.Announcement. Without it, the day comes from the exam system's publication of the
// result.
func WithAnnouncementLookup(f AnnouncementLookup) Option {
	return func(c *config) error { c.announce = f; return nil }
}

// New returns a client for the FS environment at baseURL, for example https://fsws.usit.no
// (production) or https://fs-test.uio.no (test); the /eksamen paths are under it. FS wants an
// API user on every request, so WithBasicAuth is required. FS has no token grant, so there are
// no token options, and no paging, so there is no page size.
func New(baseURL string, opts ...Option) (*Client, error) {
	var cfg config
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
			return nil, fmt.Errorf("fs: %w", err)
		}
	}
	if !cfg.basic {
		return nil, errors.New("fs: no API user: use WithBasicAuth")
	}
	core, err := apiclient.New(apiclient.Config{Name: "fs", BaseURL: baseURL, Settings: cfg.core,
		ErrorBody: decodeError, Classify: maskErrorNumbers})
	if err != nil {
		return nil, err
	}
	return &Client{core: core, announce: cfg.announce}, nil
}

// BaseURL returns the environment URL the client was made for.
func (c *Client) BaseURL() string { return c.core.BaseURL() }

// GetVersion returns the services' version. It is the cheapest call, for health checks.
func (c *Client) GetVersion(ctx context.Context) (*Version, error) {
	resp, err := c.core.Do(ctx, &apiclient.Request{Path: "/eksamen/versjon"})
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxVersionAnswer+1))
	if err != nil {
		return nil, c.core.Errorf("reading /eksamen/versjon: %w", err)
	}
	if len(b) > maxVersionAnswer {
		return nil, c.core.DecodeError("/eksamen/versjon", errors.New("the answer is longer than a version"))
	}
	v, err := parseVersion(b)
	if err != nil {
		return nil, c.core.DecodeError("/eksamen/versjon", err)
	}
	return v, nil
}

// Ping checks the whole path to FS: the network, the gateway, the API user's credentials and
// the services, with GetVersion.
func (c *Client) Ping(ctx context.Context) error {
	_, err := c.GetVersion(ctx)
	return err
}

// maxVersion is the longest version text kept; maxVersionAnswer the longest answer read (a
// health check must not read a hostile server's endless answer).
const (
	maxVersion       = 128
	maxVersionAnswer = 64 << 10
)

// parseVersion reads {"versjon": "..."}, a bare JSON string, or plain text.
func parseVersion(b []byte) (*Version, error) {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0:
		return nil, errors.New("empty answer")
	case b[0] == '{':
		var v Version
		if err := json.Unmarshal(b, &v); err != nil {
			return nil, err
		}
		v.Versjon = redact.Printable(v.Versjon, maxVersion)
		return &v, nil
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return nil, err
		}
		return &Version{Versjon: redact.Printable(s, maxVersion)}, nil
	case b[0] == '[' || b[0] == '<':
		return nil, errors.New("the answer is neither a version object nor text")
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return &Version{Versjon: redact.Printable(strings.TrimSpace(line), maxVersion)}, nil
}

// errorMessages are the members an error body's message is read from, FS's own first.
var errorMessages = []string{"melding", "feilmelding", "message", "error", "detail"}

// decodeError fills in FS's error body ({kode, melding}; members other APIs and gateways use
// for the message are read too), or the first line of a text answer that is not HTML.
func decodeError(e *APIError, body []byte) {
	b := bytes.TrimSpace(body)
	if len(b) == 0 {
		return
	}
	if b[0] == '{' {
		var m map[string]json.RawMessage
		if json.Unmarshal(b, &m) != nil {
			return
		}
		e.Code = member(m, "kode", "code")
		e.Message = member(m, errorMessages...)
		return
	}
	if b[0] == '<' || b[0] == '[' {
		return
	}
	line, _, _ := strings.Cut(string(b), "\n")
	e.Message = strings.TrimSpace(line)
}

// member returns the first of names that m holds as a string or a number (names are matched
// without regard to case).
func member(m map[string]json.RawMessage, names ...string) string {
	for _, n := range names {
		for k, v := range m {
			if !strings.EqualFold(k, n) {
				continue
			}
			var s string
			if json.Unmarshal(v, &s) == nil {
				return s
			}
			var num json.Number
			if json.Unmarshal(v, &num) == nil {
				return num.String()
			}
		}
	}
	return ""
}

// maskErrorNumbers masks every run of five or more digits in an error's code, message and
// body: FS may quote a personlopenr there, which the shared redaction does not recognise (it is
// a plain serial number). FS's codes and the dates and times it writes have shorter runs.
func maskErrorNumbers(e *APIError) error {
	e.Code = maskRuns(e.Code)
	e.Message = maskRuns(e.Message)
	e.Body = maskRuns(e.Body)
	e.RequestID = maskRuns(e.RequestID)
	return e
}

// maskRuns replaces every run of five or more ASCII digits in s with redact.Mask.
func maskRuns(s string) string {
	var b strings.Builder
	start := -1
	flush := func(end int) {
		if start < 0 {
			return
		}
		if end-start >= 5 {
			b.WriteString(redact.Mask)
		} else {
			b.WriteString(s[start:end])
		}
		start = -1
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			if start < 0 {
				start = i
			}
			continue
		}
		flush(i)
		b.WriteByte(s[i])
	}
	flush(len(s))
	return b.String()
}
