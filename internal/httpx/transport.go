package httpx

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"time"

	"golang.org/x/time/rate"

	"github.com/edusync/edusync/apierror"
	"github.com/edusync/edusync/internal/redact"
)

// MaxRequestID caps a request id taken from an answer's headers.
const MaxRequestID = 128

// RateLimitTransport waits for a client-side token before each request, so a host can stay
// under an API's published limits instead of relying on being throttled.
type RateLimitTransport struct {
	Next    http.RoundTripper
	Limiter *rate.Limiter
}

// RoundTrip implements http.RoundTripper.
func (t *RateLimitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := t.Limiter.Wait(req.Context()); err != nil {
		return nil, err
	}
	return t.Next.RoundTrip(req)
}

// LoggingTransport writes one structured log line per attempt. URLs are redacted (tokens,
// personal numbers), errors and request ids go through Redact, and no header or body is logged,
// so nothing sensitive reaches the log.
type LoggingTransport struct {
	Next   http.RoundTripper
	Logger *slog.Logger
	Redact func(string) string // the client's redaction of free text
}

// RoundTrip implements http.RoundTripper.
func (t *LoggingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if !t.Logger.Enabled(ctx, slog.LevelDebug) {
		return t.Next.RoundTrip(req)
	}
	start := time.Now()
	resp, err := t.Next.RoundTrip(req)
	attrs := []slog.Attr{
		slog.String("method", req.Method),
		slog.String("url", orText(t.Redact)(redact.URL(req.URL))),
		slog.Int("attempt", Attempt(ctx)),
		slog.Duration("duration", time.Since(start)),
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", orText(t.Redact)(err.Error())))
		t.Logger.LogAttrs(ctx, slog.LevelDebug, "edusync: request failed", attrs...)
		return nil, err
	}
	attrs = append(attrs, slog.Int("status", resp.StatusCode))
	if id := RequestID(resp.Header); id != "" {
		attrs = append(attrs, slog.String("request_id", redact.Printable(orText(t.Redact)(id), MaxRequestID)))
	}
	t.Logger.LogAttrs(ctx, slog.LevelDebug, "edusync: request", attrs...)
	return resp, nil
}

// BodyCapTransport stops reading a response body after Max bytes with an
// *apierror.BodyTooLargeError naming the cap, so a hostile or broken server cannot exhaust
// memory; an answer whose Content-Length is over the cap is refused before its body is read.
type BodyCapTransport struct {
	Next http.RoundTripper
	Max  int64
}

// RoundTrip implements http.RoundTripper.
func (t *BodyCapTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.Next.RoundTrip(req)
	if err != nil || t.Max <= 0 {
		return resp, err
	}
	if resp.ContentLength > t.Max {
		_ = resp.Body.Close()
		return nil, &apierror.BodyTooLargeError{Limit: t.Max, ContentLength: resp.ContentLength}
	}
	resp.Body = &cappedBody{rc: resp.Body, left: t.Max, max: t.Max}
	return resp, nil
}

type cappedBody struct {
	rc   io.ReadCloser
	left int64
	max  int64
}

func (c *cappedBody) Read(p []byte) (int, error) {
	if c.left <= 0 {
		// Probe one byte: a body of exactly the limit is fine.
		var one [1]byte
		n, err := c.rc.Read(one[:])
		if n > 0 {
			return 0, &apierror.BodyTooLargeError{Limit: c.max, ContentLength: -1}
		}
		return 0, err
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.rc.Read(p)
	c.left -= int64(n)
	return n, err
}

func (c *cappedBody) Close() error { return c.rc.Close() }

// HeaderTransport adds fixed headers (user agent, API key, static bearer token) to each request.
type HeaderTransport struct {
	Next   http.RoundTripper
	Header http.Header
}

// RoundTrip implements http.RoundTripper.
func (t *HeaderTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	for k, vs := range t.Header {
		if r.Header.Get(k) == "" {
			r.Header[k] = vs
		}
	}
	return t.Next.RoundTrip(r)
}

// PeekBody reads up to n bytes of resp's body and puts them back, so a RetryPolicy.RateLimited
// hook can look at the body without consuming it.
func PeekBody(resp *http.Response, n int64) []byte {
	if resp.Body == nil {
		return nil
	}
	head, _ := io.ReadAll(io.LimitReader(resp.Body, n))
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(head), resp.Body), resp.Body}
	return head
}

// orText returns f, or redact.Text when f is nil.
func orText(f func(string) string) func(string) string {
	if f == nil {
		return redact.Text
	}
	return f
}
