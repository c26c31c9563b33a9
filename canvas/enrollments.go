package canvas

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// ListCourseEnrollments lists the enrolments of a course. Without State, Canvas lists active and
// invited enrolments (and inactive ones for admins).
func (c *Client) ListCourseEnrollments(ctx context.Context, course Ref, params *ListCourseEnrollmentsParams) iter.Seq2[Enrollment, error] {
	return list(ctx, c, path("/courses/", course, "/enrollments"), params, "", enrollmentID)
}

// ListCourseEnrollmentsPage returns one page of ListCourseEnrollments: the first when next is
// "", else the page at next (a Page.Next).
func (c *Client) ListCourseEnrollmentsPage(ctx context.Context, course Ref, params *ListCourseEnrollmentsParams, next string) (*Page[Enrollment], error) {
	return listPage(ctx, c, path("/courses/", course, "/enrollments"), params, "", enrollmentID, next)
}

// ListSectionEnrollments lists the enrolments of a section.
func (c *Client) ListSectionEnrollments(ctx context.Context, section Ref, params *ListSectionEnrollmentsParams) iter.Seq2[Enrollment, error] {
	return list(ctx, c, path("/sections/", section, "/enrollments"), params, "", enrollmentID)
}

// ListSectionEnrollmentsPage returns one page of ListSectionEnrollments (see
// ListCourseEnrollmentsPage for next).
func (c *Client) ListSectionEnrollmentsPage(ctx context.Context, section Ref, params *ListSectionEnrollmentsParams, next string) (*Page[Enrollment], error) {
	return listPage(ctx, c, path("/sections/", section, "/enrollments"), params, "", enrollmentID, next)
}

// ListUserEnrollments lists the enrolments of a user across courses.
func (c *Client) ListUserEnrollments(ctx context.Context, user Ref, params *ListUserEnrollmentsParams) iter.Seq2[Enrollment, error] {
	return list(ctx, c, path("/users/", user, "/enrollments"), params, "", enrollmentID)
}

// ListUserEnrollmentsPage returns one page of ListUserEnrollments (see
// ListCourseEnrollmentsPage for next).
func (c *Client) ListUserEnrollmentsPage(ctx context.Context, user Ref, params *ListUserEnrollmentsParams, next string) (*Page[Enrollment], error) {
	return listPage(ctx, c, path("/users/", user, "/enrollments"), params, "", enrollmentID, next)
}

// NewEnrollment describes an enrolment to create.
//
// Canvas makes a new enrolment "invited" unless told otherwise, and an invited student has to
// accept before they see the course, which is never what a student-records system means. The
// client therefore always sends a state: State, or active when State is empty.
type NewEnrollment struct {
	// User is the person to enrol (a Canvas id or SISUser(...), SISLogin(...)).
	User Ref
	// Type is the base enrolment type. It may be left empty when Role names a custom role (its
	// base type is used) and defaults to StudentEnrollment otherwise.
	Type EnrollmentType
	// Role is a custom course role's label (or name), resolved to its id through ResolveRoles,
	// which must have been called for it: role ids differ between Canvas instances. A base
	// type's name (StudentEnrollment, ...) is accepted as well.
	Role string
	// RoleID gives a custom role by id instead; it wins over Role.
	RoleID int64
	// State is the enrolment's state: active (the default), inactive, or invited.
	State EnrollmentState
	// SectionID puts a course enrolment in this section of the course (Canvas id). To name a
	// section by SIS id, use EnrollInSection.
	SectionID int64
	// StartAt and EndAt limit the enrolment in time (zero: the course's or term's dates).
	StartAt, EndAt time.Time
	// LimitToSection limits what the person sees and does to their own section.
	LimitToSection bool
	// Notify sends Canvas's enrolment notification to the person.
	Notify bool
}

// ErrRoleNotResolved is returned (before anything is sent) for an enrolment naming a custom role
// that ResolveRoles has not resolved.
var ErrRoleNotResolved = errors.New("canvas: custom role not resolved; call ResolveRoles first")

// input turns e into the request body, resolving the role label.
func (c *Client) enrollmentInput(e NewEnrollment) (EnrollmentInput, error) {
	in := EnrollmentInput{
		UserID:          e.User.String(),
		Type:            e.Type,
		RoleID:          e.RoleID,
		EnrollmentState: e.State,
		CourseSectionID: e.SectionID,
		StartAt:         e.StartAt,
		EndAt:           e.EndAt,
	}
	if e.User == "" {
		return in, errors.New("canvas: enrolment without a user")
	}
	if in.EnrollmentState == "" {
		in.EnrollmentState = EnrollmentStateActive
	}
	switch in.EnrollmentState {
	case EnrollmentStateActive, EnrollmentStateInactive, EnrollmentStateInvited:
	default:
		return in, fmt.Errorf("canvas: an enrolment cannot be created in state %q (active, inactive or invited)", in.EnrollmentState)
	}
	if e.LimitToSection {
		in.LimitPrivilegesToCourseSection = &e.LimitToSection
	}
	if e.Notify {
		in.Notify = &e.Notify
	}
	if in.RoleID == 0 && e.Role != "" {
		if bt := EnrollmentType(e.Role); bt.Valid() {
			if in.Type == "" {
				in.Type = bt
			} else if in.Type != bt {
				return in, fmt.Errorf("canvas: enrolment type %s and role %s disagree", in.Type, e.Role)
			}
		} else {
			r, ok := c.resolvedRole(e.Role)
			if !ok {
				return in, fmt.Errorf("%w: %q", ErrRoleNotResolved, e.Role)
			}
			in.RoleID = r.ID
			if bt := EnrollmentType(r.BaseRoleType); bt.Valid() && in.Type == "" {
				in.Type = bt
			}
		}
	}
	if in.RoleID != 0 && in.Type == "" {
		if r, ok := c.resolvedRoleByID(in.RoleID); ok && EnrollmentType(r.BaseRoleType).Valid() {
			in.Type = EnrollmentType(r.BaseRoleType)
		}
	}
	if in.Type == "" && in.RoleID == 0 {
		in.Type = EnrollmentTypeStudent
	}
	return in, nil
}

// Enroll enrols a user in a course. The state is always sent (active unless e.State says
// otherwise), custom roles are resolved by label, and a create whose answer was lost is looked
// up among the user's enrolments in the course before it is sent again, so nobody is enrolled
// twice.
func (c *Client) Enroll(ctx context.Context, course Ref, e NewEnrollment) (*Enrollment, error) {
	in, err := c.enrollmentInput(e)
	if err != nil {
		return nil, err
	}
	reread := func(ctx context.Context) (*Enrollment, bool, error) {
		params := &ListCourseEnrollmentsParams{State: createdStates(in)}
		params.UserID, params.SisUserID = userFilter(e.User)
		return findEnrollment(c.ListCourseEnrollments(ctx, course, params), in)
	}
	return create(ctx, c, path("/courses/", course, "/enrollments"), EnrollmentRequest{Enrollment: in}, reread)
}

// EnrollInSection enrols a user in a section (section may be SISSection(...)); otherwise as Enroll.
func (c *Client) EnrollInSection(ctx context.Context, section Ref, e NewEnrollment) (*Enrollment, error) {
	in, err := c.enrollmentInput(e)
	if err != nil {
		return nil, err
	}
	in.CourseSectionID = 0 // the path names the section
	reread := func(ctx context.Context) (*Enrollment, bool, error) {
		params := &ListSectionEnrollmentsParams{State: createdStates(in)}
		params.UserID, params.SisUserID = userFilter(e.User)
		return findEnrollment(c.ListSectionEnrollments(ctx, section, params), in)
	}
	return create(ctx, c, path("/sections/", section, "/enrollments"), EnrollmentRequest{Enrollment: in}, reread)
}

// userFilter turns the enrolled user into the list filter Canvas documents for it: sis_user_id[]
// for an SIS user id, user_id otherwise.
func userFilter(user Ref) (userID string, sisUserIDs []string) {
	if v, ok := strings.CutPrefix(user.String(), prefixSISUser+":"); ok {
		return "", []string{v}
	}
	return user.String(), nil
}

// createdStates are the states an enrolment created from in may be found in right after: the
// requested one, or creation_pending while its course is unpublished.
func createdStates(in EnrollmentInput) []EnrollmentState {
	if in.EnrollmentState == EnrollmentStateInactive {
		return []EnrollmentState{in.EnrollmentState}
	}
	return []EnrollmentState{in.EnrollmentState, EnrollmentStateCreationPending}
}

// findEnrollment looks for the enrolment a lost create would have made: same role (or type),
// same section when one was named, and the requested state.
func findEnrollment(seq iter.Seq2[Enrollment, error], in EnrollmentInput) (*Enrollment, bool, error) {
	for e, err := range seq {
		if err != nil {
			if _, bad := err.(*RecordError); bad {
				continue
			}
			return nil, false, err
		}
		if in.RoleID != 0 && e.RoleID != in.RoleID {
			continue
		}
		if in.RoleID == 0 && (e.Type != in.Type || (e.Role != "" && e.Role != string(in.Type))) {
			continue
		}
		if in.CourseSectionID != 0 && e.CourseSectionID != in.CourseSectionID {
			continue
		}
		if !slices.Contains(createdStates(in), e.EnrollmentState) {
			continue
		}
		return &e, true, nil
	}
	return nil, false, nil
}

// EndEnrollment ends an enrolment: TaskConclude keeps it as a past enrolment, TaskDeactivate
// (the same as TaskInactivate) keeps the person on the roster without access, TaskDelete removes
// it. Repeating it after a lost answer is harmless.
func (c *Client) EndEnrollment(ctx context.Context, course Ref, enrollment int64, task EnrollmentTask) (*Enrollment, error) {
	if task == "" {
		task = EnrollmentTaskConclude
	}
	if !task.Valid() {
		return nil, fmt.Errorf("canvas: unknown enrolment task %q", task)
	}
	var e Enrollment
	ok, err := c.remove(ctx, path("/courses/", course, "/enrollments/", enrollment), url.Values{"task": {string(task)}}, &e)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, nil // already deleted by an earlier attempt whose answer was lost
	}
	return &e, nil
}

// ConcludeEnrollment concludes an enrolment (see EndEnrollment).
func (c *Client) ConcludeEnrollment(ctx context.Context, course Ref, enrollment int64) (*Enrollment, error) {
	return c.EndEnrollment(ctx, course, enrollment, EnrollmentTaskConclude)
}

// DeactivateEnrollment makes an enrolment inactive (see EndEnrollment).
func (c *Client) DeactivateEnrollment(ctx context.Context, course Ref, enrollment int64) (*Enrollment, error) {
	return c.EndEnrollment(ctx, course, enrollment, EnrollmentTaskDeactivate)
}

// DeleteEnrollment deletes an enrolment (see EndEnrollment). It returns nil, nil when the
// enrolment was already gone after an answer was lost.
func (c *Client) DeleteEnrollment(ctx context.Context, course Ref, enrollment int64) (*Enrollment, error) {
	return c.EndEnrollment(ctx, course, enrollment, EnrollmentTaskDelete)
}

// ReactivateEnrollment makes an inactive enrolment active again.
func (c *Client) ReactivateEnrollment(ctx context.Context, course Ref, enrollment int64) (*Enrollment, error) {
	var e Enrollment
	if err := c.send(ctx, http.MethodPut, path("/courses/", course, "/enrollments/", enrollment, "/reactivate"), nil, nil, &e, nil); err != nil {
		return nil, err
	}
	return &e, nil
}
