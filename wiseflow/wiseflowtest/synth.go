package wiseflowtest

import (
	"strings"
	"time"

	"github.com/edusync/edusync/synth"
	"github.com/edusync/edusync/wiseflow"
)

// The cover-sheet elements of the fake's thesis flows. A licence configures its own cover sheet
// and element ids; these are the fake's, and the flows that read cover sheets take the ids as
// settings.
const (
	CoverTitle        int64 = 1 // the thesis title
	CoverPublish      int64 = 2 // may it be published in the open research archive: "yes", "no" or ""
	CoverDelay        int64 = 3 // delayed publication: "none", "1y", "2y", "3y", "never" or ""
	CoverConfidential int64 = 4 // does it hold confidential material: "yes", "no" or ""
)

// The external ids the fake gives participants' users.
const (
	ExternalPersonNo   = "personlopenr"  // FS's permanent number of the person
	ExternalUsername   = "username"      // the user name at the university (Feide)
	ExternalNationalID = "fodselsnummer" // the fødselsnummer or D-number
)

// LoadOptions limits what LoadPopulation loads.
type LoadOptions struct {
	// MaxFlows stops after that many flows (0: every WISEflow exam of the population).
	MaxFlows int
}

// LoadResult counts what LoadPopulation loaded.
type LoadResult struct {
	Flows, Participants, Submissions, Explanations, RemarkingFlows int
}

// CoverSheetOf returns a synth thesis's cover sheet as the fake's thesis flows hold it.
func CoverSheetOf(c synth.CoverSheet) []wiseflow.CoverSheetElement {
	return []wiseflow.CoverSheetElement{
		{ElementID: CoverTitle, Value: c.Title},
		{ElementID: CoverPublish, Value: c.Publish.String()},
		{ElementID: CoverDelay, Value: c.Delay.String()},
		{ElementID: CoverConfidential, Value: c.Confidential.String()},
	}
}

// LoadPopulation loads the WISEflow exams of a synth population (Norway, with
// Options.ExamCandidates or Options.Theses; the "university-no" preset). Each WISEflow exam
// unit is a flow with the unit's flow id, type and purpose (MASTER for theses), its name,
// course code, term and FS source code (wiseflow.FSCode of its vurdId), dates from the exam
// day and the grading deadline, and a state from the population's day (concluded once every
// candidate has a result). Its candidates are participants (the exam system's participant and
// user ids, kandidatnr as unique exam id, personlopenr, username and fødselsnummer as external
// ids), its ordinary committees' examiners assessors allocated to their candidates, results
// are grades, theses are submissions with their cover sheets (CoverTitle, ...) and files (made
// on demand, never held), explanation requests are there as far as they have come, and a unit
// with appeals has a remarking flow with the appellants, graded where decided.
func (s *Server) LoadPopulation(pop *synth.Population, o LoadOptions) LoadResult {
	ix := synth.NewIndex(pop)
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.data
	today := pop.Today
	var res LoadResult
	userOf := func(person synth.ID, userID int64, c *synth.Candidate) wiseflow.User {
		if u, ok := d.users[userID]; ok && userID > 0 {
			return u
		}
		u := wiseflow.User{ID: userID}
		if p, ok := ix.Person(person); ok {
			u.FirstName, u.LastName, u.Phone = p.GivenName, p.FamilyName, ""
			if c != nil {
				u.ExternalIds = []wiseflow.ExternalID{{Name: ExternalPersonNo, Value: c.PersonNo}, {Name: ExternalUsername, Value: c.Username}}
			} else if p.EPPN != "" {
				u.ExternalIds = []wiseflow.ExternalID{{Name: ExternalUsername, Value: strings.SplitN(p.EPPN, "@", 2)[0]}}
			}
			if p.CivicNo != "" {
				u.ExternalIds = append(u.ExternalIds, wiseflow.ExternalID{Name: ExternalNationalID, Value: p.CivicNo})
			}
		}
		return d.addUser(u)
	}
	staffUser := map[synth.ID]wiseflow.User{}
	staffOf := func(person synth.ID) wiseflow.User {
		if u, ok := staffUser[person]; ok {
			return u
		}
		u := userOf(person, 0, nil)
		staffUser[person] = u
		return u
	}
	for ui := range pop.ExamUnits {
		unit := &pop.ExamUnits[ui]
		if unit.System != synth.WISEflow {
			continue
		}
		if o.MaxFlows > 0 && res.Flows >= o.MaxFlows {
			break
		}
		start := unit.Date.Time().Add(9 * time.Hour)
		end := start.Add(4 * time.Hour)
		if unit.Purpose == synth.PurposeMaster || unit.Purpose == synth.PurposeBachelor {
			start, end = unit.Date.Time().AddDate(0, -5, 0), unit.Date.Time().Add(12*time.Hour)
		}
		code, _ := wiseflow.FSCodeFromVurdID(unit.VurdID)
		spec := FlowSpec{ID: unit.SystemID, Name: unit.Name, SubName: unit.CourseCode, Type: wiseflow.FlowType(unit.FlowType),
			Purpose: wiseflow.FlowPurpose(unit.Purpose.Code()), Variant: wiseflow.FlowVariantOrdinary,
			Created:            start.AddDate(0, -1, 0),
			ParticipationStart: start, ParticipationEnd: end, MarkingStart: end, MarkingEnd: unit.GradingDeadline.Time().Add(23 * time.Hour),
			Code: unit.CourseCode, Term: unit.Term, SourceCodes: []string{code.String()}}
		graded, all := 0, 0
		for c := range ix.UnitCandidates(unit.ID) {
			all++
			if c.Grade != synth.NoGrade {
				graded++
			}
		}
		switch {
		case unit.Date > today:
			spec.State = wiseflow.FlowStateParticipationNotStarted
		case unit.Date == today:
			spec.State = wiseflow.FlowStateParticipationStarted
		case all > 0 && graded == all:
			spec.State = wiseflow.FlowStateConcluded
		default:
			spec.State = wiseflow.FlowStateParticipationEnded
		}
		f := d.addFlow(spec)
		res.Flows++
		examiners := map[synth.ID][]int64{} // committee -> assessor ids
		for ci := range pop.Committees {
			c := &pop.Committees[ci]
			if c.ExamUnit != unit.ID || c.Kind != synth.CommitteeOrdinary {
				continue
			}
			for _, e := range c.Examiners {
				aid, _ := d.addAssessor(f.flow.ID, 0, staffOf(e))
				examiners[c.ID] = append(examiners[c.ID], aid)
			}
		}
		var appellants []*synth.Candidate
		for c := range ix.UnitCandidates(unit.ID) {
			p, err := d.addParticipant(f.flow.ID, c.SystemID, userOf(c.Person, c.UserID, c), c.CandidateNo)
			if err != nil {
				continue
			}
			res.Participants++
			p.AssessorIds = append(p.AssessorIds, examiners[c.Committee]...)
			if t, ok := ix.ThesisOf(c.ID); ok && !t.Submitted.IsZero() {
				files := make([]File, len(t.Files))
				for i, fl := range t.Files {
					files[i] = File{Name: fl.Name, ContentType: fl.ContentType, Source: fl}
				}
				if _, err := d.deliver(f.flow.ID, p.ParticipantID, 0, t.Submitted.Time().Add(11*time.Hour), CoverSheetOf(t.Cover), files); err == nil {
					res.Submissions++
				}
			}
			if c.Grade != synth.NoGrade {
				_ = d.grade(f.flow.ID, p.ParticipantID, c.Grade.String(), c.Announced.Time().Add(12*time.Hour))
			}
			if e, ok := ix.ExplanationOf(c.ID); ok && e.State != 0 {
				req, _, err := d.requestExplanation(f.flow.ID, p.ParticipantID, e.SystemID, e.Requested.Time().Add(10*time.Hour),
					wiseflow.UnixTimeOf(e.Requested.AddDays(14).Time()), false)
				if err == nil {
					res.Explanations++
					loadExplanation(f, req, e, examiners[c.Committee])
				}
			}
			if a, ok := ix.AppealOf(c.ID); ok && a.Status != synth.AppealWithdrawn {
				appellants = append(appellants, c)
			}
		}
		if len(appellants) > 0 {
			r, _, err := d.reassess(f.flow.ID)
			if err != nil {
				continue
			}
			res.RemarkingFlows++
			decided := 0
			for _, c := range appellants {
				a, _ := ix.AppealOf(c.ID)
				p, err := d.addParticipant(r.flow.ID, 0, userOf(c.Person, c.UserID, c), c.CandidateNo)
				if err != nil {
					continue
				}
				if a.Status == synth.AppealDecided {
					decided++
					_ = d.grade(r.flow.ID, p.ParticipantID, a.NewGrade.String(), a.DecisionSent.Time().Add(12*time.Hour))
				}
			}
			r.flow.ParticipantStartDate = wiseflow.UnixTimeOf(today.Time())
			r.flow.State = wiseflow.FlowStateParticipationEnded
			if decided == len(appellants) {
				r.flow.State = wiseflow.FlowStateConcluded
			}
		}
	}
	return res
}

// loadExplanation moves a loaded request as far as synth's explanation has come.
func loadExplanation(f *flowRec, req *wiseflow.ExplanationRequest, e *synth.Explanation, assessors []int64) {
	if e.State >= synth.ExplanationAssigned && len(assessors) > 0 {
		req.State = wiseflow.ExplanationStateAssigned
		req.AssignDate = wiseflow.UnixTimeOf(e.Assigned.Time().Add(10 * time.Hour))
		req.AssignedAssessor = wiseflow.ExplanationAssessor{AssessorID: assessors[0], User: f.assessors[assessors[0]]}
		req.AssignedBy = wiseflow.ExplanationAssigner{UserID: 1, FirstName: "Eksamens", LastName: "Kontoret"}
	}
	if e.State >= synth.ExplanationGiven {
		req.State = wiseflow.ExplanationStateSubmitted
	}
	if e.State >= synth.ExplanationPublished {
		req.State = wiseflow.ExplanationStateAccepted
		req.AcceptDate = wiseflow.UnixTimeOf(e.Published.Time().Add(10 * time.Hour))
		req.ShowJustification = true
	}
}
