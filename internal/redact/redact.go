// Package redact removes identity numbers, credentials, page tokens and control characters from
// text before it reaches an error message or a log line. Every client goes through it (the
// client core applies it to every error and log line it builds), so there is one place that
// decides what counts as sensitive.
//
// Two principles run through it. It errs on the side of masking: anything shaped like an
// identity number is hidden, whether or not its check digits are right. And it does not try to
// recognise personal data in values a decoder quotes back (time.Parse, strconv and JSON errors
// quote their input): those values are dropped whole (Quoted).
package redact

import (
	"net/url"
	"slices"
	"strings"
	"sync"
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

// IsSensitiveName reports whether a parameter, header or path segment name carries a secret or
// an identity number.
func IsSensitiveName(name string) bool {
	n := strings.ToLower(name)
	if sensitiveParams[n] {
		return true
	}
	return strings.Contains(n, "token") || strings.Contains(n, "secret") ||
		strings.Contains(n, "password") || strings.Contains(n, "civicno") ||
		strings.Contains(n, "personnummer") || strings.Contains(n, "fodselsnummer") ||
		strings.Contains(n, "steuer")
}

// Text makes free text from the network or from an error safe for a log line or an error
// message: identity numbers masked, control characters replaced (Printable, uncapped).
func Text(s string) string { return Printable(PersonalNumbers(s), 0) }

// DecoderError makes a decoder's complaint safe: the values it quotes are dropped (Quoted), then
// Text applies.
func DecoderError(s string) string { return Text(Quoted(s)) }

// PersonalNumbers masks everything in s shaped like an identity number:
//   - Swedish personnummer and samordningsnummer: YYYYMMDDNNNN, YYMMDDNNNN, YYYYMMDD-NNNN,
//     YYMMDD-NNNN, YYMMDD+NNNN (and the same with '+' after eight digits);
//   - Norwegian fødselsnummer and D-nummer: eleven digits, also as DDMMYY NNNNN or DDMMYY-NNNNN;
//   - German tax ids (Steuer-IdNr): eleven digits, also as NN NNN NNN NNN.
//
// Any run of 10 to 12 digits is masked, whether its check digits are right or not. Shorter
// numbers (school-unit codes, years, counts) and longer ones are left alone, and so are UUIDs and
// ids built like them (idRanges), whose digit groups can look like a number.
func PersonalNumbers(s string) string {
	if !hasDigits(s, 10) {
		return s
	}
	ids := idRanges(s)
	var b strings.Builder
	b.Grow(len(s))
	i := 0
	for i < len(s) {
		if len(ids) > 0 && i == ids[0][0] {
			b.WriteString(s[ids[0][0]:ids[0][1]])
			i = ids[0][1]
			ids = ids[1:]
			continue
		}
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
		for j < len(s) && isDigit(s[j]) && (len(ids) == 0 || j < ids[0][0]) {
			j++
		}
		b.WriteString(s[i:j])
		i = j
	}
	return b.String()
}

// personalNumberLen returns the length of the identity-number-shaped token at the start of s
// (which starts with a digit that follows no digit), or 0.
func personalNumberLen(s string) int {
	lead := digitRun(s)
	if lead >= 10 && lead <= 12 {
		return lead
	}
	if lead >= len(s) {
		return 0
	}
	sep, rest := s[lead], s[lead+1:]
	tail := digitRun(rest)
	switch {
	case (lead == 6 || lead == 8) && (sep == '-' || sep == '+') && tail == 4:
		return lead + 5 // Swedish with separator
	case lead == 6 && (sep == ' ' || sep == '-') && tail == 5:
		return lead + 6 // Norwegian with separator
	case lead == 2 && sep == ' ' && tail == 3:
		// German NN NNN NNN NNN
		n := lead + 4
		for range 2 {
			if n+4 > len(s) || s[n] != ' ' || digitRun(s[n+1:]) != 3 {
				return 0
			}
			n += 4
		}
		return n
	}
	return 0
}

func digitRun(s string) int {
	n := 0
	for n < len(s) && isDigit(s[n]) {
		n++
	}
	return n
}

// idRanges returns the [start, end) ranges of UUID-like identifiers in s, in order: four or
// more groups of 4 to 12 hex digits joined by '-' (8-4-4-4-12 UUIDs, and the SIS ids built like
// them, ku-000123-0000-4000-8000-000000000123). An identity number has at most one separator, so
// such a chain is never one, though its groups can look like one.
func idRanges(s string) [][2]int {
	var out [][2]int
	for i := 0; i < len(s); {
		if !isHex(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && (isHex(s[j]) || s[j] == '-') {
			j++
		}
		end := j
		for end > i && s[end-1] == '-' {
			end--
		}
		if idLike(s[i:end]) && (i == 0 || !isAlnum(s[i-1])) && (j == len(s) || !isAlnum(s[j])) {
			out = append(out, [2]int{i, end})
		}
		i = j
	}
	return out
}

func idLike(run string) bool {
	groups := strings.Split(run, "-")
	if len(groups) < 4 {
		return false
	}
	for _, g := range groups {
		if len(g) < 4 || len(g) > 12 {
			return false
		}
	}
	return true
}

func hasDigits(s string, n int) bool {
	c := 0
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			if c++; c >= n {
				return true
			}
		}
	}
	return false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isHex(c byte) bool   { return isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'f') }
func isAlnum(c byte) bool { return isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'z') }

// Quoted drops the values a decoder or parser quoted from its input ("..." in the messages of
// time.Parse, strconv, encoding/json and go-json-experiment): each becomes "[redacted]". Only
// JSON pointers ("/data/3/birthDate"), which name a place and not a value, are kept, when they
// hold no run of four digits. A quote that is never closed masks the rest of s.
func Quoted(s string) string {
	if !strings.Contains(s, `"`) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for {
		open := strings.IndexByte(s, '"')
		if open < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:open+1])
		s = s[open+1:]
		end := closingQuote(s)
		if end < 0 {
			b.WriteString(Mask)
			return b.String()
		}
		if inner := s[:end]; keepQuoted(inner) {
			b.WriteString(inner)
		} else {
			b.WriteString(Mask)
		}
		b.WriteByte('"')
		s = s[end+1:]
	}
}

// closingQuote returns the index of the first '"' in s not escaped by a backslash, or -1.
func closingQuote(s string) int {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return -1
}

func keepQuoted(s string) bool {
	if s == "" {
		return true
	}
	if s[0] != '/' || len(s) > 200 {
		return false
	}
	run := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isAlnum(c) && !strings.ContainsRune("/_.~-", rune(c)) {
			return false
		}
		if isDigit(c) {
			if run++; run >= 4 {
				return false
			}
		} else {
			run = 0
		}
	}
	return true
}

// safeParams are query parameters whose values say how a listing is shaped, never who it is
// about; their values are kept in redacted URLs (after PersonalNumbers). Every other value is
// masked: filters can carry names, logins and identity numbers, and continuation parameters
// carry page tokens or bookmarks that encode the last record's sort key.
var safeParams = map[string]bool{
	"limit": true, "offset": true, "per_page": true, "pagesize": true, "page_size": true,
	"expand": true, "expandreferencenames": true, "include": true, "include[]": true,
	"sort": true, "sortkey": true, "order": true, "orderby": true,
	"state[]": true, "workflow_state[]": true, "enrollment_state": true, "type": true, "type[]": true,
	"role[]": true, "enrollment_type": true, "rolle": true, "rollen": true, "personenstatus": true,
	"schooltype": true, "schooltypes": true, "grouptype": true, "dutyrole": true, "typ": true,
	"sichtfreigabe": true, "recursive": true, "show_inherited": true, "with_enrollments": true,
	"published": true, "completed": true, "import_type": true, "batch_mode": true,
	"after": true, "created_since": true, "created_before": true, "startdate": true, "enddate": true,
}

// safeParam reports whether the values of query parameter name may be shown. "page" is shown
// only when it is a page number (Canvas puts bookmarks there).
func safeParam(name, value string) bool {
	n := strings.ToLower(name)
	switch {
	case safeParams[n]:
		return true
	case n == "page":
		return value != "" && len(value) <= 9 && digitRun(value) == len(value)
	case strings.HasPrefix(n, "meta."), strings.HasSuffix(n, ".onorafter"), strings.HasSuffix(n, ".onorbefore"):
		return true // date filters
	}
	return false
}

// URL renders u for a log line or an error message: scheme and host, then Path. It is for
// people to read, not a URL to request: the masks are not escaped.
func URL(u *url.URL) string {
	if u == nil {
		return ""
	}
	var b strings.Builder
	if u.Scheme != "" {
		b.WriteString(Printable(u.Scheme, 16))
		b.WriteString("://")
	}
	b.WriteString(Printable(u.Host, 256))
	b.WriteString(Path(u))
	return b.String()
}

// Path renders the path and query of u redacted: user info and fragment are left out; identity
// numbers, e-mail addresses and logins in the path are masked, and so is the segment after one
// named for a secret or an identity number (/personnummer/...); of the query only the parameter
// names and the values of shape parameters (limit, per_page, expand, ...) are kept.
func Path(u *url.URL) string {
	if u == nil {
		return ""
	}
	if u.Opaque != "" {
		return Mask
	}
	var b strings.Builder
	segs := strings.Split(u.Path, "/")
	for i, seg := range segs {
		if i > 0 {
			b.WriteByte('/')
		}
		b.WriteString(segment(seg, i > 0 && IsSensitiveName(segs[i-1])))
	}
	if u.RawQuery != "" {
		b.WriteByte('?')
		b.WriteString(query(u.RawQuery))
	}
	return b.String()
}

// segment redacts one path segment.
func segment(seg string, afterSensitive bool) string {
	if seg == "" {
		return ""
	}
	if afterSensitive || strings.ContainsRune(seg, '@') {
		return Mask
	}
	// Canvas-style references to persons: sis_user_id:..., sis_login_id:..., sis_integration_id:...
	if k, _, ok := strings.Cut(seg, ":"); ok {
		kl := strings.ToLower(k)
		if strings.Contains(kl, "user") || strings.Contains(kl, "login") || strings.Contains(kl, "integration") || IsSensitiveName(kl) {
			return Printable(k, 64) + ":" + Mask
		}
	}
	return Printable(PersonalNumbers(seg), 256)
}

func query(raw string) string {
	q, err := url.ParseQuery(raw)
	if err != nil {
		return Mask
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		for _, v := range q[k] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(Printable(PersonalNumbers(k), 64))
			b.WriteByte('=')
			if safeParam(k, v) && !IsSensitiveName(k) {
				b.WriteString(Printable(PersonalNumbers(v), 64))
			} else {
				b.WriteString(Mask)
			}
		}
	}
	return b.String()
}

// Printable makes text from the network safe for a log line or an error message: invalid UTF-8
// becomes U+FFFD, control characters (which could forge log lines or move a terminal's cursor)
// become spaces, and text longer than max bytes is cut on a character boundary to at most max
// bytes, followed by "…" (three bytes more) marking the cut. max <= 0 means no cap.
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

// MinSecret is the length below which a value is not treated as a secret: no real credential is
// that short, and masking every occurrence of a two-letter word would make messages unreadable.
const MinSecret = 6

// maxRecent is how many of the most recent rotating secrets (access and refresh tokens) Secrets
// remembers: the current ones and a few before them, which a slow server may still echo.
const maxRecent = 8

// Secrets is the set of one client's credentials (static tokens, API keys, Basic passwords and
// the tokens its token source handed out) that Scrub removes from text. It is safe for
// concurrent use; the zero value is empty.
type Secrets struct {
	mu     sync.RWMutex
	fixed  []string
	recent []string // oldest first
}

// Add remembers credentials that stay for the client's life (API keys, passwords).
func (s *Secrets) Add(values ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range values {
		for _, f := range forms(v) {
			if !slices.Contains(s.fixed, f) {
				s.fixed = append(s.fixed, f)
			}
		}
	}
}

// AddRecent remembers a rotating credential (an access or refresh token); only the most recent
// few are kept.
func (s *Secrets) AddRecent(v string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range forms(v) {
		if slices.Contains(s.recent, f) || slices.Contains(s.fixed, f) {
			continue
		}
		s.recent = append(s.recent, f)
		if len(s.recent) > maxRecent*2 {
			s.recent = slices.Delete(s.recent, 0, len(s.recent)-maxRecent*2)
		}
	}
}

// forms returns v and its escaped forms, as a server may echo them.
func forms(v string) []string {
	if len(v) < MinSecret {
		return nil
	}
	out := []string{v}
	for _, e := range []string{url.QueryEscape(v), url.PathEscape(v)} {
		if !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	return out
}

// Scrub replaces every credential Secrets knows in text with Mask. Longer credentials are
// replaced first, so one that contains another is masked whole.
func (s *Secrets) Scrub(text string) string {
	if s == nil {
		return text
	}
	s.mu.RLock()
	all := make([]string, 0, len(s.fixed)+len(s.recent))
	all = append(all, s.fixed...)
	all = append(all, s.recent...)
	s.mu.RUnlock()
	slices.SortFunc(all, func(a, b string) int { return len(b) - len(a) })
	for _, v := range all {
		if strings.Contains(text, v) {
			text = strings.ReplaceAll(text, v, Mask)
		}
	}
	return text
}
