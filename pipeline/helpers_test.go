package pipeline_test

import (
	"bytes"
	"context"
	"fmt"
	"iter"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/edusync/edusync/internal/testclock"
	"github.com/edusync/edusync/pipeline"
	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/reconcile/reconciletest"
	"github.com/edusync/edusync/store"
)

var t0 = time.Date(2026, 8, 17, 2, 0, 0, 0, time.UTC)

// source is a reconcile.Source whose records a test changes between runs. With a gate, each
// read of its persons announces itself on entered and waits for the gate, so a test can hold a
// run in the middle.
type source struct {
	mu      sync.Mutex
	snap    *reconcile.Snapshot
	err     error
	gate    chan struct{}
	entered chan struct{}
	reads   atomic.Int32
}

func newSource(s *reconcile.Snapshot) *source { return &source{snap: s} }

// hold makes the next reads wait for release.
func (s *source) hold() {
	s.mu.Lock()
	s.gate, s.entered = make(chan struct{}), make(chan struct{}, 16)
	s.mu.Unlock()
}

func (s *source) set(snap *reconcile.Snapshot) {
	s.mu.Lock()
	s.snap = snap
	s.mu.Unlock()
}

func (s *source) fail(err error) {
	s.mu.Lock()
	s.err = err
	s.mu.Unlock()
}

func (s *source) current() (snap *reconcile.Snapshot, gate, entered chan struct{}, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.snap, s.gate, s.entered, s.err
}

func (s *source) Persons(ctx context.Context) iter.Seq2[reconcile.Person, error] {
	return func(yield func(reconcile.Person, error) bool) {
		s.reads.Add(1)
		snap, gate, entered, err := s.current()
		if gate != nil {
			entered <- struct{}{}
			select {
			case <-gate:
			case <-ctx.Done():
				yield(reconcile.Person{}, ctx.Err())
				return
			}
		}
		if err != nil {
			yield(reconcile.Person{}, err)
			return
		}
		for _, p := range snap.Persons {
			if !yield(p, nil) {
				return
			}
		}
	}
}

func (s *source) Groups(ctx context.Context) iter.Seq2[reconcile.Group, error] {
	snap, _, _, _ := s.current()
	return snap.AsSource().Groups(ctx)
}

func (s *source) Memberships(ctx context.Context) iter.Seq2[reconcile.Membership, error] {
	snap, _, _, _ := s.current()
	return snap.AsSource().Memberships(ctx)
}

// school is a small source: n pupils in class 7a.
func school(n int) *reconcile.Snapshot {
	s := &reconcile.Snapshot{Groups: []reconcile.Group{{Keys: reconcile.Keys{SourceKey: "G-7a"}, Name: "7a", Type: "Klasse"}}}
	for i := range n {
		key := fmt.Sprintf("S-%03d", i)
		s.Persons = append(s.Persons, reconcile.Person{Keys: reconcile.Keys{SourceKey: key},
			FamilyName: fmt.Sprintf("Family%03d", i), GivenNames: "Pupil", BirthDate: reconcile.NewDate(2013, 1, 1+i%28)})
		s.Memberships = append(s.Memberships, reconcile.Membership{Person: key, Group: "G-7a", Role: "Lern"})
	}
	return s
}

// logs records the pipeline's log lines and checks that no pipeline ever has two runs under
// way at once (between "run started" and "run ended").
type logs struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	active  map[string]int
	overlap bool
	started int
	ended   int
}

func newLogs() *logs { return &logs{active: map[string]int{}} }

func (l *logs) logger() *slog.Logger { return slog.New(&logHandler{l: l}) }

type logHandler struct {
	l     *logs
	attrs []slog.Attr
}

func (h *logHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *logHandler) Handle(_ context.Context, r slog.Record) error {
	h.l.mu.Lock()
	defer h.l.mu.Unlock()
	var name string
	line := r.Level.String() + " " + r.Message
	each := func(a slog.Attr) bool {
		if a.Key == "pipeline" {
			name = a.Value.String()
		}
		line += " " + a.String()
		return true
	}
	for _, a := range h.attrs {
		each(a)
	}
	r.Attrs(each)
	h.l.buf.WriteString(line + "\n")
	switch r.Message {
	case "pipeline: run started":
		h.l.started++
		h.l.active[name]++
		if h.l.active[name] > 1 {
			h.l.overlap = true
		}
	case "pipeline: run ended":
		h.l.ended++
		h.l.active[name]--
	}
	return nil
}

func (h *logHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &logHandler{l: h.l, attrs: append(append([]slog.Attr(nil), h.attrs...), as...)}
}

func (h *logHandler) WithGroup(string) slog.Handler { return h }

func (l *logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logs) counts() (started, ended int, overlap bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.started, l.ended, l.overlap
}

// newPipeline makes a pipeline "school" over src and tgt in st with a test clock (unless opts
// set another) and the given options.
func newPipeline(t testing.TB, src reconcile.Source, tgt reconcile.Target, st store.Store, opts ...pipeline.Option) *pipeline.Pipeline {
	t.Helper()
	p, err := pipeline.New("school", src, tgt, st, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func memStore(t testing.TB, clk *testclock.Clock) store.Store {
	t.Helper()
	var opts []store.Option
	if clk != nil {
		opts = append(opts, store.WithClock(clk.Now))
	}
	st := store.NewMemory(opts...)
	t.Cleanup(func() { st.Close() })
	return st
}

// mustRun runs p once and fails the test unless the run ends with want.
func mustRun(t testing.TB, p *pipeline.Pipeline, want pipeline.Status) pipeline.Run {
	t.Helper()
	r, err := p.Run(context.Background())
	if r.Status != want {
		t.Fatalf("run %d: status %q, want %q (error: %v)", r.ID, r.Status, want, err)
	}
	if (err == nil) != (want == pipeline.StatusSucceeded) {
		t.Fatalf("run %d %s: error %v", r.ID, r.Status, err)
	}
	return r
}

// target returns an in-memory target holding nothing, declaring caps (everything when none).
func target(caps ...reconcile.Capabilities) *reconciletest.Target {
	var opts []reconciletest.Option
	if len(caps) > 0 {
		opts = append(opts, reconciletest.WithCapabilities(caps[0]))
	}
	return reconciletest.NewTarget(nil, opts...)
}

// countByOp counts a target's writes per op.
func countByOp(tgt *reconciletest.Target) map[reconcile.Op]int {
	out := map[reconcile.Op]int{}
	for _, w := range tgt.Writes() {
		out[w.Op]++
	}
	return out
}

// waitFor polls cond until it holds or the test times out.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func containsAny(s string, needles ...string) string {
	for _, n := range needles {
		if strings.Contains(s, n) {
			return n
		}
	}
	return ""
}

type iterOrgs = iter.Seq2[reconcile.Organisation, error]
