package fsrules

import (
	"fmt"
	"strconv"
	"time"
	_ "time/tzdata" // Europe/Oslo must be known on hosts without a zone database (containers)
)

// oslo is Norway's zone. The zone database is embedded (time/tzdata), so loading it cannot fail
// on any host; if a broken build left it out, every function of the package would be wrong, so
// the package refuses to start instead.
var oslo = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		panic("fsrules: the Europe/Oslo zone is missing from the embedded zone database: " + err.Error())
	}
	return loc
}()

// Oslo returns the Europe/Oslo time zone, in which FS counts its days.
func Oslo() *time.Location { return oslo }

// Date is a calendar day in Norway, without a time or zone: what FS records as
// kunngjøringsdato, datoBegrunnelseBedtOm, datoBegrunnelseGitt or a klagefrist. The zero Date
// means "no date".
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// NewDate returns the Date for year, month and day. It does not normalise; Valid tells whether
// the parts name a real day.
func NewDate(year int, month time.Month, day int) Date { return Date{year, month, day} }

// DateOf returns the day in Norway on which the instant t falls (the calendar date of t in
// Europe/Oslo, whatever t's own location).
func DateOf(t time.Time) Date {
	y, m, d := t.In(oslo).Date()
	return Date{y, m, d}
}

// ParseDate parses a day written YYYY-MM-DD, as FS's JSON writes its dates. Anything else, or a
// day that does not exist (2026-02-29), is an error.
func ParseDate(s string) (Date, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return Date{}, fmt.Errorf("fsrules: date %s is not YYYY-MM-DD", printable(s))
	}
	num := func(s string) (int, bool) {
		n := 0
		for i := 0; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return 0, false
			}
			n = n*10 + int(s[i]-'0')
		}
		return n, true
	}
	y, ok1 := num(s[0:4])
	m, ok2 := num(s[5:7])
	d, ok3 := num(s[8:10])
	if !ok1 || !ok2 || !ok3 {
		return Date{}, fmt.Errorf("fsrules: date %s is not YYYY-MM-DD", printable(s))
	}
	date := Date{y, time.Month(m), d}
	if !date.Valid() {
		return Date{}, fmt.Errorf("fsrules: date %s does not exist", printable(s))
	}
	return date, nil
}

// printable returns s quoted for an error message when it looks like an attempt at a date
// (at most 32 bytes of digits and separators, no run of more than four digits, so it cannot
// carry a personal number or forge a log line), and only its length otherwise.
func printable(s string) string {
	if len(s) > 32 {
		return "(more than 32 bytes)"
	}
	run := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			run++
		case c == '-' || c == '.' || c == '/' || c == ':' || c == ' ' || c == 'T' || c == 'Z' || c == '+':
			run = 0
		default:
			run = 5
		}
		if run > 4 {
			return fmt.Sprintf("(%d bytes)", len(s))
		}
	}
	return strconv.Quote(s)
}

// IsZero reports whether d is the zero Date ("no date").
func (d Date) IsZero() bool { return d == Date{} }

// Valid reports whether d names a real day between the years 1 and 9999.
func (d Date) Valid() bool {
	if d.Year < 1 || d.Year > 9999 {
		return false
	}
	y, m, dd := time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC).Date()
	return y == d.Year && m == d.Month && dd == d.Day
}

// AddDays returns the day n calendar days after d (before it for negative n). Calendar days
// are counted on the calendar, so daylight-saving changes do not move the result.
func (d Date) AddDays(n int) Date {
	y, m, dd := time.Date(d.Year, d.Month, d.Day+n, 12, 0, 0, 0, time.UTC).Date()
	return Date{y, m, dd}
}

// Compare returns -1, 0 or +1 as d is before, equal to or after e.
func (d Date) Compare(e Date) int {
	switch {
	case d.Year != e.Year:
		return sign(d.Year - e.Year)
	case d.Month != e.Month:
		return sign(int(d.Month) - int(e.Month))
	}
	return sign(d.Day - e.Day)
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

// Before reports whether d is an earlier day than e.
func (d Date) Before(e Date) bool { return d.Compare(e) < 0 }

// After reports whether d is a later day than e.
func (d Date) After(e Date) bool { return d.Compare(e) > 0 }

// Start returns the first instant of d in Norway: midnight in Europe/Oslo. Norway changes
// its clocks at 02:00 and 03:00, so midnight always exists and a day is 23, 24 or 25 hours
// long.
func (d Date) Start() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, oslo) }

// End returns the exclusive end of d: the first instant of the following day in Norway
// (midnight in Europe/Oslo). An instant t falls on d exactly when !t.Before(d.Start()) &&
// t.Before(d.End()).
func (d Date) End() time.Time { return d.AddDays(1).Start() }

// String returns d as YYYY-MM-DD, or "" for the zero Date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// MarshalText encodes d as YYYY-MM-DD ("" for the zero Date).
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText decodes YYYY-MM-DD; the empty string gives the zero Date.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}
