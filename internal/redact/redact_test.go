package redact

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestPersonalNumbers(t *testing.T) {
	cases := []struct{ in, want string }{
		{"civic 199001011234 here", "civic [redacted] here"},
		{"900101-1234", "[redacted]"},
		{"19900101-1234,", "[redacted],"},
		{"121212+1212", "[redacted]"},
		{"fnr 01017012345.", "fnr [redacted]."},
		{"9001011234", "[redacted]"},
		{"school unit 12345678", "school unit 12345678"},
		{"year 2026 and 42 items", "year 2026 and 42 items"},
		{"1234567890123", "1234567890123"}, // 13 digits: not a personal number
		{"abc", "abc"},
		{"", ""},
		{"a900101-12345", "a900101-12345"},
	}
	for _, c := range cases {
		if got := PersonalNumbers(c.in); got != c.want {
			t.Errorf("PersonalNumbers(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestURL(t *testing.T) {
	u, _ := url.Parse("https://user:pw@api.example/persons/199001011234?civicNo=199001011234&limit=10&access_token=abc&pageToken=xyz")
	got := URL(u)
	for _, secret := range []string{"199001011234", "abc", "xyz", "pw", "user"} {
		if strings.Contains(got, secret) {
			t.Errorf("URL(...) = %q still contains %q", got, secret)
		}
	}
	if !strings.Contains(got, "limit=10") {
		t.Errorf("URL(...) = %q lost harmless parameters", got)
	}
	if URL(nil) != "" {
		t.Error("URL(nil) should be empty")
	}
}

func TestHeader(t *testing.T) {
	h := http.Header{"Authorization": {"Bearer sekret"}, "X-Request-Id": {"r1"}, "X-Person": {"19900101-1234"}}
	got := Header(h)
	if got.Get("Authorization") != Mask || got.Get("X-Request-Id") != "r1" || got.Get("X-Person") != Mask {
		t.Errorf("Header = %v", got)
	}
	if h.Get("Authorization") != "Bearer sekret" {
		t.Error("Header modified its input")
	}
}

func FuzzPersonalNumbers(f *testing.F) {
	for _, s := range []string{"199001011234", "900101-1234", "x12345678901y", "", "++--"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := PersonalNumbers(s)
		if personalNumberLen(out) > 0 && !strings.HasPrefix(out, Mask) {
			t.Errorf("output %q starts with a personal number", out)
		}
		if PersonalNumbers(out) != out {
			t.Errorf("not idempotent: %q -> %q -> %q", s, out, PersonalNumbers(out))
		}
	})
}

func TestPrintable(t *testing.T) {
	for _, tc := range []struct {
		in   string
		max  int
		want string
	}{
		{"plain", 0, "plain"},
		{"line\nbreak\r\ttab", 0, "line break  tab"},
		{"esc\x1b[2J and \u0085 C1", 0, "esc [2J and   C1"},
		{"bad \xff utf8", 0, "bad \uFFFD utf8"},
		{"ÅÖ", 3, "Å…"}, // the cut falls inside Ö: only Å is kept
		{"abcdef", 3, "abc…"},
		{"abc", 3, "abc"},
	} {
		if got := Printable(tc.in, tc.max); got != tc.want {
			t.Errorf("Printable(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
		}
	}
}
