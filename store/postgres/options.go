package postgres

import (
	"github.com/edusync/edusync/store"
)

// DefaultSchema is the PostgreSQL schema the store's tables live in unless WithSchema names
// another.
const DefaultSchema = "edusync"

// config is what this backend's own options set.
type config struct {
	schema    string
	maxConns  int32
	mustExist bool
}

// setting is the value of this backend's options in store.Config.Backend.
type setting func(*config)

func newConfig(c store.Config) config {
	pc := config{schema: DefaultSchema, maxConns: 8}
	for _, v := range c.Backend {
		if s, ok := v.(setting); ok {
			s(&pc)
		}
	}
	return pc
}

// WithSchema keeps the store's tables in the PostgreSQL schema name (default "edusync"),
// created by Open when missing. Every table carries the scope's tenant, so one schema serves
// any number of institutions; a service provider that wants each institution's state apart
// (its own schema, granted to its own database role, dumped and dropped on its own) opens one
// store per institution with a schema each. Stores in different schemas share nothing.
func WithSchema(name string) store.Option {
	return store.BackendOption(setting(func(c *config) { c.schema = name }))
}

// WithMaxConns sets how many connections the store keeps open at most (default 8). Each
// running Update or View holds one; further transactions wait for a free one.
func WithMaxConns(n int) store.Option {
	return store.BackendOption(setting(func(c *config) { c.maxConns = int32(min(max(n, 1), 1<<20)) }))
}

// MustExist says the state must already be there: Open refuses a schema without the store's
// tables (a wrong database or schema name, a restore gone wrong) with store.ErrNoState,
// instead of creating them and starting every flow afresh.
func MustExist() store.Option {
	return store.BackendOption(setting(func(c *config) { c.mustExist = true }))
}
