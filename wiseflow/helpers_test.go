package wiseflow_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/edusync/edusync/wiseflow"
	"github.com/edusync/edusync/wiseflow/wiseflowtest"
)

// world is a small licence: an ordinary exam with graded participants and a master's thesis
// flow with a delivered thesis.
type world struct {
	srv          *wiseflowtest.Server
	c            *wiseflow.Client
	exam, thesis int64
	students     []int64 // participants of the exam
	author       int64   // the thesis flow's participant
	assessor     int64   // an assessor of the exam
	submission   int64   // the thesis
	pdf          []byte  // the thesis's file
}

func newWorld(t testing.TB, opts ...wiseflowtest.Option) *world {
	t.Helper()
	srv := wiseflowtest.NewServer(opts...)
	t.Cleanup(srv.Close)
	w := &world{srv: srv}
	day := time.Date(2026, 5, 20, 9, 0, 0, 0, time.UTC)
	code := wiseflow.FSCode{Institution: "185", CourseCode: "INF1000", Version: "1", AssessmentCode: "SKR", Year: "2026", Term: "VÅR"}
	w.exam = srv.AddFlow(wiseflowtest.FlowSpec{Name: "Introduksjon til programmering", SubName: "INF1000", Type: wiseflow.FlowTypeLock,
		Purpose: wiseflow.FlowPurposeExamination, State: wiseflow.FlowStateConcluded, ParticipationStart: day, ParticipationEnd: day.Add(4 * time.Hour),
		MarkingStart: day.Add(4 * time.Hour), MarkingEnd: day.AddDate(0, 0, 21), Code: "INF1000", Term: "2026 VÅR", SourceCodes: []string{code.String()}})
	var err error
	w.assessor, err = srv.AddAssessor(w.exam, wiseflow.User{FirstName: "Ola", LastName: "Sensor"})
	must(t, err)
	for i := range 3 {
		pid, err := srv.AddParticipant(w.exam, wiseflow.User{FirstName: fmt.Sprintf("Kari %d", i), LastName: "Nordmann",
			ExternalIds: []wiseflow.ExternalID{{Name: "fodselsnummer", Value: "01017012345"}}}, fmt.Sprintf("K%03d", i))
		must(t, err)
		must(t, srv.AllocateAssessor(w.exam, pid, w.assessor))
		must(t, srv.GradeParticipant(w.exam, pid, string(rune('A'+i))))
		w.students = append(w.students, pid)
	}
	w.thesis = srv.AddFlow(wiseflowtest.FlowSpec{Name: "Masteroppgave i informatikk", SubName: "INF5990", Type: wiseflow.FlowTypeHandin,
		Purpose: wiseflow.FlowPurposeMaster, State: wiseflow.FlowStateParticipationEnded, ParticipationStart: day.AddDate(0, -5, 0),
		ParticipationEnd: day, MarkingStart: day, MarkingEnd: day.AddDate(0, 1, 0), Code: "INF5990", Term: "2026 VÅR"})
	w.author, err = srv.AddParticipant(w.thesis, wiseflow.User{FirstName: "Per", LastName: "Student"}, "K900")
	must(t, err)
	w.pdf = []byte("%PDF-1.4 the thesis " + string(make([]byte, 5000)))
	w.submission, err = srv.DeliverThesis(w.thesis, w.author, []wiseflow.CoverSheetElement{{ElementID: wiseflowtest.CoverTitle, Value: "Om alt"},
		{ElementID: wiseflowtest.CoverPublish, Value: "yes"}}, wiseflowtest.File{Name: "master.pdf", ContentType: "application/pdf", Data: w.pdf})
	must(t, err)
	w.c, err = srv.Client(wiseflow.WithRetry(wiseflow.RetryPolicy{BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}))
	must(t, err)
	return w
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
