package wiseflowpoll

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/wiseflow"
)

// Receiver is the http.Handler a webhook's URL points at. It checks each call's signature
// (HMAC-SHA256 of the raw body with the webhook's secret, compared in constant time), reads the
// call, and answers 200 only once the call is durably in the store's queue (Scope), so a call
// is never lost: when the store fails it answers 503 and WISEflow calls again (eight times,
// fifteen minutes apart). WISEflow delivers at least once; calls are de-duplicated by their
// unique id (a retry keeps it), within KeyWindow. Consumers take the calls with a store.Worker
// and wiseflow.ParseWebhookCall (the payload is the call's body as it was signed).
//
// The signature's header and encoding are not settled by WISEflow's documentation (see
// wiseflow.Signature): Signature selects them, DefaultSignature unless set.
type Receiver struct {
	// Store and Scope are where calls are queued; Store is required unless Publisher is set.
	Store store.Store
	Scope store.Scope
	// Publisher, when set, takes the calls instead of the store's queue (a Kafka topic through
	// stream.Producer, whose consumers de-duplicate by the message's Key and keep each flow's
	// calls in order). Repeated calls are then kept out by the consumers, and each call hints
	// the Poller.
	Publisher Publisher
	// Secret is the webhook's secret (wiseflow.NewWebhook.Secret). Required: without it every
	// call is refused.
	Secret []byte
	// Signature says where and how calls are signed (the zero value: wiseflow.DefaultSignature).
	Signature wiseflow.Signature
	// KeyWindow is how long a call's id keeps its repeats out, and how old a call may be
	// (by its callTime) to be taken at all (default 7 days; WISEflow's retries span two hours).
	KeyWindow time.Duration
	// Poller, when set, is hinted with the flow of every call, so its next round reads it.
	Poller *Poller
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Logger receives refusals and store failures (call ids only, never payloads).
	Logger *slog.Logger
}

// Publisher takes a receiver's calls instead of the store's queue, for flows that run in
// several processes: a *stream.Producer fits. Publish must return only once every message is
// durable (the receiver then answers 200), and fail otherwise (503).
type Publisher interface {
	Publish(ctx context.Context, msgs ...store.Message) error
}

func (r *Receiver) logger() *slog.Logger {
	if r.Logger != nil {
		return r.Logger
	}
	return slog.New(slog.DiscardHandler)
}

func (r *Receiver) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// ServeHTTP takes one call.
func (r *Receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(req.Body, wiseflow.MaxWebhookBody+1))
	if err != nil {
		http.Error(w, "the body could not be read", http.StatusBadRequest)
		return
	}
	if len(body) > wiseflow.MaxWebhookBody {
		http.Error(w, "the body is too large", http.StatusRequestEntityTooLarge)
		return
	}
	sig := r.Signature
	if sig.Header == "" {
		sig = wiseflow.DefaultSignature
	}
	if err := sig.Verify(r.Secret, body, req.Header); err != nil {
		r.logger().Warn("wiseflowpoll: webhook call refused", "reason", err.Error())
		http.Error(w, "the signature does not match", http.StatusUnauthorized)
		return
	}
	call, err := wiseflow.ParseWebhookCall(body)
	if err != nil {
		r.logger().Warn("wiseflowpoll: webhook call refused", "reason", "not a webhook call")
		http.Error(w, "not a webhook call", http.StatusBadRequest)
		return
	}
	window := r.KeyWindow
	if window <= 0 {
		window = 7 * 24 * time.Hour
	}
	if at, err := time.Parse(time.RFC3339, call.CallTime); err == nil && r.now().Sub(at) > window {
		// A signed call older than the window is a replay: its id may have left the window.
		r.logger().Warn("wiseflowpoll: webhook call older than the key window dropped", "id", call.ID)
		w.WriteHeader(http.StatusOK)
		return
	}
	key := "call/" + call.ID
	if call.ID == "" {
		sum := sha256.Sum256(body)
		key = "body/" + hex.EncodeToString(sum[:])
	}
	msg := store.Message{Key: key, Payload: body, KeyWindow: window}
	if call.Payload.FlowID > 0 {
		msg.OrderKey = "flow/" + strconv.FormatInt(call.Payload.FlowID, 10)
	}
	duplicate, err := r.keep(req.Context(), msg)
	if err != nil {
		r.logger().Error("wiseflowpoll: webhook call not stored; WISEflow will call again", "id", call.ID, "error", err)
		http.Error(w, "the call could not be stored; try again", http.StatusServiceUnavailable)
		return
	}
	if r.Poller != nil && call.Payload.FlowID > 0 && !duplicate {
		if err := r.Poller.Hint(req.Context(), call.Payload.FlowID); err != nil && !errors.Is(err, req.Context().Err()) {
			r.logger().Warn("wiseflowpoll: poller not hinted; its recheck will find the change", "id", call.ID, "error", err)
		}
	}
	w.WriteHeader(http.StatusOK)
}

// keep queues msg in the store, or publishes it when a Publisher is set; duplicate says the
// queue had it already.
func (r *Receiver) keep(ctx context.Context, msg store.Message) (duplicate bool, err error) {
	if r.Publisher != nil {
		return false, r.Publisher.Publish(ctx, msg)
	}
	if r.Store == nil {
		return false, errors.New("wiseflowpoll: Receiver.Store or Receiver.Publisher is required")
	}
	res, err := store.Enqueue(ctx, r.Store, r.Scope, msg)
	if err != nil {
		return false, err
	}
	return res[0].Duplicate, nil
}
