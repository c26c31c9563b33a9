package fsrules

import (
	"strings"
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	cases := []struct {
		in      string
		want    Date
		wantErr string
	}{
		{"2026-06-10", NewDate(2026, time.June, 10), ""},
		{"2028-02-29", NewDate(2028, time.February, 29), ""},
		{"0001-01-01", NewDate(1, time.January, 1), ""},
		{"9999-12-31", NewDate(9999, time.December, 31), ""},
		{"2027-02-29", Date{}, "does not exist"},
		{"2026-13-01", Date{}, "does not exist"},
		{"2026-00-10", Date{}, "does not exist"},
		{"0000-01-01", Date{}, "does not exist"},
		{"2026-6-10", Date{}, "not YYYY-MM-DD"},
		{"2026-06-10T00:00:00Z", Date{}, "not YYYY-MM-DD"},
		{"2026/06/10", Date{}, "not YYYY-MM-DD"},
		{"20a6-06-10", Date{}, "not YYYY-MM-DD"},
		{"+026-06-10", Date{}, "not YYYY-MM-DD"},
		{"", Date{}, "not YYYY-MM-DD"},
	}
	for _, tc := range cases {
		got, err := ParseDate(tc.in)
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("%q: %v", tc.in, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%q: error %v, want one saying %q", tc.in, err, tc.wantErr)
		case got != tc.want:
			t.Errorf("%q: %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestParseDateKeepsPersonalNumbersOutOfErrors(t *testing.T) {
	for _, in := range []string{"01017012345", "19700101-1234", "dato 010170 12345", "2026-06-10\nforged log line"} {
		_, err := ParseDate(in)
		if err == nil {
			t.Fatalf("%q accepted", in)
		}
		if msg := err.Error(); strings.Contains(msg, "12345") || strings.Contains(msg, "1234") || strings.Contains(msg, "\n") {
			t.Errorf("%q: error %q repeats the value", in, msg)
		}
	}
	// a value that is only a malformed date is quoted, which helps whoever reads the log
	if _, err := ParseDate("2026-6-10"); err == nil || !strings.Contains(err.Error(), `"2026-6-10"`) {
		t.Errorf("error %v does not quote the malformed date", err)
	}
}

func TestDateArithmetic(t *testing.T) {
	cases := []struct {
		from string
		n    int
		want string
	}{
		{"2026-01-31", 1, "2026-02-01"},
		{"2026-02-28", 1, "2026-03-01"},
		{"2028-02-28", 1, "2028-02-29"},
		{"2026-12-31", 1, "2027-01-01"},
		{"2026-03-28", 1, "2026-03-29"},
		{"2026-03-29", 1, "2026-03-30"},
		{"2026-10-25", 1, "2026-10-26"},
		{"2026-03-01", -1, "2026-02-28"},
		{"2026-06-10", 0, "2026-06-10"},
		{"2026-06-10", 365, "2027-06-10"},
	}
	for _, tc := range cases {
		if got := day(tc.from).AddDays(tc.n).String(); got != tc.want {
			t.Errorf("%s %+d: %s, want %s", tc.from, tc.n, got, tc.want)
		}
	}
	a, b := day("2026-06-10"), day("2026-06-11")
	if !a.Before(b) || a.After(b) || !b.After(a) || a.Compare(a) != 0 || day("2025-12-31").Compare(a) != -1 || day("2026-07-01").Compare(b) != 1 {
		t.Error("Compare, Before or After wrong")
	}
}

func TestDateText(t *testing.T) {
	var d Date
	if err := d.UnmarshalText([]byte("2026-06-10")); err != nil || d != NewDate(2026, time.June, 10) {
		t.Fatalf("%v %v", d, err)
	}
	if b, _ := d.MarshalText(); string(b) != "2026-06-10" {
		t.Fatalf("MarshalText %q", b)
	}
	if err := d.UnmarshalText(nil); err != nil || !d.IsZero() {
		t.Fatalf("empty text: %v %v", d, err)
	}
	if err := d.UnmarshalText([]byte("2026-02-30")); err == nil {
		t.Fatal("30 February accepted")
	}
	if b, _ := (Date{}).MarshalText(); len(b) != 0 || (Date{}).String() != "" {
		t.Fatal("the zero Date must print as empty")
	}
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2026-06-10", "2028-02-29", "2027-02-29", "9999-12-31", "0000-00-00", "01017012345", "2026-06-1\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err != nil {
			if !d.IsZero() {
				t.Fatalf("%q: error with a date %v", s, d)
			}
			msg := err.Error()
			run := 0
			for i := 0; i < len(msg); i++ {
				if msg[i] >= '0' && msg[i] <= '9' {
					run++
					if run > 4 {
						t.Fatalf("%q: error %q carries a long digit run", s, msg)
					}
				} else {
					run = 0
				}
				if msg[i] < 0x20 {
					t.Fatalf("%q: error %q carries a control character", s, msg)
				}
			}
			return
		}
		if !d.Valid() || d.String() != s {
			t.Fatalf("%q: parsed as %v (valid %v)", s, d, d.Valid())
		}
		if DateOf(d.Start()) != d || DateOf(d.End()) != d.AddDays(1) || !d.End().After(d.Start()) {
			t.Fatalf("%q: Start and End disagree with DateOf", s)
		}
	})
}
