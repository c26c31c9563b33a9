package wiseflow

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/edusync/edusync/apierror"
	"github.com/edusync/edusync/internal/redact"
)

// The error types every edusync client shares. They are package apierror's, where go doc shows
// their fields and methods. Use errors.As to inspect them and errors.Is with the Err* values.
type (
	// APIError is an answer with a non-2xx status, or an envelope whose success is false.
	// Code is the envelope's error code (the status it stands for), Message its message.
	APIError = apierror.APIError
	// DecodeError is an answer that is not the JSON the API describes.
	DecodeError = apierror.DecodeError
	// RecordError describes one record of a listing that could not be used; the others are
	// still delivered. Index is its position in the listing (or in the answer for the Page
	// calls and the calls that return a whole list).
	RecordError = apierror.RecordError
	// RecordErrors is returned next to the good records by the calls that return a whole list
	// at once (GetExplanationRequests, GetAssessments, GetSubmissionFiles, GetWebhooks).
	RecordErrors = apierror.RecordErrors
	// RetryPolicy says when and how often failed requests are repeated.
	RetryPolicy = apierror.RetryPolicy
	// BodyTooLargeError is an answer larger than WithMaxResponseBody; it names the cap.
	BodyTooLargeError = apierror.BodyTooLargeError
	// PageCycleError ends a listing whose next page is one it has read already.
	PageCycleError = apierror.PageCycleError
	// TokenError is the token endpoint's refusal (wrong client id or secret).
	TokenError = apierror.TokenError
)

// Errors for errors.Is; an *APIError matches the one of its status.
var (
	ErrBadRequest   = apierror.ErrBadRequest   // 400: invalid parameters or body
	ErrUnauthorized = apierror.ErrUnauthorized // 401, or a refused token request
	ErrForbidden    = apierror.ErrForbidden    // 403: not allowed, an archived flow, a missing module
	ErrNotFound     = apierror.ErrNotFound     // 404: no such flow, participant, request or webhook on the licence
	ErrConflict     = apierror.ErrConflict     // 409
	ErrRateLimited  = apierror.ErrRateLimited  // 429: over 200 requests a second or 5,000 a minute
	ErrServer       = apierror.ErrServer       // 5xx
	ErrBodyTooLarge = apierror.ErrBodyTooLarge // answer larger than WithMaxResponseBody
	ErrPageCycle    = apierror.ErrPageCycle    // a listing that does not converge
	ErrNoID         = apierror.ErrNoID         // a record without an id (a RecordError's cause)
)

// ErrModuleMissing is matched by a *ModuleError: the licence lacks the module an operation needs.
var ErrModuleMissing = errors.New("the WISEflow licence lacks the module this operation needs")

// ModuleError is WISEflow's 403 to an operation that needs a licence module the institution
// does not have (CreateReassessment needs the reassessment module). Retrying cannot help;
// the licence must change. It matches ErrModuleMissing and ErrForbidden, and unwraps to the
// *APIError.
type ModuleError struct {
	Module string // "reassessment"
	Err    error  // the *APIError (or *EnvelopeError) of the 403
}

// Error names the module.
func (e *ModuleError) Error() string {
	return "wiseflow: the licence does not have the " + e.Module + " module: " + e.Err.Error()
}

// Is makes the error match ErrModuleMissing.
func (e *ModuleError) Is(target error) bool { return target == ErrModuleMissing }

// Unwrap returns the 403's error.
func (e *ModuleError) Unwrap() error { return e.Err }

// Reason is one entry of an error envelope's reasons ({reason, message}).
type Reason struct {
	Reason  string
	Message string
}

// EnvelopeError is an error in WISEflow's envelope ({success: false, error: {code, message,
// errors: [{reason, message}]}}) with the reasons it gave. It unwraps to the *APIError, so
// errors.Is(err, ErrNotFound) and errors.As(err, &apiErr) work as for any answer. Reasons are
// redacted like the rest of the error.
type EnvelopeError struct {
	*APIError
	// Reasons are the envelope's reasons, in order (at most maxReasons).
	Reasons []Reason
}

// Error is the APIError's text followed by the reasons.
func (e *EnvelopeError) Error() string {
	s := e.APIError.Error()
	for i, r := range e.Reasons {
		if i == 0 {
			s += " ["
		} else {
			s += "; "
		}
		s += r.Reason
		if r.Message != "" {
			s += ": " + r.Message
		}
	}
	if len(e.Reasons) > 0 {
		s += "]"
	}
	return s
}

// Unwrap returns the *APIError.
func (e *EnvelopeError) Unwrap() error { return e.APIError }

// maxReasons caps the reasons kept from one envelope.
const maxReasons = 8

// errorBody is every shape of WISEflow's error answers: the envelope, a gateway's {"message"}
// and the token endpoint's {"error", "error_description"}.
type errorBody struct {
	Success *bool           `json:"success"`
	Error   json.RawMessage `json:"error"`
	Message string          `json:"message"`
	Desc    string          `json:"error_description"`
}

type errorDetail struct {
	Code    json.RawMessage `json:"code"`
	Message string          `json:"message"`
	Errors  []ErrorReason   `json:"errors"`
}

// parseErrorBody reads an error answer's code, message and reasons; it never fails (a body it
// does not understand gives nothing).
func parseErrorBody(body []byte) (code, message string, reasons []Reason, envelope bool) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return "", "", nil, false
	}
	var b errorBody
	if json.Unmarshal(body, &b) != nil {
		return "", "", nil, false
	}
	message = b.Message
	if len(b.Error) > 0 && b.Error[0] == '"' { // the token endpoint's {"error": "invalid_client"}
		var s string
		_ = json.Unmarshal(b.Error, &s)
		return s, b.Desc, nil, false
	}
	var d errorDetail
	if len(b.Error) > 0 && b.Error[0] == '{' && json.Unmarshal(b.Error, &d) == nil {
		envelope = true
		code = strings.Trim(string(d.Code), `"`)
		if code == "null" || code == "0" {
			code = ""
		}
		if d.Message != "" {
			message = d.Message
		}
		reasons = reasonsOf(d.Errors, func(s string) string { return s })
	}
	return code, message, reasons, envelope || b.Success != nil
}

// reasonsOf keeps at most maxReasons of an envelope's reasons, leaving out empty ones, each
// passed through clean (the client's redaction) and made printable.
func reasonsOf(errs []ErrorReason, clean func(string) string) []Reason {
	var out []Reason
	for _, r := range errs {
		if len(out) == maxReasons {
			break
		}
		if r.Reason != "" || r.Message != "" {
			out = append(out, Reason{Reason: redact.Printable(clean(r.Reason), 128), Message: redact.Printable(clean(r.Message), 256)})
		}
	}
	return out
}

// decodeError fills in Code and Message of an APIError from its body (Config.ErrorBody).
func decodeError(e *APIError, body []byte) {
	e.Code, e.Message, _, _ = parseErrorBody(body)
}

// classify wraps an APIError whose body was an envelope with reasons (Config.Classify). It
// reads the redacted body excerpt, so the reasons are redacted too.
func classify(e *APIError) error {
	_, _, reasons, envelope := parseErrorBody([]byte(e.Body))
	if !envelope || len(reasons) == 0 {
		return e
	}
	return &EnvelopeError{APIError: e, Reasons: reasons}
}

// envelopeFailure builds the error of a 2xx answer whose envelope says it failed (success
// false): an *APIError with the envelope's code as its status when that is an error status, so
// that the sentinels match, wrapped with the reasons.
func (c *Client) envelopeFailure(resp *http.Response, method, path string, detail *ErrorDetail) error {
	e := &APIError{Method: method, URL: c.core.Where(c.core.BaseURL() + path), StatusCode: resp.StatusCode}
	if detail != nil {
		if detail.Code >= 400 && detail.Code <= 599 {
			e.StatusCode = detail.Code
			e.Code = strconv.Itoa(detail.Code)
		}
		e.Message = redact.Printable(c.core.Redact(detail.Message), 512)
	}
	if e.Message == "" {
		e.Message = "the answer's envelope says the request failed"
	}
	if resp.Header != nil {
		e.RequestID = redact.Printable(c.core.Redact(resp.Header.Get("X-Request-Id")), 128)
	}
	if detail == nil {
		return e
	}
	reasons := reasonsOf(detail.Errors, c.core.Redact)
	if len(reasons) == 0 {
		return e
	}
	return &EnvelopeError{APIError: e, Reasons: reasons}
}
