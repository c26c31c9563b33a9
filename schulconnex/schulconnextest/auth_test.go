package schulconnextest_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/edusync/edusync/schulconnex/schulconnextest"
)

func TestTokenEndpoint(t *testing.T) {
	s := schulconnextest.NewServer(schulconnextest.WithGrants(true, true))
	defer s.Close()
	c := s.Credentials()
	post := func(form url.Values, basic bool) (int, map[string]any) {
		t.Helper()
		if !basic {
			form.Set("client_id", c.ClientID)
			form.Set("client_secret", c.ClientSecret)
		}
		req, _ := http.NewRequest("POST", s.TokenURL(), strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if basic {
			req.SetBasicAuth(url.QueryEscape(c.ClientID), url.QueryEscape(c.ClientSecret))
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}
	status, m := post(url.Values{"grant_type": {"password"}, "username": {c.Username}, "password": {c.Password}}, true)
	if status != 200 || m["refresh_token"] == nil || m["token_type"] != "Bearer" {
		t.Fatalf("password grant: %d %v", status, m)
	}
	rt := m["refresh_token"].(string)
	cases := []struct {
		name   string
		form   url.Values
		basic  bool
		status int
		errStr string
	}{
		{"client credentials in the form", url.Values{"grant_type": {"client_credentials"}}, false, 200, ""},
		{"refresh token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, true, 200, ""},
		{"refresh token used twice", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, true, 400, "invalid_grant"},
		{"wrong password", url.Values{"grant_type": {"password"}, "username": {c.Username}, "password": {"x"}}, true, 400, "invalid_grant"},
		{"unknown grant", url.Values{"grant_type": {"authorization_code"}}, true, 400, "unsupported_grant_type"},
	}
	for _, tc := range cases {
		status, m := post(tc.form, tc.basic)
		if status != tc.status || (tc.errStr != "" && m["error"] != tc.errStr) {
			t.Errorf("%s: %d %v", tc.name, status, m)
		}
	}
	resp, _ := http.Get(s.TokenURL())
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET token: %d", resp.StatusCode)
	}
	// API requests without or with a wrong token.
	for auth, sub := range map[string]string{"": "00", "Basic abc": "03", "Bearer nope": "02"} {
		req, _ := http.NewRequest("GET", s.URL()+"/personen", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var f struct{ Code, Subcode string }
		_ = json.NewDecoder(resp.Body).Decode(&f)
		resp.Body.Close()
		if resp.StatusCode != 401 || f.Code != "401" || f.Subcode != sub {
			t.Errorf("%q: %d %+v", auth, resp.StatusCode, f)
		}
	}
}
