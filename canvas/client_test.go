package canvas_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/edusync/edusync/canvas"
	"github.com/edusync/edusync/canvas/canvastest"
)

// TestOperationsTour calls every operation of the client against the fake and checks what
// Canvas would show afterwards, so client paths and bodies and the fake's handlers agree.
func TestOperationsTour(t *testing.T) {
	srv := newFake(t)
	c := newClient(t, srv)
	ctx := ctxT(t)

	root := must[*canvas.Account](t)(c.GetAccount(ctx, canvas.Self))
	if root.ID == 0 || root.Name == "" {
		t.Fatalf("root account %+v", root)
	}
	dept := must[*canvas.Account](t)(c.CreateSubAccount(ctx, canvas.Self, canvas.AccountInput{Name: "Historia", SisAccountID: "HIST"}))
	if got := must[*canvas.Account](t)(c.GetAccount(ctx, canvas.SISAccount("HIST"))); got.ID != dept.ID || got.ParentAccountID != root.ID {
		t.Fatalf("sub-account by SIS id: %+v", got)
	}
	subs := all(t, c.ListSubAccounts(ctx, canvas.ID(root.ID), nil))
	if len(subs) != 1 || subs[0].SisAccountID != "HIST" {
		t.Fatalf("sub-accounts %+v", subs)
	}

	start := time.Date(2026, 1, 19, 0, 0, 0, 0, time.UTC)
	created := must[*canvas.EnrollmentTerm](t)(c.CreateTerm(ctx, canvas.Self, canvas.TermInput{Name: "VT2026", SisTermID: "VT2026", StartAt: start}))
	term := must[*canvas.EnrollmentTerm](t)(c.UpdateTerm(ctx, canvas.Self, canvas.SISTerm("VT2026"), canvas.TermInput{EndAt: start.AddDate(0, 5, 0)}))
	if term.ID != created.ID || !term.EndAt.Equal(start.AddDate(0, 5, 0)) || !term.StartAt.Equal(start) {
		t.Fatalf("updated term %+v", term)
	}
	if got := must[*canvas.EnrollmentTerm](t)(c.GetTerm(ctx, canvas.Self, canvas.ID(term.ID))); got.SisTermID != "VT2026" {
		t.Fatalf("term %+v", got)
	}
	terms := all(t, c.ListTerms(ctx, canvas.Self, nil))
	if len(terms) != 2 { // Default Term and VT2026
		t.Fatalf("terms %+v", terms)
	}

	user := must[*canvas.User](t)(c.CreateUser(ctx, canvas.Self, canvas.CreateUserRequest{
		User:                 canvas.UserInput{Name: "Åsa Lindqvist", SortableName: "Lindqvist, Åsa"},
		Pseudonym:            canvas.PseudonymInput{UniqueID: "asa@uni.example.se", SisUserID: "19b6f2e0-aaaa"},
		CommunicationChannel: canvas.ChannelInput{Type: "email", Address: "asa@uni.example.se"},
	}))
	if user.SisUserID != "19b6f2e0-aaaa" || user.LoginID != "asa@uni.example.se" {
		t.Fatalf("created user %+v", user)
	}
	if _, err := c.GetUser(ctx, canvas.SISIntegration("nope"), nil); !errors.Is(err, canvas.ErrNotFound) {
		t.Fatalf("unknown user: %v", err)
	}
	if got := must[*canvas.User](t)(c.GetUser(ctx, canvas.ID(user.ID), nil)); got.Name != "Åsa Lindqvist" {
		t.Fatalf("user %+v", got)
	}
	user = must[*canvas.User](t)(c.UpdateUser(ctx, canvas.SISUser("19b6f2e0-aaaa"), canvas.UserUpdate{ShortName: "Åsa L"}))
	if user.ShortName != "Åsa L" {
		t.Fatalf("updated user %+v", user)
	}
	must[*canvas.User](t)(c.SuspendUser(ctx, canvas.SISLogin("ASA@uni.example.se")))
	if susp, _ := srv.UserSuspended("sis_user_id:19b6f2e0-aaaa"); !susp {
		t.Fatal("user not suspended")
	}
	must[*canvas.User](t)(c.UnsuspendUser(ctx, canvas.ID(user.ID)))
	if susp, _ := srv.UserSuspended("sis_user_id:19b6f2e0-aaaa"); susp {
		t.Fatal("user still suspended")
	}
	users := all(t, c.ListUsers(ctx, canvas.Self, &canvas.ListUsersParams{SearchTerm: "lindq"}))
	if len(users) != 1 || users[0].ID != user.ID {
		t.Fatalf("user search %+v", users)
	}

	login := must[*canvas.Login](t)(c.CreateLogin(ctx, canvas.Self, canvas.ID(user.ID), canvas.LoginInput{UniqueID: "asa-eppn@uni.example.se"}))
	login = must[*canvas.Login](t)(c.UpdateLogin(ctx, canvas.Self, login.ID, canvas.LoginInput{WorkflowState: canvas.LoginStateSuspended}))
	if login.WorkflowState != canvas.LoginStateSuspended {
		t.Fatalf("login %+v", login)
	}
	if got := all(t, c.ListLogins(ctx, canvas.ID(user.ID))); len(got) != 2 {
		t.Fatalf("logins %+v", got)
	}
	if err := c.DeleteLogin(ctx, canvas.ID(user.ID), login.ID); err != nil {
		t.Fatal(err)
	}
	if got := all(t, c.ListLogins(ctx, canvas.ID(user.ID))); len(got) != 1 {
		t.Fatalf("logins after delete %+v", got)
	}
	ch := must[*canvas.CommunicationChannel](t)(c.CreateCommunicationChannel(ctx, canvas.ID(user.ID), canvas.ChannelInput{Type: "sms", Address: "+46701234567"}, true))
	if ch.WorkflowState != "active" {
		t.Fatalf("channel %+v", ch)
	}
	if got := all(t, c.ListCommunicationChannels(ctx, canvas.ID(user.ID))); len(got) != 2 {
		t.Fatalf("channels %+v", got)
	}
	// Deleting the e-mail channel takes the address off the user; the channel is not listed.
	for _, cc := range all(t, c.ListCommunicationChannels(ctx, canvas.ID(user.ID))) {
		if cc.Type != "email" {
			continue
		}
		gone := must[*canvas.CommunicationChannel](t)(c.DeleteCommunicationChannel(ctx, canvas.SISUser("19b6f2e0-aaaa"), cc.ID))
		if gone.WorkflowState != "deleted" || gone.Address != "asa@uni.example.se" {
			t.Fatalf("deleted channel %+v", gone)
		}
		if _, err := c.DeleteCommunicationChannel(ctx, canvas.ID(user.ID), cc.ID); !errors.Is(err, canvas.ErrNotFound) {
			t.Fatalf("deleting it again: %v", err)
		}
	}
	if got := all(t, c.ListCommunicationChannels(ctx, canvas.ID(user.ID))); len(got) != 1 || got[0].Type != "sms" {
		t.Fatalf("channels after the delete %+v", got)
	}
	if u := must[*canvas.User](t)(c.GetUser(ctx, canvas.ID(user.ID), nil)); u.Email != "" {
		t.Fatalf("user still shows e-mail %q", u.Email)
	}
	// A new default address is a channel of its own, at the top.
	must[*canvas.User](t)(c.UpdateUser(ctx, canvas.ID(user.ID), canvas.UserUpdate{Email: "asa.ny@uni.example.se"}))
	if got := all(t, c.ListCommunicationChannels(ctx, canvas.ID(user.ID))); len(got) != 2 || !slices.ContainsFunc(got, func(cc canvas.CommunicationChannel) bool {
		return cc.Address == "asa.ny@uni.example.se" && cc.Position == 1
	}) {
		t.Fatalf("channels after a new default address %+v", got)
	}

	course := must[*canvas.Course](t)(c.CreateCourse(ctx, canvas.SISAccount("HIST"), canvas.CreateCourseRequest{
		Course: canvas.CourseInput{Name: "Historia A", CourseCode: "HI1001", SisCourseID: "HI1001-VT2026", TermID: "sis_term_id:VT2026"},
	}))
	if course.WorkflowState != "unpublished" || course.AccountID != dept.ID || course.EnrollmentTermID != term.ID {
		t.Fatalf("course %+v", course)
	}
	course = must[*canvas.Course](t)(c.UpdateCourse(ctx, canvas.SISCourse("HI1001-VT2026"), canvas.UpdateCourseRequest{Course: canvas.CourseInput{Event: canvas.CourseEventOffer, Name: "Historia A (VT26)"}}))
	if course.WorkflowState != "available" || course.Name != "Historia A (VT26)" {
		t.Fatalf("updated course %+v", course)
	}
	got := must[*canvas.Course](t)(c.GetCourse(ctx, canvas.SISCourse("HI1001-VT2026"), &canvas.GetCourseParams{Include: []canvas.GetCourseParamsInclude{canvas.GetCourseParamsIncludeTerm}}))
	if got.Term.Name != "VT2026" {
		t.Fatalf("course with term %+v", got)
	}
	if courses := all(t, c.ListCourses(ctx, canvas.Self, &canvas.ListCoursesParams{EnrollmentTermID: "sis_term_id:VT2026"})); len(courses) != 1 {
		t.Fatalf("courses of the term %+v", courses)
	}

	sec0 := must[*canvas.Section](t)(c.CreateSection(ctx, canvas.SISCourse("HI1001-VT2026"), canvas.SectionRequest{CourseSection: canvas.SectionInput{Name: "Grupp 1", SisSectionID: "HI1001-VT2026-G1"}}))
	sec := must[*canvas.Section](t)(c.UpdateSection(ctx, canvas.SISSection("HI1001-VT2026-G1"), canvas.SectionInput{Name: "Grupp 1 (dag)"}))
	if sec.ID != sec0.ID || sec.Name != "Grupp 1 (dag)" || sec.SisCourseID != "HI1001-VT2026" {
		t.Fatalf("section %+v", sec)
	}
	if secs := all(t, c.ListSections(ctx, canvas.SISCourse("HI1001-VT2026"), nil)); len(secs) != 2 { // default section too
		t.Fatalf("sections %+v", secs)
	}

	e := must[*canvas.Enrollment](t)(c.EnrollInSection(ctx, canvas.SISSection("HI1001-VT2026-G1"), canvas.NewEnrollment{User: canvas.SISUser("19b6f2e0-aaaa")}))
	if e.EnrollmentState != canvas.EnrollmentStateActive || e.Type != canvas.EnrollmentTypeStudent || e.CourseSectionID != sec.ID {
		t.Fatalf("enrolment %+v", e)
	}
	e = must[*canvas.Enrollment](t)(c.DeactivateEnrollment(ctx, canvas.SISCourse("HI1001-VT2026"), e.ID))
	if e.EnrollmentState != canvas.EnrollmentStateInactive {
		t.Fatalf("deactivated %+v", e)
	}
	e = must[*canvas.Enrollment](t)(c.ReactivateEnrollment(ctx, canvas.SISCourse("HI1001-VT2026"), e.ID))
	if e.EnrollmentState != canvas.EnrollmentStateActive {
		t.Fatalf("reactivated %+v", e)
	}
	if got := all(t, c.ListSectionEnrollments(ctx, canvas.SISSection("HI1001-VT2026-G1"), nil)); len(got) != 1 {
		t.Fatalf("section enrolments %+v", got)
	}
	if got := all(t, c.ListUserEnrollments(ctx, canvas.SISUser("19b6f2e0-aaaa"), nil)); len(got) != 1 || got[0].SisSectionID != "HI1001-VT2026-G1" {
		t.Fatalf("user enrolments %+v", got)
	}
	e = must[*canvas.Enrollment](t)(c.ConcludeEnrollment(ctx, canvas.SISCourse("HI1001-VT2026"), e.ID))
	if e.EnrollmentState != canvas.EnrollmentStateCompleted {
		t.Fatalf("concluded %+v", e)
	}

	// Cross-listing moves the section (and its enrolments) to another course and back.
	other := must[*canvas.Course](t)(c.CreateCourse(ctx, canvas.Self, canvas.CreateCourseRequest{Course: canvas.CourseInput{Name: "Historia B", SisCourseID: "HI1002-VT2026"}}))
	sec = must[*canvas.Section](t)(c.CrossListSection(ctx, canvas.SISSection("HI1001-VT2026-G1"), canvas.SISCourse("HI1002-VT2026")))
	if sec.CourseID != other.ID || sec.NonxlistCourseID != course.ID {
		t.Fatalf("cross-listed %+v", sec)
	}
	sec = must[*canvas.Section](t)(c.UncrossListSection(ctx, canvas.SISSection("HI1001-VT2026-G1")))
	if sec.CourseID != course.ID || sec.NonxlistCourseID != 0 {
		t.Fatalf("un-cross-listed %+v", sec)
	}
	must[*canvas.Enrollment](t)(c.DeleteEnrollment(ctx, canvas.SISCourse("HI1001-VT2026"), e.ID))
	if err := c.DeleteSection(ctx, canvas.SISSection("HI1001-VT2026-G1")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetSection(ctx, canvas.SISSection("HI1001-VT2026-G1"), nil); !errors.Is(err, canvas.ErrNotFound) {
		t.Fatalf("deleted section: %v", err)
	}
	if err := c.ConcludeCourse(ctx, canvas.SISCourse("HI1002-VT2026")); err != nil {
		t.Fatal(err)
	}
	if got := must[*canvas.Course](t)(c.GetCourse(ctx, canvas.SISCourse("HI1002-VT2026"), nil)); got.WorkflowState != "completed" {
		t.Fatalf("concluded course %+v", got)
	}
	if err := c.DeleteCourse(ctx, canvas.SISCourse("HI1002-VT2026")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetCourse(ctx, canvas.SISCourse("HI1002-VT2026"), nil); !errors.Is(err, canvas.ErrNotFound) {
		t.Fatalf("deleted course: %v", err)
	}

	roles := all(t, c.ListRoles(ctx, canvas.Self, nil))
	if len(roles) < 5 {
		t.Fatalf("roles %+v", roles)
	}
	if r := must[*canvas.Role](t)(c.GetRole(ctx, canvas.Self, roles[0].ID)); r.ID != roles[0].ID {
		t.Fatalf("role %+v", r)
	}

	// A message to a user (unknown recipients are left out), filed under a course.
	sent := must[[]canvas.Conversation](t)(c.CreateConversation(ctx, canvas.ConversationRequest{Recipients: []string{canvas.UserRecipient(user.ID), "987654321"},
		Subject: "Rum", Body: "Salen är flyttad.", ContextCode: canvas.CourseContext(course.ID)}))
	if len(sent) != 1 || len(sent[0].Audience) != 1 || sent[0].Audience[0] != user.ID || !sent[0].Private || sent[0].Participants[1].FullName != "Åsa Lindqvist" {
		t.Fatalf("conversation %+v", sent)
	}

	// Every operation of the spec was used.
	used := map[string]bool{}
	for op, n := range srv.Stats().Requests {
		if n > 0 {
			used[op] = true
		}
	}
	var missing []string
	for _, op := range srv.Operations() {
		if !used[op] && !slices.Contains([]string{"createSisImport", "getSisImport", "listSisImports", "getProgress", "enrollInCourse", "listCourseEnrollments"}, op) {
			missing = append(missing, op)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("operations the tour did not call: %v", missing)
	}
}

// Paging: enrolments use bookmarks (no rel="last"), the iterator and the page-level calls see
// the same records, and a listing continues from the opaque Next URL.
func TestPagingWithBookmarks(t *testing.T) {
	srv := newFake(t)
	srv.SeedEnrollments(canvastest.EnrollmentSeed{CourseSISID: "PAGED", Students: 230, Teachers: 3})
	c := newClient(t, srv, canvas.WithPageSize(40))
	ctx := ctxT(t)

	var viaPages []int64
	next, pages := "", 0
	for {
		p, err := c.ListCourseEnrollmentsPage(ctx, canvas.SISCourse("PAGED"), nil, next)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, e := range p.Items {
			viaPages = append(viaPages, e.ID)
		}
		if p.Next == "" {
			break
		}
		if !strings.Contains(p.Next, "page=bookmark") {
			t.Fatalf("Next %q is not a bookmark", p.Next)
		}
		next = p.Next
	}
	if pages != 6 || len(viaPages) != 233 {
		t.Fatalf("%d pages, %d records; want 6 pages of 233", pages, len(viaPages))
	}
	var viaIter []int64
	for _, e := range all(t, c.ListCourseEnrollments(ctx, canvas.SISCourse("PAGED"), nil)) {
		viaIter = append(viaIter, e.ID)
	}
	if d := cmp.Diff(viaPages, viaIter); d != "" {
		t.Fatalf("iterator and pages differ (-pages +iter):\n%s", d)
	}
	sorted := slices.Clone(viaIter)
	slices.Sort(sorted)
	if !slices.Equal(sorted, slices.Compact(sorted)) {
		t.Fatal("duplicate records")
	}

	// The fake's Link header has no rel="last" for bookmarked lists, numbered lists have one.
	for path, wantLast := range map[string]bool{"/courses/sis_course_id:PAGED/enrollments?per_page=40": false, "/accounts/self/roles?per_page=2": true} {
		req, _ := http.NewRequest("GET", srv.URL()+path, nil)
		req.Header.Set("Authorization", "Bearer "+srv.Token())
		resp := must[*http.Response](t)(http.DefaultClient.Do(req))
		resp.Body.Close()
		hasLast := false
		for _, l := range canvas.ParseLinkHeader(resp.Header.Values("Link")...) {
			hasLast = hasLast || l.HasRel("last")
		}
		if hasLast != wantLast {
			t.Errorf("%s: rel=last %v, want %v", path, hasLast, wantLast)
		}
	}

	// Filters apply to every page; stopping early cancels the rest.
	teachers := all(t, c.ListCourseEnrollments(ctx, canvas.SISCourse("PAGED"), &canvas.ListCourseEnrollmentsParams{Type: []canvas.EnrollmentType{canvas.EnrollmentTypeTeacher}}))
	if len(teachers) != 3 {
		t.Fatalf("%d teachers, want 3", len(teachers))
	}
	n := 0
	for _, err := range c.ListCourseEnrollments(ctx, canvas.SISCourse("PAGED"), nil) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 50 {
			break
		}
	}
	if _, err := c.ListCourseEnrollmentsPage(ctx, canvas.SISCourse("PAGED"), &canvas.ListCourseEnrollmentsParams{Page: "2"}, ""); err == nil {
		t.Fatal("a page parameter set by the caller was accepted")
	}
}

// The next URL is followed exactly as sent (opaque), only on the API's host, and a server that
// repeats a page ends the listing with an error instead of looping.
func TestPagingFollowsLinkExactly(t *testing.T) {
	var seen []string
	var base string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.URL.RequestURI())
		switch r.URL.Query().Get("page") {
		case "":
			w.Header().Set("Link", `<`+base+`/api/v1/users/self/logins?page=opaque%2Btoken%3D%3D&x=%F0%9F%99%82>; rel="next"`)
			io.WriteString(w, `[{"id":1,"unique_id":"a"}]`)
		case "opaque+token==":
			w.Header().Set("Link", `<`+base+`/api/v1/users/self/logins?page=loop>; rel="next"`)
			io.WriteString(w, `[{"id":2,"unique_id":"b"}]`)
		case "loop":
			w.Header().Set("Link", `<`+base+`/api/v1/users/self/logins?page=loop>; rel="next"`)
			io.WriteString(w, `[{"id":3,"unique_id":"c"}]`)
		}
	}))
	defer srv.Close()
	base = srv.URL
	c, _ := canvas.New(srv.URL+"/api/v1", canvas.WithBearerToken("t"))
	var ids []int64
	var lastErr error
	for l, err := range c.ListLogins(ctxT(t), canvas.Self) {
		if err != nil {
			lastErr = err
			break
		}
		ids = append(ids, l.ID)
	}
	if !errors.Is(lastErr, canvas.ErrPageCycle) {
		t.Fatalf("listing ended with %v, want the loop error", lastErr)
	}
	if d := cmp.Diff([]int64{1, 2, 3}, ids); d != "" {
		t.Fatalf("records (-want +got):\n%s", d)
	}
	want := []string{"/api/v1/users/self/logins?per_page=100", "/api/v1/users/self/logins?page=opaque%2Btoken%3D%3D&x=%F0%9F%99%82", "/api/v1/users/self/logins?page=loop"}
	if d := cmp.Diff(want, seen); d != "" {
		t.Fatalf("requested URLs (-want +got):\n%s", d)
	}

	// A next link to another host is not followed (the token would go with it).
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", `<https://attacker.example/steal>; rel="next"`)
		io.WriteString(w, `[{"id":1,"unique_id":"a"}]`)
	}))
	defer evil.Close()
	c2, _ := canvas.New(evil.URL, canvas.WithBearerToken("t"))
	_, err := c2.ListLoginsPage(ctxT(t), canvas.Self, "https://attacker.example/steal")
	if err == nil || !strings.Contains(err.Error(), "not to the API's host") {
		t.Fatalf("foreign next URL: %v", err)
	}
}

// A page with a malformed record and one without an id delivers the good records and a
// RecordError for each bad one; strict mode fails the page.
func TestTolerantDecoding(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `[{"id":1,"user_id":5,"type":"StudentEnrollment"},{"id":"two","user_id":6},{"user_id":7},{"id":4,"user_id":8,"grades":{"current_score":null}}]`)
	}))
	defer srv.Close()
	c, _ := canvas.New(srv.URL, canvas.WithBearerToken("t"))
	var ids []int64
	var bad []*canvas.RecordError
	for e, err := range c.ListCourseEnrollments(ctxT(t), canvas.ID(1), nil) {
		var re *canvas.RecordError
		switch {
		case errors.As(err, &re):
			bad = append(bad, re)
		case err != nil:
			t.Fatal(err)
		default:
			ids = append(ids, e.ID)
		}
	}
	if d := cmp.Diff([]int64{1, 4}, ids); d != "" {
		t.Fatalf("good records (-want +got):\n%s", d)
	}
	if len(bad) != 2 || bad[0].Index != 1 || bad[1].Index != 2 {
		t.Fatalf("record errors %+v", bad)
	}
	strict, _ := canvas.New(srv.URL, canvas.WithBearerToken("t"), canvas.WithStrict())
	if _, err := strict.ListCourseEnrollmentsPage(ctxT(t), canvas.ID(1), nil, ""); err == nil {
		t.Fatal("strict mode accepted a bad page")
	}
}

// Errors are typed, carry Canvas's message and never the token; logs neither.
func TestErrorsAndPrivacy(t *testing.T) {
	var logs bytes.Buffer
	srv := newFake(t, canvastest.WithTokens("secret-token-123"))
	c := newClient(t, srv, canvas.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	_, err := c.GetCourse(ctxT(t), canvas.SISCourse("nope"), nil)
	var ae *canvas.APIError
	if !errors.As(err, &ae) || !errors.Is(err, canvas.ErrNotFound) || ae.Message != "The specified resource does not exist." || ae.RequestID == "" {
		t.Fatalf("not-found error: %#v", err)
	}
	bad, _ := canvas.New(srv.URL(), canvas.WithBearerToken("wrong-token-456"))
	_, err = bad.GetAccount(ctxT(t), canvas.Self)
	if !errors.Is(err, canvas.ErrUnauthorized) || !errors.As(err, &ae) || ae.Code != "unauthenticated" {
		t.Fatalf("unauthorized error: %v", err)
	}
	_, err = c.CreateUser(ctxT(t), canvas.Self, canvas.CreateUserRequest{Pseudonym: canvas.PseudonymInput{UniqueID: "admin@canvas.example.edu"}})
	if !errors.Is(err, canvas.ErrBadRequest) || !strings.Contains(err.Error(), "unique_id: ID already in use") {
		t.Fatalf("validation error: %v", err)
	}
	for _, s := range []string{err.Error(), logs.String()} {
		if strings.Contains(s, "secret-token-123") || strings.Contains(s, "wrong-token-456") {
			t.Fatalf("token leaked: %s", s)
		}
	}
	if !strings.Contains(logs.String(), "edusync: request") {
		t.Fatalf("no request logged:\n%s", logs.String())
	}
}

// A 403 that is not throttling is a permission error and is sent once.
func TestPlainForbiddenNotRetried(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, `{"status":"unauthorized","errors":[{"message":"user not authorized to perform that action"}]}`)
	}))
	defer srv.Close()
	c, _ := canvas.New(srv.URL, canvas.WithBearerToken("t"), canvas.WithRetry(fastRetry))
	_, err := c.Enroll(ctxT(t), canvas.ID(1), canvas.NewEnrollment{User: canvas.ID(2)})
	if !errors.Is(err, canvas.ErrForbidden) || errors.Is(err, canvas.ErrRateLimited) || calls.Load() != 1 {
		t.Fatalf("err %v after %d calls; want a permission error after one", err, calls.Load())
	}
}

func TestNewValidatesBaseURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://canvas.example.edu":          "https://canvas.example.edu/api/v1",
		"https://canvas.example.edu/api/v1/":  "https://canvas.example.edu/api/v1",
		"http://127.0.0.1:8400/api/v1":        "http://127.0.0.1:8400/api/v1",
		"ftp://canvas.example.edu":            "",
		"https://canvas.example.edu/?x=1":     "",
		"https://user:pw@canvas.example.edu/": "",
		"canvas.example.edu":                  "",
	} {
		c, err := canvas.New(in)
		switch {
		case want == "" && err == nil:
			t.Errorf("New(%q) accepted", in)
		case want != "" && (err != nil || c.BaseURL() != want):
			t.Errorf("New(%q) = %v, %v; want %q", in, c, err, want)
		}
	}
	for _, o := range []canvas.Option{canvas.WithPageSize(0), canvas.WithPrefetch(-1), canvas.WithCreateAttempts(0)} {
		if _, err := canvas.New("https://c.example", o); err == nil {
			t.Error("invalid option accepted")
		}
	}
}

// Transport errors name the URL with personal numbers masked, and keep their cause.
func TestTransportErrorRedacted(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, _ := w.(http.Hijacker).Hijack()
		conn.Close()
	}))
	defer srv.Close()
	c, _ := canvas.New(srv.URL, canvas.WithBearerToken("t"), canvas.WithoutRetry())
	_, err := c.GetUser(ctxT(t), canvas.SISUser("199001011234"), nil)
	if err == nil || strings.Contains(err.Error(), "199001011234") || !strings.Contains(err.Error(), "redacted") {
		t.Fatalf("err = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.GetUser(ctx, canvas.Self, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}
