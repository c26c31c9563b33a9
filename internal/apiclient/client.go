package apiclient

import (
	"bytes"
	"context"
	"crypto/tls"
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

	jsonv2 "github.com/go-json-experiment/json"
	"golang.org/x/time/rate"

	"github.com/edusync/edusync/apierror"
	"github.com/edusync/edusync/internal/httpx"
	"github.com/edusync/edusync/internal/jsonx"
	"github.com/edusync/edusync/internal/redact"
)

// Config describes one API to the core: what a client package knows about its API beyond the
// host's options.
type Config struct {
	// Name prefixes the client's errors ("ss12000").
	Name string
	// BaseURL is the API's root as the host gave it; New checks it.
	BaseURL string
	// DefaultPath is set as the path of a base URL that has none (Canvas: "/api/v1").
	DefaultPath string
	// HTTPSOnly refuses a base URL with the http scheme (Ladok, reached with client certificates).
	HTTPSOnly bool
	// Settings are the host's options.
	Settings Settings
	// DefaultPageSize is the page size when the host sets none; MaxPageSize, when not 0, the
	// largest the API accepts (a larger WithPageSize is an error).
	DefaultPageSize, MaxPageSize int
	// ErrorBody fills in the API's own code, subcode, message and request id (and RateLimited)
	// of an error answer from its body (at most MaxErrorBody bytes). The core redacts what it sets.
	ErrorBody func(e *apierror.APIError, body []byte)
	// Classify may wrap an *APIError the API's codes say more about (Schulconnex's revision
	// conflict); it must keep the *APIError reachable with errors.As.
	Classify func(e *apierror.APIError) error
	// RateLimited recognises the API's own throttling answers besides 429; it is added to the
	// host's RetryPolicy.RateLimited.
	RateLimited func(*http.Response) bool
	// Wrap adds an API-specific layer that sees every attempt (Canvas's adaptive throttle); it
	// sits below the retry and rate-limit layers and above authentication.
	Wrap func(http.RoundTripper) http.RoundTripper
	// JSON are the go-json-experiment/json options answers and records are decoded with
	// (default internal/jsonx.Options, which read what encoding/json reads, faster; Canvas
	// matches its names exactly). Marshal encodes request bodies (default encoding/json).
	JSON    jsonv2.Options
	Marshal func(any) ([]byte, error)
}

// Client is the core a client package's Client is built on. It is safe for concurrent use.
type Client struct {
	name      string
	base      *url.URL // no trailing slash
	hc        *http.Client
	logger    *slog.Logger
	secrets   *redact.Secrets
	pageSize  int
	strict    bool
	maxBody   int64
	errorBody func(*apierror.APIError, []byte)
	classify  func(*apierror.APIError) error
	json      jsonv2.Options // whole answers
	records   jsonv2.Options // records decoded from a stream (recordOptions)
	marshal   func(any) ([]byte, error)
	bare      func(maxBody int64) *http.Client // Fetch's client: no authentication or fixed headers
}

// New checks cfg.BaseURL and builds the client: the transport stack, outermost first, is retry,
// client-side rate limit, cfg.Wrap, authentication, logging, body cap, fixed headers, then the
// base transport with the TLS settings. Logging sits below authentication so it sees every
// request sent, the one after a token renewal too; it never logs headers.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%s: base URL %q must be an absolute http(s) URL", cfg.Name, redact.Text(cfg.BaseURL))
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("%s: base URL %s must not have user info, a query or a fragment", cfg.Name, redact.URL(u))
	}
	if cfg.HTTPSOnly && u.Scheme != "https" {
		return nil, fmt.Errorf("%s: base URL %s must use https", cfg.Name, redact.URL(u))
	}
	if strings.Trim(u.Path, "/") == "" && cfg.DefaultPath != "" {
		u.Path = cfg.DefaultPath
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	s := cfg.Settings
	if s.PageSize == 0 {
		s.PageSize = cfg.DefaultPageSize
	}
	if cfg.MaxPageSize > 0 && s.PageSize > cfg.MaxPageSize {
		return nil, fmt.Errorf("%s: page size %d is larger than the %d the API allows", cfg.Name, s.PageSize, cfg.MaxPageSize)
	}
	if s.MaxBody == 0 {
		s.MaxBody = DefaultMaxBody
	}
	c := &Client{
		name: cfg.Name, base: u, logger: s.Logger, secrets: &redact.Secrets{},
		pageSize: s.PageSize, strict: s.Strict, maxBody: s.MaxBody,
		errorBody: cfg.ErrorBody, classify: cfg.Classify, json: cfg.JSON, marshal: cfg.Marshal,
	}
	if c.json == nil {
		c.json = jsonx.Options
	}
	c.records = recordOptions(c.json)
	if c.marshal == nil {
		c.marshal = json.Marshal
	}
	if cfg.RateLimited != nil {
		own, host := cfg.RateLimited, s.Retry.RateLimited
		s.Retry.RateLimited = func(r *http.Response) bool { return own(r) || (host != nil && host(r)) }
	}
	if c.hc, err = c.build(&s, cfg.Wrap); err != nil {
		return nil, fmt.Errorf("%s: %w", cfg.Name, err)
	}
	return c, nil
}

// build stacks the transport layers (see New).
func (c *Client) build(s *Settings, wrap func(http.RoundTripper) http.RoundTripper) (*http.Client, error) {
	base := s.HTTPClient
	if base == nil {
		base = &http.Client{}
	}
	rt, err := baseTransport(base, s)
	if err != nil {
		return nil, err
	}
	for _, vs := range s.Header {
		c.secrets.Add(vs...)
	}
	hdr := s.Header.Clone()
	if s.UserAgent != "" {
		if hdr == nil {
			hdr = http.Header{}
		}
		hdr.Set("User-Agent", s.UserAgent)
	}
	// The token endpoint's client: the same base and TLS, the body cap, retries of requests that
	// never left (a token POST is not idempotent), no API authentication or headers.
	tokenRT := http.RoundTripper(&httpx.BodyCapTransport{Next: rt, Max: s.MaxBody})
	if s.Logger != nil {
		tokenRT = &httpx.LoggingTransport{Next: tokenRT, Logger: s.Logger, Redact: c.Redact}
	}
	if !s.NoRetry {
		tokenRT = &httpx.RetryTransport{Next: tokenRT, Policy: s.Retry, Logger: s.Logger, Redact: c.Redact}
	}
	tokenHTTP := &http.Client{Transport: tokenRT, Timeout: base.Timeout}
	bareRT := rt
	c.bare = func(maxBody int64) *http.Client {
		t := bareRT
		if maxBody > 0 {
			t = &httpx.BodyCapTransport{Next: t, Max: maxBody}
		}
		if s.Logger != nil {
			t = &httpx.LoggingTransport{Next: t, Logger: s.Logger, Redact: c.Redact}
		}
		if !s.NoRetry {
			t = &httpx.RetryTransport{Next: t, Policy: s.Retry, Logger: s.Logger, Redact: c.Redact}
		}
		return &http.Client{Transport: t, Timeout: base.Timeout}
	}

	if len(hdr) > 0 {
		rt = &httpx.HeaderTransport{Next: rt, Header: hdr}
	}
	rt = &httpx.BodyCapTransport{Next: rt, Max: s.MaxBody}
	if s.Logger != nil {
		rt = &httpx.LoggingTransport{Next: rt, Logger: s.Logger, Redact: c.Redact}
	}
	if s.Auth != nil {
		c.secrets.Add(s.Auth.secrets...)
		rt = &tokenTransport{next: rt, auth: s.Auth, secrets: c.secrets, now: time.Now,
			tokenHTTP: sync.OnceValue(func() *http.Client { return tokenHTTP })}
	}
	if wrap != nil {
		rt = wrap(rt)
	}
	if s.RateLimit > 0 {
		rt = &httpx.RateLimitTransport{Next: rt, Limiter: rate.NewLimiter(s.RateLimit, s.RateBurst)}
	}
	if !s.NoRetry {
		rt = &httpx.RetryTransport{Next: rt, Policy: s.Retry, Logger: s.Logger, Redact: c.Redact}
	}
	return &http.Client{Transport: rt, Timeout: base.Timeout, Jar: base.Jar, CheckRedirect: base.CheckRedirect}, nil
}

// baseTransport returns the host's transport (or a tuned copy of the default) with the TLS
// settings applied.
func baseTransport(base *http.Client, s *Settings) (http.RoundTripper, error) {
	rt := base.Transport
	if rt == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.ResponseHeaderTimeout = responseHeaderTimeout
		t.MaxIdleConnsPerHost = 16
		rt = t
	}
	if len(s.Certificates) == 0 && s.RootCAs == nil {
		return rt, nil
	}
	t, ok := rt.(*http.Transport)
	if !ok {
		return nil, errors.New("client certificates and root CAs need the base client's Transport to be an *http.Transport")
	}
	t = t.Clone()
	if t.TLSClientConfig == nil {
		t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	t.TLSClientConfig.Certificates = append(t.TLSClientConfig.Certificates, s.Certificates...)
	if s.RootCAs != nil {
		t.TLSClientConfig.RootCAs = s.RootCAs
	}
	return t, nil
}

// Name returns the client's name, the prefix of its errors.
func (c *Client) Name() string { return c.name }

// BaseURL returns the API's root, without a trailing slash.
func (c *Client) BaseURL() string { return c.base.String() }

// Logger returns the host's logger, or nil.
func (c *Client) Logger() *slog.Logger { return c.logger }

// PageSize is how many records the iterators ask for per page.
func (c *Client) PageSize() int { return c.pageSize }

// Strict reports whether a bad record fails the call (WithStrict).
func (c *Client) Strict() bool { return c.strict }

// MaxBody is the cap on one response body.
func (c *Client) MaxBody() int64 { return c.maxBody }

// Unmarshal decodes b into v with the API's decoder options.
func (c *Client) Unmarshal(b []byte, v any) error { return jsonv2.Unmarshal(b, v, c.json) }

// Redact is the one redaction of free text: the client's credentials (WithBearerToken,
// WithHeader, WithBasicAuth and the grants' secrets, and the tokens fetched for it), identity
// numbers and control characters are removed. Every error and log line the core builds goes
// through it.
func (c *Client) Redact(s string) string { return redact.Text(c.secrets.Scrub(s)) }

// AddSecrets masks values in every error and log line from now on, like the credentials given
// as options: secrets a client sends in a body (a webhook subscription's signing key), which a
// server could echo into an error.
func (c *Client) AddSecrets(values ...string) { c.secrets.Add(values...) }

// redactDecoder redacts a decoder's complaint: the values it quoted are dropped first.
func (c *Client) redactDecoder(s string) string {
	return redact.Text(redact.Quoted(c.secrets.Scrub(s)))
}

// Errorf returns an error prefixed with the client's name whose text is redacted; the errors
// its %w verbs wrap stay reachable with errors.Is and errors.As.
func (c *Client) Errorf(format string, args ...any) error {
	err := fmt.Errorf(format, args...)
	e := &redacted{text: c.name + ": " + c.Redact(err.Error())}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		e.errs = []error{u.Unwrap()}
	case interface{ Unwrap() []error }:
		e.errs = u.Unwrap()
	}
	return e
}

// redacted is an error whose text was redacted; it unwraps to the errors it wraps.
type redacted struct {
	text string
	errs []error
}

func (e *redacted) Error() string   { return e.text }
func (e *redacted) Unwrap() []error { return e.errs }

// scrubbed is a decoder's complaint, redacted. It matches what the complaint matched
// (errors.Is) but does not unwrap to it: the decoder's own error types keep the values it
// quoted (time.ParseError.Value, strconv.NumError.Num).
type scrubbed struct {
	text  string
	cause error
}

func (e *scrubbed) Error() string        { return e.text }
func (e *scrubbed) Is(target error) bool { return errors.Is(e.cause, target) }

// Scrub returns err as a redacted decoder complaint (see DecodeError).
func (c *Client) Scrub(err error) error { return scrub(err, c.redactDecoder) }

// Scrub is Client.Scrub for a decoder that runs without a client (a payload read from a
// queue): the complaint loses what it quoted and any personal number; there are no
// credentials to mask.
func Scrub(err error) error { return scrub(err, redact.DecoderError) }

func scrub(err error, text func(string) string) error {
	if err == nil {
		return nil
	}
	var s *scrubbed
	if errors.As(err, &s) || err == apierror.ErrNoID {
		return err
	}
	return &scrubbed{text: text(err.Error()), cause: err}
}

// DecodeError builds the error for an answer that did not decode: where is redacted, and err
// is kept only as redacted text (Scrub).
func (c *Client) DecodeError(where string, err error) *apierror.DecodeError {
	var tooLarge *apierror.BodyTooLargeError
	if errors.As(err, &tooLarge) {
		return &apierror.DecodeError{Path: c.Where(where), Err: tooLarge}
	}
	return &apierror.DecodeError{Path: c.Where(where), Err: c.Scrub(err)}
}

// RecordError builds the error for one record that could not be used.
func (c *Client) RecordError(where string, index int, id string, err error) *apierror.RecordError {
	return &apierror.RecordError{Path: c.Where(where), Index: index, ID: redact.Printable(c.Redact(id), 128), Err: c.Scrub(err)}
}

// Where renders a path (or URL) for an error: path and query redacted (redact.Path).
func (c *Client) Where(where string) string {
	u, err := url.Parse(where)
	if err != nil {
		return redact.Mask
	}
	return c.secrets.Scrub(redact.Path(u))
}

// Request is one request to the API.
type Request struct {
	Method string // default GET
	// Path is a path under the base URL ("/persons/" + url.PathEscape(id)), or an absolute URL
	// on the base URL's scheme, host and port (a Link header's next page, a feed's href): New
	// refuses to send the client's credentials anywhere else.
	Path  string
	Query url.Values
	// Body is sent JSON-encoded (Config.Marshal); a []byte is sent as it is, with ContentType.
	Body        any
	ContentType string      // the Content-Type of the body; default application/json
	Accept      string      // default application/json
	Header      http.Header // further headers (Idempotency-Key, ...)
	// Idempotent says the API applies the request once however often it is sent (a POST that
	// sets a state rather than adding one), so it is retried after server errors and lost
	// connections like a PUT. Leave it false for anything that creates.
	Idempotent bool
}

// URL resolves ref, a path under the base URL or an absolute URL on its origin.
func (c *Client) URL(ref string) (*url.URL, error) {
	r, err := url.Parse(ref)
	if err != nil {
		return nil, c.Errorf("not a URL: %s", redact.Quoted(fmt.Sprintf("%q", ref)))
	}
	if !r.IsAbs() {
		if r.Host != "" || !strings.HasPrefix(ref, "/") {
			return nil, c.Errorf("%s is neither an absolute URL nor a rooted path", c.Where(ref))
		}
		// A rooted href that already starts with the base URL's path (Ladok's feed links) is
		// taken as it is; any other path is under the base URL.
		full := c.base.String() + ref
		if p := c.base.Path; p != "" && (r.Path == p || strings.HasPrefix(r.Path, p+"/")) {
			full = c.base.Scheme + "://" + c.base.Host + ref
		}
		out, err := url.Parse(full)
		if err != nil {
			return nil, c.Errorf("%s is not a valid path", c.Where(ref))
		}
		out.Fragment = ""
		return out, nil
	}
	if !SameOrigin(r, c.base) {
		return nil, &ForeignURLError{URL: redact.URL(r), Origin: c.base.Scheme + "://" + c.base.Host}
	}
	out := *r
	out.Fragment, out.User = "", nil
	return &out, nil
}

// ErrForeignURL is matched by a ForeignURLError.
var ErrForeignURL = errors.New("refusing to follow a URL to another host")

// ForeignURLError is an absolute URL from an answer (a Link header, a feed href) that points to
// another scheme, host or port than the client's: the client refuses to send its credentials
// there.
type ForeignURLError struct {
	URL    string // redacted
	Origin string // the client's scheme and host
}

// Error names the URL and the client's origin.
func (e *ForeignURLError) Error() string {
	return "refusing to follow " + e.URL + ": it points elsewhere, not to the API's host " + e.Origin
}

// Is makes the error match ErrForeignURL.
func (e *ForeignURLError) Is(target error) bool { return target == ErrForeignURL }

// SameOrigin compares scheme, host (case-insensitively) and port (a missing one as the scheme's
// default) as a browser would.
func SameOrigin(a, b *url.URL) bool {
	port := func(u *url.URL) string {
		if p := u.Port(); p != "" {
			return p
		}
		if strings.EqualFold(u.Scheme, "http") {
			return "80"
		}
		return "443"
	}
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Hostname(), b.Hostname()) && port(a) == port(b)
}

// NewRequest builds the *http.Request for r.
func (c *Client) NewRequest(ctx context.Context, r *Request) (*http.Request, error) {
	u, err := c.URL(r.Path)
	if err != nil {
		return nil, err
	}
	if len(r.Query) > 0 {
		u.RawQuery = r.Query.Encode()
	}
	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	var body []byte
	contentType := r.ContentType
	switch b := r.Body.(type) {
	case nil:
		contentType = ""
	case []byte:
		body = b
	default:
		if body, err = c.marshal(b); err != nil {
			return nil, c.Errorf("encoding the body of %s %s: %w", method, c.Where(r.Path), err)
		}
	}
	if body != nil && contentType == "" {
		contentType = "application/json"
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	if r.Idempotent {
		ctx = httpx.WithIdempotent(ctx)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, c.Errorf("%s %s: %w", method, c.Where(r.Path), err)
	}
	accept := r.Accept
	if accept == "" {
		accept = "application/json"
	}
	req.Header.Set("Accept", accept)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, vs := range r.Header {
		req.Header[k] = vs
	}
	return req, nil
}

// Do sends r and returns the response of a 2xx answer, whose body the caller reads and closes.
// A non-2xx answer becomes an *apierror.APIError (through Config.Classify); a failure to get an
// answer is returned as "name: METHOD path: cause", with the path redacted and without Go's
// *url.Error, which would repeat the whole URL.
func (c *Client) Do(ctx context.Context, r *Request) (*http.Response, error) {
	req, err := c.NewRequest(ctx, r)
	if err != nil {
		return nil, err
	}
	return c.Send(req)
}

// Send sends a request built by NewRequest (see Do).
func (c *Client) Send(req *http.Request) (*http.Response, error) {
	resp, err := c.hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, &redacted{text: c.name + ": " + req.Method + " " + c.secrets.Scrub(redact.Path(req.URL)) + ": " + c.Redact(err.Error()), errs: []error{err}}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, c.APIError(resp)
	}
	return resp, nil
}

// Fetch GETs rawURL, an absolute http(s) URL that an answer handed out (a pre-signed download
// link), without the client's authentication or fixed headers whatever its host: such a link is
// its own credential, and a token sent with it would reach a third party (and make S3 refuse the
// request). It goes through the host's base client and TLS settings, the retry policy and the
// logger. The body is capped at maxBody bytes (0: no cap), for a caller that streams it to disk
// rather than holding it. A non-2xx answer is an *apierror.APIError; the URL's query (the link's
// signature) appears in no error or log line.
func (c *Client) Fetch(ctx context.Context, rawURL string, accept string, maxBody int64) (*http.Response, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return nil, c.Errorf("%s is not an absolute http(s) URL without user info", c.Where(rawURL))
	}
	u.Fragment = ""
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, c.Errorf("GET %s: %w", c.Where(rawURL), err)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := c.bare(maxBody).Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, &redacted{text: c.name + ": GET " + c.secrets.Scrub(redact.URL(u)) + ": " + c.Redact(err.Error()), errs: []error{err}}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, c.APIError(resp)
	}
	return resp, nil
}

// MaxErrorBody is how much of an error answer's body is read for its code, message and excerpt.
const MaxErrorBody = 2048

// APIError reads an error answer (at most MaxErrorBody bytes of its body, then closes it) and
// returns the redacted *apierror.APIError, through Config.Classify.
func (c *Client) APIError(resp *http.Response) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, MaxErrorBody+1))
	drain(resp.Body)
	e := &apierror.APIError{StatusCode: resp.StatusCode}
	if resp.Request != nil {
		e.Method = resp.Request.Method
		e.URL = c.secrets.Scrub(redact.URL(resp.Request.URL))
	}
	e.RequestID = httpx.RequestID(resp.Header)
	e.RetryAfter, _ = httpx.ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	cut := len(body) > MaxErrorBody
	if cut {
		body = trimCut(body[:MaxErrorBody])
	}
	if c.errorBody != nil && len(body) > 0 {
		c.errorBody(e, body)
	}
	e.Code = redact.Printable(c.Redact(e.Code), 64)
	e.Subcode = redact.Printable(c.Redact(e.Subcode), 64)
	e.Message = redact.Printable(c.Redact(e.Message), 512)
	e.RequestID = redact.Printable(c.Redact(e.RequestID), httpx.MaxRequestID)
	e.Body = c.Redact(strings.ToValidUTF8(string(body), "\uFFFD"))
	if cut {
		e.Body += "…"
	}
	if c.classify != nil {
		return c.classify(e)
	}
	return e
}

// trimCut drops the word a cut went through from the end of body, so that no part of a number
// or a token split by the cut survives redaction (which recognises only whole ones).
func trimCut(body []byte) []byte {
	i := bytes.LastIndexFunc(body, func(r rune) bool {
		return r == ' ' || r == '\n' || r == '\t' || r == '"' || r == ',' || r == '{' || r == '}' || r == '[' || r == ']' || r == '<' || r == '>'
	})
	return body[:i+1]
}

// drain reads a little of a body being discarded so the connection can be reused, and closes it.
func drain(body io.ReadCloser) {
	_, _ = io.CopyN(io.Discard, body, 64<<10)
	_ = body.Close()
}

// ReadBody reads a whole 2xx body (within the cap) and closes it.
func (c *Client) ReadBody(resp *http.Response, where string) ([]byte, error) {
	defer resp.Body.Close()
	var buf bytes.Buffer
	if n := resp.ContentLength; n > 0 && n <= c.maxBody {
		buf.Grow(int(n) + bytes.MinRead)
	}
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		return nil, c.readError(where, err)
	}
	return buf.Bytes(), nil
}

// readError wraps a failure while reading a body: the body cap's error as it is, anything else
// redacted.
func (c *Client) readError(where string, err error) error {
	return &redacted{text: c.name + ": reading " + c.Where(where) + ": " + c.Redact(err.Error()), errs: []error{err}}
}

// Call sends r and decodes the answer into out (nothing when out is nil). An answer that does
// not decode is an *apierror.DecodeError; so is an empty answer to a GET, while other methods
// may answer with no body.
func (c *Client) Call(ctx context.Context, r *Request, out any) error {
	resp, err := c.Do(ctx, r)
	if err != nil {
		return err
	}
	return c.Decode(resp, r.Path, out)
}

// Decode reads a 2xx answer's body into out (see Call).
func (c *Client) Decode(resp *http.Response, where string, out any) error {
	b, err := c.ReadBody(resp, where)
	if err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	if len(bytes.TrimSpace(b)) == 0 {
		if resp.Request != nil && resp.Request.Method != http.MethodGet {
			return nil
		}
		return c.DecodeError(where, errors.New("empty answer"))
	}
	if err := c.Unmarshal(b, out); err != nil {
		return c.DecodeError(where, err)
	}
	return nil
}
