package examsync

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/edusync/edusync/fs"
	"github.com/edusync/edusync/fs/fspoll"
	"github.com/edusync/edusync/fs/fsrules"
	"github.com/edusync/edusync/inspera"
	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/wiseflow"
)

// handleFS acts on one change FS reported: an appeal or an explanation request.
func (t *tenantRun) handleFS(ctx context.Context, d store.Delivery) (err error) {
	j := t.job(d, t.fsPoll.Scope(), "fs-dispatch")
	defer func() { err = j.finish(ctx, err) }()
	c, err := fspoll.Decode(d.Payload)
	if err != nil {
		rec := j.base
		rec.Step = "decode"
		return j.done(ctx, rec, err)
	}
	switch {
	case c.Kind == fspoll.KindAppeal && t.t.Appeals:
		j.base.Submodule = t.submodule(FlowAppeals)
		return t.appeal(ctx, j, &c)
	case c.Kind == fspoll.KindExplanationRequest && t.t.Explanations:
		j.base.Submodule = t.submodule(FlowExplanations)
		return t.explanationRequest(ctx, j, &c)
	}
	return nil // the flow is off for this tenant
}

// appeal sends an appeal to the exam system: AKTIV opens a reassessment, TRUKKET withdraws
// it; other states (AVGJORT: decided) need nothing.
func (t *tenantRun) appeal(ctx context.Context, j *job, c *fspoll.Change) error {
	a := c.Appeal
	j.fetched = []time.Time{c.Read}
	j.personal = []string{string(a.Personlopenr), a.Brukernavn, a.Fornavn, a.Etternavn}
	rec := j.base
	rec.VurdID, rec.Kandidatnr, rec.Klagestatus = a.VurdID, string(a.Kandidatnr), string(a.Klagestatus)
	exam, err := fs.ParseVurdID(a.VurdID)
	if err != nil {
		rec.Step = "read-appeal"
		return j.done(ctx, rec, fmt.Errorf("%w: %w", errCase, err))
	}
	if !t.t.AppealFilter.keeps(exam.CourseCode, a.Klagestatus) {
		rec.Step, rec.Note = "filtered", "left out by the tenant's appeal filter"
		return j.done(ctx, rec, nil)
	}
	switch a.Klagestatus {
	case fs.AppealActive:
		rec.Step = "open-reassessment"
	case fs.AppealWithdrawn:
		rec.Step = "withdraw-appeal"
	default:
		rec.Step, rec.Note = "no-action", "nothing to do in the exam system for this state"
		return j.done(ctx, rec, nil)
	}
	withdraw := a.Klagestatus == fs.AppealWithdrawn
	if t.t.ExamSystem == fs.Inspera {
		rec.TestID = a.VurdID
		test, id := inspera.ExternalTest(a.VurdID), string(a.Kandidatnr)
		var res *inspera.WriteResult
		if withdraw {
			res, err = t.su.Inspera.WithdrawAppeals(ctx, test, id)
		} else {
			res, err = t.su.Inspera.RegisterAppeals(ctx, test, id)
		}
		switch {
		case err == nil && res != nil && len(res.Changed) == 0:
			rec.Note = "already as asked"
		case !withdraw && errors.Is(err, inspera.ErrAppealDecided):
			// The appeal committee decided before FS's AKTIV reached Inspera: nothing to open.
			rec.Note, err = "decided in Inspera already", nil
		}
		return j.done(ctx, rec, err)
	}
	flow, err := t.flowOf(ctx, exam)
	rec.FlowID = flow
	if err != nil {
		return j.done(ctx, rec, err)
	}
	if withdraw {
		// WISEflow has no call to take one appellant out: its reassessment flow takes its
		// participants from FS at each synchronisation, where the appeal now stands withdrawn.
		rec.Note = "WISEflow drops the appellant at its next synchronisation with FS"
		return j.done(ctx, rec, nil)
	}
	r, created, err := t.su.WISEflow.CreateReassessment(ctx, flow, true)
	rec.ReassessmentFlowID = r.ReassessmentFlowID
	if err == nil && !created {
		rec.Note = "the flow's reassessment flow exists; WISEflow adds the appellant from FS"
	}
	if err == nil {
		err = t.wfPoll.Hint(ctx, flow, r.ReassessmentFlowID)
	}
	return j.done(ctx, rec, err)
}

// ExplanationDays is how long an examiner has to give an explanation in WISEflow, counted from
// the day FS received the request: the two weeks the university act sets as the norm (FS
// sends no due day of its own with the request).
const ExplanationDays = 14

// explanationRequest asks the exam system for an explanation of a grade.
func (t *tenantRun) explanationRequest(ctx context.Context, j *job, c *fspoll.Change) error {
	r := c.ExplanationRequest
	j.fetched = []time.Time{c.Read}
	j.personal = []string{string(r.Personlopenr), r.Brukernavn}
	rec := j.base
	rec.VurdID, rec.Kandidatnr = r.VurdID, string(r.Kandidatnr)
	exam, err := fs.ParseVurdID(r.VurdID)
	if err != nil {
		rec.Step = "read-request"
		return j.done(ctx, rec, fmt.Errorf("%w: %w", errCase, err))
	}
	if r.Given() {
		rec.Step, rec.Note = "no-action", "FS holds the explanation already"
		return j.done(ctx, rec, nil)
	}
	if t.t.ExamSystem == fs.Inspera {
		return t.requestInspera(ctx, j, rec, r)
	}
	rec.Step = "request-explanation"
	flow, err := t.flowOf(ctx, exam)
	rec.FlowID = flow
	if err != nil {
		return j.done(ctx, rec, err)
	}
	pid, err := t.participantOf(ctx, flow, string(r.Kandidatnr))
	rec.ParticipantID = pid
	if err != nil {
		return j.done(ctx, rec, err)
	}
	asked := r.DatoKlageMottat
	if asked.IsZero() {
		asked = fsrules.DateOf(t.s.cfg.Now())
	}
	due := wiseflow.UnixTimeOf(asked.AddDays(ExplanationDays).End().Add(-time.Second))
	ref, created, err := t.su.WISEflow.CreateExplanationRequest(ctx, flow, wiseflow.NewExplanationRequest{ParticipantID: pid, DueDate: due})
	rec.ExplanationRequestID = ref.ExplanationRequestID
	if err == nil && !created {
		rec.Note = "the participant has a request already"
	}
	if err == nil {
		// The poller reads the flow on its next round and watches the request from then on,
		// even without a webhook call.
		err = t.wfPoll.Hint(ctx, flow)
	}
	return j.done(ctx, rec, err)
}

// requestInspera turns on administered explanations on the test (once) and requests the
// candidate's. An explanation Inspera has published already is final: it goes to FS instead.
func (t *tenantRun) requestInspera(ctx context.Context, j *job, rec AuditRecord, r *fs.ExplanationRequest) error {
	rec.TestID = r.VurdID
	test := inspera.ExternalTest(r.VurdID)
	flag := "inspera/options/" + r.VurdID
	on, err := t.flag(ctx, flag)
	if err != nil {
		return err
	}
	if !on {
		step := rec
		step.Step = "enable-explanations"
		err := t.su.Inspera.EnableExplanationAdministration(ctx, test)
		if err == nil {
			err = t.setFlag(ctx, flag)
		}
		if err := j.done(ctx, step, err); err != nil {
			return err
		}
	}
	rec.Step = "request-explanation"
	_, err = t.su.Inspera.RequestExplanations(ctx, test, string(r.Kandidatnr))
	if errors.Is(err, inspera.ErrExplanationPublished) {
		rec.Note = "published already; sent to FS"
		if err := j.done(ctx, rec, nil); err != nil {
			return err
		}
		return t.publishInspera(ctx, j, test, r.VurdID, 0, string(r.Kandidatnr))
	}
	return j.done(ctx, rec, err)
}

// flag reads a yes/no fact the tenant remembers.
func (t *tenantRun) flag(ctx context.Context, key string) (bool, error) {
	var on bool
	err := t.s.cfg.Store.View(ctx, t.state, func(tx store.Tx) error {
		_, err := tx.Value(key)
		on = err == nil
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	})
	return on, err
}

func (t *tenantRun) setFlag(ctx context.Context, key string) error {
	return t.s.cfg.Store.Update(ctx, t.state, func(tx store.Tx) error { return tx.SetValue(key, []byte("1")) })
}

// remembered reads a value the tenant keeps (ok false when there is none).
func remembered[T any](ctx context.Context, t *tenantRun, key string) (v T, ok bool, err error) {
	err = t.s.cfg.Store.View(ctx, t.state, func(tx store.Tx) error {
		var gerr error
		v, gerr = store.Get[T](tx, key)
		ok = gerr == nil
		if errors.Is(gerr, store.ErrNotFound) {
			return nil
		}
		return gerr
	})
	return v, ok, err
}

func remember[T any](ctx context.Context, t *tenantRun, key string, v T) error {
	return t.s.cfg.Store.Update(ctx, t.state, func(tx store.Tx) error { return store.Put(tx, key, v) })
}
