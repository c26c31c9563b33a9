package fs_test

import (
	"context"
	"fmt"
	"time"

	"github.com/edusync/edusync/fs"
	"github.com/edusync/edusync/fs/fsrules"
	"github.com/edusync/edusync/fs/fstest"
)

// The appeal and explanation flow's side of FS: what changed since the last look, the
// deadlines of a result, and an explanation registered once given.
func Example() {
	oslo := fsrules.Oslo()
	now := time.Date(2026, 6, 22, 9, 0, 0, 0, oslo)
	srv := fstest.NewServer(fstest.WithClock(func() time.Time { return now }))
	defer srv.Close()
	exam := fs.ExamKey{Institution: "185", CourseCode: "INF1000", Version: "1", AssessmentCode: "SKR", Year: 2026, Term: "VÅR"}
	_ = srv.AddExam(fs.Inspera, exam, "5199", fsrules.Date{})
	_ = srv.AddCandidate(exam.VurdID(), fstest.Candidate{Kandidatnr: "10001", Personlopenr: "7301455", Committee: "5101",
		Announced: fsrules.NewDate(2026, 6, 10)})
	_ = srv.RequestExplanation(exam.VurdID(), "10001", fsrules.NewDate(2026, 6, 12))

	c, err := fs.New(srv.URL(), fs.WithBasicAuth(fstest.DefaultUser, fstest.DefaultPassword),
		fs.WithAnnouncementLookup(srv.Lookup)) // where the host reads FS's announcement days
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	q := fs.ChangeQuery{System: fs.Inspera, Institution: "185", Since: now.Add(-2 * time.Hour)}
	for r, err := range c.ListChangedExplanationRequests(ctx, q) {
		if err != nil {
			fmt.Println("skipped:", err) // one bad record; the others still come
			continue
		}
		fmt.Println("explanation requested", r.VurdID, r.Kandidatnr, r.DatoKlageMottat)
	}

	a, err := c.Announcement(ctx, fs.AnnouncementQuery{System: fs.Inspera, Exam: exam, Candidate: "10001"})
	if err != nil {
		panic(err)
	}
	given := fsrules.NewDate(2026, 6, 19)
	d, _ := fsrules.Compute(a.Case(fsrules.NewDate(2026, 6, 12), given))
	fmt.Println("announced", a.Day, "by", a.Source, "- appeals until", d.Appeal, "by the", d.Rule, "rule")

	err = c.CreateExplanation(ctx, fs.Inspera, &fs.Explanation{VurdID: exam.VurdID(), Kandidatnr: "10001",
		DatoBegrunnelseBedtOm: fsrules.NewDate(2026, 6, 12), DatoBegrunnelseGitt: given,
		URLBegrunnelse: "https://uio.inspera.no/explanations/77"})
	fmt.Println("registered:", err == nil, len(srv.Writes()), "write")
	// Output:
	// explanation requested 185_INF1000_1_SKR_2026_VÅR 10001 2026-06-12
	// announced 2026-06-10 by fs - appeals until 2026-07-10 by the explanation rule
	// registered: true 1 write
}

// One exam's appeals, read whole.
func ExampleClient_GetExamAppeals() {
	srv := fstest.NewServer()
	defer srv.Close()
	exam := fs.ExamKey{Institution: "185", CourseCode: "MAT1100", Version: "1", AssessmentCode: "HJEMME", Year: 2026, Term: "VÅR"}
	_ = srv.AddExam(fs.WISEflow, exam, "6199", fsrules.Date{})
	for _, k := range []fs.Number{"20001", "20002"} {
		_ = srv.AddCandidate(exam.VurdID(), fstest.Candidate{Kandidatnr: k, Committee: "6101"})
		_ = srv.FileAppeal(exam.VurdID(), k, fsrules.NewDate(2026, 6, 20))
	}
	_ = srv.WithdrawAppeal(exam.VurdID(), "20002")
	c, _ := srv.Client()
	p, err := c.GetExamAppeals(context.Background(), fs.WISEflow, exam)
	if err != nil {
		panic(err)
	}
	for _, a := range p.Items {
		fmt.Println(a.Kandidatnr, a.Klagestatus, "new committee", a.KommisjonsidNy, "due", a.Sensurfrist)
	}
	// Output:
	// 20001 AKTIV new committee 6199 due 2026-07-11
	// 20002 TRUKKET new committee 6199 due 2026-07-11
}
