package ladokcanvas_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/edusync/edusync/canvas/canvastest"
	"github.com/edusync/edusync/ladokcanvas"
	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/store/sqlite"
)

// TestStartChecksTheAccount: the account new organisations go under must exist in Canvas.
func TestStartChecksTheAccount(t *testing.T) {
	cfg := ladokcanvas.DefaultConfig()
	cfg.SubAccountNewOrganisations = 424242
	e := newEnv(t, cfg, nil)
	e.lad.Append(registrering("stu-anna", "off-prog1"))
	var ce *ladokcanvas.ConfigError
	if err := e.ad.Start(t.Context()); !errors.As(err, &ce) || !ce.Has("SubAccountNewOrganisations") {
		t.Fatalf("Start: %v", err)
	}
	if err := e.ad.Run(t.Context()); !errors.As(err, &ce) {
		t.Errorf("Run: %v", err)
	}
	if n := len(e.cv.Writes()); n != 0 {
		t.Errorf("%d writes with a missing account", n)
	}
}

// TestExistingStateRequired: with WithExistingState an empty store refuses to start instead of
// reading the whole feed as a new installation; after a first run it starts.
func TestExistingStateRequired(t *testing.T) {
	e := newEnv(t, ladokcanvas.DefaultConfig(), []ladokcanvas.Option{ladokcanvas.WithExistingState()})
	e.lad.Append(registrering("stu-anna", "off-prog1"))
	if err := e.ad.Run(t.Context()); !errors.Is(err, store.ErrNoState) || !store.IsPermanent(err) {
		t.Fatalf("Run on an empty store: %v", err)
	}
	if n := len(e.cv.Writes()); n != 0 {
		t.Errorf("%d writes", n)
	}
	// A first run without the option creates the state; then the option is satisfied.
	e.opts = e.opts[:len(e.opts)-1]
	e.open()
	e.catchUp()
	e.opts = append(e.opts, ladokcanvas.WithExistingState())
	e.open()
	if err := e.ad.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// TestStartRetriedWhileCanvasIsDown: a start that fails because Canvas cannot be reached is not
// kept; Run tries again and goes on once Canvas is back.
func TestStartRetriedWhileCanvasIsDown(t *testing.T) {
	e := newEnv(t, ladokcanvas.DefaultConfig(), []ladokcanvas.Option{ladokcanvas.WithPollInterval(5 * time.Millisecond)},
		withCanvasClient(fastCanvasRetry()))
	e.cv.SetFaults(canvastest.Faults{ErrorRate: 1, Operations: []string{"getAccount"}})
	e.lad.Append(registrering("stu-anna", "off-prog1"))
	if err := e.ad.Start(t.Context()); err == nil {
		t.Fatal("Start succeeded with Canvas down")
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- e.ad.Run(ctx) }()
	deadline := time.Now().Add(20 * time.Second)
	for e.ad.Stats().Retried == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	e.cv.SetFaults(canvastest.Faults{})
	for len(e.enrolments("stu-anna", "off-prog1")) == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run: %v", err)
	}
	same(t, "after the outage", e.enrolments("stu-anna", "off-prog1"), []string{"Student/active"})
}

// damagedStore fails every write after the first n with a damaged-database error, as an SQLite
// file corrupted while the adapter runs does.
type damagedStore struct {
	store.Store
	n      atomic.Int64
	writes atomic.Int64
}

func (d *damagedStore) Update(ctx context.Context, scope store.Scope, fn func(tx store.Tx) error) error {
	if d.writes.Add(1) > d.n.Load() {
		return fmt.Errorf("store: %s: %w: state.db: database disk image is malformed", scope, store.ErrCorrupt)
	}
	return d.Store.Update(ctx, scope, fn)
}

// TestRunStopsOnADamagedStore: a store error that retrying cannot heal ends Run with that error
// instead of trying again for ever.
func TestRunStopsOnADamagedStore(t *testing.T) {
	e := newEnv(t, ladokcanvas.DefaultConfig(), []ladokcanvas.Option{ladokcanvas.WithPollInterval(5 * time.Millisecond)})
	ds := &damagedStore{Store: e.st}
	ds.n.Store(1 << 40)
	e.st = ds
	e.open()
	e.feed(registrering("stu-anna", "off-prog1"))
	ds.n.Store(ds.writes.Load())
	e.lad.Append(registrering("stu-bo", "off-prog1"))
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	err := e.ad.Run(ctx)
	if !errors.Is(err, store.ErrCorrupt) {
		t.Fatalf("Run: %v, want the damaged store's error", err)
	}
	if r := e.ad.Stats().Retried; r != 0 {
		t.Errorf("%d retries of a damaged store", r)
	}
}

// TestDamagedFile: an SQLite file damaged between two runs (pages overwritten, or emptied) is
// refused, with an error that matches store.IsPermanent, before the adapter reads the feed;
// none of them starts it as a new installation.
func TestDamagedFile(t *testing.T) {
	for _, tc := range []struct {
		name   string
		damage func(t *testing.T, path string)
	}{
		{"pages overwritten", func(t *testing.T, path string) {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			for i := 4096; i < len(b); i += 4096 { // the header of every page after the first
				copy(b[i:], "\xff\xff\xff\xff not a b-tree page \xff\xff\xff\xff")
			}
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
		}},
		{"zero bytes", func(t *testing.T, path string) {
			if err := os.Truncate(path, 0); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.db")
			e := newEnv(t, ladokcanvas.DefaultConfig(), nil, withSQLite(path))
			e.feed(registrering("stu-anna", "off-prog1"), registrering("stu-bo", "off-prog1"))
			e.ad.Close()
			if err := e.st.Close(); err != nil {
				t.Fatal(err)
			}
			for _, suffix := range []string{"-wal", "-shm"} {
				_ = os.Remove(path + suffix)
			}
			tc.damage(t, path)
			writes := len(e.cv.Writes())
			st, err := sqlite.Open(t.Context(), path, sqlite.MustExist())
			if err == nil {
				defer st.Close()
				ad, nerr := ladokcanvas.New(t.Context(), e.lc, e.cc, st, e.cfg, append(e.opts, ladokcanvas.WithExistingState())...)
				if err = nerr; err == nil {
					ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
					err = ad.Run(ctx)
					cancel()
					ad.Close()
				}
			}
			if !store.IsPermanent(err) {
				t.Fatalf("a damaged file: %v, want an error that matches store.IsPermanent", err)
			}
			if n := len(e.cv.Writes()) - writes; n != 0 {
				t.Errorf("%d writes to Canvas from a damaged file", n)
			}
			t.Logf("refused: %v", err)
		})
	}
}
