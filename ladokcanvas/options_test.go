package ladokcanvas_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"

	"github.com/edusync/edusync/canvas"
	"github.com/edusync/edusync/ladok"
	"github.com/edusync/edusync/ladokcanvas"
)

func TestOptionUseAsLoginID(t *testing.T) {
	for _, c := range []struct {
		src       ladokcanvas.LoginIDSource
		protected bool
		optIn     bool
		pnr       string
		want      string
	}{
		{ladokcanvas.LoginLadokUID, false, false, "199001011239", "stu-anna"},
		{ladokcanvas.LoginSSN, false, false, "199001011239", "199001011239"},
		{ladokcanvas.LoginSSN, false, false, "900101-1239", "199001011239"}, // normalised to twelve digits
		{ladokcanvas.LoginSSN, false, false, "", "stu-anna"},                // no number: the UID
		{ladokcanvas.LoginSSN, false, false, "199001011230", "stu-anna"},    // an invalid number is not used
		{ladokcanvas.LoginSSN, true, false, "199001011239", "stu-anna"},     // protected: never the number
		{ladokcanvas.LoginSSN, true, true, "199001011239", "199001011239"},  // unless the host opted in
	} {
		cfg := ladokcanvas.DefaultConfig()
		cfg.UseAsLoginID, cfg.WriteProtectedPersonalData = c.src, c.optIn
		e := newEnv(t, cfg, nil)
		if c.protected {
			e.feed(&ladok.SkyddadePersonuppgifterEvent{Handelsetyp: ladok.HandelsetypSkapad, StudentUID: "stu-anna"})
		}
		e.feed(lokalStudent("stu-anna", "Anna", "Andersson", c.pnr))
		u, _ := e.user("stu-anna")
		same(t, string(c.src)+" "+c.pnr+" protected="+strconv.FormatBool(c.protected), u.Logins, []string{c.want})
	}
}

func TestOptionUpdateEmailFromLadok(t *testing.T) {
	for _, on := range []bool{false, true} {
		cfg := ladokcanvas.DefaultConfig()
		cfg.UpdateEmailFromLadok = on
		e := newEnv(t, cfg, nil)
		e.feed(registrering("stu-anna", "off-prog1"), // created from Ladok REST, e-mail from its contact details
			&ladok.KontaktuppgifterEvent{Handelsetyp: ladok.HandelsetypUppdaterad, StudentUID: "stu-bo", Epostadress: "bo.ny@student.example.se"})
		a, _ := e.user("stu-anna")
		b, _ := e.user("stu-bo")
		if on && (a.Email != "anna@student.example.se" || b.Email != "bo.ny@student.example.se") {
			t.Errorf("on: e-mail %q, %q", a.Email, b.Email)
		}
		if !on && (a.Email != "" || b.Email != "") {
			t.Errorf("off: users created with e-mail %q, %q", a.Email, b.Email)
		}
		e.feed(&ladok.KontaktuppgifterEvent{Handelsetyp: ladok.HandelsetypUppdaterad, StudentUID: "stu-anna", Epostadress: "anna2@student.example.se"})
		if a, _ := e.user("stu-anna"); on != (a.Email == "anna2@student.example.se") {
			t.Errorf("UpdateEmailFromLadok=%v: e-mail after a change %q", on, a.Email)
		}
	}
}

func TestOptionUpdateNameFromLadok(t *testing.T) {
	for _, on := range []bool{false, true} {
		cfg := ladokcanvas.DefaultConfig()
		cfg.UpdateNameFromLadok = on
		e := newEnv(t, cfg, nil)
		e.feed(lokalStudent("stu-anna", "Anna", "Andersson", ""))
		ch := lokalStudent("stu-anna", "Anna", "Berglund", "")
		ch.Handelsetyp = ladok.HandelsetypUppdaterad
		e.feed(ch)
		u, _ := e.user("stu-anna")
		if want := map[bool]string{false: "Anna Andersson", true: "Anna Berglund"}[on]; u.Name != want {
			t.Errorf("UpdateNameFromLadok=%v: name %q, want %q", on, u.Name, want)
		}
	}
}

func TestOptionUpdateSsnFromLadok(t *testing.T) {
	for _, on := range []bool{false, true} {
		cfg := ladokcanvas.DefaultConfig()
		cfg.UseAsLoginID, cfg.UpdateSsnFromLadok = ladokcanvas.LoginSSN, on
		e := newEnv(t, cfg, nil)
		e.feed(lokalStudent("stu-anna", "Anna", "Andersson", "199001011239"))
		ch := lokalStudent("stu-anna", "Anna", "Andersson", "199505055120")
		ch.Handelsetyp, ch.TidigarePersonnummer = ladok.HandelsetypUppdaterad, "199001011239"
		e.feed(ch)
		u, _ := e.user("stu-anna")
		want := map[bool]string{false: "199001011239", true: "199505055120"}[on]
		same(t, "UpdateSsnFromLadok="+strconv.FormatBool(on), u.Logins, []string{want})
	}
}

func TestOptionSubAccounts(t *testing.T) {
	cfg := ladokcanvas.DefaultConfig()
	cfg.UseSubaccountsForProgramAndCourses = true
	e := newEnv(t, cfg, nil)
	// New organisations go under an account of the host's choosing.
	parent, err := e.cc.CreateSubAccount(t.Context(), canvas.Self, canvas.AccountInput{Name: "Ladok", SisAccountID: "ladok-root"})
	if err != nil {
		t.Fatal(err)
	}
	cfg.SubAccountNewOrganisations = parent.ID
	e.cfg = cfg
	e.open()
	e.feed(registrering("stu-anna", "off-prog1"), &ladok.PaborjatUtbildningstillfalleEvent{StudentUID: "stu-anna", UtbildningstillfalleUID: "off-progr"})
	acc := map[string]string{}
	for _, a := range e.snap().Accounts {
		acc[a.SISID] = a.Parent + " | " + a.Name
	}
	want := map[string]string{"ladok-root": " | Ladok", orgUID: "ladok-root | Institutionen för datavetenskap",
		orgUID + "/kurser": orgUID + " | Kurser", orgUID + "/program": orgUID + " | Program"}
	for k, v := range want {
		if acc[k] != v {
			t.Errorf("account %s = %q, want %q", k, acc[k], v)
		}
	}
	if c, _ := e.course("off-prog1"); c.Account != orgUID+"/kurser" {
		t.Errorf("course in %q", c.Account)
	}
	if c, _ := e.course("off-progr"); c.Account != orgUID+"/program" {
		t.Errorf("programme course in %q", c.Account)
	}
}

func TestOptionCourseNameFormat(t *testing.T) {
	for format, want := range map[int]string{
		ladokcanvas.NameOnly:                 "Programmering I",
		ladokcanvas.NameTerm:                 "Programmering I HT2026",
		ladokcanvas.NameCodeTerm:             "Programmering I DA1001 HT2026",
		ladokcanvas.NameCodeOfferingCodeTerm: "Programmering I DA1001 10001 HT2026",
	} {
		cfg := ladokcanvas.DefaultConfig()
		cfg.CourseNameFormat = format
		e := newEnv(t, cfg, nil)
		e.feed(&ladok.KurstillfalleTillStatusEvent{Kurstillfalle: ladok.Kurstillfalle{Tillfallesbas: ladok.Tillfallesbas{UtbildningstillfalleUID: "off-prog1"}}})
		if c, _ := e.course("off-prog1"); c.Name != want {
			t.Errorf("format %d: %q, want %q", format, c.Name, want)
		}
	}
}

// TestOptionUseAdmitted: with it, admitted students get the admitted role (in courses with
// early access) and registered ones the registered role; without it only registered students
// are added, with Canvas's standard student role.
func TestOptionUseAdmitted(t *testing.T) {
	t.Run("on", func(t *testing.T) {
		cfg := earlyConfig()
		cfg.EarlyAccessDisablePurge = true // to see both roles at once
		e := newEnv(t, cfg, nil)
		e.feed(antagen("stu-anna", "off-prog1"))
		same(t, "admitted", e.enrolments("stu-anna", "off-prog1"), []string{roleAdmitted + "/active"})
		e.feed(registrering("stu-anna", "off-prog1"))
		same(t, "admitted and registered", e.enrolments("stu-anna", "off-prog1"), []string{roleAdmitted + "/active", roleRegistered + "/active"})
	})
	t.Run("off", func(t *testing.T) {
		e := newEnv(t, ladokcanvas.DefaultConfig(), nil)
		e.feed(antagen("stu-anna", "off-prog1"), registrering("stu-bo", "off-prog1"))
		same(t, "admitted", e.enrolments("stu-anna", "off-prog1"), nil)
		same(t, "registered", e.enrolments("stu-bo", "off-prog1"), []string{"Student/active"})
	})
}

// TestOptionRoles resolves the roles by id and by label at start; a role that does not exist
// in Canvas, by label or by id, or one that is not a student role, fails Start before anything
// is written, and keeps failing.
func TestOptionRoles(t *testing.T) {
	e := newEnv(t, earlyConfig(), nil)
	var regID, teacherID int64
	for r, err := range e.cc.ListRoles(t.Context(), canvas.Self, nil) {
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case r.Label == roleRegistered:
			regID = r.ID
		case r.BaseRoleType == string(canvas.EnrollmentTypeTeacher):
			teacherID = r.ID
		}
	}
	cfg := earlyConfig()
	cfg.RoleIDRegistered = ladokcanvas.RoleRef(strconv.FormatInt(regID, 10))
	e.cfg = cfg
	e.open()
	e.feed(antagen("stu-anna", "off-prog1"), registrering("stu-bo", "off-prog1"))
	same(t, "by label", e.enrolments("stu-anna", "off-prog1"), []string{roleAdmitted + "/active"})
	same(t, "by id", e.enrolments("stu-bo", "off-prog1"), []string{roleRegistered + "/active"})

	for _, tc := range []struct {
		name                 string
		registered, admitted ladokcanvas.RoleRef
		field                string
	}{
		{"a label Canvas does not have", roleRegistered, "Förväntad deltagare", "RoleIdAdmitted"},
		{"an id Canvas does not have", "999999", roleAdmitted, "RoleIdRegistered"},
		{"a teacher role", ladokcanvas.RoleRef(strconv.FormatInt(teacherID, 10)), roleAdmitted, "RoleIdRegistered"},
		{"the same role by id and label", ladokcanvas.RoleRef(strconv.FormatInt(regID, 10)), roleRegistered, "RoleIdAdmitted"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := earlyConfig()
			cfg.RoleIDRegistered, cfg.RoleIDAdmitted = tc.registered, tc.admitted
			e.cfg = cfg
			e.open()
			before := len(e.cv.Writes())
			e.lad.Append(antagen("stu-cia", "off-prog1"))
			var ce *ladokcanvas.ConfigError
			if err := e.ad.Start(t.Context()); !errors.As(err, &ce) || !ce.Has(tc.field) {
				t.Fatalf("Start: %v, want a ConfigError naming %s", err, tc.field)
			}
			if _, err := e.ad.CatchUp(t.Context()); !errors.As(err, &ce) {
				t.Errorf("CatchUp after a failed start: %v", err)
			}
			if err := e.ad.Run(t.Context()); !errors.As(err, &ce) {
				t.Errorf("Run after a failed start: %v", err)
			}
			if len(e.cv.Writes()) != before {
				t.Error("something was written with a role that does not fit")
			}
		})
	}
}

// TestOptionUpdateCourseFromLadok: off, the adapter never overwrites names, codes and dates.
func TestOptionUpdateCourseFromLadok(t *testing.T) {
	for _, on := range []bool{false, true} {
		cfg := ladokcanvas.DefaultConfig()
		cfg.UpdateCourseFromLadok = on
		e := newEnv(t, cfg, nil)
		e.feed(registrering("stu-anna", "off-prog1"))
		// A teacher renames the course.
		if _, err := e.cc.UpdateCourse(t.Context(), canvas.SISCourse("off-prog1"), canvas.UpdateCourseRequest{Course: canvas.CourseInput{Name: "Prog I (lärarens namn)"}}); err != nil {
			t.Fatal(err)
		}
		e.feed(&ladok.KurstillfalleUppdateratEvent{Kurstillfalle: ladok.Kurstillfalle{Tillfallesbas: ladok.Tillfallesbas{UtbildningstillfalleUID: "off-prog1", Utbildningstillfalleskod: "10099"},
			Kurstillfallesperioder: []ladok.TillfallesperiodEventPart{{ForstaUndervisningsdatum: "2026-09-07", SistaUndervisningsdatum: "2026-11-06"}}}},
			&ladok.KursUppdateradEvent{Utbildningsinstansbas: ladok.Utbildningsinstansbas{Utbildningsattribut: ladok.Utbildningsattribut{UtbildningsinstansUID: "inst-da1001"},
				Benamningar: ladok.Benamning{"sv": "Programmering 1"}}, Kurskod: "DA1011"})
		c, _ := e.course("off-prog1")
		s, _ := e.section("off-prog1")
		if on {
			if c.Name != "Programmering 1" || c.CourseCode != "DA1011" || c.StartAt.Format("2006-01-02") != "2026-09-07" || s.Name != "DA1011 HT2026 (10099)" {
				t.Errorf("on: course %+v, section %q", c, s.Name)
			}
		} else if c.Name != "Prog I (lärarens namn)" || c.CourseCode != "DA1001" || c.StartAt.Format("2006-01-02") != "2026-08-31" || s.Name != "DA1001 HT2026 (10001)" {
			t.Errorf("off: course %+v, section %q", c, s.Name)
		}
		// A cancellation is marked either way, on the name the teacher gave.
		e.feed(&ladok.UtbildningstillfalleInstalltEvent{UtbildningstillfalleUID: "off-prog1"})
		c, _ = e.course("off-prog1")
		want := ladokcanvas.CancelledPrefix + " Programmering 1"
		if !on {
			want = ladokcanvas.CancelledPrefix + " Prog I (lärarens namn)"
		}
		if c.Name != want {
			t.Errorf("UpdateCourseFromLadok=%v: cancelled course %q, want %q", on, c.Name, want)
		}
	}
}

// TestOptionEarlyAccess covers EarlyAccessOnCreateCourse, SetEarlyAccess and
// EarlyAccessDisablePurge.
func TestOptionEarlyAccess(t *testing.T) {
	t.Run("on create", func(t *testing.T) {
		e := newEnv(t, earlyConfig(), nil)
		e.feed(antagen("stu-anna", "off-prog1"))
		if !e.ad.EarlyAccess("off-prog1") {
			t.Error("a course the adapter created has no early access")
		}
		same(t, "admitted", e.enrolments("stu-anna", "off-prog1"), []string{roleAdmitted + "/active"})
		// Purge: the registration replaces the admitted enrolment.
		e.feed(registrering("stu-anna", "off-prog1"))
		same(t, "registered", e.enrolments("stu-anna", "off-prog1"), []string{roleRegistered + "/active"})
	})
	t.Run("later", func(t *testing.T) {
		cfg := earlyConfig()
		cfg.EarlyAccessOnCreateCourse = false
		e := newEnv(t, cfg, nil)
		e.lad.SetDeltagare("off-db",
			ladok.Deltagare{UID: "d1", Student: ladok.DeltagareStudent{UID: "stu-anna", Fornamn: "Anna", Efternamn: "Andersson"}, TillstandKurs: ladok.TillstandKurs{Tillfallesdeltagande: "FORVANTAD_DELTAGARE"}},
			ladok.Deltagare{UID: "d2", Student: ladok.DeltagareStudent{UID: "stu-bo", Fornamn: "Bo", Efternamn: "Berg"}, TillstandKurs: ladok.TillstandKurs{Tillfallesdeltagande: "FORVANTAD_DELTAGARE"}})
		// The admissions pass while the course has no early access: nobody is added ...
		e.feed(antagen("stu-anna", "off-db"), antagen("stu-bo", "off-db"))
		same(t, "before early access", e.enrolments("stu-anna", "off-db"), nil)
		// ... until an admin turns early access on, which replays the course from Ladok.
		if err := e.ad.SetEarlyAccess(t.Context(), "off-db", true); err != nil {
			t.Fatal(err)
		}
		same(t, "after early access", e.enrolments("stu-anna", "off-db"), []string{roleAdmitted + "/active"})
		same(t, "after early access", e.enrolments("stu-bo", "off-db"), []string{roleAdmitted + "/active"})
		same(t, "early access courses", e.ad.EarlyAccessCourses(), []string{"off-db"})
		if err := e.ad.SetEarlyAccess(t.Context(), "off-db", false); err != nil {
			t.Fatal(err)
		}
		same(t, "turning it off removes nobody", e.enrolments("stu-bo", "off-db"), []string{roleAdmitted + "/active"})
	})
	t.Run("disable purge", func(t *testing.T) {
		cfg := earlyConfig()
		cfg.EarlyAccessDisablePurge = true
		e := newEnv(t, cfg, nil)
		e.feed(antagen("stu-anna", "off-prog1"), registrering("stu-anna", "off-prog1"), antagen("stu-bo", "off-prog1"))
		same(t, "kept", e.enrolments("stu-anna", "off-prog1"), []string{roleAdmitted + "/active", roleRegistered + "/active"})
		// A replay does not purge admitted students Ladok no longer lists either.
		e.lad.SetDeltagare("off-prog1")
		if _, err := e.ad.ReplayCourse(t.Context(), "off-prog1"); err != nil {
			t.Fatal(err)
		}
		same(t, "after replay", e.enrolments("stu-bo", "off-prog1"), []string{roleAdmitted + "/active"})
		same(t, "after replay", e.enrolments("stu-anna", "off-prog1"), []string{roleAdmitted + "/active"})
	})
	t.Run("needs UseAdmitted", func(t *testing.T) {
		e := newEnv(t, ladokcanvas.DefaultConfig(), nil)
		var ce *ladokcanvas.ConfigError
		if err := e.ad.SetEarlyAccess(t.Context(), "off-db", true); !errors.As(err, &ce) {
			t.Errorf("SetEarlyAccess without UseAdmitted: %v", err)
		}
	})
}

// TestOptionUseRestrictions: off, suspensions are ignored.
func TestOptionUseRestrictions(t *testing.T) {
	cfg := earlyConfig()
	cfg.UseRestrictions = false
	e := newEnv(t, cfg, nil)
	e.clock.Set(swedish("2026-09-15"))
	e.feed(registrering("stu-anna", "off-prog1"), suspension("stu-anna", "r1", "2026-09-01", "2026-10-01", ladok.HandelsetypSkapad))
	same(t, "with UseRestrictions off", e.enrolments("stu-anna", "off-prog1"), []string{roleRegistered + "/active"})
}

// TestOptionMessageTeachers: the teachers of the courses the suspension touched are told, once.
func TestOptionMessageTeachers(t *testing.T) {
	var mu sync.Mutex
	var notices []ladokcanvas.SuspensionNotice
	m := ladokcanvas.MessengerFunc(func(_ context.Context, n ladokcanvas.SuspensionNotice) error {
		mu.Lock()
		notices = append(notices, n)
		mu.Unlock()
		return nil
	})
	cfg := earlyConfig()
	cfg.RestrictionsSendMessageToTeachers = true
	e := newEnv(t, cfg, []ladokcanvas.Option{ladokcanvas.WithMessenger(m)})
	e.clock.Set(swedish("2026-09-15"))
	e.feed(registrering("stu-anna", "off-prog1"), registrering("stu-anna", "off-db"))
	teacher, err := e.cc.CreateUser(t.Context(), canvas.Self, canvas.CreateUserRequest{User: canvas.UserInput{Name: "Lärare Ett"},
		Pseudonym: canvas.PseudonymInput{UniqueID: "larare1", SisUserID: "t1"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.cc.Enroll(t.Context(), canvas.SISCourse("off-prog1"), canvas.NewEnrollment{User: canvas.SISUser("t1"), Type: canvas.EnrollmentTypeTeacher}); err != nil {
		t.Fatal(err)
	}
	e.feed(suspension("stu-anna", "r1", "2026-09-01", "2026-10-01", ladok.HandelsetypSkapad))
	e.feed(suspension("stu-anna", "r1", "2026-09-01", "2026-10-05", ladok.HandelsetypUppdaterad)) // no second message
	mu.Lock()
	defer mu.Unlock()
	if len(notices) != 1 {
		t.Fatalf("%d notices: %+v", len(notices), notices)
	}
	n := notices[0]
	if n.StudentUID != "stu-anna" || n.StudentName != "Anna Andersson" || n.From != "2026-09-01" || n.Until != "2026-10-01" ||
		len(n.Courses) != 1 || n.Courses[0].SISID != "off-prog1" || len(n.Courses[0].TeacherIDs) != 1 || n.Courses[0].TeacherIDs[0] != teacher.ID {
		t.Errorf("notice %+v", n)
	}
}

// TestOptionWriteProtectedPersonalData: without the opt-in a protected student gets no e-mail
// and keeps a login without the personal number; with it they are written like others.
func TestOptionWriteProtectedPersonalData(t *testing.T) {
	for _, optIn := range []bool{false, true} {
		cfg := earlyConfig()
		cfg.UseAsLoginID, cfg.WriteProtectedPersonalData = ladokcanvas.LoginSSN, optIn
		e := newEnv(t, cfg, nil)
		e.feed(lokalStudent("stu-anna", "Anna", "Andersson", "199001011239"), registrering("stu-anna", "off-prog1"))
		// Protected from now on: the login that is the personal number is replaced at once.
		e.feed(&ladok.SkyddadePersonuppgifterEvent{Handelsetyp: ladok.HandelsetypSkapad, StudentUID: "stu-anna"},
			&ladok.KontaktuppgifterEvent{Handelsetyp: ladok.HandelsetypUppdaterad, StudentUID: "stu-anna", Epostadress: "hemlig@example.se"},
			&ladok.SkyddadePersonuppgifterEvent{Handelsetyp: ladok.HandelsetypSkapad, StudentUID: "stu-bo"},
			registrering("stu-bo", "off-prog1"))
		a, _ := e.user("stu-anna")
		b, _ := e.user("stu-bo")
		if !optIn {
			same(t, "protected login", a.Logins, []string{"stu-anna"})
			same(t, "protected login", b.Logins, []string{"stu-bo"})
			if a.Email == "hemlig@example.se" || b.Email != "" {
				t.Errorf("protected students got e-mail: %q, %q", a.Email, b.Email)
			}
			if b.Name != "Bo Berg" {
				t.Errorf("name %q", b.Name)
			}
		} else {
			same(t, "opted-in login", b.Logins, []string{"199202022381"})
			if a.Email != "hemlig@example.se" || b.Email != "bo@student.example.se" {
				t.Errorf("opted in: e-mail %q, %q", a.Email, b.Email)
			}
		}
		// Access to the course is kept.
		same(t, "course access", e.enrolments("stu-bo", "off-prog1"), []string{roleRegistered + "/active"})
	}
}
