package examsync

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/edusync/edusync/fs"
	"github.com/edusync/edusync/fs/fsrules"
	"github.com/edusync/edusync/inspera"
	"github.com/edusync/edusync/inspera/insperahook"
	"github.com/edusync/edusync/store"
)

// handleInspera acts on one of Inspera's webhook events: a graded appeal is recorded, a
// published explanation goes to FS. Other events need nothing from these flows.
func (t *tenantRun) handleInspera(ctx context.Context, d store.Delivery) (err error) {
	j := t.job(d, store.Scope{Flow: insperaHookFlow, Tenant: t.t.OrgID}, "inspera-webhook")
	defer func() { err = j.finish(ctx, err) }()
	ev, err := insperahook.Decode(d.Payload)
	if err != nil {
		rec := j.base
		rec.Step = "decode"
		return j.done(ctx, rec, fmt.Errorf("%w: %w", errCase, err))
	}
	switch {
	case ev.Name == inspera.EventAppealGraded && t.t.Appeals:
		j.base.Submodule = t.submodule(FlowAppeals)
		return t.appealGraded(ctx, j, &ev)
	case ev.Name == inspera.EventExplanationPublished && t.t.Explanations:
		j.base.Submodule = t.submodule(FlowExplanations)
		return t.publishInspera(ctx, j, inspera.TestID(ev.TestID()), "", ev.UserID(), "")
	}
	return nil
}

// appealGraded records the appeal committee's decision: the candidate's new round is graded.
func (t *tenantRun) appealGraded(ctx context.Context, j *job, ev *insperahook.Event) error {
	rec := j.base
	rec.Step, rec.TestID, rec.UserCandidateID = "appeal-decided", ev.TestID().String(), ev.UserID().String()
	test, err := t.su.Inspera.GetTest(ctx, inspera.TestID(ev.TestID()))
	if err != nil && test == nil {
		return j.done(ctx, rec, err)
	}
	rec.VurdID = test.ExternalTestInfo.ExternalTestID
	for _, c := range test.Candidates {
		if c.UserID == ev.UserID() {
			rec.Kandidatnr = c.CandidateID
			rec.Note = "the appeal committee's grade is set"
			return j.done(ctx, rec, nil)
		}
	}
	return j.done(ctx, rec, fmt.Errorf("%w: the event's candidate is not on the test", errCase))
}

// publishInspera sends a candidate's published Inspera explanation to FS, once. The test is
// named by its id (from an event) or by FS's vurdId; the candidate by user id or kandidatnr.
func (t *tenantRun) publishInspera(ctx context.Context, j *job, test inspera.TestRef, vurdID string, user inspera.ID, kandidatnr string) error {
	rec := j.base
	rec.Step, rec.VurdID, rec.Kandidatnr = "read-explanation", vurdID, kandidatnr
	if user != 0 {
		rec.UserCandidateID = user.String()
	}
	if vurdID == "" {
		rec.TestID = test.String()
	} else {
		rec.TestID = vurdID
	}
	list, err := t.su.Inspera.GetExplanations(ctx, test)
	var found *inspera.Explanation
	for i := range list {
		if e := &list[i]; (user != 0 && e.UserID == user) || (kandidatnr != "" && e.CandidateID == kandidatnr) {
			found = e
		}
	}
	if found == nil {
		if err == nil {
			err = errors.New("the explanation is not listed as published yet")
		}
		return j.done(ctx, rec, err)
	}
	rec.Kandidatnr, rec.UserCandidateID = found.CandidateID, found.UserID.String()
	if vurdID == "" {
		if vurdID, err = t.vurdOfTest(ctx, test); err != nil {
			return j.done(ctx, rec, err)
		}
		rec.VurdID = vurdID
	}
	e := &fs.Explanation{VurdID: vurdID, Kandidatnr: fs.Number(found.CandidateID)}
	if !found.RequestedDate.IsZero() {
		e.DatoBegrunnelseBedtOm = fsrules.DateOf(found.RequestedDate)
	}
	given := found.GivenDate
	if given.IsZero() {
		given = found.PublishedDate
	}
	if given.IsZero() {
		given = t.s.cfg.Now()
	}
	e.DatoBegrunnelseGitt = fsrules.DateOf(given)
	if e.DatoBegrunnelseGitt.Before(e.DatoBegrunnelseBedtOm) {
		e.DatoBegrunnelseBedtOm = e.DatoBegrunnelseGitt
	}
	// The document is fetched only when FS does not hold it already (postExplanation asks).
	fetch := func(ctx context.Context) error {
		switch {
		case found.Document.URL != "":
			var buf limitedBuffer
			buf.max = fs.MaxDocument
			if _, err := t.su.Inspera.DownloadFile(ctx, found.Document.URL, &buf); err != nil {
				return err
			}
			e.DokumentBegrunnelse = buf.Bytes()
			e.ContentTypeBegrunnelse = found.Document.ContentType
			if e.ContentTypeBegrunnelse == "" {
				e.ContentTypeBegrunnelse = "application/pdf"
			}
		case found.Text != "":
			e.DokumentBegrunnelse, e.ContentTypeBegrunnelse = []byte(found.Text), "text/plain; charset=utf-8"
		default:
			return fmt.Errorf("%w: the published explanation has neither text nor document", errCase)
		}
		return nil
	}
	return t.postExplanation(ctx, j, rec, e, fetch)
}

// vurdOfTest is FS's vurdId of an Inspera test (its external id), read once per test.
func (t *tenantRun) vurdOfTest(ctx context.Context, test inspera.TestRef) (string, error) {
	key := "inspera/test/" + test.String()
	if v, ok, err := remembered[string](ctx, t, key); err != nil || ok {
		return v, err
	}
	tt, err := t.su.Inspera.GetTest(ctx, test)
	if tt == nil {
		return "", err
	}
	v := tt.ExternalTestInfo.ExternalTestID
	if _, perr := fs.ParseVurdID(v); perr != nil {
		return "", fmt.Errorf("%w: the test's external id is not an FS vurdId", errCase)
	}
	return v, remember(ctx, t, key, v)
}

// limitedBuffer collects a download and refuses to grow past max. It is only an io.Writer (no
// ReadFrom), so io.Copy cannot go around the limit.
type limitedBuffer struct {
	buf bytes.Buffer
	max int
}

var errTooLarge = fmt.Errorf("%w: the explanation's document is larger than FS takes", errCase)

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if b.buf.Len()+len(p) > b.max {
		return 0, errTooLarge
	}
	return b.buf.Write(p)
}

// Bytes returns what was written.
func (b *limitedBuffer) Bytes() []byte { return b.buf.Bytes() }
