package ladokcanvas_test

import (
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/edusync/edusync/canvas"
	"github.com/edusync/edusync/canvas/canvastest"
	"github.com/edusync/edusync/ladok"
	"github.com/edusync/edusync/ladokcanvas"
)

// messagingConfig is earlyConfig with messages to teachers on.
func messagingConfig() ladokcanvas.Config {
	cfg := earlyConfig()
	cfg.RestrictionsSendMessageToTeachers = true
	return cfg
}

// teacher creates a Canvas user and enrols them as a teacher in the courses (SIS ids).
func (e *env) teacher(sis, name string, courses ...string) int64 {
	e.t.Helper()
	u, err := e.cc.CreateUser(e.t.Context(), canvas.Self, canvas.CreateUserRequest{User: canvas.UserInput{Name: name},
		Pseudonym: canvas.PseudonymInput{UniqueID: sis + "@lärare.example.se", SisUserID: sis}})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, c := range courses {
		if _, err := e.cc.Enroll(e.t.Context(), canvas.SISCourse(c), canvas.NewEnrollment{User: canvas.ID(u.ID), Type: canvas.EnrollmentTypeTeacher}); err != nil {
			e.t.Fatal(err)
		}
	}
	return u.ID
}

// messages returns the messages Canvas holds, by recipient.
func (e *env) messages() map[int64][]canvastest.Conversation {
	out := map[int64][]canvastest.Conversation{}
	for _, c := range e.cv.Conversations() {
		for _, r := range c.Recipients() {
			for range c.Messages {
				out[r] = append(out[r], c)
			}
		}
	}
	return out
}

func courseID(t *testing.T, e *env, sis string) int64 {
	t.Helper()
	c, err := e.cc.GetCourse(t.Context(), canvas.SISCourse(sis), nil)
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

// TestTeacherMessages: with RestrictionsSendMessageToTeachers and no Messenger of the host's,
// the adapter itself sends a Canvas conversation, in Swedish, to exactly the active teachers of
// the courses the suspension made the student inactive in (not those of a concluded course,
// of a course the student is not in, or with an inactive enrolment), when the suspension
// starts, naming each teacher's own courses and no personal number; and never again for the
// same suspension: not for a duplicate event, an update with the same dates, a restart or the
// end.
func TestTeacherMessages(t *testing.T) {
	e := newEnv(t, messagingConfig(), nil, withSQLite(tempDB(t)))
	e.clock.Set(swedish("2026-08-25"))
	e.feed(lokalStudent("stu-anna", "Anna", "Andersson", "199001011239"),
		registrering("stu-anna", "off-prog1"), registrering("stu-anna", "off-db"), registrering("stu-anna", "off-prog2"),
		registrering("stu-bo", "off-hist"))
	both := e.teacher("t-both", "Lärare Båda", "off-prog1", "off-db")
	dbOnly := e.teacher("t-db", "Lärare Databas", "off-db")
	e.teacher("t-hist", "Lärare Historia", "off-hist")   // Anna is not in Historia A
	e.teacher("t-prog2", "Lärare Avslutad", "off-prog2") // the course is concluded
	inactive := e.teacher("t-inactive", "Lärare Inaktiv", "off-prog1")
	for en, err := range e.cc.ListUserEnrollments(t.Context(), canvas.ID(inactive), nil) {
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.cc.DeactivateEnrollment(t.Context(), canvas.ID(en.CourseID), en.ID); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.cc.ConcludeCourse(t.Context(), canvas.SISCourse("off-prog2")); err != nil {
		t.Fatal(err)
	}

	ev := suspension("stu-anna", "r1", "2026-09-01", "2026-10-01", ladok.HandelsetypSkapad)
	e.feed(ev)
	if n := len(e.cv.Conversations()); n != 0 {
		t.Fatalf("%d messages before the suspension started", n)
	}
	e.fire(swedish("2026-09-01"))
	got := e.messages()
	if len(got) != 2 || len(got[both]) != 1 || len(got[dbOnly]) != 1 {
		t.Fatalf("messages by recipient %v, want one each to %d and %d", got, both, dbOnly)
	}
	toBoth, toDB := got[both][0], got[dbOnly][0]
	if toBoth.Subject != "Avstängd student: Anna Andersson" || toBoth.ContextCode != "" {
		t.Errorf("to the teacher of two courses: subject %q, context %q", toBoth.Subject, toBoth.ContextCode)
	}
	body := toBoth.Messages[0].Body
	for _, must := range []string{"Anna Andersson är avstängd från studierna från och med 2026-09-01 till och med 2026-10-01",
		"- Programmering I\n", "- Databaser\n"} {
		if !strings.Contains(body, must) {
			t.Errorf("message lacks %q:\n%s", must, body)
		}
	}
	if toDB.ContextCode != canvas.CourseContext(courseID(t, e, "off-db")) || !strings.Contains(toDB.Messages[0].Body, "i kursen Databaser.") ||
		strings.Contains(toDB.Messages[0].Body, "Programmering") {
		t.Errorf("to the teacher of one course: context %q:\n%s", toDB.ContextCode, toDB.Messages[0].Body)
	}
	for _, c := range e.cv.Conversations() {
		text := c.Subject + c.Messages[0].Body
		for _, pnr := range []string{"199001011239", "19900101-1239", "900101-1239", "9001011239"} {
			if strings.Contains(text, pnr) {
				t.Errorf("a message names the personal number:\n%s", text)
			}
		}
	}

	// Never again for this suspension.
	if err := e.ad.Handle(t.Context(), ev); err != nil { // the same event again
		t.Fatal(err)
	}
	e.feed(suspension("stu-anna", "r1", "2026-09-01", "2026-10-01", ladok.HandelsetypUppdaterad))
	e.fire(swedish("2026-09-02"))
	e.ad.Close()
	e.open() // a restart over the same store
	e.catchUp()
	e.fire(swedish("2026-09-03"))
	if err := e.ad.Handle(t.Context(), ev); err != nil {
		t.Fatal(err)
	}
	e.fire(swedish("2026-10-02")) // the end: active again, no message
	same(t, "after the end", e.enrolments("stu-anna", "off-db"), []string{roleRegistered + "/active"})
	if n := len(e.cv.Conversations()); n != 2 {
		t.Fatalf("%d messages in all, want 2", n)
	}
	for _, c := range e.cv.Conversations() {
		if len(c.Messages) != 1 {
			t.Errorf("conversation %d holds %d messages", c.ID, len(c.Messages))
		}
	}

	// A new suspension is a new notice.
	e.feed(suspension("stu-anna", "r2", "2026-11-01", "", ladok.HandelsetypSkapad))
	e.fire(swedish("2026-11-01"))
	got = e.messages()
	if len(got[both]) != 2 || len(got[dbOnly]) != 2 {
		t.Fatalf("after a second suspension: %v", got)
	}
	last := e.cv.Conversations()[len(e.cv.Conversations())-1].Messages[0].Body
	if !strings.Contains(last, "från och med 2026-11-01 tills vidare") {
		t.Errorf("open-ended suspension:\n%s", last)
	}
}

// TestTeacherMessagesOff: without the option nobody is messaged.
func TestTeacherMessagesOff(t *testing.T) {
	e := newEnv(t, earlyConfig(), nil)
	e.clock.Set(swedish("2026-09-15"))
	e.feed(registrering("stu-anna", "off-prog1"))
	e.teacher("t1", "Lärare Ett", "off-prog1")
	e.feed(suspension("stu-anna", "r1", "2026-09-01", "2026-10-01", ladok.HandelsetypSkapad))
	same(t, "suspended", e.enrolments("stu-anna", "off-prog1"), []string{roleRegistered + "/inactive"})
	if n := len(e.cv.Conversations()); n != 0 {
		t.Fatalf("%d messages with the option off", n)
	}
}

// TestTeacherMessagesText: WithNoticeText replaces the text; a student with protected personal
// data is named by name only (the text gets no Ladok UID), and whatever the text says,
// personal numbers are masked.
func TestTeacherMessagesText(t *testing.T) {
	text := func(n ladokcanvas.TeacherNotice) (string, string) {
		return "Suspended: " + n.StudentName, "uid=" + n.StudentUID + " courses=" + strings.Join(n.Courses, ",") + " leak=199202022381"
	}
	e := newEnv(t, messagingConfig(), []ladokcanvas.Option{ladokcanvas.WithNoticeText(text)})
	e.clock.Set(swedish("2026-09-15"))
	e.feed(registrering("stu-anna", "off-prog1"), registrering("stu-bo", "off-prog1"),
		&ladok.SkyddadePersonuppgifterEvent{Handelsetyp: ladok.HandelsetypSkapad, StudentUID: "stu-bo"})
	e.teacher("t1", "Lärare Ett", "off-prog1")
	e.feed(suspension("stu-anna", "r1", "2026-09-01", "2026-10-01", ladok.HandelsetypSkapad),
		suspension("stu-bo", "r2", "2026-09-01", "2026-10-01", ladok.HandelsetypSkapad))
	bodies := map[string]string{}
	for _, c := range e.cv.Conversations() {
		bodies[c.Subject] = c.Messages[0].Body
	}
	if b := bodies["Suspended: Anna Andersson"]; !strings.HasPrefix(b, "uid=stu-anna courses=Programmering I ") {
		t.Errorf("to Anna's teacher: %q", b)
	}
	if b, ok := bodies["Suspended: Bo Berg"]; !ok || !strings.HasPrefix(b, "uid= courses=") {
		t.Errorf("about protected Bo: %q (all: %q)", b, bodies)
	}
	for _, b := range bodies {
		if strings.Contains(b, "199202022381") {
			t.Errorf("a personal number was sent: %q", b)
		}
	}
}

// faultyTransport loses the answer to, or refuses, chosen conversation requests (counted from
// 1) and passes everything else through.
type faultyTransport struct {
	mu     sync.Mutex
	n      int
	lose   map[int]bool // sent to Canvas, answer lost
	refuse map[int]int  // not sent; answered with this status
}

func (f *faultyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodPost || !strings.HasSuffix(req.URL.Path, "/conversations") {
		return http.DefaultTransport.RoundTrip(req)
	}
	f.mu.Lock()
	f.n++
	n := f.n
	f.mu.Unlock()
	if status := f.refuse[n]; status != 0 {
		body := `[{"attribute":"recipients","message":"invalid"}]`
		return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}}, Request: req,
			Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body))}, nil
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err == nil && f.lose[n] {
		resp.Body.Close()
		return nil, errors.New("connection reset by peer")
	}
	return resp, err
}

// TestTeacherMessagesAfterFailures: each teacher's message is marked once Canvas accepted it,
// so after a failure only the messages not yet accepted are sent again. A message whose answer
// was lost is sent again (the one message that can arrive twice), across a restart as well; a
// teacher Canvas refuses is skipped without stopping the suspension.
func TestTeacherMessagesAfterFailures(t *testing.T) {
	ft := &faultyTransport{lose: map[int]bool{2: true}, refuse: map[int]int{5: http.StatusBadRequest}}
	e := newEnv(t, messagingConfig(), nil, withSQLite(tempDB(t)), withCanvasClient(canvas.WithHTTPClient(&http.Client{Transport: ft})))
	e.clock.Set(swedish("2026-08-25"))
	e.feed(registrering("stu-anna", "off-prog1"))
	var teachers []int64
	for i := range 4 {
		teachers = append(teachers, e.teacher("t"+strconv.Itoa(i), "Lärare "+strconv.Itoa(i), "off-prog1"))
	}
	e.feed(suspension("stu-anna", "r1", "2026-09-01", "2026-10-01", ladok.HandelsetypSkapad))

	e.clock.Set(swedish("2026-09-01"))
	if _, err := e.ad.FireDue(t.Context()); !errors.Is(err, canvas.ErrOutcomeUnknown) {
		t.Fatalf("FireDue with a lost answer: %v", err)
	}
	same(t, "suspended although a message failed", e.enrolments("stu-anna", "off-prog1"), []string{roleRegistered + "/inactive"})
	e.ad.Close()
	e.open() // restart; the suspension work is finished by the next run
	e.fire(swedish("2026-09-01"))
	e.fire(swedish("2026-09-02"))

	got := e.messages()
	want := map[int64]int{teachers[0]: 1, teachers[1]: 2, teachers[2]: 1} // teachers[3] was refused
	for id, n := range want {
		if len(got[id]) != n {
			t.Errorf("teacher %d got %d messages, want %d", id, len(got[id]), n)
		}
	}
	if len(got[teachers[3]]) != 0 {
		t.Errorf("the refused teacher got %d", len(got[teachers[3]]))
	}
	if ft.n != 5 {
		t.Errorf("%d conversation requests, want 5 (four teachers, one again after its answer was lost)", ft.n)
	}
	ids := slices.Sorted(func(yield func(int64) bool) {
		for id := range got {
			if !yield(id) {
				return
			}
		}
	})
	if len(ids) != 3 {
		t.Errorf("recipients %v", ids)
	}
}

// TestNoticeTexts: both built-in texts name every course of several and an open end.
func TestNoticeTexts(t *testing.T) {
	n := ladokcanvas.TeacherNotice{StudentName: "Cia Carlsson", StudentUID: "stu-cia", From: "2026-09-01", Courses: []string{"A", "B"}}
	for _, f := range []struct {
		text ladokcanvas.NoticeText
		want []string
	}{
		{ladokcanvas.SwedishNoticeText, []string{"Cia Carlsson är avstängd", "från och med 2026-09-01 tills vidare", "- A\n- B\n", "kurserna igen"}},
		{ladokcanvas.EnglishNoticeText, []string{"Cia Carlsson is suspended", "from 2026-09-01 until further notice", "- A\n- B\n"}},
	} {
		subject, body := f.text(n)
		if !strings.Contains(subject, "Cia Carlsson") {
			t.Errorf("subject %q", subject)
		}
		for _, w := range f.want {
			if !strings.Contains(body, w) {
				t.Errorf("body lacks %q:\n%s", w, body)
			}
		}
		if strings.Contains(subject+body, "stu-cia") {
			t.Errorf("the built-in text names the Ladok UID:\n%s", body)
		}
	}
}
