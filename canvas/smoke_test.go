package canvas_test

import (
	"context"
	"testing"

	"github.com/edusync/edusync/canvas"
	"github.com/edusync/edusync/canvas/canvastest"
)

func TestSmoke(t *testing.T) {
	srv := canvastest.NewServer()
	defer srv.Close()
	srv.SeedEnrollments(canvastest.EnrollmentSeed{CourseSISID: "BENCH", Students: 1234})
	c, err := canvas.New(srv.URL(), canvas.WithBearerToken(srv.Token()))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for e, err := range c.ListCourseEnrollments(context.Background(), canvas.SISCourse("BENCH"), nil) {
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			t.Logf("%+v", e)
		}
		n++
	}
	if n != 1234 {
		t.Fatalf("n = %d", n)
	}
	t.Log(c.ThrottleStats())
}
