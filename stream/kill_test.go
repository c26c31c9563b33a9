package stream_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/store/sqlite"
	"github.com/edusync/edusync/stream"
)

// The kill test re-executes the test binary as a consumer instance: these variables tell it
// so, and where the brokers and the store are.
const (
	envChild    = "STREAM_TEST_CHILD"
	envBrokers  = "STREAM_TEST_BROKERS"
	envDB       = "STREAM_TEST_DB"
	envInstance = "STREAM_TEST_INSTANCE"
)

func TestMain(m *testing.M) {
	if os.Getenv(envChild) != "" {
		os.Exit(child())
	}
	os.Exit(m.Run())
}

var killScope = store.Scope{Flow: "stream-test", Tenant: "t"}

const killGroup = "appliers"

// slowApply is applyTx after a short pause inside the transaction, so that a batch is in
// flight long enough to be killed in.
func slowApply(ctx context.Context, tx store.Tx, d store.Delivery) error {
	time.Sleep(2 * time.Millisecond)
	return applyTx(ctx, tx, d)
}

func consumerConfig(brokers []string, st store.Store, instance string) stream.ConsumerConfig {
	return stream.ConsumerConfig{Brokers: brokers, Topics: []string{topic}, Group: killGroup,
		InstanceID: instance, Store: st, Scope: killScope, HandleTx: slowApply, Batch: 32,
		Options: quick()}
}

// child is a consumer instance in its own process; it runs until SIGTERM (then prints its
// stats) or SIGKILL.
func child() int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	// Opened without ctx: a SIGTERM that comes while the store opens (the other instance may
	// have finished the topic already) ends Run at once, not the child with an error.
	st, err := sqlite.Open(context.Background(), os.Getenv(envDB))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer st.Close()
	c, err := stream.NewConsumer(consumerConfig(strings.Split(os.Getenv(envBrokers), ","), st, os.Getenv(envInstance)))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer c.Close()
	if err := c.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	json.NewEncoder(os.Stdout).Encode(c.Stats())
	return 0
}

func startChild(t *testing.T, brokers []string, db, instance string) (*exec.Cmd, *strings.Builder) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envChild+"=1", envBrokers+"="+strings.Join(brokers, ","), envDB+"="+db, envInstance+"="+instance)
	out := new(strings.Builder)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, out
}

// TestKilledInstanceLosesNothingAndRepeatsNothing runs two consumer instances of one group
// over one store: one in a child process, SIGKILLed mid-batch and started again, the other in
// the test. 10% of the messages are published twice. The end state must equal that of one
// instance consuming the same topic alone, with every message applied exactly once and each
// account's events in order.
func TestKilledInstanceLosesNothingAndRepeatsNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	brokers := cluster(t, 4)
	const n = 400
	publish(t, brokers, workload(n, 16))
	ctx := context.Background()

	db := filepath.Join(t.TempDir(), "state.db")
	st, err := sqlite.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()

	a, _ := startChild(t, brokers, db, "a")
	b, err := stream.NewConsumer(consumerConfig(brokers, st, "b"))
	if err != nil {
		t.Fatal(err)
	}
	bCtx, bStop := context.WithCancel(ctx)
	bDone := make(chan error, 1)
	go func() { bDone <- b.Run(bCtx) }()

	effects := func() int { _, e := state(t, st, killScope); return len(e) }
	waitFor(t, 30*time.Second, "the first effects", func() bool { return effects() >= n/4 })
	if err := a.Process.Kill(); err != nil { // SIGKILL: no defer, no commit, no leaving the group
		t.Fatal(err)
	}
	_ = a.Wait()
	atKill := effects()
	if atKill >= n {
		t.Fatalf("the child was killed after everything was applied (%d effects); the test proves nothing", atKill)
	}
	t.Logf("child killed with %d of %d messages applied", atKill, n)
	a, aOut := startChild(t, brokers, db, "a") // the same static member: it takes its partitions back at once

	waitFor(t, 45*time.Second, "the group to commit the whole topic", func() bool {
		return uncommitted(t, brokers, killGroup) == 0
	})
	_ = a.Process.Signal(syscall.SIGTERM)
	if err := a.Wait(); err != nil {
		t.Fatalf("restarted child: %v\n%s", err, aOut)
	}
	bStop()
	if err := <-bDone; err != nil && !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	b.Close()
	var aStats stream.ConsumerStats
	if err := json.Unmarshal([]byte(aOut.String()), &aStats); err != nil {
		t.Fatalf("restarted child's stats: %v\n%s", err, aOut)
	}

	accts, got := state(t, st, killScope)
	for k, c := range got {
		if c != 1 {
			t.Errorf("%s applied %d times", k, c)
		}
	}
	if len(got) != n {
		t.Errorf("%d messages applied, want %d", len(got), n)
	}
	// Every republished message, and whatever the killed child had applied without
	// committing, was handed over again and skipped.
	if dups := b.Stats().Duplicates + aStats.Duplicates; dups < n/10 {
		t.Errorf("%d duplicates skipped after the kill, want at least the %d republished", dups, n/10)
	}
	if dead := b.Stats().Dead + aStats.Dead; dead != 0 {
		t.Errorf("%d messages dead-lettered", dead)
	}

	want, _ := cleanRun(t, brokers, n)
	if diff := cmp.Diff(want, accts); diff != "" {
		t.Errorf("end state differs from one clean instance's (-clean +killed):\n%s", diff)
	}
}

// cleanRun consumes the topic with one instance in a group of its own into a fresh store.
func cleanRun(t *testing.T, brokers []string, n int) (map[string][]int, map[string]int) {
	t.Helper()
	st := store.NewMemory()
	defer st.Close()
	cfg := consumerConfig(brokers, st, "")
	cfg.Group, cfg.HandleTx = "clean", applyTx
	run(t, brokers, cfg, 1)()
	accts, effects := state(t, st, killScope)
	if len(effects) != n {
		t.Fatalf("the clean instance applied %d messages, want %d", len(effects), n)
	}
	return accts, effects
}
