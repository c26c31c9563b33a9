package stream_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/stream"
)

// A webhook receiver publishes what it received, keyed by the candidate it is about; a
// consumer group applies each message once, in order per candidate, keeping its effect and
// the processed key in one store transaction. The event published twice (as senders retry)
// is applied once. kfake stands in for the Kafka cluster here.
func Example() {
	kafka, err := kfake.NewCluster(kfake.SeedTopics(3, "inspera-events"))
	if err != nil {
		log.Fatal(err)
	}
	defer kafka.Close()
	ctx := context.Background()

	p, err := stream.NewProducer(stream.ProducerConfig{Brokers: kafka.ListenAddrs(), Topic: "inspera-events"})
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close()
	appeal := store.Message{Key: "event-1", OrderKey: "test/7/candidate/9", Payload: []byte("appeal")}
	explanation := store.Message{Key: "event-2", OrderKey: "test/7/candidate/9", Payload: []byte("explanation")}
	if err := p.Publish(ctx, appeal, explanation, appeal); err != nil {
		log.Fatal(err)
	}

	st := store.NewMemory() // store/postgres when the consumers run on several hosts
	defer st.Close()
	ctx, cancel := context.WithCancel(ctx)
	applied := 0
	c, err := stream.NewConsumer(stream.ConsumerConfig{
		Brokers: kafka.ListenAddrs(), Topics: []string{"inspera-events"}, Group: "examsync",
		Store: st, Scope: store.Scope{Flow: "examsync", Tenant: "uib"},
		HandleTx: func(ctx context.Context, tx store.Tx, d store.Delivery) error {
			fmt.Printf("%s for %s\n", d.Payload, d.OrderKey)
			if applied++; applied == 2 {
				time.AfterFunc(100*time.Millisecond, cancel) // the example stops once both are in
			}
			return tx.SetValue("last/"+d.OrderKey, d.Payload)
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	_ = c.Run(ctx)
	fmt.Printf("%+v\n", c.Stats())
	// Output:
	// appeal for test/7/candidate/9
	// explanation for test/7/candidate/9
	// {Handled:2 Duplicates:1 Dead:0}
}
