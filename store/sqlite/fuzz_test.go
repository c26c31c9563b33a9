package sqlite_test

import (
	"bytes"
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/store/sqlite"
)

var fuzzScope = store.Scope{Flow: "ladok-feed", Tenant: "uu"}

// goodImage is the bytes of a small store holding some of everything.
func goodImage(tb testing.TB, dir string) []byte {
	tb.Helper()
	good := filepath.Join(dir, "good.db")
	st, err := sqlite.Open(context.Background(), good)
	if err != nil {
		tb.Fatal(err)
	}
	err = st.Update(context.Background(), fuzzScope, func(tx store.Tx) error {
		var b store.Batch
		b.MarkProcessed("urn:id:1", "urn:id:2")
		b.Set("course/1", []byte(`{"name":"Analys"}`))
		b.SetPosition(store.Position{Cursor: "/handelser/feed/7"})
		if err := tx.Apply(b); err != nil {
			return err
		}
		if _, err := tx.Enqueue(store.Message{Key: "d1", Payload: []byte("m")}); err != nil {
			return err
		}
		_, err := tx.AcquireLease("nightly", "h", time.Hour)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	st.Close()
	img, err := os.ReadFile(good)
	if err != nil {
		tb.Fatal(err)
	}
	return img
}

// openHostile opens data as a state file: Open never panics and refuses what it cannot use
// with a permanent error that names the file; a store it does open works or fails with
// errors, never panics.
func openHostile(t *testing.T, data []byte) {
	path := filepath.Join(t.TempDir(), "state.db")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := sqlite.Open(ctx, path, sqlite.WithBusyTimeout(0))
	if err != nil {
		if !store.IsPermanent(err) || !strings.Contains(err.Error(), path) {
			t.Fatalf("Open of %d bytes: %v (want a permanent error naming the file)", len(data), err)
		}
		return
	}
	defer st.Close()
	_ = st.View(ctx, fuzzScope, func(tx store.Tx) error {
		_, _ = tx.Stats()
		_, _ = tx.Values("")
		_, _ = tx.Processed("urn:id:1", "urn:id:2")
		_, _ = tx.DeadMessages(0)
		return nil
	})
	_ = st.Update(ctx, fuzzScope, func(tx store.Tx) error {
		if _, err := tx.Claim(5, time.Minute); err != nil {
			return err
		}
		return tx.MarkProcessed("urn:id:3", time.Time{})
	})
	_, _ = st.Scopes(ctx)
}

// FuzzOpen opens whatever bytes a state file may hold (a damaged disk, a truncated copy, a
// file some tool overwrote); see openHostile. Coverage-guided fuzzing runs at a few inputs a
// second here, because the transpiled SQLite is instrumented too; TestOpenSurvivesDamagedImages
// covers many damaged images in every test run.
func FuzzOpen(f *testing.F) {
	img := goodImage(f, f.TempDir())
	f.Add(img)
	f.Add([]byte{})
	f.Add([]byte("SQLite format 3\x00"))
	f.Add(img[:len(img)/2])
	damaged := bytes.Clone(img)
	for i := 100; i < len(damaged); i += 97 {
		damaged[i] ^= 0x5a
	}
	f.Add(damaged)
	f.Fuzz(openHostile)
}

// TestOpenSurvivesDamagedImages opens a store's image with a few bytes changed at random
// places, many times over.
func TestOpenSurvivesDamagedImages(t *testing.T) {
	img := goodImage(t, t.TempDir())
	rng := rand.New(rand.NewPCG(21, 22))
	rounds := 200
	if testing.Short() || raceEnabled {
		rounds = 40
	}
	for range rounds {
		data := bytes.Clone(img)
		if rng.IntN(4) == 0 {
			data = data[:rng.IntN(len(data))]
		}
		for range 1 + rng.IntN(8) {
			if len(data) > 0 {
				data[rng.IntN(len(data))] = byte(rng.IntN(256))
			}
		}
		openHostile(t, data)
	}
}
