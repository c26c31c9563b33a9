package ss12000test

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// authState holds the tokens the server accepts: static ones (options) and ones issued by the
// token endpoint, which expire.
type authState struct {
	static []string
	mu     sync.Mutex
	issued map[string]time.Time // token -> expiry
}

func newAuthState(o options) *authState {
	a := &authState{static: o.tokens, issued: map[string]time.Time{}}
	if len(a.static) == 0 {
		a.static = []string{"ss12000test-" + randomToken()}
	}
	return a
}

func randomToken() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// authorized reports whether r carries a token the server accepts.
func (s *Server) authorized(r *http.Request) bool {
	if s.opts.noAuth {
		return true
	}
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	tok = strings.TrimSpace(tok)
	if tok == "" {
		return false
	}
	for _, t := range s.auth.static {
		if equal(t, tok) {
			return true
		}
	}
	s.auth.mu.Lock()
	defer s.auth.mu.Unlock()
	exp, ok := s.auth.issued[tok]
	if !ok {
		return false
	}
	if !s.now().Before(exp) {
		delete(s.auth.issued, tok)
		return false
	}
	return true
}

// RevokeTokens makes every token issued by the token endpoint invalid, as if it had expired
// early; the next request with one answers 401 and the client has to fetch a new one. Static
// tokens stay valid.
func (s *Server) RevokeTokens() {
	s.auth.mu.Lock()
	defer s.auth.mu.Unlock()
	clear(s.auth.issued)
}

// handleToken is the OAuth2 token endpoint: the client-credentials grant, with the client
// authenticated by HTTP Basic or by the client_id and client_secret form fields.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	s.obs.count("token")
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		oauthError(w, http.StatusMethodNotAllowed, "invalid_request")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request")
		return
	}
	id, secret, basic := r.BasicAuth()
	if basic {
		// RFC 6749 form-encodes the credentials before Basic encoding.
		if v, err := url.QueryUnescape(id); err == nil {
			id = v
		}
		if v, err := url.QueryUnescape(secret); err == nil {
			secret = v
		}
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if !equal(id, s.opts.clientID) || !equal(secret, s.opts.clientSecret) {
		w.Header().Set("WWW-Authenticate", `Basic realm="ss12000test"`)
		oauthError(w, http.StatusUnauthorized, "invalid_client")
		return
	}
	if gt := r.PostForm.Get("grant_type"); gt != "client_credentials" {
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type")
		return
	}
	tok := randomToken()
	s.auth.mu.Lock()
	now := s.now()
	for t, exp := range s.auth.issued { // forget expired tokens
		if !now.Before(exp) {
			delete(s.auth.issued, t)
		}
	}
	s.auth.issued[tok] = now.Add(s.opts.tokenLifetime)
	s.auth.mu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": tok,
		"token_type":   "Bearer",
		"expires_in":   int(s.opts.tokenLifetime / time.Second),
	})
}

func oauthError(w http.ResponseWriter, status int, code string) {
	writeJSON(w, status, map[string]string{"error": code})
}
