package wiseflowpoll_test

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/edusync/edusync/wiseflow"
	"github.com/edusync/edusync/wiseflow/wiseflowpoll"
	"github.com/edusync/edusync/wiseflow/wiseflowtest"
)

// The bench's licence: 2,000 flows whose participation has ended, 400 of them master's theses;
// each flow has two graded participants, the theses a delivered paper.
const (
	benchFlows   = 2000
	benchMasters = 400
	// Per round, 1% of the flows change: ordinary flows concluded, thesis flows concluded,
	// explanation requests made (WISEflow tells of those by webhook: the poller is hinted).
	benchConcluded    = 8
	benchTheses       = 4
	benchExplanations = 8
	// The bench runs the fake at a tenth of WISEflow's limits, so that a round's requests span
	// several one-second windows and the throttle's waiting shows.
	benchPerSecond = wiseflowtest.DefaultPerSecond / 10
	benchPerMinute = wiseflowtest.DefaultPerMinute / 10
)

// BenchmarkPollRound measures one poll round of 2,000 flows after 1% of them changed, against
// the fake's rate limits (a tenth of WISEflow's, 20 a second and 500 a minute; the windows start
// afresh each round, as for rounds a few minutes apart). It reports:
//
//   - requests/needed: the requests the round made over those it must make. Needed is what a
//     round must read, by this table:
//
//     | what                                   | requests                                             |
//     |----------------------------------------|------------------------------------------------------|
//     | the flow search                        | one page per 100 flows in the window: 20             |
//     | an ordinary flow concluded (8)         | its explanation requests, remarking flow, grades: 3  |
//     | a master's-thesis flow concluded (4)   | the same and its submissions page: 4                 |
//     | an explanation requested (8, a webhook)| its explanation requests, remarking flow, grades: 3  |
//
//     so needed = 20 + 8×3 + 4×4 + 8×3 = 84 (goal: requests/needed ≤ 1.2);
//
//   - round_s and least_s: the round's time, and the least time the fake's limits allow for the
//     round's requests (a window of 20 requests a second, starting with the first: (⌈requests/20⌉
//     − 1) seconds); round_vs_least is their ratio (goal ≤ 1.2);
//
//   - throttled: the requests the fake refused with 429 (goal 0).
func BenchmarkPollRound(b *testing.B) {
	ctx := context.Background()
	srv := wiseflowtest.NewServer(wiseflowtest.WithRateLimits(0, 0))
	defer srv.Close()
	day := time.Date(2026, 5, 20, 9, 0, 0, 0, time.UTC)
	var ordinary, masters []int64
	participants := map[int64][]int64{}
	for i := range benchFlows {
		master := i%(benchFlows/benchMasters) == 0
		spec := wiseflowtest.FlowSpec{Name: fmt.Sprintf("Eksamen %d", i), Purpose: wiseflow.FlowPurposeExamination, Type: wiseflow.FlowTypeLock,
			State: wiseflow.FlowStateParticipationEnded, ParticipationStart: day, ParticipationEnd: day.Add(4 * time.Hour)}
		if master {
			spec.Purpose, spec.Type = wiseflow.FlowPurposeMaster, wiseflow.FlowTypeHandin
		}
		id := srv.AddFlow(spec)
		for j := range 2 {
			pid, err := srv.AddParticipant(id, wiseflow.User{FirstName: "S", LastName: fmt.Sprint(j)}, "")
			if err != nil {
				b.Fatal(err)
			}
			if err := srv.GradeParticipant(id, pid, "C"); err != nil {
				b.Fatal(err)
			}
			if master && j == 0 {
				if _, err := srv.DeliverThesis(id, pid, nil, wiseflowtest.File{Name: "m.pdf", ContentType: "application/pdf", Data: []byte("%PDF")}); err != nil {
					b.Fatal(err)
				}
			}
			participants[id] = append(participants[id], pid)
		}
		if master {
			masters = append(masters, id)
		} else {
			ordinary = append(ordinary, id)
		}
	}
	c, err := srv.Client()
	if err != nil {
		b.Fatal(err)
	}
	st := openStore(b)
	p := &wiseflowpoll.Poller{Client: c, Store: st, Scope: scope, Concurrency: 4}
	if _, err := p.Round(ctx); err != nil { // the first round reads everything
		b.Fatal(err)
	}
	drain(b, st)
	srv.SetRateLimits(benchPerSecond, benchPerMinute)

	const needed = 20 + benchConcluded*3 + benchTheses*4 + benchExplanations*3
	var requests, throttled int
	var took, least time.Duration
	next := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		for range benchConcluded {
			_ = srv.ConcludeFlow(ordinary[next%len(ordinary)])
			next++
		}
		for k := range benchTheses {
			_ = srv.ConcludeFlow(masters[(i*benchTheses+k)%len(masters)])
		}
		for range benchExplanations {
			id := ordinary[next%len(ordinary)]
			next++
			if _, err := srv.RequestExplanation(id, participants[id][0]); err != nil {
				b.Fatal(err)
			}
			if err := p.Hint(ctx, id); err != nil {
				b.Fatal(err)
			}
		}
		// Rounds run minutes apart: every window has reset, on the fake and for the client.
		srv.ResetRateLimits()
		if reset := c.RateLimitStats().Second.Reset; time.Until(reset) > 0 {
			time.Sleep(time.Until(reset))
		}
		srv.ResetStats()
		b.StartTimer()
		start := time.Now()
		rs, err := p.Round(ctx)
		if err != nil {
			b.Fatal(err)
		}
		d := time.Since(start)
		b.StopTimer()
		s := srv.Stats()
		n := s.Reads + s.Writes
		for _, v := range s.Throttled {
			throttled += v
		}
		if rs.Queued < benchTheses+benchExplanations { // a concluded ordinary flow changes nothing queued
			b.Fatalf("the round queued %d changes (%+v)", rs.Queued, rs)
		}
		requests += n
		took += d
		least += time.Duration(math.Ceil(float64(n)/benchPerSecond)-1) * time.Second
		drain(b, st)
		b.StartTimer()
	}
	b.StopTimer()
	rounds := float64(b.N)
	b.ReportMetric(float64(requests)/rounds/needed, "requests/needed")
	b.ReportMetric(took.Seconds()/rounds, "round_s")
	b.ReportMetric(least.Seconds()/rounds, "least_s")
	b.ReportMetric(took.Seconds()/least.Seconds(), "round_vs_least")
	b.ReportMetric(float64(throttled)/rounds, "throttled")
}
