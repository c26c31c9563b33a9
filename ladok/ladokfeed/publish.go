package ladokfeed

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/edusync/edusync/internal/redact"
	"github.com/edusync/edusync/ladok"
	"github.com/edusync/edusync/store"
)

// Publisher takes the feed's entries instead of a local handler, for adapters that run in
// several processes: a *stream.Producer publishing to a Kafka topic fits. Publish must return
// only once the message is durable; the reader commits its position after it.
type Publisher interface {
	Publish(ctx context.Context, msgs ...store.Message) error
}

// OtherOrderKey is the order key of the entries that name no student (course and
// organisation events): they keep the feed's order among themselves, on one partition.
const OtherOrderKey = "ladok/other"

// PublishHandler is a Handler that publishes every entry, undecodable ones included, to p
// (EntryMessage): the reader then feeds a topic, whose consumers (several adapter instances
// in a consumer group) share the work by partition while each student's events stay in the
// feed's order. Use it with the reader's usual State: its position is committed once the
// entries are published.
func PublishHandler(p Publisher) Handler {
	return func(ctx context.Context, e *ladok.Entry) error {
		m, err := EntryMessage(e)
		if err != nil {
			return err
		}
		return p.Publish(ctx, m)
	}
}

// EntryMessage is the message PublishHandler publishes for e: Key is EntryKey (the
// consumers skip an entry seen before), OrderKey "student/"+the StudentUID the event names
// (OtherOrderKey when it names none), Payload the entry as a one-entry Atom feed, which
// DecodeEntry reads back with Ladok's own feed decoder.
func EntryMessage(e *ladok.Entry) (store.Message, error) {
	key := EntryKey(e)
	if key == "" {
		return store.Message{}, errors.New("ladokfeed: an entry without id or HandelseUID cannot be published")
	}
	var b bytes.Buffer
	b.Grow(len(e.Raw) + 256)
	b.WriteString(`<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>`)
	_ = xml.EscapeText(&b, []byte(e.ID))
	b.WriteString(`</id>`)
	if !e.Updated.IsZero() {
		b.WriteString(`<updated>` + e.Updated.UTC().Format(time.RFC3339Nano) + `</updated>`)
	}
	if e.Category != "" {
		b.WriteString(`<category term="`)
		_ = xml.EscapeText(&b, []byte(e.Category))
		b.WriteString(`"/>`)
	}
	b.WriteString(`<content type="application/vnd.ladok+xml">`)
	b.Write(e.Raw)
	b.WriteString(`</content></entry></feed>`)
	order := OtherOrderKey
	if s := StudentUID(e); s != "" {
		order = "student/" + s
	}
	return store.Message{Key: key, OrderKey: order, Payload: b.Bytes()}, nil
}

// StudentUID is the student an entry's event is about: the event's StudentUID, else its
// context's; "" for events about no student (or entries that did not decode).
func StudentUID(e *ladok.Entry) string {
	if e.Event == nil {
		return ""
	}
	if g, ok := e.Event.(*ladok.GenericEvent); ok {
		var s struct {
			StudentUID string `xml:"StudentUID"`
		}
		if g.Decode(&s) == nil && s.StudentUID != "" {
			return s.StudentUID
		}
	} else if v := reflect.ValueOf(e.Event); v.Kind() == reflect.Pointer && !v.IsNil() && v.Elem().Kind() == reflect.Struct {
		if f := v.Elem().FieldByName("StudentUID"); f.IsValid() && f.Kind() == reflect.String && f.String() != "" {
			return f.String()
		}
	}
	if h := e.Event.EventHeader(); h != nil {
		return h.Context.StudentUID
	}
	return ""
}

// ErrNotAnEntry is a payload DecodeEntry cannot read as a published entry.
var ErrNotAnEntry = errors.New("ladokfeed: payload is not a published feed entry")

// DecodeEntry reads back an entry EntryMessage published. An entry whose event did not decode
// comes back with Err set, as from the feed itself.
func DecodeEntry(payload []byte) (*ladok.Entry, error) {
	f, err := ladok.ParseFeed(bytes.NewReader(payload))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotAnEntry, err)
	}
	if len(f.Entries) != 1 {
		return nil, fmt.Errorf("%w: %d entries", ErrNotAnEntry, len(f.Entries))
	}
	e := f.Entries[0]
	return &e, nil
}

// EventHandler adapts fn (an adapter's Handle, say) to a queue or topic consumer's handler
// (stream.Consumer's Handle, store.Worker's): each message is decoded with DecodeEntry and its
// event handed to fn. A payload or an event that does not decode is marked permanent, so that
// the consumer dead-letters it at once; fn's own errors are retried.
func EventHandler(fn func(ctx context.Context, ev ladok.Event) error) func(context.Context, store.Delivery) error {
	return func(ctx context.Context, d store.Delivery) error {
		e, err := DecodeEntry(d.Payload)
		if err != nil {
			return store.Permanent(err)
		}
		if e.Err != nil {
			return store.Permanent(fmt.Errorf("ladokfeed: entry %s: %w", redact.Text(e.ID), e.Err))
		}
		return fn(ctx, e.Event)
	}
}
