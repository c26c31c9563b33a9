package fs_test

import (
	"sync"
	"testing"
	"time"

	"github.com/edusync/edusync/fs"
	"github.com/edusync/edusync/fs/fsrules"
	"github.com/edusync/edusync/fs/fstest"
	"github.com/edusync/edusync/internal/testclock"
	"github.com/edusync/edusync/synth"
)

// The hand-made FS of the client tests: one written exam in Inspera and one in WISEflow at
// institution 999, three candidates at the first.
var (
	examINF = fs.ExamKey{Institution: "999", CourseCode: "INF1000", Version: "1", AssessmentCode: "SKR", Year: 2026, Term: "VÅR"}
	examMAT = fs.ExamKey{Institution: "999", CourseCode: "MAT1100", Version: "2", AssessmentCode: "HJEMME", Year: 2026, Term: "VÅR"}
	// t0 is the fake's clock when the fixture is made: midday on 22 June 2026 in Oslo.
	t0 = time.Date(2026, time.June, 22, 12, 0, 0, 0, fsrules.Oslo())
)

var candidates = []fstest.Candidate{
	{Kandidatnr: "10001", Personlopenr: "7301455", Brukernavn: "kari01", Fornavn: "Kari", Etternavn: "Nordmann", Committee: "5101", Announced: fsrules.NewDate(2026, 6, 10)},
	{Kandidatnr: "10002", Personlopenr: "7301456", Brukernavn: "ola02", Fornavn: "Ola", Etternavn: "Ødegård", Committee: "5101", Announced: fsrules.NewDate(2026, 6, 10)},
	{Kandidatnr: "10003", Personlopenr: "7301457", Brukernavn: "aase03", Fornavn: "Åse", Etternavn: "Bø", Committee: "5102"},
}

// fixture is a fake FS with the hand-made exams, its clock and a client of it.
type fixture struct {
	srv   *fstest.Server
	c     *fs.Client
	clock *testclock.Clock
}

// newFixture starts the fake with the two exams and the candidates, an appeal of 10001 and an
// explanation request of 10002, each stamped an hour apart before t0.
func newFixture(t testing.TB, serverOpts []fstest.Option, clientOpts ...fs.Option) *fixture {
	t.Helper()
	clock := testclock.New(t0.Add(-3 * time.Hour))
	srv := fstest.NewServer(append([]fstest.Option{fstest.WithClock(clock.Now)}, serverOpts...)...)
	t.Cleanup(srv.Close)
	must(t, srv.AddExam(fs.Inspera, examINF, "5199", fsrules.Date{}))
	must(t, srv.AddExam(fs.WISEflow, examMAT, "6199", fsrules.NewDate(2026, 7, 15)))
	for _, c := range candidates {
		must(t, srv.AddCandidate(examINF.VurdID(), c))
	}
	must(t, srv.AddCandidate(examMAT.VurdID(), candidates[0]))
	clock.Advance(time.Hour)
	must(t, srv.FileAppeal(examINF.VurdID(), "10001", fsrules.NewDate(2026, 6, 20)))
	clock.Advance(time.Hour)
	must(t, srv.RequestExplanation(examINF.VurdID(), "10002", fsrules.NewDate(2026, 6, 12)))
	clock.Advance(time.Hour)
	c, err := srv.Client(append([]fs.Option{fs.WithoutRetry()}, clientOpts...)...)
	must(t, err)
	return &fixture{srv: srv, c: c, clock: clock}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

var (
	examsOnce sync.Once
	examsPop  *synth.Population
	examsErr  error
)

// examPopulation is a small Norwegian university in its grading season (about 800 candidates),
// generated once per test binary.
func examPopulation(t testing.TB) *synth.Population {
	t.Helper()
	examsOnce.Do(func() {
		examsPop, examsErr = fstest.SmallUniversity(1)
	})
	if examsErr != nil {
		t.Fatal(examsErr)
	}
	return examsPop
}
