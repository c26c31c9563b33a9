package canvas_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/edusync/edusync/canvas"
	"github.com/edusync/edusync/canvas/canvastest"
	"github.com/edusync/edusync/internal/leakcheck"
)

const leakToken = "canvas-token-Zq81xK"

// fakeAnswers returns real answers of the fake for a course's enrolments, an account's users
// and courses and its terms, keyed by the path under /api/v1.
func fakeAnswers(t *testing.T) map[string][]byte {
	t.Helper()
	srv := canvastest.NewServer(canvastest.WithoutThrottle())
	defer srv.Close()
	srv.SeedEnrollments(canvastest.EnrollmentSeed{CourseSISID: "LEAK", Students: 2, Teachers: 1})
	out := map[string][]byte{}
	for _, p := range []string{"/courses/sis_course_id:LEAK/enrollments", "/accounts/self/users", "/accounts/self/courses", "/accounts/self/terms", "/courses/sis_course_id:LEAK"} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL()+p, nil)
		req.Header.Set("Authorization", "Bearer "+srv.Token())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || len(b) < 3 {
			t.Fatalf("%s: %d %s", p, resp.StatusCode, b)
		}
		out[p] = b
	}
	return out
}

// Every decoder of the client is fed answers whose every field holds a valid identity number
// (each form, as a string and as a number) or the client's token: no run of four of the
// number's digits, and not the token, appears in err.Error(), %+v or the log.
func TestDecodersLeakNoIdentityNumberOrToken(t *testing.T) {
	answers := fakeAnswers(t)
	for _, value := range append([]string{leakToken}, leakcheck.Numbers...) {
		for _, asNumber := range []bool{false, true} {
			poisoned := map[string][]byte{}
			for p, b := range answers {
				poisoned[p] = leakcheck.Fill(b, value, asNumber)
			}
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, ok := poisoned[strings.TrimPrefix(r.URL.Path, "/api/v1")]
				if !ok {
					w.WriteHeader(http.StatusNotFound)
					fmt.Fprintf(w, `{"errors":[{"message":"no %s for %s"}]}`, value, r.Header.Get("Authorization"))
					return
				}
				w.Write(b)
			}))
			for _, strict := range []bool{false, true} {
				var logs bytes.Buffer
				opts := []canvas.Option{canvas.WithBearerToken(leakToken), canvas.WithoutRetry(), canvas.WithLogger(leakcheck.Logger(&logs))}
				if strict {
					opts = append(opts, canvas.WithStrict())
				}
				c, err := canvas.New(srv.URL, opts...)
				if err != nil {
					t.Fatal(err)
				}
				ctx := context.Background()
				var errs []error
				for _, err := range c.ListCourseEnrollments(ctx, canvas.SISCourse("LEAK"), nil) {
					errs = append(errs, err)
				}
				for _, err := range c.ListUsers(ctx, canvas.Self, nil) {
					errs = append(errs, err)
				}
				for _, err := range c.ListCourses(ctx, canvas.Self, nil) {
					errs = append(errs, err)
				}
				for _, err := range c.ListTerms(ctx, canvas.Self, nil) {
					errs = append(errs, err)
				}
				_, err = c.GetCourse(ctx, canvas.SISCourse("LEAK"), nil)
				errs = append(errs, err)
				_, err = c.ListCourseEnrollmentsPage(ctx, canvas.SISCourse("LEAK"), nil, "")
				errs = append(errs, err)
				_, err = c.GetUser(ctx, canvas.SISUser(value), nil) // 404 naming the user and the token
				errs = append(errs, err)
				leakcheck.Decoders(t, value, leakToken, errs, logs.String(), 2, srv.Listener.Addr().String())
			}
			srv.Close()
		}
	}
}

// Requests that fail at the transport, with identity numbers in SIS ids in the path and in the
// query, name the request without them.
func TestTransportErrorsLeakNoIdentityNumber(t *testing.T) {
	addr := leakcheck.Unreachable(t)
	var logs bytes.Buffer
	c, err := canvas.New("http://"+addr, canvas.WithBearerToken(leakToken), canvas.WithoutRetry(), canvas.WithLogger(leakcheck.Logger(&logs)))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var texts []string
	for _, n := range leakcheck.Numbers {
		_, err := c.GetUser(ctx, canvas.SISUser(n), nil)
		texts = append(texts, leakcheck.Texts(err)...)
		for _, err := range c.ListUsers(ctx, canvas.Self, &canvas.ListUsersParams{SearchTerm: n}) {
			texts = append(texts, leakcheck.Texts(err)...)
		}
		for _, err := range c.ListCourseEnrollments(ctx, canvas.SISCourse("C"), &canvas.ListCourseEnrollmentsParams{SisUserID: []string{n}}) {
			texts = append(texts, leakcheck.Texts(err)...)
		}
	}
	texts = append(texts, logs.String())
	if !strings.Contains(texts[0], "canvas: GET /api/v1/users/sis_user_id:[redacted]") {
		t.Errorf("the error does not name the request: %s", texts[0])
	}
	leakcheck.Clean(t, texts, leakcheck.Numbers, []string{leakToken}, addr)
}
