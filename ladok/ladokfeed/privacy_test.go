package ladokfeed_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/edusync/edusync/internal/idnum"
	"github.com/edusync/edusync/ladok/ladokfeed"
)

func TestHandlerErrorMasksPersonalNumbers(t *testing.T) {
	pnr := "19900101238" + string(idnum.LuhnDigit("900101238"))
	herr := &ladokfeed.HandlerError{EntryID: "e-1", Name: "LokalStudentEvent", Err: errors.New("student " + pnr + " unknown")}
	if msg := herr.Error(); strings.Contains(msg, pnr) || !strings.Contains(msg, "e-1") {
		t.Errorf("handler error prints as %q", msg)
	}
}
