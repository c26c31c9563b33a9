package examsynctest_test

import (
	"context"
	"fmt"
	"time"

	"github.com/edusync/edusync/examsync/examsynctest"
	"github.com/edusync/edusync/fs/fstest"
	"github.com/edusync/edusync/inspera"
	"github.com/edusync/edusync/inspera/insperatest"
	"github.com/edusync/edusync/synth"
	"github.com/edusync/edusync/wiseflow/wiseflowtest"
)

// The examiners answer an explanation a flow requested in Inspera.
func Example() {
	in := insperatest.NewServer()
	defer in.Close()
	in.AddTest(insperatest.TestData{ID: 1001, ExternalID: "185_INF1000_1_SKR_2026_VÅR", ExplanationAdministration: true,
		Committees: []insperatest.CommitteeData{{Name: "K1"}},
		Candidates: []insperatest.CandidateData{{UserID: 201, CandidateID: "101", Grade: "D", Graded: time.Now()}}})
	c, _ := in.Client()
	_, _ = c.RequestExplanations(context.Background(), inspera.TestID(1001), "101")

	fsrv, wf := fstest.NewServer(), wiseflowtest.NewServer()
	defer fsrv.Close()
	defer wf.Close()
	term := &examsynctest.Term{Pop: &synth.Population{}, FS: fsrv, Inspera: in, WISEflow: wf}
	fmt.Println("answered:", term.Answer(), in.ExplanationStatus(1001, "101"))
	// Output: answered: 1 PUBLISHED
}
