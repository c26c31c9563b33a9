package sqlite

import (
	"time"

	"github.com/edusync/edusync/store"
)

// Synchronous is SQLite's synchronous setting in WAL mode.
type Synchronous int

const (
	// SyncFull (the default) syncs the write-ahead log at every commit: a transaction that
	// Update reported committed survives a power cut or an operating-system crash, not only a
	// crash of the process. Flows depend on that: a processed key that a power cut took back
	// would make the flow repeat an effect it already had (a Canvas enrolment, a message), and
	// a queued message a webhook receiver acknowledged would be lost.
	SyncFull Synchronous = iota
	// SyncNormal syncs only at checkpoints: every commit still survives a crash of the process
	// (SIGKILL included), but the last transactions before a power cut may be lost. For data
	// that can be rebuilt, where commit throughput matters more.
	SyncNormal
)

// config is what this backend's own options set.
type config struct {
	busyTimeout time.Duration
	sync        Synchronous
	readers     int
	mustExist   bool
}

// setting is the value of this backend's options in store.Config.Backend.
type setting func(*config)

func newConfig(c store.Config) config {
	sc := config{busyTimeout: 10 * time.Second, sync: SyncFull, readers: 4}
	for _, v := range c.Backend {
		if s, ok := v.(setting); ok {
			s(&sc)
		}
	}
	return sc
}

// WithBusyTimeout sets how long SQLite waits for a lock another process holds before failing
// (default 10 s). Within one process writers wait for each other without it.
func WithBusyTimeout(d time.Duration) store.Option {
	return store.BackendOption(setting(func(c *config) { c.busyTimeout = max(d, 0) }))
}

// WithSynchronous chooses SQLite's durability against commit speed (default SyncFull).
func WithSynchronous(s Synchronous) store.Option {
	return store.BackendOption(setting(func(c *config) { c.sync = s }))
}

// WithReaders sets how many connections serve View transactions (default 4).
func WithReaders(n int) store.Option {
	return store.BackendOption(setting(func(c *config) { c.readers = max(n, 1) }))
}

// MustExist says the state must already be there: Open refuses a missing file, an empty
// (zero-byte) one and a database without an edusync schema with store.ErrNoState, instead of
// starting afresh. A host whose state was deleted, truncated or replaced by a restore gone
// wrong stops there rather than reading every feed again from the start, or from nowhere.
func MustExist() store.Option {
	return store.BackendOption(setting(func(c *config) { c.mustExist = true }))
}
