package apierror

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Sentinel errors for errors.Is. An *APIError matches the sentinel of its status; the other
// error types match the sentinel named in their documentation.
var (
	ErrBadRequest   = errors.New("bad request")                          // 400
	ErrUnauthorized = errors.New("unauthorized")                         // 401, or a refused token request
	ErrForbidden    = errors.New("forbidden")                            // 403 that is not throttling
	ErrNotFound     = errors.New("not found")                            // 404
	ErrConflict     = errors.New("conflict")                             // 409
	ErrGone         = errors.New("gone")                                 // 410, for example an expired page token
	ErrTooLarge     = errors.New("request entity too large")             // 413: the request was too large
	ErrRateLimited  = errors.New("rate limited")                         // 429, or the API's own throttling answer
	ErrServer       = errors.New("server error")                         // 5xx
	ErrBodyTooLarge = errors.New("response body exceeds the size limit") // the answer was larger than the client's cap
	ErrPageCycle    = errors.New("paging cycle")                         // a listing pointed back to a page already read
	ErrNoID         = errors.New("record has no id")                     // a record a consumer could not address
)

// APIError is a non-2xx answer from a server. The clients fill every field after redaction:
// URL has no page tokens or identity numbers, Body is a capped excerpt without identity numbers,
// credentials or control characters.
type APIError struct {
	Method     string // the request's method
	URL        string // the request's URL, redacted
	StatusCode int    // the HTTP status
	Code       string // the API's own error code, where its error body has one
	Subcode    string // the API's finer code (Schulconnex subcode, Ladok Detaljkod)
	Message    string // the API's error message, redacted
	RequestID  string // the id the server gave the request or its failure, for its operators
	// RetryAfter is the server's Retry-After, zero when it sent none.
	RetryAfter time.Duration
	// Body is the start of the answer's body (at most 2 KiB before redaction), redacted. It is
	// shown by %+v, not by Error.
	Body string
	// RateLimited is set when the API signals throttling in its own way (for example Canvas's
	// 403 "Rate Limit Exceeded"); a 429 is always rate limited.
	RateLimited bool
}

// Error names the request and the status, and the API's code, message and request id when the
// answer had them.
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
		b.WriteString(" (code ")
		b.WriteString(e.Code)
		if e.Subcode != "" {
			b.WriteByte('/')
			b.WriteString(e.Subcode)
		}
		b.WriteByte(')')
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.RequestID != "" {
		b.WriteString(" [request ")
		b.WriteString(e.RequestID)
		b.WriteByte(']')
	}
	return b.String()
}

// Format prints Error() for %v and %s, and with %+v also the body excerpt, quoted so that no
// character of it can forge a log line.
func (e *APIError) Format(f fmt.State, verb rune) {
	switch verb {
	case 'v':
		_, _ = io.WriteString(f, e.Error())
		if f.Flag('+') && e.Body != "" {
			fmt.Fprintf(f, " (body %q)", e.Body)
		}
	case 's':
		_, _ = io.WriteString(f, e.Error())
	case 'q':
		fmt.Fprintf(f, "%q", e.Error())
	default:
		fmt.Fprintf(f, "%%!%c(*apierror.APIError)", verb)
	}
}

// Is maps the status to the sentinels, so errors.Is(err, ErrNotFound) works. A throttled answer
// matches ErrRateLimited and not ErrForbidden.
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

// Temporary reports whether the same request may succeed later: throttling, or a gateway or
// service that is unavailable for now.
func (e *APIError) Temporary() bool {
	return e.Is(ErrRateLimited) || e.StatusCode == http.StatusBadGateway ||
		e.StatusCode == http.StatusServiceUnavailable || e.StatusCode == http.StatusGatewayTimeout
}

// RetryPolicy says when and how often a client repeats a failed request. The zero value is the
// default every client uses: 5 attempts, backoff from 200 ms doubling up to 30 s with jitter,
// Retry-After honoured up to 2 minutes.
//
// Server faults (502, 503, 504) and lost connections are retried only for idempotent methods or
// requests that carry an Idempotency-Key, because the server may already have acted on them.
// Rate-limit rejections are retried for every method, since a throttled request was not
// processed. Cancelling the request's context stops the waiting at once.
type RetryPolicy struct {
	// MaxAttempts is the total number of tries, the first included. Zero means 5.
	MaxAttempts int
	// BaseDelay is the first backoff step; it doubles per attempt up to MaxDelay. Zero means 200 ms.
	BaseDelay time.Duration
	// MaxDelay caps one backoff step. Zero means 30 s.
	MaxDelay time.Duration
	// MaxRetryAfter is the longest Retry-After waited for; a longer one is returned to the
	// caller as the rate-limit error. Zero means 2 minutes.
	MaxRetryAfter time.Duration
	// RateLimited recognises throttling answers besides 429. A client adds its API's own (Canvas's
	// 403 "Rate Limit Exceeded") to whatever is set here. It may read the body only if it puts
	// it back.
	RateLimited func(*http.Response) bool
}

// DecodeError is an answer that is not what the API describes: not JSON, not the expected
// shape, cut short. Err is the decoder's complaint with every value it quoted left out.
type DecodeError struct {
	Path string // the endpoint or page that answered, redacted
	Err  error  // why it could not be decoded, redacted
}

// Error names the endpoint and the cause.
func (e *DecodeError) Error() string { return "decoding " + e.Path + ": " + errText(e.Err) }

// Unwrap returns the cause.
func (e *DecodeError) Unwrap() error { return e.Err }

// RecordError is one record of a list answer that could not be used: it did not decode, or it
// has no id (ErrNoID). The other records are still delivered. It names where the record was
// and why it failed, never its contents.
type RecordError struct {
	Path  string // the endpoint (or page) the record came from, redacted
	Index int    // the record's position in its page or answer, from 0
	ID    string // the record's id when it could be read, redacted; "" otherwise
	Err   error  // why the record could not be used, redacted
}

// Error names the endpoint, position and id of the record and the cause.
func (e *RecordError) Error() string {
	var b strings.Builder
	b.WriteString(e.Path)
	b.WriteString(" record ")
	b.WriteString(strconv.Itoa(e.Index))
	if e.ID != "" {
		b.WriteString(" (id ")
		b.WriteString(e.ID)
		b.WriteByte(')')
	}
	b.WriteString(": ")
	b.WriteString(errText(e.Err))
	return b.String()
}

// Unwrap returns the cause.
func (e *RecordError) Unwrap() error { return e.Err }

// RecordErrors is returned next to the good records by calls that return a whole list at once
// (lookups), when some records could not be used.
type RecordErrors []*RecordError

// Error describes the first bad record and how many more there are.
func (e RecordErrors) Error() string {
	switch len(e) {
	case 0:
		return "no bad records"
	case 1:
		return e[0].Error()
	}
	return fmt.Sprintf("%s (and %d more bad records)", e[0].Error(), len(e)-1)
}

// Unwrap lets errors.As reach each RecordError.
func (e RecordErrors) Unwrap() []error {
	out := make([]error, len(e))
	for i, r := range e {
		out[i] = r
	}
	return out
}

// BodyTooLargeError is an answer whose body is larger than the client's cap (the option
// WithMaxResponseBody of every client). It matches ErrBodyTooLarge.
type BodyTooLargeError struct {
	Limit int64 // the cap in bytes
	// ContentLength is the size the server announced, when it announced one larger than the cap
	// (the body was then not read at all); -1 when the cap was reached while reading.
	ContentLength int64
}

// Error names the limit, and the announced size when there was one.
func (e *BodyTooLargeError) Error() string {
	s := "response body exceeds the limit of " + byteSize(e.Limit)
	if e.ContentLength >= 0 {
		s += " (Content-Length " + byteSize(e.ContentLength) + ")"
	}
	return s + "; raise it with WithMaxResponseBody"
}

// Is makes the error match ErrBodyTooLarge.
func (e *BodyTooLargeError) Is(target error) bool { return target == ErrBodyTooLarge }

// byteSize renders n bytes exactly, with a binary unit when it is a whole number of them.
func byteSize(n int64) string {
	s := strconv.FormatInt(n, 10) + " bytes"
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		s = strconv.FormatInt(n>>30, 10) + " GiB (" + s + ")"
	case n >= 1<<20 && n%(1<<20) == 0:
		s = strconv.FormatInt(n>>20, 10) + " MiB (" + s + ")"
	case n >= 1<<10 && n%(1<<10) == 0:
		s = strconv.FormatInt(n>>10, 10) + " KiB (" + s + ")"
	}
	return s
}

// PageCycleError ends a listing whose next page (page token, Link header, offset, archive link)
// is one the listing has already read: following it would loop for ever. It matches
// ErrPageCycle. The records delivered before it are complete pages.
type PageCycleError struct {
	Path  string // the listing's endpoint, redacted
	Pages int    // how many pages were read before the repeat
}

// Error names the listing and how far it got.
func (e *PageCycleError) Error() string {
	return fmt.Sprintf("listing %s: after %d pages the server pointed back to a page already read; stopping instead of looping", e.Path, e.Pages)
}

// Is makes the error match ErrPageCycle.
func (e *PageCycleError) Is(target error) bool { return target == ErrPageCycle }

// TokenError is a token endpoint's refusal to issue a token (wrong credentials, unknown
// client, ...). It carries the status and the OAuth2 error code, never the credentials or the
// answer's body. A refusal with 400 or 401 matches ErrUnauthorized.
type TokenError struct {
	Status     string // the HTTP status line and the OAuth2 error code ("400 Bad Request, error invalid_grant")
	StatusCode int    // the HTTP status; 0 when no answer came
}

// Error says what the token endpoint answered.
func (e *TokenError) Error() string { return "token endpoint answered " + e.Status }

// Is makes a refused token request match ErrUnauthorized.
func (e *TokenError) Is(target error) bool {
	return target == ErrUnauthorized && (e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusBadRequest)
}

func errText(err error) string {
	if err == nil {
		return "unknown cause"
	}
	return err.Error()
}
