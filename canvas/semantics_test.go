package canvas_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/edusync/edusync/canvas"
	"github.com/edusync/edusync/canvas/canvastest"
)

// SIS ids with "/", "." and other reserved characters reach Canvas as one path segment; sent
// unescaped, Canvas would not find them.
func TestSISIDEscaping(t *testing.T) {
	srv := newFake(t)
	c := newClient(t, srv)
	ctx := ctxT(t)
	ids := []string{"19950101/1234", "HIST.101", "a b%c", "Ämne/Ø.v1", "x+y:z@w", "end."}
	for i, id := range ids {
		u := must[*canvas.User](t)(c.CreateUser(ctx, canvas.Self, canvas.CreateUserRequest{
			User: canvas.UserInput{Name: "User " + strconv.Itoa(i)}, Pseudonym: canvas.PseudonymInput{UniqueID: "u" + strconv.Itoa(i) + "@x", SisUserID: id}}))
		for _, ref := range []canvas.Ref{canvas.SISUser(id), canvas.Ref("hex:" + strings.TrimPrefix(canvas.SISUser(id).HexPathSegment(), "hex:"))} {
			got, err := c.GetUser(ctx, ref, nil)
			if err != nil || got.ID != u.ID {
				t.Errorf("GetUser(%q) = %v, %v; want user %d", ref, got, err, u.ID)
			}
		}
		course := must[*canvas.Course](t)(c.CreateCourse(ctx, canvas.Self, canvas.CreateCourseRequest{Course: canvas.CourseInput{Name: "C", SisCourseID: id}}))
		sec := must[*canvas.Section](t)(c.CreateSection(ctx, canvas.SISCourse(id), canvas.SectionRequest{CourseSection: canvas.SectionInput{Name: "S", SisSectionID: id}}))
		e := must[*canvas.Enrollment](t)(c.EnrollInSection(ctx, canvas.SISSection(id), canvas.NewEnrollment{User: canvas.SISUser(id)}))
		if e.CourseID != course.ID || e.CourseSectionID != sec.ID || e.SisUserID != id {
			t.Errorf("enrolment by SIS ids %q: %+v", id, e)
		}
	}
	// The same id unescaped does not reach the user: "." is a format suffix to Canvas and "/"
	// splits the path.
	for _, raw := range []string{"/users/sis_user_id:HIST.101", "/users/sis_user_id:19950101/1234"} {
		req, _ := http.NewRequest("GET", srv.URL()+raw, nil)
		req.Header.Set("Authorization", "Bearer "+srv.Token())
		resp := must[*http.Response](t)(http.DefaultClient.Do(req))
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("unescaped %s answered %d, want 404", raw, resp.StatusCode)
		}
	}
}

// The path the client puts on the wire for each kind of reference.
func TestRefOnTheWire(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.RequestURI)
		io.WriteString(w, `{"id":1}`)
	}))
	defer srv.Close()
	c, _ := canvas.New(srv.URL, canvas.WithBearerToken("t"))
	ctx := ctxT(t)
	_, _ = c.GetUser(ctx, canvas.SISUser("a/b.c"), nil)
	_, _ = c.GetCourse(ctx, canvas.SISCourse("HIST 1.0"), nil)
	_, _ = c.GetSection(ctx, canvas.SISIntegration("x?y#z"), nil)
	_, _ = c.GetTerm(ctx, canvas.SISAccount("root.acc"), canvas.SISTerm("VT26"))
	_, _ = c.GetUser(ctx, canvas.SISLogin("anna@uni.example.se"), nil)
	want := []string{
		"/api/v1/users/sis_user_id:a%2Fb%2Ec",
		"/api/v1/courses/sis_course_id:HIST%201%2E0",
		"/api/v1/sections/sis_integration_id:x%3Fy%23z",
		"/api/v1/accounts/sis_account_id:root%2Eacc/terms/sis_term_id:VT26",
		"/api/v1/users/sis_login_id:anna@uni%2Eexample%2Ese",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("request URIs (-want +got):\n%s", d)
	}
}

// Throttled requests are retried until they pass, for GET and POST, whether Canvas answers 403
// "Rate Limit Exceeded" or 429; without retries the caller gets ErrRateLimited, never
// ErrForbidden.
func TestThrottleModes(t *testing.T) {
	for _, status := range []int{http.StatusForbidden, http.StatusTooManyRequests} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			// A small, slowly draining bucket that two requests in flight fill.
			srv := newFake(t, canvastest.WithThrottle(canvastest.Throttle{HighWater: 60, UpFront: 50, Outflow: 400, Cost: 5, Status: status}),
				canvastest.WithLatency(5*time.Millisecond))
			srv.SeedCourse("T", "Throttled")
			srv.SeedUsers("t-", 20)
			// The adaptive throttle would avoid the rejections; switch it off to provoke them, with
			// four workers and patient retries.
			c := newClient(t, srv, canvas.WithThrottle(canvas.ThrottleConfig{MaxConcurrency: 4}), canvas.WithoutThrottle(),
				canvas.WithRetry(canvas.RetryPolicy{MaxAttempts: 40, BaseDelay: 2 * time.Millisecond, MaxDelay: 20 * time.Millisecond}))
			ctx := ctxT(t)
			errs := c.RunBulk(ctx, 20, func(ctx2 context.Context, i int) error {
				if _, err := c.Enroll(ctx2, canvas.SISCourse("T"), canvas.NewEnrollment{User: canvas.SISUser("t-" + strconv.Itoa(i))}); err != nil {
					return err
				}
				_, err := c.GetUser(ctx2, canvas.SISUser("t-"+strconv.Itoa(i)), nil)
				return err
			})
			for i, err := range errs {
				if err != nil {
					t.Fatalf("item %d: %v", i, err)
				}
			}
			st := srv.Stats()
			if canvastest.Total(st.Throttled) == 0 {
				t.Fatal("the bucket never throttled; the test proves nothing")
			}
			if n := countWrites(srv.Writes(), "enrollInCourse"); n != 20 {
				t.Fatalf("%d enrolments written, want 20 (a throttled request must not be applied)", n)
			}

			noRetry := newClient(t, srv, canvas.WithoutThrottle(), canvas.WithoutRetry())
			var rateLimited, forbidden int
			for _, err := range noRetry.RunBulk(ctx, 40, func(ctx2 context.Context, i int) error {
				_, err := noRetry.GetUser(ctx2, canvas.SISUser("t-"+strconv.Itoa(i%20)), nil)
				return err
			}) {
				if errors.Is(err, canvas.ErrRateLimited) {
					rateLimited++
				}
				if errors.Is(err, canvas.ErrForbidden) {
					forbidden++
				}
			}
			if rateLimited == 0 || forbidden != 0 {
				t.Fatalf("without retries: %d rate-limited, %d forbidden; want some of the first and none of the second", rateLimited, forbidden)
			}
		})
	}
}

// With the adaptive throttle, bulk work against Canvas's default bucket is not throttled and
// runs many requests at once.
func TestAdaptiveThrottleAvoidsRejections(t *testing.T) {
	srv := newFake(t, canvastest.WithLatency(10*time.Millisecond), canvastest.WithThrottle(canvastest.Throttle{Cost: 0.02}))
	srv.SeedCourse("A", "Adaptive")
	srv.SeedUsers("a-", 300)
	c := newClient(t, srv)
	es := make([]canvas.NewEnrollment, 300)
	for i := range es {
		es[i] = canvas.NewEnrollment{User: canvas.SISUser("a-" + strconv.Itoa(i))}
	}
	start := time.Now()
	_, errs := c.EnrollMany(ctxT(t), canvas.SISCourse("A"), es)
	elapsed := time.Since(start)
	for i, err := range errs {
		if err != nil {
			t.Fatalf("item %d: %v", i, err)
		}
	}
	if th := canvastest.Total(srv.Stats().Throttled); th != 0 {
		t.Fatalf("%d requests throttled", th)
	}
	if st := c.ThrottleStats(); st.Throttled != 0 || st.Requests != 300 {
		t.Fatalf("throttle state %+v", st)
	}
	// One at a time this would take at least 300 × 10 ms.
	if elapsed > 1500*time.Millisecond {
		t.Fatalf("300 enrolments took %v", elapsed)
	}
}

// Custom roles are looked up by label once; ids differ between instances; a missing label
// fails at once, an unresolved one fails before anything is sent, and an explicit id works.
func TestRoleResolution(t *testing.T) {
	roles := canvastest.WithCustomRoles(canvastest.CustomRole{Label: "Examiner", BaseType: "TeacherEnrollment"},
		canvastest.CustomRole{Label: "Mentor", BaseType: "TaEnrollment"}, canvastest.CustomRole{Label: "Retired", BaseType: "TaEnrollment", Inactive: true})
	a, b := newFake(t, roles, canvastest.WithSeed(7)), newFake(t, roles, canvastest.WithSeed(8))
	ca, cb := newClient(t, a), newClient(t, b)
	ctx := ctxT(t)
	ra := must[map[string]canvas.Role](t)(ca.ResolveRoles(ctx, canvas.Self, "Examiner", "Mentor", "StudentEnrollment"))
	rb := must[map[string]canvas.Role](t)(cb.ResolveRoles(ctx, canvas.Self, "Examiner", "Mentor"))
	if ra["Examiner"].ID == rb["Examiner"].ID || ra["Examiner"].ID == 0 {
		t.Fatalf("role ids do not differ between instances: %d, %d", ra["Examiner"].ID, rb["Examiner"].ID)
	}
	if _, ok := ra["StudentEnrollment"]; ok {
		t.Fatal("a base type was looked up")
	}
	_, err := ca.ResolveRoles(ctx, canvas.Self, "Examiner", "Retired", "Censor")
	var missing *canvas.MissingRolesError
	if !errors.As(err, &missing) || !cmp.Equal(missing.Labels, []string{"Censor", "Retired"}) {
		t.Fatalf("missing roles: %v", err)
	}

	a.SeedCourse("R", "Roles")
	a.SeedUsers("r-", 4)
	e := must[*canvas.Enrollment](t)(ca.Enroll(ctx, canvas.SISCourse("R"), canvas.NewEnrollment{User: canvas.SISUser("r-0"), Role: "Examiner"}))
	if e.RoleID != ra["Examiner"].ID || e.Type != canvas.EnrollmentTypeTeacher || e.Role != "Examiner" {
		t.Fatalf("examiner enrolment %+v", e)
	}
	e = must[*canvas.Enrollment](t)(ca.Enroll(ctx, canvas.SISCourse("R"), canvas.NewEnrollment{User: canvas.SISUser("r-1"), RoleID: ra["Mentor"].ID}))
	if e.RoleID != ra["Mentor"].ID || e.Type != canvas.EnrollmentTypeTa {
		t.Fatalf("mentor enrolment by id %+v", e)
	}
	e = must[*canvas.Enrollment](t)(ca.Enroll(ctx, canvas.SISCourse("R"), canvas.NewEnrollment{User: canvas.SISUser("r-2"), Role: "TeacherEnrollment"}))
	if e.Type != canvas.EnrollmentTypeTeacher || e.Role != "TeacherEnrollment" {
		t.Fatalf("base-role enrolment %+v", e)
	}
	before := canvastest.Total(a.Stats().Requests)
	fresh := newClient(t, a)
	if _, err := fresh.Enroll(ctx, canvas.SISCourse("R"), canvas.NewEnrollment{User: canvas.SISUser("r-3"), Role: "Examiner"}); !errors.Is(err, canvas.ErrRoleNotResolved) {
		t.Fatalf("unresolved role: %v", err)
	}
	if _, err := ca.Enroll(ctx, canvas.SISCourse("R"), canvas.NewEnrollment{User: canvas.SISUser("r-3"), Type: canvas.EnrollmentTypeStudent, Role: "TeacherEnrollment"}); err == nil {
		t.Fatal("disagreeing type and role accepted")
	}
	if after := canvastest.Total(a.Stats().Requests); after != before {
		t.Fatalf("%d requests sent for enrolments that could not be valid", after-before)
	}
}

// Enrolments are created in an explicit state: active unless asked otherwise, never Canvas's
// default invited.
func TestEnrollmentStateExplicit(t *testing.T) {
	srv := newFake(t)
	srv.SeedCourse("S", "States")
	srv.SeedUsers("s-", 3)
	c := newClient(t, srv)
	ctx := ctxT(t)
	cases := []struct {
		state, want canvas.EnrollmentState
	}{
		{"", canvas.EnrollmentStateActive},
		{canvas.EnrollmentStateInactive, canvas.EnrollmentStateInactive},
		{canvas.EnrollmentStateInvited, canvas.EnrollmentStateInvited},
	}
	for i, tc := range cases {
		e := must[*canvas.Enrollment](t)(c.Enroll(ctx, canvas.SISCourse("S"), canvas.NewEnrollment{User: canvas.SISUser("s-" + strconv.Itoa(i)), State: tc.state}))
		if e.EnrollmentState != tc.want {
			t.Errorf("state %q: got %q, want %q", tc.state, e.EnrollmentState, tc.want)
		}
	}
	// What the fake does without a state, to show the test above can fail.
	req, _ := http.NewRequest("POST", srv.URL()+"/courses/sis_course_id:S/enrollments", strings.NewReader("enrollment[user_id]=sis_user_id:s-0&enrollment[type]=TaEnrollment"))
	req.Header.Set("Authorization", "Bearer "+srv.Token())
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp := must[*http.Response](t)(http.DefaultClient.Do(req))
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), `"enrollment_state":"invited"`) {
		t.Fatalf("the fake's default state is not invited: %s", b)
	}
	if _, err := c.Enroll(ctx, canvas.SISCourse("S"), canvas.NewEnrollment{User: canvas.SISUser("s-0"), State: canvas.EnrollmentStateCompleted}); err == nil {
		t.Fatal("an enrolment was created completed")
	}
}

func countWrites(ws []canvastest.Write, op string) int {
	n := 0
	for _, w := range ws {
		if w.Operation == op {
			n++
		}
	}
	return n
}

// duplicates returns the writes whose (operation, key) occurs more than once.
func duplicates(ws []canvastest.Write) []string {
	seen := map[string]int{}
	for _, w := range ws {
		seen[w.Operation+" "+w.Kind+" "+w.Key]++
	}
	var out []string
	for k, n := range seen {
		if n > 1 {
			out = append(out, fmt.Sprintf("%s ×%d", k, n))
		}
	}
	return out
}
