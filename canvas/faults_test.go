package canvas_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/edusync/edusync/canvas"
	"github.com/edusync/edusync/canvas/canvastest"
)

// With one request in ten failing (server errors, throttling, connections dropped before or
// after the write was carried out), a typical SIS run still writes every change exactly once
// and ends in the state it asked for.
func TestFaultsEveryWriteExactlyOnce(t *testing.T) {
	srv := newFake(t)
	c := newClient(t, srv)
	ctx := ctxT(t)
	const users, courses = 60, 4

	srv.SetFaults(canvastest.Faults{Seed: 42, ErrorRate: 0.03, RateLimitRate: 0.02, DropRate: 0.02, DropAfterWriteRate: 0.06})
	for i := range courses {
		must[*canvas.Course](t)(c.CreateCourse(ctx, canvas.Self, canvas.CreateCourseRequest{Course: canvas.CourseInput{Name: "Kurs " + strconv.Itoa(i), SisCourseID: "K" + strconv.Itoa(i)}}))
		must[*canvas.Section](t)(c.CreateSection(ctx, canvas.SISCourse("K"+strconv.Itoa(i)), canvas.SectionRequest{CourseSection: canvas.SectionInput{Name: "G", SisSectionID: "K" + strconv.Itoa(i) + "-G"}}))
	}
	check := func(what string, errs []error) {
		t.Helper()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("%s %d: %v", what, i, err)
			}
		}
	}
	check("user", c.RunBulk(ctx, users, func(ctx context.Context, i int) error {
		_, err := c.CreateUser(ctx, canvas.Self, canvas.CreateUserRequest{User: canvas.UserInput{Name: "Person " + strconv.Itoa(i)},
			Pseudonym: canvas.PseudonymInput{UniqueID: "p" + strconv.Itoa(i) + "@uni.example.se", SisUserID: "P" + strconv.Itoa(i)}})
		return err
	}))
	check("login", c.RunBulk(ctx, users/3, func(ctx context.Context, i int) error {
		_, err := c.CreateLogin(ctx, canvas.Self, canvas.SISUser("P"+strconv.Itoa(i)), canvas.LoginInput{UniqueID: "alt" + strconv.Itoa(i) + "@uni.example.se"})
		return err
	}))
	check("channel", c.RunBulk(ctx, users/3, func(ctx context.Context, i int) error {
		_, err := c.CreateCommunicationChannel(ctx, canvas.SISUser("P"+strconv.Itoa(i)), canvas.ChannelInput{Type: "email", Address: "p" + strconv.Itoa(i) + "@private.example"}, true)
		return err
	}))
	enrolled := make([]*canvas.Enrollment, users*2)
	check("enrolment", c.RunBulk(ctx, users*2, func(ctx context.Context, i int) error {
		course := "K" + strconv.Itoa(i%courses)
		e := canvas.NewEnrollment{User: canvas.SISUser("P" + strconv.Itoa(i/2))}
		var err error
		if i%2 == 0 {
			enrolled[i], err = c.Enroll(ctx, canvas.SISCourse(course), e)
		} else {
			enrolled[i], err = c.EnrollInSection(ctx, canvas.SISSection(course+"-G"), e)
		}
		return err
	}))
	check("update", c.RunBulk(ctx, users, func(ctx context.Context, i int) error {
		_, err := c.UpdateUser(ctx, canvas.SISUser("P"+strconv.Itoa(i)), canvas.UserUpdate{ShortName: "P" + strconv.Itoa(i)})
		return err
	}))
	// End a third of the enrolments each way.
	check("end", c.RunBulk(ctx, len(enrolled), func(ctx context.Context, i int) error {
		course := canvas.SISCourse("K" + strconv.Itoa(i%courses))
		var err error
		switch i % 3 {
		case 0:
			_, err = c.ConcludeEnrollment(ctx, course, enrolled[i].ID)
		case 1:
			_, err = c.DeleteEnrollment(ctx, course, enrolled[i].ID)
		default:
			_, err = c.DeactivateEnrollment(ctx, course, enrolled[i].ID)
		}
		return err
	}))
	check("suspend", c.RunBulk(ctx, users/4, func(ctx context.Context, i int) error {
		_, err := c.SuspendUser(ctx, canvas.SISUser("P"+strconv.Itoa(i)))
		return err
	}))
	faults := canvastest.Total(srv.Stats().Faults)
	srv.SetFaults(canvastest.Faults{})
	if faults < 30 {
		t.Fatalf("only %d faults were injected; the test proves little", faults)
	}

	writes := srv.Writes()
	if d := duplicates(writes); len(d) > 0 {
		slices.Sort(d)
		t.Fatalf("writes done more than once: %v", d)
	}
	counts := map[string]int{}
	for _, w := range writes {
		counts[w.Operation]++
	}
	want := map[string]int{"createCourse": courses, "createSection": courses, "createUser": users, "createLogin": users / 3,
		"createCommunicationChannel": users / 3, "enrollInCourse": users, "enrollInSection": users, "updateUser": users + users/4,
		"endEnrollment": users * 2}
	if d := cmp.Diff(want, counts); d != "" {
		t.Fatalf("writes per operation (-want +got):\n%s", d)
	}

	// The end state, read without faults.
	states := map[canvas.EnrollmentState]int{}
	for i := range courses {
		for e, err := range c.ListCourseEnrollments(ctx, canvas.SISCourse("K"+strconv.Itoa(i)), &canvas.ListCourseEnrollmentsParams{
			State: []canvas.EnrollmentState{canvas.EnrollmentStateActive, canvas.EnrollmentStateCompleted, canvas.EnrollmentStateDeleted, canvas.EnrollmentStateInactive}}) {
			if err != nil {
				t.Fatal(err)
			}
			states[e.EnrollmentState]++
		}
	}
	if d := cmp.Diff(map[canvas.EnrollmentState]int{canvas.EnrollmentStateCompleted: 40, canvas.EnrollmentStateDeleted: 40, canvas.EnrollmentStateInactive: 40}, states); d != "" {
		t.Fatalf("enrolment states (-want +got):\n%s", d)
	}
	for i := range users / 4 {
		if s, ok := srv.UserSuspended("sis_user_id:P" + strconv.Itoa(i)); !ok || !s {
			t.Fatalf("user P%d not suspended", i)
		}
	}
}

// A delete whose answer was lost is repeated and answered 404; that is success.
func TestDeleteAfterLostAnswer(t *testing.T) {
	srv := newFake(t)
	c := newClient(t, srv)
	ctx := ctxT(t)
	u := must[*canvas.User](t)(c.CreateUser(ctx, canvas.Self, canvas.CreateUserRequest{Pseudonym: canvas.PseudonymInput{UniqueID: "d@x", SisUserID: "D"}}))
	l := must[*canvas.Login](t)(c.CreateLogin(ctx, canvas.Self, canvas.ID(u.ID), canvas.LoginInput{UniqueID: "d2@x"}))
	srv.SetFaults(canvastest.Faults{DropAfterWriteRate: 1, Operations: []string{"deleteLogin"}})
	if err := c.DeleteLogin(ctx, canvas.ID(u.ID), l.ID); err != nil {
		t.Fatalf("delete after a lost answer: %v", err)
	}
	if n := countWrites(srv.Writes(), "deleteLogin"); n != 1 {
		t.Fatalf("%d deletes written", n)
	}
	// A 404 without an earlier uncertain attempt is still an error.
	srv.SetFaults(canvastest.Faults{})
	if err := c.DeleteLogin(ctx, canvas.ID(u.ID), l.ID); !errors.Is(err, canvas.ErrNotFound) {
		t.Fatalf("deleting a deleted login: %v", err)
	}
}

// Deleting a communication channel whose answer was lost: the repeat is answered 404, which is
// success with no channel to show.
func TestDeleteChannelAfterLostAnswer(t *testing.T) {
	srv := newFake(t)
	c := newClient(t, srv)
	ctx := ctxT(t)
	u := must[*canvas.User](t)(c.CreateUser(ctx, canvas.Self, canvas.CreateUserRequest{Pseudonym: canvas.PseudonymInput{UniqueID: "ch@x", SisUserID: "CH"},
		CommunicationChannel: canvas.ChannelInput{Type: "email", Address: "ch@student.example"}}))
	var id int64
	for ch, err := range c.ListCommunicationChannels(ctx, canvas.ID(u.ID)) {
		if err != nil {
			t.Fatal(err)
		}
		id = ch.ID
	}
	srv.SetFaults(canvastest.Faults{DropAfterWriteRate: 1, Operations: []string{"deleteCommunicationChannel"}})
	ch, err := c.DeleteCommunicationChannel(ctx, canvas.SISUser("CH"), id)
	if err != nil || ch != nil {
		t.Fatalf("delete after a lost answer: %+v, %v", ch, err)
	}
	if n := countWrites(srv.Writes(), "deleteCommunicationChannel"); n != 1 {
		t.Fatalf("%d deletes written", n)
	}
}

// Deleting an enrolment whose answer was lost: the repeat is answered 404 (Canvas finds no
// enrolment that is not deleted), which the client takes for success and reports as nil.
func TestDeleteEnrollmentAfterLostAnswer(t *testing.T) {
	srv := newFake(t)
	srv.SeedCourse("DE", "Delete")
	srv.SeedUsers("de-", 1)
	c := newClient(t, srv)
	ctx := ctxT(t)
	e := must[*canvas.Enrollment](t)(c.Enroll(ctx, canvas.SISCourse("DE"), canvas.NewEnrollment{User: canvas.SISUser("de-0")}))
	srv.SetFaults(canvastest.Faults{DropAfterWriteRate: 1, Operations: []string{"endEnrollment"}})
	got, err := c.DeleteEnrollment(ctx, canvas.SISCourse("DE"), e.ID)
	if err != nil || got != nil {
		t.Fatalf("delete after a lost answer: %+v, %v", got, err)
	}
	if n := countWrites(srv.Writes(), "endEnrollment"); n != 1 {
		t.Fatalf("%d deletes written", n)
	}
	srv.SetFaults(canvastest.Faults{})
	if _, err := c.DeleteEnrollment(ctx, canvas.SISCourse("DE"), e.ID); !errors.Is(err, canvas.ErrNotFound) {
		t.Fatalf("deleting a deleted enrolment: %v", err)
	}
	if _, err := c.ConcludeEnrollment(ctx, canvas.SISCourse("DE"), e.ID); !errors.Is(err, canvas.ErrNotFound) {
		t.Fatalf("concluding a deleted enrolment: %v", err)
	}
}

// A create without a key to find it by is not repeated once it may have been applied: the
// caller gets the error and there is no duplicate.
func TestCreateWithoutKeyNotRepeated(t *testing.T) {
	srv := newFake(t)
	c := newClient(t, srv)
	srv.SetFaults(canvastest.Faults{DropAfterWriteRate: 1, Operations: []string{"createCourse"}})
	_, err := c.CreateCourse(ctxT(t), canvas.Self, canvas.CreateCourseRequest{Course: canvas.CourseInput{Name: "No SIS id"}})
	if err == nil {
		t.Fatal("a create whose answer was lost reported success")
	}
	if n := countWrites(srv.Writes(), "createCourse"); n != 1 {
		t.Fatalf("%d courses created, want exactly 1", n)
	}
	// With an SIS id the same fault is recovered by looking the course up.
	co, err := c.CreateCourse(ctxT(t), canvas.Self, canvas.CreateCourseRequest{Course: canvas.CourseInput{Name: "With SIS id", SisCourseID: "SIS-1"}})
	if err != nil || co.SisCourseID != "SIS-1" {
		t.Fatalf("create with SIS id after a lost answer: %v, %v", co, err)
	}
	if n := countWrites(srv.Writes(), "createCourse"); n != 2 {
		t.Fatalf("%d courses created, want 2", n)
	}
}

// A create that keeps failing with server errors is tried WithCreateAttempts times, each after
// looking for the object, and then gives up with the last error.
func TestCreateGivesUp(t *testing.T) {
	srv := newFake(t)
	srv.SeedCourse("G", "Give up")
	srv.SeedUsers("g-", 1)
	c := newClient(t, srv, canvas.WithCreateAttempts(3))
	srv.SetFaults(canvastest.Faults{ErrorRate: 1, ErrorStatuses: []int{500}, Operations: []string{"enrollInCourse"}})
	_, err := c.Enroll(ctxT(t), canvas.SISCourse("G"), canvas.NewEnrollment{User: canvas.SISUser("g-0")})
	if !errors.Is(err, canvas.ErrServer) {
		t.Fatalf("err = %v", err)
	}
	st := srv.Stats()
	if got := fmt.Sprint(st.Requests["enrollInCourse"], st.Requests["listCourseEnrollments"]); got != "3 3" {
		t.Fatalf("creates and lookups = %s, want 3 3", got)
	}
}

// A stalled request: the caller's deadline ends it at once, nothing is written; a stall that
// ends in a closed connection is retried for reads, and a stalled create is recovered by its
// SIS id like any lost answer.
func TestStalledRequests(t *testing.T) {
	srv := newFake(t)
	srv.SeedUsers("st-", 4)
	srv.SeedCourse("ST", "Stalls")
	c := newClient(t, srv)

	srv.SetFaults(canvastest.Faults{StallRate: 1, Stall: time.Minute, Operations: []string{"getUser", "enrollInCourse"}})
	ctx, cancel := context.WithTimeout(ctxT(t), 150*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.GetUser(ctx, canvas.SISUser("st-0"), nil)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Fatalf("stalled read with a deadline: %v after %v", err, time.Since(start))
	}
	ctx2, cancel2 := context.WithTimeout(ctxT(t), 150*time.Millisecond)
	defer cancel2()
	if _, err := c.Enroll(ctx2, canvas.SISCourse("ST"), canvas.NewEnrollment{User: canvas.SISUser("st-0")}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("stalled create with a deadline: %v", err)
	}
	if n := countWrites(srv.Writes(), "enrollInCourse"); n != 0 {
		t.Fatalf("a stalled create was carried out %d times", n)
	}

	// Short stalls that end in a dropped connection, on half the requests.
	srv.SetFaults(canvastest.Faults{Seed: 3, StallRate: 0.5, Stall: 5 * time.Millisecond, Operations: []string{"getUser", "enrollInCourse"}})
	for i := range 4 {
		ref := canvas.SISUser("st-" + strconv.Itoa(i))
		if u, err := c.GetUser(ctxT(t), ref, nil); err != nil || u.SisUserID != "st-"+strconv.Itoa(i) {
			t.Fatalf("read after stalls: %+v, %v", u, err)
		}
		if _, err := c.Enroll(ctxT(t), canvas.SISCourse("ST"), canvas.NewEnrollment{User: ref}); err != nil {
			t.Fatalf("create after stalls: %v", err)
		}
	}
	if f := canvastest.Total(srv.Stats().Faults); f == 0 {
		t.Fatal("no request stalled; the test proves nothing")
	}
	if n := countWrites(srv.Writes(), "enrollInCourse"); n != 4 {
		t.Fatalf("%d enrolments written, want 4", n)
	}
}
