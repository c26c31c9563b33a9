package ladokcanvas

import (
	"testing"
	"time"
)

// TestSwedishDates reads the dates Ladok sends (xs:date, with or without a zone suffix, the
// open ends 0001-01-01 and 9999-12-31) as Swedish calendar days: the date kept, the moment
// the day starts (a course's start, a suspension's first day) and the last minute of the day
// (a course's inclusive end), across both changes of daylight saving time.
func TestSwedishDates(t *testing.T) {
	for _, c := range []struct {
		in         string
		day        string
		start, end string // UTC, RFC 3339; "" for the zero time
	}{
		{"2026-09-14", "2026-09-14", "2026-09-13T22:00:00Z", "2026-09-14T21:59:00Z"},
		{"2026-09-14+02:00", "2026-09-14", "2026-09-13T22:00:00Z", "2026-09-14T21:59:00Z"},
		{"2026-09-14Z", "2026-09-14", "2026-09-13T22:00:00Z", "2026-09-14T21:59:00Z"},
		{"2026-09-14-05:00", "2026-09-14", "2026-09-13T22:00:00Z", "2026-09-14T21:59:00Z"},
		{"2027-01-17", "2027-01-17", "2027-01-16T23:00:00Z", "2027-01-17T22:59:00Z"},
		{"2027-01-17+01:00", "2027-01-17", "2027-01-16T23:00:00Z", "2027-01-17T22:59:00Z"},
		{"2026-03-29", "2026-03-29", "2026-03-28T23:00:00Z", "2026-03-29T21:59:00Z"}, // clocks forward at 02:00
		{"2026-10-25", "2026-10-25", "2026-10-24T22:00:00Z", "2026-10-25T22:59:00Z"}, // clocks back at 03:00
		{"9999-12-31", "9999-12-31", "9999-12-30T23:00:00Z", "9999-12-31T22:59:00Z"},
		{"0001-01-01", "0001-01-01", "0000-12-31T22:47:48Z", "0001-01-01T22:46:48Z"}, // local mean time then
		{"", "", "", ""},
		{"2026-13-01", "2026-13-01", "", ""},
		{"2026-02-30", "2026-02-30", "", ""},
		{"14.09.2026", "14.09.2026", "", ""},
		{"2026-9-14", "2026-9-14", "", ""},
		{"the 14th of September", "the 14th of September", "", ""},
	} {
		if got := day(c.in); got != c.day {
			t.Errorf("day(%q) = %q, want %q", c.in, got, c.day)
		}
		start, err := swedishDay(c.in)
		if (err != nil) != (c.start == "") {
			t.Errorf("swedishDay(%q): error %v", c.in, err)
		}
		for _, x := range []struct {
			name string
			got  time.Time
			want string
		}{{"swedishDay", start, c.start}, {"startOf", startOf(c.in), c.start}, {"endOf", endOf(c.in), c.end}} {
			got := ""
			if !x.got.IsZero() {
				got = x.got.UTC().Format(time.RFC3339)
			}
			if got != x.want {
				t.Errorf("%s(%q) = %s, want %s", x.name, c.in, got, x.want)
			}
		}
	}
}
