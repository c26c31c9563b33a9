package ss12000test

import (
	"encoding/json"
	"sync"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/edusync/edusync/internal/ss12000serve"
	"github.com/edusync/edusync/ss12000"
)

// view holds the indexes that relationship filters, expand and expandReferenceNames need. It
// is built from the store when first needed and kept until the store changes, so a listing
// with expand does not scan the data on every page.
type view struct {
	st      *store
	version uint64

	dutiesByPerson    map[string][]*record
	placementsByChild map[string][]*record
	placementsByOwner map[string][]*record
	// memberships are the group memberships of each person.
	memberships map[string][]membership
	// responsibleFor are the persons each person is responsible for.
	responsibleFor  map[string][]responsibleFor
	rolesByGroup    map[string][]ss12000.GroupAssignmentRole
	attendancesByCE map[string][]*record
	// groupMembers are the person ids of each group's memberships.
	groupMembers map[string]map[string]bool

	namesOnce sync.Once
	names     map[string]string
}

type membership struct {
	group      *record
	start, end openapi_types.Date
}

type responsibleFor struct {
	child *record
	rel   ss12000.RelationTypesEnum
}

// viewLocked returns the current view. The caller holds s.mu (read or write).
func (s *Server) viewLocked() *view {
	s.viewMu.Lock()
	defer s.viewMu.Unlock()
	if s.view != nil && s.view.version == s.st.version {
		return s.view
	}
	s.view = buildView(s.st)
	return s.view
}

func buildView(st *store) *view {
	v := &view{
		st:                st,
		version:           st.version,
		dutiesByPerson:    map[string][]*record{},
		placementsByChild: map[string][]*record{},
		placementsByOwner: map[string][]*record{},
		memberships:       map[string][]membership{},
		responsibleFor:    map[string][]responsibleFor{},
		rolesByGroup:      map[string][]ss12000.GroupAssignmentRole{},
		attendancesByCE:   map[string][]*record{},
		groupMembers:      map[string]map[string]bool{},
	}
	for _, id := range st.table(kDuties).order {
		rec := st.get(kDuties, id)
		d := rec.val.(*ss12000.Duty)
		if d.Person.ID != "" {
			v.dutiesByPerson[d.Person.ID] = append(v.dutiesByPerson[d.Person.ID], rec)
		}
		for _, ar := range d.AssignmentRole {
			if ar.Group.ID == "" {
				continue
			}
			v.rolesByGroup[ar.Group.ID] = append(v.rolesByGroup[ar.Group.ID], ss12000.GroupAssignmentRole{
				AssignmentRoleType: ar.AssignmentRoleType,
				Duty:               ss12000.DutyReference{ID: d.ID},
				StartDate:          ar.StartDate,
				EndDate:            ar.EndDate,
			})
		}
	}
	for _, id := range st.table(kPlacements).order {
		rec := st.get(kPlacements, id)
		p := rec.val.(*ss12000.Placement)
		if p.Child.ID != "" {
			v.placementsByChild[p.Child.ID] = append(v.placementsByChild[p.Child.ID], rec)
		}
		for _, o := range p.Owners {
			if o.ID != "" {
				v.placementsByOwner[o.ID] = append(v.placementsByOwner[o.ID], rec)
			}
		}
	}
	for _, id := range st.table(kGroups).order {
		rec := st.get(kGroups, id)
		g := rec.val.(*ss12000.Group)
		members := map[string]bool{}
		for _, m := range g.GroupMemberships {
			if m.Person.ID == "" {
				continue
			}
			members[m.Person.ID] = true
			v.memberships[m.Person.ID] = append(v.memberships[m.Person.ID], membership{group: rec, start: m.StartDate, end: m.EndDate})
		}
		v.groupMembers[g.ID] = members
	}
	for _, id := range st.table(kPersons).order {
		rec := st.get(kPersons, id)
		p := rec.val.(*ss12000.Person)
		for _, r := range p.Responsibles {
			if r.Person.ID != "" {
				v.responsibleFor[r.Person.ID] = append(v.responsibleFor[r.Person.ID], responsibleFor{child: rec, rel: r.RelationType})
			}
		}
	}
	for _, id := range st.table(kAttendances).order {
		rec := st.get(kAttendances, id)
		a := rec.val.(*ss12000.Attendance)
		if a.CalendarEvent.ID != "" {
			v.attendancesByCE[a.CalendarEvent.ID] = append(v.attendancesByCE[a.CalendarEvent.ID], rec)
		}
	}
	return v
}

// NameOf returns the display name for a reference to id (any kind), or "".
func (v *view) NameOf(id string) string {
	v.namesOnce.Do(func() {
		v.names = map[string]string{}
		for _, k := range kinds {
			for id, rec := range v.st.table(k).byID {
				if n := k.name(rec.val); n != "" {
					v.names[id] = n
				}
			}
		}
		// Duties and placements are named after their person: "Åsa Öberg (Lärare)".
		for id, rec := range v.st.table(kDuties).byID {
			d := rec.val.(*ss12000.Duty)
			if p := v.st.get(kPersons, d.Person.ID); p != nil {
				v.names[id] = ss12000serve.PersonName(p.val.(*ss12000.Person)) + " (" + string(d.DutyRole) + ")"
			}
		}
		for id, rec := range v.st.table(kPlacements).byID {
			pl := rec.val.(*ss12000.Placement)
			if p := v.st.get(kPersons, pl.Child.ID); p != nil {
				v.names[id] = ss12000serve.PersonName(p.val.(*ss12000.Person))
			}
		}
	})
	return v.names[id]
}

// typed returns the stored value of kind k with id as *T, or nil.
func typed[T any](v *view, k *kind, id string) *T {
	rec := v.st.get(k, id)
	if rec == nil {
		return nil
	}
	return rec.val.(*T)
}

func typedAll[T any](recs []*record) []*T {
	out := make([]*T, len(recs))
	for i, r := range recs {
		out[i] = r.val.(*T)
	}
	return out
}

// The view answers what filters and expansion ask about other records (ss12000serve.Relations).

func (v *view) Person(id string) *ss12000.Person { return typed[ss12000.Person](v, kPersons, id) }
func (v *view) Group(id string) *ss12000.Group   { return typed[ss12000.Group](v, kGroups, id) }
func (v *view) Duty(id string) *ss12000.Duty     { return typed[ss12000.Duty](v, kDuties, id) }
func (v *view) Activity(id string) *ss12000.Activity {
	return typed[ss12000.Activity](v, kActivities, id)
}
func (v *view) Placement(id string) *ss12000.Placement {
	return typed[ss12000.Placement](v, kPlacements, id)
}
func (v *view) Syllabus(id string) *ss12000.Syllabus {
	return typed[ss12000.Syllabus](v, kSyllabuses, id)
}
func (v *view) CalendarEvent(id string) *ss12000.CalendarEvent {
	return typed[ss12000.CalendarEvent](v, kCalendarEvents, id)
}
func (v *view) Relationships(p *ss12000.Person) []ss12000serve.Relationship {
	return ss12000serve.RelationshipsFrom(v, p)
}
func (v *view) DutiesOf(person string) []*ss12000.Duty {
	return typedAll[ss12000.Duty](v.dutiesByPerson[person])
}
func (v *view) PlacementsOf(child string) []*ss12000.Placement {
	return typedAll[ss12000.Placement](v.placementsByChild[child])
}
func (v *view) PlacementsOwnedBy(owner string) []*ss12000.Placement {
	return typedAll[ss12000.Placement](v.placementsByOwner[owner])
}
func (v *view) ResponsibleFor(person string) []ss12000serve.Responsibility {
	var out []ss12000serve.Responsibility
	for _, rf := range v.responsibleFor[person] {
		out = append(out, ss12000serve.Responsibility{Child: rf.child.val.(*ss12000.Person), Relation: rf.rel})
	}
	return out
}
func (v *view) MembershipsOf(person string) []ss12000serve.Membership {
	var out []ss12000serve.Membership
	for _, m := range v.memberships[person] {
		out = append(out, ss12000serve.Membership{Group: m.group.val.(*ss12000.Group), Start: m.start, End: m.end})
	}
	return out
}
func (v *view) IsMember(person, group string) bool { return v.groupMembers[group][person] }
func (v *view) AssignmentRoles(group string) []ss12000.GroupAssignmentRole {
	return v.rolesByGroup[group]
}
func (v *view) AttendancesOf(event string) []*ss12000.Attendance {
	return typedAll[ss12000.Attendance](v.attendancesByCE[event])
}

// render returns the JSON of rec as rs asks. The caller holds s.mu (read).
func (s *Server) render(k *kind, rec *record, rs ss12000serve.Render, v *view) []byte {
	if rs.Plain() {
		return rec.raw
	}
	out := k.expand(v, rec.val, rs.Expand)
	if rs.RefNames {
		out = ss12000serve.WithNames(out, v)
	}
	b, err := json.Marshal(out)
	if err != nil {
		return rec.raw
	}
	return b
}

// initExpanders sets the expand function of the kinds that have something to expand.
func initExpanders() {
	kPersons.expand = func(v *view, val any, ex map[string]bool) any {
		return ss12000serve.ExpandPerson(v, val.(*ss12000.Person), ex)
	}
	kGroups.expand = func(v *view, val any, ex map[string]bool) any {
		return ss12000serve.ExpandGroup(v, val.(*ss12000.Group), ex)
	}
	kDuties.expand = func(v *view, val any, ex map[string]bool) any {
		return ss12000serve.ExpandDuty(v, val.(*ss12000.Duty), ex)
	}
	kPlacements.expand = func(v *view, val any, ex map[string]bool) any {
		return ss12000serve.ExpandPlacement(v, val.(*ss12000.Placement), ex)
	}
	kActivities.expand = func(v *view, val any, ex map[string]bool) any {
		return ss12000serve.ExpandActivity(v, val.(*ss12000.Activity), ex)
	}
	kCalendarEvents.expand = func(v *view, val any, ex map[string]bool) any {
		return ss12000serve.ExpandCalendarEvent(v, val.(*ss12000.CalendarEvent), ex)
	}
	kAttendanceEvents.expand = func(v *view, val any, ex map[string]bool) any {
		return ss12000serve.ExpandAttendanceEvent(v, val.(*ss12000.AttendanceEvent), ex)
	}
	kAggregatedAttendances.expand = func(v *view, val any, ex map[string]bool) any {
		return ss12000serve.ExpandAggregated(v, &val.(*aggregated).AggregatedAttendance, ex)
	}
}

var _ ss12000serve.Relations = (*view)(nil)
