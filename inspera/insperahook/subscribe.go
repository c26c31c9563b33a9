package insperahook

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/edusync/edusync/inspera"
)

// FlowEvents are the events the appeal, explanation and archive flows consume.
var FlowEvents = []string{inspera.EventConfirmFinalGrades, inspera.EventExplanationPublished,
	inspera.EventAppealGraded, inspera.EventSubmissionDelivered}

// SubscribeConfig says what Subscribe registers.
type SubscribeConfig struct {
	// Client is the subscribing user's client. Inspera never delivers events to a subscription
	// of the user who triggered them, so this must be another Inspera user than the one whose
	// key the flows write with.
	Client *inspera.Client
	// URL is where the Handler is reachable from Inspera (https).
	URL string
	// Events to subscribe to (default FlowEvents).
	Events []string
	// Secret signs the deliveries; configure the Handler with it.
	Secret Secret
	// Writer is the client the flows write with, and WriterUserID its Inspera user id when
	// known: Subscribe warns when the subscriber is the same user.
	Writer       *inspera.Client
	WriterUserID inspera.ID
	// Logger receives the warnings (default: none; they are in the result too).
	Logger *slog.Logger
}

// SubscribeResult is what Subscribe found and did.
type SubscribeResult struct {
	// Subscriptions are the URL's subscriptions, one per event, old and new.
	Subscriptions []inspera.Subscription
	// Created counts the new ones. An existing subscription keeps the secret it was
	// registered with: keep that secret in the Handler's until it is rotated.
	Created int
	// Warnings say what will keep events from arriving.
	Warnings []string
}

// ErrSameUser marks the warning that the subscribing and the writing user are the same.
var ErrSameUser = errors.New("insperahook: the subscribing user is the user the flows write as; Inspera sends no events about a user's own actions to that user's subscriptions")

// Subscribe registers cfg.URL for each event it is not subscribed to yet (Inspera validates the
// URL with a POST first, so the Handler must be serving it), and warns, in the result and the
// log, when the subscribing user is the writing user: Inspera would then withhold every event
// the flows' own writes cause.
func Subscribe(ctx context.Context, cfg SubscribeConfig) (*SubscribeResult, error) {
	if cfg.Client == nil || cfg.URL == "" || cfg.Secret.Value == "" {
		return nil, errors.New("insperahook: Subscribe needs a client, a URL and a secret")
	}
	events := cfg.Events
	if len(events) == 0 {
		events = FlowEvents
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	res := &SubscribeResult{}
	warn := func(msg string) {
		res.Warnings = append(res.Warnings, msg)
		logger.Warn(msg)
	}
	if inspera.SameUser(cfg.Client, cfg.Writer) {
		warn(ErrSameUser.Error())
	}
	have, err := cfg.Client.GetSubscriptions(ctx)
	if err != nil {
		return nil, err
	}
	for _, name := range events {
		found := false
		for _, s := range have {
			if s.EventName == name && s.URL == cfg.URL {
				res.Subscriptions = append(res.Subscriptions, s)
				found = true
				break
			}
		}
		if found {
			continue
		}
		s, err := cfg.Client.CreateSubscription(ctx, inspera.SubscriptionInput{EventName: name, URL: cfg.URL, Secret: cfg.Secret.Value})
		if err != nil {
			return res, fmt.Errorf("insperahook: subscribing to %s: %w", name, err)
		}
		res.Subscriptions = append(res.Subscriptions, *s)
		res.Created++
	}
	if cfg.WriterUserID != 0 && len(res.Warnings) == 0 {
		for _, s := range res.Subscriptions {
			if s.UserID == cfg.WriterUserID {
				warn(ErrSameUser.Error())
				break
			}
		}
	}
	return res, nil
}
