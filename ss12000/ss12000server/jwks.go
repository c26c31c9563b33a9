package ss12000server

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"sync"
	"time"
)

// jwks keeps the signing keys of one receiver's JWKS: read at the first token, again after
// RefreshEvery, and at once (at most once a minute) when a token names a key id it does not
// hold, so that a rotated key is taken up without a restart.
type jwks struct {
	cfg     *JWT
	now     func() time.Time
	client  *http.Client
	refresh time.Duration

	mu      sync.Mutex
	keys    map[string]jwkKey
	fetched time.Time
	tried   time.Time
}

type jwkKey struct {
	alg string // the algorithm the key is for ("RS256", "ES256"), or "" when the JWKS names none
	pub crypto.PublicKey
}

// errKeysUnavailable means the JWKS could not be read and no key was held.
var errKeysUnavailable = errors.New("the receiver's signing keys cannot be read now; try again shortly")

const (
	maxJWKS = 1 << 20
	// maxRSABits bounds the RSA keys taken from a JWKS, so that a key set cannot make every
	// signature check slow.
	maxRSABits = 8192
	// jwksMinRefetch is the least time between two reads of a JWKS that tokens with unknown
	// key ids cause; jwksRetry the least time between reads while no key could be read yet, so
	// that a JWKS that is down is not hammered by every request.
	jwksMinRefetch = time.Minute
	jwksRetry      = 5 * time.Second
)

func newJWKS(cfg *JWT, now func() time.Time) *jwks {
	c := cfg.Client
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Second}
	}
	refresh := cfg.RefreshEvery
	if refresh <= 0 {
		refresh = time.Hour
	}
	return &jwks{cfg: cfg, now: now, client: c, refresh: refresh}
}

// key returns the key a token with kid and alg is checked with.
func (j *jwks) key(ctx context.Context, kid, alg string) (crypto.PublicKey, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	now := j.now()
	stale := j.keys == nil || now.Sub(j.fetched) > j.refresh
	k, found := j.find(kid, alg)
	wait := jwksMinRefetch
	if j.keys == nil {
		wait = jwksRetry
	}
	if (stale || !found) && (j.tried.IsZero() || now.Sub(j.tried) >= wait) {
		j.tried = now
		keys, err := j.fetch(ctx)
		if err == nil {
			j.keys, j.fetched = keys, now
			k, found = j.find(kid, alg)
		} else if j.keys == nil {
			return nil, errKeysUnavailable
		}
	}
	if !found && j.keys == nil {
		return nil, errKeysUnavailable // no read has succeeded yet; the next try is due shortly
	}
	if !found {
		return nil, errors.New("it is signed with a key the receiver does not publish")
	}
	return k, nil
}

// find chooses the key: by kid, or, for a token without one, the only key of the algorithm.
func (j *jwks) find(kid, alg string) (crypto.PublicKey, bool) {
	fits := func(k jwkKey) bool {
		if k.alg != "" && k.alg != alg {
			return false
		}
		switch pub := k.pub.(type) {
		case *rsa.PublicKey:
			return alg == "RS256"
		case *ecdsa.PublicKey:
			return alg == "ES256" && pub.Curve == elliptic.P256()
		}
		return false
	}
	if kid != "" {
		k, ok := j.keys[kid]
		return k.pub, ok && fits(k)
	}
	var only crypto.PublicKey
	n := 0
	for _, k := range j.keys {
		if fits(k) {
			only = k.pub
			n++
		}
	}
	return only, n == 1
}

type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	Alg string `json:"alg"`
	N   string `json:"n"`
	E   string `json:"e"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
}

// fetch reads the JWKS. Keys it cannot use (other types, curves or algorithms, encryption
// keys, RSA keys under 2048 bits) are skipped.
func (j *jwks) fetch(ctx context.Context) (map[string]jwkKey, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, j.cfg.JWKSURL, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := j.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("the JWKS answered %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKS+1))
	if err != nil {
		return nil, err
	}
	if len(body) > maxJWKS {
		return nil, errors.New("the JWKS is too large")
	}
	return parseJWKS(body)
}

func parseJWKS(body []byte) (map[string]jwkKey, error) {
	var set struct {
		Keys []jwk `json:"keys"`
	}
	if err := json.Unmarshal(body, &set); err != nil {
		return nil, errors.New("the JWKS is not a JSON key set")
	}
	keys := map[string]jwkKey{}
	for i, k := range set.Keys {
		if k.Use != "" && k.Use != "sig" {
			continue
		}
		pub, alg, ok := k.public()
		if !ok {
			continue
		}
		kid := k.Kid
		if kid == "" {
			kid = fmt.Sprintf("\x00%d", i) // findable only by a token without kid
		}
		keys[kid] = jwkKey{alg: alg, pub: pub}
	}
	return keys, nil
}

// public returns the key's public key and the algorithm it is for.
func (k *jwk) public() (crypto.PublicKey, string, bool) {
	b := func(s string) []byte {
		v, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil {
			return nil
		}
		return v
	}
	switch k.Kty {
	case "RSA":
		if k.Alg != "" && k.Alg != "RS256" {
			return nil, "", false
		}
		n, e := b(k.N), b(k.E)
		if len(n) == 0 || len(e) == 0 || len(e) > 4 {
			return nil, "", false
		}
		pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
		if pub.N.BitLen() < 2048 || pub.N.BitLen() > maxRSABits || pub.E < 3 || pub.E%2 == 0 {
			return nil, "", false
		}
		return pub, k.Alg, true
	case "EC":
		if k.Crv != "P-256" || (k.Alg != "" && k.Alg != "ES256") {
			return nil, "", false
		}
		x, y := b(k.X), b(k.Y)
		if len(x) != 32 || len(y) != 32 {
			return nil, "", false
		}
		pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
		if err != nil {
			return nil, "", false
		}
		return pub, k.Alg, true
	}
	return nil, "", false
}
