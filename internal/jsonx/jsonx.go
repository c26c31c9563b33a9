// Package jsonx is edusync's fast JSON decoding for large answers from the network: list pages
// of persons, groups and enrolments. It decodes with github.com/go-json-experiment/json (the
// prototype of encoding/json/v2), which reads typed records about twice as fast as
// encoding/json (BenchmarkListPersons), under its v1 options (DefaultOptionsV1), so that
// switching a decoder to it changes its speed and nothing else: member names match without
// regard to case but with their delimiters, a repeated name is allowed (the last wins),
// invalid UTF-8 is replaced rather than refused, and null leaves a value as it was.
package jsonx

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	jsonv1 "github.com/go-json-experiment/json/v1"
)

// Options are the options under which the decoder reads what encoding/json reads.
var Options = jsonv1.DefaultOptionsV1()

// Unmarshal decodes b into v like encoding/json.Unmarshal, faster. Types with their own
// UnmarshalJSON method are decoded by that method.
func Unmarshal(b []byte, v any) error { return jsonv2.Unmarshal(b, v, Options) }

// ErrNoID is the cause given for an element that decoded but has no id: a record a consumer
// cannot address is never delivered.
var ErrNoID = errors.New("record has no id")

// Bad is one element of an array that could not be used: its position, its raw JSON (nil when
// it decoded but had no id) and why.
type Bad struct {
	Index int
	Raw   []byte
	Err   error
}

// ArrayOptions tune Array.
type ArrayOptions struct {
	// Strict makes any bad element fail the whole array.
	Strict bool
	// Unmarshal decodes the array and its elements (default Unmarshal).
	Unmarshal func([]byte, any) error
	// Cap is the capacity to allocate for the result up front (a page size), which saves
	// copying large records while the slice grows.
	Cap int
}

// Array decodes a JSON array of records tolerantly, so that one bad record does not sink a
// page. The fast path decodes the whole array at once; when that fails, each element is
// decoded on its own and the ones that fail are reported in bad with the rest delivered.
// Elements for which hasID (when not nil) returns false are reported with ErrNoID. err is set
// when raw is not a JSON array at all, and in strict mode for the first failure: the whole
// array's decoding error, or ErrNoID wrapped with the element's index.
func Array[T any](raw []byte, hasID func(*T) bool, o ArrayOptions) (items []T, bad []Bad, err error) {
	unmarshal := o.Unmarshal
	if unmarshal == nil {
		unmarshal = Unmarshal
	}
	items = make([]T, 0, o.Cap)
	if err := unmarshal(raw, &items); err == nil {
		if hasID == nil {
			return items, nil, nil
		}
		good := items[:0]
		for i := range items {
			if !hasID(&items[i]) {
				if o.Strict {
					return nil, nil, fmt.Errorf("record %d: %w", i, ErrNoID)
				}
				bad = append(bad, Bad{Index: i, Err: ErrNoID})
				continue
			}
			good = append(good, items[i])
		}
		return good, bad, nil
	} else if o.Strict {
		return nil, nil, err
	}
	parts, err := split(raw)
	if err != nil {
		return nil, nil, err
	}
	items = make([]T, 0, len(parts))
	for i, p := range parts {
		var v T
		if err := unmarshal(p, &v); err != nil {
			bad = append(bad, Bad{Index: i, Raw: p, Err: err})
			continue
		}
		if hasID != nil && !hasID(&v) {
			bad = append(bad, Bad{Index: i, Err: ErrNoID})
			continue
		}
		items = append(items, v)
	}
	return items, bad, nil
}

// split returns the elements of a JSON array as raw values, checking only the syntax.
func split(raw []byte) ([]jsontext.Value, error) {
	dec := jsontext.NewDecoder(bytes.NewReader(raw), jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	tok, err := dec.ReadToken()
	if err != nil {
		return nil, err
	}
	if tok.Kind() != '[' {
		return nil, errors.New("not a JSON array")
	}
	var parts []jsontext.Value
	for dec.PeekKind() != ']' {
		v, err := dec.ReadValue()
		if err != nil {
			return nil, err
		}
		parts = append(parts, v.Clone())
	}
	if _, err := dec.ReadToken(); err != nil {
		return nil, err
	}
	if _, err := dec.ReadToken(); err != io.EOF {
		return nil, errors.New("data after the JSON array")
	}
	return parts, nil
}
