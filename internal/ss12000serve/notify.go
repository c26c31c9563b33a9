package ss12000serve

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/edusync/edusync/ss12000"
)

// Spelling chooses between a field name the standard misspells and the correct one that
// services send in practice.
type Spelling int

const (
	// StandardSpelling uses the standard's names: "activitites" in /deletedEntities and
	// "modifiedEntites" in subscription callbacks.
	StandardSpelling Spelling = iota
	// CorrectSpelling uses "activities" and "modifiedEntities" (Skolverket's DNP client reads
	// "modifiedEntities").
	CorrectSpelling
	// BothSpellings sends the value under both names.
	BothSpellings
)

// ValidateSubscription checks a subscription a client asks for; it returns the problems,
// naming properties only.
func ValidateSubscription(c *ss12000.CreateSubscription) []string {
	var bad []string
	if strings.TrimSpace(c.Name) == "" {
		bad = append(bad, "name is empty")
	}
	if u, err := url.Parse(c.Target); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		bad = append(bad, "target must be an absolute http or https URL without credentials")
	}
	if len(c.ResourceTypes) == 0 {
		bad = append(bad, "resourceTypes is empty")
	}
	for _, rt := range c.ResourceTypes {
		if !rt.Resource.Valid() {
			bad = append(bad, "resourceTypes has a resource outside the code list")
			break
		}
	}
	return bad
}

// Interested reports whether the subscription asked for changes of the resource type.
func Interested(sub *ss12000.Subscription, ep ss12000.EndPointsEnum) bool {
	return slices.ContainsFunc(sub.ResourceTypes, func(rt ss12000.SubscriptionResourceType) bool { return rt.Resource == ep })
}

// Notification is the callback body listing the changed types, with deletedEntities when
// records were removed, under the spelling asked for.
func Notification(types []ss12000.EndPointsEnum, removed bool, sp Spelling) ss12000.SubscriptionNotification {
	var note ss12000.SubscriptionNotification
	switch sp {
	case CorrectSpelling:
		note.ModifiedEntities = types
	case BothSpellings:
		note.ModifiedEntities, note.ModifiedEntites = types, types
	default:
		note.ModifiedEntites = types
	}
	note.DeletedEntities = removed
	return note
}

// PostCallback POSTs a notification to a subscriber's target once: nil for a 2xx answer. The
// answer's body is read (at most 1 MiB) and dropped.
func PostCallback(ctx context.Context, client *http.Client, target string, note ss12000.SubscriptionNotification) error {
	body, err := json.Marshal(note)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	_ = resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("the subscriber answered %d", resp.StatusCode)
	}
	return nil
}

// ValidateLogEntry checks a log entry a client posts; it returns the problems.
func ValidateLogEntry(e *ss12000.LogEntry) []string {
	var bad []string
	if !e.SeverityLevel.Valid() {
		bad = append(bad, "severityLevel is outside the code list")
	}
	if e.ResourceType != "" && !e.ResourceType.Valid() {
		bad = append(bad, "resourceType is outside the code list")
	}
	if strings.TrimSpace(e.Message) == "" {
		bad = append(bad, "message is empty")
	}
	return bad
}

// ValidateStatisticsEntry checks a statistics entry a client posts; it returns the problems.
func ValidateStatisticsEntry(e *ss12000.StatisticsEntry) []string {
	var bad []string
	if !e.ResourceType.Valid() {
		bad = append(bad, "resourceType is outside the code list")
	}
	if e.NewCount < 0 || e.UpdatedCount < 0 || e.DeletedCount < 0 {
		bad = append(bad, "counts must not be negative")
	}
	return bad
}

// DeletedField returns the list of a /deletedEntities page that holds removed records of the
// resource type (activities under the standard's "activitites"), or nil for a type the answer
// has no list for.
func DeletedField(d *ss12000.DeletedEntitiesData, ep ss12000.EndPointsEnum) *[]string {
	switch ep {
	case ss12000.EndPointsOrganisation:
		return &d.Organisations
	case ss12000.EndPointsPerson:
		return &d.Persons
	case ss12000.EndPointsPlacement:
		return &d.Placements
	case ss12000.EndPointsDuty:
		return &d.Duties
	case ss12000.EndPointsGroup:
		return &d.Groups
	case ss12000.EndPointsProgramme:
		return &d.Programmes
	case ss12000.EndPointsStudyPlan:
		return &d.StudyPlans
	case ss12000.EndPointsSyllabus:
		return &d.Syllabuses
	case ss12000.EndPointsSchoolUnitOffering:
		return &d.SchoolUnitOfferings
	case ss12000.EndPointsActivity:
		return &d.Activitites
	case ss12000.EndPointsCalendarEvent:
		return &d.CalendarEvents
	case ss12000.EndPointsAttendance:
		return &d.Attendances
	case ss12000.EndPointsAttendanceEvent:
		return &d.AttendanceEvents
	case ss12000.EndPointsAttendanceSchedule:
		return &d.AttendanceSchedules
	case ss12000.EndPointsGrade:
		return &d.Grades
	case ss12000.EndPointsAbsence:
		return &d.Absences
	case ss12000.EndPointsResource:
		return &d.Resources
	case ss12000.EndPointsRoom:
		return &d.Rooms
	}
	return nil
}

// SpellActivities moves the removed activities of a /deletedEntities page under the key the
// spelling asks for.
func SpellActivities(d *ss12000.DeletedEntitiesData, sp Spelling) {
	switch sp {
	case CorrectSpelling:
		d.Activities, d.Activitites = d.Activitites, nil
	case BothSpellings:
		d.Activities = d.Activitites
	}
}
