package fakekit

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// FuzzServe sends whatever a broken or hostile client might through the kit's routing, token
// check and body cap: nothing panics, every answer has a status, and every error the kit writes
// is in the API's own body.
func FuzzServe(f *testing.F) {
	for _, seed := range [][4]string{
		{"GET", "/api/v1/notes", "", "Bearer x"},
		{"POST", "/api/v1/notes", `{"text":"hej"}`, ""},
		{"POST", "/token", "grant_type=password&username=ada&password=pw", "Basic YXBwOnMzY3JldA=="},
		{"DELETE", "/api/v1//notes/../notes", "", "Bearer"},
		{"PATCH", "/api/v1/notes/", strings.Repeat("x", 1000), "bearer  "},
		{"GET", "/api/v1/persons/199001012384", "", "Basic %zz"},
	} {
		f.Add(seed[0], seed[1], seed[2], seed[3])
	}
	iss := NewIssuer[string](nil, time.Hour)
	srv := New(Config{Name: "fuzztest", BasePath: "/api/v1", MaxBody: 512, Error: writeNoteError,
		Authenticate: func(w http.ResponseWriter, r *http.Request, _ *Operation) (*http.Request, bool) {
			if _, st := iss.Bearer(r); st != TokenValid {
				writeNoteError(w, r, http.StatusUnauthorized, "unauthorized", "a valid bearer token is required")
				return r, false
			}
			return r, true
		}})
	srv.HandleFunc("listNotes", http.MethodGet, "/notes", false, func(w http.ResponseWriter, _ *http.Request) {
		WriteJSON(w, http.StatusOK, []string{})
	})
	srv.Handle(Operation{ID: "token", Method: http.MethodPost, Path: "/token", Root: true, Public: true,
		Handler: &TokenEndpoint[string]{Issuer: iss, Server: srv,
			Client: func(id, secret string) (string, bool) { return id, Equal(id, "app") && Equal(secret, "s3cret") },
			Grants: map[string]Grant[string]{"password": PasswordGrant(func(_, u, p string) bool { return u == "ada" && p == "pw" }, true)}}})
	f.Fuzz(func(t *testing.T, method, path, body, auth string) {
		u, err := url.ParseRequestURI(path)
		if err != nil || !validMethod(method) {
			return
		}
		r := httptest.NewRequest(http.MethodGet, "http://fake.test/", strings.NewReader(body))
		r.Method, r.URL, r.RequestURI = method, u, path
		r.Header.Set("Authorization", auth)
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, r)
		if w.Code < 200 || w.Code > 599 {
			t.Fatalf("status %d", w.Code)
		}
		if w.Code >= 400 {
			var e map[string]any
			if json.Unmarshal(w.Body.Bytes(), &e) != nil || (e["error"] == nil) {
				t.Fatalf("%d answered without an error body: %q", w.Code, w.Body)
			}
		}
	})
}

func validMethod(m string) bool {
	if m == "" || len(m) > 16 {
		return false
	}
	for i := 0; i < len(m); i++ {
		if m[i] < 'A' || m[i] > 'Z' {
			return false
		}
	}
	return true
}
