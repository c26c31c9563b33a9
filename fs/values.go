package fs

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/edusync/edusync/fs/fsrules"
)

// Number is a number FS keeps as one (personlopenr, kandidatnr, kommisjonsid). Which JSON kind
// the services send it as is not documented, so both a JSON number and a string are read; it
// is kept as its text, leading zeros and all, and written as a string.
type Number string

// MaxNumber is the longest Number read: FS's numbers have a handful of digits, and a longer
// value is not one of them.
const MaxNumber = 64

var (
	errNumberKind   = errors.New("a number must be a JSON number or string")
	errNumberFormat = errors.New("a number sent as a JSON number must be a whole number")
	errNumberLength = errors.New("a number is longer than 64 bytes")
)

// UnmarshalJSON reads a JSON string or a whole JSON number; null leaves n as it was.
func (n *Number) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0:
		return errNumberKind
	case string(b) == "null":
		return nil
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if len(s) > MaxNumber {
			return errNumberLength
		}
		*n = Number(s)
		return nil
	case b[0] == '-' || (b[0] >= '0' && b[0] <= '9'):
		digits := b
		if digits[0] == '-' {
			digits = digits[1:]
		}
		if len(digits) == 0 || bytes.IndexFunc(digits, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
			return errNumberFormat
		}
		if len(b) > MaxNumber {
			return errNumberLength
		}
		*n = Number(b)
		return nil
	}
	return errNumberKind
}

// String returns the number's text.
func (n Number) String() string { return string(n) }

// Timestamp is an instant FS sends (sistEndret). FS's Java services write instants in more
// than one way, so several are read: RFC 3339 with or without fractions; the same without an
// offset (read as time in Norway) or with a space for the T or an offset without a colon;
// a bare day (its start in Norway); and a JSON number of milliseconds since 1970. It is
// written in RFC 3339.
type Timestamp struct{ time.Time }

// MaxTimestamp is the longest text read as a Timestamp.
const MaxTimestamp = 64

// ErrTimestamp is matched by the errors of ParseTimestamp.
var ErrTimestamp = errors.New("fs: not a time FS writes")

// layouts are the forms ParseTimestamp tries, those with an offset first.
var (
	zoned = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700", "2006-01-02 15:04:05.999999999Z07:00",
		"2006-01-02 15:04:05.999999999Z0700"}
	local = []string{"2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999", "2006-01-02T15:04"}
)

// ParseTimestamp reads an instant in any of the forms Timestamp reads (see there). The error
// never quotes s.
func ParseTimestamp(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > MaxTimestamp {
		return time.Time{}, ErrTimestamp
	}
	for _, l := range zoned {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	for _, l := range local {
		if t, err := time.ParseInLocation(l, s, fsrules.Oslo()); err == nil {
			return t, nil
		}
	}
	if d, err := fsrules.ParseDate(s); err == nil {
		return d.Start(), nil
	}
	return time.Time{}, ErrTimestamp
}

// maxMillis bounds a timestamp sent as milliseconds to the years 0 to 9999.
const maxMillis = 253402300799999

// UnmarshalJSON reads a JSON string (ParseTimestamp) or a number of milliseconds since 1970;
// null leaves t as it was.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		return nil
	case len(b) > 0 && b[0] == '"':
		var s string
		if len(b) > MaxTimestamp+2 || json.Unmarshal(b, &s) != nil {
			return ErrTimestamp
		}
		v, err := ParseTimestamp(s)
		if err != nil {
			return err
		}
		t.Time = v
		return nil
	}
	ms, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil || ms < -62135596800000 || ms > maxMillis {
		return ErrTimestamp
	}
	t.Time = time.UnixMilli(ms)
	return nil
}

// MarshalJSON writes RFC 3339 with fractions where there are any.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte(`""`), nil
	}
	return []byte(`"` + t.Format(time.RFC3339Nano) + `"`), nil
}

// UnmarshalText reads what ParseTimestamp reads; the empty text is the zero Timestamp.
func (t *Timestamp) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		t.Time = time.Time{}
		return nil
	}
	v, err := ParseTimestamp(string(b))
	if err != nil {
		return err
	}
	t.Time = v
	return nil
}

// MarshalText writes RFC 3339 ("" for the zero Timestamp).
func (t Timestamp) MarshalText() ([]byte, error) {
	if t.IsZero() {
		return nil, nil
	}
	return []byte(t.Format(time.RFC3339Nano)), nil
}
