package ss12000test

import "github.com/edusync/edusync/internal/ss12000serve"

// sorter is one order of the sortkey parameter over stored records: the sort key of a record
// (see ss12000serve.SortKey) and the direction. Every order ends with the id, so it is total
// and stable; strings compare by bytes (no Swedish collation), which is enough to test that a
// client passes the parameter on.
type sorter struct {
	key  func(*record) string
	desc bool
}

func sortersOf[T any](m map[string]ss12000serve.SortKey[T]) map[string]sorter {
	out := make(map[string]sorter, len(m))
	for name, sk := range m {
		out[name] = sorter{key: func(r *record) string { return sk.Key(val[T](r)) }, desc: sk.Desc}
	}
	return out
}

func initSorts() {
	for _, k := range kinds {
		k.sorts = map[string]sorter{}
	}
	kOrganisations.sorts = sortersOf(ss12000serve.OrganisationSorts)
	kPersons.sorts = sortersOf(ss12000serve.PersonSorts)
	kPlacements.sorts = sortersOf(ss12000serve.PlacementSorts)
	kDuties.sorts = sortersOf(ss12000serve.DutySorts)
	kGroups.sorts = sortersOf(ss12000serve.GroupSorts)
	kProgrammes.sorts = sortersOf(ss12000serve.ProgrammeSorts)
	kStudyPlans.sorts = sortersOf(ss12000serve.StudyPlanSorts)
	kSyllabuses.sorts = sortersOf(ss12000serve.SyllabusSorts)
	kSchoolUnitOfferings.sorts = sortersOf(ss12000serve.OfferingSorts)
	kActivities.sorts = sortersOf(ss12000serve.ActivitySorts)
	kCalendarEvents.sorts = sortersOf(ss12000serve.CalendarEventSorts)
	kGrades.sorts = sortersOf(ss12000serve.GradeSorts)
	kAbsences.sorts = sortersOf(ss12000serve.AbsenceSorts)
	kResources.sorts = sortersOf(ss12000serve.ResourceSorts)
	kRooms.sorts = sortersOf(ss12000serve.RoomSorts)
}
