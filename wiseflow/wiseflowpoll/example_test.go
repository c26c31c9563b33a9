package wiseflowpoll_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"time"

	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/store/sqlite"
	"github.com/edusync/edusync/wiseflow"
	"github.com/edusync/edusync/wiseflow/wiseflowpoll"
	"github.com/edusync/edusync/wiseflow/wiseflowtest"
)

// A poller and a webhook receiver over one SQLite store, against the fake: the poller's first
// round finds the thesis flow's grade; WISEflow's webhook call about an explanation request is
// stored before it is answered and hints the poller, whose next round queues the request; the
// consumer takes the changes with a store.Worker.
func Example() {
	srv := wiseflowtest.NewServer()
	defer srv.Close()
	thesis := srv.AddFlow(wiseflowtest.FlowSpec{Name: "Masteroppgave", Purpose: wiseflow.FlowPurposeMaster, State: wiseflow.FlowStateConcluded})
	author, _ := srv.AddParticipant(thesis, wiseflow.User{FirstName: "Per", LastName: "Student"}, "K900")
	_, _ = srv.DeliverThesis(thesis, author, nil, wiseflowtest.File{Name: "master.pdf", ContentType: "application/pdf", Data: []byte("%PDF")})
	_ = srv.GradeParticipant(thesis, author, "B")

	dir, _ := os.MkdirTemp("", "wiseflowpoll")
	defer os.RemoveAll(dir)
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "state.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	c, _ := srv.Client()
	poller := &wiseflowpoll.Poller{Client: c, Store: st, Scope: store.Scope{Flow: "wiseflow-poll", Tenant: "uio"}}

	secret := "a-secret-shared-with-wiseflow"
	hooks := httptest.NewServer(&wiseflowpoll.Receiver{Store: st, Scope: store.Scope{Flow: "wiseflow-hooks", Tenant: "uio"},
		Secret: []byte(secret), Poller: poller})
	defer hooks.Close()
	_, _ = c.CreateWebhook(ctx, wiseflow.NewWebhook{Title: "edusync", URL: hooks.URL, Secret: secret,
		Events: []wiseflow.WebhookEvent{wiseflow.WebhookEventASSESSMENT}})

	consume := func() {
		w := &store.Worker{Store: st, Scope: poller.Scope, Handle: func(_ context.Context, d store.Delivery) error {
			ch, err := wiseflowpoll.DecodeChange(d.Payload)
			if err != nil {
				return store.Permanent(err)
			}
			switch ch.Kind {
			case wiseflowpoll.KindGrade:
				fmt.Println("grade", ch.Grade.Grade)
			case wiseflowpoll.KindThesisConcluded:
				fmt.Println("thesis flow concluded with", len(ch.Submissions), "submission")
			case wiseflowpoll.KindExplanation:
				fmt.Println("explanation request", ch.Explanation.State)
			}
			return nil
		}}
		if _, err := w.Drain(ctx); err != nil {
			log.Fatal(err)
		}
	}
	if _, err := poller.Round(ctx); err != nil {
		log.Fatal(err)
	}
	consume()

	_, _ = srv.RequestExplanation(thesis, author) // the student asks in WISEflow; WISEflow calls the webhook
	wait, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	_ = srv.WaitDeliveries(wait)
	rs, err := poller.Round(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("flows read for a webhook call:", rs.Hinted)
	consume()
	// Output:
	// grade B
	// thesis flow concluded with 1 submission
	// flows read for a webhook call: 1
	// explanation request REQUESTED
}
