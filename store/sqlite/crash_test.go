package sqlite_test

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/store/sqlite"
)

// The crash tests write items in a loop and stop the writing at random points: a cancelled
// context, the store closed under a running transaction, the whole process killed with
// SIGKILL. After reopening the file, every item must be saved completely (position, both
// processed keys, attempt record with its payload, values, timer) or not at all, and every
// item whose Update returned nil must be there.

var crashScope = store.Scope{Flow: "crash", Tenant: "t1"}

// payload makes each item's transaction span several database pages, so a torn write would
// show.
var payload = []byte(strings.Repeat("0123456789abcdef", 256))

// writeItem does every kind of write for item i, pausing between steps when pause is set.
func writeItem(tx store.Tx, i int, pause func()) error {
	k := strconv.Itoa(i)
	steps := []func() error{
		func() error {
			return tx.SetPosition(store.Position{Cursor: "/handelser/feed/" + strconv.Itoa(i/50), Last: "entry-" + k, Offset: int64(i)})
		},
		func() error { return tx.MarkProcessed("entry-"+k, time.Time{}) },
		func() error { return tx.MarkProcessed("handelse-"+k, time.Time{}) },
		func() error {
			_, err := tx.RecordAttempt(store.Failure{Item: "item-" + k, Err: errors.New("503"), NextTry: time.Now(), Payload: payload})
			return err
		},
		func() error { return store.Put(tx, "state/"+k, i) },
		func() error { return store.Put(tx, "last", i) },
		func() error { return tx.Schedule("timer-"+k, time.Unix(int64(i), 0), []byte(k)) },
	}
	for _, step := range steps {
		if pause != nil {
			pause()
		}
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// itemState reports whether item i is completely saved (true) or not at all (false), and
// fails the test when it is partly saved.
func itemState(t *testing.T, tx store.Tx, i int) bool {
	t.Helper()
	k := strconv.Itoa(i)
	keys, err := tx.Processed("entry-"+k, "handelse-"+k)
	if err != nil {
		t.Fatal(err)
	}
	a, aerr := tx.Attempt("item-" + k)
	_, verr := tx.Value("state/" + k)
	tm, terr := tx.Timer("timer-" + k)
	have := []bool{keys["entry-"+k], keys["handelse-"+k], aerr == nil, verr == nil, terr == nil}
	for _, h := range have {
		if h != have[0] {
			t.Fatalf("item %d partly saved: keys, keys, attempt, value, timer = %v", i, have)
		}
	}
	if have[0] && (string(a.Payload) != string(payload) || a.Count != 1 || string(tm.Payload) != k) {
		t.Fatalf("item %d saved with wrong content: attempt %d, payload %d bytes, timer %q", i, a.Count, len(a.Payload), tm.Payload)
	}
	return have[0]
}

// verifyCrash checks the store after a crash: the position names the last item saved, every
// item from from up to it is saved and none after it (up to beyond). It returns the last item
// saved (0 for none).
func verifyCrash(t *testing.T, st store.Store, from, beyond int) int {
	t.Helper()
	last := 0
	err := st.View(context.Background(), crashScope, func(tx store.Tx) error {
		p, err := tx.Position()
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			return err
		default:
			last = int(p.Offset)
			if p.Last != "entry-"+strconv.Itoa(last) {
				t.Fatalf("position %+v inconsistent", p)
			}
			if v, err := store.Get[int](tx, "last"); err != nil || v != last {
				t.Fatalf("value last = %d (%v), position says %d", v, err, last)
			}
		}
		for i := max(from, 1); i <= max(beyond, last+20); i++ {
			if saved := itemState(t, tx, i); saved != (i <= last) {
				t.Fatalf("item %d saved = %v, but the position says the last item saved is %d", i, saved, last)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return last
}

// integrityCheck runs SQLite's own check on the closed file.
func integrityCheck(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var res string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&res); err != nil {
		t.Fatal(err)
	}
	if res != "ok" {
		t.Fatalf("integrity_check: %s", res)
	}
}

func TestCrashCancelledContexts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "crash.db")
	st := open(t, path)
	rng := rand.New(rand.NewPCG(1, 2))
	items := 400
	if testing.Short() || raceEnabled {
		items = 100
	}
	committed, failed := 0, 0
	for i := 1; i <= items; i++ {
		ctx, cancel := context.WithCancel(context.Background())
		var pause func()
		switch rng.IntN(4) {
		case 0: // cancelled from another goroutine after a random delay
			d := time.Duration(rng.IntN(400)) * time.Microsecond
			go func() { time.Sleep(d); cancel() }()
		case 1: // cancelled from inside the transaction, between two writes
			n := rng.IntN(8)
			pause = func() {
				if n == 0 {
					cancel()
				}
				n--
			}
		case 2: // deadline
			var c2 context.CancelFunc
			ctx, c2 = context.WithTimeout(ctx, time.Duration(rng.IntN(300))*time.Microsecond)
			defer c2()
		case 3: // not cancelled
		}
		err := st.Update(ctx, crashScope, func(tx store.Tx) error { return writeItem(tx, i, pause) })
		cancel()
		if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("item %d: %v", i, err)
		}
		err2 := st.View(context.Background(), crashScope, func(tx store.Tx) error {
			if saved := itemState(t, tx, i); saved != (err == nil) {
				t.Fatalf("item %d: Update returned %v but saved = %v", i, err, saved)
			}
			return nil
		})
		if err2 != nil {
			t.Fatal(err2)
		}
		if err == nil {
			committed++
			continue
		}
		// Not saved: the flow retries it, uncancelled this time.
		failed++
		if err := st.Update(context.Background(), crashScope, func(tx store.Tx) error { return writeItem(tx, i, nil) }); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d items committed at once, %d cancelled and retried", committed, failed)
	if failed == 0 || committed == 0 {
		t.Fatalf("the test exercised nothing: %d committed, %d cancelled", committed, failed)
	}
	st.Close()
	st = open(t, path)
	if last := verifyCrash(t, st, 1, items+20); last != items {
		t.Fatalf("after reopening, the last item is %d, want %d", last, items)
	}
	st.Close()
	integrityCheck(t, path)
}

func TestCrashClosedMidTransaction(t *testing.T) {
	path := filepath.Join(t.TempDir(), "crash.db")
	rng := rand.New(rand.NewPCG(3, 4))
	rounds := 40
	if testing.Short() || raceEnabled {
		rounds = 10
	}
	acked, aborted := 0, 0
	for round := range rounds {
		st := open(t, path)
		next := verifyCrash(t, st, acked-20, acked+20) + 1
		if next-1 != acked {
			t.Fatalf("round %d: last item saved %d, last acknowledged %d", round, next-1, acked)
		}
		var mu sync.Mutex
		done := make(chan struct{})
		wrng := rand.New(rand.NewPCG(uint64(round), 9))
		go func() {
			defer close(done)
			for i := next; ; i++ {
				err := st.Update(context.Background(), crashScope, func(tx store.Tx) error {
					return writeItem(tx, i, func() {
						if wrng.IntN(3) == 0 {
							time.Sleep(time.Duration(wrng.IntN(50)) * time.Microsecond)
						}
					})
				})
				if err != nil {
					if !errors.Is(err, store.ErrClosed) {
						t.Errorf("item %d: %v", i, err)
					}
					mu.Lock()
					aborted++
					mu.Unlock()
					return
				}
				mu.Lock()
				acked = i
				mu.Unlock()
			}
		}()
		time.Sleep(time.Duration(rng.IntN(3000)) * time.Microsecond)
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
		<-done
	}
	st := open(t, path)
	if last := verifyCrash(t, st, 1, acked+20); last != acked {
		t.Fatalf("last item saved %d, last acknowledged %d", last, acked)
	}
	st.Close()
	integrityCheck(t, path)
	t.Logf("%d rounds, %d items saved, %d transactions aborted by Close", rounds, acked, aborted)
}

// The SIGKILL tests run this test binary again as a child (TestCrashChild) that works on the
// store in a loop, printing what it has committed, and kill it at a random moment.
const (
	crashChildEnv = "EDUSYNC_STORE_CRASH_CHILD" // the store's path
	crashModeEnv  = "EDUSYNC_STORE_CRASH_MODE"  // items (default), queue, lease
	crashClockEnv = "EDUSYNC_STORE_CRASH_CLOCK" // the child's clock runs this far ahead
)

// TestCrashChild is the child that the SIGKILL tests start and kill; it does nothing in a
// normal test run.
func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashChildEnv)
	if path == "" {
		t.Skip("only run as a crash test's subprocess")
	}
	ahead, _ := time.ParseDuration(os.Getenv(crashClockEnv))
	st, err := sqlite.Open(context.Background(), path, store.WithClock(func() time.Time { return time.Now().Add(ahead) }))
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	out := bufio.NewWriter(os.Stdout)
	say := func(format string, args ...any) {
		fmt.Fprintf(out, format+"\n", args...)
		out.Flush()
	}
	switch os.Getenv(crashModeEnv) {
	case "queue":
		err = queueChild(st, say)
	case "lease":
		err = leaseChild(st, say)
	default:
		err = itemsChild(st, say)
	}
	say("error %v", err)
	os.Exit(2)
}

// itemsChild writes items in batches of 1 to 20 per transaction, the position saved at each.
func itemsChild(st store.Store, say func(string, ...any)) error {
	last, _, err := store.LoadPosition(context.Background(), st, crashScope)
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	for i := int(last.Offset) + 1; ; {
		n := 1 + rng.IntN(20)
		err := st.Update(context.Background(), crashScope, func(tx store.Tx) error {
			for j := range n {
				if err := writeItem(tx, i+j, nil); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		i += n
		say("committed %d", i-1)
	}
}

// child is a running crash child.
type child struct {
	cmd  *exec.Cmd
	out  *bufio.Scanner
	done bool
}

// startChild runs the crash child in mode on the store at path, its clock ahead by ahead.
func startChild(t *testing.T, mode, path string, ahead time.Duration) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+path, crashModeEnv+"="+mode, crashClockEnv+"="+ahead.String())
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, out: bufio.NewScanner(stdout)}
	t.Cleanup(func() {
		if !c.done {
			c.cmd.Process.Kill()
			c.cmd.Wait()
		}
	})
	return c
}

// line returns the next line the child printed, failing the test on an "error" line; ok is
// false when the child has stopped.
func (c *child) line(t *testing.T) (string, bool) {
	t.Helper()
	if !c.out.Scan() {
		return "", false
	}
	line := c.out.Text()
	if strings.HasPrefix(line, "error") {
		t.Fatalf("child: %s", line)
	}
	return line, true
}

// kill SIGKILLs the child and returns what it printed before it died.
func (c *child) kill(t *testing.T) []string {
	t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	var rest []string
	for c.out.Scan() {
		rest = append(rest, c.out.Text())
	}
	err := c.cmd.Wait()
	c.done = true
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != -1 {
		t.Fatalf("child ended with %v, not by the kill", err)
	}
	return rest
}

func TestCrashSIGKILL(t *testing.T) {
	if os.Getenv(crashChildEnv) != "" {
		t.Skip("in the subprocess")
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	rng := rand.New(rand.NewPCG(5, 6))
	rounds := 8
	if testing.Short() || raceEnabled {
		rounds = 3
	}
	acked := 0
	committed := func(line string) {
		if n, ok := strings.CutPrefix(line, "committed "); ok {
			v, err := strconv.Atoi(n)
			if err != nil {
				t.Fatalf("child said %q", line)
			}
			acked = v
		}
	}
	for round := range rounds {
		c := startChild(t, "items", path, 0)
		// Let it commit a random number of transactions, then kill it at a random moment
		// (most likely in the middle of a transaction or of its commit).
		target := 1 + rng.IntN(60)
		for seen := 0; seen < target; seen++ {
			line, ok := c.line(t)
			if !ok {
				t.Fatalf("round %d: child stopped after %d commits: %v", round, seen, c.out.Err())
			}
			committed(line)
		}
		time.Sleep(time.Duration(rng.IntN(2000)) * time.Microsecond)
		for _, line := range c.kill(t) { // lines printed before the kill acknowledge more
			committed(line)
		}
		st := open(t, path)
		last := verifyCrash(t, st, acked-20, acked+100)
		if last < acked {
			t.Fatalf("round %d: child acknowledged item %d, but only %d survived the kill", round, acked, last)
		}
		st.Close()
		t.Logf("round %d: killed after %d commits; items up to %d saved (acknowledged %d)", round, target, last, acked)
		acked = last
	}
	st := open(t, path)
	verifyCrash(t, st, 1, acked+100)
	st.Close()
	integrityCheck(t, path)
}
