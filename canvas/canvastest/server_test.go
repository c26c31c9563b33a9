package canvastest

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/edusync/edusync/canvas"
	"github.com/edusync/edusync/synth"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// The bucket follows Canvas's arithmetic: up-front charges while requests run, costs when they
// end, drain over time, a cap at Maximum, refusal at the high-water mark.
func TestBucketArithmetic(t *testing.T) {
	clk := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	bs := newBuckets(DefaultThrottle(), clk.now)
	type step struct {
		name          string
		do            func() float64
		wantRemaining float64
	}
	admit := func() float64 {
		ok, rem := bs.admit("tok")
		if !ok {
			return -1
		}
		return rem
	}
	steps := []step{
		{"first request charges 50", admit, 550},
		{"eleven more fill to the mark", func() float64 {
			var rem float64
			for range 11 {
				rem = admit()
			}
			return rem
		}, 0},
		{"at the mark the next is refused", admit, -1},
		{"one ends with cost 2", func() float64 { return bs.finish("tok", 2) }, 48},
		{"another may start", admit, 0},
		{"a second later 10 units have drained", func() float64 {
			clk.t = clk.t.Add(time.Second)
			return bs.finish("tok", 0)
		}, 58},
		{"costs never push the level above the maximum", func() float64 {
			for range 11 {
				bs.finish("tok", 500)
			}
			return bs.remaining(bs.get("tok", clk.now()))
		}, 0},
		{"the bucket drains to zero, never below", func() float64 {
			clk.t = clk.t.Add(time.Hour)
			return bs.finish("tok", 0)
		}, 600},
	}
	for _, s := range steps {
		if got := s.do(); got != s.wantRemaining {
			t.Fatalf("%s: remaining %v, want %v", s.name, got, s.wantRemaining)
		}
	}
	if lvl := bs.get("tok", clk.now()).level; lvl != 0 {
		t.Fatalf("level %v", lvl)
	}
	bs.set(Throttle{Off: true, HighWater: 600, Maximum: 800, Outflow: 10, UpFront: 50})
	for range 100 {
		if ok, _ := bs.admit("tok"); !ok {
			t.Fatal("refused with throttling off")
		}
	}
}

func TestRailsPath(t *testing.T) {
	cases := []struct {
		raw, path string
		ok        bool
	}{
		{"/api/v1/courses/1", "/api/v1/courses/1", true},
		{"/api/v1/courses/1.json", "/api/v1/courses/1", true},
		{"/api/v1/users/sis_user_id:a%2Eb", "/api/v1/users/sis_user_id:a.b", true},
		{"/api/v1/users/sis_user_id:a.b", "", false},
		{"/api/v1/users/sis_user_id:a.b/logins", "", false},
		{"/api/v1/courses/1.xml", "", false},
	}
	for _, c := range cases {
		r := httptest.NewRequest("GET", "http://x"+c.raw, nil)
		ok := railsPath(r)
		if ok != c.ok || (ok && r.URL.Path != c.path) {
			t.Errorf("railsPath(%s) = %v, %q; want %v, %q", c.raw, ok, r.URL.Path, c.ok, c.path)
		}
	}
}

func TestBookmarks(t *testing.T) {
	for _, id := range []int64{0, 1, 1_000_123, 1 << 40} {
		got, ok := parseBookmark(bookmark(id))
		if !ok || got != id {
			t.Errorf("bookmark %d round trip: %d %v", id, got, ok)
		}
	}
	if bookmark(10) != "bookmark:WzEwXQ" {
		t.Errorf("bookmark(10) = %q, not Canvas's form", bookmark(10))
	}
	for _, bad := range []string{"3", "bookmark:", "bookmark:!!", "bookmark:WyJ4Il0"} {
		if _, ok := parseBookmark(bad); ok {
			t.Errorf("parseBookmark(%q) accepted", bad)
		}
	}
}

func get(t *testing.T, s *Server, path string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("GET", s.URL()+path, nil)
	req.Header.Set("Authorization", "Bearer "+s.Token())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// Link headers look like Canvas's, which other clients parse with simple patterns: entries
// joined by "," without spaces, each ending in rel="...".
func TestLinkHeaderFormat(t *testing.T) {
	s := NewServer()
	defer s.Close()
	resp := get(t, s, "/accounts/self/roles?per_page=2&page=2")
	link := resp.Header.Get("Link")
	entry := regexp.MustCompile(`^<http://[^>]+>; rel="(current|next|prev|first|last)"$`)
	var rels []string
	for _, e := range strings.Split(link, ",") {
		m := entry.FindStringSubmatch(e)
		if m == nil {
			t.Fatalf("entry %q of %q is not in Canvas's form", e, link)
		}
		rels = append(rels, m[1])
	}
	if d := cmp.Diff([]string{"current", "next", "prev", "first", "last"}, rels); d != "" {
		t.Fatalf("rels (-want +got):\n%s", d)
	}
	if got := resp.Header.Get("X-Rate-Limit-Remaining"); got == "" || resp.Header.Get("X-Request-Cost") == "" {
		t.Fatal("rate-limit headers missing")
	}
	if resp := get(t, s, "/accounts/self/roles?page=0"); resp.StatusCode != 400 {
		t.Fatalf("page 0: %d", resp.StatusCode)
	}
	if resp := get(t, s, "/courses/1/enrollments?page=bookmark:zz"); resp.StatusCode != 404 && resp.StatusCode != 400 {
		t.Fatalf("bad bookmark: %d", resp.StatusCode)
	}
}

// A throttled answer carries the rate-limit headers and the status the throttle says.
func TestThrottledAnswer(t *testing.T) {
	for _, status := range []int{403, 429} {
		s := NewServer(WithThrottle(Throttle{HighWater: 10, UpFront: 50, Outflow: 0.001, Status: status}))
		if resp := get(t, s, "/accounts/self"); resp.StatusCode != 200 {
			t.Fatalf("first request: %d", resp.StatusCode)
		}
		s.SetThrottle(Throttle{HighWater: 10, UpFront: 50, Outflow: 0.001, Status: status, Cost: 100})
		get(t, s, "/accounts/self")
		resp := get(t, s, "/accounts/self")
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != status || !strings.Contains(string(body), "Rate Limit Exceeded") ||
			resp.Header.Get("X-Rate-Limit-Remaining") != "0" || resp.Header.Get("X-Request-Cost") != "0" {
			t.Fatalf("status %d body %q headers %v", resp.StatusCode, body, resp.Header)
		}
		if st := s.Stats(); st.Throttled["getAccount"] != 1 {
			t.Fatalf("stats %+v", st)
		}
		s.Close()
	}
}

// The same seed makes the same requests fail.
func TestFaultsRepeatable(t *testing.T) {
	run := func() []int {
		s := NewServer(WithFaults(Faults{Seed: 9, ErrorRate: 0.3}))
		defer s.Close()
		var codes []int
		for range 20 {
			codes = append(codes, get(t, s, "/accounts/self").StatusCode)
		}
		return codes
	}
	a, b := run(), run()
	if !cmp.Equal(a, b) {
		t.Fatalf("runs differ: %v vs %v", a, b)
	}
	failed := 0
	for _, c := range a {
		if c >= 500 {
			failed++
		}
	}
	if failed == 0 || failed == 20 {
		t.Fatalf("%d of 20 failed with a 30%% error rate", failed)
	}
}

// Uploads come as a raw body or as a multipart form; both are processed.
func TestSISUploadForms(t *testing.T) {
	s := NewServer(WithSISImportDelay(0))
	defer s.Close()
	csv := "user_id,login_id,first_name,last_name,status\nx1,x1@example.edu,Xi,Lu,active\n"
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("attachment", "users.csv")
	io.WriteString(fw, csv)
	mw.Close()
	for _, up := range []struct {
		ct   string
		body io.Reader
	}{{"text/csv", strings.NewReader(csv)}, {mw.FormDataContentType(), &body}} {
		req, _ := http.NewRequest("POST", s.URL()+"/accounts/self/sis_imports?import_type=instructure_csv", up.body)
		req.Header.Set("Authorization", "Bearer "+s.Token())
		req.Header.Set("Content-Type", up.ct)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s upload: %d", up.ct, resp.StatusCode)
		}
	}
	s.WaitSISImports()
	if resp := get(t, s, "/users/sis_user_id:x1"); resp.StatusCode != 200 {
		t.Fatalf("imported user: %d", resp.StatusCode)
	}
	n := 0
	for _, w := range s.Writes() {
		if w.Operation == "sisImport" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d writes from two identical imports, want 1", n)
	}
}

func TestLoadPopulation(t *testing.T) {
	opts, err := synth.PresetOptions(synth.PresetUniversity)
	if err != nil {
		t.Fatal(err)
	}
	opts.UniversityStudents, opts.UniversityStaff, opts.Departments = 200, 20, 3
	opts.CourseOfferings, opts.Programmes, opts.ProgrammeOfferings, opts.Registrations = 12, 1, 2, 600
	pop, err := synth.Generate(opts)
	if err != nil {
		t.Fatal(err)
	}
	s := NewServer()
	defer s.Close()
	res := s.LoadPopulation(pop, LoadOptions{})
	if res.Accounts != 3 || res.Courses != 12 || res.Users == 0 || res.Enrollments < 600 {
		t.Fatalf("loaded %+v", res)
	}
	co := pop.CourseOfferings[0]
	sis := co.CourseCode + "-" + co.Term + "-" + co.OfferingCode
	if resp := get(t, s, "/courses/sis_course_id:"+sis+"/enrollments?per_page=100"); resp.StatusCode != 200 {
		t.Fatalf("course %s: %d", sis, resp.StatusCode)
	}
	// No personal identity number reaches the fake, and protected persons have no real name.
	s.mu.RLock()
	defer s.mu.RUnlock()
	byID := map[string]*synth.Person{}
	for i := range pop.Persons {
		byID[pop.Persons[i].ID.String()] = &pop.Persons[i]
	}
	for _, u := range s.st.users {
		p := byID[u.u.SisUserID]
		if p == nil {
			continue
		}
		if p.CivicNo != "" && (strings.Contains(u.u.LoginID, p.CivicNo) || strings.Contains(u.u.Name, p.CivicNo)) {
			t.Fatalf("civic number in user %+v", u.u)
		}
		if p.Security.IsProtected() && (strings.Contains(u.u.Name, p.FamilyName) || u.u.Email != "") {
			t.Fatalf("protected person shown in full: %+v", u.u)
		}
	}
	capped := NewServer()
	defer capped.Close()
	if r := capped.LoadPopulation(pop, LoadOptions{MaxRegistrations: 100}); r.Enrollments > 100+len(pop.CourseOfferings)*5 || r.Courses >= 12 {
		t.Fatalf("capped load %+v", r)
	}
}

// Enrolments come back exactly as cached JSON, with Canvas's nulls.
func TestEnrollmentJSON(t *testing.T) {
	s := NewServer()
	defer s.Close()
	s.SeedEnrollments(EnrollmentSeed{CourseSISID: "J", Students: 1, Teachers: 1})
	resp := get(t, s, "/courses/sis_course_id:J/enrollments")
	b, _ := io.ReadAll(resp.Body)
	for _, want := range []string{`"associated_user_id":null`, `"end_at":null`, `"grades":{"html_url":`, `"user":{"id":`, `"enrollment_state":"active"`} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("enrolment JSON lacks %s: %s", want, b)
		}
	}
	var es []canvas.Enrollment
	if err := jsonUnmarshal(b, &es); err != nil || len(es) != 2 || es[0].User.ID == 0 {
		t.Fatalf("decoding %v: %+v", err, es)
	}
}

func TestAppendJSONString(t *testing.T) {
	for in, want := range map[string]string{
		"plain":          `"plain"`,
		`q"b\`:           `"q\"b\\"`,
		"a\nb\tc\x01":    `"a\nb\tc\u0001"`,
		"<&>":            `"\u003c\u0026\u003e"`,
		"\xff":           `"\ufffd"`,
		"Åsa\u2028":      `"Åsa\u2028"`,
		"Müller-Ødegård": `"Müller-Ødegård"`,
	} {
		if got := string(appendJSONString(nil, in)); got != want {
			t.Errorf("appendJSONString(%q) = %s, want %s", in, got, want)
		}
	}
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
