package insperatest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/edusync/edusync/inspera"
	"github.com/edusync/edusync/inspera/insperahook"
	"github.com/edusync/edusync/internal/fakekit"
)

// eventTypes are the events the fake offers and sends (see inspera's Event constants).
var eventTypes = []inspera.EventType{
	{EventName: inspera.EventConfirmFinalGrades, Description: "final grades confirmed on a test"},
	{EventName: inspera.EventSubmissionsExportFinished, Description: "a file export job finished"},
	{EventName: inspera.EventExplanationPublished, Description: "an explanation of a grade was sent to the candidate"},
	{EventName: inspera.EventAppealGraded, Description: "an appeal round was graded"},
	{EventName: inspera.EventSubmissionDelivered, Description: "a candidate handed in"},
}

type subscription struct {
	inspera.Subscription
	secret string
}

// event is something that happened on the tenant, to be delivered to the subscriptions of its
// name, except those of the user who triggered it.
type event struct {
	name, contextID, contextType, assocID, assocType string
	by                                               inspera.ID
}

// Payload is the JSON body of a webhook delivery, with the field names Inspera documents. Ids
// are sent as numbers where they are numeric, as Inspera does.
type Payload struct {
	EventName            string      `json:"eventName"`
	ContextObjectID      json.Number `json:"contextObjectId,omitempty"`
	ContextObjectType    string      `json:"contextObjectType,omitempty"`
	AssociatedObjectID   any         `json:"associatedObjectId,omitempty"`
	AssociatedObjectType string      `json:"associatedObjectType,omitempty"`
	TriggeringUserID     json.Number `json:"triggeringUserId,omitempty"`
	TriggeringUserName   string      `json:"triggeringUserName,omitempty"`
	Timestamp            string      `json:"timestamp"`
	Org                  string      `json:"org,omitempty"`
	Instance             string      `json:"instance,omitempty"`
	Env                  string      `json:"env,omitempty"`
	ExamSystem           string      `json:"examSystem,omitempty"`
}

// Sign returns the X-Inspera-Signature of body under secret: the lower-case hex HMAC-SHA1, as
// insperahook.Sign makes it (the fake signs as the receiver verifies).
func Sign(secret string, body []byte) string { return insperahook.Sign(secret, body) }

func (s *Server) subscriptionEvents(w http.ResponseWriter, _ *http.Request) {
	fakekit.WriteJSON(w, http.StatusOK, eventTypes)
}

func (s *Server) getSubscriptions(w http.ResponseWriter, r *http.Request) {
	me := sessionOf(r).user
	s.mu.Lock()
	out := []inspera.Subscription{}
	for _, id := range slices.Sorted(mapKeys(s.st.subs)) {
		if sub := s.st.subs[id]; sub.UserID == me {
			out = append(out, sub.Subscription)
		}
	}
	s.mu.Unlock()
	fakekit.WriteJSON(w, http.StatusOK, out)
}

func mapKeys[V any](m map[inspera.ID]V) func(func(inspera.ID) bool) {
	return func(yield func(inspera.ID) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// createSubscription validates the URL with a POST (not retried, as Inspera) before it
// registers the subscription.
func (s *Server) createSubscription(w http.ResponseWriter, r *http.Request) {
	var in inspera.SubscriptionInput
	if !decode(w, r, &in) {
		return
	}
	u, err := url.Parse(in.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || in.Secret == "" ||
		!slices.ContainsFunc(eventTypes, func(e inspera.EventType) bool { return e.EventName == in.EventName }) {
		writeError(w, r, http.StatusBadRequest, "INVALID_SUBSCRIPTION", "a subscription needs a known eventName, an http(s) url and a secret")
		return
	}
	me := sessionOf(r).user
	if !s.hook.validate(r.Context(), in.URL) {
		s.mu.Lock()
		s.st.record(Write{Operation: "createSubscription", User: me, Status: http.StatusBadRequest, Code: "VALIDATION_FAILED"})
		s.mu.Unlock()
		writeError(w, r, http.StatusBadRequest, "VALIDATION_FAILED", "the endpoint did not answer the validation request with 200 OK")
		return
	}
	s.mu.Lock()
	sub := &subscription{Subscription: inspera.Subscription{SubscriptionID: s.st.newID(), EventName: in.EventName,
		URL: in.URL, UserID: me, Created: s.opts.now().UTC().Truncate(time.Second)}, secret: in.Secret}
	s.st.subs[sub.SubscriptionID] = sub
	s.st.record(Write{Operation: "createSubscription", User: me, Status: http.StatusOK})
	s.mu.Unlock()
	fakekit.WriteJSON(w, http.StatusOK, sub.Subscription)
}

func (s *Server) deleteSubscription(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("subscriptionId"), 10, 64)
	me := sessionOf(r).user
	s.mu.Lock()
	sub := s.st.subs[inspera.ID(id)]
	if err != nil || sub == nil || sub.UserID != me {
		s.mu.Unlock()
		writeError(w, r, http.StatusNotFound, "SUBSCRIPTION_NOT_FOUND", "no such subscription")
		return
	}
	delete(s.st.subs, sub.SubscriptionID)
	s.st.record(Write{Operation: "deleteSubscription", User: me, Status: http.StatusOK})
	s.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

// Delivery is one attempt to deliver an event, as Deliveries lists it.
type Delivery struct {
	Subscription inspera.ID
	EventName    string
	// Body is the JSON the subscriber got; Signature its X-Inspera-Signature.
	Body      []byte
	Signature string
	// Attempt counts from 1; a repeated delivery (WithRepeatedDeliveries) starts again at 1.
	Attempt int
	// Status is the subscriber's answer (0 when none came); Err says why none did.
	Status int
	Err    string
	At     time.Time
}

// maxDeliveries is how many delivery attempts Deliveries remembers.
const maxDeliveries = 100_000

// dispatcher delivers events to subscriptions: each delivery is tried, and retried after the
// server's waits until it is answered 200 or the retries are used up, by a few workers.
type dispatcher struct {
	s      *Server
	client *http.Client

	mu      sync.Mutex
	cond    *sync.Cond
	queue   []*outgoing
	pending int // queued, in flight or waiting to retry
	log     []Delivery
	rng     *rand.Rand
	closed  bool
	wg      sync.WaitGroup
	timers  map[*time.Timer]bool
}

type outgoing struct {
	sub     inspera.ID
	url     string
	name    string
	body    []byte
	sig     string
	attempt int
}

// workers is how many deliveries run at once.
const workers = 8

func newDispatcher(s *Server) *dispatcher {
	d := &dispatcher{s: s, client: &http.Client{Timeout: s.opts.webhookTimeout},
		rng: rand.New(rand.NewPCG(s.opts.seed, 0x1a5)), timers: map[*time.Timer]bool{}}
	d.cond = sync.NewCond(&d.mu)
	for range workers {
		d.wg.Add(1)
		go d.work()
	}
	return d
}

// validate is Inspera's validation POST to a new subscription's URL: an unsigned empty body,
// one attempt, 200 within the timeout.
func (d *dispatcher) validate(ctx context.Context, target string) bool {
	ctx, cancel := context.WithTimeout(ctx, d.s.opts.webhookTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, http.NoBody)
	if err != nil {
		return false
	}
	resp, err := d.client.Do(req)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// emitLocked queues ev for every subscription of its name that does not belong to the user who
// triggered it. The caller holds s.mu.
func (s *Server) emitLocked(ev event) {
	st := s.st
	p := Payload{EventName: ev.name, ContextObjectType: ev.contextType, AssociatedObjectType: ev.assocType,
		Timestamp: s.opts.now().UTC().Format(time.RFC3339), Org: s.opts.org, Instance: s.opts.tenant,
		Env: s.opts.env, ExamSystem: "INSPERA", TriggeringUserName: st.staffName[ev.by]}
	p.ContextObjectID = json.Number(ev.contextID)
	if _, err := strconv.ParseInt(ev.assocID, 10, 64); err == nil {
		p.AssociatedObjectID = json.Number(ev.assocID)
	} else if ev.assocID != "" {
		p.AssociatedObjectID = ev.assocID
	}
	if ev.by != 0 {
		p.TriggeringUserID = json.Number(ev.by.String())
	}
	body := jsonBytes(p)
	for _, id := range slices.Sorted(mapKeys(st.subs)) {
		sub := st.subs[id]
		if sub.EventName != ev.name || sub.UserID == ev.by {
			continue // Inspera sends nothing to the triggering user's own subscriptions
		}
		s.hook.enqueue(&outgoing{sub: sub.SubscriptionID, url: sub.URL, name: ev.name, body: body, sig: Sign(sub.secret, body)})
	}
}

func (d *dispatcher) enqueue(o *outgoing) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return
	}
	n := 1
	if d.s.opts.repeatRate > 0 && d.rng.Float64() < d.s.opts.repeatRate {
		n = 2
	}
	for range n {
		c := *o
		d.queue = append(d.queue, &c)
		d.pending++
	}
	d.cond.Broadcast()
}

func (d *dispatcher) work() {
	defer d.wg.Done()
	for {
		d.mu.Lock()
		for len(d.queue) == 0 && !d.closed {
			d.cond.Wait()
		}
		if d.closed {
			d.mu.Unlock()
			return
		}
		o := d.queue[0]
		d.queue = d.queue[1:]
		d.mu.Unlock()
		d.deliver(o)
	}
}

func (d *dispatcher) deliver(o *outgoing) {
	o.attempt++
	rec := Delivery{Subscription: o.sub, EventName: o.name, Body: o.body, Signature: o.sig, Attempt: o.attempt, At: d.s.opts.now()}
	ctx, cancel := context.WithTimeout(context.Background(), d.s.opts.webhookTimeout)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, o.url, bytes.NewReader(o.body))
	if err == nil {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(insperahook.SignatureHeader, o.sig)
		var resp *http.Response
		if resp, err = d.client.Do(req); err == nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
			rec.Status = resp.StatusCode
		}
	}
	cancel()
	if err != nil {
		rec.Err = err.Error()
	}
	d.s.logger().Info("insperatest: webhook delivery", "subscription", o.sub, "event", o.name, "attempt", o.attempt, "status", rec.Status)
	d.mu.Lock()
	defer d.mu.Unlock()
	d.log = append(d.log, rec)
	if len(d.log) > maxDeliveries {
		d.log = slices.Delete(d.log, 0, len(d.log)-maxDeliveries)
	}
	retries := d.s.opts.webhookRetries
	if rec.Status == http.StatusOK || o.attempt > len(retries) || d.closed {
		d.done()
		return
	}
	var t *time.Timer
	t = time.AfterFunc(retries[o.attempt-1], func() {
		d.mu.Lock()
		defer d.mu.Unlock()
		delete(d.timers, t)
		if d.closed {
			return
		}
		d.queue = append(d.queue, o)
		d.cond.Broadcast()
	})
	d.timers[t] = true
}

// done ends one pending delivery. The caller holds d.mu.
func (d *dispatcher) done() {
	d.pending--
	if d.pending == 0 {
		d.cond.Broadcast()
	}
}

// wait blocks until no delivery is queued, in flight or waiting to retry, or ctx ends.
func (d *dispatcher) wait(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() {
		d.mu.Lock()
		d.cond.Broadcast()
		d.mu.Unlock()
	})
	defer stop()
	d.mu.Lock()
	defer d.mu.Unlock()
	for d.pending > 0 && !d.closed && ctx.Err() == nil {
		d.cond.Wait()
	}
	return ctx.Err()
}

func (d *dispatcher) close() {
	d.mu.Lock()
	d.closed = true
	for t := range d.timers {
		t.Stop()
	}
	d.cond.Broadcast()
	d.mu.Unlock()
	d.wg.Wait()
}

// WaitDeliveries blocks until every event emitted so far has been delivered or given up on
// (its retries used), or ctx ends.
func (s *Server) WaitDeliveries(ctx context.Context) error { return s.hook.wait(ctx) }

// Deliveries returns the delivery attempts so far (the last 100,000), oldest first.
func (s *Server) Deliveries() []Delivery {
	s.hook.mu.Lock()
	defer s.hook.mu.Unlock()
	return slices.Clone(s.hook.log)
}
