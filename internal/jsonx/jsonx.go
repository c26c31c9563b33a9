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
	jsonv2 "github.com/go-json-experiment/json"
	jsonv1 "github.com/go-json-experiment/json/v1"
)

// Options are the options under which the decoder reads what encoding/json reads.
var Options = jsonv1.DefaultOptionsV1()

// Unmarshal decodes b into v like encoding/json.Unmarshal, faster. Types with their own
// UnmarshalJSON method are decoded by that method.
func Unmarshal(b []byte, v any) error { return jsonv2.Unmarshal(b, v, Options) }
