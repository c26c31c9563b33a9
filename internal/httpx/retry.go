package httpx

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/edusync/edusync/apierror"
	"github.com/edusync/edusync/internal/backoff"
	"github.com/edusync/edusync/internal/redact"
)

// IdempotencyKeyHeader marks a request as safe to repeat even though its method is not
// idempotent: the server de-duplicates on the key.
const IdempotencyKeyHeader = "Idempotency-Key"

// withDefaults fills in the zero fields of p with the documented defaults.
func withDefaults(p apierror.RetryPolicy) apierror.RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 5
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = 200 * time.Millisecond
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = 30 * time.Second
	}
	if p.MaxRetryAfter <= 0 {
		p.MaxRetryAfter = 2 * time.Minute
	}
	return p
}

// retryDelay returns the delay before retry number n (1-based).
func retryDelay(p apierror.RetryPolicy, n int) time.Duration {
	return backoff.Delay(p.BaseDelay, p.MaxDelay, n)
}

// RetryTransport repeats failed requests according to an apierror.RetryPolicy.
type RetryTransport struct {
	Next   http.RoundTripper
	Policy apierror.RetryPolicy
	Logger *slog.Logger        // may be nil
	Redact func(string) string // the client's redaction of free text, for the log lines
}

type attemptKey struct{}

// Attempt returns the 1-based attempt number a request carries inside the retry transport.
func Attempt(ctx context.Context) int {
	if n, ok := ctx.Value(attemptKey{}).(int); ok {
		return n
	}
	return 1
}

// RoundTrip implements http.RoundTripper.
func (t *RetryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	p := withDefaults(t.Policy)
	ctx := req.Context()
	faultSafe := IsIdempotent(req)
	rewindable := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil

	for attempt := 1; ; attempt++ {
		r := req.WithContext(context.WithValue(ctx, attemptKey{}, attempt))
		if attempt > 1 && req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			r = r.Clone(r.Context())
			r.Body = body
		}
		resp, err := t.Next.RoundTrip(r)
		last := attempt >= p.MaxAttempts || !rewindable

		var wait time.Duration
		var reason string
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return nil, err
			}
			if last || final(err) || !(faultSafe || notSent(err)) {
				return nil, err
			}
			wait, reason = retryDelay(p, attempt), "connection error"
		case resp.StatusCode == http.StatusTooManyRequests || (p.RateLimited != nil && p.RateLimited(resp)):
			if last {
				return resp, nil
			}
			ra, ok := ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
			if ok && ra > p.MaxRetryAfter {
				return resp, nil
			}
			wait, reason = max(ra, retryDelay(p, attempt)), "rate limited"
		case isRetryableStatus(resp.StatusCode) && faultSafe:
			if last {
				return resp, nil
			}
			wait, reason = retryDelay(p, attempt), "server error"
			if ra, ok := ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok && ra <= p.MaxRetryAfter {
				wait = max(wait, ra)
			}
		default:
			return resp, nil
		}
		if resp != nil {
			drain(resp.Body)
		}
		if t.Logger != nil {
			attrs := []any{"method", req.Method, "url", orText(t.Redact)(redact.URL(req.URL)), "attempt", attempt, "reason", reason, "wait", wait}
			if err != nil {
				attrs = append(attrs, "error", orText(t.Redact)(err.Error()))
			} else {
				attrs = append(attrs, "status", resp.StatusCode)
			}
			t.Logger.LogAttrs(ctx, slog.LevelInfo, "edusync: retrying request", argsToAttrs(attrs)...)
		}
		if err := backoff.Sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// IsIdempotent reports whether repeating req cannot apply it twice: an idempotent method, an
// Idempotency-Key header, or a context marked by WithIdempotent.
func IsIdempotent(req *http.Request) bool {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, http.MethodPut, http.MethodDelete:
		return true
	}
	return req.Header.Get(IdempotencyKeyHeader) != "" || req.Context().Value(idempotentKey{}) != nil
}

type idempotentKey struct{}

// WithIdempotent marks the requests made with ctx as safe to repeat whatever their method: the
// API applies such a request once however often it arrives (a POST that sets a state, as
// Inspera's appeal registration does), so a lost answer or a 503 may be retried like a PUT.
func WithIdempotent(ctx context.Context) context.Context {
	return context.WithValue(ctx, idempotentKey{}, true)
}

func isRetryableStatus(code int) bool {
	return code == http.StatusBadGateway || code == http.StatusServiceUnavailable || code == http.StatusGatewayTimeout
}

// final reports errors that another attempt cannot change: an answer over the body cap, a token
// endpoint's refusal.
func final(err error) bool {
	var te *apierror.TokenError
	return errors.Is(err, apierror.ErrBodyTooLarge) || errors.As(err, &te)
}

// notSent reports whether err happened before any byte of the request left, so repeating it
// is safe whatever its method.
func notSent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

// drain reads a little of a body we are discarding so the connection can be reused.
func drain(body io.ReadCloser) {
	if body == nil {
		return
	}
	_, _ = io.CopyN(io.Discard, body, 64<<10)
	_ = body.Close()
}

func argsToAttrs(args []any) []slog.Attr {
	attrs := make([]slog.Attr, 0, len(args)/2)
	for i := 0; i+1 < len(args); i += 2 {
		attrs = append(attrs, slog.Any(args[i].(string), args[i+1]))
	}
	return attrs
}
