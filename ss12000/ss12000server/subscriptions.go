package ss12000server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/edusync/edusync/internal/apiquery"
	"github.com/edusync/edusync/internal/redact"
	"github.com/edusync/edusync/internal/ss12000serve"
	"github.com/edusync/edusync/internal/uuidtext"
	"github.com/edusync/edusync/ss12000"
	"github.com/edusync/edusync/store"
)

// Subscriptions belong to the receiver that made them: another receiver neither sees nor
// changes them. Their targets must lie under one of the receiver's CallbackURLs, so that the
// provider calls nowhere the host did not allow. They live for SubscriptionLifetime from their
// creation or last renewal (PATCH), and are gone after.
//
// A committed run that changed records of a type a subscription asked for queues one callback
// for it in the store queue, in the commit's own transaction, so that no change goes
// unannounced when the process stops; the callback lists the changed types (with
// deletedEntities when records were removed) in the receiver's spelling, and a failed one is
// repeated CallbackRetries times with doubling waits.

// storedSub is a subscription as the provider keeps it.
type storedSub struct {
	Sub      ss12000.Subscription `json:"sub"`
	Receiver string               `json:"receiver"`
}

// callbackMessage is a queued callback.
type callbackMessage struct {
	Sub     string                  `json:"sub"`
	Types   []ss12000.EndPointsEnum `json:"types"`
	Removed bool                    `json:"removed,omitempty"`
}

// allowsCallback reports whether a target lies under one of the receiver's callback URLs:
// same scheme and host, and a path at or below the allowed one.
func (rc *receiver) allowsCallback(target string) bool {
	t, err := url.Parse(target)
	if err != nil {
		return false
	}
	for _, prefix := range rc.cfg.CallbackURLs {
		a, err := url.Parse(prefix)
		if err != nil || !strings.EqualFold(a.Scheme, t.Scheme) || !strings.EqualFold(a.Host, t.Host) {
			continue
		}
		base := strings.TrimSuffix(a.Path, "/")
		if t.Path == base || strings.HasPrefix(t.Path, base+"/") || (base == "" && t.Path == "") {
			return true
		}
	}
	return false
}

func (p *Provider) createSubscription(w http.ResponseWriter, r *http.Request, q *request) {
	var cs ss12000.CreateSubscription
	if e := ss12000serve.DecodeWrite(r, &cs, false, "name", "resourceTypes", "target"); e != nil {
		e.Write(w)
		return
	}
	if bad := ss12000serve.ValidateSubscription(&cs); len(bad) > 0 {
		ss12000serve.Invalid(bad...).Write(w)
		return
	}
	if !q.recv.allowsCallback(cs.Target) {
		ss12000serve.WriteError(w, http.StatusForbidden, "target_not_allowed", "the target is not among the callback addresses allowed for this receiver")
		return
	}
	now := p.now()
	sub := ss12000.Subscription{ID: uuidtext.Random(), Name: cs.Name, Target: cs.Target, ResourceTypes: cs.ResourceTypes,
		Expires: now.Add(p.opts.SubscriptionLifetime).Truncate(time.Millisecond)}
	full := false
	err := p.st.Update(r.Context(), p.scope, func(tx store.Tx) error {
		live := 0
		if err := each(tx, pSub, func(key string, value []byte) error {
			var s storedSub
			if err := json.Unmarshal(value, &s); err != nil {
				return errEnvelope
			}
			if !now.Before(s.Sub.Expires) {
				return tx.DeleteValue(key) // expired: gone
			}
			if s.Receiver == q.recv.cfg.Name {
				live++
			}
			return nil
		}); err != nil {
			return err
		}
		if live >= p.opts.MaxSubscriptions {
			full = true
			return nil
		}
		return store.Put(tx, pSub+sub.ID, storedSub{Sub: sub, Receiver: q.recv.cfg.Name})
	})
	if err != nil {
		p.fail(w, r, q, err)
		return
	}
	if full {
		ss12000serve.WriteError(w, http.StatusForbidden, "too_many_subscriptions",
			"the receiver holds as many subscriptions as it may; delete one or let one expire")
		return
	}
	p.log.Info("ss12000server: subscription created", "receiver", q.recv.cfg.Name, "subscription", sub.ID)
	ss12000serve.WriteJSON(w, http.StatusCreated, sub)
}

// ownSub reads the receiver's live subscription with the request's id, or nil.
func (p *Provider) ownSub(tx store.Tx, q *request) (*storedSub, error) {
	raw, ok, err := get(tx, pSub+q.id)
	if err != nil || !ok {
		return nil, err
	}
	var s storedSub
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, errEnvelope
	}
	if s.Receiver != q.recv.cfg.Name || !p.now().Before(s.Sub.Expires) {
		return nil, nil
	}
	return &s, nil
}

func noQuery(w http.ResponseWriter, r *http.Request) bool {
	if len(r.URL.Query()) > 0 {
		badParam(w, "this operation takes no query parameters")
		return false
	}
	return true
}

func (p *Provider) getSubscription(w http.ResponseWriter, r *http.Request, q *request) {
	if !noQuery(w, r) {
		return
	}
	var s *storedSub
	err := p.st.View(r.Context(), p.scope, func(tx store.Tx) (err error) {
		s, err = p.ownSub(tx, q)
		return err
	})
	p.answerSub(w, r, q, s, err, http.StatusOK)
}

func (p *Provider) answerSub(w http.ResponseWriter, r *http.Request, q *request, s *storedSub, err error, status int) {
	switch {
	case err != nil:
		p.fail(w, r, q, err)
	case s == nil:
		ss12000serve.WriteError(w, http.StatusNotFound, "not_found", "no live subscription with this id")
	case status == http.StatusNoContent:
		w.WriteHeader(status)
	default:
		ss12000serve.WriteJSON(w, status, s.Sub)
	}
}

// renewSubscription moves a live subscription's expiry to SubscriptionLifetime from now.
func (p *Provider) renewSubscription(w http.ResponseWriter, r *http.Request, q *request) {
	if !noQuery(w, r) {
		return
	}
	var s *storedSub
	err := p.st.Update(r.Context(), p.scope, func(tx store.Tx) (err error) {
		if s, err = p.ownSub(tx, q); err != nil || s == nil {
			return err
		}
		s.Sub.Expires = p.now().Add(p.opts.SubscriptionLifetime).Truncate(time.Millisecond)
		return store.Put(tx, pSub+s.Sub.ID, s)
	})
	p.answerSub(w, r, q, s, err, http.StatusOK)
}

func (p *Provider) deleteSubscription(w http.ResponseWriter, r *http.Request, q *request) {
	if !noQuery(w, r) {
		return
	}
	var s *storedSub
	err := p.st.Update(r.Context(), p.scope, func(tx store.Tx) (err error) {
		if s, err = p.ownSub(tx, q); err != nil || s == nil {
			return err
		}
		return tx.DeleteValue(pSub + s.Sub.ID)
	})
	if s != nil && err == nil {
		p.log.Info("ss12000server: subscription deleted", "receiver", q.recv.cfg.Name, "subscription", s.Sub.ID)
	}
	p.answerSub(w, r, q, s, err, http.StatusNoContent)
}

// listSubscriptions lists the receiver's live subscriptions, paged like the lists.
func (p *Provider) listSubscriptions(w http.ResponseWriter, r *http.Request, q *request) {
	qs := r.URL.Query()
	after, limit := "", 0
	if _, cont := qs["pageToken"]; cont {
		c, n, ok := p.continuation(w, r, q, "subscriptions")
		if !ok {
			return
		}
		after, limit = c.After, n
	} else {
		var params ss12000.ListSubscriptionsParams
		if err := apiquery.Decode(qs, &params, true); err != nil {
			badParam(w, ss12000serve.Trim(err.Error()))
			return
		}
		var ok bool
		if limit, ok = ss12000serve.PageLimit(qs["limit"], p.opts.DefaultLimit, p.opts.MaxLimit); !ok {
			badParam(w, ss12000serve.MsgLimit)
			return
		}
	}
	var items [][]byte
	last, more := after, false
	now := p.now()
	err := p.st.View(r.Context(), p.scope, func(tx store.Tx) error {
		return each(tx, pSub, func(key string, value []byte) error {
			if key <= after || more {
				return nil
			}
			var s storedSub
			if err := json.Unmarshal(value, &s); err != nil {
				return errEnvelope
			}
			if s.Receiver != q.recv.cfg.Name || !now.Before(s.Sub.Expires) {
				return nil
			}
			if len(items) == limit {
				more = true
				return nil
			}
			b, err := json.Marshal(s.Sub)
			items = append(items, b)
			last = key
			return err
		})
	})
	if err != nil {
		p.fail(w, r, q, err)
		return
	}
	next := cursor{Path: "subscriptions", Recv: q.recv.cfg.Name, After: last, Limit: limit}
	writePage(w, items, p.nextToken(&next, more))
}

// Subscriptions returns the live subscriptions of every receiver, by id, for the host.
func (p *Provider) Subscriptions(ctx context.Context) ([]Subscription, error) {
	var out []Subscription
	now := p.now()
	err := p.st.View(ctx, p.scope, func(tx store.Tx) error {
		return each(tx, pSub, func(_ string, value []byte) error {
			var s storedSub
			if err := json.Unmarshal(value, &s); err != nil {
				return errEnvelope
			}
			if now.Before(s.Sub.Expires) {
				out = append(out, Subscription{Subscription: s.Sub, Receiver: s.Receiver})
			}
			return nil
		})
	})
	return out, err
}

// Subscription is a live subscription and the receiver that made it.
type Subscription struct {
	ss12000.Subscription
	Receiver string `json:"receiver"`
}

// callbackOrder is the order changed types are listed in callbacks.
var callbackOrder = []ss12000.EndPointsEnum{ss12000.EndPointsOrganisation, ss12000.EndPointsPerson,
	ss12000.EndPointsDuty, ss12000.EndPointsGroup, ss12000.EndPointsActivity}

// queueCallbacks queues, in the commit's transaction, one callback per live subscription
// interested in a type the run changed.
func (c *committer) queueCallbacks() error {
	if len(c.changed) == 0 {
		return nil
	}
	return each(c.tx, pSub, func(_ string, value []byte) error {
		var s storedSub
		if err := json.Unmarshal(value, &s); err != nil {
			return errEnvelope
		}
		if !c.stamp.Before(s.Sub.Expires) {
			return nil
		}
		m := callbackMessage{Sub: s.Sub.ID}
		for _, ep := range callbackOrder {
			if c.changed[ep] && ss12000serve.Interested(&s.Sub, ep) {
				m.Types = append(m.Types, ep)
				m.Removed = m.Removed || c.removed[ep]
			}
		}
		if len(m.Types) == 0 {
			return nil
		}
		payload, err := json.Marshal(m)
		if err != nil {
			return err
		}
		c.callbacks++
		_, err = c.tx.Enqueue(store.Message{Key: fmt.Sprintf("cb/%s/%d", s.Sub.ID, c.r.gen), Payload: payload,
			MaxAttempts: 1 + c.p.opts.CallbackRetries})
		return err
	})
}

// callbacks delivers the queued callbacks in the background: at once after a commit, and
// the repetitions of failed ones when they are due.
type callbacks struct {
	p      *Provider
	w      store.Worker
	ctx    context.Context
	cancel context.CancelFunc
	wakeCh chan struct{}
	wg     sync.WaitGroup
}

// callbackPoll is how often the queue is looked at for repetitions that have come due.
const callbackPoll = time.Second

func newCallbacks(p *Provider) *callbacks {
	ctx, cancel := context.WithCancel(context.Background())
	c := &callbacks{p: p, ctx: ctx, cancel: cancel, wakeCh: make(chan struct{}, 1)}
	c.w = store.Worker{Store: p.st, Scope: p.scope, Handle: c.deliver, Batch: 8, Concurrency: 4,
		Visibility: 2 * p.opts.CallbackTimeout, RetryBase: p.opts.CallbackBackoff,
		RetryMax: max(p.opts.CallbackBackoff, 10*time.Minute), Now: p.opts.Now, Logger: p.log}
	c.wg.Add(1)
	go c.loop()
	return c
}

func (c *callbacks) wake() {
	select {
	case c.wakeCh <- struct{}{}:
	default:
	}
}

func (c *callbacks) close() {
	c.cancel()
	c.wg.Wait()
}

func (c *callbacks) loop() {
	defer c.wg.Done()
	t := time.NewTicker(callbackPoll)
	defer t.Stop()
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-c.wakeCh:
		case <-t.C:
		}
		if _, err := c.w.Drain(c.ctx); err != nil && c.ctx.Err() == nil {
			c.p.log.Warn("ss12000server: delivering callbacks", "error", redact.Text(err.Error()))
		}
	}
}

// deliver makes one callback; a failure is repeated by the queue until it dead-letters it.
func (c *callbacks) deliver(ctx context.Context, d store.Delivery) error {
	var m callbackMessage
	if err := json.Unmarshal(d.Payload, &m); err != nil {
		return store.Permanent(err)
	}
	p := c.p
	var s *storedSub
	err := p.st.View(ctx, p.scope, func(tx store.Tx) error {
		raw, ok, err := get(tx, pSub+m.Sub)
		if err != nil || !ok {
			return err
		}
		s = new(storedSub)
		return json.Unmarshal(raw, s)
	})
	if err != nil {
		return err
	}
	if s == nil || !p.now().Before(s.Sub.Expires) {
		return nil // nobody to call
	}
	sp := StandardSpelling
	for _, r := range p.recvs {
		if r.cfg.Name == s.Receiver {
			sp = r.cfg.Spelling
		}
	}
	note := ss12000serve.Notification(m.Types, m.Removed, sp)
	if err := ss12000serve.PostCallback(ctx, p.opts.CallbackClient, s.Sub.Target, note); err != nil {
		// The error of a failed request quotes the target, which may carry a secret of the
		// receiver's: keep only the cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		err = fmt.Errorf("callback to subscription %s failed: %s", s.Sub.ID, redact.Text(err.Error()))
		p.log.Warn("ss12000server: a callback failed", "subscription", s.Sub.ID, "receiver", s.Receiver,
			"attempt", d.Attempt, "error", err.Error())
		return err
	}
	p.log.Info("ss12000server: callback delivered", "subscription", s.Sub.ID, "receiver", s.Receiver, "attempt", d.Attempt)
	return nil
}
