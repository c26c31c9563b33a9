package notify

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

var (
	// ErrInvalid is matched by configuration errors: a bad webhook URL, mail address or hour.
	ErrInvalid = errors.New("notify: invalid configuration")
	// ErrChatRefused is matched by a chat service's refusal that retrying cannot change
	// (a revoked or unknown webhook, a payload it does not take).
	ErrChatRefused = errors.New("notify: chat service refused the message")
	// ErrChatUnavailable is matched when the chat service could not be reached or kept
	// failing (5xx, 429, lost connections) for every attempt.
	ErrChatUnavailable = errors.New("notify: chat service unavailable")
	// ErrMail is matched by failures to hand a digest to the SMTP server.
	ErrMail = errors.New("notify: sending the digest failed")
)

// ChatError is a failed chat webhook post. It names the service's host, never the webhook's
// URL, whose path is its secret.
type ChatError struct {
	Host string
	// Status is the HTTP status (0 when no answer came).
	Status int
	// Reason is the service's answer, capped and redacted ("invalid_payload", "no_service").
	Reason string
	// RetryAfter is the wait a 429 or 503 asked for.
	RetryAfter time.Duration
	Err        error
}

func (e *ChatError) Error() string {
	switch {
	case e.Err != nil:
		return fmt.Sprintf("notify: chat webhook at %s: %v", e.Host, e.Err)
	case e.Reason != "":
		return fmt.Sprintf("notify: chat webhook at %s answered %d: %s", e.Host, e.Status, e.Reason)
	default:
		return fmt.Sprintf("notify: chat webhook at %s answered %d", e.Host, e.Status)
	}
}

func (e *ChatError) retryable() bool {
	return e.Status == 0 || e.Status == http.StatusTooManyRequests || e.Status >= 500
}

// Is matches ErrChatRefused and ErrChatUnavailable.
func (e *ChatError) Is(target error) bool {
	switch target {
	case ErrChatRefused:
		return !e.retryable()
	case ErrChatUnavailable:
		return e.retryable()
	}
	return false
}

func (e *ChatError) Unwrap() error { return e.Err }

func asChatError(err error, ce **ChatError) bool { return errors.As(err, ce) }
