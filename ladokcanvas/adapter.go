package ladokcanvas

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
	_ "time/tzdata" // Swedish dates must not depend on the host's zone files

	"github.com/edusync/edusync/canvas"
	"github.com/edusync/edusync/internal/backoff"
	"github.com/edusync/edusync/ladok"
	"github.com/edusync/edusync/ladok/ladokfeed"
	"github.com/edusync/edusync/store"
)

// stockholm is the zone Ladok's dates are in.
var stockholm = mustZone("Europe/Stockholm")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic("ladokcanvas: " + err.Error()) // cannot happen: time/tzdata is linked in
	}
	return loc
}

// Adapter keeps Canvas in step with Ladok's event feed. Create it with New, call Start (it
// checks the configuration against Canvas and the store), then Run it; the admin methods
// (SetCoReading, SetEarlyAccess, ReplayCourse, ...) may be called while it runs. It is safe for
// concurrent use.
//
// Its parts, each owning its state: the scheduler runs events as tasks in the order that
// matters (sched.go); a catchUp feeds it from the Ladok feed and holds the reader's commits
// back until the work is done (catchup.go); the handlers decide what each event changes
// (events.go, students.go, enrol.go, courses.go, suspension.go) and change it through canvasAPI;
// what they learn of Canvas is kept in facts and made durable by the ledger (facts.go); the
// small state an admin tool changes is the mirror (state.go).
type Adapter struct {
	*core // the clients, the store, what is known of Ladok and Canvas, the event handlers

	feed    *ladokfeed.StoreState
	sched   *scheduler
	catchMu sync.Mutex // one catch-up at a time
	closed  atomic.Bool
}

// resolvedRoles are the Canvas roles students get.
type resolvedRoles struct {
	registered int64 // 0: Canvas's standard student role
	admitted   int64
}

// New returns an adapter from Ladok (lc) to Canvas (cc) that keeps its state in st (the
// adapter does not own st or the clients: the host closes them). cfg is validated again, in
// its normalised form (Config.Normalize). New reads the adapter's state from st with ctx; a
// store that cannot be read (a damaged file) fails here.
func New(ctx context.Context, lc *ladok.Client, cc *canvas.Client, st store.Store, cfg Config, opts ...Option) (*Adapter, error) {
	if lc == nil || cc == nil || st == nil {
		return nil, errors.New("ladokcanvas: New needs a Ladok client, a Canvas client and a store")
	}
	cfg = cfg.Normalize()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	o := defaultOptions()
	for _, f := range opts {
		if f == nil {
			continue
		}
		if err := f(&o); err != nil {
			return nil, err
		}
	}
	if o.tenant == "" {
		if u, err := url.Parse(lc.BaseURL()); err == nil && u.Host != "" {
			o.tenant = u.Host
		} else {
			o.tenant = "ladok"
		}
	}
	if o.feedName == "" {
		o.feedName = Flow + ":" + o.tenant
	}
	a := &Adapter{core: newCore(&core{ladok: lc, canvas: cc, st: st, cfg: cfg, o: o, log: slog.New(redacting(o.logger.Handler())),
		scope: store.Scope{Flow: Flow, Tenant: o.tenant}, timers: timerState{wake: make(chan struct{}, 1)}}),
		feed: ladokfeed.NewStoreState(st)}
	a.ledger = newLedger(st, a.scope, ladokfeed.DefaultKeyRetention, time.Now)
	var err error
	if a.m, err = loadMirror(ctx, st, a.scope); err != nil {
		return nil, err
	}
	if a.facts, err = loadFacts(ctx, st, a.scope, a.ledger); err != nil {
		return nil, err
	}
	if cfg.RestrictionsSendMessageToTeachers && a.o.messenger == nil {
		a.o.messenger = &canvasMessenger{h: a.susp, text: o.noticeText}
	}
	a.sched = newScheduler(o.workers, o.maxPending)
	return a, nil
}

// Config returns the adapter's configuration.
func (a *Adapter) Config() Config { return a.cfg }

// Scope returns the store scope of the adapter's state.
func (a *Adapter) Scope() store.Scope { return a.scope }

// FeedName returns the name under which the feed reader's position is kept (see
// ladokfeed.StoreState).
func (a *Adapter) FeedName() string { return a.o.feedName }

// Close stops the adapter's workers after the events in progress; events not yet started are
// left for the next run (the feed position was not saved past them).
func (a *Adapter) Close() error {
	if a.closed.Swap(true) {
		return nil
	}
	a.sched.close()
	return nil
}

// Stats counts what the adapter has done since it was created.
type Stats struct {
	Events       int64 // feed events handed to the adapter (duplicates skipped by the reader not included)
	Applied      int64 // events applied (including those that needed no change in Canvas)
	Ignored      int64 // events of types or kinds the adapter does not act on
	DeadLettered int64 // events that failed for good and were parked in the store
	Retried      int64 // catch-ups (or starts) that failed (Canvas or Ladok unavailable) and were tried again
	RateLimited  int64 // Canvas throttling errors that reached the adapter (after the client's retries)
	TimersFired  int64 // suspension starts and ends acted on
}

type counters struct {
	events, applied, ignored, dead, retried, rateLimited, timers atomic.Int64
}

// Stats returns the adapter's counts.
func (a *Adapter) Stats() Stats {
	return Stats{Events: a.stats.events.Load(), Applied: a.stats.applied.Load(), Ignored: a.stats.ignored.Load(),
		DeadLettered: a.stats.dead.Load(), Retried: a.stats.retried.Load(), RateLimited: a.stats.rateLimited.Load(),
		TimersFired: a.stats.timers.Load()}
}

// Run reads the feed and keeps Canvas in step until ctx ends: it starts (Start), catches up,
// fires due suspension timers, and then polls Ladok's recent page (WithPollInterval). A failed
// start or catch-up (Canvas or Ladok unreachable beyond the clients' retries) is tried again
// with backoff from the last saved position; events that fail for good are dead-lettered and
// do not stop it. It returns ctx's error, or an error that retrying cannot cure: a
// configuration Canvas refutes (*ConfigError), the feed position lost, a store that is damaged,
// cannot be written or lacks the state it must have (store.IsPermanent).
func (a *Adapter) Run(ctx context.Context) error {
	failures := 0
	retry := func(what string, err error) error {
		failures++
		a.stats.retried.Add(1)
		wait := a.backoff(failures)
		a.log.Warn("ladokcanvas: "+what+" failed; trying again", "error", err, "wait", wait)
		return backoff.Sleep(ctx, wait)
	}
	for {
		err := a.Start(ctx)
		if err == nil {
			break
		}
		if ctx.Err() != nil || fatal(err) {
			return err
		}
		if err := retry("starting", err); err != nil {
			return err
		}
	}
	failures = 0
	timersDone := make(chan struct{})
	tctx, stopTimers := context.WithCancel(ctx)
	go func() {
		defer close(timersDone)
		a.runTimers(tctx)
	}()
	defer func() {
		stopTimers()
		<-timersDone
	}()
	for {
		_, err := a.CatchUp(ctx)
		switch {
		case err == nil:
			failures = 0
		case ctx.Err() != nil:
			return ctx.Err()
		case fatal(err):
			return err
		default:
			if err := retry("catching up", err); err != nil {
				return err
			}
			continue
		}
		if err := backoff.Sleep(ctx, a.o.poll); err != nil {
			return err
		}
	}
}

// fatal reports the errors Run stops on: retrying cannot cure them.
func fatal(err error) bool {
	var ce *ConfigError
	return errors.As(err, &ce) || errors.Is(err, ladokfeed.ErrPositionLost) || errors.Is(err, errClosed) || store.IsPermanent(err)
}

func (a *Adapter) backoff(n int) time.Duration {
	d := a.o.retryWait
	for i := 1; i < n && d < a.o.retryMax; i++ {
		d *= 2
	}
	return min(d, a.o.retryMax)
}

// CatchUpStats sums up one CatchUp.
type CatchUpStats struct {
	ladokfeed.Stats // what the feed reader did (Commits: feed positions written)
}

// CatchUp reads the feed from the saved position to its end, applies every event in Canvas
// and saves the position once Canvas has accepted everything before it, then returns. It
// waits for the events it started; when one of them failed (after the clients' retries), the
// position stays before it and CatchUp returns the error.
func (a *Adapter) CatchUp(ctx context.Context) (CatchUpStats, error) {
	if a.closed.Load() {
		return CatchUpStats{}, errClosed
	}
	if err := a.Start(ctx); err != nil {
		return CatchUpStats{}, err
	}
	a.catchMu.Lock()
	defer a.catchMu.Unlock()
	c := a.newCatchUp(ctx)
	ropts := append([]ladokfeed.Option{ladokfeed.WithFeedName(a.o.feedName)}, a.o.readerOpts...)
	r, err := ladokfeed.NewReader(a.ladok, c.gate, c.handle, ropts...)
	if err != nil {
		return CatchUpStats{}, err
	}
	rs, rerr := r.CatchUp(ctx)
	// The reader has waited for the commits, and they for the tasks, unless it stopped early.
	a.sched.waitFeed()
	a.sched.reset()
	out := CatchUpStats{Stats: rs}
	if err := c.gate.err(); err != nil {
		return out, err // what stopped the catch-up, rather than the reader's account of it
	}
	if rerr != nil {
		return out, rerr
	}
	// Suspension work left by timers while catching up.
	if _, err := a.FireDue(ctx); err != nil {
		return out, err
	}
	return out, nil
}

// throttled runs fn again when Canvas still throttled one of its requests after the client's
// own retries (another program shares the token, say): nothing was done by the refused
// request, and fn is idempotent, so the adapter waits and repeats it rather than stopping the
// feed. Each such error is counted in Stats.RateLimited.
func (a *Adapter) throttled(ctx context.Context, fn func(context.Context) error) error {
	wait := a.o.retryWait
	for attempt := 1; ; attempt++ {
		err := fn(ctx)
		if err == nil || !errors.Is(err, canvas.ErrRateLimited) {
			return err
		}
		a.stats.rateLimited.Add(1)
		if attempt == maxThrottledAttempts {
			return err
		}
		a.log.Warn("ladokcanvas: Canvas is throttling; waiting before trying the event again", "wait", wait)
		if err := backoff.Sleep(ctx, wait); err != nil {
			return err
		}
		wait = min(2*wait, a.o.retryMax)
	}
}

// maxThrottledAttempts is how often an event is tried while Canvas throttles it.
const maxThrottledAttempts = 6

// Handle applies one event synchronously, in order with the events in progress: for hosts
// that read the feed themselves, and for tests. Its error is the event's (dead-lettering is
// left to the caller).
func (a *Adapter) Handle(ctx context.Context, ev ladok.Event) error {
	if err := a.Start(ctx); err != nil {
		return err
	}
	w, ok := a.route(ev)
	if !ok {
		a.stats.ignored.Add(1)
		return nil
	}
	return a.do(ctx, w.keys, w.barrier, func(ctx context.Context) error { return a.throttled(ctx, w.run) })
}

// do runs fn on the scheduler with keys, makes what it recorded durable, and waits for it.
func (a *Adapter) do(ctx context.Context, keys []lockKey, barrier bool, fn func(context.Context) error) error {
	res := make(chan error, 1)
	t := &task{ctx: ctx, keys: keys, barrier: barrier, run: func(ctx context.Context) error {
		if err := finished(ctx, fn(ctx)); err != nil {
			return err
		}
		return a.ledger.commit(ctx)
	}}
	t.done = func(err error, ran bool) {
		if !ran && err == nil {
			err = errClosed
		}
		res <- err
	}
	if !a.sched.submit(t, nil) {
		return errClosed
	}
	select {
	case err := <-res:
		return err
	case <-ctx.Done():
		// The task sees the same context and ends soon; its result is dropped.
		return ctx.Err()
	}
}

// startState is Start's outcome: once it succeeded (or found a problem retrying cannot cure)
// it is not run again.
type startState struct {
	mu    sync.Mutex
	done  bool
	err   error
	roles resolvedRoles
}

// Start checks, before anything is read from the feed or written to Canvas, everything that
// can be checked: the store (the adapter's and the feed's state can be read; with
// WithExistingState, there is some), the Canvas account new organisations go under, and with
// UseAdmitted the two roles (labels resolved to ids; ids that exist; both active course roles
// of the student kind). Run, CatchUp and the admin methods call it; calling it first makes a
// misconfiguration fail at once. A problem in the configuration is a *ConfigError; a store
// that cannot serve matches store.IsPermanent; both are kept and returned again. Other errors
// (Canvas unreachable) are not kept: the next call tries again.
func (a *Adapter) Start(ctx context.Context) error {
	s := &a.started
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		return s.err
	}
	roles, err := a.start(ctx)
	if err == nil || fatal(err) {
		s.done, s.err, s.roles = true, err, roles
	}
	return err
}

// roles returns the resolved roles (zero before Start succeeded).
func (c *core) roles() resolvedRoles {
	c.started.mu.Lock()
	defer c.started.mu.Unlock()
	return c.started.roles
}

func (a *Adapter) start(ctx context.Context) (resolvedRoles, error) {
	if err := a.checkState(ctx); err != nil {
		return resolvedRoles{}, err
	}
	if err := a.checkAccount(ctx); err != nil {
		return resolvedRoles{}, err
	}
	if !a.cfg.UseAdmitted {
		return resolvedRoles{}, nil
	}
	return a.resolveRoles(ctx)
}

// checkState reads the feed position (the adapter's own state was read by New) and, with
// WithExistingState, refuses to start without one.
func (a *Adapter) checkState(ctx context.Context) error {
	_, ok, err := a.feed.LoadPosition(ctx, a.o.feedName)
	if err != nil {
		return fmt.Errorf("ladokcanvas: reading the feed position: %w", err)
	}
	if !ok && a.o.existingState {
		return fmt.Errorf("ladokcanvas: %w: the store holds no feed position for %s (WithExistingState); a new installation starts without that option", store.ErrNoState, a.o.feedName)
	}
	return nil
}

// checkAccount makes sure the account new organisations go under exists.
func (a *Adapter) checkAccount(ctx context.Context) error {
	acct := a.courses.newOrgsAccount()
	if _, err := a.canvas.GetAccount(ctx, acct); err != nil {
		if errors.Is(err, canvas.ErrNotFound) {
			return &ConfigError{Fields: []FieldError{{Field: "SubAccountNewOrganisations", Message: fmt.Sprintf("Canvas has no account %s (or the token may not see it)", acct)}}}
		}
		return fmt.Errorf("ladokcanvas: checking the Canvas account for new organisations: %w", err)
	}
	return nil
}

// resolveRoles finds the two configured roles among the root account's roles (with the ones
// it inherits): labels become ids, ids must exist; both must be active roles of the student
// kind and differ.
func (a *Adapter) resolveRoles(ctx context.Context) (resolvedRoles, error) {
	var all []canvas.Role
	for r, err := range a.canvas.ListRoles(ctx, canvas.Self, &canvas.ListRolesParams{ShowInherited: true}) {
		if err != nil {
			var re *canvas.RecordError
			if errors.As(err, &re) {
				continue
			}
			return resolvedRoles{}, fmt.Errorf("ladokcanvas: reading the Canvas roles: %w", err)
		}
		all = append(all, r)
	}
	if err := complete(ctx); err != nil {
		return resolvedRoles{}, err
	}
	var bad []FieldError
	find := func(field string, ref RoleRef) int64 {
		var found *canvas.Role
		id, numeric := ref.ID()
		for i := range all {
			r := &all[i]
			if numeric && r.ID == id || !numeric && r.Label == string(ref) {
				found = r
				break
			}
		}
		if found == nil && !numeric {
			for i := range all { // a role's name, when no label matched
				if all[i].Role == string(ref) {
					found = &all[i]
					break
				}
			}
		}
		switch {
		case found == nil:
			bad = append(bad, FieldError{Field: field, Message: fmt.Sprintf("Canvas has no role %q", string(ref))})
			return 0
		case found.WorkflowState != "" && found.WorkflowState != "active":
			bad = append(bad, FieldError{Field: field, Message: fmt.Sprintf("the role %q is %s in Canvas", string(ref), found.WorkflowState)})
			return 0
		case found.BaseRoleType != string(canvas.EnrollmentTypeStudent):
			bad = append(bad, FieldError{Field: field, Message: fmt.Sprintf("the role %q is a %s role, not a student role", string(ref), found.BaseRoleType)})
			return 0
		}
		return found.ID
	}
	r := resolvedRoles{registered: find("RoleIdRegistered", a.cfg.RoleIDRegistered), admitted: find("RoleIdAdmitted", a.cfg.RoleIDAdmitted)}
	if len(bad) == 0 && r.registered == r.admitted {
		bad = append(bad, FieldError{Field: "RoleIdAdmitted", Message: "names the same Canvas role as RoleIdRegistered"})
	}
	if len(bad) > 0 {
		return resolvedRoles{}, &ConfigError{Fields: bad}
	}
	return r, nil
}
