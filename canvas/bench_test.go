package canvas_test

import (
	"context"
	"errors"
	"strconv"
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

// BenchmarkBulkEnroll creates 5,000 enrolments against the fake with Canvas's default bucket,
// 20 ms of latency and a cost of 0.02 units per request, through EnrollMany (adaptive
// throttle), and compares with a client that sends one request at a time (500 requests).
func BenchmarkBulkEnroll(b *testing.B) {
	const bulk, serial = 5_000, 500
	for range b.N {
		srv := canvastest.NewServer(canvastest.WithLatency(20*time.Millisecond),
			canvastest.WithThrottle(canvastest.Throttle{Cost: 0.02}))
		srv.SeedCourse("BULK", "Bulk course")
		srv.SeedCourse("SERIAL", "Serial course")
		srv.SeedUsers("bulk-", bulk)
		srv.SeedUsers("serial-", serial)
		c, err := canvas.New(srv.URL(), canvas.WithBearerToken(srv.Token()))
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()

		start := time.Now()
		for i := range serial {
			if _, err := c.Enroll(ctx, canvas.SISCourse("SERIAL"), canvas.NewEnrollment{User: canvas.SISUser("serial-" + strconv.Itoa(i))}); err != nil {
				b.Fatal(err)
			}
		}
		serialRate := serial / time.Since(start).Seconds()

		srv.ResetStats()
		es := make([]canvas.NewEnrollment, bulk)
		for i := range es {
			es[i] = canvas.NewEnrollment{User: canvas.SISUser("bulk-" + strconv.Itoa(i))}
		}
		start = time.Now()
		_, errs := c.EnrollMany(ctx, canvas.SISCourse("BULK"), es)
		bulkRate := bulk / time.Since(start).Seconds()
		surfaced := 0
		for _, err := range errs {
			if err != nil {
				if errors.Is(err, canvas.ErrRateLimited) {
					surfaced++
					continue
				}
				b.Fatal(err)
			}
		}
		st := srv.Stats()
		requests := canvastest.Total(st.Requests)
		throttled := canvastest.Total(st.Throttled)
		srv.Close()
		b.ReportMetric(bulkRate, "req/s")
		b.ReportMetric(bulkRate/serialRate, "speedup")
		b.ReportMetric(100*float64(throttled)/float64(requests), "throttled_pct")
		b.ReportMetric(float64(surfaced), "throttled_surfaced")
	}
}
