package synth_test

import (
	"fmt"
	"io"

	"github.com/edusync/edusync/synth"
)

func ExampleGenerate() {
	opts, _ := synth.PresetOptions(synth.PresetSchool)
	opts.Seed = 42
	pop, err := synth.Generate(opts)
	if err != nil {
		panic(err)
	}
	students := 0
	for range pop.Students() {
		students++
	}
	fmt.Println(len(pop.Organisations), "organisations,", students, "students")
	for unit := range pop.SchoolUnits() {
		fmt.Println(unit.Type, len(unit.Code), unit.SchoolTypes)
	}
	// Output:
	// 2 organisations, 230 students
	// Skolenhet 8 [FKLASS GR]
}

func ExampleNextDay() {
	opts, _ := synth.PresetOptions(synth.PresetSchool)
	pop, _ := synth.Generate(opts)
	next, changes, err := synth.NextDay(pop, 1, 0.01)
	if err != nil {
		panic(err)
	}
	fmt.Println(next.Today.Sub(pop.Today), "day later")
	// every change is one record write; Diff finds the same ones
	fmt.Println(len(changes) == len(synth.Diff(pop, next)))
	// Output:
	// 1 day later
	// true
}

func ExampleIndex() {
	opts, _ := synth.PresetOptions(synth.PresetSchool)
	pop, _ := synth.Generate(opts)
	x := synth.NewIndex(pop)
	for student := range pop.Students() {
		for g := range x.GuardiansOf(student.ID) {
			guardian, _ := x.Person(g.Guardian)
			fmt.Println(g.Relation, guardian.Roles.Has(synth.RoleGuardian))
			break
		}
		break
	}
	// Output:
	// Vårdnadshavare true
}

// A Norwegian university in its grading season: exam units in Inspera and WISEflow, candidates
// with FS's deadlines, explanation requests, appeals and master theses whose files are made
// as they are read.
func ExampleGenerate_exams() {
	opts, _ := synth.PresetOptions(synth.PresetUniversityNO) // 22 June 2026, 30,000 candidates
	opts.UniversityStudents, opts.UniversityStaff, opts.Departments = 600, 80, 6
	opts.CourseOfferings, opts.Programmes, opts.ProgrammeOfferings, opts.Registrations = 60, 4, 8, 3000
	opts.ExamCandidates, opts.Theses = 800, 40
	pop, err := synth.Generate(opts)
	if err != nil {
		panic(err)
	}
	x := synth.NewIndex(pop)
	fmt.Println(len(pop.Candidates), "candidates,", len(pop.Theses), "theses")
	for _, a := range pop.Appeals {
		if a.Flags&synth.ExamFlagAfterExplanation != 0 {
			c, _ := x.Candidate(a.Candidate)
			u, _ := x.ExamUnit(c.ExamUnit)
			e, _ := x.ExplanationOf(c.ID)
			fmt.Println(u.Term, u.System, c.Grade, "announced", c.Announced, "explained", e.Given)
			fmt.Println("appeal", a.Status, "received", a.Received, "deadline", c.AppealDeadline)
			break
		}
	}
	f := pop.Theses[0].Files[0]
	head := make([]byte, 8)
	if _, err := io.ReadFull(f.Open(), head); err != nil {
		panic(err)
	}
	fmt.Printf("%s %q\n", f.Name, head)
	// Output:
	// 840 candidates, 40 theses
	// 2026 VÅR WISEFLOW D announced 2026-03-16 explained 2026-03-27
	// appeal AVGJORT received 2026-04-07 deadline 2026-04-17
	// masteroppgave.pdf "%PDF-1.7"
}
