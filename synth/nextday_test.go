package synth

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

type changeKey struct {
	e  Entity
	id ID
}

// checkAccounting verifies that the reported changes are exactly the differences.
func checkAccounting(t *testing.T, before, after *Population, changes []Change) {
	t.Helper()
	reported := map[changeKey]Change{}
	for _, c := range changes {
		k := changeKey{c.Entity, c.ID}
		if _, dup := reported[k]; dup {
			t.Fatalf("%v %v reported twice", c.Entity, c.ID)
		}
		if c.Kind == 0 {
			t.Fatalf("change without kind: %+v", c)
		}
		reported[k] = c
	}
	actual := Diff(before, after)
	if len(actual) != len(changes) {
		t.Errorf("reported %d changes, Diff finds %d", len(changes), len(actual))
	}
	for _, a := range actual {
		r, ok := reported[changeKey{a.Entity, a.ID}]
		if !ok {
			t.Fatalf("unreported change: %v %v %v %+v", a.Op, a.Entity, a.ID, a.Fields)
		}
		if r.Op != a.Op || !slices.Equal(r.Fields, a.Fields) {
			t.Fatalf("change of %v %v: reported %v %+v, actual %v %+v", a.Entity, a.ID, r.Op, r.Fields, a.Op, a.Fields)
		}
	}
}

func TestNextDayAccounting(t *testing.T) {
	cases := []struct {
		name   string
		preset string
		edit   func(*Options)
		rate   float64
	}{
		{"school-SE", PresetSchool, nil, 0.02},
		{"school-DE", PresetSchool, func(o *Options) { o.Country = Germany }, 0.02},
		{"school-NO", PresetSchool, func(o *Options) { o.Country = Norway }, 0.02},
		{"year-change-SE", PresetSchool, func(o *Options) { o.Today = NewDate(2026, time.June, 30) }, 0.01},
		{"year-change-NO", PresetSchool, func(o *Options) { o.Country = Norway; o.Today = NewDate(2026, time.July, 31) }, 0.01},
		{"small-municipality", PresetMunicipality, func(o *Options) {
			o.SchoolUnits, o.Students, o.Staff, o.Guardians, o.Groups, o.Memberships = 40, 4000, 500, 6500, 900, 40000
		}, 0.01},
		{"university", PresetUniversity, func(o *Options) {
			o.UniversityStudents, o.UniversityStaff, o.CourseOfferings, o.Registrations = 2000, 200, 150, 9000
		}, 0.02},
		{"university-no with exams", PresetUniversityNO, func(o *Options) {
			o.UniversityStudents, o.UniversityStaff, o.Departments = 2000, 200, 8
			o.CourseOfferings, o.Programmes, o.ProgrammeOfferings, o.Registrations = 150, 6, 12, 9000
			o.ExamCandidates, o.Theses = 2500, 100
		}, 0.02},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pop := generate(t, tc.preset, tc.edit)
			hash := pop.Hash()
			cur := pop
			kinds := map[ChangeKind]int{}
			for day := 0; day < 3; day++ {
				next, changes, err := NextDay(cur, uint64(day), tc.rate)
				if err != nil {
					t.Fatal(err)
				}
				checkAccounting(t, cur, next, changes)
				checkIntegrity(t, next)
				for k, n := range CountByKind(changes) {
					kinds[k] += n
				}
				if next.Today != cur.Today.AddDays(1) {
					t.Fatalf("Today %v after %v", next.Today, cur.Today)
				}
				cur = next
			}
			if pop.Hash() != hash {
				t.Fatal("NextDay modified its input")
			}
			if len(kinds) < 4 {
				t.Errorf("only these kinds of change in three days: %v", kinds)
			}
			t.Log(kinds)
		})
	}
}

func TestNextDayDeterministic(t *testing.T) {
	pop := generate(t, PresetSchool, nil)
	a, ca, _ := NextDay(pop, 5, 0.02)
	b, cb, _ := NextDay(pop, 5, 0.02)
	if a.Hash() != b.Hash() || fmt.Sprint(ca) != fmt.Sprint(cb) {
		t.Fatal("NextDay is not deterministic")
	}
	c, _, _ := NextDay(pop, 6, 0.02)
	if c.Hash() == a.Hash() {
		t.Fatal("different seeds, same day")
	}
	if _, _, err := NextDay(pop, 1, 0.5); err == nil {
		t.Fatal("rate 0.5 accepted")
	}
}
