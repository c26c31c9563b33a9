package inspera

import (
	"context"
	"errors"
	"net/http"

	"github.com/edusync/edusync/internal/apiclient"
)

// Event names (GetSubscriptionEvents lists what a tenant offers). Inspera documents
// confirm_final_grades and submissions_export_finished; the others are the names
// openapi/inspera.yaml infers for the events Sikt's appeal, explanation and archive flows
// consume, and may differ on a real tenant: take them from GetSubscriptionEvents.
const (
	// EventConfirmFinalGrades: a committee confirmed final grades on a test (contextObjectId).
	EventConfirmFinalGrades = "confirm_final_grades"
	// EventSubmissionsExportFinished: a file export job finished.
	EventSubmissionsExportFinished = "submissions_export_finished"
	// EventExplanationPublished: an explanation of a grade was sent to the candidate
	// (associatedObjectId is the candidate's user id).
	EventExplanationPublished = "explanation_published"
	// EventAppealGraded: an appeal round was graded (associatedObjectId: the candidate).
	EventAppealGraded = "appeal_graded"
	// EventSubmissionDelivered: a candidate handed in (a thesis).
	EventSubmissionDelivered = "submission_delivered"
)

// GetSubscriptionEvents returns the event types the tenant offers webhooks for.
func (c *Client) GetSubscriptionEvents(ctx context.Context) ([]EventType, error) {
	var out []EventType
	if err := c.core.Call(ctx, &apiclient.Request{Path: "/v1/subscription/events"}, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// GetSubscriptions returns the subscriptions of the client's user.
func (c *Client) GetSubscriptions(ctx context.Context) ([]Subscription, error) {
	var out []Subscription
	if err := c.core.Call(ctx, &apiclient.Request{Path: "/v1/subscription"}, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// CreateSubscription subscribes in.URL to in.EventName, its deliveries signed with in.Secret.
// Inspera first POSTs to the URL and registers the subscription only if that answers 200
// within its timeout (else ErrValidationFailed): start the receiver first. Events triggered by
// the client's own user are never delivered to it, so subscribe with another user than the one
// whose key writes (inspera/insperahook.Subscribe checks). The secret is masked in errors and
// logs from here on. After a lost answer the client looks for the subscription among the
// user's before sending the request again, so none is made twice.
func (c *Client) CreateSubscription(ctx context.Context, in SubscriptionInput) (*Subscription, error) {
	if in.EventName == "" || in.URL == "" || in.Secret == "" {
		return nil, c.core.Errorf("CreateSubscription: %w", errorString("event name, URL and secret are required"))
	}
	c.core.AddSecrets(in.Secret)
	for attempt := 1; ; attempt++ {
		var out Subscription
		err := c.core.Call(ctx, &apiclient.Request{Method: http.MethodPost, Path: "/v1/subscription", Body: in}, &out)
		if err == nil {
			return &out, nil
		}
		var ae *APIError
		if errors.As(err, &ae) || ctx.Err() != nil || attempt == 3 {
			return nil, err
		}
		// No answer: the subscription may exist. Look before asking again.
		subs, lerr := c.GetSubscriptions(ctx)
		if lerr != nil {
			return nil, err
		}
		for i := range subs {
			if subs[i].EventName == in.EventName && subs[i].URL == in.URL {
				return &subs[i], nil
			}
		}
	}
}

// DeleteSubscription ends a subscription. One that is gone already is ErrNotFound.
func (c *Client) DeleteSubscription(ctx context.Context, id ID) error {
	return c.core.Call(ctx, &apiclient.Request{Method: http.MethodDelete, Path: "/v1/subscription/" + id.String()}, nil)
}
