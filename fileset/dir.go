package fileset

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ErrInvalid means a set breaks its format's rules (see ValidationError) or a record cannot be
// written in the format; nothing of the run was delivered.
var ErrInvalid = errors.New("fileset: invalid set")

// Dir is where a target keeps its sets:
//
//	root/current          -> sets/set-000042   the delivered set (a symbolic link)
//	root/sets/set-000041/                       the one before, kept for rollback (Keep)
//	root/sets/set-000042/                       users.csv, orgs.csv, ...
//	root/sets/.stage-*/                          a set being written (removed on Abort)
//
// A new set is written whole into a staging directory, each file and the directory synced to
// disk, renamed into sets/, and then current is switched to it with one rename(2) of a new
// symbolic link over the old one, which is atomic on Linux: a reader of root/current sees the
// old set or the new one, never a mix, and a crash at any point leaves the last good set
// current. A host that already has a set can make root/current a directory (or a link to
// one) holding it: it is read as the current set, and the first commit swaps it atomically
// (renameat2 RENAME_EXCHANGE on Linux) and keeps it under sets/.
type Dir struct {
	root string
	keep int
}

// OpenDir opens (creating them) root and root/sets. keep is how many sets besides the current
// one stay under sets/ (at least 1, the last good set before it).
func OpenDir(root string, keep int) (*Dir, error) {
	if root == "" {
		return nil, errors.New("fileset: no directory given")
	}
	if err := os.MkdirAll(filepath.Join(root, "sets"), 0o750); err != nil {
		return nil, fmt.Errorf("fileset: %w", err)
	}
	return &Dir{root: root, keep: max(keep, 1)}, nil
}

// Root returns the directory.
func (d *Dir) Root() string { return d.root }

// CurrentPath is root/current, the path readers and uploaders use.
func (d *Dir) CurrentPath() string { return filepath.Join(d.root, "current") }

// Current returns the directory of the current set and its name (the link's target, or
// "adopted" for a directory a host put there), or ok false when there is none yet.
func (d *Dir) Current() (dir, name string, ok bool, err error) {
	p := d.CurrentPath()
	fi, err := os.Lstat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return "", "", false, nil
	}
	if err != nil {
		return "", "", false, fmt.Errorf("fileset: %w", err)
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		target, err := os.Readlink(p)
		if err != nil {
			return "", "", false, fmt.Errorf("fileset: %w", err)
		}
		st, err := os.Stat(p)
		if err != nil {
			return "", "", false, fmt.Errorf("fileset: the current set %s: %w", target, err)
		}
		if !st.IsDir() {
			return "", "", false, fmt.Errorf("fileset: %s does not point at a directory", p)
		}
		return p, target, true, nil
	}
	if !fi.IsDir() {
		return "", "", false, fmt.Errorf("fileset: %s is neither a directory nor a link to one", p)
	}
	return p, "adopted:" + strconv.FormatInt(fi.ModTime().UnixNano(), 10), true, nil
}

// Stage is a set being written. Create its files, then Commit or Abort it.
type Stage struct {
	d    *Dir
	path string
	done bool
}

// Stage starts a new set in a staging directory.
func (d *Dir) Stage() (*Stage, error) {
	var b [8]byte
	rand.Read(b[:])
	p := filepath.Join(d.root, "sets", ".stage-"+hex.EncodeToString(b[:]))
	if err := os.Mkdir(p, 0o750); err != nil {
		return nil, fmt.Errorf("fileset: %w", err)
	}
	return &Stage{d: d, path: p}, nil
}

// Path is the staging directory.
func (s *Stage) Path() string { return s.path }

// File is one file being written into a stage.
type File struct {
	f *os.File
	w *bufio.Writer
	n int64
}

// Create creates a file in the stage.
func (s *Stage) Create(name string) (*File, error) {
	if name == "" || strings.ContainsAny(name, `/\`) || strings.HasPrefix(name, ".") {
		return nil, fmt.Errorf("fileset: bad file name %q", name)
	}
	f, err := os.OpenFile(filepath.Join(s.path, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return nil, fmt.Errorf("fileset: %w", err)
	}
	return &File{f: f, w: bufio.NewWriterSize(f, 256<<10)}, nil
}

// Write writes b.
func (f *File) Write(b []byte) (int, error) {
	n, err := f.w.Write(b)
	f.n += int64(n)
	return n, err
}

// Size is the number of bytes written so far.
func (f *File) Size() int64 { return f.n }

// Close flushes the file, syncs it to disk and closes it.
func (f *File) Close() error {
	err := f.w.Flush()
	if err == nil {
		err = f.f.Sync()
	}
	if cerr := f.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("fileset: %w", err)
	}
	return nil
}

// Abort removes the stage; the current set stays as it was.
func (s *Stage) Abort() error {
	if s.done {
		return nil
	}
	s.done = true
	if err := os.RemoveAll(s.path); err != nil {
		return fmt.Errorf("fileset: %w", err)
	}
	return nil
}

// Commit makes the stage the current set: the stage directory is synced and renamed to
// sets/set-NNNNNN, current is switched to it atomically, and sets older than the last Keep are
// removed. It returns the new set's name. On an error before the switch the stage is removed
// and the current set stays.
func (s *Stage) Commit() (string, error) {
	if s.done {
		return "", errors.New("fileset: the stage was already committed or aborted")
	}
	sets := filepath.Join(s.d.root, "sets")
	fail := func(err error) (string, error) {
		s.Abort()
		return "", fmt.Errorf("fileset: %w", err)
	}
	if err := syncDir(s.path); err != nil {
		return fail(err)
	}
	n, err := s.d.lastNumber()
	if err != nil {
		return fail(err)
	}
	name := fmt.Sprintf("set-%06d", n+1)
	final := filepath.Join(sets, name)
	if err := os.Rename(s.path, final); err != nil {
		return fail(err)
	}
	s.done = true
	if err := syncDir(sets); err != nil {
		return "", fmt.Errorf("fileset: %w", err)
	}
	if err := s.d.point(filepath.Join("sets", name), n+1); err != nil {
		return "", err
	}
	s.d.prune(name)
	return name, nil
}

// point switches current to target (relative to root).
func (d *Dir) point(target string, n int) error {
	cur := d.CurrentPath()
	tmp := filepath.Join(d.root, ".current-new")
	os.Remove(tmp)
	if err := os.Symlink(target, tmp); err != nil {
		return fmt.Errorf("fileset: %w", err)
	}
	fi, err := os.Lstat(cur)
	switch {
	case err == nil && fi.IsDir():
		// A directory a host put there: swap it for the link in one step, then keep it.
		if err := exchange(tmp, cur); err != nil {
			os.Remove(tmp)
			return fmt.Errorf("fileset: switching the adopted set: %w", err)
		}
		if err := os.Rename(tmp, filepath.Join(d.root, "sets", fmt.Sprintf("set-%06d-adopted", n))); err != nil {
			return fmt.Errorf("fileset: keeping the adopted set: %w", err)
		}
	default:
		if err := os.Rename(tmp, cur); err != nil {
			os.Remove(tmp)
			return fmt.Errorf("fileset: switching to the new set: %w", err)
		}
	}
	return syncDir(d.root)
}

// lastNumber returns the highest set number under sets/.
func (d *Dir) lastNumber() (int, error) {
	names, err := d.setNames()
	if err != nil {
		return 0, err
	}
	n := 0
	for _, s := range names {
		if v, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(s, "set-"), "-adopted")); err == nil {
			n = max(n, v)
		}
	}
	return n, nil
}

func (d *Dir) setNames() ([]string, error) {
	es, err := os.ReadDir(filepath.Join(d.root, "sets"))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range es {
		if e.IsDir() && strings.HasPrefix(e.Name(), "set-") {
			out = append(out, e.Name())
		}
	}
	slices.Sort(out)
	return out, nil
}

// prune removes sets older than the Keep newest besides current, and stages left by a crash.
func (d *Dir) prune(current string) {
	names, err := d.setNames()
	if err != nil {
		return
	}
	older := slices.DeleteFunc(names, func(s string) bool { return s >= current })
	for len(older) > d.keep {
		os.RemoveAll(filepath.Join(d.root, "sets", older[0]))
		older = older[1:]
	}
	es, _ := os.ReadDir(filepath.Join(d.root, "sets"))
	for _, e := range es {
		if strings.HasPrefix(e.Name(), ".stage-") {
			if info, err := e.Info(); err == nil && info.ModTime().Before(stageCutoff()) {
				os.RemoveAll(filepath.Join(d.root, "sets", e.Name()))
			}
		}
	}
}

func syncDir(p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// stageCutoff is the age after which a staging directory is taken for one a crashed run left.
func stageCutoff() time.Time { return time.Now().Add(-time.Hour) }
