package ss12000test

import (
	"encoding/json"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/edusync/edusync/internal/uuidtext"
	"github.com/edusync/edusync/ss12000"
)

// record is one stored record. It is never modified after it is stored: a change stores a new
// record, so a page being written can keep using the old one without a lock.
type record struct {
	id  string
	val any    // *T of the record's kind
	raw []byte // val's JSON, sent as is when no expansion is asked for
	// created and modified are val's meta, kept here for filters and sorting.
	created, modified time.Time
}

// table holds the records of one kind.
type table struct {
	byID  map[string]*record
	order []string // ids in ascending byte order: the default listing order
	// shared is set when a listing holds order itself (an unfiltered listing needs no copy of
	// its own); the next change then copies order before changing it.
	shared atomic.Bool
}

// ownOrder makes order safe to change in place. The caller holds the write lock.
func (t *table) ownOrder() {
	if t.shared.Load() {
		t.order = slices.Clone(t.order)
		t.shared.Store(false)
	}
}

// snapshotOrder returns order for a listing to keep. The caller holds the read lock.
func (t *table) snapshotOrder() []string {
	t.shared.Store(true)
	return t.order[:len(t.order):len(t.order)]
}

func newTable() *table { return &table{byID: map[string]*record{}} }

// deletion is one removal, for /deletedEntities.
type deletion struct {
	kind *kind
	id   string
	at   time.Time
}

// store is the server's data. The Server's mutex guards it.
type store struct {
	tables  []*table // by kind index
	deleted []deletion
	// version counts changes; views built for an older version are rebuilt.
	version uint64
	aggSeq  int
}

func newStore() *store {
	st := &store{tables: make([]*table, len(kinds))}
	for i := range st.tables {
		st.tables[i] = newTable()
	}
	return st
}

func (st *store) table(k *kind) *table { return st.tables[k.index] }

func (st *store) get(k *kind, id string) *record { return st.tables[k.index].byID[id] }

// newRecord encodes val (a *T of kind k) into a record.
func newRecord(k *kind, val any) (*record, error) {
	raw, err := json.Marshal(val)
	if err != nil {
		return nil, fmt.Errorf("ss12000test: encoding %s: %w", k.path, err)
	}
	m := k.meta(val)
	return &record{id: k.id(val), val: val, raw: raw, created: m.Created, modified: m.Modified}, nil
}

// put stores rec, replacing a record with the same id, and keeps the order.
func (st *store) put(k *kind, rec *record) {
	t := st.tables[k.index]
	if _, ok := t.byID[rec.id]; !ok {
		t.ownOrder()
		i, _ := slices.BinarySearch(t.order, rec.id)
		t.order = slices.Insert(t.order, i, rec.id)
	}
	t.byID[rec.id] = rec
	st.version++
}

// load stores many new records at once (the initial dataset); the order is sorted once.
func (st *store) load(k *kind, recs []*record) {
	t := st.tables[k.index]
	t.ownOrder()
	for _, r := range recs {
		if _, ok := t.byID[r.id]; !ok {
			t.order = append(t.order, r.id)
		}
		t.byID[r.id] = r
	}
	slices.Sort(t.order)
	t.order = slices.Compact(t.order)
	st.version++
}

// remove deletes a record and notes the removal; it reports whether there was one.
func (st *store) remove(k *kind, id string, at time.Time) bool {
	t := st.tables[k.index]
	if _, ok := t.byID[id]; !ok {
		return false
	}
	delete(t.byID, id)
	t.ownOrder()
	if i, ok := slices.BinarySearch(t.order, id); ok {
		t.order = slices.Delete(t.order, i, i+1)
	}
	if k.deleted != nil {
		st.deleted = append(st.deleted, deletion{kind: k, id: id, at: at})
	}
	st.version++
	return true
}

// prepare gives val (a *T of kind k) an id if it has none and stamps meta: created stays what
// it was for an existing record, modified is now. With keepMeta, a meta the value already has
// is kept (the initial dataset may seed history).
func prepare(k *kind, val any, old *record, now time.Time, keepMeta bool) any {
	if k.id(val) == "" {
		val = k.withID(val, uuidtext.Random())
	}
	m := k.meta(val)
	if keepMeta && !m.Created.IsZero() {
		if m.Modified.IsZero() {
			m.Modified = m.Created
		}
		return k.withMeta(val, m)
	}
	created := now
	if old != nil && !old.created.IsZero() {
		created = old.created
	} else if keepMeta && !m.Modified.IsZero() {
		created = m.Modified
	}
	modified := now
	if keepMeta && !m.Modified.IsZero() {
		modified = m.Modified
	}
	return k.withMeta(val, ss12000.Meta{Created: created, Modified: modified})
}
