package canvas_test

import (
	"context"
	"testing"
	"time"

	"github.com/edusync/edusync/canvas"
	"github.com/edusync/edusync/canvas/canvastest"
)

// BenchmarkListEnrollments lists 50,000 realistic enrolments of one course from the fake
// (throttle off) through the client, decoding every one into the typed model.
func BenchmarkListEnrollments(b *testing.B) {
	const n = 50_000
	srv := canvastest.NewServer(canvastest.WithoutThrottle())
	defer srv.Close()
	srv.SeedEnrollments(canvastest.EnrollmentSeed{CourseSISID: "BENCH", Students: n})
	c, err := canvas.New(srv.URL(), canvas.WithBearerToken(srv.Token()))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		got := 0
		for e, err := range c.ListCourseEnrollments(ctx, canvas.SISCourse("BENCH"), nil) {
			if err != nil {
				b.Fatal(err)
			}
			if e.ID != 0 {
				got++
			}
		}
		if got != n {
			b.Fatalf("listed %d enrolments, want %d", got, n)
		}
	}
	b.ReportMetric(float64(n*b.N)/time.Since(start).Seconds(), "records/s")
}
