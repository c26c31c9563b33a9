package fs_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/edusync/edusync/fs"
	"github.com/edusync/edusync/fs/fsrules"
)

func TestNumberReadsNumbersAndStrings(t *testing.T) {
	tests := []struct {
		in      string
		want    fs.Number
		wantErr bool
	}{
		{`"10001"`, "10001", false},
		{`10001`, "10001", false},
		{`"0012"`, "0012", false},
		{`-3`, "-3", false},
		{`null`, "", false},
		{`1.5`, "", true},
		{`1e3`, "", true},
		{`true`, "", true},
		{`{}`, "", true},
		{`"` + strings.Repeat("9", 65) + `"`, "", true},
	}
	for _, tt := range tests {
		var n fs.Number
		err := json.Unmarshal([]byte(tt.in), &n)
		if (err != nil) != tt.wantErr || n != tt.want {
			t.Errorf("%s: %q, %v", tt.in, n, err)
		}
	}
	b, _ := json.Marshal(struct{ N fs.Number }{"10001"})
	if string(b) != `{"N":"10001"}` {
		t.Errorf("written as %s", b)
	}
}

func TestTimestampReadsFSsForms(t *testing.T) {
	oslo := fsrules.Oslo()
	want := time.Date(2026, 6, 22, 10, 15, 30, 0, oslo)
	tests := []struct {
		in   string
		want time.Time
	}{
		{`"2026-06-22T10:15:30+02:00"`, want},
		{`"2026-06-22T08:15:30Z"`, want},
		{`"2026-06-22T10:15:30.250+02:00"`, want.Add(250 * time.Millisecond)},
		{`"2026-06-22T10:15:30+0200"`, want},
		{`"2026-06-22T10:15:30"`, want},
		{`"2026-06-22 10:15:30"`, want},
		{`"2026-06-22T10:15"`, want.Add(-30 * time.Second)},
		{`"2026-06-22"`, time.Date(2026, 6, 22, 0, 0, 0, 0, oslo)},
		{fmt.Sprint(want.UnixMilli()), want},
		{`null`, time.Time{}},
	}
	for _, tt := range tests {
		var ts fs.Timestamp
		if err := json.Unmarshal([]byte(tt.in), &ts); err != nil || !ts.Equal(tt.want) {
			t.Errorf("%s: %v, %v, want %v", tt.in, ts.Time, err, tt.want)
		}
	}
	for _, bad := range []string{`"i går"`, `"22.06.2026"`, `"2026-02-30"`, `true`, `99999999999999999`, `"` + strings.Repeat("2", 70) + `"`} {
		var ts fs.Timestamp
		err := json.Unmarshal([]byte(bad), &ts)
		if err == nil {
			t.Errorf("%s read as %v", bad, ts.Time)
		} else if strings.Contains(err.Error(), "22") {
			t.Errorf("%s: the error quotes the value: %v", bad, err)
		}
	}
}

func TestExamKeyEncodings(t *testing.T) {
	k := fs.ExamKey{Institution: "185", CourseCode: "IN_1000", Version: "1", AssessmentCode: "SKR", Year: 2026, Term: "HØST"}
	if got := k.VurdID(); got != "185_IN_1000_1_SKR_2026_HØST" {
		t.Errorf("VurdID %q", got)
	}
	if got := k.Tid(); got != "2026 HØST" {
		t.Errorf("Tid %q", got)
	}
	for _, s := range []string{k.VurdID(), k.ExamID(), k.ExamID() + "==", "MTg1X0lOXzEwMDBfMV9TS1JfMjAyNl9Iw5hTVA=="} {
		back, err := fs.ParseExamID(s)
		if err != nil || back != k {
			t.Errorf("ParseExamID(%q) = %+v, %v", s, back, err)
		}
	}
	tests := []struct {
		vurdID string
		field  string
	}{
		{"", "vurdId"},
		{"185_INF1000_1_SKR_2026", "vurdId"},
		{"18x_INF1000_1_SKR_2026_VÅR", "Institution"},
		{"185__1_SKR_2026_VÅR", "CourseCode"},
		{"185_INF1000_1_SKR_26_VÅR", "Year"},
		{"185_INF1000_1_SKR_1850_VÅR", "Year"},
		{"185_INF1000_1_SKR_2026_", "Term"},
		{"185_INF 1000_1_SKR_2026_VÅR", "CourseCode"},
		{"185_INF/1000_1_SKR_2026_VÅR", "CourseCode"},
		{"185_INF1000_1_S\x00R_2026_VÅR", "AssessmentCode"},
	}
	for _, tt := range tests {
		_, err := fs.ParseVurdID(tt.vurdID)
		var ke *fs.ExamKeyError
		if !errors.As(err, &ke) || ke.Field != tt.field || !errors.Is(err, fs.ErrInvalidExamKey) {
			t.Errorf("%q: %v, want an error of %s", tt.vurdID, err, tt.field)
		}
	}
}

// Every exam unit synth makes has a vurdId that reads back to the same key.
func TestSynthVurdIDsRoundTrip(t *testing.T) {
	for _, u := range examPopulation(t).ExamUnits {
		k, err := fs.ParseVurdID(u.VurdID)
		if err != nil {
			t.Fatalf("%s: %v", u.VurdID, err)
		}
		if k.VurdID() != u.VurdID || k.Tid() != u.Term || k.CourseCode != u.CourseCode {
			t.Fatalf("%s read as %+v", u.VurdID, k)
		}
	}
}

// answer serves body with status to every request.
func answer(t *testing.T, status int, contentType, body string, opts ...fs.Option) *fs.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	c, err := fs.New(srv.URL, append([]fs.Option{fs.WithBasicAuth("fs-api-user", "secret-password"), fs.WithoutRetry()}, opts...)...)
	must(t, err)
	return c
}

// FS's error body, a gateway's and a text answer all give a code and a message; a personlopenr
// quoted in them is masked.
func TestErrorAnswers(t *testing.T) {
	tests := []struct {
		name, contentType, body string
		code, message           string
	}{
		{"FS's body", "application/json", `{"kode":"EKSAMEN_FINNES_IKKE","melding":"Fant ikke eksamen"}`, "EKSAMEN_FINNES_IKKE", "Fant ikke eksamen"},
		{"a gateway's body", "application/json", `{"message":"Unauthorized","http_status_code":401}`, "", "Unauthorized"},
		{"text", "text/plain", "Ugyldig personlopenr 7301455 for kandidat\nstack...", "", "Ugyldig personlopenr [redacted] for kandidat"},
		{"HTML", "text/html", "<html><body>Bad gateway</body></html>", "", ""},
		{"a number in the code", "application/json", `{"kode":7301455,"melding":"x"}`, "[redacted]", "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := answer(t, http.StatusBadRequest, tt.contentType, tt.body).GetVersion(context.Background())
			var ae *fs.APIError
			if !errors.As(err, &ae) || !errors.Is(err, fs.ErrBadRequest) {
				t.Fatalf("%v is not a 400 APIError", err)
			}
			if ae.Code != tt.code || ae.Message != tt.message {
				t.Errorf("code %q message %q", ae.Code, ae.Message)
			}
			if s := fmt.Sprintf("%+v", err); strings.Contains(s, "7301455") {
				t.Errorf("the personlopenr is in %s", s)
			}
		})
	}
}

// Records FS should not have sent are RecordErrors in their place, and the rest is delivered;
// in strict mode the first ends the listing.
func TestHostileListings(t *testing.T) {
	body := `[
	 {"vurdId":"999_INF1000_1_SKR_2026_VÅR","kandidatnr":"10001","klagestatus":"AKTIV"},
	 {"vurdId":"185_INF1000_1_SKR_2026_VÅR","kandidatnr":"10002"},
	 {"vurdId":"999_INF1000_1_SKR_2026_VÅR"},
	 {"kandidatnr":"10004"},
	 {"vurdId":"not a key","kandidatnr":"10005"},
	 {"vurdId":"999_INF1000_1_SKR_2026_VÅR","kandidatnr":"10006","sensurfrist":"2026-02-30"},
	 {"vurdId":"999_INF1000_1_SKR_2026_VÅR","kandidatnr":10007,"klagestatus":"NY_STATUS","ukjent":[1,{"a":2}]}
	]`
	q := fs.ChangeQuery{System: fs.Inspera, Institution: "999", Since: t0}
	p, err := answer(t, http.StatusOK, "application/json", body).ListChangedAppealsPage(context.Background(), q)
	must(t, err)
	if got := appealNrs(p); len(got) != 2 || got[0] != "10001" || got[1] != "10007" || p.Items[1].Klagestatus != "NY_STATUS" {
		t.Errorf("delivered %v", got)
	}
	if len(p.RecordErrors) != 5 {
		t.Fatalf("record errors %v", p.RecordErrors)
	}
	if !errors.Is(p.RecordErrors[0], fs.ErrOtherExam) || p.RecordErrors[0].Index != 1 {
		t.Errorf("the other institution's record: %v", p.RecordErrors[0])
	}
	if !errors.Is(p.RecordErrors[1], fs.ErrNoID) || !errors.Is(p.RecordErrors[2], fs.ErrNoID) {
		t.Errorf("records without ids: %v, %v", p.RecordErrors[1], p.RecordErrors[2])
	}
	if !errors.Is(p.RecordErrors[3], fs.ErrInvalidExamKey) {
		t.Errorf("a record with a bad vurdId: %v", p.RecordErrors[3])
	}
	strict := answer(t, http.StatusOK, "application/json", body, fs.WithStrict())
	if _, err := strict.ListChangedAppealsPage(context.Background(), q); !errors.As(err, new(*fs.DecodeError)) {
		t.Errorf("strict: %v, want a DecodeError", err)
	}
	for _, bad := range []string{`{"data":[]}`, `[{"vurdId":"999_INF1000_1_SKR_2026_VÅR","kandidatnr":"1"}`, `null`} {
		if _, err := answer(t, http.StatusOK, "application/json", bad).ListChangedAppealsPage(context.Background(), q); !errors.As(err, new(*fs.DecodeError)) {
			t.Errorf("%s: %v, want a DecodeError", bad, err)
		}
	}
	big := "[" + strings.Repeat(`{"vurdId":"999_INF1000_1_SKR_2026_VÅR","kandidatnr":"1"},`, 2000) + `{"vurdId":"999_INF1000_1_SKR_2026_VÅR","kandidatnr":"1"}]`
	if _, err := answer(t, http.StatusOK, "text/plain", strings.Repeat("8.4.1 ", 100_000)).GetVersion(context.Background()); !errors.As(err, new(*fs.DecodeError)) {
		t.Errorf("a version answer of 600 kB: %v, want a DecodeError", err)
	}
	c := answer(t, http.StatusOK, "application/json", big, fs.WithMaxResponseBody(10_000))
	if _, err := c.ListChangedAppealsPage(context.Background(), q); !errors.Is(err, fs.ErrBodyTooLarge) {
		t.Errorf("an answer over the cap: %v", err)
	}
}
