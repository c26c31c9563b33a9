package stream

import (
	"errors"
	"fmt"
)

// Errors of the package. They never hold a message's key, order key or payload: those may
// carry personal data (an order key names a student or a candidate).
var (
	// ErrInvalid is a configuration or a message that cannot be used (no brokers, no topic,
	// a key with a NUL byte or over MaxKeyLen, a NotBefore the transport cannot honour).
	ErrInvalid = errors.New("stream: invalid")
	// ErrDecode is a record that is not a message of the configured Codec; the consumer
	// dead-letters it (see Consumer) instead of stopping the group.
	ErrDecode = errors.New("stream: record cannot be decoded")
	// ErrClosed is a Producer or Consumer used after Close.
	ErrClosed = errors.New("stream: closed")
)

// DecodeError says which record could not be decoded and why, by position only.
type DecodeError struct {
	Topic     string
	Partition int32
	Offset    int64
	// Reason is a fixed description (never a part of the record).
	Reason string
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("stream: record %s/%d@%d cannot be decoded: %s", e.Topic, e.Partition, e.Offset, e.Reason)
}

// Unwrap makes errors.Is(err, ErrDecode) hold.
func (e *DecodeError) Unwrap() error { return ErrDecode }

// PublishError is a Publish whose messages Kafka did not all acknowledge. Failed counts the
// messages not acknowledged; Err is the first failure of the client. A Publish that failed
// may still have written some of its messages: publish them again (their Key keeps the
// consumers from applying any twice).
type PublishError struct {
	Topic  string
	Failed int
	Err    error
}

func (e *PublishError) Error() string {
	return fmt.Sprintf("stream: %d message(s) not acknowledged by topic %s: %v", e.Failed, e.Topic, e.Err)
}

// Unwrap returns the client's error (a context's error, a kerr broker error, ...).
func (e *PublishError) Unwrap() error { return e.Err }
