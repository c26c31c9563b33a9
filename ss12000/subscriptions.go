package ss12000

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// SubscriptionManager keeps one webhook subscription alive: it creates it when missing,
// renews it before it expires, and removes it on request. Subscriptions are recognised by
// name and target, so several hosts (or restarts) do not pile up duplicates.
type SubscriptionManager struct {
	Client *Client
	Name   string
	Target string // the URL the service calls; the host's WebhookHandler serves it
	Types  []EndPointsEnum
	// RenewBefore is how long before expiry the subscription is renewed (default 1 hour).
	RenewBefore time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

func (m *SubscriptionManager) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

func (m *SubscriptionManager) renewBefore() time.Duration {
	if m.RenewBefore > 0 {
		return m.RenewBefore
	}
	return time.Hour
}

// find returns the live subscriptions with the manager's name and target.
func (m *SubscriptionManager) find(ctx context.Context) ([]Subscription, error) {
	var mine []Subscription
	for s, err := range m.Client.ListSubscriptions(ctx, nil) {
		if err != nil {
			var re *RecordError
			if errors.As(err, &re) {
				continue
			}
			return nil, err
		}
		if s.Name == m.Name && s.Target == m.Target {
			mine = append(mine, s)
		}
	}
	return mine, nil
}

// Ensure makes sure the subscription exists with the wanted types and is not about to expire,
// and returns it. A subscription whose types differ is replaced.
func (m *SubscriptionManager) Ensure(ctx context.Context) (*Subscription, error) {
	if m.Client == nil || m.Name == "" || m.Target == "" || len(m.Types) == 0 {
		return nil, errors.New("ss12000: SubscriptionManager needs a Client, Name, Target and Types")
	}
	mine, err := m.find(ctx)
	if err != nil {
		return nil, err
	}
	want := slices.Clone(m.Types)
	slices.Sort(want)
	var keep *Subscription
	for i := range mine {
		s := &mine[i]
		var have []EndPointsEnum
		for _, rt := range s.ResourceTypes {
			have = append(have, rt.Resource)
		}
		slices.Sort(have)
		if keep == nil && slices.Equal(have, want) {
			keep = s
			continue
		}
		// A duplicate, or one with other types: remove it.
		if err := m.Client.DeleteSubscription(ctx, s.ID); err != nil && !errors.Is(err, ErrNotFound) {
			return nil, err
		}
	}
	if keep == nil {
		req := CreateSubscription{Name: m.Name, Target: m.Target}
		for _, t := range m.Types {
			req.ResourceTypes = append(req.ResourceTypes, SubscriptionResourceType{Resource: t})
		}
		return m.Client.CreateSubscription(ctx, req)
	}
	if keep.Expires.Sub(m.now()) <= m.renewBefore() {
		return m.Client.RenewSubscription(ctx, keep.ID)
	}
	return keep, nil
}

// Run calls Ensure now and again shortly before each expiry until ctx ends. Errors are retried
// after retryAfter (default one minute) and reported to onError when it is not nil.
func (m *SubscriptionManager) Run(ctx context.Context, retryAfter time.Duration, onError func(error)) error {
	if retryAfter <= 0 {
		retryAfter = time.Minute
	}
	for {
		wait := retryAfter
		s, err := m.Ensure(ctx)
		switch {
		case err != nil && ctx.Err() != nil:
			return ctx.Err()
		case err != nil:
			if onError != nil {
				onError(fmt.Errorf("ss12000: keeping subscription %q: %w", m.Name, err))
			}
		default:
			wait = max(s.Expires.Sub(m.now())-m.renewBefore()+time.Second, time.Second)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// Remove deletes every subscription with the manager's name and target.
func (m *SubscriptionManager) Remove(ctx context.Context) error {
	mine, err := m.find(ctx)
	if err != nil {
		return err
	}
	for _, s := range mine {
		if err := m.Client.DeleteSubscription(ctx, s.ID); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
	}
	return nil
}
