package reconcile

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/edusync/edusync/internal/redact"
)

// Status is what became of one action during Apply.
type Status string

// The statuses of an apply result.
const (
	// StatusApplied: the target (or the importer) carried the action out.
	StatusApplied Status = "applied"
	// StatusFailed: the target returned an error, or a record the action needs failed earlier.
	StatusFailed Status = "failed"
	// StatusStale: the record changed after planning; the action was refused, nothing written.
	StatusStale Status = "stale"
	// StatusNotExecuted: the action writes nothing (a skip, an unchanged record) or waits for or
	// was refused a decision, or it is an import and no Importer was given.
	StatusNotExecuted Status = "not-executed"
	// StatusCanceled: the context ended before the action's turn.
	StatusCanceled Status = "canceled"
	// StatusRolledBack: the target carried the action out, but it changes all at once
	// (Transactional) and the run was aborted, so the write was dropped with the others.
	StatusRolledBack Status = "rolled-back"
)

// Result is what Apply did with one action.
type Result struct {
	// ID is the action's ID.
	ID string `json:"id"`
	// Kind is the action's kind.
	Kind Kind `json:"kind"`
	// Op is the action's operation.
	Op Op `json:"op"`
	// Outcome is the bucket of the action as planned.
	Outcome Outcome `json:"outcome"`
	// Status is what became of the action.
	Status Status `json:"status"`
	// TargetID is the record's id as the target reported it (new for creates).
	TargetID string `json:"targetId,omitempty"`
	// Revision is the record's new revision as the target reported it.
	Revision string `json:"revision,omitempty"`
	// SourceKey is the source key of a created record, and the new source key of an imported one.
	SourceKey string `json:"sourceKey,omitempty"`
	// At is when the action was carried out (from ApplyOptions.Clock).
	At time.Time `json:"at,omitzero"`
	// Err is why the action failed or was refused.
	Err error `json:"-"`
	// Error is Err's text with personal numbers masked, for JSON.
	Error string `json:"error,omitempty"`
}

// Report is the outcome of Apply: one result per plan action, in plan order, and counts.
type Report struct {
	// Plan is the fingerprint of the plan applied.
	Plan string `json:"plan"`
	// Results holds one result per plan action, in plan order.
	Results []Result `json:"results"`
	// Counts counts what happened: actions applied by their outcome, actions not executed by
	// their planned outcome (pending, skipped, unchanged), plus the unchanged records the plan
	// only counted. Failed, stale and canceled actions are counted apart.
	Counts Counts `json:"counts"`
	// Failed counts actions the target (or importer) refused, and those needing a record that
	// could not be created.
	Failed int `json:"failed"`
	// Stale counts actions refused because their record changed after planning.
	Stale int `json:"stale"`
	// Canceled counts actions not reached before the context ended.
	Canceled int `json:"canceled"`
	// RolledBack counts actions carried out and then dropped because an all-at-once target
	// aborted the run (see Transactional).
	RolledBack int `json:"rolledBack,omitempty"`
	// Writes are the records this run wrote, with the digests of the source records they were
	// written from, for History.Update.
	Writes []Write `json:"writes,omitempty"`
	// Unconverged are the fields the plan found unconverged (Plan.Unconverged), carried over
	// for History.Update and for the host's report: the run was fine, but these fields of the
	// target do not hold what the source says.
	Unconverged []Unconverged `json:"unconverged,omitempty"`
}

// OK reports whether every action that was to be executed was applied (and kept).
func (r *Report) OK() bool {
	return r.Failed == 0 && r.Stale == 0 && r.Canceled == 0 && r.RolledBack == 0
}

// AuditEvent is the record of one action emitted during Apply. Ids are passed through
// redact.PersonalNumbers, so a source that keys persons by personal number does not leak them.
type AuditEvent struct {
	// Time is when the action was carried out, or when Apply ended for actions not carried out.
	Time time.Time `json:"time"`
	// Plan is the plan's fingerprint.
	Plan string `json:"plan"`
	// ActionID is the action's ID, personal numbers masked.
	ActionID string `json:"actionId"`
	// Kind is the action's kind.
	Kind Kind `json:"kind"`
	// Op is the action's operation.
	Op Op `json:"op"`
	// Status is what became of the action.
	Status Status `json:"status"`
	// TargetID is the record's id in the target, personal numbers masked.
	TargetID string `json:"targetId,omitempty"`
	// Revision is the record's new revision.
	Revision string `json:"revision,omitempty"`
	// Error is why the action failed or was refused, personal numbers masked.
	Error string `json:"error,omitempty"`
}

// AuditSink receives one event per action Apply handles, for hosts that keep an audit trail
// beyond logs. It must not block for long; failures are the sink's own business.
type AuditSink interface {
	// Audit records one event.
	Audit(ctx context.Context, e AuditEvent)
}

// AuditFunc adapts a function to AuditSink.
type AuditFunc func(ctx context.Context, e AuditEvent)

// Audit calls f.
func (f AuditFunc) Audit(ctx context.Context, e AuditEvent) { f(ctx, e) }

// ApplyOptions configure Apply.
type ApplyOptions struct {
	// Logger gets one record per action (nil: no logging).
	Logger *slog.Logger
	// Audit gets one event per action (nil: none).
	Audit AuditSink
	// Importer carries out approved imports; without one they are not executed.
	Importer Importer
	// Clock stamps results and audit events (nil: time.Now).
	Clock func() time.Time
	// TrustRevisions skips reading the target's current state before applying. Apply then relies
	// on the target refusing stale writes by revision (Target.Apply); records without revisions
	// are no longer compared with their before-image.
	TrustRevisions bool
}

// ErrRolledBack means an all-at-once target (Transactional) aborted the run: nothing of it was
// kept, the target is as it was before, and the report marks the actions carried out as
// StatusRolledBack.
var ErrRolledBack = errors.New("reconcile: the run was rolled back; the target keeps its previous state")

// Apply carries out exactly the plan's executable actions on the target: organisations, persons,
// groups, then memberships (persons whose relations need other persons of the plan after
// those); removals last, in reverse (memberships first). It first verifies the plan's
// fingerprint and holds, checks the target (CheckTarget) and every action against its
// Capabilities (an error and no write if any fails), then reads the target's current state and
// refuses, as stale, every action whose record changed since planning (different revision or,
// without revisions, different before-image) or that another writer already carried out. It
// continues past per-action failures; a canceled context stops it cleanly between actions, and
// the report then marks the rest canceled and the context's error is returned with it. An
// all-at-once target (Transactional) gets Begin before the first write and Commit after the
// last, or Abort when anything failed: then the report marks what was carried out as rolled
// back and the error wraps ErrRolledBack. Every action gets one log record and one AuditEvent:
// a carried-out action's as soon as the target has answered, the others' (not executed,
// canceled, rolled back) at the end.
func Apply(ctx context.Context, plan *Plan, target Target, opts ApplyOptions) (*Report, error) {
	if err := plan.Verify(); err != nil {
		return nil, err
	}
	if err := plan.HoldError(); err != nil {
		return nil, err
	}
	if target == nil {
		return nil, errors.New("reconcile: Apply needs a target")
	}
	if err := CheckTarget(target); err != nil {
		return nil, err
	}
	caps := target.Capabilities()
	if err := checkPlanFits(plan, &caps); err != nil {
		return nil, err
	}
	if opts.TrustRevisions && !caps.Revisions {
		return nil, fmt.Errorf("%w: TrustRevisions needs a target that keeps revisions", ErrCapabilities)
	}
	clock := opts.Clock
	if clock == nil {
		clock = time.Now
	}
	var current *currentState
	if !opts.TrustRevisions && hasWrites(plan) {
		snap, err := Load(ctx, target)
		if err != nil {
			return nil, fmt.Errorf("reconcile: re-reading the target before applying: %w", err)
		}
		current = indexCurrent(snap)
	}
	r := &applier{ctx: ctx, plan: plan, target: target, opts: opts, clock: clock, current: current,
		created: newCreatedIDs(plan), failedCreates: map[Ref]bool{},
		report: &Report{Plan: plan.Fingerprint, Results: make([]Result, len(plan.Actions))}}
	for i := range plan.Actions {
		a := &plan.Actions[i]
		r.report.Results[i] = Result{ID: a.ID, Kind: a.Kind, Op: a.Op, Outcome: a.Outcome(), Status: StatusNotExecuted}
	}
	r.emitted = make([]bool, len(plan.Actions))
	tx, _ := target.(Transactional)
	order := executionOrder(plan)
	if tx != nil && hasWrites(plan) {
		if err := tx.Begin(context.WithoutCancel(ctx)); err != nil {
			return nil, fmt.Errorf("reconcile: starting the target's run: %w", err)
		}
	} else {
		tx = nil
	}
	if bt, ok := target.(BatchTarget); ok {
		r.runBatches(order, bt, batchSize)
	} else {
		r.runBatches(order, oneByOne{target}, 1)
	}
	var txErr error
	if tx != nil {
		txErr = r.settle(tx)
	}
	r.finish()
	if txErr != nil {
		return r.report, txErr
	}
	if err := ctx.Err(); err != nil && r.report.Canceled > 0 {
		return r.report, err
	}
	return r.report, nil
}

// checkPlanFits refuses a plan with an executable action the target does not declare it can
// hold (a plan made against a snapshot that lacked the target's capabilities).
func checkPlanFits(plan *Plan, caps *Capabilities) error {
	m := prepareModel(caps)
	n, first, why := 0, "", ""
	for i := range plan.Actions {
		a := &plan.Actions[i]
		if !a.Executable() || a.Op == OpImport {
			continue
		}
		if w := m.beyond(a); w != "" {
			if n == 0 {
				first, why = a.ID, w
			}
			n++
		}
	}
	if n == 0 {
		return nil
	}
	return fmt.Errorf("%w: %d actions of the plan ask for what the target does not store (first %s: %s); plan against reconcile.Load(target), which carries its capabilities",
		ErrCapabilities, n, redactID(first), why)
}

// settle ends an all-at-once run: Commit when every action carried out succeeded, Abort
// otherwise; after an Abort (or a failed Commit) the actions carried out are rolled back.
func (r *applier) settle(tx Transactional) error {
	ctx := context.WithoutCancel(r.ctx)
	var cause error
	for i := range r.report.Results {
		switch res := &r.report.Results[i]; res.Status {
		case StatusFailed, StatusStale, StatusCanceled:
			if cause == nil {
				cause = fmt.Errorf("%s %s %s", res.Kind, res.Op, res.Status)
			}
		}
	}
	if cause == nil {
		err := tx.Commit(ctx)
		if err == nil {
			return nil
		}
		cause = fmt.Errorf("commit failed: %w", err)
	}
	err := fmt.Errorf("%w (%w)", ErrRolledBack, cause)
	if aerr := tx.Abort(ctx); aerr != nil {
		err = errors.Join(err, fmt.Errorf("reconcile: aborting the target's run: %w", aerr))
	}
	for i := range r.report.Results {
		res := &r.report.Results[i]
		if res.Status == StatusApplied && res.Op != OpImport {
			res.Status = StatusRolledBack
			res.Err = ErrRolledBack
			res.Error = ErrRolledBack.Error()
			r.emitted[i] = false // its rollback is announced too
		}
	}
	r.report.Writes = nil
	return err
}

func hasWrites(p *Plan) bool {
	for i := range p.Actions {
		if p.Actions[i].Executable() && p.Actions[i].Op != OpImport {
			return true
		}
	}
	return false
}

// executionOrder lists the indexes of executable actions: everything but removals in plan order
// (which is dependency order; within a kind, actions that need a record of their own kind
// created by the plan, such as a pupil's relation to a new guardian, after the others), then
// removals in reverse dependency order.
func executionOrder(p *Plan) []int {
	var order, removals []int
	for i := range p.Actions {
		a := &p.Actions[i]
		if !a.Executable() {
			continue
		}
		if a.Op.removal() {
			removals = append(removals, i)
		} else {
			order = append(order, i)
		}
	}
	late := func(a *Action) int {
		if needsOwnKind(a) {
			return 1
		}
		return 0
	}
	slices.SortStableFunc(order, func(x, y int) int {
		ax, ay := &p.Actions[x], &p.Actions[y]
		if c := ax.Kind.rank() - ay.Kind.rank(); c != 0 {
			return c
		}
		return late(ax) - late(ay)
	})
	slices.SortStableFunc(removals, func(x, y int) int {
		return p.Actions[y].Kind.rank() - p.Actions[x].Kind.rank()
	})
	return append(order, removals...)
}

type applier struct {
	ctx           context.Context
	plan          *Plan
	target        Target
	opts          ApplyOptions
	clock         func() time.Time
	current       *currentState
	created       createdIDs // new target ids of records created so far
	failedCreates map[Ref]bool
	report        *Report
	emitted       []bool // the action's audit event went out
}

// prepare readies action i for the target: it returns the action with its references
// resolved, or false when the action was settled without the target (the context ended, an
// import, a record it needs is missing, or it is stale). A membership's resolved record goes
// into slot when one is given.
func (r *applier) prepare(i int, slot *membershipSlot) (Action, bool) {
	a := &r.plan.Actions[i]
	res := &r.report.Results[i]
	if r.ctx.Err() != nil {
		res.Status = StatusCanceled
		return Action{}, false
	}
	res.At = r.clock()
	if a.Op == OpImport {
		r.runImport(a, res)
		return Action{}, false
	}
	resolved, err := r.resolve(a, slot)
	if err != nil {
		r.fail(res, StatusFailed, err)
		return Action{}, false
	}
	if r.current != nil {
		if err := r.current.check(&resolved); err != nil {
			r.fail(res, StatusStale, err)
			return Action{}, false
		}
	}
	return resolved, true
}

// record takes the target's answer to action i.
func (r *applier) record(i int, resolved *Action, w Written, err error) {
	a := &r.plan.Actions[i]
	res := &r.report.Results[i]
	if err != nil {
		status := StatusFailed
		switch {
		case errors.Is(err, ErrStale):
			status = StatusStale
		case r.ctx.Err() != nil:
			status = StatusCanceled
		}
		r.fail(res, status, err)
		if a.Op == OpCreate {
			r.failedCreates[Ref{Kind: a.Kind, SourceKey: a.SourceKey}] = true
		}
		return
	}
	if a.Op == OpCreate && a.Kind != KindMembership && w.TargetID == "" {
		r.fail(res, StatusFailed, fmt.Errorf("reconcile: the target created the %s but reported no id for it", a.Kind))
		r.failedCreates[Ref{Kind: a.Kind, SourceKey: a.SourceKey}] = true
		return
	}
	res.Status = StatusApplied
	res.TargetID, res.Revision = w.TargetID, w.Revision
	if res.TargetID == "" {
		res.TargetID = a.TargetID
	}
	if a.Op == OpCreate && a.Kind != KindMembership {
		r.created.set(a.Kind, a.SourceKey, w.TargetID)
		res.SourceKey = a.SourceKey
	}
	r.recordWrite(resolved, res)
}

// batchSize is how many actions Apply hands a BatchTarget at once: enough that the calls cost
// nothing next to the records, few enough that a batch's resolved records stay in cache.
const batchSize = 512

// batch is the storage of one batch, reused from batch to batch.
type batch struct {
	index   []int // the plan index of each action
	actions []Action
	slots   []membershipSlot // for a BatchTarget; nil gives each membership its own record
	written []Written
	errs    []error
}

// membershipSlot holds a membership action's resolved record.
type membershipSlot struct {
	change Change[Membership]
	after  Membership
}

// oneByOne hands a plain Target the batches of one action runBatches makes for it.
type oneByOne struct{ Target }

func (o oneByOne) ApplyBatch(ctx context.Context, actions []Action, written []Written, errs []error) {
	for i := range actions {
		written[i], errs[i] = o.Apply(ctx, actions[i])
	}
}

// runBatches carries out the actions in order, in batches of at most size consecutive actions
// of one kind. A batch is handed over before an import (settled by the importer, after what
// came before it) and before an action that needs a record the batch is still to create (a
// pupil's relation to a guardian created in the same run): actions are resolved when they join
// a batch, and the new record's id is known only once the target has answered.
func (r *applier) runBatches(order []int, bt BatchTarget, size int) {
	b := &batch{}
	if size > 1 {
		b.slots = make([]membershipSlot, size)
	}
	for _, i := range order {
		a := &r.plan.Actions[i]
		if n := len(b.index); n > 0 && (n == size || a.Kind != r.plan.Actions[b.index[0]].Kind || a.Op == OpImport || r.waitsForCreate(a)) {
			r.flush(b, bt)
		}
		var slot *membershipSlot
		if b.slots != nil {
			slot = &b.slots[len(b.index)]
		}
		resolved, ok := r.prepare(i, slot)
		if !ok {
			if r.report.Results[i].Status != StatusCanceled {
				r.emit(i)
			}
			continue
		}
		b.index = append(b.index, i)
		b.actions = append(b.actions, resolved)
	}
	r.flush(b, bt)
}

// flush hands the batch to the target and takes its answers.
func (r *applier) flush(b *batch, bt BatchTarget) {
	n := len(b.index)
	if n == 0 {
		return
	}
	b.written, b.errs = slices.Grow(b.written[:0], n)[:n], slices.Grow(b.errs[:0], n)[:n]
	clear(b.written)
	clear(b.errs)
	bt.ApplyBatch(r.ctx, b.actions, b.written, b.errs)
	for j, i := range b.index {
		r.record(i, &b.actions[j], b.written[j], b.errs[j])
		if r.report.Results[i].Status != StatusCanceled {
			r.emit(i)
		}
	}
	clear(b.actions) // the batch's records are the target's no longer
	b.index, b.actions = b.index[:0], b.actions[:0]
}

// waitsForCreate reports whether an action needs a record of its own kind that this run has
// not created (yet): one still in the current batch, or one that failed. Memberships never do
// (nothing refers to a membership), which spares reading the Needs of a million of them.
func (r *applier) waitsForCreate(a *Action) bool {
	if a.Kind == KindMembership {
		return false
	}
	for _, n := range a.Needs {
		if _, ok := r.created.get(n); n.Kind == a.Kind && !ok {
			return true
		}
	}
	return false
}

// createdIDs are the new target ids of the records a run created, per kind by source key
// (a map per kind, sized from the plan: a first run creates hundreds of thousands of persons,
// and every membership looks two of them up).
type createdIDs [5]map[string]string

func newCreatedIDs(p *Plan) createdIDs {
	var n [5]int
	for i := range p.Actions {
		if a := &p.Actions[i]; a.Op == OpCreate && a.Kind != KindMembership {
			n[a.Kind.rank()]++
		}
	}
	var c createdIDs
	for k := range c {
		c[k] = make(map[string]string, n[k])
	}
	return c
}

func (c createdIDs) get(r Ref) (string, bool) {
	id, ok := c[r.Kind.rank()][r.SourceKey]
	return id, ok
}

func (c createdIDs) set(kind Kind, sourceKey, id string) { c[kind.rank()][sourceKey] = id }

// needsOwnKind reports whether an action needs a record of its own kind created by the plan.
// Memberships never do (nothing refers to a membership), which spares reading the Needs of a
// million of them.
func needsOwnKind(a *Action) bool {
	if a.Kind == KindMembership {
		return false
	}
	for _, n := range a.Needs {
		if n.Kind == a.Kind {
			return true
		}
	}
	return false
}

// recordWrite notes a write made from a source record, for History.Writes. Membership creates
// are left out: a first run creates them by the million, and a create that does not converge
// shows up as an update the next run, which is then remembered.
func (r *applier) recordWrite(a *Action, res *Result) {
	if a.SourceDigest == "" || (a.Kind == KindMembership && a.Op == OpCreate) {
		return
	}
	id := res.TargetID
	if a.Kind == KindMembership && id == "" && a.Membership != nil && a.Membership.Before != nil {
		id = membershipName(a.Membership.Before)
	}
	if id == "" {
		return
	}
	r.report.Writes = append(r.report.Writes, Write{Kind: a.Kind, TargetID: id, SourceDigest: a.SourceDigest})
}

func (r *applier) runImport(a *Action, res *Result) {
	if r.opts.Importer == nil {
		res.Status = StatusNotExecuted
		res.Err = errors.New("reconcile: no importer configured")
		res.Error = res.Err.Error()
		return
	}
	key, err := r.opts.Importer.Import(r.ctx, *a)
	if err != nil {
		r.fail(res, StatusFailed, err)
		return
	}
	res.Status, res.SourceKey, res.TargetID = StatusApplied, key, a.TargetID
}

func (r *applier) fail(res *Result, s Status, err error) {
	res.Status = s
	res.Err = err
	res.Error = redact.PersonalNumbers(err.Error())
}

// resolve returns the action with references to records created earlier in this run replaced by
// their new target ids. A membership's resolved record goes into slot when one is given.
func (r *applier) resolve(a *Action, slot *membershipSlot) (Action, error) {
	c := *a
	if len(a.Needs) == 0 {
		return c, nil
	}
	for _, n := range a.Needs {
		if _, ok := r.created.get(n); !ok {
			if r.failedCreates[n] {
				return Action{}, fmt.Errorf("reconcile: the %s this action needs could not be created", n.Kind)
			}
			return Action{}, fmt.Errorf("reconcile: the %s this action needs was not created by this plan", n.Kind)
		}
	}
	id := func(kind Kind, key string, into *string) {
		if ref := (Ref{Kind: kind, SourceKey: key}); slices.Contains(a.Needs, ref) {
			*into, _ = r.created.get(ref)
		}
	}
	switch {
	case a.Membership != nil && a.Membership.After != nil:
		if slot == nil {
			slot = new(membershipSlot)
		}
		slot.after = *a.Membership.After
		id(KindPerson, slot.after.Person, &slot.after.Person)
		id(KindGroup, slot.after.Group, &slot.after.Group)
		slot.change = Change[Membership]{Before: a.Membership.Before, After: &slot.after}
		c.Membership = &slot.change
	case a.Group != nil && a.Group.After != nil:
		after := *a.Group.After
		id(KindOrganisation, after.Organisation, &after.Organisation)
		c.Group = &Change[Group]{Before: a.Group.Before, After: &after}
	case a.Person != nil && a.Person.After != nil:
		after := *a.Person.After
		after.Contexts = slices.Clone(after.Contexts)
		for i := range after.Contexts {
			id(KindOrganisation, after.Contexts[i].Organisation, &after.Contexts[i].Organisation)
		}
		after.Relations = slices.Clone(after.Relations)
		for i := range after.Relations {
			id(KindPerson, after.Relations[i].Person, &after.Relations[i].Person)
		}
		c.Person = &Change[Person]{Before: a.Person.Before, After: &after}
	}
	c.Needs = nil
	return c, nil
}

func (r *applier) finish() {
	rep := r.report
	for i := range rep.Results {
		res := &rep.Results[i]
		switch res.Status {
		case StatusApplied, StatusNotExecuted:
			rep.Counts.Add(res.Outcome)
		case StatusFailed:
			rep.Failed++
		case StatusStale:
			rep.Stale++
		case StatusCanceled:
			rep.Canceled++
		case StatusRolledBack:
			rep.RolledBack++
		}
		if !r.emitted[i] {
			r.emit(i)
		}
	}
	unlisted := r.plan.Counts.Unchanged
	for i := range r.plan.Actions {
		if r.plan.Actions[i].Op == OpUnchanged {
			unlisted--
		}
	}
	rep.Counts.Unchanged += unlisted
	rep.Unconverged = r.plan.Unconverged
}

// emit logs and audits one action's result: executed actions as soon as they are done, the
// others (not executed, canceled) at the end, in plan order. Sink and logger get a context that
// is not canceled with Apply's, so the events of a canceled run still reach them.
func (r *applier) emit(i int) {
	r.emitted[i] = true
	if r.opts.Logger == nil && r.opts.Audit == nil {
		return
	}
	a, res := &r.plan.Actions[i], &r.report.Results[i]
	ctx := context.WithoutCancel(r.ctx)
	e := AuditEvent{
		Time: res.At, Plan: r.plan.Fingerprint, ActionID: redactID(a.ID), Kind: a.Kind, Op: a.Op,
		Status: res.Status, TargetID: redact.PersonalNumbers(res.TargetID), Revision: res.Revision, Error: res.Error,
	}
	if e.Time.IsZero() {
		e.Time = r.clock()
	}
	if r.opts.Audit != nil {
		r.opts.Audit.Audit(ctx, e)
	}
	if r.opts.Logger != nil {
		level := slog.LevelInfo
		switch res.Status {
		case StatusFailed, StatusStale, StatusRolledBack:
			level = slog.LevelWarn
		case StatusNotExecuted, StatusCanceled:
			level = slog.LevelDebug
		}
		attrs := []slog.Attr{
			slog.String("plan", shortFingerprint(e.Plan)), slog.String("action", e.ActionID),
			slog.String("kind", string(e.Kind)), slog.String("op", string(e.Op)), slog.String("status", string(e.Status)),
		}
		if e.TargetID != "" {
			attrs = append(attrs, slog.String("target_id", e.TargetID))
		}
		if e.Error != "" {
			attrs = append(attrs, slog.String("error", e.Error))
		}
		r.opts.Logger.LogAttrs(ctx, level, "reconcile action", attrs...)
	}
}

// redactID masks personal numbers in an action ID, also where escaping changed their look
// (a "+" written as "%2B").
func redactID(id string) string {
	parts := strings.Split(id, "/")
	for i, part := range parts {
		name, val, ok := strings.Cut(part, "=")
		if !ok {
			continue
		}
		keys := strings.Split(val, ",")
		for k, key := range keys {
			if plain, err := url.QueryUnescape(key); err == nil {
				key = url.QueryEscape(redact.PersonalNumbers(plain))
			}
			keys[k] = redact.PersonalNumbers(key)
		}
		parts[i] = name + "=" + strings.Join(keys, ",")
	}
	return strings.Join(parts, "/")
}

func shortFingerprint(fp string) string {
	if len(fp) > 12 {
		return fp[:12]
	}
	return fp
}

// currentState indexes the target as Apply found it, to refuse actions planned on older data.
type currentState struct {
	byID      map[Record]recordImage
	referrers map[Record]bool // kind + referrer of records present now
	pairs     map[[2]string]bool
}

// recordImage is what a before-image check needs of a current record.
type recordImage struct {
	revision string
	digest   [32]byte
}

func indexCurrent(s *Snapshot) *currentState {
	c := &currentState{byID: map[Record]recordImage{}, referrers: map[Record]bool{}, pairs: map[[2]string]bool{}}
	for i := range s.Organisations {
		o := &s.Organisations[i]
		c.byID[Record{KindOrganisation, o.Keys.TargetID}] = recordImage{o.Revision, digestOrganisation(o)}
		c.referrers[Record{KindOrganisation, o.Keys.Referrer}] = true
	}
	for i := range s.Persons {
		x := &s.Persons[i]
		c.byID[Record{KindPerson, x.Keys.TargetID}] = recordImage{x.Revision, digestPerson(x)}
		c.referrers[Record{KindPerson, x.Keys.Referrer}] = true
	}
	for i := range s.Groups {
		g := &s.Groups[i]
		c.byID[Record{KindGroup, g.Keys.TargetID}] = recordImage{g.Revision, digestGroup(g)}
		c.referrers[Record{KindGroup, g.Keys.Referrer}] = true
	}
	for i := range s.Memberships {
		m := &s.Memberships[i]
		c.byID[Record{KindMembership, membershipRecordID(m)}] = recordImage{m.Revision, digestMembership(m)}
		c.pairs[[2]string{m.Person, m.Group}] = true
	}
	return c
}

// membershipRecordID identifies a target membership: its id, or its pair when it has none.
func membershipRecordID(m *Membership) string {
	if m.ID != "" {
		return m.ID
	}
	return "\x00" + pairKey(m.Person, m.Group)
}

// check refuses an action whose record is no longer as planned.
func (c *currentState) check(a *Action) error {
	if a.Op == OpCreate {
		switch {
		case a.Membership != nil && a.Membership.After != nil:
			m := a.Membership.After
			if c.pairs[[2]string{m.Person, m.Group}] {
				return fmt.Errorf("%w: the membership exists already", ErrStale)
			}
		default:
			if ref := afterReferrer(a); ref != "" && c.referrers[Record{a.Kind, ref}] {
				return fmt.Errorf("%w: a record with this referrer exists already", ErrStale)
			}
		}
		return nil
	}
	id, planned, ok := beforeImage(a)
	if !ok {
		return nil
	}
	cur, found := c.byID[Record{a.Kind, id}]
	if !found {
		return fmt.Errorf("%w: the record no longer exists", ErrStale)
	}
	if a.Revision != "" {
		if cur.revision != a.Revision {
			return fmt.Errorf("%w: revision differs", ErrStale)
		}
		return nil
	}
	if cur.digest != planned {
		return fmt.Errorf("%w: the record differs from the plan's before-image", ErrStale)
	}
	return nil
}

func afterReferrer(a *Action) string {
	switch {
	case a.Person != nil && a.Person.After != nil:
		return a.Person.After.Keys.Referrer
	case a.Group != nil && a.Group.After != nil:
		return a.Group.After.Keys.Referrer
	case a.Organisation != nil && a.Organisation.After != nil:
		return a.Organisation.After.Keys.Referrer
	}
	return ""
}

// beforeImage returns the id and digest of the record an action read when planned.
func beforeImage(a *Action) (string, [32]byte, bool) {
	switch {
	case a.Person != nil && a.Person.Before != nil:
		return a.Person.Before.Keys.TargetID, digestPerson(a.Person.Before), true
	case a.Group != nil && a.Group.Before != nil:
		return a.Group.Before.Keys.TargetID, digestGroup(a.Group.Before), true
	case a.Organisation != nil && a.Organisation.Before != nil:
		return a.Organisation.Before.Keys.TargetID, digestOrganisation(a.Organisation.Before), true
	case a.Membership != nil && a.Membership.Before != nil:
		return membershipRecordID(a.Membership.Before), digestMembership(a.Membership.Before), true
	}
	return "", [32]byte{}, false
}

// The digest functions hash a record's content without its revision, for before-image checks.

func digestPerson(x *Person) [32]byte {
	c := *x
	c.Revision = ""
	var e canon
	e.person(&c)
	return sha256.Sum256(e.buf)
}

func digestGroup(x *Group) [32]byte {
	c := *x
	c.Revision = ""
	var e canon
	e.group(&c)
	return sha256.Sum256(e.buf)
}

func digestOrganisation(x *Organisation) [32]byte {
	c := *x
	c.Revision = ""
	var e canon
	e.organisation(&c)
	return sha256.Sum256(e.buf)
}

func digestMembership(x *Membership) [32]byte {
	c := *x
	c.Revision = ""
	var e canon
	e.membership(&c)
	return sha256.Sum256(e.buf)
}
