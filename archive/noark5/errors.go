package noark5

import (
	"errors"

	"github.com/edusync/edusync/apierror"
	"github.com/edusync/edusync/internal/redact"
)

// The error types every edusync client shares (package apierror's).
type (
	// APIError is an answer with a non-2xx status; Code and Message are the archive's kode and
	// melding (or message) where its error body had them.
	APIError = apierror.APIError
	// DecodeError is an answer that is not the JSON the service interface describes.
	DecodeError = apierror.DecodeError
	// PageCycleError ends a listing whose next links lead back to a page already read.
	PageCycleError = apierror.PageCycleError
	// RetryPolicy says when and how often failed requests are repeated.
	RetryPolicy = apierror.RetryPolicy
)

// Errors for errors.Is; an *APIError matches the one of its status.
var (
	ErrBadRequest   = apierror.ErrBadRequest   // 400: a field the archive refuses, a checksum that does not match
	ErrUnauthorized = apierror.ErrUnauthorized // 401
	ErrForbidden    = apierror.ErrForbidden    // 403
	ErrNotFound     = apierror.ErrNotFound     // 404
	ErrConflict     = apierror.ErrConflict     // 409, and 412 (a stale ETag)
	ErrServer       = apierror.ErrServer       // 5xx
	ErrPageCycle    = apierror.ErrPageCycle
)

// ErrStale is matched by the error of an update or deletion the archive refused with 412
// Precondition Failed: the entity changed since it was read (its ETag moved on).
var ErrStale = errors.New("noark5: the entity changed since it was read")

// StaleError is a 412 answer to a conditional request.
type StaleError struct{ *APIError }

// Is matches ErrStale and ErrConflict.
func (e *StaleError) Is(target error) bool { return target == ErrStale || target == ErrConflict }

// Unwrap returns the *APIError.
func (e *StaleError) Unwrap() error { return e.APIError }

// MissingLinkError is an answer that lacks a relation the client must follow: the archive does
// not offer that operation there (a closed case file offers no ny-registrering).
type MissingLinkError struct {
	Rel   string
	Where string // the kind of entity and its systemID, redacted
}

// Error names the relation and where it was looked for.
func (e *MissingLinkError) Error() string {
	return "noark5: " + e.Where + " has no link " + relName(e.Rel)
}

// missingLink names entity id (a systemID as the archive sent it, which may hold anything) of
// kind in a MissingLinkError: redacted, without control characters, and short.
func (c *Client) missingLink(rel, kind, id string) *MissingLinkError {
	return &MissingLinkError{Rel: rel, Where: kind + " " + redact.Printable(c.core.Redact(id), 64)}
}

// ErrChecksum is matched by Upload's error when the bytes read did not match the size or
// SHA-256 the document object declared; nothing of the file is kept by the archive then.
var ErrChecksum = errors.New("noark5: the file does not match its declared size or checksum")
