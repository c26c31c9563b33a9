package ss12000test

import (
	"errors"
	"fmt"
	"time"

	"github.com/edusync/edusync/ss12000"
)

// loadDataset stores the initial records, keeping meta they already have.
func (s *Server) loadDataset(ds Dataset) {
	now := s.stamp()
	s.mu.Lock()
	defer s.mu.Unlock()
	loadSlice(s, kOrganisations, ds.Organisations, now)
	loadSlice(s, kPersons, ds.Persons, now)
	loadSlice(s, kPlacements, ds.Placements, now)
	loadSlice(s, kDuties, ds.Duties, now)
	loadSlice(s, kGroups, ds.Groups, now)
	loadSlice(s, kProgrammes, ds.Programmes, now)
	loadSlice(s, kStudyPlans, ds.StudyPlans, now)
	loadSlice(s, kSyllabuses, ds.Syllabuses, now)
	loadSlice(s, kSchoolUnitOfferings, ds.SchoolUnitOfferings, now)
	loadSlice(s, kActivities, ds.Activities, now)
	loadSlice(s, kCalendarEvents, ds.CalendarEvents, now)
	loadSlice(s, kAttendances, ds.Attendances, now)
	loadSlice(s, kAttendanceEvents, ds.AttendanceEvents, now)
	loadSlice(s, kAttendanceSchedules, ds.AttendanceSchedules, now)
	loadSlice(s, kGrades, ds.Grades, now)
	loadSlice(s, kAbsences, ds.Absences, now)
	loadSlice(s, kResources, ds.Resources, now)
	loadSlice(s, kRooms, ds.Rooms, now)
	s.setAggregatedLocked(ds.AggregatedAttendances)
}

func loadSlice[T any](s *Server, k *kind, vals []T, now time.Time) {
	recs := make([]*record, 0, len(vals))
	for i := range vals {
		v := prepare(k, &vals[i], nil, now, true)
		rec, err := newRecord(k, v)
		if err != nil {
			continue // cannot happen for the generated types
		}
		recs = append(recs, rec)
	}
	s.st.load(k, recs)
}

// SetAggregatedAttendances replaces the aggregated attendance the server answers with. The
// standard gives these records no id, so they cannot be changed one by one.
func (s *Server) SetAggregatedAttendances(a []ss12000.AggregatedAttendance) {
	s.mu.Lock()
	s.setAggregatedLocked(a)
	s.mu.Unlock()
	s.changed(kAggregatedAttendances, false)
}

func (s *Server) setAggregatedLocked(a []ss12000.AggregatedAttendance) {
	t := s.st.table(kAggregatedAttendances)
	clear(t.byID)
	t.order = nil
	recs := make([]*record, 0, len(a))
	for _, v := range a {
		s.st.aggSeq++
		ag := &aggregated{AggregatedAttendance: v, key: fmt.Sprintf("agg-%09d", s.st.aggSeq)}
		if rec, err := newRecord(kAggregatedAttendances, ag); err == nil {
			recs = append(recs, rec)
		}
	}
	s.st.load(kAggregatedAttendances, recs)
}

// Upsert stores records as another writer at the service would: a record without an id gets a
// new UUID; meta.created is kept for an existing record (now for a new one) and meta.modified
// becomes now, whatever the records carry. It returns the records as stored. Live
// subscriptions to the type are called back. Listings in progress show the new version of a
// record they already hold; a new record appears in listings started afterwards.
func Upsert[T Record](s *Server, recs ...T) []T {
	k := kindOf[T]()
	out := make([]T, 0, len(recs))
	s.mu.Lock()
	now := s.stamp()
	for i := range recs {
		v := any(&recs[i])
		id := k.id(v)
		var old *record
		if id != "" {
			old = s.st.get(k, id)
		}
		// Store a deep copy, so the caller may keep changing its value.
		c, err := deepCopy(k, v)
		if err != nil {
			continue
		}
		c = prepare(k, c, old, now, false)
		rec, err := newRecord(k, c)
		if err != nil {
			continue
		}
		s.st.put(k, rec)
		out = append(out, *c.(*T))
	}
	s.mu.Unlock()
	s.changed(k, false)
	return out
}

// Delete removes the records of type T with the given ids, noting each removal (with the
// server time) for /deletedEntities, and returns how many there were. Nothing else is removed:
// references to the removed records stay, as they do at real services until the next change.
func Delete[T Record](s *Server, ids ...string) int {
	k := kindOf[T]()
	n := 0
	s.mu.Lock()
	now := s.now()
	for _, id := range ids {
		if s.st.remove(k, id, now) {
			n++
		}
	}
	s.mu.Unlock()
	if n > 0 {
		s.changed(k, true)
	}
	return n
}

// ErrNotFound is returned by Modify for an id the server does not have.
var ErrNotFound = errors.New("ss12000test: no such record")

// Modify changes the record of type T with id through fn and stores it as Upsert does.
func Modify[T Record](s *Server, id string, fn func(*T)) (T, error) {
	cur, ok := Get[T](s, id)
	if !ok {
		var zero T
		return zero, ErrNotFound
	}
	fn(&cur)
	k := kindOf[T]()
	if k.id(any(&cur)) != id {
		var zero T
		return zero, fmt.Errorf("ss12000test: Modify must not change the id")
	}
	return Upsert(s, cur)[0], nil
}

// Get returns a copy of the stored record of type T with id.
func Get[T Record](s *Server, id string) (T, bool) {
	k := kindOf[T]()
	s.mu.RLock()
	rec := s.st.get(k, id)
	s.mu.RUnlock()
	var zero T
	if rec == nil {
		return zero, false
	}
	v, err := k.decode(rec.raw)
	if err != nil {
		return zero, false
	}
	return *v.(*T), true
}

// All returns copies of every stored record of type T, in id order.
func All[T Record](s *Server) []T {
	k := kindOf[T]()
	s.mu.RLock()
	t := s.st.table(k)
	raws := make([][]byte, 0, len(t.order))
	for _, id := range t.order {
		raws = append(raws, t.byID[id].raw)
	}
	s.mu.RUnlock()
	out := make([]T, 0, len(raws))
	for _, raw := range raws {
		if v, err := k.decode(raw); err == nil {
			out = append(out, *v.(*T))
		}
	}
	return out
}

// Count returns how many records of type T the server holds.
func Count[T Record](s *Server) int {
	k := kindOf[T]()
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.st.table(k).order)
}

// Removal is one removal the server noted, as /deletedEntities reports it.
type Removal struct {
	Type ss12000.EndPointsEnum
	ID   string
	At   time.Time
}

// Removals returns every removal noted so far, oldest first.
func (s *Server) Removals() []Removal {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Removal, len(s.st.deleted))
	for i, d := range s.st.deleted {
		out[i] = Removal{Type: d.kind.ep, ID: d.id, At: d.at}
	}
	return out
}

func deepCopy(k *kind, v any) (any, error) {
	rec, err := newRecord(k, v)
	if err != nil {
		return nil, err
	}
	return k.decode(rec.raw)
}

// changed tells the subscription machinery that records of kind k changed (or were removed).
func (s *Server) changed(k *kind, removed bool) { s.notify.changed(k, removed) }
