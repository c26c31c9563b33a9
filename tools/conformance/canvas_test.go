package conformance

import (
	"context"
	"iter"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/edusync/edusync/canvas"
	"github.com/edusync/edusync/canvas/canvastest"
)

// canvasAllowed is empty: Canvas publishes no OpenAPI 3 file (its Swagger 1.2 documents are
// generated from the code and partial), so the check is against our own openapi/canvas.yaml,
// where a violation is always a defect of ours.
var canvasAllowed = []Allow{}

// TestCanvasAgainstOurFile runs every operation of package canvas through a proxy that checks
// requests and answers against openapi/canvas.yaml.
func TestCanvasAgainstOurFile(t *testing.T) {
	fake := canvastest.NewServer(canvastest.WithoutThrottle(), canvastest.WithSISImportDelay(time.Millisecond))
	defer fake.Close()
	spec := filepath.Join(Repo(), "openapi", "canvas.yaml")
	proxy := Start(t, Config{Spec: spec, Target: strings.TrimSuffix(fake.URL(), canvastest.BasePath), BasePath: canvastest.BasePath})
	c, err := canvas.New(proxy.URL(), canvas.WithBearerToken(fake.Token()), canvas.WithoutRetry())
	if err != nil {
		t.Fatal(err)
	}
	runCanvas(t, c)
	proxy.Covered(t, spec)
	proxy.Check(t, canvasAllowed)
}

// first reads the first record of a listing (the first page is the operation; more pages
// would only repeat it).
func first[T any](t *testing.T, name string, seq iter.Seq2[T, error]) T {
	t.Helper()
	var zero T
	for v, err := range seq {
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return v
	}
	return zero
}

func runCanvas(t *testing.T, c *canvas.Client) {
	ctx := context.Background()
	val := func(name string, err error) { must(t, name, err) }

	root, err := c.GetAccount(ctx, canvas.Self)
	val("GetAccount", err)
	_, err = c.CreateSubAccount(ctx, canvas.Self, canvas.AccountInput{Name: "Historia", SisAccountID: "HIST"})
	val("CreateSubAccount", err)
	first(t, "ListSubAccounts", c.ListSubAccounts(ctx, canvas.ID(root.ID), nil))

	start := time.Date(2026, 1, 19, 0, 0, 0, 0, time.UTC)
	term, err := c.CreateTerm(ctx, canvas.Self, canvas.TermInput{Name: "VT2026", SisTermID: "VT2026", StartAt: start})
	val("CreateTerm", err)
	_, err = c.UpdateTerm(ctx, canvas.Self, canvas.SISTerm("VT2026"), canvas.TermInput{EndAt: start.AddDate(0, 5, 0)})
	val("UpdateTerm", err)
	_, err = c.GetTerm(ctx, canvas.Self, canvas.ID(term.ID))
	val("GetTerm", err)
	first(t, "ListTerms", c.ListTerms(ctx, canvas.Self, nil))

	user, err := c.CreateUser(ctx, canvas.Self, canvas.CreateUserRequest{
		User:                 canvas.UserInput{Name: "Åsa Lindqvist", SortableName: "Lindqvist, Åsa"},
		Pseudonym:            canvas.PseudonymInput{UniqueID: "asa@uni.example.se", SisUserID: "19b6f2e0-aaaa"},
		CommunicationChannel: canvas.ChannelInput{Type: "email", Address: "asa@uni.example.se"},
	})
	val("CreateUser", err)
	_, err = c.GetUser(ctx, canvas.ID(user.ID), nil)
	val("GetUser", err)
	_, err = c.UpdateUser(ctx, canvas.SISUser("19b6f2e0-aaaa"), canvas.UserUpdate{ShortName: "Åsa L"})
	val("UpdateUser", err)
	first(t, "ListUsers", c.ListUsers(ctx, canvas.Self, nil))
	login, err := c.CreateLogin(ctx, canvas.Self, canvas.ID(user.ID), canvas.LoginInput{UniqueID: "asa-eppn@uni.example.se"})
	val("CreateLogin", err)
	_, err = c.UpdateLogin(ctx, canvas.Self, login.ID, canvas.LoginInput{WorkflowState: canvas.LoginStateSuspended})
	val("UpdateLogin", err)
	first(t, "ListLogins", c.ListLogins(ctx, canvas.ID(user.ID)))
	val("DeleteLogin", c.DeleteLogin(ctx, canvas.ID(user.ID), login.ID))
	sms, err := c.CreateCommunicationChannel(ctx, canvas.ID(user.ID), canvas.ChannelInput{Type: "sms", Address: "+46701234567"}, true)
	val("CreateCommunicationChannel", err)
	first(t, "ListCommunicationChannels", c.ListCommunicationChannels(ctx, canvas.ID(user.ID)))
	_, err = c.DeleteCommunicationChannel(ctx, canvas.ID(user.ID), sms.ID)
	val("DeleteCommunicationChannel", err)

	course, err := c.CreateCourse(ctx, canvas.SISAccount("HIST"), canvas.CreateCourseRequest{
		Course: canvas.CourseInput{Name: "Historia A", CourseCode: "HI1001", SisCourseID: "HI1001-VT2026", TermID: "sis_term_id:VT2026"}})
	val("CreateCourse", err)
	_, err = c.UpdateCourse(ctx, canvas.SISCourse("HI1001-VT2026"), canvas.UpdateCourseRequest{Course: canvas.CourseInput{Event: canvas.CourseEventOffer}})
	val("UpdateCourse", err)
	_, err = c.GetCourse(ctx, canvas.SISCourse("HI1001-VT2026"), &canvas.GetCourseParams{Include: []canvas.GetCourseParamsInclude{canvas.GetCourseParamsIncludeTerm}})
	val("GetCourse", err)
	first(t, "ListCourses", c.ListCourses(ctx, canvas.Self, nil))

	sec, err := c.CreateSection(ctx, canvas.SISCourse("HI1001-VT2026"), canvas.SectionRequest{CourseSection: canvas.SectionInput{Name: "Grupp 1", SisSectionID: "HI1001-VT2026-G1"}})
	val("CreateSection", err)
	_, err = c.UpdateSection(ctx, canvas.SISSection("HI1001-VT2026-G1"), canvas.SectionInput{Name: "Grupp 1 (dag)"})
	val("UpdateSection", err)
	_, err = c.GetSection(ctx, canvas.ID(sec.ID), nil)
	val("GetSection", err)
	first(t, "ListSections", c.ListSections(ctx, canvas.SISCourse("HI1001-VT2026"), nil))

	e, err := c.EnrollInSection(ctx, canvas.SISSection("HI1001-VT2026-G1"), canvas.NewEnrollment{User: canvas.SISUser("19b6f2e0-aaaa")})
	val("EnrollInSection", err)
	teacher, err := c.CreateUser(ctx, canvas.Self, canvas.CreateUserRequest{User: canvas.UserInput{Name: "Bo Berg"},
		Pseudonym: canvas.PseudonymInput{UniqueID: "bo@uni.example.se", SisUserID: "staff-1"}})
	val("CreateUser", err)
	_, err = c.Enroll(ctx, canvas.SISCourse("HI1001-VT2026"), canvas.NewEnrollment{User: canvas.ID(teacher.ID), Type: canvas.EnrollmentTypeTeacher})
	val("Enroll", err)
	first(t, "ListCourseEnrollments", c.ListCourseEnrollments(ctx, canvas.SISCourse("HI1001-VT2026"), nil))
	first(t, "ListSectionEnrollments", c.ListSectionEnrollments(ctx, canvas.SISSection("HI1001-VT2026-G1"), nil))
	first(t, "ListUserEnrollments", c.ListUserEnrollments(ctx, canvas.SISUser("19b6f2e0-aaaa"), nil))
	_, err = c.DeactivateEnrollment(ctx, canvas.SISCourse("HI1001-VT2026"), e.ID)
	val("DeactivateEnrollment", err)
	_, err = c.ReactivateEnrollment(ctx, canvas.SISCourse("HI1001-VT2026"), e.ID)
	val("ReactivateEnrollment", err)

	_, err = c.CreateCourse(ctx, canvas.Self, canvas.CreateCourseRequest{Course: canvas.CourseInput{Name: "Historia B", SisCourseID: "HI1002-VT2026"}})
	val("CreateCourse", err)
	_, err = c.CrossListSection(ctx, canvas.SISSection("HI1001-VT2026-G1"), canvas.SISCourse("HI1002-VT2026"))
	val("CrossListSection", err)
	_, err = c.UncrossListSection(ctx, canvas.SISSection("HI1001-VT2026-G1"))
	val("UncrossListSection", err)
	_, err = c.DeleteEnrollment(ctx, canvas.SISCourse("HI1001-VT2026"), e.ID)
	val("DeleteEnrollment", err)
	val("DeleteSection", c.DeleteSection(ctx, canvas.SISSection("HI1001-VT2026-G1")))
	val("DeleteCourse", c.DeleteCourse(ctx, canvas.SISCourse("HI1002-VT2026")))

	role := first(t, "ListRoles", c.ListRoles(ctx, canvas.Self, nil))
	_, err = c.GetRole(ctx, canvas.Self, role.ID)
	val("GetRole", err)

	_, err = c.CreateConversation(ctx, canvas.ConversationRequest{Recipients: []string{canvas.UserRecipient(user.ID)},
		Subject: "Rum", Body: "Salen är flyttad.", ContextCode: canvas.CourseContext(course.ID)})
	val("CreateConversation", err)

	csv := []byte("user_id,login_id,first_name,last_name,email,status\nsis-9,nils@uni.example.se,Nils,Holm,nils@uni.example.se,active\n")
	si, err := c.CreateSISImport(ctx, canvas.Self, csv, &canvas.CreateSisImportParams{Extension: "csv"})
	val("CreateSISImport", err)
	_, err = c.GetSISImport(ctx, canvas.Self, si.ID)
	val("GetSISImport", err)
	first(t, "ListSISImports", c.ListSISImports(ctx, canvas.Self, nil))
	res, err := c.WaitSISImport(ctx, canvas.Self, si, 5*time.Millisecond)
	val("WaitSISImport", err)
	_ = res
	if _, err := c.GetProgress(ctx, 1); err != nil && !strings.Contains(err.Error(), "404") {
		t.Fatalf("GetProgress: %v", err)
	}
}
