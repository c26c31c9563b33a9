package inspera_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/edusync/edusync/inspera"
	"github.com/edusync/edusync/inspera/insperatest"
	"github.com/edusync/edusync/synth"
)

// The appeal and explanation flow's calls: find the exam by FS's vurdId, request an explanation
// of a grade, register an appeal and hand it to the appeal committee.
func Example() {
	srv := insperatest.NewServer()
	defer srv.Close()
	srv.AddTest(insperatest.TestData{
		ID: 1001, Title: "Introduksjon til informatikk", ExternalID: "999_INF1000_1_SKR_2026_VÅR",
		Committees: []insperatest.CommitteeData{{ID: 11, Name: "Kommisjon 1"}, {ID: 12, Name: "Klagekommisjon", Type: inspera.Reassessment}},
		Candidates: []insperatest.CandidateData{{UserID: 201, CandidateID: "101", Grade: "C", Graded: time.Now()}},
	})
	c, err := srv.Client() // in production: inspera.New(baseURL, inspera.WithAPIKey(tenant, key))
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	exam := inspera.ExternalTest("999_INF1000_1_SKR_2026_VÅR")

	test, err := c.GetTest(ctx, exam)
	if err != nil {
		panic(err)
	}
	cand, _ := test.Candidate("101")
	fmt.Println(test.GeneralInfo.Title, "- candidate", cand.CandidateID, "grade", cand.FinalGrade)

	_, err = c.RequestExplanations(ctx, exam, "101")
	fmt.Println("explanation before enabling:", errors.Is(err, inspera.ErrExplanationsDisabled))
	if err := c.EnableExplanationAdministration(ctx, exam); err != nil {
		panic(err)
	}
	res, err := c.RequestExplanations(ctx, exam, "101")
	fmt.Println("explanation requested:", res.Changed, err)

	res, err = c.RegisterAppeals(ctx, exam, "101")
	fmt.Println("appeal registered:", res.Changed, err)
	appeal := test.AppealCommittees()[0]
	res, err = c.MoveCommitteeCandidates(ctx, exam, appeal.CommitteeID, "101")
	fmt.Println("moved to", appeal.Name+":", res.Changed, err)
	// Output:
	// Introduksjon til informatikk - candidate 101 grade C
	// explanation before enabling: true
	// explanation requested: [101] <nil>
	// appeal registered: [101] <nil>
	// moved to Klagekommisjon: [101] <nil>
}

// Searching pages through the tests by offset; the iterator asks for the next page itself.
func ExampleClient_SearchTests() {
	srv := insperatest.NewServer()
	defer srv.Close()
	for i := range 5 {
		srv.AddTest(insperatest.TestData{ID: inspera.ID(100 + i), Title: fmt.Sprintf("Masteroppgave %d", i)})
	}
	c, _ := srv.Client(inspera.WithPageSize(2))
	for t, err := range c.SearchTests(context.Background(), inspera.TestSearch{Title: "masteroppgave"}) {
		if err != nil {
			panic(err)
		}
		fmt.Println(t.AssessmentRunID, t.Title)
	}
	fmt.Println("pages:", srv.Stats().Requests["searchTests"])
	// Output:
	// 100 Masteroppgave 0
	// 101 Masteroppgave 1
	// 102 Masteroppgave 2
	// 103 Masteroppgave 3
	// 104 Masteroppgave 4
	// pages: 3
}

// A thesis is exported and streamed to its destination (here io.Discard) while its
// pre-signed link is fresh.
func ExampleClient_ExportFiles() {
	srv := insperatest.NewServer()
	defer srv.Close()
	file := synth.File{Name: "masteroppgave.pdf", ContentType: "application/pdf", Size: 5 << 20, Seed: 1}
	srv.AddTest(insperatest.TestData{ID: 7, Title: "Masteroppgave i informatikk",
		Candidates: []insperatest.CandidateData{{UserID: 301, CandidateID: "501", Files: []synth.File{file}}}})
	c, _ := srv.Client()
	ctx := context.Background()
	job, err := c.ExportFiles(ctx, inspera.FileExportOrder{TestID: 7}, 10*time.Millisecond)
	if err != nil {
		panic(err)
	}
	for _, f := range job.Files {
		n, err := c.DownloadFile(ctx, f.URL, io.Discard)
		fmt.Println(f.CandidateID, f.FileName, n, err)
	}
	// Output:
	// 501 masteroppgave.pdf 5242880 <nil>
}
