package canvas

import (
	"context"
	"iter"
	"net/http"
	"net/url"
)

// ListCourses lists the courses of an account.
func (c *Client) ListCourses(ctx context.Context, account Ref, params *ListCoursesParams) iter.Seq2[Course, error] {
	return list(ctx, c, path("/accounts/", account, "/courses"), params, "", courseID)
}

// ListCoursesPage returns one page of ListCourses: the first when next is "", else the page at
// next (a Page.Next).
func (c *Client) ListCoursesPage(ctx context.Context, account Ref, params *ListCoursesParams, next string) (*Page[Course], error) {
	return listPage(ctx, c, path("/accounts/", account, "/courses"), params, "", courseID, next)
}

// GetCourse fetches one course (course may be SISCourse(...) or SISIntegration(...)).
func (c *Client) GetCourse(ctx context.Context, course Ref, params *GetCourseParams) (*Course, error) {
	var co Course
	if err := c.getJSON(ctx, path("/courses/", course), params, &co); err != nil {
		return nil, err
	}
	return &co, nil
}

// CreateCourse creates a course in account. With an SIS course id (or an integration id) a
// create whose answer was lost is looked up before it is sent again, so the course is never
// created twice; without either it is not repeated once it may have reached Canvas.
func (c *Client) CreateCourse(ctx context.Context, account Ref, in CreateCourseRequest) (*Course, error) {
	var reread lookupFunc[Course]
	switch {
	case in.Course.SisCourseID != "":
		reread = func(ctx context.Context) (*Course, bool, error) {
			return found(c.GetCourse(ctx, SISCourse(in.Course.SisCourseID), nil))
		}
	case in.Course.IntegrationID != "":
		reread = func(ctx context.Context) (*Course, bool, error) {
			return found(c.GetCourse(ctx, SISIntegration(in.Course.IntegrationID), nil))
		}
	}
	return create(ctx, c, path("/accounts/", account, "/courses"), in, reread)
}

// UpdateCourse changes a course; fields left empty are not changed. Course.Event publishes
// (offer), unpublishes (claim), concludes, deletes or restores (undelete) it.
func (c *Client) UpdateCourse(ctx context.Context, course Ref, in UpdateCourseRequest) (*Course, error) {
	var co Course
	if err := c.send(ctx, http.MethodPut, path("/courses/", course), nil, in, &co, nil); err != nil {
		return nil, err
	}
	return &co, nil
}

// ConcludeCourse concludes a course: it becomes read-only and its enrolments end.
func (c *Client) ConcludeCourse(ctx context.Context, course Ref) error {
	_, err := c.remove(ctx, path("/courses/", course), url.Values{"event": {string(DeleteCourseParamsEventConclude)}}, nil)
	return err
}

// DeleteCourse deletes a course. Deleting a course that is already gone after an answer was
// lost counts as success.
func (c *Client) DeleteCourse(ctx context.Context, course Ref) error {
	_, err := c.remove(ctx, path("/courses/", course), url.Values{"event": {string(DeleteCourseParamsEventDelete)}}, nil)
	return err
}

// ListSections lists the sections of a course.
func (c *Client) ListSections(ctx context.Context, course Ref, params *ListSectionsParams) iter.Seq2[Section, error] {
	return list(ctx, c, path("/courses/", course, "/sections"), params, "", sectionID)
}

// ListSectionsPage returns one page of ListSections (see ListCoursesPage for next).
func (c *Client) ListSectionsPage(ctx context.Context, course Ref, params *ListSectionsParams, next string) (*Page[Section], error) {
	return listPage(ctx, c, path("/courses/", course, "/sections"), params, "", sectionID, next)
}

// GetSection fetches one section (section may be SISSection(...) or SISIntegration(...)).
func (c *Client) GetSection(ctx context.Context, section Ref, params *GetSectionParams) (*Section, error) {
	var s Section
	if err := c.getJSON(ctx, path("/sections/", section), params, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// CreateSection creates a section in a course. With an SIS section id (or an integration id)
// it is safe to repeat (see CreateCourse).
func (c *Client) CreateSection(ctx context.Context, course Ref, in SectionRequest) (*Section, error) {
	var reread lookupFunc[Section]
	switch {
	case in.CourseSection.SisSectionID != "":
		reread = func(ctx context.Context) (*Section, bool, error) {
			return found(c.GetSection(ctx, SISSection(in.CourseSection.SisSectionID), nil))
		}
	case in.CourseSection.IntegrationID != "":
		reread = func(ctx context.Context) (*Section, bool, error) {
			return found(c.GetSection(ctx, SISIntegration(in.CourseSection.IntegrationID), nil))
		}
	}
	return create(ctx, c, path("/courses/", course, "/sections"), in, reread)
}

// UpdateSection changes a section; fields left empty are not changed.
func (c *Client) UpdateSection(ctx context.Context, section Ref, in SectionInput) (*Section, error) {
	var s Section
	if err := c.send(ctx, http.MethodPut, path("/sections/", section), nil, SectionRequest{CourseSection: in}, &s, nil); err != nil {
		return nil, err
	}
	return &s, nil
}

// DeleteSection deletes a section; Canvas refuses while it has enrolments other than deleted
// ones. Deleting a section that is already gone after an answer was lost counts as success.
func (c *Client) DeleteSection(ctx context.Context, section Ref) error {
	_, err := c.remove(ctx, path("/sections/", section), nil, nil)
	return err
}

// CrossListSection moves a section into another course of the same root account (for example
// to teach two course codes as one Canvas course). Moving it where it already is changes
// nothing, so the request is retried like an idempotent one.
func (c *Client) CrossListSection(ctx context.Context, section, newCourse Ref) (*Section, error) {
	var s Section
	if err := c.send(ctx, http.MethodPost, path("/sections/", section, "/crosslist/", newCourse), nil, nil, &s, idempotent()); err != nil {
		return nil, err
	}
	return &s, nil
}

// UncrossListSection moves a cross-listed section back to the course it came from.
func (c *Client) UncrossListSection(ctx context.Context, section Ref) (*Section, error) {
	var s Section
	if err := c.send(ctx, http.MethodDelete, path("/sections/", section, "/crosslist"), nil, nil, &s, nil); err != nil {
		return nil, err
	}
	return &s, nil
}
