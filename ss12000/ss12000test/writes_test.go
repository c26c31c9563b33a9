package ss12000test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/edusync/edusync/internal/testclock"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/edusync/edusync/ss12000"
)

func TestCreateAndDeleteWrites(t *testing.T) {
	clock := testclock.New(time2026)
	s := NewServer(WithDataset(SampleSchool()), WithClock(clock.Now))
	defer s.Close()
	c := newClient(t, s)
	f := facts(t, s)
	ce := All[ss12000.CalendarEvent](s)[0]
	group := All[ss12000.Group](s)[0].ID
	pl := Upsert(s, ss12000.Placement{ID: "placement-1", Child: ss12000.PersonReference{ID: f.student0.ID},
		PlacedAt: ss12000.SchoolUnitReference{ID: f.gr}, SchoolType: "FS", StartDate: openapi_types.Date{Time: time2026}})[0].ID
	ref := func(kind, id string) string { return `"` + kind + `":{"id":"` + id + `"}` }
	student := ref("student", f.student0.ID)

	cases := []struct {
		name   string
		path   string
		body   string
		status int
	}{
		{"attendance", "/attendances", `{"calendarEvent":{"id":"` + ce.ID + `"},"student":{"id":"` + f.student0.ID + `"},"isReported":true,"attendanceMinutes":55}`, 200},
		{"attendance with id and meta (read-only)", "/attendances", `{"id":"mine","meta":{"created":"2000-01-01T00:00:00Z","modified":"2000-01-01T00:00:00Z"},` + ref("calendarEvent", ce.ID) + `,` + student + `,"isReported":false}`, 400},
		{"attendance with a display name (read-only)", "/attendances", `{"calendarEvent":{"id":"` + ce.ID + `","displayName":"Matte"},` + student + `,"isReported":false}`, 400},
		{"attendance of an unknown calendar event", "/attendances", `{"calendarEvent":{"id":"no-such-event"},` + student + `,"isReported":false}`, 400},
		{"attendance of an unknown student", "/attendances", `{` + ref("calendarEvent", ce.ID) + `,"student":{"id":"no-such-person"},"isReported":false}`, 400},
		{"attendance again", "/attendances", `{` + ref("calendarEvent", ce.ID) + `,` + student + `,"isReported":false}`, 200},
		{"attendance without isReported", "/attendances", `{"calendarEvent":{"id":"x"},"student":{"id":"y"}}`, 400},
		{"attendance with null student", "/attendances", `{"calendarEvent":{"id":"x"},"student":null,"isReported":true}`, 400},
		{"attendance with empty student id", "/attendances", `{"calendarEvent":{"id":"x"},"student":{"id":""},"isReported":true}`, 400},
		{"attendance with negative minutes", "/attendances", `{"calendarEvent":{"id":"x"},"student":{"id":"y"},"isReported":true,"attendanceMinutes":-5}`, 400},
		{"attendance with unknown property", "/attendances", `{"calendarEvent":{"id":"x"},"student":{"id":"y"},"isReported":true,"minutes":5}`, 400},
		{"attendance event", "/attendanceEvents", `{"eventType":"In",` + ref("group", group) + `,` + ref("person", f.student0.ID) + `,"time":"2026-03-02T07:55:00+01:00"}`, 200},
		{"attendance event in an unknown group", "/attendanceEvents", `{"eventType":"In","group":{"id":"g"},` + ref("person", f.student0.ID) + `,"time":"2026-03-02T07:55:00+01:00"}`, 400},
		{"attendance event with bad type", "/attendanceEvents", `{"eventType":"Inne","group":{"id":"g"},"person":{"id":"p"},"time":"2026-03-02T07:55:00Z"}`, 400},
		{"attendance event with bad time", "/attendanceEvents", `{"eventType":"In","group":{"id":"g"},"person":{"id":"p"},"time":"monday"}`, 400},
		{"attendance schedule", "/attendanceSchedule", `{` + ref("placement", pl) + `,"numberOfWeeks":2,"startDate":"2026-03-02","state":[{"state":"Begärt","registeredAt":"2026-03-01T10:00:00Z"}],"scheduleEntries":[{"dayOfWeek":"Måndag","weekOffset":0,"startTime":"07:30","endTime":"16:00"}]}`, 200},
		{"attendance schedule ending before it starts", "/attendanceSchedule", `{` + ref("placement", pl) + `,"numberOfWeeks":2,"startDate":"2026-03-02","state":[],"scheduleEntries":[{"dayOfWeek":"Måndag","weekOffset":0,"startTime":"07:30","endTime":"07:00"}]}`, 400},
		{"attendance schedule with an end in minutes", "/attendanceSchedule", `{` + ref("placement", pl) + `,"numberOfWeeks":2,"startDate":"2026-03-02","state":[],"scheduleEntries":[{"dayOfWeek":"Måndag","weekOffset":0,"startTime":"07:30","endTime":960}]}`, 400},
		{"attendance schedule of an unknown placement", "/attendanceSchedule", `{"placement":{"id":"pl"},"numberOfWeeks":2,"startDate":"2026-03-02","state":[]}`, 400},
		{"attendance schedule without state", "/attendanceSchedule", `{"placement":{"id":"pl"},"numberOfWeeks":2,"startDate":"2026-03-02"}`, 400},
		{"attendance schedule with bad day", "/attendanceSchedule", `{"placement":{"id":"pl"},"numberOfWeeks":2,"startDate":"2026-03-02","state":[],"scheduleEntries":[{"dayOfWeek":"Monday","weekOffset":0,"startTime":"07:30","endTime":"16:00"}]}`, 400},
		{"attendance schedule with zero weeks", "/attendanceSchedule", `{"placement":{"id":"pl"},"numberOfWeeks":0,"startDate":"2026-03-02","state":[]}`, 400},
		{"absence", "/absences", `{"student":{"id":"` + f.student0.ID + `"},"type":"Anmäld frånvaro","startTime":"2026-03-02T08:00:00Z","endTime":"2026-03-02T16:00:00Z"}`, 200},
		{"absence ending before it starts", "/absences", `{"student":{"id":"s"},"type":"Anmäld frånvaro","startTime":"2026-03-02T08:00:00Z","endTime":"2026-03-01T16:00:00Z"}`, 400},
		{"absence with unknown type", "/absences", `{"student":{"id":"s"},"type":"Sjuk","startTime":"2026-03-02T08:00:00Z","endTime":"2026-03-02T16:00:00Z"}`, 400},
		{"absence as an array", "/absences", `[]`, 400},
		{"absence with query", "/absences?x=1", `{}`, 400},
	}
	created := map[string]string{} // path -> id of a created record
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c.t = t
			path, q := tc.path, url.Values(nil)
			if i := strings.Index(path, "?"); i >= 0 {
				path, q = path[:i], vals("x", "1")
			}
			a := c.do("POST", path, q, tc.body)
			if a.status != tc.status {
				t.Fatalf("status %d, want %d: %s", a.status, tc.status, a.body)
			}
			if tc.status != 200 {
				a.errBody(t)
				return
			}
			var rec struct {
				ID   string
				Meta ss12000.Meta
			}
			if err := json.Unmarshal(a.body, &rec); err != nil {
				t.Fatal(err)
			}
			if rec.ID == "" || rec.ID == "mine" || !rec.Meta.Created.Equal(time2026) || !rec.Meta.Modified.Equal(time2026) {
				t.Errorf("server did not assign id and meta: %s", a.body)
			}
			created[path] = rec.ID
			var again json.RawMessage
			c.get(path+"/"+rec.ID, nil, 200, &again)
			if !bytes.Equal(again, a.body) {
				t.Errorf("stored record differs from the answer:\n%s\n%s", again, a.body)
			}
		})
	}
	c.t = t
	if n := Count[ss12000.Attendance](s); n != 2 {
		t.Errorf("%d attendances stored, want 2", n)
	}
	var ce2 ss12000.CalendarEvent
	c.get("/calendarEvents/"+ce.ID, vals("expand", "attendance"), 200, &ce2)
	if len(ce2.Embedded.Attendance) != 2 || ce2.Embedded.Attendance[0].AttendanceMinutes+ce2.Embedded.Attendance[1].AttendanceMinutes != 55 {
		t.Errorf("the new attendance is not expanded on its event: %+v", ce2.Embedded)
	}

	// Deletes: 204, then 404; the removal is listed.
	clock.Advance(time.Minute)
	for _, path := range []string{"/attendances", "/attendanceEvents", "/attendanceSchedule"} {
		id := created[path]
		if a := c.do("DELETE", path+"/"+id, nil, nil); a.status != 204 || len(a.body) != 0 {
			t.Errorf("DELETE %s: %d %s", path, a.status, a.body)
		}
		if a := c.do("DELETE", path+"/"+id, nil, nil); a.status != 404 {
			t.Errorf("second DELETE %s: %d", path, a.status)
		}
		c.get(path+"/"+id, nil, 404, nil)
	}
	var del ss12000.DeletedEntities
	c.get("/deletedEntities", nil, 200, &del)
	want := ss12000.DeletedEntitiesData{Attendances: []string{created["/attendances"]}, AttendanceEvents: []string{created["/attendanceEvents"]}, AttendanceSchedules: []string{created["/attendanceSchedule"]}}
	if d := cmp.Diff(want, del.Data); d != "" {
		t.Errorf("deletedEntities (-want +got):\n%s", d)
	}
	var ops []string
	for _, w := range s.Writes() {
		ops = append(ops, w.Operation)
	}
	wantOps := []string{"createAttendance", "createAttendance", "createAttendanceEvent", "createAttendanceSchedule", "createAbsence",
		"deleteAttendance", "deleteAttendanceEvent", "deleteAttendanceSchedule"}
	if d := cmp.Diff(wantOps, ops); d != "" {
		t.Errorf("Writes (-want +got):\n%s", d)
	}
}

func TestLogAndStatistics(t *testing.T) {
	s := NewServer(WithDataset(Dataset{}))
	defer s.Close()
	c := newClient(t, s)
	cases := []struct {
		path   string
		body   string
		status int
	}{
		{"/log/", `{"message":"person 42 has no name","severityLevel":"Warning","resourceType":"Person","resourceId":"42"}`, 201},
		{"/log/", `{"message":"done","severityLevel":"Info"}`, 201},
		{"/log", `{"message":"no slash","severityLevel":"Info"}`, 404},
		{"/log/", `{"message":"x","severityLevel":"Fatal"}`, 400},
		{"/log/", `{"severityLevel":"Info"}`, 400},
		{"/log/", `{"message":"  ","severityLevel":"Info"}`, 400},
		{"/log/", `{"message":"x","severityLevel":"Info","resourceType":"Student"}`, 400},
		{"/statistics/", `{"resourceType":"Person","newCount":3,"updatedCount":2,"deletedCount":0}`, 201},
		{"/statistics/", `{"resourceType":"Group","newCount":0,"updatedCount":0,"deletedCount":1,"resourceUrl":"https://x/groups"}`, 201},
		{"/statistics", `{"resourceType":"Group","newCount":0,"updatedCount":0,"deletedCount":1}`, 404},
		{"/statistics/", `{"resourceType":"Person","newCount":3,"updatedCount":2}`, 400},
		{"/statistics/", `{"resourceType":"Person","newCount":-3,"updatedCount":2,"deletedCount":0}`, 400},
		{"/statistics/", `{"resourceType":"Persons","newCount":3,"updatedCount":2,"deletedCount":0}`, 400},
	}
	for _, tc := range cases {
		a := c.do("POST", tc.path, nil, tc.body)
		if a.status != tc.status {
			t.Errorf("POST %s %s: %d, want %d (%s)", tc.path, tc.body, a.status, tc.status, a.body)
		}
		if tc.status >= 400 {
			a.errBody(t)
		}
	}
	wantLogs := []ss12000.LogEntry{
		{Message: "person 42 has no name", SeverityLevel: ss12000.LogEntrySeverityLevelWarning, ResourceType: ss12000.EndPointsPerson, ResourceID: "42"},
		{Message: "done", SeverityLevel: ss12000.LogEntrySeverityLevelInfo},
	}
	if d := cmp.Diff(wantLogs, s.LogEntries()); d != "" {
		t.Errorf("LogEntries (-want +got):\n%s", d)
	}
	wantStats := []ss12000.StatisticsEntry{
		{ResourceType: ss12000.EndPointsPerson, NewCount: 3, UpdatedCount: 2},
		{ResourceType: ss12000.EndPointsGroup, DeletedCount: 1, ResourceURL: "https://x/groups"},
	}
	if d := cmp.Diff(wantStats, s.StatisticsEntries()); d != "" {
		t.Errorf("StatisticsEntries (-want +got):\n%s", d)
	}
	if got := s.Stats().Requests["createLogEntry"]; got != 6 {
		t.Errorf("createLogEntry counted %d times", got)
	}
}

// TestHostileBodies sends what a broken or malicious client might; the server answers 400 or
// 413 with the Error body and keeps working.
func TestHostileBodies(t *testing.T) {
	s := NewServer(WithDataset(SampleSchool()), WithMaxBody(1<<20))
	defer s.Close()
	c := newClient(t, s)
	big := `{"ids":["` + strings.Repeat("a", 2<<20) + `"]}`
	deep := strings.Repeat("[", 100000) + strings.Repeat("]", 100000)
	cases := []struct {
		name, method, path, body string
		status                   int
	}{
		{"huge lookup", "POST", "/persons/lookup", big, 413},
		{"huge write", "POST", "/absences", `{"student":{"id":"` + strings.Repeat("x", 2<<20) + `"}}`, 413},
		{"huge log entry", "POST", "/log/", `{"message":"` + strings.Repeat("x", 2<<20) + `","severityLevel":"Info"}`, 413},
		{"deep nesting", "POST", "/persons/lookup", deep, 400},
		{"deep nesting in a write", "POST", "/attendances", `{"student":` + deep + `}`, 400},
		{"binary", "POST", "/groups/lookup", "\x00\xff\xfe{", 400},
		{"truncated", "POST", "/subscriptions", `{"name":"a","target":"http://x`, 400},
		{"wrong type", "POST", "/subscriptions", `{"name":1,"target":"http://x","resourceTypes":[]}`, 400},
		{"number overflow", "POST", "/statistics/", `{"resourceType":"Person","newCount":1e400,"updatedCount":0,"deletedCount":0}`, 400},
		{"invalid UTF-8 in a string", "POST", "/log/", "{\"message\":\"\xff\xfe\",\"severityLevel\":\"Info\"}", 201},
		{"patch with a body", "PATCH", "/subscriptions/none", `{"expires":"2999-01-01T00:00:00Z"}`, 404},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c.t = t
			a := c.do(tc.method, tc.path, nil, tc.body)
			if a.status != tc.status {
				t.Fatalf("status %d, want %d: %.200s", a.status, tc.status, a.body)
			}
			if tc.status >= 400 {
				a.errBody(t)
			}
		})
	}
	c.t = t
	// A declared Content-Length over the cap is refused before the body is read.
	req, _ := http.NewRequest("POST", s.URL()+"/persons/lookup", strings.NewReader(big))
	req.Header.Set("Authorization", "Bearer "+s.Token())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 413 {
		t.Errorf("Content-Length over the cap: %d", resp.StatusCode)
	}
	// Strange paths and queries.
	for _, raw := range []string{"/persons/%00", "/persons/..%2f..%2fetc", "/persons?limit=%zz", "/persons?" + strings.Repeat("a=1&", 5000)} {
		req, err := http.NewRequest("GET", s.URL()+raw, nil)
		if err != nil {
			continue
		}
		req.Header.Set("Authorization", "Bearer "+s.Token())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			t.Errorf("%s: %d", raw, resp.StatusCode)
		}
	}
	// Still alive.
	c.get("/organisations", nil, 200, nil)
}
