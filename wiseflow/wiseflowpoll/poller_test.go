package wiseflowpoll_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/store/sqlite"
	"github.com/edusync/edusync/wiseflow"
	"github.com/edusync/edusync/wiseflow/wiseflowpoll"
	"github.com/edusync/edusync/wiseflow/wiseflowtest"
)

var scope = store.Scope{Flow: "wiseflow-poll", Tenant: "uio"}

func openStore(t testing.TB) store.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// drain takes every queued change of the scope.
func drain(t testing.TB, st store.Store) []wiseflowpoll.Change {
	t.Helper()
	var out []wiseflowpoll.Change
	w := &store.Worker{Store: st, Scope: scope, Handle: func(_ context.Context, d store.Delivery) error {
		c, err := wiseflowpoll.DecodeChange(d.Payload)
		if err != nil {
			return store.Permanent(err)
		}
		out = append(out, c)
		return nil
	}}
	if _, err := w.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	return out
}

// kinds summarises changes as "kind flow detail" lines, sorted.
func kinds(cs []wiseflowpoll.Change) []string {
	var out []string
	for _, c := range cs {
		s := fmt.Sprintf("%s %d", c.Kind, c.FlowID)
		switch c.Kind {
		case wiseflowpoll.KindExplanation:
			s += fmt.Sprintf(" p%d %s", c.Explanation.ParticipantID, c.Explanation.State)
		case wiseflowpoll.KindGrade:
			s += fmt.Sprintf(" p%d %s orig%d", c.Grade.ParticipantID, c.Grade.Grade, c.OriginalFlowID)
		case wiseflowpoll.KindRemarkingFlow:
			s += fmt.Sprintf(" -> %d", c.RemarkingFlow)
		case wiseflowpoll.KindThesisConcluded:
			s += fmt.Sprintf(" %d submissions", len(c.Submissions))
		}
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

type licence struct {
	srv          *wiseflowtest.Server
	c            *wiseflow.Client
	exam, thesis int64
	students     []int64
	author       int64
	assessor     int64
	notYet       int64 // a flow whose participation has not ended
	poller       *wiseflowpoll.Poller
	st           store.Store
	now          time.Time
	clockMu      sync.Mutex
}

func (l *licence) clock() time.Time {
	l.clockMu.Lock()
	defer l.clockMu.Unlock()
	return l.now
}

func (l *licence) advance(d time.Duration) {
	l.clockMu.Lock()
	l.now = l.now.Add(d)
	l.clockMu.Unlock()
}

func newLicence(t testing.TB) *licence {
	t.Helper()
	l := &licence{now: time.Date(2026, 6, 22, 12, 0, 0, 0, time.UTC)}
	l.srv = wiseflowtest.NewServer()
	t.Cleanup(l.srv.Close)
	day := time.Date(2026, 5, 20, 9, 0, 0, 0, time.UTC)
	l.exam = l.srv.AddFlow(wiseflowtest.FlowSpec{Name: "Eksamen", Purpose: wiseflow.FlowPurposeExamination, State: wiseflow.FlowStateConcluded,
		ParticipationStart: day, ParticipationEnd: day.Add(4 * time.Hour)})
	var err error
	l.assessor, err = l.srv.AddAssessor(l.exam, wiseflow.User{FirstName: "Ola", LastName: "Sensor"})
	must(t, err)
	for i := range 2 {
		pid, err := l.srv.AddParticipant(l.exam, wiseflow.User{FirstName: "S", LastName: fmt.Sprint(i)}, "")
		must(t, err)
		must(t, l.srv.GradeParticipant(l.exam, pid, "C"))
		l.students = append(l.students, pid)
	}
	l.thesis = l.srv.AddFlow(wiseflowtest.FlowSpec{Name: "Master", Purpose: wiseflow.FlowPurposeMaster, Type: wiseflow.FlowTypeHandin,
		State: wiseflow.FlowStateParticipationEnded, ParticipationStart: day.AddDate(0, -5, 0), ParticipationEnd: day})
	l.author, err = l.srv.AddParticipant(l.thesis, wiseflow.User{FirstName: "Per", LastName: "Student"}, "")
	must(t, err)
	_, err = l.srv.DeliverThesis(l.thesis, l.author, nil, wiseflowtest.File{Name: "m.pdf", ContentType: "application/pdf", Data: []byte("%PDF")})
	must(t, err)
	l.notYet = l.srv.AddFlow(wiseflowtest.FlowSpec{Name: "Høsteksamen", Purpose: wiseflow.FlowPurposeExamination, State: wiseflow.FlowStateNotActivated})
	l.c, err = l.srv.Client(wiseflow.WithRetry(wiseflow.RetryPolicy{BaseDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond}))
	must(t, err)
	l.st = openStore(t)
	l.poller = &wiseflowpoll.Poller{Client: l.c, Store: l.st, Scope: scope, Now: l.clock}
	return l
}

func TestRoundsQueueEachChangeOnce(t *testing.T) {
	l := newLicence(t)
	ctx := context.Background()
	st, err := l.poller.Round(ctx)
	must(t, err)
	if st.Flows != 3 || st.New != 3 || st.Read != 3 {
		t.Errorf("first round %+v", st)
	}
	first := kinds(drain(t, l.st))
	want := []string{fmt.Sprintf("grade %d p%d C orig0", l.exam, l.students[0]), fmt.Sprintf("grade %d p%d C orig0", l.exam, l.students[1])}
	if diff := cmp.Diff(want, first); diff != "" {
		t.Errorf("first round (-want +got):\n%s", diff)
	}

	// Nothing changed: one search page, no detail reads, nothing queued.
	l.srv.ResetStats()
	st, err = l.poller.Round(ctx)
	must(t, err)
	if st.Read != 0 || st.Queued != 0 || l.srv.Stats().Reads != 1 {
		t.Errorf("a round without changes: %+v, %d requests", st, l.srv.Stats().Reads)
	}

	// The thesis is graded and its flow concluded; an explanation request comes in through a
	// webhook (a hint); an appeal makes a remarking flow, where the new grade is set.
	must(t, l.srv.GradeParticipant(l.thesis, l.author, "B"))
	must(t, l.srv.ConcludeFlow(l.thesis))
	req, err := l.srv.RequestExplanation(l.exam, l.students[0])
	must(t, err)
	must(t, l.poller.Hint(ctx, l.exam))
	r, _, err := l.c.CreateReassessment(ctx, l.exam, false)
	must(t, err)
	rf := r.ReassessmentFlowID
	rp, err := l.srv.AddParticipant(rf, wiseflow.User{FirstName: "S", LastName: "0"}, "")
	must(t, err)
	must(t, l.srv.SetFlowState(rf, wiseflow.FlowStateParticipationEnded))
	must(t, l.srv.GradeParticipant(rf, rp, "B"))
	st, err = l.poller.Round(ctx)
	must(t, err)
	got := kinds(drain(t, l.st))
	want = []string{
		fmt.Sprintf("explanation %d p%d REQUESTED", l.exam, l.students[0]),
		fmt.Sprintf("grade %d p%d B orig%d", rf, rp, l.exam),
		fmt.Sprintf("grade %d p%d B orig0", l.thesis, l.author),
		fmt.Sprintf("remarking_flow %d -> %d", l.exam, rf),
		fmt.Sprintf("thesis_concluded %d 1 submissions", l.thesis),
	}
	slices.Sort(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("after the changes (-want +got):\n%s", diff)
	}
	if st.New != 1 || st.Changed != 1 || st.Hinted != 1 {
		t.Errorf("stats %+v", st)
	}

	// The explanation moves on without a listing change or a hint: the recheck finds it.
	must(t, l.srv.AssignExplanation(l.exam, req, l.assessor))
	st, err = l.poller.Round(ctx)
	must(t, err)
	if st.Read != 0 {
		t.Errorf("read %d flows before the recheck was due", st.Read)
	}
	l.advance(61 * time.Minute)
	st, err = l.poller.Round(ctx)
	must(t, err)
	got = kinds(drain(t, l.st))
	want = []string{fmt.Sprintf("explanation %d p%d ASSIGNED", l.exam, l.students[0])}
	if diff := cmp.Diff(want, got); diff != "" || st.Rechecked == 0 {
		t.Errorf("after the recheck (%+v) (-want +got):\n%s", st, diff)
	}

	pos, ok, err := store.LoadPosition(ctx, l.st, scope)
	must(t, err)
	if !ok || pos.Offset != 5 {
		t.Errorf("position %+v, want 5 rounds", pos)
	}
}

// TestAFailedFlowIsReadAgainAndNothingIsQueuedTwice: a flow's grades cannot be read; the
// round commits the other flows and fails; the next round reads the flow again.
func TestAFailedFlowIsReadAgainAndNothingIsQueuedTwice(t *testing.T) {
	l := newLicence(t)
	ctx := context.Background()
	c, err := l.srv.Client(wiseflow.WithoutRetry())
	must(t, err)
	l.poller.Client = c
	l.poller.Concurrency = 1
	l.srv.SetFaults(wiseflowtest.Faults{Rules: []wiseflowtest.Rule{{Operation: "getAssessments", Path: fmt.Sprintf("/flow/%d/", l.exam), Status: 503}}})
	if _, err := l.poller.Round(ctx); !errors.Is(err, wiseflow.ErrServer) {
		t.Fatalf("round: %v, want the 503", err)
	}
	if got := drain(t, l.st); len(got) != 0 {
		t.Errorf("the failed flow queued %v", kinds(got))
	}
	l.srv.SetFaults(wiseflowtest.Faults{})
	st, err := l.poller.Round(ctx)
	must(t, err)
	// The first round stopped at the failure: the flows after it are read now too.
	if got := drain(t, l.st); len(got) != 2 || st.Read != 3 {
		t.Errorf("the next round read %d flows and queued %v", st.Read, kinds(got))
	}
	st, err = l.poller.Round(ctx)
	must(t, err)
	if st.Queued != 0 || st.Read != 0 {
		t.Errorf("a third round: %+v", st)
	}
}

// shifter changes the licence between the pages of a search: before every other page it adds
// a flow at the front (the pages shift right), before the others it takes away two of the
// first flows (they shift left).
type shifter struct {
	next  http.RoundTripper
	srv   *wiseflowtest.Server
	mu    sync.Mutex
	pages int
	front int64
	gone  []int64
	kept  []int64 // flows present from start to end
}

func (s *shifter) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.URL.Path, "/flows/search") {
		s.mu.Lock()
		s.pages++
		switch {
		case s.pages > 1 && s.pages%2 == 0:
			s.front--
			s.srv.AddFlow(wiseflowtest.FlowSpec{ID: s.front, Name: "ny"})
		case s.pages > 1 && len(s.kept) > 2:
			for _, victim := range s.kept[:2] {
				s.srv.RemoveFlow(victim)
				s.gone = append(s.gone, victim)
			}
			s.kept = s.kept[2:]
		}
		s.mu.Unlock()
	}
	return s.next.RoundTrip(r)
}

func TestPagesThatShiftNeverSkipOrRepeatAFlow(t *testing.T) {
	srv := wiseflowtest.NewServer()
	defer srv.Close()
	var ids []int64
	for i := range 450 {
		ids = append(ids, srv.AddFlow(wiseflowtest.FlowSpec{ID: int64(100000 + 10*i), Name: "f"}))
	}
	sh := &shifter{next: http.DefaultTransport, srv: srv, front: 100000, kept: slices.Clone(ids)}
	c, err := srv.Client(wiseflow.WithHTTPClient(&http.Client{Transport: sh}), wiseflow.WithPageSize(50))
	must(t, err)
	st := openStore(t)
	p := &wiseflowpoll.Poller{Client: c, Store: st, Scope: scope, PageSize: 50}
	start := time.Now()
	rs, err := p.Round(context.Background())
	must(t, err)
	// Every page shifts; stepping back costs some pages, not hundreds.
	if rs.Pages > 30 {
		t.Errorf("the round read %d pages in %v for about 450 flows in pages of 50", rs.Pages, time.Since(start))
	}
	listed := map[int64]int{}
	var flows []int64
	must(t, st.View(context.Background(), scope, func(tx store.Tx) error {
		vs, err := tx.Values("flow/")
		for _, v := range vs {
			var id int64
			fmt.Sscan(strings.TrimPrefix(v.Key, "flow/"), &id)
			listed[id]++
			flows = append(flows, id)
		}
		return err
	}))
	if rs.Flows != len(flows) {
		t.Errorf("the round listed %d flows, remembers %d (a flow read twice?)", rs.Flows, len(flows))
	}
	for _, id := range sh.kept {
		if listed[id] != 1 {
			t.Errorf("flow %d, present throughout, was listed %d times", id, listed[id])
		}
	}
	if sh.pages < 10 || len(sh.gone) < 8 {
		t.Fatalf("the test shifted the pages %d times; it tests nothing", len(sh.gone))
	}

	// Plain offset paging under the same shifts misses flows: the test can fail.
	sh2 := &shifter{next: http.DefaultTransport, srv: srv, front: sh.front, kept: slices.Clone(sh.kept)}
	c2, err := srv.Client(wiseflow.WithHTTPClient(&http.Client{Transport: sh2}), wiseflow.WithPageSize(50))
	must(t, err)
	seen := map[int64]int{}
	for f, err := range c2.SearchFlows(context.Background(), wiseflow.FlowQuery{}) {
		must(t, err)
		seen[f.FlowID]++
	}
	missed, twice := 0, 0
	for _, id := range sh2.kept {
		switch seen[id] {
		case 0:
			missed++
		case 1:
		default:
			twice++
		}
	}
	if missed+twice == 0 {
		t.Errorf("plain offset paging missed %d flows and read %d twice under the shifts (%d pages); the shifter does not shift both ways", missed, twice, sh2.pages)
	}
}

// TestASearchThatNeverSettlesEnds: every page is the same flows under new ids.
func TestASearchThatNeverSettlesEnds(t *testing.T) {
	var n int
	var mu sync.Mutex
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		base := n * 1000
		mu.Unlock()
		var recs []string
		for i := range 100 {
			recs = append(recs, fmt.Sprintf(`{"flowId":%d,"state":"CONCLUDED"}`, base+i))
		}
		_, _ = io.WriteString(w, `{"success":true,"data":[`+strings.Join(recs, ",")+`],"pagination":{"total":1000000}}`)
	}))
	defer api.Close()
	c, err := wiseflow.New(api.URL, wiseflow.WithBearerToken("t"), wiseflow.WithoutThrottle())
	must(t, err)
	p := &wiseflowpoll.Poller{Client: c, Store: openStore(t), Scope: scope, MaxPages: 50}
	if _, err := p.Round(context.Background()); !errors.Is(err, wiseflowpoll.ErrNoConvergence) {
		t.Errorf("%v, want ErrNoConvergence", err)
	}
}

// endlessSubmissions answers a flow's submission listing with a page of 100 and a total of a
// trillion, at every offset: the same records (fresh false) or new ones each time.
type endlessSubmissions struct {
	next  http.RoundTripper
	fresh bool
	mu    sync.Mutex
	pages int
}

func (e *endlessSubmissions) RoundTrip(r *http.Request) (*http.Response, error) {
	if !strings.HasSuffix(r.URL.Path, "/submissions") {
		return e.next.RoundTrip(r)
	}
	if err := r.Context().Err(); err != nil {
		return nil, err
	}
	e.mu.Lock()
	e.pages++
	base := 1
	if e.fresh {
		base = e.pages * 100
	}
	e.mu.Unlock()
	var recs []string
	for i := range 100 {
		recs = append(recs, fmt.Sprintf(`{"id":%d,"status":{"handedIn":true}}`, base+i))
	}
	body := `{"success":true,"data":[` + strings.Join(recs, ",") + `],"error":null,"pagination":{"limit":100,"offset":` +
		r.URL.Query().Get("offset") + `,"total":1000000000000}}`
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
}

// TestASubmissionListingWithoutEndEnds: a concluded thesis flow whose submissions never end
// (the same page at every offset, or new records past wiseflow.MaxListRecords) ends the round
// with an error after a bounded number of requests, and nothing of the flow is queued.
func TestASubmissionListingWithoutEndEnds(t *testing.T) {
	for _, tc := range []struct {
		name     string
		fresh    bool
		want     error
		maxPages int
	}{
		{"the same page at every offset", false, wiseflow.ErrPageCycle, 2},
		{"new submissions without end", true, wiseflowpoll.ErrNoConvergence, wiseflow.MaxListRecords/100 + 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := wiseflowtest.NewServer(wiseflowtest.WithRateLimits(0, 0))
			defer srv.Close()
			srv.AddFlow(wiseflowtest.FlowSpec{Name: "Master", Purpose: wiseflow.FlowPurposeMaster, State: wiseflow.FlowStateConcluded})
			rt := &endlessSubmissions{next: http.DefaultTransport, fresh: tc.fresh}
			c, err := srv.Client(wiseflow.WithHTTPClient(&http.Client{Transport: rt}), wiseflow.WithoutThrottle())
			must(t, err)
			st := openStore(t)
			p := &wiseflowpoll.Poller{Client: c, Store: st, Scope: scope}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			if _, err := p.Round(ctx); !errors.Is(err, tc.want) {
				t.Fatalf("round: %v, want %v", err, tc.want)
			}
			if rt.pages > tc.maxPages {
				t.Errorf("the round read %d pages of submissions, want at most %d", rt.pages, tc.maxPages)
			}
			if got := drain(t, st); len(got) != 0 {
				t.Errorf("queued %v for a flow whose submissions were not all read", kinds(got))
			}
		})
	}
}

func TestDecodeChangeRefusesWhatIsNotOne(t *testing.T) {
	for _, bad := range []string{``, `{}`, `{"kind":"grade","flowId":1}`, `{"kind":"x","flowId":1}`, `{"kind":"explanation","flowId":1,"explanation":{"id":0}}`, `[]`} {
		if _, err := wiseflowpoll.DecodeChange([]byte(bad)); !errors.Is(err, wiseflowpoll.ErrBadChange) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestARestartedPollerWithItsHolderTakesItsLeaseBack(t *testing.T) {
	l := newLicence(t)
	ctx := context.Background()
	// A poller that crashed holding the lease for 15 minutes.
	must(t, l.st.Update(ctx, scope, func(tx store.Tx) error {
		_, err := tx.AcquireLease("wiseflowpoll", "host-a", 15*time.Minute)
		return err
	}))
	l.poller.Holder = "host-a"
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := l.poller.Round(rctx); err != nil {
		t.Fatalf("the restarted poller did not get its lease back: %v", err)
	}
	must(t, l.st.Update(ctx, scope, func(tx store.Tx) error {
		_, err := tx.AcquireLease("wiseflowpoll", "host-a", 15*time.Minute)
		return err
	}))
	octx, ocancel := context.WithTimeout(ctx, 1500*time.Millisecond)
	defer ocancel()
	if _, err := (&wiseflowpoll.Poller{Client: l.poller.Client, Store: l.st, Scope: scope, Holder: "host-b"}).Round(octx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("another holder ran while the lease was held: %v", err)
	}
}
