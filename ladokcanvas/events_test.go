package ladokcanvas_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/edusync/edusync/ladok"
	"github.com/edusync/edusync/ladokcanvas"
)

func lokalStudent(uid, given, family, pnr string) *ladok.LokalStudentEvent {
	return &ladok.LokalStudentEvent{Handelsetyp: ladok.HandelsetypSkapad, StudentUID: uid, Fornamn: given, Efternamn: family, Personnummer: pnr}
}

func registrering(uid, off string) *ladok.RegistreringEvent {
	return &ladok.RegistreringEvent{RegistreringBas: ladok.RegistreringBas{StudentUID: uid, KurstillfalleUID: off}}
}

func antagen(uid, off string) *ladok.ForvantatDeltagandeSkapadEvent {
	return &ladok.ForvantatDeltagandeSkapadEvent{StudentUID: uid, UtbildningstillfalleUID: off}
}

func same(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s = %q, want %q", what, got, want)
	}
}

// TestStudentInformation covers LokalStudent, Kontaktuppgifter and StudentTillLarosate.
func TestStudentInformation(t *testing.T) {
	cfg := ladokcanvas.DefaultConfig()
	cfg.UpdateEmailFromLadok = true
	e := newEnv(t, cfg, nil)

	// LokalStudent: a new student -> a user with sis_user_id = integration_id = StudentUID.
	e.feed(lokalStudent("stu-anna", "Anna", "Andersson", "199001011239"))
	u, ok := e.user("stu-anna")
	if !ok {
		t.Fatal("no user after LokalStudent")
	}
	if u.IntegrationID != "stu-anna" || u.Name != "Anna Andersson" || u.SortableName != "Andersson, Anna" {
		t.Errorf("user = %+v", u)
	}
	same(t, "logins", u.Logins, []string{"stu-anna"})
	if u.Email != "anna@student.example.se" {
		t.Errorf("email = %q, want Ladok's (UpdateEmailFromLadok)", u.Email)
	}

	// A name change: UpdateNameFromLadok (default on) carries it over.
	ch := lokalStudent("stu-anna", "Anna", "Lind", "199001011239")
	ch.Handelsetyp = ladok.HandelsetypUppdaterad
	e.feed(ch)
	if u, _ := e.user("stu-anna"); u.Name != "Anna Lind" {
		t.Errorf("name after update = %q", u.Name)
	}

	// Kontaktuppgifter: update the e-mail of an existing user, create a missing one (names
	// from Ladok REST).
	e.feed(&ladok.KontaktuppgifterEvent{Handelsetyp: ladok.HandelsetypUppdaterad, StudentUID: "stu-anna", Epostadress: "anna.lind@student.example.se"},
		&ladok.KontaktuppgifterEvent{Handelsetyp: ladok.HandelsetypSkapad, StudentUID: "stu-bo", Epostadress: "bo2@student.example.se"})
	if u, _ := e.user("stu-anna"); u.Email != "anna.lind@student.example.se" {
		t.Errorf("email after Kontaktuppgifter = %q", u.Email)
	}
	if u, ok := e.user("stu-bo"); !ok || u.Name != "Bo Berg" || u.Email != "bo2@student.example.se" {
		t.Errorf("user from Kontaktuppgifter = %+v, %v", u, ok)
	}

	// StudentTillLarosate: create the user.
	e.feed(&ladok.StudentTillLarosateEvent{StudentUID: "stu-cia", Tilltalsnamn: "Cia", Efternamn: "Carlsson", Personnummer: "199303033220"})
	if _, ok := e.user("stu-cia"); !ok {
		t.Error("no user after StudentTillLarosate")
	}
	// Delivered again: nothing changes, nothing is written.
	before, reqs := len(e.cv.Writes()), e.requests()
	if err := e.ad.Handle(t.Context(), &ladok.StudentTillLarosateEvent{StudentUID: "stu-cia", Tilltalsnamn: "Cia", Efternamn: "Carlsson"}); err != nil {
		t.Fatal(err)
	}
	if n := len(e.cv.Writes()); n != before {
		t.Errorf("a repeated StudentTillLarosate wrote %d changes", n-before)
	}
	if n := e.requests() - reqs; n != 0 {
		t.Errorf("a repeated StudentTillLarosate cost %d Canvas requests", n)
	}
}

// TestStudyParticipation covers every study-participation event without early access.
func TestStudyParticipation(t *testing.T) {
	e := newEnv(t, ladokcanvas.DefaultConfig(), nil)
	const std = "Student" // Canvas's standard student role, which the adapter uses without UseAdmitted
	if got := e.enrolments("stu-anna", "off-prog1"); len(got) != 0 {
		t.Fatal(got)
	}
	// Registrering for a student and course nobody told the adapter about: both come from Ladok.
	e.feed(registrering("stu-anna", "off-prog1"))
	c, ok := e.course("off-prog1")
	if !ok || c.Name != "Programmering I" || c.CourseCode != "DA1001" || c.Account != orgUID {
		t.Fatalf("course = %+v, %v", c, ok)
	}
	if s, ok := e.section("off-prog1"); !ok || s.Course != "off-prog1" {
		t.Fatalf("section = %+v, %v", s, ok)
	}
	same(t, "after Registrering", e.enrolments("stu-anna", "off-prog1"), []string{std + "/active"})

	// Withdrawals remove; their undoing adds again.
	for _, c := range []struct {
		ev   ladok.Event
		want []string
	}{
		{&ladok.AterkalladregistreringEvent{Aterkallning: ladok.Aterkallning{RegistreringBas: ladok.RegistreringBas{StudentUID: "stu-anna", KurstillfalleUID: "off-prog1"}}}, nil},
		{&ladok.OmregistreringEvent{RegistreringBas: ladok.RegistreringBas{StudentUID: "stu-anna", KurstillfalleUID: "off-prog1"}}, []string{std + "/active"}},
		{&ladok.AterkalladOmregistreringEvent{Aterkallning: ladok.Aterkallning{RegistreringBas: ladok.RegistreringBas{StudentUID: "stu-anna", KurstillfalleUID: "off-prog1"}}}, nil},
		{registrering("stu-anna", "off-prog1"), []string{std + "/active"}},
		{&ladok.AvbrottEvent{StudentUID: "stu-anna", UtbildningstillfalleUID: "off-prog1"}, nil},
		{&ladok.AvbrottBorttagetEvent{StudentUID: "stu-anna", UtbildningstillfalleUID: "off-prog1"}, []string{std + "/active"}},
		{&ladok.UppehallEvent{StudentUID: "stu-anna", KurspaketeringstillfalleUID: "off-progr"}, []string{std + "/active"}},
		{&ladok.AterbudEvent{StudentUID: "stu-anna", UtbildningstillfalleUID: "off-prog1"}, nil},
		{&ladok.UppehallBorttagetEvent{StudentUID: "stu-anna", UtbildningstillfalleUID: "off-prog1"}, []string{std + "/active"}},
		{&ladok.ForvantatDeltagandeBorttagetEvent{StudentUID: "stu-anna", UtbildningstillfalleUID: "off-prog1"}, nil},
	} {
		e.feed(c.ev)
		same(t, "after "+c.ev.Name(), e.enrolments("stu-anna", "off-prog1"), c.want)
	}

	// Without UseAdmitted an admission adds nobody (but the student exists).
	e.feed(antagen("stu-bo", "off-db"))
	if _, ok := e.user("stu-bo"); !ok {
		t.Error("ForvantatDeltagandeSkapad did not ensure the student")
	}
	same(t, "admitted without UseAdmitted", e.enrolments("stu-bo", "off-db"), nil)

	// Programme: PaborjatUtbildningstillfalle adds to the programme offering's course.
	e.feed(&ladok.PaborjatUtbildningstillfalleEvent{StudentUID: "stu-bo", UtbildningstillfalleUID: "off-progr"})
	if c, ok := e.course("off-progr"); !ok || c.Name != "Datavetenskapligt program" {
		t.Fatalf("programme course = %+v, %v", c, ok)
	}
	same(t, "after Paborjat", e.enrolments("stu-bo", "off-progr"), []string{std + "/active"})
	e.feed(&ladok.AterkallatPaborjatUtbildningstillfalleEvent{StudentUID: "stu-bo", UtbildningstillfalleUID: "off-progr"})
	same(t, "after AterkallatPaborjat", e.enrolments("stu-bo", "off-progr"), nil)

	if st := e.ad.Stats(); st.DeadLettered != 0 {
		t.Errorf("stats = %+v", st)
	}
	if strings.Contains(e.logs.String(), "199001011239") {
		t.Error("a personal number reached the log")
	}
}
