// Package jsonx is edusync's fast JSON decoding for large answers from the network: list pages
// of persons, groups and enrolments (internal/apiclient decodes them record by record with
// these options). It decodes with github.com/go-json-experiment/json (the
// prototype of encoding/json/v2), which reads typed records about twice as fast as
// encoding/json (BenchmarkListPersons), under its v1 options (DefaultOptionsV1), so that
// switching a decoder to it changes its speed and nothing else: member names match without
// regard to case but with their delimiters, a repeated name is allowed (the last wins),
// invalid UTF-8 is replaced rather than refused, and null leaves a value as it was.
package jsonx

import (
	"errors"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	jsonv1 "github.com/go-json-experiment/json/v1"
	openapi_types "github.com/oapi-codegen/runtime/types"
)

// Options are the options under which the decoder reads what encoding/json reads. The dates of
// the generated models (openapi_types.Date) are read from their string token directly: their own
// UnmarshalJSON decodes the string with encoding/json first, which took a tenth of the time of
// decoding an SS 12000 person (BenchmarkListPersons). unmarshalDate accepts and refuses what
// that method does (FuzzUnmarshal compares them).
var Options = jsonv2.JoinOptions(jsonv1.DefaultOptionsV1(), jsonv2.WithUnmarshalers(jsonv2.UnmarshalFromFunc(unmarshalDate)))

// unmarshalDate reads a date as openapi_types.Date.UnmarshalJSON does: a JSON string in
// 2006-01-02 form; null reads as the empty string, which is no date.
func unmarshalDate(dec *jsontext.Decoder, d *openapi_types.Date) error {
	v, err := dec.ReadValue()
	if err != nil {
		return err
	}
	var s string
	switch v.Kind() {
	case '"':
		b, err := jsontext.AppendUnquote(nil, v)
		if err != nil {
			return err
		}
		s = string(b)
	case 'n':
	default:
		return errDateKind
	}
	t, err := time.Parse(openapi_types.DateFormat, s)
	if err != nil {
		return err
	}
	d.Time = t
	return nil
}

var errDateKind = errors.New("a date must be a JSON string")

// Unmarshal decodes b into v like encoding/json.Unmarshal, faster. Types with their own
// UnmarshalJSON method are decoded by that method.
func Unmarshal(b []byte, v any) error { return jsonv2.Unmarshal(b, v, Options) }
