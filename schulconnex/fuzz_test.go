package schulconnex_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

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
		// Codes are short printable text whatever was sent: at most 16 bytes and "...".
		for _, code := range []string{fe.Code, fe.Subcode} {
			if len(code) > 19 || !utf8.ValidString(code) || strings.ContainsFunc(code, unicode.IsControl) {
				t.Fatalf("code %q", code)
			}
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

// FuzzParseLoeschzeitpunkt feeds deletion times to their parser: no panic, and every time it
// accepts is written as YYYY-MM-DDThh:mmZ, to the minute, and reads back as itself.
func FuzzParseLoeschzeitpunkt(f *testing.F) {
	for _, seed := range []string{"2026-09-14T10:00Z", "2026-09-14T10:00:59Z", "2026-09-14T12:00+02:00",
		"2026-09-14T10:00:00.999999999-11:30", "2026-02-30T10:00Z", "2026-09-14", "", "24:00", "9999-12-31T23:59Z"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := schulconnex.ParseLoeschzeitpunkt(s)
		if err != nil {
			// The message quotes at most 40 bytes of the value (each at most a 10-byte escape).
			if len(err.Error()) > 512 || !utf8.ValidString(err.Error()) {
				t.Fatalf("error %q", err)
			}
			return
		}
		if l.IsZero() {
			if s != "" {
				t.Fatalf("%q read as no deletion time", s)
			}
			return
		}
		tm := l.Time()
		if tm.Location() != time.UTC || tm.Second() != 0 || tm.Nanosecond() != 0 {
			t.Fatalf("%q read as %v", s, tm)
		}
		text, err := l.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		if len(text) != len(schulconnex.LoeschzeitpunktLayout) {
			t.Fatalf("%q written as %q", s, text)
		}
		var back schulconnex.Loeschzeitpunkt
		if err := back.UnmarshalText(text); err != nil || back != l {
			t.Fatalf("%q: %q read back as %v, %v", s, text, back, err)
		}
	})
}
