package canvas_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/edusync/edusync/canvas"
)

func sisData() *canvas.SISData {
	start := time.Date(2026, 1, 19, 0, 0, 0, 0, time.UTC)
	return &canvas.SISData{
		Terms: []canvas.SISTermRow{{TermID: "VT2026", Name: "Vårterminen 2026", StartDate: start, EndDate: start.AddDate(0, 5, 0)}},
		Users: []canvas.SISUserRow{
			{UserID: "u1", LoginID: "anna@uni.example.se", FirstName: "Anna", LastName: `O"Brien, Jr.`, Email: "anna@uni.example.se"},
			{UserID: "u2", LoginID: "bo@uni.example.se", FullName: "Bo\nLinebreak Ek", FirstName: "Bo", LastName: "Ek"},
			{UserID: "u3", LoginID: "cy@uni.example.se", FirstName: "Cy", LastName: "Ödegård", Status: canvas.SISSuspended},
		},
		Courses: []canvas.SISCourseRow{{CourseID: "HI1001-VT2026", ShortName: "HI1001", LongName: "Historia, grundkurs", TermID: "VT2026", Status: canvas.SISPublished}},
		Sections: []canvas.SISSectionRow{
			{SectionID: "HI1001-VT2026-A", CourseID: "HI1001-VT2026", Name: "Grupp A"},
			{SectionID: "HI1001-VT2026-B", CourseID: "HI1001-VT2026", Name: "Grupp B"},
		},
		Enrollments: []canvas.SISEnrollmentRow{
			{SectionID: "HI1001-VT2026-A", UserID: "u1", Role: "student"},
			{SectionID: "HI1001-VT2026-B", UserID: "u2", Role: "student"},
			{CourseID: "HI1001-VT2026", UserID: "u3", Role: "teacher"},
		},
	}
}

// CSV files are quoted correctly and read back to the same rows, from a zip and from one CSV.
func TestSISDataCSVRoundTrip(t *testing.T) {
	d := sisData()
	files := must[map[string][]byte](t)(d.CSV())
	users := string(files[canvas.SISUsersFile])
	for _, want := range []string{"user_id,integration_id,login_id,", `"O""Brien, Jr."`, "\"Bo\nLinebreak Ek\"", ",suspended\n"} {
		if !strings.Contains(users, want) {
			t.Errorf("users.csv lacks %q:\n%s", want, users)
		}
	}
	if _, ok := files[canvas.SISTermsFile]; !ok || len(files) != 5 {
		t.Fatalf("files %v", len(files))
	}
	back := must[*canvas.SISData](t)(canvas.ReadSISData(must[[]byte](t)(d.Zip())))
	want := sisData()
	for i := range want.Users { // the writer fills in the default status
		if want.Users[i].Status == "" {
			want.Users[i].Status = canvas.SISActive
		}
	}
	for i := range want.Sections {
		want.Sections[i].Status = canvas.SISActive
	}
	for i := range want.Enrollments {
		want.Enrollments[i].Status = canvas.SISActive
	}
	want.Terms[0].Status = canvas.SISActive
	if d := cmp.Diff(want, back); d != "" {
		t.Fatalf("zip round trip (-want +got):\n%s", d)
	}
	one := must[*canvas.SISData](t)(canvas.ReadSISData(files[canvas.SISUsersFile]))
	if d := cmp.Diff(want.Users, one.Users); d != "" {
		t.Fatalf("single CSV (-want +got):\n%s", d)
	}
	for _, bad := range []string{"foo,bar\n1,2\n", "user_id,login_id\n\"unterminated,x\n", "course_id,user_id,role,start_date\nc,u,student,yesterday\n"} {
		if _, err := canvas.ReadSISData([]byte(bad)); err == nil {
			t.Errorf("ReadSISData(%q) accepted", bad)
		}
	}
}

// An SIS import is uploaded, processed and visible through the API; warnings are surfaced;
// diffing removes what disappeared; a change above the threshold is imported in full.
func TestSISImportRoundTrip(t *testing.T) {
	srv := newFake(t)
	c := newClient(t, srv)
	ctx := ctxT(t)
	opts := canvas.SISImportOptions{DataSetID: "ladok-ht", PollInterval: time.Millisecond}

	res := must[*canvas.SISImportResult](t)(c.ImportSIS(ctx, canvas.Self, sisData(), opts))
	if res.Import.WorkflowState != canvas.SisImportStateImported || len(res.Warnings) != 0 || res.Import.Progress != 100 {
		t.Fatalf("first import: %+v", res)
	}
	if res.Import.Data.Counts.Users != 3 || res.Import.Statistics.Enrollment.Created != 3 {
		t.Fatalf("counts %+v, statistics %+v", res.Import.Data.Counts, res.Import.Statistics)
	}
	anna := must[*canvas.User](t)(c.GetUser(ctx, canvas.SISUser("u1"), nil))
	if anna.Name != `Anna O"Brien, Jr.` || anna.LoginID != "anna@uni.example.se" {
		t.Fatalf("imported user %+v", anna)
	}
	if s, _ := srv.UserSuspended("sis_user_id:u3"); !s {
		t.Fatal("suspended status not imported")
	}
	course := must[*canvas.Course](t)(c.GetCourse(ctx, canvas.SISCourse("HI1001-VT2026"), &canvas.GetCourseParams{Include: []canvas.GetCourseParamsInclude{canvas.GetCourseParamsIncludeTerm}}))
	if course.WorkflowState != "available" || course.Term.Name != "Vårterminen 2026" {
		t.Fatalf("imported course %+v", course)
	}
	if es := all(t, c.ListSectionEnrollments(ctx, canvas.SISSection("HI1001-VT2026-A"), nil)); len(es) != 1 || es[0].SisUserID != "u1" {
		t.Fatalf("section A %+v", es)
	}

	// Second run of the data set: u2 left, and an enrolment names an unknown user.
	d := sisData()
	d.Enrollments = append(d.Enrollments[:1], d.Enrollments[2], canvas.SISEnrollmentRow{CourseID: "HI1001-VT2026", UserID: "ghost", Role: "student"})
	res = must[*canvas.SISImportResult](t)(c.ImportSIS(ctx, canvas.Self, d, opts))
	if res.Import.WorkflowState != canvas.SisImportStateImportedWithMessages || len(res.Warnings) != 1 ||
		res.Warnings[0].File != canvas.SISEnrollmentsFile || !strings.Contains(res.Warnings[0].Message, "ghost") {
		t.Fatalf("second import: state %s, warnings %+v", res.Import.WorkflowState, res.Warnings)
	}
	if res.Import.DiffedAgainstImportID == 0 || res.Import.Statistics.Enrollment.Deleted != 1 {
		t.Fatalf("diffing: against %d, statistics %+v", res.Import.DiffedAgainstImportID, res.Import.Statistics.Enrollment)
	}
	if es := all(t, c.ListSectionEnrollments(ctx, canvas.SISSection("HI1001-VT2026-B"), nil)); len(es) != 0 {
		t.Fatalf("u2's enrolment was not removed: %+v", es)
	}

	// A broken export with almost nothing in it: above the 10% threshold, nothing is removed.
	d = sisData()
	d.Enrollments, d.Sections = d.Enrollments[:1], d.Sections[:1]
	o := opts
	o.ChangeThreshold = 10
	res = must[*canvas.SISImportResult](t)(c.ImportSIS(ctx, canvas.Self, d, o))
	if !res.Import.DiffingThresholdExceeded {
		t.Fatalf("threshold not exceeded: %+v", res.Import)
	}
	if es := all(t, c.ListCourseEnrollments(ctx, canvas.SISCourse("HI1001-VT2026"), nil)); len(es) != 2 {
		t.Fatalf("%d enrolments after a threshold-exceeded import, want 2 kept", len(es))
	}

	// Listing shows the three imports, newest first.
	list := all(t, c.ListSISImports(ctx, canvas.Self, nil))
	if len(list) != 3 || list[0].ID < list[2].ID {
		t.Fatalf("imports %+v", list)
	}
	if p := must[*canvas.Progress](t)(c.GetProgress(ctx, list[0].ID)); p.WorkflowState != canvas.ProgressStateCompleted || p.Completion != 100 {
		t.Fatalf("progress %+v", p)
	}
}

func TestSISImportFailures(t *testing.T) {
	srv := newFake(t)
	c := newClient(t, srv)
	ctx := ctxT(t)
	si := must[*canvas.SisImport](t)(c.CreateSISImport(ctx, canvas.Self, []byte("this is not a known csv\n1\n"), nil))
	res, err := c.WaitSISImport(ctx, canvas.Self, si, time.Millisecond)
	var sie *canvas.SISImportError
	if !errors.As(err, &sie) || sie.State != canvas.SisImportStateFailedWithMessages || res == nil || len(res.Errors) != 1 {
		t.Fatalf("failed import: %v, %+v", err, res)
	}
	for _, o := range []canvas.SISImportOptions{{DataSetID: "x", BatchMode: true, BatchTermID: "t"}, {ChangeThreshold: 101}, {BatchMode: true}} {
		if _, err := c.ImportSIS(ctx, canvas.Self, sisData(), o); err == nil {
			t.Errorf("options %+v accepted", o)
		}
	}
	if _, err := c.ImportSIS(ctx, canvas.Self, &canvas.SISData{}, canvas.SISImportOptions{}); err == nil {
		t.Error("an empty import was sent")
	}
	if _, err := c.CreateSISImport(ctx, canvas.SISAccount("nope"), []byte("a"), nil); !errors.Is(err, canvas.ErrNotFound) {
		t.Errorf("import into an unknown account: %v", err)
	}
}

// Batch mode removes what earlier imports created in the term and this one lacks.
func TestSISImportBatchMode(t *testing.T) {
	srv := newFake(t)
	c := newClient(t, srv)
	ctx := ctxT(t)
	o := canvas.SISImportOptions{PollInterval: time.Millisecond}
	must[*canvas.SISImportResult](t)(c.ImportSIS(ctx, canvas.Self, sisData(), o))
	d := sisData()
	d.Enrollments = d.Enrollments[:1]
	o.BatchMode, o.BatchTermID = true, "sis_term_id:VT2026"
	res := must[*canvas.SISImportResult](t)(c.ImportSIS(ctx, canvas.Self, d, o))
	if res.Import.Data.Counts.BatchEnrollmentsDeleted != 2 {
		t.Fatalf("batch deletions %+v", res.Import.Data.Counts)
	}
	if es := all(t, c.ListCourseEnrollments(ctx, canvas.SISCourse("HI1001-VT2026"), nil)); len(es) != 1 {
		t.Fatalf("%d enrolments left, want 1", len(es))
	}
}

// FuzzReadSISData feeds arbitrary uploads to the SIS reader (the fake reads every upload with
// it): it must never panic, and what it accepts must write back into files it reads again to the
// same rows (after the first pass fills in defaults such as the status).
func FuzzReadSISData(f *testing.F) {
	z, err := sisData().Zip()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(z)
	files, err := sisData().CSV()
	if err != nil {
		f.Fatal(err)
	}
	for _, b := range files {
		f.Add(b)
	}
	for _, s := range []string{
		"user_id,login_id,status\nu1,a@b,active\n", "\xEF\xBB\xBFterm_id,name,start_date\nT,\"Term, one\",2026-01-19\n",
		"course_id,user_id,role,role_id\nc,u,student,x\n", "section_id,course_id,name,end_date\ns,c,\"a\"\"b\",2026-01-19T10:00:00+02:00\n",
		"course_id,short_name,long_name,start_date\nc,s,l,0000-01-01T00:00:00+01:00\n", "a\n", "", "\"", "PK\x03\x04", "PK\x05\x06",
	} {
		f.Add([]byte(s))
	}
	noCR := cmp.Transformer("noCR", func(s string) string { return strings.ReplaceAll(s, "\r", "") })
	f.Fuzz(func(t *testing.T, b []byte) {
		d1, err := canvas.ReadSISData(b)
		if err != nil {
			return
		}
		z1, err := d1.Zip()
		if err != nil {
			t.Fatalf("rows read from %q do not write: %v", b, err)
		}
		d2, err := canvas.ReadSISData(z1)
		if err != nil {
			t.Fatalf("written rows do not read back: %v", err)
		}
		z2, err := d2.Zip()
		if err != nil {
			t.Fatal(err)
		}
		d3, err := canvas.ReadSISData(z2)
		if err != nil {
			t.Fatal(err)
		}
		// encoding/csv turns a CR LF inside a quoted field into LF when reading; compare without CRs.
		if d := cmp.Diff(d2, d3, noCR); d != "" {
			t.Fatalf("second round trip changed the rows (-first +second):\n%s", d)
		}
	})
}
