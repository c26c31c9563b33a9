package inspera_test

import (
	"testing"
	"time"

	"github.com/edusync/edusync/apierror"
	"github.com/edusync/edusync/inspera"
	"github.com/edusync/edusync/inspera/insperatest"
	"github.com/edusync/edusync/synth"
)

// The hand-made tenant of the tests: one written exam with four candidates.
const (
	examID   inspera.ID = 1001
	vurdID              = "999_INF1000_1_SKR_2026_VÅR"
	examiner inspera.ID = 500
	ordinary inspera.ID = 11
	appeals  inspera.ID = 12
)

var (
	examDay   = time.Date(2026, 5, 20, 9, 0, 0, 0, time.UTC)
	gradedDay = time.Date(2026, 6, 10, 12, 0, 0, 0, time.UTC)
	thesis    = synth.File{Name: "masteroppgave.pdf", ContentType: "application/pdf", Size: 3 << 20, Seed: 7}
)

func examData() insperatest.TestData {
	return insperatest.TestData{
		ID: examID, Title: "Introduksjon til informatikk – skriftlig eksamen", ExternalID: vurdID,
		Start: examDay, End: examDay.Add(4 * time.Hour), GradingDeadline: examDay.AddDate(0, 0, 21),
		Scale: "A-F", Purpose: "EXAMINATION",
		Committees: []insperatest.CommitteeData{
			{ID: ordinary, Name: "Kommisjon 1", Examiners: []inspera.ID{examiner}},
			{ID: appeals, Name: "Klagekommisjon", Type: inspera.Reassessment, Examiners: []inspera.ID{examiner + 1}},
		},
		Candidates: []insperatest.CandidateData{
			{UserID: 201, CandidateID: "101", Grade: "A", Graded: gradedDay, Username: "kari"},
			{UserID: 202, CandidateID: "102", Grade: "F", Graded: gradedDay, Username: "ola"},
			{UserID: 203, CandidateID: "103", Username: "per"},
			{UserID: 204, CandidateID: "104", Grade: "B", Graded: gradedDay, Username: "siv", Files: []synth.File{thesis}},
		},
	}
}

// tenant starts a fake with the hand-made exam and returns a client without retry delays.
func tenant(t *testing.T, opts ...insperatest.Option) (*insperatest.Server, *inspera.Client) {
	t.Helper()
	srv := insperatest.NewServer(opts...)
	t.Cleanup(srv.Close)
	srv.AddTest(examData())
	c, err := srv.Client(fastRetry())
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

func fastRetry() inspera.Option {
	return inspera.WithRetry(apierror.RetryPolicy{MaxAttempts: 4, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond})
}

// smallUniversity is a Norwegian university with a few hundred candidates and small files.
func smallUniversity(t testing.TB) *synth.Population {
	t.Helper()
	o, err := synth.PresetOptions(synth.PresetUniversityNO)
	if err != nil {
		t.Fatal(err)
	}
	o.Seed = 21
	o.UniversityStudents, o.UniversityStaff, o.Departments = 600, 80, 4
	o.CourseOfferings, o.Programmes, o.ProgrammeOfferings, o.Registrations = 40, 4, 8, 2000
	o.ExamCandidates, o.Theses, o.FileScale = 600, 30, 0.0001
	pop, err := synth.Generate(o)
	if err != nil {
		t.Fatal(err)
	}
	return pop
}
