package archive_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/edusync/edusync/archive"
	"github.com/edusync/edusync/archive/noark5"
	"github.com/edusync/edusync/archive/noark5test"
	"github.com/edusync/edusync/fs/fstest"
	"github.com/edusync/edusync/inspera"
	"github.com/edusync/edusync/inspera/insperahook"
	"github.com/edusync/edusync/inspera/insperatest"
	"github.com/edusync/edusync/internal/testclock"
	"github.com/edusync/edusync/notify"
	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/synth"
	"github.com/edusync/edusync/wiseflow"
	"github.com/edusync/edusync/wiseflow/wiseflowpoll"
	"github.com/edusync/edusync/wiseflow/wiseflowtest"
)

// env is a whole term's worth of fakes: FS, Inspera, WISEflow and the archive, with synth's
// small university loaded and a clock the test moves.
type env struct {
	clock    *testclock.Clock
	pop      *synth.Population
	ix       *synth.Index
	fs       *fstest.Server
	insp     *insperatest.Server
	wf       *wiseflowtest.Server
	noark    *noark5test.Server
	inspSrc  *archive.InsperaSource
	wfSrc    *archive.WISEflowSource
	archiver *archive.NoarkArchiver
	alerts   *alerts
}

type alerts struct {
	mu  sync.Mutex
	got []notify.Alert
}

func (a *alerts) Notify(_ context.Context, al notify.Alert) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.got = append(a.got, al)
	return nil
}

func (a *alerts) all() []notify.Alert {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]notify.Alert(nil), a.got...)
}

// start is the first day the flow runs: synth's preset day.
var start = time.Date(2026, 6, 22, 9, 0, 0, 0, time.UTC)

func newEnv(t testing.TB) *env {
	t.Helper()
	pop, err := smallTerm(7)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{clock: testclock.New(start), pop: pop, ix: synth.NewIndex(pop), alerts: &alerts{}}
	e.fs = fstest.NewServer(fstest.WithClock(e.clock.Now))
	t.Cleanup(e.fs.Close)
	e.fs.LoadPopulation(pop, fstest.LoadOptions{RegisterGiven: true})
	e.insp = insperatest.NewServer(insperatest.WithClock(e.clock.Now))
	t.Cleanup(e.insp.Close)
	e.insp.LoadPopulation(pop, insperatest.LoadOptions{})
	e.wf = wiseflowtest.NewServer(wiseflowtest.WithClock(e.clock.Now), wiseflowtest.WithRateLimits(1_000_000, 10_000_000))
	t.Cleanup(e.wf.Close)
	e.wf.LoadPopulation(pop, wiseflowtest.LoadOptions{})
	e.noark = noark5test.NewServer()
	t.Cleanup(e.noark.Close)
	ic, err := e.insp.Client(inspera.WithoutRetry())
	if err != nil {
		t.Fatal(err)
	}
	wc, err := e.wf.Client(wiseflow.WithoutRetry())
	if err != nil {
		t.Fatal(err)
	}
	e.inspSrc = &archive.InsperaSource{Client: ic, Covers: e.covers}
	e.wfSrc = &archive.WISEflowSource{Client: wc, Cover: archive.CoverElements{Title: wiseflowtest.CoverTitle,
		Publish: wiseflowtest.CoverPublish, Delay: wiseflowtest.CoverDelay, Confidential: wiseflowtest.CoverConfidential}}
	nc, err := e.noark.Client(noark5.WithRetry(noark5.RetryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	e.archiver = &archive.NoarkArchiver{Client: nc, Series: noark5test.DefaultSeries, Now: e.clock.Now}
	return e
}

// covers is the host's cover-sheet lookup for Inspera (the institution's form system; here
// synth's answers).
func (e *env) covers(_ context.Context, k archive.Key) (archive.CoverSheet, error) {
	for i := range e.pop.Theses {
		th := &e.pop.Theses[i]
		c, _ := e.ix.Candidate(th.Candidate)
		u, _ := e.ix.ExamUnit(c.ExamUnit)
		if u.VurdID == k.Exam && c.CandidateNo == k.Candidate {
			cv := th.Cover
			return archive.CoverSheet{Present: true, Title: cv.Title, Publish: archive.ParseAnswer(cv.Publish.String()),
				Delay: archive.Delay(cv.Delay.String()), Confidential: archive.ParseAnswer(cv.Confidential.String())}, nil
		}
	}
	return archive.CoverSheet{}, nil
}

func (e *env) config(st store.Store, stager archive.Stager) archive.Config {
	fc, err := e.fs.Client()
	if err != nil {
		panic(err)
	}
	return archive.Config{Store: st, Scope: store.Scope{Flow: "archive", Tenant: "uit"}, FS: fc,
		Sources: map[archive.System]archive.Source{archive.Inspera: e.inspSrc, archive.WISEflow: e.wfSrc},
		Stager:  stager, Archiver: e.archiver, Alerts: e.alerts, Now: e.clock.Now, Backoff: time.Minute, Holder: "test"}
}

// collect hands every thesis of the population to the flow as the receivers would: an
// Inspera submission_delivered event per test, a WISEflow thesis_concluded change per flow.
func (e *env) collect(t testing.TB, f *archive.Flow) int {
	t.Helper()
	ctx := context.Background()
	n := 0
	seen := map[int64]bool{}
	for i := range e.pop.Theses {
		c, _ := e.ix.Candidate(e.pop.Theses[i].Candidate)
		u, _ := e.ix.ExamUnit(c.ExamUnit)
		if seen[u.SystemID] {
			continue
		}
		seen[u.SystemID] = true
		var theses []archive.Thesis
		var err error
		switch u.System {
		case synth.Inspera:
			theses, err = e.inspSrc.Theses(ctx, insperahook.Event{Name: inspera.EventSubmissionDelivered,
				ContextObjectID: inspera.ID(u.SystemID).String(), ContextObjectType: "ASSESSMENT_RUN"})
		default:
			ch := wiseflowpoll.Change{Kind: wiseflowpoll.KindThesisConcluded, FlowID: u.SystemID,
				Flow: wiseflowpoll.FlowInfo{Purpose: wiseflow.FlowPurposeMaster}}
			for s, err := range e.wfSrc.Client.ListSubmissions(ctx, u.SystemID) {
				if err != nil {
					t.Fatal(err)
				}
				ch.Submissions = append(ch.Submissions, wiseflowpoll.Submission{ID: s.ID, HandedIn: s.Status.HandedIn})
			}
			theses, _, err = e.wfSrc.Theses(ctx, ch)
		}
		if err != nil {
			t.Fatalf("%s unit %d: %v", u.System, u.SystemID, err)
		}
		for _, th := range theses {
			if err := f.Collect(ctx, th); err != nil {
				t.Fatal(err)
			}
			n++
		}
	}
	return n
}

// run moves the clock a day at a time until until, stepping the flow until nothing is due, and
// calls check every seventh day and at the end.
func (e *env) run(t testing.TB, f *archive.Flow, until time.Time, check func()) {
	t.Helper()
	for day := 0; ; day++ {
		for {
			n, err := f.Step(context.Background(), 0)
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				break
			}
		}
		last := !e.clock.Now().Add(24 * time.Hour).Before(until.Add(time.Nanosecond))
		if check != nil && (day%7 == 0 || last) {
			check()
		}
		if last {
			return
		}
		e.clock.Set(e.clock.Now().Add(24 * time.Hour))
	}
}

// gradeRest has the committees grade every thesis still without a grade ("C").
func (e *env) gradeRest(t testing.TB) {
	t.Helper()
	confirm := map[inspera.ID]bool{}
	for i := range e.pop.Theses {
		c, _ := e.ix.Candidate(e.pop.Theses[i].Candidate)
		if c.Grade != synth.NoGrade {
			continue
		}
		u, _ := e.ix.ExamUnit(c.ExamUnit)
		var err error
		if u.System == synth.Inspera {
			err = e.insp.GradeCandidate(inspera.ID(u.SystemID), c.CandidateNo, "C")
			confirm[inspera.ID(u.SystemID)] = true
		} else {
			err = e.wf.GradeParticipant(u.SystemID, c.SystemID, "C")
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	for id := range confirm {
		if err := e.insp.ConfirmFinalGrades(id); err != nil {
			t.Fatal(err)
		}
	}
}

// smallTerm is fstest.SmallUniversity with thesis files a hundredth of their size, so that a
// term's worth of staging and uploads takes a moment.
func smallTerm(seed uint64) (*synth.Population, error) {
	opts, err := synth.PresetOptions(synth.PresetUniversityNO)
	if err != nil {
		return nil, err
	}
	opts.Seed = seed
	opts.UniversityStudents, opts.UniversityStaff, opts.Departments = 600, 80, 6
	opts.CourseOfferings, opts.Programmes, opts.ProgrammeOfferings, opts.Registrations = 60, 4, 8, 3_000
	opts.ExamCandidates, opts.Theses = 800, 40
	opts.FileScale = 0.01
	return synth.Generate(opts)
}
