package ss12000

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"iter"
	"math"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"time"
)

// SyncState is what a Syncer remembers between runs. It is plain JSON: the host persists it
// (for example in edusync's store package) after each successful run and passes it back next time.
type SyncState struct {
	Version   int                              `json:"version"`
	Resources map[EndPointsEnum]*ResourceState `json:"resources,omitempty"`
	// DeletedAfter is where the next /deletedEntities read starts (minus the overlap).
	DeletedAfter time.Time `json:"deletedAfter,omitzero"`
	// RecentDeletions are deletions already delivered inside the overlap window ("Type|id").
	RecentDeletions []string `json:"recentDeletions,omitempty"`
}

// ResourceState is the watermark of one record type.
type ResourceState struct {
	// Modified is the highest meta.modified delivered so far, but no later than the start of
	// the listing that delivered it (records it had passed may have changed meanwhile).
	Modified time.Time `json:"modified,omitzero"`
	// Boundary identifies the versions delivered inside the overlap window before Modified
	// (id, modified and a hash of the record), so the next run skips them but still delivers a
	// record changed again within the same timestamp.
	Boundary []string `json:"boundary,omitempty"`
	// Known lists every id seen by the last full sync; the next full sync reports the ones that
	// disappeared. Empty until a full sync has run.
	Known []string `json:"known,omitempty"`
}

const syncStateVersion = 1

// Change is one record a sync delivers: a new or changed record, or a removal.
type Change struct {
	Type     EndPointsEnum
	ID       string
	Modified time.Time // zero for removals
	// Record holds the decoded record (for example PersonExpanded or GroupExpanded); nil for removals.
	Record  any
	Deleted bool
}

// SyncReport sums up one run.
type SyncReport struct {
	Changed map[EndPointsEnum]int
	Deleted int
	// Disappeared lists, after a full sync, the ids of records that were there last time and are
	// not now, per type. A delta sync learns of removals only through /deletedEntities.
	Disappeared  map[EndPointsEnum][]string
	RecordErrors []*RecordError
}

// Syncer keeps a copy of a service's data current: a delta run asks each record type for
// records modified after its watermark (minus an overlap window, because meta.modified.after is
// exclusive and services stamp times coarsely or late) and reads /deletedEntities; a full run
// lists everything and reports what disappeared. Watermarks only move after a run delivered
// everything to the handler, so a failed run is repeated rather than leaving gaps, and a
// change made while a run is under way is delivered by the next run.
type Syncer struct {
	Client *Client
	// Types to sync, in order (default: Organisation, Person, Group, Duty, Placement; parents before children).
	Types []EndPointsEnum
	// Overlap is how far before the watermark each delta run starts again (default 5 minutes).
	// It must exceed the coarseness of the service's timestamps (often whole seconds) and the
	// difference between its clock and Now.
	Overlap time.Duration
	// Now is the clock (default time.Now). It sets the /deletedEntities positions and keeps
	// the watermarks from passing the start of each listing.
	Now func() time.Time
}

// DefaultSyncTypes are the record types most integrations keep: organisations, persons,
// groups, duties and placements.
var DefaultSyncTypes = []EndPointsEnum{EndPointsOrganisation, EndPointsPerson, EndPointsGroup, EndPointsDuty, EndPointsPlacement}

// ErrSyncState is returned for a state written by a newer edusync or damaged.
var ErrSyncState = errors.New("ss12000: unusable sync state")

// Delta delivers what changed since state's watermarks to handle and advances state when the
// whole run succeeded. A handler error stops the run; state is then left as it was.
func (s *Syncer) Delta(ctx context.Context, state *SyncState, handle func(context.Context, Change) error) (*SyncReport, error) {
	return s.run(ctx, state, handle, false)
}

// Full lists every record of every type, delivers them all, and reports ids that disappeared
// since the previous full run. Removals the service noted since the previous run (delta or
// full) are delivered as well, as in a delta run, so a removed record can appear both as a
// removal and in the report's Disappeared. It also sets the watermarks, so delta runs can follow.
func (s *Syncer) Full(ctx context.Context, state *SyncState, handle func(context.Context, Change) error) (*SyncReport, error) {
	return s.run(ctx, state, handle, true)
}

func (s *Syncer) run(ctx context.Context, state *SyncState, handle func(context.Context, Change) error, full bool) (*SyncReport, error) {
	if s.Client == nil || state == nil || handle == nil {
		return nil, errors.New("ss12000: Syncer needs a Client, a state and a handler")
	}
	if state.Version > syncStateVersion {
		return nil, fmt.Errorf("%w: version %d is newer than this edusync understands", ErrSyncState, state.Version)
	}
	overlap := s.Overlap
	if overlap <= 0 {
		overlap = 5 * time.Minute
	}
	now := s.now
	types := s.Types
	if len(types) == 0 {
		types = DefaultSyncTypes
	}
	started := now()
	next := SyncState{Version: syncStateVersion, Resources: map[EndPointsEnum]*ResourceState{}}
	report := &SyncReport{Changed: map[EndPointsEnum]int{}}

	for _, typ := range types {
		src, ok := syncSources[typ]
		if !ok {
			return nil, fmt.Errorf("ss12000: cannot sync %s: it has no modification time", typ)
		}
		prev := state.Resources[typ]
		if prev == nil {
			prev = &ResourceState{}
		}
		rs, err := s.syncType(ctx, typ, src, prev, full, overlap, handle, report)
		if err != nil {
			return report, err
		}
		next.Resources[typ] = rs
	}

	if full && state.DeletedAfter.IsZero() {
		// The first run of all: every record there is was delivered, so removals before now
		// are of no interest.
		next.DeletedAfter = started
	} else {
		// A full run also delivers the removals noted since the previous run: without them a
		// host that ran delta runs before would keep records removed in between (the full run
		// moves the position on), and the next delta run would repeat removals inside the
		// overlap that an earlier run already delivered.
		if err := s.syncDeletions(ctx, state, &next, types, started, overlap, handle, report); err != nil {
			return report, err
		}
	}
	*state = next
	return report, nil
}

func (s *Syncer) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Syncer) syncType(ctx context.Context, typ EndPointsEnum, src syncSource, prev *ResourceState, full bool, overlap time.Duration,
	handle func(context.Context, Change) error, report *SyncReport) (*ResourceState, error) {
	var after time.Time
	if !full && !prev.Modified.IsZero() {
		after = prev.Modified.Add(-overlap)
	}
	delivered := make(map[string]bool, len(prev.Boundary))
	for _, k := range prev.Boundary {
		delivered[k] = true
	}
	rs := &ResourceState{Modified: prev.Modified}
	type seenVersion struct {
		key      string
		modified time.Time
	}
	var window []seenVersion
	var ids []string
	// The watermark may not pass the moment this listing started: a record the listing has
	// already passed can change while it goes on (a long run, small pages), and that change is
	// stamped later than the records delivered before it. Records modified before the start
	// are all in the listing, so the next run's overlap starts from there at the latest.
	listStart := s.now()
	raise := func(modified time.Time) {
		if modified.After(listStart) {
			modified = listStart
		}
		if modified.After(rs.Modified) {
			rs.Modified = modified
		}
	}
	for rec, err := range src(s.Client, ctx, after) {
		if err != nil {
			var re *RecordError
			if errors.As(err, &re) {
				report.RecordErrors = append(report.RecordErrors, re)
				continue
			}
			return nil, err
		}
		ids = append(ids, rec.id)
		key := versionKey(rec)
		if delivered[key] && !full {
			window = append(window, seenVersion{key, rec.modified})
			raise(rec.modified)
			continue
		}
		if err := handle(ctx, Change{Type: typ, ID: rec.id, Modified: rec.modified, Record: rec.value}); err != nil {
			return nil, fmt.Errorf("ss12000: sync handler for %s %s: %w", typ, rec.id, err)
		}
		report.Changed[typ]++
		window = append(window, seenVersion{key, rec.modified})
		raise(rec.modified)
	}
	// Keep the versions inside the next run's overlap window.
	for _, v := range window {
		if !v.modified.Before(rs.Modified.Add(-overlap)) {
			rs.Boundary = append(rs.Boundary, v.key)
		}
	}
	slices.Sort(rs.Boundary)
	rs.Boundary = slices.Compact(rs.Boundary)
	if full {
		slices.Sort(ids)
		ids = slices.Compact(ids)
		if len(prev.Known) > 0 {
			var gone []string
			for _, id := range prev.Known {
				if _, found := slices.BinarySearch(ids, id); !found {
					gone = append(gone, id)
				}
			}
			if len(gone) > 0 {
				if report.Disappeared == nil {
					report.Disappeared = map[EndPointsEnum][]string{}
				}
				report.Disappeared[typ] = gone
			}
		}
		rs.Known = ids
	} else if len(prev.Known) > 0 {
		// Records created since the last full sync join the known ids, so a later full sync
		// notices if they disappear.
		slices.Sort(ids)
		rs.Known = mergeSorted(prev.Known, slices.Compact(ids))
	}
	return rs, nil
}

func (s *Syncer) syncDeletions(ctx context.Context, state, next *SyncState, types []EndPointsEnum, started time.Time, overlap time.Duration,
	handle func(context.Context, Change) error, report *SyncReport) error {
	next.DeletedAfter = started
	recent := make(map[string]bool, len(state.RecentDeletions))
	for _, k := range state.RecentDeletions {
		recent[k] = true
	}
	params := &ListDeletedEntitiesParams{Entities: types}
	if !state.DeletedAfter.IsZero() {
		params.After = state.DeletedAfter.Add(-overlap)
	}
	var keep []string
	gone := map[EndPointsEnum]map[string]bool{}
	for e, err := range s.Client.ListDeletedEntities(ctx, params) {
		if err != nil {
			return err
		}
		if !slices.Contains(types, e.Type) {
			continue
		}
		key := string(e.Type) + "|" + e.ID
		keep = append(keep, key)
		if recent[key] {
			continue
		}
		recent[key] = true
		if err := handle(ctx, Change{Type: e.Type, ID: e.ID, Deleted: true}); err != nil {
			return fmt.Errorf("ss12000: sync handler for removed %s %s: %w", e.Type, e.ID, err)
		}
		report.Deleted++
		if gone[e.Type] == nil {
			gone[e.Type] = map[string]bool{}
		}
		gone[e.Type][e.ID] = true
	}
	// Records that are gone leave the known ids, so a later full sync does not report them
	// twice: one pass per type, however many removals there were.
	for typ, ids := range gone {
		if rs := next.Resources[typ]; rs != nil && len(rs.Known) > 0 {
			rs.Known = slices.DeleteFunc(rs.Known, func(id string) bool { return ids[id] })
		}
	}
	slices.Sort(keep)
	next.RecentDeletions = slices.Compact(keep)
	return nil
}

// versionKey identifies one version of a record: id, modification time and a hash of its content.
func versionKey(r syncRecord) string {
	return r.id + "|" + r.modified.UTC().Format(time.RFC3339Nano) + "|" + strconv.FormatUint(contentHash(r.value), 36)
}

// contentHasher writes a decoded record in a fixed, unambiguous binary form: every field in
// declaration order (unexported ones too), strings and lists length-prefixed, absent pointers
// and lists told apart from empty ones, times as their instant. Walking the Go value costs a
// fraction of encoding it to JSON again, which a delta run would otherwise do for every record
// it delivers (on a municipality's busy day, eleven thousand groups with their memberships).
type contentHasher struct {
	buf     []byte
	scratch [][]byte // map entries, sorted before they are written
}

var contentHashers = sync.Pool{New: func() any { return &contentHasher{buf: make([]byte, 0, 4<<10)} }}

// contentHash is the FNV-1a hash of v's binary form (see contentHasher).
func contentHash(v any) uint64 {
	h := contentHashers.Get().(*contentHasher)
	h.buf = h.buf[:0]
	// An addressable copy, so that times are read through a pointer (boxing each one to read
	// it would cost an allocation a time).
	rv := reflect.ValueOf(v)
	if rv.IsValid() {
		c := reflect.New(rv.Type()).Elem()
		c.Set(rv)
		rv = c
	}
	h.value(rv)
	const offset, prime = 14695981039346656037, 1099511628211
	sum := uint64(offset)
	for _, c := range h.buf {
		sum = (sum ^ uint64(c)) * prime
	}
	if cap(h.buf) <= 1<<20 { // a huge record's buffer is not kept for the next
		contentHashers.Put(h)
	}
	return sum
}

var timeType = reflect.TypeFor[time.Time]()

func (h *contentHasher) uint(n uint64) { h.buf = binary.AppendUvarint(h.buf, n) }

func (h *contentHasher) value(v reflect.Value) {
	switch v.Kind() {
	case reflect.Invalid:
		h.buf = append(h.buf, 0)
	case reflect.Bool:
		if v.Bool() {
			h.buf = append(h.buf, 1)
		} else {
			h.buf = append(h.buf, 0)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		h.buf = binary.AppendVarint(h.buf, v.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		h.uint(v.Uint())
	case reflect.Float32, reflect.Float64:
		h.uint(math.Float64bits(v.Float()))
	case reflect.Complex64, reflect.Complex128:
		c := v.Complex()
		h.uint(math.Float64bits(real(c)))
		h.uint(math.Float64bits(imag(c)))
	case reflect.String:
		s := v.String()
		h.uint(uint64(len(s)))
		h.buf = append(h.buf, s...)
	case reflect.Slice:
		if v.IsNil() {
			h.buf = append(h.buf, 0)
			return
		}
		h.uint(uint64(v.Len()) + 1)
		if v.Type().Elem().Kind() == reflect.Uint8 {
			h.buf = append(h.buf, v.Bytes()...)
			return
		}
		for i := range v.Len() {
			h.value(v.Index(i))
		}
	case reflect.Array:
		for i := range v.Len() {
			h.value(v.Index(i))
		}
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			h.buf = append(h.buf, 0)
			return
		}
		h.buf = append(h.buf, 1)
		h.value(v.Elem())
	case reflect.Map:
		h.mapEntries(v)
	case reflect.Struct:
		if v.Type() == timeType && v.CanAddr() && v.CanInterface() {
			t := v.Addr().Interface().(*time.Time)
			h.buf = binary.AppendVarint(h.buf, t.Unix())
			h.uint(uint64(t.Nanosecond()))
			return
		}
		for i := range v.NumField() {
			h.value(v.Field(i))
		}
	default: // channels and functions: no content
		h.buf = append(h.buf, 0)
	}
}

// mapEntries writes a map's entries in the order of their binary form, so that equal maps
// hash alike whatever their iteration order.
func (h *contentHasher) mapEntries(v reflect.Value) {
	if v.IsNil() {
		h.buf = append(h.buf, 0)
		return
	}
	h.uint(uint64(v.Len()) + 1)
	outer, base := h.buf, len(h.scratch)
	for k, e := range v.Seq2() {
		h.buf = nil
		h.value(k)
		h.value(e)
		h.scratch = append(h.scratch, h.buf)
	}
	entries := h.scratch[base:]
	slices.SortFunc(entries, bytes.Compare)
	h.buf = outer
	for _, e := range entries {
		h.uint(uint64(len(e)))
		h.buf = append(h.buf, e...)
	}
	clear(entries)
	h.scratch = h.scratch[:base]
}

type syncRecord struct {
	id       string
	modified time.Time
	value    any
}

type syncSource func(c *Client, ctx context.Context, after time.Time) iter.Seq2[syncRecord, error]

func adapt[T any](seq iter.Seq2[T, error], meta func(*T) (string, time.Time)) iter.Seq2[syncRecord, error] {
	return func(yield func(syncRecord, error) bool) {
		for v, err := range seq {
			if err != nil {
				if !yield(syncRecord{}, err) {
					return
				}
				continue
			}
			id, mod := meta(&v)
			if !yield(syncRecord{id: id, modified: mod, value: v}, nil) {
				return
			}
		}
	}
}

// syncSources lists every record type that has meta.modified and a list endpoint filtering on it.
var syncSources = map[EndPointsEnum]syncSource{
	EndPointsOrganisation: func(c *Client, ctx context.Context, after time.Time) iter.Seq2[syncRecord, error] {
		return adapt(c.ListOrganisations(ctx, &ListOrganisationsParams{MetaModifiedAfter: after}), func(v *Organisation) (string, time.Time) { return v.ID, v.Meta.Modified })
	},
	EndPointsPerson: func(c *Client, ctx context.Context, after time.Time) iter.Seq2[syncRecord, error] {
		return adapt(c.ListPersons(ctx, &ListPersonsParams{MetaModifiedAfter: after}), func(v *PersonExpanded) (string, time.Time) { return v.ID, v.Meta.Modified })
	},
	EndPointsGroup: func(c *Client, ctx context.Context, after time.Time) iter.Seq2[syncRecord, error] {
		return adapt(c.ListGroups(ctx, &ListGroupsParams{MetaModifiedAfter: after}), func(v *GroupExpanded) (string, time.Time) { return v.ID, v.Meta.Modified })
	},
	EndPointsDuty: func(c *Client, ctx context.Context, after time.Time) iter.Seq2[syncRecord, error] {
		return adapt(c.ListDuties(ctx, &ListDutiesParams{MetaModifiedAfter: after}), func(v *DutyExpanded) (string, time.Time) { return v.ID, v.Meta.Modified })
	},
	EndPointsPlacement: func(c *Client, ctx context.Context, after time.Time) iter.Seq2[syncRecord, error] {
		return adapt(c.ListPlacements(ctx, &ListPlacementsParams{MetaModifiedAfter: after}), func(v *PlacementExpanded) (string, time.Time) { return v.ID, v.Meta.Modified })
	},
	EndPointsProgramme: func(c *Client, ctx context.Context, after time.Time) iter.Seq2[syncRecord, error] {
		return adapt(c.ListProgrammes(ctx, &ListProgrammesParams{MetaModifiedAfter: after}), func(v *Programme) (string, time.Time) { return v.ID, v.Meta.Modified })
	},
	EndPointsStudyPlan: func(c *Client, ctx context.Context, after time.Time) iter.Seq2[syncRecord, error] {
		return adapt(c.ListStudyPlans(ctx, &ListStudyPlansParams{MetaModifiedAfter: after}), func(v *StudyPlan) (string, time.Time) { return v.ID, v.Meta.Modified })
	},
	EndPointsSyllabus: func(c *Client, ctx context.Context, after time.Time) iter.Seq2[syncRecord, error] {
		return adapt(c.ListSyllabuses(ctx, &ListSyllabusesParams{MetaModifiedAfter: after}), func(v *Syllabus) (string, time.Time) { return v.ID, v.Meta.Modified })
	},
	EndPointsSchoolUnitOffering: func(c *Client, ctx context.Context, after time.Time) iter.Seq2[syncRecord, error] {
		return adapt(c.ListSchoolUnitOfferings(ctx, &ListSchoolUnitOfferingsParams{MetaModifiedAfter: after}), func(v *SchoolUnitOffering) (string, time.Time) { return idSchoolUnitOffering(v), v.Meta.Modified })
	},
	EndPointsActivity: func(c *Client, ctx context.Context, after time.Time) iter.Seq2[syncRecord, error] {
		return adapt(c.ListActivities(ctx, &ListActivitiesParams{MetaModifiedAfter: after}), func(v *ActivityExpanded) (string, time.Time) { return v.ID, v.Meta.Modified })
	},
	EndPointsCalendarEvent: func(c *Client, ctx context.Context, after time.Time) iter.Seq2[syncRecord, error] {
		return adapt(c.ListCalendarEvents(ctx, &ListCalendarEventsParams{MetaModifiedAfter: after}), func(v *CalendarEvent) (string, time.Time) { return v.ID, v.Meta.Modified })
	},
	EndPointsAttendance: func(c *Client, ctx context.Context, after time.Time) iter.Seq2[syncRecord, error] {
		return adapt(c.ListAttendances(ctx, &ListAttendancesParams{MetaModifiedAfter: after}), func(v *Attendance) (string, time.Time) { return v.ID, v.Meta.Modified })
	},
	EndPointsAttendanceEvent: func(c *Client, ctx context.Context, after time.Time) iter.Seq2[syncRecord, error] {
		return adapt(c.ListAttendanceEvents(ctx, &ListAttendanceEventsParams{MetaModifiedAfter: after}), func(v *AttendanceEvent) (string, time.Time) { return v.ID, v.Meta.Modified })
	},
	EndPointsAttendanceSchedule: func(c *Client, ctx context.Context, after time.Time) iter.Seq2[syncRecord, error] {
		return adapt(c.ListAttendanceSchedules(ctx, &ListAttendanceSchedulesParams{MetaModifiedAfter: after}), func(v *AttendanceSchedule) (string, time.Time) { return v.ID, v.Meta.Modified })
	},
	EndPointsGrade: func(c *Client, ctx context.Context, after time.Time) iter.Seq2[syncRecord, error] {
		return adapt(c.ListGrades(ctx, &ListGradesParams{MetaModifiedAfter: after}), func(v *Grade) (string, time.Time) { return v.ID, v.Meta.Modified })
	},
	EndPointsAbsence: func(c *Client, ctx context.Context, after time.Time) iter.Seq2[syncRecord, error] {
		return adapt(c.ListAbsences(ctx, &ListAbsencesParams{MetaModifiedAfter: after}), func(v *Absence) (string, time.Time) { return v.ID, v.Meta.Modified })
	},
	EndPointsResource: func(c *Client, ctx context.Context, after time.Time) iter.Seq2[syncRecord, error] {
		return adapt(c.ListResources(ctx, &ListResourcesParams{MetaModifiedAfter: after}), func(v *Resource) (string, time.Time) { return v.ID, v.Meta.Modified })
	},
	EndPointsRoom: func(c *Client, ctx context.Context, after time.Time) iter.Seq2[syncRecord, error] {
		return adapt(c.ListRooms(ctx, &ListRoomsParams{MetaModifiedAfter: after}), func(v *Room) (string, time.Time) { return v.ID, v.Meta.Modified })
	},
}

// mergeSorted merges two sorted, duplicate-free lists into a new one.
func mergeSorted(a, b []string) []string {
	out := make([]string, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || (i < len(a) && a[i] < b[j]):
			out = append(out, a[i])
			i++
		case i == len(a) || b[j] < a[i]:
			out = append(out, b[j])
			j++
		default:
			out = append(out, a[i])
			i++
			j++
		}
	}
	return out
}
