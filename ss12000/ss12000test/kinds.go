package ss12000test

import (
	"encoding/json"

	"github.com/edusync/edusync/internal/ss12000serve"
	"github.com/edusync/edusync/ss12000"
)

// Dataset is what a Server starts with: one slice per SS 12000 resource, in the generated types
// of package ss12000. Records without an id get one; records without meta.created/meta.modified
// get the server's current time, so a dataset can also seed history by setting meta itself.
//
// The server takes ownership of the slices: do not modify them (or the records' inner slices)
// after handing them over. Change records through Upsert, Modify and Delete instead, which also
// stamp meta and record removals the way a real service does.
type Dataset struct {
	Organisations         []ss12000.Organisation
	Persons               []ss12000.Person
	Duties                []ss12000.Duty
	Groups                []ss12000.Group
	Placements            []ss12000.Placement
	Programmes            []ss12000.Programme
	StudyPlans            []ss12000.StudyPlan
	Syllabuses            []ss12000.Syllabus
	SchoolUnitOfferings   []ss12000.SchoolUnitOffering
	Activities            []ss12000.Activity
	CalendarEvents        []ss12000.CalendarEvent
	Attendances           []ss12000.Attendance
	AttendanceEvents      []ss12000.AttendanceEvent
	AttendanceSchedules   []ss12000.AttendanceSchedule
	Grades                []ss12000.Grade
	Absences              []ss12000.Absence
	AggregatedAttendances []ss12000.AggregatedAttendance
	Resources             []ss12000.Resource
	Rooms                 []ss12000.Room
}

// Record is the set of record types the mutation helpers (Upsert, Modify, Delete, Get, All)
// accept: every resource that has an id. Aggregated attendance has none; replace it with
// Server.SetAggregatedAttendances.
type Record interface {
	ss12000.Organisation | ss12000.Person | ss12000.Duty | ss12000.Group | ss12000.Placement |
		ss12000.Programme | ss12000.StudyPlan | ss12000.Syllabus | ss12000.SchoolUnitOffering |
		ss12000.Activity | ss12000.CalendarEvent | ss12000.Attendance | ss12000.AttendanceEvent |
		ss12000.AttendanceSchedule | ss12000.Grade | ss12000.Absence | ss12000.Resource | ss12000.Room
}

// kind describes one resource type to the type-independent parts of the server (store, paging,
// rendering). The typed parts live in closures made by defineKind.
type kind struct {
	index int
	ep    ss12000.EndPointsEnum // "Person": the name in subscriptions and /deletedEntities filters
	path  string                // "persons": the path segment
	// expands are the values the expand parameter accepts.
	expands []string

	id       func(v any) string
	withID   func(v any, id string) any // a copy of v (a *T) with the id set
	meta     func(v any) ss12000.Meta
	withMeta func(v any, m ss12000.Meta) any
	name     func(v any) string // what expandReferenceNames shows for a reference to the record
	decode   func(raw []byte) (any, error)
	deleted  func(d *ss12000.DeletedEntitiesData) *[]string // nil: removals are not reported
	// expand builds the value to send when expand or expandReferenceNames is asked for: the
	// expanded type (PersonExpanded, ...) with _embedded filled from the view.
	expand func(v *view, val any, ex map[string]bool) any
	// sorts are the sortkey values the list endpoint accepts.
	sorts map[string]sorter
}

// defineKind makes a kind for record type T. The accessors take *T.
func defineKind[T any](ep ss12000.EndPointsEnum, path string, id func(*T) *string, meta func(*T) *ss12000.Meta, name func(*T) string) *kind {
	k := &kind{ep: ep, path: path}
	k.id = func(v any) string { return *id(v.(*T)) }
	k.withID = func(v any, s string) any {
		c := *v.(*T)
		*id(&c) = s
		return &c
	}
	k.meta = func(v any) ss12000.Meta {
		if meta == nil {
			return ss12000.Meta{}
		}
		return *meta(v.(*T))
	}
	k.withMeta = func(v any, m ss12000.Meta) any {
		c := *v.(*T)
		if meta != nil {
			*meta(&c) = m
		}
		return &c
	}
	k.name = func(v any) string {
		if name == nil {
			return ""
		}
		return name(v.(*T))
	}
	k.decode = func(raw []byte) (any, error) {
		v := new(T)
		if err := json.Unmarshal(raw, v); err != nil {
			return nil, err
		}
		return v, nil
	}
	k.expand = func(_ *view, val any, _ map[string]bool) any { return val }
	return k
}

// The kinds, one per resource. Their order is the order of kinds below, which is also the order
// types appear in /deletedEntities pages and subscription callbacks.
var (
	kOrganisations = defineKind(ss12000.EndPointsOrganisation, "organisations",
		func(v *ss12000.Organisation) *string { return &v.ID },
		func(v *ss12000.Organisation) *ss12000.Meta { return &v.Meta },
		func(v *ss12000.Organisation) string { return v.DisplayName })
	kPersons = defineKind(ss12000.EndPointsPerson, "persons",
		func(v *ss12000.Person) *string { return &v.ID },
		func(v *ss12000.Person) *ss12000.Meta { return &v.Meta },
		func(v *ss12000.Person) string { return ss12000serve.PersonName(v) })
	kPlacements = defineKind(ss12000.EndPointsPlacement, "placements",
		func(v *ss12000.Placement) *string { return &v.ID },
		func(v *ss12000.Placement) *ss12000.Meta { return &v.Meta }, nil)
	kDuties = defineKind(ss12000.EndPointsDuty, "duties",
		func(v *ss12000.Duty) *string { return &v.ID },
		func(v *ss12000.Duty) *ss12000.Meta { return &v.Meta },
		func(v *ss12000.Duty) string { return string(v.DutyRole) })
	kGroups = defineKind(ss12000.EndPointsGroup, "groups",
		func(v *ss12000.Group) *string { return &v.ID },
		func(v *ss12000.Group) *ss12000.Meta { return &v.Meta },
		func(v *ss12000.Group) string { return v.DisplayName })
	kProgrammes = defineKind(ss12000.EndPointsProgramme, "programmes",
		func(v *ss12000.Programme) *string { return &v.ID },
		func(v *ss12000.Programme) *ss12000.Meta { return &v.Meta },
		func(v *ss12000.Programme) string { return v.Name })
	kStudyPlans = defineKind(ss12000.EndPointsStudyPlan, "studyplans",
		func(v *ss12000.StudyPlan) *string { return &v.ID },
		func(v *ss12000.StudyPlan) *ss12000.Meta { return &v.Meta }, nil)
	kSyllabuses = defineKind(ss12000.EndPointsSyllabus, "syllabuses",
		func(v *ss12000.Syllabus) *string { return &v.ID },
		func(v *ss12000.Syllabus) *ss12000.Meta { return &v.Meta },
		func(v *ss12000.Syllabus) string {
			if v.CourseName != "" {
				return v.CourseName
			}
			return v.SubjectName
		})
	kSchoolUnitOfferings = defineKind(ss12000.EndPointsSchoolUnitOffering, "schoolUnitOfferings",
		func(v *ss12000.SchoolUnitOffering) *string { return &v.ID },
		func(v *ss12000.SchoolUnitOffering) *ss12000.Meta { return &v.Meta }, nil)
	kActivities = defineKind(ss12000.EndPointsActivity, "activities",
		func(v *ss12000.Activity) *string { return &v.ID },
		func(v *ss12000.Activity) *ss12000.Meta { return &v.Meta },
		func(v *ss12000.Activity) string { return v.DisplayName })
	kCalendarEvents = defineKind(ss12000.EndPointsCalendarEvent, "calendarEvents",
		func(v *ss12000.CalendarEvent) *string { return &v.ID },
		func(v *ss12000.CalendarEvent) *ss12000.Meta { return &v.Meta }, nil)
	kAttendances = defineKind(ss12000.EndPointsAttendance, "attendances",
		func(v *ss12000.Attendance) *string { return &v.ID },
		func(v *ss12000.Attendance) *ss12000.Meta { return &v.Meta }, nil)
	kAttendanceEvents = defineKind(ss12000.EndPointsAttendanceEvent, "attendanceEvents",
		func(v *ss12000.AttendanceEvent) *string { return &v.ID },
		func(v *ss12000.AttendanceEvent) *ss12000.Meta { return &v.Meta }, nil)
	kAttendanceSchedules = defineKind(ss12000.EndPointsAttendanceSchedule, "attendanceSchedule",
		func(v *ss12000.AttendanceSchedule) *string { return &v.ID },
		func(v *ss12000.AttendanceSchedule) *ss12000.Meta { return &v.Meta }, nil)
	kGrades = defineKind(ss12000.EndPointsGrade, "grades",
		func(v *ss12000.Grade) *string { return &v.ID },
		func(v *ss12000.Grade) *ss12000.Meta { return &v.Meta }, nil)
	kAbsences = defineKind(ss12000.EndPointsAbsence, "absences",
		func(v *ss12000.Absence) *string { return &v.ID },
		func(v *ss12000.Absence) *ss12000.Meta { return &v.Meta }, nil)
	// Aggregated attendance has no id in the standard; the server numbers the records itself
	// (the numbers never leave it) so that paging works like everywhere else.
	kAggregatedAttendances = defineKind[aggregated]("AggregatedAttendance", "aggregatedAttendance",
		func(v *aggregated) *string { return &v.key }, nil, nil)
	kResources = defineKind(ss12000.EndPointsResource, "resources",
		func(v *ss12000.Resource) *string { return &v.ID },
		func(v *ss12000.Resource) *ss12000.Meta { return &v.Meta },
		func(v *ss12000.Resource) string { return v.DisplayName })
	kRooms = defineKind(ss12000.EndPointsRoom, "rooms",
		func(v *ss12000.Room) *string { return &v.ID },
		func(v *ss12000.Room) *ss12000.Meta { return &v.Meta },
		func(v *ss12000.Room) string { return v.DisplayName })
)

// aggregated is a stored aggregated-attendance record with the key the server gave it. It
// marshals as the plain record.
type aggregated struct {
	ss12000.AggregatedAttendance
	key string
}

// kinds lists every kind; a kind's index is its position.
var kinds = []*kind{
	kOrganisations, kPersons, kPlacements, kDuties, kGroups, kProgrammes, kStudyPlans, kSyllabuses,
	kSchoolUnitOfferings, kActivities, kCalendarEvents, kAttendances, kAttendanceEvents,
	kAttendanceSchedules, kGrades, kAbsences, kAggregatedAttendances, kResources, kRooms,
}

func init() {
	for i, k := range kinds {
		k.index = i
	}
	for _, k := range kinds {
		if k != kAggregatedAttendances {
			ep := k.ep
			k.deleted = func(d *ss12000.DeletedEntitiesData) *[]string { return ss12000serve.DeletedField(d, ep) }
		}
	}

	kPersons.expands = ss12000serve.PersonExpands
	kGroups.expands = ss12000serve.GroupExpands
	kDuties.expands = ss12000serve.DutyExpands
	kPlacements.expands = ss12000serve.PlacementExpands
	kActivities.expands = ss12000serve.ActivityExpands
	kCalendarEvents.expands = ss12000serve.CalendarEventExpands
	kAttendanceEvents.expands = ss12000serve.AttendanceEventExpands
	kAggregatedAttendances.expands = ss12000serve.AggregatedExpands
	initExpanders()
	initSorts()
}

// kindOf returns the kind of record type T.
func kindOf[T Record]() *kind {
	var zero T
	switch any(zero).(type) {
	case ss12000.Organisation:
		return kOrganisations
	case ss12000.Person:
		return kPersons
	case ss12000.Duty:
		return kDuties
	case ss12000.Group:
		return kGroups
	case ss12000.Placement:
		return kPlacements
	case ss12000.Programme:
		return kProgrammes
	case ss12000.StudyPlan:
		return kStudyPlans
	case ss12000.Syllabus:
		return kSyllabuses
	case ss12000.SchoolUnitOffering:
		return kSchoolUnitOfferings
	case ss12000.Activity:
		return kActivities
	case ss12000.CalendarEvent:
		return kCalendarEvents
	case ss12000.Attendance:
		return kAttendances
	case ss12000.AttendanceEvent:
		return kAttendanceEvents
	case ss12000.AttendanceSchedule:
		return kAttendanceSchedules
	case ss12000.Grade:
		return kGrades
	case ss12000.Absence:
		return kAbsences
	case ss12000.Resource:
		return kResources
	case ss12000.Room:
		return kRooms
	}
	panic("ss12000test: no kind for record type") // unreachable: T is constrained by Record
}

// kindByEndpoint finds a kind by its EndPointsEnum name ("Person").
func kindByEndpoint(ep ss12000.EndPointsEnum) *kind {
	for _, k := range kinds {
		if k.ep == ep && k.deleted != nil {
			return k
		}
	}
	return nil
}
