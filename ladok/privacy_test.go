package ladok_test

import (
	"bytes"
	"crypto/ecdsa"
	"fmt"
	"log/slog"
	"math/big"
	"strings"
	"testing"

	"github.com/edusync/edusync/ladok"
)

func TestNothingPersonalOrSecretIsPrinted(t *testing.T) {
	ca := testCA(t)
	cr := issue(t, ca, "Test-API")
	raw, err := cr.Certificate.PrivateKey.(*ecdsa.PrivateKey).Bytes()
	if err != nil {
		t.Fatal(err)
	}
	secret := new(big.Int).SetBytes(raw).String()
	pnr := personnummer("19900101", "238")
	events := []ladok.Event{
		&ladok.LokalStudentEvent{StudentUID: "s-1", Personnummer: pnr, Fornamn: "Åsa", Efternamn: "Öberg"},
		&ladok.StudentTillLarosateEvent{StudentUID: "s-1", Personnummer: pnr, Efternamn: "Öberg"},
		&ladok.KontaktuppgifterEvent{StudentUID: "s-1", Epostadress: "asa@example.se"},
		&ladok.SkyddadePersonuppgifterEvent{StudentUID: "s-1", SkyddatPersonnummer: pnr, SkyddatEfternamn: "Öberg"},
		&ladok.StudentrestriktionEvent{StudentUID: "s-1", Anteckning: "beslut om " + pnr},
	}
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	var printed []string
	for _, e := range events {
		logger.Info("event", "event", e)
		printed = append(printed, fmt.Sprintf("%v %+v %s", e, e, e))
	}
	for _, v := range []any{cr, *cr} {
		printed = append(printed, fmt.Sprintf("%v %+v %#v %s", v, v, v, v))
	}
	logger.Info("credentials", "creds", cr)
	printed = append(printed, logs.String())
	for _, p := range printed {
		for _, bad := range []string{pnr, "Öberg", "asa@example.se", secret} {
			if strings.Contains(p, bad) {
				t.Errorf("%q printed in %.200s", bad, p)
			}
		}
	}
	if !strings.Contains(fmt.Sprint(cr), "Test-API") {
		t.Errorf("credentials print as %s", cr)
	}
}
