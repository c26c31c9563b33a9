package ladokfeed

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/edusync/edusync/store"
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

// State is what a Reader needs to keep its progress durably: its position and the keys of the
// entries it has processed. StoreState, over package store (SQLite in production, memory in
// tests), is the implementation; the interface exists so that a host can wrap it (to count
// commits, or to inject failures in its own tests). One reader at a time uses a feed's state,
// but it calls Commit from its committer while it calls Processed for the next page, so an
// implementation must allow the two at once. A Commit that returns late holds the reader back
// (see Window), and one that fails stops it.
type State interface {
	// LoadPosition returns the saved position of feed; ok is false when there is none.
	LoadPosition(ctx context.Context, feed string) (pos Position, ok bool, err error)
	// Processed returns the subset of keys recorded as processed for feed.
	Processed(ctx context.Context, feed string, keys []string) (map[string]bool, error)
	// Commit records keys as processed (keys already recorded are not an error) and saves
	// pos, atomically: after a crash either both are stored or neither.
	Commit(ctx context.Context, feed string, pos Position, keys []string) error
}

// FeedFlow is the store flow under which StoreState keeps feed readers' state; the tenant of
// the scope is the reader's feed name (WithFeedName).
const FeedFlow = "ladok-feed"

// DefaultKeyRetention is how long StoreState remembers a processed entry by default. Ladok
// repeats entries within a page and, rarely, an event under a new entry id soon after; a
// reader set back further than this hands older entries over again, which idempotent handlers
// absorb.
const DefaultKeyRetention = 90 * 24 * time.Hour

// StoreState keeps Readers' state in a store.Store: one scope per feed (flow FeedFlow, tenant
// the feed name), the position as the scope's store.Position (Cursor the page href, Last the
// entry id, Offset the handled count) and the processed keys with an expiry. Other flows can
// read the same scope, and a host can move a reader with SetPosition.
type StoreState struct {
	st        store.Store
	retention time.Duration
	now       func() time.Time
}

// StoreStateOption configures a StoreState.
type StoreStateOption func(*StoreState)

// WithKeyRetention sets how long processed keys are remembered (default DefaultKeyRetention;
// 0 or less: forever).
func WithKeyRetention(d time.Duration) StoreStateOption {
	return func(s *StoreState) { s.retention = d }
}

// WithStateClock sets the clock used for key expiry (default time.Now). For tests.
func WithStateClock(now func() time.Time) StoreStateOption {
	return func(s *StoreState) {
		if now != nil {
			s.now = now
		}
	}
}

// NewStoreState returns a State kept in st. It does not own st: the host closes it.
func NewStoreState(st store.Store, opts ...StoreStateOption) *StoreState {
	s := &StoreState{st: st, retention: DefaultKeyRetention, now: time.Now}
	for _, o := range opts {
		if o != nil {
			o(s)
		}
	}
	return s
}

// Scope is the store scope that holds feed's state.
func (s *StoreState) Scope(feed string) store.Scope {
	return store.Scope{Flow: FeedFlow, Tenant: feed}
}

// LoadPosition implements State.
func (s *StoreState) LoadPosition(ctx context.Context, feed string) (Position, bool, error) {
	p, ok, err := store.LoadPosition(ctx, s.st, s.Scope(feed))
	if err != nil || !ok {
		return Position{}, false, err
	}
	return Position{Page: p.Cursor, Entry: p.Last, Handled: int(p.Offset)}, true, nil
}

// Processed implements State.
func (s *StoreState) Processed(ctx context.Context, feed string, keys []string) (map[string]bool, error) {
	var out map[string]bool
	err := s.st.View(ctx, s.Scope(feed), func(tx store.Tx) error {
		var err error
		out, err = tx.Processed(keys...)
		return err
	})
	return out, err
}

// Commit implements State: the keys and the position are written in one store transaction.
func (s *StoreState) Commit(ctx context.Context, feed string, pos Position, keys []string) error {
	if pos.Page == "" {
		return errors.New("ladokfeed: a position needs a page")
	}
	var expires time.Time
	if s.retention > 0 {
		expires = s.now().Add(s.retention)
	}
	return store.Commit(ctx, s.st, s.Scope(feed), toStorePosition(pos), keys, expires)
}

// SetPosition saves pos as feed's position without marking anything processed: how a host
// starts a reader somewhere else (after ErrPositionLost, say). A reader of the feed must not
// be running.
func (s *StoreState) SetPosition(ctx context.Context, feed string, pos Position) error {
	if pos.Page == "" {
		return errors.New("ladokfeed: a position needs a page")
	}
	err := s.st.Update(ctx, s.Scope(feed), func(tx store.Tx) error {
		return tx.SetPosition(toStorePosition(pos))
	})
	if err != nil {
		return fmt.Errorf("ladokfeed: saving the feed position: %w", err)
	}
	return nil
}

func toStorePosition(p Position) store.Position {
	return store.Position{Cursor: p.Page, Last: p.Entry, Offset: int64(p.Handled)}
}
