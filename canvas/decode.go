package canvas

import (
	"fmt"

	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/edusync/edusync/internal/jsonx"
	"github.com/edusync/edusync/internal/redact"
)

// Responses are decoded with github.com/go-json-experiment/json, the prototype of
// encoding/json/v2: it decodes Canvas's typed records about 2.7 times as fast as encoding/json
// (BenchmarkDecodeEnrollments, one core: about 207k against 76k records a second), which is
// what makes large rosters quick. It is lenient where servers are sloppy (duplicate names,
// invalid UTF-8 are accepted) and strict where it matters (types).
//
// Names are matched exactly, not under encoding/json's rules as internal/jsonx does for APIs
// whose spelling wanders: Canvas always sends its snake_case names, and exact matching is
// about a fifth faster on enrolments (the same benchmark: about 169k records a second with
// internal/jsonx).
var (
	decodeOpts = json.JoinOptions(
		jsontext.AllowDuplicateNames(true),
		jsontext.AllowInvalidUTF8(true),
	)
	encodeOpts = json.JoinOptions(json.Deterministic(true))
)

func unmarshalJSON(b []byte, out any) error { return json.Unmarshal(b, out, decodeOpts) }

func marshalJSON(v any) ([]byte, error) { return json.Marshal(v, encodeOpts) }

// RecordError describes one record of a page that could not be used. The rest of the page is
// still delivered. It never contains record contents, only where and why.
type RecordError struct {
	URL   string // the page's URL, redacted
	Index int    // position in the page
	ID    int64  // the record's id when it could be read
	Err   error  // why it could not be used
}

// Error says which record of which page failed and why.
func (e *RecordError) Error() string {
	id := ""
	if e.ID != 0 {
		id = fmt.Sprintf(" (id %d)", e.ID)
	}
	return fmt.Sprintf("canvas: %s record %d%s: %s", e.URL, e.Index, id, redact.PersonalNumbers(e.Err.Error()))
}

// Unwrap returns the decoding error.
func (e *RecordError) Unwrap() error { return e.Err }

// decodeRecords decodes a JSON array of records tolerantly (internal/jsonx.Array with this
// package's decoder options): a record that does not decode, or has no id, becomes a
// RecordError and the others are delivered; in strict mode the first one fails the call.
// capHint sizes the result for a page up front, which saves copying large records while the
// slice grows.
func decodeRecords[T any](where string, raw []byte, idOf func(*T) int64, strict bool, capHint int) ([]T, []*RecordError, error) {
	var hasID func(*T) bool
	if idOf != nil {
		hasID = func(v *T) bool { return idOf(v) != 0 }
	}
	items, bad, err := jsonx.Array(raw, hasID, jsonx.ArrayOptions{Strict: strict, Unmarshal: unmarshalJSON, Cap: capHint})
	if err != nil {
		return nil, nil, &DecodeError{Path: where, Err: err}
	}
	var errs []*RecordError
	for _, b := range bad {
		errs = append(errs, &RecordError{URL: where, Index: b.Index, ID: peekID(b.Raw), Err: b.Err})
	}
	return items, errs, nil
}

// peekID reads the numeric id of a record that does not decode, for the error report.
func peekID(raw []byte) int64 {
	var r struct {
		ID int64 `json:"id"`
	}
	if json.Unmarshal(raw, &r, decodeOpts) != nil {
		return 0
	}
	return r.ID
}

// unwrapArray returns the array under key in a wrapped list answer ({"enrollment_terms": [...]}).
func unwrapArray(b []byte, key string) ([]byte, error) {
	var env map[string]jsontext.Value
	if err := unmarshalJSON(b, &env); err != nil {
		return nil, err
	}
	v, ok := env[key]
	if !ok || v.Kind() != '[' {
		return nil, fmt.Errorf("answer has no %q array", key)
	}
	return v, nil
}
