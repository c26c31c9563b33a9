package pgtest

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestSweepRemovesOnlyDeadClusters: the directories of killed test runs go; a running
// cluster's, a young one's (initdb still at work) and unrelated ones stay.
func TestSweepRemovesOnlyDeadClusters(t *testing.T) {
	base := t.TempDir()
	old := time.Now().Add(-time.Hour)
	mk := func(name, pid string, mtime time.Time) string {
		d := filepath.Join(base, name)
		if err := os.MkdirAll(filepath.Join(d, "data"), 0o700); err != nil {
			t.Fatal(err)
		}
		if pid != "" {
			if err := os.WriteFile(filepath.Join(d, "data", "postmaster.pid"), []byte(pid+"\n/data\n"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Chtimes(d, mtime, mtime); err != nil {
			t.Fatal(err)
		}
		return d
	}
	dead := mk("edusync-pg-1", "999999999", old)
	noPid := mk("edusync-pg-2", "", old)
	running := mk("edusync-pg-3", fmt.Sprint(os.Getpid()), old)
	young := mk("edusync-pg-4", "999999999", time.Now())
	other := mk("someone-else", "999999999", old)
	sweep(base)
	for d, want := range map[string]bool{dead: false, noPid: false, running: true, young: true, other: true} {
		_, err := os.Stat(d)
		if got := err == nil; got != want {
			t.Errorf("%s: kept %v, want %v", filepath.Base(d), got, want)
		}
	}
}

func TestVersionOrdersNewestFirst(t *testing.T) {
	if version("/usr/lib/postgresql/16/bin") <= version("/usr/lib/postgresql/9/bin") {
		t.Fatal("16 is not newer than 9")
	}
}
