package schulconnex_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/edusync/edusync/schulconnex"
)

// FuzzDecodeFehler feeds error bodies to the decoder the client uses for every non-2xx answer:
// it must never panic, must accept code as string or number, and must say "not an error body"
// rather than invent one.
func FuzzDecodeFehler(f *testing.F) {
	for _, seed := range []string{
		`{"code":"409","subcode":"00","titel":"Konflikt","beschreibung":"Die Revision stimmt nicht."}`,
		`{"code":400,"subcode":13,"titel":"Personenkontext wird genutzt."}`,
		`{"code":4.01e2,"subcode":"01"}`,
		`{"code":["x"],"subcode":{"a":1}}`,
		`{"error":"invalid_client"}`,
		`<html>502 Bad Gateway</html>`,
		``, `null`, `"409"`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		fe, ok := schulconnex.DecodeFehler(body)
		if ok != (fe != schulconnex.Fehler{}) {
			t.Fatalf("ok %v for %+v", ok, fe)
		}
		if !json.Valid(body) && ok {
			t.Fatalf("invalid JSON decoded as %+v", fe)
		}
		if len(fe.Code) > 32 || strings.ContainsAny(fe.Code, "\"{}[]") {
			t.Fatalf("code %q", fe.Code)
		}
		// The client's error type stays sane whatever the body.
		e := &schulconnex.APIError{StatusCode: http.StatusConflict, Code: fe.Code, Subcode: fe.Subcode, Message: fe.Titel}
		_ = e.Error()
		if !errors.Is(e, schulconnex.ErrConflict) {
			t.Fatal("409 lost its class")
		}
	})
}

// FuzzDecodePersonen feeds answers of GET /personen to the tolerant decoder: no panic, every
// delivered record has a person id and keeps its JSON for updates, bad records become
// RecordErrors, strict mode delivers all or nothing.
func FuzzDecodePersonen(f *testing.F) {
	for _, seed := range []string{
		`[{"person":{"id":"p1","referrer":"125","name":{"familienname":"Muster","vorname":"Nora"},"geburt":{"datum":"2005-05-01","geburtsort":"Kiel"},"auskunftssperre":"Nein","urn:x:ext":{"nr":1}},"personenkontexte":[{"id":"k1","rolle":"Lern","jahrgangsstufe":"05","organisation":{"id":"o1"},"loeschung":{"zeitpunkt":"2026-09-14T10:00Z"},"revision":"2"}]}]`,
		`[{"person":{"id":"p2","geburt":{"datum":"2005-02-30"}}},{"person":{"id":3}},{"person":{}},7,null]`,
		`[{"person":{"id":"p3"},"personenkontexte":[{"id":"k","loeschung":{"zeitpunkt":"gestern"}}]}]`,
		`[]`, `{}`, `[[]]`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		page, err := schulconnex.DecodePersonen(body, false)
		if err != nil {
			var de *schulconnex.DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("untyped error %T: %v", err, err)
			}
		} else {
			for _, d := range page.Items {
				if d.Person.ID == "" {
					t.Fatal("record without id delivered")
				}
				if !json.Valid(d.Person.Raw) {
					t.Fatalf("raw JSON of %s lost: %q", d.Person.ID, d.Person.Raw)
				}
			}
			for _, re := range page.RecordErrors {
				_ = re.Error()
			}
		}
		strict, serr := schulconnex.DecodePersonen(body, true)
		if serr == nil && err == nil && (len(strict.Items) != len(page.Items) || len(page.RecordErrors) > 0) {
			t.Fatalf("strict mode delivered %d of %d with %d bad records", len(strict.Items), len(page.Items), len(page.RecordErrors))
		}
	})
}
