package apiclient

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"golang.org/x/oauth2"

	"github.com/edusync/edusync/apierror"
)

// sequenceSource hands out tok-1, tok-2, ... one per call.
type sequenceSource struct{ n atomic.Int32 }

func (s *sequenceSource) Token() (*oauth2.Token, error) {
	return &oauth2.Token{AccessToken: fmt.Sprintf("tok-%d-xxxxxx", s.n.Add(1)), TokenType: "Bearer"}, nil
}

// acceptOnly answers 401 to every token but want and echoes the request body.
func acceptOnly(t *testing.T, want string, seen *[]string) *httptest.Server {
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		*seen = append(*seen, r.Header.Get("Authorization"))
		mu.Unlock()
		if r.Header.Get("Authorization") != "Bearer "+want {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"message":"expired"}`)
			return
		}
		b, _ := io.ReadAll(r.Body)
		w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// A token the service rejects is replaced once and the request (body included) sent again; a
// source with no other token leaves the 401 to the caller, after one request.
func TestTokenRenewedOnceOn401(t *testing.T) {
	var seen []string
	srv := acceptOnly(t, "tok-2-xxxxxx", &seen)
	c := newClient(t, srv.URL, Config{}, WithTokenSource(&sequenceSource{}))
	var out map[string]int
	if err := c.Call(t.Context(), &Request{Method: http.MethodPost, Path: "/x", Body: map[string]int{"a": 1}}, &out); err != nil {
		t.Fatal(err)
	}
	if out["a"] != 1 || strings.Join(seen, ",") != "Bearer tok-1-xxxxxx,Bearer tok-2-xxxxxx" {
		t.Fatalf("answer %v after %v", out, seen)
	}
	// The renewed token is kept for the next request.
	seen = nil
	if err := c.Call(t.Context(), &Request{Path: "/x"}, nil); err != nil || len(seen) != 1 {
		t.Fatalf("second request: %v after %v", err, seen)
	}

	seen = nil
	same := newClient(t, srv.URL, Config{}, WithTokenSource(staticSource("tok-9-xxxxxx")))
	err := same.Call(t.Context(), &Request{Path: "/x"}, nil)
	if !errors.Is(err, apierror.ErrUnauthorized) || len(seen) != 1 {
		t.Fatalf("same token: %v after %v", err, seen)
	}

	seen = nil
	static := newClient(t, srv.URL, Config{}, WithBearerToken("tok-1-xxxxxx"))
	if err := static.Call(t.Context(), &Request{Path: "/x"}, nil); !errors.Is(err, apierror.ErrUnauthorized) || len(seen) != 1 {
		t.Fatalf("static token: %v after %v", err, seen)
	}
}

// tokenEndpoint issues access tokens (and refresh tokens for the password grant), or refuses
// with the OAuth2 error body, which echoes the secret it was sent.
func tokenEndpoint(t *testing.T, refuse bool, grants *[]string) *httptest.Server {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		*grants = append(*grants, r.Form.Get("grant_type"))
		w.Header().Set("Content-Type", "application/json")
		if refuse {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, `{"error":"invalid_client","error_description":"bad secret %s"}`, r.Form.Get("client_secret")+r.Form.Get("password"))
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"access_token": fmt.Sprintf("issued-%d-xxxxxx", n.Add(1)),
			"token_type": "Bearer", "expires_in": 3600, "refresh_token": "refresh-xxxxxx"})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestGrants(t *testing.T) {
	for _, tc := range []struct {
		name       string
		opt        func(tokenURL string) Option
		wantGrants string
	}{
		{"client credentials", func(u string) Option { return WithClientCredentials(u, "id", "client-secret-1") }, "client_credentials,client_credentials"},
		{"password grant renews with its refresh token", func(u string) Option {
			return WithPasswordGrant(u, "id", "client-secret-1", "user", "user-password-1")
		}, "password,refresh_token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var grants, seen []string
			idp := tokenEndpoint(t, false, &grants)
			api := acceptOnly(t, "issued-2-xxxxxx", &seen)
			c := newClient(t, api.URL, Config{}, tc.opt(idp.URL))
			if err := c.Call(t.Context(), &Request{Path: "/x"}, nil); err != nil {
				t.Fatal(err)
			}
			if strings.Join(grants, ",") != tc.wantGrants {
				t.Errorf("grants %v, want %s", grants, tc.wantGrants)
			}
		})
	}
}

// A token endpoint's refusal is a *apierror.TokenError matching ErrUnauthorized, without the
// answer's body (which echoes the secret), and it is not retried.
func TestTokenRefusal(t *testing.T) {
	var grants []string
	idp := tokenEndpoint(t, true, &grants)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { t.Error("API called without a token") }))
	defer api.Close()
	c := newClient(t, api.URL, Config{}, WithClientCredentials(idp.URL+"/token?tenant=x", "id", "client-secret-1"))
	err := c.Call(t.Context(), &Request{Path: "/x"}, nil)
	var te *apierror.TokenError
	if !errors.As(err, &te) || !errors.Is(err, apierror.ErrUnauthorized) || !strings.Contains(err.Error(), "invalid_client") {
		t.Fatalf("err = %v", err)
	}
	// golang.org/x/oauth2 tries the secret in a header and then in the form; no more.
	if strings.Contains(err.Error(), "client-secret-1") || len(grants) > 2 {
		t.Fatalf("err %q after %d token requests", err, len(grants))
	}
}

// The tokens a client was handed are masked wherever a server echoes them.
func TestFetchedTokensMasked(t *testing.T) {
	var grants []string
	idp := tokenEndpoint(t, false, &grants)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprintf(w, `{"message":"%s may not; refresh-xxxxxx neither"}`, r.Header.Get("Authorization"))
	}))
	defer api.Close()
	c := newClient(t, api.URL, Config{ErrorBody: func(e *apierror.APIError, b []byte) { e.Message = string(b) }},
		WithClientCredentials(idp.URL, "id", "client-secret-1"))
	err := c.Call(t.Context(), &Request{Path: "/x"}, nil)
	for _, out := range []string{err.Error(), fmt.Sprintf("%+v", err)} {
		if strings.Contains(out, "issued-") || strings.Contains(out, "refresh-xxxxxx") || !strings.Contains(out, "Bearer [redacted]") {
			t.Errorf("%q", out)
		}
	}
}
