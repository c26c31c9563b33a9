package examsync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/edusync/edusync/fs"
	"github.com/edusync/edusync/fs/fspoll"
	"github.com/edusync/edusync/inspera"
	"github.com/edusync/edusync/inspera/insperahook"
	"github.com/edusync/edusync/notify"
	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/wiseflow"
	"github.com/edusync/edusync/wiseflow/wiseflowpoll"
)

// Setup is one tenant with the clients it runs on.
type Setup struct {
	Tenant Tenant
	// FS is the institution's FS (an *fs.Client, or another fs.Service).
	FS fs.Service
	// Inspera writes to the tenant's Inspera (with Inspera); InsperaSecrets verify its
	// webhooks. Subscribe the receiver with another Inspera user (insperahook.Subscribe).
	Inspera        *inspera.Client
	InsperaSecrets []insperahook.Secret
	// WISEflow reads and writes the tenant's licence (with WISEflow); WISEflowSecret verifies
	// its webhook calls (optional: polling alone finds every change); WISEflowQuery narrows the
	// flows polled (default: flows whose participation has ended or that are concluded).
	WISEflow       *wiseflow.Client
	WISEflowSecret []byte
	WISEflowQuery  *wiseflow.FlowQuery
}

// Config configures a Sync.
type Config struct {
	// Store keeps everything: FS positions, queues, the audit, what was posted (required;
	// store/sqlite or store/postgres in production).
	Store store.Store
	// Tenants are the institutions; inactive ones are validated and not run.
	Tenants []Setup
	// Notifier receives an alert for every message that is dead-lettered (nil: none).
	Notifier *notify.Notifier
	// MaxAttempts is how often a message is tried before it is dead-lettered (default 5).
	MaxAttempts int
	// RetryBase and RetryMax bound the backoff between attempts (default 30 s and 30 min).
	RetryBase, RetryMax time.Duration
	// WISEflowInterval is how often WISEflow is polled (default 10 minutes; webhooks make
	// changes show sooner).
	WISEflowInterval time.Duration
	// WISEflowRecheck is how long after its last read a WISEflow flow with open business (an
	// explanation not accepted yet) is read again though nothing showed a change (default one
	// hour). WISEflow's webhooks, when subscribed, make it read at once.
	WISEflowRecheck time.Duration
	// Visibility is how long a worker's claim on a message lasts (default 5 minutes): longer
	// than handling a message takes. A message claimed by a process that died is handled again
	// once its claim has run out.
	Visibility time.Duration
	// Idle is how long a worker waits when its queue is empty (default 2 s).
	Idle time.Duration
	// Holder names this process in the store's leases (default: a new name per Sync). A host
	// restarted after a crash that passes the name it had (a stable name of the deployment)
	// takes its leases back at once rather than waiting for them to expire; processes that
	// run at the same time need different names.
	Holder string
	// Listen, when set, is the address Run serves Handler on.
	Listen string
	// Now is the clock (default time.Now); Logger gets a line per failure (default: none).
	Now    func() time.Time
	Logger *slog.Logger
}

// Sync runs the appeal and explanation flows of its tenants. It is safe for concurrent use.
type Sync struct {
	cfg     Config
	tenants []*tenantRun
	byOrg   map[string][]*tenantRun
	mux     *http.ServeMux
}

// ErrConfig is matched by the error of New for a Config it cannot run.
var ErrConfig = errors.New("examsync: invalid config")

// The store flows examsync uses (the tenant is the orgId, or the short name for webhooks).
const (
	stateFlow        = "examsync"
	insperaHookFlow  = "examsync-inspera-hook"
	wiseflowPollFlow = "examsync-wiseflow-poll"
	wiseflowHookFlow = "examsync-wiseflow-hook"
)

// New checks cfg and builds the tenants' pollers, receivers and workers; Run runs them.
func New(cfg Config) (*Sync, error) {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrConfig}, a...)...)
	}
	if cfg.Store == nil {
		return nil, bad("Store is required")
	}
	if cfg.MaxAttempts == 0 {
		cfg.MaxAttempts = 5
	}
	if cfg.RetryBase <= 0 {
		cfg.RetryBase = 30 * time.Second
	}
	if cfg.RetryMax < cfg.RetryBase {
		cfg.RetryMax = max(cfg.RetryBase, 30*time.Minute)
	}
	if cfg.WISEflowInterval <= 0 {
		cfg.WISEflowInterval = 10 * time.Minute
	}
	if cfg.Idle <= 0 {
		cfg.Idle = 2 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxAttempts < 1 {
		return nil, bad("MaxAttempts must be positive")
	}
	ts := make([]Tenant, len(cfg.Tenants))
	var errs []error
	for i := range cfg.Tenants {
		ts[i] = cfg.Tenants[i].Tenant
		if err := ts[i].validate(i); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(append(errs, duplicates(ts))...); err != nil {
		return nil, err
	}
	s := &Sync{cfg: cfg, byOrg: map[string][]*tenantRun{}, mux: http.NewServeMux()}
	for i := range cfg.Tenants {
		if !cfg.Tenants[i].Tenant.Active {
			continue
		}
		tr, err := s.newTenant(cfg.Tenants[i])
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("examsync: tenant %d (orgId %s): %w", i, ts[i].OrgID, err)
		}
		s.tenants = append(s.tenants, tr)
		s.byOrg[tr.t.OrgID] = append(s.byOrg[tr.t.OrgID], tr)
	}
	return s, nil
}

// Handler serves the tenants' webhook receivers: Inspera's at /inspera/{orgShortName} and
// WISEflow's at /wiseflow/{orgShortName}. Serve it with read timeouts of a few seconds.
func (s *Sync) Handler() http.Handler { return s.mux }

// Close releases the webhook receivers. Run closes nothing: the host closes the store.
func (s *Sync) Close() {
	for _, t := range s.tenants {
		if t.hook != nil {
			t.hook.Close()
		}
	}
}

// Trigger asks for a run of a tenant's FS reading now (Sikt's manual trigger), besides the
// interval. flow names the flow the operator wants run ("klage" or "begrunnelse"); FS is read
// for both, as one round reads both listings and the queue keeps what is new.
func (s *Sync) Trigger(orgID string, flow Flow) error {
	if len(s.byOrg[orgID]) == 0 {
		return fmt.Errorf("%w: no active tenant has orgId %s", ErrConfig, orgID)
	}
	n := 0
	for _, t := range s.byOrg[orgID] {
		if (flow == FlowAppeals && t.t.Appeals) || (flow == FlowExplanations && t.t.Explanations) {
			t.fsPoll.Trigger()
			n++
		}
	}
	if n == 0 {
		return fmt.Errorf("%w: flow %s is off for orgId %s", ErrConfig, flow, orgID)
	}
	return nil
}

// Flow names one of the two flows.
type Flow string

// The flows.
const (
	FlowAppeals      Flow = "klage"
	FlowExplanations Flow = "begrunnelse"
)

// Round is what one Poll did for a tenant.
type Round struct {
	OrgID      string
	ExamSystem fs.ExamSystem
	// FS is the FS reading's round; WISEflow the WISEflow poller's (WISEflow tenants).
	FS       fspoll.Round
	WISEflow *wiseflowpoll.RoundStats
}

// Poll runs one round of every reading now, in order, for every tenant: FS, then WISEflow,
// and says what each did. Hosts with their own scheduler call it instead of Run's intervals;
// tests call it with Drain.
func (s *Sync) Poll(ctx context.Context) ([]Round, error) {
	var errs []error
	var out []Round
	for _, t := range s.tenants {
		r := Round{OrgID: t.t.OrgID, ExamSystem: t.t.ExamSystem}
		var err error
		if r.FS, err = t.fsPoll.Poll(ctx); err != nil {
			errs = append(errs, fmt.Errorf("examsync: reading FS for orgId %s: %w", t.t.OrgID, err))
		}
		if t.wfPoll != nil {
			st, err := t.wfPoll.Round(ctx)
			r.WISEflow = &st
			if err != nil {
				errs = append(errs, fmt.Errorf("examsync: polling WISEflow for orgId %s: %w", t.t.OrgID, err))
			}
		}
		out = append(out, r)
	}
	return out, errors.Join(errs...)
}

// Drain handles every message that is due in every queue, until none is, and returns how many
// deliveries it handled.
func (s *Sync) Drain(ctx context.Context) (int, error) {
	total := 0
	for {
		n := 0
		for _, t := range s.tenants {
			for _, w := range t.workers {
				k, err := w.Drain(ctx)
				n += k
				if err != nil {
					return total + n, err
				}
			}
		}
		total += n
		if n == 0 {
			return total, nil
		}
	}
}

// Run runs every tenant's FS poller (its interval, and Trigger), WISEflow poller, and the
// workers of every queue, and serves Handler on Config.Listen when set, until ctx ends or a
// part fails for good (a permanent store failure). It then stops them all and returns once they
// have; the HTTP server is shut down gracefully (up to ten seconds).
func (s *Sync) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	fail := func(err error) {
		if err != nil && !errors.Is(err, context.Canceled) {
			once.Do(func() { first = err })
			cancel(err)
		}
	}
	for _, t := range s.tenants {
		wg.Go(func() { fail(t.fsPoll.Run(ctx)) })
		if t.wfPoll != nil {
			wg.Go(func() { fail(t.wfPoll.Run(ctx, s.cfg.WISEflowInterval)) })
		}
		for _, w := range t.workers {
			wg.Go(func() { fail(w.Run(ctx)) })
		}
	}
	if s.cfg.Listen != "" {
		ln, err := net.Listen("tcp", s.cfg.Listen)
		if err != nil {
			cancel(err)
			wg.Wait()
			return fmt.Errorf("examsync: listening for webhooks: %w", err)
		}
		srv := &http.Server{Handler: s.mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
			WriteTimeout: 30 * time.Second, IdleTimeout: time.Minute}
		wg.Go(func() {
			if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
				fail(err)
			}
		})
		wg.Go(func() {
			<-ctx.Done()
			sctx, c := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer c()
			_ = srv.Shutdown(sctx)
		})
	}
	<-ctx.Done()
	wg.Wait()
	if first != nil {
		return first
	}
	return context.Cause(ctx)
}

// DeadLetters lists a tenant's dead-lettered messages (FS changes, Inspera events, WISEflow
// changes) with their reasons. Their payloads hold personal data: show them only to operators.
func (s *Sync) DeadLetters(ctx context.Context, orgID string) ([]DeadLetter, error) {
	if len(s.byOrg[orgID]) == 0 {
		return nil, fmt.Errorf("%w: no active tenant has orgId %s", ErrConfig, orgID)
	}
	var out []DeadLetter
	for _, w := range s.workersOf(orgID) {
		err := s.cfg.Store.View(ctx, w.Scope, func(tx store.Tx) error {
			ds, err := tx.DeadMessages(1000)
			for _, d := range ds {
				out = append(out, DeadLetter{Queue: w.Scope, ID: d.ID, Key: d.Key, Attempts: d.Attempt, Reason: d.Reason, At: d.DeadAt})
			}
			return err
		})
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// DeadLetter is a message that was given up on.
type DeadLetter struct {
	Queue    store.Scope
	ID       int64
	Key      string
	Attempts int
	Reason   string
	At       time.Time
}

// Retry puts a dead letter back in its queue, due now, as an operator does once the cause is
// fixed.
func (s *Sync) Retry(ctx context.Context, d DeadLetter) error {
	return s.cfg.Store.Update(ctx, d.Queue, func(tx store.Tx) error { return tx.RequeueMessage(d.ID, s.cfg.Now()) })
}

// workersOf lists the workers of an institution's tenants.
func (s *Sync) workersOf(orgID string) []*store.Worker {
	var ws []*store.Worker
	for _, t := range s.byOrg[orgID] {
		ws = append(ws, t.workers...)
	}
	return ws
}
