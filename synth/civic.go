package synth

import (
	"time"

	"github.com/edusync/edusync/internal/idnum"
)

// ValidPersonnummer reports whether s is a valid Swedish personnummer or samordningsnummer:
// 12 digits (YYYYMMDDNNNC, with or without '-') or 10 digits (YYMMDD-NNNC, YYMMDD+NNNC), a
// real birth date (day + 60 for a samordningsnummer) and the right Luhn check digit.
func ValidPersonnummer(s string) bool { return idnum.ValidSwedish(s) }

// ValidFodselsnummer reports whether s is an 11-digit Norwegian fødselsnummer or D-number with
// a possible birth date and both mod-11 check digits right.
func ValidFodselsnummer(s string) bool { return idnum.ValidNorwegian(s) }

// LuhnDigit returns the check digit ('0'-'9') that completes digits under the Luhn algorithm as
// Swedish personal and organisation numbers use it (weights 2,1,2,... from the left; pass the
// nine digits YYMMDDNNN of a personnummer).
func LuhnDigit(digits string) byte { return idnum.LuhnDigit(digits) }

// epochDay is the first day the allocator can number (1 January 1900).
var epochDay = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)

// dayIndex returns the days from 1900-01-01 to d.
func dayIndex(d Date) int { return int(d.Time().Sub(epochDay).Hours() / 24) }

// civicAlloc hands out identity numbers that are unique within a population: for each birth
// day, sex and kind it walks a fixed permutation of the individual numbers, so numbers look
// random but never repeat. NextDay rebuilds it from the numbers in use (see rebuild).
type civicAlloc struct {
	country Country
	used    map[string]struct{} // numbers taken by an earlier population (NextDay only)
	count   map[uint32]uint16   // key: day index << 2 | sex bit << 1 | coordination bit
}

func newCivicAlloc(c Country) *civicAlloc {
	return &civicAlloc{country: c, count: make(map[uint32]uint16)}
}

// next returns a number for a person born on birth, or "" when every number of that day is
// taken (the caller moves the birth date).
func (a *civicAlloc) next(birth Date, sex Sex, coord bool) (string, CivicNoKind) {
	switch a.country {
	case Sweden:
		return a.swedish(birth, sex, coord)
	case Norway:
		return a.norwegian(birth, sex, coord)
	}
	return "", NoCivicNo
}

func (a *civicAlloc) key(birth Date, sex Sex, coord bool) (uint32, int) {
	di := dayIndex(birth)
	k := uint32(di) << 2
	if sex == Male {
		k |= 2
	}
	if coord {
		k |= 1
	}
	return k, di
}

func (a *civicAlloc) swedish(birth Date, sex Sex, coord bool) (string, CivicNoKind) {
	k, di := a.key(birth, sex, coord)
	kind := Personnummer
	day := birth.Day()
	if coord {
		kind = Samordningsnummer
		day += 60
	}
	// individual numbers 2k+parity for k in 1..499 (499 is prime, so mul·c+add mod 499 is a permutation)
	mul := 1 + (di*7919)%498
	add := (di * 31) % 499
	for {
		c := int(a.count[k])
		if c >= 499 {
			return "", NoCivicNo
		}
		a.count[k] = uint16(c + 1)
		n := 1 + (mul*c+add)%499
		indiv := 2 * n
		if sex == Male {
			indiv++
		}
		var b [12]byte
		put(b[0:4], birth.Year())
		put(b[4:6], int(birth.Month()))
		put(b[6:8], day)
		put(b[8:11], indiv)
		b[11] = idnum.LuhnDigit(string(b[2:11]))
		s := string(b[:])
		if a.used != nil {
			if _, taken := a.used[s]; taken {
				continue
			}
		}
		return s, kind
	}
}

func (a *civicAlloc) norwegian(birth Date, sex Sex, coord bool) (string, CivicNoKind) {
	k, di := a.key(birth, sex, coord)
	kind := Fodselsnummer
	day := birth.Day()
	if coord {
		kind = DNumber
		day += 40
	}
	base := 0 // individual numbers 000-499 for 1900-1999
	if birth.Year() >= 2000 {
		base = 500 // 500-999 for 2000-2039
	}
	mul := 1 + (di*7919)%250
	for mul%2 == 0 || mul%5 == 0 { // coprime with 250
		mul++
	}
	add := (di * 31) % 250
	for {
		c := int(a.count[k])
		if c >= 250 {
			return "", NoCivicNo
		}
		a.count[k] = uint16(c + 1)
		n := (mul*c + add) % 250
		indiv := base + 2*n
		if sex == Male {
			indiv++
		}
		var b [11]byte
		put(b[0:2], day)
		put(b[2:4], int(birth.Month()))
		put(b[4:6], birth.Year()%100)
		put(b[6:9], indiv)
		k1, k2 := idnum.NorwegianCheckDigits(string(b[:9]))
		if k1 < 0 || k2 < 0 {
			continue
		}
		b[9], b[10] = byte('0'+k1), byte('0'+k2)
		s := string(b[:])
		if a.used != nil {
			if _, taken := a.used[s]; taken {
				continue
			}
		}
		return s, kind
	}
}

// put writes n as len(b) decimal digits.
func put(b []byte, n int) {
	for i := len(b) - 1; i >= 0; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
}
