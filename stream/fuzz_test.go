package stream_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/edusync/edusync/stream"
)

// FuzzDecode feeds both codecs records as a hostile producer could write them: any key,
// value and headers. A decoder never panics, fails only with a *DecodeError that names the
// record's position and nothing of its content, keeps its caps, and what it accepts encodes
// and decodes back to the same message.
func FuzzDecode(f *testing.F) {
	f.Add([]byte("acct-1"), []byte(`{"acct":"acct-1","seq":1}`), "edusync-key", []byte("ev-1"), "edusync-window", []byte("60"))
	f.Add([]byte(""), []byte(`{"key":"k","orderKey":"","payload":"eyJ9","window":5,"maxAttempts":2}`), "x", []byte("y"), "edusync-max-attempts", []byte("3"))
	f.Add([]byte("k"), []byte(`{"orderKey":"k","payload":""} {}`), "edusync-key", []byte("a\x00b"), "edusync-key", []byte("c"))
	f.Add([]byte("k"), []byte(`{"orderKey":"k","payload":null,"extra":1}`), "edusync-window", []byte("-1"), "edusync-max-attempts", []byte("99999999999"))
	const maxPayload = 64
	f.Fuzz(func(t *testing.T, key, value []byte, h1 string, v1 []byte, h2 string, v2 []byte) {
		r := &kgo.Record{Topic: "t", Partition: 3, Offset: 42, Key: key, Value: value,
			Headers: []kgo.RecordHeader{{Key: h1, Value: v1}, {Key: h2, Value: v2}}}
		for _, c := range []stream.Codec{stream.HeaderCodec{}, stream.EnvelopeCodec{}} {
			m, err := c.Decode(r, maxPayload)
			if err != nil {
				var de *stream.DecodeError
				if !errors.As(err, &de) || !errors.Is(err, stream.ErrDecode) {
					t.Fatalf("%T: %v is no *DecodeError", c, err)
				}
				if de.Topic != "t" || de.Partition != 3 || de.Offset != 42 {
					t.Fatalf("%T: %+v names the wrong record", c, de)
				}
				for _, part := range [][]byte{key, value, v1, v2} {
					if len(part) >= 6 && strings.Contains(err.Error(), string(part)) {
						t.Fatalf("%T: error %q holds a part of the record", c, err)
					}
				}
				continue
			}
			if len(m.Payload) > maxPayload || len(m.Key) > stream.MaxKeyLen || len(m.OrderKey) > stream.MaxKeyLen ||
				strings.ContainsRune(m.Key, 0) || m.KeyWindow < 0 || m.MaxAttempts < 0 {
				t.Fatalf("%T: accepted a message over its caps: %+v", c, m)
			}
			var again kgo.Record
			if err := c.Encode(m, &again); err != nil {
				t.Fatalf("%T: accepted %+v but cannot encode it: %v", c, m, err)
			}
			back, err := c.Decode(&again, maxPayload)
			if err != nil {
				t.Fatalf("%T: re-encoded message does not decode: %v", c, err)
			}
			if len(m.Payload) == 0 && len(back.Payload) == 0 {
				back.Payload = m.Payload // nil and empty are one payload
			}
			if diff := cmp.Diff(m, back); diff != "" {
				t.Fatalf("%T: round trip changed the message (-first +again):\n%s", c, diff)
			}
		}
	})
}

// TestCodecsRoundTrip checks each codec against a message with every field set.
func TestCodecsRoundTrip(t *testing.T) {
	m := storeMessage()
	for _, c := range []stream.Codec{stream.HeaderCodec{}, stream.EnvelopeCodec{}} {
		r := &kgo.Record{Topic: "t"}
		if err := c.Encode(m, r); err != nil {
			t.Fatal(err)
		}
		if string(r.Key) != m.OrderKey {
			t.Errorf("%T: record key %q, want the order key", c, r.Key)
		}
		got, err := c.Decode(r, stream.DefaultMaxPayload)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(m, got); diff != "" {
			t.Errorf("%T: (-sent +read):\n%s", c, diff)
		}
	}
	// The default codec leaves the payload as it is, for other consumers of the topic.
	r := &kgo.Record{}
	_ = stream.HeaderCodec{}.Encode(m, r)
	if string(r.Value) != string(m.Payload) {
		t.Errorf("HeaderCodec value %q, want the payload unchanged", r.Value)
	}
	if _, err := (stream.HeaderCodec{}).Decode(&kgo.Record{Value: make([]byte, 11)}, 10); !errors.Is(err, stream.ErrDecode) {
		t.Errorf("an oversized payload: %v, want ErrDecode", err)
	}
}
