package ss12000serve

import (
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"time"
)

// Common holds the parameters most list, get and lookup operations share, read from their
// generated Params structs by field name.
type Common struct {
	// CreatedBefore, CreatedAfter, ModifiedBefore and ModifiedAfter are the meta filters, all
	// exclusive; zero when absent.
	CreatedBefore, CreatedAfter, ModifiedBefore, ModifiedAfter time.Time
	// Render says how records are sent (expand, expandReferenceNames).
	Render Render
	// Sortkey is the sortkey parameter ("" for the default order, by id).
	Sortkey string
}

// Render says how records are sent: as stored, or expanded and/or with reference names.
type Render struct {
	// Expand holds the expand values asked for.
	Expand map[string]bool
	// RefNames is expandReferenceNames.
	RefNames bool
}

// Plain reports whether records go out as stored.
func (r Render) Plain() bool { return len(r.Expand) == 0 && !r.RefNames }

// CommonParams reads the shared parameters from p (a pointer to a generated Params struct) and
// checks expand against the values the operation allows and sortkey with sortOK. A non-empty
// message is a 400.
func CommonParams(p any, expands []string, sortOK func(string) bool) (Common, string) {
	var c Common
	v := reflect.ValueOf(p).Elem()
	tm := func(name string) time.Time {
		f := v.FieldByName(name)
		if !f.IsValid() {
			return time.Time{}
		}
		return f.Interface().(time.Time)
	}
	c.CreatedBefore, c.CreatedAfter = tm("MetaCreatedBefore"), tm("MetaCreatedAfter")
	c.ModifiedBefore, c.ModifiedAfter = tm("MetaModifiedBefore"), tm("MetaModifiedAfter")
	if f := v.FieldByName("ExpandReferenceNames"); f.IsValid() {
		c.Render.RefNames = f.Bool()
	}
	if f := v.FieldByName("Expand"); f.IsValid() {
		for i := 0; i < f.Len(); i++ {
			e := f.Index(i).String()
			if !slices.Contains(expands, e) {
				return c, "expand has a value this operation does not know"
			}
			if c.Render.Expand == nil {
				c.Render.Expand = map[string]bool{}
			}
			c.Render.Expand[e] = true
		}
	}
	if f := v.FieldByName("Sortkey"); f.IsValid() && f.String() != "" {
		c.Sortkey = f.String()
		if sortOK == nil || !sortOK(c.Sortkey) {
			return c, "sortkey has a value this operation does not know"
		}
	}
	return c, ""
}

// MetaSet reports whether any meta filter is given.
func (c *Common) MetaSet() bool {
	return !c.CreatedBefore.IsZero() || !c.CreatedAfter.IsZero() || !c.ModifiedBefore.IsZero() || !c.ModifiedAfter.IsZero()
}

// MetaOK applies the meta.created and meta.modified filters, all exclusive.
func (c *Common) MetaOK(created, modified time.Time) bool {
	return (c.CreatedBefore.IsZero() || created.Before(c.CreatedBefore)) &&
		(c.CreatedAfter.IsZero() || created.After(c.CreatedAfter)) &&
		(c.ModifiedBefore.IsZero() || modified.Before(c.ModifiedBefore)) &&
		(c.ModifiedAfter.IsZero() || modified.After(c.ModifiedAfter))
}

// Messages of the paging answers, the same from every server.
const (
	MsgLimit        = "limit must be a whole number of at least 1"
	MsgTokenExpired = "the pageToken is unknown or has expired; start the listing again"
	MsgTokenOnce    = "pageToken must be given once and not be empty"
)

// PageLimit reads the limit parameter: absent is def, less than 1 or not a number is an error,
// more than max is lowered to it (the standard lets a server send fewer).
func PageLimit(raw []string, def, max int) (int, bool) {
	if len(raw) == 0 {
		return def, true
	}
	if len(raw) > 1 {
		return 0, false
	}
	n, err := strconv.Atoi(raw[0])
	if err != nil || n < 1 {
		return 0, false
	}
	return min(n, max), true
}

// ContinuationError checks the parameters of a request that carries a pageToken: only limit
// may accompany it, and the token is given once. It returns the 400's message, or "".
func ContinuationError(q url.Values) string {
	for name := range q {
		if name != "pageToken" && name != "limit" {
			return "pageToken cannot be combined with other parameters than limit (found " + Trim(name) +
				"); the first request's filters are remembered"
		}
	}
	if len(q["pageToken"]) != 1 || q.Get("pageToken") == "" {
		return MsgTokenOnce
	}
	return ""
}
