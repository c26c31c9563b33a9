// Command canvas-roster lists every enrolment of one Canvas course through package canvas,
// decoding each into the typed model, and prints one line to stdout: how many there are.
//
//	go run ./examples/canvas-roster                    # starts its own fake with a 50,000-enrolment course
//	go run ./examples/canvas-roster -url BASE_URL -token TOKEN -course sis_course_id:BENCH
//
// BASE_URL ends in /api/v1 (the sandbox prints it: go run ./examples/sandbox
// -canvas-enrollments 50000). Errors go to stderr and end the program with status 1; the token
// never appears in them.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/edusync/edusync/canvas"
	"github.com/edusync/edusync/canvas/canvastest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "canvas-roster:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("canvas-roster", flag.ContinueOnError)
	baseURL := fs.String("url", "", "Canvas API base URL ending in /api/v1 (default: start a fake)")
	token := fs.String("token", "", "access token")
	course := fs.String("course", "sis_course_id:BENCH", "the course: a Canvas id or an SIS reference")
	n := fs.Int("enrollments", 50_000, "enrolments in the course of the fake started without -url")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ref, err := canvas.ParseRef(*course)
	if err != nil {
		return err
	}
	if *baseURL == "" {
		srv := canvastest.NewServer(canvastest.WithoutThrottle())
		defer srv.Close()
		if ref.IsSIS() {
			srv.SeedEnrollments(canvastest.EnrollmentSeed{CourseSISID: sisValue(ref), Students: *n})
		}
		*baseURL, *token = srv.URL(), srv.Token()
	}
	if *token == "" {
		return errors.New("-token is required with -url")
	}
	c, err := canvas.New(*baseURL, canvas.WithBearerToken(*token), canvas.WithUserAgent("edusync-canvas-roster"))
	if err != nil {
		return err
	}
	count, err := roster(ctx, c, ref)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(out, count)
	return err
}

// roster counts the course's enrolments (Canvas's default states: active, invited, and for
// admins inactive ones), each decoded into canvas.Enrollment.
func roster(ctx context.Context, c *canvas.Client, course canvas.Ref) (int, error) {
	count := 0
	for e, err := range c.ListCourseEnrollments(ctx, course, nil) {
		if err != nil {
			return count, err
		}
		if e.ID != 0 {
			count++
		}
	}
	return count, nil
}

// sisValue returns the SIS id of an SIS reference (the part after the prefix).
func sisValue(r canvas.Ref) string {
	s := r.String()
	for i := 0; i < len(s); i++ {
		if s[i] == ':' {
			return s[i+1:]
		}
	}
	return s
}
