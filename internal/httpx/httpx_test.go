package httpx

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/edusync/edusync/apierror"
)

func fastPolicy() apierror.RetryPolicy {
	return apierror.RetryPolicy{MaxAttempts: 4, BaseDelay: time.Millisecond, MaxDelay: 4 * time.Millisecond}
}

// scripted answers each request with the next status in the list (the last one repeats).
func scripted(t *testing.T, statuses ...int) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		if i >= len(statuses) {
			i = len(statuses) - 1
		}
		body, _ := io.ReadAll(r.Body)
		if statuses[i] == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "0")
		}
		w.WriteHeader(statuses[i])
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// client stacks the retry transport (with p, or fastPolicy) over logging and the default
// transport, the order the client core uses.
func client(t *testing.T, p ...apierror.RetryPolicy) *http.Client {
	t.Helper()
	policy := fastPolicy()
	if len(p) > 0 {
		policy = p[0]
	}
	return &http.Client{Transport: &RetryTransport{Next: http.DefaultTransport, Policy: policy}}
}

func TestRetrySemantics(t *testing.T) {
	cases := []struct {
		name      string
		method    string
		key       bool
		statuses  []int
		wantCalls int32
		wantCode  int
	}{
		{"GET retried on 503", "GET", false, []int{503, 503, 200}, 3, 200},
		{"GET gives up after MaxAttempts", "GET", false, []int{502}, 4, 502},
		{"POST not retried on 503", "POST", false, []int{503, 200}, 1, 503},
		{"POST with idempotency key retried on 504", "POST", true, []int{504, 200}, 2, 200},
		{"POST retried on 429", "POST", false, []int{429, 429, 201}, 3, 201},
		{"PUT retried on 502", "PUT", false, []int{502, 200}, 2, 200},
		{"500 never retried", "GET", false, []int{500, 200}, 1, 500},
		{"404 never retried", "GET", false, []int{404, 200}, 1, 404},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv, calls := scripted(t, c.statuses...)
			req, _ := http.NewRequest(c.method, srv.URL, strings.NewReader("payload"))
			if c.key {
				req.Header.Set(IdempotencyKeyHeader, "k1")
			}
			resp, err := client(t).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != c.wantCode || calls.Load() != c.wantCalls {
				t.Fatalf("status %d after %d calls, want %d after %d", resp.StatusCode, calls.Load(), c.wantCode, c.wantCalls)
			}
			if c.method != "GET" && string(body) != "payload" {
				t.Fatalf("body on final attempt = %q, want the request body replayed", body)
			}
		})
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	var n atomic.Int32
	var first time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			first = time.Now()
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(429)
			return
		}
		if d := time.Since(first); d < 900*time.Millisecond {
			t.Errorf("retried after %v, before Retry-After", d)
		}
	}))
	defer srv.Close()
	resp, err := client(t).Post(srv.URL, "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || n.Load() != 2 {
		t.Fatalf("status %d after %d calls", resp.StatusCode, n.Load())
	}
}

func TestRetryAfterTooLongReturned(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(429)
	}))
	defer srv.Close()
	resp, err := client(t).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if ra, ok := ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); !ok || ra != time.Hour {
		t.Fatalf("Retry-After %v %v", ra, ok)
	}
}

func TestContextCancelWins(t *testing.T) {
	srv, _ := scripted(t, 503)
	c := client(t, apierror.RetryPolicy{MaxAttempts: 10, BaseDelay: time.Hour, MaxDelay: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
	start := time.Now()
	_, err := c.Do(req)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("cancellation did not interrupt the backoff")
	}
}

func TestDroppedConnection(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
			return
		}
		w.WriteHeader(200)
	}))
	defer srv.Close()
	resp, err := client(t).Get(srv.URL)
	if err != nil {
		t.Fatalf("GET after dropped connection: %v", err)
	}
	resp.Body.Close()

	n.Store(0)
	_, err = client(t).Post(srv.URL, "text/plain", strings.NewReader("x"))
	if err == nil || n.Load() != 1 {
		t.Fatalf("POST after dropped connection: err=%v calls=%d; want error after one call", err, n.Load())
	}
}

func TestDialErrorRetriedForPost(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close() // nothing listens: dial fails, the request never left
	_, err := client(t).Post("http://"+addr, "text/plain", strings.NewReader("x"))
	var op *net.OpError
	if !errors.As(err, &op) || op.Op != "dial" {
		t.Fatalf("err = %v", err)
	}
}

func TestRateLimitedHook(t *testing.T) {
	srv, calls := scripted(t, 403, 403, 200)
	c := client(t, apierror.RetryPolicy{MaxAttempts: 5, BaseDelay: time.Millisecond, RateLimited: func(r *http.Response) bool {
		return r.StatusCode == 403 && bytes.Contains(PeekBody(r, 64), []byte("Rate Limit"))
	}})
	resp, _ := c.Post(srv.URL, "text/plain", strings.NewReader("Rate Limit Exceeded"))
	resp.Body.Close()
	if resp.StatusCode != 200 || calls.Load() != 3 {
		t.Fatalf("status %d after %d calls", resp.StatusCode, calls.Load())
	}
	srv2, calls2 := scripted(t, 403, 200)
	resp, _ = c.Post(srv2.URL, "text/plain", strings.NewReader("not allowed"))
	resp.Body.Close()
	if resp.StatusCode != 403 || calls2.Load() != 1 {
		t.Fatalf("plain 403: status %d after %d calls", resp.StatusCode, calls2.Load())
	}
}

func TestBodyCap(t *testing.T) {
	for _, tc := range []struct {
		name    string
		length  bool // send Content-Length
		max     int64
		wantErr bool
	}{
		{"exactly the cap", false, 100, false},
		{"one byte over, streamed", false, 99, true},
		{"announced over the cap", true, 99, true},
		{"announced at the cap", true, 100, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.length {
					w.Header().Set("Content-Length", "100")
				}
				w.Write(bytes.Repeat([]byte("a"), 50))
				w.(http.Flusher).Flush() // chunked unless the length was announced
				w.Write(bytes.Repeat([]byte("a"), 50))
			}))
			defer srv.Close()
			c := &http.Client{Transport: &BodyCapTransport{Next: http.DefaultTransport, Max: tc.max}}
			resp, err := c.Get(srv.URL)
			read := false
			if err == nil {
				read = true
				_, err = io.ReadAll(resp.Body)
				resp.Body.Close()
			}
			var tooLarge *apierror.BodyTooLargeError
			if got := errors.Is(err, apierror.ErrBodyTooLarge) && errors.As(err, &tooLarge); got != tc.wantErr {
				t.Fatalf("err = %v", err)
			}
			if !tc.wantErr {
				return
			}
			if tooLarge.Limit != tc.max || !strings.Contains(err.Error(), "99 bytes") {
				t.Errorf("error does not name the limit: %v", err)
			}
			if tc.length && (read || tooLarge.ContentLength != 100) {
				t.Errorf("an announced oversize body was read (read %v, %+v)", read, tooLarge)
			}
		})
	}
}

// A body over the cap and a token endpoint's refusal are not retried: another attempt gets the
// same answer.
func TestFinalErrorsNotRetried(t *testing.T) {
	var calls atomic.Int32
	for _, fail := range []error{&apierror.BodyTooLargeError{Limit: 1, ContentLength: 2}, &apierror.TokenError{Status: "401", StatusCode: 401}} {
		calls.Store(0)
		rt := &RetryTransport{Policy: fastPolicy(), Next: roundTripFunc(func(*http.Request) (*http.Response, error) {
			calls.Add(1)
			return nil, fail
		})}
		req, _ := http.NewRequest("GET", "http://x.example/", nil)
		if _, err := rt.RoundTrip(req); !errors.Is(err, fail) || calls.Load() != 1 {
			t.Errorf("%T: err %v after %d calls, want it after 1", fail, err, calls.Load())
		}
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestLoggingRedacts(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "rid-199001011234\n")
	}))
	defer srv.Close()
	c := &http.Client{Transport: &LoggingTransport{Next: http.DefaultTransport, Logger: logger}}
	resp, err := c.Get(srv.URL + "/persons/19900101-1234?civicNo=199001011234&access_token=tok-SECRET")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	out := buf.String()
	for _, s := range []string{"SECRET", "199001011234", "19900101-1234"} {
		if strings.Contains(out, s) {
			t.Errorf("log contains %q:\n%s", s, out)
		}
	}
	if !strings.Contains(out, `"status":200`) || !strings.Contains(out, "rid-[redacted]") {
		t.Errorf("log lacks the request line:\n%s", out)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{"2": 2 * time.Second, "0.5": 500 * time.Millisecond, "Thu, 01 Jan 2026 00:00:10 GMT": 10 * time.Second} {
		if got, ok := ParseRetryAfter(in, now); !ok || got != want {
			t.Errorf("%q -> %v %v", in, got, ok)
		}
	}
	for _, in := range []string{"", "soon", "-1"} {
		if _, ok := ParseRetryAfter(in, now); ok {
			t.Errorf("%q accepted", in)
		}
	}
}
