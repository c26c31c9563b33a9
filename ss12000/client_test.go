package ss12000

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// pagedServer serves /persons from a fixed list in pages, checking the paging rules.
type pagedServer struct {
	t        *testing.T
	mu       sync.Mutex
	persons  []json.RawMessage
	expireAt int // answer 410 to the first continuation request at this offset (once)
	expired  bool
	requests []string
}

func (s *pagedServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, r.URL.RawQuery)
	if r.Header.Get("Authorization") != "Bearer tok" {
		w.WriteHeader(401)
		fmt.Fprint(w, `{"code":"unauthorized","message":"bad token"}`)
		return
	}
	q := r.URL.Query()
	limit := 2
	fmt.Sscan(q.Get("limit"), &limit)
	offset := 0
	if tok := q.Get("pageToken"); tok != "" {
		for k := range q {
			if k != "pageToken" && k != "limit" {
				w.WriteHeader(400)
				fmt.Fprintf(w, `{"code":"bad","message":"%s with pageToken"}`, k)
				return
			}
		}
		fmt.Sscan(tok, &offset)
		if offset == s.expireAt && !s.expired {
			s.expired = true
			w.WriteHeader(410)
			fmt.Fprint(w, `{"code":"gone","message":"page token expired"}`)
			return
		}
	}
	end := min(offset+limit, len(s.persons))
	var buf bytes.Buffer
	buf.WriteString(`{"data":[`)
	for i, p := range s.persons[offset:end] {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(p)
	}
	buf.WriteString(`],"pageToken":`)
	if end < len(s.persons) {
		fmt.Fprintf(&buf, `"%d"`, end)
	} else {
		buf.WriteString("null")
	}
	buf.WriteString("}")
	w.Header().Set("Content-Type", "application/json")
	w.Write(buf.Bytes())
}

func person(id, given string) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"id":%q,"givenName":%q,"familyName":"Öberg","meta":{"created":"2026-01-01T00:00:00Z","modified":"2026-01-02T00:00:00Z"},"securityMarking":"Ingen"}`, id, given))
}

func newTestClient(t *testing.T, h http.Handler, opts ...Option) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	opts = append([]Option{WithBearerToken("tok"), WithRetry(RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond})}, opts...)
	c, err := New(srv.URL+"/ss12000/v2", opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func collect[T any](t *testing.T, seq func(func(T, error) bool)) ([]T, []error) {
	t.Helper()
	var items []T
	var errs []error
	for v, err := range seq {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		items = append(items, v)
	}
	return items, errs
}

func ids(ps []PersonExpanded) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

func TestListPersonsPaging(t *testing.T) {
	srv := &pagedServer{t: t, expireAt: -1}
	for i := range 7 {
		srv.persons = append(srv.persons, person(fmt.Sprintf("p%d", i), "Åsa"))
	}
	mux := http.NewServeMux()
	mux.Handle("/ss12000/v2/persons", srv)
	c := newTestClient(t, mux)
	got, errs := collect(t, c.ListPersons(context.Background(), &ListPersonsParams{Limit: 3, NameContains: []string{"Åsa"}}))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if d := cmp.Diff([]string{"p0", "p1", "p2", "p3", "p4", "p5", "p6"}, ids(got)); d != "" {
		t.Fatal(d)
	}
	// First request carries the filters, the following ones only pageToken and limit.
	want := []string{"limit=3&nameContains=%C3%85sa", "limit=3&pageToken=3", "limit=3&pageToken=6"}
	if d := cmp.Diff(want, srv.requests); d != "" {
		t.Fatalf("requests (-want +got):\n%s", d)
	}
}

func TestListPersonsDefaultLimit(t *testing.T) {
	srv := &pagedServer{t: t, expireAt: -1, persons: []json.RawMessage{person("a", "A")}}
	mux := http.NewServeMux()
	mux.Handle("/ss12000/v2/persons", srv)
	c := newTestClient(t, mux, WithPageSize(250))
	if _, errs := collect(t, c.ListPersons(context.Background(), nil)); len(errs) > 0 {
		t.Fatal(errs)
	}
	if srv.requests[0] != "limit=250" {
		t.Fatalf("first request %q", srv.requests[0])
	}
}

func TestListPersonsExpiredTokenRestartsOnce(t *testing.T) {
	srv := &pagedServer{t: t, expireAt: 4}
	for i := range 6 {
		srv.persons = append(srv.persons, person(fmt.Sprintf("p%d", i), "Jörg"))
	}
	mux := http.NewServeMux()
	mux.Handle("/ss12000/v2/persons", srv)
	c := newTestClient(t, mux)
	got, errs := collect(t, c.ListPersons(context.Background(), &ListPersonsParams{Limit: 2}))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if d := cmp.Diff([]string{"p0", "p1", "p2", "p3", "p4", "p5"}, ids(got)); d != "" {
		t.Fatalf("each record exactly once after the restart: %s", d)
	}
	if len(srv.requests) != 6 { // 3 pages, a 410, then 3 pages again from the start
		t.Fatalf("requests: %v", srv.requests)
	}
}

func TestListPersonsSecondExpiryFails(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("pageToken") != "" {
			w.WriteHeader(410)
			return
		}
		fmt.Fprintf(w, `{"data":[%s],"pageToken":"next"}`, person("x", "X"))
	})
	c := newTestClient(t, h)
	_, errs := collect(t, c.ListPersons(context.Background(), nil))
	if len(errs) != 1 || !errors.Is(errs[0], ErrGone) {
		t.Fatalf("errs = %v", errs)
	}
}

func TestTolerantDecoding(t *testing.T) {
	bad := json.RawMessage(`{"id":"bad-1","givenName":42,"familyName":"X","meta":{"created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z"}}`)
	noID := json.RawMessage(`{"givenName":"Utan","familyName":"Id","meta":{"created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z"}}`)
	srv := &pagedServer{t: t, expireAt: -1, persons: []json.RawMessage{person("a", "A"), bad, person("b", "B"), noID, person("elev-1042", "C")}}
	mux := http.NewServeMux()
	mux.Handle("/ss12000/v2/persons", srv)

	c := newTestClient(t, mux)
	got, errs := collect(t, c.ListPersons(context.Background(), &ListPersonsParams{Limit: 10}))
	if d := cmp.Diff([]string{"a", "b", "elev-1042"}, ids(got)); d != "" {
		t.Fatal(d)
	}
	if len(errs) != 2 {
		t.Fatalf("errs = %v", errs)
	}
	var re *RecordError
	if !errors.As(errs[0], &re) || re.Index != 1 || re.ID != "bad-1" || re.Path != "/persons" {
		t.Fatalf("first error = %#v", errs[0])
	}
	if !errors.As(errs[1], &re) || re.Index != 3 || !errors.Is(re, ErrNoID) {
		t.Fatalf("second error = %#v", errs[1])
	}

	strict := newTestClient(t, mux, WithStrict())
	got, errs = collect(t, strict.ListPersons(context.Background(), &ListPersonsParams{Limit: 10}))
	if len(got) != 0 || len(errs) != 1 {
		t.Fatalf("strict: got %d records, errs %v", len(got), errs)
	}
}

func TestPageLevelErrors(t *testing.T) {
	for name, body := range map[string]string{
		"not json":    `<html>oops</html>`,
		"no data":     `{"pageToken":null}`,
		"data object": `{"data":{"id":"x"}}`,
		"truncated":   `{"data":[{"id":"a","givenName":"A","familyName":"B","meta":{}}`,
	} {
		t.Run(name, func(t *testing.T) {
			c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, body) }))
			_, errs := collect(t, c.ListPersons(context.Background(), nil))
			var de *DecodeError
			if len(errs) != 1 || !errors.As(errs[0], &de) {
				t.Fatalf("errs = %v", errs)
			}
		})
	}
}

func TestSameTokenTwiceStops(t *testing.T) {
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"data":[%s],"pageToken":"same"}`, person("x", "X"))
	}))
	n := 0
	for _, err := range c.ListPersons(context.Background(), nil) {
		n++
		if n > 10 {
			t.Fatal("iterator loops forever")
		}
		if err != nil {
			return
		}
	}
	t.Fatal("no error for a repeating token")
}

func TestAPIErrors(t *testing.T) {
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "req-7")
		switch r.URL.Path {
		case "/ss12000/v2/persons/missing":
			w.WriteHeader(404)
			fmt.Fprint(w, `{"code":"NotFound","message":"no person 199001011234"}`)
		default:
			w.WriteHeader(403)
			fmt.Fprint(w, `{"code":403,"message":"denied"}`)
		}
	}))
	_, err := c.GetPerson(context.Background(), "missing", nil)
	var ae *APIError
	if !errors.Is(err, ErrNotFound) || !errors.As(err, &ae) || ae.Code != "NotFound" || ae.RequestID != "req-7" {
		t.Fatalf("err = %#v", err)
	}
	if strings.Contains(err.Error(), "199001011234") {
		t.Fatalf("personal number in error: %v", err)
	}
	_, err = c.GetOrganisation(context.Background(), "x", nil)
	if !errors.Is(err, ErrForbidden) || !errors.As(err, &ae) || ae.Code != "403" {
		t.Fatalf("err = %#v", err)
	}
}

func TestLookupSplitsOnTooLarge(t *testing.T) {
	var mu sync.Mutex
	var sizes []int
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body PersonsLookup
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			t.Errorf("bad body: %v", err)
		}
		n := len(body.Ids) + len(body.CivicNos)
		mu.Lock()
		sizes = append(sizes, n)
		mu.Unlock()
		if n > 3 {
			w.WriteHeader(413)
			return
		}
		var recs []string
		for _, id := range body.Ids {
			recs = append(recs, string(person(id, "L")))
		}
		fmt.Fprintf(w, "[%s]", strings.Join(recs, ","))
	}), WithLookupBatch(8))
	var want []string
	for i := range 10 {
		want = append(want, fmt.Sprintf("id%02d", i))
	}
	got, err := c.LookupPersons(context.Background(), PersonsLookup{Ids: want}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, ids(got)); d != "" {
		t.Fatal(d)
	}
	// 8 -> 413, split 4 -> 413, 2, 2, 4 -> 413, 2, 2; then the remaining batch of 2.
	if d := cmp.Diff([]int{8, 4, 2, 2, 4, 2, 2, 2}, sizes); d != "" {
		t.Fatalf("request sizes: %s", d)
	}
}

func TestLookupCalendarEventsRejectsOtherTypes(t *testing.T) {
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `[{"id":"ce1","startTime":"2026-09-01T08:00:00Z","endTime":"2026-09-01T09:00:00Z","activity":{"id":"a"},"meta":{"created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z"}},
		{"id":"att1","student":{"id":"s"},"calendarEvent":{"id":"ce1"},"meta":{"created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z"}}]`)
	}))
	got, err := c.LookupCalendarEvents(context.Background(), CalendarEventsLookup{Ids: []string{"ce1", "att1"}}, nil)
	var bad RecordErrors
	if len(got) != 1 || got[0].ID != "ce1" || !errors.As(err, &bad) || len(bad) != 1 {
		t.Fatalf("got %v, err %v", got, err)
	}
}

// Log and statistics entries go to the paths the standard gives, with their trailing slash;
// a service without them answers 404, and no other path is tried.
func TestReportsGoToTheStandardPathsOnly(t *testing.T) {
	var paths []string
	status := 201
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.Method+" "+r.URL.Path)
		w.WriteHeader(status)
	}))
	ctx := context.Background()
	if err := c.CreateLogEntry(ctx, LogEntry{Message: "m", SeverityLevel: LogEntrySeverityLevelInfo}); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateStatisticsEntry(ctx, StatisticsEntry{ResourceType: EndPointsPerson, NewCount: 1}); err != nil {
		t.Fatal(err)
	}
	status = 404
	if err := c.CreateLogEntry(ctx, LogEntry{Message: "m", SeverityLevel: LogEntrySeverityLevelInfo}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("log entry at a service without /log/: %v", err)
	}
	want := []string{"POST /ss12000/v2/log/", "POST /ss12000/v2/statistics/", "POST /ss12000/v2/log/"}
	if d := cmp.Diff(want, paths); d != "" {
		t.Fatal(d)
	}
}

func TestDeletedEntitiesBothSpellings(t *testing.T) {
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("pageToken") == "" {
			fmt.Fprint(w, `{"data":{"persons":["p1"],"activitites":["a1"]},"pageToken":"2"}`)
			return
		}
		fmt.Fprint(w, `{"data":{"activities":["a2","a1"],"groups":["g1"]},"pageToken":null}`)
	}))
	got, errs := collect(t, c.ListDeletedEntities(context.Background(), nil))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	want := []DeletedEntity{{"Person", "p1"}, {"Activity", "a1"}, {"Activity", "a2"}, {"Activity", "a1"}, {"Group", "g1"}}
	slices.SortFunc(got, func(a, b DeletedEntity) int { return strings.Compare(string(a.Type)+a.ID, string(b.Type)+b.ID) })
	slices.SortFunc(want, func(a, b DeletedEntity) int { return strings.Compare(string(a.Type)+a.ID, string(b.Type)+b.ID) })
	if d := cmp.Diff(want, got); d != "" {
		t.Fatal(d)
	}
}

func TestNewRejectsBadInput(t *testing.T) {
	for _, u := range []string{"", "ftp://x", "/relative", "http://", "http://x/?q=1"} {
		if _, err := New(u); err == nil {
			t.Errorf("New(%q) accepted", u)
		}
	}
	for _, o := range []Option{WithPageSize(0), WithLookupBatch(-1), WithBearerToken("")} {
		if _, err := New("http://x", o); err == nil {
			t.Error("invalid option accepted")
		}
	}
}

// TestLogsCarryNoSecrets drives requests with a token, personal numbers in filters and a
// failing page through a debug logger and scans every line.
func TestLogsCarryNoSecrets(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	calls := 0
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		if calls == 1 {
			w.WriteHeader(503)
			return
		}
		fmt.Fprintf(w, `{"data":[%s],"pageToken":null}`, person("p", "P"))
	}), WithLogger(logger), WithBearerToken("s3cr3t-token-value"))
	for range c.ListPersons(context.Background(), &ListPersonsParams{CivicNo: "19121212-1212"}) {
	}
	_, _ = c.LookupPersons(context.Background(), PersonsLookup{CivicNos: []string{"191212121212"}}, nil)
	out := buf.String()
	if !strings.Contains(out, "retrying") {
		t.Fatalf("expected a retry line, got:\n%s", out)
	}
	for _, pat := range []string{`s3cr3t`, `(?i)bearer`, `1212121212`, `121212-1212`} {
		if regexp.MustCompile(pat).MatchString(out) {
			t.Errorf("log matches %q:\n%s", pat, out)
		}
	}
	if testing.Verbose() {
		os.Stderr.WriteString(out)
	}
}

// What the service assigns (readOnly in the standard) is never sent, even when the record to
// create was read from a service.
func TestCreatesLeaveOutWhatTheServiceAssigns(t *testing.T) {
	var bodies []map[string]any
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		_ = json.NewDecoder(r.Body).Decode(&m)
		bodies = append(bodies, m)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"id":"new","meta":{"created":"2026-03-02T08:00:00Z","modified":"2026-03-02T08:00:00Z"}}`)
	}))
	ctx := context.Background()
	meta := Meta{Created: time.Now(), Modified: time.Now()}
	person := PersonReference{ID: "p1", DisplayName: "Ada"}
	if _, err := c.CreateAttendance(ctx, Attendance{ID: "old", Meta: meta, Student: person,
		CalendarEvent: CalendarEventReference{ID: "e1", DisplayName: "Matte"}, IsReported: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateAttendanceEvent(ctx, AttendanceEvent{ID: "old", Meta: meta, Person: person,
		Group: GroupReference{ID: "g1", DisplayName: "7A"}, EventType: AttendanceEventEventTypeIn, Time: time.Now()}); err != nil {
		t.Fatal(err)
	}
	states := []AttendanceScheduleState{{RegisteredBy: person, State: "Begärt", RegisteredAt: time.Now()}}
	if _, err := c.CreateAttendanceSchedule(ctx, AttendanceSchedule{ID: "old", Meta: meta, State: states,
		Placement: PlacementReference{ID: "pl", DisplayName: "Förskola"}, NumberOfWeeks: 1}); err != nil {
		t.Fatal(err)
	}
	if states[0].RegisteredBy.DisplayName != "Ada" {
		t.Error("the caller's schedule states were changed")
	}
	if _, err := c.CreateAbsence(ctx, Absence{ID: "old", Meta: meta, Student: person, Type: "Anmäld frånvaro"}); err != nil {
		t.Fatal(err)
	}
	for i, b := range bodies {
		raw, _ := json.Marshal(b)
		for _, banned := range []string{`"id":"old"`, `"meta"`, `"displayName"`} {
			if strings.Contains(string(raw), banned) {
				t.Errorf("create %d sent %s: %s", i, banned, raw)
			}
		}
	}
}

// A schedule's times of day are "HH:MM" strings, as services send them; the official file's
// integer endTime would make every real schedule a RecordError.
func TestAttendanceScheduleTimesAreClockTimes(t *testing.T) {
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"data":[{"id":"s1","meta":{"created":"2026-03-02T08:00:00Z","modified":"2026-03-02T08:00:00Z"},`+
			`"placement":{"id":"pl"},"numberOfWeeks":1,"startDate":"2026-03-02","state":[],"scheduleDays":[],`+
			`"scheduleEntries":[{"dayOfWeek":"Måndag","weekOffset":0,"startTime":"07:30","endTime":"16:00"}]}]}`)
	}))
	page, err := c.ListAttendanceSchedulesPage(context.Background(), nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 1 || page.Items[0].ScheduleEntries[0].EndTime != "16:00" {
		t.Fatalf("page %+v", page)
	}
}
