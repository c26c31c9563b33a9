package canvastest

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The server answers exactly the operations of openapi/canvas.yaml, at the spec's methods and
// paths: the fake cannot grow or lose an operation without the spec.
func TestOperationsMatchSpec(t *testing.T) {
	f, err := os.Open("../../openapi/canvas.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pathRe := regexp.MustCompile(`^  (/\S*):\s*$`)
	methodRe := regexp.MustCompile(`^    (get|put|post|delete|patch):\s*$`)
	opRe := regexp.MustCompile(`^      operationId:\s*(\w+)\s*$`)
	var spec []string
	var p, m string
	sc := bufio.NewScanner(f)
	inPaths := false
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "paths:":
			inPaths = true
		case inPaths && len(line) > 0 && line[0] != ' ' && line[0] != '#':
			inPaths = false
		case !inPaths:
		case pathRe.MatchString(line):
			p = pathRe.FindStringSubmatch(line)[1]
		case methodRe.MatchString(line):
			m = strings.ToUpper(methodRe.FindStringSubmatch(line)[1])
		case opRe.MatchString(line):
			spec = append(spec, m+" "+BasePath+p+" "+opRe.FindStringSubmatch(line)[1])
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(spec) < 40 {
		t.Fatalf("read only %d operations from the spec; the parser is wrong", len(spec))
	}
	s := NewHandler()
	defer s.Close()
	var served []string
	for pattern, op := range s.kit.Routes() {
		served = append(served, pattern+" "+op)
	}
	slices.Sort(spec)
	slices.Sort(served)
	if d := cmp.Diff(spec, served); d != "" {
		t.Fatalf("operations (-spec +fake):\n%s", d)
	}
}

var (
	fuzzOnce sync.Once
	fuzzSrv  *Server
)

// FuzzServer sends requests of any method, path, query and body to the fake: it must never
// fail with a server error or panic, must answer errors with Canvas's JSON error body, and must
// put the rate-limit headers on every answer to an authenticated request.
func FuzzServer(f *testing.F) {
	for _, seed := range [][4]string{
		{"GET", "/accounts/self", "", ""},
		{"GET", "/courses/sis_course_id:F/enrollments", "per_page=2&page=bookmark:WzFd&state[]=active&type[]=StudentEnrollment", ""},
		{"GET", "/courses/sis_course_id:F/enrollments", "page=bookmark:!!&per_page=-1", ""},
		{"GET", "/accounts/self/users", "search_term=Å&per_page=100&page=2", ""},
		{"POST", "/accounts/self/users", "", `{"user":{"name":"X"},"pseudonym":{"unique_id":"x@e","sis_user_id":"X"}}`},
		{"POST", "/courses/sis_course_id:F/enrollments", "", `{"enrollment":{"user_id":"sis_user_id:f-0","type":"StudentEnrollment","enrollment_state":"active"}}`},
		{"POST", "/courses/sis_course_id:F/enrollments", "", `{"enrollment":{"user_id":5,"role_id":"x"}}`},
		{"DELETE", "/courses/sis_course_id:F/enrollments/1000007", "task=inactivate", ""},
		{"PUT", "/courses/sis_course_id:F/enrollments/1000007/reactivate", "", ""},
		{"POST", "/sections/sis_section_id:F/crosslist/sis_course_id:G", "", ""},
		{"PUT", "/users/sis_user_id:f-1", "", `{"user":{"event":"suspend"}}`},
		{"POST", "/accounts/self/sis_imports", "extension=csv&diffing_data_set_identifier=d&change_threshold=5", "user_id,login_id\nu,l\n"},
		{"POST", "/accounts/self/terms", "", `{"enrollment_term":{"name":"T","sis_term_id":"T","start_at":"x"}}`},
		{"GET", "/users/hex:sis_user_id:zz", "", ""},
		{"GET", "/courses/sis_course_id:a.b", "", ""},
		{"GET", "/progress/1", "", ""},
		{"POST", "/conversations", "", `{"recipients":["10001","course_40000_teachers"],"subject":"S","body":"B","context_code":"course_40000"}`},
		{"POST", "/conversations", "", `{"recipients":"10001,10002","body":"B","force_new":true,"group_conversation":true}`},
		{"POST", "/conversations", "", "recipients[]=10001&recipients[]=x&body=hej"},
		{"POST", "/conversations", "", `{"recipients":[],"body":""}`},
	} {
		f.Add(seed[0], seed[1], seed[2], seed[3])
	}
	f.Fuzz(func(t *testing.T, method, path, query, body string) {
		fuzzOnce.Do(func() {
			fuzzSrv = NewHandler(WithoutThrottle(), WithSISImportDelay(0), WithMaxBody(1<<16),
				WithCustomRoles(CustomRole{Label: "Examiner", BaseType: "TeacherEnrollment"}))
			fuzzSrv.SeedEnrollments(EnrollmentSeed{CourseSISID: "F", Students: 5})
			fuzzSrv.SeedCourse("G", "Other")
		})
		s := fuzzSrv
		if method == "" || strings.ContainsAny(method, " \t\r\n()<>@,;:\\\"/[]?={}") {
			return
		}
		u := &url.URL{Path: BasePath + "/" + strings.TrimLeft(path, "/"), RawQuery: query}
		req, err := http.NewRequest(method, "http://fuzz"+u.String(), strings.NewReader(body))
		if err != nil {
			return
		}
		req.Header.Set("Authorization", "Bearer "+s.Token())
		if strings.HasPrefix(strings.TrimSpace(body), "{") {
			req.Header.Set("Content-Type", "application/json")
		}
		rec := httptest.NewRecorder()
		done := make(chan struct{})
		go func() {
			defer close(done)
			s.ServeHTTP(rec, req)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s %s?%s did not answer", method, u.Path, query)
		}
		if rec.Code >= 500 {
			t.Fatalf("%s %s?%s: %d %s", method, u.Path, query, rec.Code, rec.Body)
		}
		if rec.Code >= 400 && rec.Code != http.StatusUnauthorized && !isErrorBody(rec.Body.Bytes()) {
			t.Fatalf("%s %s: %d without Canvas's error body: %q", method, u.Path, rec.Code, rec.Body)
		}
		if rec.Code < 300 && !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("%s %s: %d with a body that is not JSON: %q", method, u.Path, rec.Code, rec.Body)
		}
		if rec.Header().Get("X-Request-Id") == "" {
			t.Fatal("no X-Request-Id")
		}
		if routed(s, req) && (rec.Header().Get("X-Rate-Limit-Remaining") == "" || rec.Header().Get("X-Request-Cost") == "") {
			t.Fatalf("%s %s: %d without rate-limit headers", method, u.Path, rec.Code)
		}
	})
}

// isErrorBody recognises Canvas's error bodies: {"errors": ...} or, from the conversations
// API, a bare array of {"attribute", "message"}.
func isErrorBody(b []byte) bool {
	var e struct {
		Errors json.RawMessage `json:"errors"`
	}
	if json.Unmarshal(b, &e) == nil && len(e.Errors) > 0 {
		return true
	}
	var list []struct {
		Attribute string `json:"attribute"`
		Message   string `json:"message"`
	}
	return json.Unmarshal(b, &list) == nil && len(list) > 0 && list[0].Attribute != "" && list[0].Message != ""
}

// routed reports whether req reaches an operation (after the Rails format suffix).
func routed(s *Server, req *http.Request) bool {
	r := req.Clone(req.Context())
	if !railsPath(r) {
		return false
	}
	_, ok := s.kit.Match(r)
	return ok
}
