package ss12000sync

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"github.com/edusync/edusync/internal/redact"
	"github.com/edusync/edusync/store"
)

// How the records lie in store (format 3). Reading a municipality's 330,000 records one store
// row each costs a new process more than everything else it loads; reading them in a few
// hundred large rows costs a fraction of it, but rewriting those rows on every run would write
// the whole municipality for a few changed records. So the records are kept in two parts:
//
//   - the base: every record as of the last compaction, sorted by id and packed into segments
//     of about segmentSize bytes per kind, under prefixBase; the meta lists how many segments
//     each kind has, so a segment left over by anything else is never read;
//   - the overlay: one row per record changed since, under the record prefixes (as formats 1
//     and 2 kept every record), holding the record or a tombstone for a removal.
//
// A delta run writes only its records' overlay rows. A run compacts (writes a new base from the
// records in memory and deletes the overlay) when it reads everything, when the overlay would
// outgrow a quarter of the base, and when the store is of formats 1 or 2 (no base yet). Loading
// lays the overlay over the base. A segment or row that cannot be read makes the store unusable
// (ErrStoredState), as a damaged record always did: the run then reads everything again.

// storeFormat is the layout this version writes (the meta's format): 1 and 2 kept every record
// in a row of its own, in the record forms 1 and 2; 3 keeps a base and an overlay.
const storeFormat = 3

// segmentFormat is the first byte of a segment.
const segmentFormat = 1

// segmentSize is the size a segment is filled to before the next one starts.
const segmentSize = 256 << 10

// tombstone is the overlay row of a removed record: no record form starts with 0.
var tombstone = []byte{0}

// prefixBase is where the base segments are kept: prefixBase + kind + "/" + number, the kind
// being the index of the record prefix in recordPrefixes.
const prefixBase = keyPrefix + "b/"

func segmentKey(kind, i int) string { return fmt.Sprintf("%s%d/%06d", prefixBase, kind, i) }

// parseSegmentKey reads a segment key back.
func parseSegmentKey(key string) (kind, i int, ok bool) {
	k, n, found := strings.Cut(strings.TrimPrefix(key, prefixBase), "/")
	if !found || len(k) != 1 || k[0] < '0' || k[0] >= '0'+byte(len(recordPrefixes)) || len(n) != 6 {
		return 0, 0, false
	}
	i, err := strconv.Atoi(n)
	if err != nil || i < 0 {
		return 0, 0, false
	}
	return int(k[0] - '0'), i, true
}

// kept is what the Source knows of the store's layout between runs.
type kept struct {
	segments [len(recordPrefixes)]int // the base's segments per kind
	base     int                      // records in the base
	overlay  map[string]bool          // keys of the overlay rows
	stray    []string                 // keys nothing refers to, deleted at the next compaction
}

// compacts reports whether a run that writes the given overlay keys should compact instead.
func (k *kept) compacts(format int, keys []string) bool {
	if format < storeFormat {
		return true
	}
	n := len(k.overlay)
	for _, key := range keys {
		if !k.overlay[key] {
			n++
		}
	}
	return n > k.base/4
}

// encodeSegments packs records, sorted by id, into segments of about segmentSize bytes.
func encodeSegments[T any, P interface {
	*T
	encodable
}](m map[string]*T) (segs [][]byte, n int) {
	var seg []byte
	count := 0
	flush := func() {
		if count == 0 {
			return
		}
		// The count goes first: the reader allocates a kind's records at once.
		head := binary.AppendUvarint([]byte{segmentFormat}, uint64(count))
		segs = append(segs, append(head, seg...))
		seg, count = seg[:0], 0
	}
	for _, id := range sortedIDs(m) {
		rec := P(m[id]).encode()
		seg = binary.AppendUvarint(seg, uint64(len(id)))
		seg = append(seg, id...)
		seg = binary.AppendUvarint(seg, uint64(len(rec)))
		seg = append(seg, rec...)
		count++
		n++
		if len(seg) >= segmentSize {
			flush()
		}
	}
	flush()
	return segs, n
}

// segment reads the entries of one segment.
type segment struct {
	b     []byte
	count int
	err   error
}

// openSegment reads a segment's head. The count is checked against the segment's size (an
// entry takes at least three bytes), so a damaged count cannot make the reader allocate more
// than the segment could hold.
func openSegment(b []byte) segment {
	if len(b) == 0 || b[0] != segmentFormat {
		return segment{err: fmt.Errorf("%w: unknown segment format", ErrStoredState)}
	}
	n, k := binary.Uvarint(b[1:])
	if k <= 0 || n > uint64(len(b))/3 {
		return segment{err: fmt.Errorf("%w: damaged segment", ErrStoredState)}
	}
	return segment{b: b[1+k:], count: int(n)}
}

// next returns the id and the record of the next entry.
func (s *segment) next() (id, rec []byte, ok bool) {
	if s.err != nil || s.count == 0 {
		return nil, nil, false
	}
	if id, ok = s.take(); ok {
		rec, ok = s.take()
	}
	if !ok {
		return nil, nil, false
	}
	s.count--
	return id, rec, true
}

func (s *segment) take() ([]byte, bool) {
	n, k := binary.Uvarint(s.b)
	if k <= 0 || n > uint64(len(s.b)-k) {
		s.err = fmt.Errorf("%w: damaged segment", ErrStoredState)
		return nil, false
	}
	v := s.b[k : k+int(n)]
	s.b = s.b[k+int(n):]
	return v, true
}

// end checks that the whole segment was read.
func (s *segment) end() error {
	if s.err == nil && (s.count != 0 || len(s.b) != 0) {
		s.err = fmt.Errorf("%w: damaged segment", ErrStoredState)
	}
	return s.err
}

// decodeKind decodes a kind's base segments and lays its overlay rows over them.
func decodeKind[T any, P decodable[T]](prefix string, segs [][]byte, rows []store.Entry[[]byte]) (map[string]*T, int, error) {
	opened := make([]segment, len(segs))
	total := 0
	for i, b := range segs {
		if opened[i] = openSegment(b); opened[i].err != nil {
			return nil, 0, opened[i].err
		}
		total += opened[i].count
	}
	recs := make([]T, total) // one allocation for the base records of the kind
	var d decoder
	at := 0
	for i := range opened {
		s := &opened[i]
		for {
			id, rec, ok := s.next()
			if !ok {
				break
			}
			if err := decodeRecord(&d, P(&recs[at]), id, rec); err != nil {
				return nil, 0, err
			}
			at++
		}
		if err := s.end(); err != nil {
			return nil, 0, err
		}
	}
	live := 0
	for _, r := range rows {
		if string(r.Value) != string(tombstone) {
			live++
		}
	}
	changed := make([]T, live)
	j := 0
	for _, r := range rows {
		if string(r.Value) == string(tombstone) {
			continue
		}
		if err := decodeRecord(&d, P(&changed[j]), []byte(strings.TrimPrefix(r.Key, prefix)), r.Value); err != nil {
			return nil, 0, fmt.Errorf("%w (%s)", err, redact.Text(r.Key))
		}
		j++
	}
	d.flush()
	into := make(map[string]*T, total+live)
	for i := range recs {
		into[*P(&recs[i]).idField()] = &recs[i]
	}
	j = 0
	for _, r := range rows {
		if string(r.Value) == string(tombstone) {
			delete(into, strings.TrimPrefix(r.Key, prefix))
			continue
		}
		into[*P(&changed[j]).idField()] = &changed[j]
		j++
	}
	return into, total, nil
}
