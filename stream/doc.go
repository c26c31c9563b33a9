// Package stream carries edusync's event flows over Apache Kafka, for deployments that run
// them in more than one process: webhook receivers and the Ladok feed reader publish to
// topics, and several instances of a flow consume them in a consumer group, sharing the work
// by partition. Hosts that run in one process need none of it: the store's queue
// (store.Worker) does the same there.
//
// It is built on franz-go (github.com/twmb/franz-go); its tests run against kfake, franz-go's
// in-process Kafka that speaks the real protocol.
//
// # Messages, keys and order
//
// What travels is a store.Message, as the receivers put it in the store's queue:
//
//   - OrderKey becomes the Kafka record key, so all messages of one order key land on one
//     partition and are consumed in the order published. Order holds within a key only:
//     Ladok events per student, exam events per candidate and exam (test and associated
//     object for Inspera), WISEflow calls per flow. Messages without one are spread freely.
//   - Key de-duplicates in the consumer: a message whose Key was processed (within its
//     KeyWindow, else ConsumerConfig.DedupWindow) is skipped. A Kafka redelivery, a
//     sender's retry and a feed page read again all end there.
//   - Payload is what the handler needs. NotBefore cannot be honoured by a topic and is
//     refused (ErrInvalid).
//
// The Codec decides how a message is laid out in a record: HeaderCodec (the default) keeps
// the payload as the record's value and the rest in headers, so other consumers of the topic
// read the payload as it arrived; EnvelopeCodec keeps all of it in a JSON value, for paths
// that drop headers. Producers and consumers of a topic must use the same one. Topic names,
// partition counts and retention are the operator's (create the topics beforehand; the
// number of partitions bounds how many instances share the work).
//
// # Publishing
//
//	p, err := stream.NewProducer(stream.ProducerConfig{Brokers: brokers, Topic: "inspera-events"})
//	err = p.Publish(ctx, msgs...) // returns once every message is on all in-sync replicas
//
// Publish returns only when Kafka acknowledged every message, so a receiver answers 200 after
// it as it would after store.Enqueue. The producer is idempotent: a send retried inside the
// client is written once, and a key's messages keep their order.
//
// # Consuming
//
//	c, err := stream.NewConsumer(stream.ConsumerConfig{
//		Brokers: brokers, Topics: []string{"inspera-events"}, Group: "examsync",
//		Store: st, Scope: store.Scope{Flow: "examsync", Tenant: "uib"},
//		Handle: insperahook.EventHandler(flow.HandleEvent),
//	})
//	err = c.Run(ctx)
//
// A consumer commits a record's offset only after its effect is stored together with its
// processed key; a crash in between hands the record over again, and the key keeps out a
// second effect. Two handler forms say where the effect is:
//
//   - HandleTx runs inside the store transaction that records the key: the effect (state in
//     the store), the mark and the check commit together, so a message is applied exactly
//     once however often it is delivered.
//   - Handle runs outside any transaction, for effects in another system (Canvas, FS), and
//     the key is recorded after it succeeded: a crash between the two repeats the effect, so
//     it must be idempotent, as for store.Worker, whose handlers fit unchanged.
//
// A rebalance waits until the batch in flight is handled and committed, so two instances
// never work on one partition at once; keep a batch's work (Batch, the handler's time,
// RetryMax) well within the group's rebalance timeout. A message that cannot be decoded, or
// whose handler failed permanently (store.Permanent) or MaxAttempts times, is dead-lettered
// in the consumer's store scope (items under DeadPrefix) and consumption goes on; DeadLetter
// reads one back to be published again. Run stops on a failing store, after committing what
// was done.
//
// InstanceID makes an instance a static group member: restarted under the same id, it takes
// its partitions back at once instead of waiting out its old session.
//
// # Errors and privacy
//
// Errors match ErrInvalid, ErrDecode and ErrClosed with errors.Is; *DecodeError names a bad
// record by topic, partition and offset, *PublishError a failed Publish. Neither errors nor
// log lines hold a key, an order key or a payload (these name students and candidates);
// handler errors are logged with personal numbers masked.
package stream
