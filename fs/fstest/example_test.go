package fstest_test

import (
	"context"
	"fmt"
	"time"

	"github.com/edusync/edusync/fs"
	"github.com/edusync/edusync/fs/fsrules"
	"github.com/edusync/edusync/fs/fstest"
	"github.com/edusync/edusync/synth"
)

// A fake FS with synth's Norwegian exams, read through the fs client, and the next day's
// appeals and explanation requests as changes.
func Example() {
	pop, err := fstest.SmallUniversity(1)
	if err != nil {
		panic(err)
	}
	now := time.Date(2026, 6, 22, 20, 0, 0, 0, fsrules.Oslo())
	srv := fstest.NewServer(fstest.WithClock(func() time.Time { return now }))
	defer srv.Close()
	n := srv.LoadPopulation(pop, fstest.LoadOptions{})
	fmt.Println(n.Appeals, "appeals and", n.ExplanationRequests, "explanation requests in", n.Exams, "exams")

	c, _ := srv.Client()
	ctx := context.Background()
	count := func(since time.Time) int {
		total := 0
		for _, sys := range []fs.ExamSystem{fs.Inspera, fs.WISEflow} {
			q := fs.ChangeQuery{System: sys, Institution: synth.FSInstitution, Since: since}
			for _, err := range c.ListChangedAppeals(ctx, q) {
				if err == nil {
					total++
				}
			}
			for _, err := range c.ListChangedExplanationRequests(ctx, q) {
				if err == nil {
					total++
				}
			}
		}
		return total
	}
	fmt.Println("changed this term:", count(time.Date(2026, 1, 1, 0, 0, 0, 0, fsrules.Oslo())))

	next, _, _ := synth.NextDay(pop, 7, 0.001)
	now = now.Add(24 * time.Hour)
	changed := srv.LoadPopulation(next, fstest.LoadOptions{}).Changed
	fmt.Println("changed the next day:", changed, "- listed:", count(now.Add(-time.Minute)))
	// Output:
	// 34 appeals and 59 explanation requests in 52 exams
	// changed this term: 93
	// changed the next day: 1 - listed: 1
}
