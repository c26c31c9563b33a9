package golden

import (
	"os"
	"path/filepath"
	"testing"
)

// recorder is a testing.TB that records failures instead of stopping the test.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Helper()               {}
func (r *recorder) Errorf(string, ...any) { r.failed = true }
func (r *recorder) Fatalf(string, ...any) { r.failed = true }
func (r *recorder) Fatal(...any)          { r.failed = true }

func TestCheck(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.golden")
	if err := os.WriteFile(path, []byte("same\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	check := func(path string, got string) (failed bool) {
		r := &recorder{TB: t}
		Check(r, path, []byte(got))
		return r.failed
	}
	if check(path, "same\n") {
		t.Error("equal output reported as different")
	}
	if !check(path, "other\n") {
		t.Error("different output not reported")
	}
	if !check(filepath.Join(t.TempDir(), "missing"), "") {
		t.Error("a missing golden file not reported")
	}
}
