package ladokcanvas

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/edusync/edusync/canvas"
	"github.com/edusync/edusync/internal/redact"
	"github.com/edusync/edusync/store"
)

// Messenger delivers the message to teachers that RestrictionsSendMessageToTeachers asks for
// when a student's suspension starts. The adapter finds the teachers (the active teacher
// enrolments of every course in which it made the student inactive); the messenger decides how
// the message travels and what it says. Without WithMessenger the adapter sends Canvas
// conversations itself (see WithNoticeText). A host's Send may be called again for the same
// suspension after a crash (or an error it returned), so it should tolerate repeats.
type Messenger interface {
	SendSuspensionNotice(ctx context.Context, n SuspensionNotice) error
}

// SuspensionNotice is what teachers are told about a suspended student. It never carries a
// personal number.
type SuspensionNotice struct {
	// StudentUID is the Ladok StudentUID (the Canvas sis_user_id).
	StudentUID string
	// StudentName is the student's name in Canvas.
	StudentName string
	// Protected: the student has protected personal data and the host has not opted in
	// (WriteProtectedPersonalData), so teachers are to be told no more than the name.
	Protected bool
	// From and Until are the suspension's first and last day (YYYY-MM-DD, Swedish dates);
	// Until is empty for an open-ended suspension.
	From, Until string
	// Courses are the courses in which the student was made inactive, with their teachers.
	Courses []NoticeCourse
}

// NoticeCourse is one course of a SuspensionNotice.
type NoticeCourse struct {
	CanvasID int64  // the course's Canvas id
	SISID    string // the course's SIS id (its primary offering's UID)
	Name     string // the course's name in Canvas
	// TeacherIDs are the Canvas user ids of the course's active teachers.
	TeacherIDs []int64
}

// MessengerFunc adapts a function to Messenger.
type MessengerFunc func(ctx context.Context, n SuspensionNotice) error

// SendSuspensionNotice calls f.
func (f MessengerFunc) SendSuspensionNotice(ctx context.Context, n SuspensionNotice) error {
	return f(ctx, n)
}

// TeacherNotice is what the built-in Canvas messenger tells one teacher: the student, the
// period and those of the student's courses that the teacher teaches. It never carries a
// personal number.
type TeacherNotice struct {
	// StudentName is the student's name in Canvas.
	StudentName string
	// StudentUID is the Ladok StudentUID, empty for a student whose personal data is protected
	// (unless the host opted in with WriteProtectedPersonalData): such a student is named by
	// name only.
	StudentUID string
	// From and Until are the suspension's first and last day (YYYY-MM-DD, Swedish dates);
	// Until is empty for an open-ended suspension.
	From, Until string
	// Courses are the names of the teacher's courses the student was made inactive in.
	Courses []string
}

// NoticeText writes the subject and the text (plain text) of the message to one teacher.
// Whatever it writes, sequences that look like personal numbers are masked before sending.
type NoticeText func(n TeacherNotice) (subject, body string)

// SwedishNoticeText is the built-in messenger's text unless WithNoticeText says otherwise.
func SwedishNoticeText(n TeacherNotice) (subject, body string) {
	name := n.StudentName
	if name == "" {
		name = "En student"
	}
	period := "från och med " + n.From + " tills vidare"
	if n.Until != "" {
		period = "från och med " + n.From + " till och med " + n.Until
	}
	var b strings.Builder
	b.WriteString("Hej!\n\n")
	fmt.Fprintf(&b, "%s är avstängd från studierna %s. Under den tiden är studentens deltagande inaktivt i ", name, period)
	if len(n.Courses) == 1 {
		fmt.Fprintf(&b, "kursen %s.\n\n", n.Courses[0])
	} else {
		b.WriteString("följande kurser där du är lärare:\n")
		for _, c := range n.Courses {
			b.WriteString("- " + c + "\n")
		}
		b.WriteString("\n")
	}
	if len(n.Courses) == 1 {
		b.WriteString("När avstängningen upphör blir studenten automatiskt aktiv i kursen igen.\n\n")
	} else {
		b.WriteString("När avstängningen upphör blir studenten automatiskt aktiv i kurserna igen.\n\n")
	}
	b.WriteString("Meddelandet skickades automatiskt av integrationen mellan Ladok och Canvas.")
	return "Avstängd student: " + name, b.String()
}

// EnglishNoticeText is the built-in messenger's text in English, for WithNoticeText.
func EnglishNoticeText(n TeacherNotice) (subject, body string) {
	name := n.StudentName
	if name == "" {
		name = "A student"
	}
	period := "from " + n.From + " until further notice"
	if n.Until != "" {
		period = "from " + n.From + " to " + n.Until + " inclusive"
	}
	var b strings.Builder
	b.WriteString("Hello,\n\n")
	fmt.Fprintf(&b, "%s is suspended from studies %s. Meanwhile the student's participation is inactive in ", name, period)
	if len(n.Courses) == 1 {
		fmt.Fprintf(&b, "the course %s.\n\n", n.Courses[0])
	} else {
		b.WriteString("these courses you teach:\n")
		for _, c := range n.Courses {
			b.WriteString("- " + c + "\n")
		}
		b.WriteString("\n")
	}
	b.WriteString("When the suspension ends, the student is made active again automatically.\n\n")
	b.WriteString("This message was sent automatically by the integration between Ladok and Canvas.")
	return "Suspended student: " + name, b.String()
}

// noticeMark records in the store that a notice (or, with a teacher, its message to that
// teacher) was accepted.
type noticeMark struct {
	Until        string `json:"until,omitempty"`        // the period's last day ("" open-ended)
	Conversation int64  `json:"conversation,omitempty"` // the Canvas conversation, when known
}

// noticeKey names the mark of a notice for a suspension period, or with teacher != 0 of its
// message to one teacher.
func noticeKey(uid string, p period, teacher int64) string {
	until := p.End
	if until == "" {
		until = "open"
	}
	k := keyNotice + uid + "/" + p.Start + "/" + until
	if teacher != 0 {
		k += "/" + strconv.FormatInt(teacher, 10)
	}
	return k
}

func (h *suspensions) noticeMarked(ctx context.Context, key string) (bool, error) {
	var ok bool
	err := h.st.View(ctx, h.scope, func(tx store.Tx) error {
		_, err := store.Get[noticeMark](tx, key)
		switch {
		case err == nil:
			ok = true
		case errors.Is(err, store.ErrNotFound):
		default:
			return err
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("ladokcanvas: reading the notices sent: %w", err)
	}
	return ok, nil
}

func (h *suspensions) markNotice(ctx context.Context, key string, m noticeMark) error {
	return h.update(ctx, func(tx store.Tx) error { return store.Put(tx, key, m) })
}

// pruneNotices forgets the marks of a student's suspensions that ended before today: such a
// period can never be in force again.
func (h *suspensions) pruneNotices(ctx context.Context, uid string) error {
	today := h.today()
	return h.update(ctx, func(tx store.Tx) error {
		marks, err := store.List[noticeMark](tx, keyNotice+uid+"/")
		if err != nil {
			return err
		}
		for _, m := range marks {
			if m.Value.Until != "" && m.Value.Until < today {
				if err := tx.DeleteValue(m.Key); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// canvasMessenger is the built-in Messenger: one Canvas conversation per teacher, sent as the
// Canvas token's user.
//
// Each teacher gets a message of their own that names only the courses they teach: a group
// conversation would show every teacher of the student's other courses (and so the student's
// other studies) to each of them, and make replies go to all. The message is a new
// conversation (force_new), filed under the course when it is about one. Each message is
// marked in the store once Canvas accepted it, so a restart, a duplicate event or a retry after
// another teacher's message failed sends it no second time. A message whose answer was lost
// (canvas.ErrOutcomeUnknown), or a crash between Canvas accepting it and the mark, is sent
// again on the next try: one teacher can get the same message twice, at most once per such
// failure. Canvas refusing one teacher (the user is gone, the token may not message them) is
// logged and that teacher skipped, so the suspension's work does not stop for it.
type canvasMessenger struct {
	h    *suspensions
	text NoticeText
}

// SendSuspensionNotice implements Messenger.
func (m *canvasMessenger) SendSuspensionNotice(ctx context.Context, n SuspensionNotice) error {
	h := m.h
	p := period{Start: n.From, End: n.Until}
	type teacher struct {
		id      int64
		courses []NoticeCourse
	}
	var order []*teacher
	byID := map[int64]*teacher{}
	for _, c := range n.Courses {
		for _, id := range c.TeacherIDs {
			t := byID[id]
			if t == nil {
				t = &teacher{id: id}
				byID[id] = t
				order = append(order, t)
			}
			t.courses = append(t.courses, c)
		}
	}
	sent, skipped := 0, 0
	for _, t := range order {
		key := noticeKey(n.StudentUID, p, t.id)
		done, err := h.noticeMarked(ctx, key)
		if err != nil {
			return err
		}
		if done {
			continue
		}
		tn := TeacherNotice{StudentName: n.StudentName, From: n.From, Until: n.Until}
		if !n.Protected {
			tn.StudentUID = n.StudentUID
		}
		for _, c := range t.courses {
			tn.Courses = append(tn.Courses, c.Name)
		}
		subject, body := m.text(tn)
		req := canvas.ConversationRequest{Recipients: []string{canvas.UserRecipient(t.id)}, ForceNew: true,
			Subject: redact.PersonalNumbers(subject), Body: redact.PersonalNumbers(body)}
		if len(t.courses) == 1 {
			req.ContextCode = canvas.CourseContext(t.courses[0].CanvasID)
		}
		convs, err := h.canvas.CreateConversation(ctx, req)
		switch {
		case err == nil, errors.Is(err, canvas.ErrAnswerUnreadable):
		case errors.Is(err, canvas.ErrOutcomeUnknown):
			h.log.Warn("ladokcanvas: the answer to a message to a teacher was lost; it is sent again with the next try, so it may arrive twice",
				"student", n.StudentUID, "teacher", t.id, "error", err)
			return err
		case skippable(err):
			skipped++
			h.log.Warn("ladokcanvas: Canvas refused the message to a teacher about a suspension; teacher skipped",
				"student", n.StudentUID, "teacher", t.id, "error", err)
			continue
		default:
			return err
		}
		mark := noticeMark{Until: n.Until}
		if len(convs) > 0 {
			mark.Conversation = convs[0].ID
		}
		if err := h.markNotice(ctx, key, mark); err != nil {
			return err
		}
		sent++
	}
	h.log.Info("ladokcanvas: teachers told of a suspension", "student", n.StudentUID, "messages", sent, "skipped", skipped)
	return nil
}

// skippable reports a refusal of one message that trying again cannot cure and that does not
// mean the whole integration is broken: a refused request (400: the recipient cannot be
// messaged; 404; 422) or a 403 that is not throttling (no permission to message them).
func skippable(err error) bool {
	return isRefused(err) || errors.Is(err, canvas.ErrForbidden)
}
