package canvas

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/edusync/edusync/internal/backoff"
	"github.com/edusync/edusync/internal/httpx"
)

// Writes and retries
//
// PUT and DELETE requests are idempotent; the retry transport repeats them after server errors
// and lost connections. A DELETE that was carried out before its answer was lost is answered 404
// when repeated; remove treats that 404 as success.
//
// POST requests that create something are not idempotent: repeating one whose answer was lost
// could create the object twice. create therefore repeats a create only after looking the object
// up by a key the request carries (its SIS id, its login name, the user and role of an enrolment)
// and finding it absent. Creates without such a key are never repeated after they may have been
// applied; the error reaches the caller.

// lookupFunc finds the object a create would have made; found is false when it does not exist.
type lookupFunc[T any] func(ctx context.Context) (obj *T, found bool, err error)

// create sends a create and repeats it safely after answers that were lost. reread may be nil
// when the object has no key to find it by; such a create is sent at most once. An error after
// which the object may exist is marked ErrOutcomeUnknown; one after Canvas accepted the create
// (2xx) but its answer could not be read, ErrAnswerUnreadable.
func create[T any](ctx context.Context, c *Client, p string, body any, reread lookupFunc[T]) (*T, error) {
	var lastErr error
	for attempt := 1; attempt <= c.createTries; attempt++ {
		tctx, tr := withTrace(ctx)
		resp, err := c.do(tctx, http.MethodPost, p, nil, body, nil)
		if err == nil {
			var out T
			if err := c.core.Decode(resp, p, &out); err != nil {
				return nil, &outcomeError{err: err, kind: ErrAnswerUnreadable}
			}
			return &out, nil
		}
		// The attempt trace sees every attempt below the retry transport: a lost connection
		// after the request left, and server errors, mean Canvas may have carried it out.
		uncertain := tr.maybeApplied.Load()
		if ctx.Err() != nil || (!uncertain && !(attempt > 1 && isClientConflict(err))) {
			// Cancelled, refused for good (4xx), or never sent: nothing more to learn.
			return nil, markUncertain(err, uncertain)
		}
		lastErr = markUncertain(err, uncertain)
		if reread == nil {
			return nil, lastErr
		}
		if serr := backoff.Sleep(ctx, createBackoff(attempt)); serr != nil {
			return nil, errors.Join(lastErr, serr)
		}
		obj, found, rerr := reread(ctx)
		if rerr != nil {
			return nil, errors.Join(lastErr, rerr)
		}
		if found {
			return obj, nil
		}
	}
	return nil, lastErr
}

// markUncertain marks err ErrOutcomeUnknown when the create may have been carried out.
func markUncertain(err error, uncertain bool) error {
	if !uncertain {
		return err
	}
	return &outcomeError{err: err, kind: ErrOutcomeUnknown}
}

// createBackoff is the pause before looking up and repeating a create: long enough for a server
// that was briefly down, short for a single lost answer.
func createBackoff(attempt int) time.Duration {
	return backoff.Delay(100*time.Millisecond, 6400*time.Millisecond, attempt)
}

// isClientConflict recognises the answers Canvas gives to a create whose key is already taken
// (400 "ID already in use", 409): after an uncertain first attempt, they mean it was applied.
func isClientConflict(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && (ae.StatusCode == http.StatusBadRequest || ae.StatusCode == http.StatusConflict)
}

// remove sends a DELETE (retried by the transport) and decodes the answer into out when not nil.
// A 404 after an attempt that may have been carried out means the object is already gone, which
// is what the caller asked for; it returns found == false then.
func (c *Client) remove(ctx context.Context, p string, query url.Values, out any) (found bool, err error) {
	tctx, tr := withTrace(ctx)
	err = c.send(tctx, http.MethodDelete, p, query, nil, out, nil)
	if err != nil && errors.Is(err, ErrNotFound) && tr.maybeApplied.Load() {
		return false, nil
	}
	return err == nil, err
}

// idempotent returns headers that let the retry transport repeat a POST that is idempotent by
// nature (cross-listing a section where it already is changes nothing). Canvas ignores the key.
func idempotent() http.Header {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return http.Header{httpx.IdempotencyKeyHeader: {hex.EncodeToString(b[:])}}
}
