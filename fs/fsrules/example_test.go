package fsrules_test

import (
	"fmt"
	"time"

	"github.com/edusync/edusync/fs/fsrules"
)

func ExampleCompute() {
	// A result announced on 20 March 2026; the candidate asked for an explanation on 23 March
	// and got it on 2 April.
	d, err := fsrules.Compute(fsrules.Case{
		Announced:            fsrules.NewDate(2026, time.March, 20),
		ExplanationRequested: fsrules.NewDate(2026, time.March, 23),
		ExplanationGiven:     fsrules.NewDate(2026, time.April, 2),
	})
	if err != nil {
		panic(err)
	}
	fmt.Println("explanation until", d.Explanation)
	fmt.Println("appeal until", d.Appeal, "by the", d.Rule, "rule")
	fmt.Println("appeal period ends", d.AppealEnd().UTC()) // midnight in Oslo, summer time
	at := time.Date(2026, time.April, 23, 23, 30, 0, 0, fsrules.Oslo())
	fmt.Println("open at 23:30 on the last day:", d.AppealOpen(at))
	fmt.Println("open half an hour later:", d.AppealOpen(at.Add(30*time.Minute)))
	// Output:
	// explanation until 2026-03-27
	// appeal until 2026-04-23 by the explanation rule
	// appeal period ends 2026-04-23 22:00:00 +0000 UTC
	// open at 23:30 on the last day: true
	// open half an hour later: false
}

func ExampleDateOf() {
	// An appeal sent at 23:30 UTC on 30 June arrived on 1 July in Norway.
	fmt.Println(fsrules.DateOf(time.Date(2026, time.June, 30, 23, 30, 0, 0, time.UTC)))
	// Output:
	// 2026-07-01
}
