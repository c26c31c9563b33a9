package stream_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/stream"
)

// effectLog is an effect outside the store (as a Canvas call is): it counts each message's
// applications and keeps each account's seqs in the order applied.
type effectLog struct {
	mu    sync.Mutex
	count map[string]int
	accts map[string][]int
	slow  time.Duration
	seen  atomic.Int64
}

func newEffectLog(slow time.Duration) *effectLog {
	return &effectLog{count: map[string]int{}, accts: map[string][]int{}, slow: slow}
}

func (l *effectLog) handle(_ context.Context, d store.Delivery) error {
	var ev event
	if err := json.Unmarshal(d.Payload, &ev); err != nil {
		return store.Permanent(err)
	}
	time.Sleep(l.slow)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.count[d.Key]++
	l.accts[ev.Acct] = append(l.accts[ev.Acct], ev.Seq)
	l.seen.Add(1)
	return nil
}

// TestRebalanceWaitsForTheBatchInFlight starts a second instance while the first is held in
// the middle of a batch whose effects are outside the store (Handle). The partitions change
// hands only after that batch was handled and committed, so no message is applied by both
// instances, none is lost, and each account's events are applied in order.
func TestRebalanceWaitsForTheBatchInFlight(t *testing.T) {
	brokers := cluster(t, 2)
	const n = 200
	msgs := workload(n, 8)
	publish(t, brokers, msgs[:n/2]) // the first instance's first batch
	st := store.NewMemory()
	defer st.Close()
	log := newEffectLog(time.Millisecond)
	gate := make(chan struct{})
	var held atomic.Bool
	handle := func(ctx context.Context, d store.Delivery) error {
		if held.CompareAndSwap(false, true) {
			<-gate
		}
		return log.handle(ctx, d)
	}
	var assigned atomic.Int64 // when the second instance got partitions (UnixNano)
	start := func(extra ...kgo.Opt) (*stream.Consumer, chan error, context.CancelFunc) {
		c, err := stream.NewConsumer(stream.ConsumerConfig{Brokers: brokers, Topics: []string{topic}, Group: "g",
			Store: st, Scope: killScope, Handle: handle, Options: append(quick(), extra...)})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- c.Run(ctx) }()
		return c, done, cancel
	}
	a, aDone, aStop := start()
	waitFor(t, 20*time.Second, "the first batch to be under way", held.Load)
	publish(t, brokers, msgs[n/2:])
	b, bDone, bStop := start(kgo.OnPartitionsAssigned(func(_ context.Context, _ *kgo.Client, m map[string][]int32) {
		if len(m[topic]) > 0 {
			assigned.CompareAndSwap(0, time.Now().UnixNano())
		}
	}))
	time.Sleep(time.Second) // long enough for a rebalance that did not wait (heartbeats every 200 ms)
	released := time.Now().UnixNano()
	close(gate)
	waitFor(t, 30*time.Second, "the group to commit the whole topic", func() bool {
		return uncommitted(t, brokers, "g") == 0
	})
	aStop()
	bStop()
	for _, done := range []chan error{aDone, bDone} {
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Fatal(err)
		}
	}
	a.Close()
	b.Close()

	switch at := assigned.Load(); {
	case at == 0:
		t.Errorf("the second instance was never given a partition")
	case at < released:
		t.Errorf("the second instance was given a partition %v before the batch in flight was done", time.Duration(released-at))
	}
	log.mu.Lock()
	defer log.mu.Unlock()
	for k, c := range log.count {
		if c != 1 {
			t.Errorf("%s applied %d times", k, c)
		}
	}
	if len(log.count) != n {
		t.Errorf("%d messages applied, want %d", len(log.count), n)
	}
	for acct, seqs := range log.accts {
		for i, s := range seqs {
			if s != i+1 {
				t.Fatalf("%s applied out of order: %v", acct, seqs)
			}
		}
	}
}

// TestFailingHandlerDeadLettersAndGoesOn: a permanent failure and one that outlasts
// MaxAttempts are dead-lettered with their message, the rest is applied, and the dead
// letter can be published again once its cause is fixed.
func TestFailingHandlerDeadLettersAndGoesOn(t *testing.T) {
	brokers := cluster(t, 1)
	msgs := []store.Message{
		{Key: "ok-1", OrderKey: "a", Payload: []byte(`{"acct":"a","seq":1}`)},
		{Key: "perm", OrderKey: "b", Payload: []byte(`not json`)},
		{Key: "flaky", OrderKey: "c", Payload: []byte(`{"acct":"c","seq":1}`), MaxAttempts: 2},
		{Key: "ok-2", OrderKey: "a", Payload: []byte(`{"acct":"a","seq":2}`)},
	}
	publish(t, brokers, msgs)
	// An undecodable record, published around the codec.
	raw, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	bad := &kgo.Record{Topic: topic, Value: []byte("x"), Headers: []kgo.RecordHeader{{Key: stream.HeaderMaxAttempts, Value: []byte("-1")}}}
	huge := &kgo.Record{Topic: topic, Value: make([]byte, 10<<10)} // over the consumer's MaxPayload
	if err := raw.ProduceSync(context.Background(), bad, huge).FirstErr(); err != nil {
		t.Fatal(err)
	}

	st := store.NewMemory()
	defer st.Close()
	var flaky atomic.Int64
	c := run(t, brokers, stream.ConsumerConfig{Brokers: brokers, Topics: []string{topic}, Group: "g",
		Store: st, Scope: killScope, RetryBase: time.Millisecond, MaxPayload: 1 << 10, Options: quick(),
		HandleTx: func(ctx context.Context, tx store.Tx, d store.Delivery) error {
			if d.Key == "flaky" {
				flaky.Add(1)
				return errors.New("Canvas is down")
			}
			return applyTx(ctx, tx, d)
		}}, 1)()[0]

	if got := c.Stats(); got != (stream.ConsumerStats{Handled: 2, Dead: 4}) {
		t.Errorf("stats %+v, want 2 handled, 4 dead", got)
	}
	if flaky.Load() != 2 {
		t.Errorf("the flaky message was tried %d times, want its MaxAttempts, 2", flaky.Load())
	}
	accts, _ := state(t, st, killScope)
	if diff := cmp.Diff(map[string][]int{"acct/a": {1, 2}}, accts); diff != "" {
		t.Errorf("applied (-want +got):\n%s", diff)
	}
	var dead []store.Attempt
	if err := st.View(context.Background(), killScope, func(tx store.Tx) error {
		dead, err = tx.DeadLetters(stream.DeadPrefix)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(dead) != 4 {
		t.Fatalf("%d dead letters, want 4", len(dead))
	}
	for _, d := range dead {
		if len(d.Payload) > 1<<10 {
			t.Errorf("dead letter %s keeps %d bytes, over the payload cap", d.Item, len(d.Payload))
		}
	}
	again, err := stream.DeadLetter(dead[1])
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(msgs[2], again); diff != "" {
		t.Errorf("dead letter's message (-published +read back):\n%s", diff)
	}
	if _, err := stream.DeadLetter(dead[2]); !errors.Is(err, stream.ErrDecode) {
		t.Errorf("the undecodable record's dead letter: %v, want ErrDecode", err)
	}
}

func TestConfigRefusesWhatCannotWork(t *testing.T) {
	st := store.NewMemory()
	defer st.Close()
	h := func(context.Context, store.Delivery) error { return nil }
	htx := func(context.Context, store.Tx, store.Delivery) error { return nil }
	ok := stream.ConsumerConfig{Brokers: []string{"localhost:1"}, Topics: []string{"t"}, Group: "g", Store: st, Scope: killScope, Handle: h}
	for name, mod := range map[string]func(*stream.ConsumerConfig){
		"no topics":    func(c *stream.ConsumerConfig) { c.Topics = nil },
		"no group":     func(c *stream.ConsumerConfig) { c.Group = "" },
		"no brokers":   func(c *stream.ConsumerConfig) { c.Brokers = nil },
		"no store":     func(c *stream.ConsumerConfig) { c.Store = nil },
		"no handler":   func(c *stream.ConsumerConfig) { c.Handle = nil },
		"two handlers": func(c *stream.ConsumerConfig) { c.HandleTx = htx },
		"bad scope":    func(c *stream.ConsumerConfig) { c.Scope = store.Scope{} },
	} {
		cfg := ok
		mod(&cfg)
		if _, err := stream.NewConsumer(cfg); !errors.Is(err, stream.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
	for name, cfg := range map[string]stream.ProducerConfig{
		"no topic":   {Brokers: []string{"localhost:1"}},
		"no brokers": {Topic: "t"},
	} {
		if _, err := stream.NewProducer(cfg); !errors.Is(err, stream.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
}

func TestPublishRefusesMessagesATopicCannotCarry(t *testing.T) {
	brokers := cluster(t, 1)
	p, err := stream.NewProducer(stream.ProducerConfig{Brokers: brokers, Topic: topic})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	long := string(make([]byte, stream.MaxKeyLen+1))
	for name, m := range map[string]store.Message{
		"NUL in key":      {Key: "a\x00b"},
		"long order key":  {OrderKey: long},
		"delayed":         {Key: "k", NotBefore: time.Now().Add(time.Hour)},
		"negative window": {Key: "k", KeyWindow: -time.Second},
	} {
		if err := p.Publish(context.Background(), m); !errors.Is(err, stream.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
	p.Close()
	if err := p.Publish(context.Background(), store.Message{Key: "k"}); !errors.Is(err, stream.ErrClosed) {
		t.Errorf("after Close: %v, want ErrClosed", err)
	}
}

// TestPublishFailsTypedWhenKafkaIsGone: nothing acknowledges, so Publish says so (a
// receiver then answers 503 and the sender retries).
func TestPublishFailsTypedWhenKafkaIsGone(t *testing.T) {
	p, err := stream.NewProducer(stream.ProducerConfig{Brokers: []string{"127.0.0.1:1"}, Topic: topic})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	err = p.Publish(ctx, store.Message{Key: "k", Payload: []byte("secret 19121212-1212")})
	var pe *stream.PublishError
	if !errors.As(err, &pe) || pe.Failed != 1 {
		t.Fatalf("got %v, want a *PublishError for 1 message", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v, want it to wrap the context's deadline", err)
	}
}

// countingStore counts write transactions, each of which takes as long as a disk's flush.
type countingStore struct {
	store.Store
	updates atomic.Int64
}

func (s *countingStore) Update(ctx context.Context, scope store.Scope, fn func(tx store.Tx) error) error {
	s.updates.Add(1)
	time.Sleep(2 * time.Millisecond)
	return s.Store.Update(ctx, scope, fn)
}

// TestHandleMarksShareTransactions: the processed keys of messages handled at once on
// several partitions are committed together, so a disk flush serves many of them.
func TestHandleMarksShareTransactions(t *testing.T) {
	brokers := cluster(t, 8)
	const n = 200
	publish(t, brokers, workload(n, 16))
	st := &countingStore{Store: store.NewMemory()}
	defer st.Close()
	log := newEffectLog(0)
	c := run(t, brokers, stream.ConsumerConfig{Brokers: brokers, Topics: []string{topic}, Group: "g", Store: st, Scope: killScope,
		Concurrency: 8, Options: quick(), Handle: log.handle}, 1)()[0]
	if got := c.Stats().Handled; got != n {
		t.Fatalf("%d handled, want %d", got, n)
	}
	if u := st.updates.Load(); u > n*3/4 {
		t.Errorf("%d write transactions for %d messages: the marks were not grouped", u, n)
	}
	t.Logf("%d write transactions for %d messages", st.updates.Load(), n)
}
