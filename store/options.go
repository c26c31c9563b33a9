package store

import (
	"time"
)

// Option configures a store; options that concern only SQLite are ignored by NewMemory.
type Option func(*config)

// Synchronous is SQLite's synchronous setting in WAL mode.
type Synchronous int

const (
	// SyncFull (the default) syncs the write-ahead log at every commit: a transaction that
	// Update reported committed survives a power cut or an operating-system crash, not only a
	// crash of the process. Flows depend on that: a processed key that a power cut took back
	// would make the flow repeat an effect it already had (a Canvas enrolment, a message).
	SyncFull Synchronous = iota
	// SyncNormal syncs only at checkpoints: every commit still survives a crash of the process
	// (SIGKILL included), but the last transactions before a power cut may be lost. For data
	// that can be rebuilt, where commit throughput matters more.
	SyncNormal
)

type config struct {
	now         func() time.Time
	maxAttempts int
	purgeEvery  int
	purgeBatch  int
	busyTimeout time.Duration
	sync        Synchronous
	readers     int
}

func newConfig(opts []Option) config {
	c := config{
		now:         time.Now,
		maxAttempts: 5,
		purgeEvery:  512,
		purgeBatch:  1000,
		busyTimeout: 10 * time.Second,
		sync:        SyncFull,
		readers:     4,
	}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// WithClock sets the clock the store reads for Position.Saved, attempt times, timer schedule
// times and processed-key expiry (default time.Now). For tests.
func WithClock(now func() time.Time) Option {
	return func(c *config) {
		if now != nil {
			c.now = now
		}
	}
}

// WithMaxAttempts sets after how many failed attempts RecordAttempt dead-letters an item
// (default 5; Failure.Max overrides it per item). n < 1 is taken as 1.
func WithMaxAttempts(n int) Option {
	return func(c *config) { c.maxAttempts = max(n, 1) }
}

// WithPurgeEvery makes the store delete up to 1,000 expired processed keys after every n-th
// write transaction, and after every one while expired keys are left over (default 512; 0
// turns it off, leaving PurgeExpired to the host).
func WithPurgeEvery(n int) Option {
	return func(c *config) { c.purgeEvery = max(n, 0) }
}

// WithBusyTimeout sets how long SQLite waits for a lock another process holds before failing
// (default 10 s). Within one process writers wait for each other without it.
func WithBusyTimeout(d time.Duration) Option {
	return func(c *config) { c.busyTimeout = max(d, 0) }
}

// WithSynchronous chooses SQLite's durability against commit speed (default SyncFull).
func WithSynchronous(s Synchronous) Option {
	return func(c *config) { c.sync = s }
}

// WithReaders sets how many SQLite connections serve View transactions (default 4).
func WithReaders(n int) Option {
	return func(c *config) { c.readers = max(n, 1) }
}
