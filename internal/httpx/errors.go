// Package httpx is the HTTP plumbing every edusync client shares: the error type, the retrying,
// rate-limiting and logging transports, response-size caps and the common client options.
// Client packages re-export what users need (APIError, the sentinels, the options), so users
// never import this package.
package httpx

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/edusync/edusync/internal/redact"
)

// Sentinel errors for errors.Is. An *APIError matches the sentinel of its class.
var (
	ErrBadRequest   = errors.New("bad request")
	ErrUnauthorized = errors.New("unauthorized")
	ErrForbidden    = errors.New("forbidden")
	ErrNotFound     = errors.New("not found")
	ErrConflict     = errors.New("conflict")
	ErrGone         = errors.New("gone")
	ErrTooLarge     = errors.New("request entity too large")
	ErrRateLimited  = errors.New("rate limited")
	ErrServer       = errors.New("server error")
)

// MaxErrorBody is how much of an error response body an APIError keeps.
const MaxErrorBody = 2048

// APIError is a non-2xx answer from a server. Body holds a capped, redacted excerpt of the
// response body; Code and Subcode the API's own error code where its error body has one.
type APIError struct {
	Method     string
	URL        string // redacted: no tokens or personal numbers
	StatusCode int
	Code       string
	Subcode    string
	Message    string
	RequestID  string
	RetryAfter time.Duration
	Body       string
	// RateLimited is set when the API signals throttling in a non-standard way (for example
	// Canvas's 403 "Rate Limit Exceeded"); a 429 is always rate limited.
	RateLimited bool
}

func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString(e.Method)
	b.WriteByte(' ')
	b.WriteString(e.URL)
	b.WriteString(": ")
	b.WriteString(strconv.Itoa(e.StatusCode))
	if t := http.StatusText(e.StatusCode); t != "" {
		b.WriteByte(' ')
		b.WriteString(t)
	}
	if e.Code != "" {
		fmt.Fprintf(&b, " (code %s", e.Code)
		if e.Subcode != "" {
			fmt.Fprintf(&b, "/%s", e.Subcode)
		}
		b.WriteByte(')')
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " [request %s]", e.RequestID)
	}
	return b.String()
}

// Is maps the status code to the sentinel errors, so errors.Is(err, ErrNotFound) works.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests || e.RateLimited
	case ErrBadRequest:
		return e.StatusCode == http.StatusBadRequest
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden && !e.RateLimited
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrConflict:
		return e.StatusCode == http.StatusConflict
	case ErrGone:
		return e.StatusCode == http.StatusGone
	case ErrTooLarge:
		return e.StatusCode == http.StatusRequestEntityTooLarge
	case ErrServer:
		return e.StatusCode >= 500
	}
	return false
}

// Temporary reports whether the same request may succeed later (throttling or a server fault).
func (e *APIError) Temporary() bool {
	return e.Is(ErrRateLimited) || e.StatusCode == http.StatusBadGateway ||
		e.StatusCode == http.StatusServiceUnavailable || e.StatusCode == http.StatusGatewayTimeout
}

// NewAPIError builds an APIError from a response whose body the caller has read (at most
// MaxErrorBody bytes are kept). The API-specific error code is filled in by the client.
func NewAPIError(resp *http.Response, body []byte) *APIError {
	e := &APIError{StatusCode: resp.StatusCode}
	if resp.Request != nil {
		e.Method = resp.Request.Method
		e.URL = redact.URL(resp.Request.URL)
	}
	e.RequestID = RequestID(resp.Header)
	e.RetryAfter, _ = ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	if len(body) > MaxErrorBody {
		body = body[:MaxErrorBody]
	}
	e.Body = redact.PersonalNumbers(strings.ToValidUTF8(string(body), "\uFFFD"))
	return e
}

// RequestID returns the request id a server attached to its answer, under any of the usual names.
func RequestID(h http.Header) string {
	for _, k := range []string{"X-Request-Id", "X-Correlation-Id", "X-Amzn-Requestid", "Request-Id", "X-Trace-Id"} {
		if v := h.Get(k); v != "" {
			return v
		}
	}
	return ""
}

// ParseRetryAfter reads a Retry-After value (seconds or an HTTP date).
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		return time.Duration(secs * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}
