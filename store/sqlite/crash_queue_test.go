package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/edusync/edusync/store"
)

var (
	queueScope = store.Scope{Flow: "inspera-hook", Tenant: "uib"}
	leaseScope = store.Scope{Flow: "pipeline", Tenant: "kommun-1"}
)

// The crash children's clocks run ahead of the test's by round*crashRound, so that the claims
// and leases of a killed child have run out for the next one without anybody waiting.
const (
	crashVisibility = time.Hour
	crashRound      = 3 * time.Hour
)

// queueChild claims the queue's messages one at a time and acknowledges each after a short
// pause (the moment a handler works), printing both.
func queueChild(st store.Store, say func(string, ...any)) error {
	for {
		var ds []store.Delivery
		err := st.Update(context.Background(), queueScope, func(tx store.Tx) error {
			var err error
			ds, err = tx.Claim(1, crashVisibility)
			return err
		})
		if err != nil {
			return err
		}
		if len(ds) == 0 {
			say("empty")
			time.Sleep(time.Hour) // until killed
		}
		d := ds[0]
		say("claimed %d %d", d.ID, d.Attempt)
		time.Sleep(time.Duration(rand.IntN(500)) * time.Microsecond)
		if err := st.Update(context.Background(), queueScope, func(tx store.Tx) error { return tx.Ack(d) }); err != nil {
			return err
		}
		say("acked %d", d.ID)
	}
}

// TestCrashQueueSIGKILL kills workers between Claim and Ack: a message whose Ack did not
// commit is delivered again once its claim has run out, one that was acknowledged never is,
// and none is lost.
func TestCrashQueueSIGKILL(t *testing.T) {
	if os.Getenv(crashChildEnv) != "" {
		t.Skip("in the subprocess")
	}
	path := filepath.Join(t.TempDir(), "queue.db")
	const n = 200
	st := open(t, path)
	msgs := make([]store.Message, n)
	for i := range msgs {
		msgs[i] = store.Message{Key: fmt.Sprint("delivery-", i), Payload: fmt.Append(nil, i)}
	}
	if _, err := store.Enqueue(context.Background(), st, queueScope, msgs...); err != nil {
		t.Fatal(err)
	}
	st.Close()
	rng := rand.New(rand.NewPCG(11, 12))
	rounds := 6
	if testing.Short() || raceEnabled {
		rounds = 3
	}
	acked := map[int64]bool{}
	redelivered := 0
	var inFlight []int64 // claimed by a killed child, its Ack not seen
	for round := range rounds {
		c := startChild(t, "queue", path, time.Duration(round)*crashRound)
		pending := map[int64]bool{}
		for _, id := range inFlight {
			pending[id] = true
		}
		inFlight = nil
		var claimed int64
		read := func(line string) {
			f := strings.Fields(line)
			switch f[0] {
			case "claimed":
				id, _ := strconv.ParseInt(f[1], 10, 64)
				attempt, _ := strconv.Atoi(f[2])
				if acked[id] {
					t.Fatalf("round %d: message %d delivered again after its Ack committed", round, id)
				}
				if pending[id] {
					if attempt < 2 {
						t.Fatalf("round %d: redelivered message %d at attempt %d", round, id, attempt)
					}
					redelivered++
					delete(pending, id)
				}
				claimed = id
			case "acked":
				id, _ := strconv.ParseInt(f[1], 10, 64)
				acked[id] = true
				claimed = 0
			}
		}
		// Kill right after a claim: most likely in the pause before the Ack.
		target := 1 + rng.IntN(40)
		for seen := 0; seen < target; {
			line, ok := c.line(t)
			if !ok {
				t.Fatalf("round %d: child stopped: %v", round, c.out.Err())
			}
			if line == "empty" {
				break
			}
			read(line)
			if strings.HasPrefix(line, "claimed") {
				seen++
			}
		}
		for _, line := range c.kill(t) {
			read(line)
		}
		if claimed != 0 {
			inFlight = append(inFlight, claimed)
		}
		// Messages a killed child had claimed before this round's child started, and which
		// this child did not claim, are still in the queue with their claim run out.
		for id := range pending {
			inFlight = append(inFlight, id)
		}
	}
	// Drain what is left as a last worker would, after every claim has run out.
	st = open(t, path, store.WithClock(func() time.Time { return time.Now().Add(time.Duration(rounds) * crashRound) }))
	defer st.Close()
	rest := map[int64]bool{}
	for {
		var ds []store.Delivery
		err := st.Update(context.Background(), queueScope, func(tx store.Tx) error {
			var err error
			if ds, err = tx.Claim(50, crashVisibility); err != nil {
				return err
			}
			for _, d := range ds {
				if err := tx.Ack(d); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) == 0 {
			break
		}
		for _, d := range ds {
			if acked[d.ID] {
				t.Fatalf("message %d delivered again after its Ack committed", d.ID)
			}
			rest[d.ID] = true
		}
	}
	// Every message was acknowledged once: by a child that said so, by the drain, or by a
	// child killed between the Ack's commit and its saying so (at most one per round).
	unaccounted := 0
	for id := int64(1); id <= n; id++ {
		if !acked[id] && !rest[id] {
			unaccounted++
		}
	}
	if unaccounted > rounds {
		t.Fatalf("%d messages neither acknowledged nor left in the queue", unaccounted)
	}
	if redelivered == 0 && len(inFlight) == 0 {
		t.Fatal("no kill fell between a Claim and its Ack: the test exercised nothing")
	}
	t.Logf("%d rounds: %d acknowledged by children, %d redelivered to the next child, %d drained at the end", rounds, len(acked), redelivered, len(rest))
	integrityCheck(t, path)
}

// leaseChild takes the lease and writes under it, fenced, until it is killed.
func leaseChild(st store.Store, say func(string, ...any)) error {
	holder := store.NewHolder()
	var l store.Lease
	err := st.Update(context.Background(), leaseScope, func(tx store.Tx) error {
		var err error
		l, err = tx.AcquireLease("nightly", holder, crashVisibility)
		return err
	})
	if err != nil {
		return err
	}
	say("lease %d %s", l.Token, l.Holder)
	for i := 1; ; i++ {
		err := store.UpdateFenced(context.Background(), st, leaseScope, l, func(tx store.Tx) error {
			return store.Put(tx, "written", i)
		})
		if err != nil {
			return err
		}
		say("wrote %d", i)
	}
}

// TestCrashLeaseSIGKILL kills a lease holder in the middle of its fenced writes: nobody else
// gets the lease before it expires; after that another holder takes it over with a higher
// token, and the dead holder's token is refused.
func TestCrashLeaseSIGKILL(t *testing.T) {
	if os.Getenv(crashChildEnv) != "" {
		t.Skip("in the subprocess")
	}
	path := filepath.Join(t.TempDir(), "lease.db")
	open(t, path).Close()
	rng := rand.New(rand.NewPCG(13, 14))
	var lastToken int64
	for round := range 3 {
		ahead := time.Duration(round) * crashRound
		c := startChild(t, "lease", path, ahead)
		line, ok := c.line(t)
		if !ok {
			t.Fatalf("round %d: child stopped: %v", round, c.out.Err())
		}
		var dead store.Lease
		if _, err := fmt.Sscanf(line, "lease %d %s", &dead.Token, &dead.Holder); err != nil {
			t.Fatalf("child said %q: %v", line, err)
		}
		if dead.Token <= lastToken {
			t.Fatalf("round %d: the child's token %d is not above %d", round, dead.Token, lastToken)
		}
		dead.Scope, dead.Name = leaseScope, "nightly"
		wrote := 0
		for range 1 + rng.IntN(30) {
			line, ok := c.line(t)
			if !ok {
				t.Fatalf("round %d: child stopped", round)
			}
			fmt.Sscanf(line, "wrote %d", &wrote)
		}
		for _, line := range c.kill(t) {
			fmt.Sscanf(line, "wrote %d", &wrote)
		}
		// Before the lease expires, nobody gets it: a killed holder releases nothing.
		now := time.Now().Add(ahead)
		st := open(t, path, store.WithClock(func() time.Time { return now }))
		take := func() (store.Lease, error) {
			var l store.Lease
			err := st.Update(context.Background(), leaseScope, func(tx store.Tx) error {
				var err error
				l, err = tx.AcquireLease("nightly", "successor", time.Minute)
				return err
			})
			return l, err
		}
		if _, err := take(); !errors.Is(err, store.ErrLeaseHeld) {
			t.Fatalf("round %d: took a killed holder's lease before it expired: %v", round, err)
		}
		// After it, the successor takes over, and the dead holder's token is refused.
		now = now.Add(crashVisibility + time.Second)
		l, err := take()
		if err != nil {
			t.Fatalf("round %d: no takeover after expiry: %v", round, err)
		}
		if l.Token != dead.Token+1 {
			t.Fatalf("round %d: took over with token %d from %d", round, l.Token, dead.Token)
		}
		err = store.UpdateFenced(context.Background(), st, leaseScope, dead, func(tx store.Tx) error {
			return store.Put(tx, "written", -1)
		})
		if !errors.Is(err, store.ErrLeaseLost) {
			t.Fatalf("round %d: the dead holder's fenced write: %v", round, err)
		}
		err = st.View(context.Background(), leaseScope, func(tx store.Tx) error {
			n, err := store.Get[int](tx, "written")
			if err == nil && n < wrote {
				t.Fatalf("round %d: the child said it wrote %d, the store has %d", round, wrote, n)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := store.UpdateFenced(context.Background(), st, leaseScope, l, func(tx store.Tx) error { return tx.ReleaseLease(l) }); err != nil {
			t.Fatal(err)
		}
		st.Close()
		lastToken = l.Token
		t.Logf("round %d: holder with token %d killed after %d writes; taken over with %d", round, dead.Token, wrote, l.Token)
	}
	integrityCheck(t, path)
}
