package apiclient

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/edusync/edusync/apierror"
)

func TestFetchSendsNoCredentials(t *testing.T) {
	var gotAuth, gotKey atomic.Value
	files := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth.Store(r.Header.Get("Authorization"))
		gotKey.Store(r.Header.Get("X-Api-Key"))
		_, _ = io.WriteString(w, "file bytes")
	}))
	defer files.Close()
	c := newClient(t, "https://api.example/v1", Config{}, WithBearerToken("tok-secret"), WithHeader("X-Api-Key", "key-secret"))
	resp, err := c.Fetch(context.Background(), files.URL+"/bucket/f.pdf?X-Amz-Signature=abc", "", 0)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "file bytes" {
		t.Errorf("body %q", b)
	}
	if gotAuth.Load() != "" || gotKey.Load() != "" {
		t.Errorf("a download carried the client's credentials: Authorization %q, X-Api-Key %q", gotAuth.Load(), gotKey.Load())
	}
}

func TestFetchCapsRetriesAndRedacts(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/flaky":
			if calls.Add(1) == 1 {
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			_, _ = io.WriteString(w, "ok")
		case "/big":
			_, _ = io.WriteString(w, strings.Repeat("x", 100))
		default:
			w.WriteHeader(http.StatusForbidden)
			_, _ = io.WriteString(w, "<Error><Code>AccessDenied</Code></Error>")
		}
	}))
	defer srv.Close()
	c := newClient(t, srv.URL, Config{})
	ctx := context.Background()

	resp, err := c.Fetch(ctx, srv.URL+"/flaky", "", 0)
	if err != nil {
		t.Fatalf("a 503 was not retried: %v", err)
	}
	resp.Body.Close()

	resp, err = c.Fetch(ctx, srv.URL+"/big", "", 10)
	if err == nil {
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	if !errors.Is(err, apierror.ErrBodyTooLarge) {
		t.Errorf("a body over the cap: %v", err)
	}

	_, err = c.Fetch(ctx, srv.URL+"/expired?X-Amz-Signature=sig-secret-value", "", 0)
	var ae *apierror.APIError
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusForbidden {
		t.Fatalf("a refusal: %v", err)
	}
	if strings.Contains(err.Error(), "sig-secret-value") {
		t.Errorf("the link's signature is in the error: %v", err)
	}
	for _, bad := range []string{"/relative", "file:///etc/passwd", "https://user:pw@x.example/f", "::"} {
		if _, err := c.Fetch(ctx, bad, "", 0); err == nil || strings.Contains(err.Error(), "pw@") {
			t.Errorf("Fetch(%q): %v", bad, err)
		}
	}
}

func TestIdempotentPostIsRetried(t *testing.T) {
	for _, idem := range []bool{false, true} {
		var calls atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if calls.Add(1) == 1 {
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			_, _ = io.WriteString(w, "{}")
		}))
		c := newClient(t, srv.URL, Config{})
		err := c.Call(context.Background(), &Request{Method: http.MethodPost, Path: "/appeals", Body: map[string]int{"a": 1}, Idempotent: idem}, nil)
		srv.Close()
		if idem && (err != nil || calls.Load() != 2) {
			t.Errorf("idempotent POST: err %v after %d calls, want success after 2", err, calls.Load())
		}
		if !idem && (err == nil || calls.Load() != 1) {
			t.Errorf("plain POST: err %v after %d calls, want the 503 after 1", err, calls.Load())
		}
	}
}

// A URL an answer handed out may hold a credential in its path; the log lines of the request
// and of its retries mask it like any other text.
func TestLoggedURLsMaskCredentials(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	var logs strings.Builder
	c := newClient(t, srv.URL, Config{}, WithBearerToken("tok-in-path-secret"), WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	resp, err := c.Fetch(context.Background(), srv.URL+"/files/tok-in-path-secret/f.pdf", "", 0)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if calls.Load() != 2 || !strings.Contains(logs.String(), "retrying") {
		t.Fatalf("no retry logged: %s", logs.String())
	}
	if strings.Contains(logs.String(), "tok-in-path-secret") {
		t.Errorf("the log holds the token: %s", logs.String())
	}
}
