package examsync_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"time"

	"github.com/edusync/edusync/examsync"
	"github.com/edusync/edusync/fs"
	"github.com/edusync/edusync/fs/fsrules"
	"github.com/edusync/edusync/fs/fstest"
	"github.com/edusync/edusync/inspera"
	"github.com/edusync/edusync/inspera/insperahook"
	"github.com/edusync/edusync/inspera/insperatest"
	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/synth"
)

// A student appeals a grade and asks for an explanation in FS; examsync opens the appeal and
// requests the explanation in Inspera, and once the examiner has published the explanation it
// is registered in FS.
func Example() {
	ctx := context.Background()
	const vurd = "185_INF1000_1_SKR_2026_VÅR"
	fsrv := fstest.NewServer()
	defer fsrv.Close()
	key, _ := fs.ParseVurdID(vurd)
	_ = fsrv.AddExam(fs.Inspera, key, "2", fsrules.Date{})
	_ = fsrv.AddCandidate(vurd, fstest.Candidate{Kandidatnr: "101", Personlopenr: "734521", Committee: "1",
		Announced: fsrules.DateOf(time.Now().AddDate(0, 0, -3))})
	_ = fsrv.RequestExplanation(vurd, "101", fsrules.DateOf(time.Now().AddDate(0, 0, -2)))

	isrv := insperatest.NewServer()
	defer isrv.Close()
	isrv.AddTest(insperatest.TestData{ID: 1001, Title: "INF1000", ExternalID: vurd,
		Committees: []insperatest.CommitteeData{{Name: "Kommisjon 1"}, {Name: "Klagekommisjon", Type: inspera.Reassessment}},
		Candidates: []insperatest.CandidateData{{UserID: 201, CandidateID: "101", Grade: "D", Graded: time.Now().AddDate(0, 0, -4)}}})
	isrv.AddAPIUser("hooks", "hook-key")

	fc, _ := fsrv.Client()
	ic, _ := isrv.Client()
	st := store.NewMemory() // sqlite.Open(ctx, path) in production
	defer st.Close()
	s, err := examsync.New(examsync.Config{Store: st, Tenants: []examsync.Setup{{
		Tenant: examsync.Tenant{OrgID: "185", OrgShortName: "uio", ExamSystem: fs.Inspera, Instance: "uio",
			InsperaClientCode: "uio", FSEnv: "test", Active: true, Appeals: true, Explanations: true,
			Start: time.Now().AddDate(0, -1, 0)},
		FS: fc, Inspera: ic, InsperaSecrets: []insperahook.Secret{{Name: "flows", Value: "s3cret"}},
	}}})
	if err != nil {
		panic(err)
	}
	defer s.Close()
	hooks := httptest.NewServer(s.Handler()) // Config.Listen and Run in production
	defer hooks.Close()
	hc, _ := isrv.ClientAs("hook-key")
	_, _ = insperahook.Subscribe(ctx, insperahook.SubscribeConfig{Client: hc, URL: hooks.URL + "/inspera/uio",
		Secret: insperahook.Secret{Name: "flows", Value: "s3cret"}})

	_ = fsrv.FileAppeal(vurd, "101", fsrules.DateOf(time.Now()))
	_, _ = s.Poll(ctx) // FS read: the appeal and the explanation request
	_, _ = s.Drain(ctx)
	fmt.Println("Inspera explanation:", isrv.ExplanationStatus(1001, "101"))
	fmt.Println("Inspera rounds:", len(isrv.Rounds(1001, "101")))

	// The examiner answers; Inspera's webhook brings the explanation to FS.
	_ = isrv.GiveExplanation(1001, "101", "Oppgave 2 manglet drøfting.", synth.File{})
	_ = isrv.PublishExplanation(1001, "101")
	_ = isrv.WaitDeliveries(ctx)
	_, _ = s.Drain(ctx)
	e, ok := fsrv.Registered(vurd, "101")
	fmt.Println("in FS:", ok, e.ContentTypeBegrunnelse)
	sum, _ := s.Summary(ctx, "185", time.Time{})
	fmt.Println("posted:", sum["inspera-explanation"]["post-explanation"].OK)
	// Output:
	// Inspera explanation: REQUESTED
	// Inspera rounds: 2
	// in FS: true text/plain; charset=utf-8
	// posted: 1
}
