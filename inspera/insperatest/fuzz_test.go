package insperatest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzRequests sends any body to every write and any path under the API with a valid token:
// the fake never fails with a 5xx or a panic, and refuses what is not its API with 4xx.
func FuzzRequests(f *testing.F) {
	s := newServer(nil)
	s.AddTest(TestData{ID: 1, Title: "T", ExternalID: "V", Candidates: []CandidateData{{UserID: 2, CandidateID: "3", Grade: "A"}}})
	rec := httptest.NewRecorder()
	form := url.Values{"grant_type": {"authorization_code"}, "client_id": {DefaultTenant}}
	req := httptest.NewRequest(http.MethodPost, BasePath+"/authenticate/token/", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("code", DefaultAPIKey)
	s.ServeHTTP(rec, req)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &tok); err != nil || tok.AccessToken == "" {
		f.Fatalf("no token: %s", rec.Body)
	}
	for _, seed := range []struct{ method, path, body string }{
		{"POST", "/v1/test/1/explanations", `{"candidateIds":["3"]}`},
		{"POST", "/v1/test/V/appeals?isExternal=true", `{"candidateIds":["3","3",""]}`},
		{"POST", "/v1/test/1/options", `{"testOptions":{"explanationOptions":[{"option":"EXPLANATION_OF_GRADES_ADMINISTRATION_ENABLED","value":true}]}}`},
		{"POST", "/v1/test/1/committees", `{"committees":[{"name":"K","type":"REASSESSMENT"}]}`},
		{"POST", "/v1/test/1/committees/candidates/move", `{"committeeId":1,"candidateIds":["3"]}`},
		{"POST", "/v1/fileExport/order", `{"testId":1}`},
		{"GET", "/v1/test/search?offset=-1&limit=99999", ``},
		{"GET", "/v1/candidates/allResults/1/2", ``},
		{"POST", "/v1/subscription", `{"eventName":"x","url":"ftp://x","secret":"s"}`},
		{"DELETE", "/v1/subscription/abc", ``},
	} {
		f.Add(seed.method, seed.path, seed.body)
	}
	f.Fuzz(func(t *testing.T, method, path, body string) {
		if method != "GET" && method != "POST" && method != "DELETE" {
			return
		}
		if strings.Contains(path, "/v1/subscription") && method == "POST" {
			return // would make the fake validate a URL over the network
		}
		u, err := url.Parse(BasePath + path)
		if err != nil || !strings.HasPrefix(path, "/") {
			return
		}
		req := httptest.NewRequest(method, "http://fake"+BasePath+"/", strings.NewReader(body))
		req.URL.Path, req.URL.RawPath, req.URL.RawQuery = u.Path, u.RawPath, u.RawQuery
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s %q: %d %s", method, path, body, rec.Code, rec.Body)
		}
	})
}
