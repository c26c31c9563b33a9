package ladokcanvas

import "context"

// Messenger delivers the message to teachers that RestrictionsSendMessageToTeachers asks for
// when a student's suspension starts. The adapter finds the teachers (the active teacher
// enrolments of every course in which it made the student inactive); the host decides how the
// message travels (Canvas conversations, e-mail, a ticket) and what it says. Send may be
// called again for the same suspension after a crash, so it should tolerate repeats.
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
