package ss12000server

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/edusync/edusync/ss12000"
)

// FuzzServe sends whatever a receiver may send (method, path with query, body) to a provider
// holding the small school, as "dnp" (opted in to protected persons) and as "lms" (not). The
// provider never fails with 500, every refusal carries the standard's Error body, no refusal
// quotes a long number the request carried (a civic number in a filter), and "lms" never
// reads anything of the pupil with protected identity.
func FuzzServe(f *testing.F) {
	e := newEnv(f, nil, nil)
	e.sync(school(), withProtected())
	tokens := []string{e.token(testAudience, nil), e.token("lms", nil)}
	seeds := []struct {
		method byte
		target string
		body   string
	}{
		{0, "/persons?limit=2&expand=duties&expand=responsibleFor&expandReferenceNames=true", ""},
		{0, "/persons?civicNo=201307082386", ""},
		{0, "/persons?civicNo=201303042384&limit=0", ""},
		{0, "/persons?pageToken=AAAA&limit=1", ""},
		{0, "/persons?meta.modified.after=2026-08-17T07:00:00Z&sortkey=ModifiedDesc", ""},
		{0, "/groups?groupType=Klass&expand=assignmentRoles&startDate.onOrAfter=2026-01-01", ""},
		{0, "/organisations?parent=x&schoolUnitCode=12345678&organisationType=Skolenhet", ""},
		{0, "/duties?dutyRole=L%C3%A4rare&expand=person", ""},
		{0, "/activities?teacher=y&member=x", ""},
		{0, "/deletedEntities?after=2026-01-01T00:00:00Z&entities=Person", ""},
		{0, "/calendarEvents?startTime.onOrAfter=2026-01-01T00:00:00Z&startTime.onOrBefore=2027-01-01T00:00:00Z", ""},
		{1, "/persons/lookup?expand=duties", `{"ids":["a"],"civicNos":["201307082386"]}`},
		{1, "/groups/lookup", `{"ids":[]}`},
		{1, "/subscriptions", `{"name":"x","target":"http://127.0.0.1/callback","resourceTypes":[{"resource":"Person"}]}`},
		{1, "/log", `{"messageType":"Info","message":"pupil 201303042384","resourceType":"Person"}`},
		{1, "/statistics/", `{"resourceType":"Person","newCount":1,"updatedCount":-1}`},
		{2, "/subscriptions/x", `{"expires":"2026-01-01T00:00:00Z"}`},
		{3, "/subscriptions/x", ""},
		{4, "/persons", "{}"},
	}
	for _, s := range seeds {
		f.Add(s.method, s.target, s.body, false)
		f.Add(s.method, s.target, s.body, true)
	}
	methods := []string{http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete, http.MethodPut}
	longNumber := regexp.MustCompile(`[0-9]{10,}`)
	f.Fuzz(func(t *testing.T, method byte, target, body string, lms bool) {
		if !strings.HasPrefix(target, "/") {
			target = "/" + target
		}
		req, err := http.NewRequest(methods[int(method)%len(methods)], e.srv.URL+"/ss12000"+target, strings.NewReader(body))
		if err != nil {
			return
		}
		who := 0
		if lms {
			who = 1
		}
		req.Header.Set("Authorization", "Bearer "+tokens[who])
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		e.p.ServeHTTP(rec, req)
		got := rec.Body.String()
		if rec.Code >= 500 && rec.Code != http.StatusServiceUnavailable {
			t.Fatalf("%s %q: %d %s", req.Method, target, rec.Code, got)
		}
		if rec.Code >= 400 {
			var msg ss12000.Error
			if err := json.Unmarshal(rec.Body.Bytes(), &msg); err != nil || msg.Message == "" {
				t.Fatalf("%s %q: %d without the standard's Error body: %s", req.Method, target, rec.Code, got)
			}
			for _, n := range longNumber.FindAllString(target+" "+body, -1) {
				if strings.Contains(got, n) {
					t.Fatalf("%s %q: the refusal quotes %s: %s", req.Method, target, n, got)
				}
			}
		}
		if lms && (strings.Contains(got, "201307082386") || strings.Contains(got, "Lind")) {
			t.Fatalf("%s %q: lms read of the protected pupil: %s", req.Method, target, got)
		}
	})
}

// FuzzJWKS reads key sets: never a panic, and only RS256 keys of 2048 to 8192 bits and P-256
// keys come out.
func FuzzJWKS(f *testing.F) {
	e := newEnv(f, nil, nil)
	rec := httptest.NewRecorder()
	e.keys.serve(rec, httptest.NewRequest(http.MethodGet, "/jwks.json", nil))
	f.Add(rec.Body.Bytes())
	f.Add([]byte(`{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"},{"kty":"EC","crv":"P-384","x":"","y":""},{"kty":"oct","k":"c2VjcmV0"}]}`))
	f.Add([]byte(`{"keys":null}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		keys, err := parseJWKS(body)
		if err != nil {
			return
		}
		for kid, k := range keys {
			switch k.alg {
			case "", "RS256", "ES256":
			default:
				t.Fatalf("key %q for %q", kid, k.alg)
			}
			switch pub := k.pub.(type) {
			case *rsa.PublicKey:
				if pub.N.BitLen() < 2048 || pub.N.BitLen() > maxRSABits {
					t.Fatalf("key %q of %d bits", kid, pub.N.BitLen())
				}
			case *ecdsa.PublicKey:
				if pub.Curve != elliptic.P256() {
					t.Fatalf("key %q on %s", kid, pub.Curve.Params().Name)
				}
			default:
				t.Fatalf("key %q of type %T", kid, k.pub)
			}
		}
	})
}

// FuzzBearerToken checks tokens against the tests' JWKS: the valid seeds pass, anything else
// is refused without a panic, and no refusal quotes any part of the token.
func FuzzBearerToken(f *testing.F) {
	e := newEnv(f, nil, nil)
	cfg := e.opts.Receivers[0].Bearer
	keys := newJWKS(cfg, e.clock.Now)
	valid := map[string]bool{}
	for _, alg := range []struct{ alg, kid string }{{"RS256", "rsa-1"}, {"ES256", "ec-1"}, {"HS256", "hmac-1"}, {"none", ""}} {
		tok := e.keys.sign(f, alg.alg, alg.kid, map[string]any{"iss": testIssuer, "aud": testAudience,
			"exp": e.clock.Now().Unix() + 3600, "requested_access": []any{map[string]any{"type": "ss12000-api", "locations": []string{testLocation}}}})
		if alg.alg == "RS256" || alg.alg == "ES256" {
			valid[tok] = true
		}
		f.Add(tok)
	}
	f.Add("a.b.c")
	f.Add("eyJhbGciOiJSUzI1NiJ9..")
	f.Fuzz(func(t *testing.T, tok string) {
		if _, err := unverifiedClaims(tok); err != nil && valid[tok] {
			t.Fatalf("the claims of a valid token cannot be read: %v", err)
		}
		err := verifyJWT(context.Background(), tok, cfg, keys, e.clock.Now(), nil)
		if valid[tok] {
			if err != nil {
				t.Fatalf("a valid token refused: %v", err)
			}
			return
		}
		if err == nil {
			t.Fatalf("a token not signed by the issuer passed: %q", tok)
		}
		for _, part := range strings.Split(tok, ".") {
			if len(part) >= 8 && strings.Contains(err.Error(), part) {
				t.Fatalf("the refusal quotes the token: %v", err)
			}
		}
	})
}

// FuzzPageToken opens whatever arrives as a pageToken: only what the provider sealed opens
// (with the tests' key, the one cursor below), and nothing panics.
func FuzzPageToken(f *testing.F) {
	s := newSealer([]byte("a secret of the tests"))
	want := cursor{Path: "/persons", Recv: "dnp", Gen: 3, Query: "limit=2", After: "k", Limit: 2, Expires: t0.Unix() + 600}
	sealed := s.seal(&want)
	f.Add(sealed)
	f.Add(sealed[:len(sealed)-1])
	f.Add("")
	f.Add(strings.Repeat("A", 100))
	f.Fuzz(func(t *testing.T, tok string) {
		c, err := s.open(tok, t0)
		if tok == sealed && err != nil {
			t.Fatalf("the sealed token does not open: %v", err)
		}
		if err == nil && *c != want {
			t.Fatalf("a token the provider did not seal opened: %q as %+v", tok, c)
		}
	})
}
