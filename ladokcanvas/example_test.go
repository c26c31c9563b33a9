package ladokcanvas_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/edusync/edusync/canvas"
	"github.com/edusync/edusync/canvas/canvastest"
	"github.com/edusync/edusync/ladok"
	"github.com/edusync/edusync/ladok/ladoktest"
	"github.com/edusync/edusync/ladokcanvas"
	"github.com/edusync/edusync/store"
)

// The adapter between a fake Ladok and a fake Canvas: a registration for a student and a
// course nobody told the adapter about; both are read from Ladok and created in Canvas.
func Example() {
	ctx := context.Background()
	lad := ladoktest.NewServer()
	defer lad.Close()
	lad.AddOrganisations(ladok.Organisation{UID: "org-ida", Benamning: ladok.Benamning{"sv": "Institutionen för datavetenskap"}})
	lad.AddPeriods(ladok.Period{ID: "113001", Kod: "HT2026"})
	lad.AddUtbildningstillfallen(ladok.Utbildningstillfalle{UID: "kt-1", Utbildningskod: "DA1001", Utbildningstillfalleskod: "10001",
		Benamning: ladok.Benamning{"sv": "Programmering I"}, OrganisationUID: "org-ida", StartperiodID: 113001})
	lad.AddStudents(ladok.Student{UID: "st-1", Fornamn: "Anna", Efternamn: "Andersson", Personnummer: "199001011239"})
	lad.Append(&ladok.RegistreringEvent{RegistreringBas: ladok.RegistreringBas{StudentUID: "st-1", KurstillfalleUID: "kt-1"}})

	cv := canvastest.NewServer(canvastest.WithoutThrottle())
	defer cv.Close()
	lc, _ := lad.Client()
	cc, _ := canvas.New(cv.URL(), canvas.WithBearerToken(cv.Token()))
	st := store.NewMemory() // sqlite.Open in production
	defer st.Close()

	cfg, err := ladokcanvas.LoadConfig(strings.NewReader(`{"CourseNameFormat": 2}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	ad, err := ladokcanvas.New(ctx, lc, cc, st, cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ad.Close()
	if _, err := ad.CatchUp(ctx); err != nil { // Run(ctx) keeps going and polls the feed
		fmt.Println(err)
		return
	}
	c, _ := cc.GetCourse(ctx, canvas.SISCourse("kt-1"), nil)
	fmt.Println(c.Name, c.CourseCode)
	for e, err := range cc.ListCourseEnrollments(ctx, canvas.SISCourse("kt-1"), nil) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(e.SisUserID, e.SisSectionID, e.Type, e.EnrollmentState)
	}
	// Output:
	// Programmering I HT2026 DA1001
	// st-1 kt-1 StudentEnrollment active
}

// A configuration with mistakes: every bad field is reported at once.
func ExampleLoadConfig() {
	_, err := ladokcanvas.LoadConfig(strings.NewReader(`{
		"UseAsLoginId": "email",
		"CourseNameFormat": 5,
		"UseAdmitted": true,
		"RoleIdAdmitted": "Antagen student",
		"EarlyAcessOnCreateCourse": true
	}`))
	fmt.Println(err)
	// Output:
	// ladokcanvas: invalid configuration: EarlyAcessOnCreateCourse: unknown option; UseAsLoginId: must be "ssn" or "ladokuid"; CourseNameFormat: must be 1 (name), 2 (name, term), 3 (name, course code, term) or 4 (name, course code, offering code, term); RoleIdRegistered: is required when UseAdmitted is on
}

// Co-reading: two offerings taught as one Canvas course, each keeping its own section. An
// admin tool calls this while the adapter runs.
func ExampleAdapter_SetCoReading() {
	ctx := context.Background()
	lad := ladoktest.NewServer()
	defer lad.Close()
	for _, uid := range []string{"kt-campus", "kt-distans"} {
		lad.AddUtbildningstillfallen(ladok.Utbildningstillfalle{UID: uid, Utbildningskod: "HI1001", Benamning: ladok.Benamning{"sv": "Historia A"},
			Utbildningstillfalleskod: map[string]string{"kt-campus": "20001", "kt-distans": "20002"}[uid]})
	}
	lad.AddStudents(ladok.Student{UID: "st-1", Fornamn: "Bo", Efternamn: "Berg"}, ladok.Student{UID: "st-2", Fornamn: "Cia", Efternamn: "Carlsson"})
	lad.Append(&ladok.RegistreringEvent{RegistreringBas: ladok.RegistreringBas{StudentUID: "st-1", KurstillfalleUID: "kt-campus"}},
		&ladok.RegistreringEvent{RegistreringBas: ladok.RegistreringBas{StudentUID: "st-2", KurstillfalleUID: "kt-distans"}})
	cv := canvastest.NewServer(canvastest.WithoutThrottle())
	defer cv.Close()
	lc, _ := lad.Client()
	cc, _ := canvas.New(cv.URL(), canvas.WithBearerToken(cv.Token()))
	ad, _ := ladokcanvas.New(ctx, lc, cc, store.NewMemory(), ladokcanvas.DefaultConfig())
	defer ad.Close()

	if err := ad.SetCoReading(ctx, "kt-campus", "kt-distans"); err != nil {
		fmt.Println(err)
		return
	}
	if _, err := ad.CatchUp(ctx); err != nil {
		fmt.Println(err)
		return
	}
	for e, err := range cc.ListCourseEnrollments(ctx, canvas.SISCourse("kt-campus"), nil) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(e.SisCourseID, e.SisSectionID, e.SisUserID)
	}
	// Unordered output:
	// kt-campus kt-campus st-1
	// kt-campus kt-distans st-2
}

// The message the built-in Canvas messenger sends a teacher when a student's suspension starts
// (RestrictionsSendMessageToTeachers); WithNoticeText replaces it.
func ExampleSwedishNoticeText() {
	subject, body := ladokcanvas.SwedishNoticeText(ladokcanvas.TeacherNotice{StudentName: "Bo Berg", From: "2026-09-07", Until: "2026-10-31",
		Courses: []string{"Programmering I"}})
	fmt.Println(subject)
	fmt.Println(body)
	// Output:
	// Avstängd student: Bo Berg
	// Hej!
	//
	// Bo Berg är avstängd från studierna från och med 2026-09-07 till och med 2026-10-31. Under den tiden är studentens deltagande inaktivt i kursen Programmering I.
	//
	// När avstängningen upphör blir studenten automatiskt aktiv i kursen igen.
	//
	// Meddelandet skickades automatiskt av integrationen mellan Ladok och Canvas.
}
