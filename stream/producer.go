package stream

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/edusync/edusync/store"
)

// ProducerConfig configures a Producer.
type ProducerConfig struct {
	// Brokers are the seed brokers ("kafka-1:9092"); required unless Client is set.
	Brokers []string
	// Topic is where every message goes ("inspera-events"); required.
	Topic string
	// Codec serialises the messages (default HeaderCodec).
	Codec Codec
	// Options are further franz-go options (TLS, SASL, compression, linger); the producer
	// always waits for all in-sync replicas and is idempotent, so a retried send is written
	// once and the records of one key stay in order.
	Options []kgo.Opt
	// Client, when set, is used instead of a client of the producer's own (Brokers and
	// Options are then ignored, and Close leaves the client open).
	Client *kgo.Client
}

// Producer publishes store.Messages to one topic. Kafka's record key is the message's
// OrderKey, so the messages of one order key (a student, a candidate and exam, an Inspera
// context object) land on one partition in the order published, and are consumed in that
// order; messages of different keys have no order among them. The message's Key travels with
// it and de-duplicates in the consumer. A Producer is safe for concurrent use.
type Producer struct {
	cl     *kgo.Client
	own    bool
	topic  string
	codec  Codec
	closed atomic.Bool
}

// NewProducer checks cfg and connects lazily (the first Publish reaches the brokers).
func NewProducer(cfg ProducerConfig) (*Producer, error) {
	if cfg.Topic == "" {
		return nil, fmt.Errorf("%w: ProducerConfig.Topic is required", ErrInvalid)
	}
	if cfg.Codec == nil {
		cfg.Codec = HeaderCodec{}
	}
	p := &Producer{cl: cfg.Client, topic: cfg.Topic, codec: cfg.Codec}
	if p.cl == nil {
		if len(cfg.Brokers) == 0 {
			return nil, fmt.Errorf("%w: ProducerConfig.Brokers or Client is required", ErrInvalid)
		}
		opts := append([]kgo.Opt{kgo.SeedBrokers(cfg.Brokers...), kgo.RequiredAcks(kgo.AllISRAcks())}, cfg.Options...)
		cl, err := kgo.NewClient(opts...)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
		}
		p.cl, p.own = cl, true
	}
	return p, nil
}

// Topic is the topic the producer writes to.
func (p *Producer) Topic() string { return p.topic }

// Publish writes msgs and returns once Kafka acknowledged every one of them (written to all
// in-sync replicas), which is when a webhook receiver may answer 200. Messages of one
// OrderKey are written in the order given. A message Kafka refused fails the call with a
// *PublishError; the others may have been written. A message that cannot be encoded fails
// the call with ErrInvalid before anything is sent.
func (p *Producer) Publish(ctx context.Context, msgs ...store.Message) error {
	if p.closed.Load() {
		return ErrClosed
	}
	if len(msgs) == 0 {
		return nil
	}
	recs := make([]*kgo.Record, len(msgs))
	for i, m := range msgs {
		r := &kgo.Record{Topic: p.topic}
		if err := p.codec.Encode(m, r); err != nil {
			return err
		}
		recs[i] = r
	}
	res := p.cl.ProduceSync(ctx, recs...)
	failed, first := 0, error(nil)
	for _, r := range res {
		if r.Err != nil {
			failed++
			if first == nil {
				first = r.Err
			}
		}
	}
	if failed > 0 {
		if errors.Is(first, kgo.ErrClientClosed) {
			first = errors.Join(ErrClosed, first)
		}
		return &PublishError{Topic: p.topic, Failed: failed, Err: first}
	}
	return nil
}

// Close flushes nothing (Publish waits for its records) and closes the producer's own client.
func (p *Producer) Close() {
	if p.closed.Swap(true) {
		return
	}
	if p.own {
		p.cl.Close()
	}
}
