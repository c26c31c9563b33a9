package fakekit

import (
	"crypto/rand"
	"encoding/base64"
	"sync"
	"time"
)

// Table holds values under random keys that expire: a fake's bearer tokens, refresh tokens and
// page tokens. Expired entries are forgotten in an amortised sweep: every Put first removes at
// most a few of the oldest entries whose time has come, so the cost of a Put, a Get or a Renew
// stays the same with a hundred or a million live entries (a sweep of the whole table on each
// new key is what made ss12000test's listings slow once 100,000 page tokens were live).
//
// Entries are queued in the order they were put or renewed. With one lifetime per table and a
// clock that moves forward that is the order in which they expire, so the sweep removes exactly
// the expired ones; otherwise an entry may be swept later than it expired, never earlier, and
// Get never returns an expired entry.
type Table[V any] struct {
	mu    sync.Mutex
	now   func() time.Time
	m     map[string]tableEntry[V] // by value: one heap object fewer per entry for the GC
	queue []queued
	head  int

	visited int // queue entries the sweeps looked at, for the test that the cost stays flat
}

type tableEntry[V any] struct {
	v       V
	expires time.Time
}

type queued struct {
	key     string
	expires time.Time
}

// sweepPerPut bounds the work one Put does for the sweep. It is more than one, so the sweep
// keeps up with entries that expire faster than new ones are put.
const sweepPerPut = 8

// NewTable returns an empty table on the clock now (time.Now when nil).
func NewTable[V any](now func() time.Time) *Table[V] {
	if now == nil {
		now = time.Now
	}
	return &Table[V]{now: now, m: map[string]tableEntry[V]{}}
}

// NewKey returns a random key of 32 URL-safe characters, unguessable like a real service's.
func NewKey() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// Add stores v under a new random key for ttl and returns the key.
func (t *Table[V]) Add(v V, ttl time.Duration) string {
	key := NewKey()
	t.Put(key, v, ttl)
	return key
}

// Put stores v under key for ttl, replacing what was there.
func (t *Table[V]) Put(key string, v V, ttl time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	t.sweep(now, sweepPerPut)
	exp := now.Add(ttl)
	t.m[key] = tableEntry[V]{v: v, expires: exp}
	t.push(key, exp)
}

// Get returns the value under key; ok is false for an unknown or expired key (which is then
// forgotten).
func (t *Table[V]) Get(key string) (v V, ok bool) {
	v, found, live := t.Lookup(key)
	return v, found && live
}

// Lookup is Get that tells an expired key (found, not live: its value is returned once more,
// then forgotten) from an unknown one, for APIs that answer the two differently.
func (t *Table[V]) Lookup(key string) (v V, found, live bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e, ok := t.m[key]
	if !ok {
		return v, false, false
	}
	if !t.now().Before(e.expires) {
		delete(t.m, key)
		return e.v, true, false
	}
	return e.v, true, true
}

// Renew gives a live key ttl more from now and reports whether it was live.
func (t *Table[V]) Renew(key string, ttl time.Duration) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	e, ok := t.m[key]
	now := t.now()
	if !ok || !now.Before(e.expires) {
		return false
	}
	e.expires = now.Add(ttl)
	t.m[key] = e
	t.push(key, e.expires)
	return true
}

// Take returns the value under key and removes it (a refresh token used once).
func (t *Table[V]) Take(key string) (v V, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e, found := t.m[key]
	if !found {
		return v, false
	}
	delete(t.m, key)
	if !t.now().Before(e.expires) {
		return v, false
	}
	return e.v, true
}

// Delete removes key.
func (t *Table[V]) Delete(key string) {
	t.mu.Lock()
	delete(t.m, key)
	t.mu.Unlock()
}

// Clear removes every entry.
func (t *Table[V]) Clear() {
	t.mu.Lock()
	clear(t.m)
	t.queue, t.head = nil, 0
	t.mu.Unlock()
}

// Len returns how many entries the table holds, expired ones not yet swept included.
func (t *Table[V]) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.m)
}

func (t *Table[V]) push(key string, exp time.Time) {
	t.queue = append(t.queue, queued{key, exp})
}

// sweep removes up to n expired entries from the front of the queue. Queue entries of keys
// renewed or removed since are dropped on the way without counting.
func (t *Table[V]) sweep(now time.Time, n int) {
	for n > 0 && t.head < len(t.queue) {
		q := t.queue[t.head]
		t.visited++
		if now.Before(q.expires) {
			break
		}
		t.queue[t.head] = queued{}
		t.head++
		if e, ok := t.m[q.key]; ok && e.expires.Equal(q.expires) {
			delete(t.m, q.key)
			n--
		}
	}
	// Reuse the queue's space once its dead front is half of it.
	if t.head > 1024 && t.head*2 > len(t.queue) {
		n := copy(t.queue, t.queue[t.head:])
		clear(t.queue[n:])
		t.queue, t.head = t.queue[:n], 0
	}
}
