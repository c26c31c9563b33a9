package examsync_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/edusync/edusync/examsync"
	"github.com/edusync/edusync/fs"
	"github.com/edusync/edusync/internal/fakekit"
	"github.com/edusync/edusync/store/sqlite"
	"github.com/edusync/edusync/synth"
	"github.com/edusync/edusync/wiseflow"
)

// Operations that are not examsync's own requests: the token endpoints and the harness's
// subscriptions. The WISEflow poller's reading (measured by wiseflowpoll's BenchmarkPollRound)
// is subtracted by the count its rounds report.
var notExamsync = map[string]bool{"authenticate": true, "token": true, "getSubscriptions": true, "createSubscription": true,
	"getSubscriptionEvents": true, "createWebhook": true}

// BenchmarkTermOfAppeals runs a large Norwegian university's term (synth's "university-no"
// preset: 30,000 candidates, about 2,000 appeals and 3,000 explanation requests in FS,
// Inspera and WISEflow as far as the term has come) through examsync from the term's start, on
// SQLite, until every case has been acted on and the examiners have answered what was pending.
// It reports s (the wall time; goal 60 or less), requests/needed (goal 1.2 or less) and
// duplicates (effects done twice: an explanation posted to FS again, an appeal round or a
// WISEflow record made twice; goal 0), and wiseflow_wait_s, how long the WISEflow client held
// requests back to keep within WISEflow's 5,000 requests a minute, summed over the requests
// held (the workers wait side by side, so it may exceed s; the fake enforces WISEflow's limits,
// and a term's first catch-up, the poller's first reading of every flow included, needs more
// than 5,000).
//
// The requests needed, per kind of message:
//
//	message                              FS                        Inspera                              WISEflow
//	FS reading (per round and tenant)    1 per listing (2)         -                                    -
//	appeal AKTIV                         -                         1 (appeals)                          1 (reassessment)
//	appeal TRUKKET                       -                         1 (appeals/withdraw)                 0 (FS's synchronisation)
//	appeal in another state              -                         0                                    0
//	explanation request                  -                         1 (explanations) + 1 per test        1 (explanation request)
//	                                                                 (options)
//	explanation published / accepted    1 (begrunnelser POST)     1 (explanations GET) + 1 per         1 (showJustification) with
//	                                                                 document + 1 test read per test     autoEpost
//	appeal decided (webhook / poll)      -                         1 (test read)                        1 (participant read)
//	an exam first touched                -                         -                                    1 (flow search by source)
//	a flow's candidates first needed     -                         -                                    its participant pages
//
// Requests are counted at the fakes (token requests, the subscription and the WISEflow poller's
// own reading left out; the examiners' own requests subtracted).
func BenchmarkTermOfAppeals(b *testing.B) {
	opts, err := synth.PresetOptions(synth.PresetUniversityNO)
	if err != nil {
		b.Fatal(err)
	}
	opts.Seed = 24
	pop, err := synth.Generate(opts)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.StopTimer()
	for range b.N {
		w := newWorld(b, pop)
		st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "state.db"))
		if err != nil {
			b.Fatal(err)
		}
		setups := w.setups(b)
		s, err := examsync.New(examsync.Config{Store: st, Tenants: setups, RetryBase: 5 * time.Millisecond, RetryMax: 40 * time.Millisecond, Idle: 10 * time.Millisecond})
		if err != nil {
			b.Fatal(err)
		}
		w.serve(b, s)
		examiner := map[string]int{}
		fsBefore, inBefore, wfBefore := w.fs.Stats(), w.in.Stats(), w.wf.Stats()
		b.StartTimer()
		start := time.Now()
		polled := settleCounting(b, w, s, examiner)
		elapsed := time.Since(start)
		b.StopTimer()
		// The counts are taken here, before neededRequests reads the flows' rosters.
		fsAfter, inAfter, wfAfter := w.fs.Stats(), w.in.Stats(), w.wf.Stats()

		requests := 0
		for _, p := range [][2]fakekit.Stats{{fsBefore, fsAfter}, {inBefore, inAfter}, {wfBefore, wfAfter}} {
			for op, n := range p[1].Requests {
				if !notExamsync[op] {
					requests += n - p[0].Requests[op]
				}
			}
		}
		for _, n := range examiner {
			requests -= n
		}
		requests -= polled
		needed, err := neededRequests(ctx, w, s, fsRounds(fsAfter.Requests, fsBefore.Requests))
		if err != nil {
			b.Fatal(err)
		}
		if testing.Verbose() {
			for name, p := range map[string][2]fakekit.Stats{"fs": {fsBefore, fsAfter}, "inspera": {inBefore, inAfter}, "wiseflow": {wfBefore, wfAfter}} {
				for op, n := range p[1].Requests {
					b.Logf("%s %s %d (examiners %d)", name, op, n-p[0].Requests[op], examiner[op])
				}
			}
			b.Logf("WISEflow throttle: %+v", setups[1].WISEflow.RateLimitStats())
			sum, _ := s.Summary(ctx, w.org, time.Time{})
			b.Logf("audit: %v", sum)
		}
		b.ReportMetric(elapsed.Seconds(), "s")
		b.ReportMetric(float64(requests)/float64(needed), "requests/needed")
		b.ReportMetric(float64(w.duplicates()), "duplicates")
		b.ReportMetric(float64(len(w.snapshot().FS)), "explanations_in_FS")
		b.ReportMetric(float64(needed), "needed")
		b.ReportMetric(setups[1].WISEflow.RateLimitStats().Waited.Seconds(), "wiseflow_wait_s")
		s.Close()
		st.Close()
	}
}

// settleCounting is settle, counting the examiners' own requests to the WISEflow fake, and
// returning the WISEflow poller's.
func settleCounting(tb testing.TB, w *world, s *examsync.Sync, examiner map[string]int) (polled int) {
	ctx := context.Background()
	quiet := 0
	for round := 0; round < 200 && quiet < 2; round++ {
		rounds, _ := s.Poll(ctx)
		for _, r := range rounds {
			if r.WISEflow != nil {
				polled += r.WISEflow.Requests
			}
		}
		n, err := s.Drain(ctx)
		if err != nil {
			tb.Fatal(err)
		}
		if err := w.in.WaitDeliveries(ctx); err != nil {
			tb.Fatal(err)
		}
		k, _ := s.Drain(ctx)
		before := w.wf.Stats().Requests
		e := w.examiners(tb)
		for op, c := range w.wf.Stats().Requests {
			examiner[op] += c - before[op]
		}
		if n+k+e == 0 {
			quiet++
		} else {
			quiet = 0
		}
		time.Sleep(20 * time.Millisecond)
	}
	return polled
}

func fsRounds(after, before map[string]int) int {
	return after["listChangedAppeals"] - before["listChangedAppeals"] + after["listChangedExplanationRequests"] - before["listChangedExplanationRequests"]
}

// neededRequests applies the table of BenchmarkTermOfAppeals to what the run's messages were
// (the audit has one record per message and step).
func neededRequests(ctx context.Context, w *world, s *examsync.Sync, fsListings int) (int, error) {
	recs, err := s.Audit(ctx, w.org, examsync.AuditQuery{Limit: 1 << 30})
	if err != nil {
		return 0, err
	}
	needed := fsListings + len(w.snapshot().FS)
	testsOptions, testsRead, exams, flows := map[string]bool{}, map[string]bool{}, map[string]bool{}, map[int64]bool{}
	for _, r := range recs {
		if !r.Success {
			continue
		}
		switch r.Submodule + " " + r.Step {
		case "inspera-appeal open-reassessment", "inspera-appeal withdraw-appeal", "wiseflow-appeal open-reassessment":
			needed++
		case "inspera-appeal appeal-decided":
			needed++
		case "inspera-explanation request-explanation":
			needed++
			testsOptions[r.VurdID] = true
		case "wiseflow-explanation request-explanation":
			needed++
			flows[r.FlowID] = true
		case "wiseflow-explanation post-explanation":
			flows[r.FlowID] = true
		case "wiseflow-appeal appeal-decided":
			needed++ // the participant read
		case "inspera-explanation read-explanation":
			needed++
		case "wiseflow-explanation show-explanation":
			needed++
		}
		if r.Submodule == "inspera-explanation" && r.Step == "post-explanation" && r.Note == "" && r.UserCandidateID != "" {
			testsRead[r.VurdID] = true
		}
		if r.ExamSys == string(fs.WISEflow) && (r.Step == "open-reassessment" || r.Step == "request-explanation") {
			exams[r.VurdID] = true
		}
	}
	needed += len(testsOptions) + len(testsRead)
	needed += len(exams) // one flow search per exam
	// The rosters are read through one client of the fake's (one token), after the run.
	c, err := w.wf.Client()
	if err != nil {
		return 0, err
	}
	for f := range flows {
		participants := 0
		for _, err := range c.ListParticipants(ctx, f) {
			if err != nil {
				return 0, err
			}
			participants++
		}
		needed += max(1, (participants+wiseflow.MaxPageSize-1)/wiseflow.MaxPageSize)
	}
	for _, id := range w.in.TestIDs() {
		t, _ := w.in.Test(id)
		for _, c := range t.Candidates {
			if w.in.ExplanationStatus(id, c.CandidateID) == "PUBLISHED" {
				if e, ok := w.fs.Registered(t.ExternalTestInfo.ExternalTestID, fs.Number(c.CandidateID)); ok && e.ContentTypeBegrunnelse == "application/pdf" {
					needed++ // the document's download
				}
			}
		}
	}
	return needed, nil
}
