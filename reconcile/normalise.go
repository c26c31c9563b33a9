package reconcile

import (
	"maps"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Fold returns the form in which names and places are compared. It follows Unicode's
// compatibility caseless matching: compatibility decomposition (NFKD), so a precomposed "ü" and
// "u" with a combining diaeresis, or the ligature "ﬀ" and "ff", become the same; full case
// folding ("MÜLLER" and "Müller", "STRASSE" and "Straße"); and the result composed again (NFC).
// Beyond Unicode, dashes of every kind and runs of white space become one space (so hyphenated
// and spaced double names compare equal), apostrophe variants become "'", and invisible format
// characters (soft hyphen, zero-width space, direction marks) and control characters are
// dropped. Diacritics are kept: "Müller" and "Muller" stay different, as do "Åsa" and "Asa".
func Fold(s string) string {
	if isFolded(s) {
		return s
	}
	if f, ok := foldSimple(s); ok {
		return f
	}
	return foldGeneral(s)
}

// foldGeneral is Fold for any string.
func foldGeneral(s string) string {
	// Apostrophes first: compatibility decomposition would turn the acute accent U+00B4, often
	// typed for one, into a space and a combining mark.
	s = strings.Map(func(r rune) rune {
		if isApostrophe(r) {
			return '\''
		}
		return r
	}, s)
	s = norm.NFKD.String(caseFold(norm.NFKD.String(caseFold(norm.NFD.String(s)))))
	buf := make([]byte, 0, len(s))
	pendingSpace := false
	for _, r := range s {
		switch {
		case isSeparator(r):
			pendingSpace = len(buf) > 0
		case r == utf8.RuneError, unicode.IsControl(r), isInvisible(r):
		default:
			if pendingSpace {
				buf = append(buf, ' ')
				pendingSpace = false
			}
			if isApostrophe(r) { // again: decomposition makes some ("ŉ" holds one)
				r = '\''
			}
			buf = utf8.AppendRune(buf, r)
		}
	}
	return norm.NFC.String(string(buf))
}

// caseFold applies full case folding: the letters that fold to two (ß, ẞ and the capital I
// with dot above) and otherwise each letter's lower case, reached through its upper case so
// that variants such as the long s, the final sigma or the Kelvin sign fold with their letter.
// The Turkish dotless ı has no case partner of its own and stays.
func caseFold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch r {
		case 'ß', 'ẞ':
			b.WriteString("ss")
		case '\u0130':
			b.WriteString("i\u0307")
		case 'ı':
			b.WriteRune(r)
		default:
			b.WriteRune(unicode.ToLower(unicode.ToUpper(r)))
		}
	}
	return b.String()
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

// foldSimple is Fold for the strings most names are: ASCII and the precomposed letters of
// Latin-1 and Latin Extended-A, where normalisation and case folding come down to lower-casing
// each letter. It reports false for anything else (combining marks, other scripts, letters with
// compatibility forms or special foldings), which takes the general path.
func foldSimple(s string) (string, bool) {
	buf := make([]byte, 0, len(s))
	pendingSpace := false
	for _, r := range s {
		switch {
		case r == '-' || r == ' ' || (r >= '\t' && r <= '\r'):
			pendingSpace = len(buf) > 0
			continue
		case r < ' ' || r == 0x7f:
			continue
		case r >= utf8.RuneSelf && !simpleLetter(r):
			return "", false
		}
		if pendingSpace {
			buf = append(buf, ' ')
			pendingSpace = false
		}
		if r == '`' {
			r = '\''
		}
		buf = utf8.AppendRune(buf, unicode.ToLower(r))
	}
	return string(buf), true
}

// simpleLetter reports whether r is a letter of Latin-1 Supplement or Latin Extended-A whose
// compatibility caseless form is its own lower case, precomposed. Left out are the letters with
// compatibility decompositions (ĳ, ŀ, ŉ, ſ), those that fold to two letters or none of their own
// (ß, İ, ı) and the two symbols × and ÷.
func simpleLetter(r rune) bool {
	if r < 0xc0 || r > 0x17f {
		return false
	}
	switch r {
	case 0xd7, 0xf7, 0xdf, 0x130, 0x131, 0x132, 0x133, 0x13f, 0x140, 0x149, 0x17f:
		return false
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

// isInvisible reports format characters (soft hyphen, zero-width space and joiners, direction
// marks, byte order mark, ...) and the combining grapheme joiner: characters that do not show
// and must not make two names differ.
func isInvisible(r rune) bool {
	return r == '\u034f' || unicode.Is(unicode.Cf, r)
}

func isApostrophe(r rune) bool {
	switch r {
	case '`', '\u00b4', '\u2018', '\u2019', '\u201b', '\u02bc', '\u02b9', '\u2032', '\uff07':
		return true
	}
	return false
}

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
// "göteborg"); finally Func, if set, has the last word. The zero value treats Deutschland as the
// default country, as Schulconnex does.
type PlaceRules struct {
	// DefaultCountries are the countries a trailing ", <country>" may name and be dropped; nil
	// means Deutschland alone.
	DefaultCountries []string `json:"defaultCountries,omitempty"`
	// Aliases map places (compared folded, default country dropped) to the spelling they are
	// compared as; chains are followed.
	Aliases map[string]string `json:"aliases,omitempty"`
	// Func plugs in a normaliser of the host's own, for rules that data cannot express (a
	// gazetteer, "Frankfurt a. M." and "Frankfurt am Main", districts of a city). It receives
	// the place in comparison form (folded, default country dropped, aliases applied); its
	// result is folded and looked up in the aliases again. It must be deterministic,
	// idempotent (applied to its own result it changes nothing) and safe for concurrent use. Planning
	// cannot look into a function, so the inputs fingerprint covers it only through FuncID:
	// change FuncID whenever the function's behaviour changes.
	Func func(place string) string `json:"-"`
	// FuncID names the version of Func, for the inputs fingerprint.
	FuncID string `json:"funcId,omitempty"`
}

// placeNormaliser is PlaceRules prepared for use: countries and aliases folded once.
type placeNormaliser struct {
	countries map[string]bool
	aliases   map[string]string
	fn        func(string) string
}

func (r PlaceRules) prepare() placeNormaliser {
	countries := r.DefaultCountries
	if countries == nil {
		countries = []string{"Deutschland"}
	}
	n := placeNormaliser{countries: make(map[string]bool, len(countries)), fn: r.Func}
	for _, c := range countries {
		n.countries[Fold(c)] = true
	}
	if len(r.Aliases) > 0 {
		n.aliases = make(map[string]string, len(r.Aliases))
		for k, v := range r.Aliases {
			n.aliases[n.stripCountry(Fold(k))] = n.stripCountry(Fold(v))
		}
		// Follow chains (a to b, b to c) to their end, so that normalising is idempotent; a
		// cycle ends at the alphabetically first place on it.
		orig := maps.Clone(n.aliases)
		for k, v := range orig {
			path := []string{k}
			for {
				next, ok := orig[v]
				if !ok || next == v {
					break
				}
				if at := slices.Index(path, v); at >= 0 {
					v = slices.Min(path[at:])
					break
				}
				path = append(path, v)
				v = next
			}
			n.aliases[k] = v
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
		f = a
	}
	if n.fn != nil && f != "" {
		f = n.stripCountry(Fold(n.fn(f)))
		// The function's result may be a spelling the aliases name: two places the function
		// makes equal then stay equal however the aliases spell them.
		if a, ok := n.aliases[f]; ok {
			f = a
		}
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
