package ss12000server

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"time"
)

// receiver is a Receiver made ready for requests.
type receiver struct {
	cfg   *Receiver
	keys  *jwks // nil without Bearer
	certs map[string]bool
	spki  map[string]bool
}

func newReceiver(cfg *Receiver, now func() time.Time, shared map[string]*jwks) *receiver {
	r := &receiver{cfg: cfg}
	if cfg.Bearer != nil {
		if r.keys = shared[cfg.Bearer.JWKSURL]; r.keys == nil {
			r.keys = newJWKS(cfg.Bearer, now)
			shared[cfg.Bearer.JWKSURL] = r.keys
		}
	}
	if cfg.Certificates != nil {
		r.certs, r.spki = map[string]bool{}, map[string]bool{}
		for _, f := range cfg.Certificates.SHA256 {
			r.certs[normFingerprint(f)] = true
		}
		for _, f := range cfg.Certificates.SPKISHA256 {
			r.spki[normFingerprint(f)] = true
		}
	}
	return r
}

// certAllowed reports whether the certificate is on the receiver's list (and, where the
// receiver requires it, was verified by the host's TLS server).
func (r *receiver) certAllowed(cert *x509.Certificate, verified bool) bool {
	if r.cfg.Certificates == nil || cert == nil || (r.cfg.Certificates.Verified && !verified) {
		return false
	}
	sum := sha256.Sum256(cert.Raw)
	spki := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
	return r.certs[hex.EncodeToString(sum[:])] || r.spki[hex.EncodeToString(spki[:])]
}

// bearerToken returns the token of an Authorization: Bearer header, or "".
func bearerToken(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// authenticate finds the receiver a request comes from: by its bearer token (the receivers
// whose issuer the token names, each checked in turn), then by its client certificate. It
// returns the status and message of a refusal otherwise: 401 for missing or invalid
// credentials, 403 for a certificate no receiver lists, 503 when the signing keys cannot be
// read. Messages never quote the token.
func (p *Provider) authenticate(r *http.Request) (*receiver, int, string) {
	var cert *x509.Certificate
	verified := false
	if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
		cert, verified = r.TLS.PeerCertificates[0], len(r.TLS.VerifiedChains) > 0
	}
	if tok := bearerToken(r); tok != "" {
		unverified, err := unverifiedClaims(tok)
		if err != nil {
			return nil, http.StatusUnauthorized, "the bearer token is not a JWT the provider accepts: " + err.Error()
		}
		status, msg := http.StatusUnauthorized, "the bearer token's issuer and audience are not those of a receiver"
		for _, rc := range p.recvs {
			// Only the receivers the token claims to be for check it; the claims are trusted
			// only once the signature has been checked.
			if rc.keys == nil || rc.cfg.Bearer.Issuer != unverified.Iss ||
				(rc.cfg.Bearer.Audience != "" && !hasAudience(unverified.Aud, rc.cfg.Bearer.Audience)) {
				continue
			}
			err := verifyJWT(r.Context(), tok, rc.cfg.Bearer, rc.keys, p.now(), cert)
			switch {
			case err == nil && rc.cfg.Certificates != nil && !rc.certAllowed(cert, verified):
				status, msg = http.StatusUnauthorized, "the receiver must also present its client certificate"
			case err == nil:
				return rc, 0, ""
			case errors.Is(err, errKeysUnavailable):
				status, msg = http.StatusServiceUnavailable, err.Error()
			default:
				status, msg = http.StatusUnauthorized, "the bearer token is not valid here: "+err.Error()
			}
		}
		return nil, status, msg
	}
	if cert != nil {
		for _, rc := range p.recvs {
			if rc.cfg.Bearer == nil && rc.certAllowed(cert, verified) {
				return rc, 0, ""
			}
		}
		for _, rc := range p.recvs {
			if rc.certAllowed(cert, verified) {
				return nil, http.StatusUnauthorized, "the receiver must also present its bearer token"
			}
		}
		return nil, http.StatusForbidden, "the client certificate is not one the provider lets in"
	}
	return nil, http.StatusUnauthorized, "a bearer token or a client certificate is required"
}
