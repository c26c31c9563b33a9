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
)

func fastPolicy() RetryPolicy {
	return RetryPolicy{MaxAttempts: 4, BaseDelay: time.Millisecond, MaxDelay: 4 * time.Millisecond}
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

func client(t *testing.T, opts ...Option) *http.Client {
	t.Helper()
	s := &Settings{Retry: fastPolicy()}
	if err := s.Apply(opts...); err != nil {
		t.Fatal(err)
	}
	c, err := s.Build()
	if err != nil {
		t.Fatal(err)
	}
	return c
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
	apiErr := ReadError(resp, nil).(*APIError)
	if !errors.Is(apiErr, ErrRateLimited) || apiErr.RetryAfter != time.Hour {
		t.Fatalf("got %+v", apiErr)
	}
}

func TestContextCancelWins(t *testing.T) {
	srv, _ := scripted(t, 503)
	s := &Settings{Retry: RetryPolicy{MaxAttempts: 10, BaseDelay: time.Hour, MaxDelay: time.Hour}}
	c, _ := s.Build()
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
	c := client(t, WithRetry(RetryPolicy{MaxAttempts: 5, BaseDelay: time.Millisecond, RateLimited: func(r *http.Response) bool {
		return r.StatusCode == 403 && bytes.Contains(PeekBody(r, 64), []byte("Rate Limit"))
	}}))
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
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(bytes.Repeat([]byte("a"), 100))
	}))
	defer srv.Close()
	for _, tc := range []struct {
		max     int64
		wantErr bool
	}{{100, false}, {99, true}} {
		resp, err := client(t, WithMaxResponseBody(tc.max)).Get(srv.URL)
		if err == nil {
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		if got := errors.Is(err, ErrBodyTooLarge); got != tc.wantErr {
			t.Errorf("max %d: err = %v", tc.max, err)
		}
	}
}

func TestAPIErrorSentinels(t *testing.T) {
	for code, want := range map[int]error{400: ErrBadRequest, 401: ErrUnauthorized, 403: ErrForbidden, 404: ErrNotFound, 409: ErrConflict, 410: ErrGone, 413: ErrTooLarge, 429: ErrRateLimited, 503: ErrServer} {
		e := &APIError{StatusCode: code}
		if !errors.Is(e, want) {
			t.Errorf("%d is not %v", code, want)
		}
		if code != 404 && errors.Is(e, ErrNotFound) {
			t.Errorf("%d matches ErrNotFound", code)
		}
	}
	if e := (&APIError{StatusCode: 403, RateLimited: true}); !errors.Is(e, ErrRateLimited) || errors.Is(e, ErrForbidden) {
		t.Error("throttling 403 misclassified")
	}
}

func TestReadErrorRedacts(t *testing.T) {
	req := httptestRequest("GET", "https://x.example/persons?civicNo=199001011234&limit=5")
	resp := &http.Response{StatusCode: 404, Header: http.Header{"X-Request-Id": {"rid-1"}}, Request: req,
		Body: io.NopCloser(strings.NewReader(`{"message":"person 199001011234 not found"}` + strings.Repeat(" ", 5000)))}
	err := ReadError(resp, func(e *APIError, body []byte) { e.Message = "person 199001011234 not found" })
	msg := err.Error()
	if strings.Contains(msg, "199001011234") || !strings.Contains(msg, "rid-1") || !strings.Contains(msg, "limit=5") {
		t.Fatalf("Error() = %q", msg)
	}
	var apiErr *APIError
	if !errors.As(err, &apiErr) || len(apiErr.Body) > MaxErrorBody || strings.Contains(apiErr.Body, "199001011234") {
		t.Fatalf("Body = %q", apiErr.Body)
	}
}

func httptestRequest(method, url string) *http.Request {
	r, _ := http.NewRequest(method, url, nil)
	return r
}

func TestLoggingRedacts(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv, _ := scripted(t, 503, 200)
	c := client(t, WithLogger(logger), WithBearerToken("tok-SECRET"), WithHeader("X-Api-Key", "key-SECRET"))
	resp, err := c.Get(srv.URL + "/persons?civicNo=199001011234&access_token=tok-SECRET")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	out := buf.String()
	for _, s := range []string{"SECRET", "199001011234"} {
		if strings.Contains(out, s) {
			t.Errorf("log contains %q:\n%s", s, out)
		}
	}
	if !strings.Contains(out, "retrying") || !strings.Contains(out, `"status":200`) {
		t.Errorf("log lacks retry or request lines:\n%s", out)
	}
}

func TestBearerAndHeaders(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer t1" || r.Header.Get("X-Api-Key") != "k" || r.Header.Get("User-Agent") != "ua/1" {
			w.WriteHeader(401)
		}
	}))
	defer srv.Close()
	resp, err := client(t, WithBearerToken("t1"), WithHeader("X-Api-Key", "k"), WithUserAgent("ua/1")).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
}

func TestOptionErrors(t *testing.T) {
	for _, o := range []Option{WithHTTPClient(nil), WithRateLimit(0, 1), WithBearerToken(""), WithMaxResponseBody(0), WithClientCredentials("", "", "")} {
		if err := (&Settings{}).Apply(o); err == nil {
			t.Error("invalid option accepted")
		}
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

// Backoff doubles from base to max and draws each delay from the upper half of its step.
func TestBackoff(t *testing.T) {
	base, max := 100*time.Millisecond, time.Second
	for n, step := range []time.Duration{100, 200, 400, 800, 1000, 1000} {
		step *= time.Millisecond
		for range 50 {
			if d := Backoff(base, max, n+1); d < step/2 || d > step {
				t.Fatalf("Backoff(%v, %v, %d) = %v, want within [%v, %v]", base, max, n+1, d, step/2, step)
			}
		}
	}
}
