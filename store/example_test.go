package store_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/edusync/edusync/store"
)

// A feed reader saves its position together with the processed keys of the entries it
// handled, after its handler succeeded: after a crash it resumes at the position and skips
// what is already processed.
func Example() {
	ctx := context.Background()
	st := store.NewMemory() // sqlite.Open(ctx, path) in production
	defer st.Close()

	feed := store.Scope{Flow: "ladok-feed", Tenant: "uu"}
	entries := []struct{ id, handelseUID string }{{"urn:id:1", "h1"}, {"urn:id:2", "h2"}, {"urn:id:2", "h2"}}
	for _, e := range entries {
		err := st.Update(ctx, feed, func(tx store.Tx) error {
			done, err := tx.Processed(e.id, e.handelseUID)
			if err != nil {
				return err
			}
			if len(done) > 0 {
				fmt.Println("skip", e.id)
				return nil
			}
			fmt.Println("handle", e.id) // the handler's effect
			for _, k := range []string{e.id, e.handelseUID} {
				if err := tx.MarkProcessed(k, time.Now().Add(90*24*time.Hour)); err != nil {
					return err
				}
			}
			return tx.SetPosition(store.Position{Cursor: "/handelser/feed/42", Last: e.id})
		})
		if err != nil {
			fmt.Println(err)
			return
		}
	}
	pos, _, _ := store.LoadPosition(ctx, st, feed)
	fmt.Println("resume at", pos.Cursor, "after", pos.Last)
	// Output:
	// handle urn:id:1
	// handle urn:id:2
	// skip urn:id:2
	// resume at /handelser/feed/42 after urn:id:2
}

// A suspension schedules timers for its start and end; when it is shortened the end timer is
// moved, and each timer fires exactly once, in the same transaction as the bookkeeping of its
// effect.
func Example_timers() {
	ctx := context.Background()
	st := store.NewMemory()
	defer st.Close()
	adapter := store.Scope{Flow: "ladok-canvas", Tenant: "uu"}
	day := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)

	type suspension struct {
		Student string    `json:"student"`
		From    time.Time `json:"from"`
		To      time.Time `json:"to"`
	}
	_ = st.Update(ctx, adapter, func(tx store.Tx) error {
		s := suspension{Student: "stud-1", From: day, To: day.AddDate(0, 0, 30)}
		if err := store.Put(tx, "suspension/s1", s); err != nil {
			return err
		}
		if err := tx.Schedule("suspension/s1/start", s.From, []byte("s1")); err != nil {
			return err
		}
		return tx.Schedule("suspension/s1/end", s.To, []byte("s1"))
	})
	// Shortened to ten days: move the end timer.
	_ = st.Update(ctx, adapter, func(tx store.Tx) error {
		return tx.Schedule("suspension/s1/end", day.AddDate(0, 0, 10), []byte("s1"))
	})
	fire := func(now time.Time) {
		n, err := store.FireDue(ctx, st, adapter, now, 0, func(tx store.Tx, t store.Timer) error {
			fmt.Println(now.Format("Jan 2:"), "fire", t.ID)
			return store.Put(tx, "fired/"+t.ID, now) // the effect's bookkeeping
		})
		if err != nil || n == 0 {
			fmt.Println(now.Format("Jan 2:"), "nothing due", err)
		}
	}
	fire(day.AddDate(0, 0, -1))
	fire(day)
	fire(day) // a restart: fired timers stay fired
	fire(day.AddDate(0, 0, 10))
	fire(day.AddDate(0, 0, 30))
	// Output:
	// Aug 31: nothing due <nil>
	// Sep 1: fire suspension/s1/start
	// Sep 1: nothing due <nil>
	// Sep 11: fire suspension/s1/end
	// Oct 1: nothing due <nil>
}

// Failed events are recorded with their payload and retried; after the maximum number of
// attempts they are dead-lettered, to be requeued by an operator.
func Example_attempts() {
	ctx := context.Background()
	now := time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)
	st := store.NewMemory(store.WithMaxAttempts(3), store.WithClock(func() time.Time { return now }))
	defer st.Close()
	adapter := store.Scope{Flow: "ladok-canvas", Tenant: "uu"}
	canvasDown := errors.New("canvas: 503 Service Unavailable")

	for try := 1; try <= 3; try++ {
		_ = st.Update(ctx, adapter, func(tx store.Tx) error {
			a, err := tx.RecordAttempt(store.Failure{
				Item:    "stud-1/h42", // student first: Attempts("stud-1/") keeps per-student order
				Err:     canvasDown,
				NextTry: now.Add(time.Duration(try) * time.Minute),
				Payload: []byte(`{"handelse":"h42"}`),
			})
			fmt.Printf("attempt %d: dead=%v next=%s\n", a.Count, a.Dead, a.NextTry.Format("15:04"))
			return err
		})
	}
	_ = st.Update(ctx, adapter, func(tx store.Tx) error {
		dead, _ := tx.DeadLetters("")
		for _, a := range dead {
			fmt.Printf("dead letter %s: %s (%s), payload %s\n", a.Item, a.Reason, a.LastError, a.Payload)
		}
		return tx.Requeue("stud-1/h42", now)
	})
	_ = st.View(ctx, adapter, func(tx store.Tx) error {
		due, _ := tx.DueRetries(now, 10)
		fmt.Println("due again:", len(due))
		return nil
	})
	// Output:
	// attempt 1: dead=false next=08:01
	// attempt 2: dead=false next=08:02
	// attempt 3: dead=true next=00:00
	// dead letter stud-1/h42: gave up after 3 attempts (canvas: 503 Service Unavailable), payload {"handelse":"h42"}
	// due again: 1
}

// A webhook receiver enqueues each delivery under its delivery id and answers 200 once Enqueue
// has returned; a resent delivery is dropped as a duplicate. A Worker hands the messages to the
// handler, retrying failures and dead-lettering what cannot succeed.
func Example_queue() {
	ctx := context.Background()
	st := store.NewMemory()
	defer st.Close()
	hook := store.Scope{Flow: "inspera-hook", Tenant: "uib"}

	receive := func(deliveryID, body string) {
		res, err := store.Enqueue(ctx, st, hook, store.Message{
			Key:      deliveryID,
			OrderKey: "candidate-17/exam-3", // this candidate's events in the order sent
			Payload:  []byte(body),
		})
		if err != nil {
			fmt.Println("500:", err) // not stored: the sender retries
			return
		}
		fmt.Println("200, duplicate:", res[0].Duplicate)
	}
	receive("d-1", "submitted")
	receive("d-2", "graded")
	receive("d-1", "submitted") // resent by the sender

	w := store.Worker{Store: st, Scope: hook, Handle: func(ctx context.Context, d store.Delivery) error {
		if string(d.Payload) == "graded" {
			return store.Permanent(errors.New("exam 3 has no grade scale")) // retrying cannot help
		}
		fmt.Println("handled", string(d.Payload))
		return nil
	}}
	if _, err := w.Drain(ctx); err != nil {
		fmt.Println(err)
	}
	_ = st.View(ctx, hook, func(tx store.Tx) error {
		dead, err := tx.DeadMessages(0)
		for _, d := range dead {
			fmt.Printf("dead letter %s: %s\n", d.Key, d.Reason)
		}
		return err
	})
	// Output:
	// 200, duplicate: false
	// 200, duplicate: false
	// 200, duplicate: true
	// handled submitted
	// dead letter d-2: permanent failure: exam 3 has no grade scale
}

// Two processes run the same pipeline; a lease lets one of them at a time. A holder that was
// paused past its lease's expiry, while another took over, can no longer write.
func Example_lease() {
	ctx := context.Background()
	now := time.Date(2026, 9, 1, 2, 0, 0, 0, time.UTC)
	st := store.NewMemory(store.WithClock(func() time.Time { return now }))
	defer st.Close()
	pipelines := store.Scope{Flow: "pipeline", Tenant: "kommun-1"}

	acquire := func(holder string) store.Lease {
		var l store.Lease
		err := st.Update(ctx, pipelines, func(tx store.Tx) error {
			var err error
			l, err = tx.AcquireLease("sds-export", holder, 10*time.Minute)
			return err
		})
		fmt.Printf("%s: token %d, err %v\n", holder, l.Token, err)
		return l
	}
	first := acquire("host-a")
	acquire("host-b") // refused while host-a holds it

	now = now.Add(11 * time.Minute) // host-a hangs past its expiry
	acquire("host-b")               // and host-b takes over

	err := store.UpdateFenced(ctx, st, pipelines, first, func(tx store.Tx) error {
		return store.Put(tx, "last-run", now)
	})
	fmt.Println("host-a writes:", errors.Is(err, store.ErrLeaseLost))
	// Output:
	// host-a: token 1, err <nil>
	// host-b: token 0, err store: pipeline/kommun-1: lease "sds-export": store: lease held by another holder until 2026-09-01T02:10:00Z
	// host-b: token 2, err <nil>
	// host-a writes: true
}
