package sqlite

// applicationID marks an SQLite file as an edusync store (PRAGMA application_id, "EDSY").
const applicationID = 0x45445359

// migrations are the schema changes in order: migrations[i] takes the database from schema
// version i to i+1 (PRAGMA user_version). They are only ever appended to: a released migration
// is never edited, so every database reaches the same schema by the same steps. A database whose
// version is above len(migrations) was written by a newer edusync and is refused
// (store.ErrSchemaTooNew) rather than misread.
//
// Times are INTEGER microseconds since 1970 UTC, 0 for none; every table is keyed by scope
// first (flow, tenant), WITHOUT ROWID so rows are stored in key order, except the queue, whose
// ids come from AUTOINCREMENT so that they are never reused (a stale delivery can then never
// acknowledge a newer message).
var migrations = [][]string{
	// 1: positions, processed keys, attempts and dead letters, values, timers.
	{
		`CREATE TABLE positions (
			flow TEXT NOT NULL,
			tenant TEXT NOT NULL,
			pos_cursor TEXT NOT NULL,
			pos_last TEXT NOT NULL,
			pos_offset INTEGER NOT NULL,
			item_time INTEGER NOT NULL,
			saved INTEGER NOT NULL,
			PRIMARY KEY (flow, tenant)
		) WITHOUT ROWID`,
		`CREATE TABLE processed (
			flow TEXT NOT NULL,
			tenant TEXT NOT NULL,
			k TEXT NOT NULL,
			expires INTEGER NOT NULL,
			PRIMARY KEY (flow, tenant, k)
		) WITHOUT ROWID`,
		`CREATE INDEX processed_expiry ON processed (expires) WHERE expires > 0`,
		`CREATE TABLE attempts (
			flow TEXT NOT NULL,
			tenant TEXT NOT NULL,
			item TEXT NOT NULL,
			attempts INTEGER NOT NULL,
			last_error TEXT NOT NULL,
			first_at INTEGER NOT NULL,
			last_at INTEGER NOT NULL,
			next_try INTEGER NOT NULL,
			dead INTEGER NOT NULL,
			dead_at INTEGER NOT NULL,
			reason TEXT NOT NULL,
			payload BLOB,
			PRIMARY KEY (flow, tenant, item)
		) WITHOUT ROWID`,
		`CREATE INDEX attempts_due ON attempts (flow, tenant, dead, next_try, item)`,
		`CREATE TABLE kv (
			flow TEXT NOT NULL,
			tenant TEXT NOT NULL,
			k TEXT NOT NULL,
			v BLOB NOT NULL,
			updated INTEGER NOT NULL,
			PRIMARY KEY (flow, tenant, k)
		) WITHOUT ROWID`,
		`CREATE TABLE timers (
			flow TEXT NOT NULL,
			tenant TEXT NOT NULL,
			id TEXT NOT NULL,
			at INTEGER NOT NULL,
			payload BLOB,
			scheduled INTEGER NOT NULL,
			PRIMARY KEY (flow, tenant, id)
		) WITHOUT ROWID`,
		`CREATE INDEX timers_at ON timers (flow, tenant, at, id)`,
	},
	// 2: leases with fencing tokens; the durable queue and its de-duplication keys.
	{
		`CREATE TABLE leases (
			flow TEXT NOT NULL,
			tenant TEXT NOT NULL,
			name TEXT NOT NULL,
			holder TEXT NOT NULL,
			token INTEGER NOT NULL,
			acquired INTEGER NOT NULL,
			expires INTEGER NOT NULL,
			PRIMARY KEY (flow, tenant, name)
		) WITHOUT ROWID`,
		`CREATE TABLE queue (
			id INTEGER PRIMARY KEY AUTOINCREMENT,
			flow TEXT NOT NULL,
			tenant TEXT NOT NULL,
			msg_key TEXT NOT NULL,
			order_key TEXT NOT NULL,
			payload BLOB,
			enqueued INTEGER NOT NULL,
			due INTEGER NOT NULL,
			claimed INTEGER NOT NULL,
			attempt INTEGER NOT NULL,
			max_attempts INTEGER NOT NULL,
			last_error TEXT NOT NULL,
			dead INTEGER NOT NULL,
			dead_at INTEGER NOT NULL,
			reason TEXT NOT NULL
		)`,
		`CREATE INDEX queue_live ON queue (flow, tenant, dead, id)`,
		`CREATE INDEX queue_order ON queue (flow, tenant, order_key, id) WHERE order_key != ''`,
		`CREATE INDEX queue_dead ON queue (flow, tenant, dead_at, id) WHERE dead = 1`,
		`CREATE TABLE queue_keys (
			flow TEXT NOT NULL,
			tenant TEXT NOT NULL,
			k TEXT NOT NULL,
			expires INTEGER NOT NULL,
			id INTEGER NOT NULL,
			PRIMARY KEY (flow, tenant, k)
		) WITHOUT ROWID`,
		`CREATE INDEX queue_keys_expiry ON queue_keys (expires)`,
	},
}

// SchemaVersion is the schema version this code writes and understands.
var SchemaVersion = len(migrations)
