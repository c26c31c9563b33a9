package apiclient

import (
	"net/http"
	"strings"
)

// Link is one entry of an RFC 8288 Link header: a target URL and its relation types. (Canvas
// re-exports the parser with its own Link type.)
type Link struct {
	// URL is the target exactly as the server wrote it, to be requested as is.
	URL string
	// Rel holds the relation types, lower case (next, prev, first, last, current).
	Rel []string
}

// HasRel reports whether l has relation type rel (compared case-insensitively).
func (l Link) HasRel(rel string) bool {
	for _, r := range l.Rel {
		if strings.EqualFold(r, rel) {
			return true
		}
	}
	return false
}

// maxLinkHeader caps how much of the Link headers is parsed; Canvas's are a few hundred bytes.
const maxLinkHeader = 64 << 10

// ParseLinkHeader parses the values of one or more Link headers. It is lenient the way a client
// of many servers must be: entries it cannot read are skipped, quoted parameter values may
// contain commas and semicolons, and URLs are returned exactly as written (opaque), never
// rebuilt. It never fails; a header with no readable entry gives nil.
func ParseLinkHeader(values ...string) []Link {
	var links []Link
	budget := maxLinkHeader
	for _, v := range values {
		if len(v) > budget {
			v = v[:budget]
		}
		budget -= len(v)
		links = appendLinks(links, v)
		if budget <= 0 {
			break
		}
	}
	return links
}

func appendLinks(links []Link, s string) []Link {
	i := 0
	for i < len(s) {
		// Skip separators and whitespace before an entry.
		for i < len(s) && (s[i] == ',' || isLWS(s[i])) {
			i++
		}
		if i >= len(s) {
			break
		}
		if s[i] != '<' {
			// Not an entry: skip to the next comma outside quotes.
			i = skipEntry(s, i)
			continue
		}
		end := strings.IndexByte(s[i+1:], '>')
		if end < 0 {
			break
		}
		target := strings.TrimSpace(s[i+1 : i+1+end])
		i += end + 2
		var rels []string
		// Parameters: ; name[=value], value a token or a quoted string.
		for {
			for i < len(s) && isLWS(s[i]) {
				i++
			}
			if i >= len(s) || s[i] != ';' {
				break
			}
			i++
			for i < len(s) && isLWS(s[i]) {
				i++
			}
			start := i
			for i < len(s) && s[i] != '=' && s[i] != ';' && s[i] != ',' && !isLWS(s[i]) {
				i++
			}
			name := strings.ToLower(s[start:i])
			for i < len(s) && isLWS(s[i]) {
				i++
			}
			var value string
			if i < len(s) && s[i] == '=' {
				i++
				for i < len(s) && isLWS(s[i]) {
					i++
				}
				value, i = readParamValue(s, i)
			}
			if name == "rel" && rels == nil {
				for _, r := range strings.Fields(value) {
					rels = append(rels, strings.ToLower(r))
				}
			}
		}
		if target != "" && len(rels) > 0 {
			links = append(links, Link{URL: target, Rel: rels})
		}
		// Anything up to the next comma outside quotes belongs to this (malformed) entry.
		if i < len(s) && s[i] != ',' {
			i = skipEntry(s, i)
		}
	}
	return links
}

// readParamValue reads a token or quoted string at s[i:] and returns it and the index after it.
func readParamValue(s string, i int) (string, int) {
	if i < len(s) && s[i] == '"' {
		var b strings.Builder
		i++
		for i < len(s) {
			c := s[i]
			switch {
			case c == '\\' && i+1 < len(s):
				b.WriteByte(s[i+1])
				i += 2
			case c == '"':
				return b.String(), i + 1
			default:
				b.WriteByte(c)
				i++
			}
		}
		return b.String(), i
	}
	start := i
	for i < len(s) && s[i] != ';' && s[i] != ',' && !isLWS(s[i]) {
		i++
	}
	return s[start:i], i
}

// skipEntry returns the index of the next comma at or after i that is not inside quotes or
// angle brackets, or len(s).
func skipEntry(s string, i int) int {
	inQuote, inAngle := false, false
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case inQuote && c == '\\':
			i++
		case c == '"' && !inAngle:
			inQuote = !inQuote
		case c == '<' && !inQuote:
			inAngle = true
		case c == '>' && !inQuote:
			inAngle = false
		case c == ',' && !inQuote && !inAngle:
			return i
		}
	}
	return len(s)
}

func isLWS(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// NextLink returns the URL of the rel="next" link in h's Link headers, or "" on the last page.
func NextLink(h http.Header) string {
	for _, l := range ParseLinkHeader(h.Values("Link")...) {
		if l.HasRel("next") {
			return l.URL
		}
	}
	return ""
}
