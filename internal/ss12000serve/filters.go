package ss12000serve

import (
	"slices"
	"strings"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/edusync/edusync/ss12000"
)

// A filter function builds the predicate of one list operation from its decoded parameters. A
// nil predicate means the operation's own filters let every record through; a non-empty message
// is a 400. The meta filters, common to all, are Common's.

// conds collects the conditions of one listing; all of them must hold.
type conds[T any] []func(*T) bool

func (c *conds[T]) add(f func(*T) bool) { *c = append(*c, f) }

// fn returns the conjunction, or nil when there is no condition.
func (c conds[T]) fn() func(*T) bool {
	switch len(c) {
	case 0:
		return nil
	case 1:
		return c[0]
	}
	return func(v *T) bool {
		for _, f := range c {
			if !f(v) {
				return false
			}
		}
		return true
	}
}

// Dates are the four date-range filters (startDate.onOrBefore, ...). A record whose start or
// end date is not set always passes the filters on that date, as the standard says for
// relationships; the servers apply the same rule everywhere.
type Dates struct{ StartOnOrBefore, StartOnOrAfter, EndOnOrBefore, EndOnOrAfter openapi_types.Date }

// Set reports whether any of the four is given.
func (d Dates) Set() bool {
	return !d.StartOnOrBefore.IsZero() || !d.StartOnOrAfter.IsZero() || !d.EndOnOrBefore.IsZero() || !d.EndOnOrAfter.IsZero()
}

// Match applies the ranges to a record's start and end.
func (d Dates) Match(start, end openapi_types.Date) bool {
	if !start.IsZero() {
		if !d.StartOnOrBefore.IsZero() && start.After(d.StartOnOrBefore.Time) {
			return false
		}
		if !d.StartOnOrAfter.IsZero() && start.Before(d.StartOnOrAfter.Time) {
			return false
		}
	}
	if !end.IsZero() {
		if !d.EndOnOrBefore.IsZero() && end.After(d.EndOnOrBefore.Time) {
			return false
		}
		if !d.EndOnOrAfter.IsZero() && end.Before(d.EndOnOrAfter.Time) {
			return false
		}
	}
	return true
}

// inTime applies an inclusive time range (onOrAfter, onOrBefore); zero bounds are open.
func inTime(t, onOrAfter, onOrBefore time.Time) bool {
	return (onOrAfter.IsZero() || !t.Before(onOrAfter)) && (onOrBefore.IsZero() || !t.After(onOrBefore))
}

func inDates(d, onOrAfter, onOrBefore openapi_types.Date) bool {
	return inTime(d.Time, onOrAfter.Time, onOrBefore.Time)
}

// validAll reports whether every value is valid.
func validAll[E interface{ Valid() bool }](vs []E) bool {
	for _, v := range vs {
		if !v.Valid() {
			return false
		}
	}
	return true
}

// Digits keeps the digits of s: personal numbers compare without their hyphen or plus.
func Digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// OrganisationFilter is the filter of GET /organisations.
func OrganisationFilter(p *ss12000.ListOrganisationsParams, _ Relations) (func(*ss12000.Organisation) bool, string) {
	if !validAll(p.Type) || !validAll(p.SchoolTypes) {
		return nil, "type or schoolTypes has a value outside the code list"
	}
	var c conds[ss12000.Organisation]
	if len(p.Parent) > 0 {
		c.add(func(o *ss12000.Organisation) bool { return slices.Contains(p.Parent, o.ParentOrganisation.ID) })
	}
	if len(p.SchoolUnitCode) > 0 {
		c.add(func(o *ss12000.Organisation) bool {
			return o.SchoolUnitCode != "" && slices.Contains(p.SchoolUnitCode, o.SchoolUnitCode)
		})
	}
	if len(p.OrganisationCode) > 0 {
		c.add(func(o *ss12000.Organisation) bool {
			return o.OrganisationCode != "" && slices.Contains(p.OrganisationCode, o.OrganisationCode)
		})
	}
	if p.MunicipalityCode != "" {
		c.add(func(o *ss12000.Organisation) bool { return o.MunicipalityCode == p.MunicipalityCode })
	}
	if len(p.Type) > 0 {
		c.add(func(o *ss12000.Organisation) bool { return slices.Contains(p.Type, o.OrganisationType) })
	}
	if len(p.SchoolTypes) > 0 {
		c.add(func(o *ss12000.Organisation) bool {
			return slices.ContainsFunc(o.SchoolTypes, func(t ss12000.SchoolTypesEnum) bool { return slices.Contains(p.SchoolTypes, t) })
		})
	}
	if d := (Dates{p.StartDateOnOrBefore, p.StartDateOnOrAfter, p.EndDateOnOrBefore, p.EndDateOnOrAfter}); d.Set() {
		c.add(func(o *ss12000.Organisation) bool { return d.Match(o.StartDate, o.EndDate) })
	}
	return c.fn(), ""
}

// RelFilter is the relationship.* filter of /persons.
type RelFilter struct {
	Type         string
	Organisation string
	Dates        Dates
}

// Set reports whether any part of the filter is given.
func (f RelFilter) Set() bool { return f.Type != "" || f.Organisation != "" || f.Dates.Set() }

// Match reports whether one of the relationships passes the filter.
func (f RelFilter) Match(rels []Relationship) bool {
	for _, r := range rels {
		if (f.Type == "" || f.Type == r.Type) && (f.Organisation == "" || f.Organisation == r.Organisation) && f.Dates.Match(r.Start, r.End) {
			return true
		}
	}
	return false
}

// PersonFilter is the filter of GET /persons: nameContains (every value in some name,
// case-insensitive), civicNo (digits compared), eduPersonPrincipalName (case-insensitive),
// identifier.value and identifier.context, and the relationship.* filters.
func PersonFilter(p *ss12000.ListPersonsParams, rel Relations) (func(*ss12000.Person) bool, string) {
	if p.RelationshipEntityType != "" && !p.RelationshipEntityType.Valid() {
		return nil, "relationship.entity.type has a value outside the code list"
	}
	var c conds[ss12000.Person]
	if len(p.NameContains) > 0 {
		parts := make([]string, len(p.NameContains))
		for i, n := range p.NameContains {
			parts[i] = strings.ToLower(n)
		}
		c.add(func(pe *ss12000.Person) bool {
			names := [3]string{strings.ToLower(pe.GivenName), strings.ToLower(pe.MiddleName), strings.ToLower(pe.FamilyName)}
			for _, part := range parts {
				if !strings.Contains(names[0], part) && !strings.Contains(names[1], part) && !strings.Contains(names[2], part) {
					return false
				}
			}
			return true
		})
	}
	if p.CivicNo != "" {
		want := Digits(p.CivicNo)
		c.add(func(pe *ss12000.Person) bool { return pe.CivicNo.Value != "" && Digits(pe.CivicNo.Value) == want })
	}
	if p.EduPersonPrincipalName != "" {
		c.add(func(pe *ss12000.Person) bool {
			return slices.ContainsFunc(pe.EduPersonPrincipalNames, func(e string) bool { return strings.EqualFold(e, p.EduPersonPrincipalName) })
		})
	}
	if p.IdentifierValue != "" || p.IdentifierContext != "" {
		c.add(func(pe *ss12000.Person) bool {
			return slices.ContainsFunc(pe.ExternalIdentifiers, func(e ss12000.ExternalIdentifier) bool {
				return (p.IdentifierValue == "" || e.Value == p.IdentifierValue) &&
					(p.IdentifierContext == "" || e.Context == p.IdentifierContext)
			})
		})
	}
	rf := RelFilter{Type: string(p.RelationshipEntityType), Organisation: p.RelationshipOrganisation, Dates: Dates{
		p.RelationshipStartDateOnOrBefore, p.RelationshipStartDateOnOrAfter,
		p.RelationshipEndDateOnOrBefore, p.RelationshipEndDateOnOrAfter}}
	if rf.Set() {
		c.add(func(pe *ss12000.Person) bool { return rf.Match(rel.Relationships(pe)) })
	}
	return c.fn(), ""
}

// PlacementFilter is the filter of GET /placements.
func PlacementFilter(p *ss12000.ListPlacementsParams, _ Relations) (func(*ss12000.Placement) bool, string) {
	var c conds[ss12000.Placement]
	if p.Organisation != "" {
		c.add(func(pl *ss12000.Placement) bool { return pl.PlacedAt.ID == p.Organisation })
	}
	if p.Group != "" {
		c.add(func(pl *ss12000.Placement) bool { return pl.Group.ID == p.Group })
	}
	if p.Child != "" {
		c.add(func(pl *ss12000.Placement) bool { return pl.Child.ID == p.Child })
	}
	if p.Owner != "" {
		c.add(func(pl *ss12000.Placement) bool {
			return slices.ContainsFunc(pl.Owners, func(o ss12000.PersonReference) bool { return o.ID == p.Owner })
		})
	}
	if d := (Dates{p.StartDateOnOrBefore, p.StartDateOnOrAfter, p.EndDateOnOrBefore, p.EndDateOnOrAfter}); d.Set() {
		c.add(func(pl *ss12000.Placement) bool { return d.Match(pl.StartDate, pl.EndDate) })
	}
	return c.fn(), ""
}

// DutyFilter is the filter of GET /duties.
func DutyFilter(p *ss12000.ListDutiesParams, _ Relations) (func(*ss12000.Duty) bool, string) {
	if p.DutyRole != "" && !p.DutyRole.Valid() {
		return nil, "dutyRole has a value outside the code list"
	}
	var c conds[ss12000.Duty]
	if p.Organisation != "" {
		c.add(func(d *ss12000.Duty) bool { return d.DutyAt.ID == p.Organisation })
	}
	if p.DutyRole != "" {
		c.add(func(d *ss12000.Duty) bool { return d.DutyRole == p.DutyRole })
	}
	if p.Person != "" {
		c.add(func(d *ss12000.Duty) bool { return d.Person.ID == p.Person })
	}
	if d := (Dates{p.StartDateOnOrBefore, p.StartDateOnOrAfter, p.EndDateOnOrBefore, p.EndDateOnOrAfter}); d.Set() {
		c.add(func(du *ss12000.Duty) bool { return d.Match(du.StartDate, du.EndDate) })
	}
	return c.fn(), ""
}

// GroupFilter is the filter of GET /groups.
func GroupFilter(p *ss12000.ListGroupsParams, _ Relations) (func(*ss12000.Group) bool, string) {
	if !validAll(p.GroupType) || !validAll(p.SchoolTypes) {
		return nil, "groupType or schoolTypes has a value outside the code list"
	}
	var c conds[ss12000.Group]
	if len(p.GroupType) > 0 {
		c.add(func(g *ss12000.Group) bool { return slices.Contains(p.GroupType, g.GroupType) })
	}
	if len(p.SchoolTypes) > 0 {
		c.add(func(g *ss12000.Group) bool { return slices.Contains(p.SchoolTypes, g.SchoolType) })
	}
	if len(p.Organisation) > 0 {
		c.add(func(g *ss12000.Group) bool { return slices.Contains(p.Organisation, g.Organisation.ID) })
	}
	if d := (Dates{p.StartDateOnOrBefore, p.StartDateOnOrAfter, p.EndDateOnOrBefore, p.EndDateOnOrAfter}); d.Set() {
		c.add(func(g *ss12000.Group) bool { return d.Match(g.StartDate, g.EndDate) })
	}
	return c.fn(), ""
}

// ProgrammeFilter is the filter of GET /programmes.
func ProgrammeFilter(p *ss12000.ListProgrammesParams, _ Relations) (func(*ss12000.Programme) bool, string) {
	if !validAll(p.SchoolType) {
		return nil, "schoolType has a value outside the code list"
	}
	var c conds[ss12000.Programme]
	if len(p.SchoolType) > 0 {
		c.add(func(pr *ss12000.Programme) bool { return slices.Contains(p.SchoolType, pr.SchoolType) })
	}
	if p.Code != "" {
		c.add(func(pr *ss12000.Programme) bool { return pr.Code == p.Code })
	}
	if p.ParentProgramme != "" {
		c.add(func(pr *ss12000.Programme) bool { return pr.ParentProgramme.ID == p.ParentProgramme })
	}
	return c.fn(), ""
}

// StudyPlanFilter is the filter of GET /studyplans.
func StudyPlanFilter(p *ss12000.ListStudyPlansParams, _ Relations) (func(*ss12000.StudyPlan) bool, string) {
	var c conds[ss12000.StudyPlan]
	if len(p.Student) > 0 {
		c.add(func(sp *ss12000.StudyPlan) bool { return slices.Contains(p.Student, sp.Student.ID) })
	}
	if d := (Dates{p.StartDateOnOrBefore, p.StartDateOnOrAfter, p.EndDateOnOrBefore, p.EndDateOnOrAfter}); d.Set() {
		c.add(func(sp *ss12000.StudyPlan) bool { return d.Match(sp.StartDate, sp.EndDate) })
	}
	return c.fn(), ""
}

// SyllabusFilter is the filter of GET /syllabuses, which has no filters of its own.
func SyllabusFilter(*ss12000.ListSyllabusesParams, Relations) (func(*ss12000.Syllabus) bool, string) {
	return nil, ""
}

// SchoolUnitOfferingFilter is the filter of GET /schoolUnitOfferings.
func SchoolUnitOfferingFilter(p *ss12000.ListSchoolUnitOfferingsParams, _ Relations) (func(*ss12000.SchoolUnitOffering) bool, string) {
	var c conds[ss12000.SchoolUnitOffering]
	if p.Organisation != "" {
		c.add(func(o *ss12000.SchoolUnitOffering) bool { return o.OfferedAt.ID == p.Organisation })
	}
	return c.fn(), ""
}

// isMember reports whether person is a member of one of the groups.
func isMember(rel Relations, person string, groups []ss12000.GroupReference) bool {
	return slices.ContainsFunc(groups, func(g ss12000.GroupReference) bool { return rel.IsMember(person, g.ID) })
}

func hasGroup(groups []ss12000.GroupReference, id string) bool {
	return slices.ContainsFunc(groups, func(g ss12000.GroupReference) bool { return g.ID == id })
}

func hasTeacher(teachers []ss12000.DutyAssignment, duty string) bool {
	return slices.ContainsFunc(teachers, func(t ss12000.DutyAssignment) bool { return t.Duty.ID == duty })
}

// ActivityFilter is the filter of GET /activities: member (through the activity's groups),
// teacher (a duty id), organisation, group and the date ranges.
func ActivityFilter(p *ss12000.ListActivitiesParams, rel Relations) (func(*ss12000.Activity) bool, string) {
	var c conds[ss12000.Activity]
	if p.Member != "" {
		c.add(func(a *ss12000.Activity) bool { return isMember(rel, p.Member, a.Groups) })
	}
	if p.Teacher != "" {
		c.add(func(a *ss12000.Activity) bool { return hasTeacher(a.Teachers, p.Teacher) })
	}
	if p.Organisation != "" {
		c.add(func(a *ss12000.Activity) bool { return a.Organisation.ID == p.Organisation })
	}
	if p.Group != "" {
		c.add(func(a *ss12000.Activity) bool { return hasGroup(a.Groups, p.Group) })
	}
	if d := (Dates{p.StartDateOnOrBefore, p.StartDateOnOrAfter, p.EndDateOnOrBefore, p.EndDateOnOrAfter}); d.Set() {
		c.add(func(a *ss12000.Activity) bool { return d.Match(a.StartDate, a.EndDate) })
	}
	return c.fn(), ""
}

// eventHasStudent: the student is in one of the activity's groups or named in the event's
// student exceptions.
func eventHasStudent(rel Relations, ce *ss12000.CalendarEvent, student string) bool {
	if slices.ContainsFunc(ce.StudentExceptions, func(e ss12000.StudentException) bool { return e.Student.ID == student }) {
		return true
	}
	a := rel.Activity(ce.Activity.ID)
	return a != nil && isMember(rel, student, a.Groups)
}

// eventHasTeacher: the duty teaches the activity or is named in the event's teacher exceptions.
func eventHasTeacher(rel Relations, ce *ss12000.CalendarEvent, duty string) bool {
	if slices.ContainsFunc(ce.TeacherExceptions, func(e ss12000.TeacherException) bool { return e.Duty.ID == duty }) {
		return true
	}
	a := rel.Activity(ce.Activity.ID)
	return a != nil && hasTeacher(a.Teachers, duty)
}

// CalendarEventFilter is the filter of GET /calendarEvents; the start-time range is required.
func CalendarEventFilter(p *ss12000.ListCalendarEventsParams, rel Relations) (func(*ss12000.CalendarEvent) bool, string) {
	if p.StartTimeOnOrAfter.IsZero() || p.StartTimeOnOrBefore.IsZero() {
		return nil, "startTime.onOrAfter and startTime.onOrBefore are required"
	}
	var c conds[ss12000.CalendarEvent]
	c.add(func(ce *ss12000.CalendarEvent) bool {
		return inTime(ce.StartTime, p.StartTimeOnOrAfter, p.StartTimeOnOrBefore) &&
			inTime(ce.EndTime, p.EndTimeOnOrAfter, p.EndTimeOnOrBefore)
	})
	if p.Activity != "" {
		c.add(func(ce *ss12000.CalendarEvent) bool { return ce.Activity.ID == p.Activity })
	}
	if p.Student != "" {
		c.add(func(ce *ss12000.CalendarEvent) bool { return eventHasStudent(rel, ce, p.Student) })
	}
	if p.Teacher != "" {
		c.add(func(ce *ss12000.CalendarEvent) bool { return eventHasTeacher(rel, ce, p.Teacher) })
	}
	if p.Organisation != "" {
		c.add(func(ce *ss12000.CalendarEvent) bool {
			a := rel.Activity(ce.Activity.ID)
			return a != nil && a.Organisation.ID == p.Organisation
		})
	}
	if p.Group != "" {
		c.add(func(ce *ss12000.CalendarEvent) bool {
			a := rel.Activity(ce.Activity.ID)
			return a != nil && hasGroup(a.Groups, p.Group)
		})
	}
	return c.fn(), ""
}

// attendanceActivity returns the activity of an attendance's calendar event, or nil.
func attendanceActivity(rel Relations, a *ss12000.Attendance) *ss12000.Activity {
	ce := rel.CalendarEvent(a.CalendarEvent.ID)
	if ce == nil {
		return nil
	}
	return rel.Activity(ce.Activity.ID)
}

// AttendanceFilter is the filter of GET /attendances.
func AttendanceFilter(p *ss12000.ListAttendancesParams, rel Relations) (func(*ss12000.Attendance) bool, string) {
	var c conds[ss12000.Attendance]
	if p.Student != "" {
		c.add(func(a *ss12000.Attendance) bool { return a.Student.ID == p.Student })
	}
	if p.CalendarEvent != "" {
		c.add(func(a *ss12000.Attendance) bool { return a.CalendarEvent.ID == p.CalendarEvent })
	}
	if p.Organisation != "" {
		c.add(func(a *ss12000.Attendance) bool {
			act := attendanceActivity(rel, a)
			return act != nil && act.Organisation.ID == p.Organisation
		})
	}
	return c.fn(), ""
}

// AttendanceEventFilter is the filter of GET /attendanceEvents.
func AttendanceEventFilter(p *ss12000.ListAttendanceEventsParams, _ Relations) (func(*ss12000.AttendanceEvent) bool, string) {
	var c conds[ss12000.AttendanceEvent]
	if len(p.Group) > 0 {
		c.add(func(a *ss12000.AttendanceEvent) bool { return slices.Contains(p.Group, a.Group.ID) })
	}
	if p.Person != "" {
		c.add(func(a *ss12000.AttendanceEvent) bool { return a.Person.ID == p.Person })
	}
	return c.fn(), ""
}

// AttendanceScheduleFilter is the filter of GET /attendanceSchedule.
func AttendanceScheduleFilter(p *ss12000.ListAttendanceSchedulesParams, rel Relations) (func(*ss12000.AttendanceSchedule) bool, string) {
	var c conds[ss12000.AttendanceSchedule]
	if p.Placement != "" {
		c.add(func(a *ss12000.AttendanceSchedule) bool { return a.Placement.ID == p.Placement })
	}
	if p.Group != "" {
		c.add(func(a *ss12000.AttendanceSchedule) bool {
			pl := rel.Placement(a.Placement.ID)
			return pl != nil && pl.Group.ID == p.Group
		})
	}
	if d := (Dates{p.StartDateOnOrBefore, p.StartDateOnOrAfter, p.EndDateOnOrBefore, p.EndDateOnOrAfter}); d.Set() {
		c.add(func(a *ss12000.AttendanceSchedule) bool { return d.Match(a.StartDate, a.EndDate) })
	}
	return c.fn(), ""
}

// AggregatedAttendanceFilter is the filter of GET /aggregatedAttendance; the period is
// required and a record passes when its own period overlaps it.
func AggregatedAttendanceFilter(p *ss12000.ListAggregatedAttendancesParams, rel Relations) (func(*ss12000.AggregatedAttendance) bool, string) {
	if p.StartDate.IsZero() || p.EndDate.IsZero() {
		return nil, "startDate and endDate are required"
	}
	if !validAll(p.SchoolType) {
		return nil, "schoolType has a value outside the code list"
	}
	var c conds[ss12000.AggregatedAttendance]
	c.add(func(a *ss12000.AggregatedAttendance) bool {
		return !a.StartDate.After(p.EndDate.Time) && !a.EndDate.Before(p.StartDate.Time)
	})
	if p.Organisation != "" {
		c.add(func(a *ss12000.AggregatedAttendance) bool {
			act := rel.Activity(a.Activity.ID)
			return act != nil && act.Organisation.ID == p.Organisation
		})
	}
	if len(p.SchoolType) > 0 {
		c.add(func(a *ss12000.AggregatedAttendance) bool {
			act := rel.Activity(a.Activity.ID)
			if act == nil {
				return false
			}
			sy := rel.Syllabus(act.Syllabus.ID)
			return sy != nil && slices.Contains(p.SchoolType, sy.SchoolType)
		})
	}
	if len(p.Student) > 0 {
		c.add(func(a *ss12000.AggregatedAttendance) bool { return slices.Contains(p.Student, a.Student.ID) })
	}
	return c.fn(), ""
}

// GradeFilter is the filter of GET /grades.
func GradeFilter(p *ss12000.ListGradesParams, _ Relations) (func(*ss12000.Grade) bool, string) {
	var c conds[ss12000.Grade]
	if p.Organisation != "" {
		c.add(func(g *ss12000.Grade) bool { return g.Organisation.ID == p.Organisation })
	}
	if p.Student != "" {
		c.add(func(g *ss12000.Grade) bool { return g.Student.ID == p.Student })
	}
	if p.RegisteredBy != "" {
		c.add(func(g *ss12000.Grade) bool { return g.RegisteredBy.ID == p.RegisteredBy })
	}
	if p.GradingTeacher != "" {
		c.add(func(g *ss12000.Grade) bool { return g.GradingTeacher.ID == p.GradingTeacher })
	}
	if !p.RegisteredDateOnOrAfter.IsZero() || !p.RegisteredDateOnOrBefore.IsZero() {
		c.add(func(g *ss12000.Grade) bool {
			return inDates(g.RegisteredDate, p.RegisteredDateOnOrAfter, p.RegisteredDateOnOrBefore)
		})
	}
	return c.fn(), ""
}

// AbsenceFilter is the filter of GET /absences.
func AbsenceFilter(p *ss12000.ListAbsencesParams, _ Relations) (func(*ss12000.Absence) bool, string) {
	if p.Type != "" && !p.Type.Valid() {
		return nil, "type has a value outside the code list"
	}
	var c conds[ss12000.Absence]
	if p.Organisation != "" {
		c.add(func(a *ss12000.Absence) bool { return a.Organisation.ID == p.Organisation })
	}
	if p.Student != "" {
		c.add(func(a *ss12000.Absence) bool { return a.Student.ID == p.Student })
	}
	if p.RegisteredBy != "" {
		c.add(func(a *ss12000.Absence) bool { return a.RegisteredBy.ID == p.RegisteredBy })
	}
	if p.Type != "" {
		c.add(func(a *ss12000.Absence) bool { return a.Type == p.Type })
	}
	if !p.StartTimeOnOrAfter.IsZero() || !p.StartTimeOnOrBefore.IsZero() || !p.EndTimeOnOrAfter.IsZero() || !p.EndTimeOnOrBefore.IsZero() {
		c.add(func(a *ss12000.Absence) bool {
			return inTime(a.StartTime, p.StartTimeOnOrAfter, p.StartTimeOnOrBefore) &&
				inTime(a.EndTime, p.EndTimeOnOrAfter, p.EndTimeOnOrBefore)
		})
	}
	return c.fn(), ""
}

// ResourceFilter is the filter of GET /resources.
func ResourceFilter(p *ss12000.ListResourcesParams, _ Relations) (func(*ss12000.Resource) bool, string) {
	var c conds[ss12000.Resource]
	if p.Organisation != "" {
		c.add(func(r *ss12000.Resource) bool { return r.Owner.ID == p.Organisation })
	}
	return c.fn(), ""
}

// RoomFilter is the filter of GET /rooms.
func RoomFilter(p *ss12000.ListRoomsParams, _ Relations) (func(*ss12000.Room) bool, string) {
	var c conds[ss12000.Room]
	if p.Organisation != "" {
		c.add(func(r *ss12000.Room) bool { return r.Owner.ID == p.Organisation })
	}
	return c.fn(), ""
}
