// Code in this file follows one pattern per operation of openapi/ss12000.yaml; keep it in step
// with the spec when operations change.

package ss12000

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"slices"
)

// ListOrganisations lists all organisations matching params, following pageToken paging; see the package
// documentation for how bad records and expired page tokens are handled.
func (c *Client) ListOrganisations(ctx context.Context, params *ListOrganisationsParams) iter.Seq2[Organisation, error] {
	return listAll(ctx, c, "/organisations", params, idOrganisation)
}

// ListOrganisationsPage fetches one page of organisations: the first when pageToken is empty (with params' filters),
// otherwise the page pageToken points at (only params.Limit is sent with it).
func (c *Client) ListOrganisationsPage(ctx context.Context, params *ListOrganisationsParams, pageToken string) (*Page[Organisation], error) {
	return listPage(ctx, c, "/organisations", params, pageToken, idOrganisation)
}

// LookupOrganisations fetches many organisations at once by the keys in req, splitting large batches.
// Unknown keys are simply absent from the answer. Records that cannot be decoded are
// left out and reported in a RecordErrors error next to the good ones.
func (c *Client) LookupOrganisations(ctx context.Context, req OrganisationsLookup, params *LookupOrganisationsParams) ([]Organisation, error) {
	return lookup(ctx, c, "/organisations/lookup", params, req, idOrganisation)
}

// GetOrganisation fetches one organisation by id; a missing one is an error matching ErrNotFound.
func (c *Client) GetOrganisation(ctx context.Context, id string, params *GetOrganisationParams) (*Organisation, error) {
	var v Organisation
	if err := c.getJSON(ctx, "/organisations/"+url.PathEscape(id), params, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// ListPersons lists all persons matching params, following pageToken paging; see the package
// documentation for how bad records and expired page tokens are handled.
func (c *Client) ListPersons(ctx context.Context, params *ListPersonsParams) iter.Seq2[PersonExpanded, error] {
	return listAll(ctx, c, "/persons", params, idPersonExpanded)
}

// ListPersonsPage fetches one page of persons: the first when pageToken is empty (with params' filters),
// otherwise the page pageToken points at (only params.Limit is sent with it).
func (c *Client) ListPersonsPage(ctx context.Context, params *ListPersonsParams, pageToken string) (*Page[PersonExpanded], error) {
	return listPage(ctx, c, "/persons", params, pageToken, idPersonExpanded)
}

// LookupPersons fetches many persons at once by the keys in req, splitting large batches.
// Unknown keys are simply absent from the answer. Records that cannot be decoded are
// left out and reported in a RecordErrors error next to the good ones.
func (c *Client) LookupPersons(ctx context.Context, req PersonsLookup, params *LookupPersonsParams) ([]PersonExpanded, error) {
	return lookup(ctx, c, "/persons/lookup", params, req, idPersonExpanded)
}

// GetPerson fetches one person by id; a missing one is an error matching ErrNotFound.
func (c *Client) GetPerson(ctx context.Context, id string, params *GetPersonParams) (*PersonExpanded, error) {
	var v PersonExpanded
	if err := c.getJSON(ctx, "/persons/"+url.PathEscape(id), params, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// ListPlacements lists all placements matching params, following pageToken paging; see the package
// documentation for how bad records and expired page tokens are handled.
func (c *Client) ListPlacements(ctx context.Context, params *ListPlacementsParams) iter.Seq2[PlacementExpanded, error] {
	return listAll(ctx, c, "/placements", params, idPlacementExpanded)
}

// ListPlacementsPage fetches one page of placements: the first when pageToken is empty (with params' filters),
// otherwise the page pageToken points at (only params.Limit is sent with it).
func (c *Client) ListPlacementsPage(ctx context.Context, params *ListPlacementsParams, pageToken string) (*Page[PlacementExpanded], error) {
	return listPage(ctx, c, "/placements", params, pageToken, idPlacementExpanded)
}

// LookupPlacements fetches many placements at once by the keys in req, splitting large batches.
// Unknown keys are simply absent from the answer. Records that cannot be decoded are
// left out and reported in a RecordErrors error next to the good ones.
func (c *Client) LookupPlacements(ctx context.Context, req PlacementsLookup, params *LookupPlacementsParams) ([]PlacementExpanded, error) {
	return lookup(ctx, c, "/placements/lookup", params, req, idPlacementExpanded)
}

// GetPlacement fetches one placement by id; a missing one is an error matching ErrNotFound.
func (c *Client) GetPlacement(ctx context.Context, id string, params *GetPlacementParams) (*PlacementExpanded, error) {
	var v PlacementExpanded
	if err := c.getJSON(ctx, "/placements/"+url.PathEscape(id), params, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// ListDuties lists all duties matching params, following pageToken paging; see the package
// documentation for how bad records and expired page tokens are handled.
func (c *Client) ListDuties(ctx context.Context, params *ListDutiesParams) iter.Seq2[DutyExpanded, error] {
	return listAll(ctx, c, "/duties", params, idDutyExpanded)
}

// ListDutiesPage fetches one page of duties: the first when pageToken is empty (with params' filters),
// otherwise the page pageToken points at (only params.Limit is sent with it).
func (c *Client) ListDutiesPage(ctx context.Context, params *ListDutiesParams, pageToken string) (*Page[DutyExpanded], error) {
	return listPage(ctx, c, "/duties", params, pageToken, idDutyExpanded)
}

// LookupDuties fetches many duties at once by the keys in req, splitting large batches.
// Unknown keys are simply absent from the answer. Records that cannot be decoded are
// left out and reported in a RecordErrors error next to the good ones.
func (c *Client) LookupDuties(ctx context.Context, req IDLookup, params *LookupDutiesParams) ([]DutyExpanded, error) {
	return lookup(ctx, c, "/duties/lookup", params, req, idDutyExpanded)
}

// GetDuty fetches one duty by id; a missing one is an error matching ErrNotFound.
func (c *Client) GetDuty(ctx context.Context, id string, params *GetDutyParams) (*DutyExpanded, error) {
	var v DutyExpanded
	if err := c.getJSON(ctx, "/duties/"+url.PathEscape(id), params, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// ListGroups lists all groups matching params, following pageToken paging; see the package
// documentation for how bad records and expired page tokens are handled.
func (c *Client) ListGroups(ctx context.Context, params *ListGroupsParams) iter.Seq2[GroupExpanded, error] {
	return listAll(ctx, c, "/groups", params, idGroupExpanded)
}

// ListGroupsPage fetches one page of groups: the first when pageToken is empty (with params' filters),
// otherwise the page pageToken points at (only params.Limit is sent with it).
func (c *Client) ListGroupsPage(ctx context.Context, params *ListGroupsParams, pageToken string) (*Page[GroupExpanded], error) {
	return listPage(ctx, c, "/groups", params, pageToken, idGroupExpanded)
}

// LookupGroups fetches many groups at once by the keys in req, splitting large batches.
// Unknown keys are simply absent from the answer. Records that cannot be decoded are
// left out and reported in a RecordErrors error next to the good ones.
func (c *Client) LookupGroups(ctx context.Context, req IDLookup, params *LookupGroupsParams) ([]GroupExpanded, error) {
	return lookup(ctx, c, "/groups/lookup", params, req, idGroupExpanded)
}

// GetGroup fetches one group by id; a missing one is an error matching ErrNotFound.
func (c *Client) GetGroup(ctx context.Context, id string, params *GetGroupParams) (*GroupExpanded, error) {
	var v GroupExpanded
	if err := c.getJSON(ctx, "/groups/"+url.PathEscape(id), params, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// ListProgrammes lists all programmes matching params, following pageToken paging; see the package
// documentation for how bad records and expired page tokens are handled.
func (c *Client) ListProgrammes(ctx context.Context, params *ListProgrammesParams) iter.Seq2[Programme, error] {
	return listAll(ctx, c, "/programmes", params, idProgramme)
}

// ListProgrammesPage fetches one page of programmes: the first when pageToken is empty (with params' filters),
// otherwise the page pageToken points at (only params.Limit is sent with it).
func (c *Client) ListProgrammesPage(ctx context.Context, params *ListProgrammesParams, pageToken string) (*Page[Programme], error) {
	return listPage(ctx, c, "/programmes", params, pageToken, idProgramme)
}

// LookupProgrammes fetches many programmes at once by the keys in req, splitting large batches.
// Unknown keys are simply absent from the answer. Records that cannot be decoded are
// left out and reported in a RecordErrors error next to the good ones.
func (c *Client) LookupProgrammes(ctx context.Context, req IDLookup, params *LookupProgrammesParams) ([]Programme, error) {
	return lookup(ctx, c, "/programmes/lookup", params, req, idProgramme)
}

// GetProgramme fetches one programme by id; a missing one is an error matching ErrNotFound.
func (c *Client) GetProgramme(ctx context.Context, id string, params *GetProgrammeParams) (*Programme, error) {
	var v Programme
	if err := c.getJSON(ctx, "/programmes/"+url.PathEscape(id), params, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// ListStudyPlans lists all study plans matching params, following pageToken paging; see the package
// documentation for how bad records and expired page tokens are handled.
func (c *Client) ListStudyPlans(ctx context.Context, params *ListStudyPlansParams) iter.Seq2[StudyPlan, error] {
	return listAll(ctx, c, "/studyplans", params, idStudyPlan)
}

// ListStudyPlansPage fetches one page of study plans: the first when pageToken is empty (with params' filters),
// otherwise the page pageToken points at (only params.Limit is sent with it).
func (c *Client) ListStudyPlansPage(ctx context.Context, params *ListStudyPlansParams, pageToken string) (*Page[StudyPlan], error) {
	return listPage(ctx, c, "/studyplans", params, pageToken, idStudyPlan)
}

// GetStudyPlan fetches one study plan by id; a missing one is an error matching ErrNotFound.
func (c *Client) GetStudyPlan(ctx context.Context, id string, params *GetStudyPlanParams) (*StudyPlan, error) {
	var v StudyPlan
	if err := c.getJSON(ctx, "/studyplans/"+url.PathEscape(id), params, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// ListSyllabuses lists all syllabuses matching params, following pageToken paging; see the package
// documentation for how bad records and expired page tokens are handled.
func (c *Client) ListSyllabuses(ctx context.Context, params *ListSyllabusesParams) iter.Seq2[Syllabus, error] {
	return listAll(ctx, c, "/syllabuses", params, idSyllabus)
}

// ListSyllabusesPage fetches one page of syllabuses: the first when pageToken is empty (with params' filters),
// otherwise the page pageToken points at (only params.Limit is sent with it).
func (c *Client) ListSyllabusesPage(ctx context.Context, params *ListSyllabusesParams, pageToken string) (*Page[Syllabus], error) {
	return listPage(ctx, c, "/syllabuses", params, pageToken, idSyllabus)
}

// LookupSyllabuses fetches many syllabuses at once by the keys in req, splitting large batches.
// Unknown keys are simply absent from the answer. Records that cannot be decoded are
// left out and reported in a RecordErrors error next to the good ones.
func (c *Client) LookupSyllabuses(ctx context.Context, req IDLookup, params *LookupSyllabusesParams) ([]Syllabus, error) {
	return lookup(ctx, c, "/syllabuses/lookup", params, req, idSyllabus)
}

// GetSyllabus fetches one syllabus by id; a missing one is an error matching ErrNotFound.
func (c *Client) GetSyllabus(ctx context.Context, id string, params *GetSyllabusParams) (*Syllabus, error) {
	var v Syllabus
	if err := c.getJSON(ctx, "/syllabuses/"+url.PathEscape(id), params, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// ListSchoolUnitOfferings lists all school-unit offerings matching params, following pageToken paging; see the package
// documentation for how bad records and expired page tokens are handled.
func (c *Client) ListSchoolUnitOfferings(ctx context.Context, params *ListSchoolUnitOfferingsParams) iter.Seq2[SchoolUnitOffering, error] {
	return listAll(ctx, c, "/schoolUnitOfferings", params, idSchoolUnitOffering)
}

// ListSchoolUnitOfferingsPage fetches one page of school-unit offerings: the first when pageToken is empty (with params' filters),
// otherwise the page pageToken points at (only params.Limit is sent with it).
func (c *Client) ListSchoolUnitOfferingsPage(ctx context.Context, params *ListSchoolUnitOfferingsParams, pageToken string) (*Page[SchoolUnitOffering], error) {
	return listPage(ctx, c, "/schoolUnitOfferings", params, pageToken, idSchoolUnitOffering)
}

// LookupSchoolUnitOfferings fetches many school-unit offerings at once by the keys in req, splitting large batches.
// Unknown keys are simply absent from the answer. Records that cannot be decoded are
// left out and reported in a RecordErrors error next to the good ones.
func (c *Client) LookupSchoolUnitOfferings(ctx context.Context, req IDLookup, params *LookupSchoolUnitOfferingsParams) ([]SchoolUnitOffering, error) {
	return lookup(ctx, c, "/schoolUnitOfferings/lookup", params, req, idSchoolUnitOffering)
}

// GetSchoolUnitOffering fetches one school-unit offering by id; a missing one is an error matching ErrNotFound.
func (c *Client) GetSchoolUnitOffering(ctx context.Context, id string, params *GetSchoolUnitOfferingParams) (*SchoolUnitOffering, error) {
	var v SchoolUnitOffering
	if err := c.getJSON(ctx, "/schoolUnitOfferings/"+url.PathEscape(id), params, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// ListActivities lists all activities matching params, following pageToken paging; see the package
// documentation for how bad records and expired page tokens are handled.
func (c *Client) ListActivities(ctx context.Context, params *ListActivitiesParams) iter.Seq2[ActivityExpanded, error] {
	return listAll(ctx, c, "/activities", params, idActivityExpanded)
}

// ListActivitiesPage fetches one page of activities: the first when pageToken is empty (with params' filters),
// otherwise the page pageToken points at (only params.Limit is sent with it).
func (c *Client) ListActivitiesPage(ctx context.Context, params *ListActivitiesParams, pageToken string) (*Page[ActivityExpanded], error) {
	return listPage(ctx, c, "/activities", params, pageToken, idActivityExpanded)
}

// LookupActivities fetches many activities at once by the keys in req, splitting large batches.
// Unknown keys are simply absent from the answer. Records that cannot be decoded are
// left out and reported in a RecordErrors error next to the good ones.
func (c *Client) LookupActivities(ctx context.Context, req ActivitiesLookup, params *LookupActivitiesParams) ([]ActivityExpanded, error) {
	return lookup(ctx, c, "/activities/lookup", params, req, idActivityExpanded)
}

// GetActivity fetches one activity by id; a missing one is an error matching ErrNotFound.
func (c *Client) GetActivity(ctx context.Context, id string, params *GetActivityParams) (*ActivityExpanded, error) {
	var v ActivityExpanded
	if err := c.getJSON(ctx, "/activities/"+url.PathEscape(id), params, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// ListCalendarEvents lists all calendar events matching params, following pageToken paging; see the package
// documentation for how bad records and expired page tokens are handled.
func (c *Client) ListCalendarEvents(ctx context.Context, params *ListCalendarEventsParams) iter.Seq2[CalendarEvent, error] {
	return listAll(ctx, c, "/calendarEvents", params, idCalendarEvent)
}

// ListCalendarEventsPage fetches one page of calendar events: the first when pageToken is empty (with params' filters),
// otherwise the page pageToken points at (only params.Limit is sent with it).
func (c *Client) ListCalendarEventsPage(ctx context.Context, params *ListCalendarEventsParams, pageToken string) (*Page[CalendarEvent], error) {
	return listPage(ctx, c, "/calendarEvents", params, pageToken, idCalendarEvent)
}

// GetCalendarEvent fetches one calendar event by id; a missing one is an error matching ErrNotFound.
func (c *Client) GetCalendarEvent(ctx context.Context, id string, params *GetCalendarEventParams) (*CalendarEvent, error) {
	var v CalendarEvent
	if err := c.getJSON(ctx, "/calendarEvents/"+url.PathEscape(id), params, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// ListAttendances lists all attendances matching params, following pageToken paging; see the package
// documentation for how bad records and expired page tokens are handled.
func (c *Client) ListAttendances(ctx context.Context, params *ListAttendancesParams) iter.Seq2[Attendance, error] {
	return listAll(ctx, c, "/attendances", params, idAttendance)
}

// ListAttendancesPage fetches one page of attendances: the first when pageToken is empty (with params' filters),
// otherwise the page pageToken points at (only params.Limit is sent with it).
func (c *Client) ListAttendancesPage(ctx context.Context, params *ListAttendancesParams, pageToken string) (*Page[Attendance], error) {
	return listPage(ctx, c, "/attendances", params, pageToken, idAttendance)
}

// LookupAttendances fetches many attendances at once by the keys in req, splitting large batches.
// Unknown keys are simply absent from the answer. Records that cannot be decoded are
// left out and reported in a RecordErrors error next to the good ones.
func (c *Client) LookupAttendances(ctx context.Context, req AttendancesLookup, params *LookupAttendancesParams) ([]Attendance, error) {
	return lookup(ctx, c, "/attendances/lookup", params, req, idAttendance)
}

// GetAttendance fetches one attendance by id; a missing one is an error matching ErrNotFound.
func (c *Client) GetAttendance(ctx context.Context, id string) (*Attendance, error) {
	var v Attendance
	if err := c.getJSON(ctx, "/attendances/"+url.PathEscape(id), nil, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// ListAttendanceEvents lists all attendance events matching params, following pageToken paging; see the package
// documentation for how bad records and expired page tokens are handled.
func (c *Client) ListAttendanceEvents(ctx context.Context, params *ListAttendanceEventsParams) iter.Seq2[AttendanceEvent, error] {
	return listAll(ctx, c, "/attendanceEvents", params, idAttendanceEvent)
}

// ListAttendanceEventsPage fetches one page of attendance events: the first when pageToken is empty (with params' filters),
// otherwise the page pageToken points at (only params.Limit is sent with it).
func (c *Client) ListAttendanceEventsPage(ctx context.Context, params *ListAttendanceEventsParams, pageToken string) (*Page[AttendanceEvent], error) {
	return listPage(ctx, c, "/attendanceEvents", params, pageToken, idAttendanceEvent)
}

// GetAttendanceEvent fetches one attendance event by id; a missing one is an error matching ErrNotFound.
func (c *Client) GetAttendanceEvent(ctx context.Context, id string, params *GetAttendanceEventParams) (*AttendanceEvent, error) {
	var v AttendanceEvent
	if err := c.getJSON(ctx, "/attendanceEvents/"+url.PathEscape(id), params, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// LookupAttendanceEvents fetches many attendance events at once by the keys in req, splitting large batches.
// Unknown keys are simply absent from the answer. Records that cannot be decoded are
// left out and reported in a RecordErrors error next to the good ones.
func (c *Client) LookupAttendanceEvents(ctx context.Context, req AttendanceEventsLookup, params *LookupAttendanceEventsParams) ([]AttendanceEvent, error) {
	return lookup(ctx, c, "/attendanceEvents/lookup", params, req, idAttendanceEvent)
}

// ListAttendanceSchedules lists all attendance schedules matching params, following pageToken paging; see the package
// documentation for how bad records and expired page tokens are handled.
func (c *Client) ListAttendanceSchedules(ctx context.Context, params *ListAttendanceSchedulesParams) iter.Seq2[AttendanceSchedule, error] {
	return listAll(ctx, c, "/attendanceSchedule", params, idAttendanceSchedule)
}

// ListAttendanceSchedulesPage fetches one page of attendance schedules: the first when pageToken is empty (with params' filters),
// otherwise the page pageToken points at (only params.Limit is sent with it).
func (c *Client) ListAttendanceSchedulesPage(ctx context.Context, params *ListAttendanceSchedulesParams, pageToken string) (*Page[AttendanceSchedule], error) {
	return listPage(ctx, c, "/attendanceSchedule", params, pageToken, idAttendanceSchedule)
}

// GetAttendanceSchedule fetches one attendance schedule by id; a missing one is an error matching ErrNotFound.
func (c *Client) GetAttendanceSchedule(ctx context.Context, id string, params *GetAttendanceScheduleParams) (*AttendanceSchedule, error) {
	var v AttendanceSchedule
	if err := c.getJSON(ctx, "/attendanceSchedule/"+url.PathEscape(id), params, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// ListGrades lists all grades matching params, following pageToken paging; see the package
// documentation for how bad records and expired page tokens are handled.
func (c *Client) ListGrades(ctx context.Context, params *ListGradesParams) iter.Seq2[Grade, error] {
	return listAll(ctx, c, "/grades", params, idGrade)
}

// ListGradesPage fetches one page of grades: the first when pageToken is empty (with params' filters),
// otherwise the page pageToken points at (only params.Limit is sent with it).
func (c *Client) ListGradesPage(ctx context.Context, params *ListGradesParams, pageToken string) (*Page[Grade], error) {
	return listPage(ctx, c, "/grades", params, pageToken, idGrade)
}

// LookupGrades fetches many grades at once by the keys in req, splitting large batches.
// Unknown keys are simply absent from the answer. Records that cannot be decoded are
// left out and reported in a RecordErrors error next to the good ones.
func (c *Client) LookupGrades(ctx context.Context, req IDLookup, params *LookupGradesParams) ([]Grade, error) {
	return lookup(ctx, c, "/grades/lookup", params, req, idGrade)
}

// GetGrade fetches one grade by id; a missing one is an error matching ErrNotFound.
func (c *Client) GetGrade(ctx context.Context, id string, params *GetGradeParams) (*Grade, error) {
	var v Grade
	if err := c.getJSON(ctx, "/grades/"+url.PathEscape(id), params, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// ListAbsences lists all absences matching params, following pageToken paging; see the package
// documentation for how bad records and expired page tokens are handled.
func (c *Client) ListAbsences(ctx context.Context, params *ListAbsencesParams) iter.Seq2[Absence, error] {
	return listAll(ctx, c, "/absences", params, idAbsence)
}

// ListAbsencesPage fetches one page of absences: the first when pageToken is empty (with params' filters),
// otherwise the page pageToken points at (only params.Limit is sent with it).
func (c *Client) ListAbsencesPage(ctx context.Context, params *ListAbsencesParams, pageToken string) (*Page[Absence], error) {
	return listPage(ctx, c, "/absences", params, pageToken, idAbsence)
}

// LookupAbsences fetches many absences at once by the keys in req, splitting large batches.
// Unknown keys are simply absent from the answer. Records that cannot be decoded are
// left out and reported in a RecordErrors error next to the good ones.
func (c *Client) LookupAbsences(ctx context.Context, req IDLookup, params *LookupAbsencesParams) ([]Absence, error) {
	return lookup(ctx, c, "/absences/lookup", params, req, idAbsence)
}

// GetAbsence fetches one absence by id; a missing one is an error matching ErrNotFound.
func (c *Client) GetAbsence(ctx context.Context, id string) (*Absence, error) {
	var v Absence
	if err := c.getJSON(ctx, "/absences/"+url.PathEscape(id), nil, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// ListAggregatedAttendances lists all aggregated attendances matching params, following pageToken paging; see the package
// documentation for how bad records and expired page tokens are handled.
func (c *Client) ListAggregatedAttendances(ctx context.Context, params *ListAggregatedAttendancesParams) iter.Seq2[AggregatedAttendance, error] {
	return listAll(ctx, c, "/aggregatedAttendance", params, idAggregatedAttendance)
}

// ListAggregatedAttendancesPage fetches one page of aggregated attendances: the first when pageToken is empty (with params' filters),
// otherwise the page pageToken points at (only params.Limit is sent with it).
func (c *Client) ListAggregatedAttendancesPage(ctx context.Context, params *ListAggregatedAttendancesParams, pageToken string) (*Page[AggregatedAttendance], error) {
	return listPage(ctx, c, "/aggregatedAttendance", params, pageToken, idAggregatedAttendance)
}

// ListResources lists all resources matching params, following pageToken paging; see the package
// documentation for how bad records and expired page tokens are handled.
func (c *Client) ListResources(ctx context.Context, params *ListResourcesParams) iter.Seq2[Resource, error] {
	return listAll(ctx, c, "/resources", params, idResource)
}

// ListResourcesPage fetches one page of resources: the first when pageToken is empty (with params' filters),
// otherwise the page pageToken points at (only params.Limit is sent with it).
func (c *Client) ListResourcesPage(ctx context.Context, params *ListResourcesParams, pageToken string) (*Page[Resource], error) {
	return listPage(ctx, c, "/resources", params, pageToken, idResource)
}

// LookupResources fetches many resources at once by the keys in req, splitting large batches.
// Unknown keys are simply absent from the answer. Records that cannot be decoded are
// left out and reported in a RecordErrors error next to the good ones.
func (c *Client) LookupResources(ctx context.Context, req IDLookup, params *LookupResourcesParams) ([]Resource, error) {
	return lookup(ctx, c, "/resources/lookup", params, req, idResource)
}

// GetResource fetches one resource by id; a missing one is an error matching ErrNotFound.
func (c *Client) GetResource(ctx context.Context, id string, params *GetResourceParams) (*Resource, error) {
	var v Resource
	if err := c.getJSON(ctx, "/resources/"+url.PathEscape(id), params, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// ListRooms lists all rooms matching params, following pageToken paging; see the package
// documentation for how bad records and expired page tokens are handled.
func (c *Client) ListRooms(ctx context.Context, params *ListRoomsParams) iter.Seq2[Room, error] {
	return listAll(ctx, c, "/rooms", params, idRoom)
}

// ListRoomsPage fetches one page of rooms: the first when pageToken is empty (with params' filters),
// otherwise the page pageToken points at (only params.Limit is sent with it).
func (c *Client) ListRoomsPage(ctx context.Context, params *ListRoomsParams, pageToken string) (*Page[Room], error) {
	return listPage(ctx, c, "/rooms", params, pageToken, idRoom)
}

// LookupRooms fetches many rooms at once by the keys in req, splitting large batches.
// Unknown keys are simply absent from the answer. Records that cannot be decoded are
// left out and reported in a RecordErrors error next to the good ones.
func (c *Client) LookupRooms(ctx context.Context, req IDLookup, params *LookupRoomsParams) ([]Room, error) {
	return lookup(ctx, c, "/rooms/lookup", params, req, idRoom)
}

// GetRoom fetches one room by id; a missing one is an error matching ErrNotFound.
func (c *Client) GetRoom(ctx context.Context, id string, params *GetRoomParams) (*Room, error) {
	var v Room
	if err := c.getJSON(ctx, "/rooms/"+url.PathEscape(id), params, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// ListSubscriptions lists all subscriptions matching params, following pageToken paging; see the package
// documentation for how bad records and expired page tokens are handled.
func (c *Client) ListSubscriptions(ctx context.Context, params *ListSubscriptionsParams) iter.Seq2[Subscription, error] {
	return listAll(ctx, c, "/subscriptions", params, idSubscription)
}

// ListSubscriptionsPage fetches one page of subscriptions: the first when pageToken is empty (with params' filters),
// otherwise the page pageToken points at (only params.Limit is sent with it).
func (c *Client) ListSubscriptionsPage(ctx context.Context, params *ListSubscriptionsParams, pageToken string) (*Page[Subscription], error) {
	return listPage(ctx, c, "/subscriptions", params, pageToken, idSubscription)
}

// GetSubscription fetches one subscription by id; a missing one is an error matching ErrNotFound.
func (c *Client) GetSubscription(ctx context.Context, id string) (*Subscription, error) {
	var v Subscription
	if err := c.getJSON(ctx, "/subscriptions/"+url.PathEscape(id), nil, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// CreateAttendance records a new attendance; the service assigns its id and meta and returns it.
// What the service assigns (id, meta, the display names of references) is never sent, so a
// record read from a service can be created at another.
func (c *Client) CreateAttendance(ctx context.Context, v Attendance) (*Attendance, error) {
	v.ID, v.Meta = "", Meta{}
	v.CalendarEvent.DisplayName, v.Student.DisplayName, v.Reporter.DisplayName = "", "", ""
	var created Attendance
	if err := c.send(ctx, http.MethodPost, "/attendances", v, &created); err != nil {
		return nil, err
	}
	return &created, nil
}

// DeleteAttendance removes one attendance by id.
func (c *Client) DeleteAttendance(ctx context.Context, id string) error {
	return c.remove(ctx, "/attendances/"+url.PathEscape(id))
}

// CreateAttendanceEvent records a new attendance event; the service assigns its id and meta and returns it.
// As with CreateAttendance, what the service assigns is never sent.
func (c *Client) CreateAttendanceEvent(ctx context.Context, v AttendanceEvent) (*AttendanceEvent, error) {
	v.ID, v.Meta, v.Embedded = "", Meta{}, AttendanceEventEmbedded{}
	v.Group.DisplayName, v.Person.DisplayName, v.RegisteredBy.DisplayName = "", "", ""
	var created AttendanceEvent
	if err := c.send(ctx, http.MethodPost, "/attendanceEvents", v, &created); err != nil {
		return nil, err
	}
	return &created, nil
}

// DeleteAttendanceEvent removes one attendance event by id.
func (c *Client) DeleteAttendanceEvent(ctx context.Context, id string) error {
	return c.remove(ctx, "/attendanceEvents/"+url.PathEscape(id))
}

// CreateAttendanceSchedule records a new attendance schedule; the service assigns its id and meta and returns it.
// As with CreateAttendance, what the service assigns is never sent.
func (c *Client) CreateAttendanceSchedule(ctx context.Context, v AttendanceSchedule) (*AttendanceSchedule, error) {
	v.ID, v.Meta = "", Meta{}
	v.Placement.DisplayName = ""
	v.State = slices.Clone(v.State) // the caller's entries stay as they are
	for i := range v.State {
		v.State[i].RegisteredBy.DisplayName = ""
	}
	var created AttendanceSchedule
	if err := c.send(ctx, http.MethodPost, "/attendanceSchedule", v, &created); err != nil {
		return nil, err
	}
	return &created, nil
}

// DeleteAttendanceSchedule removes one attendance schedule by id.
func (c *Client) DeleteAttendanceSchedule(ctx context.Context, id string) error {
	return c.remove(ctx, "/attendanceSchedule/"+url.PathEscape(id))
}

// CreateAbsence records a new absence; the service assigns its id and meta and returns it.
// As with CreateAttendance, what the service assigns is never sent.
func (c *Client) CreateAbsence(ctx context.Context, v Absence) (*Absence, error) {
	v.ID, v.Meta = "", Meta{}
	v.Student.DisplayName, v.Organisation.DisplayName, v.RegisteredBy.DisplayName = "", "", ""
	var created Absence
	if err := c.send(ctx, http.MethodPost, "/absences", v, &created); err != nil {
		return nil, err
	}
	return &created, nil
}

// Record ids, used to check every record has one and to skip duplicates after a listing restarts.
func idAbsence(v *Absence) string                   { return v.ID }
func idActivityExpanded(v *ActivityExpanded) string { return v.ID }
func idAggregatedAttendance(v *AggregatedAttendance) string {
	// Aggregates have no id of their own: student, activity and period identify one.
	if v.Student.ID == "" {
		return ""
	}
	return v.Student.ID + "|" + v.Activity.ID + "|" + v.StartDate.String() + "|" + v.EndDate.String()
}
func idAttendance(v *Attendance) string                 { return v.ID }
func idAttendanceEvent(v *AttendanceEvent) string       { return v.ID }
func idAttendanceSchedule(v *AttendanceSchedule) string { return v.ID }
func idCalendarEvent(v *CalendarEvent) string           { return v.ID }
func idDutyExpanded(v *DutyExpanded) string             { return v.ID }
func idGrade(v *Grade) string                           { return v.ID }
func idGroupExpanded(v *GroupExpanded) string           { return v.ID }
func idOrganisation(v *Organisation) string             { return v.ID }
func idPersonExpanded(v *PersonExpanded) string         { return v.ID }
func idPlacementExpanded(v *PlacementExpanded) string   { return v.ID }
func idProgramme(v *Programme) string                   { return v.ID }
func idResource(v *Resource) string                     { return v.ID }
func idRoom(v *Room) string                             { return v.ID }
func idSchoolUnitOffering(v *SchoolUnitOffering) string {
	if v.ID != "" {
		return v.ID
	}
	// The official schema has no id: the school unit and period identify an offering there.
	if v.OfferedAt.ID == "" {
		return ""
	}
	return v.OfferedAt.ID + "|" + v.StartDate.String() + "|" + v.EndDate.String()
}
func idStudyPlan(v *StudyPlan) string       { return v.ID }
func idSubscription(v *Subscription) string { return v.ID }
func idSyllabus(v *Syllabus) string         { return v.ID }
