package ss12000sync_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/edusync/edusync/internal/testclock"
	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/ss12000"
	"github.com/edusync/edusync/ss12000/ss12000sync"
	"github.com/edusync/edusync/ss12000/ss12000test"
	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/store/sqlite"
	"github.com/edusync/edusync/synth"
)

// benchPageSize is the page size of the benchmark's client (the fake's maximum).
const benchPageSize = 1000

// BenchmarkSS12000SourceDelta is the hourly run on a municipality: the synth municipality
// preset (with guardians) is read once into a store; the service then gets the changes of the
// next day at rate 0.01 (synth.NextDay, seed 7). Each iteration starts a new Source on a copy
// of the stored snapshot (a copy of the SQLite file, as a new process finds it), refreshes it (a
// Syncer delta run against the fake) and plans it against a target in step with the first day.
// The fake runs in a child process, as a real service runs apart from the host: its heap is not
// the host's to collect. It reports:
//
//   - s: seconds for loading the stored snapshot, the delta run and planning (goal <= 2);
//   - cpu-s: the CPU seconds the host process used meanwhile, which a busy machine does not
//     inflate as it does s;
//   - requests/needed: the HTTP requests of the delta run over the fewest a delta reader can
//     send: for each resource read, max(1, ceil(changed records / page size)), plus the pages
//     of /deletedEntities, max(1, ceil(removals / page size)) (goal <= 1.1).
func BenchmarkSS12000SourceDelta(b *testing.B) {
	if os.Getenv(childEnv) != "" {
		serveMunicipality()
		return
	}
	fake := startFake(b)
	clock := testclock.New(fake.Day0.Add(time.Hour))
	count := &counter{next: &http.Transport{MaxIdleConnsPerHost: 4}}
	c, err := ss12000.New(fake.URL, ss12000.WithBearerToken(fake.Token), ss12000.WithPageSize(benchPageSize),
		ss12000.WithHTTPClient(&http.Client{Transport: count}))
	if err != nil {
		b.Fatal(err)
	}
	scope := store.Scope{Flow: "bench"}
	sourceOpts := ss12000sync.Options{Guardians: true, Now: clock.Now}

	// Day 0: everything read once and stored (in SQLite, the default backend); the target holds
	// what a first run gave it.
	dir := b.TempDir()
	seedPath := filepath.Join(dir, "seed.db")
	seed, err := sqlite.Open(ctx, seedPath)
	if err != nil {
		b.Fatal(err)
	}
	sourceOpts.Store, sourceOpts.Scope = seed, scope
	first, err := ss12000sync.New(c, sourceOpts)
	if err != nil {
		b.Fatal(err)
	}
	snap0, err := first.Snapshot(ctx)
	if err != nil {
		b.Fatal(err)
	}
	target := inStep(snap0)
	snap0, first = nil, nil
	if err := seed.Close(); err != nil {
		b.Fatal(err)
	}

	// Day 1: the service changes.
	day := fake.nextDay(b)
	needed := 0
	for _, n := range day.Changed {
		needed += max(1, int(math.Ceil(float64(n)/benchPageSize)))
	}
	needed += max(1, int(math.Ceil(float64(day.Removed)/benchPageSize)))
	clock.Set(fake.Day0.Add(24 * time.Hour))
	planOpts := reconcile.Options{Now: clock.Now(), Removals: reconcile.Removals{Enabled: true, GraceDays: 30}}

	var requests int
	var plan *reconcile.Plan
	var cpu float64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		path := filepath.Join(dir, fmt.Sprintf("run%d.db", i))
		if err := copyFile(seedPath, path); err != nil {
			b.Fatal(err)
		}
		st, err := sqlite.Open(ctx, path, sqlite.MustExist())
		if err != nil {
			b.Fatal(err)
		}
		sourceOpts.Store = st
		plan = nil
		runtime.GC()
		count.reset()
		cpu -= cpuSeconds()
		stopProfile := profileRun(b, i)
		b.StartTimer()

		src, err := ss12000sync.New(c, sourceOpts)
		if err != nil {
			b.Fatal(err)
		}
		snap, err := src.Snapshot(ctx)
		if err != nil {
			b.Fatal(err)
		}
		planned := time.Now()
		if plan, err = reconcile.NewPlan(snap, target, planOpts); err != nil {
			b.Fatal(err)
		}
		took := time.Since(planned)

		b.StopTimer()
		stopProfile()
		cpu += cpuSeconds()
		requests = count.total()
		r := src.LastReport()
		if r.Full || r.Stored == 0 {
			b.Fatalf("not a delta run from the stored snapshot: %+v", r)
		}
		b.Logf("load %v, read %v, store %v, build %v, plan %v", r.Took.Load, r.Took.Read, r.Took.Store, r.Took.Build, took)
		st.Close()
		os.Remove(path)
		os.Remove(path + "-wal")
		b.StartTimer()
	}
	b.StopTimer()
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s")
	b.ReportMetric(float64(requests)/float64(needed), "requests/needed")
	b.ReportMetric(float64(requests), "requests")
	b.ReportMetric(cpu/float64(b.N), "cpu-s")
	b.Logf("changed %v, %d removals; %d requests (%v) for %d needed; plan %+v", day.Changed, day.Removed, requests, count.paths, needed, plan.Counts)
}

// profileEnv names a file prefix: each timed run writes a CPU profile to prefix.N. A profile of
// the timed part alone, as -cpuprofile would mix in the minutes of setting up day 0.
const profileEnv = "SS12000SYNC_BENCH_CPUPROFILE"

// profileRun starts the CPU profile of run i when profileEnv is set; the result stops it.
func profileRun(b *testing.B, i int) (stop func()) {
	prefix := os.Getenv(profileEnv)
	if prefix == "" {
		return func() {}
	}
	f, err := os.Create(fmt.Sprintf("%s.%d", prefix, i))
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		b.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			b.Error(err)
		}
	}
}

// childEnv makes the benchmark binary serve the fake municipality instead of measuring.
const childEnv = "SS12000SYNC_BENCH_FAKE"

// fakeLine starts the lines the child writes for the parent (the test framework writes others).
const fakeLine = "ss12000sync-fake "

// fakeService is the child process serving the municipality.
type fakeService struct {
	URL, Token string
	Day0       time.Time
	in         io.WriteCloser
	out        *bufio.Scanner
}

// dayChanges is what the child reports after applying the next day.
type dayChanges struct {
	Changed map[ss12000.EndPointsEnum]int
	Removed int
}

func startFake(b *testing.B) *fakeService {
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^BenchmarkSS12000SourceDelta$", "-test.benchtime=1x")
	cmd.Env = append(os.Environ(), childEnv+"=1")
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		in.Close()
		cmd.Wait()
	})
	f := &fakeService{in: in, out: bufio.NewScanner(out)}
	f.read(b, f)
	return f
}

// read decodes the child's next line for the parent into v.
func (f *fakeService) read(b *testing.B, v any) {
	for f.out.Scan() {
		if line, ok := strings.CutPrefix(f.out.Text(), fakeLine); ok {
			if err := json.Unmarshal([]byte(line), v); err != nil {
				b.Fatal(err)
			}
			return
		}
	}
	b.Fatalf("the fake ended: %v", f.out.Err())
}

func (f *fakeService) nextDay(b *testing.B) dayChanges {
	if _, err := io.WriteString(f.in, "next\n"); err != nil {
		b.Fatal(err)
	}
	var d dayChanges
	f.read(b, &d)
	return d
}

// serveMunicipality is the child: it serves day 0 of the municipality and, on "next", applies
// the next day's changes, until its input ends.
func serveMunicipality() {
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "fake:", err)
		os.Exit(1)
	}
	opts, err := synth.PresetOptions(synth.PresetMunicipality)
	if err != nil {
		fail(err)
	}
	pop, err := synth.Generate(opts)
	if err != nil {
		fail(err)
	}
	day0 := pop.Today.Time().Add(6 * time.Hour)
	ds := ss12000test.FromPopulation(pop)
	spreadModified(&ds, day0)
	clock := testclock.New(day0.Add(time.Hour))
	srv := ss12000test.NewServer(ss12000test.WithDataset(ds), ss12000test.WithClock(clock.Now), ss12000test.WithLimits(benchPageSize, benchPageSize))
	defer srv.Close()
	say := func(v any) {
		line, err := json.Marshal(v)
		if err != nil {
			fail(err)
		}
		fmt.Printf("%s%s\n", fakeLine, line)
	}
	say(fakeService{URL: srv.URL(), Token: srv.Token(), Day0: day0})
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		if in.Text() != "next" {
			continue
		}
		next, _, err := synth.NextDay(pop, 7, 0.01)
		if err != nil {
			fail(err)
		}
		clock.Set(day0.Add(23 * time.Hour))
		changed, removed := applyDay(srv, ss12000test.FromPopulation(next), ss12000test.FromPopulation(pop))
		clock.Set(day0.Add(24 * time.Hour))
		// The fake indexes its records for expansion on the first listing after a change; a
		// real service keeps its indexes, so that is done before the timer.
		req, _ := http.NewRequest(http.MethodGet, srv.URL()+"/organisations?limit=1", nil)
		req.Header.Set("Authorization", "Bearer "+srv.Token())
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
		say(dayChanges{Changed: changed, Removed: removed})
	}
	os.Exit(0)
}

// spreadModified gives the day's records modification times over the year before day0, as a
// service that has run for a while has: the fake's population would otherwise be stamped all
// at one moment, and every delta run would list it all again inside the Syncer's overlap.
func spreadModified(ds *ss12000test.Dataset, day0 time.Time) {
	at := func(id string) ss12000.Meta {
		h := fnv.New64a()
		h.Write([]byte(id))
		t := day0.Add(-time.Hour - time.Duration(h.Sum64()%(365*24*3600))*time.Second)
		return ss12000.Meta{Created: t, Modified: t}
	}
	for i := range ds.Organisations {
		ds.Organisations[i].Meta = at(ds.Organisations[i].ID)
	}
	for i := range ds.Persons {
		ds.Persons[i].Meta = at(ds.Persons[i].ID)
	}
	for i := range ds.Groups {
		ds.Groups[i].Meta = at(ds.Groups[i].ID)
	}
	for i := range ds.Duties {
		ds.Duties[i].Meta = at(ds.Duties[i].ID)
	}
	for i := range ds.Activities {
		ds.Activities[i].Meta = at(ds.Activities[i].ID)
	}
	for i := range ds.Placements {
		ds.Placements[i].Meta = at(ds.Placements[i].ID)
	}
}

// applyDay stores the records of next that differ from old in the service (as another writer
// would) and removes those next lacks. It returns the changed records per resource the Source
// reads, and the removals of those resources.
func applyDay(srv *ss12000test.Server, next, old ss12000test.Dataset) (map[ss12000.EndPointsEnum]int, int) {
	changed := map[ss12000.EndPointsEnum]int{}
	removed := 0
	n, r := diffApply(srv, next.Organisations, old.Organisations, func(o *ss12000.Organisation) (string, *ss12000.Meta) { return o.ID, &o.Meta })
	changed[ss12000.EndPointsOrganisation], removed = n, removed+r
	n, r = diffApply(srv, next.Persons, old.Persons, func(o *ss12000.Person) (string, *ss12000.Meta) { return o.ID, &o.Meta })
	changed[ss12000.EndPointsPerson], removed = n, removed+r
	n, r = diffApply(srv, next.Groups, old.Groups, func(o *ss12000.Group) (string, *ss12000.Meta) { return o.ID, &o.Meta })
	changed[ss12000.EndPointsGroup], removed = n, removed+r
	n, r = diffApply(srv, next.Duties, old.Duties, func(o *ss12000.Duty) (string, *ss12000.Meta) { return o.ID, &o.Meta })
	changed[ss12000.EndPointsDuty], removed = n, removed+r
	n, r = diffApply(srv, next.Activities, old.Activities, func(o *ss12000.Activity) (string, *ss12000.Meta) { return o.ID, &o.Meta })
	changed[ss12000.EndPointsActivity], removed = n, removed+r
	diffApply(srv, next.Placements, old.Placements, func(o *ss12000.Placement) (string, *ss12000.Meta) { return o.ID, &o.Meta })
	return changed, removed
}

func diffApply[T ss12000test.Record](srv *ss12000test.Server, next, old []T, key func(*T) (string, *ss12000.Meta)) (changed, removed int) {
	content := func(v T) string {
		_, m := key(&v)
		*m = ss12000.Meta{}
		b, _ := json.Marshal(v)
		return string(b)
	}
	before := make(map[string]string, len(old))
	for _, v := range old {
		id, _ := key(&v)
		before[id] = content(v)
	}
	var upsert []T
	seen := make(map[string]bool, len(next))
	for _, v := range next {
		id, _ := key(&v)
		seen[id] = true
		if b, ok := before[id]; !ok || b != content(v) {
			upsert = append(upsert, v)
		}
	}
	var gone []string
	for _, v := range old {
		if id, _ := key(&v); !seen[id] {
			gone = append(gone, id)
		}
	}
	ss12000test.Upsert(srv, upsert...)
	ss12000test.Delete[T](srv, gone...)
	return len(upsert), len(gone)
}

// copyFile copies a closed SQLite database (with its write-ahead log, if one is left), as a new
// process finds it on disk.
func copyFile(from, to string) error {
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(from + suffix)
		if suffix != "" && errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if err := os.WriteFile(to+suffix, b, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// inStep returns the target a first run leaves: every record of the source under a target id,
// with its referrer, protected persons (and their memberships and relations) left out.
func inStep(src *reconcile.Snapshot) *reconcile.Snapshot {
	id := func(k string) string { return "t-" + k }
	protected := map[string]bool{}
	for _, p := range src.Persons {
		if p.Protected {
			protected[p.Keys.SourceKey] = true
		}
	}
	t := &reconcile.Snapshot{}
	for _, o := range src.Organisations {
		o.Keys = reconcile.Keys{TargetID: id(o.Keys.SourceKey), Referrer: o.Keys.SourceKey}
		t.Organisations = append(t.Organisations, o)
	}
	for _, p := range src.Persons {
		if protected[p.Keys.SourceKey] {
			continue
		}
		p.Keys = reconcile.Keys{TargetID: id(p.Keys.SourceKey), Referrer: p.Keys.SourceKey}
		cs := make([]reconcile.Context, len(p.Contexts))
		for i, c := range p.Contexts {
			cs[i] = reconcile.Context{Organisation: id(c.Organisation), Role: c.Role}
		}
		p.Contexts = cs
		var rs []reconcile.Relation
		for _, r := range p.Relations {
			if !protected[r.Person] {
				rs = append(rs, reconcile.Relation{Person: id(r.Person), Role: r.Role})
			}
		}
		p.Relations = rs
		t.Persons = append(t.Persons, p)
	}
	for _, g := range src.Groups {
		g.Keys = reconcile.Keys{TargetID: id(g.Keys.SourceKey), Referrer: g.Keys.SourceKey}
		g.Organisation = id(g.Organisation)
		t.Groups = append(t.Groups, g)
	}
	for i, m := range src.Memberships {
		if protected[m.Person] {
			continue
		}
		m.ID = "m-" + strconv.Itoa(i)
		m.Person, m.Group = id(m.Person), id(m.Group)
		t.Memberships = append(t.Memberships, m)
	}
	return t
}
