package ss12000serve

import (
	"slices"
	"strings"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/edusync/edusync/ss12000"
)

// SortKey is one order of the sortkey parameter: Key gives each record a string that sorts
// bytewise in the order (times and dates in a fixed-width UTC form), Desc reverses it. Records
// with equal keys follow in id order, so every order is total and stable. Strings compare by
// bytes (no Swedish collation).
type SortKey[T any] struct {
	Key  func(*T) string
	Desc bool
}

// Keyed is a record's sort key and id, for SortKeyed.
type Keyed struct{ Key, ID string }

// SortKeyed sorts items by key (descending when desc) and then by id, ascending.
func SortKeyed(items []Keyed, desc bool) {
	slices.SortFunc(items, func(a, b Keyed) int {
		c := strings.Compare(a.Key, b.Key)
		if desc {
			c = -c
		}
		if c == 0 {
			c = strings.Compare(a.ID, b.ID)
		}
		return c
	})
}

// TimeKey renders t so that keys sort in time order: UTC, fixed width, nanoseconds.
func TimeKey(t time.Time) string {
	t = t.UTC()
	if y := t.Year(); y < 0 || y > 9999 {
		t = t.AddDate(max(0, min(9999, y))-y, 0, 0)
	}
	return t.Format("2006-01-02T15:04:05.000000000")
}

func dateKey(d openapi_types.Date) string { return TimeKey(d.Time) }

func str[T any](key func(*T) string, desc bool) SortKey[T] { return SortKey[T]{Key: key, Desc: desc} }

func date[T any](key func(*T) openapi_types.Date, desc bool) SortKey[T] {
	return SortKey[T]{Key: func(v *T) string { return dateKey(key(v)) }, Desc: desc}
}

func tm[T any](key func(*T) time.Time, desc bool) SortKey[T] {
	return SortKey[T]{Key: func(v *T) string { return TimeKey(key(v)) }, Desc: desc}
}

func modifiedDesc[T any](meta func(*T) *ss12000.Meta) SortKey[T] {
	return SortKey[T]{Key: func(v *T) string { return TimeKey(meta(v).Modified) }, Desc: true}
}

// dateSorts are the StartDate/EndDate orders many resources share.
func dateSorts[T any](m map[string]SortKey[T], start, end func(*T) openapi_types.Date, keys ...string) {
	for _, k := range keys {
		switch {
		case strings.HasPrefix(k, "StartDate"):
			m[k] = date(start, strings.HasSuffix(k, "Desc"))
		case strings.HasPrefix(k, "EndDate"):
			m[k] = date(end, strings.HasSuffix(k, "Desc"))
		}
	}
}

// PersonName is a person's full name, given, middle and family, as sorts and reference names
// show it.
func PersonName(p *ss12000.Person) string {
	n := p.GivenName
	if p.MiddleName != "" {
		n += " " + p.MiddleName
	}
	if p.FamilyName != "" {
		n += " " + p.FamilyName
	}
	return n
}

// The orders each list operation accepts, by sortkey value.
var (
	OrganisationSorts = map[string]SortKey[ss12000.Organisation]{
		string(ss12000.ListOrganisationsParamsSortkeyDisplayNameAsc): str(func(o *ss12000.Organisation) string { return o.DisplayName }, false),
		string(ss12000.ListOrganisationsParamsSortkeyModifiedDesc):   modifiedDesc(func(o *ss12000.Organisation) *ss12000.Meta { return &o.Meta }),
	}
	PersonSorts = map[string]SortKey[ss12000.Person]{
		string(ss12000.ListPersonsParamsSortkeyCivicNoAsc):     str(func(p *ss12000.Person) string { return p.CivicNo.Value }, false),
		string(ss12000.ListPersonsParamsSortkeyCivicNoDesc):    str(func(p *ss12000.Person) string { return p.CivicNo.Value }, true),
		string(ss12000.ListPersonsParamsSortkeyDisplayNameAsc): str(PersonName, false),
		string(ss12000.ListPersonsParamsSortkeyFamilyNameAsc):  str(func(p *ss12000.Person) string { return p.FamilyName }, false),
		string(ss12000.ListPersonsParamsSortkeyFamilyNameDesc): str(func(p *ss12000.Person) string { return p.FamilyName }, true),
		string(ss12000.ListPersonsParamsSortkeyGivenNameAsc):   str(func(p *ss12000.Person) string { return p.GivenName }, false),
		string(ss12000.ListPersonsParamsSortkeyGivenNameDesc):  str(func(p *ss12000.Person) string { return p.GivenName }, true),
		string(ss12000.ListPersonsParamsSortkeyModifiedDesc):   modifiedDesc(func(p *ss12000.Person) *ss12000.Meta { return &p.Meta }),
	}
	PlacementSorts     = map[string]SortKey[ss12000.Placement]{}
	DutySorts          = map[string]SortKey[ss12000.Duty]{}
	GroupSorts         = map[string]SortKey[ss12000.Group]{}
	ProgrammeSorts     = map[string]SortKey[ss12000.Programme]{}
	StudyPlanSorts     = map[string]SortKey[ss12000.StudyPlan]{}
	SyllabusSorts      = map[string]SortKey[ss12000.Syllabus]{}
	OfferingSorts      = map[string]SortKey[ss12000.SchoolUnitOffering]{}
	ActivitySorts      = map[string]SortKey[ss12000.Activity]{}
	CalendarEventSorts = map[string]SortKey[ss12000.CalendarEvent]{}
	GradeSorts         = map[string]SortKey[ss12000.Grade]{}
	AbsenceSorts       = map[string]SortKey[ss12000.Absence]{}
	ResourceSorts      = map[string]SortKey[ss12000.Resource]{}
	RoomSorts          = map[string]SortKey[ss12000.Room]{}
)

func init() {
	dateSorts(PlacementSorts, func(p *ss12000.Placement) openapi_types.Date { return p.StartDate }, func(p *ss12000.Placement) openapi_types.Date { return p.EndDate },
		string(ss12000.ListPlacementsParamsSortkeyStartDateAsc), string(ss12000.ListPlacementsParamsSortkeyStartDateDesc),
		string(ss12000.ListPlacementsParamsSortkeyEndDateAsc), string(ss12000.ListPlacementsParamsSortkeyEndDateDesc))
	PlacementSorts[string(ss12000.ListPlacementsParamsSortkeyModifiedDesc)] = modifiedDesc(func(p *ss12000.Placement) *ss12000.Meta { return &p.Meta })

	dateSorts(DutySorts, func(d *ss12000.Duty) openapi_types.Date { return d.StartDate }, func(d *ss12000.Duty) openapi_types.Date { return d.EndDate },
		string(ss12000.ListDutiesParamsSortkeyStartDateAsc), string(ss12000.ListDutiesParamsSortkeyStartDateDesc))
	DutySorts[string(ss12000.ListDutiesParamsSortkeyModifiedDesc)] = modifiedDesc(func(d *ss12000.Duty) *ss12000.Meta { return &d.Meta })

	dateSorts(GroupSorts, func(g *ss12000.Group) openapi_types.Date { return g.StartDate }, func(g *ss12000.Group) openapi_types.Date { return g.EndDate },
		string(ss12000.ListGroupsParamsSortkeyStartDateAsc), string(ss12000.ListGroupsParamsSortkeyStartDateDesc),
		string(ss12000.ListGroupsParamsSortkeyEndDateAsc), string(ss12000.ListGroupsParamsSortkeyEndDateDesc))
	GroupSorts[string(ss12000.ListGroupsParamsSortkeyDisplayNameAsc)] = str(func(g *ss12000.Group) string { return g.DisplayName }, false)
	GroupSorts[string(ss12000.ListGroupsParamsSortkeyModifiedDesc)] = modifiedDesc(func(g *ss12000.Group) *ss12000.Meta { return &g.Meta })

	ProgrammeSorts[string(ss12000.ListProgrammesParamsSortkeyNameAsc)] = str(func(p *ss12000.Programme) string { return p.Name }, false)
	ProgrammeSorts[string(ss12000.ListProgrammesParamsSortkeyCodeAsc)] = str(func(p *ss12000.Programme) string { return p.Code }, false)
	ProgrammeSorts[string(ss12000.ListProgrammesParamsSortkeyModifiedDesc)] = modifiedDesc(func(p *ss12000.Programme) *ss12000.Meta { return &p.Meta })

	dateSorts(StudyPlanSorts, func(p *ss12000.StudyPlan) openapi_types.Date { return p.StartDate }, func(p *ss12000.StudyPlan) openapi_types.Date { return p.EndDate },
		string(ss12000.ListStudyPlansParamsSortkeyStartDateAsc), string(ss12000.ListStudyPlansParamsSortkeyStartDateDesc),
		string(ss12000.ListStudyPlansParamsSortkeyEndDateAsc), string(ss12000.ListStudyPlansParamsSortkeyEndDateDesc))
	StudyPlanSorts[string(ss12000.ListStudyPlansParamsSortkeyModifiedDesc)] = modifiedDesc(func(p *ss12000.StudyPlan) *ss12000.Meta { return &p.Meta })

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
		SyllabusSorts[string(key)] = str(f, strings.HasSuffix(string(key), "Desc"))
	}
	SyllabusSorts[string(ss12000.ListSyllabusesParamsSortkeyModifiedDesc)] = modifiedDesc(func(s *ss12000.Syllabus) *ss12000.Meta { return &s.Meta })

	dateSorts(OfferingSorts, func(o *ss12000.SchoolUnitOffering) openapi_types.Date { return o.StartDate }, func(o *ss12000.SchoolUnitOffering) openapi_types.Date { return o.EndDate },
		string(ss12000.ListSchoolUnitOfferingsParamsSortkeyStartDateAsc), string(ss12000.ListSchoolUnitOfferingsParamsSortkeyStartDateDesc),
		string(ss12000.ListSchoolUnitOfferingsParamsSortkeyEndDateAsc), string(ss12000.ListSchoolUnitOfferingsParamsSortkeyEndDateDesc))
	OfferingSorts[string(ss12000.ListSchoolUnitOfferingsParamsSortkeyModifiedDesc)] = modifiedDesc(func(o *ss12000.SchoolUnitOffering) *ss12000.Meta { return &o.Meta })

	ActivitySorts[string(ss12000.ListActivitiesParamsSortkeyDisplayNameAsc)] = str(func(a *ss12000.Activity) string { return a.DisplayName }, false)
	ActivitySorts[string(ss12000.ListActivitiesParamsSortkeyModifiedDesc)] = modifiedDesc(func(a *ss12000.Activity) *ss12000.Meta { return &a.Meta })

	ceStart := func(c *ss12000.CalendarEvent) time.Time { return c.StartTime }
	CalendarEventSorts[string(ss12000.ListCalendarEventsParamsSortkeyStartTimeAsc)] = tm(ceStart, false)
	CalendarEventSorts[string(ss12000.ListCalendarEventsParamsSortkeyStartTimeDesc)] = tm(ceStart, true)
	CalendarEventSorts[string(ss12000.ListCalendarEventsParamsSortkeyModifiedDesc)] = modifiedDesc(func(c *ss12000.CalendarEvent) *ss12000.Meta { return &c.Meta })

	regDate := func(g *ss12000.Grade) openapi_types.Date { return g.RegisteredDate }
	GradeSorts[string(ss12000.ListGradesParamsSortkeyRegisteredDateAsc)] = date(regDate, false)
	GradeSorts[string(ss12000.ListGradesParamsSortkeyRegisteredDateDesc)] = date(regDate, true)
	GradeSorts[string(ss12000.ListGradesParamsSortkeyModifiedDesc)] = modifiedDesc(func(g *ss12000.Grade) *ss12000.Meta { return &g.Meta })

	abStart := func(a *ss12000.Absence) time.Time { return a.StartTime }
	AbsenceSorts[string(ss12000.ListAbsencesParamsSortkeyStartTimeAsc)] = tm(abStart, false)
	AbsenceSorts[string(ss12000.ListAbsencesParamsSortkeyStartTimeDesc)] = tm(abStart, true)
	AbsenceSorts[string(ss12000.ListAbsencesParamsSortkeyModifiedDesc)] = modifiedDesc(func(a *ss12000.Absence) *ss12000.Meta { return &a.Meta })

	ResourceSorts[string(ss12000.ListResourcesParamsSortkeyDisplayNameAsc)] = str(func(r *ss12000.Resource) string { return r.DisplayName }, false)
	ResourceSorts[string(ss12000.ListResourcesParamsSortkeyModifiedDesc)] = modifiedDesc(func(r *ss12000.Resource) *ss12000.Meta { return &r.Meta })
	RoomSorts[string(ss12000.ListRoomsParamsSortkeyDisplayNameAsc)] = str(func(r *ss12000.Room) string { return r.DisplayName }, false)
	RoomSorts[string(ss12000.ListRoomsParamsSortkeyModifiedDesc)] = modifiedDesc(func(r *ss12000.Room) *ss12000.Meta { return &r.Meta })
}
