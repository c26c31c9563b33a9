package ladokcanvas_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/edusync/edusync/canvas"
	"github.com/edusync/edusync/canvas/canvastest"
	"github.com/edusync/edusync/ladok"
	"github.com/edusync/edusync/ladok/ladoktest"
	"github.com/edusync/edusync/ladokcanvas"
	"github.com/edusync/edusync/store/sqlite"
)

// burstResult is one run of (a slice of) the admission burst.
type burstResult struct {
	elapsed   time.Duration
	events    int
	requests  int
	throttled int // answers the Canvas fake throttled
	stats     ladokcanvas.Stats
	snap      canvastest.Snapshot
}

// burstConfig is the benchmark's configuration: early access with role labels, early access on
// for the courses the adapter creates.
func burstConfig() ladokcanvas.Config {
	cfg := ladokcanvas.DefaultConfig()
	cfg.UseAdmitted = true
	cfg.RoleIDRegistered = roleRegistered
	cfg.RoleIDAdmitted = roleAdmitted
	cfg.EarlyAccessOnCreateCourse = true
	return cfg
}

// runBurst feeds events to a fresh adapter between a fresh Ladok fake and a Canvas fake with
// Canvas's default bucket, latency of 10 ms and a cost of 0.01 units per request. serial limits
// the adapter and its Canvas client to one request at a time.
func runBurst(tb testing.TB, sc *scenario, events []ladok.Event, serial bool, dir string) burstResult {
	tb.Helper()
	lad := ladoktest.NewServer(ladoktest.WithEntriesPerPage(200))
	defer lad.Close()
	sc.load(lad)
	lad.Append(events...)
	cv := canvastest.NewServer(canvastest.WithThrottle(canvastest.Throttle{Cost: 0.01}), canvastest.WithLatency(10*time.Millisecond),
		canvastest.WithCustomRoles(canvastest.CustomRole{Label: roleRegistered, BaseType: "StudentEnrollment"},
			canvastest.CustomRole{Label: roleAdmitted, BaseType: "StudentEnrollment"}))
	defer cv.Close()
	lc, err := lad.Client()
	if err != nil {
		tb.Fatal(err)
	}
	copts := []canvas.Option{canvas.WithBearerToken(cv.Token())}
	var aopts []ladokcanvas.Option
	if serial {
		th := canvas.DefaultThrottle()
		th.MaxConcurrency, th.InitialConcurrency = 1, 1
		copts = append(copts, canvas.WithThrottle(th))
		aopts = append(aopts, ladokcanvas.WithConcurrency(1))
	}
	cc, err := canvas.New(cv.URL(), copts...)
	if err != nil {
		tb.Fatal(err)
	}
	st, err := sqlite.Open(context.Background(), filepath.Join(dir, "burst.db"))
	if err != nil {
		tb.Fatal(err)
	}
	defer st.Close()
	ad, err := ladokcanvas.New(context.Background(), lc, cc, st, burstConfig(), aopts...)
	if err != nil {
		tb.Fatal(err)
	}
	defer ad.Close()
	start := time.Now()
	if _, err := ad.CatchUp(context.Background()); err != nil {
		tb.Fatal(err)
	}
	res := burstResult{elapsed: time.Since(start), events: len(events), stats: ad.Stats()}
	s := cv.Stats()
	res.requests, res.throttled = canvastest.Total(s.Requests), canvastest.Total(s.Throttled)
	res.snap = cv.Snapshot()
	return res
}

// BenchmarkAdmissionBurst measures the adapter during an admission period: 10,000 students,
// 500 offerings, UseAdmitted on; each student one LokalStudent and two admissions, a
// registration for 70% of the admissions, 10% of all events delivered twice (48,400 feed
// entries); Canvas's default bucket, 10 ms latency, 0.01 units per request; state in SQLite.
//
//   - events/s: feed entries handled per second (duplicates included);
//   - requests/needed: every Canvas request the adapter made (GETs included) divided by the
//     least the scenario needs (scenario.minimumRequests explains the count); goal <= 1.1;
//   - speedup: how much faster the adapter is than the same adapter limited to one request at
//     a time (WithConcurrency(1) and a Canvas client allowing one request in flight), on the
//     first 2,000 entries; goal >= 6;
//   - throttled_surfaced: Canvas throttling errors that reached the adapter after the client's
//     own retries; goal 0.
func BenchmarkAdmissionBurst(b *testing.B) {
	sc := admissionBurst(10_000, 500, 1)
	need := sc.minimumRequests()
	var last burstResult
	b.ResetTimer()
	for range b.N {
		last = runBurst(b, sc, sc.events, false, b.TempDir())
	}
	b.StopTimer()
	checkBurst(b, sc, last)
	slice := sc.events[:2000]
	par := runBurst(b, sc, slice, false, b.TempDir())
	ser := runBurst(b, sc, slice, true, b.TempDir())
	b.ReportMetric(float64(last.events)/last.elapsed.Seconds(), "events/s")
	b.ReportMetric(float64(last.requests)/float64(need), "requests/needed")
	b.ReportMetric(ser.elapsed.Seconds()/par.elapsed.Seconds(), "speedup")
	b.ReportMetric(float64(last.stats.RateLimited), "throttled_surfaced")
	b.Logf("full: %d entries in %v, %d requests (needed %d), %d throttled by the fake; slice: parallel %v (%d requests), serial %v (%d requests)",
		last.events, last.elapsed.Round(time.Millisecond), last.requests, need, last.throttled,
		par.elapsed.Round(time.Millisecond), par.requests, ser.elapsed.Round(time.Millisecond), ser.requests)
}

// checkBurst checks that a run of the whole burst left what the scenario says in Canvas.
func checkBurst(tb testing.TB, sc *scenario, r burstResult) {
	tb.Helper()
	if r.stats.DeadLettered != 0 {
		tb.Errorf("%d events dead-lettered", r.stats.DeadLettered)
	}
	if n := len(r.snap.Users); n != sc.nStudents {
		tb.Errorf("%d users, want %d", n, sc.nStudents)
	}
	if n := len(r.snap.Courses); n != sc.nOfferings {
		tb.Errorf("%d courses, want %d", n, sc.nOfferings)
	}
	roles := map[string]int{}
	for _, e := range r.snap.Enrollments {
		roles[e.Role]++
	}
	if roles[roleRegistered] != sc.nRegistrations || roles[roleAdmitted] != sc.nAdmissions-sc.nRegistrations {
		tb.Errorf("enrolments by role %v, want %d registered and %d admitted", roles, sc.nRegistrations, sc.nAdmissions-sc.nRegistrations)
	}
}

// TestAdmissionBurstSmall runs a small admission burst through the same code as the benchmark
// and checks the request count against the minimum exactly.
func TestAdmissionBurstSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("uses a 10 ms Canvas latency")
	}
	sc := admissionBurst(100, 20, 2)
	r := runBurst(t, sc, sc.events, false, t.TempDir())
	checkBurst(t, sc, r)
	if need := sc.minimumRequests(); r.requests != need {
		t.Errorf("%d Canvas requests, the scenario needs %d", r.requests, need)
	}
	if r.stats.RateLimited != 0 || r.throttled != 0 {
		t.Errorf("throttled: %d surfaced, %d by the fake", r.stats.RateLimited, r.throttled)
	}
	if want := sc.nStudents*3 + sc.nRegistrations; int(r.stats.Events) != want {
		t.Errorf("%d events reached the adapter, want %d (duplicates skipped)", r.stats.Events, want)
	}
}
