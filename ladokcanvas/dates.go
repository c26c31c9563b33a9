package ladokcanvas

import (
	"fmt"
	"time"

	"github.com/edusync/edusync/ladok"
)

// Ladok's dates are Swedish calendar days, sent as xs:date: YYYY-MM-DD, at times with a zone
// suffix (2026-09-14+02:00) that does not change which day is meant. ladok.Date.Time reads
// them; the helpers below put the day in Swedish time.

// swedishDay returns the moment the Swedish calendar day d starts.
func swedishDay(d string) (time.Time, error) {
	t, err := ladok.Date(d).Time()
	if err != nil || d == "" {
		return time.Time{}, fmt.Errorf("date %q is not YYYY-MM-DD", d)
	}
	y, m, dd := t.Date()
	return time.Date(y, m, dd, 0, 0, 0, 0, stockholm), nil
}

// day returns the date d names, without a zone suffix (YYYY-MM-DD); text that is no date is
// kept as it is.
func day(d string) string {
	t, err := swedishDay(d)
	if err != nil {
		return d
	}
	return t.Format(time.DateOnly)
}

// startOf and endOf turn a course's first and last day (the last inclusive) into Canvas times:
// the start of the first day and the last minute of the last, in Swedish time; the zero time
// when d is no date.
func startOf(d string) time.Time {
	t, _ := swedishDay(d)
	return t
}

func endOf(d string) time.Time {
	t, err := swedishDay(d)
	if err != nil {
		return time.Time{}
	}
	return t.AddDate(0, 0, 1).Add(-time.Minute)
}
