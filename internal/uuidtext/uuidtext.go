// Package uuidtext reads and writes UUIDs in their canonical text form (8-4-4-4-12 lower-case
// hexadecimal digits), the form SS 12000 and the other standards give their ids in, and makes
// random (version 4) ones. Parse is on the hot paths of fingerprinting and storing records, so
// it reads the digits through a table rather than strconv or a regular expression.
package uuidtext

import "crypto/rand"

// hexDigit maps the lower-case hexadecimal digits to their values and every other byte to 0xff.
var hexDigit = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for i, c := range "0123456789abcdef" {
		t[c] = byte(i)
	}
	return t
}()

// digitPairs are the offsets of the 16 digit pairs of a UUID in its 8-4-4-4-12 form.
var digitPairs = [16]uint8{0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34}

// Parse reads a 36-byte UUID in canonical lower-case form; ok is false for anything else
// (upper-case digits included, so that Append(Parse(s)) gives s back).
func Parse(s string) (u [16]byte, ok bool) {
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return u, false
	}
	var bad byte
	for i, p := range digitPairs {
		hi, lo := hexDigit[s[p]], hexDigit[s[p+1]]
		bad |= hi | lo
		u[i] = hi<<4 | lo
	}
	return u, bad&0xf0 == 0
}

// Append appends the 16 bytes u in canonical lower-case form.
func Append(b []byte, u []byte) []byte {
	const digits = "0123456789abcdef"
	for i, c := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b = append(b, '-')
		}
		b = append(b, digits[c>>4], digits[c&0xf])
	}
	return b
}

// Format returns u in canonical lower-case form.
func Format(u [16]byte) string { return string(Append(make([]byte, 0, 36), u[:])) }

// Random returns a random UUID (version 4).
func Random() string {
	var u [16]byte
	_, _ = rand.Read(u[:]) // crypto/rand.Read does not fail
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return Format(u)
}
