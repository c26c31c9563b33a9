package ss12000server

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	"github.com/edusync/edusync/internal/heappeak"
	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/ss12000"
	"github.com/edusync/edusync/ss12000/ss12000sync"
	"github.com/edusync/edusync/ss12000/ss12000test"
	"github.com/edusync/edusync/store/sqlite"
	"github.com/edusync/edusync/synth"
)

// benchPreset is the population BenchmarkProviderServePersons serves (EDUSYNC_BENCH_PRESET
// may name "school" for a quick run).
func benchPreset() string {
	if p := os.Getenv("EDUSYNC_BENCH_PRESET"); p != "" {
		return p
	}
	return synth.PresetMunicipality
}

// BenchmarkProviderServePersons serves the synth municipality preset (about 305,000 persons
// with guardians) from the SQLite-backed provider and from ss12000test, one after the other in
// the same run, to a client that reads every page of /persons (limit 1000) over loopback. The
// provider was fed the way a hub is: the fake served the population, ss12000sync read it, and a
// reconcile plan applied it. Each iteration measures the provider with nothing else in memory
// (the population and the fake are made afresh for the fake's pass and dropped after it). It
// reports:
//
//   - ratio: the provider's records/s over the fake's (goal >= 0.8);
//   - peak_heap_MB: the peak heap while the provider served the municipality (goal <= 128);
//   - provider_records/s and fake_records/s, and the persons served.
//
// The provider's state is built once, in the test's temporary directory, or in the file
// EDUSYNC_BENCH_DB names: built there when absent and reused when present (building the
// municipality takes many minutes on a small machine).
func BenchmarkProviderServePersons(b *testing.B) {
	ctx := context.Background()
	path := os.Getenv("EDUSYNC_BENCH_DB")
	if path == "" {
		path = filepath.Join(b.TempDir(), "provider.db")
	}
	if _, err := os.Stat(path); err != nil {
		setup := time.Now()
		n := buildMunicipality(b, ctx, path+".building")
		if err := os.Rename(path+".building", path); err != nil {
			b.Fatal(err)
		}
		b.Logf("setup: %d persons planned and applied in %s", n, time.Since(setup).Round(time.Second))
	}

	st, err := sqlite.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	e := newEnv(b, st, nil)
	token := e.token(testAudience, nil)
	// The rates are totals over every iteration (records over time), so that one pass slowed
	// by a busy machine weighs no more than its share; the peak is the highest of any pass.
	var provTime, fakeTime time.Duration
	var provN, fakeN int
	var peak float64
	var served int
	b.ResetTimer()
	for b.Loop() {
		runtime.GC()
		debug.FreeOSMemory()
		s := heappeak.Start()
		start := time.Now()
		served = readAll(b, e.srv.URL+"/ss12000/persons", "Bearer "+token)
		provTime += time.Since(start)
		peak = max(peak, heappeak.MiB(s.Stop()))
		provN += served

		fakeServed, fakeElapsed := servedByFake(b)
		fakeTime += fakeElapsed
		fakeN += fakeServed
		if fakeServed != served {
			b.Logf("the fake served %d persons, the provider %d", fakeServed, served)
		}
	}
	provRate := float64(provN) / provTime.Seconds()
	fakeRate := float64(fakeN) / fakeTime.Seconds()
	b.ReportMetric(provRate/fakeRate, "ratio")
	b.ReportMetric(peak, "peak_heap_MB")
	b.ReportMetric(provRate, "provider_records/s")
	b.ReportMetric(fakeRate, "fake_records/s")
	b.ReportMetric(float64(served), "persons")
}

// servedByFake serves the population from ss12000test and reads it as readAll does.
func servedByFake(b *testing.B) (int, time.Duration) {
	pop := population(b)
	fake := ss12000test.NewServer(ss12000test.WithDataset(ss12000test.FromPopulation(pop)))
	pop = nil
	runtime.GC()
	start := time.Now()
	n := readAll(b, fake.URL()+"/persons", "Bearer "+fake.Token())
	d := time.Since(start)
	fake.Close()
	return n, d
}

func population(b *testing.B) *synth.Population {
	opts, err := synth.PresetOptions(benchPreset())
	if err != nil {
		b.Fatal(err)
	}
	pop, err := synth.Generate(opts)
	if err != nil {
		b.Fatal(err)
	}
	return pop
}

// readAll reads every page of a list (limit 1000) and counts the records, decoding no more
// than the page's array of raw records.
func readAll(b *testing.B, base, auth string) int {
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2}}
	q := url.Values{"limit": {"1000"}}
	n := 0
	for {
		req, _ := http.NewRequest(http.MethodGet, base+"?"+q.Encode(), nil)
		req.Header.Set("Authorization", auth)
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 {
			b.Fatalf("%d %v %.200s", resp.StatusCode, err, body)
		}
		var pg struct {
			Data      []json.RawMessage `json:"data"`
			PageToken string            `json:"pageToken"`
		}
		if err := json.Unmarshal(body, &pg); err != nil {
			b.Fatal(err)
		}
		n += len(pg.Data)
		if pg.PageToken == "" {
			return n
		}
		q = url.Values{"pageToken": {pg.PageToken}}
	}
}

// buildMunicipality feeds a provider in a new SQLite file the way a hub is fed: the fake
// serves the population, ss12000sync reads it (with guardians and protected persons), and a
// reconcile plan is applied. It returns the number of persons planned.
func buildMunicipality(b *testing.B, ctx context.Context, path string) int {
	pop := population(b)
	today := pop.Options.Today.Time()
	fake := ss12000test.NewServer(ss12000test.WithDataset(ss12000test.FromPopulation(pop)), ss12000test.WithLimits(1000, 1000))
	defer fake.Close()
	pop = nil
	c, err := fake.Client(ss12000.WithPageSize(1000))
	if err != nil {
		b.Fatal(err)
	}
	src, err := ss12000sync.New(c, ss12000sync.Options{Guardians: true, Now: func() time.Time { return today }})
	if err != nil {
		b.Fatal(err)
	}
	snap, err := src.Snapshot(ctx)
	if err != nil {
		b.Fatal(err)
	}
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	p, err := New(st, Options{Receivers: []Receiver{{Name: "bench", Bearer: &JWT{JWKSURL: srv.URL, Issuer: "bench"}}},
		EPPN: ss12000.EPPNGenerator{Template: "{given}.{family}@kommun.example.se"}})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	tgt, err := reconcile.Load(ctx, p)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	plan, err := reconcile.NewPlan(snap, tgt, reconcile.Options{Now: today, IncludeProtected: true})
	if err != nil {
		b.Fatal(err)
	}
	n := len(snap.Persons)
	snap = nil
	b.Logf("planned %d actions in %s", len(plan.Actions), time.Since(start).Round(time.Millisecond))
	start = time.Now()
	rep, err := reconcile.Apply(ctx, plan, p, reconcile.ApplyOptions{TrustRevisions: true})
	if err != nil {
		b.Fatal(err)
	}
	if !rep.OK() {
		b.Fatalf("apply: %d failed", rep.Failed)
	}
	b.Logf("applied in %s", time.Since(start).Round(time.Millisecond))
	return n
}
