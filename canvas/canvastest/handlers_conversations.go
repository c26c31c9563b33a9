package canvastest

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/edusync/edusync/canvas"
)

// Conversations as Canvas keeps them: every message is sent by the token's user (the admin),
// a private conversation between two people is reused for later messages unless force_new
// asks for a new one, and nothing is de-duplicated, so a message sent twice is there twice.

// maxGroupConversation is how many recipients one conversation may have without force_new
// (Canvas's default).
const maxGroupConversation = 100

// maxSubject is the longest subject Canvas accepts, in characters.
const maxSubject = 255

// convRec is one conversation.
type convRec struct {
	id           int64
	subject      string
	private      bool
	contextCode  string
	contextName  string
	participants []int64 // the sender first, then the recipients in the order given
	messages     []msgRec
}

type msgRec struct {
	id, author int64
	body       string
	at         time.Time
}

// Conversation is a conversation the server holds, for tests to look at (Server.Conversations).
type Conversation struct {
	ID      int64
	Subject string
	// Private: a conversation between two people, which later messages to the same person
	// reuse unless they ask for a new one.
	Private bool
	// ContextCode is the course (course_<id>) or account the conversation was filed under ("" for
	// none); ContextName is that course's or account's name.
	ContextCode, ContextName string
	// Participants are user ids: the sender (the token's user) first, then the recipients.
	Participants []int64
	// Messages are oldest first.
	Messages []ConversationMessage
}

// Recipients returns the participants other than the sender.
func (c Conversation) Recipients() []int64 {
	if len(c.Participants) == 0 {
		return nil
	}
	return slices.Clone(c.Participants[1:])
}

// ConversationMessage is one message of a Conversation.
type ConversationMessage struct {
	ID, Author int64
	Body       string
	CreatedAt  time.Time
}

// Conversations returns every conversation with its messages, oldest first.
func (s *Server) Conversations() []Conversation {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Conversation, 0, len(s.st.convOrder))
	for _, id := range s.st.convOrder {
		c := s.st.conversations[id]
		cv := Conversation{ID: c.id, Subject: c.subject, Private: c.private, ContextCode: c.contextCode, ContextName: c.contextName,
			Participants: slices.Clone(c.participants)}
		for _, m := range c.messages {
			cv.Messages = append(cv.Messages, ConversationMessage{ID: m.id, Author: m.author, Body: m.body, CreatedAt: m.at})
		}
		out = append(out, cv)
	}
	return out
}

// conversationBody is the request body, with recipients read as Canvas reads them: strings or
// numbers, or one comma-separated string.
type conversationBody struct {
	canvas.ConversationRequest
	Recipients recipientList `json:"recipients"`
}

type recipientList []string

// UnmarshalJSON accepts ["1", 2, "course_3"] and "1,2".
func (l *recipientList) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		for p := range strings.SplitSeq(one, ",") {
			if p = strings.TrimSpace(p); p != "" {
				*l = append(*l, p)
			}
		}
		return nil
	}
	var many []json.RawMessage
	if err := json.Unmarshal(b, &many); err != nil {
		return errors.New("recipients must be a list")
	}
	for _, m := range many {
		var s string
		var n json.Number
		switch {
		case json.Unmarshal(m, &s) == nil:
		case json.Unmarshal(m, &n) == nil:
			s = n.String()
		default:
			return errors.New("a recipient must be a string or a number")
		}
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

// writeConversationError answers 400 with the conversations API's bare error array.
func writeConversationError(w http.ResponseWriter, attribute, message string) {
	writeJSON(w, http.StatusBadRequest, []map[string]string{{"attribute": attribute, "message": message}})
}

func (s *Server) createConversation(w http.ResponseWriter, r *http.Request) {
	var body conversationBody
	if err := decodeBody(r, &body); err != nil {
		badParam(w, err)
		return
	}
	if len(body.Recipients) == 0 {
		writeConversationError(w, "recipients", "blank")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	recipients := st.resolveRecipients(body.Recipients)
	if len(recipients) == 0 {
		writeConversationError(w, "recipients", "invalid")
		return
	}
	if strings.TrimSpace(body.Body) == "" {
		writeConversationError(w, "body", "blank")
		return
	}
	var contextName string
	if body.ContextCode != "" {
		name, ok := st.contextName(body.ContextCode)
		if !ok {
			writeConversationError(w, "context_code", "invalid")
			return
		}
		contextName = name
	}
	if utf8.RuneCountInString(body.Subject) > maxSubject {
		writeFieldError(w, "subject", "too_long", "is too long (maximum is 255 characters)")
		return
	}
	if !body.ForceNew && len(recipients) > maxGroupConversation {
		writeConversationError(w, "recipients", "too many for group conversation")
		return
	}
	now := stamp(s.opts.now())
	sender := st.admin
	send := func(to []int64, private, reuse bool) *convRec {
		var c *convRec
		if reuse && private {
			c = st.privateConversation(sender, to[0])
		}
		if c == nil {
			c = &convRec{id: st.newID("conversation"), subject: strings.TrimSpace(body.Subject), private: private,
				contextCode: body.ContextCode, contextName: contextName, participants: append([]int64{sender}, to...)}
			st.conversations[c.id] = c
			st.convOrder = append(st.convOrder, c.id)
		}
		m := msgRec{id: st.newID("conversation_message"), author: sender, body: body.Body, at: now}
		c.messages = append(c.messages, m)
		s.obs.write(Write{Operation: "createConversation", Kind: "message", ID: m.id,
			Key: stateKey(fmt.Sprint("conversation", c.participants), [2]string{body.Subject, body.Body})})
		return c
	}
	// As Canvas: several recipients without a group conversation, or force_new, make one
	// conversation per recipient (private ones reused unless force_new); otherwise one
	// conversation holds everybody (a private one, reused, when there is one recipient).
	var out []byte
	if (!body.GroupConversation && len(recipients) > 1) || body.ForceNew {
		var made []*convRec
		for _, to := range recipients {
			made = append(made, send([]int64{to}, !body.GroupConversation && !body.ForceNew, !body.ForceNew))
		}
		slices.SortFunc(made, func(a, b *convRec) int { return cmp.Compare(b.id, a.id) }) // newest first
		out = append(out, '[')
		for i, c := range made {
			if i > 0 {
				out = append(out, ',')
			}
			out = append(out, st.conversationJSON(c, sender, false)...)
		}
		out = append(out, ']')
	} else {
		c := send(recipients, !body.GroupConversation && len(recipients) == 1, true)
		out = append(append(append(out, '['), st.conversationJSON(c, sender, true)...), ']')
	}
	writeRaw(w, http.StatusCreated, out)
}

// resolveRecipients turns recipient entries into user ids, in order and without repeats: user
// ids of users that exist, and course_<id> (or course_<id>_students, _teachers, _tas,
// _observers, _designers) for the course's active and invited members. Anything else, unknown
// users included, is left out, as Canvas leaves out users the sender cannot message; the
// sender is never a recipient.
func (st *store) resolveRecipients(entries []string) []int64 {
	var out []int64
	seen := map[int64]bool{st.admin: true}
	add := func(id int64) {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	types := map[string]canvas.EnrollmentType{"students": canvas.EnrollmentTypeStudent, "teachers": canvas.EnrollmentTypeTeacher,
		"tas": canvas.EnrollmentTypeTa, "observers": canvas.EnrollmentTypeObserver, "designers": canvas.EnrollmentTypeDesigner}
	for _, e := range entries {
		if id, err := strconv.ParseInt(e, 10, 64); err == nil {
			if u := st.users[id]; u != nil && !u.deleted {
				add(id)
			}
			continue
		}
		rest, ok := strings.CutPrefix(e, "course_")
		if !ok {
			continue
		}
		idPart, typePart, _ := strings.Cut(rest, "_")
		id, err := strconv.ParseInt(idPart, 10, 64)
		c := st.courses[id]
		if err != nil || c == nil || c.c.WorkflowState == courseDeleted {
			continue
		}
		want, typed := types[typePart]
		if typePart != "" && !typed {
			continue
		}
		for _, eid := range c.enrollments {
			en := st.enrollments[eid]
			if en == nil || (en.e.EnrollmentState != canvas.EnrollmentStateActive && en.e.EnrollmentState != canvas.EnrollmentStateInvited) {
				continue
			}
			if typed && en.e.Type != want {
				continue
			}
			if u := st.users[en.e.UserID]; u != nil && !u.deleted {
				add(en.e.UserID)
			}
		}
	}
	return out
}

// contextName returns the name of the course (course_<id>) or account (account_<id>) a
// context code names.
func (st *store) contextName(code string) (string, bool) {
	kind, idPart, ok := strings.Cut(code, "_")
	id, err := strconv.ParseInt(idPart, 10, 64)
	if !ok || err != nil {
		return "", false
	}
	switch kind {
	case "course":
		if c := st.courses[id]; c != nil && c.c.WorkflowState != courseDeleted {
			return c.c.Name, true
		}
	case "account":
		if a := st.accounts[id]; a != nil {
			return a.Name, true
		}
	}
	return "", false
}

// privateConversation returns the private conversation between two users, if there is one.
func (st *store) privateConversation(a, b int64) *convRec {
	for _, id := range st.convOrder {
		c := st.conversations[id]
		if c.private && len(c.participants) == 2 && slices.Contains(c.participants, a) && slices.Contains(c.participants, b) {
			return c
		}
	}
	return nil
}

// conversationJSON encodes c as viewer sees it; withMessages adds the latest message, as
// Canvas does for a create that made one conversation.
func (st *store) conversationJSON(c *convRec, viewer int64, withMessages bool) []byte {
	last := c.messages[len(c.messages)-1]
	preview := last.body
	if utf8.RuneCountInString(preview) > 100 {
		preview = string([]rune(preview)[:100])
	}
	cv := canvas.Conversation{ID: c.id, Subject: c.subject, WorkflowState: "read", LastMessage: preview, LastMessageAt: last.at,
		MessageCount: len(c.messages), Subscribed: true, Private: c.private, Properties: []string{"last_author"}, Visible: true,
		ContextName: c.contextName}
	for _, p := range c.participants {
		u := st.users[p]
		if u == nil {
			continue
		}
		if p != viewer {
			cv.Audience = append(cv.Audience, p)
		}
		cv.Participants = append(cv.Participants, canvas.ConversationParticipant{ID: p, Name: firstNonEmpty(u.u.ShortName, u.u.Name), FullName: u.u.Name})
	}
	if withMessages {
		cv.Messages = []canvas.ConversationMessage{{ID: last.id, CreatedAt: last.at, Body: last.body, AuthorID: last.author}}
	}
	b, _ := json.Marshal(&cv)
	return b
}
