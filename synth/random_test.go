package synth

import (
	"testing"
	"time"
)

// TestRandomOptions generates many small populations with odd options: each either fails
// validation or is referentially valid, and its next days account exactly.
func TestRandomOptions(t *testing.T) {
	r := newRNG(99, 1)
	countries := []Country{Sweden, Germany, Norway}
	generated := 0
	for i := 0; i < 80; i++ {
		o := Options{
			Seed:              uint64(i),
			Country:           countries[r.intn(3)],
			SchoolUnits:       r.intn(6),
			Students:          r.intn(300),
			Staff:             r.intn(40),
			Guardians:         r.intn(500),
			Groups:            r.intn(120),
			Memberships:       r.intn(3000),
			ClassSize:         2 + r.intn(30),
			ProtectedShare:    float64(r.intn(100)) / 100,
			CoordinationShare: float64(r.intn(100)) / 100,
			EPPNShare:         float64(r.intn(100)) / 100,
			NoEmailShare:      float64(r.intn(100)) / 100,
			HardShare:         float64(r.intn(50)) / 100,
		}
		if r.intn(3) == 0 {
			o.UniversityStudents, o.UniversityStaff, o.Departments = r.intn(100), r.intn(10), r.intn(4)
			o.CourseOfferings, o.Programmes = r.intn(20), r.intn(3)
			o.ProgrammeOfferings, o.Registrations = o.Programmes+r.intn(3), r.intn(300)
		}
		if r.intn(4) == 0 { // near a school-year change
			o.Today = NewDate(2026, time.June, 29)
			if o.Country != Sweden {
				o.Today = NewDate(2026, time.July, 30)
			}
		}
		p, err := Generate(o)
		if err != nil {
			continue
		}
		generated++
		checkIntegrity(t, p)
		checkCivicNumbers(t, p)
		cur := p
		for day := 0; day < 3; day++ {
			next, changes, err := NextDay(cur, uint64(day), float64(r.intn(50))/1000)
			if err != nil {
				t.Fatal(err)
			}
			checkAccounting(t, cur, next, changes)
			checkIntegrity(t, next)
			checkCivicNumbers(t, next)
			cur = next
		}
		if t.Failed() {
			t.Fatalf("options %+v", o)
		}
	}
	t.Logf("%d of 80 valid", generated)
	if generated < 20 {
		t.Errorf("only %d of 80 random options were valid", generated)
	}
}
