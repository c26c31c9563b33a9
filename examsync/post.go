package examsync

import (
	"context"
	"errors"
	"time"

	"github.com/edusync/edusync/fs"
)

// posting is what the tenant remembers of an explanation sent to FS.
type posting struct {
	// Done is set once FS holds it; Sending while a post may be under way (or may have
	// reached FS before a crash).
	Done    bool      `json:"done,omitempty"`
	Sending bool      `json:"sending,omitempty"`
	At      time.Time `json:"at"`
}

// postExplanation registers a given explanation in FS at most once, ever: a published
// explanation is final. What was posted is remembered per candidate and exam; a post that
// began and did not finish (a crash, a lost answer) is checked against FS before anything is
// sent again, and one FS holds already is not sent at all. fetch fills in the document; it
// runs only when a post is to be made.
func (t *tenantRun) postExplanation(ctx context.Context, j *job, rec AuditRecord, e *fs.Explanation, fetch func(context.Context) error) error {
	rec.Step, rec.VurdID, rec.Kandidatnr = "post-explanation", e.VurdID, string(e.Kandidatnr)
	key := "posted/" + caseKey(e.VurdID, string(e.Kandidatnr))
	p, _, err := remembered[posting](ctx, t, key)
	if err != nil {
		return err
	}
	if p.Done {
		rec.Note = "posted before; not again"
		return j.done(ctx, rec, nil)
	}
	if p.Sending {
		held, err := t.su.FS.ExplanationRegistered(ctx, t.t.ExamSystem, e)
		if err != nil {
			return j.done(ctx, rec, err)
		}
		if held {
			rec.Note = "FS holds it from an earlier attempt"
			return j.done(ctx, rec, j.markPosted(key))
		}
	}
	if err := fetch(ctx); err != nil {
		return j.done(ctx, rec, err)
	}
	// The intent is durable before the post: after a crash the next attempt asks FS first.
	if err := j.put(key, posting{Sending: true, At: t.s.cfg.Now()}); err != nil {
		return err
	}
	if err := j.flush(ctx); err != nil {
		return err
	}
	err = t.su.FS.CreateExplanation(ctx, t.t.ExamSystem, e)
	if errors.Is(err, fs.ErrConflict) {
		// FS holds another explanation for the candidate: it stands, and nothing is sent again.
		rec.Note = "FS holds another explanation for the candidate; kept"
		return j.done(ctx, rec, j.markPosted(key))
	}
	if err != nil {
		return j.done(ctx, rec, err)
	}
	return j.done(ctx, rec, j.markPosted(key))
}

// markPosted stages the record that FS holds the explanation, committed with the message.
func (j *job) markPosted(key string) error {
	return j.put(key, posting{Done: true, At: j.t.s.cfg.Now()})
}
