package main

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/edusync/edusync/internal/golden"
)

// The walk-through's printout is deterministic (the sample school, a fixed clock). Beyond the
// golden file, its promises are checked on their own: the receiver read every person it may
// see, the change at the source called it back once and reached its copy through one delta
// sync of one person, and the last run planned nothing.
func TestOutput(t *testing.T) {
	var out bytes.Buffer
	o, err := run(context.Background(), &out, config{addr: "127.0.0.1:0", db: filepath.Join(t.TempDir(), "provider.db")})
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "output.golden"), out.Bytes())
	if o.served != 308 {
		t.Errorf("the receiver read %d persons, want the sample school's 314 but its 6 with protected identity", o.served)
	}
	if o.callbacks != 1 {
		t.Errorf("%d callbacks reached the receiver, want 1", o.callbacks)
	}
	if n := o.delta.Changed["Person"]; n != 1 || o.delta.Deleted != 0 {
		t.Errorf("the delta sync read %d persons and %d removals, want the renamed pupil only", n, o.delta.Deleted)
	}
	if o.renamed == "" {
		t.Error("the new family name did not reach the receiver's copy")
	}
	if !bytes.Contains(out.Bytes(), []byte("== The next run ==\nsource: 314 persons (6 protected, 144 guardians), 27 groups, 459 memberships\nplan: nothing to do")) {
		t.Error("the last run planned changes")
	}
}
