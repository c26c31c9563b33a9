package review

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/edusync/edusync/reconcile"
)

// The lists (plan, audit trail, questions) share their query parameters, filter choices and
// paging.

// window is one page of the rows a filter matches, and how many match.
type window[T any] struct {
	Page, Size, Matched int
	Rows                []T
}

// pageOf fills a window from scan, which hands every row to add. A page past the end (a link
// made under a wider filter) gives the last page, scanning again.
func pageOf[T any](page, size int, match func(*T) bool, scan func(add func(*T)) error) (window[T], error) {
	for {
		w := window[T]{Page: page, Size: size}
		from := (page - 1) * size
		err := scan(func(x *T) {
			if !match(x) {
				return
			}
			if w.Matched >= from && len(w.Rows) < size {
				w.Rows = append(w.Rows, *x)
			}
			w.Matched++
		})
		if err != nil || from < w.Matched || page == 1 {
			return w, err
		}
		page = max(1, (w.Matched+size-1)/size)
	}
}

// each is a scan over rows held in memory.
func each[T any](rows []T) func(add func(*T)) error {
	return func(add func(*T)) error {
		for i := range rows {
			add(&rows[i])
		}
		return nil
	}
}

// oneOf reads the query parameter key, which must be one of allowed (or absent).
func oneOf[T ~string](v url.Values, key string, allowed []T) (T, error) {
	s := T(v.Get(key))
	if s != "" && !slices.Contains(allowed, s) {
		return "", errBadInput
	}
	return s, nil
}

// matchingCase reads the case parameter: -1 when absent.
func matchingCase(v url.Values) (int, error) {
	s := v.Get("case")
	if s == "" {
		return -1, nil
	}
	c, err := strconv.Atoi(s)
	if err != nil || c < 0 || c > 9 {
		return -1, errBadInput
	}
	return c, nil
}

// filters are the parameters the lists share.
type filters struct {
	Kind   reconcile.Kind
	Op     reconcile.Op
	Case   int // -1: any
	Q      string
	Page   int // from 1
	Size   int
	folded string
}

// parseFilters reads the shared parameters; anything the page's own links never hold is an
// error.
func parseFilters(v url.Values) (f filters, err error) {
	if f.Kind, err = oneOf(v, "kind", reconcile.Kinds); err != nil {
		return f, err
	}
	if f.Op, err = oneOf(v, "op", allOps); err != nil {
		return f, err
	}
	if f.Case, err = matchingCase(v); err != nil {
		return f, err
	}
	if f.Q, err = searchQuery(v); err != nil {
		return f, err
	}
	f.folded = reconcile.Fold(f.Q)
	f.Page, f.Size, err = paging(v)
	return f, err
}

// match reports whether a row of kind, op and case with the given search text passes.
func (f *filters) match(kind reconcile.Kind, op reconcile.Op, cs int, search string) bool {
	switch {
	case f.Kind != "" && kind != f.Kind,
		f.Op != "" && op != f.Op,
		f.Case >= 0 && cs != f.Case:
		return false
	}
	return f.folded == "" || strings.Contains(search, f.folded)
}

// values are the shared parameters as a link carries them (without the page).
func (f *filters) values(extra ...string) url.Values {
	v := url.Values{}
	set(v, "kind", string(f.Kind))
	set(v, "op", string(f.Op))
	if f.Case >= 0 {
		v.Set("case", strconv.Itoa(f.Case))
	}
	set(v, "q", f.Q)
	if f.Size != defaultPageSize {
		v.Set("size", strconv.Itoa(f.Size))
	}
	for i := 0; i+1 < len(extra); i += 2 {
		set(v, extra[i], extra[i+1])
	}
	return v
}

func set(v url.Values, k, s string) {
	if s != "" {
		v.Set(k, s)
	}
}

// choices are a select's options: "any" first, then each value with its label.
func choices[T ~string](values []T, selected T, labelPrefix string) []choice {
	out := []choice{{Value: "", Label: "filter.any"}}
	for _, x := range values {
		out = append(out, choice{Value: string(x), Label: labelPrefix + string(x), Selected: x == selected})
	}
	return out
}

// caseChoices are the matching cases to choose from.
func caseChoices(selected int) []choice {
	out := []choice{{Value: "", Label: "filter.any"}}
	for c := 1; c <= 6; c++ {
		out = append(out, choice{Value: strconv.Itoa(c), Label: strconv.Itoa(c), Raw: true, Selected: c == selected})
	}
	return out
}

func sizeChoices(size int) []choice {
	var out []choice
	for _, s := range pageSizes {
		out = append(out, choice{Value: strconv.Itoa(s), Label: strconv.Itoa(s), Raw: true, Selected: s == size})
	}
	return out
}
