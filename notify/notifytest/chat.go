package notifytest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"

	"github.com/edusync/edusync/notify"
)

// ChatReceiver is a local Slack-compatible incoming webhook. Its URL's path is the webhook's
// secret; posts to another path are answered 404 "no_service" as Slack does.
type ChatReceiver struct {
	srv  *httptest.Server
	path string

	mu       sync.Mutex
	messages []notify.ChatMessage
	raw      [][]byte
	fails    []int
	retry    int
}

// NewChatReceiver starts a receiver; Close stops it.
func NewChatReceiver() *ChatReceiver {
	c := &ChatReceiver{path: "/services/T000/B000/secretpart"}
	c.srv = httptest.NewServer(http.HandlerFunc(c.serve))
	return c
}

// URL is the webhook's URL, secret included.
func (c *ChatReceiver) URL() string { return c.srv.URL + c.path }

// Close stops the receiver.
func (c *ChatReceiver) Close() { c.srv.Close() }

// FailNext makes the next posts fail with the given statuses, one each, in order (429s carry
// Retry-After: retryAfter seconds).
func (c *ChatReceiver) FailNext(retryAfter int, statuses ...int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fails = append(c.fails, statuses...)
	c.retry = retryAfter
}

// Messages returns the messages accepted so far.
func (c *ChatReceiver) Messages() []notify.ChatMessage {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]notify.ChatMessage(nil), c.messages...)
}

// Bodies returns the raw bodies accepted so far.
func (c *ChatReceiver) Bodies() [][]byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([][]byte(nil), c.raw...)
}

func (c *ChatReceiver) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "invalid_method", http.StatusMethodNotAllowed)
		return
	}
	if r.URL.Path != c.path {
		http.Error(w, "no_service", http.StatusNotFound)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, "invalid_payload", http.StatusBadRequest)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.fails) > 0 {
		st := c.fails[0]
		c.fails = c.fails[1:]
		if st == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", strconv.Itoa(c.retry))
		}
		http.Error(w, http.StatusText(st), st)
		return
	}
	var m notify.ChatMessage
	if err := json.Unmarshal(body, &m); err != nil || m.Text == "" {
		http.Error(w, "invalid_payload", http.StatusBadRequest)
		return
	}
	c.messages = append(c.messages, m)
	c.raw = append(c.raw, body)
	_, _ = io.WriteString(w, "ok")
}
