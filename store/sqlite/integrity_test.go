package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/store/sqlite"
)

// filled makes a closed store at path with enough rows to span many pages.
func filled(t *testing.T, path string) {
	t.Helper()
	st := open(t, path)
	scope := store.Scope{Flow: "ladok-feed", Tenant: "uu"}
	for batch := range 10 {
		err := st.Update(context.Background(), scope, func(tx store.Tx) error {
			var b store.Batch
			for i := range 200 {
				b.MarkProcessed(fmt.Sprintf("urn:uuid:%02d-%04d-%s", batch, i, strings.Repeat("x", 40)))
			}
			b.SetPosition(store.Position{Cursor: fmt.Sprint("/handelser/feed/", batch)})
			return tx.Apply(b)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + "-wal"); err == nil {
		t.Fatal("the write-ahead log was not checkpointed at Close")
	}
}

// permanent checks err is permanent, matches target and names the file.
func permanent(t *testing.T, err, target error, path string) {
	t.Helper()
	if !errors.Is(err, target) || !store.IsPermanent(err) || !errors.Is(err, store.ErrPermanent) {
		t.Fatalf("error %v: want %v, permanent", err, target)
	}
	if !strings.Contains(err.Error(), path) {
		t.Fatalf("error %q does not name the file %s", err, path)
	}
}

func TestOpenRefusesDamagedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	filled(t, path)
	img, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Overwrite the middle of the file (b-tree pages of the processed keys), not the header:
	// SQLite opens it, and only a check finds the damage.
	for i := len(img) / 3; i < len(img)/3+8192 && i < len(img); i++ {
		img[i] = byte(i * 7)
	}
	if err := os.WriteFile(path, img, 0o600); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	_, err = sqlite.Open(context.Background(), path)
	permanent(t, err, store.ErrCorrupt, path)
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Fatal("a damaged file was changed by Open")
	}
}

func TestOpenRefusesNonDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notes.db")
	if err := os.WriteFile(path, []byte(strings.Repeat("not a database at all. ", 100)), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := sqlite.Open(context.Background(), path)
	permanent(t, err, store.ErrCorrupt, path)
}

func TestMustExist(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.db")
	_, err := sqlite.Open(context.Background(), missing, sqlite.MustExist())
	permanent(t, err, store.ErrNoState, missing)
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("MustExist created the file")
	}
	// A zero-byte file: left by a failed copy or restore. Without MustExist it is a new store.
	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = sqlite.Open(context.Background(), empty, sqlite.MustExist())
	permanent(t, err, store.ErrNoState, empty)
	if fi, _ := os.Stat(empty); fi.Size() != 0 {
		t.Fatal("MustExist wrote to an empty file")
	}
	// An SQLite database without an edusync schema (made by a tool) is no state either.
	bare := filepath.Join(dir, "bare.db")
	rawExec(t, bare, "PRAGMA user_version = 0", "VACUUM")
	_, err = sqlite.Open(context.Background(), bare, sqlite.MustExist())
	permanent(t, err, store.ErrNoState, bare)
	// A real store opens.
	open(t, empty).Close()
	open(t, empty, sqlite.MustExist()).Close()
}

// readOnly makes path unwritable even for root (chattr +i, undone when the test ends); it
// skips the test when it cannot.
func readOnly(t *testing.T, path string) {
	t.Helper()
	if err := os.Chmod(path, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(path, 0o755) })
	if !writable(path) {
		return
	}
	if out, err := exec.Command("chattr", "+i", path).CombinedOutput(); err != nil {
		t.Skipf("cannot make %s read-only as this user: %v %s", path, err, out)
	}
	t.Cleanup(func() { exec.Command("chattr", "-i", path).Run() })
}

// writable reports whether path (a file, or a directory to create files in) can be written.
func writable(path string) bool {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		f, err := os.CreateTemp(path, "probe")
		if err != nil {
			return false
		}
		f.Close()
		os.Remove(f.Name())
		return true
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return false
	}
	f.Close()
	return true
}

func TestOpenRefusesReadOnlyFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.db")
	filled(t, path)
	readOnly(t, path)
	_, err := sqlite.Open(context.Background(), path)
	permanent(t, err, store.ErrUnwritable, path)
}

func TestOpenRefusesReadOnlyDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "state.db")
	filled(t, path)
	readOnly(t, dir) // the write-ahead log cannot be created
	_, err := sqlite.Open(context.Background(), path)
	permanent(t, err, store.ErrUnwritable, path)
}

// TestDamageFoundLaterIsPermanent: damage that quick_check at Open did not see (the file was
// damaged while the store was open) surfaces as a permanent error of the transaction that
// meets it, so that a flow stops instead of retrying forever.
func TestDamageFoundLaterIsPermanent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	filled(t, path)
	st := open(t, path, sqlite.WithReaders(1))
	defer st.Close()
	img, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	garbage := make([]byte, len(img)-8192)
	for i := range garbage {
		garbage[i] = byte(i*13 + 5)
	}
	if _, err := f.WriteAt(garbage, 8192); err != nil {
		t.Fatal(err)
	}
	f.Close()
	scope := store.Scope{Flow: "ladok-feed", Tenant: "uu"}
	keys := make([]string, 0, 2000)
	for batch := range 10 {
		for i := range 200 {
			keys = append(keys, fmt.Sprintf("urn:uuid:%02d-%04d-%s", batch, i, strings.Repeat("x", 40)))
		}
	}
	err = st.View(context.Background(), scope, func(tx store.Tx) error {
		_, err := tx.Processed(keys...)
		return err
	})
	if err == nil {
		err = st.Update(context.Background(), scope, func(tx store.Tx) error {
			return tx.MarkProcessed("new", time.Time{})
		})
	}
	permanent(t, err, store.ErrCorrupt, path)
}
