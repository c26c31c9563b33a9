package main

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/edusync/edusync/internal/golden"
)

// The quickstart's printout is deterministic: the sample school, the plans, the files written
// and the one changed row are the same on every run.
func TestQuickstartOutput(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out, t.TempDir()); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "output.golden"), out.Bytes())
}
