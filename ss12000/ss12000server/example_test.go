package ss12000server_test

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/ss12000"
	"github.com/edusync/edusync/ss12000/ss12000server"
	"github.com/edusync/edusync/store"
)

// A school's records planned into a provider and served over mutual TLS to a receiver that
// the provider knows by its client certificate; edusync's own SS 12000 client reads them back.
// The pupil without an eduPersonPrincipalName from the source gets one from the template.
func Example() {
	ctx := context.Background()

	// The host's TLS server asks for client certificates. Here the receiver presents the
	// test server's own certificate; in production it is the receiver's, known by its
	// fingerprint (or its public key's, which survives a renewal).
	srv := httptest.NewUnstartedServer(nil)
	srv.TLS = &tls.Config{ClientAuth: tls.RequestClientCert}
	srv.StartTLS()
	defer srv.Close()
	clientCert := srv.TLS.Certificates[0]
	leaf, err := x509.ParseCertificate(clientCert.Certificate[0])
	if err != nil {
		log.Fatal(err)
	}
	fp := sha256.Sum256(leaf.Raw)

	p, err := ss12000server.New(store.NewMemory(), ss12000server.Options{
		BasePath: "/ss12000",
		Receivers: []ss12000server.Receiver{{Name: "lms",
			Certificates: &ss12000server.Certificates{SHA256: []string{hex.EncodeToString(fp[:])}}}},
		EPPN: ss12000.EPPNGenerator{Template: "{given}.{family}@skola.example.se"},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close()
	srv.Config.Handler = p

	// Any reconcile.Source gives a snapshot; this one is written out by hand.
	school := &reconcile.Snapshot{
		Organisations: []reconcile.Organisation{{Keys: reconcile.Keys{SourceKey: "bjorkskolan"}, Name: "Björkskolan", Type: "Skolenhet",
			Attributes: map[string]string{ss12000server.AttrSchoolUnitCode: "12345678", ss12000server.AttrSchoolTypes: "GR"}}},
		Persons: []reconcile.Person{
			{Keys: reconcile.Keys{SourceKey: "elev-1"}, GivenNames: "Åsa", FamilyName: "Öberg",
				Contexts:   []reconcile.Context{{Organisation: "bjorkskolan", Role: "Elev"}},
				Attributes: map[string]string{ss12000server.AttrSchoolYear: "7"}},
			{Keys: reconcile.Keys{SourceKey: "larare-1"}, GivenNames: "Karin", FamilyName: "Berg",
				EPPNs:    []string{"karin.berg@skola.example.se"},
				Contexts: []reconcile.Context{{Organisation: "bjorkskolan", Role: "Lärare"}}},
		},
	}
	target, err := reconcile.Load(ctx, p)
	if err != nil {
		log.Fatal(err)
	}
	plan, err := reconcile.NewPlan(school, target, reconcile.Options{Now: time.Date(2026, 8, 17, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		log.Fatal(err)
	}
	report, err := reconcile.Apply(ctx, plan, p, reconcile.ApplyOptions{})
	if err != nil || !report.OK() {
		log.Fatal(err)
	}

	tr := srv.Client().Transport.(*http.Transport).Clone()
	tr.TLSClientConfig.Certificates = []tls.Certificate{clientCert}
	c, err := ss12000.New(srv.URL+"/ss12000", ss12000.WithHTTPClient(&http.Client{Transport: tr}))
	if err != nil {
		log.Fatal(err)
	}
	for person, err := range c.ListPersons(ctx, &ss12000.ListPersonsParams{Sortkey: ss12000.ListPersonsParamsSortkeyDisplayNameAsc}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(person.GivenName, person.FamilyName, person.EduPersonPrincipalNames)
	}
	// Output:
	// Karin Berg [karin.berg@skola.example.se]
	// Åsa Öberg [asa.oberg@skola.example.se]
}
