package examsync

import (
	"context"
	"fmt"
	"strconv"

	"github.com/edusync/edusync/fs"
	"github.com/edusync/edusync/fs/fsrules"
	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/wiseflow"
	"github.com/edusync/edusync/wiseflow/wiseflowpoll"
)

// handleWISEflow acts on a change the WISEflow poller found: an accepted explanation is shown
// to the candidate and sent to FS; a grade in a remarking flow is an appeal's decision.
func (t *tenantRun) handleWISEflow(ctx context.Context, d store.Delivery) (err error) {
	j := t.job(d, t.wfPoll.Scope, "wiseflow-poll")
	defer func() { err = j.finish(ctx, err) }()
	ch, err := wiseflowpoll.DecodeChange(d.Payload)
	if err != nil {
		rec := j.base
		rec.Step = "decode"
		return j.done(ctx, rec, err)
	}
	switch {
	case ch.Kind == wiseflowpoll.KindExplanation && t.t.Explanations && ch.Explanation.State.Final():
		j.base.Submodule = t.submodule(FlowExplanations)
		return t.explanationAccepted(ctx, j, &ch)
	case ch.Kind == wiseflowpoll.KindGrade && t.t.Appeals && (ch.OriginalFlowID != 0 || ch.Flow.Variant == wiseflow.FlowVariantRemarking):
		j.base.Submodule = t.submodule(FlowAppeals)
		return t.reassessmentGraded(ctx, j, &ch)
	}
	return nil
}

// explanationAccepted makes an accepted explanation visible (with AutoEmail) and posts it to FS.
func (t *tenantRun) explanationAccepted(ctx context.Context, j *job, ch *wiseflowpoll.Change) error {
	e := ch.Explanation
	rec := j.base
	rec.FlowID, rec.ExplanationRequestID, rec.ParticipantID = ch.FlowID, e.ID, e.ParticipantID
	rec.Step = "read-explanation"
	vurd, err := vurdOfFlow(ch.Flow.SourceCodes)
	if err != nil {
		return j.done(ctx, rec, err)
	}
	rec.VurdID = vurd
	kandidatnr, err := t.candidateOf(ctx, ch.FlowID, e.ParticipantID)
	rec.Kandidatnr = kandidatnr
	if err != nil {
		return j.done(ctx, rec, err)
	}
	if t.t.AutoEmail && !e.ShowJustification {
		step := rec
		step.Step = "show-explanation"
		_, err := t.su.WISEflow.UpdateExplanationRequest(ctx, ch.FlowID, e.ID, true)
		if err := j.done(ctx, step, err); err != nil {
			return err
		}
	}
	fe := &fs.Explanation{VurdID: vurd, Kandidatnr: fs.Number(kandidatnr), URLBegrunnelse: t.t.explanationURL(ch.FlowID, e.ID)}
	if e.RequestDate != 0 {
		fe.DatoBegrunnelseBedtOm = fsrules.DateOf(e.RequestDate.Time())
	}
	given := t.s.cfg.Now()
	if e.AcceptDate != 0 {
		given = e.AcceptDate.Time()
	}
	fe.DatoBegrunnelseGitt = fsrules.DateOf(given)
	if fe.DatoBegrunnelseGitt.Before(fe.DatoBegrunnelseBedtOm) {
		fe.DatoBegrunnelseBedtOm = fe.DatoBegrunnelseGitt
	}
	return t.postExplanation(ctx, j, rec, fe, func(context.Context) error { return nil })
}

// reassessmentGraded records the decision of an appeal graded in a remarking flow.
func (t *tenantRun) reassessmentGraded(ctx context.Context, j *job, ch *wiseflowpoll.Change) error {
	rec := j.base
	rec.Step = "appeal-decided"
	rec.FlowID, rec.ReassessmentFlowID, rec.ParticipantID = ch.OriginalFlowID, ch.FlowID, ch.Grade.ParticipantID
	vurd, err := vurdOfFlow(ch.Flow.SourceCodes)
	if err != nil {
		return j.done(ctx, rec, err)
	}
	rec.VurdID = vurd
	rec.Kandidatnr, err = t.candidateOf(ctx, ch.FlowID, ch.Grade.ParticipantID)
	if err == nil {
		rec.Note = "the reassessment's grade is set"
	}
	return j.done(ctx, rec, err)
}

// vurdOfFlow is FS's vurdId of a flow made from FS (its SIS source code).
func vurdOfFlow(codes []string) (string, error) {
	for _, c := range codes {
		if code, err := wiseflow.ParseFSCode(c); err == nil {
			return code.VurdID(), nil
		}
	}
	return "", fmt.Errorf("%w: the flow has no FS source code", errCase)
}

// flowOf finds the WISEflow flow of an FS exam by its source code, once per exam: the flow
// search names each flow's codes and variant, so the ordinary flow is told from its remarking
// flow (which carries the same code) in one request.
func (t *tenantRun) flowOf(ctx context.Context, exam fs.ExamKey) (int64, error) {
	key := "wiseflow/flow/" + exam.VurdID()
	if id, ok, err := remembered[int64](ctx, t, key); err != nil || ok {
		return id, err
	}
	code := wiseflow.FSCode{Institution: exam.Institution, CourseCode: exam.CourseCode, Version: exam.Version,
		AssessmentCode: exam.AssessmentCode, Year: strconv.Itoa(exam.Year), Term: exam.Term}.String()
	var found int64
	for f, err := range t.su.WISEflow.SearchFlows(ctx, wiseflow.FlowQuery{ExternalSourceReference: code}) {
		if err != nil {
			return 0, err
		}
		if f.Variant == wiseflow.FlowVariantRemarking || !contains(f.ExternalSourceReferences, code) || f.FlowID == found {
			continue
		}
		if found != 0 {
			return 0, fmt.Errorf("%w: FS's exam has more than one WISEflow flow", errCase)
		}
		found = f.FlowID
	}
	if found == 0 {
		return 0, fmt.Errorf("%w: no WISEflow flow has the exam's source code", errCase)
	}
	return found, remember(ctx, t, key, found)
}

// roster is what the tenant remembers of a flow's participants: kandidatnr by participant.
type roster map[string]string

// rosterOf reads a flow's participants, kept until one is missing from it.
func (t *tenantRun) rosterOf(ctx context.Context, flowID int64, fresh bool) (roster, error) {
	key := "wiseflow/participants/" + strconv.FormatInt(flowID, 10)
	if !fresh {
		if r, ok, err := remembered[roster](ctx, t, key); err != nil || ok {
			return r, err
		}
	}
	r := roster{}
	for p, err := range t.su.WISEflow.ListParticipants(ctx, flowID) {
		if err != nil {
			return nil, err
		}
		if p.ParticipantID > 0 && p.UniqueExamID != "" {
			r[strconv.FormatInt(p.ParticipantID, 10)] = p.UniqueExamID
		}
	}
	return r, remember(ctx, t, key, r)
}

// participantOf is the participant id of a candidate (kandidatnr, WISEflow's unique exam id).
func (t *tenantRun) participantOf(ctx context.Context, flowID int64, kandidatnr string) (int64, error) {
	for fresh := range 2 {
		r, err := t.rosterOf(ctx, flowID, fresh == 1)
		if err != nil {
			return 0, err
		}
		for pid, k := range r {
			if k == kandidatnr {
				return strconv.ParseInt(pid, 10, 64)
			}
		}
	}
	return 0, fmt.Errorf("%w: the candidate is not a participant of the flow", errCase)
}

// candidateOf is the kandidatnr of a participant: from the flow's roster when it is kept,
// else read on its own (a remarking flow's appellants are read one by one as they are decided).
func (t *tenantRun) candidateOf(ctx context.Context, flowID, participantID int64) (string, error) {
	key := "wiseflow/participants/" + strconv.FormatInt(flowID, 10)
	r, _, err := remembered[roster](ctx, t, key)
	if err != nil {
		return "", err
	}
	if k, ok := r[strconv.FormatInt(participantID, 10)]; ok {
		return k, nil
	}
	p, err := t.su.WISEflow.GetParticipant(ctx, flowID, participantID)
	if err != nil {
		return "", err
	}
	if p.UniqueExamID == "" {
		return "", fmt.Errorf("%w: the participant has no candidate number", errCase)
	}
	return p.UniqueExamID, nil
}
