package ladok

import (
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"
)

// Credentials are a client certificate with its private key, as Ladok issues them to an
// integration, plus any CA certificates that came with it.
type Credentials struct {
	// Certificate is presented in the TLS handshake: the leaf first, then intermediates.
	Certificate tls.Certificate
	// Leaf is the parsed client certificate.
	Leaf *x509.Certificate
	// CAs are the self-signed CA certificates found next to the certificate. They are trusted,
	// in addition to the system roots, for the server's certificate (WithCredentials).
	CAs []*x509.Certificate
}

// String describes the credentials by subject, environment and expiry; never the key.
func (c Credentials) String() string {
	if c.Leaf == nil {
		return "ladok.Credentials{}"
	}
	return fmt.Sprintf("ladok.Credentials{%s, OU %v, until %s}", c.Leaf.Subject.CommonName, c.Leaf.Subject.OrganizationalUnit, c.Leaf.NotAfter.Format(time.DateOnly))
}

// GoString is String, so %#v does not print the private key either.
func (c Credentials) GoString() string { return c.String() }

// LogValue is String, for slog.
func (c Credentials) LogValue() slog.Value { return slog.StringValue(c.String()) }

// NotAfter returns when the certificate expires.
func (c *Credentials) NotAfter() time.Time { return c.Leaf.NotAfter }

// Environment returns the Ladok environment the certificate was issued for (from its OU).
func (c *Credentials) Environment() (Environment, error) { return EnvironmentOf(c.Leaf) }

// BaseURL returns the API URL of the certificate's environment.
func (c *Credentials) BaseURL() (string, error) { return BaseURLFor(c.Leaf) }

// RootCAs returns the system roots plus the credentials' CA certificates.
func (c *Credentials) RootCAs() (*x509.CertPool, error) {
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	for _, ca := range c.CAs {
		pool.AddCert(ca)
	}
	return pool, nil
}

// Environment is a Ladok environment, named as the OU of the certificates Ladok issues for it.
type Environment string

// The environments Ladok issues integration certificates for.
const (
	Production      Environment = "Prod-API"
	Test            Environment = "Test-API"
	IntegrationTest Environment = "Int-test-API"
)

// BaseURL returns the API URL of the environment, or "" for an unknown one.
func (e Environment) BaseURL() string {
	switch e {
	case Production:
		return "https://api.ladok.se"
	case Test:
		return "https://api.test.ladok.se"
	case IntegrationTest:
		return "https://api.integrationstest.ladok.se"
	}
	return ""
}

// ErrUnknownEnvironment is returned when a certificate's OU names no Ladok environment.
var ErrUnknownEnvironment = errors.New("ladok: the certificate's OU names no Ladok environment (Prod-API, Test-API, Int-test-API)")

// EnvironmentOf reads the environment from the certificate's organisational units, as Ladok
// writes it there. Case is ignored.
func EnvironmentOf(cert *x509.Certificate) (Environment, error) {
	if cert == nil {
		return "", errors.New("ladok: no certificate")
	}
	for _, ou := range cert.Subject.OrganizationalUnit {
		for _, e := range []Environment{Production, Test, IntegrationTest} {
			if strings.EqualFold(strings.TrimSpace(ou), string(e)) {
				return e, nil
			}
		}
	}
	return "", ErrUnknownEnvironment
}

// BaseURLFor derives the API URL from the certificate, so a host configured with only its
// certificate talks to the environment the certificate is valid for and no other.
func BaseURLFor(cert *x509.Certificate) (string, error) {
	e, err := EnvironmentOf(cert)
	if err != nil {
		return "", err
	}
	return e.BaseURL(), nil
}

// LoadPEM reads credentials from PEM files: one bundle with certificate, key and CA
// certificates, or separate files (certificate file, key file, ...) in any order.
func LoadPEM(paths ...string) (*Credentials, error) {
	var all []byte
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("ladok: reading credentials: %w", err)
		}
		all = append(all, b...)
		all = append(all, '\n')
	}
	return ParsePEM(all)
}

// ParsePEM reads credentials from PEM data holding one private key (PKCS#8, PKCS#1 or SEC 1;
// not encrypted) and certificates in any order. The certificate that matches the key is the
// client certificate; self-signed CA certificates become trust anchors (Credentials.CAs); the
// others are sent as intermediates. Errors never quote key material.
func ParsePEM(data []byte) (*Credentials, error) {
	var certs []*x509.Certificate
	var key crypto.Signer
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		switch block.Type {
		case "CERTIFICATE":
			c, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("ladok: parsing certificate: %w", err)
			}
			certs = append(certs, c)
		case "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY":
			if key != nil {
				return nil, errors.New("ladok: more than one private key in the PEM data")
			}
			k, err := parseKey(block)
			if err != nil {
				return nil, err
			}
			key = k
		case "ENCRYPTED PRIVATE KEY":
			return nil, errors.New("ladok: the private key is encrypted; decrypt it first (or use ParsePKCS12)")
		}
	}
	if key == nil {
		return nil, errors.New("ladok: no private key in the PEM data")
	}
	return assemble(key, nil, certs)
}

// PKCS12Decoder decodes a PKCS#12 (.p12, .pfx) file, the form Ladok hands certificates out in,
// into its private key, its certificate and the CA certificates that came with it.
// software.sslmate.com/src/go-pkcs12's DecodeChain has exactly this signature.
type PKCS12Decoder func(data []byte, password string) (key any, leaf *x509.Certificate, caCerts []*x509.Certificate, err error)

// ParsePKCS12 reads credentials from a PKCS#12 file with decode (see PKCS12Decoder). The
// decoder is a parameter so that this package does not pin one PKCS#12 implementation.
func ParsePKCS12(data []byte, password string, decode PKCS12Decoder) (*Credentials, error) {
	if decode == nil {
		return nil, errors.New("ladok: ParsePKCS12 needs a decoder (for example go-pkcs12's DecodeChain)")
	}
	k, leaf, cas, err := decode(data, password)
	if err != nil {
		// Decoders can quote their input; say only what failed.
		return nil, fmt.Errorf("ladok: decoding PKCS#12 (wrong password or not a PKCS#12 file): %T", err)
	}
	key, ok := k.(crypto.Signer)
	if !ok || leaf == nil {
		return nil, errors.New("ladok: the PKCS#12 file holds no usable key and certificate")
	}
	return assemble(key, leaf, cas)
}

func parseKey(block *pem.Block) (crypto.Signer, error) {
	var k any
	var err error
	switch block.Type {
	case "RSA PRIVATE KEY":
		k, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		k, err = x509.ParseECPrivateKey(block.Bytes)
	default:
		k, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	}
	if err != nil {
		return nil, fmt.Errorf("ladok: parsing the %s block failed", strings.ToLower(block.Type))
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, errors.New("ladok: unsupported private key type")
	}
	return s, nil
}

type publicKeyEqualer interface{ Equal(crypto.PublicKey) bool }

// assemble finds the leaf for key (leaf may be given), sorts the other certificates into
// intermediates and trust anchors, and builds the tls.Certificate.
func assemble(key crypto.Signer, leaf *x509.Certificate, certs []*x509.Certificate) (*Credentials, error) {
	pub, ok := key.Public().(publicKeyEqualer)
	if !ok {
		return nil, errors.New("ladok: unsupported public key type")
	}
	if leaf == nil {
		for _, c := range certs {
			if pub.Equal(c.PublicKey) {
				leaf = c
				break
			}
		}
		if leaf == nil {
			return nil, errors.New("ladok: no certificate matches the private key")
		}
	} else if !pub.Equal(leaf.PublicKey) {
		return nil, errors.New("ladok: the certificate does not match the private key")
	}
	cr := &Credentials{Leaf: leaf}
	cr.Certificate = tls.Certificate{Certificate: [][]byte{leaf.Raw}, PrivateKey: key, Leaf: leaf}
	for _, c := range certs {
		if c == leaf || c.Equal(leaf) {
			continue
		}
		if c.IsCA && selfSigned(c) {
			cr.CAs = append(cr.CAs, c)
			continue
		}
		cr.Certificate.Certificate = append(cr.Certificate.Certificate, c.Raw)
	}
	return cr, nil
}

func selfSigned(c *x509.Certificate) bool {
	return c.CheckSignatureFrom(c) == nil
}

// leafOf returns the parsed leaf of a tls.Certificate, or nil.
func leafOf(c tls.Certificate) *x509.Certificate {
	if c.Leaf != nil {
		return c.Leaf
	}
	if len(c.Certificate) == 0 {
		return nil
	}
	l, err := x509.ParseCertificate(c.Certificate[0])
	if err != nil {
		return nil
	}
	return l
}
