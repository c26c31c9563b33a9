package ss12000test

import (
	"cmp"
	"strings"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/edusync/edusync/ss12000"
)

// Orders for the sortkey parameter. Every order ends with the id, so it is total and stable;
// strings compare by bytes (no Swedish collation), which is enough to test that a client
// passes the parameter on.

func byString[T any](key func(*T) string, desc bool) func(a, b *record) int {
	return func(a, b *record) int {
		c := strings.Compare(key(val[T](a)), key(val[T](b)))
		if desc {
			c = -c
		}
		if c == 0 {
			c = strings.Compare(a.id, b.id)
		}
		return c
	}
}

func byTime[T any](key func(*T) time.Time, desc bool) func(a, b *record) int {
	return func(a, b *record) int {
		c := key(val[T](a)).Compare(key(val[T](b)))
		if desc {
			c = -c
		}
		if c == 0 {
			c = strings.Compare(a.id, b.id)
		}
		return c
	}
}

func byDate[T any](key func(*T) openapi_types.Date, desc bool) func(a, b *record) int {
	return byTime(func(v *T) time.Time { return key(v).Time }, desc)
}

func modifiedDesc(a, b *record) int {
	if c := b.modified.Compare(a.modified); c != 0 {
		return c
	}
	return cmp.Compare(a.id, b.id)
}

// dateSorts are the StartDate/EndDate orders many resources share.
func dateSorts[T any](start, end func(*T) openapi_types.Date, keys ...string) map[string]func(a, b *record) int {
	m := map[string]func(a, b *record) int{}
	for _, k := range keys {
		switch {
		case strings.HasPrefix(k, "StartDate"):
			m[k] = byDate(start, strings.HasSuffix(k, "Desc"))
		case strings.HasPrefix(k, "EndDate"):
			m[k] = byDate(end, strings.HasSuffix(k, "Desc"))
		}
	}
	return m
}

func initSorts() {
	for _, k := range kinds {
		k.sorts = map[string]func(a, b *record) int{}
	}
	set := func(k *kind, key string, f func(a, b *record) int) { k.sorts[key] = f }
	add := func(k *kind, m map[string]func(a, b *record) int) {
		for key, f := range m {
			k.sorts[key] = f
		}
	}

	set(kOrganisations, string(ss12000.ListOrganisationsParamsSortkeyDisplayNameAsc), byString(func(o *ss12000.Organisation) string { return o.DisplayName }, false))
	set(kOrganisations, string(ss12000.ListOrganisationsParamsSortkeyModifiedDesc), modifiedDesc)

	civic := func(p *ss12000.Person) string { return p.CivicNo.Value }
	family := func(p *ss12000.Person) string { return p.FamilyName }
	given := func(p *ss12000.Person) string { return p.GivenName }
	set(kPersons, string(ss12000.ListPersonsParamsSortkeyCivicNoAsc), byString(civic, false))
	set(kPersons, string(ss12000.ListPersonsParamsSortkeyCivicNoDesc), byString(civic, true))
	set(kPersons, string(ss12000.ListPersonsParamsSortkeyDisplayNameAsc), byString(personName, false))
	set(kPersons, string(ss12000.ListPersonsParamsSortkeyFamilyNameAsc), byString(family, false))
	set(kPersons, string(ss12000.ListPersonsParamsSortkeyFamilyNameDesc), byString(family, true))
	set(kPersons, string(ss12000.ListPersonsParamsSortkeyGivenNameAsc), byString(given, false))
	set(kPersons, string(ss12000.ListPersonsParamsSortkeyGivenNameDesc), byString(given, true))
	set(kPersons, string(ss12000.ListPersonsParamsSortkeyModifiedDesc), modifiedDesc)

	add(kPlacements, dateSorts(func(p *ss12000.Placement) openapi_types.Date { return p.StartDate }, func(p *ss12000.Placement) openapi_types.Date { return p.EndDate },
		string(ss12000.ListPlacementsParamsSortkeyStartDateAsc), string(ss12000.ListPlacementsParamsSortkeyStartDateDesc),
		string(ss12000.ListPlacementsParamsSortkeyEndDateAsc), string(ss12000.ListPlacementsParamsSortkeyEndDateDesc)))
	set(kPlacements, string(ss12000.ListPlacementsParamsSortkeyModifiedDesc), modifiedDesc)

	add(kDuties, dateSorts(func(d *ss12000.Duty) openapi_types.Date { return d.StartDate }, func(d *ss12000.Duty) openapi_types.Date { return d.EndDate },
		string(ss12000.ListDutiesParamsSortkeyStartDateAsc), string(ss12000.ListDutiesParamsSortkeyStartDateDesc)))
	set(kDuties, string(ss12000.ListDutiesParamsSortkeyModifiedDesc), modifiedDesc)

	add(kGroups, dateSorts(func(g *ss12000.Group) openapi_types.Date { return g.StartDate }, func(g *ss12000.Group) openapi_types.Date { return g.EndDate },
		string(ss12000.ListGroupsParamsSortkeyStartDateAsc), string(ss12000.ListGroupsParamsSortkeyStartDateDesc),
		string(ss12000.ListGroupsParamsSortkeyEndDateAsc), string(ss12000.ListGroupsParamsSortkeyEndDateDesc)))
	set(kGroups, string(ss12000.ListGroupsParamsSortkeyDisplayNameAsc), byString(func(g *ss12000.Group) string { return g.DisplayName }, false))
	set(kGroups, string(ss12000.ListGroupsParamsSortkeyModifiedDesc), modifiedDesc)

	set(kProgrammes, string(ss12000.ListProgrammesParamsSortkeyNameAsc), byString(func(p *ss12000.Programme) string { return p.Name }, false))
	set(kProgrammes, string(ss12000.ListProgrammesParamsSortkeyCodeAsc), byString(func(p *ss12000.Programme) string { return p.Code }, false))
	set(kProgrammes, string(ss12000.ListProgrammesParamsSortkeyModifiedDesc), modifiedDesc)

	add(kStudyPlans, dateSorts(func(p *ss12000.StudyPlan) openapi_types.Date { return p.StartDate }, func(p *ss12000.StudyPlan) openapi_types.Date { return p.EndDate },
		string(ss12000.ListStudyPlansParamsSortkeyStartDateAsc), string(ss12000.ListStudyPlansParamsSortkeyStartDateDesc),
		string(ss12000.ListStudyPlansParamsSortkeyEndDateAsc), string(ss12000.ListStudyPlansParamsSortkeyEndDateDesc)))
	set(kStudyPlans, string(ss12000.ListStudyPlansParamsSortkeyModifiedDesc), modifiedDesc)

	for key, f := range map[ss12000.ListSyllabusesParamsSortkey]func(*ss12000.Syllabus) string{
		ss12000.ListSyllabusesParamsSortkeySubjectNameAsc:         func(s *ss12000.Syllabus) string { return s.SubjectName },
		ss12000.ListSyllabusesParamsSortkeySubjectNameDesc:        func(s *ss12000.Syllabus) string { return s.SubjectName },
		ss12000.ListSyllabusesParamsSortkeySubjectCodeAsc:         func(s *ss12000.Syllabus) string { return s.SubjectCode },
		ss12000.ListSyllabusesParamsSortkeySubjectCodeDesc:        func(s *ss12000.Syllabus) string { return s.SubjectCode },
		ss12000.ListSyllabusesParamsSortkeySubjectDesignationAsc:  func(s *ss12000.Syllabus) string { return s.SubjectDesignation },
		ss12000.ListSyllabusesParamsSortkeySubjectDesignationDesc: func(s *ss12000.Syllabus) string { return s.SubjectDesignation },
		ss12000.ListSyllabusesParamsSortkeyCourseCodeAsc:          func(s *ss12000.Syllabus) string { return s.CourseCode },
		ss12000.ListSyllabusesParamsSortkeyCourseCodeDesc:         func(s *ss12000.Syllabus) string { return s.CourseCode },
		ss12000.ListSyllabusesParamsSortkeyCourseNameAsc:          func(s *ss12000.Syllabus) string { return s.CourseName },
		ss12000.ListSyllabusesParamsSortkeyCourseNameDesc:         func(s *ss12000.Syllabus) string { return s.CourseName },
	} {
		set(kSyllabuses, string(key), byString(f, strings.HasSuffix(string(key), "Desc")))
	}
	set(kSyllabuses, string(ss12000.ListSyllabusesParamsSortkeyModifiedDesc), modifiedDesc)

	add(kSchoolUnitOfferings, dateSorts(func(o *ss12000.SchoolUnitOffering) openapi_types.Date { return o.StartDate }, func(o *ss12000.SchoolUnitOffering) openapi_types.Date { return o.EndDate },
		string(ss12000.ListSchoolUnitOfferingsParamsSortkeyStartDateAsc), string(ss12000.ListSchoolUnitOfferingsParamsSortkeyStartDateDesc),
		string(ss12000.ListSchoolUnitOfferingsParamsSortkeyEndDateAsc), string(ss12000.ListSchoolUnitOfferingsParamsSortkeyEndDateDesc)))
	set(kSchoolUnitOfferings, string(ss12000.ListSchoolUnitOfferingsParamsSortkeyModifiedDesc), modifiedDesc)

	set(kActivities, string(ss12000.ListActivitiesParamsSortkeyDisplayNameAsc), byString(func(a *ss12000.Activity) string { return a.DisplayName }, false))
	set(kActivities, string(ss12000.ListActivitiesParamsSortkeyModifiedDesc), modifiedDesc)

	ceStart := func(c *ss12000.CalendarEvent) time.Time { return c.StartTime }
	set(kCalendarEvents, string(ss12000.ListCalendarEventsParamsSortkeyStartTimeAsc), byTime(ceStart, false))
	set(kCalendarEvents, string(ss12000.ListCalendarEventsParamsSortkeyStartTimeDesc), byTime(ceStart, true))
	set(kCalendarEvents, string(ss12000.ListCalendarEventsParamsSortkeyModifiedDesc), modifiedDesc)

	regDate := func(g *ss12000.Grade) openapi_types.Date { return g.RegisteredDate }
	set(kGrades, string(ss12000.ListGradesParamsSortkeyRegisteredDateAsc), byDate(regDate, false))
	set(kGrades, string(ss12000.ListGradesParamsSortkeyRegisteredDateDesc), byDate(regDate, true))
	set(kGrades, string(ss12000.ListGradesParamsSortkeyModifiedDesc), modifiedDesc)

	abStart := func(a *ss12000.Absence) time.Time { return a.StartTime }
	set(kAbsences, string(ss12000.ListAbsencesParamsSortkeyStartTimeAsc), byTime(abStart, false))
	set(kAbsences, string(ss12000.ListAbsencesParamsSortkeyStartTimeDesc), byTime(abStart, true))
	set(kAbsences, string(ss12000.ListAbsencesParamsSortkeyModifiedDesc), modifiedDesc)

	set(kResources, string(ss12000.ListResourcesParamsSortkeyDisplayNameAsc), byString(func(r *ss12000.Resource) string { return r.DisplayName }, false))
	set(kResources, string(ss12000.ListResourcesParamsSortkeyModifiedDesc), modifiedDesc)
	set(kRooms, string(ss12000.ListRoomsParamsSortkeyDisplayNameAsc), byString(func(r *ss12000.Room) string { return r.DisplayName }, false))
	set(kRooms, string(ss12000.ListRoomsParamsSortkeyModifiedDesc), modifiedDesc)
}
