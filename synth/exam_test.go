package synth

import (
	"bytes"
	"fmt"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/edusync/edusync/fs/fsrules"
	"github.com/edusync/edusync/internal/golden"
)

// smallExams is a small Norwegian university on the university-no preset's day (22 June, in
// the grading season), with edit applied last.
func smallExams(t testing.TB, edit func(*Options)) *Population {
	t.Helper()
	return generate(t, PresetUniversityNO, func(o *Options) {
		o.UniversityStudents, o.UniversityStaff, o.Departments = 600, 80, 6
		o.CourseOfferings, o.Programmes, o.ProgrammeOfferings, o.Registrations = 60, 4, 8, 3000
		o.ExamCandidates, o.Theses = 800, 40
		if edit != nil {
			edit(o)
		}
	})
}

// checkExams verifies the exam records: references, identifiers, and that every date and state
// is one FS's rules and the calendar allow.
func checkExams(t *testing.T, p *Population) {
	t.Helper()
	x := NewIndex(p)
	ids := map[ID]bool{}
	unique := func(id ID, what string) {
		if ids[id] {
			t.Fatalf("%s %v: duplicate ID", what, id)
		}
		ids[id] = true
	}
	after := func(what string, d Date) {
		if d > p.Today {
			t.Fatalf("%s on %v, after Today %v", what, d, p.Today)
		}
	}
	term := regexp.MustCompile(`^\d{4} (VÅR|HØST)$`)
	systemIDs := map[string]bool{}
	sysUnique := func(kind string, sys ExamSystem, n int64) {
		k := fmt.Sprint(kind, sys, n)
		if n <= 0 || systemIDs[k] {
			t.Fatalf("%s id %d of %v: missing or used twice", kind, n, sys)
		}
		systemIDs[k] = true
	}
	appealComm := map[ID]ID{}
	for i := range p.Committees {
		c := &p.Committees[i]
		unique(c.ID, "committee")
		if _, ok := x.ExamUnit(c.ExamUnit); !ok {
			t.Fatalf("committee %s: unit missing", c.Name)
		}
		sysUnique("committee", 0, c.Number)
		if len(c.Examiners) == 0 || len(c.Examiners) > 2 {
			t.Fatalf("committee %s: %d examiners", c.Name, len(c.Examiners))
		}
		for _, e := range c.Examiners {
			if pe, ok := x.Person(e); !ok || !pe.Roles.Has(RoleStaff) {
				t.Fatalf("committee %s: examiner %v is not staff", c.Name, e)
			}
		}
		if c.Kind == CommitteeAppeal {
			if _, dup := appealComm[c.ExamUnit]; dup {
				t.Fatalf("unit %v: two appeal committees", c.ExamUnit)
			}
			appealComm[c.ExamUnit] = c.ID
		}
	}
	for i := range p.ExamUnits {
		u := &p.ExamUnits[i]
		unique(u.ID, "exam unit")
		if dep, ok := x.Organisation(u.Department); !ok || dep.Type != OrgDepartment {
			t.Fatalf("unit %s: department missing", u.VurdID)
		}
		if u.Purpose == PurposeMaster {
			if !u.CourseOffering.IsZero() || (u.System == WISEflow && u.FlowType != FlowHandin) {
				t.Fatalf("thesis unit %s: %+v", u.VurdID, u)
			}
		} else if off, ok := x.CourseOffering(u.CourseOffering); !ok || off.CourseCode != u.CourseCode {
			t.Fatalf("unit %s: offering missing or of another course", u.VurdID)
		}
		if (u.System == Inspera) != (u.FlowType == 0) {
			t.Fatalf("unit %s: system %v with flow type %v", u.VurdID, u.System, u.FlowType)
		}
		year, season, _ := strings.Cut(u.Term, " ")
		if key := strings.Join([]string{u.Institution, u.CourseCode, u.Version, u.AssessmentCode, year, season}, "_"); u.VurdID != key ||
			!term.MatchString(u.Term) {
			t.Fatalf("unit %s: key %s, term %q", u.VurdID, key, u.Term)
		}
		sysUnique("unit", u.System, u.SystemID)
		if u.GradingDeadline <= u.Date || appealComm[u.ID].IsZero() {
			t.Fatalf("unit %s: grading deadline %v, exam %v, appeal committee %v", u.VurdID, u.GradingDeadline, u.Date, appealComm[u.ID])
		}
	}
	type perPerson struct{ kand, lopenr, user string }
	persons := map[ID]perPerson{}
	kand, lopenr, users := map[string]ID{}, map[string]ID{}, map[string]ID{}
	userIDs := map[string]int64{}
	sitting := map[[2]ID]bool{}
	for i := range p.Candidates {
		c := &p.Candidates[i]
		unique(c.ID, "candidate")
		u, ok := x.ExamUnit(c.ExamUnit)
		if !ok {
			t.Fatalf("candidate %s: unit missing", c.CandidateNo)
		}
		if pe, ok := x.Person(c.Person); !ok || !pe.Roles.Has(RoleStudent) {
			t.Fatalf("candidate %s: person missing or not a student", c.CandidateNo)
		}
		if cm, ok := x.Committee(c.Committee); !ok || cm.ExamUnit != c.ExamUnit || cm.Kind != CommitteeOrdinary {
			t.Fatalf("candidate %s: committee missing or not the unit's", c.CandidateNo)
		}
		if sitting[[2]ID{c.Person, c.ExamUnit}] {
			t.Fatalf("candidate %s: twice in one unit", c.CandidateNo)
		}
		sitting[[2]ID{c.Person, c.ExamUnit}] = true
		pp := perPerson{c.CandidateNo, c.PersonNo, c.Username}
		if old, ok := persons[c.Person]; ok && old != pp {
			t.Fatalf("person %v: numbers differ between candidates: %v and %v", c.Person, old, pp)
		}
		persons[c.Person] = pp
		for m, v := range map[*map[string]ID]string{&kand: c.CandidateNo, &lopenr: c.PersonNo, &users: c.Username} {
			if other, ok := (*m)[v]; (ok && other != c.Person) || v == "" {
				t.Fatalf("value %q of person %v is empty or also another person's", v, c.Person)
			}
			(*m)[v] = c.Person
		}
		uk := fmt.Sprint(c.Person, u.System)
		if old, ok := userIDs[uk]; ok && old != c.UserID {
			t.Fatalf("candidate %s: user id %d, another candidate of the person in %v has %d", c.CandidateNo, c.UserID, u.System, old)
		}
		userIDs[uk] = c.UserID
		sysUnique("candidate", u.System, c.SystemID)
		checkCandidate(t, x, u, c)
		after("result of "+c.CandidateNo, c.Announced)
	}
	for i := range p.Theses {
		th := &p.Theses[i]
		unique(th.ID, "thesis")
		c, ok := x.Candidate(th.Candidate)
		if !ok {
			t.Fatal("thesis: candidate missing")
		}
		u, _ := x.ExamUnit(c.ExamUnit)
		if u.Purpose != PurposeMaster || th.Submitted > u.Date || len(th.Files) == 0 || th.Files[0].Name != "masteroppgave.pdf" {
			t.Fatalf("thesis of %s: %+v in unit %s", c.CandidateNo, th, u.VurdID)
		}
		for _, f := range th.Files {
			if f.Size < MinPDFSize || f.ContentType != "application/pdf" {
				t.Fatalf("thesis of %s: file %+v", c.CandidateNo, f)
			}
		}
		if got, ok := x.ThesisOf(c.ID); !ok || got != th {
			t.Fatalf("thesis of %s: candidate has another or none", c.CandidateNo)
		}
		after("hand-in", th.Submitted)
		checkCover(t, th)
	}
	for i := range p.Explanations {
		unique(p.Explanations[i].ID, "explanation")
		sysUnique("explanation", 0, p.Explanations[i].SystemID)
		if got, ok := x.ExplanationOf(p.Explanations[i].Candidate); !ok || got != &p.Explanations[i] {
			t.Fatal("a candidate has two explanations")
		}
	}
	for i := range p.Appeals {
		a := &p.Appeals[i]
		unique(a.ID, "appeal")
		c, ok := x.Candidate(a.Candidate)
		if !ok {
			t.Fatal("appeal: candidate missing")
		}
		if a.OriginalCommittee != c.Committee || a.NewCommittee != appealComm[c.ExamUnit] {
			t.Fatalf("appeal of %s: committees %v -> %v", c.CandidateNo, a.OriginalCommittee, a.NewCommittee)
		}
		if got, ok := x.AppealOf(a.Candidate); !ok || got != a {
			t.Fatal("a candidate has two appeals")
		}
		for _, d := range []Date{a.Received, a.Withdrawn, a.Reopened, a.DecisionSent} {
			after("appeal event", d)
		}
	}
}

// checkCandidate checks a candidate's result, deadlines, explanation and appeal against FS's
// rules and each other.
func checkCandidate(t *testing.T, x *Index, u *ExamUnit, c *Candidate) {
	t.Helper()
	expl, hasExpl := x.ExplanationOf(c.ID)
	appeal, hasAppeal := x.AppealOf(c.ID)
	if c.Announced.IsZero() {
		if c.Grade != NoGrade || !c.ExplanationDeadline.IsZero() || !c.AppealDeadline.IsZero() || hasExpl || hasAppeal {
			t.Fatalf("candidate %s without a result: %+v", c.CandidateNo, c)
		}
		return
	}
	if onScale := (u.Scale == ScaleAF) == (c.Grade >= GradeA && c.Grade <= GradeF); !onScale || c.Grade == NoGrade {
		t.Fatalf("candidate %s: grade %v on scale %v", c.CandidateNo, c.Grade, u.Scale)
	}
	cs := fsrules.Case{Announced: fsDate(c.Announced), ManualAppealDeadline: fsDate(u.ManualAppealDeadline)}
	if hasExpl {
		cs.ExplanationRequested, cs.ExplanationGiven = fsDate(expl.Requested), fsDate(expl.Given)
	}
	want, err := fsrules.Compute(cs)
	if err != nil {
		t.Fatalf("candidate %s: %v", c.CandidateNo, err)
	}
	if c.ExplanationDeadline != dateOf(want.Explanation) || c.AppealDeadline != dateOf(want.Appeal) {
		t.Fatalf("candidate %s: deadlines %v and %v, FS's rules give %v and %v", c.CandidateNo,
			c.ExplanationDeadline, c.AppealDeadline, want.Explanation, want.Appeal)
	}
	if hasExpl {
		if expl.Requested <= c.Announced || expl.Requested > c.ExplanationDeadline {
			t.Fatalf("candidate %s: explanation requested %v, result %v, deadline %v", c.CandidateNo, expl.Requested, c.Announced, c.ExplanationDeadline)
		}
		st := expl.State
		ok := (st >= ExplanationAssigned) == !expl.Assigned.IsZero() && (st >= ExplanationAssigned) == !expl.Assessor.IsZero() &&
			(st >= ExplanationGiven) == !expl.Given.IsZero() && (st >= ExplanationGiven) == !expl.Document.IsZero() &&
			(st == ExplanationPublished) == !expl.Published.IsZero() && st >= ExplanationRequested && st <= ExplanationPublished
		ok = ok && (expl.Assigned.IsZero() || expl.Assigned > expl.Requested) && (expl.Given.IsZero() || expl.Given > expl.Assigned) &&
			(expl.Published.IsZero() || expl.Published > expl.Given)
		if !ok {
			t.Fatalf("candidate %s: explanation %+v", c.CandidateNo, expl)
		}
		if cm, _ := x.Committee(c.Committee); !expl.Assessor.IsZero() && cm.Examiners[0] != expl.Assessor &&
			(len(cm.Examiners) < 2 || cm.Examiners[1] != expl.Assessor) {
			t.Fatalf("candidate %s: the explanation's assessor is not one of the committee", c.CandidateNo)
		}
	}
	if !hasAppeal {
		return
	}
	a := appeal
	late := a.Flags&ExamFlagLate != 0
	switch {
	case c.AppealDeadline.IsZero():
		t.Fatalf("candidate %s: an appeal while the deadline is pending", c.CandidateNo)
	case late != (a.Received > c.AppealDeadline):
		t.Fatalf("candidate %s: appeal received %v, deadline %v, late flag %v", c.CandidateNo, a.Received, c.AppealDeadline, late)
	case a.Received <= c.Announced:
		t.Fatalf("candidate %s: appeal received %v, result %v", c.CandidateNo, a.Received, c.Announced)
	case hasExpl && !late && a.Received <= expl.Given:
		t.Fatalf("candidate %s: appeal received %v before the explanation %v", c.CandidateNo, a.Received, expl.Given)
	case (a.Flags&ExamFlagAfterExplanation != 0) != (hasExpl && !late && a.Received > c.Announced.AddDays(fsrules.AppealDays)):
		t.Fatalf("candidate %s: after-explanation flag wrong: %+v", c.CandidateNo, a)
	case (a.Status == AppealDecided) != (a.NewGrade != NoGrade) || (a.Status == AppealDecided) != !a.DecisionSent.IsZero():
		t.Fatalf("candidate %s: appeal %v with new grade %v sent %v", c.CandidateNo, a.Status, a.NewGrade, a.DecisionSent)
	case !a.DecisionSent.IsZero() && a.DecisionSent <= a.Received:
		t.Fatalf("candidate %s: decided %v before received %v", c.CandidateNo, a.DecisionSent, a.Received)
	case a.Status == AppealWithdrawn && (a.Withdrawn.IsZero() || a.Withdrawn < a.Reopened):
		t.Fatalf("candidate %s: withdrawn appeal %+v", c.CandidateNo, a)
	case !a.Reopened.IsZero() && (a.Flags&ExamFlagReopened == 0 || a.Withdrawn.IsZero() || a.Withdrawn == a.Reopened ||
		a.Reopened > c.AppealDeadline || (!a.DecisionSent.IsZero() && a.DecisionSent <= a.Reopened)):
		t.Fatalf("candidate %s: reopened appeal %+v", c.CandidateNo, a)
	case !a.Withdrawn.IsZero() && a.Withdrawn <= a.Received:
		t.Fatalf("candidate %s: withdrawn %v before received %v", c.CandidateNo, a.Withdrawn, a.Received)
	}
}

// checkCover checks that a thesis's flags say what its cover sheet holds.
func checkCover(t *testing.T, th *Thesis) {
	t.Helper()
	cv := th.Cover
	confPub := cv.Confidential == Yes && cv.Publish == Yes
	contra := (cv.Publish == No && cv.Delay >= Delay1Year && cv.Delay <= Delay3Years) || (cv.Publish == Yes && cv.Delay == DelayNever)
	missing := cv.Title == "" || cv.Publish == Unanswered || cv.Confidential == Unanswered || (cv.Publish == Yes && cv.Delay == DelayUnanswered)
	for _, f := range []struct {
		flag ExamFlag
		is   bool
	}{{ExamFlagConfidentialPublish, confPub}, {ExamFlagContradictory, contra}, {ExamFlagMissingAnswer, missing}} {
		if (th.Flags&f.flag != 0) != f.is {
			t.Fatalf("thesis %v: flags %b, cover sheet %+v", th.ID, th.Flags, cv)
		}
	}
}

func TestExamsSmall(t *testing.T) {
	p := smallExams(t, nil)
	checkIntegrity(t, p)
	checkExams(t, p)
	if len(p.Candidates) != 840 || len(p.Theses) != 40 {
		t.Errorf("%d candidates and %d theses, want 840 and 40", len(p.Candidates), len(p.Theses))
	}
	x, n := NewIndex(p), 0
	for i := range p.ExamUnits {
		for c := range x.UnitCandidates(p.ExamUnits[i].ID) {
			if c.ExamUnit != p.ExamUnits[i].ID {
				t.Fatalf("UnitCandidates of %s yields a candidate of another unit", p.ExamUnits[i].VurdID)
			}
			n++
		}
	}
	if n != len(p.Candidates) {
		t.Errorf("UnitCandidates yields %d candidates in all, want %d", n, len(p.Candidates))
	}
	if p.Hash() != smallExams(t, nil).Hash() {
		t.Fatal("not deterministic")
	}
	if p.Hash() == smallExams(t, func(o *Options) { o.Seed = 2 }).Hash() {
		t.Fatal("another seed, the same exams")
	}
}

// TestUniversityNOPreset generates the preset once and checks its counts and records.
func TestUniversityNOPreset(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("preset scale: not in -short or -race runs")
	}
	p := generate(t, PresetUniversityNO, nil)
	o := p.Options
	ordinary := 0
	x := NewIndex(p)
	for i := range p.Candidates {
		if u, _ := x.ExamUnit(p.Candidates[i].ExamUnit); u.Purpose != PurposeMaster {
			ordinary++
		}
	}
	near(t, "ordinary candidates", ordinary, o.ExamCandidates, 0)
	near(t, "theses", len(p.Theses), o.Theses, 0)
	checkIntegrity(t, p)
	checkExams(t, p)
	checkCivicNumbers(t, p)
	checkHardCases(t, p)
}

// TestExamSharesFollowOptions checks the shares of explanations, appeals and failed theses
// once every period of the term is over.
func TestExamSharesFollowOptions(t *testing.T) {
	if testing.Short() {
		t.Skip("thousands of candidates")
	}
	cases := []struct {
		name                 string
		expl, appeal, failed float64
	}{
		{"defaults", 0.10, 0.07, 0.04},
		{"caller-set", 0.05, 0.20, 0.15},
		{"none", 0, 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := generate(t, PresetUniversityNO, func(o *Options) {
				o.Today = NewDate(2026, time.September, 14) // the spring term's periods are over
				o.UniversityStudents, o.UniversityStaff, o.Departments = 4000, 400, 12
				o.CourseOfferings, o.Programmes, o.ProgrammeOfferings, o.Registrations = 300, 10, 20, 20_000
				o.ExamCandidates, o.Theses = 6000, 400
				o.ExplanationShare, o.AppealShare, o.ThesisFailShare = tc.expl, tc.appeal, tc.failed
			})
			announced, failed := 0, 0
			x := NewIndex(p)
			for i := range p.Candidates {
				c := &p.Candidates[i]
				if c.Announced.IsZero() {
					t.Fatalf("candidate %s without a result in September", c.CandidateNo)
				}
				announced++
				if _, ok := x.ThesisOf(c.ID); ok && c.Grade == GradeF {
					failed++
				}
			}
			share := func(what string, n, of int, want float64) {
				got := float64(n) / float64(of)
				tol := 4*math.Sqrt(want*(1-want)/float64(of)) + 0.002 // four standard deviations
				if d := got - want; d > tol || -d > tol {
					t.Errorf("%s: %.4f, want %.2f ± %.4f", what, got, want, tol)
				}
			}
			share("explanations", len(p.Explanations), announced, tc.expl)
			share("appeals", len(p.Appeals), announced, tc.appeal)
			if tc.failed > 0 {
				share("failed theses", failed, len(p.Theses), tc.failed)
			}
			for i := range p.Appeals {
				c, _ := x.Candidate(p.Appeals[i].Candidate)
				if u, _ := x.ExamUnit(c.ExamUnit); u.Purpose != PurposeMaster && p.Appeals[i].Status == AppealActive {
					t.Fatalf("an appeal of a spring exam still active in September: %+v", p.Appeals[i])
				}
			}
		})
	}
}

// checkHardCases finds each hard case the issue names.
func checkHardCases(t *testing.T, p *Population) {
	t.Helper()
	x := NewIndex(p)
	person := func(c *Candidate) *Person { pe, _ := x.Person(c.Person); return pe }
	anyAppeal := func(f func(a *Appeal, c *Candidate) bool) bool {
		return anyOf(p.Appeals, func(a *Appeal) bool { c, _ := x.Candidate(a.Candidate); return f(a, c) })
	}
	anyThesis := func(f func(th *Thesis, c *Candidate) bool) bool {
		return anyOf(p.Theses, func(th *Thesis) bool { c, _ := x.Candidate(th.Candidate); return f(th, c) })
	}
	anyCandidate := func(f func(c *Candidate) bool) bool { return anyOf(p.Candidates, f) }
	cases := []struct {
		name  string
		found bool
	}{
		{"appeal filed after an explanation, later than 21 days after the result", anyAppeal(func(a *Appeal, c *Candidate) bool {
			e, ok := x.ExplanationOf(c.ID)
			return ok && a.Received > e.Given && a.Received > c.Announced.AddDays(21) && a.Flags&ExamFlagAfterExplanation != 0
		})},
		{"appeal withdrawn and made active again", anyAppeal(func(a *Appeal, c *Candidate) bool {
			return a.Status != AppealWithdrawn && a.Withdrawn < a.Reopened && !a.Withdrawn.IsZero() && a.Flags&ExamFlagReopened != 0
		})},
		{"withdrawn appeal", anyAppeal(func(a *Appeal, c *Candidate) bool { return a.Status == AppealWithdrawn })},
		{"late appeal", anyAppeal(func(a *Appeal, c *Candidate) bool {
			return a.Received > c.AppealDeadline && a.Flags&ExamFlagLate != 0
		})},
		{"decided appeal with another grade", anyAppeal(func(a *Appeal, c *Candidate) bool {
			return a.Status == AppealDecided && a.NewGrade != c.Grade
		})},
		{"same student in two exams with one kandidatnr", anyCandidate(func(c *Candidate) bool {
			for o := range x.CandidatesOf(c.Person) {
				if o.ExamUnit != c.ExamUnit && o.CandidateNo == c.CandidateNo {
					return true
				}
			}
			return false
		})},
		{"pending appeal deadline", anyCandidate(func(c *Candidate) bool { return !c.Announced.IsZero() && c.AppealDeadline.IsZero() })},
		{"manual appeal deadline", anyCandidate(func(c *Candidate) bool {
			u, _ := x.ExamUnit(c.ExamUnit)
			return !u.ManualAppealDeadline.IsZero() && !c.Announced.IsZero()
		})},
		{"candidate with a strictly confidential address", anyCandidate(func(c *Candidate) bool {
			return person(c).Security.Norwegian() == "strengt fortrolig"
		})},
		{"candidate with a confidential address", anyCandidate(func(c *Candidate) bool {
			return person(c).Security.Norwegian() == "fortrolig"
		})},
		{"candidate with a D-number", anyCandidate(func(c *Candidate) bool { return person(c).CivicNoKind == DNumber })},
		{"thesis by a protected author", anyThesis(func(th *Thesis, c *Candidate) bool { return person(c).Security.IsProtected() })},
		{"confidential thesis to be published", anyThesis(func(th *Thesis, c *Candidate) bool {
			return th.Cover.Confidential == Yes && th.Cover.Publish == Yes
		})},
		{"contradictory cover sheet", anyThesis(func(th *Thesis, c *Candidate) bool { return th.Flags&ExamFlagContradictory != 0 })},
		{"missing cover-sheet answer", anyThesis(func(th *Thesis, c *Candidate) bool { return th.Flags&ExamFlagMissingAnswer != 0 })},
		{"failed thesis", anyThesis(func(th *Thesis, c *Candidate) bool { return c.Grade == GradeF })},
		{"thesis with an appendix", anyThesis(func(th *Thesis, c *Candidate) bool { return len(th.Files) > 1 })},
		{"thesis file of more than 100 MB", p.Options.FileScale < 1 || anyThesis(func(th *Thesis, c *Candidate) bool {
			return th.Files[0].Size > 100<<20 || (len(th.Files) > 1 && th.Files[1].Size > 100<<20)
		})},
		{"candidate without a result yet", anyCandidate(func(c *Candidate) bool { return c.Announced.IsZero() })},
		{"explanation in each state", func() bool {
			seen := map[ExplanationState]bool{}
			for i := range p.Explanations {
				seen[p.Explanations[i].State] = true
			}
			return len(seen) == 4
		}()},
		{"both exam systems", func() bool {
			seen := map[ExamSystem]bool{}
			for i := range p.ExamUnits {
				seen[p.ExamUnits[i].System] = true
			}
			return len(seen) == 2
		}()},
	}
	for _, tc := range cases {
		if !tc.found {
			t.Errorf("no %s", tc.name)
		}
	}
}

func anyOf[T any](s []T, f func(*T) bool) bool {
	for i := range s {
		if f(&s[i]) {
			return true
		}
	}
	return false
}

func TestExamHardCases(t *testing.T) {
	checkHardCases(t, smallExams(t, func(o *Options) { o.CoordinationShare = 0.05 }))
}

// TestExamCalendarOverTime runs NextDay through the end of a spring term's hand-ins and
// grading season and checks every day's accounting and records, and that every exam event
// happens.
func TestExamCalendarOverTime(t *testing.T) {
	cur := smallExams(t, func(o *Options) {
		o.Today = NewDate(2026, time.May, 25)
		o.ExplanationShare, o.AppealShare, o.HardShare = 0.3, 0.4, 0.05
		o.FileScale = 0.001
	})
	hash := cur.Hash()
	start := cur
	kinds := map[ChangeKind]int{}
	days := 45
	if testing.Short() {
		days = 10
	}
	for day := 0; day < days; day++ {
		next, changes, err := NextDay(cur, uint64(day), 0)
		if err != nil {
			t.Fatal(err)
		}
		checkAccounting(t, cur, next, changes)
		checkExams(t, next)
		for k, n := range CountByKind(changes) {
			kinds[k] += n
		}
		cur = next
	}
	if start.Hash() != hash {
		t.Fatal("NextDay modified its input")
	}
	if testing.Short() {
		return
	}
	for _, k := range ChangeKinds()[ThesisSubmission-1:] {
		if kinds[k] == 0 {
			t.Errorf("no %v in %d days: %v", k, days, kinds)
		}
	}
	t.Log(kinds)
}

func TestExamOptionsRejected(t *testing.T) {
	cases := []struct {
		name string
		edit func(*Options)
		want string
	}{
		{"Sweden", func(o *Options) { o.Country = Sweden }, "Country NO"},
		{"negative candidates", func(o *Options) { o.ExamCandidates = -1 }, "ExamCandidates must not be negative"},
		{"negative theses", func(o *Options) { o.Theses = -1 }, "Theses must not be negative"},
		{"more theses than students", func(o *Options) { o.Theses = o.UniversityStudents + 1 }, "Theses must be at most"},
		{"appeal share", func(o *Options) { o.AppealShare = 1.5 }, "AppealShare"},
		{"explanation share", func(o *Options) { o.ExplanationShare = -0.1 }, "ExplanationShare"},
		{"fail share", func(o *Options) { o.ThesisFailShare = 2 }, "ThesisFailShare"},
		{"negative file scale", func(o *Options) { o.FileScale = -1 }, "FileScale"},
		{"no students", func(o *Options) { o.UniversityStudents, o.Registrations = 0, 0 }, "need UniversityStudents"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o, _ := PresetOptions(PresetUniversityNO)
			tc.edit(&o)
			_, err := Generate(o)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one saying %q", err, tc.want)
			}
		})
	}
}

// TestExamsGolden pins the exam records of a tiny university, readable in
// testdata/exams-tiny.golden (run with -update after an intended change and review the diff).
func TestExamsGolden(t *testing.T) {
	p := generate(t, PresetUniversityNO, func(o *Options) {
		o.Seed = 2026
		o.UniversityStudents, o.UniversityStaff, o.Departments = 150, 20, 3
		o.CourseOfferings, o.Programmes, o.ProgrammeOfferings, o.Registrations = 10, 2, 2, 600
		o.ExamCandidates, o.Theses = 30, 4
		o.ExplanationShare, o.AppealShare = 0.3, 0.3
	})
	var all bytes.Buffer
	if _, err := p.WriteTo(&all); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	for _, line := range strings.SplitAfter(all.String(), "\n") {
		kind, _, _ := strings.Cut(line, "\t")
		switch kind {
		case "today", "examUnit", "committee", "candidate", "thesis", "explanation", "appeal":
			out.WriteString(line)
		}
	}
	golden.Check(t, "testdata/exams-tiny.golden", out.Bytes())
}

// TestExamVocabulary pins the names and numbers the fakes pass on to clients: WISEflow's flow
// types and purposes, FS's klagestatus, the explanation states.
func TestExamVocabulary(t *testing.T) {
	names := []struct{ got, want string }{
		{Inspera.String(), "INSPERA"}, {WISEflow.String(), "WISEFLOW"},
		{PurposeExamination.String(), "EXAMINATION"}, {PurposeMaster.String(), "MASTER"},
		{FlowAssign.String(), "FLOWASSIGN"}, {FlowLock.String(), "FLOWLOCK"}, {FlowMulti.String(), "FLOWMULTI"},
		{FlowHandin.String(), "FLOWHANDIN"}, {FlowOral.String(), "FLOWORAL"}, {FlowType(0).String(), ""},
		{AppealActive.String(), "AKTIV"}, {AppealWithdrawn.String(), "TRUKKET"}, {AppealDecided.String(), "AVGJORT"},
		{ExplanationRequested.String(), "requested"}, {ExplanationPublished.String(), "published"},
		{GradeA.String(), "A"}, {GradeF.String(), "F"}, {GradePass.String(), "bestått"}, {GradeFail.String(), "ikke bestått"},
		{NoGrade.String(), ""}, {ScaleAF.String(), "A-F"}, {ScalePassFail.String(), "pass/fail"},
		{Yes.String(), "yes"}, {Unanswered.String(), ""}, {Delay3Years.String(), "3y"}, {DelayNever.String(), "never"},
		{CommitteeAppeal.String(), "appeal"}, {SecurityProtected.Norwegian(), "strengt fortrolig"},
		{SecurityConfidential.Norwegian(), "fortrolig"}, {SecurityNone.Norwegian(), ""},
	}
	for _, n := range names {
		if n.got != n.want {
			t.Errorf("%q, want %q", n.got, n.want)
		}
	}
	codes := []struct{ got, want int }{
		{PurposeExamination.Code(), 0}, {PurposeCourseWork.Code(), 1}, {PurposeBachelor.Code(), 2}, {PurposeMaster.Code(), 3},
		{int(FlowAssign), 2}, {int(FlowLock), 4}, {int(FlowMulti), 8}, {int(FlowHandin), 16}, {int(FlowOral), 32},
	}
	for _, c := range codes {
		if c.got != c.want {
			t.Errorf("code %d, want %d", c.got, c.want)
		}
	}
	for g, passed := range map[Grade]bool{GradeA: true, GradeE: true, GradeF: false, GradePass: true, GradeFail: false, NoGrade: false} {
		if g.Passed() != passed {
			t.Errorf("%v: Passed %v", g, g.Passed())
		}
	}
	seen := map[string]bool{}
	for _, k := range ChangeKinds() {
		if k.String() == "" || seen[k.String()] {
			t.Errorf("change kind %d: name %q empty or repeated", k, k.String())
		}
		seen[k.String()] = true
	}
	for e := EntityOrganisation; e <= EntityAppeal; e++ {
		if e.String() == "" || seen[e.String()] {
			t.Errorf("entity %d: name %q empty or repeated", e, e.String())
		}
		seen[e.String()] = true
	}
}

// TestVurdIDsUnique: FS keys an exam unit by its vurdId, so two units of one term never share
// one, also when a course has two units of the same kind or two offerings in the term.
func TestVurdIDsUnique(t *testing.T) {
	opts, err := PresetOptions(PresetUniversityNO)
	if err != nil {
		t.Fatal(err)
	}
	for _, seed := range []uint64{1, 2, 3} {
		opts.Seed = seed
		opts.UniversityStudents, opts.UniversityStaff, opts.Departments = 600, 80, 6
		opts.CourseOfferings, opts.Programmes, opts.ProgrammeOfferings, opts.Registrations = 60, 4, 8, 3_000
		opts.ExamCandidates, opts.Theses = 800, 40
		pop, err := Generate(opts)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, u := range pop.ExamUnits {
			if seen[u.VurdID] {
				t.Errorf("seed %d: vurdId %s used by two exam units", seed, u.VurdID)
			}
			seen[u.VurdID] = true
		}
	}
}
