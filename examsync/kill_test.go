package examsync_test

import (
	"context"
	"encoding/json"
	"flag"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/edusync/edusync/examsync"
	"github.com/edusync/edusync/internal/fakekit"
	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/store/sqlite"
)

var kills = flag.Int("kills", 4, "SIGKILLs of the examsync child process in TestKilledProcessesLoseNothing (the issue's full run: -kills 20)")

// childEnv carries a child's spec: the fakes, the SQLite file and where to write its address.
const childEnv = "EXAMSYNC_TEST_CHILD"

type childSpec struct {
	Endpoints endpoints
	DB        string
	AddrFile  string
}

// TestChildProcess is the examsync process TestKilledProcessesLoseNothing starts and kills: it
// runs the flows over the SQLite file until it is killed.
func TestChildProcess(t *testing.T) {
	raw := os.Getenv(childEnv)
	if raw == "" {
		t.Skip("the child process of TestKilledProcessesLoseNothing")
	}
	var spec childSpec
	if err := json.Unmarshal([]byte(raw), &spec); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s, _ := spec.open(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = http.Serve(ln, s.Handler()) }()
	publish(t, spec.AddrFile, "http://"+ln.Addr().String())
	for {
		_, _ = s.Poll(ctx)
		if _, err := s.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// open starts an examsync process's Sync over the spec's SQLite file.
func (spec childSpec) open(tb testing.TB) (*examsync.Sync, store.Store) {
	tb.Helper()
	st, err := sqlite.Open(context.Background(), spec.DB)
	if err != nil {
		tb.Fatal(err)
	}
	su, err := spec.Endpoints.setups()
	if err != nil {
		tb.Fatal(err)
	}
	s, err := examsync.New(childConfig(st, su))
	if err != nil {
		tb.Fatal(err)
	}
	return s, st
}

// claim is how long a worker's claim lasts in this test: a killed child's claims run out soon.
const claim = time.Second

func childConfig(st store.Store, su []examsync.Setup) examsync.Config {
	return examsync.Config{Store: st, Tenants: su, RetryBase: 5 * time.Millisecond, RetryMax: 40 * time.Millisecond,
		Idle: 10 * time.Millisecond, Holder: "examsync-test", Visibility: claim}
}

// publish writes where the webhooks are to go, atomically.
func publish(tb testing.TB, file, addr string) {
	tmp := file + ".tmp"
	if err := os.WriteFile(tmp, []byte(addr), 0o600); err != nil {
		tb.Fatal(err)
	}
	if err := os.Rename(tmp, file); err != nil {
		tb.Fatal(err)
	}
}

// forwarder passes webhook deliveries to whichever process now serves them (503 while none
// does, so Inspera retries).
func forwarder(addrFile string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := os.ReadFile(addrFile)
		u, perr := url.Parse(strings.TrimSpace(string(b)))
		if err != nil || perr != nil || u.Host == "" {
			http.Error(w, "no examsync process", http.StatusServiceUnavailable)
			return
		}
		p := httputil.NewSingleHostReverseProxy(u)
		p.ErrorHandler = func(w http.ResponseWriter, _ *http.Request, _ error) {
			http.Error(w, "examsync process gone", http.StatusServiceUnavailable)
		}
		p.ServeHTTP(w, r)
	})
}

// tenPercent is the 10% of injected faults: server errors, rate limits and writes
// whose answer is lost after they were applied.
func tenPercent(seed uint64) fakekit.Faults {
	return fakekit.Faults{Seed: seed, ErrorRate: 0.04, RateLimitRate: 0.03, DropAfterWriteRate: 0.03}
}

// TestKilledProcessesLoseNothing runs a term's days (synth's next-day changes) through an
// examsync child process over one SQLite file, with 10% of the fakes' answers faulty, and
// SIGKILLs the child at random points; a process started over the same file takes over each
// time. The end state is a clean run's: every explanation in FS once, every appeal opened
// once, nothing lost.
func TestKilledProcessesLoseNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills child processes")
	}
	pop, err := tinyUniversity(5)
	if err != nil {
		t.Fatal(err)
	}
	const days = 3
	seeds := []uint64{0, 201, 202}

	clean := newWorld(t, pop)
	cs := newSync(t, clean, store.NewMemory())
	clean.serve(t, cs)
	for day := range days {
		if day > 0 {
			clean.nextDay(t, seeds[day])
		}
		settle(t, clean, cs)
	}

	w := newWorld(t, pop)
	for i, f := range []interface{ SetFaults(fakekit.Faults) }{w.fs, w.in, w.wf} {
		f.SetFaults(tenPercent(uint64(7 + i)))
	}
	dir := t.TempDir()
	spec := childSpec{Endpoints: w.endpoints(), DB: filepath.Join(dir, "state.db"), AddrFile: filepath.Join(dir, "addr")}
	proxy := httptest.NewServer(forwarder(spec.AddrFile))
	defer proxy.Close()
	raw, err := json.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(11, uint64(*kills)))
	killed := 0
	for day := range days {
		if day > 0 {
			w.nextDay(t, seeds[day])
		}
		n := *kills / days
		if day < *kills%days {
			n++
		}
		for range n {
			cmd := exec.Command(os.Args[0], "-test.run=^TestChildProcess$", "-test.v=false")
			cmd.Env = append(os.Environ(), childEnv+"="+string(raw))
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			if killed == 0 {
				// Inspera validates a subscription's URL, so the first child must be serving.
				waitServing(t, spec.AddrFile)
				w.subscribe(t, proxy.URL)
			}
			examine, kill := time.Duration(rng.IntN(300))*time.Millisecond, time.Duration(150+rng.IntN(700))*time.Millisecond
			var wg sync.WaitGroup
			wg.Go(func() {
				time.Sleep(examine)
				w.examiners(t)
			})
			time.Sleep(kill)
			_ = cmd.Process.Kill() // SIGKILL
			_ = cmd.Wait()
			wg.Wait()
			publish(t, spec.AddrFile, "")
			killed++
		}
		// A process that is not killed finishes the day, faults still on, once the killed
		// ones' claims have run out.
		time.Sleep(claim + 100*time.Millisecond)
		s, st := spec.open(t)
		srv := httptest.NewServer(s.Handler())
		publish(t, spec.AddrFile, srv.URL)
		settle(t, w, s)
		if day == days-1 {
			if dead, _ := s.DeadLetters(context.Background(), w.org); len(dead) > 0 {
				t.Errorf("%d dead letters: %+v", len(dead), dead)
			}
			failed := false
			recs, _ := s.Audit(context.Background(), w.org, examsync.AuditQuery{Success: &failed})
			for _, r := range recs {
				t.Logf("failed step: %s %s %s/%s attempt %d dead %v: %s", r.Submodule, r.Step, r.VurdID, r.Kandidatnr, r.Attempt, r.Dead, r.ErrorMessage)
			}
		}
		publish(t, spec.AddrFile, "")
		srv.Close()
		s.Close()
		st.Close()
	}
	t.Logf("%d kills; %d explanations in FS, %d exam-system cases", killed, len(w.snapshot().FS), len(w.snapshot().Inspera)+len(w.snapshot().WISEflow))
	if diff := cmp.Diff(clean.snapshot(), w.snapshot()); diff != "" {
		t.Errorf("the end state differs from a clean run's (-clean +killed):\n%s", diff)
	}
	if d := w.duplicates(); d != 0 {
		t.Errorf("%d effects were done twice", d)
	}
}

func waitServing(tb testing.TB, file string) {
	tb.Helper()
	for range 500 {
		if b, err := os.ReadFile(file); err == nil && len(b) > 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	tb.Fatal("the child process did not start serving")
}
