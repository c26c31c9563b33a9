// Package fsrules holds the deadline rules of FS (Felles studentsystem, the Norwegian student
// records system) for grade explanations (begrunnelse) and appeals (klage), so the FS client,
// the exam flows, the thesis archive and the synthetic data all count the same days.
//
// # The rules
//
// After a result is announced (kunngjøringsdato) the candidate may ask for an explanation for
// ExplanationDays (7) calendar days and appeal for AppealDays (21). An explanation moves the
// appeal deadline to AppealDays after it was given; until it is given the deadline is pending.
// An exam unit may carry a manual appeal deadline, which replaces the 21 days (earlier or
// later) but never ends before the three weeks after an explanation. Where several rules apply
// the latest day wins. Compute applies them to a Case and names the rule that decided (Rule).
//
// # Days and instants
//
// FS records days, not instants. Date is such a day; DateOf gives the day in Norway of any
// instant, ParseDate reads FS's YYYY-MM-DD. A period lasts to the end of its last day in
// Europe/Oslo: Date.End, ExplanationEnd and AppealEnd return the exclusive end, the midnight
// that begins the following day, and ExplanationOpen and AppealOpen compare instants with it.
// Days are counted on the calendar, so the 23- and 25-hour days of the daylight-saving changes,
// month ends and leap days need no care from callers. The zone database is embedded
// (time/tzdata), so this works on hosts without one.
//
// The package uses only the standard library; it imports no client.
package fsrules
