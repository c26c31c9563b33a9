package idnum

import (
	"errors"
	"testing"
	"time"
)

var ref = time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)

func TestParseSwedish(t *testing.T) {
	cases := []struct {
		in      string
		want    string
		coord   bool
		wantErr error
	}{
		{"19121212-1212", "191212121212", false, nil},
		{"191212121212", "191212121212", false, nil},
		{"121212+1212", "191212121212", false, nil},
		{"121212-1212", "201212121212", false, nil},
		{"990101-1234", "", false, ErrCheckDigit},
		{"19900230-1234", "", false, ErrDate},
		{"19701063-2391", "197010632391", true, nil},
		{"abc", "", false, ErrFormat},
		{"1212121212121", "", false, ErrFormat},
		{"191212+121212", "", false, ErrFormat},
		{"", "", false, ErrFormat},
	}
	for _, c := range cases {
		got, err := ParseSwedish(c.in, ref)
		if !errors.Is(err, c.wantErr) {
			t.Errorf("ParseSwedish(%q) error = %v, want %v", c.in, err, c.wantErr)
			continue
		}
		if err == nil && (got.Digits != c.want || got.Coordination != c.coord) {
			t.Errorf("ParseSwedish(%q) = %+v", c.in, got)
		}
	}
}

func TestLuhnDigit(t *testing.T) {
	if d := LuhnDigit("121212121"); d != '2' {
		t.Errorf("LuhnDigit = %c", d)
	}
}

func TestValidNorwegian(t *testing.T) {
	nine := "010170123"
	k1, k2 := NorwegianCheckDigits(nine)
	if k1 < 0 || k2 < 0 {
		t.Skip("test number has no valid check digits")
	}
	good := nine + string(byte('0'+k1)) + string(byte('0'+k2))
	if !ValidNorwegian(good) {
		t.Errorf("ValidNorwegian(%s) = false", good)
	}
	bad := nine + string(byte('0'+(k1+1)%10)) + string(byte('0'+k2))
	if ValidNorwegian(bad) {
		t.Errorf("ValidNorwegian(%s) = true", bad)
	}
	for _, s := range []string{"", "0101701234", "32017012345", "abcdefghijk"} {
		if ValidNorwegian(s) {
			t.Errorf("ValidNorwegian(%q) = true", s)
		}
	}
}

func FuzzParseSwedish(f *testing.F) {
	for _, s := range []string{"19121212-1212", "121212+1212", "x", "00000000-0000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseSwedish(s, ref)
		if err == nil {
			again, err2 := ParseSwedish(p.Digits, ref)
			if err2 != nil || again != p {
				t.Errorf("%q parsed to %+v, which does not parse back: %v", s, p, err2)
			}
		}
	})
}
