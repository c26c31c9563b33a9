package insperatest

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/edusync/edusync/inspera"
	"github.com/edusync/edusync/internal/fakekit"
)

// BasePath is the path of the API under the server's root, as on a real tenant
// (https://<tenant>.inspera.no/api).
const BasePath = "/api"

// Defaults of the fake's options.
const (
	DefaultTenant        = "edusync"
	DefaultAPIKey        = "insperatest-api-key"
	DefaultTokenLifetime = time.Hour
	// DefaultWebhookTimeout is how long a delivery waits for the subscriber's 200, as Inspera.
	DefaultWebhookTimeout = 10 * time.Second
)

// DefaultWebhookRetries are the waits before the three retries of a failed delivery. Inspera
// documents three retries but not their timing.
var DefaultWebhookRetries = []time.Duration{2 * time.Second, 10 * time.Second, 30 * time.Second}

// Server is an in-memory Inspera Assessment tenant: the operations of openapi/inspera.yaml over
// the models of package inspera, with Inspera's semantics (its token grant with the API key in
// the code header, tests read by id or external id, administered explanations that are final
// once published, appeals that open a new evaluation round, committees, asynchronous file
// exports with pre-signed links that live as long as the token, signed webhooks with retries
// that never reach the triggering user's own subscriptions) and switchable faults. It is safe
// for concurrent use and is an http.Handler.
type Server struct {
	opts options
	kit  *fakekit.Server
	iss  *fakekit.Issuer[session]
	hook *dispatcher

	mu sync.Mutex // guards st
	st *state

	links *fakekit.Table[link]
}

// session is what a bearer token stands for: the API user and when the token expires (download
// links live as long).
type session struct {
	user    inspera.ID
	expires time.Time
}

// NewServer starts a Server on a loopback port (an httptest.Server). Close it when done.
func NewServer(opts ...Option) *Server {
	s := newServer(opts)
	s.kit.Start()
	return s
}

// NewHandler returns a Server that does not listen; mount it at the root of a server of your
// own (its API is under BasePath).
func NewHandler(opts ...Option) *Server { return newServer(opts) }

// Serve runs a Server on ln (a fixed port of a sandbox) until Close.
func Serve(ln net.Listener, opts ...Option) *Server {
	s := newServer(opts)
	s.kit.Serve(ln, "http", nil)
	return s
}

func newServer(opts []Option) *Server {
	o := defaultOptions()
	for _, f := range opts {
		if f != nil {
			f(&o)
		}
	}
	s := &Server{opts: o, st: newState(o)}
	s.iss = fakekit.NewIssuer[session](o.now, o.tokenLifetime)
	s.links = fakekit.NewTable[link](o.now)
	s.kit = fakekit.New(fakekit.Config{
		Name: "insperatest", BasePath: BasePath, Now: o.now, Logger: o.logger,
		Error:        writeError,
		Authenticate: s.authenticate,
	})
	s.hook = newDispatcher(s)
	s.kit.OnClose(s.hook.close)
	s.routes()
	return s
}

// routes registers the operations under the ids of openapi/inspera.yaml.
func (s *Server) routes() {
	k := s.kit
	k.Handle(fakekit.Operation{ID: "authenticate", Method: http.MethodPost, Path: "/authenticate/token/",
		Public: true, Write: true, Handler: http.HandlerFunc(s.token)})
	k.HandleFunc("searchTests", http.MethodGet, "/v1/test/search", false, s.searchTests)
	k.HandleFunc("getTest", http.MethodGet, "/v1/test/{testId}", false, s.getTest)
	k.HandleFunc("setTestOptions", http.MethodPost, "/v1/test/{testId}/options", true, s.setTestOptions)
	k.HandleFunc("getExplanations", http.MethodGet, "/v1/test/{testId}/explanations", false, s.getExplanations)
	k.HandleFunc("requestExplanations", http.MethodPost, "/v1/test/{testId}/explanations", true, s.requestExplanations)
	k.HandleFunc("registerAppeals", http.MethodPost, "/v1/test/{testId}/appeals", true, s.registerAppeals)
	k.HandleFunc("withdrawAppeals", http.MethodPost, "/v1/test/{testId}/appeals/withdraw", true, s.withdrawAppeals)
	k.HandleFunc("createCommittees", http.MethodPost, "/v1/test/{testId}/committees", true, s.createCommittees)
	k.HandleFunc("moveCommitteeCandidates", http.MethodPost, "/v1/test/{testId}/committees/candidates/move", true, s.moveCandidates)
	k.HandleFunc("getCandidateResults", http.MethodGet, "/v1/candidates/allResults/{testId}/{userId}", false, s.getResults)
	k.HandleFunc("orderFileExport", http.MethodPost, "/v1/fileExport/order", true, s.orderExport)
	k.HandleFunc("getFileExportStatus", http.MethodGet, "/v1/fileExport/status/{jobId}", false, s.exportStatus)
	k.HandleFunc("getUser", http.MethodGet, "/v1/users/{userId}", false, s.getUser)
	k.HandleFunc("getSubscriptionEvents", http.MethodGet, "/v1/subscription/events", false, s.subscriptionEvents)
	k.HandleFunc("getSubscriptions", http.MethodGet, "/v1/subscription", false, s.getSubscriptions)
	k.HandleFunc("createSubscription", http.MethodPost, "/v1/subscription", true, s.createSubscription)
	k.HandleFunc("deleteSubscription", http.MethodDelete, "/v1/subscription/{subscriptionId}", true, s.deleteSubscription)
	// The storage behind the pre-signed links: not Inspera's API, so outside its base path.
	k.Handle(fakekit.Operation{ID: "downloadFile", Method: http.MethodGet, Path: "/storage/{key}", Root: true,
		Public: true, Handler: http.HandlerFunc(s.download)})
}

// URL is the API base URL clients are configured with: the server's root plus /api.
func (s *Server) URL() string { return s.kit.URL() }

// Root is the server's root URL (where the storage of the download links is).
func (s *Server) Root() string { return s.kit.Root() }

// Tenant is the client_id the token endpoint expects.
func (s *Server) Tenant() string { return s.opts.tenant }

// APIKey is the API key of the integration user (WithAPIKey), whose token Client uses.
func (s *Server) APIKey() string { return s.opts.apiKey }

// Client returns an inspera.Client for the server that authenticates with the integration
// user's API key; opts come after, so a test can turn retries off or use another key.
func (s *Server) Client(opts ...inspera.Option) (*inspera.Client, error) {
	return s.ClientAs(s.opts.apiKey, opts...)
}

// ClientAs returns a client that authenticates with apiKey (an AddAPIUser key).
func (s *Server) ClientAs(apiKey string, opts ...inspera.Option) (*inspera.Client, error) {
	return inspera.New(s.URL(), append([]inspera.Option{inspera.WithAPIKey(s.opts.tenant, apiKey)}, opts...)...)
}

// Faults makes the server misbehave the way Inspera and networks do (see SetFaults): rules for
// chosen operations ("registerAppeals", "getTest") and seeded rates of server errors, rate
// limiting (429 with Retry-After), stalls, dropped connections, truncated answers and writes
// carried out before the connection drops. The token endpoint and the download storage are left
// alone unless a rule or Faults.Operations names them ("authenticate", "downloadFile").
type Faults = fakekit.Faults

// Rule is one deterministic fault of Faults.Rules.
type Rule = fakekit.Rule

// Stats counts requests and answers by operation and status, faults, token grants, and logs the
// last requests with redacted paths.
type Stats = fakekit.Stats

// SetFaults switches faults on, changes them or (with the zero Faults) switches them off.
func (s *Server) SetFaults(f Faults) { s.kit.SetFaults(f) }

// Stats returns what the server has counted.
func (s *Server) Stats() Stats { return s.kit.Stats() }

// ResetStats starts the counts afresh.
func (s *Server) ResetStats() { s.kit.ResetStats() }

// ExpireTokens ends every issued token early, as if an hour had passed: the next request of a
// client is refused with 401 and its token renewed.
func (s *Server) ExpireTokens() { s.iss.Expire() }

// ServeHTTP answers one request the way Inspera does.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.kit.ServeHTTP(w, r) }

// Close stops the server and its webhook deliveries.
func (s *Server) Close() { s.kit.Close() }

type ctxSession struct{}

// authenticate checks the bearer token and puts its session in the request's context.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request, _ *fakekit.Operation) (*http.Request, bool) {
	sess, state := s.iss.Bearer(r)
	if state != fakekit.TokenValid {
		w.Header().Set("WWW-Authenticate", `Bearer realm="inspera"`)
		code := "invalid_token"
		if state == fakekit.TokenMissing || state == fakekit.TokenWrongScheme {
			code = "unauthorized"
		}
		writeError(w, r, http.StatusUnauthorized, code, "full authentication is required to access this resource")
		return r, false
	}
	return r.WithContext(context.WithValue(r.Context(), ctxSession{}, sess)), true
}

func sessionOf(r *http.Request) session {
	sess, _ := r.Context().Value(ctxSession{}).(session)
	return sess
}

// token is Inspera's token endpoint: the API key in the code header, grant_type and client_id
// in the form or the query, {access_token, expires_in} back.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		fakekit.WriteJSON(w, http.StatusBadRequest, inspera.TokenErrorBody{Error: "invalid_request"})
		return
	}
	if r.Form.Get("grant_type") != "authorization_code" {
		fakekit.WriteJSON(w, http.StatusBadRequest, inspera.TokenErrorBody{Error: "unsupported_grant_type"})
		return
	}
	s.mu.Lock()
	user, ok := s.st.keyUser(r.Header.Get("code"))
	s.mu.Unlock()
	if !ok || !fakekit.Equal(r.Form.Get("client_id"), s.opts.tenant) {
		fakekit.WriteJSON(w, http.StatusUnauthorized, inspera.TokenErrorBody{Error: "invalid_grant"})
		return
	}
	life := s.iss.Lifetime()
	tok := s.iss.Issue(session{user: user, expires: s.opts.now().Add(life)}, false)
	s.kit.CountGrant("authorization_code")
	w.Header().Set("Cache-Control", "no-store")
	fakekit.WriteJSON(w, http.StatusOK, inspera.TokenResponse{AccessToken: tok.Access, ExpiresIn: int(life / time.Second)})
}

// writeError answers in Inspera's error body (the shape openapi/inspera.yaml infers).
func writeError(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	writeRefusal(w, r, status, code, message, nil)
}

func writeRefusal(w http.ResponseWriter, r *http.Request, status int, code, message string, candidates []string) {
	body := inspera.ErrorBody{Status: status, Error: http.StatusText(status), Code: strings.ToUpper(code),
		Message: message, CandidateIds: candidates}
	if code == "invalid_token" || code == "unauthorized" {
		body.Code = code
	}
	if r != nil {
		body.Path = r.URL.Path
	}
	fakekit.WriteJSON(w, status, body)
}

// logger returns the server's logger (never nil).
func (s *Server) logger() *slog.Logger { return s.opts.logger }
