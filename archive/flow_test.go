package archive_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/edusync/edusync/archive"
	"github.com/edusync/edusync/archive/noark5"
	"github.com/edusync/edusync/archive/noark5test"
	"github.com/edusync/edusync/fs"
	"github.com/edusync/edusync/fs/fsrules"
	"github.com/edusync/edusync/inspera"
	"github.com/edusync/edusync/internal/fakekit"
	"github.com/edusync/edusync/notify"
	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/synth"
)

// checkArchive checks what the archive holds against what the flow says: every thesis at most
// once, nothing archived before its deadlines, every restricted thesis screened, every file
// whole.
func checkArchive(t testing.TB, e *env, f *archive.Flow) (archived int) {
	t.Helper()
	sts, err := f.Statuses(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string]archive.Status{}
	for _, s := range sts {
		byKey[s.Key.String()] = s
	}
	regs := map[string]int{}
	for _, cf := range e.noark.Archive() {
		for _, r := range cf.Registrations {
			key := noark5.SourceKeyOf(r.VirksomhetsspesifikkeMetadata)
			regs[key]++
			if strings.Contains(key, "/klage/") {
				continue
			}
			s, ok := byKey[key]
			if !ok {
				t.Fatalf("the archive holds %s, which the flow never collected", key)
			}
			if r.Skjerming == nil && (s.Decision == nil || s.Decision.Restricted) {
				t.Fatalf("%s is in the archive without screening; decision %+v", key, s.Decision)
			}
			for _, d := range r.Documents {
				if len(d.Objects) != 1 || !d.Objects[0].Uploaded || d.Objects[0].ReceivedSHA256 != d.Objects[0].Sjekksum {
					if s.State == archive.StateArchived {
						t.Fatalf("%s: archived with an incomplete document %+v", key, d)
					}
				}
			}
		}
	}
	for key, n := range regs {
		if n > 1 {
			t.Fatalf("%s is in the archive %d times", key, n)
		}
	}
	for _, s := range sts {
		if s.State != archive.StateArchived {
			continue
		}
		archived++
		if s.Receipt == nil || s.Receipt.Archived.Before(s.Deadlines.Ends) || s.Deadlines.Ends.IsZero() {
			t.Fatalf("%s archived at %v, before its deadlines end %v", s.Key, s.Receipt, s.Deadlines.Ends)
		}
		if regs[s.Key.String()] != 1 {
			t.Fatalf("%s archived, but the archive holds it %d times", s.Key, regs[s.Key.String()])
		}
	}
	return archived
}

func newFlow(t testing.TB, e *env, mod func(*archive.Config)) *archive.Flow {
	cfg := e.config(store.NewMemory(), archive.DirStager{Dir: t.TempDir()})
	if mod != nil {
		mod(&cfg)
	}
	f, err := archive.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestTermArchivesEveryThesisOnceAfterItsDeadlines(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newFlow(t, e, nil)
	n := e.collect(t, f)
	if n < 20 {
		t.Fatalf("collected %d theses", n)
	}
	e.run(t, f, start.AddDate(0, 0, 10), func() { checkArchive(t, e, f) })
	early := checkArchive(t, e, f)
	e.gradeRest(t)
	e.run(t, f, start.AddDate(0, 3, 0), func() { checkArchive(t, e, f) })
	got := checkArchive(t, e, f)
	if got <= early || got < n*3/4 {
		for _, s := range mustStatuses(t, f) {
			t.Logf("%s %s: %s", s.Key, s.State, s.Reason)
		}
		t.Fatalf("%d of %d archived after three months (%d after ten days)", got, n, early)
	}
	sts, _ := f.Statuses(context.Background())
	restricted, open := 0, 0
	for _, s := range sts {
		switch {
		case s.State == archive.StateArchived && s.Decision.Restricted:
			restricted++
		case s.State == archive.StateArchived:
			open++
		case s.Reason == "" || s.Reason == "deadlines passed":
			t.Errorf("%s waits without a reason: %+v", s.Key, s)
		}
	}
	if restricted == 0 || open == 0 {
		t.Errorf("%d restricted and %d open theses: the term should have both", restricted, open)
	}
	// After an appeal, the reassessment's grade is the one archived.
	reassessed := 0
	for _, s := range sts {
		if s.State != archive.StateArchived {
			continue
		}
		for i := range e.pop.Candidates {
			c := &e.pop.Candidates[i]
			u, _ := e.ix.ExamUnit(c.ExamUnit)
			if u.VurdID != s.Key.Exam || c.CandidateNo != s.Key.Candidate {
				continue
			}
			if a, ok := e.ix.AppealOf(c.ID); ok && a.Status == synth.AppealDecided && a.NewGrade != synth.NoGrade {
				reassessed++
				if s.Decision.Input.Grade != a.NewGrade.String() {
					t.Errorf("%s archived with grade %q, the reassessment gave %q", s.Key, s.Decision.Input.Grade, a.NewGrade)
				}
			}
		}
	}
	t.Logf("%d archived theses were reassessed after an appeal", reassessed)
	audit, err := f.Audit(context.Background(), sts[0].Key)
	if err != nil || len(audit) < 2 || audit[0].Step != "collect" {
		t.Errorf("audit %+v %v", audit, err)
	}
}

func TestArchiveFaultsNeitherDuplicateNorLose(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newFlow(t, e, nil)
	n := e.collect(t, f)
	e.gradeRest(t)
	// The archive fails a fifth of requests, and drops the connection after a tenth of the
	// writes it carried out: the flow must find what it filed before it files again.
	e.noark.SetFaults(fakekit.Faults{Seed: 3, ErrorRate: 0.2, DropAfterWriteRate: 0.1})
	e.run(t, f, start.AddDate(0, 3, 0), func() { checkArchive(t, e, f) })
	e.noark.SetFaults(fakekit.Faults{})
	for _, s := range mustStatuses(t, f) {
		if s.State == archive.StateDead {
			if err := f.Requeue(context.Background(), s.Key); err != nil {
				t.Fatal(err)
			}
		}
	}
	e.run(t, f, start.AddDate(0, 4, 0), func() { checkArchive(t, e, f) })
	if got := checkArchive(t, e, f); got < n*3/4 {
		t.Fatalf("%d of %d archived", got, n)
	}
}

func TestAFailingArchiveDeadLettersWithAnAlert(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newFlow(t, e, func(c *archive.Config) { c.Backoff = time.Hour })
	e.collect(t, f)
	e.noark.SetFaults(fakekit.Faults{Rules: []fakekit.Rule{{Operation: "create", Status: 503}}})
	e.run(t, f, start.AddDate(0, 2, 0), nil)
	var dead []archive.Status
	sts, _ := f.Statuses(context.Background())
	for _, s := range sts {
		if s.State == archive.StateDead {
			dead = append(dead, s)
		}
	}
	if len(dead) == 0 {
		t.Fatal("nothing dead-lettered though the archive refused every creation")
	}
	al := e.alerts.all()
	field := func(a notify.Alert, name string) string {
		for _, f := range a.Fields {
			if f.Name == name {
				return f.Value
			}
		}
		return ""
	}
	if len(al) != len(dead) || al[0].Module != "archive" || al[0].Submodule != "deliver" || field(al[0], "filesToArchive") == "" ||
		al[0].VurdID == "" || field(al[0], "decodedFsTestId") == "" || field(al[0], "announced") == "" || len(al[0].FetchDates) != 1 ||
		!strings.Contains(al[0].Message, "5 attempts") {
		t.Fatalf("%d dead, alerts %+v", len(dead), al)
	}
	if n := len(e.noark.Archive()); n != 0 {
		for _, cf := range e.noark.Archive() {
			if len(cf.Registrations) > 0 {
				t.Fatalf("an incomplete registration stayed in the archive: %+v", cf)
			}
		}
	}
	e.noark.SetFaults(fakekit.Faults{})
	if err := f.Requeue(context.Background(), dead[0].Key); err != nil {
		t.Fatal(err)
	}
	e.run(t, f, e.clock.Now().Add(24*time.Hour), nil)
	for _, s := range mustStatuses(t, f) {
		if s.Key == dead[0].Key && s.State != archive.StateArchived {
			t.Fatalf("requeued thesis: %+v", s)
		}
	}
}

func mustStatuses(t testing.TB, f *archive.Flow) []archive.Status {
	sts, err := f.Statuses(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return sts
}

func statusOf(t testing.TB, f *archive.Flow, k archive.Key) archive.Status {
	for _, s := range mustStatuses(t, f) {
		if s.Key == k {
			return s
		}
	}
	t.Fatalf("no status for %s", k)
	return archive.Status{}
}

// pickInspera returns an Inspera thesis with a passing grade, no case in FS, and its test.
func pickInspera(t testing.TB, e *env, f *archive.Flow) (archive.Status, inspera.ID) {
	for _, s := range mustStatuses(t, f) {
		if s.Key.System != archive.Inspera {
			continue
		}
		if _, ok := e.fs.Appeal(s.Key.Exam, fs.Number(s.Key.Candidate)); ok {
			continue
		}
		if _, ok := e.fs.ExplanationRequest(s.Key.Exam, fs.Number(s.Key.Candidate)); ok {
			continue
		}
		for i := range e.pop.Candidates {
			c := &e.pop.Candidates[i]
			u, _ := e.ix.ExamUnit(c.ExamUnit)
			if u.VurdID == s.Key.Exam && c.CandidateNo == s.Key.Candidate && c.Grade.Passed() && c.Grade.String() != "A" {
				return s, inspera.ID(u.SystemID)
			}
		}
	}
	t.Fatal("no Inspera thesis without cases")
	return archive.Status{}, 0
}

func TestALateAppealBeforeDeliveryReopensTheWait(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newFlow(t, e, nil)
	e.collect(t, f)
	e.run(t, f, start, nil)
	s, test := pickInspera(t, e, f)
	if s.State != archive.StateWaiting || s.Deadlines.Ends.IsZero() {
		t.Fatalf("thesis %+v", s)
	}
	ends := s.Deadlines.Ends
	// An appeal filed late, which FS accepted, arrives before the thesis is delivered.
	if err := e.fs.FileAppeal(s.Key.Exam, fs.Number(s.Key.Candidate), fsrules.DateOf(e.clock.Now())); err != nil {
		t.Fatal(err)
	}
	if _, err := e.inspSrc.Client.RegisterAppeals(context.Background(), inspera.TestID(test), s.Key.Candidate); err != nil {
		t.Fatal(err)
	}
	if err := f.Recheck(context.Background(), s.Key); err != nil {
		t.Fatal(err)
	}
	e.run(t, f, ends.Add(10*24*time.Hour), nil)
	got := statusOf(t, f, s.Key)
	if got.State != archive.StateWaiting || !strings.Contains(got.Reason, "appeal") {
		t.Fatalf("with an open appeal: %+v", got)
	}
	if err := e.insp.ConcludeAppeal(test, s.Key.Candidate, "A"); err != nil {
		t.Fatal(err)
	}
	if err := e.fs.DecideAppeal(s.Key.Exam, fs.Number(s.Key.Candidate), fsrules.DateOf(e.clock.Now())); err != nil {
		t.Fatal(err)
	}
	e.run(t, f, e.clock.Now().Add(3*24*time.Hour), nil)
	got = statusOf(t, f, s.Key)
	if got.State != archive.StateArchived || got.Decision.Input.Grade != "A" {
		t.Fatalf("after the appeal was decided: %+v", got)
	}
	checkArchive(t, e, f)
}

func TestALateAppealAfterDeliveryAddsARegistration(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newFlow(t, e, nil)
	e.collect(t, f)
	e.run(t, f, start, nil)
	s, test := pickInspera(t, e, f)
	e.run(t, f, s.Deadlines.Ends.Add(48*time.Hour), nil)
	if got := statusOf(t, f, s.Key); got.State != archive.StateArchived {
		t.Fatalf("not archived after its deadlines: %+v", got)
	}
	ctx := context.Background()
	if err := e.fs.FileAppeal(s.Key.Exam, fs.Number(s.Key.Candidate), fsrules.DateOf(e.clock.Now())); err != nil {
		t.Fatal(err)
	}
	if _, err := e.inspSrc.Client.RegisterAppeals(ctx, inspera.TestID(test), s.Key.Candidate); err != nil {
		t.Fatal(err)
	}
	appeal, _ := e.fs.Appeal(s.Key.Exam, fs.Number(s.Key.Candidate))
	if err := f.HandleAppeal(ctx, fs.Inspera, appeal); err != nil {
		t.Fatal(err)
	}
	e.run(t, f, e.clock.Now().Add(24*time.Hour), nil)
	if got := statusOf(t, f, s.Key); !strings.Contains(got.Reason, "late appeal is waiting") {
		t.Fatalf("with a late appeal open: %+v", got)
	}
	if err := e.insp.ConcludeAppeal(test, s.Key.Candidate, "A"); err != nil {
		t.Fatal(err)
	}
	if err := e.fs.DecideAppeal(s.Key.Exam, fs.Number(s.Key.Candidate), fsrules.DateOf(e.clock.Now())); err != nil {
		t.Fatal(err)
	}
	appeal, _ = e.fs.Appeal(s.Key.Exam, fs.Number(s.Key.Candidate))
	if err := f.HandleAppeal(ctx, fs.Inspera, appeal); err != nil {
		t.Fatal(err)
	}
	e.run(t, f, e.clock.Now().Add(24*time.Hour), nil)
	got := statusOf(t, f, s.Key)
	if len(got.Appeals) != 1 || got.Appeals[0].NewGrade != "A" || got.Appeals[0].Receipt == nil {
		t.Fatalf("after the late appeal was decided: %+v", got)
	}
	var files, regs int
	for _, cf := range e.noark.Archive() {
		for _, r := range cf.Registrations {
			if strings.HasPrefix(noark5.SourceKeyOf(r.VirksomhetsspesifikkeMetadata), s.Key.String()) {
				regs++
				files++
				if !strings.Contains(noark5.SourceKeyOf(cf.VirksomhetsspesifikkeMetadata), s.Key.String()) {
					t.Errorf("the appeal's registration is in another case file")
				}
			}
		}
	}
	if regs != 2 {
		t.Fatalf("%d registrations for the thesis and its appeal, want 2", regs)
	}
	e.run(t, f, e.clock.Now().Add(20*24*time.Hour), nil)
	if got := statusOf(t, f, s.Key); len(got.Appeals) != 1 {
		t.Fatalf("the appeal's outcome was added again: %+v", got.Appeals)
	}
	checkArchive(t, e, f)
}

var _ = noark5test.DefaultSeries

// notify's Notifier is what a host hands the flow.
var _ archive.Notifier = (*notify.Notifier)(nil)
