package fsrules

import (
	"errors"
	"time"
)

// The periods of the rules, in calendar days.
const (
	// ExplanationDays: an explanation of a grade (begrunnelse) may be requested until this many
	// days after the result was announced.
	ExplanationDays = 7
	// AppealDays: an appeal (klage) may be filed until this many days after the announcement,
	// or after the explanation was given when one was requested.
	AppealDays = 21
)

// Case is what the deadlines of one candidate's result depend on.
type Case struct {
	// Announced is the day the result was announced (kunngjøringsdato). Required.
	Announced Date
	// ExplanationRequested is the day the candidate asked for an explanation
	// (datoBegrunnelseBedtOm); zero when none was requested.
	ExplanationRequested Date
	// ExplanationGiven is the day the explanation was given (datoBegrunnelseGitt); zero while
	// it has not been. It needs ExplanationRequested.
	ExplanationGiven Date
	// ManualAppealDeadline is a last day of appeal set by hand on the exam unit; zero when the
	// unit has none.
	ManualAppealDeadline Date
}

// Rule says which rule fixed an appeal deadline.
type Rule uint8

// The values of Rule.
const (
	// RuleStandard: AppealDays after the announcement.
	RuleStandard Rule = iota + 1
	// RuleManual: the exam unit's manual deadline, which replaces the standard one whether it is
	// earlier or later, and which no explanation given AppealDays before it moves.
	RuleManual
	// RuleExplanation: AppealDays after the explanation was given, which was later than the
	// standard or manual deadline.
	RuleExplanation
	// RulePending: an explanation was requested and not yet given, so the deadline is not fixed;
	// it will be at least AppealDays after the day it is given, and appeals stay open until then.
	RulePending
)

// String returns "standard", "manual", "explanation" or "pending".
func (r Rule) String() string {
	switch r {
	case RuleStandard:
		return "standard"
	case RuleManual:
		return "manual"
	case RuleExplanation:
		return "explanation"
	case RulePending:
		return "pending"
	}
	return ""
}

// Deadlines are the last days of one result's explanation and appeal periods. A last day
// counts in full: the period ends at the exclusive instant LastDay.End(), the midnight in
// Europe/Oslo that begins the following day (not at 23:59:59.999999999, which would leave out
// the final nanosecond). ExplanationEnd, AppealEnd and the Open methods use that instant.
type Deadlines struct {
	// Announced is the day the result was announced; the periods open at its start.
	Announced Date
	// Explanation is the last day on which an explanation may be requested.
	Explanation Date
	// Appeal is the last day on which an appeal may be filed; zero while Rule is RulePending.
	Appeal Date
	// Rule is the rule that fixed Appeal.
	Rule Rule
}

// ErrInvalidCase is matched (errors.Is) by every error Compute returns.
var ErrInvalidCase = errors.New("fsrules: invalid case")

// CaseError says which field of a Case is wrong and why.
type CaseError struct {
	Field   string // "Announced", "ExplanationRequested", "ExplanationGiven", "ManualAppealDeadline"
	Problem string
}

// Error returns "fsrules: <Field>: <Problem>".
func (e *CaseError) Error() string { return "fsrules: " + e.Field + ": " + e.Problem }

// Unwrap returns ErrInvalidCase.
func (e *CaseError) Unwrap() error { return ErrInvalidCase }

// Compute applies FS's rules to c:
//
//   - an explanation may be requested until ExplanationDays after the announcement;
//   - an appeal may be filed until AppealDays after the announcement, or, when the exam unit
//     has a manual appeal deadline, until that day instead (it is absolute, earlier or later);
//   - when an explanation was requested, until AppealDays after it was given if that is
//     later (a manual deadline never cuts the three weeks after an explanation short); while
//     the explanation has not been given the deadline is pending and appeals stay open;
//   - days are calendar days in Norway and each period lasts to the end of its last day.
//
// Where several rules apply, the latest day wins. An explanation request counts as FS recorded
// it; whether a late request should have been accepted is the institution's decision, not a
// rule here.
//
// Compute returns a *CaseError (matching ErrInvalidCase) when Announced is missing, a date does
// not exist, a given explanation has no request, or the dates are out of order (a request
// before the announcement, an explanation given before it was requested).
func Compute(c Case) (Deadlines, error) {
	if err := c.check(); err != nil {
		return Deadlines{}, err
	}
	d := Deadlines{Announced: c.Announced, Explanation: c.Announced.AddDays(ExplanationDays)}
	d.Appeal, d.Rule = c.Announced.AddDays(AppealDays), RuleStandard
	if !c.ManualAppealDeadline.IsZero() {
		d.Appeal, d.Rule = c.ManualAppealDeadline, RuleManual
	}
	switch {
	case c.ExplanationRequested.IsZero():
	case c.ExplanationGiven.IsZero():
		d.Appeal, d.Rule = Date{}, RulePending
	default:
		if after := c.ExplanationGiven.AddDays(AppealDays); !after.Before(d.Appeal) {
			d.Appeal, d.Rule = after, RuleExplanation
		}
	}
	return d, nil
}

func (c Case) check() error {
	bad := func(field, problem string) error { return &CaseError{Field: field, Problem: problem} }
	if c.Announced.IsZero() {
		return bad("Announced", "the announcement day is required")
	}
	for _, f := range []struct {
		name string
		d    Date
	}{{"Announced", c.Announced}, {"ExplanationRequested", c.ExplanationRequested},
		{"ExplanationGiven", c.ExplanationGiven}, {"ManualAppealDeadline", c.ManualAppealDeadline}} {
		if !f.d.IsZero() && !f.d.Valid() {
			return bad(f.name, "not a real day between the years 1 and 9999")
		}
	}
	if !c.ExplanationGiven.IsZero() && c.ExplanationRequested.IsZero() {
		return bad("ExplanationGiven", "an explanation was given but none was requested")
	}
	if !c.ExplanationRequested.IsZero() && c.ExplanationRequested.Before(c.Announced) {
		return bad("ExplanationRequested", "requested before the result was announced")
	}
	if !c.ExplanationGiven.IsZero() && c.ExplanationGiven.Before(c.ExplanationRequested) {
		return bad("ExplanationGiven", "given before it was requested")
	}
	return nil
}

// ExplanationEnd returns the instant the explanation period ends (exclusive): midnight in
// Europe/Oslo after the last day.
func (d Deadlines) ExplanationEnd() time.Time { return d.Explanation.End() }

// AppealEnd returns the instant the appeal period ends (exclusive), or the zero time while the
// deadline is pending.
func (d Deadlines) AppealEnd() time.Time {
	if d.Rule == RulePending || d.Appeal.IsZero() {
		return time.Time{}
	}
	return d.Appeal.End()
}

// ExplanationOpen reports whether an explanation may be requested at the instant at: from the
// start of the announcement day until ExplanationEnd.
func (d Deadlines) ExplanationOpen(at time.Time) bool {
	return !at.Before(d.Announced.Start()) && at.Before(d.ExplanationEnd())
}

// AppealOpen reports whether an appeal may be filed at the instant at: from the start of the
// announcement day until AppealEnd, and at any time after the announcement while the deadline
// is pending.
func (d Deadlines) AppealOpen(at time.Time) bool {
	if at.Before(d.Announced.Start()) {
		return false
	}
	return d.Rule == RulePending || at.Before(d.AppealEnd())
}

// Passed reports whether both periods are over at the instant at, so the result can no longer
// be challenged: what archiving a thesis waits for (appeals already filed are another matter).
func (d Deadlines) Passed(at time.Time) bool {
	return !d.ExplanationOpen(at) && !d.AppealOpen(at) && !at.Before(d.Announced.Start())
}

// AppealOnTime reports whether an appeal received on day (datoKlageMottatt) was within the
// appeal period.
func (d Deadlines) AppealOnTime(day Date) bool {
	return !day.Before(d.Announced) && (d.Rule == RulePending || !day.After(d.Appeal))
}

// ExplanationOnTime reports whether an explanation request received on day was within the
// explanation period.
func (d Deadlines) ExplanationOnTime(day Date) bool {
	return !day.Before(d.Announced) && !day.After(d.Explanation)
}
