package canvas

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/edusync/edusync/apierror"
	"github.com/edusync/edusync/internal/httpx"
	"github.com/edusync/edusync/internal/redact"
)

// throttleText is what Canvas writes in the body of a throttled request's 403 answer.
const throttleText = "rate limit exceeded"

// isThrottled recognises Canvas's 403 throttling answer (a 429 is recognised by status alone).
// It peeks at the body and puts it back, so the error can still be read.
func isThrottled(r *http.Response) bool {
	if r.StatusCode != http.StatusForbidden {
		return false
	}
	return bytes.Contains(bytes.ToLower(httpx.PeekBody(r, 512)), []byte(throttleText))
}

// maxMessage caps the message kept from an error body.
const maxMessage = 512

// decodeError fills in Code, Message and RateLimited of an APIError from Canvas's error body.
func decodeError(e *APIError, body []byte) {
	code, msg, throttled := parseErrorBody(body)
	e.Code, e.Message = code, msg
	if throttled && (e.StatusCode == http.StatusForbidden || e.StatusCode == http.StatusTooManyRequests) {
		e.RateLimited = true
	}
}

// parseErrorBody reads any of the shapes Canvas answers errors with and returns a short code
// (Canvas's "status", the first field error's "attribute: type", or for the conversations
// API's bare error array its first "attribute: message"), the messages joined, and
// whether the body says the request was throttled. It never fails: a body it does not
// understand yields its first line as the message, if that is short text.
func parseErrorBody(body []byte) (code, message string, throttled bool) {
	body = bytes.TrimSpace(body)
	throttled = bytes.Contains(bytes.ToLower(body), []byte(throttleText))
	if len(body) == 0 {
		return "", "", throttled
	}
	var v any
	if body[0] == '[' && json.Unmarshal(body, &v) == nil {
		// The conversations API's shape, [{"attribute": "recipients", "message": "blank"}]:
		// read as {"errors": [...]} with each message named by its attribute.
		items, _ := v.([]any)
		for _, it := range items {
			m, ok := it.(map[string]any)
			if !ok {
				continue
			}
			attr, _ := m["attribute"].(string)
			msg, _ := m["message"].(string)
			if attr != "" && msg != "" {
				m["message"] = attr + ": " + msg
				if code == "" {
					code = attr + ": " + msg
				}
			}
		}
		v = map[string]any{"errors": items}
	} else if body[0] != '{' || json.Unmarshal(body, &v) != nil {
		line, _, _ := bytes.Cut(body, []byte("\n"))
		if len(line) > 200 || bytes.ContainsAny(line, "<>{") {
			return "", "", throttled
		}
		return "", redact.Printable(string(line), maxMessage), throttled
	}
	obj, _ := v.(map[string]any)
	var msgs []string
	add := func(s string) {
		if s = strings.TrimSpace(s); s != "" && !slices.Contains(msgs, s) {
			msgs = append(msgs, s)
		}
	}
	if s, ok := obj["status"].(string); ok {
		code = s
	}
	if s, ok := obj["message"].(string); ok {
		add(s)
	}
	switch ev := obj["error"].(type) {
	case string:
		add(ev)
	case map[string]any:
		if s, ok := ev["message"].(string); ok {
			add(s)
		}
	}
	switch errs := obj["errors"].(type) {
	case []any:
		for _, it := range errs {
			switch m := it.(type) {
			case string:
				add(m)
			case map[string]any:
				if s, ok := m["message"].(string); ok {
					add(s)
				}
			}
		}
	case map[string]any:
		// {"errors": {"field": [{"attribute": ..., "type": ..., "message": ...}]}} and
		// {"errors": {"field": "message"}}; fields in a stable order.
		keys := make([]string, 0, len(errs))
		for k := range errs {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, field := range keys {
			switch fv := errs[field].(type) {
			case string:
				add(field + ": " + fv)
			case []any:
				for _, it := range fv {
					switch m := it.(type) {
					case string:
						add(field + ": " + m)
					case map[string]any:
						typ, _ := m["type"].(string)
						if code == "" && typ != "" {
							code = field + ": " + typ
						}
						if s, ok := m["message"].(string); ok {
							add(field + ": " + s)
						} else if typ != "" {
							add(field + ": " + typ)
						}
					}
				}
			}
		}
	}
	return redact.Printable(code, maxMessage), redact.Printable(strings.Join(msgs, "; "), maxMessage), throttled
}

func isNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

// The error types every edusync client shares. They are package apierror's, where go doc shows
// their fields and methods (go doc github.com/edusync/edusync/apierror.APIError). Use errors.As
// to inspect them and errors.Is with the Err* values.
type (
	// APIError is an answer with a non-2xx status. Message holds Canvas's error message(s)
	// when the body had any.
	APIError = apierror.APIError
	// DecodeError is an answer that is not the JSON the API describes.
	DecodeError = apierror.DecodeError
	// RecordError describes one record of a page that could not be used; the rest of the page
	// is still delivered. Path is the listing's endpoint, Index the record's position (in the
	// listing for the iterators, in the page for the Page methods), ID its id when readable.
	RecordError = apierror.RecordError
	// RetryPolicy says when and how often failed requests are repeated.
	RetryPolicy = apierror.RetryPolicy
	// BodyTooLargeError is an answer larger than WithMaxResponseBody; it names the cap.
	BodyTooLargeError = apierror.BodyTooLargeError
	// PageCycleError ends a listing whose Link header leads back to a page already read.
	PageCycleError = apierror.PageCycleError
	// TokenError is a token endpoint's refusal (a WithTokenSource flow).
	TokenError = apierror.TokenError
)

// Errors for errors.Is; an *APIError matches the one of its status. A throttled request (403
// "Rate Limit Exceeded" or 429) matches ErrRateLimited and not ErrForbidden.
var (
	ErrBadRequest   = apierror.ErrBadRequest   // 400
	ErrUnauthorized = apierror.ErrUnauthorized // 401, for example an expired or revoked token
	ErrForbidden    = apierror.ErrForbidden    // 403 that is not throttling: missing permission
	ErrNotFound     = apierror.ErrNotFound     // 404
	ErrConflict     = apierror.ErrConflict     // 409
	ErrGone         = apierror.ErrGone         // 410
	ErrTooLarge     = apierror.ErrTooLarge     // 413
	ErrRateLimited  = apierror.ErrRateLimited  // 429, or 403 Rate Limit Exceeded
	ErrServer       = apierror.ErrServer       // 5xx
	ErrBodyTooLarge = apierror.ErrBodyTooLarge // answer larger than WithMaxResponseBody
	ErrPageCycle    = apierror.ErrPageCycle    // a Link header led back to a page already read
	ErrNoID         = apierror.ErrNoID         // a record without an id (a RecordError's cause)
)
