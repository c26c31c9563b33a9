package ss12000

import "github.com/edusync/edusync/apierror"

// The error types every edusync client shares. They are package apierror's, where go doc shows
// their fields and methods (go doc github.com/edusync/edusync/apierror.APIError). Use errors.As
// to inspect them and errors.Is with the Err* values.
type (
	// APIError is an answer with a non-2xx status. Code and Message come from the service's
	// Error body when it sent one.
	APIError = apierror.APIError
	// DecodeError is an answer that is not the JSON the specification describes.
	DecodeError = apierror.DecodeError
	// RecordError describes one record of a page or lookup answer that could not be used; the
	// rest is still delivered. Path is the endpoint (/persons), Index the record's position (in
	// the listing for the iterators, in the page or answer otherwise), ID its id when readable.
	RecordError = apierror.RecordError
	// RecordErrors is returned by lookups, together with the good records, when some records
	// could not be decoded.
	RecordErrors = apierror.RecordErrors
	// RetryPolicy says when and how often failed requests are repeated.
	RetryPolicy = apierror.RetryPolicy
	// BodyTooLargeError is an answer larger than WithMaxResponseBody; it names the cap.
	BodyTooLargeError = apierror.BodyTooLargeError
	// PageCycleError ends a listing whose pageToken leads back to a page already read.
	PageCycleError = apierror.PageCycleError
	// TokenError is the token endpoint's refusal (WithClientCredentials).
	TokenError = apierror.TokenError
)

// Errors for errors.Is; an *APIError matches the one of its status.
var (
	ErrBadRequest   = apierror.ErrBadRequest   // 400
	ErrUnauthorized = apierror.ErrUnauthorized // 401, or a refused token request
	ErrForbidden    = apierror.ErrForbidden    // 403
	ErrNotFound     = apierror.ErrNotFound     // 404
	ErrConflict     = apierror.ErrConflict     // 409
	ErrGone         = apierror.ErrGone         // 410, for example an expired pageToken
	ErrTooLarge     = apierror.ErrTooLarge     // 413, for example a lookup with too many ids
	ErrRateLimited  = apierror.ErrRateLimited  // 429
	ErrServer       = apierror.ErrServer       // 5xx
	ErrBodyTooLarge = apierror.ErrBodyTooLarge // answer larger than WithMaxResponseBody
	ErrPageCycle    = apierror.ErrPageCycle    // a listing's pageToken led back to a page already read
	ErrNoID         = apierror.ErrNoID         // a record without an id (a RecordError's cause)
)
