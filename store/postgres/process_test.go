package postgres_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/store/postgres"
)

// The cross-process tests start copies of the test binary (TestChild) that work on one schema
// at once, as several hosts of a deployment do, and kill some of them with SIGKILL.
const (
	childEnv       = "EDUSYNC_PG_CHILD"
	childSchemaEnv = "EDUSYNC_PG_SCHEMA"
)

var (
	hooks  = store.Scope{Flow: "inspera-hook", Tenant: "uib"}
	timers = store.Scope{Flow: "ladokcanvas", Tenant: "uu"}
	pipe   = store.Scope{Flow: "pipeline", Tenant: "kommun-1"}
)

// TestChild is the body of a child process; it does nothing in a normal test run.
func TestChild(t *testing.T) {
	mode := os.Getenv(childEnv)
	if mode == "" {
		t.Skip("run by the cross-process tests")
	}
	st, err := postgres.Open(ctx, server.URL, postgres.WithSchema(os.Getenv(childSchemaEnv)))
	if err != nil {
		fmt.Println("child: error", err)
		os.Exit(2)
	}
	say := func(format string, args ...any) { fmt.Printf("child: "+format+"\n", args...) }
	if err := children[mode](st, say); err != nil {
		say("error %v", err)
		os.Exit(2)
	}
	st.Close()
	os.Exit(0)
}

var children = map[string]func(st *postgres.Store, say func(string, ...any)) error{
	// work claims messages and acknowledges each, checking in the same transaction that its
	// order key's messages come in order and counting each message's effects.
	"work": func(st *postgres.Store, say func(string, ...any)) error {
		for {
			var ds []store.Delivery
			err := st.Update(ctx, hooks, func(tx store.Tx) error {
				var err error
				ds, err = tx.Claim(4, time.Hour)
				return err
			})
			if err != nil {
				return err
			}
			if len(ds) == 0 {
				var left int
				err := st.View(ctx, hooks, func(tx store.Tx) error {
					s, err := tx.Stats()
					left = s.Queued
					return err
				})
				if err != nil || left == 0 {
					return err
				}
				time.Sleep(time.Millisecond)
				continue
			}
			for _, d := range ds {
				time.Sleep(time.Duration(rand.IntN(300)) * time.Microsecond) // the handler
				err := st.Update(ctx, hooks, func(tx store.Tx) error {
					seq, _ := strconv.Atoi(string(d.Payload))
					last, err := store.Get[int](tx, "last/"+d.OrderKey)
					if err != nil && !errors.Is(err, store.ErrNotFound) {
						return err
					}
					if seq <= last {
						if err := store.Put(tx, "disorder/"+string(d.Payload), last); err != nil {
							return err
						}
					}
					n, err := store.Get[int](tx, "effects/"+string(d.Payload))
					if err != nil && !errors.Is(err, store.ErrNotFound) {
						return err
					}
					if err := store.Put(tx, "effects/"+string(d.Payload), n+1); err != nil {
						return err
					}
					if err := store.Put(tx, "last/"+d.OrderKey, seq); err != nil {
						return err
					}
					return tx.Ack(d)
				})
				if err != nil {
					return err
				}
				say("acked %d", d.ID)
			}
		}
	},
	// fire fires the due timers, counting each timer's effects in the firing transaction.
	"fire": func(st *postgres.Store, say func(string, ...any)) error {
		n, err := store.FireDue(ctx, st, timers, time.Now(), 0, func(tx store.Tx, tm store.Timer) error {
			c, err := store.Get[int](tx, "fired/"+tm.ID)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			return store.Put(tx, "fired/"+tm.ID, c+1)
		})
		say("fired %d", n)
		return err
	},
	// hold writes in a transaction and stays in it until killed.
	"hold": func(st *postgres.Store, say func(string, ...any)) error {
		return st.Update(ctx, timers, func(tx store.Tx) error {
			for i := range 50 {
				if err := tx.SetValue(fmt.Sprint("half-done/", i), nil); err != nil {
					return err
				}
			}
			if _, err := tx.Enqueue(store.Message{Key: "never"}); err != nil {
				return err
			}
			say("holding")
			time.Sleep(time.Hour)
			return nil
		})
	},
	// stall claims one message and never finishes it.
	"stall": func(st *postgres.Store, say func(string, ...any)) error {
		var ds []store.Delivery
		err := st.Update(ctx, hooks, func(tx store.Tx) error {
			var err error
			ds, err = tx.Claim(1, 4*time.Second)
			return err
		})
		if err != nil || len(ds) != 1 {
			return fmt.Errorf("claimed %d: %v", len(ds), err)
		}
		say("claimed %d", ds[0].ID)
		time.Sleep(time.Hour)
		return nil
	},
	// lease tries once for the pipeline's lease and, having it, holds it until killed.
	"lease": func(st *postgres.Store, say func(string, ...any)) error {
		err := store.HoldLease(ctx, st, pipe, "sds-export", "", 4*time.Second, func(ctx context.Context, l store.Lease) error {
			say("won %d", l.Token)
			<-ctx.Done()
			return nil
		})
		if errors.Is(err, store.ErrLeaseHeld) {
			say("held")
			return nil
		}
		return err
	},
}

// child is a running child process.
type child struct {
	cmd   *exec.Cmd
	lines chan string
	done  chan error
}

func startChild(t *testing.T, mode, schema string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"="+mode, childSchemaEnv+"="+schema)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, lines: make(chan string, 1024), done: make(chan error, 1)}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if line, ok := strings.CutPrefix(sc.Text(), "child: "); ok {
				c.lines <- line
			}
		}
		close(c.lines)
		_, _ = io.Copy(io.Discard, out)
		c.done <- cmd.Wait()
	}()
	t.Cleanup(func() { c.kill() })
	return c
}

// wait reads the child's lines until it exits and returns them; it fails the test when the
// child fails or takes longer than a minute.
func (c *child) wait(t *testing.T) []string {
	t.Helper()
	var lines []string
	timeout := time.After(time.Minute)
	for {
		select {
		case line, ok := <-c.lines:
			if !ok {
				if err := <-c.done; err != nil {
					t.Fatalf("child: %v\n%s", err, strings.Join(lines, "\n"))
				}
				return lines
			}
			lines = append(lines, line)
		case <-timeout:
			t.Fatalf("child still running after a minute:\n%s", strings.Join(lines, "\n"))
		}
	}
}

// expect waits for the child's next line.
func (c *child) expect(t *testing.T) string {
	t.Helper()
	select {
	case line, ok := <-c.lines:
		if !ok {
			t.Fatalf("child exited: %v", <-c.done)
		}
		return line
	case <-time.After(time.Minute):
		t.Fatal("child said nothing for a minute")
	}
	return ""
}

func (c *child) kill() {
	_ = c.cmd.Process.Signal(syscall.SIGKILL)
}

// TestProcessesShareTheQueue: three processes work one queue at once; every message is
// handled once, and the messages of each order key in order.
func TestProcessesShareTheQueue(t *testing.T) {
	schema := newSchema(t)
	st := openIn(t, schema)
	defer st.Close()
	const n, keys = 300, 12
	msgs := make([]store.Message, n)
	for i := range msgs {
		msgs[i] = store.Message{Key: fmt.Sprint("delivery-", i), OrderKey: fmt.Sprint("candidate-", i%keys), Payload: fmt.Append(nil, i+1)}
	}
	if _, err := store.Enqueue(ctx, st, hooks, msgs...); err != nil {
		t.Fatal(err)
	}
	var kids []*child
	for range 3 {
		kids = append(kids, startChild(t, "work", schema))
	}
	perChild := make([]int, len(kids))
	for i, c := range kids {
		perChild[i] = len(c.wait(t))
	}
	err := st.View(ctx, hooks, func(tx store.Tx) error {
		if s, err := tx.Stats(); err != nil || s.Queued != 0 {
			return fmt.Errorf("left in the queue: %+v, %v", s, err)
		}
		effects, err := store.List[int](tx, "effects/")
		if err != nil {
			return err
		}
		if len(effects) != n {
			return fmt.Errorf("%d messages had effects, want %d", len(effects), n)
		}
		for _, e := range effects {
			if e.Value != 1 {
				return fmt.Errorf("%s: %d effects", e.Key, e.Value)
			}
		}
		if dis, err := store.List[int](tx, "disorder/"); err != nil || len(dis) > 0 {
			return fmt.Errorf("out of order: %v %v", dis, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("messages handled per process: %v", perChild)
}

// TestProcessesFireTimersOnce: three processes fire one scope's due timers at once; each timer
// fires exactly once.
func TestProcessesFireTimersOnce(t *testing.T) {
	schema := newSchema(t)
	st := openIn(t, schema)
	defer st.Close()
	const n = 200
	err := st.Update(ctx, timers, func(tx store.Tx) error {
		for i := range n {
			if err := tx.Schedule(fmt.Sprint("suspension/", i), time.Now().Add(-time.Minute), nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var kids []*child
	for range 3 {
		kids = append(kids, startChild(t, "fire", schema))
	}
	total := 0
	for _, c := range kids {
		for _, line := range c.wait(t) {
			var k int
			if _, err := fmt.Sscanf(line, "fired %d", &k); err == nil {
				total += k
			}
		}
	}
	if total != n {
		t.Fatalf("the processes fired %d timers, want %d", total, n)
	}
	err = st.View(ctx, timers, func(tx store.Tx) error {
		fired, err := store.List[int](tx, "fired/")
		if err != nil {
			return err
		}
		if len(fired) != n {
			return fmt.Errorf("%d timers had effects, want %d", len(fired), n)
		}
		for _, f := range fired {
			if f.Value != 1 {
				return fmt.Errorf("%s fired %d times", f.Key, f.Value)
			}
		}
		left, err := tx.Timers("")
		if err == nil && len(left) > 0 {
			err = fmt.Errorf("%d timers left", len(left))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestKilledWriterCommitsNothing: a process killed inside a write transaction commits none of
// it, and the scope's other writers go on at once (the server ends the transaction with the
// connection), not after some timeout.
func TestKilledWriterCommitsNothing(t *testing.T) {
	schema := newSchema(t)
	st := openIn(t, schema)
	defer st.Close()
	c := startChild(t, "hold", schema)
	if line := c.expect(t); line != "holding" {
		t.Fatalf("child: %s", line)
	}
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if err := st.Update(short, timers, func(tx store.Tx) error { return tx.SetValue("k", nil) }); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a writer of the scope while the child holds it: %v", err)
	}
	c.kill()
	start := time.Now()
	if err := st.Update(ctx, timers, func(tx store.Tx) error {
		if vs, err := tx.Values("half-done/"); err != nil || len(vs) > 0 {
			return fmt.Errorf("the killed transaction's values: %d, %v", len(vs), err)
		}
		e, err := tx.Enqueue(store.Message{Key: "never"})
		if err == nil && e.Duplicate {
			err = errors.New("the killed transaction's message key holds")
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited > 10*time.Second {
		t.Fatalf("the scope's lock was free only %v after the kill", waited)
	}
}

// TestKilledWorkerMessageDeliveredAgain: a process killed between Claim and Ack has its
// message delivered again once the claim runs out.
func TestKilledWorkerMessageDeliveredAgain(t *testing.T) {
	schema := newSchema(t)
	st := openIn(t, schema)
	defer st.Close()
	e, err := store.Enqueue(ctx, st, hooks, store.Message{Payload: []byte("submission")})
	if err != nil {
		t.Fatal(err)
	}
	c := startChild(t, "stall", schema)
	if line := c.expect(t); line != fmt.Sprint("claimed ", e[0].ID) {
		t.Fatalf("child: %s", line)
	}
	c.kill()
	claim := func() []store.Delivery {
		var ds []store.Delivery
		if err := st.Update(ctx, hooks, func(tx store.Tx) error {
			var err error
			ds, err = tx.Claim(1, time.Minute)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return ds
	}
	if ds := claim(); len(ds) != 0 {
		t.Fatalf("claimed while the dead worker's claim lasts: %+v", ds)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if ds := claim(); len(ds) == 1 {
			if ds[0].ID != e[0].ID || ds[0].Attempt != 2 {
				t.Fatalf("delivered again as %+v", ds[0])
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the message was not delivered again")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestProcessesRaceForALease: of four processes asking for one lease at once, one gets it;
// when that one is killed, the lease is taken over after it expires, with a higher token.
func TestProcessesRaceForALease(t *testing.T) {
	schema := newSchema(t)
	st := openIn(t, schema)
	defer st.Close()
	var mu sync.Mutex
	var won []*child
	var tokens []string
	var wg sync.WaitGroup
	for range 4 {
		c := startChild(t, "lease", schema)
		wg.Go(func() {
			line := c.expect(t)
			mu.Lock()
			defer mu.Unlock()
			if tok, ok := strings.CutPrefix(line, "won "); ok {
				won = append(won, c)
				tokens = append(tokens, tok)
			} else if line != "held" {
				t.Errorf("child: %s", line)
			}
		})
	}
	wg.Wait()
	if len(won) != 1 || tokens[0] != "1" {
		t.Fatalf("%d processes won the lease (tokens %v)", len(won), tokens)
	}
	won[0].kill()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var l store.Lease
		err := st.Update(ctx, pipe, func(tx store.Tx) error {
			var err error
			l, err = tx.AcquireLease("sds-export", "successor", time.Minute)
			return err
		})
		if err == nil {
			if l.Token != 2 {
				t.Fatalf("taken over with token %d, want 2", l.Token)
			}
			return
		}
		if !errors.Is(err, store.ErrLeaseHeld) || time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
