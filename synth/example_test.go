package synth_test

import (
	"fmt"

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
