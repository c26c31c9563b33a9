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

// TestRandomExamOptions generates small Norwegian universities with exams on random days of
// the year (month ends, leap days, both terms) and with odd shares (none, all): each is valid,
// FS's rules hold for every candidate, and the next days account exactly.
func TestRandomExamOptions(t *testing.T) {
	r := newRNG(17, 1)
	share := func() float64 {
		switch r.intn(5) {
		case 0:
			return 0
		case 1:
			return 1
		}
		return float64(r.intn(100)) / 100
	}
	days := []Date{NewDate(2028, time.February, 29), NewDate(2026, time.December, 31), NewDate(2027, time.January, 1),
		NewDate(2026, time.March, 29), NewDate(2026, time.October, 25), NewDate(2026, time.May, 31), NewDate(1951, time.June, 1)}
	n := 40
	if testing.Short() || raceEnabled {
		n = 10
	}
	for i := 0; i < n; i++ {
		o := Options{
			Seed: uint64(i), Country: Norway,
			UniversityStudents: 20 + r.intn(300), UniversityStaff: 1 + r.intn(30), Departments: 1 + r.intn(5),
			CourseOfferings: 1 + r.intn(30), Registrations: r.intn(1500),
			ExamCandidates: r.intn(500), Theses: r.intn(20),
			ProtectedShare: share(), CoordinationShare: share(), EPPNShare: share(), HardShare: float64(r.intn(50)) / 100,
			ExplanationShare: share(), AppealShare: share(), ThesisFailShare: share(),
			FileScale: float64(1+r.intn(1000)) / 100000,
		}
		o.Registrations = min(o.Registrations, o.UniversityStudents*o.CourseOfferings)
		o.Theses = min(o.Theses, o.UniversityStudents)
		if r.intn(2) == 0 {
			o.Today = days[r.intn(len(days))]
		} else {
			o.Today = NewDate(2026, time.January, 1).AddDays(r.intn(365))
		}
		p, err := Generate(o)
		if err != nil {
			t.Fatalf("options %+v: %v", o, err)
		}
		checkIntegrity(t, p)
		checkExams(t, p)
		cur := p
		for day := 0; day < 4; day++ {
			next, changes, err := NextDay(cur, uint64(day), 0.01)
			if err != nil {
				t.Fatal(err)
			}
			checkAccounting(t, cur, next, changes)
			checkExams(t, next)
			cur = next
		}
		if t.Failed() {
			t.Fatalf("options %+v", o)
		}
	}
}
