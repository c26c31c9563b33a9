package main

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/edusync/edusync/internal/golden"
)

// The quickstart's printout is deterministic: the sample school, the changes and the sync
// results are the same on every run. The run itself fails if the local copy misses a change.
func TestQuickstartOutput(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "output.golden"), out.Bytes())
}
