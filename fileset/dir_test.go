package fileset_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edusync/edusync/fileset"
)

var testSpec = &fileset.Spec{Name: "users.csv", Unique: [][]string{{"id"}}, Columns: []fileset.Column{
	{Name: "id", Required: true}, {Name: "org", Ref: &fileset.Ref{File: "orgs.csv", Column: "id"}},
	{Name: "role", Values: []string{"student", "teacher"}}}}
var orgSpec = &fileset.Spec{Name: "orgs.csv", Columns: []fileset.Column{{Name: "id", Required: true}}}

func writeSet(t *testing.T, d *fileset.Dir, users ...[]string) (string, error) {
	t.Helper()
	st, err := d.Stage()
	if err != nil {
		t.Fatal(err)
	}
	w := fileset.NewSetWriter(st, "test", fileset.RFC4180, orgSpec, testSpec)
	fw, _ := w.Create(orgSpec)
	fw.Row("o1", "o1")
	fw.Close()
	fw, _ = w.Create(testSpec)
	for _, u := range users {
		fw.Row(u[0], u...)
	}
	fw.Close()
	if err := w.Err(); err != nil {
		st.Abort()
		return "", err
	}
	return st.Commit()
}

// A committed set becomes current in one switch of the link, the one before stays for
// rollback, older ones go; a set that breaks a rule is refused and the current set stays.
func TestSetsSwitchAtomicallyAndInvalidSetsAreRefused(t *testing.T) {
	root := t.TempDir()
	d, err := fileset.OpenDir(root, 1)
	if err != nil {
		t.Fatal(err)
	}
	for i, role := range []string{"student", "teacher", "student"} {
		name, err := writeSet(t, d, []string{"u1", "o1", role})
		if err != nil {
			t.Fatal(err)
		}
		if target, _ := os.Readlink(d.CurrentPath()); target != filepath.Join("sets", name) {
			t.Fatalf("set %d: current points at %q, want sets/%s", i, target, name)
		}
	}
	sets, _ := os.ReadDir(filepath.Join(root, "sets"))
	if len(sets) != 2 {
		t.Errorf("%d sets kept, want the current one and the one before", len(sets))
	}
	before, _ := os.ReadFile(filepath.Join(d.CurrentPath(), "users.csv"))
	_, err = writeSet(t, d, []string{"u1", "o2", "admin"}, []string{"u1", "o1", "student"}, []string{"", "o1", ""})
	var ve *fileset.ValidationError
	if !errors.As(err, &ve) || !errors.Is(err, fileset.ErrInvalid) || ve.Total != 4 {
		t.Fatalf("err %v, want a ValidationError with 4 problems", err)
	}
	for _, want := range []string{"users.csv line 2 (u1) org: refers to no id in orgs.csv", "users.csv line 2 (u1) role: not one of student, teacher",
		"users.csv line 3 (u1) id: must be unique", "users.csv line 4 id: a value is required"} {
		if !containsProblem(ve, want) {
			t.Errorf("the error does not name %q: %v", want, err)
		}
	}
	after, _ := os.ReadFile(filepath.Join(d.CurrentPath(), "users.csv"))
	if !bytes.Equal(before, after) {
		t.Error("a refused set changed the current one")
	}
	if stages, _ := filepath.Glob(filepath.Join(root, "sets", ".stage-*")); len(stages) != 0 {
		t.Errorf("a refused set left its stage behind: %v", stages)
	}
}

func containsProblem(ve *fileset.ValidationError, want string) bool {
	for _, p := range ve.Problems {
		if strings.Contains(p.String(), want) {
			return true
		}
	}
	return false
}

// A directory a host put at root/current is read as the current set and swapped for a link
// by the first commit, kept under sets/.
func TestAdoptedDirectoryIsSwappedOnFirstCommit(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "current"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(root, "current", "users.csv"), []byte("id,org,role\r\n"), 0o644)
	d, err := fileset.OpenDir(root, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, name, ok, err := d.Current(); err != nil || !ok || !strings.HasPrefix(name, "adopted:") {
		t.Fatalf("the host's directory is not the current set: %q %v %v", name, ok, err)
	}
	if _, err := writeSet(t, d, []string{"u1", "o1", "student"}); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(d.CurrentPath()); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("current is not a link after the first commit: %v", err)
	}
	if kept, _ := filepath.Glob(filepath.Join(root, "sets", "*-adopted", "users.csv")); len(kept) != 1 {
		t.Errorf("the adopted set was not kept under sets/: %v", kept)
	}
}

// A tuple of columns is unique by its values, not by their concatenation: ("ab", "c") and
// ("a", "bc") are two tuples, a row repeating one of them is refused.
func TestUniqueTuplesCompareTheirValues(t *testing.T) {
	spec := &fileset.Spec{Name: "pairs.csv", Unique: [][]string{{"a", "b"}}, Columns: []fileset.Column{{Name: "a"}, {Name: "b"}, {Name: "n"}}}
	d, err := fileset.OpenDir(t.TempDir(), 1)
	if err != nil {
		t.Fatal(err)
	}
	st, err := d.Stage()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Abort()
	w := fileset.NewSetWriter(st, "test", fileset.RFC4180, spec)
	fw, err := w.Create(spec)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range [][]string{{"ab", "c", "1"}, {"a", "bc", "2"}, {"abc", "", "3"}, {"", "abc", "4"}, {"a", "bc", "5"}} {
		fw.Row(r[2], r...)
	}
	fw.Close()
	var ve *fileset.ValidationError
	if err := w.Err(); !errors.As(err, &ve) || ve.Total != 1 || !containsProblem(ve, "pairs.csv line 6 (5) a+b: must be unique") {
		t.Fatalf("err %v, want only row 5 refused as a repeat of row 2", err)
	}
}
