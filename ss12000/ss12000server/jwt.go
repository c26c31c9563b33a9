package ss12000server

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"strings"
	"time"
)

// Bearer tokens are compact JWS (JWT) signed with RS256 (RSA PKCS #1 v1.5, keys of 2048 bits
// or more) or ES256 (ECDSA on P-256). Every other algorithm is refused: "none", the HMAC ones
// (which would let anyone who knows a public key sign with it), and the rest. The key is
// chosen by the token's kid among the receiver's JWKS and must be of the algorithm's type.
// The claims checked: iss (the receiver's Issuer), aud (its Audience), exp (required), nbf
// and iat, with the receiver's leeway; DNP's requested_access locations (Location) and
// organization_id (OrganizationID); and, when the token is bound to a client certificate
// (cnf with x5t#S256, RFC 8705), the certificate the request came with.

// maxJWT bounds the tokens the provider reads.
const maxJWT = 16 << 10

type jwtHeader struct {
	Alg  string   `json:"alg"`
	Kid  string   `json:"kid"`
	Crit []string `json:"crit"`
}

type jwtClaims struct {
	Iss             string          `json:"iss"`
	Aud             json.RawMessage `json:"aud"`
	Exp             *float64        `json:"exp"`
	Nbf             *float64        `json:"nbf"`
	Iat             *float64        `json:"iat"`
	OrganizationID  string          `json:"organization_id"`
	RequestedAccess []struct {
		Type      string   `json:"type"`
		Locations []string `json:"locations"`
	} `json:"requested_access"`
	Cnf *struct {
		X5tS256 string `json:"x5t#S256"`
	} `json:"cnf"`
}

// splitJWT parts a compact JWS and decodes its header and payload.
func splitJWT(tok string) (parts []string, h jwtHeader, payload []byte, err error) {
	if len(tok) > maxJWT {
		return nil, h, nil, errors.New("it is too long")
	}
	parts = strings.Split(tok, ".")
	if len(parts) != 3 {
		return nil, h, nil, errors.New("it has not three parts")
	}
	hb, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil || json.Unmarshal(hb, &h) != nil {
		return nil, h, nil, errors.New("its header cannot be read")
	}
	if payload, err = base64.RawURLEncoding.DecodeString(parts[1]); err != nil {
		return nil, h, nil, errors.New("its claims cannot be read")
	}
	return parts, h, payload, nil
}

// unverifiedClaims reads a token's claims without checking its signature, to choose the
// receivers whose keys check it.
func unverifiedClaims(tok string) (*jwtClaims, error) {
	_, _, payload, err := splitJWT(tok)
	if err != nil {
		return nil, err
	}
	var c jwtClaims
	if json.Unmarshal(payload, &c) != nil || c.Iss == "" {
		return nil, errors.New("it names no issuer")
	}
	return &c, nil
}

// verifyJWT checks a token's signature and claims for a receiver.
func verifyJWT(ctx context.Context, tok string, cfg *JWT, keys *jwks, now time.Time, cert *x509.Certificate) error {
	parts, h, payload, err := splitJWT(tok)
	if err != nil {
		return err
	}
	if h.Alg != "RS256" && h.Alg != "ES256" {
		return fmt.Errorf("its algorithm is not RS256 or ES256")
	}
	if len(h.Crit) > 0 {
		return errors.New("it has critical header parameters the provider does not know")
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return errors.New("its signature cannot be read")
	}
	key, err := keys.key(ctx, h.Kid, h.Alg)
	if err != nil {
		return err
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	switch k := key.(type) {
	case *rsa.PublicKey:
		if rsa.VerifyPKCS1v15(k, crypto.SHA256, digest[:], sig) != nil {
			return errors.New("its signature does not verify")
		}
	case *ecdsa.PublicKey:
		if len(sig) != 64 || !ecdsa.Verify(k, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
			return errors.New("its signature does not verify")
		}
	default:
		return errors.New("its key is of no type the provider accepts")
	}
	var c jwtClaims
	if err := json.Unmarshal(payload, &c); err != nil {
		return errors.New("its claims cannot be read")
	}
	return checkClaims(&c, cfg, now, cert)
}

func checkClaims(c *jwtClaims, cfg *JWT, now time.Time, cert *x509.Certificate) error {
	leeway := cfg.Leeway
	if leeway <= 0 {
		leeway = time.Minute
	}
	at := func(f float64) time.Time { return time.Unix(int64(f), 0) }
	switch {
	case c.Iss != cfg.Issuer:
		return errors.New("it comes from another issuer")
	case c.Exp == nil:
		return errors.New("it has no expiry")
	case now.After(at(*c.Exp).Add(leeway)):
		return errors.New("it has expired")
	case c.Nbf != nil && now.Add(leeway).Before(at(*c.Nbf)):
		return errors.New("it is not valid yet")
	case c.Iat != nil && now.Add(leeway).Before(at(*c.Iat)):
		return errors.New("it was issued in the future")
	}
	if cfg.Audience != "" && !hasAudience(c.Aud, cfg.Audience) {
		return errors.New("it is meant for another audience")
	}
	if cfg.Location != "" && !hasLocation(c, cfg.Location) {
		return errors.New("its requested_access does not name this provider's location")
	}
	if cfg.OrganizationID != "" && c.OrganizationID != cfg.OrganizationID {
		return errors.New("it is for another organization")
	}
	if c.Cnf != nil && c.Cnf.X5tS256 != "" {
		if cert == nil {
			return errors.New("it is bound to a client certificate the request did not present")
		}
		sum := sha256.Sum256(cert.Raw)
		if base64.RawURLEncoding.EncodeToString(sum[:]) != strings.TrimRight(c.Cnf.X5tS256, "=") {
			return errors.New("it is bound to another client certificate")
		}
	}
	return nil
}

// hasAudience reports whether the aud claim (a string or a list) holds want.
func hasAudience(raw json.RawMessage, want string) bool {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return one == want
	}
	var many []string
	if json.Unmarshal(raw, &many) == nil {
		for _, a := range many {
			if a == want {
				return true
			}
		}
	}
	return false
}

// hasLocation reports whether a location of the token's ss12000-api access is the provider's
// own or lies under it: same scheme and host, and the own path a whole-segment prefix of it.
func hasLocation(c *jwtClaims, own string) bool {
	o, err := url.Parse(own)
	if err != nil {
		return false
	}
	base := strings.TrimSuffix(o.Path, "/")
	for _, ra := range c.RequestedAccess {
		if ra.Type != "ss12000-api" {
			continue
		}
		for _, l := range ra.Locations {
			u, err := url.Parse(l)
			if err != nil || !strings.EqualFold(u.Scheme, o.Scheme) || !strings.EqualFold(u.Host, o.Host) {
				continue
			}
			path := strings.TrimSuffix(u.Path, "/")
			if path == base || strings.HasPrefix(path, base+"/") {
				return true
			}
		}
	}
	return false
}
