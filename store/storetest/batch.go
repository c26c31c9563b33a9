package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/edusync/edusync/store"
)

func (s suite) batch(t *testing.T) {
	clock := NewClock(T0)
	st := s.store(t, store.WithClock(clock.Now), store.WithPurgeEvery(0))
	update(t, st, sc, func(tx store.Tx) error {
		ok(t, tx.SetValue("old", []byte("x")))
		ok(t, tx.SetValue("kept", []byte("y")))
		return tx.Apply(store.Batch{}) // nothing to write is fine
	})
	var b store.Batch
	b.Delete("old")
	b.Delete("never-set")
	b.Set("file/1", []byte("v1"))
	b.Set("file/2", nil)
	b.Set("file/1", []byte("v1 again")) // the later one wins
	ok(t, b.Put("run", map[string]int{"written": 2}))
	keys := make([]string, 203) // more than one statement's worth in any backend
	for i := range keys {
		keys[i] = fmt.Sprintf("urn:uuid:%04d", i)
	}
	b.MarkProcessed(keys...)
	b.Expires = T0.Add(time.Hour)
	b.SetPosition(store.Position{Cursor: "/feed/9", Last: keys[202], Offset: 203})
	if b.Len() != 2+3+1+203+1 {
		t.Fatalf("Len %d", b.Len())
	}
	update(t, st, sc, func(tx store.Tx) error { return tx.Apply(b) })
	view(t, st, sc, func(tx store.Tx) error {
		vs := must(tx.Values(""))(t)
		got := map[string]string{}
		for _, e := range vs {
			got[e.Key] = string(e.Value)
		}
		want := map[string]string{"kept": "y", "file/1": "v1 again", "file/2": "", "run": `{"written":2}`}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("values %v, want %v", got, want)
		}
		if n := len(must(tx.Processed(keys...))(t)); n != 203 {
			t.Fatalf("%d keys processed", n)
		}
		p := must(tx.Position())(t)
		if p.Cursor != "/feed/9" || p.Offset != 203 || !p.Saved.Equal(T0) {
			t.Fatalf("position %+v", p)
		}
		return nil
	})
	clock.Advance(time.Hour)
	view(t, st, sc, func(tx store.Tx) error {
		if n := len(must(tx.Processed(keys...))(t)); n != 0 {
			t.Fatalf("%d keys outlived Batch.Expires", n)
		}
		return nil
	})
	// A bad key anywhere writes nothing of the batch, nor of its transaction.
	for name, bad := range map[string]store.Batch{
		"empty value key":     {Values: []store.Entry[[]byte]{{Key: "ok"}, {Key: ""}}},
		"NUL delete":          {Deletes: []string{"a\x00"}},
		"empty processed key": {Processed: []string{"k", ""}, Position: &store.Position{Cursor: "bad"}},
	} {
		err := st.Update(ctx, sc, func(tx store.Tx) error {
			ok(t, tx.SetValue("before the bad batch", nil))
			_ = tx.Apply(bad)
			return nil
		})
		if !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("%s: %v, want ErrInvalid", name, err)
		}
	}
	view(t, st, sc, func(tx store.Tx) error {
		_, err := tx.Value("before the bad batch")
		is(t, err, store.ErrNotFound)
		_, err = tx.Value("ok")
		is(t, err, store.ErrNotFound)
		if p := must(tx.Position())(t); p.Cursor != "/feed/9" {
			t.Fatalf("a bad batch moved the position to %q", p.Cursor)
		}
		return nil
	})
	// Commit is a batch of keys and a position.
	ok(t, store.Commit(ctx, st, sc, store.Position{Cursor: "/feed/10"}, []string{"e1", "e2"}, time.Time{}))
	view(t, st, sc, func(tx store.Tx) error {
		if p := must(tx.Position())(t); p.Cursor != "/feed/10" || len(must(tx.Processed("e1", "e2"))(t)) != 2 {
			t.Fatalf("after Commit: %+v", p)
		}
		return nil
	})
}
