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
	"github.com/edusync/edusync/internal/httpx"
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

// Adapter keeps Canvas in step with Ladok's event feed. Create it with New, call Start once
// (it resolves the configured roles in Canvas), then Run it; the admin methods (SetCoReading,
// SetEarlyAccess, ReplayCourse, ...) may be called while it runs. It is safe for concurrent
// use.
type Adapter struct {
	ladok  *ladok.Client
	canvas *canvas.Client
	st     store.Store
	cfg    Config
	o      options
	scope  store.Scope
	feed   *ladokfeed.StoreState
	log    *slog.Logger

	m      *mirror
	k      *known
	sched  *scheduler
	flight flights

	startOnce sync.Once
	startErr  error
	roles     resolvedRoles
	catchMu   sync.Mutex // one catch-up at a time
	pipeMu    sync.Mutex
	pipe      *pipeline
	pipeCtx   context.Context
	periods   periodCache
	timerWake chan struct{}
	fireMu    sync.Mutex
	closed    atomic.Bool
	stats     counters
}

// resolvedRoles are the Canvas roles students get.
type resolvedRoles struct {
	registered int64 // 0: Canvas's standard student role
	admitted   int64
}

// New returns an adapter from Ladok (lc) to Canvas (cc) that keeps its state in st (the
// adapter does not own st or the clients: the host closes them). cfg is validated again.
func New(lc *ladok.Client, cc *canvas.Client, st store.Store, cfg Config, opts ...Option) (*Adapter, error) {
	if lc == nil || cc == nil || st == nil {
		return nil, errors.New("ladokcanvas: New needs a Ladok client, a Canvas client and a store")
	}
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
	a := &Adapter{ladok: lc, canvas: cc, st: st, cfg: cfg, o: o, log: o.logger,
		scope: store.Scope{Flow: Flow, Tenant: o.tenant}, feed: ladokfeed.NewStoreState(st),
		k: newKnown(), timerWake: make(chan struct{}, 1)}
	m, err := loadMirror(context.Background(), st, a.scope)
	if err != nil {
		return nil, err
	}
	a.m = m
	if cfg.RestrictionsSendMessageToTeachers && a.o.messenger == nil {
		a.o.messenger = &canvasMessenger{a: a, text: o.noticeText}
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

// Start resolves the configured roles in Canvas (role labels to ids; a missing role fails
// here, before anything is written) and finishes suspension work a previous run left. Run and
// CatchUp call it; calling it first makes a misconfiguration fail at once.
func (a *Adapter) Start(ctx context.Context) error {
	a.startOnce.Do(func() { a.startErr = a.start(ctx) })
	return a.startErr
}

func (a *Adapter) start(ctx context.Context) error {
	if a.cfg.UseAdmitted {
		var labels []string
		var r resolvedRoles
		for _, x := range []struct {
			ref RoleRef
			dst *int64
		}{{a.cfg.RoleIDRegistered, &r.registered}, {a.cfg.RoleIDAdmitted, &r.admitted}} {
			if id, ok := x.ref.ID(); ok {
				*x.dst = id
			} else {
				labels = append(labels, string(x.ref))
			}
		}
		if len(labels) > 0 {
			got, err := a.canvas.ResolveRoles(ctx, canvas.Self, labels...)
			if err != nil {
				return fmt.Errorf("ladokcanvas: resolving the roles RoleIdRegistered and RoleIdAdmitted: %w", err)
			}
			if r.registered == 0 {
				r.registered = got[string(a.cfg.RoleIDRegistered)].ID
			}
			if r.admitted == 0 {
				r.admitted = got[string(a.cfg.RoleIDAdmitted)].ID
			}
		}
		if r.registered == r.admitted {
			return &ConfigError{Fields: []FieldError{{Field: "RoleIdAdmitted", Message: "names the same Canvas role as RoleIdRegistered"}}}
		}
		a.roles = r
	}
	return nil
}

// Stats counts what the adapter has done since it was created.
type Stats struct {
	Events       int64 // feed events handed to the adapter (duplicates skipped by the reader not included)
	Applied      int64 // events applied (including those that needed no change in Canvas)
	Ignored      int64 // events of types or kinds the adapter does not act on
	DeadLettered int64 // events that failed for good and were parked in the store
	Retried      int64 // catch-ups that failed (Canvas or Ladok unavailable) and were tried again
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

// Run reads the feed and keeps Canvas in step until ctx ends: it catches up, fires due
// suspension timers, and then polls Ladok's recent page (WithPollInterval). A failed catch-up
// (Canvas or Ladok unreachable beyond the clients' retries) is tried again with backoff from
// the last saved position; events that fail for good are dead-lettered and do not stop it.
// It returns ctx's error, or an error that retrying cannot cure (the feed position was lost, a
// role is missing).
func (a *Adapter) Run(ctx context.Context) error {
	if err := a.Start(ctx); err != nil {
		return err
	}
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
	failures := 0
	for {
		_, err := a.CatchUp(ctx)
		wait := a.o.poll
		switch {
		case err == nil:
			failures = 0
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, ladokfeed.ErrPositionLost), errors.Is(err, errClosed):
			return err
		default:
			failures++
			a.stats.retried.Add(1)
			wait = min(a.backoff(failures), a.o.retryMax)
			a.log.Warn("ladokcanvas: catching up failed; trying again", "error", err, "wait", wait)
		}
		if err := httpx.Sleep(ctx, wait); err != nil {
			return err
		}
	}
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
	ladokfeed.Stats     // what the feed reader did
	Flushes         int // feed positions written
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
	p := newPipeline(a.feed)
	a.pipeMu.Lock()
	a.pipe, a.pipeCtx = p, ctx
	a.pipeMu.Unlock()
	ropts := append([]ladokfeed.Option{ladokfeed.WithFeedName(a.o.feedName)}, a.o.readerOpts...)
	r, err := ladokfeed.NewReader(a.ladok, p, a.handleEntry, ropts...)
	if err != nil {
		return CatchUpStats{}, err
	}
	commitCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	committed := make(chan struct{})
	go func() { defer close(committed); p.run(commitCtx) }()

	rs, rerr := r.CatchUp(ctx)
	a.sched.waitFeed()
	ferr := p.flush()
	p.stop()
	<-committed
	a.sched.reset()
	a.pipeMu.Lock()
	a.pipe, a.pipeCtx = nil, nil
	a.pipeMu.Unlock()
	p.mu.Lock()
	out := CatchUpStats{Stats: rs, Flushes: p.flushes}
	p.mu.Unlock()
	if perr := p.err(); perr != nil {
		return out, perr
	}
	if rerr != nil {
		return out, rerr
	}
	if ferr != nil {
		return out, ferr
	}
	// Suspension work left by timers while catching up.
	if _, err := a.FireDue(ctx); err != nil {
		return out, err
	}
	return out, nil
}

// handleEntry is the reader's handler: it queues the entry's event and returns.
func (a *Adapter) handleEntry(_ context.Context, e *ladok.Entry) error {
	a.pipeMu.Lock()
	p, ctx := a.pipe, a.pipeCtx
	a.pipeMu.Unlock()
	if p == nil {
		return errClosed
	}
	if p.err() != nil {
		return nil // the commit will fail and the run starts again from the saved position
	}
	a.stats.events.Add(1)
	if e.Err != nil {
		info := deadInfo{Entry: e.ID, Handelse: e.HandelseUID, Event: e.Name}
		return a.submitFeed(ctx, p, nil, false, func(ctx context.Context) error {
			return a.deadLetter(ctx, info, permanent(e.Err))
		})
	}
	w, ok := a.route(e.Event)
	if !ok {
		a.stats.ignored.Add(1)
		a.log.Debug("ladokcanvas: event ignored", "event", e.Name, "entry", e.ID)
		return nil
	}
	info := deadInfo{Entry: e.ID, Handelse: e.HandelseUID, Event: e.Name}
	return a.submitFeed(ctx, p, w.keys, w.barrier, func(ctx context.Context) error {
		err := a.throttled(ctx, w.run)
		if err == nil {
			a.stats.applied.Add(1)
			return nil
		}
		if isPermanent(err) {
			return a.deadLetter(ctx, info, err)
		}
		return err
	})
}

func (a *Adapter) submitFeed(ctx context.Context, p *pipeline, keys []lockKey, barrier bool, run func(context.Context) error) error {
	t := &task{ctx: ctx, keys: keys, barrier: barrier, feed: true, run: run}
	t.done = func(err error, _ bool) { p.finished(t.seq, err) }
	if !a.sched.submit(t, func() { t.seq = p.assign() }) {
		if a.closed.Load() {
			p.fail(errClosed)
		}
	}
	return nil
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
		if err := httpx.Sleep(ctx, wait); err != nil {
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

// do runs fn on the scheduler with keys and waits for it.
func (a *Adapter) do(ctx context.Context, keys []lockKey, barrier bool, fn func(context.Context) error) error {
	res := make(chan error, 1)
	t := &task{ctx: ctx, keys: keys, barrier: barrier, run: fn}
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
