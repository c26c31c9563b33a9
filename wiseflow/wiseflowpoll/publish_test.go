package wiseflowpoll_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/wiseflow"
	"github.com/edusync/edusync/wiseflow/wiseflowpoll"
)

// publisher stands in for a Kafka topic (stream.Producer); the end-to-end test over kfake is
// in package stream.
type publisher struct {
	msgs []store.Message
	err  error
}

func (p *publisher) Publish(_ context.Context, msgs ...store.Message) error {
	if p.err != nil {
		return p.err
	}
	p.msgs = append(p.msgs, msgs...)
	return nil
}

// TestReceiverPublishesInsteadOfQueuing: with a Publisher the receiver needs no store; a call
// is published under its id and its flow's order key before the 200, and a failed publish
// answers 503 so that WISEflow calls again. Without either, calls are refused with 503.
func TestReceiverPublishesInsteadOfQueuing(t *testing.T) {
	now := time.Date(2026, 6, 22, 12, 0, 0, 0, time.UTC)
	pub := &publisher{}
	r := &wiseflowpoll.Receiver{Publisher: pub, Secret: []byte(secret), Now: func() time.Time { return now }}
	call := `{"id":"c-1","event":"FINAL_GRADE","sequenceNumber":3,"callTime":"2026-06-22T11:59:00Z","payload":{"flowId":77,"participantId":5}}`
	if code := post(t, r, call, signed(wiseflow.DefaultSignature, call)); code != 200 {
		t.Fatalf("answered %d, want 200", code)
	}
	want := store.Message{Key: "call/c-1", OrderKey: "flow/77", Payload: []byte(call), KeyWindow: 7 * 24 * time.Hour}
	if len(pub.msgs) != 1 || pub.msgs[0].Key != want.Key || pub.msgs[0].OrderKey != want.OrderKey ||
		string(pub.msgs[0].Payload) != call || pub.msgs[0].KeyWindow != want.KeyWindow {
		t.Fatalf("published %+v, want %+v", pub.msgs, want)
	}
	pub.err = errors.New("kafka: leader not available")
	if code := post(t, r, call, signed(wiseflow.DefaultSignature, call)); code != 503 {
		t.Errorf("a failed publish answered %d, want 503", code)
	}
	none := &wiseflowpoll.Receiver{Secret: []byte(secret), Now: r.Now}
	if code := post(t, none, call, signed(wiseflow.DefaultSignature, call)); code != 503 {
		t.Errorf("a receiver with neither store nor publisher answered %d, want 503", code)
	}
}
