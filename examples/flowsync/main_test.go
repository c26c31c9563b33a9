package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/edusync/edusync/internal/golden"
)

// One run of each pipeline fills the three sets; the next run, a new process on the same
// directory, finds nothing to do.
func TestOnceTwice(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	for range 2 {
		if err := run(context.Background(), &out, config{dir: dir, interval: time.Hour, once: true}); err != nil {
			t.Fatalf("%v\n%s", err, out.String())
		}
	}
	golden.Check(t, filepath.Join("testdata", "output.golden"), out.Bytes())
	for _, name := range []string{"sds", "oneroster", "asm"} {
		if _, err := os.Stat(filepath.Join(dir, name, "current")); err != nil {
			t.Errorf("no %s set: %v", name, err)
		}
	}
}
