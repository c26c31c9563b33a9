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
// and returns it. A subscription whose types differ is replaced: the new one is made before
// the old one is removed, so no notification falls between them. Of several subscriptions
// with the wanted types (two hosts, or a restart between create and save) the one that lives
// longest is kept and the others are removed.
func (m *SubscriptionManager) Ensure(ctx context.Context) (*Subscription, error) {
	if m.Client == nil || m.Name == "" || m.Target == "" || len(m.Types) == 0 {
		return nil, errors.New("ss12000: SubscriptionManager needs a Client, Name, Target and Types")
	}
	mine, err := m.find(ctx)
	if err != nil {
		return nil, err
	}
	want := typeSet(m.Types)
	var keep *Subscription
	for i := range mine {
		s := &mine[i]
		var have []EndPointsEnum
		for _, rt := range s.ResourceTypes {
			have = append(have, rt.Resource)
		}
		if slices.Equal(typeSet(have), want) && (keep == nil || s.Expires.After(keep.Expires)) {
			keep = s
		}
	}
	var out *Subscription
	switch {
	case keep == nil:
		out, err = m.create(ctx, want)
	case keep.Expires.Sub(m.now()) <= m.renewBefore():
		out, err = m.Client.RenewSubscription(ctx, keep.ID)
		if errors.Is(err, ErrNotFound) {
			// It expired between the listing and the renewal.
			out, err = m.create(ctx, want)
		}
	default:
		out = keep
	}
	if err != nil {
		return nil, err
	}
	// Duplicates, and ones with other types: remove them.
	for _, s := range mine {
		if s.ID == out.ID {
			continue
		}
		if err := m.Client.DeleteSubscription(ctx, s.ID); err != nil && !errors.Is(err, ErrNotFound) {
			return nil, err
		}
	}
	return out, nil
}

func (m *SubscriptionManager) create(ctx context.Context, types []EndPointsEnum) (*Subscription, error) {
	req := CreateSubscription{Name: m.Name, Target: m.Target}
	for _, t := range types {
		req.ResourceTypes = append(req.ResourceTypes, SubscriptionResourceType{Resource: t})
	}
	return m.Client.CreateSubscription(ctx, req)
}

// typeSet returns the types sorted, each once.
func typeSet(types []EndPointsEnum) []EndPointsEnum {
	out := slices.Clone(types)
	slices.Sort(out)
	return slices.Compact(out)
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
			// Wake up a little after the renewal window opens, so Ensure renews, and well
			// before the expiry (a slack of a second would outlast a short RenewBefore).
			rb := m.renewBefore()
			slack := min(time.Second, rb/4)
			wait = max(s.Expires.Sub(m.now())-rb+slack, slack)
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
