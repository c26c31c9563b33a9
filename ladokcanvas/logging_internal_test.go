package ladokcanvas

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

// TestRedactingHandler: a personal number in the message, a string, a number, an error, a
// group or an attribute added with With never reaches the host's handler; Ladok UIDs do.
func TestRedactingHandler(t *testing.T) {
	const pnr = "199001011239"
	var buf bytes.Buffer
	l := slog.New(redacting(slog.NewTextHandler(&buf, nil))).With("with", pnr)
	l.Info("student "+pnr, "s", pnr, "n", int64(199001011239), "err", errors.New("user "+pnr[2:]+" exists"),
		slog.Group("g", "inner", pnr[:8]+"-"+pnr[8:]), "uid", "c0ffee00-0000-4000-8000-000000000235")
	out := buf.String()
	for _, form := range []string{pnr, pnr[2:], pnr[:8] + "-" + pnr[8:]} {
		if strings.Contains(out, form) {
			t.Errorf("%s in %s", form, out)
		}
	}
	if !strings.Contains(out, "c0ffee00-0000-4000-8000-000000000235") {
		t.Errorf("the Ladok UID was masked: %s", out)
	}
}
