package ladokcanvas_test

import (
	"errors"
	"testing"

	"github.com/edusync/edusync/canvas"
	"github.com/edusync/edusync/ladok"
	"github.com/edusync/edusync/ladokcanvas"
)

func kursStatus(uid string) *ladok.KurstillfalleTillStatusEvent {
	return &ladok.KurstillfalleTillStatusEvent{Kurstillfalle: ladok.Kurstillfalle{Tillfallesbas: ladok.Tillfallesbas{UtbildningstillfalleUID: uid}}}
}

// TestEducationInformation covers the course and programme events.
func TestEducationInformation(t *testing.T) {
	cfg := ladokcanvas.DefaultConfig()
	cfg.CourseNameFormat = ladokcanvas.NameCodeTerm
	e := newEnv(t, cfg, nil)

	// KurstillfalleTillStatus: the course from Ladok's data, in its organisation's account,
	// with one section for the offering; the dates are Swedish days, the end inclusive.
	e.feed(kursStatus("off-db"))
	c, ok := e.course("off-db")
	if !ok || c.Name != "Databaser DA2001 HT2026" || c.CourseCode != "DA2001" || c.Account != orgUID {
		t.Fatalf("course %+v", c)
	}
	if got := c.StartAt.In(at("2026-01-01 00:00").Location()).Format("2006-01-02 15:04"); got != "2026-08-31 00:00" {
		t.Errorf("start %s", got)
	}
	if got := c.EndAt.In(at("2026-01-01 00:00").Location()).Format("2006-01-02 15:04"); got != "2027-01-17 23:59" {
		t.Errorf("end %s", got)
	}
	if s, _ := e.section("off-db"); s.Name != "DA2001 HT2026 (10003)" || s.Course != "off-db" {
		t.Errorf("section %+v", s)
	}

	// KurstillfalleUppdaterat: new dates and offering code.
	e.feed(&ladok.KurstillfalleUppdateratEvent{Kurstillfalle: ladok.Kurstillfalle{Tillfallesbas: ladok.Tillfallesbas{UtbildningstillfalleUID: "off-db", Utbildningstillfalleskod: "10033"},
		Kurstillfallesperioder: []ladok.TillfallesperiodEventPart{{ForstaUndervisningsdatum: "2026-09-07", SistaUndervisningsdatum: "2026-12-18"}}}})
	c, _ = e.course("off-db")
	if loc := at("2026-01-01 00:00").Location(); c.StartAt.In(loc).Format("2006-01-02") != "2026-09-07" || c.EndAt.In(loc).Format("2006-01-02") != "2026-12-18" {
		t.Errorf("dates after update %v %v", c.StartAt, c.EndAt)
	}
	if s, _ := e.section("off-db"); s.Name != "DA2001 HT2026 (10033)" {
		t.Errorf("section after update %q", s.Name)
	}
	// ... and creates a course that is missing.
	e.feed(&ladok.KurstillfalleUppdateratEvent{Kurstillfalle: ladok.Kurstillfalle{Tillfallesbas: ladok.Tillfallesbas{UtbildningstillfalleUID: "off-prog2"}}})
	if _, ok := e.course("off-prog2"); !ok {
		t.Error("KurstillfalleUppdaterat did not create the missing course")
	}

	// KursUppdaterad: name and code of every offering of the syllabus version.
	e.feed(kursStatus("off-hist"), kursStatus("off-hist-d"))
	e.feed(&ladok.KursUppdateradEvent{Utbildningsinstansbas: ladok.Utbildningsinstansbas{
		Utbildningsattribut: ladok.Utbildningsattribut{UtbildningsinstansUID: "inst-hi1001"},
		Benamningar:         ladok.Benamning{"sv": "Historia, grundkurs", "en": "History, basic course"}}, Kurskod: "HI1101"})
	for _, uid := range []string{"off-hist", "off-hist-d"} {
		if c, _ := e.course(uid); c.Name != "Historia, grundkurs HI1101 HT2026" || c.CourseCode != "HI1101" {
			t.Errorf("%s after KursUppdaterad: %+v", uid, c)
		}
	}
	if c, _ := e.course("off-db"); c.Name != "Databaser DA2001 HT2026" {
		t.Errorf("another syllabus's course changed: %q", c.Name)
	}

	// A second TillStatus brings Ladok's current data (here: a renamed offering).
	e.lad.AddUtbildningstillfallen(ladok.Utbildningstillfalle{UID: "off-db", Utbildningskod: "DA2001", Utbildningstillfalleskod: "10033",
		Benamning: ladok.Benamning{"sv": "Databasteknik"}, OrganisationUID: orgUID, StartperiodID: periodHT26, UtbildningsinstansUID: "inst-da2001",
		Tillfallesperioder: []ladok.Tillfallesperiod{{ForstaUndervisningsdatum: "2026-09-07", SistaUndervisningsdatum: "2026-12-18"}}})
	e.feed(kursStatus("off-db"))
	if c, _ := e.course("off-db"); c.Name != "Databasteknik DA2001 HT2026" {
		t.Errorf("after a second TillStatus: %q", c.Name)
	}

	// Programmes: KurspaketeringstillfalleTillStatus, ...Uppdaterat, KurspaketeringUppdaterad.
	e.feed(&ladok.KurspaketeringstillfalleTillStatusEvent{Kurspaketeringstillfalle: ladok.Kurspaketeringstillfalle{Tillfallesbas: ladok.Tillfallesbas{UtbildningstillfalleUID: "off-progr"}}})
	if c, _ := e.course("off-progr"); c.Name != "Datavetenskapligt program TDATA HT2026" {
		t.Errorf("programme course %+v", c)
	}
	e.feed(&ladok.KurspaketeringstillfalleUppdateratEvent{Kurspaketeringstillfalle: ladok.Kurspaketeringstillfalle{Tillfallesbas: ladok.Tillfallesbas{UtbildningstillfalleUID: "off-progr"},
		Tillfallesperioder: []ladok.TillfallesperiodEventPart{{ForstaUndervisningsdatum: "2026-08-24", SistaUndervisningsdatum: "2029-06-10"}}}})
	if c, _ := e.course("off-progr"); c.StartAt.Format("2006-01-02") != "2026-08-24" {
		t.Errorf("programme dates %v", c.StartAt)
	}
	e.feed(&ladok.KurspaketeringUppdateradEvent{Utbildningsinstansbas: ladok.Utbildningsinstansbas{
		Utbildningsattribut: ladok.Utbildningsattribut{UtbildningsinstansUID: "inst-progr"},
		Benamningar:         ladok.Benamning{"sv": "Civilingenjörsprogram i datavetenskap"}, Utbildningskod: "TCDAT"}})
	if c, _ := e.course("off-progr"); c.Name != "Civilingenjörsprogram i datavetenskap TCDAT HT2026" {
		t.Errorf("programme after KurspaketeringUppdaterad %q", c.Name)
	}

	// UtbildningsinstansPaUtbildningstillfalleAndrad: the offering follows another syllabus.
	e.lad.AddUtbildningsinstanser(ladok.Utbildningsinstans{UID: "inst-da2001-v2", Utbildningskod: "DA2002", Benamning: ladok.Benamning{"sv": "Databaser och SQL"}})
	e.feed(&ladok.UtbildningsinstansPaUtbildningstillfalleAndradEvent{UtbildningstillfalleUID: "off-db", UtbildningsinstansUID: "inst-da2001-v2"})
	if c, _ := e.course("off-db"); c.Name != "Databaser och SQL DA2002 HT2026" || c.CourseCode != "DA2002" {
		t.Errorf("after the syllabus change %+v", c)
	}
}

// TestCancelledOffering: UtbildningstillfalleInstallt prefixes the course name, once, on the
// name in Canvas; an offering cancelled before its course exists gets the mark when it is made.
func TestCancelledOffering(t *testing.T) {
	e := newEnv(t, ladokcanvas.DefaultConfig(), nil)
	e.feed(registrering("stu-anna", "off-prog1"))
	e.feed(&ladok.UtbildningstillfalleInstalltEvent{UtbildningstillfalleUID: "off-prog1"})
	e.feed(&ladok.UtbildningstillfalleInstalltEvent{UtbildningstillfalleUID: "off-prog1"})
	if c, _ := e.course("off-prog1"); c.Name != "[INSTÄLLT] Programmering I" {
		t.Errorf("cancelled course %q", c.Name)
	}
	// A later name change keeps the mark.
	e.feed(&ladok.KursUppdateradEvent{Utbildningsinstansbas: ladok.Utbildningsinstansbas{
		Utbildningsattribut: ladok.Utbildningsattribut{UtbildningsinstansUID: "inst-da1001"}, Benamningar: ladok.Benamning{"sv": "Programmering 1"}}})
	if c, _ := e.course("off-prog1"); c.Name != "[INSTÄLLT] Programmering 1" {
		t.Errorf("renamed cancelled course %q", c.Name)
	}
	// Not in Canvas yet: remembered.
	e.feed(&ladok.UtbildningstillfalleInstalltEvent{UtbildningstillfalleUID: "off-prog2"})
	if _, ok := e.course("off-prog2"); ok {
		t.Error("a course was made only to be marked cancelled")
	}
	e.feed(registrering("stu-bo", "off-prog2"))
	if c, _ := e.course("off-prog2"); c.Name != "[INSTÄLLT] Programmering II" {
		t.Errorf("course made after the cancellation %q", c.Name)
	}
}

// TestCoReading: offerings co-read share the primary's course, each with its own section.
func TestCoReading(t *testing.T) {
	e := newEnv(t, earlyConfig(), nil)
	// Before any event: sections are created in the primary's course.
	if err := e.ad.SetCoReading(t.Context(), "off-hist", "off-hist-d"); err != nil {
		t.Fatal(err)
	}
	e.feed(registrering("stu-anna", "off-hist-d"), registrering("stu-bo", "off-hist"))
	if _, ok := e.course("off-hist-d"); ok {
		t.Error("the co-read offering got a course of its own")
	}
	for _, uid := range []string{"off-hist", "off-hist-d"} {
		if s, ok := e.section(uid); !ok || s.Course != "off-hist" {
			t.Errorf("section %s: %+v", uid, s)
		}
	}
	same(t, "anna", e.enrolments("stu-anna", "off-hist-d"), []string{roleRegistered + "/active"})
	same(t, "bo", e.enrolments("stu-bo", "off-hist"), []string{roleRegistered + "/active"})
	// Early access is the shared course's.
	e.feed(antagen("stu-cia", "off-hist-d"))
	same(t, "admitted to the co-read offering", e.enrolments("stu-cia", "off-hist-d"), []string{roleAdmitted + "/active"})

	// Set after the offering has its own course: the section moves (cross-listed), with its
	// students.
	e.feed(registrering("stu-anna", "off-prog2"), registrering("stu-bo", "off-prog1"))
	if err := e.ad.SetCoReading(t.Context(), "off-prog1", "off-prog2"); err != nil {
		t.Fatal(err)
	}
	if s, _ := e.section("off-prog2"); s.Course != "off-prog1" || s.CrossListedFrom != "off-prog2" {
		t.Errorf("moved section %+v", s)
	}
	same(t, "moved with its section", e.enrolments("stu-anna", "off-prog2"), []string{roleRegistered + "/active"})
	e.feed(&ladok.AvbrottEvent{StudentUID: "stu-anna", UtbildningstillfalleUID: "off-prog2"})
	same(t, "withdrawn from the moved section", e.enrolments("stu-anna", "off-prog2"), nil)

	// A cancelled co-read offering marks its section, not the shared course.
	e.feed(&ladok.UtbildningstillfalleInstalltEvent{UtbildningstillfalleUID: "off-hist-d"})
	if s, _ := e.section("off-hist-d"); s.Name != "[INSTÄLLT] HI1001 HT2026 (20002)" {
		t.Errorf("cancelled co-read section %q", s.Name)
	}
	if c, _ := e.course("off-hist"); c.Name != "Historia A" {
		t.Errorf("shared course %q", c.Name)
	}

	// Ambiguous mappings are refused.
	for _, c := range [][]string{{"off-hist-d", "off-db"}, {"off-db", "off-hist"}, {"off-db", "off-db"}, {"", "off-db"}} {
		if err := e.ad.SetCoReading(t.Context(), c[0], c[1:]...); !errors.Is(err, ladokcanvas.ErrCoReading) {
			t.Errorf("SetCoReading(%q): %v", c, err)
		}
	}
	if got := e.ad.CoReadings(); len(got) != 2 || got["off-hist-d"] != "off-hist" || got["off-prog2"] != "off-prog1" {
		t.Errorf("CoReadings = %v", got)
	}

	// Removing co-reading moves the section back into its own course.
	if err := e.ad.RemoveCoReading(t.Context(), "off-prog2"); err != nil {
		t.Fatal(err)
	}
	if s, _ := e.section("off-prog2"); s.Course != "off-prog2" {
		t.Errorf("section after RemoveCoReading %+v", s)
	}
	if err := e.ad.RemoveCoReading(t.Context(), "off-hist-d"); err != nil {
		t.Fatal(err)
	}
	if s, _ := e.section("off-hist-d"); s.Course != "off-hist-d" {
		t.Errorf("a section made in the shared course, after RemoveCoReading: %+v", s)
	}
	if c, ok := e.course("off-hist-d"); !ok || c.Name != "[INSTÄLLT] Historia A" {
		t.Errorf("its own course %+v", c)
	}
	same(t, "students moved with it", e.enrolments("stu-anna", "off-hist-d"), []string{roleRegistered + "/active"})

	// The mapping survives a restart.
	if err := e.ad.SetCoReading(t.Context(), "off-prog1", "off-prog2"); err != nil {
		t.Fatal(err)
	}
	e.ad.Close()
	e.open()
	if got := e.ad.CoReadings(); got["off-prog2"] != "off-prog1" {
		t.Errorf("after a restart: %v", got)
	}
	_ = canvas.Self
}

// TestReplayCourse re-derives enrolments from Ladok REST.
func TestReplayCourse(t *testing.T) {
	cfg := earlyConfig()
	e := newEnv(t, cfg, nil)
	e.clock.Set(at("2026-09-10 12:00"))
	e.feed(registrering("stu-anna", "off-db"), registrering("stu-bo", "off-db"), antagen("stu-cia", "off-db"),
		suspension("stu-dan", "r1", "2026-09-01", "2026-09-30", ladok.HandelsetypSkapad))
	// A teacher added someone by hand, with the standard student role: not the adapter's.
	if _, err := e.cc.CreateUser(t.Context(), canvas.Self, canvas.CreateUserRequest{User: canvas.UserInput{Name: "Gäst"},
		Pseudonym: canvas.PseudonymInput{UniqueID: "gast", SisUserID: "guest"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.cc.EnrollInSection(t.Context(), canvas.SISSection("off-db"), canvas.NewEnrollment{User: canvas.SISUser("guest")}); err != nil {
		t.Fatal(err)
	}
	d := func(uid, given, state string) ladok.Deltagare {
		return ladok.Deltagare{UID: "d-" + uid, Student: ladok.DeltagareStudent{UID: uid, Fornamn: given, Efternamn: "X", Personnummer: "199404044217"},
			TillstandKurs: ladok.TillstandKurs{Tillfallesdeltagande: state}}
	}
	// Ladok now says: Anna left, Cia registered (her admission is purged), Dan (suspended, never
	// seen by the adapter in this course) is registered, Erik is admitted; Bo is not listed.
	e.addStudent("stu-erik", "Erik", "Ek", "", "")
	e.lad.SetDeltagare("off-db", d("stu-anna", "Anna", "AVBROTT"), d("stu-cia", "Cia", "REGISTRERAD"), d("stu-dan", "Dan", "REGISTRERAD"),
		d("stu-erik", "Erik", "FORVANTAD_DELTAGARE"))
	res, err := e.ad.ReplayCourse(t.Context(), "off-db")
	if err != nil {
		t.Fatal(err)
	}
	same(t, "anna", e.enrolments("stu-anna", "off-db"), nil)
	same(t, "bo", e.enrolments("stu-bo", "off-db"), nil)
	same(t, "cia", e.enrolments("stu-cia", "off-db"), []string{roleRegistered + "/active"})
	same(t, "dan (suspended)", e.enrolments("stu-dan", "off-db"), []string{roleRegistered + "/inactive"})
	same(t, "erik", e.enrolments("stu-erik", "off-db"), []string{roleAdmitted + "/active"})
	same(t, "the guest", e.enrolments("guest", "off-db"), []string{"Student/active"})
	if res.Added != 3 || res.Removed != 3 || res.Offerings != 1 {
		t.Errorf("result %+v", res)
	}
	if u, _ := e.user("stu-dan"); len(u.Logins) != 1 || u.Logins[0] != "stu-dan" {
		t.Errorf("a replayed user %+v", u)
	}
	// Replaying again changes nothing.
	before := len(e.cv.Writes())
	if res, err := e.ad.ReplayCourse(t.Context(), "off-db"); err != nil || res.Added+res.Removed != 0 {
		t.Errorf("second replay %+v %v", res, err)
	}
	if n := len(e.cv.Writes()) - before; n != 0 {
		t.Errorf("second replay wrote %d changes", n)
	}

	// With co-reading, the replay covers every offering of the course.
	if err := e.ad.SetCoReading(t.Context(), "off-hist", "off-hist-d"); err != nil {
		t.Fatal(err)
	}
	e.lad.SetDeltagare("off-hist", d("stu-anna", "Anna", "REGISTRERAD"))
	e.lad.SetDeltagare("off-hist-d", d("stu-bo", "Bo", "PAGAENDE"))
	if res, err := e.ad.ReplayCourse(t.Context(), "off-hist-d"); err != nil || res.Offerings != 2 || res.Added != 2 {
		t.Errorf("replay of a co-read course %+v %v", res, err)
	}
	same(t, "anna in hist", e.enrolments("stu-anna", "off-hist"), []string{roleRegistered + "/active"})
	same(t, "bo in hist-d", e.enrolments("stu-bo", "off-hist-d"), []string{roleRegistered + "/active"})
}
