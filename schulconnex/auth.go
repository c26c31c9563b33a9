package schulconnex

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/edusync/edusync/internal/redact"
)

// authenticator supplies the Authorization header of every request and, when its tokens come
// from an OAuth2 grant, replaces a token the service rejected (401) once per request.
type authenticator struct {
	mu      sync.Mutex
	fetch   func(ctx context.Context) (*oauth2.Token, error)
	tok     *oauth2.Token
	last    *oauth2.Token // the token before tok was dropped, for its refresh token
	refresh bool          // a rejected token can be replaced by a new one
}

// early is how long before its expiry a token is renewed, so it does not expire in flight.
const early = 10 * time.Second

// token returns a valid token, fetching one when there is none or it is about to expire.
func (a *authenticator) token(ctx context.Context) (*oauth2.Token, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.tok != nil && (a.tok.Expiry.IsZero() || time.Until(a.tok.Expiry) > early) {
		return a.tok, nil
	}
	t, err := a.fetch(ctx)
	if err != nil {
		return nil, err
	}
	if t == nil || t.AccessToken == "" {
		return nil, errors.New("schulconnex: the token endpoint returned no access token")
	}
	a.tok, a.last = t, nil
	return t, nil
}

// reject forgets tok after the service refused it, unless another request already replaced it.
// It reports whether a new token can be tried.
func (a *authenticator) reject(tok *oauth2.Token) bool {
	if !a.refresh {
		return false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.tok == tok {
		a.last, a.tok = a.tok, nil
	}
	return true
}

// set adds the Authorization header and returns the token used.
func (a *authenticator) set(req *http.Request) (*oauth2.Token, error) {
	t, err := a.token(req.Context())
	if err != nil {
		return nil, err
	}
	t.SetAuthHeader(req)
	return t, nil
}

func staticAuth(token string) *authenticator {
	t := &oauth2.Token{AccessToken: token, TokenType: "Bearer"}
	return &authenticator{fetch: func(context.Context) (*oauth2.Token, error) { return t, nil }, tok: t}
}

func sourceAuth(ts oauth2.TokenSource) *authenticator {
	return &authenticator{fetch: func(context.Context) (*oauth2.Token, error) { return ts.Token() }, refresh: true}
}

// grant describes how tokens are obtained from an OAuth2 token endpoint.
type grant struct {
	tokenURL, clientID, clientSecret string
	username, password               string // password grant only
	scopes                           []string
}

// String names the grant and its endpoint (without credentials), for error messages.
func (g grant) String() string {
	kind := "client credentials"
	if g.username != "" {
		kind = "password grant"
	}
	return kind + " at " + redactedURL(g.tokenURL)
}

func redactedURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(invalid URL)"
	}
	return redact.URL(u)
}

// grantAuth fetches tokens with the client-credentials or the password grant through hc. With
// the password grant, an expired token is renewed with its refresh token when it has one, and by
// logging in again when that fails.
func grantAuth(g grant, hc func() *http.Client) *authenticator {
	a := &authenticator{refresh: true}
	a.fetch = func(ctx context.Context) (*oauth2.Token, error) {
		ctx = context.WithValue(ctx, oauth2.HTTPClient, hc())
		var tok *oauth2.Token
		var err error
		if g.username == "" {
			cc := clientcredentials.Config{ClientID: g.clientID, ClientSecret: g.clientSecret, TokenURL: g.tokenURL, Scopes: g.scopes}
			tok, err = cc.Token(ctx)
		} else {
			cfg := oauth2.Config{ClientID: g.clientID, ClientSecret: g.clientSecret, Scopes: g.scopes,
				Endpoint: oauth2.Endpoint{TokenURL: g.tokenURL}}
			old := a.tok
			if old == nil {
				old = a.last
			}
			if old != nil && old.RefreshToken != "" {
				tok, err = cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: old.RefreshToken}).Token()
				if err == nil {
					return tok, nil
				}
			}
			tok, err = cfg.PasswordCredentialsToken(ctx, g.username, g.password)
		}
		if err != nil {
			return nil, fmt.Errorf("schulconnex: getting a token (%s): %w", g, tokenError(err))
		}
		return tok, nil
	}
	return a
}

// tokenError keeps the status and OAuth2 error code of a failed token request but not the
// response body, which could echo what was sent.
func tokenError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		msg := "no response"
		if re.Response != nil {
			msg = re.Response.Status
		}
		if re.ErrorCode != "" {
			msg += ", error " + truncate(re.ErrorCode, 64)
		}
		return &TokenError{Status: msg, StatusCode: statusOf(re)}
	}
	return err
}

func statusOf(re *oauth2.RetrieveError) int {
	if re.Response != nil {
		return re.Response.StatusCode
	}
	return 0
}

// TokenError is a token endpoint's refusal (wrong credentials, unknown client, ...). It carries
// the status and OAuth2 error code only, never the credentials or the response body.
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
