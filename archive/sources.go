package archive

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/edusync/edusync/inspera"
	"github.com/edusync/edusync/inspera/insperahook"
	"github.com/edusync/edusync/wiseflow"
	"github.com/edusync/edusync/wiseflow/wiseflowpoll"
)

// InsperaSource reads theses from Inspera: a test whose purpose is MASTER, a candidate who
// handed in files. Inspera's API holds no cover sheet, so Covers, when set, reads it where the
// institution keeps it; without it a thesis has no cover sheet and is restricted.
type InsperaSource struct {
	Client *inspera.Client
	Covers func(ctx context.Context, k Key) (CoverSheet, error)
}

// Theses returns the theses an Inspera webhook event is about (submission_delivered,
// confirm_final_grades, appeal_graded on a master's-thesis test; nothing for other events or
// tests), to be Collected.
func (s *InsperaSource) Theses(ctx context.Context, ev insperahook.Event) ([]Thesis, error) {
	switch ev.Name {
	case inspera.EventSubmissionDelivered, inspera.EventConfirmFinalGrades, inspera.EventAppealGraded:
	default:
		return nil, nil
	}
	id := ev.TestID()
	if id == 0 {
		return nil, nil
	}
	test, err := s.Client.GetTest(ctx, inspera.TestID(id))
	if err != nil && test == nil {
		return nil, err
	}
	if !strings.EqualFold(test.AssessmentInfo.Purpose, "MASTER") {
		return nil, nil
	}
	var out []Thesis
	for i := range test.Candidates {
		c := &test.Candidates[i]
		if len(c.AssetsDownloadInfo) == 0 || (ev.UserID() != 0 && c.UserID != ev.UserID()) {
			continue
		}
		t, err := s.thesis(ctx, test, c)
		if err != nil {
			return out, err
		}
		out = append(out, *t)
	}
	return out, nil
}

func (s *InsperaSource) thesis(ctx context.Context, test *inspera.Test, c *inspera.Candidate) (*Thesis, error) {
	t := &Thesis{Key: Key{System: Inspera, Exam: test.ExternalTestInfo.ExternalTestID, Candidate: c.CandidateID},
		Source: SourceIDs{TestID: int64(test.AssessmentRunID), UserID: int64(c.UserID)}, Course: test.GeneralInfo.Title,
		Grade: string(c.FinalGrade), Graded: c.GradedDate, Submitted: c.EndTime}
	if err := t.Key.validate(); err != nil {
		return nil, err
	}
	if u, err := s.Client.GetUser(ctx, c.UserID); err == nil {
		t.Author, t.Username = strings.TrimSpace(u.FirstName+" "+u.LastName), u.Username
	} else if !errors.Is(err, inspera.ErrNotFound) {
		return nil, err
	}
	for _, a := range c.AssetsDownloadInfo {
		t.Files = append(t.Files, File{Name: a.FileName, ContentType: a.ContentType, Size: a.Size, Ref: a.URL})
	}
	if s.Covers != nil {
		cv, err := s.Covers(ctx, t.Key)
		if err != nil {
			return nil, err
		}
		t.Cover = cv
	}
	return t, nil
}

// Refresh implements Source: the test is read again for the grade and fresh download links.
func (s *InsperaSource) Refresh(ctx context.Context, old *Thesis) (*Thesis, error) {
	test, err := s.Client.GetTest(ctx, inspera.TestID(inspera.ID(old.Source.TestID)))
	if err != nil && test == nil {
		return nil, err
	}
	for i := range test.Candidates {
		c := &test.Candidates[i]
		if c.CandidateID == old.Key.Candidate {
			return s.thesis(ctx, test, c)
		}
	}
	return nil, fmt.Errorf("inspera: candidate %s is no longer on test %d: %w", old.Key.Candidate, old.Source.TestID, inspera.ErrNotFound)
}

// Open implements Source.
func (s *InsperaSource) Open(ctx context.Context, _ *Thesis, f File) (io.ReadCloser, error) {
	return s.Client.OpenFile(ctx, f.Ref)
}

// CoverElements are the ids of a WISEflow licence's cover-sheet elements: each licence
// configures its own.
type CoverElements struct {
	Title, Publish, Delay, Confidential int64
}

// WISEflowSource reads theses from WISEflow: a concluded flow of purpose MASTER and its
// handed-in submissions with their cover sheets.
type WISEflowSource struct {
	Client *wiseflow.Client
	Cover  CoverElements
}

// Theses returns the theses a WISEflow poller change is about: every handed-in submission of a
// concluded master's-thesis flow. A grade change in a remarking flow is returned as the keys
// to check again (Recheck), since the appeal's grade is read through the original flow.
func (s *WISEflowSource) Theses(ctx context.Context, ch wiseflowpoll.Change) ([]Thesis, []Key, error) {
	switch ch.Kind {
	case wiseflowpoll.KindThesisConcluded:
	case wiseflowpoll.KindGrade:
		if ch.OriginalFlowID == 0 || ch.Grade == nil {
			return nil, nil, nil
		}
		// The grade is the remarking flow's; its participant is the candidate of the thesis in
		// the original flow.
		p, err := s.Client.GetParticipant(ctx, ch.FlowID, ch.Grade.ParticipantID)
		if err != nil {
			return nil, nil, err
		}
		flow, err := s.Client.GetFlow(ctx, ch.OriginalFlowID)
		if err != nil {
			return nil, nil, err
		}
		vurdID, err := vurdIDOf(flow)
		if err != nil {
			return nil, nil, err
		}
		return nil, []Key{{System: WISEflow, Exam: vurdID, Candidate: p.UniqueExamID}}, nil
	default:
		return nil, nil, nil
	}
	if ch.Flow.Purpose != wiseflow.FlowPurposeMaster {
		return nil, nil, nil
	}
	var out []Thesis
	for _, sub := range ch.Submissions {
		if !sub.HandedIn {
			continue
		}
		t, err := s.read(ctx, ch.FlowID, 0, sub.ID)
		if err != nil {
			return out, nil, err
		}
		if t != nil {
			out = append(out, *t)
		}
	}
	return out, nil, nil
}

// read reads the thesis of a submission (or of a participant's submission).
func (s *WISEflowSource) read(ctx context.Context, flowID, participantID, submissionID int64) (*Thesis, error) {
	c := s.Client
	flow, err := c.GetFlow(ctx, flowID)
	if err != nil {
		return nil, err
	}
	vurdID, err := vurdIDOf(flow)
	if err != nil {
		return nil, err
	}
	var p wiseflow.Participant
	if participantID != 0 {
		if p, err = c.GetParticipant(ctx, flowID, participantID); err != nil {
			return nil, err
		}
		if p.SubmissionID == nil {
			return nil, nil
		}
		submissionID = *p.SubmissionID
	}
	sub, err := c.GetSubmission(ctx, flowID, submissionID)
	if err != nil {
		return nil, err
	}
	if !sub.Status.HandedIn || len(sub.Participants) == 0 {
		return nil, nil
	}
	if participantID == 0 {
		if p, err = c.GetParticipant(ctx, flowID, sub.Participants[0].ID); err != nil {
			return nil, err
		}
	}
	t := &Thesis{Key: Key{System: WISEflow, Exam: vurdID, Candidate: p.UniqueExamID},
		Source: SourceIDs{FlowID: flowID, ParticipantID: p.ParticipantID, SubmissionID: submissionID},
		Course: flow.Name, Author: strings.TrimSpace(p.User.FirstName + " " + p.User.LastName)}
	for _, x := range p.User.ExternalIds {
		if x.Name == "username" {
			t.Username = x.Value
		}
	}
	if sub.Status.HandedInDate != nil {
		t.Submitted = *sub.Status.HandedInDate
	}
	t.Cover = s.cover(sub.CoverSheet)
	if err := s.grade(ctx, t); err != nil {
		return nil, err
	}
	files, err := c.GetSubmissionFiles(ctx, flowID, submissionID)
	if err != nil && len(files) == 0 {
		return nil, err
	}
	for _, f := range files {
		if f.Quarantine.Reason != "" || !f.Quarantine.CreatedAt.IsZero() {
			return nil, fmt.Errorf("wiseflow: file %d of submission %d is quarantined", f.ID, submissionID)
		}
		t.Files = append(t.Files, File{Name: f.Filename, ContentType: f.ContentType, Size: f.Size, Ref: strconv.FormatInt(f.ID, 10)})
	}
	return t, nil
}

// vurdIDOf returns the FS exam a flow was created from (its first SIS code FS wrote).
func vurdIDOf(flow wiseflow.Flow) (string, error) {
	for _, si := range flow.SisInformation {
		if code, err := wiseflow.ParseFSCode(si.Code); err == nil {
			return code.VurdID(), nil
		}
	}
	return "", fmt.Errorf("%w: flow %d names no FS exam", ErrInvalidThesis, flow.ID)
}

// grade sets the final grade: the remarking flow's when it graded the participant (an
// appeal's outcome), else the flow's.
func (s *WISEflowSource) grade(ctx context.Context, t *Thesis) error {
	c := s.Client
	a, err := c.GetAssessment(ctx, t.Source.FlowID, t.Source.ParticipantID)
	if err != nil && !errors.Is(err, wiseflow.ErrNotFound) {
		return err
	}
	t.Grade, t.Graded = a.Grade, a.Date.Time()
	remark, ok, err := c.GetRemarkingFlow(ctx, t.Source.FlowID)
	if err != nil && !errors.Is(err, wiseflow.ErrNotFound) {
		return err
	}
	if !ok {
		return nil
	}
	for p, err := range c.ListParticipants(ctx, remark) {
		if err != nil {
			return err
		}
		if p.UniqueExamID != t.Key.Candidate {
			continue
		}
		ra, err := c.GetAssessment(ctx, remark, p.ParticipantID)
		if err != nil && !errors.Is(err, wiseflow.ErrNotFound) {
			return err
		}
		if ra.Grade != "" {
			t.Grade = ra.Grade
		}
		break
	}
	return nil
}

func (s *WISEflowSource) cover(els []wiseflow.CoverSheetElement) CoverSheet {
	var cv CoverSheet
	for _, e := range els {
		switch e.ElementID {
		case s.Cover.Title:
			cv.Title, cv.Present = strings.TrimSpace(e.Value), true
		case s.Cover.Publish:
			cv.Publish, cv.Present = ParseAnswer(e.Value), true
		case s.Cover.Delay:
			cv.Delay, cv.Present = Delay(strings.ToLower(strings.TrimSpace(truncate(e.Value, 16)))), true
		case s.Cover.Confidential:
			cv.Confidential, cv.Present = ParseAnswer(e.Value), true
		}
	}
	return cv
}

// Refresh implements Source.
func (s *WISEflowSource) Refresh(ctx context.Context, old *Thesis) (*Thesis, error) {
	t, err := s.read(ctx, old.Source.FlowID, 0, old.Source.SubmissionID)
	if err != nil {
		return nil, err
	}
	if t == nil {
		return nil, fmt.Errorf("wiseflow: submission %d is no longer handed in", old.Source.SubmissionID)
	}
	return t, nil
}

// Open implements Source.
func (s *WISEflowSource) Open(ctx context.Context, t *Thesis, f File) (io.ReadCloser, error) {
	id, err := strconv.ParseInt(f.Ref, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("%w: file reference", ErrInvalidThesis)
	}
	return s.Client.OpenFile(ctx, t.Source.FlowID, t.Source.SubmissionID, id)
}
