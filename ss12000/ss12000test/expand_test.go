package ss12000test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/edusync/edusync/ss12000"
)

func TestExpandPersons(t *testing.T) {
	s := NewServer(WithDataset(SampleSchool()))
	defer s.Close()
	c := newClient(t, s)
	f := facts(t, s)
	guardian := f.student0.Responsibles[0].Person.ID
	teacher := f.teacherGR0.Person.ID

	var p ss12000.PersonExpanded
	c.get("/persons/"+f.student0.ID, vals("expand", "groupMemberships"), 200, &p)
	var groups []string
	for _, m := range p.Embedded.GroupMemberships {
		groups = append(groups, m.Group.DisplayName)
	}
	slices.Sort(groups)
	if d := cmp.Diff([]string{"7A", "7A Matematik", "7A Svenska"}, groups); d != "" {
		t.Errorf("groupMemberships (-want +got):\n%s", d)
	}
	if p.Embedded.Duties != nil || p.Embedded.ResponsibleFor != nil {
		t.Error("expanded more than asked for")
	}

	var g ss12000.PersonExpanded
	c.get("/persons/"+guardian, vals("expand", "responsibleFor"), 200, &g)
	var children []string
	for _, r := range g.Embedded.ResponsibleFor {
		if r.RelationType != ss12000.RelationTypesVardnadshavare {
			t.Errorf("relation %q", r.RelationType)
		}
		children = append(children, r.Person.ID)
	}
	if d := cmp.Diff([]string{f.student0.ID, sampleID("student/96")}, children); d != "" {
		t.Errorf("responsibleFor (-want +got):\n%s", d)
	}

	var te ss12000.PersonExpanded
	c.get("/persons/"+teacher, vals("expand", "duties", "expand", "groupMemberships"), 200, &te)
	if len(te.Embedded.Duties) != 1 || te.Embedded.Duties[0].ID != f.teacherGR0.ID || len(te.Embedded.Duties[0].AssignmentRole) != 1 {
		t.Errorf("duties: %+v", te.Embedded.Duties)
	}
	if len(te.Embedded.GroupMemberships) != 0 {
		t.Errorf("a teacher is no group member: %+v", te.Embedded.GroupMemberships)
	}

	// Lists expand every record of the page.
	var page ss12000.PersonsExpanded
	c.get("/persons", vals("relationship.entity.type", "duty", "expand", "duties", "limit", "100"), 200, &page)
	if len(page.Data) != 26 {
		t.Fatalf("%d staff", len(page.Data))
	}
	for _, pe := range page.Data {
		if len(pe.Embedded.Duties) != 1 {
			t.Errorf("%s: %d duties embedded", pe.ID, len(pe.Embedded.Duties))
		}
	}
	// And so do lookups.
	var looked []ss12000.PersonExpanded
	c.post("/persons/lookup", vals("expand", "responsibleFor"), ss12000.PersonsLookup{Ids: []string{guardian}}, 200, &looked)
	if len(looked) != 1 || len(looked[0].Embedded.ResponsibleFor) != 2 {
		t.Errorf("lookup expand: %+v", looked)
	}
	// Continuations keep the expansion of the first request.
	var first, second ss12000.PersonsExpanded
	c.get("/persons", vals("relationship.entity.type", "duty", "expand", "duties", "limit", "13"), 200, &first)
	c.get("/persons", vals("pageToken", first.PageToken), 200, &second)
	if len(second.Data) != 13 || len(second.Data[0].Embedded.Duties) != 1 {
		t.Errorf("second page not expanded: %+v", second.Data[0].Embedded)
	}
}

func TestExpandPlacementsAndOthers(t *testing.T) {
	ds := Dataset{
		Persons: []ss12000.Person{{ID: "child", GivenName: "Liv", FamilyName: "Ek"}, {ID: "o1", GivenName: "Ola", FamilyName: "Ek"}, {ID: "o2", GivenName: "Kim", FamilyName: "Ek"}},
		Placements: []ss12000.Placement{{ID: "pl", Child: ss12000.PersonReference{ID: "child"},
			Owners: []ss12000.PersonReference{{ID: "o1"}, {ID: "o2"}, {ID: "gone"}}, SchoolType: ss12000.PlacementSchoolTypeFS}},
		Groups:         []ss12000.Group{{ID: "g", DisplayName: "Avdelning Ekorren", GroupType: ss12000.GroupTypesAvdelning}},
		Duties:         []ss12000.Duty{{ID: "d", Person: ss12000.PersonReference{ID: "o1"}, DutyRole: ss12000.DutyRoleForskollarare, AssignmentRole: []ss12000.DutyAssignmentRole{{AssignmentRoleType: ss12000.AssignmentRoleTypeMentor, Group: ss12000.GroupReference{ID: "g"}}}}},
		Syllabuses:     []ss12000.Syllabus{{ID: "sy", SubjectName: "Bild"}},
		Activities:     []ss12000.Activity{{ID: "a", DisplayName: "Bild", Groups: []ss12000.GroupReference{{ID: "g"}}, Syllabus: ss12000.SyllabusReference{ID: "sy"}, Teachers: []ss12000.DutyAssignment{{Duty: ss12000.DutyReference{ID: "d"}}}}},
		CalendarEvents: []ss12000.CalendarEvent{{ID: "ce", Activity: ss12000.ActivityReference{ID: "a"}}},
		Attendances:    []ss12000.Attendance{{ID: "at", CalendarEvent: ss12000.CalendarEventReference{ID: "ce"}, Student: ss12000.PersonReference{ID: "child"}}},
		AttendanceEvents: []ss12000.AttendanceEvent{{ID: "ae", Group: ss12000.GroupReference{ID: "g"}, Person: ss12000.PersonReference{ID: "child"},
			RegisteredBy: ss12000.PersonReference{ID: "o1"}, EventType: ss12000.AttendanceEventEventTypeUt}},
	}
	s := NewServer(WithDataset(ds))
	defer s.Close()
	c := newClient(t, s)

	var pl ss12000.PlacementExpanded
	c.get("/placements/pl", vals("expand", "child", "expand", "owners"), 200, &pl)
	if pl.Embedded.Child.GivenName != "Liv" || len(pl.Embedded.Owners) != 2 {
		t.Errorf("placement embedded: %+v", pl.Embedded)
	}
	var child ss12000.PersonExpanded
	c.get("/persons/child", vals("expand", "placements"), 200, &child)
	if len(child.Embedded.Placements) != 1 {
		t.Errorf("placements: %+v", child.Embedded)
	}
	var owner ss12000.PersonExpanded
	c.get("/persons/o2", vals("expand", "ownedPlacements"), 200, &owner)
	if len(owner.Embedded.OwnedPlacements) != 1 {
		t.Errorf("ownedPlacements: %+v", owner.Embedded)
	}
	var g ss12000.GroupExpanded
	c.get("/groups/g", vals("expand", "assignmentRoles"), 200, &g)
	if d := cmp.Diff([]ss12000.GroupAssignmentRole{{AssignmentRoleType: ss12000.AssignmentRoleTypeMentor, Duty: ss12000.DutyReference{ID: "d"}}}, g.Embedded.AssignmentRoles); d != "" {
		t.Errorf("assignmentRoles (-want +got):\n%s", d)
	}
	var d ss12000.DutyExpanded
	c.get("/duties/d", vals("expand", "person"), 200, &d)
	if d.Embedded.Person.ID != "o1" {
		t.Errorf("duty person: %+v", d.Embedded)
	}
	var a ss12000.ActivityExpanded
	c.get("/activities/a", vals("expand", "groups,syllabus,teachers"), 200, &a)
	if len(a.Embedded.Groups) != 1 || a.Embedded.Syllabus.SubjectName != "Bild" || len(a.Embedded.Teachers) != 1 {
		t.Errorf("activity embedded: %+v", a.Embedded)
	}
	var ce ss12000.CalendarEvent
	c.get("/calendarEvents/ce", vals("expand", "activity", "expand", "attendance"), 200, &ce)
	if ce.Embedded.Activity.ID != "a" || len(ce.Embedded.Attendance) != 1 {
		t.Errorf("calendar event embedded: %+v", ce.Embedded)
	}
	var ae ss12000.AttendanceEvent
	c.get("/attendanceEvents/ae", vals("expand", "group", "expand", "person", "expand", "registeredBy"), 200, &ae)
	if ae.Embedded.Group.DisplayName != "Avdelning Ekorren" || ae.Embedded.Person.ID != "child" || ae.Embedded.RegisteredBy.ID != "o1" {
		t.Errorf("attendance event embedded: %+v", ae.Embedded)
	}
	// Expansions a resource does not have are refused, and resources without expand refuse it.
	for _, tc := range [][2]string{{"/groups/g", "person"}, {"/duties/d", "groups"}, {"/syllabuses/sy", "groups"}, {"/persons/child", "owners"}} {
		if a := c.do("GET", tc[0], vals("expand", tc[1]), nil); a.status != 400 {
			t.Errorf("%s expand=%s: %d", tc[0], tc[1], a.status)
		}
	}
}

func TestExpandReferenceNames(t *testing.T) {
	s := NewServer(WithDataset(SampleSchool()))
	defer s.Close()
	c := newClient(t, s)
	f := facts(t, s)

	var plain, named ss12000.PersonExpanded
	c.get("/persons/"+f.student0.ID, nil, 200, &plain)
	if plain.Enrolments[0].EnroledAt.DisplayName != "" || plain.Responsibles[0].Person.DisplayName != "" {
		t.Fatal("names filled in without expandReferenceNames")
	}
	c.get("/persons/"+f.student0.ID, vals("expandReferenceNames", "true", "expand", "groupMemberships"), 200, &named)
	if got := named.Enrolments[0].EnroledAt.DisplayName; got != SampleGRUnitName {
		t.Errorf("enroledAt name %q", got)
	}
	guardian, _ := Get[ss12000.Person](s, f.student0.Responsibles[0].Person.ID)
	if got := named.Responsibles[0].Person.DisplayName; got != guardian.GivenName+" "+guardian.FamilyName {
		t.Errorf("responsible name %q", got)
	}
	if got := named.Embedded.GroupMemberships[0].Group.Organisation.DisplayName; got != SampleGRUnitName {
		t.Errorf("embedded group's organisation name %q", got)
	}
	var d ss12000.DutyExpanded
	c.get("/duties/"+f.teacherGR0.ID, vals("expandReferenceNames", "true"), 200, &d)
	if d.DutyAt.DisplayName != SampleGRUnitName || !strings.Contains(d.Person.DisplayName, " ") || d.AssignmentRole[0].Group.DisplayName != "7A" {
		t.Errorf("duty names: %+v", d)
	}
	var groups ss12000.GroupsExpanded
	c.get("/groups", vals("expandReferenceNames", "true", "groupType", "Klass", "limit", "1"), 200, &groups)
	if groups.Data[0].GroupMemberships[0].Person.DisplayName == "" || groups.Data[0].Organisation.DisplayName == "" {
		t.Errorf("group names: %+v", groups.Data[0])
	}
	var acts ss12000.Activities
	c.get("/activities", vals("expandReferenceNames", "true", "limit", "1"), 200, &acts)
	if a := acts.Data[0]; a.Syllabus.DisplayName == "" || a.Teachers[0].Duty.DisplayName == "" || !strings.HasSuffix(a.Teachers[0].Duty.DisplayName, "(Lärare)") {
		t.Errorf("activity names: %+v", a)
	}
	// Filling in names never changes the stored records.
	after, _ := Get[ss12000.Person](s, f.student0.ID)
	if d := cmp.Diff(f.student0, after); d != "" {
		t.Errorf("stored record changed by rendering:\n%s", d)
	}
	var again ss12000.PersonExpanded
	c.get("/persons/"+f.student0.ID, nil, 200, &again)
	if d := cmp.Diff(plain, again); d != "" {
		t.Errorf("plain answer changed after a named one:\n%s", d)
	}
}

// TestConcurrentReadersAndWriters runs lists with expansion and names while records change;
// with -race it checks that rendering never touches shared data.
func TestConcurrentReadersAndWriters(t *testing.T) {
	s := NewServer(WithDataset(SampleSchool()))
	defer s.Close()
	f := facts(t, s)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			c := newClient(t, s)
			for range 5 {
				q := vals("expandReferenceNames", "true", "limit", "60")
				if w%2 == 0 {
					q.Set("expand", "groupMemberships,responsibleFor,duties")
				}
				if a, err := c.try("GET", "/persons", q, nil); err != nil || a.status != 200 {
					t.Errorf("list: %v %d", err, a.status)
					return
				}
			}
		})
	}
	for i := range 20 {
		if _, err := Modify(s, f.student0.ID, func(p *ss12000.Person) { p.MiddleName = strings.Repeat("x", i%3) }); err != nil {
			t.Error(err)
		}
		Upsert(s, ss12000.Group{DisplayName: "Extra", GroupType: ss12000.GroupTypesOvrigt, GroupMemberships: []ss12000.GroupMembership{{Person: ss12000.PersonReference{ID: f.student0.ID}}}})
	}
	wg.Wait()
}

func TestRecordJSONIsTheGeneratedModel(t *testing.T) {
	// What the server sends for a record decodes into the generated type and encodes back to
	// the same bytes: the fake adds nothing the spec does not know.
	s := NewServer(WithDataset(SampleSchool()))
	defer s.Close()
	c := newClient(t, s)
	a := c.get("/persons/"+sampleID("student/5"), nil, http.StatusOK, nil)
	var p ss12000.Person
	if err := json.Unmarshal(a.body, &p); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(p)
	if !bytes.Equal(b, a.body) {
		t.Errorf("round trip differs:\n%s\n%s", a.body, b)
	}
}
