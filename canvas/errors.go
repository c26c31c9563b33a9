package canvas

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

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

// redactedPath renders a request URL for an error message: tokens and personal numbers masked.
func redactedPath(u *url.URL) string { return redact.URL(u) }

func isNotFound(err error) bool { return errors.Is(err, ErrNotFound) }
