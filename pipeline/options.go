package pipeline

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/edusync/edusync/reconcile"
)

// Clock is the time a pipeline keeps: Now stamps runs and plans, After paces the schedule and
// the wait for another runner's lease. The default is the system clock; tests pass a settable
// one.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type systemClock struct{}

func (systemClock) Now() time.Time                         { return time.Now() }
func (systemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Option configures a Pipeline.
type Option func(*config)

// The defaults of the options.
const (
	DefaultInterval   = 24 * time.Hour
	DefaultKeepRuns   = 30
	DefaultLeaseTTL   = time.Minute
	DefaultPoll       = time.Minute
	DefaultRetryDelay = time.Minute
)

type config struct {
	opts      reconcile.Options
	policy    reconcile.Policy
	importer  reconcile.Importer
	interval  time.Duration
	jitter    time.Duration
	jitterSet bool
	retry     time.Duration
	keep      int
	clock     Clock
	logger    *slog.Logger
	audit     reconcile.AuditSink
	leaseTTL  time.Duration
	poll      time.Duration
	partial   bool
	trustRevs bool
	errs      []error
}

func newConfig(opts []Option) (*config, error) {
	c := &config{interval: DefaultInterval, retry: DefaultRetryDelay, keep: DefaultKeepRuns,
		clock: systemClock{}, logger: slog.New(slog.DiscardHandler), leaseTTL: DefaultLeaseTTL, poll: DefaultPoll}
	for _, o := range opts {
		if o != nil {
			o(c)
		}
	}
	if !c.jitterSet {
		c.jitter = c.interval / 20
	}
	if c.jitter >= c.interval {
		c.errs = append(c.errs, fmt.Errorf("%w: the jitter (%s) must be shorter than the interval (%s)", ErrInvalid, c.jitter, c.interval))
	}
	return c, errors.Join(c.errs...)
}

func (c *config) invalid(format string, args ...any) {
	c.errs = append(c.errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...))
}

// WithOptions sets the planning options (removals, holds, protected persons, referrer prefix,
// birth-place rules, ...). The pipeline fills in Now from its clock, History from the store
// and Decisions from the answers given between runs (after any given here). A History given
// here seeds the store on the first run, for hosts that kept it themselves until now.
func WithOptions(o reconcile.Options) Option {
	return func(c *config) { c.opts = o }
}

// WithPolicy answers pending actions by rule on every run (reconcile.RejectAll(OpImport), for
// example), before the questions left are put to people.
func WithPolicy(p reconcile.Policy) Option {
	return func(c *config) { c.policy = p }
}

// WithImporter carries out approved imports (records the target holds that the source does
// not) into the source system; without one they are not executed.
func WithImporter(im reconcile.Importer) Option {
	return func(c *config) { c.importer = im }
}

// WithInterval sets how long Start waits from the start of one run to the next (default 24
// hours). Runs on demand (Trigger, Ledger.Request) do not wait for it.
func WithInterval(d time.Duration) Option {
	return func(c *config) {
		if d <= 0 {
			c.invalid("the interval must be positive, not %s", d)
			return
		}
		c.interval = d
	}
}

// WithJitter adds up to d to each interval (default a twentieth of the interval), so that
// pipelines started together do not all read their sources at the same moment. The amount is
// drawn from the pipeline's name and run number, so every process sharing the store computes
// the same next run.
func WithJitter(d time.Duration) Option {
	return func(c *config) {
		if d < 0 {
			c.invalid("the jitter must not be negative, not %s", d)
			return
		}
		c.jitter, c.jitterSet = d, true
	}
}

// WithRetryDelay sets how soon Start tries again after a failed or interrupted run (default a
// minute), doubling with every further failure up to the interval.
func WithRetryDelay(d time.Duration) Option {
	return func(c *config) {
		if d <= 0 {
			c.invalid("the retry delay must be positive, not %s", d)
			return
		}
		c.retry = d
	}
}

// WithKeepRuns sets how many runs the store keeps with their plans and reports (default 30,
// at least 1); older ones are removed as new ones end.
func WithKeepRuns(n int) Option {
	return func(c *config) {
		if n < 1 {
			c.invalid("at least one run must be kept, not %d", n)
			return
		}
		c.keep = n
	}
}

// WithClock sets the clock (default the system clock), for tests.
func WithClock(clk Clock) Option {
	return func(c *config) {
		if clk != nil {
			c.clock = clk
		}
	}
}

// WithLogger sets the logger for the pipeline's own records (runs started and ended, waits,
// holds) and reconcile's record per action (default none). Personal numbers never reach it.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) {
		if l != nil {
			c.logger = l
		}
	}
}

// WithAudit sets the sink that receives reconcile's audit event for every action a run applies
// or leaves.
func WithAudit(s reconcile.AuditSink) Option {
	return func(c *config) { c.audit = s }
}

// WithLeaseTTL sets how long the run lease lasts without renewal (default a minute; it is
// renewed every third of it while a run lasts). When a runner dies, another takes over after
// at most this long.
func WithLeaseTTL(d time.Duration) Option {
	return func(c *config) {
		if d < 100*time.Millisecond {
			c.invalid("the lease time-to-live must be at least 100ms, not %s", d)
			return
		}
		c.leaseTTL = d
	}
}

// WithPoll sets how often Start looks in the store for runs requested from elsewhere
// (Ledger.Request, for example from a review page in another process) and for a dead runner's
// lease to take over (default a minute).
func WithPoll(d time.Duration) Option {
	return func(c *config) {
		if d <= 0 {
			c.invalid("the poll interval must be positive, not %s", d)
			return
		}
		c.poll = d
	}
}

// WithPartialApply applies what is certain even while questions are open: the pending
// actions (and what depends on them) wait for their answers, the rest is written. By default a
// plan with open questions writes nothing until every question is answered, as the Schulconnex
// practice guide asks.
func WithPartialApply() Option {
	return func(c *config) { c.partial = true }
}

// WithTrustRevisions skips re-reading the target before applying and relies on the target
// refusing stale writes by revision (reconcile.ApplyOptions.TrustRevisions).
func WithTrustRevisions() Option {
	return func(c *config) { c.trustRevs = true }
}

// leaseWait is how long a runner waits before asking again for a lease another runner holds.
func (c *config) leaseWait() time.Duration {
	return min(max(c.leaseTTL/4, 50*time.Millisecond), 5*time.Second)
}
