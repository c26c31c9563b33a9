package ladok_test

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/edusync/edusync/ladok"
	"github.com/edusync/edusync/ladok/ladoktest"
)

func testCA(t *testing.T) *ladoktest.CA {
	t.Helper()
	ca, err := ladoktest.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

func issue(t *testing.T, ca *ladoktest.CA, ou string) *ladok.Credentials {
	t.Helper()
	now := time.Now()
	cr, err := ca.ClientCertificate("integration", ou, now.Add(-time.Hour), now.Add(90*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return cr
}

func TestEnvironmentFromCertificateOU(t *testing.T) {
	ca := testCA(t)
	for _, tc := range []struct {
		ou      string
		env     ladok.Environment
		baseURL string
	}{
		{"Prod-API", ladok.Production, "https://api.ladok.se"},
		{"Test-API", ladok.Test, "https://api.test.ladok.se"},
		{"Int-test-API", ladok.IntegrationTest, "https://api.integrationstest.ladok.se"},
		{"int-test-api", ladok.IntegrationTest, "https://api.integrationstest.ladok.se"},
		{"Utbildning", "", ""},
	} {
		t.Run(tc.ou, func(t *testing.T) {
			cr := issue(t, ca, tc.ou)
			env, err := cr.Environment()
			if tc.env == "" {
				if !errors.Is(err, ladok.ErrUnknownEnvironment) {
					t.Fatalf("err = %v, want ErrUnknownEnvironment", err)
				}
				if _, err := ladok.BaseURLFor(cr.Leaf); err == nil {
					t.Fatal("BaseURLFor accepted an unknown OU")
				}
				return
			}
			if err != nil || env != tc.env {
				t.Fatalf("Environment() = %q, %v", env, err)
			}
			if u, err := cr.BaseURL(); err != nil || u != tc.baseURL {
				t.Fatalf("BaseURL() = %q, %v", u, err)
			}
		})
	}
	if _, err := ladok.EnvironmentOf(nil); err == nil {
		t.Error("nil certificate accepted")
	}
}

func pemBlocks(t *testing.T, data []byte) map[string][][]byte {
	t.Helper()
	out := map[string][][]byte{}
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return out
		}
		out[b.Type] = append(out[b.Type], pem.EncodeToMemory(b))
	}
}

func TestParsePEM(t *testing.T) {
	ca := testCA(t)
	cr := issue(t, ca, "Test-API")
	bundle, err := ladoktest.PEMBundle(cr)
	if err != nil {
		t.Fatal(err)
	}
	blocks := pemBlocks(t, bundle)
	leafPEM, caPEM, keyPEM := blocks["CERTIFICATE"][0], blocks["CERTIFICATE"][1], blocks["PRIVATE KEY"][0]
	other := pemBlocks(t, must(ladoktest.PEMBundle(issue(t, ca, "Test-API"))))["PRIVATE KEY"][0]

	join := func(parts ...[]byte) []byte { return []byte(strings.Join(bytesToStrings(parts), "\n")) }
	for _, tc := range []struct {
		name    string
		in      []byte
		wantErr string
		wantCAs int
	}{
		{"bundle", bundle, "", 1},
		{"key first, CA in the middle", join(keyPEM, caPEM, leafPEM), "", 1},
		{"no CA", join(leafPEM, keyPEM), "", 0},
		{"no key", join(leafPEM, caPEM), "no private key", 0},
		{"no certificate", keyPEM, "no certificate matches", 0},
		{"key of another certificate", join(leafPEM, other), "no certificate matches", 0},
		{"two keys", join(leafPEM, keyPEM, other), "more than one private key", 0},
		{"encrypted key", join(leafPEM, []byte("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n")), "encrypted", 0},
		{"broken certificate", join([]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"), keyPEM), "parsing certificate", 0},
		{"broken key", join(leafPEM, []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")), "parsing the private key block failed", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ladok.ParsePEM(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), "BEGIN") {
					t.Fatal("error quotes PEM data")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !got.Leaf.Equal(cr.Leaf) || len(got.CAs) != tc.wantCAs || len(got.Certificate.Certificate) != 1 {
				t.Fatalf("leaf %v, %d CAs, chain of %d", got.Leaf.Subject, len(got.CAs), len(got.Certificate.Certificate))
			}
			if !got.NotAfter().Equal(cr.Leaf.NotAfter) {
				t.Fatal("NotAfter differs")
			}
		})
	}
}

func bytesToStrings(b [][]byte) []string {
	out := make([]string, len(b))
	for i := range b {
		out[i] = string(b[i])
	}
	return out
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestLoadPEMFiles(t *testing.T) {
	ca := testCA(t)
	cr := issue(t, ca, "Prod-API")
	dir := t.TempDir()
	bundlePath := filepath.Join(dir, "bundle.pem")
	if err := ladoktest.WritePEMBundle(bundlePath, cr); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(bundlePath); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("bundle mode %v, %v", fi.Mode(), err)
	}
	blocks := pemBlocks(t, must(os.ReadFile(bundlePath)))
	certPath, keyPath := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certPath, blocks["CERTIFICATE"][0], 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyPath, blocks["PRIVATE KEY"][0], 0o600); err != nil {
		t.Fatal(err)
	}
	for _, paths := range [][]string{{bundlePath}, {certPath, keyPath}, {keyPath, certPath}} {
		got, err := ladok.LoadPEM(paths...)
		if err != nil || !got.Leaf.Equal(cr.Leaf) {
			t.Fatalf("LoadPEM(%v) = %v, %v", paths, got, err)
		}
	}
	if _, err := ladok.LoadPEM(filepath.Join(dir, "missing.pem")); err == nil {
		t.Fatal("missing file accepted")
	}
}

func TestParsePKCS12ThroughDecoder(t *testing.T) {
	ca := testCA(t)
	cr := issue(t, ca, "Int-test-API")
	decoder := func(data []byte, password string) (any, *x509.Certificate, []*x509.Certificate, error) {
		if password != "hemligt" {
			return nil, nil, nil, errors.New("pkcs12: decryption password incorrect; data was " + string(data))
		}
		return cr.Certificate.PrivateKey, cr.Leaf, []*x509.Certificate{ca.Cert}, nil
	}
	got, err := ladok.ParsePKCS12([]byte("p12-bytes"), "hemligt", decoder)
	if err != nil {
		t.Fatal(err)
	}
	if env, _ := got.Environment(); env != ladok.IntegrationTest || len(got.CAs) != 1 {
		t.Fatalf("env %q, %d CAs", env, len(got.CAs))
	}
	_, err = ladok.ParsePKCS12([]byte("p12-bytes"), "fel", decoder)
	if err == nil || strings.Contains(err.Error(), "p12-bytes") {
		t.Fatalf("wrong password: err = %v (must not quote the decoder's message)", err)
	}
	if _, err := ladok.ParsePKCS12(nil, "", nil); err == nil {
		t.Fatal("nil decoder accepted")
	}
	other := issue(t, ca, "Test-API")
	mismatched := func([]byte, string) (any, *x509.Certificate, []*x509.Certificate, error) {
		return other.Certificate.PrivateKey, cr.Leaf, nil, nil
	}
	if _, err := ladok.ParsePKCS12(nil, "", mismatched); err == nil {
		t.Fatal("key and certificate that do not match accepted")
	}
}

func TestExpiredOrForeignCertificateIsRefused(t *testing.T) {
	s := ladoktest.NewServer()
	defer s.Close()
	now := time.Now()
	expired, err := s.CA().ClientCertificate("old", "Test-API", now.Add(-48*time.Hour), now.Add(-24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	foreign := issue(t, testCA(t), "Test-API")
	for name, cr := range map[string]*ladok.Credentials{"expired": expired, "other CA": foreign} {
		c, err := ladok.New(s.URL(), ladok.WithCredentials(cr), ladok.WithRootCAs(s.CA().Pool()), ladok.WithoutRetry())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Health(context.Background()); err == nil {
			t.Errorf("%s certificate accepted", name)
		}
	}
	// And with the right one: health, user and expiry.
	c, err := s.Client()
	if err != nil {
		t.Fatal(err)
	}
	h, err := c.Health(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	notAfter, ok := c.CertificateExpiry()
	if !ok || !notAfter.Equal(s.Credentials().NotAfter()) || !h.CertificateNotAfter.Equal(notAfter) || h.User.Anvandarnamn == "" {
		t.Fatalf("health %+v, expiry %v %v", h, notAfter, ok)
	}
	if h.ExpiresWithin(24*time.Hour, now) || !h.ExpiresWithin(400*24*time.Hour, now) {
		t.Error("ExpiresWithin wrong")
	}
}
