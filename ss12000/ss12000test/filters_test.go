package ss12000test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/edusync/edusync/internal/testclock"
	"github.com/edusync/edusync/ss12000"
)

// sampleFacts are records of the sample school the filter tests refer to.
type sampleFacts struct {
	huvudman, gr, gy string
	student0         ss12000.Person
	teacherGR0       ss12000.Duty
}

func facts(t *testing.T, s *Server) sampleFacts {
	t.Helper()
	var f sampleFacts
	for _, o := range All[ss12000.Organisation](s) {
		switch o.DisplayName {
		case SampleHuvudmanName:
			f.huvudman = o.ID
		case SampleGRUnitName:
			f.gr = o.ID
		case SampleGYUnitName:
			f.gy = o.ID
		}
	}
	var ok bool
	if f.student0, ok = Get[ss12000.Person](s, sampleID("student/0")); !ok {
		t.Fatal("no student 0")
	}
	if f.teacherGR0, ok = Get[ss12000.Duty](s, sampleID("duty/teacher-gr/0")); !ok {
		t.Fatal("no teacher duty")
	}
	return f
}

type filterCase struct {
	name string
	path string
	q    url.Values
	want int
	// check, when set, is called with the ids.
	check func(t *testing.T, ids []string)
}

func runFilterCases(t *testing.T, s *Server, cases []filterCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newClient(t, s)
			q := url.Values{}
			for k, v := range tc.q {
				q[k] = v
			}
			q.Set("limit", "40")
			ids, _ := c.listIDs(tc.path, q)
			if len(ids) != tc.want {
				t.Errorf("%d records, want %d", len(ids), tc.want)
			}
			if tc.check != nil {
				tc.check(t, ids)
			}
		})
	}
}

func TestPersonFilters(t *testing.T) {
	s := NewServer(WithDataset(SampleSchool()))
	defer s.Close()
	f := facts(t, s)
	palle := Upsert(s, ss12000.Person{GivenName: "Palle", FamilyName: "Girgensohn"})[0]
	persons := All[ss12000.Person](s)
	containsStrom := 0
	for _, p := range persons {
		if strings.Contains(strings.ToLower(p.GivenName+"|"+p.FamilyName), "ström") {
			containsStrom++
		}
	}
	if containsStrom == 0 {
		t.Fatal("sample has no Ström")
	}
	is := func(want ...string) func(t *testing.T, ids []string) {
		return func(t *testing.T, ids []string) {
			if d := cmp.Diff(want, ids); d != "" {
				t.Errorf("ids (-want +got):\n%s", d)
			}
		}
	}
	civic := f.student0.CivicNo.Value
	runFilterCases(t, s, []filterCase{
		{"nameContains across names", "/persons", vals("nameContains", "Pa", "nameContains", "gens"), 1, is(palle.ID)},
		{"nameContains comma list", "/persons", vals("nameContains", "pa,GENS"), 1, is(palle.ID)},
		{"nameContains case-insensitive diacritics", "/persons", vals("nameContains", "STRÖM"), containsStrom, nil},
		{"nameContains no match", "/persons", vals("nameContains", "Pa", "nameContains", "xyz"), 0, nil},
		{"civicNo", "/persons", vals("civicNo", civic), 1, is(f.student0.ID)},
		{"civicNo with hyphen", "/persons", vals("civicNo", civic[:8]+"-"+civic[8:]), 1, is(f.student0.ID)},
		{"civicNo unknown", "/persons", vals("civicNo", "190001019999"), 0, nil},
		{"eppn", "/persons", vals("eduPersonPrincipalName", strings.ToUpper(f.student0.EduPersonPrincipalNames[0])), 1, is(f.student0.ID)},
		{"identifier value", "/persons", vals("identifier.value", "SP-20003"), 1, is(sampleID("student/3"))},
		{"identifier context", "/persons", vals("identifier.context", "https://skolplattform.exempelby.se"), 15, nil},
		{"identifier value and wrong context", "/persons", vals("identifier.value", "SP-20003", "identifier.context", "other"), 0, nil},
		{"relationship enrolment", "/persons", vals("relationship.entity.type", "enrolment"), 144, nil},
		{"relationship enrolment at GR", "/persons", vals("relationship.entity.type", "enrolment", "relationship.organisation", f.gr), 96, nil},
		{"relationship duty", "/persons", vals("relationship.entity.type", "duty"), 26, nil},
		{"relationship duty at GY", "/persons", vals("relationship.entity.type", "duty", "relationship.organisation", f.gy), 12, nil},
		{"relationship guardians", "/persons", vals("relationship.entity.type", "responsibleFor.enrolment"), 144, nil},
		{"relationship guardians at GY", "/persons", vals("relationship.entity.type", "responsibleFor.enrolment", "relationship.organisation", f.gy), 72, nil},
		{"relationship group members and mentors", "/persons", vals("relationship.entity.type", "groupMembership"), 144 + 9, nil},
		{"relationship any at GY", "/persons", vals("relationship.organisation", f.gy), 48 + 72 + 12, nil}, // GY mentors are GY staff already,
		{"relationship placements", "/persons", vals("relationship.entity.type", "placement.child"), 0, nil},
		{"enrolments started this year", "/persons", vals("relationship.entity.type", "enrolment", "relationship.startDate.onOrAfter", "2025-08-01"), 48, nil},
		{"enrolments started before", "/persons", vals("relationship.entity.type", "enrolment", "relationship.startDate.onOrBefore", "2025-07-31"), 96, nil},
		// An end date that is not set always passes: only the leavers are filtered out.
		{"enrolments ending before June", "/persons", vals("relationship.entity.type", "enrolment", "relationship.endDate.onOrBefore", "2026-01-01"), 96, nil},
		{"enrolments ending after", "/persons", vals("relationship.entity.type", "enrolment", "relationship.endDate.onOrAfter", "2026-06-12"), 144, nil},
		{"everyone", "/persons", nil, 315, nil},
	})
}

func TestPersonPlacementRelationships(t *testing.T) {
	ds := Dataset{
		Organisations: []ss12000.Organisation{{ID: "fs1", DisplayName: "Förskolan Ekorren", OrganisationType: ss12000.OrganisationTypeSkolenhet}},
		Persons: []ss12000.Person{
			{ID: "child", GivenName: "Liv", FamilyName: "Ek", Responsibles: []ss12000.Responsible{{Person: ss12000.PersonReference{ID: "parent"}, RelationType: ss12000.RelationTypesVardnadshavare}}},
			{ID: "parent", GivenName: "Ola", FamilyName: "Ek"},
			{ID: "owner", GivenName: "Kim", FamilyName: "Ek"},
			{ID: "other", GivenName: "Ann", FamilyName: "Berg"},
		},
		Groups: []ss12000.Group{{ID: "avd", DisplayName: "Avdelning Ekorren", GroupType: ss12000.GroupTypesAvdelning, Organisation: ss12000.OrganisationReference{ID: "fs1"}}},
		Placements: []ss12000.Placement{{
			ID: "pl1", Child: ss12000.PersonReference{ID: "child"}, Owners: []ss12000.PersonReference{{ID: "owner"}},
			PlacedAt: ss12000.SchoolUnitReference{ID: "fs1"}, Group: ss12000.GroupReference{ID: "avd"},
			SchoolType: ss12000.PlacementSchoolTypeFS, StartDate: day("2025-01-07"),
		}},
	}
	s := NewServer(WithDataset(ds))
	defer s.Close()
	one := func(id string) func(t *testing.T, ids []string) {
		return func(t *testing.T, ids []string) {
			if len(ids) != 1 || ids[0] != id {
				t.Errorf("ids %v, want [%s]", ids, id)
			}
		}
	}
	runFilterCases(t, s, []filterCase{
		{"placement.child", "/persons", vals("relationship.entity.type", "placement.child", "relationship.organisation", "fs1"), 1, one("child")},
		{"placement.owner", "/persons", vals("relationship.entity.type", "placement.owner"), 1, one("owner")},
		{"responsibleFor.placement", "/persons", vals("relationship.entity.type", "responsibleFor.placement"), 1, one("parent")},
		{"placement started after", "/persons", vals("relationship.entity.type", "placement.child", "relationship.startDate.onOrAfter", "2025-02-01"), 0, nil},
		{"placements by child", "/placements", vals("child", "child"), 1, nil},
		{"placements by owner", "/placements", vals("owner", "owner"), 1, nil},
		{"placements by other owner", "/placements", vals("owner", "child"), 0, nil},
		{"placements by organisation", "/placements", vals("organisation", "fs1"), 1, nil},
		{"placements by group", "/placements", vals("group", "avd"), 1, nil},
		{"placements by start", "/placements", vals("startDate.onOrAfter", "2025-01-08"), 0, nil},
	})
}

func TestOrganisationGroupDutyFilters(t *testing.T) {
	s := NewServer(WithDataset(SampleSchool()))
	defer s.Close()
	f := facts(t, s)
	runFilterCases(t, s, []filterCase{
		{"orgs by parent", "/organisations", vals("parent", f.huvudman), 2, nil},
		{"orgs by school unit code", "/organisations", vals("schoolUnitCode", SampleGRUnitCode), 1, nil},
		{"orgs by two codes", "/organisations", vals("schoolUnitCode", SampleGRUnitCode, "schoolUnitCode", SampleGYUnitCode), 2, nil},
		{"orgs by organisation code", "/organisations", vals("organisationCode", "EXBY"), 1, nil},
		{"orgs by municipality", "/organisations", vals("municipalityCode", SampleMunicipality), 3, nil},
		{"orgs by type", "/organisations", vals("type", "Skolenhet"), 2, nil},
		{"orgs by types", "/organisations", vals("type", "Skolenhet", "type", "Huvudman"), 3, nil},
		{"orgs by school type", "/organisations", vals("schoolTypes", "GY"), 1, nil},
		{"orgs started before 2000", "/organisations", vals("startDate.onOrBefore", "1999-12-31"), 1, nil}, // the Huvudman has no start date
		{"groups by type", "/groups", vals("groupType", "Klass"), 9, nil},
		{"groups by types", "/groups", vals("groupType", "Klass,Undervisning"), 27, nil},
		{"groups by school type", "/groups", vals("schoolTypes", "GY"), 9, nil},
		{"groups by organisation", "/groups", vals("organisation", f.gr), 18, nil},
		{"groups started later", "/groups", vals("startDate.onOrAfter", "2025-09-01"), 0, nil},
		{"groups ending by summer", "/groups", vals("endDate.onOrBefore", "2026-06-30"), 27, nil},
		{"groups ending earlier", "/groups", vals("endDate.onOrBefore", "2026-06-11"), 0, nil},
		{"duties by role", "/duties", vals("dutyRole", "Rektor"), 2, nil},
		{"duties by organisation", "/duties", vals("organisation", f.gy), 12, nil},
		{"duties by person", "/duties", vals("person", f.teacherGR0.Person.ID), 1, nil},
		{"duties by role and organisation", "/duties", vals("dutyRole", "Lärare", "organisation", f.gr), 12, nil},
		{"programmes by code", "/programmes", vals("code", "NA"), 1, nil},
		{"programmes by school type", "/programmes", vals("schoolType", "GR"), 0, nil},
		{"offerings by organisation", "/schoolUnitOfferings", vals("organisation", f.gy), 1, nil},
		{"rooms by organisation", "/rooms", vals("organisation", f.gy), 2, nil},
		{"resources by organisation", "/resources", vals("organisation", f.gr), 1, nil},
		{"syllabuses", "/syllabuses", nil, 4, nil},
	})
	c := newClient(t, s)
	for _, q := range []url.Values{
		vals("type", "Kommun"), vals("schoolTypes", "XX"), vals("groupType", "Klass"),
	} {
		if a := c.do("GET", "/organisations", q, nil); a.status != 400 {
			t.Errorf("organisations %v: %d", q, a.status)
		}
	}
	if a := c.do("GET", "/duties", vals("dutyRole", "Vaktmästare"), nil); a.status != 400 {
		t.Errorf("unknown duty role: %d", a.status)
	}
}

func TestActivityAndCalendarFilters(t *testing.T) {
	s := NewServer(WithDataset(SampleSchool()))
	defer s.Close()
	f := facts(t, s)
	week := vals("startTime.onOrAfter", "2025-09-01T00:00:00Z", "startTime.onOrBefore", "2025-09-07T23:59:59Z")
	with := func(q url.Values, kv ...string) url.Values {
		out := url.Values{}
		for k, v := range q {
			out[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			out.Set(kv[i], kv[i+1])
		}
		return out
	}
	class7A := sampleID("group/class/7A")
	teaching7AMa := sampleID("group/teaching/7A/gr-ma")
	runFilterCases(t, s, []filterCase{
		{"activities", "/activities", nil, 18, nil},
		{"activities by member", "/activities", vals("member", f.student0.ID), 2, nil},
		{"activities by teacher duty", "/activities", vals("teacher", f.teacherGR0.ID), 1, nil},
		{"activities by organisation", "/activities", vals("organisation", f.gy), 6, nil},
		{"activities by group", "/activities", vals("group", teaching7AMa), 1, nil},
		{"activities by class (not their group)", "/activities", vals("group", class7A), 0, nil},
		{"activities ending later", "/activities", vals("endDate.onOrAfter", "2026-07-01"), 0, nil},
		{"events of the week", "/calendarEvents", week, 36, nil},
		{"events of one day", "/calendarEvents", vals("startTime.onOrAfter", "2025-09-01T00:00:00Z", "startTime.onOrBefore", "2025-09-01T23:59:59Z"), 6, nil},
		{"events of a student", "/calendarEvents", with(week, "student", f.student0.ID), 4, nil},
		{"events of a teacher", "/calendarEvents", with(week, "teacher", f.teacherGR0.ID), 2, nil},
		{"events at GY", "/calendarEvents", with(week, "organisation", f.gy), 12, nil},
		{"events of a group", "/calendarEvents", with(week, "group", teaching7AMa), 2, nil},
		{"events ending early", "/calendarEvents", with(week, "endTime.onOrBefore", "2025-09-01T06:30:00Z"), 0, nil},
		{"events sorted", "/calendarEvents", with(week, "sortkey", "StartTimeDesc"), 36, nil},
	})
	c := newClient(t, s)
	for _, q := range []url.Values{nil, vals("startTime.onOrAfter", "2025-09-01T00:00:00Z")} {
		a := c.do("GET", "/calendarEvents", q, nil)
		if a.status != 400 {
			t.Errorf("calendarEvents without the required range %v: %d", q, a.status)
		}
	}
}

func TestMetaFilters(t *testing.T) {
	clock := testclock.New(time2026)
	s := NewServer(WithDataset(Dataset{}), WithClock(clock.Now), WithTimestampResolution(time.Second))
	defer s.Close()
	t0 := time2026
	Upsert(s, ss12000.Person{ID: "a", GivenName: "A", FamilyName: "A"})
	clock.Advance(400 * time.Millisecond)
	Upsert(s, ss12000.Person{ID: "b", GivenName: "B", FamilyName: "B"}) // same second as a
	clock.Advance(time.Second)
	Upsert(s, ss12000.Person{ID: "c", GivenName: "C", FamilyName: "C"})
	clock.Advance(time.Second)
	if _, err := Modify(s, "a", func(p *ss12000.Person) { p.GivenName = "A2" }); err != nil {
		t.Fatal(err)
	}
	a, _ := Get[ss12000.Person](s, "a")
	b, _ := Get[ss12000.Person](s, "b")
	if !a.Meta.Created.Equal(t0) || !b.Meta.Created.Equal(t0) || !a.Meta.Modified.Equal(t0.Add(2*time.Second)) {
		t.Fatalf("meta not stamped in whole seconds: a %+v b %+v", a.Meta, b.Meta)
	}
	ts := func(d time.Duration) string { return t0.Add(d).Format(time.RFC3339Nano) }
	runFilterCases(t, s, []filterCase{
		{"modified after t0 (exclusive)", "/persons", vals("meta.modified.after", ts(0)), 2, nil},
		{"modified after t0-1ns", "/persons", vals("meta.modified.after", ts(-1)), 3, nil},
		{"modified before t0+1s (exclusive)", "/persons", vals("meta.modified.before", ts(time.Second)), 1, nil},
		{"created after t0", "/persons", vals("meta.created.after", ts(0)), 1, nil},
		{"created before t0+1s", "/persons", vals("meta.created.before", ts(time.Second)), 2, nil},
		{"window", "/persons", vals("meta.modified.after", ts(0), "meta.modified.before", ts(2*time.Second)), 1, nil},
	})
}

func TestOtherResourceFilters(t *testing.T) {
	at := func(s string) time.Time { t, _ := time.Parse(time.RFC3339, s); return t }
	ds := Dataset{
		Persons:    []ss12000.Person{{ID: "st", GivenName: "S", FamilyName: "T"}, {ID: "te", GivenName: "T", FamilyName: "E"}},
		Groups:     []ss12000.Group{{ID: "g1", DisplayName: "G1", GroupType: ss12000.GroupTypesKlass, GroupMemberships: []ss12000.GroupMembership{{Person: ss12000.PersonReference{ID: "st"}}}, Organisation: ss12000.OrganisationReference{ID: "o1"}}},
		Activities: []ss12000.Activity{{ID: "act", DisplayName: "A", Groups: []ss12000.GroupReference{{ID: "g1"}}, Organisation: ss12000.OrganisationReference{ID: "o1"}, Syllabus: ss12000.SyllabusReference{ID: "sy"}}},
		Syllabuses: []ss12000.Syllabus{{ID: "sy", SubjectName: "Slöjd", SchoolType: ss12000.SchoolTypesGR}},
		CalendarEvents: []ss12000.CalendarEvent{{ID: "ce", Activity: ss12000.ActivityReference{ID: "act"},
			StartTime: at("2026-01-12T08:00:00Z"), EndTime: at("2026-01-12T09:00:00Z")}},
		Attendances: []ss12000.Attendance{
			{ID: "at1", CalendarEvent: ss12000.CalendarEventReference{ID: "ce"}, Student: ss12000.PersonReference{ID: "st"}, IsReported: true},
			{ID: "at2", CalendarEvent: ss12000.CalendarEventReference{ID: "other"}, Student: ss12000.PersonReference{ID: "te"}},
		},
		AttendanceEvents: []ss12000.AttendanceEvent{{ID: "ae", EventType: ss12000.AttendanceEventEventTypeIn, Group: ss12000.GroupReference{ID: "g1"}, Person: ss12000.PersonReference{ID: "st"}, Time: at("2026-01-12T07:55:00Z")}},
		Placements:       []ss12000.Placement{{ID: "pl", Child: ss12000.PersonReference{ID: "st"}, Group: ss12000.GroupReference{ID: "g1"}, StartDate: day("2025-08-01")}},
		AttendanceSchedules: []ss12000.AttendanceSchedule{{ID: "as", Placement: ss12000.PlacementReference{ID: "pl"}, NumberOfWeeks: 1, StartDate: day("2025-08-01"),
			State: []ss12000.AttendanceScheduleState{{State: ss12000.AttendanceScheduleStateStateGodkant, RegisteredAt: at("2025-07-01T10:00:00Z")}}}},
		Grades: []ss12000.Grade{{ID: "gr", Student: ss12000.PersonReference{ID: "st"}, GradingTeacher: ss12000.PersonReference{ID: "te"}, RegisteredBy: ss12000.PersonReference{ID: "te"},
			Organisation: ss12000.SchoolUnitReference{ID: "o1"}, GradeValue: "A", RegisteredDate: day("2026-01-10"), Syllabus: ss12000.SyllabusReference{ID: "sy"}}},
		Absences: []ss12000.Absence{{ID: "ab", Student: ss12000.PersonReference{ID: "st"}, Type: ss12000.AbsenceAnmaldFranvaro,
			StartTime: at("2026-01-13T00:00:00Z"), EndTime: at("2026-01-13T23:59:00Z"), Organisation: ss12000.SchoolUnitReference{ID: "o1"}}},
		StudyPlans: []ss12000.StudyPlan{{ID: "sp", Student: ss12000.PersonReference{ID: "st"}, StartDate: day("2025-08-01")}},
		AggregatedAttendances: []ss12000.AggregatedAttendance{
			{Activity: ss12000.ActivityReference{ID: "act"}, Student: ss12000.PersonReference{ID: "st"}, StartDate: day("2026-01-01"), EndDate: day("2026-01-31"), AttendanceSum: 600},
			{Activity: ss12000.ActivityReference{ID: "act"}, Student: ss12000.PersonReference{ID: "st"}, StartDate: day("2026-02-01"), EndDate: day("2026-02-28"), AttendanceSum: 500},
		},
	}
	s := NewServer(WithDataset(ds))
	defer s.Close()
	runFilterCases(t, s, []filterCase{
		{"attendances by student", "/attendances", vals("student", "st"), 1, nil},
		{"attendances by event", "/attendances", vals("calendarEvent", "other"), 1, nil},
		{"attendances by organisation", "/attendances", vals("organisation", "o1"), 1, nil},
		{"attendance events by group", "/attendanceEvents", vals("group", "g1"), 1, nil},
		{"attendance events by person", "/attendanceEvents", vals("person", "te"), 0, nil},
		{"schedules by placement", "/attendanceSchedule", vals("placement", "pl"), 1, nil},
		{"schedules by group", "/attendanceSchedule", vals("group", "g1"), 1, nil},
		{"grades by teacher", "/grades", vals("gradingTeacher", "te"), 1, nil},
		{"grades by date", "/grades", vals("registeredDate.onOrAfter", "2026-01-11"), 0, nil},
		{"grades by date inclusive", "/grades", vals("registeredDate.onOrAfter", "2026-01-10", "registeredDate.onOrBefore", "2026-01-10"), 1, nil},
		{"absences by type", "/absences", vals("type", "Anmäld frånvaro"), 1, nil},
		{"absences by other type", "/absences", vals("type", "Beviljad ledighet"), 0, nil},
		{"absences by start", "/absences", vals("startTime.onOrAfter", "2026-01-13T00:00:01Z"), 0, nil},
		{"study plans by student", "/studyplans", vals("student", "st"), 1, nil},
		{"aggregated in January", "/aggregatedAttendance", vals("startDate", "2026-01-01", "endDate", "2026-01-31"), 1, nil},
		{"aggregated in winter", "/aggregatedAttendance", vals("startDate", "2026-01-15", "endDate", "2026-02-15"), 2, nil},
		{"aggregated by school type", "/aggregatedAttendance", vals("startDate", "2026-01-01", "endDate", "2026-12-31", "schoolType", "GY"), 0, nil},
		{"aggregated by organisation", "/aggregatedAttendance", vals("startDate", "2026-01-01", "endDate", "2026-12-31", "organisation", "o1"), 2, nil},
	})
	c := newClient(t, s)
	if a := c.do("GET", "/aggregatedAttendance", nil, nil); a.status != 400 {
		t.Errorf("aggregatedAttendance without dates: %d", a.status)
	}
	var agg ss12000.AggregatedAttendances
	c.get("/aggregatedAttendance", vals("startDate", "2026-01-01", "endDate", "2026-12-31", "student", "st", "expand", "activity"), 200, &agg)
	if len(agg.Data) != 2 || agg.Data[0].Embedded.Activity.ID != "act" {
		t.Errorf("aggregated expand activity: %+v", agg.Data)
	}
	s.SetAggregatedAttendances(nil)
	if ids, _ := c.listIDs("/aggregatedAttendance", vals("startDate", "2026-01-01", "endDate", "2026-12-31")); len(ids) != 0 {
		t.Errorf("after SetAggregatedAttendances(nil): %d records", len(ids))
	}
}
