package ladokcanvas

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/edusync/edusync/apierror"
	"github.com/edusync/edusync/canvas"
	"github.com/edusync/edusync/internal/redact"
	"github.com/edusync/edusync/store"
)

// PermanentError is an event that cannot be applied however often it is tried: Ladok does not
// know the student or offering it names, Canvas refuses the change as invalid, or the event
// itself is broken. The adapter parks such events in the store's dead letters (DeadLetters)
// and goes on with the feed.
type PermanentError struct {
	Err error // the cause
}

// Error describes the cause; personal numbers are masked.
func (e *PermanentError) Error() string {
	return "ladokcanvas: cannot be applied: " + redact.PersonalNumbers(e.Err.Error())
}

// Unwrap returns the cause.
func (e *PermanentError) Unwrap() error { return e.Err }

func permanent(err error) error {
	if err == nil {
		return nil
	}
	var pe *PermanentError
	if errors.As(err, &pe) {
		return err
	}
	return &PermanentError{Err: err}
}

// isPermanent tells the failures to dead-letter from those to retry. Answers that another try
// may change (server errors, throttling, lost connections, timeouts) and those that mean the
// integration itself is broken (authentication, permissions: every event would fail and none
// must be parked) are retried; other refusals (400, 404, 409, 410, 422) and undecodable answers
// are permanent.
func isPermanent(err error) bool {
	var pe *PermanentError
	if errors.As(err, &pe) {
		return true
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var ae *apierror.APIError
	if errors.As(err, &ae) {
		return isRefused(err) || errors.Is(err, apierror.ErrConflict) || errors.Is(err, apierror.ErrGone)
	}
	var ce *canvas.DecodeError
	return errors.As(err, &ce)
}

// isRefused reports an answer that refuses the request itself, so that sending it again cannot
// change it: 400, 404 or 422. (A throttling answer never is one: it is a 403 or a 429.)
func isRefused(err error) bool {
	if errors.Is(err, apierror.ErrBadRequest) || errors.Is(err, apierror.ErrNotFound) {
		return true
	}
	var ae *apierror.APIError
	return errors.As(err, &ae) && ae.StatusCode == http.StatusUnprocessableEntity // no sentinel for 422
}

// isTaken recognises Canvas's answer to a create whose SIS id (or login) is already in use.
func isTaken(err error) bool {
	var ae *apierror.APIError
	if !errors.As(err, &ae) || (ae.StatusCode != http.StatusBadRequest && ae.StatusCode != http.StatusConflict) {
		return false
	}
	s := strings.ToLower(ae.Code + " " + ae.Message)
	return strings.Contains(s, "taken") || strings.Contains(s, "in use") || ae.StatusCode == http.StatusConflict
}

// deadInfo identifies a dead-lettered event without its personal data.
type deadInfo struct {
	Entry    string
	Handelse string
	Event    string
}

// DeadLetter is an event the adapter could not apply and parked.
type DeadLetter struct {
	// Item is the store item: "event/" plus the event's HandelseUID (or entry id).
	Item string
	// Reason is the error, with personal numbers masked.
	Reason string
	// Attempt is the store's record of it (when it was parked).
	store.Attempt
}

// deadLetter parks an event that failed for good, so the feed goes on without it.
func (a *Adapter) deadLetter(ctx context.Context, info deadInfo, cause error) error {
	id := info.Handelse
	if id == "" {
		id = info.Entry
	}
	if id == "" {
		id = "unknown"
	}
	if masked := redact.PersonalNumbers(id); masked != id {
		id = "masked-" + fingerprint(id) // a feed's id shaped like a personal number is not stored
	}
	item := keyDead + id
	msg := errors.New(redact.PersonalNumbers(fmt.Sprintf("%s (entry %s): %v", info.Event, info.Entry, cause)))
	err := a.update(ctx, func(tx store.Tx) error {
		_, err := tx.RecordAttempt(store.Failure{Item: item, Err: msg, Permanent: true})
		return err
	})
	if err != nil {
		return err
	}
	a.stats.dead.Add(1)
	a.log.Warn("ladokcanvas: event dead-lettered", "event", info.Event, "entry", info.Entry, "handelse", info.Handelse,
		"error", redact.PersonalNumbers(cause.Error()))
	return nil
}

// DeadLetters lists the events the adapter parked because they could not be applied, in the
// order they were parked. ReplayCourse re-derives a course's enrolments from Ladok once the
// cause is fixed.
func (a *Adapter) DeadLetters(ctx context.Context) ([]DeadLetter, error) {
	var out []DeadLetter
	err := a.st.View(ctx, a.scope, func(tx store.Tx) error {
		ds, err := tx.DeadLetters(keyDead)
		if err != nil {
			return err
		}
		for _, d := range ds {
			out = append(out, DeadLetter{Item: d.Item, Reason: d.LastError, Attempt: d})
		}
		return nil
	})
	return out, err
}
