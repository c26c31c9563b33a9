package schulconnextest

import (
	"context"
	"net/http"

	"github.com/edusync/edusync/internal/fakekit"
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

// tokenEndpoint is the OAuth2 token endpoint: grant_type client_credentials, password and
// refresh_token (as the options allow), with the client authenticated by HTTP Basic or by form
// parameters. Tokens stand for the client's organisation.
func (s *Server) tokenEndpoint() *fakekit.TokenEndpoint[string] {
	grants := map[string]fakekit.Grant[string]{
		"refresh_token": fakekit.RefreshGrant(s.iss, func(client, org string) bool { return client == org }),
	}
	if s.opts.clientGrant {
		grants["client_credentials"] = fakekit.ClientCredentialsGrant[string]()
	}
	if s.opts.passwordGrant {
		grants["password"] = fakekit.PasswordGrant(func(org, user, password string) bool {
			s.mu.Lock()
			defer s.mu.Unlock()
			for _, c := range s.clients {
				if c.Organisation == org && fakekit.Equal(c.Username, user) && fakekit.Equal(c.Password, password) {
					return true
				}
			}
			return false
		}, s.opts.refreshTokens)
	}
	return &fakekit.TokenEndpoint[string]{
		Issuer: s.iss, Server: s.kit, Realm: "schulconnextest", Grants: grants,
		Client: func(id, secret string) (string, bool) {
			s.mu.Lock()
			defer s.mu.Unlock()
			for _, c := range s.clients {
				if fakekit.Equal(c.ClientID, id) && fakekit.Equal(c.ClientSecret, secret) {
					return c.Organisation, true
				}
			}
			return "", false
		},
	}
}

type orgKey struct{}

// authenticate puts the organisation of the request's bearer token in its context, or writes
// the 401 with the subcode Schulconnex gives the reason.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request, _ *fakekit.Operation) (*http.Request, bool) {
	org, st := s.iss.Bearer(r)
	switch st {
	case fakekit.TokenValid:
		return r.WithContext(context.WithValue(r.Context(), orgKey{}, org)), true
	case fakekit.TokenMissing:
		s.fail(w, http.StatusUnauthorized, "00", "Zugang verweigert", "Die Anfrage enthält keinen Access-Token.")
	case fakekit.TokenWrongScheme:
		s.fail(w, http.StatusUnauthorized, "03", "Falsche Autorisierungsmethode", "Erwartet wird Authorization: Bearer.")
	case fakekit.TokenExpired:
		s.fail(w, http.StatusUnauthorized, "01", "Access Token abgelaufen", "Der Access-Token ist abgelaufen und muss erneuert werden.")
	default:
		s.fail(w, http.StatusUnauthorized, "02", "Invalider Access-Token", "Der Access-Token ist unbekannt.")
	}
	return r, false
}
