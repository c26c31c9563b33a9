package examsynctest

import (
	"github.com/edusync/edusync/fs"
	"github.com/edusync/edusync/fs/fstest"
	"github.com/edusync/edusync/inspera"
	"github.com/edusync/edusync/inspera/insperatest"
	"github.com/edusync/edusync/synth"
	"github.com/edusync/edusync/wiseflow"
	"github.com/edusync/edusync/wiseflow/wiseflowtest"
)

// Term is a synth population's grading season in the three fakes.
type Term struct {
	Pop      *synth.Population
	FS       *fstest.Server
	Inspera  *insperatest.Server
	WISEflow *wiseflowtest.Server
}

// ExplanationText is what the examiners write.
const ExplanationText = "Oppgave 2 manglet drøfting."

// Grade is the grade appeal committees give.
const Grade = "C"

// Announce grades in the exam systems the results the population has announced and they do
// not hold yet (the next day's ResultAnnouncement), and returns how many.
func (t *Term) Announce() int {
	n := 0
	units := t.units()
	for i := range t.Pop.Candidates {
		c := &t.Pop.Candidates[i]
		u := units[c.ExamUnit]
		if u == nil || c.Grade == synth.NoGrade {
			continue
		}
		switch u.System {
		case synth.Inspera:
			if test, ok := t.Inspera.Test(inspera.ID(u.SystemID)); ok {
				if cand, ok := test.Candidate(c.CandidateNo); ok && cand.FinalGrade == "" &&
					t.Inspera.GradeCandidate(inspera.ID(u.SystemID), c.CandidateNo, c.Grade.String()) == nil {
					n++
				}
			}
		case synth.WISEflow:
			if t.WISEflow.Grade(u.SystemID, c.SystemID) == "" && t.WISEflow.GradeParticipant(u.SystemID, c.SystemID, c.Grade.String()) == nil {
				n++
			}
		}
	}
	return n
}

// Answer is the examiners working through what is pending: every requested explanation is
// given and published (in WISEflow accepted), every open appeal graded, and WISEflow's
// synchronisation brings FS's active appellants into the remarking flows, where they are
// graded. It returns how much it did.
func (t *Term) Answer() int {
	n := 0
	for _, id := range t.Inspera.TestIDs() {
		test, _ := t.Inspera.Test(id)
		for _, c := range test.Candidates {
			switch t.Inspera.ExplanationStatus(id, c.CandidateID) {
			case "REQUESTED":
				_ = t.Inspera.GiveExplanation(id, c.CandidateID, ExplanationText, synth.File{})
				fallthrough
			case "READY": // given, not yet published
				if t.Inspera.PublishExplanation(id, c.CandidateID) == nil {
					n++
				}
			}
			if r := t.Inspera.Rounds(id, c.CandidateID); len(r) > 0 {
				last := r[len(r)-1]
				if last.Cause == "APPEAL" && !last.Withdrawn && last.Grade == "" && t.Inspera.ConcludeAppeal(id, c.CandidateID, Grade) == nil {
					n++
				}
			}
		}
	}
	for _, flow := range t.WISEflow.FlowIDs() {
		for _, e := range t.WISEflow.ExplanationRequests(flow) {
			if e.State != wiseflow.ExplanationStateAccepted {
				_ = t.WISEflow.GiveExplanation(flow, e.ExplanationID)
				if t.WISEflow.AcceptExplanation(flow, e.ExplanationID) == nil {
					n++
				}
			}
		}
	}
	return n + t.syncRemarking()
}

// syncRemarking does what WISEflow's synchronisation with FS does for a remarking flow.
func (t *Term) syncRemarking() int {
	n := 0
	byVurd := map[string]*synth.ExamUnit{}
	for _, u := range t.units() {
		if u.System == synth.WISEflow {
			byVurd[u.VurdID] = u
		}
	}
	cands := map[string]*synth.Candidate{}
	for i := range t.Pop.Candidates {
		c := &t.Pop.Candidates[i]
		cands[c.ExamUnit.String()+"/"+c.CandidateNo] = c
	}
	for _, a := range t.FS.Appeals() {
		u := byVurd[a.VurdID]
		if a.Klagestatus != fs.AppealActive || u == nil {
			continue
		}
		rf, ok := t.WISEflow.RemarkingFlow(u.SystemID)
		c := cands[u.ID.String()+"/"+string(a.Kandidatnr)]
		if !ok || c == nil {
			continue
		}
		if pid, err := t.WISEflow.AddParticipant(rf, wiseflow.User{ID: c.UserID}, c.CandidateNo); err == nil &&
			t.WISEflow.Grade(rf, pid) == "" && t.WISEflow.GradeParticipant(rf, pid, Grade) == nil {
			n++
		}
	}
	return n
}

func (t *Term) units() map[synth.ID]*synth.ExamUnit {
	m := map[synth.ID]*synth.ExamUnit{}
	for i := range t.Pop.ExamUnits {
		m[t.Pop.ExamUnits[i].ID] = &t.Pop.ExamUnits[i]
	}
	return m
}
