// Package redact removes personal numbers, tokens and secrets from text before it reaches logs
// or error messages. Every client and helper in edusync goes through it, so there is one place
// that decides what counts as sensitive.
package redact

import (
	"net/http"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Mask replaces a redacted value. It is short and obviously not data.
const Mask = "[redacted]"

// sensitiveParams are query parameter and header names (lower case) whose values are always
// hidden: credentials and the person identifiers the APIs edusync speaks accept as filters.
var sensitiveParams = map[string]bool{
	"access_token":  true,
	"token":         true,
	"id_token":      true,
	"refresh_token": true,
	"client_secret": true,
	"password":      true,
	"secret":        true,
	"code":          true,
	"api_key":       true,
	"apikey":        true,
	"key":           true,
	"civicno":       true,
	"personnummer":  true,
	"ssn":           true,
	"authorization": true,
	"cookie":        true,
	"set-cookie":    true,
	"x-api-key":     true,
	"pagetoken":     true,
}

// IsSensitiveName reports whether a parameter or header name carries a secret or a personal number.
func IsSensitiveName(name string) bool {
	n := strings.ToLower(name)
	if sensitiveParams[n] {
		return true
	}
	return strings.Contains(n, "token") || strings.Contains(n, "secret") ||
		strings.Contains(n, "password") || strings.Contains(n, "civicno") ||
		strings.Contains(n, "personnummer")
}

// URL renders u for a log line: sensitive query values and user info are masked and personal
// numbers anywhere in the path or query are removed.
func URL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	c.User = nil
	if c.RawQuery != "" {
		q := c.Query()
		for k, vs := range q {
			for i := range vs {
				if IsSensitiveName(k) {
					vs[i] = Mask
				} else {
					vs[i] = PersonalNumbers(vs[i])
				}
			}
		}
		c.RawQuery = q.Encode()
	}
	c.Path = PersonalNumbers(c.Path)
	c.RawPath = ""
	return c.String()
}

// Header returns a copy of h with credentials and cookies masked.
func Header(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for k, vs := range h {
		if IsSensitiveName(k) {
			out[k] = []string{Mask}
			continue
		}
		cp := make([]string, len(vs))
		for i, v := range vs {
			cp[i] = PersonalNumbers(v)
		}
		out[k] = cp
	}
	return out
}

// PersonalNumbers masks everything in s that looks like a Swedish personnummer or
// samordningsnummer (YYMMDD-NNNN, YYMMDD+NNNN, YYYYMMDDNNNN, YYYYMMDD-NNNN, YYMMDDNNNN) or a
// Norwegian fødselsnummer (11 digits). It errs on the side of masking: any run of 10 to 12 digits,
// optionally split by '-' or '+' before the last four, is hidden. Shorter numbers (school-unit
// codes, years, counts) are left alone.
func PersonalNumbers(s string) string {
	if !hasDigitRun(s, 6) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	i := 0
	for i < len(s) {
		if !isDigit(s[i]) || (i > 0 && isDigit(s[i-1])) {
			b.WriteByte(s[i])
			i++
			continue
		}
		if n := personalNumberLen(s[i:]); n > 0 {
			b.WriteString(Mask)
			i += n
			continue
		}
		// Copy the whole digit run so a later position inside it is not mistaken for a start.
		j := i
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		b.WriteString(s[i:j])
		i = j
	}
	return b.String()
}

// personalNumberLen returns the length of the personal-number-shaped token at the start of s, or 0.
func personalNumberLen(s string) int {
	lead := 0
	for lead < len(s) && isDigit(s[lead]) {
		lead++
	}
	// Plain digit runs: 10 (YYMMDDNNNN), 11 (Norwegian), 12 (YYYYMMDDNNNN).
	if lead >= 10 && lead <= 12 {
		return lead
	}
	// Separated forms: 6 or 8 digits, '-' or '+', 4 digits, not followed by another digit.
	if (lead == 6 || lead == 8) && lead+5 <= len(s) && (s[lead] == '-' || s[lead] == '+') {
		tail := s[lead+1:]
		k := 0
		for k < len(tail) && isDigit(tail[k]) {
			k++
		}
		if k == 4 {
			return lead + 5
		}
	}
	return 0
}

func hasDigitRun(s string, n int) bool {
	run := 0
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			run++
			if run >= n {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// Printable makes text from the network safe for a log line or an error message: invalid UTF-8
// becomes U+FFFD, control characters (which could forge log lines or move a terminal's cursor)
// become spaces, and the result is cut to at most max bytes on a character boundary, with "…"
// marking the cut. max <= 0 means no cap.
func Printable(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	if max > 0 && len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}
