package ladokcanvas

import (
	"context"
	"iter"

	"github.com/edusync/edusync/canvas"
)

// canvasAPI is all the adapter asks of Canvas: *canvas.Client implements it. Every effect an
// event has in Canvas goes through canvasWrites, so that list is the whole of what the adapter
// can change there; canvasReads is what it looks up to decide.
type canvasAPI interface {
	canvasReads
	canvasWrites
}

// canvasWrites are the changes the adapter makes in Canvas.
type canvasWrites interface {
	// Users and what identifies and reaches them.
	CreateUser(ctx context.Context, account canvas.Ref, in canvas.CreateUserRequest) (*canvas.User, error)
	UpdateUser(ctx context.Context, user canvas.Ref, in canvas.UserUpdate) (*canvas.User, error)
	UpdateLogin(ctx context.Context, account canvas.Ref, login int64, in canvas.LoginInput) (*canvas.Login, error)
	DeleteCommunicationChannel(ctx context.Context, user canvas.Ref, channel int64) (*canvas.CommunicationChannel, error)

	// Accounts, courses and sections.
	CreateSubAccount(ctx context.Context, parent canvas.Ref, in canvas.AccountInput) (*canvas.Account, error)
	CreateCourse(ctx context.Context, account canvas.Ref, in canvas.CreateCourseRequest) (*canvas.Course, error)
	UpdateCourse(ctx context.Context, course canvas.Ref, in canvas.UpdateCourseRequest) (*canvas.Course, error)
	CreateSection(ctx context.Context, course canvas.Ref, in canvas.SectionRequest) (*canvas.Section, error)
	UpdateSection(ctx context.Context, section canvas.Ref, in canvas.SectionInput) (*canvas.Section, error)
	CrossListSection(ctx context.Context, section, newCourse canvas.Ref) (*canvas.Section, error)

	// Enrolments.
	EnrollInSection(ctx context.Context, section canvas.Ref, e canvas.NewEnrollment) (*canvas.Enrollment, error)
	DeleteEnrollment(ctx context.Context, course canvas.Ref, enrollment int64) (*canvas.Enrollment, error)
	DeactivateEnrollment(ctx context.Context, course canvas.Ref, enrollment int64) (*canvas.Enrollment, error)
	ReactivateEnrollment(ctx context.Context, course canvas.Ref, enrollment int64) (*canvas.Enrollment, error)

	// Messages to teachers.
	CreateConversation(ctx context.Context, in canvas.ConversationRequest) ([]canvas.Conversation, error)
}

// canvasReads are the lookups the adapter makes in Canvas.
type canvasReads interface {
	GetAccount(ctx context.Context, account canvas.Ref) (*canvas.Account, error)
	ListRoles(ctx context.Context, account canvas.Ref, params *canvas.ListRolesParams) iter.Seq2[canvas.Role, error]
	GetUser(ctx context.Context, user canvas.Ref, params *canvas.GetUserParams) (*canvas.User, error)
	ListLogins(ctx context.Context, user canvas.Ref) iter.Seq2[canvas.Login, error]
	ListCommunicationChannels(ctx context.Context, user canvas.Ref) iter.Seq2[canvas.CommunicationChannel, error]
	GetCourse(ctx context.Context, course canvas.Ref, params *canvas.GetCourseParams) (*canvas.Course, error)
	GetSection(ctx context.Context, section canvas.Ref, params *canvas.GetSectionParams) (*canvas.Section, error)
	ListSectionEnrollments(ctx context.Context, section canvas.Ref, params *canvas.ListSectionEnrollmentsParams) iter.Seq2[canvas.Enrollment, error]
	ListUserEnrollments(ctx context.Context, user canvas.Ref, params *canvas.ListUserEnrollmentsParams) iter.Seq2[canvas.Enrollment, error]
	ListCourseEnrollments(ctx context.Context, course canvas.Ref, params *canvas.ListCourseEnrollmentsParams) iter.Seq2[canvas.Enrollment, error]
}

var _ canvasAPI = (*canvas.Client)(nil)
