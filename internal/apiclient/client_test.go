package apiclient

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/edusync/edusync/apierror"
	"github.com/edusync/edusync/internal/leakcheck"
)

func newClient(t *testing.T, base string, cfg Config, opts ...Option) *Client {
	t.Helper()
	cfg.Name, cfg.BaseURL = "test", base
	cfg.Settings.Retry = apierror.RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond}
	if err := cfg.Settings.Apply(opts...); err != nil {
		t.Fatal(err)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestNewChecksBaseURL(t *testing.T) {
	for _, tc := range []struct {
		base    string
		cfg     Config
		wantErr bool
		want    string
	}{
		{"https://x.example/v2/", Config{}, false, "https://x.example/v2"},
		{"https://x.example", Config{DefaultPath: "/api/v1"}, false, "https://x.example/api/v1"},
		{"https://x.example/custom", Config{DefaultPath: "/api/v1"}, false, "https://x.example/custom"},
		{"http://x.example", Config{HTTPSOnly: true}, true, ""},
		{"ftp://x.example", Config{}, true, ""},
		{"/relative", Config{}, true, ""},
		{"https://x.example/?q=1", Config{}, true, ""},
		{"https://user:pw@x.example/", Config{}, true, ""},
		{"https://x.example/#f", Config{}, true, ""},
	} {
		tc.cfg.Name, tc.cfg.BaseURL = "test", tc.base
		c, err := New(tc.cfg)
		if (err != nil) != tc.wantErr {
			t.Errorf("%s: err %v, want error %v", tc.base, err, tc.wantErr)
			continue
		}
		if err != nil {
			if strings.Contains(err.Error(), "pw") {
				t.Errorf("%s: error shows the password: %v", tc.base, err)
			}
			continue
		}
		if c.BaseURL() != tc.want {
			t.Errorf("%s: BaseURL %q, want %q", tc.base, c.BaseURL(), tc.want)
		}
	}
}

func TestOptionErrors(t *testing.T) {
	for _, o := range []Option{WithHTTPClient(nil), WithRateLimit(0, 1), WithBearerToken(""), WithMaxResponseBody(0),
		WithClientCredentials("", "", ""), WithPasswordGrant("", "", "", "", ""), WithPageSize(0), WithHeader("", "v"),
		WithTokenSource(nil), WithTokenFunc("x", nil), WithBasicAuth("", "p")} {
		if err := (&Settings{}).Apply(o); err == nil {
			t.Error("invalid option accepted")
		}
	}
	if _, err := New(Config{Name: "test", BaseURL: "https://x.example", MaxPageSize: 400, Settings: Settings{PageSize: 401}}); err == nil {
		t.Error("page size above the API's maximum accepted")
	}
}

// Requests carry the fixed headers, the user agent and the credentials of the auth option; the
// last auth option wins.
func TestHeadersAndAuthentication(t *testing.T) {
	var got http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r.Header.Clone() }))
	defer srv.Close()
	for _, tc := range []struct {
		opt  Option
		want string
	}{
		{WithBearerToken("t1"), "Bearer t1"},
		{WithBasicAuth("fs-user", "fs-pass"), "Basic ZnMtdXNlcjpmcy1wYXNz"},
	} {
		c := newClient(t, srv.URL, Config{}, WithHeader("X-Gateway-Key", "k"), WithUserAgent("ua/1"), tc.opt)
		if err := c.Call(t.Context(), &Request{Path: "/x"}, nil); err != nil {
			t.Fatal(err)
		}
		if got.Get("Authorization") != tc.want || got.Get("X-Gateway-Key") != "k" || got.Get("User-Agent") != "ua/1" || got.Get("Accept") != "application/json" {
			t.Errorf("headers %v, want Authorization %q", got, tc.want)
		}
	}
}

type countingRT struct {
	next http.RoundTripper
	n    *atomic.Int32
}

func (c countingRT) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(r)
}

// The API's own layer (Config.Wrap) sits below the retry transport: it sees every attempt.
func TestWrapSeesEveryAttempt(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) < 3 {
			w.WriteHeader(503)
		}
	}))
	defer srv.Close()
	var seen atomic.Int32
	c := newClient(t, srv.URL, Config{Wrap: func(next http.RoundTripper) http.RoundTripper { return countingRT{next, &seen} }})
	if err := c.Call(t.Context(), &Request{Path: "/x"}, nil); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 3 || seen.Load() != 3 {
		t.Fatalf("server saw %d, wrapper saw %d; want 3, 3", calls.Load(), seen.Load())
	}
}

// A transport failure names the method and the redacted path, never Go's *url.Error with the
// whole URL: no personal number, filter value or page token reaches the message, and neither
// does a credential.
func TestTransportErrorsCarryNoURL(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens: every dial fails
	var logs bytes.Buffer
	c := newClient(t, "http://"+addr+"/v2", Config{}, WithBearerToken("secret-token-4711"), WithoutRetry(),
		WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	q := url.Values{"civicNo": {"19900101-2389"}, "pageToken": {"tok-abcdef-123456"}, "vorname": {"Annika"}, "limit": {"1000"}}
	err = c.Call(t.Context(), &Request{Path: "/persons/199001012389/" + url.PathEscape("sis_user_id:19900101-2389"), Query: q}, nil)
	if err == nil {
		t.Fatal("no error")
	}
	var op *net.OpError
	if !errors.As(err, &op) {
		t.Errorf("the network error is not reachable with errors.As: %v", err)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		t.Errorf("the error still wraps *url.Error: %v", err)
	}
	for _, out := range []string{err.Error(), fmt.Sprintf("%+v", err), logs.String()} {
		leakcheck.NoNumber(t, out, "199001012389", addr)
		leakcheck.NoSecret(t, out, "tok-abcdef-123456", "Annika", "secret-token-4711")
	}
	if !strings.Contains(err.Error(), "GET /v2/persons/[redacted]/sis_user_id:[redacted]?civicNo=[redacted]&limit=1000") {
		t.Errorf("the error does not say which request failed: %v", err)
	}
}

// An error answer becomes an *apierror.APIError whose message, body and request id are
// redacted: identity numbers, the client's own token (static or fetched) and control
// characters are gone, also from %+v, also where the 2 KiB excerpt cuts through one.
func TestAPIErrorRedacted(t *testing.T) {
	const fetched = "fetched-token-0815-abcdef"
	body := `{"message":"token secret-token-4711 and ` + fetched + ` rejected for 19900101-2389` + "\x1b[2J\n" + `"}`
	cut := strings.Repeat(" ", MaxErrorBody-len(`{"x":"`)-8) // the excerpt ends 8 digits into a number
	for _, tc := range []struct {
		name   string
		answer string
		opt    Option
		secret string
	}{
		{"static token", body, WithBearerToken("secret-token-4711"), "secret-token-4711"},
		{"fetched token", body, WithTokenSource(staticSource(fetched)), fetched},
		{"cut", `{"x":"` + cut + `199001012389 and more"}`, WithBearerToken("secret-token-4711"), "secret-token-4711"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-Request-Id", "rid-7")
				w.WriteHeader(http.StatusBadRequest)
				io.WriteString(w, tc.answer)
			}))
			defer srv.Close()
			c := newClient(t, srv.URL, Config{ErrorBody: func(e *apierror.APIError, b []byte) {
				e.Message, e.Code = string(b[max(0, len(b)-500):]), "code 199001012389"
			}}, tc.opt)
			err := c.Call(t.Context(), &Request{Path: "/persons", Query: url.Values{"civicNo": {"199001012389"}}}, nil)
			var ae *apierror.APIError
			if !errors.As(err, &ae) || !errors.Is(err, apierror.ErrBadRequest) || ae.RequestID != "rid-7" {
				t.Fatalf("err = %v", err)
			}
			for _, out := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", *ae), ae.Body, ae.Message, ae.Code, ae.URL} {
				leakcheck.NoNumber(t, out, "199001012389", srv.Listener.Addr().String())
				leakcheck.NoSecret(t, out, tc.secret, "\x1b")
			}
			if strings.ContainsAny(ae.Message, "\n\x1b") {
				t.Errorf("control characters in the message: %q", ae.Message)
			}
		})
	}
}

// A decoder's complaint loses the values it quotes (a time.Parse error quotes the input); the
// cause still matches what it matched.
func TestDecodeErrorDropsQuotedValues(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"when":"1212-1212"}`)
	}))
	defer srv.Close()
	c := newClient(t, srv.URL, Config{})
	var out struct {
		When time.Time `json:"when"`
	}
	err := c.Call(t.Context(), &Request{Path: "/x"}, &out)
	var de *apierror.DecodeError
	if !errors.As(err, &de) {
		t.Fatalf("err = %v", err)
	}
	leakcheck.NoNumber(t, err.Error(), "12121212")
	leakcheck.NoNumber(t, fmt.Sprintf("%+v", err), "12121212")
	var pe *time.ParseError
	if errors.As(err, &pe) {
		t.Error("the decoder's own error, with the value it quoted, is reachable")
	}
}

func TestBodyCapNamesTheLimit(t *testing.T) {
	for _, announce := range []bool{false, true} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if announce {
				w.Header().Set("Content-Length", "2048")
			}
			w.Write(bytes.Repeat([]byte(" "), 2047))
			w.Write([]byte("1"))
		}))
		c := newClient(t, srv.URL, Config{}, WithMaxResponseBody(1024))
		var v any
		err := c.Call(t.Context(), &Request{Path: "/x"}, &v)
		var tooLarge *apierror.BodyTooLargeError
		if !errors.Is(err, apierror.ErrBodyTooLarge) || !errors.As(err, &tooLarge) || !strings.Contains(err.Error(), "1 KiB (1024 bytes)") {
			t.Errorf("announce %v: err = %v", announce, err)
		}
		if announce && tooLarge != nil && tooLarge.ContentLength != 2048 {
			t.Errorf("announced size not reported: %+v", tooLarge)
		}
		srv.Close()
	}
}

// An empty answer to a GET is an error; other methods may answer with no body.
func TestEmptyAnswers(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) }))
	defer srv.Close()
	c := newClient(t, srv.URL, Config{})
	var v map[string]any
	var de *apierror.DecodeError
	if err := c.Call(t.Context(), &Request{Path: "/x"}, &v); !errors.As(err, &de) {
		t.Errorf("GET: err = %v", err)
	}
	if err := c.Call(t.Context(), &Request{Method: http.MethodPost, Path: "/x", Body: map[string]int{"a": 1}}, &v); err != nil {
		t.Errorf("POST: err = %v", err)
	}
}

// An absolute URL from an answer is followed only on the client's origin; a rooted path that
// already carries the base path is not prefixed twice.
func TestURL(t *testing.T) {
	c := newClient(t, "https://api.example/base", Config{})
	for ref, want := range map[string]string{
		"/persons":                           "https://api.example/base/persons",
		"/base/feed/1":                       "https://api.example/base/feed/1",
		"/persons/a%2Fb":                     "https://api.example/base/persons/a%2Fb",
		"https://api.example:443/base/x?y=1": "https://api.example:443/base/x?y=1",
		"https://evil.example/base/x":        "",
		"relative":                           "",
		"//evil.example/x":                   "",
	} {
		u, err := c.URL(ref)
		switch {
		case want == "" && err == nil:
			t.Errorf("%s: accepted as %s", ref, u)
		case want != "" && (err != nil || u.String() != want):
			t.Errorf("%s: %v %v, want %s", ref, u, err, want)
		}
	}
}

// staticSource hands out the same token every time, like a caching source before expiry.
type staticSource string

func (s staticSource) Token() (*oauth2.Token, error) {
	return &oauth2.Token{AccessToken: string(s), TokenType: "Bearer"}, nil
}
