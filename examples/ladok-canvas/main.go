// Command ladok-canvas runs the Ladok -> Canvas adapter (package ladokcanvas) through a
// scripted term against a fake Ladok and a fake Canvas, and prints what Canvas holds at the
// end. It needs no flags and no credentials:
//
//	go run ./examples/ladok-canvas
//
// The term: four students are admitted in June (early access gives them the admitted role in
// courses the adapter creates), two offerings of Programmering I (campus and distance) are
// co-read in one Canvas course, the students register at the start of term (the registered
// role replaces the admitted one), Bo is suspended in September and the suspension is lifted
// early, the Historia A offering is cancelled, and Cia withdraws from Programmering I. The
// adapter's clock follows the script, so suspension timers fire on the script's dates.
package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/edusync/edusync/canvas"
	"github.com/edusync/edusync/canvas/canvastest"
	"github.com/edusync/edusync/ladok"
	"github.com/edusync/edusync/ladok/ladoktest"
	"github.com/edusync/edusync/ladokcanvas"
	"github.com/edusync/edusync/store"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "ladok-canvas:", err)
		os.Exit(1)
	}
}

// The adapter's configuration, as a university would keep it in a file.
const configJSON = `{
	"UseAsLoginId": "ladokuid",
	"UpdateEmailFromLadok": true,
	"CourseNameFormat": 2,
	"UseAdmitted": true,
	"RoleIdRegistered": "Registrerad student",
	"RoleIdAdmitted": "Antagen student",
	"EarlyAccessOnCreateCourse": true,
	"UseRestrictions": true
}`

// Offerings and students of the script.
const (
	progCampus   = "kt-da1001-campus"
	progDistance = "kt-da1001-distans"
	history      = "kt-hi1001"
	anna, bo     = "st-anna", "st-bo"
	cia, dan     = "st-cia", "st-dan"
)

// simClock is the script's clock.
type simClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *simClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *simClock) set(day string) {
	loc, _ := time.LoadLocation("Europe/Stockholm")
	t, _ := time.ParseInLocation(time.DateOnly, day, loc)
	c.mu.Lock()
	c.t = t.Add(9 * time.Hour)
	c.mu.Unlock()
}

func run(ctx context.Context, out io.Writer) error {
	lad := ladoktest.NewServer()
	defer lad.Close()
	seedLadok(lad)
	cv := canvastest.NewServer(canvastest.WithoutThrottle(), canvastest.WithAccountName("Exempeluniversitetet"),
		canvastest.WithCustomRoles(canvastest.CustomRole{Label: "Registrerad student", BaseType: "StudentEnrollment"},
			canvastest.CustomRole{Label: "Antagen student", BaseType: "StudentEnrollment"}))
	defer cv.Close()

	lc, err := lad.Client()
	if err != nil {
		return err
	}
	cc, err := canvas.New(cv.URL(), canvas.WithBearerToken(cv.Token()), canvas.WithUserAgent("edusync-ladok-canvas-example"),
		canvas.WithMaxResponseBody(4<<20)) // the adapter's answers are small; see ladokcanvas's doc on memory
	if err != nil {
		return err
	}
	st := store.NewMemory() // a real host uses sqlite.Open
	defer st.Close()
	cfg, err := ladokcanvas.ParseConfig([]byte(configJSON))
	if err != nil {
		return err
	}
	clock := &simClock{}
	ad, err := ladokcanvas.New(ctx, lc, cc, st, cfg, ladokcanvas.WithClock(clock.now), ladokcanvas.WithTenant("exempel"))
	if err != nil {
		return err
	}
	defer ad.Close()
	if err := ad.Start(ctx); err != nil {
		return err
	}

	// An admin tool sets up co-reading before the term.
	if err := ad.SetCoReading(ctx, progCampus, progDistance); err != nil {
		return err
	}
	step := func(day, what, watch string, evs ...ladok.Event) error {
		clock.set(day)
		lad.Append(evs...)
		if _, err := ad.CatchUp(ctx); err != nil {
			return err
		}
		if _, err := ad.FireDue(ctx); err != nil {
			return err
		}
		fmt.Fprintf(out, "%s  %s\n", day, what)
		if watch == "" {
			return nil
		}
		for e, err := range cc.ListUserEnrollments(ctx, canvas.SISUser(watch), nil) {
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "            %s in %s: %s %s\n", watch, e.SisSectionID, e.Role, e.EnrollmentState)
		}
		return nil
	}
	steps := []struct {
		day, what, watch string
		evs              []ladok.Event
	}{
		{"2026-06-15", "admissions: four students admitted, early access in the new courses", "", []ladok.Event{
			student(anna, "Anna", "Andersson", "199001011239"), student(bo, "Bo", "Berg", "199202022381"),
			student(cia, "Cia", "Carlsson", "199303033220"), student(dan, "Dan", "Dahl", "199404044217"),
			admitted(anna, progCampus), admitted(bo, progCampus), admitted(cia, progDistance), admitted(dan, history), admitted(anna, history)}},
		{"2026-08-31", "registrations at the start of term", "", []ladok.Event{
			registered(anna, progCampus), registered(bo, progCampus), registered(cia, progDistance), registered(dan, history)}},
		{"2026-09-07", "Bo is suspended from 2026-09-07 to 2026-10-31", bo, []ladok.Event{
			suspension(bo, ladok.HandelsetypSkapad, "2026-09-07", "2026-10-31")}},
		{"2026-09-20", "Bo's suspension is lifted early", bo, []ladok.Event{
			suspension(bo, ladok.HandelsetypBorttagen, "2026-09-07", "2026-10-31")}},
		{"2026-09-25", "Historia A is cancelled", "", []ladok.Event{
			&ladok.UtbildningstillfalleInstalltEvent{UtbildningstillfalleUID: history}}},
		{"2026-10-01", "Cia withdraws from Programmering I", "", []ladok.Event{
			&ladok.AvbrottEvent{StudentUID: cia, UtbildningstillfalleUID: progDistance}}},
	}
	for _, s := range steps {
		if err := step(s.day, s.what, s.watch, s.evs...); err != nil {
			return err
		}
	}
	fmt.Fprintln(out)
	return printCanvas(ctx, out, cc)
}

func seedLadok(lad *ladoktest.Server) {
	lad.AddOrganisations(ladok.Organisation{UID: "org-ida", Organisationskod: "IDA", Benamning: ladok.Benamning{"sv": "Institutionen för datavetenskap"}},
		ladok.Organisation{UID: "org-hist", Organisationskod: "HIST", Benamning: ladok.Benamning{"sv": "Historiska institutionen"}})
	lad.AddPeriods(ladok.Period{ID: "113001", Kod: "HT2026", FromDatum: "2026-08-31", TomDatum: "2027-01-17"})
	offering := func(uid, code, offCode, name, org string) ladok.Utbildningstillfalle {
		return ladok.Utbildningstillfalle{UID: uid, Utbildningskod: code, Utbildningstillfalleskod: offCode, Benamning: ladok.Benamning{"sv": name},
			OrganisationUID: org, StartperiodID: 113001, Status: 2,
			Tillfallesperioder: []ladok.Tillfallesperiod{{Index: 1, ForstaUndervisningsdatum: "2026-08-31", SistaUndervisningsdatum: "2026-10-30"}}}
	}
	lad.AddUtbildningstillfallen(offering(progCampus, "DA1001", "10001", "Programmering I", "org-ida"),
		offering(progDistance, "DA1001", "10002", "Programmering I", "org-ida"),
		offering(history, "HI1001", "20001", "Historia A", "org-hist"))
	for _, s := range [][3]string{{anna, "anna"}, {bo, "bo"}, {cia, "cia"}, {dan, "dan"}} {
		lad.AddKontaktuppgifter(ladok.Kontaktuppgifter{StudentUID: s[0], Epostadress: s[1] + "@student.exempel.se"})
	}
}

func student(uid, given, family, pnr string) ladok.Event {
	return &ladok.LokalStudentEvent{Handelsetyp: ladok.HandelsetypSkapad, StudentUID: uid, Fornamn: given, Efternamn: family, Personnummer: pnr}
}

func admitted(uid, off string) ladok.Event {
	return &ladok.ForvantatDeltagandeSkapadEvent{StudentUID: uid, UtbildningstillfalleUID: off}
}

func registered(uid, off string) ladok.Event {
	return &ladok.RegistreringEvent{RegistreringBas: ladok.RegistreringBas{StudentUID: uid, KurstillfalleUID: off}}
}

func suspension(uid string, typ ladok.Handelsetyp, from, to string) ladok.Event {
	return &ladok.StudentrestriktionEvent{Handelsetyp: typ, Restriktionstyp: ladok.RestriktionAvstangning, StudentUID: uid,
		StudentrestriktionUID: "sr-" + uid, Giltighetsperiod: ladok.Datumperiod{Startdatum: from, Slutdatum: to}}
}

// printCanvas lists the courses, their sections and the student enrolments through the Canvas
// API, as an admin would see them.
func printCanvas(ctx context.Context, out io.Writer, cc *canvas.Client) error {
	var courses []canvas.Course
	for c, err := range cc.ListCourses(ctx, canvas.Self, nil) {
		if err != nil {
			return err
		}
		courses = append(courses, c)
	}
	slices.SortFunc(courses, func(a, b canvas.Course) int { return cmp.Compare(a.SisCourseID, b.SisCourseID) })
	fmt.Fprintln(out, "Canvas at the end of the script:")
	for _, c := range courses {
		fmt.Fprintf(out, "course %s  %q (%s)\n", c.SisCourseID, c.Name, c.CourseCode)
		var sections []canvas.Section
		for s, err := range cc.ListSections(ctx, canvas.ID(c.ID), nil) {
			if err != nil {
				return err
			}
			if s.SisSectionID != "" {
				sections = append(sections, s)
			}
		}
		slices.SortFunc(sections, func(a, b canvas.Section) int { return cmp.Compare(a.SisSectionID, b.SisSectionID) })
		for _, s := range sections {
			fmt.Fprintf(out, "  section %s  %q\n", s.SisSectionID, s.Name)
			var lines []string
			for e, err := range cc.ListSectionEnrollments(ctx, canvas.ID(s.ID), nil) {
				if err != nil {
					return err
				}
				lines = append(lines, fmt.Sprintf("    %-8s %-20s %s", e.SisUserID, e.Role, e.EnrollmentState))
			}
			slices.Sort(lines)
			for _, l := range lines {
				fmt.Fprintln(out, l)
			}
		}
	}
	return nil
}
