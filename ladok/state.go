package ladok

import (
	"context"
	"maps"
	"sync"
)

// Position is where a Reader is in the feed. It is saved only after the handler has succeeded
// for the entries it covers, in the same transaction as their processed keys.
type Position struct {
	// Page is the href of the page being read, as path and query (the page's self link when
	// it has one), so it stays valid if the host name in front of Ladok changes.
	Page string
	// Entry is the Atom id of the last entry handled on Page; "" when none was, or when the
	// last one had no id (then Handled locates the position).
	Entry string
	// Handled is how many entries of Page, counted from the oldest, are handled. Ladok only
	// adds entries to the top of a page, so the count stays valid.
	Handled int
}

// State keeps a Reader's progress durably: its position and the keys of the entries it has
// processed. Package store provides the SQLite implementation (see StoreState); MemoryState is
// for tests. Implementations must be safe for one reader at a time per feed.
type State interface {
	// LoadPosition returns the saved position of feed; ok is false when there is none.
	LoadPosition(ctx context.Context, feed string) (pos Position, ok bool, err error)
	// Processed returns the subset of keys recorded as processed for feed.
	Processed(ctx context.Context, feed string, keys []string) (map[string]bool, error)
	// Commit records keys as processed (keys already recorded are not an error) and saves
	// pos, atomically: after a crash either both are stored or neither.
	Commit(ctx context.Context, feed string, pos Position, keys []string) error
}

// MemoryState is a State in memory: for tests and examples, not for production, where the
// position must survive a restart.
type MemoryState struct {
	mu        sync.Mutex
	positions map[string]Position
	keys      map[string]map[string]bool
	// FailCommit, when set, is returned by the next Commit (which then stores nothing), so
	// tests can simulate a database failure.
	FailCommit error
}

// NewMemoryState returns an empty MemoryState.
func NewMemoryState() *MemoryState {
	return &MemoryState{positions: map[string]Position{}, keys: map[string]map[string]bool{}}
}

// LoadPosition implements State.
func (m *MemoryState) LoadPosition(_ context.Context, feed string) (Position, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, ok := m.positions[feed]
	return p, ok, nil
}

// Processed implements State.
func (m *MemoryState) Processed(_ context.Context, feed string, keys []string) (map[string]bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]bool{}
	for _, k := range keys {
		if m.keys[feed][k] {
			out[k] = true
		}
	}
	return out, nil
}

// Commit implements State.
func (m *MemoryState) Commit(_ context.Context, feed string, pos Position, keys []string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.FailCommit; err != nil {
		m.FailCommit = nil
		return err
	}
	if m.keys[feed] == nil {
		m.keys[feed] = map[string]bool{}
	}
	for _, k := range keys {
		m.keys[feed][k] = true
	}
	m.positions[feed] = pos
	return nil
}

// Keys returns a copy of the processed keys of feed.
func (m *MemoryState) Keys(feed string) map[string]bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return maps.Clone(m.keys[feed])
}

// SetPosition sets the position of feed, as a host does to start a reader somewhere else.
func (m *MemoryState) SetPosition(feed string, pos Position) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.positions[feed] = pos
}
