package storetest

import (
	"errors"
	"fmt"
	"iter"
	"reflect"
	"testing"
	"time"

	"github.com/edusync/edusync/store"
)

// RunCopy checks that store.Copy moves everything from a store that from opens into one that to
// opens (store.Exporter and store.Importer, as store/sqlite and store/postgres are), so that an
// operator can move a deployment from one backend to another: every record arrives as it was,
// what was in flight goes on where it stopped (claims run out and are delivered again,
// de-duplication keys still hold, new message ids and lease tokens continue above the old
// ones), and an import that fails, or goes into a store that holds state, writes nothing.
func RunCopy(t *testing.T, from, to Opener) {
	clock := NewClock(T0)
	src := from(t, store.WithClock(clock.Now))
	t.Cleanup(func() { src.Close() })
	exp, ok := src.(store.Exporter)
	if !ok {
		t.Fatalf("%T is no store.Exporter", src)
	}
	fill(t, src, clock)
	dst := to(t, store.WithClock(clock.Now))
	t.Cleanup(func() { dst.Close() })
	imp, ok := dst.(store.Importer)
	if !ok {
		t.Fatalf("%T is no store.Importer", dst)
	}

	// Failed imports write nothing: an invalid record, a source that fails part way.
	bad := func(fail store.Record, ferr error) iter.Seq2[store.Record, error] {
		return func(yield func(store.Record, error) bool) {
			for r, err := range exp.Export(ctx) {
				if !yield(r, err) {
					return
				}
			}
			yield(fail, ferr)
		}
	}
	for name, seq := range map[string]iter.Seq2[store.Record, error]{
		"two parts":   bad(store.Record{Scope: sc, Position: &store.Position{}, Value: &store.Entry[[]byte]{Key: "k"}}, nil),
		"no part":     bad(store.Record{Scope: sc}, nil),
		"NUL key":     bad(store.Record{Scope: sc, Processed: &store.ProcessedKey{Key: "a\x00"}}, nil),
		"no flow":     bad(store.Record{Value: &store.Entry[[]byte]{Key: "k"}}, nil),
		"lease scope": bad(store.Record{Scope: sc, Lease: &store.Lease{Scope: hooks, Name: "l", Holder: "h", Token: 1}}, nil),
		"no id":       bad(store.Record{Scope: sc, Message: &store.StoredMessage{}}, nil),
	} {
		if n, err := imp.Import(ctx, seq); !errors.Is(err, store.ErrInvalid) || n != 0 {
			t.Errorf("import with %s: %d, %v; want ErrInvalid", name, n, err)
		}
	}
	boom := errors.New("source lost")
	if n, err := imp.Import(ctx, bad(store.Record{}, boom)); !errors.Is(err, boom) || n != 0 {
		t.Errorf("import from a failing source: %d, %v", n, err)
	}
	if got := must(dst.Scopes(ctx))(t); len(got) != 0 {
		t.Fatalf("failed imports left scopes behind: %v", got)
	}

	want := collect(t, exp)
	n, err := store.Copy(ctx, imp, exp)
	if err != nil || n != len(want) {
		t.Fatalf("Copy: %d records, %v; want %d", n, err, len(want))
	}
	got := collect(t, dst.(store.Exporter))
	if len(got) != len(want) {
		t.Fatalf("copy exports %d records, the source %d", len(got), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Fatalf("record %d: copied as %s, was %s", i, show(got[i]), show(want[i]))
		}
	}
	for _, scope := range must(src.Scopes(ctx))(t) {
		var a, b store.Stats
		view(t, src, scope, func(tx store.Tx) error { a = must(tx.Stats())(t); return nil })
		view(t, dst, scope, func(tx store.Tx) error { b = must(tx.Stats())(t); return nil })
		if a != b {
			t.Errorf("%s: stats %+v after the copy, %+v before", scope, b, a)
		}
	}

	// A second copy into the now filled store is refused, and changes nothing.
	if n, err := store.Copy(ctx, imp, exp); !errors.Is(err, store.ErrInvalid) || n != 0 {
		t.Fatalf("copy into a store with state: %d, %v; want ErrInvalid", n, err)
	}
	if again := collect(t, dst.(store.Exporter)); len(again) != len(want) {
		t.Fatalf("a refused import changed the store: %d records, want %d", len(again), len(want))
	}

	goesOn(t, dst, clock)
}

// collect is everything e exports.
func collect(t *testing.T, e store.Exporter) []store.Record {
	t.Helper()
	var out []store.Record
	for r, err := range e.Export(ctx) {
		if err != nil {
			t.Fatalf("Export: %v", err)
		}
		out = append(out, r)
	}
	return out
}

// show prints a record's scope and its one part.
func show(r store.Record) string {
	v := reflect.ValueOf(r)
	for i := range v.NumField() {
		if f := v.Field(i); f.Kind() == reflect.Pointer && !f.IsNil() {
			return fmt.Sprintf("%s %s %+v", r.Scope, v.Type().Field(i).Name, f.Elem().Interface())
		}
	}
	return r.Scope.String() + " (empty)"
}

var (
	copyFeed  = store.Scope{Flow: "ladok-feed", Tenant: "uu"}
	copyBytes = store.Scope{Flow: "raw\xff", Tenant: ""}
)

// fill gives st one of everything a store holds, in flight where it can be: a claimed
// message, an expired but unreleased lease, a de-duplication key whose message is gone.
func fill(t *testing.T, st store.Store, clock *Clock) {
	update(t, st, copyFeed, func(tx store.Tx) error {
		ok(t, tx.SetPosition(store.Position{Cursor: "/feed/7", Last: "urn:uuid:1", Offset: 3, ItemTime: T0.Add(-time.Hour)}))
		ok(t, tx.MarkProcessed("urn:uuid:1", time.Time{}))
		ok(t, tx.MarkProcessed("urn:uuid:2", T0.Add(24*time.Hour)))
		ok(t, tx.MarkProcessed("bin\xff\xfe", T0.Add(time.Hour)))
		ok(t, tx.SetValue("student/1", []byte(`{"name":"Ada"}`)))
		ok(t, tx.SetValue("empty", nil))
		ok(t, tx.SetValue("bytes\xff", []byte{0, 1, 2, 0xff}))
		ok(t, tx.Schedule("suspension/1", T0.Add(48*time.Hour), []byte("course 1")))
		ok(t, tx.Schedule("bare", T0.Add(time.Minute), nil))
		_, err := tx.RecordAttempt(store.Failure{Item: "s1/e1", Err: errors.New("canvas: 503"), NextTry: T0.Add(time.Minute), Payload: []byte("e1")})
		ok(t, err)
		_, err = tx.RecordAttempt(store.Failure{Item: "s1/e0", Err: errors.New("no such course"), Permanent: true})
		return err
	})
	_ = must(acquire(st, pipelines, "sds", "holder-a", time.Minute))(t)
	released := must(acquire(st, pipelines, "export", "holder-b", time.Minute))(t)
	update(t, st, pipelines, func(tx store.Tx) error { return tx.ReleaseLease(released) })
	_ = must(acquire(st, pipelines, "export", "holder-c", time.Minute))(t) // token 2

	// The queue: one acknowledged and one dead (their keys held and released), one claimed
	// with another waiting behind it on its order key, one put back after a failure, and
	// the newest acknowledged, so that the highest id survives only in its key.
	enqueue(t, st, hooks,
		store.Message{Key: "d-1", Payload: []byte("done")},
		store.Message{Key: "d-2", Payload: []byte("hopeless"), MaxAttempts: 1},
	)
	ds := claim(t, st, hooks, 2, time.Minute)
	want(t, ds, "done", "hopeless")
	ok(t, ack(st, hooks, ds[0]))
	if d := nack(t, st, hooks, ds[1], T0, errors.New("wiseflow: 404")); !d.Dead {
		t.Fatal("not dead-lettered")
	}
	enqueue(t, st, hooks,
		store.Message{Key: "d-3", OrderKey: "cand-1", Payload: []byte("appeal")},
		store.Message{Key: "d-4", OrderKey: "cand-1", Payload: []byte("explanation"), NotBefore: T0.Add(time.Minute)},
		store.Message{OrderKey: "cand-2", Payload: []byte("free")},
		store.Message{Key: "d-5", Payload: []byte("late")},
	)
	want(t, claim(t, st, hooks, 1, time.Hour), "appeal")
	ds = claim(t, st, hooks, 2, time.Minute)
	want(t, ds, "free", "late")
	nack(t, st, hooks, ds[0], T0, errors.New("fs: 500"))
	ok(t, ack(st, hooks, ds[1]))
	update(t, st, copyBytes, func(tx store.Tx) error { return tx.SetValue("k", []byte("v")) })
	clock.Advance(30 * time.Second)
}

// goesOn checks that the copy carries on where the source stood.
func goesOn(t *testing.T, st store.Store, clock *Clock) {
	var ids []int64
	var highest int64
	view(t, st, hooks, func(tx store.Tx) error {
		for _, m := range must(tx.Messages(0))(t) {
			ids = append(ids, m.ID)
		}
		for _, m := range must(tx.DeadMessages(0))(t) {
			ids = append(ids, m.ID)
		}
		return nil
	})
	for _, id := range ids {
		highest = max(highest, id)
	}
	// De-duplication keys hold, the acknowledged message's included; new ids go above all.
	for _, k := range []string{"d-1", "d-3", "d-5"} {
		if e := enqueue(t, st, hooks, store.Message{Key: k})[0]; !e.Duplicate {
			t.Errorf("key %s does not hold after the copy", k)
		} else if k == "d-5" {
			highest = max(highest, e.ID)
		}
	}
	if e := enqueue(t, st, hooks, store.Message{Key: "d-2", Payload: []byte("resent")})[0]; e.Duplicate || e.ID <= highest {
		t.Errorf("new message after the copy: %+v, want an id above %d", e, highest)
	}
	// The free message is due; the claimed one is not until its claim runs out, and the
	// messages behind it wait for it.
	want(t, claim(t, st, hooks, 10, 2*time.Hour), "free", "resent")
	clock.Advance(time.Hour)
	again := claim(t, st, hooks, 10, time.Hour)
	want(t, again, "appeal")
	if again[0].Attempt != 2 {
		t.Errorf("the claimed message is delivered again as attempt %d, want 2", again[0].Attempt)
	}
	ok(t, ack(st, hooks, again[0]))
	want(t, claim(t, st, hooks, 10, time.Hour), "explanation")
	// Leases: the expired one is taken over with a higher token.
	l := must(acquire(st, pipelines, "export", "holder-d", time.Minute))(t)
	if l.Token != 3 {
		t.Errorf("lease taken over after the copy with token %d, want 3", l.Token)
	}
	// Processed keys and their expiry.
	view(t, st, copyFeed, func(tx store.Tx) error {
		got := must(tx.Processed("urn:uuid:1", "urn:uuid:2", "bin\xff\xfe"))(t)
		if !got["urn:uuid:1"] || !got["urn:uuid:2"] || got["bin\xff\xfe"] {
			t.Errorf("processed keys after the copy and an hour: %v", got)
		}
		return nil
	})
}
