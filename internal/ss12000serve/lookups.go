package ss12000serve

import (
	"slices"

	"github.com/edusync/edusync/ss12000"
)

// Lookup is what a lookup body (POST /<resource>/lookup) asks for: records by id, in the
// order asked, and then those Match accepts (nil: none beyond the ids), in the server's
// order. Keys counts the body's keys, for the server's cap (413 beyond).
type Lookup[T any] struct {
	IDs   []string
	Keys  int
	Match func(*T) bool
}

// IDLookup is a lookup whose body is only a list of ids.
func IDLookup[T any](b *ss12000.IDLookup) Lookup[T] { return Lookup[T]{IDs: b.Ids, Keys: len(b.Ids)} }

// OrganisationLookup takes ids, schoolUnitCodes and organisationCodes.
func OrganisationLookup(b *ss12000.OrganisationsLookup, _ Relations) Lookup[ss12000.Organisation] {
	l := Lookup[ss12000.Organisation]{IDs: b.Ids, Keys: len(b.Ids) + len(b.SchoolUnitCodes) + len(b.OrganisationCodes)}
	if len(b.SchoolUnitCodes)+len(b.OrganisationCodes) > 0 {
		l.Match = func(o *ss12000.Organisation) bool {
			return (o.SchoolUnitCode != "" && slices.Contains(b.SchoolUnitCodes, o.SchoolUnitCode)) ||
				(o.OrganisationCode != "" && slices.Contains(b.OrganisationCodes, o.OrganisationCode))
		}
	}
	return l
}

// PersonLookup takes ids and civicNos (digits compared).
func PersonLookup(b *ss12000.PersonsLookup, _ Relations) Lookup[ss12000.Person] {
	l := Lookup[ss12000.Person]{IDs: b.Ids, Keys: len(b.Ids) + len(b.CivicNos)}
	want := map[string]bool{}
	for _, c := range b.CivicNos {
		if d := Digits(c); d != "" {
			want[d] = true
		}
	}
	if len(want) > 0 {
		l.Match = func(p *ss12000.Person) bool { return p.CivicNo.Value != "" && want[Digits(p.CivicNo.Value)] }
	}
	return l
}

// PlacementLookup takes ids and personIds (the child or an owner).
func PlacementLookup(b *ss12000.PlacementsLookup, _ Relations) Lookup[ss12000.Placement] {
	l := Lookup[ss12000.Placement]{IDs: b.Ids, Keys: len(b.Ids) + len(b.PersonIds)}
	if len(b.PersonIds) > 0 {
		l.Match = func(pl *ss12000.Placement) bool {
			return slices.Contains(b.PersonIds, pl.Child.ID) ||
				slices.ContainsFunc(pl.Owners, func(o ss12000.PersonReference) bool { return slices.Contains(b.PersonIds, o.ID) })
		}
	}
	return l
}

// ActivityLookup takes ids, members (through the groups) and teachers (duty ids).
func ActivityLookup(b *ss12000.ActivitiesLookup, rel Relations) Lookup[ss12000.Activity] {
	l := Lookup[ss12000.Activity]{IDs: b.Ids, Keys: len(b.Ids) + len(b.Members) + len(b.Teachers)}
	if len(b.Members)+len(b.Teachers) > 0 {
		l.Match = func(a *ss12000.Activity) bool {
			for _, m := range b.Members {
				if isMember(rel, m, a.Groups) {
					return true
				}
			}
			return slices.ContainsFunc(b.Teachers, func(t string) bool { return hasTeacher(a.Teachers, t) })
		}
	}
	return l
}

// CalendarEventLookup takes ids, activities, students and teachers.
func CalendarEventLookup(b *ss12000.CalendarEventsLookup, rel Relations) Lookup[ss12000.CalendarEvent] {
	l := Lookup[ss12000.CalendarEvent]{IDs: b.Ids, Keys: len(b.Ids) + len(b.Activities) + len(b.Student) + len(b.Teacher)}
	if len(b.Activities)+len(b.Student)+len(b.Teacher) > 0 {
		l.Match = func(ce *ss12000.CalendarEvent) bool {
			return slices.Contains(b.Activities, ce.Activity.ID) ||
				slices.ContainsFunc(b.Student, func(st string) bool { return eventHasStudent(rel, ce, st) }) ||
				slices.ContainsFunc(b.Teacher, func(t string) bool { return eventHasTeacher(rel, ce, t) })
		}
	}
	return l
}

// AttendanceLookup takes ids, activities, students and calendar events.
func AttendanceLookup(b *ss12000.AttendancesLookup, rel Relations) Lookup[ss12000.Attendance] {
	l := Lookup[ss12000.Attendance]{IDs: b.Ids, Keys: len(b.Ids) + len(b.Activities) + len(b.Students) + len(b.CalendareEvents)}
	if len(b.Activities)+len(b.Students)+len(b.CalendareEvents) > 0 {
		l.Match = func(a *ss12000.Attendance) bool {
			if slices.Contains(b.Students, a.Student.ID) || slices.Contains(b.CalendareEvents, a.CalendarEvent.ID) {
				return true
			}
			act := attendanceActivity(rel, a)
			return act != nil && slices.Contains(b.Activities, act.ID)
		}
	}
	return l
}

// AttendanceEventLookup takes ids, persons and groups.
func AttendanceEventLookup(b *ss12000.AttendanceEventsLookup, _ Relations) Lookup[ss12000.AttendanceEvent] {
	l := Lookup[ss12000.AttendanceEvent]{IDs: b.Ids, Keys: len(b.Ids) + len(b.Person) + len(b.Group)}
	if len(b.Person)+len(b.Group) > 0 {
		l.Match = func(a *ss12000.AttendanceEvent) bool {
			return slices.Contains(b.Person, a.Person.ID) || slices.Contains(b.Group, a.Group.ID)
		}
	}
	return l
}

// AttendanceScheduleLookup takes ids and placements.
func AttendanceScheduleLookup(b *ss12000.AttendanceSchedulesLookup, _ Relations) Lookup[ss12000.AttendanceSchedule] {
	l := Lookup[ss12000.AttendanceSchedule]{IDs: b.Ids, Keys: len(b.Ids) + len(b.Placement)}
	if len(b.Placement) > 0 {
		l.Match = func(a *ss12000.AttendanceSchedule) bool { return slices.Contains(b.Placement, a.Placement.ID) }
	}
	return l
}
