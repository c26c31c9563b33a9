package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edusync/edusync/internal/golden"
)

// TestRun runs the scripted term and compares the printout with testdata/output.golden:
// co-read offerings share one course with a section each, the registered role replaced the
// admitted one, Bo was inactive during his suspension and active after it was lifted, the
// cancelled course is marked, Cia's withdrawal removed her, and Anna keeps early access to
// Historia A. No personal number is printed.
func TestRun(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "output.golden"), out.Bytes())
	for _, must := range []string{
		"st-bo in kt-da1001-campus: Registrerad student inactive",
		"st-bo in kt-da1001-campus: Registrerad student active",
		`"[INSTÄLLT] Historia A HT2026"`,
		`section kt-da1001-distans`,
	} {
		if !strings.Contains(out.String(), must) {
			t.Errorf("output lacks %q", must)
		}
	}
	for _, pnr := range []string{"199001011239", "199202022381", "199303033220", "199404044217"} {
		if strings.Contains(out.String(), pnr) {
			t.Error("a personal number was printed")
		}
	}
	if strings.Contains(out.String(), "st-cia") {
		t.Error("Cia is still enrolled after her withdrawal")
	}
}
