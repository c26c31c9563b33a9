package inspera

import (
	"encoding/json"
	"errors"
	"regexp"
	"strings"

	"github.com/edusync/edusync/apierror"
)

// The error types every edusync client shares. They are package apierror's, where go doc shows
// their fields and methods. Use errors.As to inspect them and errors.Is with the Err* values.
type (
	// APIError is an answer with a non-2xx status. Code is Inspera's error code (the code of
	// its error body, or the OAuth2 error of a refused token), Message its message.
	APIError = apierror.APIError
	// DecodeError is an answer that is not the JSON openapi/inspera.yaml describes.
	DecodeError = apierror.DecodeError
	// RecordError describes one record (a candidate of a test, a test of a search page, an
	// explanation) that could not be used; the rest is still delivered.
	RecordError = apierror.RecordError
	// RecordErrors is returned by GetTest and GetExplanations, together with the good records,
	// when some records could not be decoded.
	RecordErrors = apierror.RecordErrors
	// RetryPolicy says when and how often failed requests are repeated.
	RetryPolicy = apierror.RetryPolicy
	// BodyTooLargeError is an answer or download larger than its cap; it names the cap.
	BodyTooLargeError = apierror.BodyTooLargeError
	// PageCycleError ends a test search whose pages lead back to one already read.
	PageCycleError = apierror.PageCycleError
	// TokenError is the token endpoint's refusal of the API key (WithAPIKey).
	TokenError = apierror.TokenError
)

// Errors for errors.Is; an *APIError matches the one of its status.
var (
	ErrBadRequest   = apierror.ErrBadRequest   // 400
	ErrUnauthorized = apierror.ErrUnauthorized // 401, or a refused API key
	ErrForbidden    = apierror.ErrForbidden    // 403: the key's user lacks the privilege
	ErrNotFound     = apierror.ErrNotFound     // 404: no such test, user, job or subscription
	ErrConflict     = apierror.ErrConflict     // 409: a refusal by Inspera's rules (see below)
	ErrRateLimited  = apierror.ErrRateLimited  // 429
	ErrServer       = apierror.ErrServer       // 5xx
	ErrBodyTooLarge = apierror.ErrBodyTooLarge // answer or download larger than its cap
	ErrPageCycle    = apierror.ErrPageCycle    // a search's pages led back to one already read
	ErrNoID         = apierror.ErrNoID         // a record without its id (a RecordError's cause)
)

// Inspera's refusals by the rules of its exam workflow. Each arrives as a *RefusalError, which
// matches its sentinel and ErrConflict (or ErrBadRequest) and leads to the *APIError.
var (
	// ErrExplanationPublished: an explanation named in the request is published, and
	// published explanations are final; nothing of the request was applied.
	ErrExplanationPublished = errors.New("inspera: the explanation is published and final")
	// ErrExplanationsDisabled: the test does not have administered explanations enabled
	// (EnableExplanationAdministration).
	ErrExplanationsDisabled = errors.New("inspera: explanation administration is not enabled on the test")
	// ErrNotGraded: a candidate has no final grade yet; explanations and appeals need one.
	ErrNotGraded = errors.New("inspera: the candidate has no final grade yet")
	// ErrAppealDecided: the appeal round is graded already and can no longer be withdrawn.
	ErrAppealDecided = errors.New("inspera: the appeal is decided already")
	// ErrCandidateNotFound: a candidate number is not a candidate of the test.
	ErrCandidateNotFound = errors.New("inspera: no such candidate on the test")
	// ErrValidationFailed: Inspera's validation POST to a new subscription's URL did not get
	// a 200 within its timeout.
	ErrValidationFailed = errors.New("inspera: the subscription URL did not answer the validation request")
	// ErrLinkRefused: the storage refused a download link. Links live as long as the token
	// that fetched them (about an hour); read the test or the export status again for fresh
	// ones.
	ErrLinkRefused = errors.New("inspera: the download link was refused (expired?)")
	// ErrExportFailed: a file export job ended as FAILED.
	ErrExportFailed = errors.New("inspera: the file export failed")
)

// refusals maps Inspera's error codes to their sentinels.
var refusals = map[string]error{
	"EXPLANATION_PUBLISHED": ErrExplanationPublished,
	"EXPLANATIONS_DISABLED": ErrExplanationsDisabled,
	"NOT_GRADED":            ErrNotGraded,
	"APPEAL_DECIDED":        ErrAppealDecided,
	"CANDIDATE_NOT_FOUND":   ErrCandidateNotFound,
	"VALIDATION_FAILED":     ErrValidationFailed,
}

// RefusalError is Inspera's refusal of a write by its workflow rules: Code names the rule
// (EXPLANATION_PUBLISHED, NOT_GRADED, ...), CandidateIDs the candidates it concerns when the
// answer listed them. Nothing of a refused request was applied.
type RefusalError struct {
	*APIError
	CandidateIDs []string
	kind         error
}

// Error returns the APIError's text.
func (e *RefusalError) Error() string { return e.APIError.Error() }

// Is matches the refusal's sentinel, and what the APIError matches.
func (e *RefusalError) Is(target error) bool { return target == e.kind || e.APIError.Is(target) }

// Unwrap leads to the *APIError.
func (e *RefusalError) Unwrap() error { return e.APIError }

// decodeError fills Code and Message from Inspera's error body ({status, error, code, message})
// or a token refusal ({error, description}). It never fails: what it does not understand it
// leaves out.
func decodeError(e *APIError, body []byte) {
	var eb struct {
		Code        json.RawMessage `json:"code"`
		Error       string          `json:"error"`
		Message     string          `json:"message"`
		Description string          `json:"description"`
	}
	if json.Unmarshal(body, &eb) != nil {
		// A body cut at the core's cap (a long message) is no longer JSON; its code, which
		// says more than the status, can still be read.
		if m := codeMember.FindSubmatch(body); m != nil {
			e.Code = string(m[1])
		}
		return
	}
	e.Code = strings.Trim(string(eb.Code), `"`)
	e.Message = eb.Message
	if e.Message == "" {
		e.Message = eb.Description
	}
	if e.Code == "" && e.Message == "" {
		e.Message = eb.Error
	} else if e.Code == "" && strings.ToLower(eb.Error) == eb.Error && !strings.Contains(eb.Error, " ") {
		e.Code = eb.Error // an OAuth2 error code (invalid_token)
	}
}

// codeMember finds Inspera's error code in a body that is not whole JSON.
var codeMember = regexp.MustCompile(`"code"\s*:\s*"([A-Z][A-Z_]{0,63})"`)

// classify turns an error answer with one of Inspera's workflow codes into a *RefusalError.
func classify(e *APIError) error {
	kind, ok := refusals[e.Code]
	if !ok {
		return e
	}
	r := &RefusalError{APIError: e, kind: kind}
	var eb struct {
		CandidateIDs []string `json:"candidateIds"`
	}
	if json.Unmarshal([]byte(e.Body), &eb) == nil {
		r.CandidateIDs = eb.CandidateIDs
	}
	return r
}
