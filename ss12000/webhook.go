package ss12000

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"
)

// Notification is what a subscription callback says: which record types changed and whether
// records were removed. It carries no records; the receiver runs a delta sync.
type Notification struct {
	Types   []EndPointsEnum
	Deleted bool
}

// ErrBadNotification is returned by ParseNotification for a body that is not a subscription callback.
var ErrBadNotification = errors.New("ss12000: not a subscription notification")

// ParseNotification decodes a callback body. It accepts the standard's spelling
// "modifiedEntites" and the "modifiedEntities" services send in practice (both, merged), and
// rejects anything that is not one JSON object of that shape.
func ParseNotification(body []byte) (Notification, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	var n SubscriptionNotification
	if err := dec.Decode(&n); err != nil {
		return Notification{}, fmt.Errorf("%w: %v", ErrBadNotification, err)
	}
	if dec.More() {
		return Notification{}, fmt.Errorf("%w: data after the JSON object", ErrBadNotification)
	}
	var types []EndPointsEnum
	for _, t := range append(n.ModifiedEntites, n.ModifiedEntities...) {
		if t != "" && !slices.Contains(types, t) {
			types = append(types, t)
		}
	}
	slices.Sort(types)
	return Notification{Types: types, Deleted: n.DeletedEntities}, nil
}

// WebhookHandler is the http.Handler a subscription's target URL points at. It answers at once
// and coalesces bursts of notifications into one call of its sync function, never running two
// at a time: notifications arriving during a run are merged into the next one.
type WebhookHandler struct {
	sync      func(context.Context, Notification)
	maxBody   int64
	quiet     time.Duration
	authorize func(*http.Request) bool

	mu      sync.Mutex
	pending Notification
	has     bool
	since   time.Time // when the first pending notification arrived
	timer   *time.Timer
	running bool
	closed  bool
	done    sync.WaitGroup
	ctx     context.Context
	cancel  context.CancelFunc
}

// WebhookOption configures a WebhookHandler.
type WebhookOption func(*WebhookHandler)

// WithWebhookMaxBody sets the largest body accepted (default 64 KiB); larger ones get 400.
func WithWebhookMaxBody(n int64) WebhookOption { return func(h *WebhookHandler) { h.maxBody = n } }

// WithWebhookQuietPeriod sets how long the handler waits after a notification for more before
// it syncs (default 2 s). A steady stream of notifications postpones the sync by at most five
// quiet periods.
func WithWebhookQuietPeriod(d time.Duration) WebhookOption {
	return func(h *WebhookHandler) { h.quiet = d }
}

// WithWebhookAuthorizer rejects callbacks (401) that authorize refuses, for example ones
// without the secret the host put into the subscription's target URL.
func WithWebhookAuthorizer(authorize func(*http.Request) bool) WebhookOption {
	return func(h *WebhookHandler) { h.authorize = authorize }
}

// NewWebhookHandler returns a handler that calls sync (typically a Syncer delta run) after
// notifications arrive.
func NewWebhookHandler(sync func(context.Context, Notification), opts ...WebhookOption) *WebhookHandler {
	ctx, cancel := context.WithCancel(context.Background())
	h := &WebhookHandler{sync: sync, maxBody: 64 << 10, quiet: 2 * time.Second, ctx: ctx, cancel: cancel}
	for _, o := range opts {
		o(h)
	}
	return h
}

// ServeHTTP accepts one callback: POST, authorized, a body within the limit that parses.
func (h *WebhookHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "only POST", http.StatusMethodNotAllowed)
		return
	}
	if h.authorize != nil && !h.authorize(r) {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, h.maxBody+1))
	if err != nil {
		http.Error(w, "could not read body", http.StatusBadRequest)
		return
	}
	if int64(len(body)) > h.maxBody {
		http.Error(w, "body too large", http.StatusBadRequest)
		return
	}
	n, err := ParseNotification(body)
	if err != nil {
		http.Error(w, "malformed notification", http.StatusBadRequest)
		return
	}
	if !h.enqueue(n) {
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusOK)
}

func (h *WebhookHandler) enqueue(n Notification) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	for _, t := range n.Types {
		if !slices.Contains(h.pending.Types, t) {
			h.pending.Types = append(h.pending.Types, t)
		}
	}
	h.pending.Deleted = h.pending.Deleted || n.Deleted
	if !h.has {
		h.has, h.since = true, time.Now()
	}
	if !h.running {
		h.schedule()
	}
	return true
}

// maxDelayFactor bounds how long a stream of notifications can put off the sync: at most this
// many quiet periods after the first notification waiting.
const maxDelayFactor = 5

// schedule (re)starts the timer for the pending notifications: a quiet period from now, but
// no later than maxDelayFactor quiet periods after the first of them, so a service that keeps
// calling (a long import) does not postpone the sync until it stops. The caller holds h.mu.
func (h *WebhookHandler) schedule() {
	if h.timer != nil {
		h.timer.Stop()
	}
	d := h.quiet
	if left := time.Until(h.since.Add(maxDelayFactor * h.quiet)); left < d {
		d = max(left, 0)
	}
	h.timer = time.AfterFunc(d, h.fire)
}

func (h *WebhookHandler) fire() {
	h.mu.Lock()
	if h.running || !h.has || h.closed {
		h.mu.Unlock()
		return
	}
	n := h.pending
	slices.Sort(n.Types)
	h.pending, h.has, h.running = Notification{}, false, true
	h.done.Add(1)
	h.mu.Unlock()

	h.sync(h.ctx, n)

	h.mu.Lock()
	h.running = false
	if h.has && !h.closed {
		h.schedule()
	}
	h.mu.Unlock()
	h.done.Done()
}

// Close stops accepting notifications, cancels the context of a running sync and waits for it.
// Notifications still waiting are dropped: the next delta sync covers them anyway.
func (h *WebhookHandler) Close() {
	h.mu.Lock()
	h.closed = true
	if h.timer != nil {
		h.timer.Stop()
	}
	h.mu.Unlock()
	h.cancel()
	h.done.Wait()
}
