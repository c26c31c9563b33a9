package insperatest_test

import (
	"context"
	"fmt"
	"time"

	"github.com/edusync/edusync/inspera"
	"github.com/edusync/edusync/inspera/insperatest"
)

// A flow's test moves the tenant on as examiners would and looks at what the flow wrote.
func Example() {
	srv := insperatest.NewServer()
	defer srv.Close()
	srv.AddTest(insperatest.TestData{ID: 1001, Title: "INF1000", ExplanationAdministration: true,
		Committees: []insperatest.CommitteeData{{Name: "Kommisjon 1"}, {Name: "Klagekommisjon", Type: inspera.Reassessment}},
		Candidates: []insperatest.CandidateData{{UserID: 201, CandidateID: "101", Grade: "D", Graded: time.Now()}}})
	c, _ := srv.Client()
	ctx := context.Background()

	// What the flow under test would do:
	c.RegisterAppeals(ctx, inspera.TestID(1001), "101")
	c.RequestExplanations(ctx, inspera.TestID(1001), "101")

	// The examiners' side:
	srv.ConcludeAppeal(1001, "101", "C")
	test, _ := srv.Test(1001)
	cand, _ := test.Candidate("101")
	fmt.Println("grade after the appeal:", cand.FinalGrade)
	fmt.Println("explanation:", srv.ExplanationStatus(1001, "101"))
	for _, w := range srv.Writes() {
		fmt.Println("written:", w.Operation, w.CandidateIDs, w.Status)
	}
	// Output:
	// grade after the appeal: C
	// explanation: REQUESTED
	// written: registerAppeals [101] 200
	// written: requestExplanations [101] 200
}
