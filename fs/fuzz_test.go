package fs

import (
	"bytes"
	"context"
	"errors"
	"io"
	"iter"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/edusync/edusync/apierror"
)

var listingSeeds = []string{
	`[]`,
	`[{"vurdId":"999_INF1000_1_SKR_2026_VÅR","kandidatnr":"10001","personlopenr":7301455,"klagestatus":"AKTIV","datoKlageMottat":"2026-06-20","sensurfrist":"2026-07-11","kommisjonsidOppr":5101,"kommisjonsidNy":"5199","sistEndret":"2026-06-22T10:00:00+02:00"}]`,
	`[{"vurdId":"999_INF1000_1_SKR_2026_VÅR","kandidatnr":10002,"kommisjonsId":"5101","datoKlageMottat":"2026-06-12","sistEndret":1750579200000,"ukjent":{"a":[1,2]}}]`,
	`[{"vurdId":"999_INF1000_1_SKR_2026_VÅR"},{"kandidatnr":"1"},{"vurdId":"185_X_1_SKR_2026_VÅR","kandidatnr":"2"}]`,
	`[{"vurdId":"999_INF1000_1_SKR_2026_VÅR","kandidatnr":"3","sensurfrist":"2026-02-30","sistEndret":"i går"}]`,
	`[{"vurdId":"999_INF1000_1_SKR_2026_VÅR","kandidatnr":1.5},{"vurdId":"999_INF1000_1_SKR_2026_VÅR","kandidatnr":"4","datoVedtakFormidlet":null}]`,
	`{"data":[]}`, `[`, `[{"vurdId":`, `null`, "[\"\xff\"]",
}

// answering is a transport that answers every request with body.
type answering []byte

func (a answering) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(bytes.NewReader(a)), Request: r}, nil
}

// FuzzListing feeds any answer to the listings of appeals and explanation requests, tolerant
// and strict: no panic; an error is a DecodeError or a RecordError; every record delivered names
// a candidate and an exam of the institution asked about.
func FuzzListing(f *testing.F) {
	for _, s := range listingSeeds {
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, body []byte, strict bool) {
		opts := []Option{WithBasicAuth("fuzz-user", "fuzz-password"), WithoutRetry(), WithHTTPClient(&http.Client{Transport: answering(body)})}
		if strict {
			opts = append(opts, WithStrict())
		}
		c, err := New("https://fs.example.no", opts...)
		if err != nil {
			t.Fatal(err)
		}
		q := ChangeQuery{System: Inspera, Institution: "999", Since: time.Unix(1750000000, 0)}
		checkListing[Appeal](t, c.ListChangedAppeals(context.Background(), q))
		checkListing[ExplanationRequest](t, c.ListChangedExplanationRequests(context.Background(), q))
		exam := ExamKey{Institution: "999", CourseCode: "INF1000", Version: "1", AssessmentCode: "SKR", Year: 2026, Term: "VÅR"}
		if p, err := c.GetExamAppeals(context.Background(), Inspera, exam); err == nil {
			for _, a := range p.Items {
				if k, err := a.Exam(); err != nil || k != exam {
					t.Fatalf("an appeal of another exam was delivered")
				}
			}
		}
	})
}

func checkListing[T any, P interface {
	*T
	record
}](t *testing.T, seq iter.Seq2[T, error]) {
	for v, err := range seq {
		if err != nil {
			var de *apierror.DecodeError
			var re *apierror.RecordError
			if !errors.As(err, &de) && !errors.As(err, &re) {
				t.Fatalf("error %T %v is neither a DecodeError nor a RecordError", err, err)
			}
			if !utf8.ValidString(err.Error()) {
				t.Fatalf("error %q is not UTF-8", err.Error())
			}
			continue
		}
		r := P(&v)
		if r.candidate() == "" {
			t.Fatalf("a record without kandidatnr was delivered")
		}
		if k, err := ParseVurdID(r.vurdID()); err != nil || k.Institution != "999" {
			t.Fatalf("a record of another institution was delivered")
		}
	}
}

// FuzzDecodeError reads any error body: no panic, and the code and message are at most what
// the body holds.
func FuzzDecodeError(f *testing.F) {
	for _, s := range []string{`{"kode":"EKSAMEN_FINNES_IKKE","melding":"no such exam"}`, `{"message":"Unauthorized","http_status_code":401}`,
		`{"kode":12345,"melding":["x"]}`, `Ugyldig personlopenr 7301455`, `<html><body>502</body></html>`, `[1]`, ``, `{`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var e APIError
		decodeError(&e, body)
		if len(e.Code) > len(body) || len(e.Message) > len(body)*6 {
			t.Fatalf("code %q message %q from a body of %d bytes", e.Code, e.Message, len(body))
		}
		_ = maskErrorNumbers(&e)
		for _, s := range []string{e.Code, e.Message} {
			run := 0
			for i := 0; i < len(s); i++ {
				if s[i] >= '0' && s[i] <= '9' {
					if run++; run >= 5 {
						t.Fatalf("a run of five digits survived in %q", s)
					}
				} else {
					run = 0
				}
			}
		}
	})
}

// FuzzTimestamp: ParseTimestamp and Timestamp.UnmarshalJSON never panic, and what they read
// writes back and reads again to the same instant.
func FuzzTimestamp(f *testing.F) {
	for _, s := range []string{`"2026-06-22T10:00:00+02:00"`, `"2026-06-22T10:00:00.123Z"`, `"2026-06-22 10:00:00"`, `"2026-06-22T10:00"`,
		`"2026-06-22T10:00:00+0200"`, `"2026-06-22"`, `1750579200000`, `-1`, `null`, `""`, `"i går"`, `9999999999999999999`, `1e3`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var ts Timestamp
		if err := ts.UnmarshalJSON(b); err != nil || ts.IsZero() {
			return
		}
		out, err := ts.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var back Timestamp
		if err := back.UnmarshalJSON(out); err != nil || !back.Equal(ts.Time) {
			t.Fatalf("%s read as %v, written %s, read back %v, %v", b, ts.Time, out, back.Time, err)
		}
	})
}

// FuzzNumber: Number.UnmarshalJSON never panics and keeps at most MaxNumber bytes.
func FuzzNumber(f *testing.F) {
	for _, s := range []string{`"10001"`, `10001`, `-3`, `1.5`, `1e3`, `null`, `true`, `"0012"`, `""`, `{}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var n Number
		if err := n.UnmarshalJSON(b); err == nil && len(n) > MaxNumber {
			t.Fatalf("kept %d bytes", len(n))
		}
	})
}

// FuzzExamKey: ParseVurdID and ParseExamID never panic; a key they return is valid and its
// encodings read back to it.
func FuzzExamKey(f *testing.F) {
	for _, s := range []string{"999_INF1000_1_SKR_2026_VÅR", "185_IN_1000_2_MUNTLIG_2025_HØST", "OTk5X0lORjEwMDBfMV9TS1JfMjAyNl9Ww4VS",
		"_____", "999_A_1_B_20x6_C", "999_A_1_B_2026_", "999\x00_A_1_B_2026_VÅR", strings.Repeat("9_", 200)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, parse := range []func(string) (ExamKey, error){ParseVurdID, ParseExamID} {
			k, err := parse(s)
			if err != nil {
				if !errors.Is(err, ErrInvalidExamKey) {
					t.Fatalf("error %v is not ErrInvalidExamKey", err)
				}
				continue
			}
			if err := k.Validate(); err != nil {
				t.Fatalf("parsed an invalid key %+v: %v", k, err)
			}
			if back, err := ParseVurdID(k.VurdID()); err != nil || back != k {
				t.Fatalf("VurdID %q reads back as %+v, %v", k.VurdID(), back, err)
			}
			if back, err := ParseExamID(k.ExamID()); err != nil || back != k {
				t.Fatalf("ExamID %q reads back as %+v, %v", k.ExamID(), back, err)
			}
		}
	})
}

// FuzzVersion reads any version answer without panicking, keeping at most 128 printable bytes.
func FuzzVersion(f *testing.F) {
	for _, s := range []string{`{"versjon":"8.4.1"}`, `"8.4.1"`, "8.4.1\nbuild 7", `<html>`, `[]`, ``, `{"versjon":7}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := parseVersion(b)
		if err == nil && len(v.Versjon) > maxVersion+len("…") {
			t.Fatalf("kept %d bytes", len(v.Versjon))
		}
	})
}
