package ladokfeed_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/edusync/edusync/internal/idnum"
	"github.com/edusync/edusync/ladok"
	"github.com/edusync/edusync/ladok/ladokfeed"
	"github.com/edusync/edusync/store"
)

func TestHandlerErrorMasksPersonalNumbers(t *testing.T) {
	pnr := "19900101238" + string(idnum.LuhnDigit("900101238"))
	herr := &ladokfeed.HandlerError{EntryID: "e-1", Name: "LokalStudentEvent", Err: errors.New("student " + pnr + " unknown")}
	if msg := herr.Error(); strings.Contains(msg, pnr) || !strings.Contains(msg, "e-1") {
		t.Errorf("handler error prints as %q", msg)
	}
}

// TestEntryIDsAreMaskedInErrors: an entry's id and event name come from the feed (or from a
// topic's payload) as they are; one shaped like a personal number stays out of error text.
func TestEntryIDsAreMaskedInErrors(t *testing.T) {
	pnr := "19900101238" + string(idnum.LuhnDigit("900101238"))
	herr := &ladokfeed.HandlerError{EntryID: pnr, Name: "Ev" + pnr, Err: errors.New("failed")}
	if msg := herr.Error(); strings.Contains(msg, pnr[2:]) {
		t.Errorf("handler error prints as %q", msg)
	}
	// An entry without an event, published and consumed: its id is in the consumer's error.
	payload := `<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>` + pnr + `</id></entry></feed>`
	h := ladokfeed.EventHandler(func(context.Context, ladok.Event) error { return nil })
	err := h(context.Background(), store.Delivery{Payload: []byte(payload)})
	if !store.IsPermanent(err) || !errors.Is(err, ladok.ErrNoEvent) {
		t.Fatalf("EventHandler = %v, want a permanent ErrNoEvent", err)
	}
	if strings.Contains(err.Error(), pnr[2:]) {
		t.Errorf("EventHandler's error holds the entry's id: %q", err)
	}
}
