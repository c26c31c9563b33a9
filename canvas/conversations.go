package canvas

import (
	"context"
	"errors"
	"strconv"
)

// Conversations
//
// A conversation message has no SIS id and Canvas does not de-duplicate them: a create that is
// sent twice is delivered twice. So, unlike the other creates of this package, a message whose
// answer was lost is never sent again, because there is no key to look it up by first. Only
// throttled attempts (429, 403 Rate Limit Exceeded) are repeated, since Canvas did nothing with
// them. Everything else reaches the caller at once, told apart by what is known:
//
//   - refused (4xx other than throttling) or never sent (the connection could not be made, the
//     context ended while waiting for the throttle): nothing was delivered;
//   - ErrOutcomeUnknown: the request went out, but the connection was lost or Canvas answered
//     with a server error, so the message may or may not have been delivered;
//   - ErrAnswerUnreadable: Canvas accepted the message (2xx), but its answer could not be read
//     or decoded; the message was delivered.
//
// A caller that must not lose a message and can live with a rare repeat sends it again after
// ErrOutcomeUnknown; one that must never repeat it does not.

// ErrOutcomeUnknown marks a create whose answer was lost after the request was sent (a dropped
// connection, a timeout or a server error) and that could not be settled by looking the object
// up: a conversation, which has no key, or a create whose lookups ran out. Canvas may have
// carried it out. The error also wraps the cause (an *APIError for a server error).
var ErrOutcomeUnknown = errors.New("canvas: the request was sent but its outcome is unknown; it may have been carried out")

// ErrAnswerUnreadable marks a create Canvas accepted (2xx) whose answer could not be read or
// decoded: it was carried out. The error also wraps the cause (a *DecodeError, say).
var ErrAnswerUnreadable = errors.New("canvas: the request was carried out but its answer could not be read")

// outcomeError joins a cause with one of the sentinels above.
type outcomeError struct {
	err, kind error
}

// Error names the cause and what it means for the write.
func (e *outcomeError) Error() string {
	if e.kind == ErrOutcomeUnknown {
		return e.err.Error() + " (the request was sent; it may have been carried out)"
	}
	return e.err.Error() + " (the request was carried out)"
}

// Unwrap returns the cause and the sentinel.
func (e *outcomeError) Unwrap() []error { return []error{e.err, e.kind} }

// CreateConversation sends a message as the token's user and returns the conversations it went
// into, from the sender's side. Recipients are user ids as strings (UserRecipient) or a whole
// course (CourseRecipient); ContextCode (CourseContext) files the conversation under a course.
// Without GroupConversation each recipient gets a private conversation; an existing private
// conversation with the same person is reused (keeping its old subject) unless ForceNew is set.
//
// The message is sent at most once: it is never repeated after a lost answer (see
// ErrOutcomeUnknown and ErrAnswerUnreadable), only after Canvas throttled it. The body and the
// subject are not logged.
func (c *Client) CreateConversation(ctx context.Context, in ConversationRequest) ([]Conversation, error) {
	out, err := create[[]Conversation](ctx, c, "/conversations", in, nil)
	if err != nil {
		return nil, err
	}
	return *out, nil
}

// UserRecipient is the recipients entry for one user.
func UserRecipient(userID int64) string { return strconv.FormatInt(userID, 10) }

// CourseRecipient is the recipients entry for every member of a course the sender may message.
func CourseRecipient(courseID int64) string { return "course_" + strconv.FormatInt(courseID, 10) }

// CourseContext is the context code that files a conversation under a course.
func CourseContext(courseID int64) string { return "course_" + strconv.FormatInt(courseID, 10) }
