package ladokcanvas_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/edusync/edusync/canvas"
	"github.com/edusync/edusync/canvas/canvastest"
	"github.com/edusync/edusync/ladok"
	"github.com/edusync/edusync/ladok/ladokfeed"
	"github.com/edusync/edusync/ladok/ladoktest"
	"github.com/edusync/edusync/ladokcanvas"
	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/store/sqlite"
)

// termConfig exercises most options at once.
func termConfig() ladokcanvas.Config {
	cfg := earlyConfig()
	cfg.UseAsLoginID = ladokcanvas.LoginSSN
	cfg.UpdateSsnFromLadok = true
	cfg.UseSubaccountsForProgramAndCourses = true
	cfg.CourseNameFormat = ladokcanvas.NameCodeTerm
	return cfg
}

// termRun is one adapter process after another over the same SQLite file, the same Ladok and
// the same Canvas.
type termRun struct {
	t     testing.TB
	sc    *scenario
	lad   *ladoktest.Server
	cv    *canvastest.Server
	path  string
	clock *clock

	requests atomic.Int64
	stopAt   atomic.Int64 // cancel the running catch-up when requests reach this (0: never)
	mu       sync.Mutex
	cancel   context.CancelFunc
	restarts int
}

func newTermRun(t testing.TB, sc *scenario, faults *canvastest.Faults) *termRun {
	tr := &termRun{t: t, sc: sc, path: tempDB(t), clock: newClock(swedish("2026-09-15"))}
	tr.lad = ladoktest.NewServer(ladoktest.WithEntriesPerPage(100))
	t.Cleanup(tr.lad.Close)
	sc.load(tr.lad)
	tr.lad.Append(sc.events...)
	copts := []canvastest.Option{canvastest.WithoutThrottle(),
		canvastest.WithCustomRoles(canvastest.CustomRole{Label: roleRegistered, BaseType: "StudentEnrollment"},
			canvastest.CustomRole{Label: roleAdmitted, BaseType: "StudentEnrollment"})}
	if faults != nil {
		copts = append(copts, canvastest.WithFaults(*faults))
	}
	tr.cv = canvastest.NewServer(copts...)
	t.Cleanup(tr.cv.Close)
	return tr
}

// RoundTrip counts Canvas requests and stops the adapter at the chosen one.
func (tr *termRun) RoundTrip(req *http.Request) (*http.Response, error) {
	n := tr.requests.Add(1)
	if at := tr.stopAt.Load(); at > 0 && n >= at {
		tr.stopAt.Store(0)
		tr.mu.Lock()
		if tr.cancel != nil {
			tr.cancel()
		}
		tr.mu.Unlock()
	}
	return http.DefaultTransport.RoundTrip(req)
}

// process starts an adapter as a new process would: new clients, the store opened again.
func (tr *termRun) process() (*ladokcanvas.Adapter, store.Store) {
	tr.t.Helper()
	st, err := sqlite.Open(context.Background(), tr.path, sqlite.WithSynchronous(sqlite.SyncNormal))
	if err != nil {
		tr.t.Fatal(err)
	}
	lc, err := tr.lad.Client(ladok.WithRetry(ladok.RetryPolicy{MaxAttempts: 4, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}))
	if err != nil {
		tr.t.Fatal(err)
	}
	cc, err := canvas.New(tr.cv.URL(), canvas.WithBearerToken(tr.cv.Token()), fastCanvasRetry(), canvas.WithHTTPClient(&http.Client{Transport: tr}))
	if err != nil {
		tr.t.Fatal(err)
	}
	ad, err := ladokcanvas.New(context.Background(), lc, cc, st, termConfig(), ladokcanvas.WithClock(tr.clock.Now), ladokcanvas.WithTenant("uni"),
		ladokcanvas.WithRetryBackoff(time.Millisecond, 5*time.Millisecond))
	if err != nil {
		tr.t.Fatal(err)
	}
	return ad, st
}

// run catches up to the end of the feed, stopping and restarting the adapter when the Canvas
// request counter reaches each of stops; then it moves the clock past every suspension and
// fires the timers. It returns the Canvas state in the middle of the term and at its end.
func (tr *termRun) run(stops []int64) (mid, end canvastest.Snapshot) {
	tr.t.Helper()
	ad, st := tr.process()
	primaries := make([]string, 0, len(tr.sc.coread))
	for p := range tr.sc.coread {
		primaries = append(primaries, p)
	}
	slices.Sort(primaries)
	for _, p := range primaries {
		if err := ad.SetCoReading(context.Background(), p, tr.sc.coread[p]...); err != nil {
			tr.t.Fatal(err)
		}
	}
	next := 0
	for attempt := 0; ; attempt++ {
		if attempt > 200 {
			tr.t.Fatal("the adapter does not get to the end of the feed")
		}
		ctx, cancel := context.WithCancel(context.Background())
		tr.mu.Lock()
		tr.cancel = cancel
		tr.mu.Unlock()
		if next < len(stops) {
			tr.stopAt.Store(stops[next])
		}
		_, err := ad.CatchUp(ctx)
		stopped := ctx.Err() != nil
		cancel()
		if err == nil && !stopped {
			break
		}
		if stopped {
			// Stop: close everything, as a process that is killed would lose it, and start anew.
			next++
			tr.restarts++
			ad.Close()
			st.Close()
			ad, st = tr.process()
			continue
		}
		if errors.Is(err, ladokfeed.ErrPositionLost) {
			tr.t.Fatal(err)
		}
		// Canvas failed beyond the client's retries: try again, as Run does.
	}
	tr.stopAt.Store(0)
	if st := ad.Stats(); st.DeadLettered != 0 {
		dl, _ := ad.DeadLetters(context.Background())
		tr.t.Errorf("%d events dead-lettered: %+v", st.DeadLettered, dl)
	}
	mid = tr.cv.Snapshot()
	tr.clock.Set(swedish("2027-02-01"))
	for attempt := 0; ; attempt++ {
		if _, err := ad.FireDue(context.Background()); err == nil {
			break
		} else if attempt > 50 {
			tr.t.Fatal(err)
		}
	}
	end = tr.cv.Snapshot()
	ad.Close()
	st.Close()
	return mid, end
}

func randomStops(seed uint64, total int64, n int) []int64 {
	r := rand.New(rand.NewPCG(seed, 99))
	stops := make([]int64, n)
	for i := range stops {
		stops[i] = 1 + r.Int64N(total-1)
	}
	slices.Sort(stops)
	return stops
}

// The scale tests run small by default, so that CI's `go test ./...` and `go test -race ./...`
// stay short on two cores; EDUSYNC_LONG=1 runs them at the sizes the issue was measured at.
// What each proves does not depend on the size: every kind of event, restart and fault is in
// the small term too (checkTerm says so), only fewer of them.
var longRun = os.Getenv("EDUSYNC_LONG") == "1"

// size is small, or long under EDUSYNC_LONG=1.
func size(small, long int) int {
	if longRun {
		return long
	}
	return small
}

// termSize is the term of TestReliabilityRestarts.
func termSize() int { return size(400, 10_000) }

// TestReliabilityRestarts stops and restarts the adapter at 20 random points of a term (400
// events; 10,000 under EDUSYNC_LONG=1; the store reopened each time) and checks that Canvas
// ends exactly as after an uninterrupted run; then the same with 10% of Canvas requests
// failing, including writes that Canvas carried out before the connection dropped.
func TestReliabilityRestarts(t *testing.T) {
	sc := termScenario(11, termSize())
	if len(sc.events) != termSize() {
		t.Fatalf("scenario has %d events", len(sc.events))
	}
	ref := newTermRun(t, sc, nil)
	refMid, refEnd := ref.run(nil)
	total := ref.requests.Load()
	checkTerm(t, sc, refMid, refEnd)
	t.Logf("uninterrupted: %d Canvas requests, %d users, %d enrolments", total, len(refEnd.Users), len(refEnd.Enrollments))

	t.Run("restarts", func(t *testing.T) {
		tr := newTermRun(t, sc, nil)
		mid, end := tr.run(randomStops(1, total, 20))
		if tr.restarts != 20 {
			t.Errorf("%d restarts, want 20", tr.restarts)
		}
		compareSnapshots(t, "mid-term", refMid, mid)
		compareSnapshots(t, "end of term", refEnd, end)
	})
	t.Run("restarts-with-faults", func(t *testing.T) {
		tr := newTermRun(t, sc, &canvastest.Faults{Seed: 5, ErrorRate: 0.03, RateLimitRate: 0.02, DropRate: 0.02, DropAfterWriteRate: 0.03})
		mid, end := tr.run(randomStops(2, total, 20))
		if tr.restarts != 20 {
			t.Errorf("%d restarts, want 20", tr.restarts)
		}
		f := canvastest.Total(tr.cv.Stats().Faults)
		if f < int(total)/20 {
			t.Errorf("only %d faults injected", f)
		}
		compareSnapshots(t, "mid-term", refMid, mid)
		compareSnapshots(t, "end of term", refEnd, end)
		t.Logf("%d Canvas requests, %d faults", tr.requests.Load(), f)
	})
}

func compareSnapshots(t *testing.T, when string, want, got canvastest.Snapshot) {
	t.Helper()
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("%s: Canvas differs from the uninterrupted run (-want +got):\n%s", when, d)
	}
}

// checkTerm checks the uninterrupted run against the scenario, so the comparisons above are
// about something.
func checkTerm(t *testing.T, sc *scenario, mid, end canvastest.Snapshot) {
	t.Helper()
	if len(end.Users) < len(sc.students)*9/10 {
		t.Errorf("%d users for %d students", len(end.Users), len(sc.students))
	}
	states := map[canvas.EnrollmentState]int{}
	for _, e := range mid.Enrollments {
		states[e.State]++
	}
	if states[canvas.EnrollmentStateInactive] == 0 || states[canvas.EnrollmentStateActive] == 0 {
		t.Errorf("mid-term enrolment states %v: want active and (suspended) inactive ones", states)
	}
	endStates := map[canvas.EnrollmentState]int{}
	for _, e := range end.Enrollments {
		endStates[e.State]++
	}
	if endStates[canvas.EnrollmentStateInactive] >= states[canvas.EnrollmentStateInactive] {
		t.Errorf("after the suspensions ended: %v (mid-term %v)", endStates, states)
	}
	var cancelled, coread int
	for _, c := range end.Courses {
		if len(c.Name) > 0 && c.Name[0] == '[' {
			cancelled++
		}
	}
	for _, s := range end.Sections {
		if s.Course != s.SISID {
			coread++
		}
		if len(s.Name) > 0 && s.Name[0] == '[' {
			cancelled++
		}
	}
	if cancelled != 2 || coread != 3 {
		t.Errorf("%d cancelled offerings marked, %d co-read sections; want 2 and 3", cancelled, coread)
	}
}
