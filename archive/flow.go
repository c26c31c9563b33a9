package archive

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/edusync/edusync/fs"
	"github.com/edusync/edusync/notify"
	"github.com/edusync/edusync/store"
)

// Source is an exam system as the flow reads it. InsperaSource and WISEflowSource are the two.
type Source interface {
	// Refresh reads the thesis again as the exam system holds it now: the final grade (after an
	// appeal, the reassessment's), the cover sheet and the files with fresh links.
	Refresh(ctx context.Context, t *Thesis) (*Thesis, error)
	// Open streams one of the thesis's files (from a Refresh'ed thesis).
	Open(ctx context.Context, t *Thesis, f File) (io.ReadCloser, error)
}

// Notifier sends an operator an alert when archiving a thesis failed for good; package
// notify's *Notifier (a chat webhook, a daily digest) is one.
type Notifier interface {
	Notify(ctx context.Context, a notify.Alert) error
}

// Config configures a Flow.
type Config struct {
	// Store keeps the theses, their timers, attempts and audit; Scope names the flow and the
	// institution (Tenant).
	Store store.Store
	Scope store.Scope
	// FS reads the deadlines' dates and the appeals.
	FS fs.Service
	// Sources are the exam systems theses come from.
	Sources map[System]Source
	// Stager keeps the files and manifests before delivery; Archiver files the records.
	Stager   Stager
	Archiver Archiver
	// Policy decides access (DefaultAccessPolicy when nil); Mapping makes the records
	// (DefaultMapping when nil).
	Policy  *AccessPolicy
	Mapping *Mapping
	// Protected tells whether the author of a thesis has a protected identity (from the
	// population register or the student system). Nil: none is known as protected. An error
	// restricts the thesis (fail closed). ShowProtectedNames lets their names into the
	// internal titles (never into public ones); the host's opt-in for this archive.
	Protected          func(ctx context.Context, t *Thesis) (bool, error)
	ShowProtectedNames bool
	// Alerts is told of the dead letters (optional), with the fields Sikt's integration sends
	// (see Flow's documentation); OrgID is FS's institution number for them.
	Alerts Notifier
	OrgID  string
	// Now is the clock (time.Now when nil); Logger logs steps by thesis key (never names).
	Now    func() time.Time
	Logger *slog.Logger
	// Recheck is how often open business (an open appeal, a pending explanation, a grade not
	// yet set) is read again; default 24 hours. Watch is how long after delivery FS is still
	// asked for late appeals (default 180 days), every Recheck*7.
	Recheck, Watch time.Duration
	// Backoff is the first retry's delay after a failed step (doubling, at most an hour);
	// default one minute. MaxAttempts failed attempts (default 5) dead-letter the thesis.
	Backoff     time.Duration
	MaxAttempts int
	// Holder names this process in the store's lease (default host and pid). Give each
	// deployment instance a stable name: after a crash it then takes its lease back at once
	// instead of waiting a minute for it to expire.
	Holder string
}

// Flow archives master's theses: it records what the sources deliver (Collect), waits for
// FS's deadlines on store timers, and stages and delivers each thesis once (Step, Run).
type Flow struct {
	cfg     Config
	policy  AccessPolicy
	mapping Mapping
	log     *slog.Logger
}

// New checks cfg and returns a Flow.
func New(cfg Config) (*Flow, error) {
	if cfg.Store == nil || cfg.FS == nil || cfg.Archiver == nil || cfg.Stager == nil || len(cfg.Sources) == 0 {
		return nil, errors.New("archive: Store, FS, Sources, Stager and Archiver are required")
	}
	if err := cfg.Scope.Validate(); err != nil {
		return nil, err
	}
	f := &Flow{cfg: cfg, policy: DefaultAccessPolicy(), mapping: DefaultMapping(), log: cfg.Logger}
	if cfg.Policy != nil {
		f.policy = *cfg.Policy
	}
	if cfg.Mapping != nil {
		f.mapping = *cfg.Mapping
	}
	if err := f.policy.Validate(); err != nil {
		return nil, err
	}
	if err := f.mapping.Validate(); err != nil {
		return nil, err
	}
	if f.cfg.Now == nil {
		f.cfg.Now = time.Now
	}
	if f.log == nil {
		f.log = slog.New(slog.DiscardHandler)
	}
	if f.cfg.Recheck <= 0 {
		f.cfg.Recheck = 24 * time.Hour
	}
	if f.cfg.Watch <= 0 {
		f.cfg.Watch = 180 * 24 * time.Hour
	}
	if f.cfg.Backoff <= 0 {
		f.cfg.Backoff = time.Minute
	}
	if f.cfg.MaxAttempts <= 0 {
		f.cfg.MaxAttempts = 5
	}
	if f.cfg.Holder == "" {
		h, _ := os.Hostname()
		f.cfg.Holder = h + "/" + strconv.Itoa(os.Getpid())
	}
	return f, nil
}

// State is where a thesis stands.
type State string

// The states of a thesis.
const (
	StateWaiting  State = "waiting"  // for a grade, its deadlines or an open case; Reason says which
	StateRetrying State = "retrying" // a step failed and is retried
	StateArchived State = "archived" // delivered (late appeals are still added)
	StateDead     State = "dead"     // given up after MaxAttempts; an operator requeues it (Requeue)
)

// Deadlines are FS's dates that decided when a thesis could be archived.
type Deadlines struct {
	Announced   string    `json:"announced,omitempty"`   // kunngjøringsdato
	Source      string    `json:"source,omitempty"`      // "fs" or "exam system"
	Explanation string    `json:"explanation,omitempty"` // last day to ask for an explanation
	Appeal      string    `json:"appeal,omitempty"`      // last day to appeal ("" while pending)
	Rule        string    `json:"rule,omitempty"`        // which of FS's rules fixed it
	Ends        time.Time `json:"ends,omitzero"`         // when both periods are over
}

// Appeal is an appeal FS recorded after the thesis was delivered, and what was filed for it.
type Appeal struct {
	Key           string   `json:"key"`
	Received      string   `json:"received"`
	Status        string   `json:"status"`
	PreviousGrade string   `json:"previousGrade,omitempty"`
	NewGrade      string   `json:"newGrade,omitempty"`
	Receipt       *Receipt `json:"receipt,omitempty"`
}

// Status is a thesis as the flow holds it, for operators and the example.
type Status struct {
	Key       Key          `json:"key"`
	State     State        `json:"state"`
	Reason    string       `json:"reason"`
	Next      time.Time    `json:"next,omitzero"` // when it is looked at again
	Deadlines Deadlines    `json:"deadlines"`
	Decision  *Decision    `json:"decision,omitempty"`
	Staged    []StagedFile `json:"staged,omitempty"`
	Receipt   *Receipt     `json:"receipt,omitempty"`
	// KnownAppeals are the appeals FS held at delivery (already reflected in the grade);
	// Appeals those that came after.
	KnownAppeals []string  `json:"knownAppeals,omitempty"`
	Appeals      []Appeal  `json:"appeals,omitempty"`
	Attempts     int       `json:"attempts,omitempty"`
	LastError    string    `json:"lastError,omitempty"`
	Collected    time.Time `json:"collected"`
	Updated      time.Time `json:"updated"`
}

type record struct {
	Thesis Thesis `json:"thesis"`
	Status Status `json:"status"`
}

func thesisKey(k Key) string { return "thesis/" + k.String() }
func timerID(k Key) string   { return "check/" + k.String() }

// Collect records a delivered thesis durably and schedules its first check. Collecting a
// thesis again updates what the flow knows of it (a grade set, a file added) and checks it
// again; an archived thesis is only checked again (a changed grade is a late appeal's outcome).
func (f *Flow) Collect(ctx context.Context, t Thesis) error {
	if err := t.validate(); err != nil {
		return err
	}
	if f.cfg.Sources[t.Key.System] == nil {
		return fmt.Errorf("%w: no source for %s", ErrInvalidThesis, t.Key.System)
	}
	now := f.cfg.Now()
	return f.cfg.Store.Update(ctx, f.cfg.Scope, func(tx store.Tx) error {
		rec, err := store.Get[record](tx, thesisKey(t.Key))
		switch {
		case errors.Is(err, store.ErrNotFound):
			rec = record{Thesis: t, Status: Status{Key: t.Key, State: StateWaiting, Reason: "collected", Collected: now, Updated: now}}
		case err != nil:
			return err
		case rec.Status.State == StateArchived || rec.Status.State == StateDead:
		default:
			rec.Thesis = t
		}
		rec.Status.Next = now
		if err := store.Put(tx, thesisKey(t.Key), rec); err != nil {
			return err
		}
		if err := f.audit(tx, t.Key, "collect", "recorded from "+string(t.Key.System)); err != nil {
			return err
		}
		if rec.Status.State == StateDead {
			return nil
		}
		return tx.Schedule(timerID(t.Key), now, nil)
	})
}

// Recheck has a thesis checked at the next Step (an appeal or grade changed). Unknown keys are
// ignored.
func (f *Flow) Recheck(ctx context.Context, k Key) error {
	now := f.cfg.Now()
	return f.cfg.Store.Update(ctx, f.cfg.Scope, func(tx store.Tx) error {
		rec, err := store.Get[record](tx, thesisKey(k))
		if errors.Is(err, store.ErrNotFound) || (err == nil && rec.Status.State == StateDead) {
			return nil
		}
		if err != nil {
			return err
		}
		return tx.Schedule(timerID(k), now, nil)
	})
}

// HandleAppeal takes an appeal FS reported (fs/fspoll's queue): the thesis it concerns is
// checked again. Before delivery an open appeal reopens the wait; after it, a decided appeal's
// outcome is added to the archived record.
func (f *Flow) HandleAppeal(ctx context.Context, system fs.ExamSystem, a fs.Appeal) error {
	sys := Inspera
	if system == fs.WISEflow {
		sys = WISEflow
	}
	return f.Recheck(ctx, Key{System: sys, Exam: a.VurdID, Candidate: string(a.Kandidatnr)})
}

// Requeue gives a dead-lettered thesis a fresh start.
func (f *Flow) Requeue(ctx context.Context, k Key) error {
	now := f.cfg.Now()
	return f.cfg.Store.Update(ctx, f.cfg.Scope, func(tx store.Tx) error {
		rec, err := store.Get[record](tx, thesisKey(k))
		if err != nil {
			return err
		}
		if rec.Status.State != StateDead {
			return nil
		}
		rec.Status.State, rec.Status.Reason, rec.Status.Attempts, rec.Status.Next = StateWaiting, "requeued", 0, now
		if rec.Status.Receipt != nil {
			rec.Status.State = StateArchived
		}
		if err := tx.ClearAttempts(k.String()); err != nil {
			return err
		}
		if err := store.Put(tx, thesisKey(k), rec); err != nil {
			return err
		}
		if err := f.audit(tx, k, "requeue", "requeued by an operator"); err != nil {
			return err
		}
		return tx.Schedule(timerID(k), now, nil)
	})
}

// Statuses lists every thesis the flow holds, in key order.
func (f *Flow) Statuses(ctx context.Context) ([]Status, error) {
	var out []Status
	after := ""
	for {
		var page []store.Entry[record]
		err := f.cfg.Store.View(ctx, f.cfg.Scope, func(tx store.Tx) error {
			var err error
			page, err = store.ListFrom[record](tx, "thesis/", after, 500)
			return err
		})
		if err != nil {
			return nil, err
		}
		for _, e := range page {
			out = append(out, e.Value.Status)
		}
		if len(page) < 500 {
			return out, nil
		}
		after = page[len(page)-1].Key
	}
}

// Step looks at every thesis whose timer is due (at most limit, 0: 100) and returns how many
// it looked at. It holds the store's lease for the scope while it works, so two processes never
// deliver at once; ErrBusy when another holds it.
func (f *Flow) Step(ctx context.Context, limit int) (int, error) {
	if limit <= 0 {
		limit = 100
	}
	n := 0
	err := store.HoldLease(ctx, f.cfg.Store, f.cfg.Scope, "archive", f.cfg.Holder, leaseTTL,
		func(ctx context.Context, l store.Lease) error {
			var due []store.Timer
			err := f.cfg.Store.View(ctx, f.cfg.Scope, func(tx store.Tx) error {
				var err error
				due, err = tx.DueTimers(f.cfg.Now(), limit)
				return err
			})
			if err != nil {
				return err
			}
			for _, t := range due {
				if err := ctx.Err(); err != nil {
					return err
				}
				if err := f.process(ctx, t, l); err != nil {
					return err
				}
				n++
			}
			return nil
		})
	if errors.Is(err, store.ErrLeaseHeld) {
		return n, ErrBusy
	}
	return n, err
}

// leaseTTL is how long a Step's lease outlives a process that died holding it (a process that
// comes back with the same Holder takes it at once).
const leaseTTL = time.Minute

// ErrBusy is returned by Step when another process holds the flow's lease.
var ErrBusy = errors.New("archive: another process is archiving this scope")

// Run calls Step until ctx ends, sleeping until the next timer is due (at most every).
func (f *Flow) Run(ctx context.Context, every time.Duration) error {
	for {
		n, err := f.Step(ctx, 0)
		if err != nil && !errors.Is(err, ErrBusy) {
			return err
		}
		wait := every
		if n == 0 {
			_ = f.cfg.Store.View(ctx, f.cfg.Scope, func(tx store.Tx) error {
				if t, err := tx.NextTimer(); err == nil {
					wait = min(every, max(0, t.At.Sub(f.cfg.Now())))
				}
				return nil
			})
		} else {
			wait = 0
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}
