package ss12000test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync"

	"github.com/edusync/edusync/internal/redact"
	"github.com/edusync/edusync/ss12000"
)

// writeError answers with status and the standard's Error body {code, message}. Messages name
// fields and parameters, never values, so nothing personal is echoed.
func writeError(w http.ResponseWriter, status int, code, message string) {
	// Messages can name what a client sent (a parameter name); keep personal numbers out anyway.
	b, _ := json.Marshal(ss12000.Error{Code: code, Message: redact.PersonalNumbers(message)})
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	h.Del("Content-Encoding")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeKitError is writeError for the kit's answers (unknown paths, faults, body caps).
func writeKitError(w http.ResponseWriter, _ *http.Request, status int, code, message string) {
	writeError(w, status, code, message)
}

// writeJSON answers with status and v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "the answer could not be encoded")
		return
	}
	writeRaw(w, status, b)
}

// writeRaw answers with status and the JSON document b.
func writeRaw(w http.ResponseWriter, status int, b []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func getBuf() *bytes.Buffer {
	b := bufPool.Get().(*bytes.Buffer)
	b.Reset()
	return b
}

func putBuf(b *bytes.Buffer) {
	if b.Cap() > 64<<20 { // let giant buffers go
		return
	}
	bufPool.Put(b)
}

// errBody is a request body the server cannot use; status is 400 or 413.
type errBody struct {
	status  int
	message string
}

func (e *errBody) Error() string { return e.message }

// decodeBody reads one JSON value into v. Unknown fields, trailing data, a missing body and
// malformed JSON are 400; a body over the size cap is 413.
func decodeBody(r *http.Request, v any) *errBody {
	if r.Body == nil {
		return &errBody{http.StatusBadRequest, "a JSON request body is required"}
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
		return &errBody{http.StatusBadRequest, "the request body has data after the JSON value"}
	}
	return nil
}

func bodyError(err error) *errBody {
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return &errBody{http.StatusRequestEntityTooLarge, "the request body is larger than the server accepts"}
	case errors.Is(err, io.EOF):
		return &errBody{http.StatusBadRequest, "a JSON request body is required"}
	}
	var ute *json.UnmarshalTypeError
	if errors.As(err, &ute) && ute.Field != "" {
		return &errBody{http.StatusBadRequest, "the request body has a value of the wrong type in " + ute.Field}
	}
	var se *json.SyntaxError
	if errors.As(err, &se) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &errBody{http.StatusBadRequest, "the request body is not valid JSON"}
	}
	// Unknown fields and other decoder complaints name fields, not values.
	return &errBody{http.StatusBadRequest, "the request body does not match the schema: " + trimMsg(err.Error())}
}

func trimMsg(s string) string {
	if len(s) > 200 {
		return s[:200]
	}
	return s
}

func (e *errBody) write(w http.ResponseWriter) {
	code := "invalid_body"
	if e.status == http.StatusRequestEntityTooLarge {
		code = "body_too_large"
	}
	writeError(w, e.status, code, e.message)
}
