package ss12000server

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/edusync/edusync/internal/testclock"
	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/ss12000"
	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/store/sqlite"
)

// t0 is when the tests' clocks start.
var t0 = time.Date(2026, 8, 17, 7, 0, 0, 0, time.UTC)

// openSQLite opens a store in a fresh file of the test.
func openSQLite(t testing.TB) store.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// env is a provider under test: its store, clock, test receivers and an HTTP server.
type env struct {
	t     testing.TB
	st    store.Store
	clock *testclock.Clock
	p     *Provider
	srv   *httptest.Server
	keys  *testKeys
	opts  Options
}

const (
	testIssuer   = "https://login.example.se"
	testAudience = "ss12000-provider"
	testLocation = "https://skola.example.se/ss12000"
)

// newEnv starts a provider on st (SQLite when nil) with receivers "dnp" (JWT, opted in to
// protected persons), "lms" (JWT of another audience, not opted in) and whatever change
// adds; the HTTP server serves it and the JWKS.
func newEnv(t testing.TB, st store.Store, change func(o *Options)) *env {
	t.Helper()
	if st == nil {
		st = openSQLite(t)
	}
	e := &env{t: t, st: st, clock: testclock.New(t0), keys: newTestKeys(t)}
	mux := http.NewServeMux()
	mux.HandleFunc("/jwks.json", e.keys.serve)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { e.p.ServeHTTP(w, r) })
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	jwksURL := e.srv.URL + "/jwks.json"
	e.opts = Options{
		BasePath: "/ss12000",
		Now:      e.clock.Now,
		Receivers: []Receiver{
			{Name: "dnp", Bearer: &JWT{JWKSURL: jwksURL, Issuer: testIssuer, Audience: testAudience, Location: testLocation},
				Protected: true, Spelling: CorrectSpelling, CallbackURLs: []string{e.srv.URL + "/callback"}},
			{Name: "lms", Bearer: &JWT{JWKSURL: jwksURL, Issuer: testIssuer, Audience: "lms"},
				CallbackURLs: []string{e.srv.URL + "/callback"}},
		},
		EPPN:            ss12000.EPPNGenerator{Template: "{given}.{family}@skola.example.se"},
		CallbackBackoff: 10 * time.Millisecond,
	}
	if change != nil {
		change(&e.opts)
	}
	p, err := New(st, e.opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	e.p = p
	return e
}

// token is a valid token for a receiver's audience, with claims changed by change.
func (e *env) token(audience string, change func(c map[string]any)) string {
	c := map[string]any{"iss": testIssuer, "aud": audience, "exp": e.clock.Now().Add(time.Hour).Unix(),
		"iat": e.clock.Now().Unix(), "requested_access": []any{map[string]any{"type": "ss12000-api", "locations": []string{testLocation + "/v2"}}}}
	if change != nil {
		change(c)
	}
	return e.keys.sign(e.t, "RS256", "rsa-1", c)
}

// answer is a response read whole.
type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(a.body, v); err != nil {
		t.Fatalf("answer %d is not JSON: %v\n%s", a.status, err, a.body)
	}
}

func (a answer) errorCode(t testing.TB) string {
	t.Helper()
	var e ss12000.Error
	a.decode(t, &e)
	if e.Message == "" {
		t.Fatalf("an error answer without message: %s", a.body)
	}
	return e.Code
}

// do sends a request as receiver "dnp" (token "" for none; a full token otherwise).
func (e *env) do(method, path, token string, body string) answer {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.srv.URL+"/ss12000"+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, header: resp.Header, body: b}
}

// get reads as "dnp".
func (e *env) get(path string) answer {
	return e.do(http.MethodGet, path, e.token(testAudience, nil), "")
}

// client is an ss12000 client of the provider for a receiver's audience.
func (e *env) client(audience string) *ss12000.Client {
	e.t.Helper()
	c, err := ss12000.New(e.srv.URL+"/ss12000", ss12000.WithBearerToken(e.token(audience, nil)), ss12000.WithoutRetry())
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// sync plans src into the provider and applies the plan; it returns the report.
func (e *env) sync(src *reconcile.Snapshot, opts reconcile.Options) *reconcile.Report {
	e.t.Helper()
	ctx := context.Background()
	tgt, err := reconcile.Load(ctx, e.p)
	if err != nil {
		e.t.Fatal(err)
	}
	if opts.Now.IsZero() {
		opts.Now = e.clock.Now()
	}
	opts.IncludeProtected = true
	plan, err := reconcile.NewPlan(src, tgt, opts)
	if err != nil {
		e.t.Fatal(err)
	}
	rep, err := reconcile.Apply(ctx, plan, e.p, reconcile.ApplyOptions{})
	if err != nil {
		e.t.Fatalf("Apply: %v", err)
	}
	if !rep.OK() {
		e.t.Fatalf("Apply: %d failed, %d stale", rep.Failed, rep.Stale)
	}
	return rep
}

// school is a small school in SS 12000's vocabulary (that of ss12000sync): a principal and a
// school unit, three pupils in class 7A (one with protected identity), a teacher who teaches
// and mentors it, a guardian.
func school() *reconcile.Snapshot {
	gr := map[string]string{AttrSchoolType: "GR", AttrSchoolYear: "7"}
	with := func(m map[string]string, k, v string) map[string]string {
		out := map[string]string{k: v}
		for a, b := range m {
			out[a] = b
		}
		return out
	}
	return &reconcile.Snapshot{
		Organisations: []reconcile.Organisation{
			{Keys: reconcile.Keys{SourceKey: "org-huvudman"}, Name: "Exempelby kommun", Type: "Huvudman"},
			{Keys: reconcile.Keys{SourceKey: "org-skola"}, Name: "Björkskolan", Type: "Skolenhet",
				Attributes: map[string]string{AttrParent: "org-huvudman", AttrSchoolUnitCode: "12345678", AttrSchoolTypes: "GR"}},
		},
		Persons: []reconcile.Person{
			{Keys: reconcile.Keys{SourceKey: "p-elev1"}, GivenNames: "Åsa Maria", FamilyName: "Öberg", BirthDate: reconcile.NewDate(2013, 3, 4),
				Emails: []string{"asa.oberg@elev.example.se"}, EPPNs: []string{"asa.oberg@skola.example.se"},
				Contexts:   []reconcile.Context{{Organisation: "org-skola", Role: "Elev"}},
				Relations:  []reconcile.Relation{{Person: "p-vh1", Role: "Vårdnadshavare"}},
				Attributes: with(gr, AttrCivicNo, "201303042384")},
			{Keys: reconcile.Keys{SourceKey: "p-vh1"}, GivenNames: "Eva", FamilyName: "Öberg", Emails: []string{"eva@privat.example"}},
			{Keys: reconcile.Keys{SourceKey: "p-elev2"}, GivenNames: "Nils", FamilyName: "Holm", BirthDate: reconcile.NewDate(2013, 5, 6),
				Contexts:   []reconcile.Context{{Organisation: "org-skola", Role: "Elev"}},
				Attributes: with(gr, AttrCivicNo, "20130506-2380")},
			{Keys: reconcile.Keys{SourceKey: "p-elev3"}, GivenNames: "Sara", FamilyName: "Lind", Protected: true,
				Contexts:   []reconcile.Context{{Organisation: "org-skola", Role: "Elev"}},
				Attributes: with(gr, AttrCivicNo, "201307082386")},
			{Keys: reconcile.Keys{SourceKey: "p-larare"}, GivenNames: "Karin", FamilyName: "Berg", EPPNs: []string{"karin.berg@skola.example.se"},
				Contexts: []reconcile.Context{{Organisation: "org-skola", Role: "Lärare"}}},
		},
		Groups: []reconcile.Group{
			{Keys: reconcile.Keys{SourceKey: "g-7a"}, Name: "7A", Type: "Klass", Organisation: "org-skola",
				Valid: reconcile.Period{From: reconcile.NewDate(2026, 8, 17)}, Attributes: map[string]string{AttrSchoolType: "GR"}},
			{Keys: reconcile.Keys{SourceKey: "g-ma7"}, Name: "Matematik 7", Type: "Undervisning", Organisation: "org-skola"},
		},
		Memberships: []reconcile.Membership{
			{Person: "p-elev1", Group: "g-7a", Role: "Elev"},
			{Person: "p-elev2", Group: "g-7a", Role: "Elev"},
			{Person: "p-elev3", Group: "g-7a", Role: "Elev"},
			{Person: "p-larare", Group: "g-7a", Role: "Mentor"},
			{Person: "p-elev1", Group: "g-ma7", Role: "Elev"},
			{Person: "p-elev3", Group: "g-ma7", Role: "Elev"},
			{Person: "p-larare", Group: "g-ma7", Role: "Lärare"},
		},
	}
}

func withProtected() reconcile.Options { return reconcile.Options{IncludeProtected: true} }
