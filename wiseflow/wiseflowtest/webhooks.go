package wiseflowtest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/edusync/edusync/wiseflow"
)

// MaxWebhooks is how many webhooks a licence may have.
const MaxWebhooks = 10

// TestEvent is the event of the call TestWebhook makes.
const TestEvent = "TEST"

type webhookRec struct {
	hook   wiseflow.Webhook
	secret []byte
}

func (s *Server) webhookOf(w http.ResponseWriter, r *http.Request) (*webhookRec, bool) {
	id, _ := pathID(r, "webhookId")
	h := s.data.webhooks[id]
	if h == nil {
		writeError(w, r, http.StatusNotFound, "WEBHOOK_NOT_FOUND", "Webhook not found")
		return nil, false
	}
	return h, true
}

// checkHookURL accepts https URLs, and http to a loopback address (tests and sandboxes).
func checkHookURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return false
	}
	if u.Scheme == "https" {
		return true
	}
	ip := net.ParseIP(u.Hostname())
	return u.Scheme == "http" && (u.Hostname() == "localhost" || (ip != nil && ip.IsLoopback()))
}

func validEvents(events []wiseflow.WebhookEvent) bool {
	if len(events) == 0 {
		return false
	}
	for _, e := range events {
		if !e.Valid() {
			return false
		}
	}
	return true
}

func (s *Server) getWebhooks(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []wiseflow.Webhook{}
	for _, id := range s.data.hookIDs {
		out = append(out, s.data.webhooks[id].hook)
	}
	ok2(w, out)
}

func (s *Server) getWebhook(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if h, found := s.webhookOf(w, r); found {
		ok2(w, h.hook)
	}
}

func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request) {
	var req wiseflow.NewWebhook
	if !decode(w, r, &req) {
		return
	}
	if !checkHookURL(req.URL) || !validEvents(req.Events) || req.Secret == "" {
		writeError(w, r, http.StatusBadRequest, "INVALID_WEBHOOK", "a webhook needs an https url, a secret and known events")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.data.hookIDs) >= MaxWebhooks {
		writeError(w, r, http.StatusBadRequest, "WEBHOOK_LIMIT", "the number of webhooks on the license would exceed the limit")
		return
	}
	now := s.data.now().UTC().Truncate(time.Second)
	active := true
	if req.Active != nil {
		active = *req.Active
	}
	h := &webhookRec{secret: []byte(req.Secret), hook: wiseflow.Webhook{ID: s.data.id(), Title: req.Title, URL: req.URL,
		Active: active, Events: slices.Clone(req.Events), CreatedAt: now, UpdatedAt: now}}
	s.data.webhooks[h.hook.ID] = h
	s.data.hookIDs = append(s.data.hookIDs, h.hook.ID)
	s.data.write(Write{Operation: "createWebhook", ID: h.hook.ID, Created: true})
	ok(w, http.StatusCreated, h.hook)
}

func (s *Server) updateWebhook(w http.ResponseWriter, r *http.Request) {
	var req wiseflow.WebhookUpdate
	if !decode(w, r, &req) {
		return
	}
	if (req.URL != "" && !checkHookURL(req.URL)) || (req.Events != nil && !validEvents(req.Events)) {
		writeError(w, r, http.StatusBadRequest, "INVALID_WEBHOOK", "a webhook needs an https url and known events")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	h, found := s.webhookOf(w, r)
	if !found {
		return
	}
	if req.Title != "" {
		h.hook.Title = req.Title
	}
	if req.URL != "" {
		h.hook.URL = req.URL
	}
	if req.Active != nil {
		h.hook.Active = *req.Active
	}
	if req.Events != nil {
		h.hook.Events = slices.Clone(req.Events)
	}
	h.hook.UpdatedAt = s.data.now().UTC().Truncate(time.Second)
	s.data.write(Write{Operation: "updateWebhook", ID: h.hook.ID})
	ok2(w, h.hook)
}

func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h, found := s.webhookOf(w, r)
	if !found {
		return
	}
	delete(s.data.webhooks, h.hook.ID)
	s.data.hookIDs = slices.DeleteFunc(s.data.hookIDs, func(id int64) bool { return id == h.hook.ID })
	s.data.write(Write{Operation: "deleteWebhook", ID: h.hook.ID})
	ok2(w, nil)
}

func (s *Server) testWebhook(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h, found := s.webhookOf(w, r)
	if !found {
		return
	}
	s.hooks.send(h, s.call(TestEvent, wiseflow.WebhookPayload{}))
	ok2(w, nil)
}

// call builds a webhook call (s.mu held).
func (s *Server) call(event string, p wiseflow.WebhookPayload) wiseflow.WebhookCall {
	s.data.seq++
	return wiseflow.WebhookCall{ID: randomHex(16), Event: event, EventVersion: "1", LicenseID: s.opts.licenseID,
		SequenceNumber: s.data.seq, CallTime: s.data.now().UTC().Format(time.RFC3339), Payload: p}
}

// emit sends an event to every active webhook subscribed to it (s.mu held).
func (s *Server) emit(event wiseflow.WebhookEvent, p wiseflow.WebhookPayload) {
	var call *wiseflow.WebhookCall
	for _, id := range s.data.hookIDs {
		h := s.data.webhooks[id]
		if !h.hook.Active || !slices.Contains(h.hook.Events, event) {
			continue
		}
		if call == nil {
			c := s.call(string(event), p)
			call = &c
		}
		s.hooks.send(h, *call)
	}
}

// emitExplanation sends a change of a grade-explanation request. WISEflow 1.34.0 lists no
// event of its own for these (its help pages describe an older grade.justification event with
// this payload); the fake sends them to the webhooks subscribed to ASSESSMENT.
func (s *Server) emitExplanation(flowID int64, e *wiseflow.ExplanationRequest) {
	s.emit(wiseflow.WebhookEventASSESSMENT, wiseflow.WebhookPayload{FlowID: flowID, ExplanationRequestID: e.ExplanationID,
		ParticipantID: e.Participant.ParticipantID, AssessorID: e.AssignedAssessor.AssessorID})
}

// Delivery is one webhook call the fake made (see Deliveries).
type Delivery struct {
	WebhookID int64
	Call      wiseflow.WebhookCall
	// Attempt counts the calls of this id, from 1.
	Attempt int
	// Status is the subscriber's answer; 0 when it gave none.
	Status int
	At     time.Time
}

// Deliveries returns every webhook call made, oldest first.
func (s *Server) Deliveries() []Delivery {
	s.hooks.mu.Lock()
	defer s.hooks.mu.Unlock()
	return slices.Clone(s.hooks.log)
}

// WaitDeliveries waits until no webhook call is being made or waiting for its retry, or ctx
// ends.
func (s *Server) WaitDeliveries(ctx context.Context) error {
	for {
		s.hooks.mu.Lock()
		n := s.hooks.pending
		s.hooks.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// deliverer makes webhook calls in the background: each is signed with its webhook's secret
// and retried until answered 2xx or its calls run out.
type deliverer struct {
	s    *Server
	done chan struct{}
	wg   sync.WaitGroup

	mu      sync.Mutex
	log     []Delivery
	pending int
}

func newDeliverer(s *Server) *deliverer { return &deliverer{s: s, done: make(chan struct{})} }

func (d *deliverer) close() {
	close(d.done)
	d.wg.Wait()
}

// send starts the delivery of call to h (s.mu held: the webhook is copied).
func (d *deliverer) send(h *webhookRec, call wiseflow.WebhookCall) {
	body, err := json.Marshal(call)
	if err != nil {
		return
	}
	target, secret, hookID := h.hook.URL, slices.Clone(h.secret), h.hook.ID
	opts := d.s.opts
	d.mu.Lock()
	d.pending++
	d.mu.Unlock()
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		defer func() { d.mu.Lock(); d.pending--; d.mu.Unlock() }()
		for attempt := 1; attempt <= max(opts.webhookRetries, 1); attempt++ {
			if attempt > 1 {
				select {
				case <-d.done:
					return
				case <-time.After(opts.webhookInterval):
				}
			}
			status := d.post(target, secret, body, opts)
			d.mu.Lock()
			d.log = append(d.log, Delivery{WebhookID: hookID, Call: call, Attempt: attempt, Status: status, At: opts.now()})
			d.mu.Unlock()
			if status >= 200 && status < 300 {
				return
			}
		}
	}()
}

// post makes one call and returns the answer's status (0 when none came).
func (d *deliverer) post(target string, secret, body []byte, opts options) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-d.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return 0
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "wiseflowtest-webhooks")
	req.Header.Set(headerOr(opts.signature.Header), opts.signature.Sign(secret, body))
	resp, err := opts.webhookClient.Do(req)
	if err != nil {
		return 0
	}
	_, _ = io.CopyN(io.Discard, resp.Body, 1<<10) // WISEflow keeps 1 KB of an answer
	_ = resp.Body.Close()
	return resp.StatusCode
}

func headerOr(h string) string {
	if h == "" {
		return wiseflow.DefaultSignatureHeader
	}
	return h
}
