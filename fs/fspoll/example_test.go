package fspoll_test

import (
	"context"
	"fmt"
	"time"

	"github.com/edusync/edusync/fs"
	"github.com/edusync/edusync/fs/fspoll"
	"github.com/edusync/edusync/fs/fsrules"
	"github.com/edusync/edusync/fs/fstest"
	"github.com/edusync/edusync/internal/testclock"
	"github.com/edusync/edusync/store"
)

// A poller reads FS's changes into the store's queue; a worker handles each once, in order per
// candidate and exam.
func Example() {
	clock := testclock.New(time.Date(2026, 6, 22, 9, 0, 0, 0, fsrules.Oslo()))
	srv := fstest.NewServer(fstest.WithClock(clock.Now))
	defer srv.Close()
	exam := fs.ExamKey{Institution: "185", CourseCode: "INF1000", Version: "1", AssessmentCode: "SKR", Year: 2026, Term: "VÅR"}
	_ = srv.AddExam(fs.Inspera, exam, "5199", fsrules.Date{})
	_ = srv.AddCandidate(exam.VurdID(), fstest.Candidate{Kandidatnr: "10001", Personlopenr: "7301455", Committee: "5101"})
	_ = srv.RequestExplanation(exam.VurdID(), "10001", fsrules.NewDate(2026, 6, 15))
	clock.Advance(time.Hour)
	_ = srv.FileAppeal(exam.VurdID(), "10001", fsrules.NewDate(2026, 6, 22))
	clock.Advance(time.Hour)

	c, _ := srv.Client()
	st := store.NewMemory(store.WithClock(clock.Now)) // store/sqlite in production
	defer st.Close()
	p, err := fspoll.New(fspoll.Config{Source: c, Store: st, Institution: "185", System: fs.Inspera,
		Now: clock.Now, Start: time.Date(2026, 6, 1, 0, 0, 0, 0, fsrules.Oslo())})
	if err != nil {
		panic(err)
	}
	for range 2 { // the second round reads the last hour again (the overlap) and queues nothing
		r, err := p.Poll(context.Background())
		if err != nil {
			panic(err)
		}
		fmt.Println("read", r.Read, "queued", r.Enqueued)
		clock.Advance(10 * time.Minute)
	}

	ctx, cancel := context.WithCancel(context.Background())
	handled := 0
	w := store.Worker{Store: st, Scope: p.Scope(), Now: clock.Now, Poll: 10 * time.Millisecond, Handle: func(_ context.Context, d store.Delivery) error {
		ch, err := fspoll.Decode(d.Payload)
		if err != nil {
			return store.Permanent(err)
		}
		switch ch.Kind {
		case fspoll.KindAppeal:
			fmt.Println("appeal", ch.Appeal.Kandidatnr, ch.Appeal.Klagestatus)
		case fspoll.KindExplanationRequest:
			fmt.Println("explanation request", ch.ExplanationRequest.Kandidatnr, ch.ExplanationRequest.DatoKlageMottat)
		}
		if handled++; handled == 2 {
			cancel()
		}
		return nil
	}}
	_ = w.Run(ctx)
	// Output:
	// read 2 queued 2
	// read 1 queued 0
	// explanation request 10001 2026-06-15
	// appeal 10001 AKTIV
}
