package ss12000serve

import (
	"reflect"
	"sync"

	"github.com/edusync/edusync/ss12000"
)

// The values the expand parameter of each resource accepts.
var (
	PersonExpands          = []string{"duties", "responsibleFor", "placements", "ownedPlacements", "groupMemberships"}
	GroupExpands           = []string{"assignmentRoles"}
	DutyExpands            = []string{"person"}
	PlacementExpands       = []string{"child", "owners"}
	ActivityExpands        = []string{"groups", "syllabus", "teachers"}
	CalendarEventExpands   = []string{"activity", "attendance"}
	AttendanceEventExpands = []string{"group", "person", "registeredBy"}
	AggregatedExpands      = []string{"activity", "student"}
)

// ExpandPerson is a person with _embedded filled as ex asks.
func ExpandPerson(rel Relations, p *ss12000.Person, ex map[string]bool) *ss12000.PersonExpanded {
	out := ss12000.PersonExpanded{
		Addresses: p.Addresses, BirthDate: p.BirthDate, CivicNo: p.CivicNo,
		EduPersonPrincipalNames: p.EduPersonPrincipalNames, Emails: p.Emails, Enrolments: p.Enrolments,
		ExternalIdentifiers: p.ExternalIdentifiers, FamilyName: p.FamilyName, GivenName: p.GivenName,
		ID: p.ID, Meta: p.Meta, MiddleName: p.MiddleName, PersonStatus: p.PersonStatus,
		PhoneNumbers: p.PhoneNumbers, Photo: p.Photo, Responsibles: p.Responsibles,
		SecurityMarking: p.SecurityMarking, Sex: p.Sex,
	}
	if ex["duties"] {
		for _, d := range rel.DutiesOf(p.ID) {
			out.Embedded.Duties = append(out.Embedded.Duties, *d)
		}
	}
	if ex["placements"] {
		for _, pl := range rel.PlacementsOf(p.ID) {
			out.Embedded.Placements = append(out.Embedded.Placements, *pl)
		}
	}
	if ex["ownedPlacements"] {
		for _, pl := range rel.PlacementsOwnedBy(p.ID) {
			out.Embedded.OwnedPlacements = append(out.Embedded.OwnedPlacements, *pl)
		}
	}
	if ex["responsibleFor"] {
		for _, rf := range rel.ResponsibleFor(p.ID) {
			out.Embedded.ResponsibleFor = append(out.Embedded.ResponsibleFor, ss12000.Responsible{
				Person:       ss12000.PersonReference{ID: rf.Child.ID, SecurityMarking: rf.Child.SecurityMarking},
				RelationType: rf.Relation,
			})
		}
	}
	if ex["groupMemberships"] {
		for _, m := range rel.MembershipsOf(p.ID) {
			out.Embedded.GroupMemberships = append(out.Embedded.GroupMemberships, ss12000.PersonGroupMembership{
				Group: Fragment(m.Group), StartDate: m.Start, EndDate: m.End,
			})
		}
	}
	return &out
}

// ExpandGroup is a group with _embedded filled as ex asks.
func ExpandGroup(rel Relations, g *ss12000.Group, ex map[string]bool) *ss12000.GroupExpanded {
	out := ss12000.GroupExpanded{
		DisplayName: g.DisplayName, EndDate: g.EndDate, GroupMemberships: g.GroupMemberships,
		GroupType: g.GroupType, ID: g.ID, Meta: g.Meta, Organisation: g.Organisation,
		SchoolType: g.SchoolType, StartDate: g.StartDate,
	}
	if ex["assignmentRoles"] {
		out.Embedded.AssignmentRoles = rel.AssignmentRoles(g.ID)
	}
	return &out
}

// ExpandDuty is a duty with _embedded filled as ex asks.
func ExpandDuty(rel Relations, d *ss12000.Duty, ex map[string]bool) *ss12000.DutyExpanded {
	out := ss12000.DutyExpanded{
		AssignmentRole: d.AssignmentRole, Description: d.Description, DutyAt: d.DutyAt,
		DutyPercent: d.DutyPercent, DutyRole: d.DutyRole, EndDate: d.EndDate, HoursPerYear: d.HoursPerYear,
		ID: d.ID, Meta: d.Meta, Person: d.Person, Signature: d.Signature, StartDate: d.StartDate,
	}
	if ex["person"] {
		if p := rel.Person(d.Person.ID); p != nil {
			out.Embedded.Person = *p
		}
	}
	return &out
}

// ExpandPlacement is a placement with _embedded filled as ex asks.
func ExpandPlacement(rel Relations, p *ss12000.Placement, ex map[string]bool) *ss12000.PlacementExpanded {
	out := ss12000.PlacementExpanded{
		Child: p.Child, EndDate: p.EndDate, Group: p.Group, ID: p.ID,
		MaxWeeklyScheduleHours: p.MaxWeeklyScheduleHours, Meta: p.Meta, Owners: p.Owners,
		PlacedAt: p.PlacedAt, Reason: p.Reason, SchoolType: p.SchoolType, StartDate: p.StartDate,
	}
	if ex["child"] {
		if c := rel.Person(p.Child.ID); c != nil {
			out.Embedded.Child = *c
		}
	}
	if ex["owners"] {
		for _, o := range p.Owners {
			if op := rel.Person(o.ID); op != nil {
				out.Embedded.Owners = append(out.Embedded.Owners, *op)
			}
		}
	}
	return &out
}

// ExpandActivity is an activity with _embedded filled as ex asks.
func ExpandActivity(rel Relations, a *ss12000.Activity, ex map[string]bool) *ss12000.ActivityExpanded {
	out := ss12000.ActivityExpanded{
		ActivityType: a.ActivityType, CalendarEventsRequired: a.CalendarEventsRequired, Comment: a.Comment,
		DisplayName: a.DisplayName, EndDate: a.EndDate, Groups: a.Groups, ID: a.ID, Meta: a.Meta,
		MinutesPlanned: a.MinutesPlanned, Organisation: a.Organisation, ParentActivity: a.ParentActivity,
		StartDate: a.StartDate, Syllabus: a.Syllabus, Teachers: a.Teachers,
	}
	if ex["groups"] {
		for _, g := range a.Groups {
			if gr := rel.Group(g.ID); gr != nil {
				out.Embedded.Groups = append(out.Embedded.Groups, *gr)
			}
		}
	}
	if ex["syllabus"] {
		if sy := rel.Syllabus(a.Syllabus.ID); sy != nil {
			out.Embedded.Syllabus = *sy
		}
	}
	if ex["teachers"] {
		for _, t := range a.Teachers {
			if d := rel.Duty(t.Duty.ID); d != nil {
				out.Embedded.Teachers = append(out.Embedded.Teachers, *d)
			}
		}
	}
	return &out
}

// ExpandCalendarEvent is a calendar event with _embedded filled as ex asks.
func ExpandCalendarEvent(rel Relations, ce *ss12000.CalendarEvent, ex map[string]bool) *ss12000.CalendarEvent {
	c := *ce
	if ex["activity"] {
		if a := rel.Activity(c.Activity.ID); a != nil {
			c.Embedded.Activity = *a
		}
	}
	if ex["attendance"] {
		for _, a := range rel.AttendancesOf(c.ID) {
			c.Embedded.Attendance = append(c.Embedded.Attendance, *a)
		}
	}
	return &c
}

// ExpandAttendanceEvent is an attendance event with _embedded filled as ex asks.
func ExpandAttendanceEvent(rel Relations, ae *ss12000.AttendanceEvent, ex map[string]bool) *ss12000.AttendanceEvent {
	a := *ae
	if ex["group"] {
		if g := rel.Group(a.Group.ID); g != nil {
			a.Embedded.Group = Fragment(g)
		}
	}
	if ex["person"] {
		if p := rel.Person(a.Person.ID); p != nil {
			a.Embedded.Person = *p
		}
	}
	if ex["registeredBy"] {
		if p := rel.Person(a.RegisteredBy.ID); p != nil {
			a.Embedded.RegisteredBy = *p
		}
	}
	return &a
}

// ExpandAggregated is an aggregated attendance record with _embedded filled as ex asks.
func ExpandAggregated(rel Relations, ag *ss12000.AggregatedAttendance, ex map[string]bool) *ss12000.AggregatedAttendance {
	a := *ag
	if ex["activity"] {
		if ac := rel.Activity(a.Activity.ID); ac != nil {
			a.Embedded.Activity = *ac
		}
	}
	if ex["student"] {
		if p := rel.Person(a.Student.ID); p != nil {
			a.Embedded.Student = *p
		}
	}
	return &a
}

// Fragment is a group without its memberships.
func Fragment(g *ss12000.Group) ss12000.GroupFragment {
	return ss12000.GroupFragment{
		DisplayName: g.DisplayName, EndDate: g.EndDate, GroupType: g.GroupType, ID: g.ID, Meta: g.Meta,
		Organisation: g.Organisation, SchoolType: g.SchoolType, StartDate: g.StartDate,
	}
}

var (
	objRefType    = reflect.TypeFor[ss12000.ObjectReference]()
	personRefType = reflect.TypeFor[ss12000.PersonReference]()
	refTypes      sync.Map // reflect.Type -> bool: whether the type contains references
)

// hasRefs reports whether values of t contain references whose names could be filled.
func hasRefs(t reflect.Type) bool {
	if b, ok := refTypes.Load(t); ok {
		return b.(bool)
	}
	refTypes.Store(t, false) // breaks cycles; corrected below
	found := false
	switch t.Kind() {
	case reflect.Struct:
		if t == objRefType || t == personRefType {
			found = true
			break
		}
		for i := 0; i < t.NumField(); i++ {
			if t.Field(i).IsExported() && hasRefs(t.Field(i).Type) {
				found = true
				break
			}
		}
	case reflect.Slice, reflect.Array, reflect.Pointer:
		found = hasRefs(t.Elem())
	}
	refTypes.Store(t, found)
	return found
}

// WithNames returns a copy of v (a pointer to a record or expanded record) in which every
// reference without a displayName has the name rel knows for its id. Slices are copied before
// they change, so records that share slices with v are never touched.
func WithNames(v any, rel Relations) any {
	rv := reflect.New(reflect.TypeOf(v).Elem())
	rv.Elem().Set(reflect.ValueOf(v).Elem())
	fillNames(rv.Elem(), rel)
	return rv.Interface()
}

func fillNames(v reflect.Value, rel Relations) {
	t := v.Type()
	if !hasRefs(t) {
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		if t == objRefType || t == personRefType {
			dn := v.FieldByName("DisplayName")
			if dn.String() == "" {
				if n := rel.NameOf(v.FieldByName("ID").String()); n != "" {
					dn.SetString(n)
				}
			}
			return
		}
		for i := 0; i < t.NumField(); i++ {
			if t.Field(i).IsExported() {
				fillNames(v.Field(i), rel)
			}
		}
	case reflect.Slice:
		if v.Len() == 0 {
			return
		}
		cp := reflect.MakeSlice(t, v.Len(), v.Len())
		reflect.Copy(cp, v)
		v.Set(cp)
		for i := 0; i < cp.Len(); i++ {
			fillNames(cp.Index(i), rel)
		}
	}
}
