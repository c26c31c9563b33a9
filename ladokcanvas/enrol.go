package ladokcanvas

import (
	"context"
	"errors"

	"github.com/edusync/edusync/canvas"
)

// roleID returns the Canvas role id of a managed role; 0 means Canvas's standard student
// role (UseAdmitted off).
func (c *core) roleID(role roleKind) int64 {
	if role == roleAdmitted {
		return c.roles().admitted
	}
	return c.roles().registered
}

// roleOf tells which managed role a Canvas enrolment has, if any.
func (c *core) roleOf(e *canvas.Enrollment) (roleKind, bool) {
	roles := c.roles()
	switch {
	case roles.admitted != 0 && e.RoleID == roles.admitted:
		return roleAdmitted, true
	case roles.registered != 0 && e.RoleID == roles.registered:
		return roleRegistered, true
	case roles.registered == 0 && e.Type == canvas.EnrollmentTypeStudent && (e.Role == "" || e.Role == string(canvas.EnrollmentTypeStudent)):
		return roleRegistered, true
	}
	return 0, false
}

// kindOf returns what the adapter knows uid to be, or def.
func (c *core) kindOf(uid, def string) string {
	if r, ok := c.m.offering(uid); ok && r.Kind != "" {
		return r.Kind
	}
	return def
}

// register adds the student to the offering's course as registered; with UseAdmitted (and
// unless EarlyAccessDisablePurge) the admitted enrolment the registration replaces is removed.
func (h *enrolments) register(ctx context.Context, uid, off, kind string) error {
	r, err := h.prepare(ctx, uid, off, kind)
	if err != nil {
		return err
	}
	if err := h.enrollIn(ctx, uid, r, roleRegistered); err != nil {
		return err
	}
	if h.cfg.UseAdmitted && !h.cfg.EarlyAccessDisablePurge {
		return h.unenrollIn(ctx, uid, r, roleAdmitted)
	}
	return nil
}

// admit gives an admitted student early access: the admitted role, in courses with early
// access on.
func (h *enrolments) admit(ctx context.Context, uid, off, kind string) error {
	r, err := h.prepare(ctx, uid, off, kind)
	if err != nil {
		return err
	}
	if !h.cfg.UseAdmitted || !h.m.isEarlyAccess(r.Course) {
		h.stats.ignored.Add(1)
		return nil
	}
	return h.enrollIn(ctx, uid, r, roleAdmitted)
}

// remove takes the student out of the offering's section: both managed roles.
func (h *enrolments) remove(ctx context.Context, uid, off, kind string) error {
	r, err := h.prepare(ctx, uid, off, kind)
	if err != nil {
		return err
	}
	return h.unenrollIn(ctx, uid, r, roleRegistered, roleAdmitted)
}

// prepare ensures that student and offering exist in Canvas, as every study-participation
// event does first.
func (h *enrolments) prepare(ctx context.Context, uid, off, kind string) (offeringRecord, error) {
	if _, err := h.students.ensureUser(ctx, uid, nil); err != nil {
		return offeringRecord{}, err
	}
	return h.courses.ensureOffering(ctx, off, h.kindOf(off, kind))
}

// enrollIn enrols the student in the offering's section with role: active, or inactive while
// a suspension is in force.
func (h *enrolments) enrollIn(ctx context.Context, uid string, r offeringRecord, role roleKind) error {
	state := canvas.EnrollmentStateActive
	suspended := false
	if h.cfg.UseRestrictions && h.m.hasSuspension(uid) {
		rec, err := h.susp.reconcileSuspension(ctx, uid)
		if err != nil {
			return err
		}
		if rec.Phase == phaseApplying || rec.Phase == phaseApplied {
			state, suspended = canvas.EnrollmentStateInactive, true
		}
	}
	key := enrKey{user: uid, section: r.UID, role: role}
	if v, ok := h.facts.enrollment(key); ok && v.State == state {
		return nil
	}
	ne := canvas.NewEnrollment{User: canvas.SISUser(uid), State: state}
	if id := h.roleID(role); id != 0 {
		ne.RoleID = id
	} else {
		ne.Type = canvas.EnrollmentTypeStudent
	}
	e, err := h.canvas.EnrollInSection(ctx, canvas.SISSection(r.UID), ne)
	if err != nil {
		return err
	}
	// An inactive enrolment joins the suspension's list before its fact is recorded: facts
	// are written with whichever event commits next, and a replay that found the fact first
	// would never add the enrolment to the list, which leaves it inactive after the suspension.
	if suspended {
		if err := h.susp.noteDeactivated(ctx, uid, enrollmentID{Course: e.CourseID, Enrollment: e.ID}); err != nil {
			return err
		}
	}
	h.facts.setEnrollment(key, enrFact{ID: e.ID, Course: e.CourseID, State: state})
	h.log.Debug("ladokcanvas: enrolled", "student", uid, "offering", r.UID, "role", role.String(), "state", string(state))
	return nil
}

// unenrollIn deletes the student's enrolments with the given roles in the offering's section.
func (h *enrolments) unenrollIn(ctx context.Context, uid string, r offeringRecord, roles ...roleKind) error {
	var unknown []roleKind
	u, _ := h.facts.user(uid)
	for _, role := range roles {
		key := enrKey{user: uid, section: r.UID, role: role}
		v, ok := h.facts.enrollment(key)
		if !ok {
			if !u.Fresh { // a user this process created has no enrolments it does not know
				unknown = append(unknown, role)
			}
			continue
		}
		if err := h.deleteEnrollment(ctx, v.Course, v.ID); err != nil {
			return err
		}
		h.facts.dropEnrollment(key)
	}
	if len(unknown) == 0 {
		return nil
	}
	for e, err := range h.canvas.ListSectionEnrollments(ctx, canvas.SISSection(r.UID), &canvas.ListSectionEnrollmentsParams{UserID: canvas.SISUser(uid).String()}) {
		if err != nil {
			if errors.Is(err, canvas.ErrNotFound) {
				return nil
			}
			return err
		}
		role, ok := h.roleOf(&e)
		if !ok || e.EnrollmentState == canvas.EnrollmentStateCompleted || e.EnrollmentState == canvas.EnrollmentStateDeleted {
			continue
		}
		for _, want := range unknown {
			if role == want {
				if err := h.deleteEnrollment(ctx, e.CourseID, e.ID); err != nil {
					return err
				}
				h.facts.dropEnrollment(enrKey{user: uid, section: r.UID, role: role})
			}
		}
	}
	return complete(ctx)
}

func (h *enrolments) deleteEnrollment(ctx context.Context, course, id int64) error {
	_, err := h.canvas.DeleteEnrollment(ctx, canvas.ID(course), id)
	if err != nil && !errors.Is(err, canvas.ErrNotFound) {
		return err
	}
	return nil
}
