package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/edusync/edusync/internal/backoff"
	"github.com/edusync/edusync/internal/httpx"
	"github.com/edusync/edusync/internal/redact"
)

// ChatMessage is the JSON body of a chat webhook post, in the form Slack's incoming webhooks
// take and Mattermost, Rocket.Chat and Discord's Slack-compatible endpoints accept: a text
// line, and an attachment with the alert's facts as fields.
type ChatMessage struct {
	Text        string           `json:"text"`
	Attachments []ChatAttachment `json:"attachments,omitempty"`
}

// ChatAttachment is a block of facts under a ChatMessage's text.
type ChatAttachment struct {
	Color    string      `json:"color,omitempty"`
	Fallback string      `json:"fallback,omitempty"`
	Title    string      `json:"title,omitempty"`
	Text     string      `json:"text,omitempty"`
	Fields   []ChatField `json:"fields,omitempty"`
	TS       int64       `json:"ts,omitempty"`
}

// ChatField is one fact of a ChatAttachment.
type ChatField struct {
	Title string `json:"title"`
	Value string `json:"value"`
	Short bool   `json:"short,omitempty"`
}

// escapeChat escapes the three characters Slack's message format reserves, so that a text from
// the network cannot mention @channel or forge a link.
var escapeChat = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace

// ChatMessageFor builds the chat message of a redacted alert.
func ChatMessageFor(a Alert) ChatMessage {
	title := escapeChat(a.title())
	att := ChatAttachment{Color: "danger", Fallback: title, Text: escapeChat(a.Message), TS: a.Time.Unix()}
	for _, f := range a.facts() {
		att.Fields = append(att.Fields, ChatField{Title: escapeChat(f.Name), Value: escapeChat(f.Value), Short: len(f.Value) <= 40})
	}
	return ChatMessage{Text: title, Attachments: []ChatAttachment{att}}
}

// chatAttempts is how often a post is tried before it is given up.
const chatAttempts = 3

// maxChatRetryAfter caps how long a chat service's Retry-After holds up the failing flow.
const maxChatRetryAfter = 30 * time.Second

// postChat sends m to the webhook, retrying rate limits, server errors and lost connections a
// few times. A 4xx other than 429 is the service refusing the message (a revoked webhook, an
// invalid payload) and is not retried.
func (n *Notifier) postChat(ctx context.Context, m ChatMessage) error {
	body, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("notify: encoding the chat message: %w", err)
	}
	var last error
	for attempt := 1; attempt <= chatAttempts; attempt++ {
		if attempt > 1 {
			wait := backoff.Delay(n.retryBase, 10*n.retryBase, attempt-1)
			var ce *ChatError
			if asChatError(last, &ce) && ce.RetryAfter > 0 {
				wait = min(ce.RetryAfter, maxChatRetryAfter)
			}
			if err := backoff.Sleep(ctx, wait); err != nil {
				return err
			}
		}
		last = n.postOnce(ctx, body)
		if last == nil {
			return nil
		}
		var ce *ChatError
		if asChatError(last, &ce) && !ce.retryable() {
			return last
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	return last
}

func (n *Notifier) postOnce(ctx context.Context, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.chatURL.String(), bytes.NewReader(body))
	if err != nil {
		return &ChatError{Host: n.chatURL.Host, Err: errors.New(n.secrets.Scrub(err.Error()))}
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := n.http.Do(req)
	if err != nil {
		// The URL carries the webhook's secret: keep it out of the error.
		return &ChatError{Host: n.chatURL.Host, Err: fmt.Errorf("post failed: %s", redact.Text(n.secrets.Scrub(strings.ReplaceAll(errText(err), n.chatURL.String(), n.chatURL.Host))))}
	}
	defer resp.Body.Close()
	excerpt, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	reason := n.secrets.Scrub(strings.TrimSpace(string(excerpt)))
	ce := &ChatError{Host: n.chatURL.Host, Status: resp.StatusCode, Reason: redact.Printable(redact.PersonalNumbers(reason), 200)}
	if d, ok := httpx.ParseRetryAfter(resp.Header.Get("Retry-After"), n.now()); ok {
		ce.RetryAfter = d
	}
	return ce
}

// errText is err's text without the URL net/http puts in front of it.
func errText(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}
