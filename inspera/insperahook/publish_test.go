package insperahook_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/edusync/edusync/inspera/insperahook"
	"github.com/edusync/edusync/store"
)

// publisher stands in for a Kafka topic (stream.Producer); its own end-to-end test runs on
// kfake in package stream.
type publisher struct {
	mu   sync.Mutex
	msgs []store.Message
	err  error
}

func (p *publisher) Publish(_ context.Context, msgs ...store.Message) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err != nil {
		return p.err
	}
	p.msgs = append(p.msgs, msgs...)
	return nil
}

// TestPublisherTakesEventsInsteadOfTheQueue: with a Publisher the handler needs no store,
// answers 200 once the event is published under the key and order key the queue would have
// used, and 503 when publishing fails, so Inspera delivers again.
func TestPublisherTakesEventsInsteadOfTheQueue(t *testing.T) {
	pub := &publisher{}
	h, err := insperahook.NewHandler(insperahook.Config{Publisher: pub, Secrets: []insperahook.Secret{{Value: secret}}})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	post := func() int {
		r := httptest.NewRequest(http.MethodPost, "/inspera", strings.NewReader(grades))
		r.Header.Set(insperahook.SignatureHeader, insperahook.Sign(secret, []byte(grades)))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	if code := post(); code != http.StatusOK {
		t.Fatalf("published delivery answered %d, want 200", code)
	}
	if len(pub.msgs) != 1 {
		t.Fatalf("%d messages published, want 1", len(pub.msgs))
	}
	ev, err := insperahook.ParseEvent([]byte(grades))
	if err != nil {
		t.Fatal(err)
	}
	m := pub.msgs[0]
	if m.Key != ev.Key() || m.OrderKey == "" {
		t.Errorf("published under key %q and order key %q, want the event's key %q and its order", m.Key, m.OrderKey, ev.Key())
	}
	if got, err := insperahook.Decode(m.Payload); err != nil || got.Key() != ev.Key() {
		t.Errorf("payload decodes to %+v, %v", got, err)
	}

	pub.err = errors.New("kafka: not enough replicas")
	if code := post(); code != http.StatusServiceUnavailable {
		t.Errorf("a failed publish answered %d, want 503", code)
	}
	if _, err := insperahook.NewHandler(insperahook.Config{Secrets: []insperahook.Secret{{Value: secret}}}); err == nil {
		t.Error("a handler with neither store nor publisher was accepted")
	}
}
