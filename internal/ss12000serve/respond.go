package ss12000serve

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/edusync/edusync/internal/redact"
	"github.com/edusync/edusync/ss12000"
)

// WriteError answers with status and the standard's Error body {code, message}. Messages name
// fields and parameters, never values; personal numbers are masked all the same.
func WriteError(w http.ResponseWriter, status int, code, message string) {
	b, _ := json.Marshal(ss12000.Error{Code: code, Message: redact.PersonalNumbers(message)})
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	h.Del("Content-Encoding")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// WriteJSON answers with status and v as JSON.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		WriteError(w, http.StatusInternalServerError, "internal", "the answer could not be encoded")
		return
	}
	WriteRaw(w, status, b)
}

// WriteRaw answers with status and the JSON document b.
func WriteRaw(w http.ResponseWriter, status int, b []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// WriteArray appends the JSON array of the documents to buf.
func WriteArray(buf *bytes.Buffer, docs [][]byte) {
	buf.WriteByte('[')
	for i, d := range docs {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(d)
	}
	buf.WriteByte(']')
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// GetBuf returns an empty buffer from a pool; PutBuf gives it back.
func GetBuf() *bytes.Buffer {
	b := bufPool.Get().(*bytes.Buffer)
	b.Reset()
	return b
}

// PutBuf returns a buffer to the pool, unless it grew beyond 64 MiB.
func PutBuf(b *bytes.Buffer) {
	if b.Cap() > 64<<20 {
		return
	}
	bufPool.Put(b)
}

// Trim cuts a message to 200 bytes, for texts that quote what a client sent.
func Trim(s string) string {
	if len(s) > 200 {
		return s[:200]
	}
	return s
}

// BodyError is a request body a server cannot use: Status is 400 or 413.
type BodyError struct {
	Status  int
	Message string
}

func (e *BodyError) Error() string { return e.Message }

// Write answers the request with the error.
func (e *BodyError) Write(w http.ResponseWriter) {
	code := "invalid_body"
	if e.Status == http.StatusRequestEntityTooLarge {
		code = "body_too_large"
	}
	WriteError(w, e.Status, code, e.Message)
}

// Invalid is a 400 for a body whose properties have bad values; problems name properties only.
func Invalid(problems ...string) *BodyError {
	return &BodyError{http.StatusBadRequest, "invalid properties: " + strings.Join(problems, "; ")}
}

// DecodeBody reads one JSON value into v. Unknown fields, trailing data, a missing body and
// malformed JSON are 400; a body over the size cap (http.MaxBytesReader) is 413.
func DecodeBody(r *http.Request, v any) *BodyError {
	if r.Body == nil {
		return &BodyError{http.StatusBadRequest, "a JSON request body is required"}
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return bodyError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return bodyError(err)
		}
		return &BodyError{http.StatusBadRequest, "the request body has data after the JSON value"}
	}
	return nil
}

func bodyError(err error) *BodyError {
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return &BodyError{http.StatusRequestEntityTooLarge, "the request body is larger than the server accepts"}
	case errors.Is(err, io.EOF):
		return &BodyError{http.StatusBadRequest, "a JSON request body is required"}
	}
	var ute *json.UnmarshalTypeError
	if errors.As(err, &ute) && ute.Field != "" {
		return &BodyError{http.StatusBadRequest, "the request body has a value of the wrong type in " + ute.Field}
	}
	var se *json.SyntaxError
	if errors.As(err, &se) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &BodyError{http.StatusBadRequest, "the request body is not valid JSON"}
	}
	// Unknown fields and other decoder complaints name fields, not values.
	return &BodyError{http.StatusBadRequest, "the request body does not match the schema: " + Trim(err.Error())}
}

// DecodeWrite reads a write's JSON object into v, strictly (unknown fields are refused unless
// lenient), and checks that the required top-level properties are present and not null and
// that none of those the standard marks read-only is sent. Problems are 400, a body over the
// cap 413. Lenient decoding is for what receivers report back (log and statistics entries),
// where a profile may add fields of its own.
func DecodeWrite(r *http.Request, v any, lenient bool, required ...string) *BodyError {
	if len(r.URL.Query()) > 0 {
		return &BodyError{http.StatusBadRequest, "this operation takes no query parameters"}
	}
	if r.Body == nil {
		return &BodyError{http.StatusBadRequest, "a JSON request body is required"}
	}
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return bodyError(err)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil {
		if len(bytes.TrimSpace(raw)) == 0 {
			return &BodyError{http.StatusBadRequest, "a JSON request body is required"}
		}
		if _, ok := err.(*json.UnmarshalTypeError); ok {
			return &BodyError{http.StatusBadRequest, "the request body must be a JSON object"}
		}
		return bodyError(err)
	}
	if top == nil {
		return &BodyError{http.StatusBadRequest, "the request body must be a JSON object"}
	}
	if e := refuseAssigned(top); e != nil {
		return e
	}
	var missing []string
	for _, name := range required {
		if v, ok := top[name]; !ok || string(v) == "null" {
			missing = append(missing, name)
		}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if !lenient {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		return bodyError(err)
	}
	if len(missing) > 0 {
		return &BodyError{http.StatusBadRequest, "required properties are missing: " + strings.Join(missing, ", ")}
	}
	return nil
}

// refuseAssigned refuses what the standard marks readOnly, because the service assigns it: a
// record's id, meta and _embedded, and the displayName of the references it holds. A client that
// sends them copies a read record into a write; the service would ignore or contradict them.
func refuseAssigned(top map[string]json.RawMessage) *BodyError {
	var found []string
	for _, name := range []string{"id", "meta", "_embedded"} {
		if _, ok := top[name]; ok {
			found = append(found, name)
		}
	}
	names := make([]string, 0, len(top))
	for name := range top {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		var ref map[string]json.RawMessage
		if json.Unmarshal(top[name], &ref) == nil {
			if _, ok := ref["displayName"]; ok {
				found = append(found, name+".displayName")
			}
		}
	}
	if len(found) > 0 {
		return &BodyError{http.StatusBadRequest, "read-only properties are assigned by the service and cannot be written: " + strings.Join(found, ", ")}
	}
	return nil
}
