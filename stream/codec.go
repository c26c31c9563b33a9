package stream

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/edusync/edusync/store"
)

// Limits of what a record may carry. A record over them is refused by Encode and, arriving
// from a topic, dead-lettered by the consumer as undecodable.
const (
	// MaxKeyLen caps a message's Key and OrderKey: the Key becomes a processed key of the
	// store, the OrderKey Kafka's record key.
	MaxKeyLen = 1024
	// DefaultMaxPayload caps a payload unless the Consumer's MaxPayload says otherwise.
	DefaultMaxPayload = 1 << 20
)

// The record headers of HeaderCodec.
const (
	HeaderKey         = "edusync-key"
	HeaderWindow      = "edusync-window"
	HeaderMaxAttempts = "edusync-max-attempts"
)

// A Codec turns a store.Message into a Kafka record and back. The record's Key is always the
// message's OrderKey (Kafka hashes it to a partition: one order key, one partition, one order);
// the codec decides where the rest goes. Decode must refuse hostile records with a *DecodeError
// and never panic.
type Codec interface {
	// Encode sets r's Key, Value and Headers from m.
	Encode(m store.Message, r *kgo.Record) error
	// Decode reads back the message of r; maxPayload caps its payload.
	Decode(r *kgo.Record, maxPayload int) (store.Message, error)
}

// HeaderCodec, the default, keeps the payload as the record's value, unchanged, and the
// de-duplication key, window and attempts in headers: other consumers of the topic (a
// warehouse, another integration) read the webhook body or Ladok event as it arrived.
type HeaderCodec struct{}

// EnvelopeCodec keeps the whole message in the record's value as a JSON object
// {"key","orderKey","payload" (base64),"window" (seconds),"maxAttempts"}, for pipelines that
// drop headers (some mirroring tools and older brokers do).
type EnvelopeCodec struct{}

func checkKeys(m store.Message) error {
	for _, k := range []string{m.Key, m.OrderKey} {
		if len(k) > MaxKeyLen {
			return fmt.Errorf("%w: a key is %d bytes, over %d", ErrInvalid, len(k), MaxKeyLen)
		}
		if strings.IndexByte(k, 0) >= 0 {
			return fmt.Errorf("%w: a key holds a NUL byte", ErrInvalid)
		}
	}
	if !m.NotBefore.IsZero() {
		return fmt.Errorf("%w: NotBefore cannot be honoured by a topic (delay in the consumer instead)", ErrInvalid)
	}
	if m.KeyWindow < 0 || m.MaxAttempts < 0 {
		return fmt.Errorf("%w: a negative KeyWindow or MaxAttempts", ErrInvalid)
	}
	return nil
}

func orderKey(m store.Message) []byte {
	if m.OrderKey == "" {
		return nil // no order: Kafka spreads such records over the partitions
	}
	return []byte(m.OrderKey)
}

// Encode implements Codec.
func (HeaderCodec) Encode(m store.Message, r *kgo.Record) error {
	if err := checkKeys(m); err != nil {
		return err
	}
	r.Key, r.Value, r.Headers = orderKey(m), m.Payload, nil
	if m.Key != "" {
		r.Headers = append(r.Headers, kgo.RecordHeader{Key: HeaderKey, Value: []byte(m.Key)})
	}
	if m.KeyWindow > 0 {
		r.Headers = append(r.Headers, kgo.RecordHeader{Key: HeaderWindow, Value: []byte(strconv.FormatInt(int64(m.KeyWindow/time.Second), 10))})
	}
	if m.MaxAttempts > 0 {
		r.Headers = append(r.Headers, kgo.RecordHeader{Key: HeaderMaxAttempts, Value: []byte(strconv.Itoa(m.MaxAttempts))})
	}
	if r.Value == nil {
		r.Value = []byte{} // nil is a tombstone to compacted topics
	}
	return nil
}

// Decode implements Codec. Unknown headers are ignored; a repeated edusync header, a
// malformed number or an oversized part is a *DecodeError.
func (HeaderCodec) Decode(r *kgo.Record, maxPayload int) (store.Message, error) {
	fail := func(reason string) (store.Message, error) {
		return store.Message{}, &DecodeError{Topic: r.Topic, Partition: r.Partition, Offset: r.Offset, Reason: reason}
	}
	if len(r.Value) > maxPayload {
		return fail("payload over the size cap")
	}
	m := store.Message{OrderKey: string(r.Key), Payload: r.Value}
	var seen [3]bool
	for _, h := range r.Headers {
		i := -1
		switch h.Key {
		case HeaderKey:
			i = 0
			m.Key = string(h.Value)
		case HeaderWindow:
			i = 1
			n, err := strconv.ParseInt(string(h.Value), 10, 64)
			if err != nil || n <= 0 || n > int64(maxWindow/time.Second) {
				return fail("malformed " + HeaderWindow + " header")
			}
			m.KeyWindow = time.Duration(n) * time.Second
		case HeaderMaxAttempts:
			i = 2
			n, err := strconv.Atoi(string(h.Value))
			if err != nil || n <= 0 || n > maxAttempts {
				return fail("malformed " + HeaderMaxAttempts + " header")
			}
			m.MaxAttempts = n
		}
		if i >= 0 {
			if seen[i] {
				return fail("repeated " + h.Key + " header")
			}
			seen[i] = true
		}
	}
	if err := checkKeys(m); err != nil {
		return fail("key too long or holding a NUL byte")
	}
	return m, nil
}

// Bounds of what a record may ask for.
const (
	maxWindow   = 10 * 365 * 24 * time.Hour
	maxAttempts = 1000
)

type envelope struct {
	Key         string `json:"key,omitempty"`
	OrderKey    string `json:"orderKey,omitempty"`
	Payload     []byte `json:"payload"`
	Window      int64  `json:"window,omitempty"`
	MaxAttempts int    `json:"maxAttempts,omitempty"`
}

func envelopeOf(m store.Message) ([]byte, error) {
	payload := m.Payload
	if payload == nil {
		payload = []byte{} // null would read back as no payload
	}
	v, err := json.Marshal(envelope{Key: m.Key, OrderKey: m.OrderKey, Payload: payload,
		Window: int64(m.KeyWindow / time.Second), MaxAttempts: m.MaxAttempts})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	return v, nil
}

// Encode implements Codec.
func (EnvelopeCodec) Encode(m store.Message, r *kgo.Record) error {
	if err := checkKeys(m); err != nil {
		return err
	}
	v, err := envelopeOf(m)
	if err != nil {
		return err
	}
	r.Key, r.Value, r.Headers = orderKey(m), v, nil
	return nil
}

// Decode implements Codec. The envelope's order key must equal the record's key (a record
// whose key was changed on the way would land on another partition than its order says).
func (EnvelopeCodec) Decode(r *kgo.Record, maxPayload int) (store.Message, error) {
	fail := func(reason string) (store.Message, error) {
		return store.Message{}, &DecodeError{Topic: r.Topic, Partition: r.Partition, Offset: r.Offset, Reason: reason}
	}
	// base64 grows a payload by a third, the rest of the envelope by at most its keys.
	if len(r.Value) > maxPayload/3*4+8+2*6*MaxKeyLen+256 {
		return fail("envelope over the size cap")
	}
	var e envelope
	d := json.NewDecoder(bytes.NewReader(r.Value))
	d.DisallowUnknownFields()
	if err := d.Decode(&e); err != nil {
		return fail("not a JSON envelope")
	}
	if d.More() {
		return fail("data after the JSON envelope")
	}
	if e.Payload == nil {
		return fail("envelope without a payload")
	}
	if len(e.Payload) > maxPayload {
		return fail("payload over the size cap")
	}
	if e.OrderKey != string(r.Key) {
		return fail("envelope's order key differs from the record's key")
	}
	if e.Window < 0 || e.Window > int64(maxWindow/time.Second) || e.MaxAttempts < 0 || e.MaxAttempts > maxAttempts {
		return fail("window or attempts out of range")
	}
	m := store.Message{Key: e.Key, OrderKey: e.OrderKey, Payload: e.Payload,
		KeyWindow: time.Duration(e.Window) * time.Second, MaxAttempts: e.MaxAttempts}
	if err := checkKeys(m); err != nil {
		return fail("key too long or holding a NUL byte")
	}
	return m, nil
}
