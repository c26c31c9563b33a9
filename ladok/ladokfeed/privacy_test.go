package ladokfeed_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/edusync/edusync/internal/idnum"
	"github.com/edusync/edusync/internal/leakcheck"
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
	leakcheck.NoNumber(t, herr.Error(), pnr)
	// An entry without an event, published and consumed: its id is in the consumer's error.
	payload := `<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>` + pnr + `</id></entry></feed>`
	h := ladokfeed.EventHandler(func(context.Context, ladok.Event) error { return nil })
	err := h(context.Background(), store.Delivery{Payload: []byte(payload)})
	if !store.IsPermanent(err) || !errors.Is(err, ladok.ErrNoEvent) {
		t.Fatalf("EventHandler = %v, want a permanent ErrNoEvent", err)
	}
	leakcheck.NoNumber(t, err.Error(), pnr)
}

// TestLoggedHrefsAreMasked: the reader logs the pages it reads and retries by href, and the
// hrefs come from the pages' own links: one holding a personal number stays out of the log.
func TestLoggedHrefsAreMasked(t *testing.T) {
	pnr := "19900101238" + string(idnum.LuhnDigit("900101238"))
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != ladok.FeedFirst {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte(`<feed xmlns="http://www.w3.org/2005/Atom"><link rel="next-archive" href="/handelser/feed/` + pnr + `?p=` + pnr + `"/>` +
			`<entry><id>e-1</id><content type="application/vnd.ladok+xml"><AvbrottEvent xmlns="http://schemas.ladok.se/studiedeltagande"><HandelseUID>h-1</HandelseUID></AvbrottEvent></content></entry></feed>`))
	}))
	defer srv.Close()
	c, err := ladok.New(srv.URL, ladok.WithHTTPClient(srv.Client()), ladok.WithoutRetry())
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	lg := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	r, err := ladokfeed.NewReader(c, memState(), func(context.Context, *ladok.Entry) error { return nil },
		ladokfeed.WithStart(ladok.FeedFirst), ladokfeed.WithLogger(lg), ladokfeed.WithPageRetry(2, time.Millisecond, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.CatchUp(context.Background()); err == nil {
		t.Fatal("CatchUp succeeded although the next page fails")
	}
	if !strings.Contains(logs.String(), "fetching a feed page failed") {
		t.Fatalf("no retry was logged:\n%s", logs.String())
	}
	leakcheck.NoNumber(t, logs.String(), pnr, srv.Listener.Addr().String())
}
