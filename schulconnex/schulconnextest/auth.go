package schulconnextest

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Credentials are what a source system of one organisation logs in with: a client id and secret
// (client-credentials grant; also the client of the password grant) and a user name and password
// (password grant).
type Credentials struct {
	ClientID     string // OAuth2 client id
	ClientSecret string // OAuth2 client secret
	Username     string // user name for the password grant
	Password     string // password for the password grant
	// Organisation is the id of the organisation the tokens stand for.
	Organisation string
}

type issuedToken struct {
	org     string
	expiry  time.Time
	expired bool
}

type tokens struct {
	clients []Credentials
	issued  map[string]*issuedToken
	refresh map[string]string // refresh token -> organisation
}

func (t *tokens) init() {
	t.issued = map[string]*issuedToken{}
	t.refresh = map[string]string{}
}

func (t *tokens) addClient(c Credentials) { t.clients = append(t.clients, c) }

func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

func randomToken() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// handleToken is the OAuth2 token endpoint: grant_type client_credentials, password and
// refresh_token, with the client authenticated by HTTP Basic or by form parameters.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.stats.Tokens++
	s.mu.Unlock()
	if r.Method != http.MethodPost {
		oauthError(w, http.StatusMethodNotAllowed, "invalid_request")
		return
	}
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request")
		return
	}
	id, secret, basic := r.BasicAuth()
	if basic {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var client *Credentials
	for i := range s.auth.clients {
		c := &s.auth.clients[i]
		if equal(c.ClientID, id) && equal(c.ClientSecret, secret) {
			client = c
			break
		}
	}
	if client == nil {
		oauthError(w, http.StatusUnauthorized, "invalid_client")
		return
	}
	grant := r.PostForm.Get("grant_type")
	withRefresh := false
	switch grant {
	case "client_credentials":
		if !s.opts.clientGrant {
			oauthError(w, http.StatusBadRequest, "unsupported_grant_type")
			return
		}
	case "password":
		if !s.opts.passwordGrant {
			oauthError(w, http.StatusBadRequest, "unsupported_grant_type")
			return
		}
		if !equal(client.Username, r.PostForm.Get("username")) || !equal(client.Password, r.PostForm.Get("password")) {
			oauthError(w, http.StatusBadRequest, "invalid_grant")
			return
		}
		withRefresh = s.opts.refreshTokens
	case "refresh_token":
		org, ok := s.auth.refresh[r.PostForm.Get("refresh_token")]
		if !ok || org != client.Organisation {
			oauthError(w, http.StatusBadRequest, "invalid_grant")
			return
		}
		delete(s.auth.refresh, r.PostForm.Get("refresh_token"))
		withRefresh = true
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type")
		return
	}
	s.stats.Grants[grant]++
	tok := randomToken()
	s.auth.issued[tok] = &issuedToken{org: client.Organisation, expiry: s.opts.now().Add(s.opts.tokenLifetime)}
	answer := map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": int(s.opts.tokenLifetime / time.Second)}
	if withRefresh {
		rt := randomToken()
		s.auth.refresh[rt] = client.Organisation
		answer["refresh_token"] = rt
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(answer)
}

func oauthError(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code})
}

// authenticate returns the organisation of the request's bearer token, or writes the 401.
// Called with s.mu held.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if h == "" {
		s.fail(w, http.StatusUnauthorized, "00", "Zugang verweigert", "Die Anfrage enthält keinen Access-Token.")
		return "", false
	}
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		s.fail(w, http.StatusUnauthorized, "03", "Falsche Autorisierungsmethode", "Erwartet wird Authorization: Bearer.")
		return "", false
	}
	t, found := s.auth.issued[strings.TrimSpace(tok)]
	switch {
	case !found:
		s.fail(w, http.StatusUnauthorized, "02", "Invalider Access-Token", "Der Access-Token ist unbekannt.")
		return "", false
	case t.expired || !s.opts.now().Before(t.expiry):
		s.fail(w, http.StatusUnauthorized, "01", "Access Token abgelaufen", "Der Access-Token ist abgelaufen und muss erneuert werden.")
		return "", false
	}
	return t.org, true
}
