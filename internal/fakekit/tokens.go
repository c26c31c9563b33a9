package fakekit

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Equal compares two secrets in constant time.
func Equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// TokenState is what a bearer token check found.
type TokenState int

const (
	// TokenMissing: the request has no Authorization header.
	TokenMissing TokenState = iota
	// TokenWrongScheme: the header is not "Bearer <token>".
	TokenWrongScheme
	// TokenUnknown: the fake never issued the token (or forgot it long after it expired).
	TokenUnknown
	// TokenExpired: the token's lifetime is over, or Expire ended it early.
	TokenExpired
	// TokenValid: the token may be used.
	TokenValid
)

// Issuer issues bearer tokens that stand for a subject S (an organisation, a user; struct{}
// where the API has one caller), and refresh tokens. Tokens expire after the lifetime; expired
// ones are forgotten by the amortised sweep of Table, never by a scan per request.
type Issuer[S any] struct {
	lifetime atomic.Int64 // time.Duration
	access   *Table[issued[S]]
	refresh  *Table[S]
	epoch    atomic.Uint64 // tokens issued before the current epoch are expired

	mu     sync.RWMutex
	static map[string]S
}

type issued[S any] struct {
	sub   S
	epoch uint64
}

// refreshLifetime is how long a refresh token stays usable.
const refreshLifetime = 30 * 24 * time.Hour

// NewIssuer returns an Issuer on the clock now whose tokens live for lifetime.
func NewIssuer[S any](now func() time.Time, lifetime time.Duration) *Issuer[S] {
	i := &Issuer[S]{access: NewTable[issued[S]](now), refresh: NewTable[S](now), static: map[string]S{}}
	i.lifetime.Store(int64(lifetime))
	return i
}

// Lifetime is how long the tokens issued now live.
func (i *Issuer[S]) Lifetime() time.Duration { return time.Duration(i.lifetime.Load()) }

// SetLifetime changes the lifetime of tokens issued from now on.
func (i *Issuer[S]) SetLifetime(d time.Duration) { i.lifetime.Store(int64(d)) }

// AddStatic adds a token that never expires (a fake's fixed test token).
func (i *Issuer[S]) AddStatic(token string, sub S) {
	i.mu.Lock()
	i.static[token] = sub
	i.mu.Unlock()
}

// Issued is a token answer.
type Issued struct {
	Access, Refresh string
	ExpiresIn       time.Duration
}

// Issue returns a new token for sub, with a refresh token when withRefresh.
func (i *Issuer[S]) Issue(sub S, withRefresh bool) Issued {
	life := i.Lifetime()
	out := Issued{Access: i.access.Add(issued[S]{sub, i.epoch.Load()}, life), ExpiresIn: life}
	if withRefresh {
		out.Refresh = i.refresh.Add(sub, refreshLifetime)
	}
	return out
}

// Redeem returns the subject of a refresh token and forgets it (refresh tokens are used once).
func (i *Issuer[S]) Redeem(refresh string) (S, bool) { return i.refresh.Take(refresh) }

// Check returns the subject of token and whether it may be used.
func (i *Issuer[S]) Check(token string) (S, TokenState) {
	var zero S
	if token == "" {
		return zero, TokenUnknown
	}
	i.mu.RLock()
	for t, sub := range i.static {
		if Equal(t, token) {
			i.mu.RUnlock()
			return sub, TokenValid
		}
	}
	i.mu.RUnlock()
	v, found, live := i.access.Lookup(token)
	switch {
	case !found:
		return zero, TokenUnknown
	case !live || v.epoch != i.epoch.Load():
		return v.sub, TokenExpired
	}
	return v.sub, TokenValid
}

// Bearer checks the request's "Authorization: Bearer <token>" header.
func (i *Issuer[S]) Bearer(r *http.Request) (S, TokenState) {
	var zero S
	h := r.Header.Get("Authorization")
	if h == "" {
		return zero, TokenMissing
	}
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return zero, TokenWrongScheme
	}
	return i.Check(strings.TrimSpace(tok))
}

// Expire ends every issued token early, as if its lifetime were over (static tokens stay
// valid); clients must fetch a new one. Refresh tokens stay usable.
func (i *Issuer[S]) Expire() { i.epoch.Add(1) }

// BasicCredentials returns the user and password of an HTTP Basic header, form-decoded as
// RFC 6749 asks of OAuth2 clients (a plain Basic value without escapes reads the same).
func BasicCredentials(r *http.Request) (user, password string, ok bool) {
	user, password, ok = r.BasicAuth()
	if !ok {
		return "", "", false
	}
	if v, err := url.QueryUnescape(user); err == nil {
		user = v
	}
	if v, err := url.QueryUnescape(password); err == nil {
		password = v
	}
	return user, password, true
}

// CheckBasic reports whether r carries HTTP Basic credentials equal to user and password,
// compared in constant time (for APIs such as FS that authenticate each request by Basic).
func CheckBasic(r *http.Request, user, password string) bool {
	u, p, ok := r.BasicAuth()
	return ok && Equal(u, user) && Equal(p, password)
}

// Grant answers one grant type of a token endpoint: it checks the form (r.PostForm is parsed)
// for the client the endpoint authenticated and returns the subject of the new token, whether a
// refresh token goes with it, and an OAuth2 error code ("invalid_grant") when it refuses.
type Grant[S any] func(r *http.Request, client S) (sub S, refresh bool, oauthError string)

// ClientCredentialsGrant issues a token for the client itself.
func ClientCredentialsGrant[S any]() Grant[S] {
	return func(_ *http.Request, client S) (S, bool, string) { return client, false, "" }
}

// PasswordGrant issues a token when check accepts the form's username and password for the
// client; withRefresh adds a refresh token.
func PasswordGrant[S any](check func(client S, username, password string) bool, withRefresh bool) Grant[S] {
	return func(r *http.Request, client S) (S, bool, string) {
		if !check(client, r.PostForm.Get("username"), r.PostForm.Get("password")) {
			var zero S
			return zero, false, "invalid_grant"
		}
		return client, withRefresh, ""
	}
}

// RefreshGrant redeems the form's refresh_token (once) for a new token and refresh token;
// same reports whether the token's subject belongs to the client.
func RefreshGrant[S any](iss *Issuer[S], same func(client, sub S) bool) Grant[S] {
	return func(r *http.Request, client S) (S, bool, string) {
		sub, ok := iss.Redeem(r.PostForm.Get("refresh_token"))
		if !ok || (same != nil && !same(client, sub)) {
			var zero S
			return zero, false, "invalid_grant"
		}
		return sub, true, ""
	}
}

// TokenEndpoint is an OAuth2 token endpoint (RFC 6749): POST with a form body, the client
// authenticated by HTTP Basic or the client_id and client_secret form fields, a grant per
// grant_type, and answers and errors in the RFC's JSON. Register it as a Public, Root
// operation.
type TokenEndpoint[S any] struct {
	// Issuer issues the tokens.
	Issuer *Issuer[S]
	// Client authenticates the client by id and secret. Nil leaves client authentication to
	// the grants (which then get the zero S), for grants with their own scheme.
	Client func(id, secret string) (S, bool)
	// Grants answers each grant type the endpoint supports; others are
	// unsupported_grant_type.
	Grants map[string]Grant[S]
	// Server, when set, counts the tokens issued per grant type in its Stats.
	Server *Server
	// Realm names the server in the WWW-Authenticate header of a refused client.
	Realm string
}

// ServeHTTP answers one token request.
func (e *TokenEndpoint[S]) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		OAuthError(w, http.StatusMethodNotAllowed, "invalid_request")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		OAuthError(w, http.StatusBadRequest, "invalid_request")
		return
	}
	var client S
	if e.Client != nil {
		id, secret, basic := BasicCredentials(r)
		if !basic {
			id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
		}
		var ok bool
		if client, ok = e.Client(id, secret); !ok {
			w.Header().Set("WWW-Authenticate", `Basic realm="`+e.Realm+`"`)
			OAuthError(w, http.StatusUnauthorized, "invalid_client")
			return
		}
	}
	gt := r.PostForm.Get("grant_type")
	grant := e.Grants[gt]
	if grant == nil {
		OAuthError(w, http.StatusBadRequest, "unsupported_grant_type")
		return
	}
	sub, refresh, refused := grant(r, client)
	if refused != "" {
		OAuthError(w, http.StatusBadRequest, refused)
		return
	}
	tok := e.Issuer.Issue(sub, refresh)
	if e.Server != nil {
		e.Server.CountGrant(gt)
	}
	answer := map[string]any{"access_token": tok.Access, "token_type": "Bearer", "expires_in": int(tok.ExpiresIn / time.Second)}
	if tok.Refresh != "" {
		answer["refresh_token"] = tok.Refresh
	}
	w.Header().Set("Cache-Control", "no-store")
	WriteJSON(w, http.StatusOK, answer)
}

// OAuthError answers with an RFC 6749 error body {"error": code}.
func OAuthError(w http.ResponseWriter, status int, code string) {
	WriteJSON(w, status, map[string]string{"error": code})
}

// WriteJSON answers with status and v as JSON (500 with a plain body if v cannot be encoded,
// which is a defect of the fake).
func WriteJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "the fake could not encode its answer", http.StatusInternalServerError)
		return
	}
	WriteRaw(w, status, "application/json", b)
}

// WriteRaw answers with status and the body b of content type ct, with its Content-Length.
func WriteRaw(w http.ResponseWriter, status int, ct string, b []byte) {
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
