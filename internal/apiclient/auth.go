package apiclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/edusync/edusync/apierror"
	"github.com/edusync/edusync/internal/redact"
)

// Auth is how a client authenticates its requests; the With* options of this package make one
// (WithBearerToken, WithTokenSource, WithClientCredentials, WithPasswordGrant, WithTokenFunc,
// WithBasicAuth). The last such option given wins.
type Auth struct {
	name    string        // for errors, without credentials: "client credentials at https://idp/token"
	static  *oauth2.Token // a fixed credential (bearer token, Basic), never renewed
	fetch   func(TokenContext) (*oauth2.Token, error)
	renew   bool     // a token the service rejects may be replaced once per request
	secrets []string // credentials to mask in errors and logs
}

// TokenContext is what a token fetch is given.
type TokenContext struct {
	ctx context.Context
	// HTTP is the client for the token endpoint: the host's base client and TLS settings
	// (client certificates, roots), retries for requests that never left, the body cap, and
	// none of the API's own authentication or headers.
	HTTP *http.Client
	// Last is the token before the one being replaced (nil at first), for its refresh token.
	Last *oauth2.Token
}

// Context returns the request's context carrying HTTP for golang.org/x/oauth2.
func (tc TokenContext) Context() context.Context {
	return context.WithValue(tc.ctx, oauth2.HTTPClient, tc.HTTP)
}

// tokenTransport sets the Authorization header of every request and, for renewable credentials,
// sends a request once more with a new token when the service rejected the one it carried
// (401). It is the one place where that renewal lives, so WithTokenSource means the same in
// every client.
type tokenTransport struct {
	next      http.RoundTripper
	auth      *Auth
	tokenHTTP func() *http.Client
	secrets   *redact.Secrets
	now       func() time.Time

	mu   sync.Mutex
	tok  *oauth2.Token
	last *oauth2.Token // the token before tok was dropped, for its refresh token
}

// maxRefusal is how much of a 401 answer is kept while a new token is tried, so the answer can
// still be returned when no other token can be had.
const maxRefusal = 64 << 10

// RoundTrip implements http.RoundTripper.
func (t *tokenTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	tok, err := t.token(req.Context())
	if err != nil {
		return nil, err
	}
	resp, err := t.next.RoundTrip(withToken(req, tok, nil))
	if err != nil || resp.StatusCode != http.StatusUnauthorized || !t.auth.renew || !rewindable(req) {
		return resp, err
	}
	refusal, _ := io.ReadAll(io.LimitReader(resp.Body, maxRefusal))
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(refusal))
	t.reject(tok)
	fresh, err := t.token(req.Context())
	if err != nil {
		return nil, err
	}
	if fresh.AccessToken == tok.AccessToken {
		return resp, nil // the source has no other token; sending it again is useless
	}
	var body io.ReadCloser
	if req.GetBody != nil {
		if body, err = req.GetBody(); err != nil {
			return nil, err
		}
	}
	return t.next.RoundTrip(withToken(req, fresh, body))
}

// rewindable reports whether req can be sent again: no body, or one GetBody recreates.
func rewindable(req *http.Request) bool {
	return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
}

// withToken returns a copy of req carrying tok (and body, when not nil).
func withToken(req *http.Request, tok *oauth2.Token, body io.ReadCloser) *http.Request {
	r := req.Clone(req.Context())
	if body != nil {
		r.Body = body
	}
	tok.SetAuthHeader(r)
	return r
}

// token returns a valid token, fetching one when there is none or it is about to expire.
func (t *tokenTransport) token(ctx context.Context) (*oauth2.Token, error) {
	if t.auth.static != nil {
		return t.auth.static, nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.tok != nil && (t.tok.Expiry.IsZero() || t.tok.Expiry.Sub(t.now()) > tokenEarly) {
		return t.tok, nil
	}
	last := t.tok
	if last == nil {
		last = t.last
	}
	tok, err := t.auth.fetch(TokenContext{ctx: ctx, HTTP: t.tokenHTTP(), Last: last})
	if err != nil {
		return nil, fmt.Errorf("getting a token (%s): %w", t.auth.name, tokenError(err))
	}
	if tok == nil || tok.AccessToken == "" {
		return nil, fmt.Errorf("getting a token (%s): the token endpoint returned no access token", t.auth.name)
	}
	t.secrets.AddRecent(tok.AccessToken)
	if tok.RefreshToken != "" {
		t.secrets.AddRecent(tok.RefreshToken)
	}
	t.tok, t.last = tok, nil
	return tok, nil
}

// reject forgets tok after the service refused it, unless another request already replaced it.
func (t *tokenTransport) reject(tok *oauth2.Token) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.tok == tok {
		t.last, t.tok = t.tok, nil
	}
}

// tokenError keeps the status and OAuth2 error code of a refused token request but not the
// answer's body, which could echo what was sent.
func tokenError(err error) error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return err
	}
	status, code := "no response", 0
	if re.Response != nil {
		status, code = re.Response.Status, re.Response.StatusCode
	}
	if re.ErrorCode != "" {
		status += ", error " + redact.Printable(re.ErrorCode, 64)
	}
	return &apierror.TokenError{Status: status, StatusCode: code}
}

// redactedURL renders a configured URL (a token endpoint) for error messages.
func redactedURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(invalid URL)"
	}
	return strings.TrimSuffix(redact.URL(u), "?")
}
