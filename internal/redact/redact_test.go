package redact

import (
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
		{"a900101-12345", "a[redacted]"}, // DDMMYY-NNNNN: Norwegian with a separator
		{"a900101-123456", "a900101-123456"},
		{"fnr 010170 12345 end", "fnr [redacted] end"},
		{"steuer-id 86 095 742 719.", "steuer-id [redacted]."},
		{"86 095 742 7190", "86 095 742 7190"},
		{"2024-01-01 12:00", "2024-01-01 12:00"},
		{"19121212+1212", "[redacted]"},
		// UUIDs keep their digit groups; an SIS id built on one stays readable.
		{"sis_section_id:ku-12345678-1234-4000-8000-123456789012", "sis_section_id:ku-12345678-1234-4000-8000-123456789012"},
		{"00000001-0000-4000-8000-000000000001 and 199001011234", "00000001-0000-4000-8000-000000000001 and [redacted]"},
		{"ku-000123-0000-4000-8000-000000000123", "ku-000123-0000-4000-8000-000000000123"},
		{"ku-12345678-4000-8000-123456789012", "ku-12345678-4000-8000-123456789012"},
		// Part of a longer word, or with fewer groups: the groups are masked like any number.
		{"x19900101-1234-4000-8000-123456789012", "x[redacted]-4000-8000-[redacted]"},
		{"id 19900101-1234-4000 end", "id [redacted]-4000 end"},
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

func TestQuoted(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`parsing time "1212-1212" as "2006-01-02": cannot parse "1212-1212" as "2006"`,
			`parsing time "[redacted]" as "[redacted]": cannot parse "[redacted]" as "[redacted]"`},
		{`strconv.ParseInt: parsing "199001011234": invalid syntax`, `strconv.ParseInt: parsing "[redacted]": invalid syntax`},
		{`json: cannot unmarshal JSON string into Go int within "/data/3/givenName"`, `json: cannot unmarshal JSON string into Go int within "/data/3/givenName"`},
		{`within "/persons/19900101/x"`, `within "[redacted]"`},
		{`escaped "a \"quoted\" 19900101-1234" end`, `escaped "[redacted]" end`},
		{`never closed "19900101-1234 and more`, `never closed "[redacted]`},
		{`no quotes 1234`, `no quotes 1234`},
		{`empty ""`, `empty ""`},
		{`invalid character 'x' after object`, `invalid character 'x' after object`},
	} {
		if got := Quoted(tc.in); got != tc.want {
			t.Errorf("Quoted(%q)\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
}

func TestPathRedactsPersonalSegmentsAndFilters(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"/persons?civicNo=199001011234&limit=1000", "/persons?civicNo=[redacted]&limit=1000"},
		{"/persons?pageToken=abc&limit=10", "/persons?limit=10&pageToken=[redacted]"},
		{"/personen?vorname=Anna&familienname=Svensson", "/personen?familienname=[redacted]&vorname=[redacted]"},
		{"/courses/1/enrollments?page=bookmark:WyJTdmVuc3NvbiJd&per_page=100", "/courses/1/enrollments?page=[redacted]&per_page=100"},
		{"/courses/1/enrollments?page=3&per_page=100", "/courses/1/enrollments?page=3&per_page=100"},
		{"/users/sis_user_id:19900101-1234/logins", "/users/sis_user_id:[redacted]/logins"},
		{"/users/sis_login_id:anna.svensson/x", "/users/sis_login_id:[redacted]/x"},
		{"/sections/sis_section_id:ku-12345678-1234-4000-8000-123456789012", "/sections/sis_section_id:ku-12345678-1234-4000-8000-123456789012"},
		{"/studentinformation/student/personnummer/19900101X234", "/studentinformation/student/personnummer/[redacted]"},
		{"/users/anna@example.org", "/users/[redacted]"},
		{"/persons/12345678-aaaa-4aaa-8aaa-123456789012", "/persons/12345678-aaaa-4aaa-8aaa-123456789012"},
		{"/x?meta.modified.after=2026-01-01T00:00:00Z", "/x?meta.modified.after=2026-01-01T00:00:00Z"},
	} {
		u, err := url.Parse(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := Path(u); got != tc.want {
			t.Errorf("Path(%q)\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
}

func TestSecretsScrubsEveryForm(t *testing.T) {
	var s Secrets
	s.Add("api-key-0123456789", "short")
	for i := range 20 {
		s.AddRecent(strings.Repeat("r", 10) + string(rune('a'+i)))
	}
	s.AddRecent("tok/en+with=chars")
	text := "key api-key-0123456789, token tok/en+with=chars, escaped " + url.QueryEscape("tok/en+with=chars") +
		", short stays short, recent rrrrrrrrrrt, forgotten rrrrrrrrrra"
	got := s.Scrub(text)
	for _, leak := range []string{"api-key-0123456789", "tok/en", url.QueryEscape("tok/en+with=chars"), "rrrrrrrrrrt"} {
		if strings.Contains(got, leak) {
			t.Errorf("Scrub left %q in %q", leak, got)
		}
	}
	if !strings.Contains(got, "short stays short") || !strings.Contains(got, "forgotten rrrrrrrrrra") {
		t.Errorf("Scrub masked a value shorter than MinSecret or one long forgotten: %q", got)
	}
	var nilSecrets *Secrets
	if nilSecrets.Scrub("x") != "x" {
		t.Error("nil Secrets changed text")
	}
}

func FuzzQuoted(f *testing.F) {
	for _, s := range []string{`a "b" c`, `"`, `"\"`, `x "/a/1" "19900101-1234"`, ``} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Quoted(s)
		if Quoted(out) != out {
			t.Errorf("not idempotent: %q -> %q -> %q", s, out, Quoted(out))
		}
		if strings.Count(s, `"`) == 0 && out != s {
			t.Errorf("changed text without quotes: %q -> %q", s, out)
		}
	})
}

func FuzzPath(f *testing.F) {
	for _, s := range []string{"/persons?civicNo=199001011234&limit=1", "/a/personnummer/1", "/%zz", "/x?%"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := url.Parse(s)
		if err != nil {
			return
		}
		out := Path(u)
		if strings.ContainsFunc(out, func(r rune) bool { return r < ' ' || r == 0x7f }) {
			t.Errorf("control character in %q", out)
		}
		for _, n := range []string{"199001011234", "9001011234", "01017012345"} {
			if standalone(s, n) && strings.Contains(out, n) {
				t.Errorf("%q kept %s: %q", s, n, out)
			}
		}
	})
}

// standalone reports whether n occurs in s as a whole digit run.
func standalone(s, n string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], n)
		if j < 0 {
			return false
		}
		j += i
		end := j + len(n)
		if (j == 0 || !isDigit(s[j-1])) && (end == len(s) || !isDigit(s[end])) {
			return true
		}
		i = j + 1
	}
}
