package fspoll_test

import (
	"context"
	"errors"
	"iter"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/edusync/edusync/fs"
	"github.com/edusync/edusync/fs/fspoll"
	"github.com/edusync/edusync/fs/fsrules"
	"github.com/edusync/edusync/fs/fstest"
	"github.com/edusync/edusync/internal/testclock"
	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/store/sqlite"
	"github.com/edusync/edusync/synth"
)

var (
	examINF = fs.ExamKey{Institution: "999", CourseCode: "INF1000", Version: "1", AssessmentCode: "SKR", Year: 2026, Term: "VÅR"}
	vurdINF = examINF.VurdID()
	t0      = time.Date(2026, time.June, 22, 12, 0, 0, 0, fsrules.Oslo())
)

// env is a fake FS with one Inspera exam and three candidates, a SQLite store and a poller,
// all on one clock.
type env struct {
	srv   *fstest.Server
	c     *fs.Client
	clock *testclock.Clock
	st    store.Store
	path  string
	p     *fspoll.Poller
}

func newEnv(t *testing.T, cfg fspoll.Config) *env {
	t.Helper()
	clock := testclock.New(t0)
	srv := fstest.NewServer(fstest.WithClock(clock.Now))
	t.Cleanup(srv.Close)
	must(t, srv.AddExam(fs.Inspera, examINF, "5199", fsrules.Date{}))
	for _, k := range []fs.Number{"10001", "10002", "10003"} {
		must(t, srv.AddCandidate(vurdINF, fstest.Candidate{Kandidatnr: k, Personlopenr: "73" + k, Brukernavn: "u" + string(k), Committee: "5101"}))
	}
	c, err := srv.Client(fs.WithoutRetry())
	must(t, err)
	e := &env{srv: srv, c: c, clock: clock, path: filepath.Join(t.TempDir(), "state.db")}
	e.st = e.open(t)
	cfg.Source, cfg.Store, cfg.Now = c, e.st, clock.Now
	if cfg.Institution == "" {
		cfg.Institution, cfg.System = "999", fs.Inspera
	}
	if cfg.Start.IsZero() {
		cfg.Start = t0.Add(-24 * time.Hour)
	}
	e.p, err = fspoll.New(cfg)
	must(t, err)
	return e
}

func (e *env) open(t *testing.T) store.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), e.path, store.WithClock(e.clock.Now))
	must(t, err)
	t.Cleanup(func() { st.Close() })
	return st
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (e *env) poll(t *testing.T) fspoll.Round {
	t.Helper()
	r, err := e.p.Poll(context.Background())
	must(t, err)
	return r
}

// queued returns the changes in the poller's queue, oldest first, as "kind kandidatnr status".
func (e *env) queued(t *testing.T) []string {
	t.Helper()
	var out []string
	must(t, e.st.View(context.Background(), e.p.Scope(), func(tx store.Tx) error {
		ms, err := tx.Messages(0)
		if err != nil {
			return err
		}
		for _, m := range ms {
			c, err := fspoll.Decode(m.Payload)
			if err != nil {
				return err
			}
			out = append(out, describe(c))
		}
		return nil
	}))
	return out
}

func describe(c fspoll.Change) string {
	if c.Appeal != nil {
		return "appeal " + string(c.Appeal.Kandidatnr) + " " + string(c.Appeal.Klagestatus)
	}
	given := "asked"
	if c.ExplanationRequest.Given() {
		given = "given"
	}
	return "explanation " + string(c.ExplanationRequest.Kandidatnr) + " " + given
}

// Each change reaches the queue once, however often the overlap reads it again; a withdrawal
// and a renewed appeal are changes of their own (AKTIV, TRUKKET, AKTIV: three messages).
func TestEachChangeIsQueuedOnce(t *testing.T) {
	e := newEnv(t, fspoll.Config{})
	must(t, e.srv.RequestExplanation(vurdINF, "10002", fsrules.NewDate(2026, 6, 12)))
	e.clock.Advance(time.Minute)
	must(t, e.srv.FileAppeal(vurdINF, "10001", fsrules.NewDate(2026, 6, 22)))
	e.clock.Advance(time.Minute)
	if r := e.poll(t); r.Enqueued != 2 || r.Read != 2 {
		t.Errorf("first round %+v", r)
	}
	for range 3 {
		e.clock.Advance(10 * time.Minute)
		if r := e.poll(t); r.Enqueued != 0 || r.Seen != 2 {
			t.Errorf("a round that reads the overlap again: %+v", r)
		}
	}
	must(t, e.srv.WithdrawAppeal(vurdINF, "10001"))
	e.clock.Advance(time.Minute)
	e.poll(t)
	must(t, e.srv.FileAppeal(vurdINF, "10001", fsrules.NewDate(2026, 6, 22)))
	e.clock.Advance(time.Minute)
	e.poll(t)
	e.clock.Advance(time.Minute)
	e.poll(t)
	want := []string{"explanation 10002 asked", "appeal 10001 AKTIV", "appeal 10001 TRUKKET", "appeal 10001 AKTIV"}
	if d := cmp.Diff(want, e.queued(t)); d != "" {
		t.Errorf("queue (-want +got):\n%s", d)
	}
}

// A change FS stamped before the last round but made visible after it is read by the next
// round as long as its stamp is within the overlap; beyond it, it is missed (the overlap is
// what the host sets to cover FS's slowest commits and clock difference).
func TestOverlapCatchesLateStamps(t *testing.T) {
	tests := []struct {
		name    string
		overlap time.Duration
		late    time.Duration
		want    int
	}{
		{"within the overlap", time.Hour, 30 * time.Minute, 1},
		{"beyond the overlap", 10 * time.Minute, 30 * time.Minute, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, fspoll.Config{Overlap: tt.overlap})
			e.poll(t)
			roundAt := e.clock.Now()
			e.clock.Advance(5 * time.Minute)
			must(t, e.srv.FileAppeal(vurdINF, "10003", fsrules.NewDate(2026, 6, 22)))
			must(t, e.srv.Restamp(fstest.AppealRecord, vurdINF, "10003", roundAt.Add(-tt.late)))
			e.clock.Advance(5 * time.Minute)
			if r := e.poll(t); r.Enqueued != tt.want {
				t.Errorf("the late change: %+v, want %d enqueued", r, tt.want)
			}
		})
	}
}

// A round that fails part way moves nothing it has not finished: the next round reads from
// the same position and queues only what the failed one had not.
func TestAnInterruptedRoundResumes(t *testing.T) {
	e := newEnv(t, fspoll.Config{Chunk: 1})
	for _, k := range []fs.Number{"10001", "10002", "10003"} {
		must(t, e.srv.RequestExplanation(vurdINF, k, fsrules.NewDate(2026, 6, 12)))
		must(t, e.srv.FileAppeal(vurdINF, k, fsrules.NewDate(2026, 6, 22)))
		e.clock.Advance(time.Second)
	}
	e.clock.Advance(time.Minute)
	e.srv.SetFaults(fstest.Faults{Rules: []fstest.Rule{{Operation: "listChangedAppeals", Status: http.StatusBadGateway, Times: 1}}})
	r, err := e.p.Poll(context.Background())
	if !errors.Is(err, fs.ErrServer) || r.Enqueued != 3 {
		t.Fatalf("the failing round: %+v, %v", r, err)
	}
	pos, found, err := store.LoadPosition(context.Background(), e.st, e.p.Scope())
	must(t, err)
	if found {
		t.Fatalf("the failed round moved the position to %+v", pos)
	}
	if r := e.poll(t); r.Enqueued != 3 || r.Seen != 3 {
		t.Errorf("the round after: %+v", r)
	}
	if got := e.queued(t); len(got) != 6 {
		t.Errorf("queue %v", got)
	}
}

// A listing is read whole before any of it is enqueued: an answer cut short, or one longer
// than MaxRecords (a server that never stops), enqueues nothing of that listing.
func TestAListingIsEnqueuedOnlyWhenReadWhole(t *testing.T) {
	tests := []struct {
		name    string
		cfg     fspoll.Config
		faults  fstest.Faults
		wantErr func(error) bool
	}{
		{"cut short", fspoll.Config{Chunk: 1}, fstest.Faults{Rules: []fstest.Rule{{Operation: "listChangedAppeals", Truncate: true}}},
			func(err error) bool { return errors.As(err, new(*fs.DecodeError)) }},
		{"longer than MaxRecords", fspoll.Config{MaxRecords: 2}, fstest.Faults{},
			func(err error) bool { return errors.Is(err, fspoll.ErrTooManyRecords) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.cfg)
			for _, k := range []fs.Number{"10001", "10002", "10003"} {
				must(t, e.srv.FileAppeal(vurdINF, k, fsrules.NewDate(2026, 6, 22)))
			}
			e.clock.Advance(time.Minute)
			e.srv.SetFaults(tt.faults)
			_, err := e.p.Poll(context.Background())
			if !tt.wantErr(err) {
				t.Errorf("Poll: %v", err)
			}
			if got := e.queued(t); len(got) != 0 {
				t.Errorf("queued %v", got)
			}
		})
	}
}

// The position and the records seen are in the store: a poller started again over the same
// file (after a crash or a deploy) goes on where the last one stopped.
func TestARestartedPollerGoesOn(t *testing.T) {
	e := newEnv(t, fspoll.Config{})
	must(t, e.srv.FileAppeal(vurdINF, "10001", fsrules.NewDate(2026, 6, 22)))
	e.clock.Advance(time.Minute)
	first := e.poll(t)
	must(t, e.st.Close())
	e.st = e.open(t)
	p, err := fspoll.New(fspoll.Config{Source: e.c, Store: e.st, Institution: "999", System: fs.Inspera, Now: e.clock.Now})
	must(t, err)
	e.p = p
	e.clock.Advance(time.Minute)
	r := e.poll(t)
	if !r.Since.Equal(first.Next) || r.Enqueued != 0 || r.Seen != 1 {
		t.Errorf("after the restart %+v (first round %+v)", r, first)
	}
}

// What is kept of seen records is what the last round read: a record is forgotten once a
// round no longer reads it.
func TestSeenRecordsAreForgotten(t *testing.T) {
	e := newEnv(t, fspoll.Config{Overlap: 10 * time.Minute})
	must(t, e.srv.FileAppeal(vurdINF, "10001", fsrules.NewDate(2026, 6, 22)))
	e.clock.Advance(time.Minute)
	e.poll(t)
	count := func() int {
		n := 0
		must(t, e.st.View(context.Background(), e.p.Scope(), func(tx store.Tx) error {
			vs, err := tx.Values("seen/")
			n = len(vs)
			return err
		}))
		return n
	}
	if n := count(); n != 1 {
		t.Fatalf("%d seen records after the first round", n)
	}
	e.clock.Advance(30 * time.Minute)
	e.poll(t) // still reads the appeal: the first round's position was before it
	if n := count(); n != 1 {
		t.Errorf("%d seen records while rounds read the appeal", n)
	}
	e.clock.Advance(30 * time.Minute)
	if r := e.poll(t); r.Read != 0 {
		t.Fatalf("the third round read %d records", r.Read)
	}
	if n := count(); n != 0 {
		t.Errorf("%d seen records once no round reads the appeal", n)
	}
}

// stub is a Source whose listings yield what a test gives.
type stub struct {
	appeals  []result[fs.Appeal]
	requests []result[fs.ExplanationRequest]
}

type result[T any] struct {
	v   T
	err error
}

func seq[T any](rs []result[T]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for _, r := range rs {
			if !yield(r.v, r.err) {
				return
			}
		}
	}
}

func (s *stub) ListChangedAppeals(context.Context, fs.ChangeQuery) iter.Seq2[fs.Appeal, error] {
	return seq(s.appeals)
}

func (s *stub) ListChangedExplanationRequests(context.Context, fs.ChangeQuery) iter.Seq2[fs.ExplanationRequest, error] {
	return seq(s.requests)
}

// A record FS sent that cannot be used is not dropped silently: it is a dead letter of the
// scope, for an operator, and the round goes on. Records without a stamp are delivered once
// while FS keeps listing them, and again when the same content comes back later.
func TestBadAndUnstampedRecords(t *testing.T) {
	clock := testclock.New(t0)
	st := store.NewMemory(store.WithClock(clock.Now))
	defer st.Close()
	a := fs.Appeal{VurdID: vurdINF, Kandidatnr: "10001", Klagestatus: fs.AppealActive}
	src := &stub{appeals: []result[fs.Appeal]{{v: a}, {err: &fs.RecordError{Path: "/eksamen/klager/INSPERA", Index: 1, Err: fs.ErrNoID}}}}
	p, err := fspoll.New(fspoll.Config{Source: src, Store: st, Institution: "999", System: fs.Inspera, Now: clock.Now})
	must(t, err)
	ctx := context.Background()
	r, err := p.Poll(ctx)
	must(t, err)
	if r.Enqueued != 1 || r.Bad != 1 {
		t.Errorf("round %+v", r)
	}
	must(t, st.View(ctx, p.Scope(), func(tx store.Tx) error {
		dead, err := tx.DeadLetters("bad/")
		if len(dead) != 1 {
			t.Errorf("dead letters %+v", dead)
		}
		return err
	}))
	src.appeals = src.appeals[:1]
	clock.Advance(time.Minute)
	if r, _ := p.Poll(ctx); r.Enqueued != 0 || r.Seen != 1 {
		t.Errorf("the unstamped appeal listed again: %+v", r)
	}
	src.appeals = nil
	clock.Advance(time.Minute)
	p.Poll(ctx)
	src.appeals = []result[fs.Appeal]{{v: a}}
	clock.Advance(time.Minute)
	if r, _ := p.Poll(ctx); r.Enqueued != 1 {
		t.Errorf("the same content back after it was gone: %+v", r)
	}
}

// A listing that ends with an error (a strict client's DecodeError around a bad record) ends
// the round without moving the position: the records after it are not skipped.
func TestAListingThatFailsEndsTheRound(t *testing.T) {
	clock := testclock.New(t0)
	st := store.NewMemory(store.WithClock(clock.Now))
	defer st.Close()
	bad := &fs.DecodeError{Path: "/eksamen/klager/INSPERA", Err: &fs.RecordError{Index: 0, Err: fs.ErrNoID}}
	src := &stub{requests: []result[fs.ExplanationRequest]{{err: bad}}}
	p := mustPoller(t, fspoll.Config{Source: src, Store: st, Institution: "999", System: fs.Inspera, Now: clock.Now})
	if _, err := p.Poll(context.Background()); !errors.Is(err, bad) {
		t.Errorf("Poll: %v", err)
	}
	if _, found, _ := store.LoadPosition(context.Background(), st, p.Scope()); found {
		t.Error("the failed round moved the position")
	}
}

// An FS that does not keep to siden (it lists the same old record every round) still has it
// delivered once.
func TestARecordListedAgainAndAgainIsQueuedOnce(t *testing.T) {
	clock := testclock.New(t0)
	st := store.NewMemory(store.WithClock(clock.Now), store.WithDedupWindow(time.Minute))
	defer st.Close()
	old := fs.Appeal{VurdID: vurdINF, Kandidatnr: "10001", Klagestatus: fs.AppealActive,
		SistEndret: fs.Timestamp{Time: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}}
	src := &stub{appeals: []result[fs.Appeal]{{v: old}}}
	p := mustPoller(t, fspoll.Config{Source: src, Store: st, Institution: "999", System: fs.Inspera, Now: clock.Now})
	enqueued := 0
	for range 5 {
		r, err := p.Poll(context.Background())
		must(t, err)
		enqueued += r.Enqueued
		clock.Advance(2 * time.Hour)
	}
	if enqueued != 1 {
		t.Errorf("queued %d times", enqueued)
	}
}

// Run polls at once, then on its interval and when triggered, and stops with its context.
func TestRunPollsOnItsIntervalAndWhenTriggered(t *testing.T) {
	e := newEnv(t, fspoll.Config{Interval: time.Hour})
	e.p = mustPoller(t, fspoll.Config{Source: e.c, Store: e.st, Institution: "999", System: fs.Inspera, Now: e.clock.Now,
		After: e.clock.After, Interval: time.Hour, Start: t0.Add(-time.Hour)})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.p.Run(ctx) }()
	rounds := func() int64 {
		pos, _, err := store.LoadPosition(context.Background(), e.st, e.p.Scope())
		must(t, err)
		return pos.Offset
	}
	waitFor := func(n int64) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for rounds() < n {
			if time.Now().After(deadline) {
				t.Fatalf("%d rounds, want %d", rounds(), n)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitFor(1)
	e.clock.BlockUntil(ctx, 1)
	e.clock.Advance(time.Hour)
	waitFor(2)
	e.clock.BlockUntil(ctx, 1)
	e.p.Trigger()
	waitFor(3)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run: %v", err)
	}
}

func mustPoller(t *testing.T, cfg fspoll.Config) *fspoll.Poller {
	t.Helper()
	p, err := fspoll.New(cfg)
	must(t, err)
	return p
}

func TestNewRefusesBadConfigs(t *testing.T) {
	st := store.NewMemory()
	defer st.Close()
	src := &stub{}
	for _, cfg := range []fspoll.Config{
		{Store: st, Institution: "999", System: fs.Inspera},
		{Source: src, Institution: "999", System: fs.Inspera},
		{Source: src, Store: st, Institution: "x99", System: fs.Inspera},
		{Source: src, Store: st, Institution: "999", System: "CANVAS"},
		{Source: src, Store: st, Institution: "999", System: fs.Inspera, Overlap: -time.Second},
	} {
		if _, err := fspoll.New(cfg); !errors.Is(err, fspoll.ErrConfig) {
			t.Errorf("%+v: %v", cfg, err)
		}
	}
}

// A term of synth's exams: the first round from the term's start queues every appeal and
// explanation request of the exam system, and the round after the next day's load only what
// changed.
func TestATermOfSynthExams(t *testing.T) {
	pop, err := fstest.SmallUniversity(1)
	must(t, err)
	today := pop.Options.Today
	clock := testclock.New(time.Date(today.Year(), today.Month(), today.Day(), 20, 0, 0, 0, fsrules.Oslo()))
	srv := fstest.NewServer(fstest.WithClock(clock.Now))
	defer srv.Close()
	held := srv.LoadPopulation(pop, fstest.LoadOptions{})
	c, err := srv.Client()
	must(t, err)
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "s.db"), store.WithClock(clock.Now))
	must(t, err)
	defer st.Close()
	pollers := map[fs.ExamSystem]*fspoll.Poller{}
	total := 0
	for _, sys := range []fs.ExamSystem{fs.Inspera, fs.WISEflow} {
		pollers[sys] = mustPoller(t, fspoll.Config{Source: c, Store: st, Institution: synth.FSInstitution, System: sys,
			Now: clock.Now, Start: time.Date(2026, 1, 1, 0, 0, 0, 0, fsrules.Oslo())})
		r, err := pollers[sys].Poll(context.Background())
		must(t, err)
		total += r.Enqueued
	}
	if total != held.Appeals+held.ExplanationRequests || total == 0 {
		t.Errorf("the first rounds queued %d, FS holds %d appeals and %d explanation requests", total, held.Appeals, held.ExplanationRequests)
	}
	next, _, err := synth.NextDay(pop, 7, 0.001)
	must(t, err)
	clock.Advance(24 * time.Hour)
	changed := srv.LoadPopulation(next, fstest.LoadOptions{}).Changed
	clock.Advance(time.Minute)
	total = 0
	for _, sys := range []fs.ExamSystem{fs.Inspera, fs.WISEflow} {
		r, err := pollers[sys].Poll(context.Background())
		must(t, err)
		total += r.Enqueued
	}
	if changed == 0 || total != changed {
		t.Errorf("the next day queued %d, FS changed %d", total, changed)
	}
	keys := map[string]bool{}
	for _, sys := range []fs.ExamSystem{fs.Inspera, fs.WISEflow} {
		must(t, st.View(context.Background(), pollers[sys].Scope(), func(tx store.Tx) error {
			ms, err := tx.Messages(0)
			for _, m := range ms {
				if keys[m.Key] {
					t.Errorf("key %s queued twice", m.Key)
				}
				keys[m.Key] = true
			}
			return err
		}))
	}
	if want := held.Appeals + held.ExplanationRequests + changed; len(keys) != want {
		t.Errorf("%d messages in the queues, want %d", len(keys), want)
	}
}
