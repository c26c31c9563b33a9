package fileset

import (
	"fmt"
	"net/mail"
	"slices"
	"strconv"
	"strings"

	"github.com/edusync/edusync/internal/redact"
	"github.com/edusync/edusync/reconcile"
)

// Spec describes one file of a format: its name, its columns in the order of the format's
// header row, and the rules its rows must keep. Writers check every row against it before the
// set is switched to; readers check the header against it.
type Spec struct {
	// Name is the file name ("users.csv").
	Name string
	// Columns are the columns in header order.
	Columns []Column
	// Unique lists column tuples whose values must be unique over the file's rows.
	Unique [][]string
	// Extra reports whether a header name past Columns is an extension column the format
	// allows (Apple's location_id_2 ...); nil allows none.
	Extra func(name string) bool
	// Optional says a reader may find the file absent (an empty set of its rows).
	Optional bool
}

// Column is one column of a file and the rules its values keep.
type Column struct {
	// Name is the header name, exactly as the format spells it.
	Name string
	// Required refuses an empty value.
	Required bool
	// Values, when set, are the only values allowed (an empty value is allowed unless Required).
	Values []string
	// Check, when set, returns the rule a non-empty value breaks, or "".
	Check func(v string) string
	// Ref names a column of another file (or this one) that every value must appear in.
	Ref *Ref
	// List says the value is a comma-separated list; Values, Check and Ref apply to each item.
	List bool
}

// Ref points at a column of a file.
type Ref struct {
	File, Column string
}

// Header returns the column names in order.
func (s *Spec) Header() []string {
	h := make([]string, len(s.Columns))
	for i, c := range s.Columns {
		h[i] = c.Name
	}
	return h
}

// Index returns the position of a column, or -1.
func (s *Spec) Index(name string) int {
	return slices.IndexFunc(s.Columns, func(c Column) bool { return c.Name == name })
}

// Problem is one rule a row breaks: the file, the line (the header is line 1), the row's id
// (as the format names rows, for example its sourcedId), the column and the rule. It holds no
// value of the row but its id, cut to a few hundred bytes, and identity numbers in ids are
// masked.
type Problem struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	ID     string `json:"id,omitempty"`
	Column string `json:"column,omitempty"`
	Rule   string `json:"rule"`
}

func (p Problem) String() string {
	s := fmt.Sprintf("%s line %d", p.File, p.Line)
	if p.ID != "" {
		s += " (" + p.ID + ")"
	}
	if p.Column != "" {
		s += " " + p.Column
	}
	return s + ": " + p.Rule
}

// ValidationError is a set that breaks its format's rules; nothing of it was delivered. It
// lists the first problems and counts all of them.
type ValidationError struct {
	// Format names the format ("SDS v2.1").
	Format string
	// Problems are the first problems found (at most MaxProblems), in the order found.
	Problems []Problem
	// Total is the number of problems found.
	Total int
}

// MaxValueBytes is the longest value a set may hold, so that every set written can be read
// again within the readers' Limits.
const MaxValueBytes = 16 << 10

// MaxProblems is how many problems a ValidationError lists.
const MaxProblems = 50

func (e *ValidationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "fileset: the %s set breaks its format's rules in %d places, nothing was delivered", e.Format, e.Total)
	for i, p := range e.Problems {
		if i == 5 {
			fmt.Fprintf(&b, "; ...")
			break
		}
		b.WriteString("; " + p.String())
	}
	return b.String()
}

// Is makes errors.Is(err, ErrInvalid) hold.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

// checker keeps the problems of one set.
type checker struct {
	problems []Problem
	total    int
}

// maxProblemID is the longest row id a Problem names (several joined UUIDs fit): a source's
// overlong id is cut, so a refused set's error stays short whatever the ids.
const maxProblemID = 256

func (c *checker) add(file string, line int, id, column, rule string) {
	c.total++
	if len(c.problems) < MaxProblems {
		c.problems = append(c.problems, Problem{File: file, Line: line, ID: redact.Printable(redact.PersonalNumbers(id), maxProblemID), Column: column, Rule: rule})
	}
}

// checkValue applies a column's own rules to one value (not Ref, which needs the other files).
func (c *checker) checkValue(file string, line int, id string, col *Column, v string) {
	if v == "" {
		if col.Required {
			c.add(file, line, id, col.Name, "a value is required")
		}
		return
	}
	if strings.ContainsAny(v, "\r\n") {
		c.add(file, line, id, col.Name, "values must not hold line breaks")
		return
	}
	if len(v) > MaxValueBytes {
		c.add(file, line, id, col.Name, fmt.Sprintf("longer than %d bytes", MaxValueBytes))
		return
	}
	items := []string{v}
	if col.List {
		items = strings.Split(v, ",")
	}
	for _, it := range items {
		if col.List && it == "" {
			c.add(file, line, id, col.Name, "an empty item in a list")
			continue
		}
		if col.Values != nil && !slices.Contains(col.Values, it) {
			c.add(file, line, id, col.Name, "not one of "+strings.Join(col.Values, ", "))
			continue
		}
		if col.Check != nil {
			if rule := col.Check(it); rule != "" {
				c.add(file, line, id, col.Name, rule)
			}
		}
	}
}

// CheckDate is a Column.Check for dates (YYYY-MM-DD).
func CheckDate(v string) string {
	if _, err := reconcile.ParseDate(v); err != nil {
		return "not a date (YYYY-MM-DD)"
	}
	return ""
}

// CheckYear is a Column.Check for years (YYYY).
func CheckYear(v string) string {
	if n, err := strconv.Atoi(v); err != nil || len(v) != 4 || n < 1900 {
		return "not a year (YYYY)"
	}
	return ""
}

// CheckEmail is a Column.Check for bare e-mail addresses (no display name).
func CheckEmail(v string) string {
	a, err := mail.ParseAddress(v)
	if err != nil || a.Address != v || a.Name != "" {
		return "not an e-mail address"
	}
	return ""
}
