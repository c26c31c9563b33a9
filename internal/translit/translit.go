// Package translit turns the letters of Nordic, German and other European names into ASCII
// (Åsa -> Asa, Jörg -> Joerg or Jorg, Ødegård -> Odegard, Strauß -> Strauss), for identifiers
// such as EPPNs and login names that must be ASCII.
package translit

import (
	"strings"
	"unicode"
)

// Style chooses how umlauts are written.
type Style int

const (
	// Plain drops diacritics: ä -> a, ö -> o, ü -> u (the Swedish and Norwegian convention).
	Plain Style = iota
	// German writes umlauts as two letters: ä -> ae, ö -> oe, ü -> ue.
	German
)

// special holds letters that do not decompose into ASCII plus a combining mark.
var special = map[rune]string{
	'ß': "ss", 'ẞ': "SS", 'æ': "ae", 'Æ': "AE", 'ø': "o", 'Ø': "O", 'œ': "oe", 'Œ': "OE",
	'ð': "d", 'Ð': "D", 'þ': "th", 'Þ': "TH", 'ł': "l", 'Ł': "L", 'đ': "d", 'Đ': "D",
	'ı': "i", 'ħ': "h", 'Ħ': "H", 'ŋ': "n", 'Ŋ': "N", 'ĸ': "k", 'ſ': "s", 'ŧ': "t", 'Ŧ': "T",
	'\u2019': "'", '\u2018': "'", '\u2010': "-", '\u2011': "-", '\u2013': "-", '\u2014': "-",
}

// base maps precomposed Latin letters (Latin-1 Supplement and Latin Extended-A) to their base letter.
var base = map[rune]rune{}

func init() {
	groups := map[rune]string{
		'a': "àáâãäåāăą", 'A': "ÀÁÂÃÄÅĀĂĄ", 'c': "çćĉċč", 'C': "ÇĆĈĊČ", 'd': "ď", 'D': "Ď",
		'e': "èéêëēĕėęě", 'E': "ÈÉÊËĒĔĖĘĚ", 'g': "ĝğġģ", 'G': "ĜĞĠĢ", 'h': "ĥ", 'H': "Ĥ",
		'i': "ìíîïĩīĭįİ", 'I': "ÌÍÎÏĨĪĬĮ", 'j': "ĵ", 'J': "Ĵ", 'k': "ķ", 'K': "Ķ",
		'l': "ĺļľŀ", 'L': "ĹĻĽĿ", 'n': "ñńņňŉ", 'N': "ÑŃŅŇ", 'o': "òóôõöōŏő", 'O': "ÒÓÔÕÖŌŎŐ",
		'r': "ŕŗř", 'R': "ŔŖŘ", 's': "śŝşš", 'S': "ŚŜŞŠ", 't': "ţť", 'T': "ŢŤ",
		'u': "ùúûüũūŭůűų", 'U': "ÙÚÛÜŨŪŬŮŰŲ", 'w': "ŵ", 'W': "Ŵ", 'y': "ýÿŷ", 'Y': "ÝŶŸ",
		'z': "źżž", 'Z': "ŹŻŽ",
	}
	for b, letters := range groups {
		for _, r := range letters {
			base[r] = b
		}
	}
}

var germanUmlaut = map[rune]string{'ä': "ae", 'ö': "oe", 'ü': "ue", 'Ä': "Ae", 'Ö': "Oe", 'Ü': "Ue"}

// ASCII transliterates s. Letters it cannot map are dropped; ASCII passes through unchanged.
func ASCII(s string, style Style) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r < 0x80:
			b.WriteRune(r)
		case style == German && germanUmlaut[r] != "":
			b.WriteString(germanUmlaut[r])
		case special[r] != "":
			b.WriteString(special[r])
		case base[r] != 0:
			b.WriteRune(base[r])
		case unicode.IsSpace(r):
			b.WriteByte(' ')
		}
	}
	return b.String()
}
