package ladoktest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"sync/atomic"
	"time"

	"github.com/edusync/edusync/ladok"
)

// CA is the fake's certificate authority: it signs the server's certificate and the client
// certificates the fake accepts, so tests exercise real mutual TLS without touching the
// system's trust store.
type CA struct {
	Cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

var serial atomic.Int64

func nextSerial() *big.Int { return big.NewInt(time.Now().UnixNano() + serial.Add(1)) }

// NewCA makes a fresh, self-signed test CA valid for ten years.
func NewCA() (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          nextSerial(),
		Subject:               pkix.Name{CommonName: "edusync ladoktest CA", Organization: []string{"edusync"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &CA{Cert: cert, key: key}, nil
}

// Pool returns a pool holding only the CA.
func (ca *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.Cert)
	return p
}

// ClientCertificate issues a client certificate for a Ladok integration: CN name, OU ou (Ladok
// writes the environment there: Prod-API, Test-API, Int-test-API), valid from notBefore to
// notAfter. The credentials carry the CA, so ladok.WithCredentials trusts the fake.
func (ca *CA) ClientCertificate(name, ou string, notBefore, notAfter time.Time) (*ladok.Credentials, error) {
	if !notAfter.After(notBefore) {
		return nil, errors.New("ladoktest: certificate must end after it starts")
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: nextSerial(),
		Subject:      pkix.Name{CommonName: name, OrganizationalUnit: []string{ou}, Organization: []string{"edusync ladoktest"}},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	return ca.issue(tmpl, key)
}

// serverCertificate issues the fake's TLS certificate for loopback names and hosts.
func (ca *CA) serverCertificate(hosts ...string) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: nextSerial(),
		Subject:      pkix.Name{CommonName: "ladoktest"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(1, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else if h != "" {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	cr, err := ca.issue(tmpl, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return cr.Certificate, nil
}

func (ca *CA) issue(tmpl *x509.Certificate, key *ecdsa.PrivateKey) (*ladok.Credentials, error) {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &key.PublicKey, ca.key)
	if err != nil {
		return nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &ladok.Credentials{
		Certificate: tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf},
		Leaf:        leaf,
		CAs:         []*x509.Certificate{ca.Cert},
	}, nil
}

// PEMBundle encodes credentials as one PEM file: the client certificate, its private key and
// the CA certificates, the form ladok.LoadPEM reads and the sandbox hands out.
func PEMBundle(cr *ladok.Credentials) ([]byte, error) {
	keyDER, err := x509.MarshalPKCS8PrivateKey(cr.Certificate.PrivateKey)
	if err != nil {
		return nil, err
	}
	var out []byte
	for _, der := range cr.Certificate.Certificate {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	}
	out = append(out, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})...)
	for _, ca := range cr.CAs {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Raw})...)
	}
	return out, nil
}

// WritePEMBundle writes PEMBundle(cr) to path, readable by the owner only.
func WritePEMBundle(path string, cr *ladok.Credentials) error {
	b, err := PEMBundle(cr)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}
