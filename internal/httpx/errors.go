// Package httpx is the transport layer every edusync client shares: the retrying, rate-limiting,
// logging, header and body-cap RoundTrippers, and the helpers around them (backoff, Retry-After,
// request ids). internal/apiclient stacks these layers into a client's *http.Client; nothing
// else builds them.
package httpx

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

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
