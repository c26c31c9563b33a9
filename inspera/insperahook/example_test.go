package insperahook_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"time"

	"github.com/edusync/edusync/inspera"
	"github.com/edusync/edusync/inspera/insperahook"
	"github.com/edusync/edusync/inspera/insperatest"
	"github.com/edusync/edusync/store"
)

// A receiver subscribed with its own Inspera user gets the grading events of the fake tenant,
// once each, and a worker handles them.
func Example() {
	ctx := context.Background()
	inspera1 := insperatest.NewServer(insperatest.WithRepeatedDeliveries(0.5, 1))
	defer inspera1.Close()
	inspera1.AddTest(insperatest.TestData{ID: 1001, Title: "INF1000",
		Candidates: []insperatest.CandidateData{{UserID: 201, CandidateID: "101", Grade: "B", Graded: time.Now()}}})
	writer, _ := inspera1.Client()
	inspera1.AddAPIUser("webhooks", "webhook-user-key")
	subscriber, _ := inspera1.ClientAs("webhook-user-key")

	st := store.NewMemory() // in production: sqlite.Open or postgres.Open
	scope := store.Scope{Flow: "inspera-hook", Tenant: "uib"}
	secret := insperahook.Secret{Name: "flows", Value: "a long random secret"}
	h, err := insperahook.NewHandler(insperahook.Config{Store: st, Scope: scope, Secrets: []insperahook.Secret{secret}})
	if err != nil {
		panic(err)
	}
	defer h.Close()
	receiver := httptest.NewServer(h)
	defer receiver.Close()

	res, err := insperahook.Subscribe(ctx, insperahook.SubscribeConfig{Client: subscriber, Writer: writer,
		URL: receiver.URL, Events: []string{inspera.EventConfirmFinalGrades}, Secret: secret})
	fmt.Println("subscribed:", res.Created, "warnings:", len(res.Warnings), err)

	inspera1.ConfirmFinalGrades(1001)
	inspera1.WaitDeliveries(ctx)

	w := store.Worker{Store: st, Scope: scope, Handle: insperahook.EventHandler(func(ctx context.Context, ev insperahook.Event) error {
		fmt.Println("event:", ev.Name, "test", ev.TestID())
		return nil
	})}
	w.Drain(ctx)
	// Output:
	// subscribed: 1 warnings: 0 <nil>
	// event: confirm_final_grades test 1001
}
