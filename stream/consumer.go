package stream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/edusync/edusync/internal/backoff"
	"github.com/edusync/edusync/internal/redact"
	"github.com/edusync/edusync/store"
)

// Defaults of ConsumerConfig.
const (
	DefaultDedupWindow = 30 * 24 * time.Hour
	DefaultMaxAttempts = 5
	DefaultBatch       = 256
	DefaultConcurrency = 4
)

// DeadPrefix starts the item of every message the consumer dead-letters in its scope
// (tx.DeadLetters(stream.DeadPrefix) lists them): DeadPrefix+"topic/partition/offset".
const DeadPrefix = "kafka/"

// ConsumerConfig configures a Consumer.
type ConsumerConfig struct {
	// Brokers are the seed brokers; required.
	Brokers []string
	// Topics are consumed together; required.
	Topics []string
	// Group is the consumer group: the instances of one group share the topics' partitions,
	// each partition consumed by one of them at a time. Required.
	Group string
	// InstanceID, when set, makes this instance a static member of the group (Kafka 2.3+): a
	// restarted instance with the same id takes back its partitions at once, without a
	// rebalance or waiting for its old session to time out. One id per running instance.
	InstanceID string

	// Store keeps the processed keys, and the effects of HandleTx; required. The instances
	// of a group must share it (store/postgres, or one store/sqlite file on one host).
	Store store.Store
	// Scope is where the processed keys and dead letters are kept; required.
	Scope store.Scope

	// HandleTx applies a message inside the store transaction that marks it processed: its
	// effect, the mark and the de-duplication check commit together or not at all, so a
	// redelivered message has no second effect (exactly once for the store). Prefer it
	// wherever the effect is state in the store.
	HandleTx func(ctx context.Context, tx store.Tx, d store.Delivery) error
	// Handle applies a message whose effect is outside the store (a Canvas call, an
	// examsync step): it is called outside any transaction and the message is marked
	// processed after it succeeded, so a redelivered message that was marked has no second
	// effect; a crash between the effect and the mark repeats it (at least once), as with
	// store.Worker. Handlers written for a store.Worker (insperahook.EventHandler, ...) fit.
	// Exactly one of HandleTx and Handle is required.
	Handle func(ctx context.Context, d store.Delivery) error

	// Codec reads the records (default HeaderCodec); it must match the producers'.
	Codec Codec
	// MaxPayload caps a payload (default DefaultMaxPayload); larger records are
	// dead-lettered as undecodable.
	MaxPayload int
	// DedupWindow is how long a processed key is kept unless the message says otherwise
	// (default DefaultDedupWindow). Messages without a Key are de-duplicated by their
	// position (topic, partition, offset).
	DedupWindow time.Duration
	// MaxAttempts is how often a message is handled before it is dead-lettered, unless the
	// message says otherwise (default DefaultMaxAttempts). A handler error marked with
	// store.Permanent dead-letters at once.
	MaxAttempts int
	// RetryBase and RetryMax bound the backoff between attempts (default 200 ms and 5 s).
	// The attempts of a batch happen while the group waits for it, so their total must stay
	// well within the group's rebalance timeout (kgo.RebalanceTimeout, 60 s by default).
	RetryBase, RetryMax time.Duration
	// Batch is how many records are polled at most at a time (default DefaultBatch).
	Batch int
	// Concurrency is how many partitions of a batch are handled at once (default
	// DefaultConcurrency); the records of one partition are always handled one after another.
	Concurrency int
	// Options are further franz-go options (TLS, SASL, session and rebalance timeouts, where
	// a new group starts: kgo.ConsumeResetOffset, earliest unless set).
	Options []kgo.Opt
	// Logger receives dead letters and failures by topic, partition and offset, never keys
	// or payloads (default: none).
	Logger *slog.Logger
	// Now is the clock of the processed keys' expiry (default time.Now).
	Now func() time.Time
}

// Consumer consumes topics in a consumer group and hands each message to its handler once:
//
//   - a message is handled, and its effect stored with its processed key, before its offset
//     is committed; a crash in between hands it over again, and the processed key keeps out
//     a second effect (HandleTx: none; Handle: none once the mark is stored);
//   - a message published twice (a webhook delivered twice, a feed page read again) is
//     recognised by its Key and skipped;
//   - the records of one partition, and so of one order key, are handled one after another
//     in their order; different partitions in parallel (Concurrency);
//   - a rebalance waits until the batch in flight is handled and committed, so a partition
//     changes hands only between batches;
//   - a record that cannot be decoded, or whose handler failed MaxAttempts times or
//     permanently, is dead-lettered in the store (Scope, item DeadPrefix+topic/partition/offset,
//     with the message: DeadLetter reads it back for publishing again) and consumption goes on.
//
// A message dead-lettered leaves its order key's later messages to be handled without it;
// a flow that must not apply them so checks tx.DeadLetters for the key first.
type Consumer struct {
	cfg    ConsumerConfig
	cl     *kgo.Client
	closed atomic.Bool

	// marks gathers the processed keys of Handle's messages, handled at once on several
	// partitions, into shared transactions (one disk flush for many).
	marksMu      sync.Mutex
	marks        []mark
	marksRunning bool

	handled, duplicates, dead atomic.Int64
}

// NewConsumer checks cfg and creates the group's client; Run consumes.
func NewConsumer(cfg ConsumerConfig) (*Consumer, error) {
	switch {
	case len(cfg.Topics) == 0:
		return nil, fmt.Errorf("%w: ConsumerConfig.Topics is required", ErrInvalid)
	case cfg.Group == "":
		return nil, fmt.Errorf("%w: ConsumerConfig.Group is required", ErrInvalid)
	case len(cfg.Brokers) == 0:
		return nil, fmt.Errorf("%w: ConsumerConfig.Brokers is required", ErrInvalid)
	case cfg.Store == nil:
		return nil, fmt.Errorf("%w: ConsumerConfig.Store is required", ErrInvalid)
	case (cfg.Handle == nil) == (cfg.HandleTx == nil):
		return nil, fmt.Errorf("%w: exactly one of ConsumerConfig.Handle and HandleTx is required", ErrInvalid)
	}
	if err := cfg.Scope.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if cfg.Codec == nil {
		cfg.Codec = HeaderCodec{}
	}
	if cfg.MaxPayload <= 0 {
		cfg.MaxPayload = DefaultMaxPayload
	}
	if cfg.DedupWindow <= 0 {
		cfg.DedupWindow = DefaultDedupWindow
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = DefaultMaxAttempts
	}
	if cfg.RetryBase <= 0 {
		cfg.RetryBase = 200 * time.Millisecond
	}
	if cfg.RetryMax < cfg.RetryBase {
		cfg.RetryMax = max(cfg.RetryBase, 5*time.Second)
	}
	if cfg.Batch <= 0 {
		cfg.Batch = DefaultBatch
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = DefaultConcurrency
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	opts := []kgo.Opt{
		kgo.SeedBrokers(cfg.Brokers...),
		kgo.ConsumerGroup(cfg.Group),
		kgo.ConsumeTopics(cfg.Topics...),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.DisableAutoCommit(),
		kgo.BlockRebalanceOnPoll(),
	}
	if cfg.InstanceID != "" {
		opts = append(opts, kgo.InstanceID(cfg.InstanceID))
	}
	opts = append(opts, cfg.Options...)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	return &Consumer{cfg: cfg, cl: cl}, nil
}

// ConsumerStats counts what a Consumer did since it started.
type ConsumerStats struct {
	// Handled messages had their effect stored.
	Handled int64
	// Duplicates were skipped: their key was processed already.
	Duplicates int64
	// Dead were dead-lettered (undecodable, failed permanently or too often).
	Dead int64
}

// Stats returns the counts.
func (c *Consumer) Stats() ConsumerStats {
	return ConsumerStats{Handled: c.handled.Load(), Duplicates: c.duplicates.Load(), Dead: c.dead.Load()}
}

// Close leaves the group (a static member keeps its place until its session times out) and
// ends Run, which commits what it handled first. Call it once Run has returned, or to stop
// Run from another goroutine.
func (c *Consumer) Close() {
	if c.closed.Swap(true) {
		return
	}
	c.cl.Close()
}

// Run consumes until ctx ends (it then returns ctx's error), Close is called (nil), or the
// store fails (the error; what was handled before is committed, the rest is consumed again
// by the next Run or by another instance).
func (c *Consumer) Run(ctx context.Context) error {
	for {
		if c.closed.Load() {
			return nil
		}
		fetches := c.cl.PollRecords(ctx, c.cfg.Batch)
		if fetches.IsClientClosed() {
			c.cl.AllowRebalance()
			return nil
		}
		fetches.EachError(func(topic string, partition int32, err error) {
			if !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
				c.cfg.Logger.Warn("stream: fetch failed; retrying", "topic", topic, "partition", partition, "error", err)
			}
		})
		err := c.batch(ctx, fetches)
		c.cl.AllowRebalance()
		if err != nil {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

// batch handles the records of one poll, partitions in parallel, and commits the offsets of
// those whose effect is stored.
func (c *Consumer) batch(ctx context.Context, fetches kgo.Fetches) error {
	var parts []kgo.FetchTopicPartition
	fetches.EachPartition(func(p kgo.FetchTopicPartition) {
		if len(p.Records) > 0 {
			parts = append(parts, p)
		}
	})
	if len(parts) == 0 {
		return nil
	}
	done := make([]*kgo.Record, len(parts))
	errs := make([]error, len(parts))
	sem := make(chan struct{}, c.cfg.Concurrency)
	var wg sync.WaitGroup
	for i, p := range parts {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			for _, r := range p.Records {
				if err := c.record(ctx, r); err != nil {
					errs[i] = err
					return
				}
				done[i] = r
			}
		}()
	}
	wg.Wait()
	var commit []*kgo.Record
	for _, r := range done {
		if r != nil {
			commit = append(commit, r)
		}
	}
	if len(commit) > 0 {
		// Committed also when ctx has ended: the effects are stored, and a smaller
		// redelivery is cheaper. A failed commit only means a redelivery the keys absorb.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		if err := c.cl.CommitRecords(cctx, commit...); err != nil && !c.closed.Load() {
			c.cfg.Logger.Warn("stream: offsets not committed; the records will be handed over again and skipped", "error", err)
		}
		cancel()
	}
	for _, err := range errs {
		if err != nil && ctx.Err() == nil && !c.closed.Load() {
			return err
		}
	}
	return nil
}

// handlerError marks an error of the host's handler inside a store transaction, to tell it
// from a failure of the store.
type handlerError struct{ err error }

func (e *handlerError) Error() string { return e.err.Error() }
func (e *handlerError) Unwrap() error { return e.err }

// record handles one record until its effect is stored, it is skipped as a duplicate, or it
// is dead-lettered. It returns an error only when it could do none of these (the store
// failed, ctx ended): the record is then not committed.
func (c *Consumer) record(ctx context.Context, r *kgo.Record) error {
	item := DeadPrefix + r.Topic + "/" + strconv.FormatInt(int64(r.Partition), 10) + "/" + strconv.FormatInt(r.Offset, 10)
	m, err := c.cfg.Codec.Decode(r, c.cfg.MaxPayload)
	if err != nil {
		kept := r.Value
		if len(kept) > c.cfg.MaxPayload {
			kept = nil // a hostile record's bulk is not kept; its position says where it is
		}
		return c.deadLetter(ctx, r, item, err, kept)
	}
	key := "o/" + item
	if m.Key != "" {
		key = "k/" + m.Key
	}
	window, maxAtt := c.cfg.DedupWindow, c.cfg.MaxAttempts
	if m.KeyWindow > 0 {
		window = m.KeyWindow
	}
	if m.MaxAttempts > 0 {
		maxAtt = m.MaxAttempts
	}
	d := store.Delivery{ID: r.Offset, Key: m.Key, OrderKey: m.OrderKey, Payload: m.Payload,
		Enqueued: r.Timestamp, MaxAttempts: maxAtt}
	for attempt := 1; ; attempt++ {
		d.Attempt = attempt
		dup, err := c.apply(ctx, key, window, d)
		var herr *handlerError
		switch {
		case err == nil:
			if dup {
				c.duplicates.Add(1)
			} else {
				c.handled.Add(1)
			}
			return nil
		case ctx.Err() != nil:
			return ctx.Err()
		case !errors.As(err, &herr):
			return fmt.Errorf("stream: store: %w", err)
		case store.IsPermanent(herr.err) || attempt >= maxAtt:
			env, _ := envelopeOf(m)
			return c.deadLetter(ctx, r, item, herr.err, env)
		}
		c.cfg.Logger.Warn("stream: handler failed; trying again", "topic", r.Topic, "partition", r.Partition,
			"offset", r.Offset, "attempt", attempt, "error", redact.Text(herr.err.Error()))
		if err := backoff.Sleep(ctx, backoff.Delay(c.cfg.RetryBase, c.cfg.RetryMax, attempt)); err != nil {
			return err
		}
	}
}

// apply runs the handler once and stores the processed key; dup is true when the key was
// processed already.
func (c *Consumer) apply(ctx context.Context, key string, window time.Duration, d store.Delivery) (dup bool, err error) {
	expires := c.cfg.Now().Add(window)
	if c.cfg.HandleTx != nil {
		err = c.cfg.Store.Update(ctx, c.cfg.Scope, func(tx store.Tx) error {
			done, err := tx.IsProcessed(key)
			if err != nil || done {
				dup = done
				return err
			}
			if err := c.cfg.HandleTx(ctx, tx, d); err != nil {
				return &handlerError{err}
			}
			return tx.MarkProcessed(key, expires)
		})
		return dup, err
	}
	err = c.cfg.Store.View(ctx, c.cfg.Scope, func(tx store.Tx) error {
		dup, err = tx.IsProcessed(key)
		return err
	})
	if err != nil || dup {
		return dup, err
	}
	if err := c.cfg.Handle(ctx, d); err != nil {
		return false, &handlerError{err}
	}
	return false, c.mark(ctx, key, expires)
}

// mark is a processed key waiting to be stored.
type mark struct {
	key     string
	expires time.Time
	done    chan error
}

// mark stores key as processed and returns once it is committed. Keys marked while another
// caller's transaction runs are committed together in the next one, by that caller.
func (c *Consumer) mark(ctx context.Context, key string, expires time.Time) error {
	m := mark{key: key, expires: expires, done: make(chan error, 1)}
	c.marksMu.Lock()
	c.marks = append(c.marks, m)
	if c.marksRunning {
		c.marksMu.Unlock()
		return <-m.done
	}
	c.marksRunning = true
	for len(c.marks) > 0 {
		batch := c.marks
		c.marks = nil
		c.marksMu.Unlock()
		err := c.cfg.Store.Update(ctx, c.cfg.Scope, func(tx store.Tx) error {
			for _, b := range batch {
				if err := tx.MarkProcessed(b.key, b.expires); err != nil {
					return err
				}
			}
			return nil
		})
		for _, b := range batch {
			b.done <- err
		}
		c.marksMu.Lock()
	}
	c.marksRunning = false
	c.marksMu.Unlock()
	return <-m.done
}

// deadLetter records r as dead in the store, with what is needed to publish it again.
func (c *Consumer) deadLetter(ctx context.Context, r *kgo.Record, item string, cause error, payload []byte) error {
	err := c.cfg.Store.Update(ctx, c.cfg.Scope, func(tx store.Tx) error {
		_, err := tx.RecordAttempt(store.Failure{Item: item, Err: cause, Payload: payload, Permanent: true, NextTry: c.cfg.Now()})
		return err
	})
	if err != nil {
		return fmt.Errorf("stream: store: %w", err)
	}
	c.dead.Add(1)
	reason := "handler failed"
	var de *DecodeError
	if errors.As(cause, &de) {
		reason = de.Reason
	}
	c.cfg.Logger.Error("stream: message dead-lettered", "topic", r.Topic, "partition", r.Partition, "offset", r.Offset, "reason", reason)
	return nil
}

// DeadLetter reads back the message of a dead letter the consumer recorded for a handler's
// failure, to publish it again once the cause is fixed (Producer.Publish, then
// tx.ClearAttempts(a.Item)). A record that could not be decoded is kept as it arrived and
// fails here with ErrDecode.
func DeadLetter(a store.Attempt) (store.Message, error) {
	var e envelope
	if err := json.Unmarshal(a.Payload, &e); err != nil || e.Payload == nil {
		return store.Message{}, fmt.Errorf("%w: dead letter %s holds no message", ErrDecode, a.Item)
	}
	return store.Message{Key: e.Key, OrderKey: e.OrderKey, Payload: e.Payload,
		KeyWindow: time.Duration(e.Window) * time.Second, MaxAttempts: e.MaxAttempts}, nil
}
