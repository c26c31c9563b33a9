package fakekit

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// notes is a tiny fake API on the kit: a list, a create and a token endpoint, with its own error
// body {"error": {"code", "message"}}.
type notes struct {
	*Server
	iss     *Issuer[string]
	created atomic.Int64
}

func writeNoteError(w http.ResponseWriter, _ *http.Request, status int, code, message string) {
	WriteJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": message}})
}

func newNotes(t *testing.T) *notes {
	t.Helper()
	n := &notes{}
	n.iss = NewIssuer[string](nil, time.Hour)
	n.Server = New(Config{
		Name: "notestest", BasePath: "/api/v1", Error: writeNoteError, EchoRequestID: true,
		Authenticate: func(w http.ResponseWriter, r *http.Request, _ *Operation) (*http.Request, bool) {
			if _, st := n.iss.Bearer(r); st != TokenValid {
				writeNoteError(w, r, http.StatusUnauthorized, "unauthorized", "a valid bearer token is required")
				return r, false
			}
			return r, true
		},
	})
	n.HandleFunc("listNotes", http.MethodGet, "/notes", false, func(w http.ResponseWriter, r *http.Request) {
		WriteJSON(w, http.StatusOK, []string{"a", "b"})
	})
	n.HandleFunc("createNote", http.MethodPost, "/notes", true, func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			writeNoteError(w, r, http.StatusRequestEntityTooLarge, "too_large", "the body is too large")
			return
		}
		if len(b) == 0 {
			writeNoteError(w, r, http.StatusBadRequest, "empty", "a body is required")
			return
		}
		n.created.Add(1)
		WriteJSON(w, http.StatusCreated, map[string]string{"id": "n1"})
	})
	n.Handle(Operation{ID: "token", Method: http.MethodPost, Path: "/token", Root: true, Public: true,
		Handler: &TokenEndpoint[string]{
			Issuer: n.iss, Server: n.Server, Realm: "notestest",
			Client: func(id, secret string) (string, bool) { return id, Equal(id, "app") && Equal(secret, "s3cret") },
			Grants: map[string]Grant[string]{
				"client_credentials": ClientCredentialsGrant[string](),
				"password":           PasswordGrant(func(_, u, p string) bool { return u == "ada" && p == "pw" }, true),
				"refresh_token":      RefreshGrant(n.iss, func(c, s string) bool { return c == s }),
			},
		}})
	n.Start()
	t.Cleanup(n.Close)
	return n
}

func (n *notes) do(t *testing.T, method, path, body string) (*http.Response, []byte, error) {
	t.Helper()
	req, _ := http.NewRequest(method, n.URL()+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+n.iss.Issue("app", false).Access)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

func TestServerAnswersUnknownPathsAndMethodsInTheAPIsBody(t *testing.T) {
	n := newNotes(t)
	for _, tc := range []struct {
		method, path string
		status       int
		allow        string
	}{
		{http.MethodGet, "/nothing", 404, ""},
		{http.MethodGet, "/notes/", 404, ""},
		{http.MethodGet, "//notes", 404, ""},
		{http.MethodDelete, "/notes", 405, "GET, POST"},
	} {
		resp, b, err := n.do(t, tc.method, tc.path, "")
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != tc.status || resp.Header.Get("Allow") != tc.allow || !strings.Contains(string(b), `"code"`) {
			t.Errorf("%s %s: %d Allow %q body %s", tc.method, tc.path, resp.StatusCode, resp.Header.Get("Allow"), b)
		}
	}
	if got := n.Stats().Requests[""]; got != 4 {
		t.Fatalf("unmatched requests counted %d, want 4", got)
	}
}

func TestServerRefusesWithoutTokenAndFaultsNeverReplaceA401(t *testing.T) {
	n := newNotes(t)
	n.SetFaults(Faults{ErrorRate: 1})
	resp, err := http.Get(n.URL() + "/notes")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("status %d, want 401", resp.StatusCode)
	}
	if f := n.Stats().Faults["listNotes"]; f != 0 {
		t.Fatalf("a fault hit an unauthenticated request")
	}
}

func TestServerEchoesASaneRequestIDAndNumbersTheOthers(t *testing.T) {
	n := newNotes(t)
	for _, tc := range []struct{ sent, want string }{
		{"client-42", "client-42"},
		{"bad id\twith spaces", "notestest-"},
	} {
		req, _ := http.NewRequest(http.MethodGet, n.URL()+"/notes", nil)
		req.Header.Set("X-Request-Id", tc.sent)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("X-Request-Id"); !strings.HasPrefix(got, tc.want) {
			t.Errorf("sent %q, answered %q", tc.sent, got)
		}
	}
}

func TestServerCapsRequestBodies(t *testing.T) {
	n := newNotes(t)
	n.cfg.MaxBody = 8
	resp, _, err := n.do(t, http.MethodPost, "/notes", strings.Repeat("x", 100))
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413", resp.StatusCode)
	}
}

func TestFaultRules(t *testing.T) {
	for _, tc := range []struct {
		name     string
		rule     Rule
		statuses []int // of four requests to createNote; 0: no answer
		created  int64
		header   string
	}{
		{"status twice", Rule{Operation: "createNote", Status: 503, Times: 2}, []int{503, 503, 201, 201}, 2, ""},
		{"every second", Rule{Path: "/notes", Status: 502, Every: 2}, []int{201, 502, 201, 502}, 2, ""},
		{"rate limited", Rule{Method: "POST", Status: 429, RetryAfter: 1500 * time.Millisecond, Times: 1}, []int{429, 201, 201, 201}, 3, "2"},
		{"drop", Rule{Drop: true, Times: 1}, []int{0, 201, 201, 201}, 3, ""},
		{"after write", Rule{AfterWrite: true, Times: 2}, []int{0, 0, 201, 201}, 4, ""},
		{"other operation", Rule{Operation: "listNotes", Status: 500}, []int{201, 201, 201, 201}, 4, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := newNotes(t)
			n.SetFaults(Faults{Rules: []Rule{tc.rule}})
			var got []int
			header := ""
			for range 4 {
				resp, _, err := n.do(t, http.MethodPost, "/notes", "{}")
				if err != nil {
					got = append(got, 0)
					continue
				}
				got = append(got, resp.StatusCode)
				if h := resp.Header.Get("Retry-After"); h != "" {
					header = h
				}
			}
			if diff := cmp.Diff(tc.statuses, got); diff != "" {
				t.Errorf("statuses (-want +got):\n%s", diff)
			}
			if c := n.created.Load(); c != tc.created {
				t.Errorf("writes carried out %d, want %d", c, tc.created)
			}
			if header != tc.header {
				t.Errorf("Retry-After %q, want %q", header, tc.header)
			}
			st := n.Stats()
			if st.Requests["createNote"] != 4 || st.Writes != 4 {
				t.Errorf("stats %+v", st.Requests)
			}
			for i, s := range tc.statuses {
				if st.Log[i].Status != s {
					t.Errorf("log %d: status %d, want %d", i, st.Log[i].Status, s)
				}
			}
		})
	}
}

func TestFaultAfterWriteAnswersARefusedWriteNormally(t *testing.T) {
	n := newNotes(t)
	n.SetFaults(Faults{DropAfterWriteRate: 1})
	resp, _, err := n.do(t, http.MethodPost, "/notes", "")
	if err != nil {
		t.Fatalf("a refused write was dropped: %v", err)
	}
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("status %d", resp.StatusCode)
	}
}

func TestFaultRatesAreRepeatableFromTheSeed(t *testing.T) {
	run := func() []int {
		n := newNotes(t)
		n.SetFaults(Faults{Seed: 7, ErrorRate: 0.3, RateLimitRate: 0.2, ErrorStatuses: []int{500, 503}})
		var out []int
		for range 20 {
			resp, _, err := n.do(t, http.MethodGet, "/notes", "")
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, resp.StatusCode)
		}
		return out
	}
	a, b := run(), run()
	if diff := cmp.Diff(a, b); diff != "" {
		t.Fatalf("same seed, different faults:\n%s", diff)
	}
	seen := map[int]bool{}
	for _, s := range a {
		seen[s] = true
	}
	if !seen[200] || !seen[429] || !(seen[500] || seen[503]) {
		t.Fatalf("statuses %v: want answers, errors and rate limits", a)
	}
}

func TestFaultTruncateSendsHalfWithAMatchingLength(t *testing.T) {
	n := newNotes(t)
	n.SetFaults(Faults{TruncateRate: 1})
	resp, b, err := n.do(t, http.MethodGet, "/notes", "")
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || string(b) != `["a"` {
		t.Fatalf("status %d body %q", resp.StatusCode, b)
	}
	if json.Valid(b) {
		t.Fatal("truncated body is valid JSON")
	}
}

func TestFaultStallEndsWhenTheClientGivesUp(t *testing.T) {
	n := newNotes(t)
	n.SetFaults(Faults{StallRate: 1, Stall: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, n.URL()+"/notes", nil)
	req.Header.Set("Authorization", "Bearer "+n.iss.Issue("app", false).Access)
	start := time.Now()
	_, err := http.DefaultClient.Do(req)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v, want the client's deadline", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("the stall outlived the client")
	}
}

func TestFaultsLeaveTheTokenEndpointAloneUnlessNamed(t *testing.T) {
	n := newNotes(t)
	token := func() int {
		resp, err := http.PostForm(n.Root()+"/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {"app"}, "client_secret": {"s3cret"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	n.SetFaults(Faults{ErrorRate: 1})
	if s := token(); s != 200 {
		t.Fatalf("token endpoint answered %d under a general fault", s)
	}
	n.SetFaults(Faults{ErrorRate: 1, Operations: []string{"token"}})
	if s := token(); s < 500 {
		t.Fatalf("token endpoint answered %d when named", s)
	}
}

func TestTokenEndpointGrants(t *testing.T) {
	n := newNotes(t)
	post := func(form url.Values, basic bool) (int, map[string]any) {
		req, _ := http.NewRequest(http.MethodPost, n.Root()+"/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if basic {
			req.SetBasicAuth("app", "s3cret")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	st, out := post(url.Values{"grant_type": {"password"}, "username": {"ada"}, "password": {"pw"}}, true)
	if st != 200 || out["refresh_token"] == nil {
		t.Fatalf("password grant: %d %v", st, out)
	}
	if _, state := n.iss.Check(out["access_token"].(string)); state != TokenValid {
		t.Fatalf("issued token is %v", state)
	}
	refresh := out["refresh_token"].(string)
	if st, _ := post(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}}, true); st != 200 {
		t.Fatalf("refresh: %d", st)
	}
	for _, tc := range []struct {
		name  string
		form  url.Values
		basic bool
		want  int
		err   string
	}{
		{"refresh token used twice", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}}, true, 400, "invalid_grant"},
		{"wrong password", url.Values{"grant_type": {"password"}, "username": {"ada"}, "password": {"no"}}, true, 400, "invalid_grant"},
		{"wrong secret", url.Values{"grant_type": {"client_credentials"}, "client_id": {"app"}, "client_secret": {"x"}}, false, 401, "invalid_client"},
		{"unknown grant", url.Values{"grant_type": {"implicit"}}, true, 400, "unsupported_grant_type"},
	} {
		st, out := post(tc.form, tc.basic)
		if st != tc.want || out["error"] != tc.err {
			t.Errorf("%s: %d %v, want %d %s", tc.name, st, out, tc.want, tc.err)
		}
	}
	if g := n.Stats().Grants; g["password"] != 1 || g["refresh_token"] != 1 {
		t.Fatalf("grants %v", g)
	}
}

func TestIssuerExpiresTokens(t *testing.T) {
	now := t0
	iss := NewIssuer[string](func() time.Time { return now }, time.Minute)
	iss.AddStatic("fixed", "ops")
	tok := iss.Issue("org", false).Access
	if sub, st := iss.Check(tok); st != TokenValid || sub != "org" {
		t.Fatalf("fresh token: %q %v", sub, st)
	}
	iss.Expire()
	if _, st := iss.Check(tok); st != TokenExpired {
		t.Fatalf("after Expire: %v", st)
	}
	if _, st := iss.Check("fixed"); st != TokenValid {
		t.Fatalf("static token after Expire: %v", st)
	}
	tok = iss.Issue("org", false).Access
	now = now.Add(time.Minute)
	if _, st := iss.Check(tok); st != TokenExpired {
		t.Fatalf("after its lifetime: %v", st)
	}
	if _, st := iss.Check("never-issued"); st != TokenUnknown {
		t.Fatalf("unknown token: %v", st)
	}
	r, _ := http.NewRequest(http.MethodGet, "http://x", nil)
	r.Header.Set("Authorization", "Basic abc")
	if _, st := iss.Bearer(r); st != TokenWrongScheme {
		t.Fatalf("Basic header: %v", st)
	}
}

func TestCheckBasic(t *testing.T) {
	r, _ := http.NewRequest(http.MethodGet, "http://x", nil)
	if CheckBasic(r, "u", "p") {
		t.Fatal("no header accepted")
	}
	r.SetBasicAuth("u", "p")
	if !CheckBasic(r, "u", "p") || CheckBasic(r, "u", "q") {
		t.Fatal("Basic check wrong")
	}
}

func TestStatsLogKeepsTheLastRequestsAndRedactsPaths(t *testing.T) {
	n := newNotes(t)
	for range LogSize + 5 {
		resp, err := http.Get(n.URL() + "/persons/199001012384")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	st := n.Stats()
	if len(st.Log) != LogSize {
		t.Fatalf("log holds %d", len(st.Log))
	}
	if strings.Contains(st.Log[0].Path, "199001012384") {
		t.Fatalf("log path %q holds the personal number", st.Log[0].Path)
	}
	n.ResetStats()
	if st := n.Stats(); len(st.Log) != 0 || Total(st.Requests) != 0 {
		t.Fatal("ResetStats kept counts")
	}
}

// A request is counted before its answer reaches the client, however large the answer, so a
// test that reads Stats right after a call finds it.
func TestStatsCountALargeAnswerBeforeTheClientHasIt(t *testing.T) {
	srv := New(Config{Name: "bigtest", Error: writeNoteError})
	big := strings.Repeat("x", 1<<20)
	srv.HandleFunc("getBig", http.MethodGet, "/big", false, func(w http.ResponseWriter, _ *http.Request) {
		WriteRaw(w, http.StatusOK, "text/plain", []byte(big))
		time.Sleep(20 * time.Millisecond) // the handler goes on after the answer is out
	})
	srv.Start()
	defer srv.Close()
	for i := range 20 {
		resp, err := http.Get(srv.URL() + "/big")
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if got := srv.Stats().Answers[Answer{"getBig", 200}]; got != i+1 {
			t.Fatalf("after %d answers Stats counts %d", i+1, got)
		}
	}
}

// An operation whose pattern serves two operations names each request by its own path: the
// first request's name must not stick to the ones after it, also when they run at once.
func TestResolveNamesEachRequest(t *testing.T) {
	srv := New(Config{Name: "resolvetest", Error: writeNoteError})
	srv.Handle(Operation{ID: "getA", Method: http.MethodGet, Path: "/items/{kind}", Public: true,
		Resolve: func(r *http.Request) string { return "get" + strings.ToUpper(r.PathValue("kind")) },
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { WriteJSON(w, http.StatusOK, "ok") }),
	})
	srv.Start()
	t.Cleanup(srv.Close)
	done := make(chan error)
	for _, kind := range []string{"a", "b", "a", "b", "b", "b"} {
		go func() {
			resp, err := http.Get(srv.URL() + "/items/" + kind)
			if err == nil {
				resp.Body.Close()
			}
			done <- err
		}()
	}
	for range 6 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if got, want := srv.Stats().Requests, map[string]int{"getA": 2, "getB": 4}; !cmp.Equal(got, want) {
		t.Fatalf("requests by operation: %v", cmp.Diff(want, got))
	}
}
