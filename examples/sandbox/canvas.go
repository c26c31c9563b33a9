package main

import (
	"context"
	"flag"

	"github.com/edusync/edusync/canvas/canvastest"
	"github.com/edusync/edusync/synth"
)

// The Canvas fake speaks Canvas's REST API under /api/v1 with a bearer token, throttles like
// Canvas (leaky bucket, 403 "Rate Limit Exceeded") and holds a synth university: the full
// "university" preset's first 20,000 registrations with -preset university, a small one
// otherwise. Custom course roles "Examiner" (teacher) and "Mentor" (TA) exist, with ids that
// depend on -seed. -canvas-enrollments N adds course sis_course_id:BENCH with N active student
// enrolments, for benchmarks such as examples/canvas-roster and cross-language comparisons.

var canvasEnrollments = new(int)

func init() {
	register(fake{
		Name: "canvas",
		Flags: func(fs *flag.FlagSet) {
			fs.IntVar(canvasEnrollments, "canvas-enrollments", 0, "active enrolments in Canvas course sis_course_id:BENCH (0: no such course)")
		},
		Start: startCanvas,
	})
}

func startCanvas(_ context.Context, o sandboxOptions) (string, string, func(), error) {
	maxRegs := 0
	if o.Preset == synth.PresetUniversity {
		maxRegs = 20_000
	}
	pop, err := universityPopulation(o)
	if err != nil {
		return "", "", nil, err
	}
	srv := canvastest.Serve(o.Listener, canvastest.WithLogger(o.Logger), canvastest.WithSeed(o.Seed),
		canvastest.WithCustomRoles(canvastest.CustomRole{Label: "Examiner", BaseType: "TeacherEnrollment"},
			canvastest.CustomRole{Label: "Mentor", BaseType: "TaEnrollment"}))
	res := srv.LoadPopulation(pop, canvastest.LoadOptions{MaxRegistrations: maxRegs})
	if *canvasEnrollments > 0 {
		srv.SeedEnrollments(canvastest.EnrollmentSeed{CourseSISID: "BENCH", Students: *canvasEnrollments, Seed: o.Seed})
	}
	o.Logger.Info("canvas fake ready", "users", res.Users, "courses", res.Courses, "enrollments", res.Enrollments, "bench_enrollments", *canvasEnrollments)
	return srv.URL(), srv.Token(), srv.Close, nil
}
