package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/edusync/edusync/internal/redact"
	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/store"
)

// finalWriteTimeout bounds the bookkeeping a run does after its context ended (the end of the
// run, the journal of a write already made), so that an interrupted run is still recorded.
const finalWriteTimeout = 30 * time.Second

// maxErrorText caps the error text kept with a run.
const maxErrorText = 2000

// Pipeline brings a Target in step with a Source, once (Run) or on a schedule (Start), one run
// at a time across every process sharing its store. Make one with New; it is safe for
// concurrent use.
type Pipeline struct {
	name    string
	source  reconcile.Source
	target  reconcile.Target
	st      store.Store
	scope   store.Scope
	cfg     *config
	holder  string
	ledger  *Ledger
	sem     chan struct{} // one run at a time in this process
	trigger chan struct{} // a run on demand, coalesced
	started atomic.Bool
}

// New returns pipeline name, which reconciles target with source and keeps its state in st
// under that name: processes that share st and a name share the pipeline, and run it one at a
// time. The name is what operators see (a school, a municipality and a target, say); it must
// be 1 to 200 bytes of UTF-8 without control characters. New checks the target's declaration
// (reconcile.CheckTarget) and the options, and does no I/O.
func New(name string, source reconcile.Source, target reconcile.Target, st store.Store, opts ...Option) (*Pipeline, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	if source == nil || target == nil || st == nil {
		return nil, fmt.Errorf("%w: a pipeline needs a source, a target and a store", ErrInvalid)
	}
	if err := reconcile.CheckTarget(target); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	probe := cfg.opts
	probe.Now = cfg.clock.Now()
	if _, err := reconcile.NewPlan(nil, nil, probe); err != nil {
		return nil, fmt.Errorf("%w: planning options: %w", ErrInvalid, err)
	}
	l, _ := OpenLedger(st, name)
	p := &Pipeline{name: name, source: source, target: target, st: st, scope: l.scope, cfg: cfg,
		holder: store.NewHolder(), ledger: l, sem: make(chan struct{}, 1), trigger: make(chan struct{}, 1)}
	l.now = p.now
	return p, nil
}

// Name is the pipeline's name.
func (p *Pipeline) Name() string { return p.name }

// Ledger returns what the pipeline keeps in the store: its runs, questions, answers and hold.
func (p *Pipeline) Ledger() *Ledger { return p.ledger }

func (p *Pipeline) now() time.Time { return p.cfg.clock.Now().UTC() }

// Run runs the pipeline once and returns the run's record. It waits while another run of the
// pipeline is under way, in this process or another sharing the store; when that run started
// after Run was called (another process was due at the same moment), its record is returned
// instead of running again. The error is nil when the run succeeded; otherwise it matches the
// run's status (ErrWaiting, ErrHeld, ErrFailed, ErrInterrupted) and, for failures, the cause.
// Errors never carry personal numbers.
func (p *Pipeline) Run(ctx context.Context) (Run, error) { return p.run(ctx, TriggerCall) }

func (p *Pipeline) run(ctx context.Context, trig Trigger) (Run, error) {
	select {
	case p.sem <- struct{}{}:
	case <-ctx.Done():
		return Run{}, ctx.Err()
	}
	defer func() { <-p.sem }()
	var asked, requested int64
	err := p.st.View(ctx, p.scope, func(tx store.Tx) error {
		st, err := readState(tx)
		if err != nil {
			return err
		}
		r, _, err := get[request](tx, keyRequest)
		asked, requested = st.LastRun, r.N
		return err
	})
	if err != nil {
		return Run{}, &bookkeepingError{p.name, "reading its state", err}
	}
	waiting := false
	for {
		var out Run
		var runErr error
		took, err := p.hold(ctx, func(lctx context.Context, h *holding) error {
			out, runErr = p.runLeased(ctx, lctx, h, trig, asked, requested)
			return runErr
		})
		if took {
			if runErr == nil && out.ID == 0 {
				runErr = err
			}
			return out, runErr
		}
		if !errors.Is(err, store.ErrLeaseHeld) {
			return Run{}, &bookkeepingError{p.name, "taking the run lease", err}
		}
		if !waiting {
			p.cfg.logger.InfoContext(ctx, "pipeline: another runner is running the pipeline; waiting for it", "pipeline", p.name)
			waiting = true
		}
		select {
		case <-ctx.Done():
			return Run{}, ctx.Err()
		case <-p.cfg.clock.After(p.cfg.leaseWait()):
		}
	}
}

// bookkeepingError is a failure of the pipeline's own store, as opposed to one of a run's
// source or target; Start stops on the permanent ones.
type bookkeepingError struct {
	name, doing string
	err         error
}

func (e *bookkeepingError) Error() string {
	return fmt.Sprintf("pipeline %q: %s: %s", e.name, e.doing, redact.Printable(redact.Text(e.err.Error()), maxErrorText))
}

func (e *bookkeepingError) Unwrap() error { return e.err }

// runError is the error of a run that did not succeed: it matches the status's sentinel and
// the cause, and its text has personal numbers masked.
type runError struct {
	name   string
	id     int64
	status Status
	err    error
}

func (e *runError) Error() string {
	return fmt.Sprintf("pipeline %q: run %d %s: %s", e.name, e.id, e.status, errorText(e.err))
}

func (e *runError) Unwrap() []error { return []error{e.status.err(), e.err} }

func errorText(err error) string {
	if err == nil {
		return ""
	}
	return redact.Printable(redact.Text(err.Error()), maxErrorText)
}

// started is what the first write of a run found and decided.
type started struct {
	rec       runRecord
	coalesced *Run
	history   reconcile.History
	answers   []Answer
	hold      *Hold
	release   *Release
}

// runLeased is one run under the lease l: lctx ends when the lease is lost, ctx is the caller's.
func (p *Pipeline) runLeased(ctx, lctx context.Context, h *holding, trig Trigger, asked, requested int64) (Run, error) {
	l := h.lease
	log := p.cfg.logger.With("pipeline", p.name)
	s, err := p.begin(lctx, l, trig, asked, requested, log)
	if err != nil {
		return Run{}, &bookkeepingError{p.name, "starting a run", err}
	}
	if s.coalesced != nil {
		log.InfoContext(ctx, "pipeline: a run that started meanwhile answers this one", "run", s.coalesced.ID, "status", s.coalesced.Status)
		return *s.coalesced, s.coalesced.Err()
	}
	r := &s.rec
	log = log.With("run", r.ID)
	log.InfoContext(ctx, "pipeline: run started", "trigger", trig)

	plan, err := p.plan(lctx, s)
	if err != nil {
		return p.end(ctx, l, r, outcome{status: stopped(lctx), err: err}, log)
	}
	if err := p.keepPlan(lctx, l, r, plan, s.answers); err != nil {
		return p.end(ctx, l, r, outcome{status: stopped(lctx), err: fmt.Errorf("keeping the plan: %w", err)}, log)
	}

	if len(plan.Tripped) > 0 || (s.hold != nil && s.release == nil) {
		h := Hold{Since: r.ID, Run: r.ID, Trips: plan.Tripped, At: p.now()}
		if s.hold != nil {
			h.Since = s.hold.Since
		}
		if len(plan.Tripped) > 0 {
			parts := make([]string, len(plan.Tripped))
			for i, t := range plan.Tripped {
				parts[i] = t.String()
			}
			h.Reason = "safety hold tripped: " + strings.Join(parts, "; ")
		} else {
			h.Reason = fmt.Sprintf("held since run %d until released", h.Since)
		}
		return p.end(ctx, l, r, outcome{status: StatusHeld, err: errors.New(h.Reason), hold: &h, dropRelease: s.release != nil}, log)
	}
	if plan.Counts.Pending > 0 && !p.cfg.partial {
		return p.end(ctx, l, r, outcome{status: StatusWaiting,
			err: fmt.Errorf("%d questions wait for answers; nothing was written", plan.Counts.Pending)}, log)
	}

	o := p.apply(lctx, h, plan, log)
	o.history = &s.history
	if o.report != nil {
		s.history.Update(o.report)
		if s.hold != nil {
			o.clearHold, r.Released = true, s.release
		}
	}
	return p.end(ctx, l, r, o, log)
}

// stopped is the status of a run that could not go on: interrupted when its context ended or
// its lease was lost, failed otherwise.
func stopped(lctx context.Context) Status {
	if lctx.Err() != nil {
		return StatusInterrupted
	}
	return StatusFailed
}

// begin is a run's first write: it returns the run that answers this one when one started
// since the caller asked, finishes the bookkeeping of a run whose runner died, and records the
// new run.
func (p *Pipeline) begin(lctx context.Context, l store.Lease, trig Trigger, asked, requested int64, log *slog.Logger) (*started, error) {
	now := p.now()
	s := &started{rec: runRecord{Run: Run{Pipeline: p.name, Trigger: trig, Holder: p.holder, Token: l.Token,
		Status: StatusRunning, Started: now}}}
	err := store.UpdateFenced(lctx, p.st, p.scope, l, func(tx store.Tx) error {
		st, err := readState(tx)
		if err != nil {
			return err
		}
		if st.LastRun > asked {
			last, ok, err := get[runRecord](tx, runKey(st.LastRun))
			if err != nil {
				return err
			}
			if ok && (last.Status == StatusSucceeded || last.Status == StatusWaiting || last.Status == StatusHeld) {
				s.coalesced = &last.Run
				// The requests made before this runner asked are answered by that run too.
				r, ok, err := get[request](tx, keyRequest)
				if err != nil || !ok || r.N > requested {
					return err
				}
				return tx.DeleteValue(keyRequest)
			}
		}
		if err := p.recover(tx, &st, now, log); err != nil {
			return err
		}
		h, ok, err := get[reconcile.History](tx, keyHistory)
		if err != nil {
			return err
		}
		if !ok && !p.cfg.opts.History.IsZero() {
			h = p.cfg.opts.History
			if err := store.Put(tx, keyHistory, h); err != nil {
				return err
			}
		}
		s.history = h
		if s.answers, _, err = get[[]Answer](tx, keyAnswers); err != nil {
			return err
		}
		if h, ok, err := get[Hold](tx, keyHold); err != nil {
			return err
		} else if ok {
			s.hold = &h
		}
		if r, ok, err := get[Release](tx, keyRelease); err != nil {
			return err
		} else if ok {
			s.release = &r
		}
		if err := tx.DeleteValue(keyRequest); err != nil {
			return err
		}
		st.LastRun++
		st.LastStarted, st.LastStatus = now, StatusRunning
		s.rec.ID = st.LastRun
		if err := store.Put(tx, runKey(s.rec.ID), s.rec); err != nil {
			return err
		}
		return store.Put(tx, keyState, st)
	})
	return s, err
}

// recover finishes the bookkeeping of the latest run when its runner died in the middle of it
// (it is still marked running, and this runner holds the lease): what its journal says was
// written goes into the history, and the run is marked interrupted.
func (p *Pipeline) recover(tx store.Tx, st *state, now time.Time, log *slog.Logger) error {
	if st.LastRun == 0 {
		return nil
	}
	prev, ok, err := get[runRecord](tx, runKey(st.LastRun))
	if err != nil || !ok || prev.Status != StatusRunning {
		return err
	}
	entries, keys, err := readJournal(tx)
	if err != nil {
		return err
	}
	if len(entries) > 0 {
		h, _, err := get[reconcile.History](tx, keyHistory)
		if err != nil {
			return err
		}
		rep := journalReport(entries)
		h.Update(rep)
		if err := store.Put(tx, keyHistory, h); err != nil {
			return err
		}
		prev.Results = len(rep.Results)
		if prev.ResultChunks, err = putReport(tx, prev.ID, rep); err != nil {
			return err
		}
		prev.Report = summariseReport(rep)
	}
	for _, k := range keys {
		if err := tx.DeleteValue(k); err != nil {
			return err
		}
	}
	prev.Status, prev.Ended = StatusInterrupted, now
	prev.Error = fmt.Sprintf("the runner stopped before the run ended (its process died or lost the lease); the %d writes it journaled are kept", len(entries))
	st.Failures++
	st.LastStatus, st.LastEnded = StatusInterrupted, now
	log.Warn("pipeline: a run's runner died; its journaled writes are kept and the next run finishes the work",
		"run", prev.ID, "writes", len(entries))
	return store.Put(tx, runKey(prev.ID), prev)
}

// plan reads both sides and plans with the history, the answers given and any release.
func (p *Pipeline) plan(ctx context.Context, s *started) (*reconcile.Plan, error) {
	src, err := reconcile.Load(ctx, p.source)
	if err != nil {
		return nil, fmt.Errorf("reading the source: %w", err)
	}
	tgt, err := reconcile.Load(ctx, p.target)
	if err != nil {
		return nil, fmt.Errorf("reading the target: %w", err)
	}
	opts := p.cfg.opts
	opts.Now = p.now()
	opts.History = s.history
	opts.Decisions = slices.Clone(p.cfg.opts.Decisions)
	for _, a := range s.answers {
		opts.Decisions = append(opts.Decisions, a.Decision)
	}
	opts.Holds = releasedHolds(p.cfg.opts.Holds, s.release)
	plan, err := reconcile.NewPlan(src, tgt, opts)
	if err == nil && p.cfg.policy != nil && plan.Counts.Pending > 0 {
		plan, err = plan.Answer(p.cfg.policy)
	}
	if err != nil {
		return nil, fmt.Errorf("planning: %w", err)
	}
	return plan, nil
}

// releasedHolds returns the holds to plan with: those configured (reconcile's defaults when
// none are), with every hold the released run tripped raised to the count it was released at.
func releasedHolds(holds []reconcile.Hold, rel *Release) []reconcile.Hold {
	if rel == nil || len(rel.Trips) == 0 {
		return holds
	}
	if holds == nil {
		holds = reconcile.DefaultHolds()
	}
	out := slices.Clone(holds)
	for i, h := range out {
		for _, t := range rel.Trips {
			if t.Hold == h {
				out[i] = reconcile.Hold{Kind: h.Kind, Op: h.Op, Max: max(t.Count, h.Max)}
			}
		}
	}
	return out
}

// keepPlan stores the run's plan, makes its questions the open ones, and drops the answers
// this plan no longer needed (answers given since the run started stay).
func (p *Pipeline) keepPlan(lctx context.Context, l store.Lease, r *runRecord, plan *reconcile.Plan, read []Answer) error {
	used := make(map[string]bool, len(plan.Decisions))
	for _, d := range plan.Decisions {
		used[d.ID] = true
	}
	stale := map[string]bool{}
	for _, a := range read {
		if !used[a.ID] {
			stale[a.ID] = true
		}
	}
	r.Plan = summarisePlan(plan)
	return store.UpdateFenced(lctx, p.st, p.scope, l, func(tx store.Tx) error {
		n, err := putPlan(tx, r.ID, plan)
		if err != nil {
			return err
		}
		r.ActionChunks = n
		if err := store.Put(tx, runKey(r.ID), *r); err != nil {
			return err
		}
		st, err := readState(tx)
		if err != nil {
			return err
		}
		st.Planned = r.ID
		if err := store.Put(tx, keyState, st); err != nil {
			return err
		}
		if len(stale) == 0 {
			return nil
		}
		answers, _, err := get[[]Answer](tx, keyAnswers)
		if err != nil {
			return err
		}
		answers = slices.DeleteFunc(answers, func(a Answer) bool { return stale[a.ID] })
		return store.Put(tx, keyAnswers, answers)
	})
}

// apply carries the plan out through the journal and says how the run ends.
func (p *Pipeline) apply(lctx context.Context, h *holding, plan *reconcile.Plan, log *slog.Logger) outcome {
	actx, cancel := context.WithCancelCause(lctx)
	defer cancel(nil)
	actx = context.WithValue(actx, tokenKey{}, h.lease.Token)
	caps := p.target.Capabilities()
	var j *journal
	if !caps.AllAtOnce {
		j = &journal{st: p.st, scope: p.scope, lease: h.lease, eager: !caps.Referrers, cancel: cancel, now: p.now, flushed: time.Now()}
	}
	target := guard(p.target, h, j, cancel)
	rep, err := reconcile.Apply(actx, plan, target, reconcile.ApplyOptions{Logger: log, Audit: p.cfg.audit,
		Importer: p.cfg.importer, Clock: p.now, TrustRevisions: p.cfg.trustRevs})
	o := outcome{report: rep}
	if j != nil {
		o.journalChunks = j.chunks
	}
	switch {
	case rep == nil:
		o.status, o.err = stopped(lctx), fmt.Errorf("applying: %w", err)
	case j != nil && j.err != nil:
		o.status, o.err = StatusInterrupted, fmt.Errorf("keeping the journal of its writes: %w", j.err)
	case actx.Err() != nil:
		o.status, o.err = StatusInterrupted, fmt.Errorf("applying: %w", context.Cause(actx))
	case err != nil:
		o.status, o.err = StatusFailed, fmt.Errorf("applying: %w", err)
	case !rep.OK():
		o.status = StatusFailed
		o.err = fmt.Errorf("applying: %d actions failed, %d were stale, %d canceled, %d rolled back",
			rep.Failed, rep.Stale, rep.Canceled, rep.RolledBack)
	case plan.Counts.Pending > 0:
		o.status = StatusWaiting
		o.err = fmt.Errorf("the certain part was applied; %d questions wait for answers", plan.Counts.Pending)
	default:
		o.status = StatusSucceeded
	}
	return o
}

// outcome is how a run ends and what its last write keeps.
type outcome struct {
	status        Status
	err           error
	report        *reconcile.Report
	history       *reconcile.History // to keep, when a report was made
	journalChunks int
	hold          *Hold // the pipeline is (still) held
	dropRelease   bool  // the release was not enough for this plan
	clearHold     bool  // the held pipeline applied under its release
}

// end is a run's last write: its status and report, the history, the hold, and the runs that
// are no longer kept. It is made even when the caller's context has ended, and fenced like
// every other write of the run.
func (p *Pipeline) end(ctx context.Context, l store.Lease, r *runRecord, o outcome, log *slog.Logger) (Run, error) {
	now := p.now()
	r.Status, r.Ended, r.Hold = o.status, now, o.hold
	if o.status != StatusSucceeded && o.status != StatusHeld {
		r.Error = errorText(o.err)
	}
	if o.report != nil {
		r.Report = summariseReport(o.report)
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finalWriteTimeout)
	defer cancel()
	err := store.UpdateFenced(wctx, p.st, p.scope, l, func(tx store.Tx) error {
		st, err := readState(tx)
		if err != nil {
			return err
		}
		if o.report != nil {
			r.Results = len(o.report.Results)
			if r.ResultChunks, err = putReport(tx, r.ID, o.report); err != nil {
				return err
			}
			if err := store.Put(tx, keyHistory, *o.history); err != nil {
				return err
			}
		}
		for n := range o.journalChunks {
			if err := tx.DeleteValue(journalKey(n)); err != nil {
				return err
			}
		}
		switch {
		case o.hold != nil:
			if err := store.Put(tx, keyHold, *o.hold); err != nil {
				return err
			}
			if o.dropRelease {
				if err := tx.DeleteValue(keyRelease); err != nil {
					return err
				}
			}
		case o.clearHold:
			if err := errors.Join(tx.DeleteValue(keyHold), tx.DeleteValue(keyRelease)); err != nil {
				return err
			}
		}
		if err := store.Put(tx, runKey(r.ID), *r); err != nil {
			return err
		}
		st.LastEnded, st.LastStatus = now, o.status
		if o.status == StatusFailed || o.status == StatusInterrupted {
			st.Failures++
		} else {
			st.Failures = 0
		}
		if err := p.prune(tx, &st); err != nil {
			return err
		}
		return store.Put(tx, keyState, st)
	})
	attrs := []any{"status", o.status, "took", now.Sub(r.Started)}
	if r.Plan != nil {
		attrs = append(attrs, "planned", r.Plan.Counts)
	}
	if r.Report != nil {
		attrs = append(attrs, "applied", r.Report.Counts, "failed", r.Report.Failed, "stale", r.Report.Stale)
	}
	if o.err != nil {
		attrs = append(attrs, "reason", errorText(o.err))
	}
	level := slog.LevelInfo
	if o.status != StatusSucceeded {
		level = slog.LevelWarn
	}
	log.Log(ctx, level, "pipeline: run ended", attrs...)
	if err != nil {
		return r.Run, errors.Join(&bookkeepingError{p.name, fmt.Sprintf("recording the end of run %d", r.ID), err},
			(&runError{p.name, r.ID, o.status, o.err}).orNil())
	}
	if o.status == StatusSucceeded {
		return r.Run, nil
	}
	return r.Run, &runError{p.name, r.ID, o.status, o.err}
}

func (e *runError) orNil() error {
	if e.err == nil {
		return nil
	}
	return e
}

// prune removes the runs beyond the number kept, except the one whose questions are open and
// the latest held one, which the review still needs.
func (p *Pipeline) prune(tx store.Tx, st *state) error {
	last := st.LastRun - int64(p.cfg.keep)
	h, _, err := get[Hold](tx, keyHold)
	if err != nil {
		return err
	}
	raws, err := tx.Values("run/")
	if err != nil {
		return err
	}
	for _, e := range raws {
		var r runRecord
		if err := json.Unmarshal(e.Value, &r); err != nil {
			// A damaged record of an old run: drop the record, the rest cannot be found.
			if err := tx.DeleteValue(e.Key); err != nil {
				return err
			}
			continue
		}
		if r.ID > last || r.ID == st.Planned || r.ID == h.Run {
			continue
		}
		if err := deleteRun(tx, &r); err != nil {
			return err
		}
	}
	return nil
}

func deleteRun(tx store.Tx, r *runRecord) error {
	var b store.Batch
	b.Delete(runKey(r.ID))
	b.Delete(planKey(r.ID))
	b.Delete(reportKey(r.ID))
	for n := range chunks(r.ActionChunks) {
		b.Delete(actionsKey(r.ID, n))
	}
	for n := range chunks(r.ResultChunks) {
		b.Delete(resultsKey(r.ID, n))
	}
	return tx.Apply(b)
}

// putPlan stores a plan as its header and its actions in chunks; it returns the chunks.
func putPlan(tx store.Tx, id int64, plan *reconcile.Plan) (int, error) {
	head := *plan
	head.Actions = nil
	return putChunked(tx, planKey(id), head, plan.Actions, func(n int) string { return actionsKey(id, n) })
}

// putReport stores a report as its header and its results in chunks; it returns the chunks.
func putReport(tx store.Tx, id int64, rep *reconcile.Report) (int, error) {
	head := *rep
	head.Results = nil
	return putChunked(tx, reportKey(id), head, rep.Results, func(n int) string { return resultsKey(id, n) })
}

func putChunked[H, T any](tx store.Tx, key string, head H, items []T, chunkKey func(n int) string) (int, error) {
	var b store.Batch
	if err := b.Put(key, head); err != nil {
		return 0, err
	}
	n := 0
	for i := 0; i < len(items); i += chunkSize {
		if err := b.Put(chunkKey(n), items[i:min(i+chunkSize, len(items))]); err != nil {
			return 0, err
		}
		n++
	}
	return n, tx.Apply(b)
}

func summarisePlan(plan *reconcile.Plan) *PlanSummary {
	return &PlanSummary{Fingerprint: plan.Fingerprint, Inputs: plan.Inputs, Actions: len(plan.Actions),
		Counts: plan.Counts, ByKind: plan.ByKind, Tripped: plan.Tripped, Unconverged: len(plan.Unconverged)}
}

func summariseReport(rep *reconcile.Report) *ReportSummary {
	return &ReportSummary{Counts: rep.Counts, Failed: rep.Failed, Stale: rep.Stale, Canceled: rep.Canceled, RolledBack: rep.RolledBack}
}

type tokenKey struct{}

// FencingToken returns the fencing token of the lease the run applying through ctx holds, for
// a target that can refuse writes from a runner that lost its lease: it keeps the highest token
// it has seen and refuses smaller ones. ok is false outside a run.
func FencingToken(ctx context.Context) (token int64, ok bool) {
	token, ok = ctx.Value(tokenKey{}).(int64)
	return token, ok
}
