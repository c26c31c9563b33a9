package wiseflow

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"github.com/edusync/edusync/apierror"
	"github.com/edusync/edusync/internal/apiclient"
)

func webhookID(w *Webhook) int64 { return w.ID }

// GetWebhooks returns every webhook of the licence (one answer, no paging).
func (c *Client) GetWebhooks(ctx context.Context) ([]Webhook, error) {
	return whole(ctx, c, &apiclient.Request{Path: "/webhooks"}, "data", webhookID)
}

// GetWebhook reads one webhook.
func (c *Client) GetWebhook(ctx context.Context, webhookID int64) (Webhook, error) {
	var w Webhook
	if err := checkID("webhook id", webhookID); err != nil {
		return w, err
	}
	_, err := callEnvelope(ctx, c, &apiclient.Request{Path: "/webhooks/" + id(webhookID)}, &w)
	return w, err
}

// createTries is how often CreateWebhook sends its request when answers are lost.
const createTries = 3

// CreateWebhook subscribes w.URL (https) to w.Events; WISEflow signs every call with w.Secret
// (see Signature). A create is not repeated blindly: when its answer is lost, the webhooks
// are read and one with the same URL, title and events is taken as the one just made, so a
// lost answer never leaves two subscriptions behind.
func (c *Client) CreateWebhook(ctx context.Context, w NewWebhook) (Webhook, error) {
	if w.URL == "" || len(w.Events) == 0 {
		return Webhook{}, errors.New("wiseflow: a webhook needs a URL and at least one event")
	}
	var last error
	for try := range createTries {
		if try > 0 {
			if found, ok, err := c.findWebhook(ctx, w); err == nil && ok {
				return found, nil
			}
		}
		var out Webhook
		_, err := callEnvelope(ctx, c, &apiclient.Request{Method: http.MethodPost, Path: "/webhooks", Body: w}, &out)
		if err == nil || !lostAnswer(ctx, err) {
			return out, err
		}
		last = err
	}
	return Webhook{}, last
}

// lostAnswer reports whether err means the request may have been carried out without its
// answer arriving (no status came back).
func lostAnswer(ctx context.Context, err error) bool {
	var api *apierror.APIError
	var dec *apierror.DecodeError
	return ctx.Err() == nil && !errors.As(err, &api) && !errors.As(err, &dec)
}

// findWebhook looks for a webhook like w among the licence's.
func (c *Client) findWebhook(ctx context.Context, w NewWebhook) (Webhook, bool, error) {
	all, err := c.GetWebhooks(ctx)
	if err != nil {
		return Webhook{}, false, err
	}
	for _, h := range all {
		if h.URL == w.URL && h.Title == w.Title && slices.Equal(h.Events, w.Events) {
			return h, true, nil
		}
	}
	return Webhook{}, false, nil
}

// UpdateWebhook changes a webhook's title, URL, state (Active) or events; what u leaves empty
// stays as it is.
func (c *Client) UpdateWebhook(ctx context.Context, webhookID int64, u WebhookUpdate) (Webhook, error) {
	var w Webhook
	if err := checkID("webhook id", webhookID); err != nil {
		return w, err
	}
	_, err := callEnvelope(ctx, c, &apiclient.Request{Method: http.MethodPut, Path: "/webhooks/" + id(webhookID), Body: u}, &w)
	return w, err
}

// DeleteWebhook deletes a webhook; WISEflow stops calling its URL.
func (c *Client) DeleteWebhook(ctx context.Context, webhookID int64) error {
	if err := checkID("webhook id", webhookID); err != nil {
		return err
	}
	var none any
	_, err := callEnvelope(ctx, c, &apiclient.Request{Method: http.MethodDelete, Path: "/webhooks/" + id(webhookID)}, &none)
	return err
}

// TestWebhook makes WISEflow send a test call to the webhook's URL, signed like the others.
func (c *Client) TestWebhook(ctx context.Context, webhookID int64) error {
	if err := checkID("webhook id", webhookID); err != nil {
		return err
	}
	var none any
	_, err := callEnvelope(ctx, c, &apiclient.Request{Method: http.MethodPost, Path: "/webhooks/" + id(webhookID) + "/test"}, &none)
	return err
}
