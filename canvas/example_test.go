package canvas_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"time"

	"github.com/edusync/edusync/canvas"
	"github.com/edusync/edusync/canvas/canvastest"
)

// List every enrolment of a course named by its SIS id. The iterator follows Canvas's Link
// headers and reads pages ahead while the caller works.
func ExampleClient_ListCourseEnrollments() {
	srv := canvastest.NewServer()
	defer srv.Close()
	srv.SeedEnrollments(canvastest.EnrollmentSeed{CourseSISID: "HI1001-VT2026", Students: 250, Teachers: 2})

	c, err := canvas.New(srv.URL(), canvas.WithBearerToken(srv.Token()))
	if err != nil {
		log.Fatal(err)
	}
	byType := map[canvas.EnrollmentType]int{}
	for e, err := range c.ListCourseEnrollments(context.Background(), canvas.SISCourse("HI1001-VT2026"), nil) {
		if err != nil {
			log.Fatal(err)
		}
		byType[e.Type]++
	}
	fmt.Println(byType[canvas.EnrollmentTypeStudent], "students,", byType[canvas.EnrollmentTypeTeacher], "teachers")
	// Output: 250 students, 2 teachers
}

// Enrol people in a custom role. Role ids differ between Canvas instances, so the labels are
// resolved once at start; a missing label stops the program before it writes anything.
func ExampleClient_Enroll() {
	srv := canvastest.NewServer(canvastest.WithCustomRoles(canvastest.CustomRole{Label: "Examiner", BaseType: "TeacherEnrollment"}))
	defer srv.Close()
	srv.SeedCourse("HI1001-VT2026", "Historia A")
	srv.SeedUsers("staff-", 1)

	c, err := canvas.New(srv.URL(), canvas.WithBearerToken(srv.Token()))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.ResolveRoles(ctx, canvas.Self, "Examiner"); err != nil {
		log.Fatal(err)
	}
	e, err := c.Enroll(ctx, canvas.SISCourse("HI1001-VT2026"), canvas.NewEnrollment{User: canvas.SISUser("staff-0"), Role: "Examiner"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(e.Role, e.Type, e.EnrollmentState)
	// Output: Examiner TeacherEnrollment active
}

// Import users, a course and enrolments as SIS CSV files and wait for Canvas to process them.
func ExampleClient_ImportSIS() {
	srv := canvastest.NewServer(canvastest.WithSISImportDelay(time.Millisecond))
	defer srv.Close()
	c, err := canvas.New(srv.URL(), canvas.WithBearerToken(srv.Token()))
	if err != nil {
		log.Fatal(err)
	}
	data := &canvas.SISData{
		Users:       []canvas.SISUserRow{{UserID: "u1", LoginID: "anna@uni.example.se", FirstName: "Anna", LastName: "Lind"}},
		Courses:     []canvas.SISCourseRow{{CourseID: "HI1001-VT2026", ShortName: "HI1001", LongName: "Historia A"}},
		Enrollments: []canvas.SISEnrollmentRow{{CourseID: "HI1001-VT2026", UserID: "u1", Role: "student"}, {CourseID: "HI1001-VT2026", UserID: "u9", Role: "student"}},
	}
	res, err := c.ImportSIS(context.Background(), canvas.Self, data, canvas.SISImportOptions{DataSetID: "ladok-vt2026", PollInterval: 10 * time.Millisecond})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Import.WorkflowState, res.Import.Data.Counts.Enrollments, "enrolment rows")
	for _, w := range res.Warnings {
		fmt.Println(w.File+":", w.Message)
	}
	// Output:
	// imported_with_messages 2 enrolment rows
	// enrollments.csv: User not found for enrollment (User ID: u9, Course ID: HI1001-VT2026, Section ID: , Role: student)
}

// SIS ids go into paths percent-encoded, with "/" and "." escaped as Canvas requires.
func ExampleSISCourse() {
	fmt.Println(canvas.SISCourse("HIST.101/VT26").PathSegment())
	fmt.Println(canvas.SISUser("a/b").HexPathSegment())
	ref, _ := canvas.ParseRef("sis_section_id:HIST.101-A")
	fmt.Println(ref.IsSIS(), ref.PathSegment())
	// Output:
	// sis_course_id:HIST%2E101%2FVT26
	// hex:sis_user_id:612f62
	// true sis_section_id:HIST%2E101-A
}

// Canvas's Link header, parsed; the URLs are kept exactly as sent.
func ExampleNextLink() {
	h := http.Header{"Link": {`<https://canvas.example.edu/api/v1/courses/1/enrollments?page=bookmark:WzEwXQ&per_page=100>; rel="next",` +
		`<https://canvas.example.edu/api/v1/courses/1/enrollments?page=first&per_page=100>; rel="first"`}}
	fmt.Println(canvas.NextLink(h))
	// Output: https://canvas.example.edu/api/v1/courses/1/enrollments?page=bookmark:WzEwXQ&per_page=100
}

// Create many enrolments as fast as Canvas's rate limit allows, without being throttled.
func ExampleClient_EnrollMany() {
	srv := canvastest.NewServer(canvastest.WithLatency(5 * time.Millisecond))
	defer srv.Close()
	srv.SeedCourse("BULK", "Bulk")
	srv.SeedUsers("s-", 100)
	c, err := canvas.New(srv.URL(), canvas.WithBearerToken(srv.Token()))
	if err != nil {
		log.Fatal(err)
	}
	es := make([]canvas.NewEnrollment, 100)
	for i := range es {
		es[i] = canvas.NewEnrollment{User: canvas.SISUser(fmt.Sprint("s-", i))}
	}
	created, errs := c.EnrollMany(context.Background(), canvas.SISCourse("BULK"), es)
	failed := 0
	for _, err := range errs {
		if err != nil {
			failed++
		}
	}
	fmt.Println(len(created), "created,", failed, "failed,", c.ThrottleStats().Throttled, "throttled")
	// Output: 100 created, 0 failed, 0 throttled
}

// Message the teachers of a course, each in a private conversation filed under the course.
// A message is never repeated after a lost answer; errors.Is(err, canvas.ErrOutcomeUnknown)
// tells that it may have been delivered all the same.
func ExampleClient_CreateConversation() {
	srv := canvastest.NewServer()
	defer srv.Close()
	course := srv.SeedEnrollments(canvastest.EnrollmentSeed{CourseSISID: "HI1001-VT2026", Students: 30, Teachers: 2})

	c, err := canvas.New(srv.URL(), canvas.WithBearerToken(srv.Token()))
	if err != nil {
		log.Fatal(err)
	}
	sent, err := c.CreateConversation(context.Background(), canvas.ConversationRequest{
		Recipients:  []string{canvas.CourseRecipient(course) + "_teachers"},
		Subject:     "Salen är flyttad",
		Body:        "Föreläsningen på torsdag hålls i sal B.",
		ContextCode: canvas.CourseContext(course),
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, cv := range sent {
		fmt.Println(cv.Private, cv.ContextName, cv.MessageCount)
	}
	// Output:
	// true Benchmark course HI1001-VT2026 1
	// true Benchmark course HI1001-VT2026 1
}
