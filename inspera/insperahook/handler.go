package insperahook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/edusync/edusync/store"
)

// Defaults of Config.
const (
	// DefaultMaxBody caps a delivery's body; Inspera's payloads are thin (a few hundred bytes).
	DefaultMaxBody = 64 << 10
	// DefaultDedupWindow is how long a delivered event keeps its repeats out. Inspera retries
	// for minutes, and a repeat days later is the same event too.
	DefaultDedupWindow = 30 * 24 * time.Hour
	// DefaultBatch is how many deliveries at most share one transaction of the store.
	DefaultBatch = 256
)

// Publisher takes the events instead of the store's queue, for flows that run in several
// processes: a *stream.Producer publishing to a Kafka topic fits. Publish must return only
// once every message is durable (the handler then answers 200), and fail otherwise (503).
type Publisher interface {
	Publish(ctx context.Context, msgs ...store.Message) error
}

// Config configures a Handler.
type Config struct {
	// Store keeps the queue the events go to (store/sqlite, store/postgres); required unless
	// Publisher is set.
	Store store.Store
	// Scope is the queue's flow and tenant ({Flow: "inspera-hook", Tenant: "uib"}); Flow is
	// required with Store.
	Scope store.Scope
	// Publisher, when set, takes the events instead of the store's queue (a Kafka topic
	// through stream.Producer, whose consumers de-duplicate by the message's Key and keep the
	// order of each test and candidate). Repeated deliveries are then kept out by the
	// consumers, not here: Stats counts them as accepted.
	Publisher Publisher
	// Secrets are the subscriptions' signing secrets; at least one. SetSecrets changes them
	// while the handler runs.
	Secrets []Secret
	// MaxBody caps a body (default DefaultMaxBody); a larger one is answered 413.
	MaxBody int64
	// DedupWindow is how long an event keeps its repeats out (default DefaultDedupWindow).
	DedupWindow time.Duration
	// MaxAttempts overrides the store's deliveries of a message before it is dead-lettered.
	MaxAttempts int
	// Batch caps how many deliveries share one transaction (default DefaultBatch).
	Batch int
	// Logger receives refused and failed deliveries, never their bodies (default: none).
	Logger *slog.Logger
	// Now is the clock of Event.Received (default time.Now).
	Now func() time.Time
}

// Handler receives Inspera's webhook deliveries. It is an http.Handler: mount it at the URL the
// subscriptions name. For each POST it
//
//   - caps the body (413 above Config.MaxBody);
//   - answers Inspera's validation request at registration (a POST without a signature and
//     without an event) with 200, enqueuing nothing;
//   - checks X-Inspera-Signature against the configured secrets in constant time, and answers a
//     wrong or missing one with 401, logged without the body;
//   - reads the event (documented field names, the older "event" member and key=value form;
//     400 when it cannot) and enqueues it in the store's queue under its Key, so a repeated
//     delivery is dropped as a duplicate and processed once, ordered per test and candidate;
//   - answers 200 only once the event is committed to the queue (several concurrent deliveries
//     share one transaction), and 503 when the store fails, so Inspera retries: a crash after
//     the 200 loses nothing.
//
// Workers (store.Worker with EventHandler) take the events from the queue.
type Handler struct {
	cfg     Config
	secrets atomic.Pointer[[]Secret]
	in      chan *pending
	ctx     context.Context
	stop    context.CancelFunc
	done    chan struct{}
	once    sync.Once

	accepted, duplicates, validations, refused, invalid, failed atomic.Int64
}

type pending struct {
	msg  store.Message
	done chan result
}

type result struct {
	enq store.Enqueued
	err error
}

// NewHandler checks cfg and starts the handler's committer; Close stops it.
func NewHandler(cfg Config) (*Handler, error) {
	if cfg.Store == nil && cfg.Publisher == nil {
		return nil, errors.New("insperahook: Config.Store or Config.Publisher is required")
	}
	if cfg.Publisher == nil {
		if err := cfg.Scope.Validate(); err != nil {
			return nil, fmt.Errorf("insperahook: %w", err)
		}
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.DedupWindow <= 0 {
		cfg.DedupWindow = DefaultDedupWindow
	}
	if cfg.Batch <= 0 {
		cfg.Batch = DefaultBatch
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	h := &Handler{cfg: cfg, in: make(chan *pending, cfg.Batch), done: make(chan struct{})}
	if err := h.SetSecrets(cfg.Secrets...); err != nil {
		return nil, err
	}
	h.ctx, h.stop = context.WithCancel(context.Background())
	go h.commit()
	return h, nil
}

// SetSecrets replaces the secrets deliveries are verified with (rotation: add the new secret,
// register the subscription again with it, then drop the old one).
func (h *Handler) SetSecrets(secrets ...Secret) error {
	var keep []Secret
	for _, s := range secrets {
		if s.Value != "" {
			keep = append(keep, s)
		}
	}
	if len(keep) == 0 {
		return errors.New("insperahook: at least one non-empty secret is required")
	}
	h.secrets.Store(&keep)
	return nil
}

// Close stops the committer; deliveries still waiting are answered 503. It does not close the
// store.
func (h *Handler) Close() {
	h.once.Do(func() {
		h.stop()
		<-h.done
	})
}

// Stats counts what the handler did since it started.
type Stats struct {
	// Accepted deliveries were committed to the queue as new events.
	Accepted int64
	// Duplicates were repeats of an event already queued (answered 200, not queued again).
	Duplicates int64
	// Validations were Inspera's registration requests (answered 200).
	Validations int64
	// Refused had a wrong or missing signature (401).
	Refused int64
	// Invalid were too large or not an event (413, 400).
	Invalid int64
	// Failed could not be committed (503).
	Failed int64
}

// Stats returns the counts.
func (h *Handler) Stats() Stats {
	return Stats{Accepted: h.accepted.Load(), Duplicates: h.duplicates.Load(), Validations: h.validations.Load(),
		Refused: h.refused.Load(), Invalid: h.invalid.Load(), Failed: h.failed.Load()}
}

// ServeHTTP answers one delivery (see Handler).
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.cfg.MaxBody))
	if err != nil {
		h.invalid.Add(1)
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			h.cfg.Logger.Warn("insperahook: delivery over the size cap refused", "remote", r.RemoteAddr, "max", h.cfg.MaxBody)
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "could not read the body", http.StatusBadRequest)
		return
	}
	sig := r.Header.Get(SignatureHeader)
	if sig == "" {
		if _, err := ParseEvent(body); errors.Is(err, ErrNoEvent) {
			h.validation(w, r)
			return
		}
		h.refuse(w, r, len(body), false)
		return
	}
	name, ok := Verify(body, sig, *h.secrets.Load()...)
	if !ok {
		h.refuse(w, r, len(body), true)
		return
	}
	ev, err := ParseEvent(body)
	if errors.Is(err, ErrNoEvent) {
		h.validation(w, r)
		return
	}
	if err != nil {
		h.invalid.Add(1)
		h.cfg.Logger.Warn("insperahook: signed delivery that is not an event refused", "remote", r.RemoteAddr, "bytes", len(body))
		http.Error(w, "not an Inspera event", http.StatusBadRequest)
		return
	}
	ev.Subscription, ev.Received = name, h.cfg.Now().UTC()
	payload, err := json.Marshal(ev)
	if err != nil {
		h.fail(w, err)
		return
	}
	msg := store.Message{Key: ev.Key(), OrderKey: ev.orderKey(), Payload: payload,
		KeyWindow: h.cfg.DedupWindow, MaxAttempts: h.cfg.MaxAttempts}
	res := h.enqueue(r.Context(), msg)
	if res.err != nil {
		h.fail(w, res.err)
		return
	}
	if res.enq.Duplicate {
		h.duplicates.Add(1)
	} else {
		h.accepted.Add(1)
	}
	w.WriteHeader(http.StatusOK)
}

func (h *Handler) validation(w http.ResponseWriter, r *http.Request) {
	h.validations.Add(1)
	h.cfg.Logger.Info("insperahook: validation request answered", "remote", r.RemoteAddr)
	w.WriteHeader(http.StatusOK)
}

func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, n int, signed bool) {
	h.refused.Add(1)
	h.cfg.Logger.Warn("insperahook: delivery with a wrong or missing signature refused",
		"remote", r.RemoteAddr, "bytes", n, "signed", signed)
	http.Error(w, "signature", http.StatusUnauthorized)
}

func (h *Handler) fail(w http.ResponseWriter, err error) {
	h.failed.Add(1)
	h.cfg.Logger.Error("insperahook: delivery not committed; Inspera will retry", "error", err)
	w.Header().Set("Retry-After", "1")
	http.Error(w, "not stored; try again", http.StatusServiceUnavailable)
}

// errClosed answers deliveries that arrive after or during Close.
var errClosed = errors.New("insperahook: the handler is closed")

// enqueue hands msg to the committer and waits until its transaction committed (or failed).
func (h *Handler) enqueue(ctx context.Context, msg store.Message) result {
	p := &pending{msg: msg, done: make(chan result, 1)}
	if h.ctx.Err() != nil {
		return result{err: errClosed}
	}
	select {
	case h.in <- p:
	case <-h.ctx.Done():
		return result{err: errClosed}
	case <-ctx.Done():
		return result{err: ctx.Err()}
	}
	select {
	case res := <-p.done:
		return res
	case <-h.done: // the committer has stopped; it may have answered p on its way out
		select {
		case res := <-p.done:
			return res
		default:
			return result{err: errClosed}
		}
	case <-ctx.Done():
		return result{err: ctx.Err()} // Inspera gave up; it will retry, and the key de-duplicates
	}
}

// commit takes waiting deliveries in batches and enqueues each batch in one transaction: with
// synchronous commits the disk's flush is the cost, and concurrent deliveries share it.
func (h *Handler) commit() {
	defer close(h.done)
	batch := make([]*pending, 0, h.cfg.Batch)
	for {
		batch = batch[:0]
		select {
		case p := <-h.in:
			batch = append(batch, p)
		case <-h.ctx.Done():
			h.drain()
			return
		}
	more:
		for len(batch) < h.cfg.Batch {
			select {
			case p := <-h.in:
				batch = append(batch, p)
			default:
				break more
			}
		}
		out, err := h.commitBatch(batch)
		for i, p := range batch {
			p.done <- result{enq: out[i], err: err}
		}
	}
}

// commitBatch commits a batch to the queue, or publishes it when a Publisher is set.
func (h *Handler) commitBatch(batch []*pending) ([]store.Enqueued, error) {
	out := make([]store.Enqueued, len(batch))
	if h.cfg.Publisher != nil {
		msgs := make([]store.Message, len(batch))
		for i, p := range batch {
			msgs[i] = p.msg
		}
		return out, h.cfg.Publisher.Publish(h.ctx, msgs...)
	}
	err := h.cfg.Store.Update(h.ctx, h.cfg.Scope, func(tx store.Tx) error {
		for i, p := range batch {
			var err error
			if out[i], err = tx.Enqueue(p.msg); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// drain answers the deliveries still waiting when the handler closes.
func (h *Handler) drain() {
	for {
		select {
		case p := <-h.in:
			p.done <- result{err: errClosed}
		default:
			return
		}
	}
}

// EventHandler adapts fn to a store.Worker's Handle: each queued delivery is decoded into the
// Event the receiver accepted. A payload that does not decode is dead-lettered at once
// (store.Permanent); fn's own errors are retried by the Worker.
func EventHandler(fn func(ctx context.Context, ev Event) error) func(context.Context, store.Delivery) error {
	return func(ctx context.Context, d store.Delivery) error {
		ev, err := Decode(d.Payload)
		if err != nil {
			return store.Permanent(err)
		}
		return fn(ctx, ev)
	}
}
