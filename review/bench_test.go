package review_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/edusync/edusync/pipeline"
	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/reconcile/reconciletest"
	"github.com/edusync/edusync/review"
	"github.com/edusync/edusync/store/sqlite"
	"github.com/edusync/edusync/synth"
)

// municipalityPlan stores, in an SQLite file, the held plan of a municipality's sync of
// 10,000 actions: synth pupils and staff keyed by their personal numbers (as ss12000sync can
// key them), of whom the target lacks a third (creates), holds a third with other names and
// e-mail addresses (updates), and their class and course memberships (creates).
func municipalityPlan(b *testing.B) (*sqlite.Store, int) {
	b.Helper()
	ctx := context.Background()
	o, err := synth.PresetOptions(synth.PresetSchool)
	if err != nil {
		b.Fatal(err)
	}
	o.SchoolUnits, o.Students, o.Staff, o.Guardians, o.Groups, o.Memberships = 4, 3300, 300, 0, 300, 7280
	pop, err := synth.Generate(o)
	if err != nil {
		b.Fatal(err)
	}
	src, tgt := &reconcile.Snapshot{}, &reconcile.Snapshot{}
	keys := map[synth.ID]string{}
	for i := range pop.Persons {
		p := &pop.Persons[i]
		key := p.CivicNo
		if key == "" {
			key = p.ID.String()
		}
		keys[p.ID] = key
		rp := reconcile.Person{Keys: reconcile.Keys{SourceKey: key}, FamilyName: p.FamilyName, GivenNames: p.GivenName,
			BirthDate: reconcile.NewDate(p.BirthDate.Year(), time.Month(p.BirthDate.Month()), p.BirthDate.Day()),
			Protected: p.Security != synth.SecurityNone}
		if p.Email != "" {
			rp.Emails = []string{p.Email}
		}
		src.Persons = append(src.Persons, rp)
		switch i % 3 {
		case 0: // not in the target yet
		case 1:
			t := rp
			t.Keys = reconcile.Keys{TargetID: fmt.Sprintf("t-%d", i), Referrer: key}
			t.FamilyName, t.Emails = p.FamilyName+"-Old", []string{fmt.Sprintf("old%d@kommun.example", i)}
			tgt.Persons = append(tgt.Persons, t)
		default:
			t := rp
			t.Keys = reconcile.Keys{TargetID: fmt.Sprintf("t-%d", i), Referrer: key}
			tgt.Persons = append(tgt.Persons, t)
		}
	}
	for _, g := range pop.Groups {
		src.Groups = append(src.Groups, reconcile.Group{Keys: reconcile.Keys{SourceKey: g.ID.String()}, Name: g.Name, Type: fmt.Sprint(g.Type)})
	}
	for _, m := range pop.Memberships {
		src.Memberships = append(src.Memberships, reconcile.Membership{Person: keys[m.Person], Group: m.Group.String(), Role: fmt.Sprint(m.Role)})
	}
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "state.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	// A threshold every large plan crosses: the plan is stored and held, nothing applied.
	holds := []reconcile.Hold{{Kind: reconcile.KindMembership, Op: reconcile.OpCreate, Max: 100}}
	p, err := pipeline.New("kommun/elever", src.AsSource(), reconciletest.NewTarget(tgt), st,
		pipeline.WithOptions(reconcile.Options{Holds: holds, IncludeProtected: true}))
	if err != nil {
		b.Fatal(err)
	}
	r, _ := p.Run(ctx)
	if r.Status != pipeline.StatusHeld || r.Plan == nil {
		b.Fatalf("the municipality's run: %s", r.Status)
	}
	return st, r.Plan.Actions
}

// BenchmarkReviewPlanPage measures how long the plan view takes to render a filtered page of
// a municipality plan of about 10,000 actions kept in SQLite: unfiltered pages far into the
// plan, kind, operation and case filters, searches by name and by group, 200 rows at a time.
// It reports the 95th percentile (p95_ms, the goal is 100 ms) and the median over those
// pages once the plan's rows are in the page's cache; cold_ms, the first page of a page that
// has just started (it reads and decodes the whole plan); and stream_p95_ms, the 95th
// percentile when the cache is off (every page reads the plan from the store).
func BenchmarkReviewPlanPage(b *testing.B) {
	st, actions := municipalityPlan(b)
	check := func(*http.Request, review.Action, string) (string, bool) { return "bench", true }
	queries := []string{
		"", "?page=37", "?kind=person&op=update&page=3", "?kind=membership&op=create&page=50",
		"?q=andersson", "?q=matematik&kind=membership", "?kind=person&case=6&page=9", "?confirm=none&size=200&page=12",
		"?q=lind&size=100", "?op=create&q=7a",
	}
	get := func(h http.Handler, q string) time.Duration {
		req := httptest.NewRequest(http.MethodGet, "/p/kommun%2Felever/runs/1/"+q, nil)
		rec := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(rec, req)
		took := time.Since(start)
		if rec.Code != http.StatusOK {
			b.Fatalf("%s: %d", q, rec.Code)
		}
		return took
	}
	var warm, stream []time.Duration
	var cold time.Duration
	for b.Loop() {
		h, err := review.New(st, check)
		if err != nil {
			b.Fatal(err)
		}
		cold += get(h, "")
		for _, q := range queries {
			warm = append(warm, get(h, q))
		}
		off, _ := review.New(st, check, review.WithCache(0))
		stream = append(stream, get(off, queries[len(stream)%len(queries)]))
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	pct := func(ds []time.Duration, p float64) float64 {
		s := slices.Clone(ds)
		slices.Sort(s)
		return ms(s[min(len(s)-1, int(float64(len(s))*p))])
	}
	b.ReportMetric(pct(warm, 0.95), "p95_ms")
	b.ReportMetric(pct(warm, 0.50), "p50_ms")
	b.ReportMetric(ms(cold)/float64(b.N), "cold_ms")
	b.ReportMetric(pct(stream, 0.95), "stream_p95_ms")
	b.ReportMetric(float64(actions), "actions")
	b.ReportMetric(0, "ns/op")
}
