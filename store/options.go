package store

import (
	"time"
)

// Option configures a store. The options of this package apply to every backend; a backend's
// own options (sqlite.WithBusyTimeout, ...) are Options too, made with BackendOption, and other
// backends ignore them.
type Option func(*Config)

// Config is what the options set. Backends read it with NewConfig; hosts use the With
// functions.
type Config struct {
	// Clock is the time the store keeps (WithClock).
	Clock func() time.Time
	// MaxAttempts is the default number of failed attempts before an item or message is
	// dead-lettered (WithMaxAttempts).
	MaxAttempts int
	// PurgeEvery is after how many write transactions expired keys are purged (WithPurgeEvery).
	PurgeEvery int
	// PurgeBatch is how many expired keys one opportunistic purge removes at most.
	PurgeBatch int
	// DedupWindow is how long a message's Key keeps out duplicates by default
	// (WithDedupWindow).
	DedupWindow time.Duration
	// Backend holds the values of BackendOptions, in the order given, for the backend to
	// pick out its own.
	Backend []any
}

// NewConfig returns the defaults with opts applied.
func NewConfig(opts ...Option) Config {
	c := Config{
		Clock:       time.Now,
		MaxAttempts: 5,
		PurgeEvery:  512,
		PurgeBatch:  1000,
		DedupWindow: 24 * time.Hour,
	}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	return c
}

// BackendOption wraps a backend's own setting v as an Option; the backend finds it in
// Config.Backend. Hosts use the backend's With functions instead.
func BackendOption(v any) Option {
	return func(c *Config) { c.Backend = append(c.Backend, v) }
}

// WithClock sets the clock the store reads for Position.Saved, attempt times, timer schedule
// times, processed-key expiry, lease expiry and message visibility (default time.Now). For
// tests. Processes sharing a store (SQLite file, PostgreSQL) each read their own clock: keep
// them in step (NTP) to well within a lease's time-to-live.
func WithClock(now func() time.Time) Option {
	return func(c *Config) {
		if now != nil {
			c.Clock = now
		}
	}
}

// WithMaxAttempts sets after how many failed attempts RecordAttempt dead-letters an item
// (Failure.Max overrides it per item) and after how many deliveries a queued message is
// dead-lettered (Message.MaxAttempts overrides it per message). Default 5; n < 1 is taken as 1.
func WithMaxAttempts(n int) Option {
	return func(c *Config) { c.MaxAttempts = max(n, 1) }
}

// WithPurgeEvery makes the store delete up to 1,000 expired processed and de-duplication keys
// after every n-th write transaction, and after every one while expired keys are left over
// (default 512; 0 turns it off, leaving PurgeExpired to the host).
func WithPurgeEvery(n int) Option {
	return func(c *Config) { c.PurgeEvery = max(n, 0) }
}

// WithDedupWindow sets how long a queued message's Key keeps out later messages with the same
// Key (default 24 hours; Message.KeyWindow overrides it per message). d <= 0 keeps the default.
func WithDedupWindow(d time.Duration) Option {
	return func(c *Config) {
		if d > 0 {
			c.DedupWindow = d
		}
	}
}
