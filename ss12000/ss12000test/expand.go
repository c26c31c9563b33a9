package ss12000test

import (
	"encoding/json"
	"reflect"
	"sync"

	openapi_types "github.com/oapi-codegen/runtime/types"

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

// nameOf returns the display name for a reference to id (any kind), or "".
func (v *view) nameOf(id string) string {
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
				v.names[id] = personName(p.val.(*ss12000.Person)) + " (" + string(d.DutyRole) + ")"
			}
		}
		for id, rec := range v.st.table(kPlacements).byID {
			pl := rec.val.(*ss12000.Placement)
			if p := v.st.get(kPersons, pl.Child.ID); p != nil {
				v.names[id] = personName(p.val.(*ss12000.Person))
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

// renderSpec says how records are sent: as stored, or expanded and/or with reference names.
type renderSpec struct {
	expand   map[string]bool
	refNames bool
}

func (rs renderSpec) plain() bool { return len(rs.expand) == 0 && !rs.refNames }

// render returns the JSON of rec as rs asks. The caller holds s.mu (read).
func (s *Server) render(k *kind, rec *record, rs renderSpec, v *view) []byte {
	if rs.plain() {
		return rec.raw
	}
	out := k.expand(v, rec.val, rs.expand)
	if rs.refNames {
		rv := reflect.New(reflect.TypeOf(out).Elem())
		rv.Elem().Set(reflect.ValueOf(out).Elem())
		fillNames(rv.Elem(), v)
		out = rv.Interface()
	}
	b, err := json.Marshal(out)
	if err != nil {
		return rec.raw
	}
	return b
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

// fillNames sets displayName on every reference inside v (addressable) that has none. Slices
// are copied before they are changed, so stored records, which share their slices with the
// value being rendered, are never touched.
func fillNames(v reflect.Value, names *view) {
	t := v.Type()
	if !hasRefs(t) {
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		if t == objRefType || t == personRefType {
			dn := v.FieldByName("DisplayName")
			if dn.String() == "" {
				if n := names.nameOf(v.FieldByName("ID").String()); n != "" {
					dn.SetString(n)
				}
			}
			return
		}
		for i := 0; i < t.NumField(); i++ {
			if t.Field(i).IsExported() {
				fillNames(v.Field(i), names)
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
			fillNames(cp.Index(i), names)
		}
	}
}

// initExpanders sets the expand function of the kinds that have something to expand.
func initExpanders() {
	kPersons.expand = func(v *view, val any, ex map[string]bool) any {
		p := val.(*ss12000.Person)
		out := ss12000.PersonExpanded{
			Addresses: p.Addresses, BirthDate: p.BirthDate, CivicNo: p.CivicNo,
			EduPersonPrincipalNames: p.EduPersonPrincipalNames, Emails: p.Emails, Enrolments: p.Enrolments,
			ExternalIdentifiers: p.ExternalIdentifiers, FamilyName: p.FamilyName, GivenName: p.GivenName,
			ID: p.ID, Meta: p.Meta, MiddleName: p.MiddleName, PersonStatus: p.PersonStatus,
			PhoneNumbers: p.PhoneNumbers, Photo: p.Photo, Responsibles: p.Responsibles,
			SecurityMarking: p.SecurityMarking, Sex: p.Sex,
		}
		if ex["duties"] {
			for _, r := range v.dutiesByPerson[p.ID] {
				out.Embedded.Duties = append(out.Embedded.Duties, *r.val.(*ss12000.Duty))
			}
		}
		if ex["placements"] {
			for _, r := range v.placementsByChild[p.ID] {
				out.Embedded.Placements = append(out.Embedded.Placements, *r.val.(*ss12000.Placement))
			}
		}
		if ex["ownedPlacements"] {
			for _, r := range v.placementsByOwner[p.ID] {
				out.Embedded.OwnedPlacements = append(out.Embedded.OwnedPlacements, *r.val.(*ss12000.Placement))
			}
		}
		if ex["responsibleFor"] {
			for _, rf := range v.responsibleFor[p.ID] {
				c := rf.child.val.(*ss12000.Person)
				out.Embedded.ResponsibleFor = append(out.Embedded.ResponsibleFor, ss12000.Responsible{
					Person:       ss12000.PersonReference{ID: c.ID, SecurityMarking: c.SecurityMarking},
					RelationType: rf.rel,
				})
			}
		}
		if ex["groupMemberships"] {
			for _, m := range v.memberships[p.ID] {
				out.Embedded.GroupMemberships = append(out.Embedded.GroupMemberships, ss12000.PersonGroupMembership{
					Group: fragment(m.group.val.(*ss12000.Group)), StartDate: m.start, EndDate: m.end,
				})
			}
		}
		return &out
	}
	kGroups.expand = func(v *view, val any, ex map[string]bool) any {
		g := val.(*ss12000.Group)
		out := ss12000.GroupExpanded{
			DisplayName: g.DisplayName, EndDate: g.EndDate, GroupMemberships: g.GroupMemberships,
			GroupType: g.GroupType, ID: g.ID, Meta: g.Meta, Organisation: g.Organisation,
			SchoolType: g.SchoolType, StartDate: g.StartDate,
		}
		if ex["assignmentRoles"] {
			out.Embedded.AssignmentRoles = v.rolesByGroup[g.ID]
		}
		return &out
	}
	kDuties.expand = func(v *view, val any, ex map[string]bool) any {
		d := val.(*ss12000.Duty)
		out := ss12000.DutyExpanded{
			AssignmentRole: d.AssignmentRole, Description: d.Description, DutyAt: d.DutyAt,
			DutyPercent: d.DutyPercent, DutyRole: d.DutyRole, EndDate: d.EndDate, HoursPerYear: d.HoursPerYear,
			ID: d.ID, Meta: d.Meta, Person: d.Person, Signature: d.Signature, StartDate: d.StartDate,
		}
		if ex["person"] {
			if p := typed[ss12000.Person](v, kPersons, d.Person.ID); p != nil {
				out.Embedded.Person = *p
			}
		}
		return &out
	}
	kPlacements.expand = func(v *view, val any, ex map[string]bool) any {
		p := val.(*ss12000.Placement)
		out := ss12000.PlacementExpanded{
			Child: p.Child, EndDate: p.EndDate, Group: p.Group, ID: p.ID,
			MaxWeeklyScheduleHours: p.MaxWeeklyScheduleHours, Meta: p.Meta, Owners: p.Owners,
			PlacedAt: p.PlacedAt, Reason: p.Reason, SchoolType: p.SchoolType, StartDate: p.StartDate,
		}
		if ex["child"] {
			if c := typed[ss12000.Person](v, kPersons, p.Child.ID); c != nil {
				out.Embedded.Child = *c
			}
		}
		if ex["owners"] {
			for _, o := range p.Owners {
				if op := typed[ss12000.Person](v, kPersons, o.ID); op != nil {
					out.Embedded.Owners = append(out.Embedded.Owners, *op)
				}
			}
		}
		return &out
	}
	kActivities.expand = func(v *view, val any, ex map[string]bool) any {
		a := val.(*ss12000.Activity)
		out := ss12000.ActivityExpanded{
			ActivityType: a.ActivityType, CalendarEventsRequired: a.CalendarEventsRequired, Comment: a.Comment,
			DisplayName: a.DisplayName, EndDate: a.EndDate, Groups: a.Groups, ID: a.ID, Meta: a.Meta,
			MinutesPlanned: a.MinutesPlanned, Organisation: a.Organisation, ParentActivity: a.ParentActivity,
			StartDate: a.StartDate, Syllabus: a.Syllabus, Teachers: a.Teachers,
		}
		if ex["groups"] {
			for _, g := range a.Groups {
				if gr := typed[ss12000.Group](v, kGroups, g.ID); gr != nil {
					out.Embedded.Groups = append(out.Embedded.Groups, *gr)
				}
			}
		}
		if ex["syllabus"] {
			if sy := typed[ss12000.Syllabus](v, kSyllabuses, a.Syllabus.ID); sy != nil {
				out.Embedded.Syllabus = *sy
			}
		}
		if ex["teachers"] {
			for _, t := range a.Teachers {
				if d := typed[ss12000.Duty](v, kDuties, t.Duty.ID); d != nil {
					out.Embedded.Teachers = append(out.Embedded.Teachers, *d)
				}
			}
		}
		return &out
	}
	kCalendarEvents.expand = func(v *view, val any, ex map[string]bool) any {
		c := *val.(*ss12000.CalendarEvent)
		if ex["activity"] {
			if a := typed[ss12000.Activity](v, kActivities, c.Activity.ID); a != nil {
				c.Embedded.Activity = *a
			}
		}
		if ex["attendance"] {
			for _, r := range v.attendancesByCE[c.ID] {
				c.Embedded.Attendance = append(c.Embedded.Attendance, *r.val.(*ss12000.Attendance))
			}
		}
		return &c
	}
	kAttendanceEvents.expand = func(v *view, val any, ex map[string]bool) any {
		a := *val.(*ss12000.AttendanceEvent)
		if ex["group"] {
			if g := typed[ss12000.Group](v, kGroups, a.Group.ID); g != nil {
				a.Embedded.Group = fragment(g)
			}
		}
		if ex["person"] {
			if p := typed[ss12000.Person](v, kPersons, a.Person.ID); p != nil {
				a.Embedded.Person = *p
			}
		}
		if ex["registeredBy"] {
			if p := typed[ss12000.Person](v, kPersons, a.RegisteredBy.ID); p != nil {
				a.Embedded.RegisteredBy = *p
			}
		}
		return &a
	}
	kAggregatedAttendances.expand = func(v *view, val any, ex map[string]bool) any {
		a := val.(*aggregated).AggregatedAttendance
		if ex["activity"] {
			if ac := typed[ss12000.Activity](v, kActivities, a.Activity.ID); ac != nil {
				a.Embedded.Activity = *ac
			}
		}
		if ex["student"] {
			if p := typed[ss12000.Person](v, kPersons, a.Student.ID); p != nil {
				a.Embedded.Student = *p
			}
		}
		return &a
	}
}

// fragment is a group without its memberships.
func fragment(g *ss12000.Group) ss12000.GroupFragment {
	return ss12000.GroupFragment{
		DisplayName: g.DisplayName, EndDate: g.EndDate, GroupType: g.GroupType, ID: g.ID, Meta: g.Meta,
		Organisation: g.Organisation, SchoolType: g.SchoolType, StartDate: g.StartDate,
	}
}
