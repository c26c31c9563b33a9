package sds_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edusync/edusync/sds"
)

// The header rows the writer uses are those of Microsoft's v2.1 samples, byte for byte.
func TestHeadersAreMicrosofts(t *testing.T) {
	for _, spec := range sds.Specs {
		b, err := os.ReadFile(filepath.Join("testdata", "samples-v2.1", spec.Name))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := strings.Join(spec.Header(), ",")+"\r\n", string(b); got != want {
			t.Errorf("%s: header %q, Microsoft's sample has %q", spec.Name, got, want)
		}
	}
}
