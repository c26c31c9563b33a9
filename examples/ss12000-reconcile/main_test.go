package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edusync/edusync/internal/golden"
)

// The example's printout is deterministic (the sample school, a fixed clock, the in-memory
// target). Beyond the golden file, the three promises it makes are checked on their own: the
// second run writes nothing, the change at the source is exactly one write, and no protected
// person reaches the target.
func TestOutput(t *testing.T) {
	var out bytes.Buffer
	target, err := run(context.Background(), &out, "", "")
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "output.golden"), out.Bytes())
	runs := strings.Split(out.String(), "== Run ")
	if len(runs) != 4 {
		t.Fatalf("want three runs:\n%s", out.String())
	}
	if !strings.Contains(runs[2], "applied: 0 created, 0 updated, 0 deactivated; 0 failed, 0 stale; 0 writes") {
		t.Errorf("the second run wrote:\n%s", runs[2])
	}
	if !strings.Contains(runs[3], "; 1 write\n") || !strings.Contains(runs[3], `familyName: "Björk" -> "Lindqvist"`) {
		t.Errorf("the change at the source was not exactly one write:\n%s", runs[3])
	}
	for _, p := range target.Snapshot().Persons {
		if p.Protected {
			t.Errorf("a person with protected identity reached the target: %s", p.Keys.TargetID)
		}
	}
}
