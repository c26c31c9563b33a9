package ss12000test

import (
	"bufio"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/edusync/edusync/internal/testclock"
)

// specOp is one operation of openapi/ss12000.yaml.
type specOp struct{ method, path, id string }

// specOperations reads the operations (not the callback) from the project's spec.
func specOperations(t *testing.T) []specOp {
	t.Helper()
	f, err := os.Open("../../openapi/ss12000.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var ops []specOp
	var path, method string
	inPaths := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "paths:":
			inPaths = true
		case inPaths && len(line) > 0 && line[0] != ' ' && line[0] != '#':
			inPaths = false
		case inPaths && strings.HasPrefix(line, "  /") && strings.HasSuffix(line, ":"):
			path, method = strings.TrimSuffix(strings.TrimSpace(line), ":"), ""
		case inPaths && len(line) > 4 && strings.HasPrefix(line, "    ") && line[4] != ' ' && strings.HasSuffix(line, ":"):
			method = strings.ToUpper(strings.TrimSuffix(strings.TrimSpace(line), ":"))
		case inPaths && method != "" && strings.HasPrefix(line, "      operationId: "):
			ops = append(ops, specOp{method, path, strings.TrimPrefix(line, "      operationId: ")})
			method = ""
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return ops
}

// TestEveryOperationRouted sends a request to each of the spec's operations and checks that it
// reaches that operation (counted under its operationId), not a 404 for the path or a 405.
func TestEveryOperationRouted(t *testing.T) {
	ops := specOperations(t)
	if len(ops) != 69 {
		t.Fatalf("found %d operations in the spec, want 69", len(ops))
	}
	s := NewServer(WithDataset(SampleSchool()))
	defer s.Close()
	c := newClient(t, s)
	var ids []string
	for _, op := range ops {
		ids = append(ids, op.id)
		t.Run(op.id, func(t *testing.T) {
			c.t = t
			before := s.Stats().Requests[op.id]
			var body any
			if op.method == http.MethodPost || op.method == http.MethodPatch {
				body = "{}"
			}
			a := c.do(op.method, strings.ReplaceAll(op.path, "{id}", "no-such-id"), nil, body)
			if a.status == http.StatusMethodNotAllowed {
				t.Fatalf("405: %s", a.body)
			}
			if a.status >= 400 {
				if e := a.errBody(t); e.Code == "no_such_operation" {
					t.Fatalf("path not routed: %s", a.body)
				}
			}
			if got := s.Stats().Requests[op.id]; got != before+1 {
				t.Fatalf("requests counted for %s: %d, want %d", op.id, got, before+1)
			}
			if a.header.Get("X-Request-Id") == "" {
				t.Fatal("no X-Request-Id")
			}
		})
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	got := s.Operations()
	slices.Sort(got)
	if d := cmp.Diff(ids, got); d != "" {
		t.Errorf("Operations() differs from the spec (-spec +server):\n%s", d)
	}
}

func TestUnknownRoutesAndMethods(t *testing.T) {
	s := NewServer(WithDataset(SampleSchool()))
	defer s.Close()
	c := newClient(t, s)
	cases := []struct {
		name, method, path string
		status             int
		code, allow        string
	}{
		{"unknown path", "GET", "/students", 404, "no_such_operation", ""},
		{"trailing slash on a list", "GET", "/persons/", 404, "no_such_operation", ""},
		{"path outside the base path", "GET", "/../../persons", 404, "no_such_operation", ""},
		{"wrong method on a list", "DELETE", "/persons", 405, "method_not_allowed", ""},
		{"wrong method on a lookup", "GET", "/persons/lookup", 404, "not_found", ""}, // GET /persons/{id} with id "lookup"
		{"PUT on a record", "PUT", "/persons/x", 405, "method_not_allowed", "GET"},
		{"GET on log", "GET", "/log/", 405, "method_not_allowed", "POST"},
		{"writes on attendances", "PUT", "/attendances/x", 405, "method_not_allowed", "GET, DELETE"},
		{"subscription by id", "POST", "/subscriptions/x", 405, "method_not_allowed", "GET, PATCH, DELETE"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c.t = t
			a := c.do(tc.method, tc.path, nil, nil)
			if a.status != tc.status {
				t.Fatalf("status %d, want %d: %s", a.status, tc.status, a.body)
			}
			if e := a.errBody(t); e.Code != tc.code {
				t.Errorf("code %q, want %q", e.Code, tc.code)
			}
			if tc.allow != "" && a.header.Get("Allow") != tc.allow {
				t.Errorf("Allow %q, want %q", a.header.Get("Allow"), tc.allow)
			}
			if a.header.Get("X-Request-Id") == "" {
				t.Error("no X-Request-Id")
			}
		})
	}
}

func TestRequestIDs(t *testing.T) {
	s := NewServer(WithDataset(SampleSchool()))
	defer s.Close()
	req, _ := http.NewRequest("GET", s.URL()+"/organisations", nil)
	req.Header.Set("Authorization", "Bearer "+s.Token())
	req.Header.Set("X-Request-Id", "trace-42")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("X-Request-Id"); got != "trace-42" {
		t.Errorf("X-Request-Id = %q, want the client's trace-42", got)
	}
	c := newClient(t, s)
	a1 := c.do("GET", "/organisations", nil, nil)
	a2 := c.do("GET", "/nothing", nil, nil)
	if a1.header.Get("X-Request-Id") == a2.header.Get("X-Request-Id") {
		t.Error("two requests got the same request id")
	}
}

func TestBasePath(t *testing.T) {
	for _, tc := range []struct{ opt, want string }{{"", ""}, {"/", ""}, {"api/v2/", "/api/v2"}, {"/x", "/x"}} {
		s := NewServer(WithDataset(Dataset{}), WithBasePath(tc.opt))
		if s.BasePath() != tc.want || !strings.HasSuffix(s.URL(), tc.want) {
			t.Errorf("WithBasePath(%q): BasePath %q BaseURL %q", tc.opt, s.BasePath(), s.URL())
		}
		c := newClient(t, s)
		c.get("/persons", nil, 200, nil)
		s.Close()
	}
}

func TestAuth(t *testing.T) {
	clock := testclock.New(time2026)
	s := NewServer(WithDataset(SampleSchool()), WithClock(clock.Now), WithTokens("tok-a", "tok-b"), WithTokenLifetime(time10m))
	defer s.Close()
	c := newClient(t, s)
	for _, tc := range []struct {
		name   string
		header string
		status int
	}{
		{"none", "", 401},
		{"wrong token", "Bearer nope", 401},
		{"wrong scheme", "Basic dG9rLWE6", 401},
		{"empty bearer", "Bearer ", 401},
		{"first static", "Bearer tok-a", 200},
		{"second static", "Bearer tok-b", 200},
		{"scheme case", "bearer tok-a", 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", s.URL()+"/persons?limit=1", nil)
			if tc.header != "" {
				req.Header.Set("Authorization", tc.header)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
			if tc.status == 401 && resp.Header.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
		})
	}
	if s.Token() != "tok-a" {
		t.Errorf("Token() = %q", s.Token())
	}

	// The token endpoint, as golang.org/x/oauth2 uses it (Basic auth first).
	id, secret := s.ClientCredentials()
	cc := clientcredentials.Config{ClientID: id, ClientSecret: secret, TokenURL: s.TokenURL()}
	tok, err := cc.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	c.token = tok.AccessToken
	c.get("/persons", vals("limit", "1"), 200, nil)
	clock.Advance(time10m)
	if a := c.do("GET", "/persons", nil, nil); a.status != 401 {
		t.Fatalf("expired issued token: %d", a.status)
	}
	tok2, err := cc.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	c.token = tok2.AccessToken
	c.get("/persons", vals("limit", "1"), 200, nil)
	s.RevokeTokens()
	if a := c.do("GET", "/persons", nil, nil); a.status != 401 {
		t.Fatalf("revoked token: %d", a.status)
	}
	c.token = "tok-a"
	c.get("/persons", vals("limit", "1"), 200, nil) // static tokens survive revocation

	bad := clientcredentials.Config{ClientID: id, ClientSecret: "wrong", TokenURL: s.TokenURL()}
	if _, err := bad.Token(t.Context()); err == nil {
		t.Error("token endpoint accepted a wrong secret")
	}
	// Form-field credentials and the grant type.
	for _, tc := range []struct {
		form   string
		status int
	}{
		{"grant_type=client_credentials&client_id=" + id + "&client_secret=" + secret, 200},
		{"grant_type=password&client_id=" + id + "&client_secret=" + secret, 400},
		{"grant_type=client_credentials&client_id=" + id, 401},
		{"%zz", 400},
	} {
		resp, err := http.Post(s.TokenURL(), "application/x-www-form-urlencoded", strings.NewReader(tc.form))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("token form %q: %d, want %d", tc.form, resp.StatusCode, tc.status)
		}
	}
	resp, err := http.Get(s.TokenURL())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 405 {
		t.Errorf("GET token endpoint: %d", resp.StatusCode)
	}
}

func TestWithoutAuth(t *testing.T) {
	s := NewServer(WithDataset(SampleSchool()), WithoutAuth())
	defer s.Close()
	c := newClient(t, s)
	c.token = ""
	c.get("/persons", vals("limit", "1"), 200, nil)
}

func TestNewHandlerAndServe(t *testing.T) {
	h := NewHandler(WithDataset(SampleSchool()))
	defer h.Close()
	if h.URL() != DefaultBasePath || h.TokenURL() != TokenPath {
		t.Errorf("NewHandler URLs: %q %q", h.URL(), h.TokenURL())
	}
	mux := http.NewServeMux()
	mux.Handle("/", h)
	req, _ := http.NewRequest("GET", DefaultBasePath+"/organisations", nil)
	req.Header.Set("Authorization", "Bearer "+h.Token())
	rec := newRecorder()
	mux.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Fatalf("mounted handler: %d %s", rec.Code, rec.Body)
	}
}

func TestServe(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := Serve(ln, WithDataset(SampleSchool()))
	defer s.Close()
	if !strings.HasPrefix(s.URL(), "http://"+ln.Addr().String()) {
		t.Fatalf("BaseURL %q", s.URL())
	}
	newClient(t, s).get("/organisations", nil, 200, nil)
}
