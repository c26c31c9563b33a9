package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/store/sqlite"
)

func rawExec(t *testing.T, path string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func rawInt(t *testing.T, path, query string) int {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(query).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func TestSQLiteReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "..", "state.db")
	st := open(t, path)
	if st.Path() != filepath.Clean(path) {
		t.Fatalf("Path %q", st.Path())
	}
	scope := store.Scope{Flow: "ss12000-sync", Tenant: "kommun-1"}
	type syncState struct {
		Version   int               `json:"version"`
		Watermark map[string]string `json:"watermark"`
	}
	want := syncState{Version: 1, Watermark: map[string]string{"persons": "2026-08-31T07:00:00Z"}}
	err := st.Update(context.Background(), scope, func(tx store.Tx) error {
		if err := store.Put(tx, "state", want); err != nil {
			return err
		}
		return tx.Schedule("nightly", time.Date(2026, 9, 1, 2, 0, 0, 0, time.UTC), nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	if v := rawInt(t, path, "PRAGMA user_version"); v != sqlite.SchemaVersion {
		t.Fatalf("user_version %d, want %d", v, sqlite.SchemaVersion)
	}
	if m := rawInt(t, path, "SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = 'wal'"); m != 1 {
		t.Fatal("file not in WAL mode")
	}
	st = open(t, path)
	defer st.Close()
	err = st.View(context.Background(), scope, func(tx store.Tx) error {
		got, err := store.Get[syncState](tx, "state")
		if err != nil {
			return err
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("state after reopening: %+v", got)
		}
		_, err = tx.Timer("nightly")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestSQLiteRefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	open(t, path).Close()
	rawExec(t, path, fmt.Sprintf("PRAGMA user_version = %d", sqlite.SchemaVersion+1))
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = sqlite.Open(context.Background(), path)
	if !errors.Is(err, store.ErrSchemaTooNew) {
		t.Fatalf("open of a newer schema: %v", err)
	}
	after, _ := os.ReadFile(path)
	if string(before) != string(after) {
		t.Fatal("refused file was changed")
	}
}

func TestSQLiteRefusesForeignDatabase(t *testing.T) {
	dir := t.TempDir()
	other := filepath.Join(dir, "other.db")
	rawExec(t, other, "CREATE TABLE things (id INTEGER PRIMARY KEY)")
	if _, err := sqlite.Open(context.Background(), other); !errors.Is(err, store.ErrNotStore) {
		t.Fatalf("open of another application's database: %v", err)
	}
	app := filepath.Join(dir, "app.db")
	rawExec(t, app, "PRAGMA application_id = 12345")
	if _, err := sqlite.Open(context.Background(), app); !errors.Is(err, store.ErrNotStore) {
		t.Fatalf("open of a database with another application id: %v", err)
	}
	text := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(text, []byte("not a database, but long enough to have a header of its own......................................................"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := sqlite.Open(context.Background(), text); err == nil {
		t.Fatal("opened a text file")
	}
	// An empty SQLite file (created by a tool) is fine.
	empty := filepath.Join(dir, "empty.db")
	rawExec(t, empty, "PRAGMA user_version = 0")
	open(t, empty).Close()
	for _, p := range []string{"", ":memory:", "file:x.db"} {
		if _, err := sqlite.Open(context.Background(), p); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("OpenSQLite(%q): %v", p, err)
		}
	}
	if _, err := sqlite.Open(context.Background(), filepath.Join(dir, "missing", "dir", "x.db")); err == nil {
		t.Error("opened a file in a directory that does not exist")
	}
}

// TestSQLiteTwoStoresOneFile is two processes' worth of stores on one file: writers of both
// wait for each other (BEGIN IMMEDIATE, busy timeout) and no update is lost.
func TestSQLiteTwoStoresOneFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.db")
	a := open(t, path)
	defer a.Close()
	b := open(t, path)
	defer b.Close()
	scope := store.Scope{Flow: "counter"}
	const each = 50
	var wg sync.WaitGroup
	for _, st := range []store.Store{a, b, a, b} {
		wg.Go(func() {
			for range each {
				err := st.Update(context.Background(), scope, func(tx store.Tx) error {
					n, err := store.Get[int](tx, "n")
					if err != nil && !errors.Is(err, store.ErrNotFound) {
						return err
					}
					return store.Put(tx, "n", n+1)
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	err := b.View(context.Background(), scope, func(tx store.Tx) error {
		n, err := store.Get[int](tx, "n")
		if err == nil && n != 4*each {
			t.Fatalf("counter %d, want %d", n, 4*each)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestSQLiteBusyTimeout(t *testing.T) {
	path := filepath.Join(t.TempDir(), "busy.db")
	a := open(t, path)
	defer a.Close()
	b := open(t, path, sqlite.WithBusyTimeout(50*time.Millisecond))
	defer b.Close()
	scope := store.Scope{Flow: "f"}
	inside := make(chan struct{})
	release := make(chan struct{})
	done := make(chan error)
	go func() {
		done <- a.Update(context.Background(), scope, func(tx store.Tx) error {
			close(inside)
			<-release
			return tx.SetValue("a", nil)
		})
	}()
	<-inside
	start := time.Now()
	err := b.Update(context.Background(), scope, func(tx store.Tx) error { return tx.SetValue("b", nil) })
	if err == nil {
		t.Fatal("second process wrote while the first held the write lock")
	}
	if d := time.Since(start); d < 40*time.Millisecond || d > 5*time.Second {
		t.Fatalf("gave up after %v with busy timeout 50ms", d)
	}
	// A View in the other store still reads meanwhile (WAL).
	if err := b.View(context.Background(), scope, func(tx store.Tx) error { _, err := tx.Stats(); return err }); err != nil {
		t.Fatal(err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// And b writes again once the lock is free.
	if err := b.Update(context.Background(), scope, func(tx store.Tx) error { return tx.SetValue("b", nil) }); err != nil {
		t.Fatal(err)
	}
}

// TestViewsNeverWaitForAConnectionTheyHold: a View prepares its statements on the connection
// it holds. (They were prepared on the readers' pool, so a View whose statement was new waited
// for a free reader: with every reader held by such a View, forever.)
func TestViewsNeverWaitForAConnectionTheyHold(t *testing.T) {
	for _, readers := range []int{1, 2} {
		st := open(t, filepath.Join(t.TempDir(), "views.db"), sqlite.WithReaders(readers))
		scope := store.Scope{Flow: "f"}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		var wg sync.WaitGroup
		for g := range 4 * readers {
			wg.Go(func() {
				err := st.View(ctx, scope, func(tx store.Tx) error {
					keys := make([]string, 1+g*9) // another statement size in each goroutine
					for i := range keys {
						keys[i] = fmt.Sprint("k", i)
					}
					if _, err := tx.Processed(keys...); err != nil {
						return err
					}
					if _, err := tx.Values(fmt.Sprint("p", g)); err != nil {
						return err
					}
					_, err := tx.Stats()
					return err
				})
				if err != nil {
					t.Errorf("%d readers: %v", readers, err)
				}
			})
		}
		wg.Wait()
		cancel()
		if _, err := st.Scopes(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestTwoStoresShareQueueAndLease is two processes' worth of stores on one file: workers of
// both claim from one queue and each message is handed out once; both race for one lease and
// one wins.
func TestTwoStoresShareQueueAndLease(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.db")
	a := open(t, path)
	defer a.Close()
	b := open(t, path)
	defer b.Close()
	scope := store.Scope{Flow: "wiseflow-hook", Tenant: "uib"}
	const n = 120
	msgs := make([]store.Message, n)
	for i := range msgs {
		msgs[i] = store.Message{OrderKey: fmt.Sprint("cand-", i%5), Payload: fmt.Append(nil, i)}
	}
	if _, err := store.Enqueue(context.Background(), a, scope, msgs...); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for _, st := range []store.Store{a, b, a, b} {
		wg.Go(func() {
			w := store.Worker{Store: st, Scope: scope, Batch: 4, Handle: func(_ context.Context, d store.Delivery) error {
				mu.Lock()
				seen[string(d.Payload)]++
				mu.Unlock()
				return nil
			}}
			if _, err := w.Drain(context.Background()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	// A worker may find nothing due while another holds the head of every key; drain the rest.
	for _, st := range []store.Store{a, b} {
		w := store.Worker{Store: st, Scope: scope, Handle: func(_ context.Context, d store.Delivery) error {
			seen[string(d.Payload)]++
			return nil
		}}
		if _, err := w.Drain(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if len(seen) != n {
		t.Fatalf("%d of %d messages handled", len(seen), n)
	}
	for p, c := range seen {
		if c != 1 {
			t.Fatalf("message %s handled %d times", p, c)
		}
	}
	won := make(chan store.Lease, 2)
	for i, st := range []store.Store{a, b} {
		wg.Go(func() {
			err := st.Update(context.Background(), scope, func(tx store.Tx) error {
				l, err := tx.AcquireLease("poller", fmt.Sprint("process-", i), time.Minute)
				if err == nil {
					won <- l
				}
				return err
			})
			if err != nil && !errors.Is(err, store.ErrLeaseHeld) {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if len(won) != 1 {
		t.Fatalf("%d processes hold the lease", len(won))
	}
}
