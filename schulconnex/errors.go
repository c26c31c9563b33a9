package schulconnex

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/edusync/edusync/apierror"
	"github.com/edusync/edusync/internal/redact"
)

// The error types every edusync client shares. They are package apierror's, where go doc shows
// their fields and methods (go doc github.com/edusync/edusync/apierror.APIError). Use errors.As
// to inspect them and errors.Is with the Err* values.
type (
	// APIError is an answer with a non-2xx status. Code and Subcode come from the Schulconnex
	// error body ({code, subcode, titel, beschreibung}); Message is titel and beschreibung.
	APIError = apierror.APIError
	// DecodeError is an answer that is not the JSON the specification describes.
	DecodeError = apierror.DecodeError
	// RecordError describes one record of an answer that could not be used; the rest of the
	// answer is still delivered. Path is the endpoint, Index the record's position in the
	// answer, ID its id when readable.
	RecordError = apierror.RecordError
	// RetryPolicy says when and how often failed requests are repeated.
	RetryPolicy = apierror.RetryPolicy
	// BodyTooLargeError is an answer larger than WithMaxResponseBody; it names the cap.
	BodyTooLargeError = apierror.BodyTooLargeError
	// TokenError is a token endpoint's refusal (wrong credentials, unknown client, ...). It
	// carries the status and OAuth2 error code only, never the credentials or the answer's body.
	TokenError = apierror.TokenError
)

// Errors for errors.Is; an *APIError matches the one of its status.
var (
	ErrBadRequest   = apierror.ErrBadRequest   // 400
	ErrUnauthorized = apierror.ErrUnauthorized // 401, or a refused token request
	ErrForbidden    = apierror.ErrForbidden    // 403
	ErrNotFound     = apierror.ErrNotFound     // 404
	ErrConflict     = apierror.ErrConflict     // 409
	ErrGone         = apierror.ErrGone         // 410
	ErrTooLarge     = apierror.ErrTooLarge     // 413
	ErrRateLimited  = apierror.ErrRateLimited  // 429
	ErrServer       = apierror.ErrServer       // 5xx
	ErrBodyTooLarge = apierror.ErrBodyTooLarge // answer larger than WithMaxResponseBody
	ErrNoID         = apierror.ErrNoID         // a record without an id (a RecordError's cause)
)

// Errors of Schulconnex's own codes, for errors.Is. The errors the client returns for them are
// *APIError values too (errors.As works) that also match ErrBadRequest or ErrConflict.
var (
	// ErrRevisionConflict is 409 with subcode 00: the record changed since it was read (its
	// revision differs). Nothing was written. A 409 without a Schulconnex error body (from a
	// proxy, say) counts too: 00 is the only subcode the specification has for 409. Read the record again and re-apply the change,
	// for example with RetryOnConflict.
	ErrRevisionConflict = errors.New("schulconnex: revision conflict: the record changed since it was read")
	// ErrPersonHasContexts is 400 with subcode 12: a person cannot be deleted while it has
	// contexts. Delete them first (RemovePerson does).
	ErrPersonHasContexts = errors.New("schulconnex: the person still has contexts")
	// ErrContextInUse is 400 with subcode 13: the context was already passed to services and can
	// only be deleted by setting a deletion time (RemovePerson does).
	ErrContextInUse = errors.New("schulconnex: the context was already used by services")
	// ErrReadOnly is returned, without a request, for writes to records another organisation
	// released to this one for reading (visibility releases, sichtfreigabe Ja): such records
	// belong to the other organisation and are never written.
	ErrReadOnly = errors.New("schulconnex: the record is shared in from another organisation and read-only")

	// ErrRequired is returned, without a request, for a write that lacks a property the
	// specification requires of it (a person's vertrauensstufe); the error names the property.
	ErrRequired = errors.New("schulconnex: a required property is missing")
)

// codedError is an *APIError that also matches one of the code sentinels.
type codedError struct {
	*APIError
	kind error
}

// Is matches the code sentinel (ErrRevisionConflict, ...); Unwrap leads to the *APIError and
// its status sentinels.
func (e *codedError) Is(target error) bool { return target == e.kind }

// Unwrap returns the *APIError.
func (e *codedError) Unwrap() error { return e.APIError }

// classify wraps an *APIError whose code and subcode the package knows.
func classify(e *APIError) error {
	var kind error
	switch {
	case e.StatusCode == http.StatusConflict && (e.Subcode == "00" || e.Subcode == ""):
		kind = ErrRevisionConflict
	case e.StatusCode == http.StatusBadRequest && e.Subcode == "12":
		kind = ErrPersonHasContexts
	case e.StatusCode == http.StatusBadRequest && e.Subcode == "13":
		kind = ErrContextInUse
	default:
		return e
	}
	return &codedError{APIError: e, kind: kind}
}

// Fehler decodes the error body with "code" as a string or a number, and "subcode" too.
func (f *Fehler) UnmarshalJSON(b []byte) error {
	var raw struct {
		Code         json.RawMessage `json:"code"`
		Subcode      json.RawMessage `json:"subcode"`
		Titel        json.RawMessage `json:"titel"`
		Beschreibung json.RawMessage `json:"beschreibung"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*f = Fehler{Code: codeText(raw.Code), Subcode: codeText(raw.Subcode), Titel: text(raw.Titel), Beschreibung: text(raw.Beschreibung)}
	if f.Subcode != "" && len(f.Subcode) == 1 {
		f.Subcode = "0" + f.Subcode // a number 0 stands for "00"
	}
	return nil
}

// codeText renders a code sent as a string ("409"), a number (409) or null.
func codeText(v json.RawMessage) string {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || bytes.Equal(v, []byte("null")) {
		return ""
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		return cleanCode(s)
	}
	var n json.Number
	if json.Unmarshal(v, &n) == nil {
		if i, err := n.Int64(); err == nil {
			return strconv.FormatInt(i, 10)
		}
		if f, err := n.Float64(); err == nil && f == math.Trunc(f) && math.Abs(f) < 1e15 {
			return strconv.FormatInt(int64(f), 10)
		}
		return truncate(n.String(), 16)
	}
	return ""
}

// maxCode is how many bytes of a code sent as a string are kept; real codes are three-digit
// statuses and two-digit subcodes.
const maxCode = 16

// cleanCode keeps a code sent as a string printable and short (redact.Printable: control
// characters could forge lines in logs), with surrounding space trimmed.
func cleanCode(s string) string {
	return strings.TrimSpace(redact.Printable(s, maxCode))
}

// text reads a string member, tolerating other JSON types (left out).
func text(v json.RawMessage) string {
	var s string
	if json.Unmarshal(v, &s) != nil {
		return ""
	}
	return s
}

// DecodeFehler reads a Schulconnex error body. It never fails on bodies that are not one: the
// result is then empty, and ok false.
func DecodeFehler(body []byte) (f Fehler, ok bool) {
	if json.Unmarshal(body, &f) != nil {
		return Fehler{}, false
	}
	return f, f != (Fehler{})
}

// decodeError fills in an *APIError from the Schulconnex error body.
func decodeError(e *APIError, body []byte) {
	f, ok := DecodeFehler(body)
	if !ok {
		return
	}
	e.Code, e.Subcode = f.Code, f.Subcode
	msg := f.Titel
	if f.Beschreibung != "" {
		if msg != "" {
			msg += ": "
		}
		msg += f.Beschreibung
	}
	e.Message = msg
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "..."
}
