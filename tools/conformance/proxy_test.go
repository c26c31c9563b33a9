package conformance

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

// The proxy must see what is wrong, or every conformance test passes for nothing.
func TestProxyFindsViolations(t *testing.T) {
	for _, tc := range []struct {
		name     string
		request  string
		answer   string
		response bool
		match    string
	}{
		{"read-only property sent", `{"id":"x","text":"hej"}`, `{"id":"n1","text":"hej"}`, false, "readOnly"},
		{"required property missing", `{}`, `{"id":"n1","text":"hej"}`, false, `"text" is missing`},
		{"answer without its id", `{"text":"hej"}`, `{"text":"hej"}`, true, `"id" is missing`},
		{"answer of the wrong type", `{"text":"hej"}`, `{"id":1,"text":"hej"}`, true, "must be a string"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusCreated)
				_, _ = w.Write([]byte(tc.answer))
			}))
			defer fake.Close()
			p := Start(t, Config{Spec: filepath.Join("testdata", "notes.yaml"), Target: fake.URL, BasePath: "/api"})
			resp, err := http.Post(p.URL()+"/notes", "application/json", strings.NewReader(tc.request))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusCreated {
				t.Fatalf("the proxy changed the answer: %d", resp.StatusCode)
			}
			v := p.Violations()
			if len(v) != 1 || v[0].Response != tc.response || !strings.Contains(v[0].Message, tc.match) {
				t.Fatalf("violations %v, want one %s violation matching %q", v, map[bool]string{false: "request", true: "response"}[tc.response], tc.match)
			}
		})
	}
}

func TestProxyReportsPathsTheSpecLacks(t *testing.T) {
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	defer fake.Close()
	p := Start(t, Config{Spec: filepath.Join("testdata", "notes.yaml"), Target: fake.URL, BasePath: "/api"})
	for _, path := range []string{"/api/log", "/token"} {
		resp, err := http.Post(p.Root()+path, "application/json", strings.NewReader(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	v := p.Violations()
	if len(v) != 1 || !strings.Contains(v[0].Message, "no operation") {
		t.Fatalf("violations %v: want one for /api/log and none for /token (outside the base path)", v)
	}
}
