package synth

import (
	"testing"
	"time"
)

// TestDateArithmeticMatchesTime checks the integer calendar of Date.AddDays and Date.Sub
// against the time package for every day from 1899 to 2210 (leap years, centuries, 2000).
func TestDateArithmeticMatchesTime(t *testing.T) {
	epoch := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	prev := Date(0)
	for d := time.Date(1899, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() < 2210; d = d.AddDate(0, 0, 1) {
		x := DateOf(d)
		if got, want := x.days(), int(d.Sub(epoch).Hours()/24); got != want {
			t.Fatalf("%v: %d days from 1970, want %d", x, got, want)
		}
		if dateOfDays(x.days()) != x {
			t.Fatalf("%v: back from days gives %v", x, dateOfDays(x.days()))
		}
		if prev != 0 && (prev.AddDays(1) != x || x.AddDays(-1) != prev || x.Sub(prev) != 1) {
			t.Fatalf("%v and %v are not neighbours", prev, x)
		}
		prev = x
	}
}
