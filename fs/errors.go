package fs

import (
	"errors"

	"github.com/edusync/edusync/apierror"
)

// The error types every edusync client shares. They are package apierror's, where go doc shows
// their fields and methods (go doc github.com/edusync/edusync/apierror.APIError). Use errors.As
// to inspect them and errors.Is with the Err* values.
type (
	// APIError is an answer with a non-2xx status. Code holds FS's kode and Message its melding
	// when the answer carried FS's error body (or the first line of a text answer); runs of five
	// or more digits are masked in both and in Body, since FS may quote a personlopenr.
	APIError = apierror.APIError
	// DecodeError is an answer that is not the JSON openapi/fs.yaml describes.
	DecodeError = apierror.DecodeError
	// RecordError describes one record of a listing that could not be used (it did not decode,
	// it names no exam or candidate, or it belongs to another institution or exam than the one
	// asked for); the rest is still delivered. Path is the endpoint, Index the record's position
	// in the answer, ID its kandidatnr when readable.
	RecordError = apierror.RecordError
	// RetryPolicy says when and how often failed requests are repeated.
	RetryPolicy = apierror.RetryPolicy
	// BodyTooLargeError is an answer larger than WithMaxResponseBody; it names the cap.
	BodyTooLargeError = apierror.BodyTooLargeError
)

// Errors for errors.Is; an *APIError matches the one of its status.
var (
	ErrBadRequest   = apierror.ErrBadRequest   // 400: a parameter FS refuses
	ErrUnauthorized = apierror.ErrUnauthorized // 401: the API user or the gateway key was refused
	ErrForbidden    = apierror.ErrForbidden    // 403: the API user lacks the right for the institution
	ErrNotFound     = apierror.ErrNotFound     // 404: no such exam (or candidate) in that exam system
	ErrConflict     = apierror.ErrConflict     // 409: another explanation is registered already
	ErrTooLarge     = apierror.ErrTooLarge     // 413: the explanation's document is too large for FS
	ErrRateLimited  = apierror.ErrRateLimited  // 429
	ErrServer       = apierror.ErrServer       // 5xx
	ErrBodyTooLarge = apierror.ErrBodyTooLarge // answer larger than WithMaxResponseBody
	ErrNoID         = apierror.ErrNoID         // a record without vurdId or kandidatnr (a RecordError's cause)
)

// ErrOutcomeUnknown is matched by the error of a CreateExplanation whose answer was lost (the
// connection dropped, a gateway timed out) and whose effect could not be checked afterwards:
// FS may or may not hold the explanation. Check with ExplanationRegistered before sending it
// again; a published explanation is final and must reach FS once.
var ErrOutcomeUnknown = errors.New("fs: the explanation may or may not have been registered")

// ErrOtherExam is the cause of the RecordError of a record that belongs to another
// institution or exam than the one asked for: a listing never hands the flows a record about
// something they did not ask for.
var ErrOtherExam = errors.New("the record belongs to another institution or exam")
