package ss12000test

import (
	"net/http"
	"strings"

	"github.com/edusync/edusync/internal/ss12000serve"
	"github.com/edusync/edusync/internal/uuidtext"
	"github.com/edusync/edusync/ss12000"
)

// ref is a reference a write makes to another record, which must exist.
type ref struct {
	name string // the property, for the error message
	k    *kind
	id   string
}

// missingRefs lists the references of a write whose records do not exist; empty ids are left
// to the required-property checks. Called with s.mu held.
func (s *Server) missingRefs(refs []ref) []string {
	var out []string
	for _, r := range refs {
		if r.id != "" && s.st.get(r.k, r.id) == nil {
			out = append(out, r.name)
		}
	}
	return out
}

// create stores a record sent by a client: the server checks that the records it refers to
// exist (400 otherwise), gives it a new id and meta, records the write and answers 200 with the
// record as stored.
func create[T Record](s *Server, w http.ResponseWriter, op string, v *T, refs ...ref) {
	k := kindOf[T]()
	s.mu.Lock()
	if missing := s.missingRefs(refs); len(missing) > 0 {
		s.mu.Unlock()
		writeError(w, http.StatusBadRequest, "invalid_reference", "these references name no record of the service: "+strings.Join(missing, ", "))
		return
	}
	now := s.stamp()
	val := k.withID(v, uuidtext.Random())
	val = prepare(k, val, nil, now, false)
	rec, err := newRecord(k, val)
	if err != nil {
		s.mu.Unlock()
		writeError(w, http.StatusInternalServerError, "internal", "the record could not be stored")
		return
	}
	s.st.put(k, rec)
	s.mu.Unlock()
	s.changed(k, false)
	s.obs.write(Write{Operation: op, ID: rec.id, At: now})
	writeRaw(w, http.StatusOK, rec.raw)
}

func (s *Server) createAttendance(w http.ResponseWriter, r *http.Request) {
	var a ss12000.Attendance
	if e := decodeWrite(r, &a, "calendarEvent", "isReported", "student"); e != nil {
		e.Write(w)
		return
	}
	var bad []string
	if a.CalendarEvent.ID == "" {
		bad = append(bad, "calendarEvent.id is empty")
	}
	if a.Student.ID == "" {
		bad = append(bad, "student.id is empty")
	}
	if a.Student.SecurityMarking != "" && !a.Student.SecurityMarking.Valid() {
		bad = append(bad, "student.securityMarking is outside the code list")
	}
	for _, n := range []int{a.AttendanceMinutes, a.ValidAbsenceMinutes, a.InvalidAbsenceMinutes, a.OtherAttendanceMinutes} {
		if n < 0 {
			bad = append(bad, "minutes must not be negative")
			break
		}
	}
	if len(bad) > 0 {
		invalid(bad...).Write(w)
		return
	}
	create(s, w, "createAttendance", &a, ref{"calendarEvent", kCalendarEvents, a.CalendarEvent.ID},
		ref{"student", kPersons, a.Student.ID}, ref{"reporter", kPersons, a.Reporter.ID})
}

func (s *Server) createAttendanceEvent(w http.ResponseWriter, r *http.Request) {
	var a ss12000.AttendanceEvent
	if e := decodeWrite(r, &a, "eventType", "group", "person", "time"); e != nil {
		e.Write(w)
		return
	}
	var bad []string
	if !a.EventType.Valid() {
		bad = append(bad, "eventType is outside the code list")
	}
	if a.Group.ID == "" {
		bad = append(bad, "group.id is empty")
	}
	if a.Person.ID == "" {
		bad = append(bad, "person.id is empty")
	}
	if a.Time.IsZero() {
		bad = append(bad, "time is not set")
	}
	if len(bad) > 0 {
		invalid(bad...).Write(w)
		return
	}
	create(s, w, "createAttendanceEvent", &a, ref{"group", kGroups, a.Group.ID},
		ref{"person", kPersons, a.Person.ID}, ref{"registeredBy", kPersons, a.RegisteredBy.ID})
}

func (s *Server) createAttendanceSchedule(w http.ResponseWriter, r *http.Request) {
	var a ss12000.AttendanceSchedule
	if e := decodeWrite(r, &a, "numberOfWeeks", "placement", "startDate", "state"); e != nil {
		e.Write(w)
		return
	}
	var bad []string
	if a.Placement.ID == "" {
		bad = append(bad, "placement.id is empty")
	}
	if a.NumberOfWeeks < 1 {
		bad = append(bad, "numberOfWeeks must be at least 1")
	}
	if !a.EndDate.IsZero() && a.EndDate.Before(a.StartDate.Time) {
		bad = append(bad, "endDate is before startDate")
	}
	for _, st := range a.State {
		if !st.State.Valid() || st.RegisteredAt.IsZero() {
			bad = append(bad, "state entries need a state from the code list and registeredAt")
			break
		}
	}
	for _, e := range a.ScheduleEntries {
		if !e.DayOfWeek.Valid() {
			bad = append(bad, "scheduleEntries.dayOfWeek is outside the code list")
			break
		}
		if !clockTime(e.StartTime) || !clockTime(e.EndTime) || e.EndTime <= e.StartTime {
			bad = append(bad, "scheduleEntries need startTime and endTime as HH:MM, the end after the start")
			break
		}
	}
	if len(bad) > 0 {
		invalid(bad...).Write(w)
		return
	}
	refs := []ref{{"placement", kPlacements, a.Placement.ID}}
	for _, st := range a.State {
		refs = append(refs, ref{"state.registeredBy", kPersons, st.RegisteredBy.ID})
	}
	create(s, w, "createAttendanceSchedule", &a, refs...)
}

func (s *Server) createAbsence(w http.ResponseWriter, r *http.Request) {
	var a ss12000.Absence
	if e := decodeWrite(r, &a, "endTime", "startTime", "student", "type"); e != nil {
		e.Write(w)
		return
	}
	var bad []string
	if !a.Type.Valid() {
		bad = append(bad, "type is outside the code list")
	}
	if a.Student.ID == "" {
		bad = append(bad, "student.id is empty")
	}
	if a.StartTime.IsZero() || a.EndTime.IsZero() {
		bad = append(bad, "startTime and endTime must be set")
	} else if a.EndTime.Before(a.StartTime) {
		bad = append(bad, "endTime is before startTime")
	}
	if len(bad) > 0 {
		invalid(bad...).Write(w)
		return
	}
	create(s, w, "createAbsence", &a, ref{"student", kPersons, a.Student.ID},
		ref{"organisation", kOrganisations, a.Organisation.ID}, ref{"registeredBy", kPersons, a.RegisteredBy.ID})
}

func (s *Server) createLogEntry(w http.ResponseWriter, r *http.Request) {
	var e ss12000.LogEntry
	if eb := decodeWrite(r, &e, "message", "severityLevel"); eb != nil {
		eb.Write(w)
		return
	}
	if bad := ss12000serve.ValidateLogEntry(&e); len(bad) > 0 {
		invalid(bad...).Write(w)
		return
	}
	s.obs.mu.Lock()
	s.obs.logs = append(s.obs.logs, e)
	s.obs.mu.Unlock()
	s.obs.write(Write{Operation: "createLogEntry", At: s.now()})
	w.WriteHeader(http.StatusCreated)
}

func (s *Server) createStatisticsEntry(w http.ResponseWriter, r *http.Request) {
	var e ss12000.StatisticsEntry
	if eb := decodeWrite(r, &e, "deletedCount", "newCount", "resourceType", "updatedCount"); eb != nil {
		eb.Write(w)
		return
	}
	if bad := ss12000serve.ValidateStatisticsEntry(&e); len(bad) > 0 {
		invalid(bad...).Write(w)
		return
	}
	s.obs.mu.Lock()
	s.obs.stats = append(s.obs.stats, e)
	s.obs.mu.Unlock()
	s.obs.write(Write{Operation: "createStatisticsEntry", At: s.now()})
	w.WriteHeader(http.StatusCreated)
}

// clockTime reports whether v is a time of day written HH:MM, as the standard writes them.
func clockTime(v string) bool {
	if len(v) != 5 || v[2] != ':' {
		return false
	}
	for _, c := range []byte{v[0], v[1], v[3], v[4]} {
		if c < '0' || c > '9' {
			return false
		}
	}
	return v[:2] < "24" && v[3:] < "60"
}
