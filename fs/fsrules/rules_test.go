package fsrules

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func day(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestComputeAppliesTheLatestRule(t *testing.T) {
	cases := []struct {
		name string
		c    Case
		want Deadlines
	}{
		{"standard", Case{Announced: day("2026-06-10")},
			Deadlines{day("2026-06-10"), day("2026-06-17"), day("2026-07-01"), RuleStandard}},
		{"month end", Case{Announced: day("2026-01-31")},
			Deadlines{day("2026-01-31"), day("2026-02-07"), day("2026-02-21"), RuleStandard}},
		{"year end", Case{Announced: day("2026-12-20")},
			Deadlines{day("2026-12-20"), day("2026-12-27"), day("2027-01-10"), RuleStandard}},
		{"leap day is a day", Case{Announced: day("2028-02-22")},
			Deadlines{day("2028-02-22"), day("2028-02-29"), day("2028-03-14"), RuleStandard}},
		{"no leap day in 2027", Case{Announced: day("2027-02-22")},
			Deadlines{day("2027-02-22"), day("2027-03-01"), day("2027-03-15"), RuleStandard}},
		{"appeal ends on a leap day", Case{Announced: day("2028-02-08")},
			Deadlines{day("2028-02-08"), day("2028-02-15"), day("2028-02-29"), RuleStandard}},
		{"across the spring daylight-saving change", Case{Announced: day("2026-03-20")},
			Deadlines{day("2026-03-20"), day("2026-03-27"), day("2026-04-10"), RuleStandard}},
		{"across the autumn daylight-saving change", Case{Announced: day("2026-10-20")},
			Deadlines{day("2026-10-20"), day("2026-10-27"), day("2026-11-10"), RuleStandard}},
		{"explanation pending", Case{Announced: day("2026-06-10"), ExplanationRequested: day("2026-06-12")},
			Deadlines{day("2026-06-10"), day("2026-06-17"), Date{}, RulePending}},
		{"explanation given moves the deadline", Case{Announced: day("2026-06-10"),
			ExplanationRequested: day("2026-06-12"), ExplanationGiven: day("2026-06-24")},
			Deadlines{day("2026-06-10"), day("2026-06-17"), day("2026-07-15"), RuleExplanation}},
		{"explanation given on the announcement day", Case{Announced: day("2026-06-10"),
			ExplanationRequested: day("2026-06-10"), ExplanationGiven: day("2026-06-10")},
			Deadlines{day("2026-06-10"), day("2026-06-17"), day("2026-07-01"), RuleExplanation}},
		{"manual deadline earlier than 21 days is absolute", Case{Announced: day("2026-06-10"),
			ManualAppealDeadline: day("2026-06-20")},
			Deadlines{day("2026-06-10"), day("2026-06-17"), day("2026-06-20"), RuleManual}},
		{"manual deadline later than 21 days", Case{Announced: day("2026-06-10"),
			ManualAppealDeadline: day("2026-08-20")},
			Deadlines{day("2026-06-10"), day("2026-06-17"), day("2026-08-20"), RuleManual}},
		{"manual deadline earlier than three weeks after the explanation", Case{Announced: day("2026-06-10"),
			ExplanationRequested: day("2026-06-15"), ExplanationGiven: day("2026-06-25"), ManualAppealDeadline: day("2026-07-01")},
			Deadlines{day("2026-06-10"), day("2026-06-17"), day("2026-07-16"), RuleExplanation}},
		{"manual deadline later than three weeks after the explanation", Case{Announced: day("2026-06-10"),
			ExplanationRequested: day("2026-06-15"), ExplanationGiven: day("2026-06-25"), ManualAppealDeadline: day("2026-08-20")},
			Deadlines{day("2026-06-10"), day("2026-06-17"), day("2026-08-20"), RuleManual}},
		{"manual deadline on the same day as three weeks after the explanation", Case{Announced: day("2026-06-10"),
			ExplanationRequested: day("2026-06-15"), ExplanationGiven: day("2026-06-25"), ManualAppealDeadline: day("2026-07-16")},
			Deadlines{day("2026-06-10"), day("2026-06-17"), day("2026-07-16"), RuleExplanation}},
		{"manual deadline while the explanation is pending", Case{Announced: day("2026-06-10"),
			ExplanationRequested: day("2026-06-15"), ManualAppealDeadline: day("2026-06-20")},
			Deadlines{day("2026-06-10"), day("2026-06-17"), Date{}, RulePending}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Compute(tc.c)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

func TestComputeRejectsImpossibleCases(t *testing.T) {
	cases := []struct {
		name  string
		c     Case
		field string
	}{
		{"no announcement", Case{}, "Announced"},
		{"no announcement but an explanation", Case{ExplanationRequested: day("2026-06-12")}, "Announced"},
		{"announcement on 30 February", Case{Announced: NewDate(2026, time.February, 30)}, "Announced"},
		{"month 13", Case{Announced: NewDate(2026, 13, 1)}, "Announced"},
		{"year 0", Case{Announced: NewDate(0, time.January, 1)}, "Announced"},
		{"manual deadline on 31 April", Case{Announced: day("2026-04-01"), ManualAppealDeadline: NewDate(2026, time.April, 31)}, "ManualAppealDeadline"},
		{"given without a request", Case{Announced: day("2026-06-10"), ExplanationGiven: day("2026-06-20")}, "ExplanationGiven"},
		{"requested before the announcement", Case{Announced: day("2026-06-10"), ExplanationRequested: day("2026-06-09")}, "ExplanationRequested"},
		{"given before it was requested", Case{Announced: day("2026-06-10"), ExplanationRequested: day("2026-06-12"),
			ExplanationGiven: day("2026-06-11")}, "ExplanationGiven"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Compute(tc.c)
			if !errors.Is(err, ErrInvalidCase) {
				t.Fatalf("error %v, want ErrInvalidCase", err)
			}
			var ce *CaseError
			if !errors.As(err, &ce) || ce.Field != tc.field {
				t.Fatalf("error %v, want a CaseError on %s", err, tc.field)
			}
		})
	}
}

func TestDayBoundsFollowOsloClocks(t *testing.T) {
	utc := func(s string) time.Time {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			panic(err)
		}
		return t
	}
	cases := []struct {
		day        string
		start, end string
		hours      float64
	}{
		{"2026-01-15", "2026-01-14T23:00:00Z", "2026-01-15T23:00:00Z", 24},
		{"2026-03-28", "2026-03-27T23:00:00Z", "2026-03-28T23:00:00Z", 24},
		{"2026-03-29", "2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z", 23}, // clocks go forward at 02:00
		{"2026-07-01", "2026-06-30T22:00:00Z", "2026-07-01T22:00:00Z", 24},
		{"2026-10-25", "2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z", 25}, // back at 03:00
		{"2028-02-29", "2028-02-28T23:00:00Z", "2028-02-29T23:00:00Z", 24},
	}
	for _, tc := range cases {
		d := day(tc.day)
		if got := d.Start().UTC(); !got.Equal(utc(tc.start)) {
			t.Errorf("%s: Start %v, want %s", tc.day, got, tc.start)
		}
		if got := d.End().UTC(); !got.Equal(utc(tc.end)) {
			t.Errorf("%s: End %v, want %s", tc.day, got, tc.end)
		}
		if h := d.End().Sub(d.Start()).Hours(); h != tc.hours {
			t.Errorf("%s: %v hours, want %v", tc.day, h, tc.hours)
		}
		if DateOf(d.Start()) != d || DateOf(d.End().Add(-time.Nanosecond)) != d || DateOf(d.End()) == d {
			t.Errorf("%s: DateOf disagrees with Start and End", tc.day)
		}
	}
}

func TestPeriodsEndAtMidnightInOslo(t *testing.T) {
	// the appeal deadline of a result announced on 20 March 2026 is 10 April, in summer time:
	// the period ends at 22:00 UTC, not at midnight UTC (which 21 × 24 hours from a UTC
	// midnight would give) and not an hour earlier (winter time)
	d, err := Compute(Case{Announced: day("2026-03-20")})
	if err != nil {
		t.Fatal(err)
	}
	end := time.Date(2026, time.April, 10, 22, 0, 0, 0, time.UTC)
	if !d.AppealEnd().Equal(end) {
		t.Fatalf("AppealEnd %v, want %v", d.AppealEnd(), end)
	}
	newYork, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name              string
		at                time.Time
		appeal, expl, off bool
	}{
		{"before the announcement", time.Date(2026, time.March, 19, 22, 59, 59, 0, time.UTC), false, false, false},
		{"announcement midnight", time.Date(2026, time.March, 19, 23, 0, 0, 0, time.UTC), true, true, false},
		{"last explanation instant", time.Date(2026, time.March, 27, 22, 59, 59, 999999999, time.UTC), true, true, false},
		{"explanation period over (winter time)", time.Date(2026, time.March, 27, 23, 0, 0, 0, time.UTC), true, false, false},
		{"last appeal nanosecond", end.Add(-time.Nanosecond), true, false, false},
		{"appeal period over", end, false, false, true},
		{"same instant in New York", end.In(newYork), false, false, true},
		{"an hour before in New York", end.Add(-time.Hour).In(newYork), true, false, false},
	}
	for _, tc := range cases {
		if got := d.AppealOpen(tc.at); got != tc.appeal {
			t.Errorf("%s: AppealOpen %v, want %v", tc.name, got, tc.appeal)
		}
		if got := d.ExplanationOpen(tc.at); got != tc.expl {
			t.Errorf("%s: ExplanationOpen %v, want %v", tc.name, got, tc.expl)
		}
		if got := d.Passed(tc.at); got != tc.off {
			t.Errorf("%s: Passed %v, want %v", tc.name, got, tc.off)
		}
	}
}

func TestPendingAppealStaysOpen(t *testing.T) {
	d, err := Compute(Case{Announced: day("2026-06-10"), ExplanationRequested: day("2026-06-11")})
	if err != nil {
		t.Fatal(err)
	}
	late := day("2027-01-01").Start()
	if !d.AppealOpen(late) || d.Passed(late) || !d.AppealEnd().IsZero() || !d.AppealOnTime(day("2027-01-01")) {
		t.Fatal("a pending appeal deadline must keep appeals open")
	}
	if d.AppealOpen(day("2026-06-09").Start()) {
		t.Fatal("open before the announcement")
	}
}

func TestOnTimeCountsWholeDays(t *testing.T) {
	d, err := Compute(Case{Announced: day("2026-06-10")})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		day          string
		appeal, expl bool
	}{
		{"2026-06-09", false, false},
		{"2026-06-10", true, true},
		{"2026-06-17", true, true},
		{"2026-06-18", true, false},
		{"2026-07-01", true, false},
		{"2026-07-02", false, false},
	}
	for _, tc := range cases {
		if got := d.AppealOnTime(day(tc.day)); got != tc.appeal {
			t.Errorf("%s: AppealOnTime %v, want %v", tc.day, got, tc.appeal)
		}
		if got := d.ExplanationOnTime(day(tc.day)); got != tc.expl {
			t.Errorf("%s: ExplanationOnTime %v, want %v", tc.day, got, tc.expl)
		}
	}
}

func TestRuleNames(t *testing.T) {
	for r, want := range map[Rule]string{RuleStandard: "standard", RuleManual: "manual", RuleExplanation: "explanation",
		RulePending: "pending", 0: ""} {
		if r.String() != want {
			t.Errorf("%d: %q, want %q", r, r.String(), want)
		}
	}
}
