package ss12000server

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"sync"
	"testing"
)

// testKeys are the signing keys of the tests' token issuer, published as a JWKS.
type testKeys struct {
	mu      sync.Mutex
	rsa     *rsa.PrivateKey
	ec      *ecdsa.PrivateKey
	fetches int
	hidden  bool // the JWKS answers 503
}

var (
	sharedKeysOnce sync.Once
	sharedRSA      *rsa.PrivateKey
	sharedEC       *ecdsa.PrivateKey
)

func newTestKeys(t testing.TB) *testKeys {
	sharedKeysOnce.Do(func() {
		var err error
		if sharedRSA, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if sharedEC, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			panic(err)
		}
	})
	return &testKeys{rsa: sharedRSA, ec: sharedEC}
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func (k *testKeys) serve(w http.ResponseWriter, _ *http.Request) {
	k.mu.Lock()
	k.fetches++
	hidden := k.hidden
	k.mu.Unlock()
	if hidden {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	pt, err := k.ec.PublicKey.Bytes() // 0x04 || x || y
	if err != nil {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	x, y := pt[1:33], pt[33:]
	set := map[string]any{"keys": []any{
		map[string]any{"kty": "RSA", "kid": "rsa-1", "use": "sig", "alg": "RS256", "n": b64(k.rsa.N.Bytes()),
			"e": b64(big.NewInt(int64(k.rsa.E)).Bytes())},
		map[string]any{"kty": "EC", "kid": "ec-1", "crv": "P-256", "x": b64(x), "y": b64(y)},
		map[string]any{"kty": "oct", "kid": "hmac-1", "k": b64([]byte("a shared secret"))},
	}}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(set)
}

// sign makes a compact JWS of the claims with the algorithm and key id given.
func (k *testKeys) sign(t testing.TB, alg, kid string, claims map[string]any) string {
	t.Helper()
	h := map[string]any{"alg": alg, "typ": "JWT"}
	if kid != "" {
		h["kid"] = kid
	}
	hb, _ := json.Marshal(h)
	cb, _ := json.Marshal(claims)
	input := b64(hb) + "." + b64(cb)
	digest := sha256.Sum256([]byte(input))
	var sig []byte
	switch alg {
	case "RS256":
		var err error
		if sig, err = rsa.SignPKCS1v15(rand.Reader, k.rsa, crypto.SHA256, digest[:]); err != nil {
			t.Fatal(err)
		}
	case "ES256":
		r, s, err := ecdsa.Sign(rand.Reader, k.ec, digest[:])
		if err != nil {
			t.Fatal(err)
		}
		sig = append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...)
	default:
		sig = []byte("unsigned")
	}
	return input + "." + b64(sig)
}
