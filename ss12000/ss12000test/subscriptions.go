package ss12000test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/edusync/edusync/internal/apiquery"
	"github.com/edusync/edusync/internal/redact"
	"github.com/edusync/edusync/internal/ss12000serve"
	"github.com/edusync/edusync/internal/uuidtext"
	"github.com/edusync/edusync/ss12000"
)

// live reports whether sub has not expired at now.
func live(sub *ss12000.Subscription, now time.Time) bool { return now.Before(sub.Expires) }

// subscriptionLocked returns the live subscription with id; the caller holds s.mu. Expired
// subscriptions are forgotten, as services do.
func (s *Server) subscriptionLocked(id string, now time.Time) *ss12000.Subscription {
	sub := s.subs[id]
	if sub == nil || !live(sub, now) {
		return nil
	}
	return sub
}

func (s *Server) createSubscription(w http.ResponseWriter, r *http.Request) {
	var c ss12000.CreateSubscription
	if e := decodeWrite(r, &c, "name", "resourceTypes", "target"); e != nil {
		e.Write(w)
		return
	}
	if bad := ss12000serve.ValidateSubscription(&c); len(bad) > 0 {
		invalid(bad...).Write(w)
		return
	}
	now := s.now()
	sub := &ss12000.Subscription{
		ID: uuidtext.Random(), Name: c.Name, Target: c.Target, ResourceTypes: slices.Clone(c.ResourceTypes),
		Expires: now.Add(s.opts.subLifetime),
	}
	s.mu.Lock()
	s.subs[sub.ID] = sub
	cp := *sub
	s.mu.Unlock()
	s.obs.write(Write{Operation: "createSubscription", ID: sub.ID, At: now})
	writeJSON(w, http.StatusCreated, cp)
}

func (s *Server) listSubscriptions(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if _, ok := q["pageToken"]; ok {
		s.continuePage(w, r)
		return
	}
	var p ss12000.ListSubscriptionsParams
	if err := apiquery.Decode(q, &p, true); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_parameter", trimMsg(err.Error()))
		return
	}
	limit, ok := s.pageLimit(q["limit"], s.opts.defaultLimit)
	if !ok {
		writeError(w, http.StatusBadRequest, "invalid_parameter", ss12000serve.MsgLimit)
		return
	}
	now := s.now()
	s.mu.RLock()
	var ids []string
	for id, sub := range s.subs {
		if live(sub, now) {
			ids = append(ids, id)
		}
	}
	s.mu.RUnlock()
	slices.Sort(ids)
	s.startListing(w, r, &snapshot{n: len(ids), limit: limit, write: func(buf *bytes.Buffer, lo, hi int) {
		var docs [][]byte
		now := s.now()
		s.mu.RLock()
		for _, id := range ids[lo:hi] {
			if sub := s.subscriptionLocked(id, now); sub != nil {
				b, _ := json.Marshal(sub)
				docs = append(docs, b)
			}
		}
		s.mu.RUnlock()
		writeArray(buf, docs)
	}})
}

func (s *Server) getSubscription(w http.ResponseWriter, r *http.Request) {
	if len(r.URL.Query()) > 0 {
		writeError(w, http.StatusBadRequest, "invalid_parameter", "this operation takes no query parameters")
		return
	}
	s.mu.RLock()
	sub := s.subscriptionLocked(r.PathValue("id"), s.now())
	var cp ss12000.Subscription
	if sub != nil {
		cp = *sub
	}
	s.mu.RUnlock()
	if sub == nil {
		writeError(w, http.StatusNotFound, "not_found", "no live subscription with this id")
		return
	}
	writeJSON(w, http.StatusOK, cp)
}

// renewSubscription extends a live subscription by the subscription lifetime from now.
func (s *Server) renewSubscription(w http.ResponseWriter, r *http.Request) {
	if len(r.URL.Query()) > 0 {
		writeError(w, http.StatusBadRequest, "invalid_parameter", "this operation takes no query parameters")
		return
	}
	now := s.now()
	s.mu.Lock()
	sub := s.subscriptionLocked(r.PathValue("id"), now)
	var cp ss12000.Subscription
	if sub != nil {
		sub.Expires = now.Add(s.opts.subLifetime)
		cp = *sub
	}
	s.mu.Unlock()
	if sub == nil {
		writeError(w, http.StatusNotFound, "not_found", "no live subscription with this id")
		return
	}
	s.obs.write(Write{Operation: "renewSubscription", ID: cp.ID, At: now})
	writeJSON(w, http.StatusOK, cp)
}

func (s *Server) deleteSubscription(w http.ResponseWriter, r *http.Request) {
	if len(r.URL.Query()) > 0 {
		writeError(w, http.StatusBadRequest, "invalid_parameter", "this operation takes no query parameters")
		return
	}
	id := r.PathValue("id")
	now := s.now()
	s.mu.Lock()
	sub := s.subscriptionLocked(id, now)
	delete(s.subs, id)
	s.mu.Unlock()
	if sub == nil {
		writeError(w, http.StatusNotFound, "not_found", "no live subscription with this id")
		return
	}
	s.obs.write(Write{Operation: "deleteSubscription", ID: id, At: now})
	w.WriteHeader(http.StatusNoContent)
}

// Subscriptions returns the live subscriptions, by id.
func (s *Server) Subscriptions() []ss12000.Subscription {
	now := s.now()
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []ss12000.Subscription
	for _, sub := range s.subs {
		if live(sub, now) {
			out = append(out, *sub)
		}
	}
	slices.SortFunc(out, func(a, b ss12000.Subscription) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// notifier calls subscribers back. Changes are collected for the callback window and then
// each live subscription whose types changed gets one callback listing them, so a burst of
// changes makes one call. A mutation never waits for it.
type notifier struct {
	s       *Server
	mu      sync.Mutex
	changes map[*kind]bool // kind -> removed (true if any removal)
	wake    chan struct{}
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	started bool
	closed  bool
	client  *http.Client
}

func newNotifier(s *Server) *notifier {
	ctx, cancel := context.WithCancel(context.Background())
	c := s.opts.callbackClient
	if c == nil {
		c = &http.Client{Timeout: 5 * time.Second}
	}
	return &notifier{s: s, changes: map[*kind]bool{}, wake: make(chan struct{}, 1), ctx: ctx, cancel: cancel, client: c}
}

// changed notes a change of kind k; the collecting goroutine starts with the first change.
func (n *notifier) changed(k *kind, removed bool) {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return
	}
	n.changes[k] = n.changes[k] || removed
	if !n.started {
		n.started = true
		n.wg.Add(1)
		go n.loop()
	}
	n.mu.Unlock()
	select {
	case n.wake <- struct{}{}:
	default:
	}
}

func (n *notifier) close() {
	n.mu.Lock()
	n.closed = true
	n.mu.Unlock()
	n.cancel()
	n.wg.Wait()
}

func (n *notifier) loop() {
	defer n.wg.Done()
	for {
		select {
		case <-n.ctx.Done():
			return
		case <-n.wake:
		}
		if !sleep(n.ctx, n.s.opts.window) {
			return
		}
		n.mu.Lock()
		changes := n.changes
		n.changes = map[*kind]bool{}
		n.mu.Unlock()
		n.dispatch(changes)
	}
}

// dispatch makes one callback per live subscription interested in the changes.
func (n *notifier) dispatch(changes map[*kind]bool) {
	if len(changes) == 0 {
		return
	}
	s := n.s
	now := s.now()
	s.mu.RLock()
	var subs []ss12000.Subscription
	for _, sub := range s.subs {
		if live(sub, now) {
			subs = append(subs, *sub)
		}
	}
	s.mu.RUnlock()
	slices.SortFunc(subs, func(a, b ss12000.Subscription) int { return strings.Compare(a.ID, b.ID) })
	for _, sub := range subs {
		var types []ss12000.EndPointsEnum
		removed := false
		for _, k := range kinds {
			rem, ok := changes[k]
			if !ok || !ss12000serve.Interested(&sub, k.ep) {
				continue
			}
			types = append(types, k.ep)
			removed = removed || rem
		}
		if len(types) == 0 {
			continue
		}
		note := ss12000serve.Notification(types, removed, s.opts.notifySpelling)
		n.wg.Add(1)
		go n.deliver(sub, note)
	}
}

// deliver POSTs the notification to the subscription's target, repeating a failure
// (connection error or non-2xx) up to the configured number of times with doubling waits.
func (n *notifier) deliver(sub ss12000.Subscription, note ss12000.SubscriptionNotification) {
	defer n.wg.Done()
	cb := Callback{SubscriptionID: sub.ID, Target: sub.Target, Notification: note}
	wait := n.s.opts.retryBackoff
	for attempt := 0; attempt <= n.s.opts.retries; attempt++ {
		if attempt > 0 {
			if !sleep(n.ctx, wait) {
				break
			}
			wait *= 2
		}
		cb.Attempts++
		if ss12000serve.PostCallback(n.ctx, n.client, sub.Target, note) == nil {
			cb.Delivered = true
			break
		}
		if n.ctx.Err() != nil {
			break
		}
	}
	if !cb.Delivered {
		if u, err := url.Parse(sub.Target); err == nil {
			n.s.logWarn("ss12000test: subscription callback failed", "subscription", sub.ID, "target", redact.URL(u), "attempts", cb.Attempts)
		}
	}
	n.s.obs.mu.Lock()
	n.s.obs.callbacks = append(n.s.obs.callbacks, cb)
	n.s.obs.mu.Unlock()
}

// sleep waits d or until ctx ends; it reports whether the wait ran out normally.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
