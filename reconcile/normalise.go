package reconcile

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Fold returns the form in which names are compared: canonically decomposed (a precomposed "ü"
// and "u" followed by a combining diaeresis become the same), lower case with full folding of
// "ß" to "ss", dashes of every kind and runs of white space reduced to one space, apostrophe
// variants unified, invisible characters (soft hyphen, zero-width space) dropped. Diacritics are
// kept: "Müller" and "Muller" stay different. Fold("MÜLLER") == Fold("Müller").
//
// The decomposition covers the Latin letters of Nordic, German and other European names
// (Latin-1 Supplement, Latin Extended-A, Romanian comma-below letters, the ångström sign).
// Letters outside it are compared as written.
func Fold(s string) string {
	if isFolded(s) {
		return s
	}
	pendingSpace := false
	marksFrom := -1 // start of a run of combining marks in buf, for canonical ordering
	buf := make([]byte, 0, len(s)+8)
	write := func(r rune) {
		if pendingSpace {
			buf = append(buf, ' ')
			pendingSpace = false
		}
		if isCombiningMark(r) {
			if marksFrom < 0 {
				marksFrom = len(buf)
			}
			buf = utf8.AppendRune(buf, r)
			return
		}
		if marksFrom >= 0 {
			sortMarks(buf[marksFrom:])
			marksFrom = -1
		}
		buf = utf8.AppendRune(buf, r)
	}
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf && r != '-' && r != '`' && !unicode.IsSpace(r):
			write(unicode.ToLower(r))
		case isSeparator(r):
			if len(buf) > 0 {
				pendingSpace = true
			}
		case isInvisible(r):
		case isApostrophe(r):
			write('\'')
		case r == 'ß' || r == 'ẞ':
			write('s')
			write('s')
		case r == 'ς':
			write('σ')
		default:
			if d, ok := decompose[r]; ok {
				write(unicode.ToLower(d.base))
				write(d.mark)
				continue
			}
			if r == utf8.RuneError || unicode.IsControl(r) {
				continue
			}
			write(unicode.ToLower(r))
		}
	}
	if marksFrom >= 0 {
		sortMarks(buf[marksFrom:])
	}
	return string(buf)
}

// isFolded reports whether s is already in folded form and entirely plain ASCII, so Fold can
// return it without allocating: the common case for keys and many names.
func isFolded(s string) bool {
	if s == "" {
		return true
	}
	if s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	prevSpace := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= utf8.RuneSelf, c >= 'A' && c <= 'Z', c == '-', c == '`', c < ' ', c == 0x7f:
			return false
		case c == ' ':
			if prevSpace {
				return false
			}
			prevSpace = true
		default:
			prevSpace = false
		}
	}
	return true
}

func isSeparator(r rune) bool {
	switch r {
	case '-', '\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2015', '\u2212', '\ufe63', '\uff0d':
		return true
	}
	return unicode.IsSpace(r)
}

func isInvisible(r rune) bool {
	switch r {
	case '\u00ad', '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff':
		return true
	}
	return false
}

func isApostrophe(r rune) bool {
	switch r {
	case '`', '\u00b4', '\u2018', '\u2019', '\u201b', '\u02bc', '\u02b9', '\u2032':
		return true
	}
	return false
}

func isCombiningMark(r rune) bool { return r >= 0x0300 && r <= 0x036f }

// combiningClass approximates the canonical combining class of the marks in U+0300..U+036F,
// enough to put a run of marks written in different orders into one order.
func combiningClass(r rune) int {
	switch {
	case r == 0x0327 || r == 0x0328:
		return 202
	case r == 0x031b:
		return 216
	case (r >= 0x0316 && r <= 0x0319) || (r >= 0x031c && r <= 0x0320) || (r >= 0x0323 && r <= 0x0326) || (r >= 0x0329 && r <= 0x0333):
		return 220
	}
	return 230
}

// sortMarks orders a run of UTF-8 encoded combining marks (each two bytes) by combining class,
// keeping the written order within a class, as canonical ordering does.
func sortMarks(run []byte) {
	if len(run) <= 2 {
		return
	}
	marks := make([]rune, 0, len(run)/2)
	for i := 0; i < len(run); {
		r, n := utf8.DecodeRune(run[i:])
		marks = append(marks, r)
		i += n
	}
	slices.SortStableFunc(marks, func(a, b rune) int { return combiningClass(a) - combiningClass(b) })
	out := run[:0]
	for _, r := range marks {
		out = utf8.AppendRune(out, r)
	}
}

type decomposition struct{ base, mark rune }

// decompose maps precomposed letters to base letter and combining mark.
var decompose = func() map[rune]decomposition {
	byMark := []struct {
		mark          rune
		letters, base string
	}{
		{0x0300, "ÀÈÌÒÙàèìòùǸǹ", "AEIOUaeiouNn"},
		{0x0301, "ÁÉÍÓÚÝáéíóúýĆćĹĺŃńŔŕŚśŹźǴǵ", "AEIOUYaeiouyCcLlNnRrSsZzGg"},
		{0x0302, "ÂÊÎÔÛâêîôûĈĉĜĝĤĥĴĵŜŝŴŵŶŷ", "AEIOUaeiouCcGgHhJjSsWwYy"},
		{0x0303, "ÃÑÕãñõĨĩŨũ", "ANOanoIiUu"},
		{0x0304, "ĀāĒēĪīŌōŪūȲȳ", "AaEeIiOoUuYy"},
		{0x0306, "ĂăĔĕĞğĬĭŎŏŬŭ", "AaEeGgIiOoUu"},
		{0x0307, "ĊċĖėĠġİŻżȦȧȮȯ", "CcEeGgIZzAaOo"},
		{0x0308, "ÄËÏÖÜäëïöüÿŸ", "AEIOUaeiouyY"},
		{0x030a, "ÅåŮů\u212b", "AaUuA"},
		{0x030b, "ŐőŰű", "OoUu"},
		{0x030c, "ČčĎďĚěĽľŇňŘřŠšŤťŽžǍǎǏǐǑǒǓǔǦǧǨǩǰȞȟ", "CcDdEeLlNnRrSsTtZzAaIiOoUuGgKkjHh"},
		{0x0326, "ȘșȚț", "SsTt"},
		{0x0327, "ÇçĢģĶķĻļŅņŖŗŞşŢţȨȩ", "CcGgKkLlNnRrSsTtEe"},
		{0x0328, "ĄąĘęĮįŲųǪǫ", "AaEeIiUuOo"},
	}
	m := make(map[rune]decomposition, 256)
	for _, g := range byMark {
		letters, bases := []rune(g.letters), []rune(g.base)
		for i, r := range letters {
			m[r] = decomposition{base: bases[i], mark: g.mark}
		}
	}
	m['\u212a'] = decomposition{base: 'K'} // Kelvin sign: a plain K
	return m
}()

// foldGivenNames folds a list of given names and puts them in a fixed order, so "Anna Maria",
// "Maria Anna" and "anna-maria" compare equal.
func foldGivenNames(s string) string {
	f := Fold(s)
	if strings.IndexByte(f, ' ') < 0 {
		return f
	}
	tokens := strings.Split(f, " ")
	if slices.IsSorted(tokens) {
		return f
	}
	slices.Sort(tokens)
	return strings.Join(tokens, " ")
}

// givenNamesCompatible reports whether one folded, sorted list of given names contains the
// other (a source that stores only the first or call name against one with all names).
func givenNamesCompatible(a, b string) bool {
	if a == b {
		return true
	}
	if a == "" || b == "" {
		return false
	}
	if strings.Count(a, " ") > strings.Count(b, " ") {
		a, b = b, a
	}
	for tok := range strings.SplitSeq(a, " ") {
		if !containsToken(b, tok) {
			return false
		}
	}
	return true
}

// containsToken reports whether the space-separated list s contains tok as a whole word.
func containsToken(s, tok string) bool {
	for {
		i := strings.Index(s, tok)
		if i < 0 {
			return false
		}
		end := i + len(tok)
		if (i == 0 || s[i-1] == ' ') && (end == len(s) || s[end] == ' ') {
			return true
		}
		s = s[i+1:]
	}
}

// PlaceRules say which birth places are the same place written differently. Places are folded
// like names; a trailing ", <country>" naming one of DefaultCountries is dropped ("Erfurt" equals
// "Erfurt, Deutschland"); Aliases then map whole folded places to one spelling ("goteborg" to
// "göteborg"). The zero value treats Deutschland as the default country, as Schulconnex does.
type PlaceRules struct {
	DefaultCountries []string          `json:"defaultCountries,omitempty"`
	Aliases          map[string]string `json:"aliases,omitempty"`
}

// placeNormaliser is PlaceRules prepared for use: countries and aliases folded once.
type placeNormaliser struct {
	countries map[string]bool
	aliases   map[string]string
}

func (r PlaceRules) prepare() placeNormaliser {
	countries := r.DefaultCountries
	if countries == nil {
		countries = []string{"Deutschland"}
	}
	n := placeNormaliser{countries: make(map[string]bool, len(countries))}
	for _, c := range countries {
		n.countries[Fold(c)] = true
	}
	if len(r.Aliases) > 0 {
		n.aliases = make(map[string]string, len(r.Aliases))
		for k, v := range r.Aliases {
			n.aliases[n.stripCountry(Fold(k))] = n.stripCountry(Fold(v))
		}
	}
	return n
}

// Normalise returns the comparison form of a birth place under these rules.
func (r PlaceRules) Normalise(place string) string {
	p := r.prepare()
	return p.normalise(place)
}

func (n placeNormaliser) normalise(place string) string {
	f := n.stripCountry(Fold(place))
	if a, ok := n.aliases[f]; ok {
		return a
	}
	return f
}

func (n placeNormaliser) stripCountry(f string) string {
	if strings.IndexByte(f, ',') < 0 {
		return f
	}
	var parts []string
	for part := range strings.SplitSeq(f, ",") {
		if part = strings.TrimSpace(part); part != "" {
			parts = append(parts, part)
		}
	}
	for len(parts) > 1 && n.countries[parts[len(parts)-1]] {
		parts = parts[:len(parts)-1]
	}
	// Rejoining with one form of separator makes "Eindhoven,Niederlande" equal "Eindhoven, Niederlande".
	return strings.Join(parts, ", ")
}
