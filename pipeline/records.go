package pipeline

import (
	"errors"
	"time"

	"github.com/edusync/edusync/reconcile"
)

// Errors a host can test for with errors.Is.
var (
	// ErrInvalid: a bad name, option, page or answer.
	ErrInvalid = errors.New("pipeline: invalid argument")
	// ErrHeld is reconcile's: a safety hold stopped the run before any write, and the pipeline
	// stays held until Ledger.Release.
	ErrHeld = reconcile.ErrHeld
	// ErrWaiting: the plan has questions (uncertain matches, imports) that wait for answers;
	// nothing was written (unless WithPartialApply).
	ErrWaiting = errors.New("pipeline: the plan waits for answers")
	// ErrInterrupted: the run ended before it was done (the context ended, the lease was lost,
	// or its process died); the next run finishes the work.
	ErrInterrupted = errors.New("pipeline: the run was interrupted")
	// ErrFailed: the run failed (a source or target could not be read, actions failed).
	ErrFailed = errors.New("pipeline: the run failed")
	// ErrNoRun: no such run is kept (it was never made, or is older than the runs kept).
	ErrNoRun = errors.New("pipeline: no such run")
	// ErrNoPlan: the run ended before it made a plan, or before it applied one (for a report).
	ErrNoPlan = errors.New("pipeline: the run has no plan or report")
	// ErrNotHeld: Release of a run that is not held (the pipeline is not held, or the run is
	// not one of the current hold's).
	ErrNotHeld = errors.New("pipeline: the run is not held")
	// ErrStarted: Start called while the pipeline is already started.
	ErrStarted = errors.New("pipeline: already started")
)

// Status is where a run is, or how it ended.
type Status string

// The statuses of a run.
const (
	// StatusRunning: the run is in progress (or its process died; the next run marks it
	// interrupted).
	StatusRunning Status = "running"
	// StatusSucceeded: the plan was applied and every action was carried out (or there was
	// nothing to do).
	StatusSucceeded Status = "succeeded"
	// StatusWaiting: the plan has questions waiting for answers; nothing was written (with
	// WithPartialApply, the certain part was).
	StatusWaiting Status = "waiting"
	// StatusHeld: a safety hold stopped the run before any write, or the pipeline was held by
	// an earlier run and not released yet.
	StatusHeld Status = "held"
	// StatusFailed: the run could not read a side, or actions failed.
	StatusFailed Status = "failed"
	// StatusInterrupted: the run stopped before it was done: its context ended, its lease was
	// lost, or its process died.
	StatusInterrupted Status = "interrupted"
)

// err returns the sentinel a run with this status matches (nil for succeeded and running).
func (s Status) err() error {
	switch s {
	case StatusWaiting:
		return ErrWaiting
	case StatusHeld:
		return ErrHeld
	case StatusFailed:
		return ErrFailed
	case StatusInterrupted:
		return ErrInterrupted
	}
	return nil
}

// Trigger says why a run was made.
type Trigger string

// The triggers of a run.
const (
	// TriggerCall: the host called Run.
	TriggerCall Trigger = "call"
	// TriggerSchedule: Start's interval came round (or a retry after a failure, or a dead
	// runner's run to finish).
	TriggerSchedule Trigger = "schedule"
	// TriggerDemand: Trigger, or Ledger.Request from elsewhere.
	TriggerDemand Trigger = "demand"
)

// Run is the record of one run, kept in the store for the last runs (WithKeepRuns). Its plan,
// report and questions are read through the Ledger.
type Run struct {
	// ID numbers the runs of a pipeline from 1, in the order they started.
	ID int64 `json:"id"`
	// Pipeline is the pipeline's name.
	Pipeline string `json:"pipeline"`
	// Trigger says why it ran.
	Trigger Trigger `json:"trigger"`
	// Holder names the process that ran it (host, process id, random part).
	Holder string `json:"holder"`
	// Token is the fencing token of the lease it ran under.
	Token int64 `json:"token"`
	// Status is where it is, or how it ended.
	Status Status `json:"status"`
	// Started and Ended are when it started and ended (Ended zero while running).
	Started time.Time `json:"started"`
	Ended   time.Time `json:"ended,omitzero"`
	// Plan summarises the plan it made; nil when it ended before planning.
	Plan *PlanSummary `json:"plan,omitempty"`
	// Report summarises what applying did; nil when it applied nothing.
	Report *ReportSummary `json:"report,omitempty"`
	// Hold says why it was held; nil unless Status is held.
	Hold *Hold `json:"hold,omitempty"`
	// Released is the release it applied under, when an earlier run was held.
	Released *Release `json:"released,omitempty"`
	// Error says why it failed or was interrupted, personal numbers masked.
	Error string `json:"error,omitempty"`
}

// Err returns nil for a succeeded (or running) run and otherwise an error matching its status:
// ErrWaiting, ErrHeld, ErrFailed or ErrInterrupted.
func (r *Run) Err() error {
	if r.Status.err() == nil {
		return nil
	}
	why := r.Error
	if r.Hold != nil {
		why = r.Hold.Reason
	}
	return &runError{name: r.Pipeline, id: r.ID, status: r.Status, err: errors.New(why)}
}

// PlanSummary is what a run's plan amounts to.
type PlanSummary struct {
	// Fingerprint and Inputs are the plan's fingerprints.
	Fingerprint string `json:"fingerprint"`
	Inputs      string `json:"inputs"`
	// Actions is the number of actions listed.
	Actions int `json:"actions"`
	// Counts and ByKind count the actions per outcome.
	Counts reconcile.Counts                    `json:"counts"`
	ByKind map[reconcile.Kind]reconcile.Counts `json:"byKind,omitempty"`
	// Tripped are the holds the plan exceeds.
	Tripped []reconcile.Trip `json:"tripped,omitempty"`
	// Unconverged counts the fields the target did not keep as written.
	Unconverged int `json:"unconverged,omitempty"`
}

// ReportSummary is what applying a run's plan did.
type ReportSummary struct {
	// Counts counts the actions per outcome, as reconcile.Report does.
	Counts reconcile.Counts `json:"counts"`
	// Failed, Stale, Canceled and RolledBack count the actions that did not go through.
	Failed     int `json:"failed,omitempty"`
	Stale      int `json:"stale,omitempty"`
	Canceled   int `json:"canceled,omitempty"`
	RolledBack int `json:"rolledBack,omitempty"`
}

// Hold is a pipeline's safety hold: set by the first run whose plan tripped a threshold, kept
// by every run after it (which plan, but write nothing) until Ledger.Release.
type Hold struct {
	// Since is the first run held.
	Since int64 `json:"since"`
	// Run is the latest run held.
	Run int64 `json:"run"`
	// Reason says in words what tripped, or that the pipeline is still held.
	Reason string `json:"reason"`
	// Trips are the thresholds the latest held run's plan exceeds (none when its plan was
	// within them but the hold was not released yet).
	Trips []reconcile.Trip `json:"trips,omitempty"`
	// At is when the latest run was held.
	At time.Time `json:"at"`
	// Released is the release given for the next run, if any (filled by Ledger.Hold).
	Released *Release `json:"released,omitempty"`
}

// Release lets the next run apply a plan of a held pipeline: up to the counts of the held
// run that was reviewed, and no more.
type Release struct {
	// Run is the held run whose plan was reviewed.
	Run int64 `json:"run"`
	// By names who released it.
	By string `json:"by"`
	// At is when.
	At time.Time `json:"at"`
	// Trips are the thresholds that run exceeded, with its counts: the next plan may reach
	// these counts, not more.
	Trips []reconcile.Trip `json:"trips,omitempty"`
}

// Question is an action of the latest plan that waits for a person's decision: a match that is
// not certain or an import (Schulconnex cases 3 to 5), with both records.
type Question struct {
	// Run is the run whose plan asks it.
	Run int64 `json:"run"`
	// Action is the pending action, with its reason, case and records.
	Action reconcile.Action `json:"action"`
	// Answer is the answer given since, Undecided when none; the next run uses it.
	Answer reconcile.Verdict `json:"answer,omitempty"`
	// By names who answered.
	By string `json:"by,omitempty"`
}

// Answer is a decision given between runs, with who gave it and when.
type Answer struct {
	reconcile.Decision
	By string    `json:"by"`
	At time.Time `json:"at"`
}
