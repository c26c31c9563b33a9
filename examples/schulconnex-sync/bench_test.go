package main

import (
	"bufio"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/edusync/edusync/schulconnex/schulconnextest"
	"github.com/edusync/edusync/synth"
)

// syncResult is one measured run of the whole flow.
type syncResult struct {
	elapsed time.Duration
	writes  map[string]int // HTTP writes by route
	total   int
	needed  map[string]int
	report  *report
	fake    *schulconnextest.Server
	cfg     *flowConfig
}

// prepare builds a fake holding day 0 of the scenario and the export of the next day.
func prepare(tb testing.TB, sc *scenario) (*schulconnextest.Server, *flowConfig) {
	tb.Helper()
	now := sc.next.Today.Time().Add(10 * time.Hour)
	fake := schulconnextest.NewServer(schulconnextest.WithClock(func() time.Time { return now }))
	tb.Cleanup(fake.Close)
	if _, err := fake.LoadPopulation(sc.pop, schulconnextest.LoadOptions{Default: true, VendorExtensions: true}); err != nil {
		tb.Fatal(err)
	}
	dir := tb.TempDir()
	if err := sc.writeExport(dir); err != nil {
		tb.Fatal(err)
	}
	client, err := fake.Client()
	if err != nil {
		tb.Fatal(err)
	}
	return fake, &flowConfig{client: client, dir: dir, answer: yes, in: bufio.NewReader(strings.NewReader("")),
		out: io.Discard, quiet: true, now: now, grace: 30, removals: true, noHolds: true, state: &state{}}
}

// measure runs the flow once on a prepared fake and counts its writes.
func measure(tb testing.TB, sc *scenario, fake *schulconnextest.Server, cfg *flowConfig) *syncResult {
	tb.Helper()
	fake.ResetStats()
	start := time.Now()
	rep, err := runFlow(context.Background(), cfg)
	elapsed := time.Since(start)
	if err != nil {
		tb.Fatalf("flow: %v (report %+v)", err, rep)
	}
	st := fake.Stats()
	res := &syncResult{elapsed: elapsed, writes: map[string]int{}, total: st.Writes, report: rep, fake: fake, cfg: cfg}
	for op, n := range st.Requests {
		if strings.HasPrefix(op, "create") || strings.HasPrefix(op, "update") || strings.HasPrefix(op, "delete") {
			res.writes[op] += n
		}
	}
	res.needed, err = minimumWrites(sc, schulconnextest.LoadOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	return res
}

func scenarioFor(tb testing.TB, persons, groups int, today synth.Date, rate float64) *scenario {
	tb.Helper()
	opts, err := schoolOptions(3, persons, groups)
	if err != nil {
		tb.Fatal(err)
	}
	if today != 0 {
		opts.Today = today
	}
	sc, err := newScenario(opts, rate)
	if err != nil {
		tb.Fatal(err)
	}
	return sc
}

// TestWriteMinimality runs the whole flow on a busy day and at the school-year change and
// compares the HTTP writes with the minimum the true changes need (see minimumWrites): the
// ratio must be exactly 1, and a second run must write nothing.
func TestWriteMinimality(t *testing.T) {
	yearChange := synth.SchoolYearStart(synth.Germany, synth.NewDate(2026, 9, 14)).AddDays(-1)
	for _, c := range []struct {
		name  string
		today synth.Date
	}{{"busy day", 0}, {"school-year change", yearChange}} {
		t.Run(c.name, func(t *testing.T) {
			sc := scenarioFor(t, 1000, 60, c.today, 0.01)
			fake, cfg := prepare(t, sc)
			res := measure(t, sc, fake, cfg)
			needed := sum(res.needed)
			if needed == 0 {
				t.Fatal("the day brought no changes; the test measures nothing")
			}
			t.Logf("%d true changes; writes %v; minimum %v", len(sc.changes), res.writes, res.needed)
			if res.total != needed {
				t.Errorf("%d HTTP writes, minimum %d: ratio %.4f, want 1", res.total, needed, float64(res.total)/float64(needed))
			}
			if res.report.Questions != 0 || res.report.Failed != 0 {
				t.Errorf("report %+v", res.report)
			}
			again := measure(t, sc, fake, cfg)
			if again.total != 0 {
				t.Errorf("the second run wrote %d times: %v", again.total, again.writes)
			}
		})
	}
}

// BenchmarkSchulconnexSync runs the whole eleven-step flow for a German school of 5,000
// persons and 200 groups against the fake, with synth's changes of a busy day (rate 0.01):
// reading the CSV export, reading the tenant from Schulconnex, matching, writing persons,
// contexts, groups and memberships through PUT/POST/DELETE with revisions, and re-reading
// between the phases. It reports the wall time of one run of the flow (s; preparing the fake
// and the export is not timed) and the HTTP writes the flow issued divided by the minimum the
// day's true changes require (writes/needed). The goal is exactly 1.00: not one write more than
// the changes need, and none of them missing (a missing write shows in TestWriteMinimality and
// in the second run, which must write nothing).
//
// The minimum, per true change of synth (minimumWrites computes it from the change list):
//
//	true change                                   minimum HTTP writes
//	new person (new student, new guardian)        1 POST /personen + 1 POST /personen/{id}/personenkontexte per role
//	person leaves                                 1 PUT /personenkontexte/{id} per context (deletion time after the
//	                                              grace period; the service deletes the contexts, then the person goes)
//	name change, typo correction, protected flag  1 PUT /personen/{id}
//	grade or e-mail address of a context changed  1 PUT /personenkontexte/{id}
//	role gained / role lost                       1 POST /personen/{id}/personenkontexte / 1 DELETE /personenkontexte/{id}
//	class move                                    1 DELETE /gruppenzugehoerigkeiten/{id} (old class)
//	                                              + 1 POST /gruppen/{id}/gruppenzugehoerigkeiten (new class)
//	new membership / ended membership             1 POST / 1 DELETE (none when its person left or its group ended:
//	                                              the membership goes with them)
//	changed membership (roles, period)            1 PUT /gruppenzugehoerigkeiten/{id}
//	new group                                     1 POST /gruppen
//	renamed group / ended group                   1 PUT /gruppen/{id} (ended: laufzeit.bis; none when already over)
//	guardian relation, organisation               none (not synchronised; source systems cannot write organisations)
//
// Several changes to one record (a person renamed and moved up a grade) count once per record
// written.
func BenchmarkSchulconnexSync(b *testing.B) {
	sc := scenarioFor(b, 5000, 200, 0, 0.01)
	var seconds, ratio float64
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		fake, cfg := prepare(b, sc)
		b.StartTimer()
		res := measure(b, sc, fake, cfg)
		b.StopTimer()
		fake.Close()
		needed := sum(res.needed)
		if needed == 0 {
			b.Fatal("no changes")
		}
		seconds += res.elapsed.Seconds()
		ratio = float64(res.total) / float64(needed)
		if i == 0 {
			b.Logf("%d persons, %d groups, %d true changes; %d HTTP writes %v; minimum %d %v",
				len(sc.next.Persons), len(sc.next.Groups), len(sc.changes), res.total, res.writes, needed, res.needed)
		}
		b.StartTimer()
	}
	b.ReportMetric(seconds/float64(b.N), "s")
	b.ReportMetric(ratio, "writes/needed")
}
