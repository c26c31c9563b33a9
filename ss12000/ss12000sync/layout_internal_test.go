package ss12000sync

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/ss12000"
	"github.com/edusync/edusync/store"
)

var layoutCtx = context.Background()

// compacted keeps d in a memory store as a base, as a full run does.
func compacted(t *testing.T, d *dataset) *Source {
	t.Helper()
	s := &Source{opts: Options{Store: store.NewMemory(), Scope: store.Scope{Flow: "layout"}}}
	meta := storedMeta{Format: storeFormat}
	k, err := s.compact(layoutCtx, d, &ss12000.SyncState{}, &meta)
	if err != nil {
		t.Fatal(err)
	}
	s.kept, s.meta = k, meta
	return s
}

// loadEquals loads s's store as a new process does and compares it with want.
func loadEquals(t *testing.T, s *Source, want *dataset) {
	t.Helper()
	got, n, err := s.load(layoutCtx)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, got, cmp.AllowUnexported(dataset{}, reconcile.Date{})); d != "" {
		t.Fatalf("loaded (-want +got):\n%s", d)
	}
	if w := len(want.orgs) + len(want.persons) + len(want.groups) + len(want.duties) + len(want.activities); n != w {
		t.Errorf("%d records loaded, want %d", n, w)
	}
}

// storedValues returns the values under a prefix.
func storedValues(t *testing.T, s *Source, prefix string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := s.opts.Store.View(layoutCtx, s.opts.Scope, func(tx store.Tx) error {
		vals, err := tx.Values(prefix)
		for _, v := range vals {
			out[v.Key] = v.Value
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func cloneDataset(d *dataset) *dataset {
	return &dataset{orgs: maps.Clone(d.orgs), persons: maps.Clone(d.persons), groups: maps.Clone(d.groups),
		duties: maps.Clone(d.duties), activities: maps.Clone(d.activities)}
}

// TestDeltaRunsWriteOnlyTheOverlay: a delta run writes a row per changed record (a tombstone per
// removal) and leaves the base alone; loading lays the overlay over the base; a compaction
// writes a new base and deletes the overlay.
func TestDeltaRunsWriteOnlyTheOverlay(t *testing.T) {
	d := codecDataset()
	s := compacted(t, d)
	if s.kept.base != 7 || len(s.kept.overlay) != 0 || s.kept.segments != [5]int{1, 1, 1, 1, 1} {
		t.Fatalf("after a compaction: %+v", s.kept)
	}
	if rows := storedValues(t, s, prefixPers); len(rows) != 0 {
		t.Fatalf("a compaction left %d overlay rows", len(rows))
	}
	loadEquals(t, s, d)

	// A run: a person changes, a group is removed, a duty is new.
	var pid, gid string
	for pid = range d.persons {
		break
	}
	for gid = range d.groups {
		break
	}
	changed := *d.persons[pid]
	changed.Family = "Lind"
	c := &changes{persons: map[string]*personRec{pid: &changed}, groups: map[string]*groupRec{gid: nil},
		duties: map[string]*dutyRec{"duty-new": {ID: "duty-new", Person: pid, Unit: "u", Role: "Rektor"}}}
	after := cloneDataset(d)
	c.apply(after)
	k, err := s.persist(layoutCtx, c, c.keys(), &ss12000.SyncState{}, storedMeta{Format: storeFormat, Segments: s.kept.segments})
	if err != nil {
		t.Fatal(err)
	}
	s.kept = k
	want := map[string]bool{prefixPers + pid: true, prefixGroup + gid: true, prefixDuty + "duty-new": true}
	if !maps.Equal(k.overlay, want) || k.base != 7 {
		t.Fatalf("after a delta run: %+v", k)
	}
	if v := storedValues(t, s, prefixGroup)[prefixGroup+gid]; string(v) != string(tombstone) {
		t.Errorf("the removed group's row is %v, want a tombstone", v)
	}
	if n := len(storedValues(t, s, prefixBase)); n != 5 {
		t.Errorf("%d segments after a delta run, want the 5 of the base", n)
	}
	loadEquals(t, s, after)

	// A compaction of the result: the overlay goes, the base has the records.
	meta := storedMeta{Format: storeFormat}
	if s.kept, err = s.compact(layoutCtx, after, &ss12000.SyncState{}, &meta); err != nil {
		t.Fatal(err)
	}
	for _, p := range recordPrefixes {
		if rows := storedValues(t, s, p); len(rows) != 0 {
			t.Errorf("%s: %d overlay rows after a compaction", p, len(rows))
		}
	}
	if len(s.kept.overlay) != 0 || s.kept.base != 7 {
		t.Errorf("after the compaction: %+v", s.kept)
	}
	loadEquals(t, s, after)
}

// TestLargeKindsSpanSegments: a kind larger than a segment is split and read back whole, and a
// compaction to fewer segments deletes the ones no longer needed.
func TestLargeKindsSpanSegments(t *testing.T) {
	d := newDataset()
	for i := range 3000 {
		id := fmt.Sprintf("%08d-1f0b-4f6e-9d35-3a1b2c3d4e5f", i)
		d.groups[id] = &groupRec{ID: id, Name: fmt.Sprintf("Grupp %d med ett långt namn som fyller segmentet", i),
			Members: make([]memberRec, 8)}
		for j := range d.groups[id].Members {
			d.groups[id].Members[j].Person = fmt.Sprintf("%08d-2f0b-4f6e-9d35-3a1b2c3d4e5f", j)
		}
	}
	s := compacted(t, d)
	if s.kept.segments[2] < 2 {
		t.Fatalf("%d segments of groups, want several", s.kept.segments[2])
	}
	loadEquals(t, s, d)
	small := newDataset()
	small.groups["g"] = &groupRec{ID: "g"}
	meta := storedMeta{Format: storeFormat}
	var err error
	if s.kept, err = s.compact(layoutCtx, small, &ss12000.SyncState{}, &meta); err != nil {
		t.Fatal(err)
	}
	if n := len(storedValues(t, s, prefixBase)); n != 1 {
		t.Errorf("%d segments kept, want 1", n)
	}
	loadEquals(t, s, small)
}

func TestCompactionWhenTheOverlayOutgrowsTheBase(t *testing.T) {
	k := kept{base: 100, overlay: map[string]bool{}}
	for i := range 20 {
		k.overlay[fmt.Sprint("k", i)] = true
	}
	keys := func(n int) []string {
		out := []string{"k0", "k1"} // rewritten: no new rows
		for i := range n {
			out = append(out, fmt.Sprint("new", i))
		}
		return out
	}
	for _, c := range []struct {
		format int
		keys   []string
		want   bool
	}{
		{storeFormat, keys(5), false}, // 25 rows: a quarter of the base
		{storeFormat, keys(6), true},
		{2, keys(0), true}, // no base yet
	} {
		if got := k.compacts(c.format, c.keys); got != c.want {
			t.Errorf("format %d, %d keys: compacts = %v, want %v", c.format, len(c.keys), got, c.want)
		}
	}
}

// TestDamagedLayoutIsAnError: a damaged or missing segment makes the store unusable; a segment
// the meta does not list is not read and is deleted at the next compaction.
func TestDamagedLayoutIsAnError(t *testing.T) {
	d := codecDataset()
	for name, c := range map[string]struct {
		damage  func(tx store.Tx) error
		wantErr bool
	}{
		"truncated segment": {func(tx store.Tx) error {
			v, err := tx.Value(segmentKey(1, 0))
			if err != nil {
				return err
			}
			return tx.SetValue(segmentKey(1, 0), v[:len(v)-3])
		}, true},
		"missing segment":      {func(tx store.Tx) error { return tx.DeleteValue(segmentKey(2, 0)) }, true},
		"unknown segment form": {func(tx store.Tx) error { return tx.SetValue(segmentKey(0, 0), []byte{9, 0}) }, true},
		"huge count": {func(tx store.Tx) error {
			return tx.SetValue(segmentKey(0, 0), []byte{segmentFormat, 0xff, 0xff, 0xff, 0xff, 0x0f})
		}, true},
		"damaged overlay row": {func(tx store.Tx) error { return tx.SetValue(prefixPers+"p-x", []byte{recordFormat, 0xff}) }, true},
		"meta lists too many segments": {func(tx store.Tx) error {
			return store.Put(tx, keyMeta, storedMeta{Format: storeFormat, Segments: [5]int{1, 1 << 40, 1, 1, 1}})
		}, true},
		"stray segment": {func(tx store.Tx) error { return tx.SetValue(segmentKey(1, 1), []byte("left over")) }, false},
	} {
		t.Run(name, func(t *testing.T) {
			s := compacted(t, d)
			if err := s.opts.Store.Update(layoutCtx, s.opts.Scope, c.damage); err != nil {
				t.Fatal(err)
			}
			l := <-s.restore(layoutCtx, &Report{})
			if c.wantErr {
				if !errors.Is(l.err, ErrStoredState) {
					t.Fatalf("loaded with %v, want ErrStoredState", l.err)
				}
				if len(l.keys) == 0 {
					t.Error("no keys to replace")
				}
				return
			}
			if l.err != nil {
				t.Fatal(l.err)
			}
			if len(l.kept.stray) != 1 || l.kept.stray[0] != segmentKey(1, 1) {
				t.Fatalf("stray keys %v", l.kept.stray)
			}
			loadEquals(t, s, d)
			s.kept = l.kept
			meta := storedMeta{Format: storeFormat}
			if _, err := s.compact(layoutCtx, d, &ss12000.SyncState{}, &meta); err != nil {
				t.Fatal(err)
			}
			if _, ok := storedValues(t, s, prefixBase)[segmentKey(1, 1)]; ok {
				t.Error("the compaction kept the stray segment")
			}
		})
	}
}

// FuzzDecodeSegment: any bytes as a stored segment decode or fail with ErrStoredState, never
// panic or allocate beyond what the segment could hold.
func FuzzDecodeSegment(f *testing.F) {
	segs, _ := encodeSegments(codecDataset().persons)
	for _, s := range segs {
		f.Add(s)
	}
	f.Add([]byte{segmentFormat, 2, 1, 'a', 1, recordFormat})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, n, err := decodeKind[personRec](prefixPers, [][]byte{b}, nil)
		if err != nil {
			if !errors.Is(err, ErrStoredState) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if len(m) > n {
			t.Fatalf("%d records from a segment of %d", len(m), n)
		}
	})
}

// load loads the stored snapshot at once (restore without a run beside it).
func (s *Source) load(ctx context.Context) (*dataset, int, error) {
	var rep Report
	records := s.restore(ctx, &rep)
	if records == nil {
		if rep.Reread != "" {
			return nil, 0, errors.New(rep.Reread)
		}
		return nil, 0, store.ErrNotFound
	}
	l := <-records
	return l.data, l.n, l.err
}
