package ss12000test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/edusync/edusync/ss12000"
)

// decodeWrite reads a write's JSON object into v (strictly: unknown fields are refused) and
// checks that the required top-level properties are present and not null. Problems are 400,
// a body over the cap 413.
func decodeWrite(r *http.Request, v any, required ...string) *errBody {
	if len(r.URL.Query()) > 0 {
		return &errBody{http.StatusBadRequest, "this operation takes no query parameters"}
	}
	if r.Body == nil {
		return &errBody{http.StatusBadRequest, "a JSON request body is required"}
	}
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return bodyError(err)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil {
		if len(bytes.TrimSpace(raw)) == 0 {
			return &errBody{http.StatusBadRequest, "a JSON request body is required"}
		}
		if _, ok := err.(*json.UnmarshalTypeError); ok {
			return &errBody{http.StatusBadRequest, "the request body must be a JSON object"}
		}
		return bodyError(err)
	}
	if top == nil {
		return &errBody{http.StatusBadRequest, "the request body must be a JSON object"}
	}
	if e := refuseAssigned(top); e != nil {
		return e
	}
	var missing []string
	for _, name := range required {
		if v, ok := top[name]; !ok || string(v) == "null" {
			missing = append(missing, name)
		}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return bodyError(err)
	}
	if len(missing) > 0 {
		return &errBody{http.StatusBadRequest, "required properties are missing: " + strings.Join(missing, ", ")}
	}
	return nil
}

// refuseAssigned refuses what the standard marks readOnly, because the service assigns it: a
// record's id, meta and _embedded, and the displayName of the references it holds. A client that
// sends them copies a read record into a write; the service would ignore or contradict them.
func refuseAssigned(top map[string]json.RawMessage) *errBody {
	var found []string
	for _, name := range []string{"id", "meta", "_embedded"} {
		if _, ok := top[name]; ok {
			found = append(found, name)
		}
	}
	names := make([]string, 0, len(top))
	for name := range top {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		var ref map[string]json.RawMessage
		if json.Unmarshal(top[name], &ref) == nil {
			if _, ok := ref["displayName"]; ok {
				found = append(found, name+".displayName")
			}
		}
	}
	if len(found) > 0 {
		return &errBody{http.StatusBadRequest, "read-only properties are assigned by the service and cannot be written: " + strings.Join(found, ", ")}
	}
	return nil
}

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

// invalid is a 400 for a body whose properties have bad values; problems name properties only.
func invalid(problems ...string) *errBody {
	return &errBody{http.StatusBadRequest, "invalid properties: " + strings.Join(problems, "; ")}
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
	val := k.withID(v, newID())
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
		e.write(w)
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
		invalid(bad...).write(w)
		return
	}
	create(s, w, "createAttendance", &a, ref{"calendarEvent", kCalendarEvents, a.CalendarEvent.ID},
		ref{"student", kPersons, a.Student.ID}, ref{"reporter", kPersons, a.Reporter.ID})
}

func (s *Server) createAttendanceEvent(w http.ResponseWriter, r *http.Request) {
	var a ss12000.AttendanceEvent
	if e := decodeWrite(r, &a, "eventType", "group", "person", "time"); e != nil {
		e.write(w)
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
		invalid(bad...).write(w)
		return
	}
	create(s, w, "createAttendanceEvent", &a, ref{"group", kGroups, a.Group.ID},
		ref{"person", kPersons, a.Person.ID}, ref{"registeredBy", kPersons, a.RegisteredBy.ID})
}

func (s *Server) createAttendanceSchedule(w http.ResponseWriter, r *http.Request) {
	var a ss12000.AttendanceSchedule
	if e := decodeWrite(r, &a, "numberOfWeeks", "placement", "startDate", "state"); e != nil {
		e.write(w)
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
		invalid(bad...).write(w)
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
		e.write(w)
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
		invalid(bad...).write(w)
		return
	}
	create(s, w, "createAbsence", &a, ref{"student", kPersons, a.Student.ID},
		ref{"organisation", kOrganisations, a.Organisation.ID}, ref{"registeredBy", kPersons, a.RegisteredBy.ID})
}

func (s *Server) createLogEntry(w http.ResponseWriter, r *http.Request) {
	var e ss12000.LogEntry
	if eb := decodeWrite(r, &e, "message", "severityLevel"); eb != nil {
		eb.write(w)
		return
	}
	var bad []string
	if !e.SeverityLevel.Valid() {
		bad = append(bad, "severityLevel is outside the code list")
	}
	if e.ResourceType != "" && !e.ResourceType.Valid() {
		bad = append(bad, "resourceType is outside the code list")
	}
	if strings.TrimSpace(e.Message) == "" {
		bad = append(bad, "message is empty")
	}
	if len(bad) > 0 {
		invalid(bad...).write(w)
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
		eb.write(w)
		return
	}
	var bad []string
	if !e.ResourceType.Valid() {
		bad = append(bad, "resourceType is outside the code list")
	}
	if e.NewCount < 0 || e.UpdatedCount < 0 || e.DeletedCount < 0 {
		bad = append(bad, "counts must not be negative")
	}
	if len(bad) > 0 {
		invalid(bad...).write(w)
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
