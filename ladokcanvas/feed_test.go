package ladokcanvas_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/edusync/edusync/canvas"
	"github.com/edusync/edusync/canvas/canvastest"
	"github.com/edusync/edusync/ladok"
	"github.com/edusync/edusync/ladok/ladokfeed"
	"github.com/edusync/edusync/ladokcanvas"
)

// TestPositionAfterCanvas: the feed position is saved only once Canvas has accepted the
// changes; while Canvas is down nothing is lost, and Run carries on once it is back.
func TestPositionAfterCanvas(t *testing.T) {
	e := newEnv(t, earlyConfig(), []ladokcanvas.Option{ladokcanvas.WithPollInterval(5 * time.Millisecond)},
		withCanvasClient(canvas.WithCreateAttempts(2)))
	e.feed(registrering("stu-anna", "off-prog1"))
	fs := ladokfeed.NewStoreState(e.st)
	before, _, _ := fs.LoadPosition(t.Context(), e.ad.FeedName())

	e.cv.SetFaults(canvastest.Faults{ErrorRate: 1, Operations: []string{"enrollInSection"}})
	e.lad.Append(registrering("stu-bo", "off-prog1"), registrering("stu-cia", "off-prog1"))
	_, err := e.ad.CatchUp(t.Context())
	if err == nil {
		t.Fatal("CatchUp succeeded with Canvas refusing every enrolment")
	}
	after, _, _ := fs.LoadPosition(t.Context(), e.ad.FeedName())
	if after != before {
		t.Errorf("the position moved from %+v to %+v although Canvas refused the changes", before, after)
	}
	if n := e.ad.Stats().DeadLettered; n != 0 {
		t.Errorf("%d events dead-lettered for a Canvas outage", n)
	}

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- e.ad.Run(ctx) }()
	deadline := time.Now().Add(20 * time.Second)
	for e.ad.Stats().Retried == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	e.cv.SetFaults(canvastest.Faults{})
	for (len(e.enrolments("stu-cia", "off-prog1")) == 0 || len(e.enrolments("stu-bo", "off-prog1")) == 0) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run returned %v", err)
	}
	same(t, "bo", e.enrolments("stu-bo", "off-prog1"), []string{roleRegistered + "/active"})
	same(t, "cia", e.enrolments("stu-cia", "off-prog1"), []string{roleRegistered + "/active"})
	if e.ad.Stats().Retried == 0 {
		t.Error("Run did not retry")
	}
}

// TestDuplicateDeliveries: an event delivered again later (same HandelseUID, new entry id),
// on the same page or a later one, does not undo what came after it.
func TestDuplicateDeliveries(t *testing.T) {
	e := newEnv(t, ladokcanvas.DefaultConfig(), nil)
	reg := registrering("stu-anna", "off-prog1")
	avb := &ladok.AvbrottEvent{StudentUID: "stu-anna", UtbildningstillfalleUID: "off-prog1"}
	e.lad.Append(reg, avb, reg) // same page
	for range 25 {              // push the next copy onto a later page
		e.lad.Append(&ladok.StudentTillLarosateEvent{StudentUID: "stu-bo", Efternamn: "Berg", Tilltalsnamn: "Bo"})
	}
	e.lad.Append(reg)
	e.catchUp()
	same(t, "after duplicates", e.enrolments("stu-anna", "off-prog1"), nil)
	if n := e.ad.Stats().Events; n != 2+25 {
		t.Errorf("%d events handed to the adapter, want 27 (the copies skipped)", n)
	}
	// A re-sent event with a new HandelseUID is applied again, and changes nothing.
	before := len(e.cv.Writes())
	e.feed(&ladok.StudentTillLarosateEvent{StudentUID: "stu-bo", Efternamn: "Berg", Tilltalsnamn: "Bo"})
	if n := len(e.cv.Writes()) - before; n != 0 {
		t.Errorf("a repeated event wrote %d changes", n)
	}
}

// TestOrderPerStudent: a student's events apply in feed order while other students' events
// run in parallel.
func TestOrderPerStudent(t *testing.T) {
	e := newEnv(t, ladokcanvas.DefaultConfig(), nil, withCanvas(canvastest.WithLatency(time.Millisecond)))
	var evs []ladok.Event
	students := []string{"stu-anna", "stu-bo", "stu-cia", "stu-dan"}
	for i := range 40 {
		for _, s := range students {
			if i%2 == 0 {
				evs = append(evs, registrering(s, "off-prog1"))
			} else {
				evs = append(evs, &ladok.AvbrottEvent{StudentUID: s, UtbildningstillfalleUID: "off-prog1"})
			}
		}
	}
	evs = append(evs, registrering("stu-anna", "off-prog1"), registrering("stu-cia", "off-prog1"))
	e.feed(evs...)
	same(t, "anna", e.enrolments("stu-anna", "off-prog1"), []string{"Student/active"})
	same(t, "bo", e.enrolments("stu-bo", "off-prog1"), nil)
	same(t, "cia", e.enrolments("stu-cia", "off-prog1"), []string{"Student/active"})
	same(t, "dan", e.enrolments("stu-dan", "off-prog1"), nil)
}

// inFlight counts Canvas requests in flight and remembers the most at once.
type inFlight struct {
	now, peak atomic.Int64
}

func (f *inFlight) RoundTrip(req *http.Request) (*http.Response, error) {
	n := f.now.Add(1)
	defer f.now.Add(-1)
	for p := f.peak.Load(); n > p && !f.peak.CompareAndSwap(p, n); p = f.peak.Load() {
	}
	return http.DefaultTransport.RoundTrip(req)
}

// TestParallelStudents: different students' events run at the same time, checked by how many
// Canvas requests were in flight at once (many in parallel, one with WithConcurrency(1)). How
// much faster that makes the adapter is a benchmark's question (BenchmarkAdmissionBurst's
// speedup): a timing comparison here failed under -race on a loaded 2-core machine.
func TestParallelStudents(t *testing.T) {
	run := func(opts ...ladokcanvas.Option) int64 {
		counter := &inFlight{}
		e := newEnv(t, ladokcanvas.DefaultConfig(), opts, withCanvas(canvastest.WithLatency(25*time.Millisecond)),
			withCanvasClient(canvas.WithHTTPClient(&http.Client{Transport: counter})))
		e.feed(registrering("stu-anna", "off-prog1")) // the course exists
		var evs []ladok.Event
		for i := range 24 {
			uid := "stu-p" + string(rune('a'+i))
			e.addStudent(uid, "P", string(rune('A'+i)), "", "")
			evs = append(evs, registrering(uid, "off-prog1"))
		}
		e.lad.Append(evs...)
		counter.peak.Store(0)
		e.catchUp()
		for i := range 24 {
			uid := "stu-p" + string(rune('a'+i))
			same(t, uid, e.enrolments(uid, "off-prog1"), []string{"Student/active"})
		}
		return counter.peak.Load()
	}
	if peak, serPeak := run(), run(ladokcanvas.WithConcurrency(1)); peak < 8 || serPeak != 1 {
		t.Errorf("at most %d Canvas requests at once in parallel (want 8 or more), %d one at a time (want 1)", peak, serPeak)
	}
}

// TestBrokenAndUnknownEntries: undecodable entries and failures that retrying cannot fix are
// dead-lettered and the feed goes on; event types the adapter does not act on are ignored.
func TestBrokenAndUnknownEntries(t *testing.T) {
	e := newEnv(t, earlyConfig(), nil)
	e.lad.AppendRaw("http://schemas.ladok.se/studiedeltagande/RegistreringEvent",
		[]byte(`<si:RegistreringEvent xmlns:si="http://schemas.ladok.se/studiedeltagande"><si:Period>tre</si:Period></si:RegistreringEvent>`))
	e.lad.AppendRaw("http://schemas.ladok.se/resultat/ResultatPaUtbildningEvent",
		[]byte(`<r:ResultatPaUtbildningEvent xmlns:r="http://schemas.ladok.se/resultat"><r:StudentUID>stu-anna</r:StudentUID></r:ResultatPaUtbildningEvent>`))
	e.feed(registrering("stu-nobody", "off-prog1"), // Ladok does not know the student
		registrering("stu-anna", "off-missing"), // nor the offering
		registrering("", "off-prog1"),
		registrering("stu-bo", "off-prog1"))
	same(t, "the feed went on", e.enrolments("stu-bo", "off-prog1"), []string{roleRegistered + "/active"})
	st := e.ad.Stats()
	if st.DeadLettered != 4 || st.Ignored != 1 {
		t.Errorf("stats %+v: want 4 dead-lettered (a broken entry, an unknown student, an unknown offering, no student), 1 ignored", st)
	}
	dl, err := e.ad.DeadLetters(t.Context())
	if err != nil || len(dl) != 4 {
		t.Fatalf("dead letters %v %v", dl, err)
	}
	var reasons []string
	for _, d := range dl {
		reasons = append(reasons, d.Reason)
	}
	all := strings.Join(reasons, "\n")
	for _, want := range []string{"stu-nobody is not in Ladok", "off-missing is not in Ladok", "names no student", "RegistreringEvent"} {
		if !strings.Contains(all, want) {
			t.Errorf("dead-letter reasons do not say %q:\n%s", want, all)
		}
	}
}

// TestMissingDependencies: whatever an event refers to is read from Ladok REST, whatever the
// order of the feed, and only once.
func TestMissingDependencies(t *testing.T) {
	e := newEnv(t, earlyConfig(), nil)
	e.feed(registrering("stu-anna", "off-prog1"), registrering("stu-bo", "off-prog1"), antagen("stu-anna", "off-prog2"))
	if _, ok := e.user("stu-anna"); !ok {
		t.Error("no user")
	}
	if n := e.lad.Stats().RequestsTo("/utbildningsinformation/utbildningstillfalle/off-prog1"); n != 1 {
		t.Errorf("the offering was read %d times from Ladok", n)
	}
	if n := e.lad.Stats().RequestsTo("/studentinformation/student/stu-anna"); n != 1 {
		t.Errorf("the student was read %d times from Ladok", n)
	}
	if n := e.lad.Stats().RequestsTo("/kataloginformation/organisation/" + orgUID); n != 1 {
		t.Errorf("the organisation was read %d times from Ladok", n)
	}
}
