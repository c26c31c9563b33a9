package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edusync/edusync/internal/testclock"
	"github.com/edusync/edusync/store"
)

// Opener returns a new, empty store configured with opts.
type Opener func(t *testing.T, opts ...store.Option) store.Store

// Clock is a settable clock for store.WithClock.
type Clock = testclock.Clock

// NewClock returns a clock standing at t.
func NewClock(t time.Time) *Clock { return testclock.New(t) }

// T0 is where the suite's clocks start.
var T0 = time.Date(2026, 8, 31, 7, 30, 0, 123456000, time.UTC)

type suite struct {
	open Opener
}

// Run runs the conformance suite against the stores open returns.
func Run(t *testing.T, open Opener) {
	s := suite{open: open}
	for _, tc := range []struct {
		name string
		fn   func(*testing.T)
	}{
		{"Position", s.position},
		{"Processed", s.processed},
		{"ProcessedExpiry", s.processedExpiry},
		{"Attempts", s.attempts},
		{"DeadLetters", s.deadLetters},
		{"AttemptOrder", s.attemptOrder},
		{"Values", s.values},
		{"ValuesFrom", s.valuesFrom},
		{"Timers", s.timers},
		{"FireDueExactlyOnce", s.fireDueOnce},
		{"Atomic", s.atomic},
		{"Rollback", s.rollback},
		{"Panic", s.panics},
		{"DoomedTx", s.doomed},
		{"ReadOnly", s.readOnly},
		{"TxDone", s.txDone},
		{"Context", s.context},
		{"Serialisable", s.serialisable},
		{"Isolation", s.isolation},
		{"Close", s.close},
		{"CloseDuringUpdate", s.closeDuring},
		{"Invalid", s.invalid},
		{"ScopesAndStats", s.scopesStats},
		{"Copies", s.copies},
		{"Times", s.times},
		{"Batch", s.batch},
		{"Leases", s.leases},
		{"LeaseTakeover", s.leaseTakeover},
		{"LeaseRace", s.leaseRace},
		{"Queue", s.queue},
		{"QueueRedelivery", s.queueRedelivery},
		{"QueueRetry", s.queueRetry},
		{"QueueDedup", s.queueDedup},
		{"QueueOrder", s.queueOrder},
		{"QueueConcurrent", s.queueConcurrent},
		{"QueueRollback", s.queueRollback},
	} {
		t.Run(tc.name, tc.fn)
	}
}

var (
	ctx = context.Background()
	sc  = store.Scope{Flow: "ladok-feed", Tenant: "uu"}
)

func (s suite) store(t *testing.T, opts ...store.Option) store.Store {
	t.Helper()
	st := s.open(t, opts...)
	t.Cleanup(func() { st.Close() })
	return st
}

func update(t *testing.T, st store.Store, scope store.Scope, fn func(tx store.Tx) error) {
	t.Helper()
	if err := st.Update(ctx, scope, fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

func view(t *testing.T, st store.Store, scope store.Scope, fn func(tx store.Tx) error) {
	t.Helper()
	if err := st.View(ctx, scope, fn); err != nil {
		t.Fatalf("View: %v", err)
	}
}

// must(f())(t) is f's value, or fails the test with f's error.
func must[T any](v T, err error) func(t *testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func ok(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func is(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error %v, want %v", err, target)
	}
}

func (s suite) position(t *testing.T) {
	clock := NewClock(T0)
	st := s.store(t, store.WithClock(clock.Now))
	view(t, st, sc, func(tx store.Tx) error {
		_, err := tx.Position()
		is(t, err, store.ErrNotFound)
		return nil
	})
	if _, found, err := store.LoadPosition(ctx, st, sc); err != nil || found {
		t.Fatalf("LoadPosition on empty store: found %v, %v", found, err)
	}
	p := store.Position{Cursor: "/handelser/feed/17", Last: "urn:id:a", Offset: 3, ItemTime: T0.Add(-time.Hour)}
	update(t, st, sc, func(tx store.Tx) error { return tx.SetPosition(p) })
	got, found, err := store.LoadPosition(ctx, st, sc)
	ok(t, err)
	if !found {
		t.Fatal("position not found after SetPosition")
	}
	want := p
	want.Saved = T0
	if !got.Saved.Equal(want.Saved) || got.Cursor != want.Cursor || got.Last != want.Last || got.Offset != want.Offset || !got.ItemTime.Equal(want.ItemTime) {
		t.Fatalf("position %+v, want %+v", got, want)
	}
	if lag := got.Lag(T0); lag != time.Hour {
		t.Fatalf("Lag %v, want 1h", lag)
	}
	// Overwrite; another scope (same flow, other tenant; other flow) is untouched.
	clock.Advance(time.Minute)
	update(t, st, sc, func(tx store.Tx) error { return tx.SetPosition(store.Position{Cursor: "/handelser/feed/18"}) })
	other := store.Scope{Flow: "ladok-feed", Tenant: "su"}
	update(t, st, other, func(tx store.Tx) error { return tx.SetPosition(store.Position{Cursor: "x"}) })
	view(t, st, sc, func(tx store.Tx) error {
		p := must(tx.Position())(t)
		if p.Cursor != "/handelser/feed/18" || p.Last != "" || p.Offset != 0 || !p.ItemTime.IsZero() || !p.Saved.Equal(T0.Add(time.Minute)) {
			t.Fatalf("overwritten position %+v", p)
		}
		if p.Lag(T0) != 0 {
			t.Fatal("Lag without ItemTime must be 0")
		}
		return nil
	})
	view(t, st, store.Scope{Flow: "canvas", Tenant: "uu"}, func(tx store.Tx) error {
		_, err := tx.Position()
		is(t, err, store.ErrNotFound)
		return nil
	})
	update(t, st, sc, func(tx store.Tx) error {
		ok(t, tx.DeletePosition())
		ok(t, tx.DeletePosition())
		_, err := tx.Position()
		is(t, err, store.ErrNotFound)
		return nil
	})
	view(t, st, other, func(tx store.Tx) error {
		if p := must(tx.Position())(t); p.Cursor != "x" {
			t.Fatalf("other tenant's position %+v", p)
		}
		return nil
	})
}

func (s suite) processed(t *testing.T) {
	st := s.store(t)
	keys := make([]string, 1200)
	for i := range keys {
		keys[i] = fmt.Sprintf("urn:uuid:%04d", i)
	}
	update(t, st, sc, func(tx store.Tx) error {
		for _, k := range keys[:1000] {
			ok(t, tx.MarkProcessed(k, time.Time{}))
		}
		ok(t, tx.MarkProcessed(keys[0], time.Time{})) // again: not an error
		return nil
	})
	view(t, st, sc, func(tx store.Tx) error {
		got := must(tx.Processed(keys...))(t)
		if len(got) != 1000 {
			t.Fatalf("Processed found %d of 1200 keys, want 1000", len(got))
		}
		for i, k := range keys {
			if got[k] != (i < 1000) {
				t.Fatalf("Processed[%s] = %v", k, got[k])
			}
		}
		if len(must(tx.Processed())(t)) != 0 {
			t.Fatal("Processed() of no keys is not empty")
		}
		if !must(tx.IsProcessed(keys[5]))(t) || must(tx.IsProcessed(keys[1100]))(t) {
			t.Fatal("IsProcessed wrong")
		}
		return nil
	})
	view(t, st, store.Scope{Flow: "ladok-feed"}, func(tx store.Tx) error {
		if must(tx.IsProcessed(keys[5]))(t) {
			t.Fatal("key visible in another scope")
		}
		return nil
	})
	update(t, st, sc, func(tx store.Tx) error {
		ok(t, tx.ForgetProcessed(keys[5]))
		ok(t, tx.ForgetProcessed("never-marked"))
		return nil
	})
	view(t, st, sc, func(tx store.Tx) error {
		if must(tx.IsProcessed(keys[5]))(t) {
			t.Fatal("forgotten key still processed")
		}
		return nil
	})
}

func (s suite) processedExpiry(t *testing.T) {
	clock := NewClock(T0)
	st := s.store(t, store.WithClock(clock.Now), store.WithPurgeEvery(0))
	update(t, st, sc, func(tx store.Tx) error {
		ok(t, tx.MarkProcessed("short", T0.Add(time.Hour)))
		ok(t, tx.MarkProcessed("long", T0.Add(48*time.Hour)))
		ok(t, tx.MarkProcessed("forever", time.Time{}))
		ok(t, tx.MarkProcessed("far", time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)))
		ok(t, tx.MarkProcessed("extended", T0.Add(time.Hour)))
		ok(t, tx.MarkProcessed("extended", T0.Add(72*time.Hour)))
		return nil
	})
	update(t, st, store.Scope{Flow: "other"}, func(tx store.Tx) error {
		return tx.MarkProcessed("short", T0.Add(time.Minute))
	})
	clock.Advance(time.Hour) // "short" expires exactly now: expired
	view(t, st, sc, func(tx store.Tx) error {
		got := must(tx.Processed("short", "long", "forever", "far", "extended"))(t)
		if got["short"] || !got["long"] || !got["forever"] || !got["far"] || !got["extended"] {
			t.Fatalf("after 1h: %v", got)
		}
		return nil
	})
	if n := must(st.PurgeExpired(ctx))(t); n != 2 {
		t.Fatalf("PurgeExpired removed %d keys, want 2 (one per scope)", n)
	}
	view(t, st, sc, func(tx store.Tx) error {
		if n := must(tx.Stats())(t).Processed; n != 4 {
			t.Fatalf("%d keys left after purge, want 4", n)
		}
		return nil
	})
	clock.Advance(100 * time.Hour)
	view(t, st, sc, func(tx store.Tx) error {
		got := must(tx.Processed("short", "long", "forever", "far", "extended"))(t)
		if len(got) != 2 || !got["forever"] || !got["far"] {
			t.Fatalf("after 101h: %v", got)
		}
		return nil
	})

	// Opportunistic purge: every write transaction, here.
	st2 := s.store(t, store.WithClock(clock.Now), store.WithPurgeEvery(1))
	update(t, st2, sc, func(tx store.Tx) error { return tx.MarkProcessed("old", clock.Now().Add(time.Second)) })
	clock.Advance(time.Minute)
	update(t, st2, sc, func(tx store.Tx) error { return tx.MarkProcessed("new", time.Time{}) })
	view(t, st2, sc, func(tx store.Tx) error {
		if n := must(tx.Stats())(t).Processed; n != 1 {
			t.Fatalf("%d keys after opportunistic purge, want 1", n)
		}
		return nil
	})
	// A backlog larger than one purge batch (1,000) is worked off over the next commits.
	update(t, st2, sc, func(tx store.Tx) error {
		for i := range 2500 {
			ok(t, tx.MarkProcessed(fmt.Sprint("backlog-", i), clock.Now().Add(time.Second)))
		}
		return nil
	})
	clock.Advance(time.Minute)
	for _, want := range []int{1 + 1500 + 1, 1 + 500 + 2, 1 + 0 + 3, 1 + 0 + 4} {
		update(t, st2, sc, func(tx store.Tx) error { return tx.MarkProcessed(fmt.Sprint("k", want), time.Time{}) })
		view(t, st2, sc, func(tx store.Tx) error {
			if n := must(tx.Stats())(t).Processed; n != want {
				t.Fatalf("%d keys during backlog purge, want %d", n, want)
			}
			return nil
		})
	}
}

func (s suite) attempts(t *testing.T) {
	clock := NewClock(T0)
	st := s.store(t, store.WithClock(clock.Now), store.WithMaxAttempts(3))
	fail := errors.New("canvas: 503 Service Unavailable")
	for i := 1; i <= 3; i++ {
		update(t, st, sc, func(tx store.Tx) error {
			var payload []byte
			if i == 1 {
				payload = []byte(`{"event":1}`)
			}
			a := must(tx.RecordAttempt(store.Failure{Item: "s1/e1", Err: fail, NextTry: clock.Now().Add(time.Minute), Payload: payload}))(t)
			if a.Count != i || a.Item != "s1/e1" || a.LastError != fail.Error() || string(a.Payload) != `{"event":1}` {
				t.Fatalf("attempt %d: %+v", i, a)
			}
			if !a.FirstAt.Equal(T0) || !a.LastAt.Equal(clock.Now()) {
				t.Fatalf("attempt %d times: %+v", i, a)
			}
			if i < 3 && (a.Dead || !a.NextTry.Equal(clock.Now().Add(time.Minute))) {
				t.Fatalf("attempt %d dead too early: %+v", i, a)
			}
			if i == 3 && (!a.Dead || !a.DeadAt.Equal(clock.Now()) || !a.NextTry.IsZero() || !strings.Contains(a.Reason, "3 attempts")) {
				t.Fatalf("attempt 3 not dead-lettered: %+v", a)
			}
			return nil
		})
		clock.Advance(time.Minute)
	}
	update(t, st, sc, func(tx store.Tx) error {
		// Per-item maximum, permanent failures, nil error.
		a := must(tx.RecordAttempt(store.Failure{Item: "s2/e1", Err: fail, Max: 1}))(t)
		if !a.Dead {
			t.Fatalf("Max 1: %+v", a)
		}
		a = must(tx.RecordAttempt(store.Failure{Item: "s3/e1", Err: fail, Permanent: true}))(t)
		if !a.Dead || a.Count != 1 || !strings.Contains(a.Reason, "permanent") {
			t.Fatalf("permanent: %+v", a)
		}
		a = must(tx.RecordAttempt(store.Failure{Item: "s3/e2", Err: store.Permanent(fail)}))(t)
		if !a.Dead || a.LastError != fail.Error() || !strings.Contains(a.Reason, "permanent") {
			t.Fatalf("error marked permanent: %+v", a)
		}
		a = must(tx.RecordAttempt(store.Failure{Item: "s4/e1", NextTry: clock.Now()}))(t)
		if a.Dead || a.LastError != "" {
			t.Fatalf("nil error: %+v", a)
		}
		// A dead letter failing again stays dead.
		a = must(tx.RecordAttempt(store.Failure{Item: "s3/e1", Err: errors.New("again")}))(t)
		if !a.Dead || a.Count != 2 || a.LastError != "again" {
			t.Fatalf("dead letter failing again: %+v", a)
		}
		// Error text: personal numbers masked, capped.
		a = must(tx.RecordAttempt(store.Failure{Item: "s5/e1", Err: errors.New("student 199001011234 not found: " + strings.Repeat("x", 5000))}))(t)
		if strings.Contains(a.LastError, "199001011234") || len(a.LastError) > 2048 {
			t.Fatalf("error text not masked or capped: %.80q (%d bytes)", a.LastError, len(a.LastError))
		}
		got := must(tx.Attempt("s5/e1"))(t)
		if got.LastError != a.LastError {
			t.Fatal("stored error text differs from returned")
		}
		_, err := tx.Attempt("s9/e9")
		is(t, err, store.ErrNotFound)
		return nil
	})
	view(t, st, sc, func(tx store.Tx) error {
		a := must(tx.Attempt("s1/e1"))(t)
		if !a.Dead || a.Count != 3 || string(a.Payload) != `{"event":1}` {
			t.Fatalf("stored dead letter: %+v", a)
		}
		return nil
	})
	update(t, st, sc, func(tx store.Tx) error {
		is(t, tx.Requeue("nope", clock.Now()), store.ErrNotFound)
		ok(t, tx.Requeue("s1/e1", clock.Now().Add(time.Hour)))
		a := must(tx.Attempt("s1/e1"))(t)
		if a.Dead || a.Count != 0 || a.Reason != "" || !a.DeadAt.IsZero() || !a.NextTry.Equal(clock.Now().Add(time.Hour)) || string(a.Payload) != `{"event":1}` {
			t.Fatalf("requeued: %+v", a)
		}
		ok(t, tx.ClearAttempts("s4/e1"))
		ok(t, tx.ClearAttempts("s4/e1"))
		_, err := tx.Attempt("s4/e1")
		is(t, err, store.ErrNotFound)
		return nil
	})
}

func (s suite) deadLetters(t *testing.T) {
	clock := NewClock(T0)
	st := s.store(t, store.WithClock(clock.Now), store.WithMaxAttempts(2))
	fail := errors.New("boom")
	update(t, st, sc, func(tx store.Tx) error {
		for i, item := range []string{"b/2", "a/1", "c/3", "a/2", "d/4"} {
			must(tx.RecordAttempt(store.Failure{Item: item, Err: fail, NextTry: T0.Add(time.Duration(5-i) * time.Minute)}))(t)
		}
		return nil
	})
	clock.Advance(time.Second)
	update(t, st, sc, func(tx store.Tx) error {
		must(tx.RecordAttempt(store.Failure{Item: "c/3", Err: fail}))(t) // dead at T0+1s
		clock.Advance(time.Second)
		must(tx.RecordAttempt(store.Failure{Item: "a/1", Err: fail}))(t) // dead at T0+2s
		return nil
	})
	view(t, st, sc, func(tx store.Tx) error {
		items := func(as []store.Attempt) string {
			var s []string
			for _, a := range as {
				s = append(s, a.Item)
			}
			return strings.Join(s, " ")
		}
		if got := items(must(tx.DeadLetters(""))(t)); got != "c/3 a/1" {
			t.Fatalf("DeadLetters: %s", got)
		}
		if got := items(must(tx.DeadLetters("a/"))(t)); got != "a/1" {
			t.Fatalf("DeadLetters(a/): %s", got)
		}
		// Retrying ones: d/4 at +1m, a/2 at +2m, b/2 at +5m.
		if got := items(must(tx.DueRetries(T0.Add(10*time.Minute), 0))(t)); got != "d/4 a/2 b/2" {
			t.Fatalf("DueRetries: %s", got)
		}
		if got := items(must(tx.DueRetries(T0.Add(2*time.Minute), 0))(t)); got != "d/4 a/2" {
			t.Fatalf("DueRetries(+2m): %s", got)
		}
		if got := items(must(tx.DueRetries(T0.Add(10*time.Minute), 1))(t)); got != "d/4" {
			t.Fatalf("DueRetries limit 1: %s", got)
		}
		if got := items(must(tx.DueRetries(T0, 0))(t)); got != "" {
			t.Fatalf("DueRetries(T0): %s", got)
		}
		st := must(tx.Stats())(t)
		if st.Dead != 2 || st.Retrying != 3 {
			t.Fatalf("Stats: %+v", st)
		}
		return nil
	})
}

func (s suite) attemptOrder(t *testing.T) {
	// Per-student ordering: items named student/event, listed by first failure.
	clock := NewClock(T0)
	st := s.store(t, store.WithClock(clock.Now))
	for _, item := range []string{"stud-2/e9", "stud-1/e5", "stud-1/e3", "stud-10/e1"} {
		update(t, st, sc, func(tx store.Tx) error {
			_, err := tx.RecordAttempt(store.Failure{Item: item, Err: errors.New("x"), NextTry: T0})
			return err
		})
		clock.Advance(time.Millisecond)
	}
	update(t, st, sc, func(tx store.Tx) error {
		_, err := tx.RecordAttempt(store.Failure{Item: "stud-1/e5", Err: errors.New("y")}) // does not move it
		return err
	})
	view(t, st, sc, func(tx store.Tx) error {
		var got []string
		for _, a := range must(tx.Attempts("stud-1/"))(t) {
			got = append(got, a.Item)
		}
		if strings.Join(got, " ") != "stud-1/e5 stud-1/e3" {
			t.Fatalf("Attempts(stud-1/): %v", got)
		}
		if n := len(must(tx.Attempts(""))(t)); n != 4 {
			t.Fatalf("Attempts(\"\"): %d", n)
		}
		if n := len(must(tx.Attempts("stud-3/"))(t)); n != 0 {
			t.Fatalf("Attempts(stud-3/): %d", n)
		}
		return nil
	})
}

type coReading struct {
	Canvas    string   `json:"canvas"`
	Offerings []string `json:"offerings"`
}

func (s suite) values(t *testing.T) {
	st := s.store(t)
	keys := []string{"co/b", "co/a", "co%x", "co_y", "co", "cp", "c", "co/\xff", "co/\xff\xff", "early/k1"}
	// Values are JSON, where a key with invalid UTF-8 would not survive: refer to keys by index.
	update(t, st, sc, func(tx store.Tx) error {
		for i, k := range keys {
			ok(t, store.Put(tx, k, coReading{Canvas: fmt.Sprint(i), Offerings: []string{"o1", "o2"}}))
		}
		return nil
	})
	view(t, st, sc, func(tx store.Tx) error {
		v := must(store.Get[coReading](tx, "co/a"))(t)
		if v.Canvas != "1" || len(v.Offerings) != 2 {
			t.Fatalf("Get: %+v", v)
		}
		_, err := store.Get[coReading](tx, "co/zz")
		is(t, err, store.ErrNotFound)
		_, err = store.Get[int](tx, "co/a")
		is(t, err, store.ErrDecode)
		list := func(prefix string) string {
			var out []string
			for _, e := range must(store.List[coReading](tx, prefix))(t) {
				if e.Value.Canvas != fmt.Sprint(slices.Index(keys, e.Key)) {
					t.Fatalf("List value for %q: %+v", e.Key, e.Value)
				}
				out = append(out, e.Key)
			}
			return strings.Join(out, " ")
		}
		if got := list("co/"); got != "co/a co/b co/\xff co/\xff\xff" {
			t.Fatalf("List(co/): %q", got)
		}
		if got := list("co/\xff"); got != "co/\xff co/\xff\xff" {
			t.Fatalf("List(co/\\xff): %q", got)
		}
		if got := list("co%"); got != "co%x" {
			t.Fatalf("List(co%%): %q (no LIKE semantics)", got)
		}
		if got := list("co_"); got != "co_y" {
			t.Fatalf("List(co_): %q (no LIKE semantics)", got)
		}
		if got := list("co"); got != "co co%x co/a co/b co/\xff co/\xff\xff co_y" {
			t.Fatalf("List(co): %q", got)
		}
		if got := list(""); len(strings.Fields(got)) != len(keys) {
			t.Fatalf("List(\"\"): %q", got)
		}
		if got := list("zz"); got != "" {
			t.Fatalf("List(zz): %q", got)
		}
		if _, err := store.List[int](tx, "co/"); !errors.Is(err, store.ErrDecode) {
			t.Fatalf("List[int]: %v", err)
		}
		return nil
	})
	update(t, st, sc, func(tx store.Tx) error {
		ok(t, tx.DeleteValue("co/a"))
		ok(t, tx.DeleteValue("co/a"))
		ok(t, tx.SetValue("raw", nil))
		ok(t, tx.SetValue("flag", []byte("true")))
		ok(t, store.Put(tx, "flag", false))
		return nil
	})
	view(t, st, sc, func(tx store.Tx) error {
		_, err := tx.Value("co/a")
		is(t, err, store.ErrNotFound)
		if v := must(tx.Value("raw"))(t); v == nil || len(v) != 0 {
			t.Fatalf("empty value read back as %#v", v)
		}
		if must(store.Get[bool](tx, "flag"))(t) {
			t.Fatal("Put did not replace")
		}
		return nil
	})
	view(t, st, store.Scope{Flow: "ladok-feed", Tenant: "UU"}, func(tx store.Tx) error {
		if n := len(must(tx.Values(""))(t)); n != 0 {
			t.Fatalf("tenant names are case-sensitive: %d values seen", n)
		}
		return nil
	})
}

// valuesFrom pages through a prefix: every key once, in order, whatever the page size, keys
// longer than 1 KiB that share their first KiB included.
func (s suite) valuesFrom(t *testing.T) {
	st := s.store(t)
	long := strings.Repeat("x", 1100)
	keys := []string{"co/b", "co/a", "co%x", "co_y", "co", "cp", "c", "co/\xff", "co/\xff\xff",
		"co/" + long + "b", "co/" + long + "a", "co/" + long, "co/" + long + "c"}
	update(t, st, sc, func(tx store.Tx) error {
		for i, k := range keys {
			ok(t, tx.SetValue(k, []byte(fmt.Sprint(i))))
		}
		return nil
	})
	page := func(tx store.Tx, prefix string, size int) []string {
		var out []string
		after := ""
		for range len(keys) + 2 {
			got := must(tx.ValuesFrom(prefix, after, size))(t)
			if len(got) > size {
				t.Fatalf("ValuesFrom(%q, limit %d) gave %d values", prefix, size, len(got))
			}
			for _, e := range got {
				if string(e.Value) != fmt.Sprint(slices.Index(keys, e.Key)) {
					t.Fatalf("value of %.20q: %q", e.Key, e.Value)
				}
				out = append(out, e.Key)
			}
			if len(got) < size {
				return out
			}
			after = got[len(got)-1].Key
		}
		t.Fatalf("ValuesFrom(%q) does not end", prefix)
		return nil
	}
	view(t, st, sc, func(tx store.Tx) error {
		var want []string
		for _, e := range must(tx.Values("co"))(t) {
			want = append(want, e.Key)
		}
		if len(want) != 11 {
			t.Fatalf("Values(co): %d keys", len(want))
		}
		for _, size := range []int{1, 2, 3, 100} {
			got := page(tx, "co", size)
			if len(got) != len(want) {
				t.Fatalf("pages of %d: %d keys, want %d", size, len(got), len(want))
			}
			seen := map[string]bool{}
			for i, k := range got {
				if seen[k] {
					t.Fatalf("pages of %d: key %.20q twice", size, k)
				}
				seen[k] = true
				if len(k) <= 1024 && k != want[i] {
					t.Fatalf("pages of %d: key %d is %.20q, want %.20q", size, i, k, want[i])
				}
			}
		}
		all := must(tx.ValuesFrom("co/", "", 0))(t)
		if len(all) != 8 || all[0].Key != "co/a" || all[1].Key != "co/b" {
			t.Fatalf("ValuesFrom(co/, all): %d values starting %.20q", len(all), all[0].Key)
		}
		if got := must(tx.ValuesFrom("co/", "co/a", 1))(t); len(got) != 1 || got[0].Key != "co/b" {
			t.Fatalf("ValuesFrom(co/, after co/a): %+v", got)
		}
		if got := must(tx.ValuesFrom("co/", "co/\xff\xff", 0))(t); len(got) != 0 {
			t.Fatalf("ValuesFrom after the last key: %d values", len(got))
		}
		if got := must(tx.ValuesFrom("zz", "", 5))(t); len(got) != 0 {
			t.Fatalf("ValuesFrom(zz): %d values", len(got))
		}
		if got := must(tx.ValuesFrom("", "cp", 0))(t); len(got) != 0 {
			t.Fatalf("ValuesFrom after cp, the last key: %d values", len(got))
		}
		typed := must(store.ListFrom[int](tx, "co/", "", 1))(t)
		if len(typed) != 1 || typed[0].Key != "co/a" || typed[0].Value != 1 {
			t.Fatalf("ListFrom: %+v", typed)
		}
		return nil
	})
}

func (s suite) timers(t *testing.T) {
	clock := NewClock(T0)
	st := s.store(t, store.WithClock(clock.Now))
	update(t, st, sc, func(tx store.Tx) error {
		_, err := tx.NextTimer()
		is(t, err, store.ErrNotFound)
		ok(t, tx.Schedule("susp/1/start", T0.Add(2*time.Hour), []byte("start")))
		ok(t, tx.Schedule("susp/1/end", T0.Add(48*time.Hour), []byte("end")))
		ok(t, tx.Schedule("susp/2/start", T0.Add(time.Hour), nil))
		ok(t, tx.Schedule("past", T0.Add(-time.Hour), nil))
		return nil
	})
	clock.Advance(time.Minute)
	update(t, st, sc, func(tx store.Tx) error {
		// Suspension shortened: move the end timer; lifted: cancel.
		ok(t, tx.Schedule("susp/1/end", T0.Add(24*time.Hour), []byte("end2")))
		if !must(tx.Cancel("susp/2/start"))(t) {
			t.Fatal("Cancel of a scheduled timer reported false")
		}
		if must(tx.Cancel("susp/2/start"))(t) {
			t.Fatal("second Cancel reported true")
		}
		return nil
	})
	view(t, st, sc, func(tx store.Tx) error {
		tm := must(tx.Timer("susp/1/end"))(t)
		if !tm.At.Equal(T0.Add(24*time.Hour)) || string(tm.Payload) != "end2" || !tm.Scheduled.Equal(T0.Add(time.Minute)) {
			t.Fatalf("moved timer: %+v", tm)
		}
		_, err := tx.Timer("susp/2/start")
		is(t, err, store.ErrNotFound)
		if n := must(tx.NextTimer())(t); n.ID != "past" {
			t.Fatalf("NextTimer: %+v", n)
		}
		ids := func(ts []store.Timer) string {
			var s []string
			for _, t := range ts {
				s = append(s, t.ID)
			}
			return strings.Join(s, " ")
		}
		if got := ids(must(tx.Timers("susp/"))(t)); got != "susp/1/start susp/1/end" {
			t.Fatalf("Timers(susp/): %s", got)
		}
		if got := ids(must(tx.DueTimers(T0.Add(3*time.Hour), 0))(t)); got != "past susp/1/start" {
			t.Fatalf("DueTimers: %s", got)
		}
		if got := ids(must(tx.DueTimers(T0.Add(3*time.Hour), 1))(t)); got != "past" {
			t.Fatalf("DueTimers limit 1: %s", got)
		}
		if got := ids(must(tx.DueTimers(T0.Add(2*time.Hour), 0))(t)); got != "past susp/1/start" {
			t.Fatalf("DueTimers at exactly the time: %s", got)
		}
		return nil
	})
	update(t, st, sc, func(tx store.Tx) error {
		ok(t, tx.Fire("past"))
		is(t, tx.Fire("past"), store.ErrNotFound)
		return nil
	})
	// Rescheduling a fired timer makes it fire again.
	update(t, st, sc, func(tx store.Tx) error { return tx.Schedule("past", T0, nil) })
	n, err := store.FireDue(ctx, st, sc, T0.Add(3*time.Hour), 0, func(tx store.Tx, tm store.Timer) error {
		return store.Put(tx, "fired/"+tm.ID, tm.At)
	})
	if err != nil || n != 2 {
		t.Fatalf("FireDue: %d, %v", n, err)
	}
	// A failing effect leaves the timer due.
	update(t, st, sc, func(tx store.Tx) error { return tx.Schedule("flaky", T0, nil) })
	n, err = store.FireDue(ctx, st, sc, T0.Add(3*time.Hour), 0, func(tx store.Tx, tm store.Timer) error {
		ok(t, store.Put(tx, "fired/"+tm.ID, tm.At))
		return errors.New("canvas down")
	})
	if err == nil || n != 0 {
		t.Fatalf("FireDue with failing effect: %d, %v", n, err)
	}
	view(t, st, sc, func(tx store.Tx) error {
		must(tx.Timer("flaky"))(t)
		_, err := tx.Value("fired/flaky")
		is(t, err, store.ErrNotFound)
		if got := len(must(tx.Values("fired/"))(t)); got != 2 {
			t.Fatalf("%d effects recorded, want 2", got)
		}
		return nil
	})
}

func (s suite) fireDueOnce(t *testing.T) {
	st := s.store(t)
	const timers, workers = 60, 6
	update(t, st, sc, func(tx store.Tx) error {
		for i := range timers {
			ok(t, tx.Schedule(fmt.Sprintf("t%03d", i), T0.Add(time.Duration(i)*time.Second), nil))
		}
		return nil
	})
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for range workers {
		wg.Go(func() {
			n, err := store.FireDue(ctx, st, sc, T0.Add(time.Hour), 0, func(tx store.Tx, tm store.Timer) error {
				c, err := store.Get[int](tx, "count/"+tm.ID)
				if err != nil && !errors.Is(err, store.ErrNotFound) {
					return err
				}
				return store.Put(tx, "count/"+tm.ID, c+1)
			})
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			total += n
			mu.Unlock()
		})
	}
	wg.Wait()
	if total != timers {
		t.Fatalf("fired %d times in all, want %d", total, timers)
	}
	view(t, st, sc, func(tx store.Tx) error {
		for _, e := range must(store.List[int](tx, "count/"))(t) {
			if e.Value != 1 {
				t.Fatalf("%s fired %d times", e.Key, e.Value)
			}
		}
		if n := len(must(tx.Timers(""))(t)); n != 0 {
			t.Fatalf("%d timers left", n)
		}
		return nil
	})
}

// writeAll does one of every kind of write for item i.
func writeAll(tx store.Tx, i int) error {
	k := fmt.Sprint(i)
	steps := []func() error{
		func() error {
			return tx.SetPosition(store.Position{Cursor: "page-" + k, Last: "entry-" + k, Offset: int64(i)})
		},
		func() error { return tx.MarkProcessed("entry-"+k, time.Time{}) },
		func() error { return tx.MarkProcessed("handelse-"+k, time.Time{}) },
		func() error {
			_, err := tx.RecordAttempt(store.Failure{Item: "item-" + k, Err: errors.New("x"), NextTry: T0})
			return err
		},
		func() error { return store.Put(tx, "state/"+k, i) },
		func() error { return tx.Schedule("timer-"+k, T0, []byte(k)) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// checkAll reports whether every write of item i is there (true), none is (false), or fails.
func checkAll(t *testing.T, tx store.Tx, i int) bool {
	t.Helper()
	k := fmt.Sprint(i)
	var have []bool
	p, err := tx.Position()
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		t.Fatal(err)
	}
	have = append(have, p.Last == "entry-"+k)
	pr := must(tx.Processed("entry-"+k, "handelse-"+k))(t)
	have = append(have, pr["entry-"+k], pr["handelse-"+k])
	_, err = tx.Attempt("item-" + k)
	have = append(have, err == nil)
	_, err = tx.Value("state/" + k)
	have = append(have, err == nil)
	_, err = tx.Timer("timer-" + k)
	have = append(have, err == nil)
	for _, h := range have[1:] {
		if h != have[0] {
			t.Fatalf("item %d partly saved: position, keys, attempt, value, timer = %v", i, have)
		}
	}
	return have[0]
}

func (s suite) atomic(t *testing.T) {
	st := s.store(t)
	update(t, st, sc, func(tx store.Tx) error { return writeAll(tx, 1) })
	view(t, st, sc, func(tx store.Tx) error {
		if !checkAll(t, tx, 1) {
			t.Fatal("committed item missing")
		}
		return nil
	})
	if err := store.Commit(ctx, st, sc, store.Position{Cursor: "p2", Last: "e2"}, []string{"e2", "h2"}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	view(t, st, sc, func(tx store.Tx) error {
		if p := must(tx.Position())(t); p.Last != "e2" {
			t.Fatalf("Commit position %+v", p)
		}
		if got := must(tx.Processed("e2", "h2"))(t); len(got) != 2 {
			t.Fatalf("Commit keys %v", got)
		}
		return nil
	})
}

func (s suite) rollback(t *testing.T) {
	st := s.store(t)
	update(t, st, sc, func(tx store.Tx) error { return writeAll(tx, 1) })
	boom := errors.New("handler failed")
	// Every kind of write, including ones that delete or replace, is undone.
	err := st.Update(ctx, sc, func(tx store.Tx) error {
		ok(t, writeAll(tx, 2))
		ok(t, tx.ForgetProcessed("entry-1"))
		ok(t, tx.ClearAttempts("item-1"))
		ok(t, tx.DeleteValue("state/1"))
		ok(t, tx.Fire("timer-1"))
		ok(t, tx.Schedule("timer-1", T0.Add(time.Hour), nil))
		ok(t, store.Put(tx, "state/1", -1))
		if !checkAll(t, tx, 2) {
			t.Fatal("own writes not visible inside the transaction")
		}
		ok(t, tx.DeletePosition())
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update returned %v, want fn's error", err)
	}
	view(t, st, sc, func(tx store.Tx) error {
		if !checkAll(t, tx, 1) || checkAll(t, tx, 2) {
			t.Fatal("rolled back transaction left traces")
		}
		if tm := must(tx.Timer("timer-1"))(t); !tm.At.Equal(T0) {
			t.Fatalf("timer not restored: %+v", tm)
		}
		if v := must(store.Get[int](tx, "state/1"))(t); v != 1 {
			t.Fatalf("value not restored: %d", v)
		}
		return nil
	})
	// A rolled-back transaction in a fresh scope leaves no scope behind.
	_ = st.Update(ctx, store.Scope{Flow: "ghost"}, func(tx store.Tx) error {
		ok(t, writeAll(tx, 3))
		return boom
	})
	for _, s := range must(st.Scopes(ctx))(t) {
		if s.Flow == "ghost" {
			t.Fatal("rolled back scope listed")
		}
	}
}

func (s suite) panics(t *testing.T) {
	st := s.store(t)
	func() {
		defer func() {
			if r := recover(); r != "handler panicked" {
				t.Fatalf("recovered %v", r)
			}
		}()
		_ = st.Update(ctx, sc, func(tx store.Tx) error {
			ok(t, writeAll(tx, 1))
			panic("handler panicked")
		})
	}()
	view(t, st, sc, func(tx store.Tx) error {
		if checkAll(t, tx, 1) {
			t.Fatal("panicking transaction committed")
		}
		return nil
	})
	update(t, st, sc, func(tx store.Tx) error { return writeAll(tx, 2) }) // the store still works
}

func (s suite) doomed(t *testing.T) {
	// fn ignores a failed write and returns nil: nothing is committed.
	st := s.store(t)
	err := st.Update(ctx, sc, func(tx store.Tx) error {
		ok(t, writeAll(tx, 1))
		_ = tx.MarkProcessed("", time.Time{}) // fails: empty key
		return nil
	})
	is(t, err, store.ErrInvalid)
	view(t, st, sc, func(tx store.Tx) error {
		if checkAll(t, tx, 1) {
			t.Fatal("doomed transaction committed")
		}
		return nil
	})
	// ErrNotFound does not doom.
	update(t, st, sc, func(tx store.Tx) error {
		_, _ = tx.Value("missing")
		_ = tx.Fire("missing")
		_, _ = tx.Attempt("missing")
		return writeAll(tx, 2)
	})
}

func (s suite) readOnly(t *testing.T) {
	st := s.store(t)
	err := st.View(ctx, sc, func(tx store.Tx) error {
		if !tx.ReadOnly() || tx.Scope() != sc || tx.Context() == nil {
			t.Fatal("View's Tx accessors")
		}
		for name, w := range map[string]func() error{
			"SetPosition":     func() error { return tx.SetPosition(store.Position{Cursor: "x"}) },
			"DeletePosition":  tx.DeletePosition,
			"MarkProcessed":   func() error { return tx.MarkProcessed("k", time.Time{}) },
			"ForgetProcessed": func() error { return tx.ForgetProcessed("k") },
			"RecordAttempt":   func() error { _, err := tx.RecordAttempt(store.Failure{Item: "i"}); return err },
			"ClearAttempts":   func() error { return tx.ClearAttempts("i") },
			"Requeue":         func() error { return tx.Requeue("i", T0) },
			"SetValue":        func() error { return tx.SetValue("k", nil) },
			"DeleteValue":     func() error { return tx.DeleteValue("k") },
			"Schedule":        func() error { return tx.Schedule("t", T0, nil) },
			"Cancel":          func() error { _, err := tx.Cancel("t"); return err },
			"Fire":            func() error { return tx.Fire("t") },
			"Apply":           func() error { return tx.Apply(store.Batch{}) },
			"AcquireLease":    func() error { _, err := tx.AcquireLease("l", "h", time.Minute); return err },
			"RenewLease":      func() error { _, err := tx.RenewLease(store.Lease{Scope: sc, Name: "l"}, time.Minute); return err },
			"ReleaseLease":    func() error { return tx.ReleaseLease(store.Lease{Scope: sc, Name: "l"}) },
			"Enqueue":         func() error { _, err := tx.Enqueue(store.Message{}); return err },
			"Claim":           func() error { _, err := tx.Claim(1, time.Minute); return err },
			"Extend":          func() error { _, err := tx.Extend(store.Delivery{ID: 1}, time.Minute); return err },
			"Ack":             func() error { return tx.Ack(store.Delivery{ID: 1}) },
			"Nack":            func() error { _, err := tx.Nack(store.Delivery{ID: 1}, T0, nil); return err },
			"RequeueMessage":  func() error { return tx.RequeueMessage(1, T0) },
			"DeleteMessage":   func() error { return tx.DeleteMessage(1) },
		} {
			if err := w(); !errors.Is(err, store.ErrReadOnly) {
				t.Errorf("%s in View: %v, want ErrReadOnly", name, err)
			}
		}
		return nil
	})
	is(t, err, store.ErrReadOnly)
	update(t, st, sc, func(tx store.Tx) error {
		if tx.ReadOnly() {
			t.Fatal("Update's Tx is read-only")
		}
		return nil
	})
}

func (s suite) txDone(t *testing.T) {
	st := s.store(t)
	var kept store.Tx
	update(t, st, sc, func(tx store.Tx) error { kept = tx; return nil })
	is(t, kept.SetPosition(store.Position{Cursor: "late"}), store.ErrTxDone)
	_, err := kept.Position()
	is(t, err, store.ErrTxDone)
	view(t, st, sc, func(tx store.Tx) error { kept = tx; return nil })
	_, err = kept.Value("k")
	is(t, err, store.ErrTxDone)
}

func (s suite) context(t *testing.T) {
	st := s.store(t)
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	called := false
	err := st.Update(cancelled, sc, func(tx store.Tx) error { called = true; return nil })
	is(t, err, context.Canceled)
	if called {
		t.Fatal("fn called with a cancelled context")
	}
	is(t, st.View(cancelled, sc, func(tx store.Tx) error { return nil }), context.Canceled)

	// Cancelled during fn: later writes fail, nothing commits, even if fn returns nil.
	c2, cancel2 := context.WithCancel(ctx)
	err = st.Update(c2, sc, func(tx store.Tx) error {
		ok(t, writeAll(tx, 1))
		cancel2()
		if err := tx.SetValue("after", nil); !errors.Is(err, context.Canceled) {
			t.Errorf("write after cancel: %v", err)
		}
		return nil
	})
	is(t, err, context.Canceled)
	// Cancelled after the last write, before commit.
	c3, cancel3 := context.WithCancel(ctx)
	err = st.Update(c3, sc, func(tx store.Tx) error {
		ok(t, writeAll(tx, 2))
		cancel3()
		return nil
	})
	is(t, err, context.Canceled)
	// Deadline.
	c4, cancel4 := context.WithTimeout(ctx, time.Millisecond)
	defer cancel4()
	err = st.Update(c4, sc, func(tx store.Tx) error {
		_ = writeAll(tx, 3) // may fail already: the transaction is then doomed anyway
		<-c4.Done()
		return nil
	})
	is(t, err, context.DeadlineExceeded)
	view(t, st, sc, func(tx store.Tx) error {
		for i := 1; i <= 3; i++ {
			if checkAll(t, tx, i) {
				t.Fatalf("item %d committed despite its context ending", i)
			}
		}
		return nil
	})
}

func (s suite) serialisable(t *testing.T) {
	st := s.store(t)
	const workers, each = 8, 25
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				err := st.Update(ctx, sc, func(tx store.Tx) error {
					n, err := store.Get[int](tx, "counter")
					if err != nil && !errors.Is(err, store.ErrNotFound) {
						return err
					}
					if err := tx.MarkProcessed(fmt.Sprintf("w%d-%d", w, i), time.Time{}); err != nil {
						return err
					}
					return store.Put(tx, "counter", n+1)
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	// Readers meanwhile always see the counter equal to the number of keys.
	stop := make(chan struct{})
	var rg sync.WaitGroup
	rg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			err := st.View(ctx, sc, func(tx store.Tx) error {
				n, err := store.Get[int](tx, "counter")
				if errors.Is(err, store.ErrNotFound) {
					return nil
				}
				if err != nil {
					return err
				}
				stats, err := tx.Stats()
				if err != nil {
					return err
				}
				if stats.Processed != n {
					t.Errorf("snapshot: counter %d, %d keys", n, stats.Processed)
				}
				return nil
			})
			if err != nil {
				t.Error(err)
				return
			}
		}
	})
	wg.Wait()
	close(stop)
	rg.Wait()
	view(t, st, sc, func(tx store.Tx) error {
		if n := must(store.Get[int](tx, "counter"))(t); n != workers*each {
			t.Fatalf("counter %d, want %d: lost updates", n, workers*each)
		}
		return nil
	})
}

func (s suite) isolation(t *testing.T) {
	st := s.store(t)
	written := make(chan struct{})
	release := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- st.Update(ctx, sc, func(tx store.Tx) error {
			ok(t, store.Put(tx, "uncommitted", 1))
			close(written)
			<-release
			return errors.New("roll back")
		})
	}()
	<-written
	seen := make(chan bool, 1)
	go func() {
		var found bool
		err := st.View(ctx, sc, func(tx store.Tx) error {
			_, err := tx.Value("uncommitted")
			found = err == nil
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			return nil
		})
		if err != nil {
			t.Error(err)
		}
		seen <- found
	}()
	// A View either runs now on the last committed state or waits for the Update.
	select {
	case found := <-seen:
		if found {
			t.Fatal("View saw an uncommitted write")
		}
		close(release)
	case <-time.After(200 * time.Millisecond):
		close(release)
		if <-seen {
			t.Fatal("View saw a rolled back write")
		}
	}
	if err := <-done; err == nil {
		t.Fatal("Update did not return fn's error")
	}
}

func (s suite) close(t *testing.T) {
	st := s.open(t)
	update(t, st, sc, func(tx store.Tx) error { return writeAll(tx, 1) })
	ok(t, st.Close())
	ok(t, st.Close())
	is(t, st.Update(ctx, sc, func(tx store.Tx) error { return nil }), store.ErrClosed)
	is(t, st.View(ctx, sc, func(tx store.Tx) error { return nil }), store.ErrClosed)
	_, err := st.PurgeExpired(ctx)
	is(t, err, store.ErrClosed)
	_, err = st.Scopes(ctx)
	is(t, err, store.ErrClosed)
}

func (s suite) closeDuring(t *testing.T) {
	st := s.open(t)
	defer st.Close()
	inside := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- st.Update(ctx, sc, func(tx store.Tx) error {
			if err := writeAll(tx, 1); err != nil {
				return err
			}
			close(inside)
			<-tx.Context().Done() // Close ends the transaction's context
			return writeAll(tx, 2)
		})
	}()
	<-inside
	ok(t, st.Close())
	is(t, <-done, store.ErrClosed)
}

func (s suite) invalid(t *testing.T) {
	st := s.store(t)
	is(t, st.Update(ctx, store.Scope{Tenant: "uu"}, func(tx store.Tx) error { return nil }), store.ErrInvalid)
	is(t, st.View(ctx, store.Scope{Flow: "a\x00b"}, func(tx store.Tx) error { return nil }), store.ErrInvalid)
	for name, f := range map[string]func(tx store.Tx) error{
		"empty key":       func(tx store.Tx) error { return tx.MarkProcessed("", time.Time{}) },
		"NUL key":         func(tx store.Tx) error { return tx.SetValue("a\x00", nil) },
		"empty item":      func(tx store.Tx) error { _, err := tx.RecordAttempt(store.Failure{}); return err },
		"empty timer":     func(tx store.Tx) error { return tx.Schedule("", T0, nil) },
		"zero timer time": func(tx store.Tx) error { return tx.Schedule("t", time.Time{}, nil) },
		"negative limit":  func(tx store.Tx) error { _, err := tx.DueTimers(T0, -1); return err },
		"NUL prefix":      func(tx store.Tx) error { _, err := tx.Values("\x00"); return err },
		"NUL after key":   func(tx store.Tx) error { _, err := tx.ValuesFrom("a", "a\x00", 1); return err },
		"negative values limit": func(tx store.Tx) error {
			_, err := tx.ValuesFrom("a", "", -1)
			return err
		},
		"unencodable":    func(tx store.Tx) error { return store.Put(tx, "k", func() {}) },
		"empty lease":    func(tx store.Tx) error { _, err := tx.AcquireLease("", "h", time.Minute); return err },
		"empty holder":   func(tx store.Tx) error { _, err := tx.AcquireLease("l", "", time.Minute); return err },
		"zero lease ttl": func(tx store.Tx) error { _, err := tx.AcquireLease("l", "h", 0); return err },
		"lease scope":    func(tx store.Tx) error { return tx.CheckLease(store.Lease{Name: "l", Holder: "h"}) },
		"renew ttl": func(tx store.Tx) error {
			_, err := tx.RenewLease(store.Lease{Scope: sc, Name: "l", Holder: "h"}, -time.Second)
			return err
		},
		"NUL message key": func(tx store.Tx) error { _, err := tx.Enqueue(store.Message{Key: "a\x00"}); return err },
		"NUL order key":   func(tx store.Tx) error { _, err := tx.Enqueue(store.Message{OrderKey: "\x00"}); return err },
		"claim nothing":   func(tx store.Tx) error { _, err := tx.Claim(0, time.Minute); return err },
		"no visibility":   func(tx store.Tx) error { _, err := tx.Claim(1, 0); return err },
		"negative messages limit": func(tx store.Tx) error {
			_, err := tx.DeadMessages(-1)
			return err
		},
		"bad batch": func(tx store.Tx) error { return tx.Apply(store.Batch{Processed: []string{""}}) },
	} {
		if err := st.Update(ctx, sc, f); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
}

func (s suite) scopesStats(t *testing.T) {
	st := s.store(t)
	if got := must(st.Scopes(ctx))(t); len(got) != 0 {
		t.Fatalf("Scopes of empty store: %v", got)
	}
	scopes := []store.Scope{{Flow: "b", Tenant: "x"}, {Flow: "a", Tenant: "y"}, {Flow: "a", Tenant: ""}, {Flow: "c", Tenant: "x"}, {Flow: "d"}}
	update(t, st, scopes[0], func(tx store.Tx) error { return tx.SetPosition(store.Position{Cursor: "c"}) })
	update(t, st, scopes[1], func(tx store.Tx) error { return tx.MarkProcessed("k", time.Time{}) })
	update(t, st, scopes[2], func(tx store.Tx) error { return tx.SetValue("k", nil) })
	update(t, st, scopes[3], func(tx store.Tx) error { return tx.Schedule("t", T0, nil) })
	update(t, st, scopes[4], func(tx store.Tx) error {
		_, err := tx.RecordAttempt(store.Failure{Item: "i"})
		return err
	})
	update(t, st, store.Scope{Flow: "e"}, func(tx store.Tx) error {
		_, err := tx.AcquireLease("l", "h", time.Minute)
		return err
	})
	update(t, st, store.Scope{Flow: "f"}, func(tx store.Tx) error {
		_, err := tx.Enqueue(store.Message{})
		return err
	})
	got := must(st.Scopes(ctx))(t)
	want := []store.Scope{{Flow: "a"}, {Flow: "a", Tenant: "y"}, {Flow: "b", Tenant: "x"}, {Flow: "c", Tenant: "x"}, {Flow: "d"}, {Flow: "e"}, {Flow: "f"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("Scopes: %v, want %v", got, want)
	}
	update(t, st, scopes[3], func(tx store.Tx) error { return tx.Fire("t") })
	if got := must(st.Scopes(ctx))(t); len(got) != 6 {
		t.Fatalf("Scopes after emptying one: %v", got)
	}
	update(t, st, sc, func(tx store.Tx) error {
		ok(t, writeAll(tx, 1))
		ok(t, writeAll(tx, 2))
		_, err := tx.AcquireLease("l", "h", time.Minute)
		ok(t, err)
		for _, m := range []string{"a", "b", "c"} {
			_, err := tx.Enqueue(store.Message{Payload: []byte(m), MaxAttempts: 1})
			ok(t, err)
		}
		ds := must(tx.Claim(1, time.Minute))(t)
		_, err = tx.Nack(ds[0], T0, errors.New("no"))
		ok(t, err)
		st := must(tx.Stats())(t)
		want := store.Stats{HasPosition: true, Processed: 4, Retrying: 2, Values: 2, Timers: 2, Leases: 1, Queued: 2, DeadMessages: 1}
		if st != want {
			t.Fatalf("Stats %+v, want %+v", st, want)
		}
		return nil
	})
	view(t, st, store.Scope{Flow: "empty"}, func(tx store.Tx) error {
		if st := must(tx.Stats())(t); st != (store.Stats{}) {
			t.Fatalf("Stats of empty scope: %+v", st)
		}
		return nil
	})
}

func (s suite) copies(t *testing.T) {
	st := s.store(t)
	in := []byte("value")
	update(t, st, sc, func(tx store.Tx) error {
		ok(t, tx.SetValue("k", in))
		ok(t, tx.Schedule("t", T0, in))
		_, err := tx.RecordAttempt(store.Failure{Item: "i", Payload: in})
		ok(t, err)
		_, err = tx.Enqueue(store.Message{Payload: in})
		ok(t, err)
		b := store.Batch{}
		b.Set("batched", in)
		ok(t, tx.Apply(b))
		in[0] = 'X'
		return nil
	})
	update(t, st, sc, func(tx store.Tx) error {
		d := must(tx.Claim(1, time.Minute))(t)[0]
		if string(d.Payload) != "value" || string(must(tx.Value("batched"))(t)) != "value" {
			t.Fatalf("store kept the caller's slice: %q", d.Payload)
		}
		d.Payload[0] = 'Y'
		if string(must(tx.Messages(0))(t)[0].Payload) != "value" {
			t.Fatal("store handed out its own slice")
		}
		return nil
	})
	view(t, st, sc, func(tx store.Tx) error {
		v := must(tx.Value("k"))(t)
		tm := must(tx.Timer("t"))(t)
		a := must(tx.Attempt("i"))(t)
		if string(v) != "value" || string(tm.Payload) != "value" || string(a.Payload) != "value" {
			t.Fatalf("store kept the caller's slice: %q %q %q", v, tm.Payload, a.Payload)
		}
		v[0], tm.Payload[0], a.Payload[0] = 'Y', 'Y', 'Y'
		if string(must(tx.Value("k"))(t)) != "value" || string(must(tx.Timer("t"))(t).Payload) != "value" || string(must(tx.Attempt("i"))(t).Payload) != "value" {
			t.Fatal("store handed out its own slice")
		}
		return nil
	})
}

func (s suite) times(t *testing.T) {
	local := time.FixedZone("CET", 3600)
	at := time.Date(2026, 3, 1, 12, 0, 0, 987654321, local)
	st := s.store(t, store.WithClock(func() time.Time { return at }))
	update(t, st, sc, func(tx store.Tx) error {
		ok(t, tx.SetPosition(store.Position{Cursor: "c", ItemTime: at}))
		return tx.Schedule("t", at, nil)
	})
	view(t, st, sc, func(tx store.Tx) error {
		want := at.Truncate(time.Microsecond).UTC()
		p := must(tx.Position())(t)
		tm := must(tx.Timer("t"))(t)
		for name, got := range map[string]time.Time{"ItemTime": p.ItemTime, "Saved": p.Saved, "At": tm.At, "Scheduled": tm.Scheduled} {
			if !got.Equal(want) || got.Location() != time.UTC {
				t.Errorf("%s = %v, want %v in UTC (microseconds)", name, got, want)
			}
		}
		return nil
	})
}
