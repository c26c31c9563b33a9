// Package jsonx is edusync's fast JSON decoding for large answers from the network: list pages
// of persons, groups and enrolments. It decodes with github.com/go-json-experiment/json (the
// prototype of encoding/json/v2), which reads typed records two to three times as fast as
// encoding/json, set up to accept what encoding/json accepts, so that switching a decoder to it
// changes its speed and nothing else: member names match without regard to case, a repeated
// name is allowed (the last wins) and invalid UTF-8 is replaced rather than refused.
package jsonx

import (
	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// v1Compatible are the options under which the decoder reads what encoding/json reads.
var v1Compatible = jsonv2.JoinOptions(
	jsonv2.MatchCaseInsensitiveNames(true),
	jsontext.AllowDuplicateNames(true),
	jsontext.AllowInvalidUTF8(true),
)

// Unmarshal decodes b into v like encoding/json.Unmarshal, faster. Types with their own
// UnmarshalJSON method are decoded by that method.
func Unmarshal(b []byte, v any) error { return jsonv2.Unmarshal(b, v, v1Compatible) }
