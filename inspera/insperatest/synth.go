package insperatest

import (
	"time"

	"github.com/edusync/edusync/inspera"
	"github.com/edusync/edusync/synth"
)

// LoadOptions limits what LoadPopulation loads.
type LoadOptions struct {
	// MaxTests stops after that many tests (0: all of the population's Inspera exams).
	MaxTests int
}

// LoadResult counts what LoadPopulation loaded.
type LoadResult struct {
	Tests, Candidates, Theses, Explanations, Appeals int
}

// LoadPopulation loads the Inspera exams of a synth population (Norway, with
// Options.ExamCandidates or Options.Theses; the "university-no" preset): each Inspera exam unit
// is a test whose external id is FS's vurdId, with its ordinary and appeal (REASSESSMENT)
// committees and their examiners as graders, its candidates with their kandidatnr,
// personlopenr and username as external ids, final grades and announcement days, the theses'
// files (made on demand, never held), explanation requests as far as they have come (requested,
// given and ready, published) and appeals (an open, withdrawn or graded evaluation round). Tests
// with explanations get explanation administration enabled.
func (s *Server) LoadPopulation(pop *synth.Population, o LoadOptions) LoadResult {
	ix := synth.NewIndex(pop)
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	var res LoadResult
	staff := map[synth.ID]inspera.ID{}
	staffUser := func(p synth.ID) inspera.ID {
		if id, ok := staff[p]; ok {
			return id
		}
		id := st.newID()
		staff[p] = id
		u := &user{User: inspera.User{UserID: id}}
		if per, ok := ix.Person(p); ok {
			u.Username, u.FirstName, u.LastName, u.Email = eppnUser(per), per.GivenName, per.FamilyName, per.Email
			st.staffName[id] = per.GivenName + " " + per.FamilyName
		}
		st.users[id] = u
		return id
	}
	for ui := range pop.ExamUnits {
		unit := &pop.ExamUnits[ui]
		if unit.System != synth.Inspera {
			continue
		}
		if o.MaxTests > 0 && res.Tests >= o.MaxTests {
			break
		}
		start := unit.Date.Time().Add(9 * time.Hour)
		end := start.Add(4 * time.Hour)
		if unit.Purpose == synth.PurposeMaster || unit.Purpose == synth.PurposeBachelor {
			end = unit.Date.Time().Add(23*time.Hour + 59*time.Minute)
		}
		t := &test{id: inspera.ID(unit.SystemID), title: unit.Name, external: unit.VurdID, status: "ACTIVE",
			start: start, end: end, deadline: unit.GradingDeadline.Time(), scale: scaleName(unit.Scale),
			purpose: unit.Purpose.String(), byNo: map[string]*candidate{}}
		if dept, ok := ix.Organisation(unit.Department); ok {
			t.units = []inspera.OrganizationalUnit{{ID: dept.ID.String(), Name: dept.Name}}
		}
		committees := map[synth.ID]inspera.ID{}
		for ci := range pop.Committees {
			c := &pop.Committees[ci]
			if c.ExamUnit != unit.ID {
				continue
			}
			cm := &committee{id: inspera.ID(c.Number), name: c.Name, typ: inspera.Grading}
			if c.Kind == synth.CommitteeAppeal {
				cm.typ = inspera.Reassessment
			}
			for _, e := range c.Examiners {
				cm.examiners = append(cm.examiners, staffUser(e))
			}
			committees[c.ID] = cm.id
			t.committees = append(t.committees, cm)
		}
		graded := true
		for sc := range ix.UnitCandidates(unit.ID) {
			c := s.loadCandidate(ix, t, sc, committees)
			if g, _ := c.finalGrade(); g == "" {
				graded = false
			}
			res.Candidates++
			if len(c.files) > 0 {
				res.Theses++
			}
			if c.expl != nil {
				res.Explanations++
			}
			if len(c.rounds) > 1 {
				res.Appeals++
			}
		}
		if graded && len(t.candidates) > 0 {
			t.status = "GRADED"
		}
		st.addTest(t)
		res.Tests++
	}
	return res
}

// loadCandidate adds one synth candidate to t. The caller holds s.mu.
func (s *Server) loadCandidate(ix *synth.Index, t *test, sc *synth.Candidate, committees map[synth.ID]inspera.ID) *candidate {
	st := s.st
	unit, _ := ix.ExamUnit(sc.ExamUnit)
	c := &candidate{user: inspera.ID(sc.UserID), no: sc.CandidateNo, committee: committees[sc.Committee],
		attendance: "SUBMITTED", deadline: t.end,
		extIDs: []inspera.ExternalUserID{{AuthType: "FS_PERSONLOPENR", ExternalUserID: sc.PersonNo},
			{AuthType: "FEIDE", ExternalUserID: sc.Username}}}
	if _, ok := st.users[c.user]; !ok {
		u := &user{User: inspera.User{UserID: c.user, Username: sc.Username, ExternalIds: c.extIDs}}
		if p, ok := ix.Person(sc.Person); ok {
			u.FirstName, u.LastName, u.Email = p.GivenName, p.FamilyName, p.Email
		}
		st.users[c.user] = u
	}
	ordinary := round{cause: causeOrdinary, committee: c.committee}
	if sc.Grade != synth.NoGrade {
		ordinary.grade, ordinary.graded = sc.Grade.String(), sc.Announced.Time().Add(12*time.Hour)
		if cm := t.committee(c.committee); cm != nil && len(cm.examiners) > 0 {
			ordinary.grader = cm.examiners[0]
		}
	}
	c.rounds = []round{ordinary}
	if th, ok := ix.ThesisOf(sc.ID); ok {
		c.files, c.submitted = th.Files, th.Submitted.Time().Add(12*time.Hour)
		if th.Cover.Confidential == synth.Yes {
			c.restricted = unit.Date.Time().AddDate(5, 0, 0)
		}
	} else {
		c.submitted = t.end.Add(-30 * time.Minute)
	}
	if e, ok := ix.ExplanationOf(sc.ID); ok {
		x := &explanation{status: explRequested, requested: e.Requested.Time().Add(10 * time.Hour)}
		if e.State >= synth.ExplanationGiven {
			x.status, x.given, x.doc = explReady, e.Given.Time().Add(14*time.Hour), e.Document
			x.text = "Begrunnelse for karakteren " + ordinary.grade + "."
		}
		if e.State == synth.ExplanationPublished {
			x.status, x.published = explPublished, e.Published.Time().Add(15*time.Hour)
		}
		c.expl = x
		t.options.ExplanationOptions = mergeOptions(t.options.ExplanationOptions,
			[]inspera.TestOption{{Option: inspera.OptionExplanationAdministration, Value: true}})
	}
	if a, ok := ix.AppealOf(sc.ID); ok {
		r := round{cause: causeAppeal, committee: committees[a.NewCommittee]}
		switch a.Status {
		case synth.AppealWithdrawn:
			r.withdrawn = true
		case synth.AppealDecided:
			r.grade, r.graded = a.NewGrade.String(), a.DecisionSent.Time().Add(12*time.Hour)
			if cm := t.committee(r.committee); cm != nil && len(cm.examiners) > 0 {
				r.grader = cm.examiners[0]
			}
		}
		if r.committee == 0 {
			r.committee = c.committee
		}
		c.rounds = append(c.rounds, r)
		if !r.withdrawn {
			c.committee = r.committee
		}
	}
	t.addCandidate(c)
	return c
}

func scaleName(s synth.GradeScale) string {
	if s == synth.ScalePassFail {
		return "PASS_FAIL"
	}
	return "A-F"
}

// eppnUser returns the user part of a staff member's EPPN, the user name Inspera shows.
func eppnUser(p *synth.Person) string {
	for i := 0; i < len(p.EPPN); i++ {
		if p.EPPN[i] == '@' {
			return p.EPPN[:i]
		}
	}
	return p.EPPN
}
