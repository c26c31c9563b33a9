package wiseflow_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"time"

	"github.com/edusync/edusync/wiseflow"
	"github.com/edusync/edusync/wiseflow/wiseflowtest"
)

// The appeal (klage) and explanation (begrunnelse) steps of the exam flows, against the fake:
// find a course's flow by its FS code, ask for an explanation of a grade on the student's
// behalf, create the reassessment flow of an appeal (twice: the repeat finds the first), and
// page through the participants.
func Example() {
	srv := wiseflowtest.NewServer()
	defer srv.Close()
	code := wiseflow.FSCode{Institution: "185", CourseCode: "INF1000", Version: "1", AssessmentCode: "SKR", Year: "2026", Term: "VÅR"}
	flow := srv.AddFlow(wiseflowtest.FlowSpec{Name: "Introduksjon til programmering", Purpose: wiseflow.FlowPurposeExamination,
		State: wiseflow.FlowStateConcluded, SourceCodes: []string{code.String()}})
	for i, grade := range []string{"B", "D", "A"} {
		pid, _ := srv.AddParticipant(flow, wiseflow.User{FirstName: "Student", LastName: fmt.Sprint(i + 1)}, fmt.Sprintf("K%03d", i+1))
		_ = srv.GradeParticipant(flow, pid, grade)
	}

	c, err := srv.Client() // wiseflow.New(wiseflow.ProductionURL, wiseflow.WithClientCredentials(id, secret)) in production
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	var flowID int64
	for src, err := range c.SearchSources(ctx, wiseflow.FSCode{CourseCode: "INF1000", Year: "2026", Term: "VÅR"}.String(), 0) {
		if err != nil {
			log.Fatal(err)
		}
		flowID = src.Flow.Flowid
		fmt.Println("flow of", src.Code, "is", src.Flow.Title, src.Flow.State)
	}
	var first int64
	for p, err := range c.ListParticipants(ctx, flowID) {
		if err != nil {
			log.Fatal(err)
		}
		if first == 0 {
			first = p.ParticipantID
		}
		fmt.Println("participant", p.UniqueExamID, p.User.LastName)
	}
	ref, created, err := c.CreateExplanationRequest(ctx, flowID, wiseflow.NewExplanationRequest{ParticipantID: first, ShowJustification: true})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("explanation requested:", created, ref.ExplanationRequestID > 0)
	for range 2 {
		r, created, err := c.CreateReassessment(ctx, flowID, true)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("reassessment flow created:", created, r.ReassessmentFlowID > 0)
	}
	// Output:
	// flow of 185||INF1000||1||SKR||2026||VÅR is Introduksjon til programmering CONCLUDED
	// participant K001 1
	// participant K002 2
	// participant K003 3
	// explanation requested: true true
	// reassessment flow created: true true
	// reassessment flow created: false true
}

// A master's thesis and its cover sheet, and its file streamed from the download link.
func ExampleClient_OpenFile() {
	srv := wiseflowtest.NewServer()
	defer srv.Close()
	flow := srv.AddFlow(wiseflowtest.FlowSpec{Name: "Masteroppgave", Purpose: wiseflow.FlowPurposeMaster, State: wiseflow.FlowStateConcluded})
	pid, _ := srv.AddParticipant(flow, wiseflow.User{FirstName: "Per", LastName: "Student"}, "K900")
	_, _ = srv.DeliverThesis(flow, pid, []wiseflow.CoverSheetElement{{ElementID: wiseflowtest.CoverPublish, Value: "yes"}},
		wiseflowtest.File{Name: "master.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.7 ...")})

	c, _ := srv.Client()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for sub, err := range c.ListSubmissions(ctx, flow) {
		if err != nil {
			log.Fatal(err)
		}
		detail, err := c.GetSubmission(ctx, flow, sub.ID)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("publish:", detail.CoverSheet[0].Value)
		files, err := c.GetSubmissionFiles(ctx, flow, sub.ID)
		if err != nil {
			log.Fatal(err)
		}
		r, err := c.OpenFile(ctx, flow, sub.ID, files[0].ID)
		if err != nil {
			log.Fatal(err)
		}
		n, err := io.Copy(io.Discard, r) // an archive's upload in practice
		r.Close()
		fmt.Println(r.Info.Filename, n, "bytes", err)
	}
	// Output:
	// publish: yes
	// master.pdf 12 bytes <nil>
}
