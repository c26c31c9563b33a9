package ss12000serve

import (
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/edusync/edusync/ss12000"
)

// Relations is what filters, lookups and expansion need to know beyond the record at hand. A
// server implements it over its own data; a lookup of an id it does not hold returns nil.
type Relations interface {
	// Person, Group, Duty, Activity, Placement, Syllabus and CalendarEvent return the record
	// with the id, or nil.
	Person(id string) *ss12000.Person
	Group(id string) *ss12000.Group
	Duty(id string) *ss12000.Duty
	Activity(id string) *ss12000.Activity
	Placement(id string) *ss12000.Placement
	Syllabus(id string) *ss12000.Syllabus
	CalendarEvent(id string) *ss12000.CalendarEvent
	// Relationships lists a person's relationships, for the relationship.* filters of /persons
	// (RelationshipsFrom computes them from the other methods).
	Relationships(p *ss12000.Person) []Relationship
	// DutiesOf lists a person's duties, in id order.
	DutiesOf(person string) []*ss12000.Duty
	// PlacementsOf lists the placements of a child; PlacementsOwnedBy those a person owns.
	PlacementsOf(child string) []*ss12000.Placement
	PlacementsOwnedBy(owner string) []*ss12000.Placement
	// ResponsibleFor lists the persons a person is responsible for.
	ResponsibleFor(person string) []Responsibility
	// MembershipsOf lists a person's group memberships.
	MembershipsOf(person string) []Membership
	// IsMember reports whether the person is a member of the group.
	IsMember(person, group string) bool
	// AssignmentRoles lists the assignment roles duties hold in a group.
	AssignmentRoles(group string) []ss12000.GroupAssignmentRole
	// AttendancesOf lists the attendance records of a calendar event.
	AttendancesOf(event string) []*ss12000.Attendance
	// NameOf returns what expandReferenceNames shows for a reference to id (any kind), or "".
	NameOf(id string) string
}

// Responsibility is a person one is responsible for, and how.
type Responsibility struct {
	Child    *ss12000.Person
	Relation ss12000.RelationTypesEnum
}

// Membership is a person's membership in a group, with its period.
type Membership struct {
	Group      *ss12000.Group
	Start, End openapi_types.Date
}

// The relationship types of the relationship.entity.type filter of /persons.
const (
	RelEnrolment               = "enrolment"
	RelDuty                    = "duty"
	RelPlacementChild          = "placement.child"
	RelPlacementOwner          = "placement.owner"
	RelResponsibleForEnrolment = "responsibleFor.enrolment"
	RelResponsibleForPlacement = "responsibleFor.placement"
	RelGroupMembership         = "groupMembership"
)

// Relationship is one relationship of a person with an organisation for a period: an
// enrolment, a duty (and each assignment role it holds in a group, as a group membership), a
// placement as child or owner, responsibility for an enrolled or placed child, a group
// membership.
type Relationship struct {
	Type         string             `json:"t"`
	Organisation string             `json:"o,omitempty"`
	Start        openapi_types.Date `json:"s,omitzero"`
	End          openapi_types.Date `json:"e,omitzero"`
}

// RelationshipsFrom computes a person's relationships from the records rel holds.
func RelationshipsFrom(rel Relations, p *ss12000.Person) []Relationship {
	var out []Relationship
	add := func(typ, org string, start, end openapi_types.Date) {
		out = append(out, Relationship{Type: typ, Organisation: org, Start: start, End: end})
	}
	for _, e := range p.Enrolments {
		add(RelEnrolment, e.EnroledAt.ID, e.StartDate, e.EndDate)
	}
	for _, d := range rel.DutiesOf(p.ID) {
		add(RelDuty, d.DutyAt.ID, d.StartDate, d.EndDate)
		for _, ar := range d.AssignmentRole {
			org := ""
			if g := rel.Group(ar.Group.ID); g != nil {
				org = g.Organisation.ID
			}
			add(RelGroupMembership, org, ar.StartDate, ar.EndDate)
		}
	}
	for _, pl := range rel.PlacementsOf(p.ID) {
		add(RelPlacementChild, pl.PlacedAt.ID, pl.StartDate, pl.EndDate)
	}
	for _, pl := range rel.PlacementsOwnedBy(p.ID) {
		add(RelPlacementOwner, pl.PlacedAt.ID, pl.StartDate, pl.EndDate)
	}
	for _, rf := range rel.ResponsibleFor(p.ID) {
		for _, e := range rf.Child.Enrolments {
			add(RelResponsibleForEnrolment, e.EnroledAt.ID, e.StartDate, e.EndDate)
		}
		for _, pl := range rel.PlacementsOf(rf.Child.ID) {
			add(RelResponsibleForPlacement, pl.PlacedAt.ID, pl.StartDate, pl.EndDate)
		}
	}
	for _, m := range rel.MembershipsOf(p.ID) {
		add(RelGroupMembership, m.Group.Organisation.ID, m.Start, m.End)
	}
	return out
}
