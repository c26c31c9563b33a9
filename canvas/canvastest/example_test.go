package canvastest_test

import (
	"context"
	"fmt"
	"log"

	"github.com/edusync/edusync/canvas"
	"github.com/edusync/edusync/canvas/canvastest"
)

// Run a Canvas for a test: a course with enrolments, Canvas's rate limit answering 429, and
// three requests in ten failing with 502, 503 or 504.
func ExampleNewServer() {
	srv := canvastest.NewServer(
		canvastest.WithThrottle(canvastest.Throttle{Status: 429}),
		canvastest.WithFaults(canvastest.Faults{Seed: 1, ErrorRate: 0.3}),
	)
	defer srv.Close()
	srv.SeedEnrollments(canvastest.EnrollmentSeed{CourseSISID: "BENCH", Students: 1000})

	c, err := canvas.New(srv.URL(), canvas.WithBearerToken(srv.Token()))
	if err != nil {
		log.Fatal(err)
	}
	n := 0
	for _, err := range c.ListCourseEnrollments(context.Background(), canvas.SISCourse("BENCH"), nil) {
		if err != nil {
			log.Fatal(err)
		}
		n++
	}
	fmt.Println(n, "enrolments read; faults injected:", canvastest.Total(srv.Stats().Faults) > 0)
	// Output: 1000 enrolments read; faults injected: true
}
