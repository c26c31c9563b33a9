package ss12000server

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestBearerTokensAreCheckedAsReceiversIssueThem(t *testing.T) {
	e := newEnv(t, nil, nil)
	e.sync(school(), withProtected())
	now := e.clock.Now()
	for _, tc := range []struct {
		name   string
		token  string
		status int
	}{
		{"RS256 for the DNP audience", e.token(testAudience, nil), 200},
		{"ES256", e.keys.sign(t, "ES256", "ec-1", map[string]any{"iss": testIssuer, "aud": []string{"x", "lms"}, "exp": now.Add(time.Hour).Unix()}), 200},
		{"no token", "", 401},
		{"not a JWT", "opaque-token", 401},
		{"alg none", e.keys.sign(t, "none", "rsa-1", map[string]any{"iss": testIssuer, "aud": testAudience, "exp": now.Add(time.Hour).Unix()}), 401},
		{"HS256 with the published key", e.keys.sign(t, "HS256", "hmac-1", map[string]any{"iss": testIssuer, "aud": testAudience, "exp": now.Add(time.Hour).Unix()}), 401},
		{"another issuer", e.token(testAudience, func(c map[string]any) { c["iss"] = "https://evil.example" }), 401},
		{"another audience", e.token("someone-else", nil), 401},
		{"expired", e.token(testAudience, func(c map[string]any) { c["exp"] = now.Add(-2 * time.Minute).Unix() }), 401},
		{"expired within the leeway", e.token(testAudience, func(c map[string]any) { c["exp"] = now.Add(-30 * time.Second).Unix() }), 200},
		{"no expiry", e.token(testAudience, func(c map[string]any) { delete(c, "exp") }), 401},
		{"not valid yet", e.token(testAudience, func(c map[string]any) { c["nbf"] = now.Add(time.Hour).Unix() }), 401},
		{"for another provider's location", e.token(testAudience, func(c map[string]any) {
			c["requested_access"] = []any{map[string]any{"type": "ss12000-api", "locations": []string{"https://skola.example.se.evil.example/ss12000"}}}
		}), 401},
		{"location of another access type", e.token(testAudience, func(c map[string]any) {
			c["requested_access"] = []any{map[string]any{"type": "other-api", "locations": []string{testLocation}}}
		}), 401},
		{"a key the issuer does not publish", e.keys.sign(t, "RS256", "rsa-9", map[string]any{"iss": testIssuer, "aud": testAudience, "exp": now.Add(time.Hour).Unix()}), 401},
		{"RS256 signed, EC key named", e.keys.sign(t, "RS256", "ec-1", map[string]any{"iss": testIssuer, "aud": testAudience, "exp": now.Add(time.Hour).Unix()}), 401},
		{"bound to a certificate not presented", e.token(testAudience, func(c map[string]any) { c["cnf"] = map[string]any{"x5t#S256": "abc"} }), 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := e.do(http.MethodGet, "/organisations", tc.token, "")
			if a.status != tc.status {
				t.Fatalf("status %d, want %d: %s", a.status, tc.status, a.body)
			}
			if a.status == 401 {
				if a.errorCode(t) != "unauthorized" || !strings.Contains(a.header.Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("401 without the Error body or WWW-Authenticate: %v %s", a.header, a.body)
				}
				if tc.token != "" && strings.Contains(string(a.body), tc.token[:min(20, len(tc.token))]) {
					t.Error("the answer quotes the token")
				}
			}
		})
	}
	// A tampered token: the claims changed after signing.
	tok := e.token(testAudience, nil)
	parts := strings.Split(tok, ".")
	tampered := parts[0] + "." + b64([]byte(`{"iss":"`+testIssuer+`","aud":"`+testAudience+`","exp":4102444800}`)) + "." + parts[2]
	if a := e.do(http.MethodGet, "/organisations", tampered, ""); a.status != 401 {
		t.Errorf("a token whose claims changed after signing: %d", a.status)
	}
}

func TestUnreachableKeysAre503AndCachedKeysKeepWorking(t *testing.T) {
	e := newEnv(t, nil, nil)
	e.keys.hidden = true
	if a := e.get("/organisations"); a.status != 503 {
		t.Fatalf("keys never read: %d %s", a.status, a.body)
	}
	// Within the wait between two reads the keys are still unavailable (503, try again), not
	// a token signed with a key the issuer does not publish (401).
	if a := e.get("/organisations"); a.status != 503 {
		t.Fatalf("keys never read, asked again at once: %d %s", a.status, a.body)
	}
	e.keys.hidden = false
	e.clock.Advance(2 * time.Minute) // past the minimum wait between reads
	if a := e.get("/organisations"); a.status != 200 {
		t.Fatalf("keys read: %d %s", a.status, a.body)
	}
	e.keys.hidden = true
	e.clock.Advance(2 * time.Hour) // the keys are old, the JWKS is down: the held keys still check
	if a := e.get("/organisations"); a.status != 200 {
		t.Fatalf("with held keys while the JWKS is down: %d %s", a.status, a.body)
	}
	before := e.keys.fetches
	for range 5 {
		e.do(http.MethodGet, "/organisations", e.keys.sign(t, "RS256", "rsa-unknown", map[string]any{"iss": testIssuer, "aud": testAudience,
			"exp": e.clock.Now().Add(time.Hour).Unix()}), "")
	}
	if n := e.keys.fetches - before; n > 1 {
		t.Errorf("tokens with unknown key ids read the JWKS %d times within a minute", n)
	}
}

// TestClientCertificatesOnTheAllowList serves the provider over TLS that asks for client
// certificates: a receiver lets in the certificate it lists, by certificate or public key.
func TestClientCertificatesOnTheAllowList(t *testing.T) {
	ca := httptest.NewTLSServer(http.NotFoundHandler()) // its certificate serves as a client certificate
	defer ca.Close()
	clientCert := ca.TLS.Certificates[0]
	leaf, err := x509.ParseCertificate(clientCert.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	fp := sha256.Sum256(leaf.Raw)
	spki := sha256.Sum256(leaf.RawSubjectPublicKeyInfo)
	for _, tc := range []struct {
		name   string
		certs  *Certificates
		send   bool
		status int
	}{
		{"certificate fingerprint", &Certificates{SHA256: []string{hex.EncodeToString(fp[:])}}, true, 200},
		{"public key fingerprint, colons and capitals", &Certificates{SPKISHA256: []string{strings.ToUpper(colons(hex.EncodeToString(spki[:])))}}, true, 200},
		{"no certificate", &Certificates{SHA256: []string{hex.EncodeToString(fp[:])}}, false, 401},
		{"another certificate listed", &Certificates{SHA256: []string{strings.Repeat("ab", 32)}}, true, 403},
		{"verification required, none done", &Certificates{SHA256: []string{hex.EncodeToString(fp[:])}, Verified: true}, true, 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := New(openSQLite(t), Options{Receivers: []Receiver{{Name: "skolfederation", Certificates: tc.certs}}})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			srv := httptest.NewUnstartedServer(p)
			srv.TLS = &tls.Config{ClientAuth: tls.RequestClientCert}
			srv.StartTLS()
			defer srv.Close()
			tr := srv.Client().Transport.(*http.Transport).Clone()
			if tc.send {
				tr.TLSClientConfig.Certificates = []tls.Certificate{clientCert}
			}
			resp, err := (&http.Client{Transport: tr}).Get(srv.URL + "/organisations")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
		})
	}
}

func colons(h string) string {
	var b strings.Builder
	for i := 0; i < len(h); i += 2 {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(h[i : i+2])
	}
	return b.String()
}

func TestOptionsRefuseReceiversNothingCouldTellApart(t *testing.T) {
	jwt := &JWT{JWKSURL: "https://login.example/jwks", Issuer: "i", Audience: "a"}
	for name, rs := range map[string][]Receiver{
		"none":            nil,
		"no name":         {{Bearer: jwt}},
		"no credentials":  {{Name: "x"}},
		"same issuer":     {{Name: "x", Bearer: jwt}, {Name: "y", Bearer: jwt}},
		"same name":       {{Name: "x", Bearer: jwt}, {Name: "x", Certificates: &Certificates{SHA256: []string{strings.Repeat("0", 64)}}}},
		"bad fingerprint": {{Name: "x", Certificates: &Certificates{SHA256: []string{"abc"}}}},
		"JWKS not a URL":  {{Name: "x", Bearer: &JWT{JWKSURL: "jwks.json", Issuer: "i"}}},
		"no issuer":       {{Name: "x", Bearer: &JWT{JWKSURL: "https://login.example/jwks"}}},
	} {
		if _, err := New(openSQLite(t), Options{Receivers: rs}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
