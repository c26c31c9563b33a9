package examsync

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/edusync/edusync/apierror"
	"github.com/edusync/edusync/fs"
	"github.com/edusync/edusync/fs/fspoll"
	"github.com/edusync/edusync/inspera"
	"github.com/edusync/edusync/inspera/insperahook"
	"github.com/edusync/edusync/notify"
	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/wiseflow"
	"github.com/edusync/edusync/wiseflow/wiseflowpoll"
)

// tenantRun is one active tenant: its pollers, receivers, queues and what it remembers.
type tenantRun struct {
	s       *Sync
	t       Tenant
	su      Setup
	state   store.Scope
	commits *committer
	fsPoll  *fspoll.Poller
	hook    *insperahook.Handler
	wfPoll  *wiseflowpoll.Poller
	workers []*store.Worker
}

func (s *Sync) newTenant(su Setup) (*tenantRun, error) {
	t := &tenantRun{s: s, t: su.Tenant, su: su, state: store.Scope{Flow: stateFlow, Tenant: su.Tenant.OrgID + "/" + string(su.Tenant.ExamSystem)}}
	t.commits = &committer{st: s.cfg.Store, scope: t.state}
	cfg := &s.cfg
	if su.FS == nil {
		return nil, fmt.Errorf("%w: FS is required", ErrConfig)
	}
	var err error
	t.fsPoll, err = fspoll.New(fspoll.Config{Source: su.FS, Store: cfg.Store, Institution: t.t.OrgID, System: t.t.ExamSystem,
		Start: t.t.Start, Interval: t.t.interval(), MaxAttempts: cfg.MaxAttempts, Now: cfg.Now, Logger: cfg.Logger})
	if err != nil {
		return nil, err
	}
	t.addWorker(t.fsPoll.Scope(), t.handleFS)
	switch t.t.ExamSystem {
	case fs.Inspera:
		if su.Inspera == nil || len(su.InsperaSecrets) == 0 {
			return nil, fmt.Errorf("%w: an Inspera tenant needs its Inspera client and webhook secrets", ErrConfig)
		}
		scope := store.Scope{Flow: insperaHookFlow, Tenant: t.t.OrgID}
		t.hook, err = insperahook.NewHandler(insperahook.Config{Store: cfg.Store, Scope: scope, Secrets: su.InsperaSecrets,
			MaxAttempts: cfg.MaxAttempts, Logger: cfg.Logger, Now: cfg.Now})
		if err != nil {
			return nil, err
		}
		s.mux.Handle("/inspera/"+t.t.OrgShortName, t.hook)
		t.addWorker(scope, t.handleInspera)
	case fs.WISEflow:
		if su.WISEflow == nil {
			return nil, fmt.Errorf("%w: a WISEflow tenant needs its WISEflow client", ErrConfig)
		}
		var q wiseflow.FlowQuery
		if su.WISEflowQuery != nil {
			q = *su.WISEflowQuery
		}
		t.wfPoll = &wiseflowpoll.Poller{Client: su.WISEflow, Store: cfg.Store, Scope: store.Scope{Flow: wiseflowPollFlow, Tenant: t.t.OrgID},
			Query: q, Recheck: cfg.WISEflowRecheck, Now: cfg.Now, Logger: cfg.Logger}
		if cfg.Holder != "" {
			t.wfPoll.Holder = cfg.Holder + "/" + t.t.OrgID
		}
		t.addWorker(t.wfPoll.Scope, t.handleWISEflow)
		if len(su.WISEflowSecret) > 0 {
			scope := store.Scope{Flow: wiseflowHookFlow, Tenant: t.t.OrgID}
			s.mux.Handle("/wiseflow/"+t.t.OrgShortName, &wiseflowpoll.Receiver{Store: cfg.Store, Scope: scope,
				Secret: su.WISEflowSecret, Poller: t.wfPoll, Now: cfg.Now, Logger: cfg.Logger})
			// The receiver hints the poller as it takes a call; the queued calls need no more.
			t.addWorker(scope, func(context.Context, store.Delivery) error { return nil })
		}
	}
	return t, nil
}

func (t *tenantRun) addWorker(scope store.Scope, h func(context.Context, store.Delivery) error) {
	c := &t.s.cfg
	t.workers = append(t.workers, &store.Worker{Store: c.Store, Scope: scope, Handle: h, Concurrency: 8, Visibility: c.Visibility,
		Poll: c.Idle, RetryBase: c.RetryBase, RetryMax: c.RetryMax, Now: c.Now, Logger: c.Logger})
}

// job is the handling of one delivery: the base of its audit records and what an alert about
// it carries.
type job struct {
	t        *tenantRun
	d        store.Delivery
	base     AuditRecord
	fetched  []time.Time // when FS was read, for the alert
	personal []string    // values naming the person, masked in the alert
	sets     []kv        // audit records and state to commit with the message
}

// kv is a value to keep in the tenant's state scope.
type kv struct {
	key   string
	value []byte
}

// put stages a value for the job's commit.
func (j *job) put(key string, v any) error {
	b, err := json.Marshal(v)
	if err == nil {
		j.sets = append(j.sets, kv{key, b})
	}
	return err
}

// flush commits what the job staged (its audit records, what it did), sharing a
// transaction with the jobs of other workers that flush at the same time.
func (j *job) flush(ctx context.Context) error {
	sets := j.sets
	j.sets = nil
	return j.t.commits.commit(ctx, sets)
}

// finish commits what the job staged, failed steps included: a message's audit records and
// state changes are one transaction. A commit that fails fails the message (not for good),
// whose steps are then done again, as each may be.
func (j *job) finish(ctx context.Context, err error) error {
	if cerr := j.flush(ctx); cerr != nil {
		return cerr
	}
	return err
}

func (t *tenantRun) job(d store.Delivery, queue store.Scope, submodule string) *job {
	return &job{t: t, d: d, base: AuditRecord{Env: t.t.FSEnv, OrgID: t.t.OrgID, ExamSys: string(t.t.ExamSystem),
		Instance: t.t.Instance, Submodule: submodule, InputTopic: queue.String(), Offset: d.ID, Attempt: d.Attempt, Key: d.Key}}
}

// submodule names a flow in an exam system, as Sikt's services are named.
func (t *tenantRun) submodule(f Flow) string {
	sys := "inspera"
	if t.t.ExamSystem == fs.WISEflow {
		sys = "wiseflow"
	}
	if f == FlowAppeals {
		return sys + "-appeal"
	}
	return sys + "-explanation"
}

// done records a step: its audit record, and when it failed for good (a permanent failure or
// the message's last attempt) an alert. A permanent failure comes back marked so the worker
// dead-letters the message at once.
func (j *job) done(ctx context.Context, rec AuditRecord, err error) error {
	t := j.t
	rec.Time = t.s.cfg.Now()
	rec.Success = err == nil
	final := false
	if err != nil {
		perm := permanent(err)
		final = perm || (j.d.MaxAttempts > 0 && j.d.Attempt >= j.d.MaxAttempts)
		rec.ErrorMessage, rec.ErrorCode, rec.Dead = err.Error(), statusOf(err), final
		if perm {
			err = store.Permanent(err)
		}
	}
	e, aerr := auditEntry(rec)
	if aerr != nil {
		return errors.Join(err, aerr)
	}
	j.sets = append(j.sets, e)
	if final {
		t.alert(ctx, j, rec)
	}
	return err
}

func (t *tenantRun) alert(ctx context.Context, j *job, rec AuditRecord) {
	if t.s.cfg.Notifier == nil {
		return
	}
	a := notify.Alert{Module: "examsync", Submodule: rec.Submodule, Kind: kindOf(rec), OrgID: t.t.OrgID,
		OrgShortName: t.t.OrgShortName, ExamSystem: string(t.t.ExamSystem), Instance: t.t.Instance, VurdID: rec.VurdID,
		Message: rec.Step + ": " + rec.ErrorMessage, Personal: j.personal, Time: rec.Time,
		Fields: []notify.Field{{Name: "step", Value: rec.Step}, {Name: "key", Value: rec.Key}, {Name: "env", Value: rec.Env}}}
	if rec.TestID != "" {
		a.Fields = append(a.Fields, notify.Field{Name: "testId", Value: rec.TestID})
	}
	if rec.FlowID != 0 {
		a.Fields = append(a.Fields, notify.Field{Name: "flowId", Value: strconv.FormatInt(rec.FlowID, 10)})
	}
	a.FetchDates = j.fetched
	if err := t.s.cfg.Notifier.Notify(ctx, a); err != nil {
		t.s.cfg.Logger.Warn("examsync: the alert was not delivered", "orgId", t.t.OrgID, "error", err)
	}
}

// kindOf names the class of a failure, for the alert's blacklist.
func kindOf(rec AuditRecord) string {
	switch {
	case rec.ErrorCode == 403 && rec.Submodule == "wiseflow-appeal":
		return "wiseflow-module-missing"
	case rec.ErrorCode == 429:
		return "rate-limited"
	case rec.ErrorCode >= 500:
		return "unavailable"
	case rec.ErrorCode == 404:
		return "not-found"
	case rec.ErrorCode == 409:
		return "conflict"
	case rec.ErrorCode >= 400:
		return "refused"
	}
	return "error"
}

// errCase is matched by failures of the case itself (FS sent what cannot be acted on).
var errCase = errors.New("examsync: the case cannot be acted on")

// permanent reports whether retrying err cannot help: the exam system or FS refused the
// request for what it is (a missing module, an unknown candidate, an invalid explanation).
// Server errors, rate limits, lost answers and a candidate not graded yet are worth retrying.
func permanent(err error) bool {
	switch {
	case errors.Is(err, apierror.ErrRateLimited), errors.Is(err, apierror.ErrServer),
		errors.Is(err, fs.ErrOutcomeUnknown), errors.Is(err, inspera.ErrNotGraded), apiCode(err) == "NOT_GRADED",
		errors.Is(err, apierror.ErrUnauthorized), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return false
	case errors.Is(err, errCase), errors.Is(err, wiseflow.ErrModuleMissing), errors.Is(err, apierror.ErrBadRequest),
		errors.Is(err, apierror.ErrForbidden), errors.Is(err, apierror.ErrNotFound), errors.Is(err, apierror.ErrConflict),
		errors.Is(err, apierror.ErrGone), errors.Is(err, apierror.ErrTooLarge), errors.Is(err, fs.ErrInvalidExplanation),
		errors.Is(err, fs.ErrInvalidExamKey), errors.Is(err, inspera.ErrCandidateNotFound), errors.Is(err, inspera.ErrAppealDecided),
		errors.Is(err, inspera.ErrExplanationsDisabled), errors.Is(err, fspoll.ErrPayload), errors.Is(err, wiseflowpoll.ErrBadChange):
		return true
	}
	return false
}

// apiCode is the API's own error code in err, or "". WISEflow refuses an explanation request
// for a participant without a grade with 403 NOT_GRADED: the grade may still come.
func apiCode(err error) string {
	var ae *apierror.APIError
	if errors.As(err, &ae) {
		return ae.Code
	}
	return ""
}

// statusOf is the HTTP status of an API's refusal in err, or 0.
func statusOf(err error) int {
	var ae *apierror.APIError
	if errors.As(err, &ae) {
		return ae.StatusCode
	}
	if errors.Is(err, wiseflow.ErrModuleMissing) {
		return 403
	}
	return 0
}

// caseKey is a digest of a candidate's case at an exam, so the store's keys hold no
// candidate number in clear.
func caseKey(vurdID, kandidatnr string) string {
	h := sha256.Sum256([]byte(vurdID + "\x00" + kandidatnr))
	return hex.EncodeToString(h[:16])
}
