package stream_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/stream"
)

const topic = "events"

// cluster starts an in-process Kafka (kfake speaks the real protocol) with topic in parts
// partitions and returns its brokers.
func cluster(t testing.TB, parts int32) []string {
	t.Helper()
	return clusterOf(t, parts, topic)
}

// clusterOf is cluster with a topic of another name.
func clusterOf(t testing.TB, parts int32, topic string) []string {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(parts, topic),
		kfake.GroupMinSessionTimeout(500*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c.ListenAddrs()
}

// quick are group timings for tests: a lost member is noticed in seconds, not Kafka's 45.
func quick() []kgo.Opt {
	return []kgo.Opt{kgo.SessionTimeout(3 * time.Second), kgo.RebalanceTimeout(10 * time.Second),
		kgo.HeartbeatInterval(200 * time.Millisecond), kgo.FetchMaxWait(100 * time.Millisecond)}
}

// event is what the tests publish: the seq'th event of an account.
type event struct {
	Acct string `json:"acct"`
	Seq  int    `json:"seq"`
}

// workload is n events over accts accounts, each account's events numbered from 1, and
// every tenth message published a second time after the rest (as a webhook retried or a feed
// page read again would): the messages in publishing order.
func workload(n, accts int) []store.Message {
	var out []store.Message
	seq := map[string]int{}
	for i := range n {
		a := fmt.Sprintf("acct-%02d", i%accts)
		seq[a]++
		p, _ := json.Marshal(event{Acct: a, Seq: seq[a]})
		out = append(out, store.Message{Key: fmt.Sprintf("ev-%04d", i), OrderKey: a, Payload: p})
	}
	for i := 0; i < n; i += 10 {
		out = append(out, out[i])
	}
	return out
}

func publish(t testing.TB, brokers []string, msgs []store.Message) {
	t.Helper()
	p, err := stream.NewProducer(stream.ProducerConfig{Brokers: brokers, Topic: topic})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for len(msgs) > 0 {
		n := min(len(msgs), 50)
		if err := p.Publish(context.Background(), msgs[:n]...); err != nil {
			t.Fatal(err)
		}
		msgs = msgs[n:]
	}
}

// applyTx is the effect of the tests' consumers, inside the transaction that marks the
// message processed: the account's list of applied seqs grows by the event's (refusing one
// out of order), and the message's effect count goes up (a second effect shows as 2).
func applyTx(_ context.Context, tx store.Tx, d store.Delivery) error {
	var ev event
	if err := json.Unmarshal(d.Payload, &ev); err != nil {
		return store.Permanent(err)
	}
	seqs, err := store.Get[[]int](tx, "acct/"+ev.Acct)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if len(seqs) > 0 && seqs[len(seqs)-1] != ev.Seq-1 {
		return fmt.Errorf("%s: seq %d after %d: out of order", ev.Acct, ev.Seq, seqs[len(seqs)-1])
	}
	if err := store.Put(tx, "acct/"+ev.Acct, append(seqs, ev.Seq)); err != nil {
		return err
	}
	n, _ := store.Get[int](tx, "effect/"+d.Key)
	return store.Put(tx, "effect/"+d.Key, n+1)
}

// state reads back what applyTx left: the accounts' seqs and the effect counts.
func state(t testing.TB, st store.Store, scope store.Scope) (accts map[string][]int, effects map[string]int) {
	t.Helper()
	accts, effects = map[string][]int{}, map[string]int{}
	err := st.View(context.Background(), scope, func(tx store.Tx) error {
		as, err := store.List[[]int](tx, "acct/")
		if err != nil {
			return err
		}
		for _, e := range as {
			accts[e.Key] = e.Value
		}
		es, err := store.List[int](tx, "effect/")
		if err != nil {
			return err
		}
		for _, e := range es {
			effects[e.Key] = e.Value
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return accts, effects
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// uncommitted is how many records of topic the group has not committed yet (-1 when Kafka
// could not say).
func uncommitted(t testing.TB, brokers []string, group string) int64 {
	t.Helper()
	return uncommittedOf(t, brokers, group, topic)
}

// uncommittedOf is uncommitted for another topic.
func uncommittedOf(t testing.TB, brokers []string, group, topic string) int64 {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	committed, err := adm.FetchOffsets(ctx, group)
	if err != nil {
		return -1
	}
	ends, err := adm.ListEndOffsets(ctx, topic)
	if err != nil {
		return -1
	}
	var n int64
	for p, end := range ends[topic] {
		at := int64(0)
		if c, ok := committed[topic][p]; ok && c.At >= 0 {
			at = c.At
		}
		n += end.Offset - at
	}
	return n
}

func storeMessage() store.Message {
	return store.Message{Key: "inspera/ab12", OrderKey: "test/7/candidate/9", Payload: []byte(`{"eventName":"x"}`),
		KeyWindow: 48 * time.Hour, MaxAttempts: 7}
}

// run starts consumer instances of cfg's group and returns a function that stops them once
// the group has committed the whole topic.
func run(t *testing.T, brokers []string, cfg stream.ConsumerConfig, instances int) func() []*stream.Consumer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var cs []*stream.Consumer
	var wg sync.WaitGroup
	errs := make(chan error, instances)
	for range instances {
		c, err := stream.NewConsumer(cfg)
		if err != nil {
			t.Fatal(err)
		}
		cs = append(cs, c)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
				errs <- err
			}
		}()
	}
	return func() []*stream.Consumer {
		waitFor(t, 30*time.Second, "the group to commit the topic", func() bool {
			return uncommittedOf(t, brokers, cfg.Group, cfg.Topics[0]) == 0
		})
		cancel()
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		for _, c := range cs {
			c.Close()
		}
		return cs
	}
}
