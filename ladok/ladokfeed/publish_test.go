package ladokfeed_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/edusync/edusync/ladok"
	"github.com/edusync/edusync/ladok/ladokfeed"
	"github.com/edusync/edusync/store"
)

func mixedEntries(t testing.TB) []ladok.Entry {
	t.Helper()
	in, err := os.ReadFile("../testdata/feed-mixed.xml")
	if err != nil {
		t.Fatal(err)
	}
	f, err := ladok.ParseFeed(bytes.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	return f.Entries
}

type published struct{ msgs []store.Message }

func (r *published) Publish(_ context.Context, msgs ...store.Message) error {
	r.msgs = append(r.msgs, msgs...)
	return nil
}

// TestPublishedEntriesReadBackAsTheFeedHadThem: every entry of a page with every shape
// (typed, generic, undecodable) is published keyed by its student and read back by
// EventHandler with the event the feed decoder produced from the page itself.
func TestPublishedEntriesReadBackAsTheFeedHadThem(t *testing.T) {
	entries := mixedEntries(t)
	rec := &published{}
	h := ladokfeed.PublishHandler(rec)
	for i := range entries {
		if ladokfeed.EntryKey(&entries[i]) == "" {
			continue
		}
		if err := h(context.Background(), &entries[i]); err != nil {
			t.Fatal(err)
		}
	}
	if len(rec.msgs) == 0 {
		t.Fatal("nothing published")
	}
	students := 0
	i := 0
	for _, want := range entries {
		if ladokfeed.EntryKey(&want) == "" {
			continue
		}
		m := rec.msgs[i]
		i++
		if m.Key != ladokfeed.EntryKey(&want) {
			t.Errorf("key %q, want %q", m.Key, ladokfeed.EntryKey(&want))
		}
		if s := ladokfeed.StudentUID(&want); s != "" {
			students++
			if m.OrderKey != "student/"+s {
				t.Errorf("%s: order key %q, want the student's", want.ID, m.OrderKey)
			}
		} else if m.OrderKey != ladokfeed.OtherOrderKey {
			t.Errorf("%s: order key %q, want %q", want.ID, m.OrderKey, ladokfeed.OtherOrderKey)
		}
		got, err := ladokfeed.DecodeEntry(m.Payload)
		if err != nil {
			t.Fatalf("%s: %v", want.ID, err)
		}
		opts := []cmp.Option{cmpopts.IgnoreFields(ladok.Entry{}, "Raw", "Err"), cmpopts.IgnoreFields(ladok.GenericEvent{}, "Raw")}
		if diff := cmp.Diff(want, *got, opts...); diff != "" {
			t.Errorf("%s read back differently (-feed +published):\n%s", want.ID, diff)
		}
		if (want.Err == nil) != (got.Err == nil) {
			t.Errorf("%s: error %v, read back %v", want.ID, want.Err, got.Err)
		}
		var ev ladok.Event
		herr := ladokfeed.EventHandler(func(_ context.Context, e ladok.Event) error { ev = e; return nil })(
			context.Background(), store.Delivery{Payload: m.Payload})
		switch {
		case want.Err != nil && !store.IsPermanent(herr):
			t.Errorf("%s: undecodable entry handled with %v, want a permanent error", want.ID, herr)
		case want.Err == nil && (herr != nil || ev == nil):
			t.Errorf("%s: handler got %v, %v", want.ID, ev, herr)
		}
	}
	if students == 0 {
		t.Error("no entry of the page named a student: the order keys are untested")
	}
	if _, err := ladokfeed.DecodeEntry([]byte("<feed/>")); !errors.Is(err, ladokfeed.ErrNotAnEntry) {
		t.Errorf("an empty feed: %v, want ErrNotAnEntry", err)
	}
}

// FuzzDecodeEntry: a payload from a topic is outside input; DecodeEntry never panics and
// fails only with ErrNotAnEntry.
func FuzzDecodeEntry(f *testing.F) {
	for _, e := range mixedEntries(f) {
		if m, err := ladokfeed.EntryMessage(&e); err == nil {
			f.Add(m.Payload)
		}
	}
	f.Add([]byte(`<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>x</id></entry><entry><id>y</id></entry></feed>`))
	f.Fuzz(func(t *testing.T, payload []byte) {
		e, err := ladokfeed.DecodeEntry(payload)
		if err != nil {
			if !errors.Is(err, ladokfeed.ErrNotAnEntry) {
				t.Fatalf("error %v is not ErrNotAnEntry", err)
			}
			return
		}
		if e == nil {
			t.Fatal("nil entry without error")
		}
	})
}
