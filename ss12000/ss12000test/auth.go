package ss12000test

import (
	"net/http"

	"github.com/edusync/edusync/internal/fakekit"
)

// newIssuer makes the bearer tokens: the static ones of the options (or one random) and those
// the token endpoint issues, which expire after the token lifetime.
func newIssuer(o options) *fakekit.Issuer[struct{}] {
	iss := fakekit.NewIssuer[struct{}](o.now, o.tokenLifetime)
	for _, t := range o.tokens {
		iss.AddStatic(t, struct{}{})
	}
	return iss
}

// authenticate lets requests with a valid bearer token through (all of them WithoutAuth) and
// answers the others 401 with the Error body.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request, _ *fakekit.Operation) (*http.Request, bool) {
	if s.opts.noAuth {
		return r, true
	}
	if _, st := s.auth.Bearer(r); st == fakekit.TokenValid {
		return r, true
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="ss12000test"`)
	writeError(w, http.StatusUnauthorized, "unauthorized", "a valid bearer token is required")
	return r, false
}

// RevokeTokens makes every token issued by the token endpoint invalid, as if it had expired
// early; the next request with one answers 401 and the client has to fetch a new one. Static
// tokens stay valid.
func (s *Server) RevokeTokens() { s.auth.Expire() }
