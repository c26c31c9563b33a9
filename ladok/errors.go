package ladok

import "github.com/edusync/edusync/apierror"

// The error types every edusync client shares. They are package apierror's, where go doc shows
// their fields and methods (go doc github.com/edusync/edusync/apierror.APIError). Use errors.As
// to inspect them and errors.Is with the Err* values.
type (
	// APIError is an answer with a non-2xx status. Code holds Ladok's Felgrupp, Subcode its
	// Detaljkod, Message its Meddelande and RequestID the FelUID (Ladok's reference for the
	// fault) when the answer carried Ladok's error body.
	APIError = apierror.APIError
	// DecodeError is an answer that is not the JSON the API describes.
	DecodeError = apierror.DecodeError
	// RecordError describes a record of a search page that could not be used; the rest of the
	// page is still delivered. Path is the search's endpoint, Index the record's position (in
	// the search for the iterators, in the page for the Page methods), ID its Uid when readable.
	RecordError = apierror.RecordError
	// RetryPolicy says when and how often failed requests are repeated.
	RetryPolicy = apierror.RetryPolicy
	// BodyTooLargeError is an answer larger than WithMaxResponseBody, or a feed page larger than
	// WithMaxFeedPage; it names the cap.
	BodyTooLargeError = apierror.BodyTooLargeError
	// PageCycleError ends a search whose pages never end.
	PageCycleError = apierror.PageCycleError
)

// Errors for errors.Is; an *APIError matches the one of its status.
var (
	ErrBadRequest   = apierror.ErrBadRequest   // 400
	ErrUnauthorized = apierror.ErrUnauthorized // 401
	ErrForbidden    = apierror.ErrForbidden    // 403: the certificate's user lacks the permission
	ErrNotFound     = apierror.ErrNotFound     // 404
	ErrConflict     = apierror.ErrConflict     // 409
	ErrGone         = apierror.ErrGone         // 410
	ErrTooLarge     = apierror.ErrTooLarge     // 413
	ErrRateLimited  = apierror.ErrRateLimited  // 429
	ErrServer       = apierror.ErrServer       // 5xx
	ErrBodyTooLarge = apierror.ErrBodyTooLarge // answer larger than the configured cap
	ErrPageCycle    = apierror.ErrPageCycle    // a search's pages never end
	ErrNoID         = apierror.ErrNoID         // a record without a Uid (a RecordError's cause)
)
