package pipeline

import (
	"context"
	"iter"
	"sync"
	"time"

	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/store"
)

// The journal keeps the writes of a run in the store as they happen, so that when the runner
// dies in the middle of applying, the next run still knows what was created, deactivated and
// written (History) and does not ask about, or create again, what the dead run wrote. A run that
// ends folds its whole report into the history and drops the journal.
//
// Entries are flushed in batches (flushEvery, or flushAfter since the last flush), except that
// a create in a target that keeps no referrers is flushed at once: there the history is the
// only memory of whose record it is. A target that changes all at once (AllAtOnce) keeps
// nothing of a run that did not commit, so it has no journal.
const (
	flushEvery = 256
	flushAfter = 2 * time.Second
)

// entry is one write the target carried out.
type entry struct {
	Result reconcile.Result `json:"result"`
	Write  *reconcile.Write `json:"write,omitempty"`
}

type journal struct {
	st      store.Store
	scope   store.Scope
	lease   store.Lease
	eager   bool // flush creates at once (the target keeps no referrers)
	cancel  context.CancelCauseFunc
	now     func() time.Time
	mu      sync.Mutex
	buf     []entry
	chunks  int
	flushed time.Time
	err     error
}

// add notes a write the target reported, and flushes when due. When the journal cannot be
// written (the lease was lost, the store failed), the run is stopped: it must not go on
// writing what nobody would remember.
func (j *journal) add(ctx context.Context, a *reconcile.Action, w reconcile.Written) {
	e := entry{Result: reconcile.Result{ID: a.ID, Kind: a.Kind, Op: a.Op, Outcome: a.Outcome(),
		Status: reconcile.StatusApplied, TargetID: w.TargetID, Revision: w.Revision, At: j.now()}}
	if e.Result.TargetID == "" {
		e.Result.TargetID = a.TargetID
	}
	if a.Op == reconcile.OpCreate && a.Kind != reconcile.KindMembership {
		e.Result.SourceKey = a.SourceKey
	}
	// As reconcile's report remembers writes: membership creates are left out, and memberships
	// without an id of their own cannot be named here (their write is remembered when the run
	// ends; after a crash, at worst one is written again).
	if a.SourceDigest != "" && e.Result.TargetID != "" && !(a.Kind == reconcile.KindMembership && a.Op == reconcile.OpCreate) {
		e.Write = &reconcile.Write{Kind: a.Kind, TargetID: e.Result.TargetID, SourceDigest: a.SourceDigest}
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.err != nil {
		return
	}
	j.buf = append(j.buf, e)
	created := a.Op == reconcile.OpCreate && a.Kind != reconcile.KindMembership
	if (j.eager && created) || len(j.buf) >= flushEvery || time.Since(j.flushed) >= flushAfter {
		j.flush(ctx)
	}
}

// flush writes the buffered entries as one journal value, fenced by the run's lease. Called
// with j.mu held.
func (j *journal) flush(ctx context.Context) {
	if len(j.buf) == 0 || j.err != nil {
		return
	}
	key := journalKey(j.chunks)
	// The target has written: note it even when the run's context has just ended.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finalWriteTimeout)
	defer cancel()
	err := store.UpdateFenced(ctx, j.st, j.scope, j.lease, func(tx store.Tx) error {
		return store.Put(tx, key, j.buf)
	})
	j.flushed = time.Now()
	if err != nil {
		j.err = err
		j.cancel(err)
		return
	}
	j.chunks++
	j.buf = j.buf[:0]
}

// journalReport is the report the journal's entries amount to, for History.Update.
func journalReport(entries []entry) *reconcile.Report {
	rep := &reconcile.Report{Results: make([]reconcile.Result, 0, len(entries))}
	for _, e := range entries {
		rep.Results = append(rep.Results, e.Result)
		if e.Write != nil {
			rep.Writes = append(rep.Writes, *e.Write)
		}
		rep.Counts.Add(e.Result.Outcome)
	}
	return rep
}

// readJournal returns every entry of the journal, in the order written.
func readJournal(tx store.Tx) ([]entry, []string, error) {
	chunks, err := store.List[[]entry](tx, prefixJrnl)
	if err != nil {
		return nil, nil, err
	}
	var out []entry
	keys := make([]string, 0, len(chunks))
	for _, c := range chunks {
		out = append(out, c.Value...)
		keys = append(keys, c.Key)
	}
	return out, keys, nil
}

// guarded is the target a run applies through: it writes only while the run's lease is
// surely held, and every write the target reports goes into the journal (when there is one)
// before the next action.
type guarded struct {
	reconcile.Target
	h      *holding
	j      *journal
	cancel context.CancelCauseFunc
}

// Apply carries the action out on the target and journals it when it was carried out.
func (t *guarded) Apply(ctx context.Context, a reconcile.Action) (reconcile.Written, error) {
	if err := ctx.Err(); err != nil {
		return reconcile.Written{}, context.Cause(ctx)
	}
	if !t.h.sure() {
		t.cancel(errNotSure)
		return reconcile.Written{}, errNotSure
	}
	w, err := t.Target.Apply(ctx, a)
	if err == nil && t.j != nil {
		t.j.add(ctx, &a, w)
	}
	return w, err
}

// guardedOrgs is guarded for targets that hold organisations.
type guardedOrgs struct{ *guarded }

// Organisations yields the target's organisations.
func (t guardedOrgs) Organisations(ctx context.Context) iter.Seq2[reconcile.Organisation, error] {
	return t.Target.(reconcile.OrganisationSource).Organisations(ctx)
}

// guardedTx is guarded for targets that change all at once.
type guardedTx struct {
	*guarded
	reconcile.Transactional
}

// guardedOrgsTx is guarded for targets that hold organisations and change all at once.
type guardedOrgsTx struct {
	guardedOrgs
	reconcile.Transactional
}

// guard returns target guarded by h, with its writes journaled in j (nil: none), offering the
// same interfaces as target (reconcile.CheckTarget checks them against its capabilities).
func guard(target reconcile.Target, h *holding, j *journal, cancel context.CancelCauseFunc) reconcile.Target {
	g := &guarded{Target: target, h: h, j: j, cancel: cancel}
	_, orgs := target.(reconcile.OrganisationSource)
	tx, atOnce := target.(reconcile.Transactional)
	switch {
	case orgs && atOnce:
		return guardedOrgsTx{guardedOrgs{g}, tx}
	case orgs:
		return guardedOrgs{g}
	case atOnce:
		return guardedTx{g, tx}
	}
	return g
}
