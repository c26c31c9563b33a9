package ss12000test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/edusync/edusync/ss12000"
)

var (
	fuzzOnce sync.Once
	fuzzSrv  *Server
)

// FuzzServer sends arbitrary methods, paths, queries and bodies to the handler. The server must
// never panic, never answer 5xx (no faults are on), and answer every error with the Error body.
func FuzzServer(f *testing.F) {
	for _, seed := range [][4]string{
		{"GET", "/persons", "limit=2&expand=duties", ""},
		{"GET", "/persons", "pageToken=x&limit=1", ""},
		{"GET", "/calendarEvents", "startTime.onOrAfter=2025-09-01T00:00:00Z&startTime.onOrBefore=2025-09-02T00:00:00Z", ""},
		{"POST", "/persons/lookup", "expandReferenceNames=true", `{"ids":["elev-1042"],"civicNos":["x"]}`},
		{"POST", "/organisations/lookup", "", `{"schoolUnitCodes":[1]}`},
		{"POST", "/attendances", "", `{"calendarEvent":{"id":"e"},"student":{"id":"s"},"isReported":true}`},
		{"POST", "/attendanceSchedule", "", `{"placement":{"id":"p"},"numberOfWeeks":1,"startDate":"2026-01-01","state":[{}]}`},
		{"POST", "/subscriptions", "", `{"name":"n","target":"http://127.0.0.1:1/","resourceTypes":[{"resource":"Person"}]}`},
		{"PATCH", "/subscriptions/x", "", ""},
		{"DELETE", "/attendances/x", "a=b", ""},
		{"POST", "/log/", "", `{"message":"m","severityLevel":"Info"}`},
		{"GET", "/deletedEntities", "entities=Person,Group&after=2020-01-01T00:00:00Z", ""},
		{"GET", "/aggregatedAttendance", "startDate=2026-01-01&endDate=2025-01-01&expand=student", ""},
	} {
		f.Add(seed[0], seed[1], seed[2], seed[3])
	}
	f.Fuzz(func(t *testing.T, method, path, query, body string) {
		fuzzOnce.Do(func() {
			// Callbacks to whatever targets the fuzzer invents never leave the process.
			offline := &http.Client{Transport: roundTripFunc(func(*http.Request) (*http.Response, error) {
				return nil, errors.New("offline")
			})}
			fuzzSrv = NewHandler(WithDataset(SampleSchool()), WithCallbackWindow(0), WithCallbackRetries(0, 0), WithMaxBody(1<<16), WithCallbackClient(offline))
		})
		s := fuzzSrv
		if method == "" || strings.ContainsAny(method, " \t\r\n()<>@,;:\\\"/[]?={}") {
			return
		}
		u := &url.URL{Path: DefaultBasePath + "/" + strings.TrimLeft(path, "/"), RawQuery: query}
		req, err := http.NewRequest(method, "http://fuzz"+u.String(), strings.NewReader(body))
		if err != nil {
			return
		}
		req.Header.Set("Authorization", "Bearer "+s.Token())
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s?%s: %d %s", method, u.Path, query, rec.Code, rec.Body)
		}
		if rec.Code >= 400 && rec.Code != http.StatusMovedPermanently {
			var e ss12000.Error
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Code == "" {
				t.Fatalf("%s %s: %d without Error body: %q", method, u.Path, rec.Code, rec.Body)
			}
		}
		if rec.Header().Get("X-Request-Id") == "" {
			t.Fatal("no X-Request-Id")
		}
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
