// Package apiquery converts the generated *Params structs of edusync's OpenAPI models to and from
// URL query strings, reading the `form` struct tags oapi-codegen writes. Clients encode with it and
// fake servers decode with it, so both use the parameter names of the same spec.
package apiquery

import (
	"fmt"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"
)

// Encode returns the query parameters set in params (a struct or pointer to one). Zero values are
// left out, as the generated `omitempty` tags say; slices become repeated parameters.
func Encode(params any) (url.Values, error) {
	q := url.Values{}
	if params == nil {
		return q, nil
	}
	v := reflect.ValueOf(params)
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return q, nil
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return nil, fmt.Errorf("apiquery: %s is not a struct", v.Type())
	}
	for _, f := range fieldsOf(v.Type()) {
		fv := v.Field(f.index)
		for fv.Kind() == reflect.Pointer {
			if fv.IsNil() {
				break
			}
			fv = fv.Elem()
		}
		if (fv.Kind() == reflect.Pointer && fv.IsNil()) || fv.IsZero() {
			continue
		}
		if fv.Kind() == reflect.Slice {
			for i := 0; i < fv.Len(); i++ {
				s, err := format(fv.Index(i))
				if err != nil {
					return nil, fmt.Errorf("apiquery: %s: %w", f.name, err)
				}
				q.Add(f.name, s)
			}
			continue
		}
		s, err := format(fv)
		if err != nil {
			return nil, fmt.Errorf("apiquery: %s: %w", f.name, err)
		}
		q.Set(f.name, s)
	}
	return q, nil
}

// Decode fills params (a pointer to a struct) from q. It returns an error naming the parameter
// whose value does not parse, and one for a parameter the struct does not declare when strict.
func Decode(q url.Values, params any, strict bool) error {
	v := reflect.ValueOf(params)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("apiquery: Decode needs a pointer to a struct, not %T", params)
	}
	v = v.Elem()
	fields := fieldsOf(v.Type())
	known := make(map[string]bool, len(fields))
	for _, f := range fields {
		known[f.name] = true
		vals, ok := q[f.name]
		if !ok || len(vals) == 0 {
			continue
		}
		fv := v.Field(f.index)
		if err := set(fv, vals); err != nil {
			return &ParamError{Name: f.name, Err: err}
		}
	}
	if strict {
		for name := range q {
			if !known[name] {
				return &ParamError{Name: name, Err: fmt.Errorf("unknown parameter")}
			}
		}
	}
	return nil
}

// ParamError is a query parameter that could not be decoded.
type ParamError struct {
	Name string
	Err  error
}

func (e *ParamError) Error() string { return "query parameter " + e.Name + ": " + e.Err.Error() }
func (e *ParamError) Unwrap() error { return e.Err }

type field struct {
	name  string
	index int
}

var fieldCache sync.Map // reflect.Type -> []field

func fieldsOf(t reflect.Type) []field {
	if fs, ok := fieldCache.Load(t); ok {
		return fs.([]field)
	}
	var fs []field
	for i := 0; i < t.NumField(); i++ {
		tag := t.Field(i).Tag.Get("form")
		name, _, _ := strings.Cut(tag, ",")
		if name == "" || name == "-" {
			continue
		}
		fs = append(fs, field{name: name, index: i})
	}
	fieldCache.Store(t, fs)
	return fs
}

var (
	dateType = reflect.TypeFor[openapi_types.Date]()
	timeType = reflect.TypeFor[time.Time]()
)

func format(v reflect.Value) (string, error) {
	switch v.Type() {
	case dateType:
		return v.Interface().(openapi_types.Date).Format(openapi_types.DateFormat), nil
	case timeType:
		return v.Interface().(time.Time).Format(time.RFC3339Nano), nil
	}
	switch v.Kind() {
	case reflect.String:
		return v.String(), nil
	case reflect.Bool:
		return strconv.FormatBool(v.Bool()), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(v.Uint(), 10), nil
	case reflect.Float32, reflect.Float64:
		return strconv.FormatFloat(v.Float(), 'g', -1, 64), nil
	}
	return "", fmt.Errorf("unsupported type %s", v.Type())
}

func set(fv reflect.Value, vals []string) error {
	if fv.Kind() == reflect.Pointer {
		nv := reflect.New(fv.Type().Elem())
		if err := set(nv.Elem(), vals); err != nil {
			return err
		}
		fv.Set(nv)
		return nil
	}
	if fv.Kind() == reflect.Slice && fv.Type() != dateType {
		var parts []string
		for _, s := range vals {
			// Accept both repeated parameters and comma-separated lists.
			parts = append(parts, strings.Split(s, ",")...)
		}
		sl := reflect.MakeSlice(fv.Type(), len(parts), len(parts))
		for i, p := range parts {
			if err := parse(sl.Index(i), p); err != nil {
				return err
			}
		}
		fv.Set(sl)
		return nil
	}
	if len(vals) > 1 {
		return fmt.Errorf("given %d times", len(vals))
	}
	return parse(fv, vals[0])
}

func parse(fv reflect.Value, s string) error {
	switch fv.Type() {
	case dateType:
		t, err := time.Parse(openapi_types.DateFormat, s)
		if err != nil {
			return fmt.Errorf("not a date (YYYY-MM-DD)")
		}
		fv.Set(reflect.ValueOf(openapi_types.Date{Time: t}))
		return nil
	case timeType:
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return fmt.Errorf("not an RFC 3339 date-time")
		}
		fv.Set(reflect.ValueOf(t))
		return nil
	}
	switch fv.Kind() {
	case reflect.String:
		fv.SetString(s)
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("not a boolean")
		}
		fv.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(s, 10, fv.Type().Bits())
		if err != nil {
			return fmt.Errorf("not an integer")
		}
		fv.SetInt(n)
	case reflect.Float32, reflect.Float64:
		n, err := strconv.ParseFloat(s, fv.Type().Bits())
		if err != nil {
			return fmt.Errorf("not a number")
		}
		fv.SetFloat(n)
	default:
		return fmt.Errorf("unsupported type %s", fv.Type())
	}
	return nil
}
