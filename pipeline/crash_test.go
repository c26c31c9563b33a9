package pipeline_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/edusync/edusync/pipeline"
	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/schulconnex"
	"github.com/edusync/edusync/schulconnex/schulconnexsync"
	"github.com/edusync/edusync/schulconnex/schulconnextest"
	"github.com/edusync/edusync/store/sqlite"
)

// The crash tests run the Schulconnex pair (a school-administration system's CSV export into
// a Schulconnex service) in a child process: this test binary run again, against a fake
// service in the parent. The parent SIGKILLs the child in the middle of applying the first
// run, then runs the pipeline itself on the same SQLite file, which must finish the work:
// every record written exactly once, nothing asked about that the dead run wrote.

const crashEnv = "PIPELINE_CRASH_CHILD" // JSON crashConfig; set in the child only

type crashConfig struct {
	Store, CSV              string
	URL, TokenURL, ID, Key  string
	NoReferrers             bool
	LeaseTTL, Poll, Timeout time.Duration
}

// crashPipeline is the pipeline both processes run.
func crashPipeline(cfg crashConfig, opts ...pipeline.Option) (*pipeline.Pipeline, *sqlite.Store, error) {
	src, err := schulconnexsync.OpenCSV(cfg.CSV, schulconnexsync.CSVOptions{})
	if err != nil {
		return nil, nil, err
	}
	c, err := schulconnex.New(cfg.URL, schulconnex.WithClientCredentials(cfg.TokenURL, cfg.ID, cfg.Key))
	if err != nil {
		return nil, nil, err
	}
	var tgt reconcile.Target = schulconnexsync.NewTarget(c, schulconnexsync.TargetOptions{NoContextReferrers: cfg.NoReferrers})
	if cfg.NoReferrers {
		tgt = withoutReferrers{tgt}
	}
	st, err := sqlite.Open(context.Background(), cfg.Store)
	if err != nil {
		return nil, nil, err
	}
	opts = append([]pipeline.Option{pipeline.WithLeaseTTL(cfg.LeaseTTL), pipeline.WithPoll(cfg.Poll),
		pipeline.WithInterval(24 * time.Hour)}, opts...)
	p, err := pipeline.New("crash", src, tgt, st, opts...)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return p, st, nil
}

// withoutReferrers is a target that keeps no referrers (as many do): it declares none and
// yields none, so the records the pipeline created are its own only through the history.
type withoutReferrers struct{ reconcile.Target }

func (t withoutReferrers) Capabilities() reconcile.Capabilities {
	c := t.Target.Capabilities()
	c.Referrers = false
	return c
}

func (t withoutReferrers) Persons(ctx context.Context) iter.Seq2[reconcile.Person, error] {
	return func(yield func(reconcile.Person, error) bool) {
		for p, err := range t.Target.Persons(ctx) {
			p.Keys.Referrer = ""
			if !yield(p, err) {
				return
			}
		}
	}
}

func (t withoutReferrers) Groups(ctx context.Context) iter.Seq2[reconcile.Group, error] {
	return func(yield func(reconcile.Group, error) bool) {
		for g, err := range t.Target.Groups(ctx) {
			g.Keys.Referrer = ""
			if !yield(g, err) {
				return
			}
		}
	}
}

// TestCrashChild is the runner the crash tests start and kill; it does nothing in a normal
// test run.
func TestCrashChild(t *testing.T) {
	raw := os.Getenv(crashEnv)
	if raw == "" {
		t.Skip("only run as a crash test's subprocess")
	}
	var cfg crashConfig
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	p, _, err := crashPipeline(cfg)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), cfg.Timeout)
	defer cancel()
	_, err = p.Run(ctx)
	fmt.Println("error: the run ended before it was killed:", err)
	os.Exit(2)
}

// crashSchool is the source: pupils in two classes, without birth places, so that a person the
// target holds without a referrer is never matched without a person's confirmation.
func crashSchool(kennung string, n int) *reconcile.Snapshot {
	s := &reconcile.Snapshot{Groups: []reconcile.Group{
		{Keys: reconcile.Keys{SourceKey: "7a"}, Name: "7a", Type: "Klasse", Organisation: kennung},
		{Keys: reconcile.Keys{SourceKey: "7b"}, Name: "7b", Type: "Klasse", Organisation: kennung},
	}}
	for i := range n {
		key := fmt.Sprintf("%04d", 1000+i)
		s.Persons = append(s.Persons, reconcile.Person{Keys: reconcile.Keys{SourceKey: key},
			FamilyName: fmt.Sprintf("Schüler%03d", i), GivenNames: "Kim", BirthDate: reconcile.NewDate(2013, time.Month(1+i%12), 1+i%28),
			Contexts: []reconcile.Context{{Organisation: kennung, Role: "Lern"}}})
		s.Memberships = append(s.Memberships, reconcile.Membership{Person: key, Group: []string{"7a", "7b"}[i%2], Role: "Lern"})
	}
	return s
}

func TestKilledRunnerIsFinishedByTheNextRun(t *testing.T) {
	for _, noReferrers := range []bool{false, true} {
		name := "referrers"
		if noReferrers {
			name = "no referrers"
		}
		t.Run(name, func(t *testing.T) { killedRunner(t, noReferrers) })
	}
}

func killedRunner(t *testing.T, noReferrers bool) {
	if os.Getenv(crashEnv) != "" {
		t.Skip("in the subprocess")
	}
	fake := schulconnextest.NewServer()
	t.Cleanup(fake.Close)
	const pupils = 40
	kennung := fake.Organisation().Kennung
	dir := t.TempDir()
	if err := schulconnexsync.WriteCSV(dir, crashSchool(kennung, pupils), schulconnexsync.CSVOptions{}); err != nil {
		t.Fatal(err)
	}
	creds := fake.Credentials()
	cfg := crashConfig{Store: filepath.Join(dir, "state.db"), CSV: dir, URL: fake.URL(), TokenURL: fake.TokenURL(),
		ID: creds.ClientID, Key: creds.ClientSecret, NoReferrers: noReferrers,
		LeaseTTL: time.Second, Poll: 50 * time.Millisecond, Timeout: time.Minute}
	// Slow writes, so the kill lands in the middle of the first run.
	fake.SetFaults(schulconnextest.Faults{Rules: []schulconnextest.Rule{{Method: "POST", Delay: 15 * time.Millisecond}}})

	raw, _ := json.Marshal(cfg)
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+string(raw))
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	t.Cleanup(func() {
		if !killed {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	waitFor(t, "the child to create a third of the pupils", func() bool {
		return fake.Stats().Requests["createPerson"] >= pupils/3
	})
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	killed = true
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != -1 {
		t.Fatalf("the child ended with %v, not by the kill", err)
	}
	written := fake.Stats().Requests["createPerson"]
	if written >= pupils {
		t.Fatalf("the child created all %d pupils before it was killed", written)
	}
	fake.SetFaults(schulconnextest.Faults{})

	// The next runner: Start finds the dead runner's run once its lease has expired.
	lg := newLogs()
	p, st, err := crashPipeline(cfg, pipeline.WithLogger(lg.logger()), pipeline.WithLeaseTTL(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() }) // after Start has stopped (cleanups run last first)
	stop := started(t, p)
	waitFor(t, "the next run to end", func() bool { _, e, _ := lg.counts(); return e >= 1 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	runs, err := p.Ledger().Runs(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 {
		t.Fatalf("%d runs, want the killed one and the next", len(runs))
	}
	dead, next := runs[1], runs[0]
	if dead.Status != pipeline.StatusInterrupted || !strings.Contains(dead.Error, "journaled") {
		t.Fatalf("the killed run: %s, %q", dead.Status, dead.Error)
	}
	// Without referrers, creates are journaled as they happen: the dead run's record says what
	// it wrote. (With referrers they are journaled in batches, and the referrer tells.)
	if noReferrers && (dead.Report == nil || dead.Report.Counts.Created == 0) {
		t.Fatalf("the killed run's journaled writes are not in its record: %+v", dead.Report)
	}
	if next.Trigger != pipeline.TriggerSchedule {
		t.Fatalf("the next run was made by %s", next.Trigger)
	}
	switch {
	case next.Status == pipeline.StatusSucceeded:
	case noReferrers && next.Status == pipeline.StatusWaiting && next.Plan.Counts.Pending == 1:
		// The create under way when the child died reached the service but not the journal:
		// without a referrer, only a person can tell that record is this pupil's.
		qs, err := p.Ledger().Questions(ctx)
		if err != nil || len(qs) != 1 || qs[0].Action.Case != 3 {
			t.Fatalf("questions = %+v, %v; want the match of the pupil under way", qs, err)
		}
		if err := p.Ledger().Answer(ctx, "test", reconcile.Decision{ID: qs[0].Action.ID, Verdict: reconcile.Approve}); err != nil {
			t.Fatal(err)
		}
		mustRun(t, p, pipeline.StatusSucceeded)
	default:
		t.Fatalf("the next run: %s (%s), %d questions; want it to finish the work\n%s", next.Status, next.Error, next.Plan.Counts.Pending, lg)
	}

	// Every pupil once, with a context, in the right class; nothing left to do.
	persons, kontexte, gruppen, zug := 0, 0, 0, 0
	_ = fake.Edit(func(e *schulconnextest.Editor) error {
		persons, kontexte, gruppen, zug = e.Counts()
		return nil
	})
	if persons != pupils || kontexte != pupils || gruppen != 2 || zug != pupils {
		t.Fatalf("the service holds %d persons, %d contexts, %d groups, %d memberships; want %d, %d, 2, %d",
			persons, kontexte, gruppen, zug, pupils, pupils, pupils)
	}
	final, err := p.Run(ctx)
	if err != nil || final.Plan.Counts.Changes() != 0 {
		t.Fatalf("a further run: %v, %d changes", err, final.Plan.Counts.Changes())
	}
}
