package ss12000

import (
	"context"
	"errors"
	"iter"
	"net/http"
	"net/url"
	"slices"
)

// LookupCalendarEvents fetches many calendar events at once. The official file declares this
// answer as attendances, so services generated from it may send those; a record without a
// startTime is not a calendar event and is reported as a RecordError instead of being returned.
func (c *Client) LookupCalendarEvents(ctx context.Context, req CalendarEventsLookup, params *LookupCalendarEventsParams) ([]CalendarEvent, error) {
	items, err := lookup(ctx, c, "/calendarEvents/lookup", params, req, idCalendarEvent)
	return keepWhere(items, err, "/calendarEvents/lookup", func(v *CalendarEvent) bool { return !v.StartTime.IsZero() },
		errors.New("record is not a calendar event (no startTime)"))
}

// LookupAttendanceSchedules fetches many attendance schedules at once. As with calendar events,
// the official file declares another type for this answer; records without a placement are
// reported as RecordErrors.
func (c *Client) LookupAttendanceSchedules(ctx context.Context, req AttendanceSchedulesLookup, params *LookupAttendanceSchedulesParams) ([]AttendanceSchedule, error) {
	items, err := lookup(ctx, c, "/attendanceSchedule/lookup", params, req, idAttendanceSchedule)
	return keepWhere(items, err, "/attendanceSchedule/lookup", func(v *AttendanceSchedule) bool { return v.Placement.ID != "" },
		errors.New("record is not an attendance schedule (no placement)"))
}

// keepWhere moves the items failing ok into the RecordErrors returned with them.
func keepWhere[T any](items []T, err error, path string, ok func(*T) bool, why error) ([]T, error) {
	var bad RecordErrors
	if err != nil && !errors.As(err, &bad) {
		return items, err
	}
	good := items[:0]
	for i := range items {
		if ok(&items[i]) {
			good = append(good, items[i])
		} else {
			bad = append(bad, &RecordError{Path: path, Index: i, Err: why})
		}
	}
	if len(bad) > 0 {
		return good, bad
	}
	return good, nil
}

// CreateSubscription asks the service to call sub.Target when records of the listed types change.
func (c *Client) CreateSubscription(ctx context.Context, sub CreateSubscription) (*Subscription, error) {
	var out Subscription
	if err := c.send(ctx, http.MethodPost, "/subscriptions", sub, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// RenewSubscription extends a subscription before it expires; the service sets the new expiry.
func (c *Client) RenewSubscription(ctx context.Context, id string) (*Subscription, error) {
	var out Subscription
	if err := c.send(ctx, http.MethodPatch, "/subscriptions/"+url.PathEscape(id), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteSubscription ends a subscription.
func (c *Client) DeleteSubscription(ctx context.Context, id string) error {
	return c.remove(ctx, "/subscriptions/"+url.PathEscape(id))
}

// CreateLogEntry reports an event to the service (POST /log/, with the trailing slash the
// standard gives the path). A service without the operation answers 404, which is returned as
// an error matching ErrNotFound; no other path is tried, since the standard has none.
func (c *Client) CreateLogEntry(ctx context.Context, e LogEntry) error {
	return c.send(ctx, http.MethodPost, "/log/", e, nil)
}

// CreateStatisticsEntry reports transfer counts to the service (POST /statistics/), like
// CreateLogEntry.
func (c *Client) CreateStatisticsEntry(ctx context.Context, e StatisticsEntry) error {
	return c.send(ctx, http.MethodPost, "/statistics/", e, nil)
}

// DeletedEntity is one removed record reported by /deletedEntities.
type DeletedEntity struct {
	Type EndPointsEnum
	ID   string
}

// deletedTypes maps each list of DeletedEntitiesData to its record type. Both spellings of
// activities are read, since services differ.
var deletedTypes = []struct {
	typ  EndPointsEnum
	list func(*DeletedEntitiesData) []string
}{
	{"Absence", func(d *DeletedEntitiesData) []string { return d.Absences }},
	{"Activity", func(d *DeletedEntitiesData) []string { return mergeIDs(d.Activitites, d.Activities) }},
	{"AttendanceEvent", func(d *DeletedEntitiesData) []string { return d.AttendanceEvents }},
	{"AttendanceSchedule", func(d *DeletedEntitiesData) []string { return d.AttendanceSchedules }},
	{"Attendance", func(d *DeletedEntitiesData) []string { return d.Attendances }},
	{"CalendarEvent", func(d *DeletedEntitiesData) []string { return d.CalendarEvents }},
	{"Duty", func(d *DeletedEntitiesData) []string { return d.Duties }},
	{"Grade", func(d *DeletedEntitiesData) []string { return d.Grades }},
	{"Group", func(d *DeletedEntitiesData) []string { return d.Groups }},
	{"Organisation", func(d *DeletedEntitiesData) []string { return d.Organisations }},
	{"Person", func(d *DeletedEntitiesData) []string { return d.Persons }},
	{"Placement", func(d *DeletedEntitiesData) []string { return d.Placements }},
	{"Programme", func(d *DeletedEntitiesData) []string { return d.Programmes }},
	{"Resource", func(d *DeletedEntitiesData) []string { return d.Resources }},
	{"Room", func(d *DeletedEntitiesData) []string { return d.Rooms }},
	{"SchoolUnitOffering", func(d *DeletedEntitiesData) []string { return d.SchoolUnitOfferings }},
	{"StudyPlan", func(d *DeletedEntitiesData) []string { return d.StudyPlans }},
	{"Syllabus", func(d *DeletedEntitiesData) []string { return d.Syllabuses }},
}

func mergeIDs(a, b []string) []string {
	if len(b) == 0 {
		return a
	}
	out := slices.Clone(a)
	for _, id := range b {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// Entities flattens one page of /deletedEntities into (type, id) pairs in a stable order,
// reading both "activitites" (the standard's spelling) and "activities".
func (d *DeletedEntitiesData) Entities() []DeletedEntity {
	var out []DeletedEntity
	for _, t := range deletedTypes {
		for _, id := range t.list(d) {
			if id != "" {
				out = append(out, DeletedEntity{Type: t.typ, ID: id})
			}
		}
	}
	return out
}

// ListDeletedEntitiesPage fetches one page of /deletedEntities (the first when pageToken is empty).
func (c *Client) ListDeletedEntitiesPage(ctx context.Context, params *ListDeletedEntitiesParams, pageToken string) (*DeletedEntities, error) {
	q, err := encodeQuery(params)
	if err != nil {
		return nil, err
	}
	if pageToken != "" {
		q = continuation(q, pageToken)
	}
	var out DeletedEntities
	if err := c.getQuery(ctx, "/deletedEntities", q, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListDeletedEntities yields every removed record the service reports for params, across pages;
// a pageToken that leads back to a page already read ends it with a *PageCycleError.
func (c *Client) ListDeletedEntities(ctx context.Context, params *ListDeletedEntitiesParams) iter.Seq2[DeletedEntity, error] {
	return func(yield func(DeletedEntity, error) bool) {
		token := ""
		cycle := c.core.NewCycle("/deletedEntities")
		for {
			if err := cycle.Visit(token); err != nil {
				yield(DeletedEntity{}, err)
				return
			}
			page, err := c.ListDeletedEntitiesPage(ctx, params, token)
			if err != nil {
				yield(DeletedEntity{}, err)
				return
			}
			for _, e := range page.Data.Entities() {
				if !yield(e, nil) {
					return
				}
			}
			if page.PageToken == "" {
				return
			}
			token = page.PageToken
		}
	}
}
