package store

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/edusync/edusync/internal/backoff"
)

// Message is what Enqueue adds to a scope's queue.
type Message struct {
	// Key de-duplicates: while a message with the same Key was enqueued within its window and
	// not dead-lettered, another is dropped. A webhook delivery id, a content hash. Optional.
	Key string
	// OrderKey orders: messages with the same OrderKey are handed out one at a time, in the
	// order they were enqueued (per candidate and exam, per student). Optional.
	OrderKey string
	// Payload is what the handler needs; kept as given.
	Payload []byte
	// NotBefore delays the first delivery (the zero time: at once).
	NotBefore time.Time
	// MaxAttempts overrides the store's WithMaxAttempts: deliveries before dead-lettering.
	MaxAttempts int
	// KeyWindow overrides the store's WithDedupWindow: how long Key keeps out duplicates.
	KeyWindow time.Duration
}

// Enqueued says what Enqueue did.
type Enqueued struct {
	// ID is the new message's, or, for a duplicate, that of the message holding the key.
	ID int64
	// Duplicate is true when the message was dropped as a duplicate.
	Duplicate bool
}

// Delivery is a queued message as Claim hands it out and Messages and DeadMessages list it.
type Delivery struct {
	// ID identifies the message in its store; it increases with every Enqueue.
	ID       int64  `json:"id"`
	Key      string `json:"key,omitempty"`
	OrderKey string `json:"orderKey,omitempty"`
	Payload  []byte `json:"payload,omitempty"`
	// Enqueued is when the message was enqueued.
	Enqueued time.Time `json:"enqueued"`
	// Attempt is the number of deliveries so far, this one included (1 on the first).
	Attempt     int `json:"attempt"`
	MaxAttempts int `json:"maxAttempts"`
	// Due is when the message may next be claimed; for a delivery, when its claim ends.
	Due time.Time `json:"due"`
	// LastError is the masked text of the last failure (Nack).
	LastError string    `json:"lastError,omitempty"`
	Dead      bool      `json:"dead,omitempty"`
	DeadAt    time.Time `json:"deadAt,omitzero"`
	Reason    string    `json:"reason,omitempty"` // why it was dead-lettered
}

// Enqueue adds messages to scope's queue in one transaction and returns once they are durable
// (committed), which is when a webhook receiver may answer 200.
func Enqueue(ctx context.Context, st Store, scope Scope, msgs ...Message) ([]Enqueued, error) {
	out := make([]Enqueued, len(msgs))
	err := st.Update(ctx, scope, func(tx Tx) error {
		for i, m := range msgs {
			var err error
			if out[i], err = tx.Enqueue(m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Worker hands the messages of a scope's queue to a handler: it claims a few at a time, calls
// Handle for each outside any transaction, acknowledges those that succeed and puts back those
// that fail, due again after a jittered backoff, until their MaxAttempts'th delivery dead-letters
// them. A handler error marked with Permanent dead-letters the message at once. Delivery is at
// least once (a crash between Handle and Ack delivers again once the claim runs out), so
// handlers must be idempotent. A panic in Handle is not recovered: it ends the process like any
// other, and the message is delivered again once its claim runs out, until its MaxAttempts'th
// delivery dead-letters it. Several Workers, in one process or several, may serve one queue.
type Worker struct {
	Store  Store
	Scope  Scope
	Handle func(ctx context.Context, d Delivery) error

	// Visibility is how long a claim lasts (default 5 minutes): longer than Handle takes.
	Visibility time.Duration
	// Batch is how many messages are claimed at a time (default 16). Messages of one OrderKey
	// are never in one batch together.
	Batch int
	// Concurrency is how many of a batch are handled at once (default 1).
	Concurrency int
	// Poll is how long Run waits when nothing is due (default 1 s).
	Poll time.Duration
	// RetryBase and RetryMax bound the backoff between deliveries (default 1 s and 10 min).
	RetryBase, RetryMax time.Duration
	// Now is the clock retry times are computed on (default time.Now); use the store's.
	Now func() time.Time
	// Logger receives failures by message id and attempt, never payloads (default: none).
	Logger *slog.Logger
}

func (w *Worker) defaults() Worker {
	c := *w
	if c.Visibility <= 0 {
		c.Visibility = 5 * time.Minute
	}
	if c.Batch <= 0 {
		c.Batch = 16
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 1
	}
	if c.Poll <= 0 {
		c.Poll = time.Second
	}
	if c.RetryBase <= 0 {
		c.RetryBase = time.Second
	}
	if c.RetryMax < c.RetryBase {
		c.RetryMax = max(c.RetryBase, 10*time.Minute)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Drain handles messages until none is due, and returns how many deliveries it handled
// (acknowledged or put back). It stops at the first error of the store, or when ctx ends.
func (w *Worker) Drain(ctx context.Context) (int, error) {
	if w.Store == nil || w.Handle == nil {
		return 0, errors.New("store: Worker needs a Store and a Handle function")
	}
	c := w.defaults()
	handled := 0
	for {
		var batch []Delivery
		err := c.Store.Update(ctx, c.Scope, func(tx Tx) error {
			var err error
			batch, err = tx.Claim(c.Batch, c.Visibility)
			return err
		})
		if err != nil || len(batch) == 0 {
			return handled, err
		}
		errs := make([]error, len(batch))
		sem := make(chan struct{}, c.Concurrency)
		var wg sync.WaitGroup
		for i, d := range batch {
			sem <- struct{}{}
			wg.Go(func() {
				defer func() { <-sem }()
				errs[i] = c.finish(ctx, d, c.Handle(ctx, d))
			})
		}
		wg.Wait()
		handled += len(batch)
		if err := errors.Join(errs...); err != nil {
			return handled, err
		}
	}
}

// finish acknowledges d or puts it back after herr. A lost claim is not an error: the message
// is someone else's now.
func (c *Worker) finish(ctx context.Context, d Delivery, herr error) error {
	var after Delivery
	err := c.Store.Update(ctx, c.Scope, func(tx Tx) error {
		if herr == nil {
			return tx.Ack(d)
		}
		var err error
		after, err = tx.Nack(d, c.Now().Add(backoff.Delay(c.RetryBase, c.RetryMax, d.Attempt)), herr)
		return err
	})
	switch {
	case errors.Is(err, ErrClaimLost):
		c.Logger.Warn("store: claim ran out before the message was finished; it is delivered again",
			"scope", c.Scope.String(), "id", d.ID, "attempt", d.Attempt)
		return nil
	case err == nil && herr != nil:
		c.Logger.Warn("store: queued message failed", "scope", c.Scope.String(), "id", d.ID,
			"attempt", d.Attempt, "dead", after.Dead, "error", after.LastError)
	}
	return err
}

// Run drains the queue, then waits Poll and drains again, until ctx ends or the store fails
// permanently (IsPermanent). Other store failures are logged and retried after Poll.
func (w *Worker) Run(ctx context.Context) error {
	c := w.defaults()
	for {
		_, err := w.Drain(ctx)
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case err != nil && (IsPermanent(err) || errors.Is(err, ErrClosed) || w.Store == nil || w.Handle == nil):
			return err
		case err != nil:
			c.Logger.Warn("store: draining the queue failed; retrying", "scope", c.Scope.String(), "error", err)
		}
		if err := backoff.Sleep(ctx, c.Poll); err != nil {
			return err
		}
	}
}
