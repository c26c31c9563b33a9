// Package idnum checks national identity numbers: Swedish personnummer and samordningsnummer
// and Norwegian fødselsnummer. Clients validate with it and synth generates numbers that pass
// it, so there is one definition of "valid" in edusync.
package idnum

import (
	"errors"
	"strings"
	"time"
)

// Swedish is a parsed Swedish personnummer or samordningsnummer.
type Swedish struct {
	// Digits holds the twelve digits YYYYMMDDNNNC (for a samordningsnummer the day is 60 higher).
	Digits string
	// Coordination is true for a samordningsnummer.
	Coordination bool
	// BirthDate is the date the number encodes.
	BirthDate time.Time
}

// Errors returned by ParseSwedish. They never contain the number itself.
var (
	ErrFormat     = errors.New("not a Swedish personal number (YYYYMMDD-NNNN, YYMMDD-NNNN or YYMMDD+NNNN)")
	ErrDate       = errors.New("personal number has an impossible birth date")
	ErrCheckDigit = errors.New("personal number has a wrong check digit")
)

// ParseSwedish accepts the forms in use: 12 digits with or without '-', and 10 digits with '-',
// '+' (born over 100 years before ref) or no separator. Two-digit years resolve to the latest
// century that does not put the birth date after ref (minus 100 years for '+').
func ParseSwedish(s string, ref time.Time) (Swedish, error) {
	s = strings.TrimSpace(s)
	sep := byte(0)
	var digits []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digits = append(digits, c)
		case (c == '-' || c == '+') && sep == 0 && (len(digits) == 6 || len(digits) == 8) && len(s)-i-1 == 4:
			sep = c
		default:
			return Swedish{}, ErrFormat
		}
	}
	var full string
	switch len(digits) {
	case 12:
		if sep == '+' {
			return Swedish{}, ErrFormat
		}
		full = string(digits)
	case 10:
		yy := int(digits[0]-'0')*10 + int(digits[1]-'0')
		cut := ref.Year()
		if sep == '+' {
			cut -= 100
		}
		century := cut / 100 * 100
		year := century + yy
		if year > cut {
			year -= 100
		}
		full = itoa4(year) + string(digits[2:])
	default:
		return Swedish{}, ErrFormat
	}
	year := atoi(full[0:4])
	month := atoi(full[4:6])
	day := atoi(full[6:8])
	coord := false
	if day > 60 {
		coord = true
		day -= 60
	}
	d := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	if month < 1 || month > 12 || day < 1 || d.Month() != time.Month(month) || d.Day() != day {
		return Swedish{}, ErrDate
	}
	if LuhnDigit(full[2:11]) != full[11] {
		return Swedish{}, ErrCheckDigit
	}
	return Swedish{Digits: full, Coordination: coord, BirthDate: d}, nil
}

// ValidSwedish reports whether s is a valid personnummer or samordningsnummer.
func ValidSwedish(s string) bool {
	_, err := ParseSwedish(s, time.Now())
	return err == nil
}

// LuhnDigit returns the check digit ('0'-'9') that completes the digits of s under the Luhn
// algorithm as Swedish personal numbers use it (weights 2,1,2,1,... from the left of the nine digits).
func LuhnDigit(s string) byte {
	sum := 0
	for i := 0; i < len(s); i++ {
		d := int(s[i] - '0')
		if i%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return byte('0' + (10-sum%10)%10)
}

// ValidNorwegian reports whether s is an 11-digit fødselsnummer (or D-number) with a possible
// birth date and both mod-11 check digits right.
func ValidNorwegian(s string) bool {
	if len(s) != 11 {
		return false
	}
	for i := 0; i < 11; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	day, month := atoi(s[0:2]), atoi(s[2:4])
	if day > 40 { // D-number
		day -= 40
	}
	if month > 40 { // synthetic test numbers (Skatteetaten's "syntetiske")
		month -= 80
		if month < 1 {
			month += 40
		}
	}
	if day < 1 || day > 31 || month < 1 || month > 12 {
		return false
	}
	k1, k2 := NorwegianCheckDigits(s[:9])
	return k1 >= 0 && k2 >= 0 && int(s[9]-'0') == k1 && int(s[10]-'0') == k2
}

// NorwegianCheckDigits computes the two mod-11 check digits for the first nine digits of a
// fødselsnummer; -1 means no valid digit exists (that individual number is not used).
func NorwegianCheckDigits(nine string) (int, int) {
	w1 := []int{3, 7, 6, 1, 8, 9, 4, 5, 2}
	w2 := []int{5, 4, 3, 2, 7, 6, 5, 4, 3, 2}
	sum := 0
	for i := 0; i < 9; i++ {
		sum += int(nine[i]-'0') * w1[i]
	}
	k1 := (11 - sum%11) % 11
	if k1 == 10 {
		return -1, -1
	}
	sum = 0
	ten := nine + string(byte('0'+k1))
	for i := 0; i < 10; i++ {
		sum += int(ten[i]-'0') * w2[i]
	}
	k2 := (11 - sum%11) % 11
	if k2 == 10 {
		return k1, -1
	}
	return k1, k2
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

func itoa4(n int) string {
	b := []byte{'0', '0', '0', '0'}
	for i := 3; i >= 0; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b)
}
