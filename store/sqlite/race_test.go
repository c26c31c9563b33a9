//go:build race

package sqlite_test

// raceEnabled: the race detector slows SQLite (transpiled C) down many times over, so the crash
// tests do fewer rounds under it; plain `go test` runs them in full.
const raceEnabled = true
