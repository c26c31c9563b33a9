package ladokcanvas

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/edusync/edusync/canvas"
	"github.com/edusync/edusync/ladok"
	"github.com/edusync/edusync/store"
)

// Suspensions (Studentrestriktion AVSTANGNING): the periods are kept in the store per student,
// with a store timer at the start of the first day and one at the start of the day after the
// last (Swedish time; the last day is inclusive). Whether a student is suspended is always
// worked out from the periods and the clock (reconcileSuspension), so timers that fire late,
// twice or after a restart, and periods that are moved, shortened or lifted early, all end in
// the same state.

func timerID(uid, restriction, edge string) string {
	return keySuspension + uid + "/" + restriction + "/" + edge
}

// today is the Swedish date of now.
func (c *core) today() string { return c.o.now().In(stockholm).Format(time.DateOnly) }

type timerPayload struct {
	Student string `json:"student"`
}

func (h *suspensions) onRestriction(ctx context.Context, e *ladok.StudentrestriktionEvent) error {
	if !h.cfg.UseRestrictions {
		h.stats.ignored.Add(1)
		return nil
	}
	if !e.IsSuspension() {
		h.stats.ignored.Add(1)
		h.log.Info("ladokcanvas: restriction other than a suspension ignored", "student", e.StudentUID, "restriktionstyp", string(e.Restriktionstyp))
		return nil
	}
	uid, rid := e.StudentUID, e.StudentrestriktionUID
	if uid == "" {
		return permanent(errNoStudentUID)
	}
	if rid == "" {
		return permanent(errors.New("the suspension has no StudentrestriktionUID"))
	}
	rec, err := h.loadSuspension(ctx, uid)
	if err != nil {
		return err
	}
	if rec.Periods == nil {
		rec.Periods = map[string]period{}
	}
	payload, _ := json.Marshal(timerPayload{Student: uid})
	var timers func(tx store.Tx) error
	if e.Handelsetyp == ladok.HandelsetypBorttagen {
		delete(rec.Periods, rid)
		timers = func(tx store.Tx) error {
			for _, edge := range []string{"start", "end"} {
				if _, err := tx.Cancel(timerID(uid, rid, edge)); err != nil {
					return err
				}
			}
			return nil
		}
	} else {
		p := period{Start: day(e.Giltighetsperiod.Startdatum), End: day(e.Giltighetsperiod.Slutdatum)}
		if p.Start == "" {
			p.Start = h.today()
		}
		start, err := swedishDay(p.Start)
		if err != nil {
			return permanent(fmt.Errorf("suspension %s: start %w", rid, err))
		}
		var after time.Time
		if p.End != "" {
			last, err := swedishDay(p.End)
			if err != nil {
				return permanent(fmt.Errorf("suspension %s: end %w", rid, err))
			}
			if p.End < p.Start {
				return permanent(fmt.Errorf("suspension %s ends before it starts", rid))
			}
			after = last.AddDate(0, 0, 1) // the end date is inclusive
		}
		rec.Periods[rid] = p
		timers = func(tx store.Tx) error {
			if err := tx.Schedule(timerID(uid, rid, "start"), start, payload); err != nil {
				return err
			}
			if after.IsZero() {
				_, err := tx.Cancel(timerID(uid, rid, "end"))
				return err
			}
			return tx.Schedule(timerID(uid, rid, "end"), after, payload)
		}
	}
	if err := h.saveSuspension(ctx, uid, rec, timers); err != nil {
		return err
	}
	h.wakeTimers()
	_, err = h.reconcileSuspension(ctx, uid)
	return err
}

// activePeriod returns a period in force today, if any.
func (h *suspensions) activePeriod(rec *suspensionRecord) (period, bool) {
	today := h.today()
	ids := make([]string, 0, len(rec.Periods))
	for id := range rec.Periods {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		p := rec.Periods[id]
		if p.Start <= today && (p.End == "" || today <= p.End) {
			return p, true
		}
	}
	return period{}, false
}

// reconcileSuspension brings the student's enrolments in line with their suspensions today:
// inactive in every course not yet concluded while one is in force, active again (those it
// made inactive) when none is. Every step is written to the store before and after it is done
// in Canvas, so a stop at any point is finished by the next run.
func (h *suspensions) reconcileSuspension(ctx context.Context, uid string) (suspensionRecord, error) {
	rec, err := h.loadSuspension(ctx, uid)
	if err != nil {
		return rec, err
	}
	p, active := h.activePeriod(&rec)
	concluded := courseStates{c: h.core}
	if active {
		if rec.Phase == "" || rec.Phase == phaseReleasing {
			targets, err := h.activeStudentEnrollments(ctx, uid, &concluded)
			if err != nil {
				return rec, err
			}
			rec.Phase = phaseApplying
			rec.Deactivated = mergeIDs(rec.Deactivated, targets)
			if err := h.saveSuspension(ctx, uid, rec, nil); err != nil {
				return rec, err
			}
		}
		if rec.Phase == phaseApplying {
			// An enrolment that is gone needs nothing.
			n, err := h.setStates(ctx, uid, rec.Deactivated, &concluded, canvas.EnrollmentStateInactive, h.canvas.DeactivateEnrollment,
				func(err error) bool { return errors.Is(err, canvas.ErrNotFound) })
			if err != nil {
				return rec, err
			}
			rec.Phase = phaseApplied
			if err := h.saveSuspension(ctx, uid, rec, nil); err != nil {
				return rec, err
			}
			h.log.Info("ladokcanvas: suspension in force; enrolments made inactive", "student", uid, "enrollments", n)
		}
		if !rec.Notified && h.cfg.RestrictionsSendMessageToTeachers {
			if err := h.notifyTeachers(ctx, uid, p, rec.Deactivated, &concluded); err != nil {
				return rec, err
			}
			rec.Notified = true
			if err := h.saveSuspension(ctx, uid, rec, nil); err != nil {
				return rec, err
			}
		}
		return rec, nil
	}
	if rec.Phase != "" {
		if rec.Phase != phaseReleasing {
			rec.Phase = phaseReleasing
			if err := h.saveSuspension(ctx, uid, rec, nil); err != nil {
				return rec, err
			}
		}
		// An enrolment that is gone, or that Canvas refuses to make active again, is left.
		n, err := h.setStates(ctx, uid, rec.Deactivated, &concluded, canvas.EnrollmentStateActive, h.canvas.ReactivateEnrollment,
			func(err error) bool {
				return errors.Is(err, canvas.ErrNotFound) || errors.Is(err, canvas.ErrBadRequest)
			})
		if err != nil {
			return rec, err
		}
		rec.Phase, rec.Deactivated, rec.Notified = "", nil, false
		if err := h.saveSuspension(ctx, uid, rec, nil); err != nil {
			return rec, err
		}
		if h.cfg.RestrictionsSendMessageToTeachers {
			if err := h.pruneNotices(ctx, uid); err != nil {
				return rec, err
			}
		}
		h.log.Info("ladokcanvas: suspension over; enrolments active again", "student", uid, "enrollments", n)
		return rec, nil
	}
	if len(rec.Periods) == 0 {
		if err := h.saveSuspension(ctx, uid, rec, nil); err != nil { // drops the empty record
			return rec, err
		}
	}
	return rec, nil
}

// setStates gives the enrolments ids in courses not concluded the state, one Canvas call
// (set) each; an error that tolerated accepts counts as done. It returns how many enrolments
// are done.
func (h *suspensions) setStates(ctx context.Context, uid string, ids []enrollmentID, cs *courseStates, state canvas.EnrollmentState,
	set func(ctx context.Context, course canvas.Ref, enrollment int64) (*canvas.Enrollment, error), tolerated func(error) bool) (int, error) {
	done := map[int64]bool{}
	for _, d := range ids {
		ok, err := cs.concluded(ctx, d.Course)
		if err != nil {
			return 0, err
		}
		if ok {
			continue
		}
		if _, err := set(ctx, canvas.ID(d.Course), d.Enrollment); err != nil && !tolerated(err) {
			return 0, err
		}
		done[d.Enrollment] = true
	}
	h.facts.restate(uid, done, state)
	return len(done), nil
}

func mergeIDs(have, add []enrollmentID) []enrollmentID {
	seen := map[enrollmentID]bool{}
	for _, h := range have {
		seen[h] = true
	}
	for _, x := range add {
		if !seen[x] {
			have = append(have, x)
			seen[x] = true
		}
	}
	return have
}

// noteDeactivated records an enrolment created inactive during a suspension, so that it is
// made active with the others when the suspension ends.
func (h *suspensions) noteDeactivated(ctx context.Context, uid string, id enrollmentID) error {
	rec, err := h.loadSuspension(ctx, uid)
	if err != nil {
		return err
	}
	rec.Deactivated = mergeIDs(rec.Deactivated, []enrollmentID{id})
	return h.saveSuspension(ctx, uid, rec, nil)
}

// activeStudentEnrollments lists the student's active student enrolments in courses not
// concluded.
func (h *suspensions) activeStudentEnrollments(ctx context.Context, uid string, cs *courseStates) ([]enrollmentID, error) {
	var out []enrollmentID
	params := &canvas.ListUserEnrollmentsParams{Type: []canvas.EnrollmentType{canvas.EnrollmentTypeStudent}, State: []canvas.EnrollmentState{canvas.EnrollmentStateActive}}
	for e, err := range h.canvas.ListUserEnrollments(ctx, canvas.SISUser(uid), params) {
		if err != nil {
			if errors.Is(err, canvas.ErrNotFound) {
				return nil, nil // no such user in Canvas: nothing to suspend
			}
			return nil, err
		}
		if e.Type != canvas.EnrollmentTypeStudent || e.EnrollmentState != canvas.EnrollmentStateActive {
			continue
		}
		done, err := cs.concluded(ctx, e.CourseID)
		if err != nil {
			return nil, err
		}
		if !done {
			out = append(out, enrollmentID{Course: e.CourseID, Enrollment: e.ID})
		}
	}
	return out, complete(ctx)
}

// courseStates caches, for one reconciliation, which courses are concluded (read-only) in
// Canvas: those are left as they are.
type courseStates struct {
	c   *core
	crs map[int64]*canvas.Course
}

func (cs *courseStates) course(ctx context.Context, id int64) (*canvas.Course, error) {
	if c, ok := cs.crs[id]; ok {
		return c, nil
	}
	c, err := cs.c.canvas.GetCourse(ctx, canvas.ID(id), nil)
	if err != nil {
		if errors.Is(err, canvas.ErrNotFound) {
			c = &canvas.Course{ID: id, WorkflowState: "deleted"}
		} else {
			return nil, err
		}
	}
	if cs.crs == nil {
		cs.crs = map[int64]*canvas.Course{}
	}
	cs.crs[id] = c
	return c, nil
}

func (cs *courseStates) concluded(ctx context.Context, id int64) (bool, error) {
	c, err := cs.course(ctx, id)
	if err != nil {
		return false, err
	}
	return c.WorkflowState == "completed" || c.WorkflowState == "deleted", nil
}

// notifyTeachers tells the teachers of the courses the suspension made the student inactive in,
// once per suspension period: the notice is marked in the store when the messenger is done, so
// a duplicate event, a restart or the same period coming into force again sends no second one.
func (h *suspensions) notifyTeachers(ctx context.Context, uid string, p period, ids []enrollmentID, cs *courseStates) error {
	key := noticeKey(uid, p, 0)
	if done, err := h.noticeMarked(ctx, key); err != nil || done {
		return err
	}
	n := SuspensionNotice{StudentUID: uid, From: p.Start, Until: p.End, Protected: h.students.shielded(uid)}
	if u, err := h.canvas.GetUser(ctx, canvas.SISUser(uid), nil); err == nil {
		n.StudentName = u.Name
	} else if !errors.Is(err, canvas.ErrNotFound) {
		return err
	}
	seen := map[int64]bool{}
	for _, d := range ids {
		if seen[d.Course] {
			continue
		}
		seen[d.Course] = true
		done, err := cs.concluded(ctx, d.Course)
		if err != nil {
			return err
		}
		if done {
			continue
		}
		c, err := cs.course(ctx, d.Course) // read by concluded: no second request
		if err != nil {
			return err
		}
		nc := NoticeCourse{CanvasID: c.ID, SISID: c.SisCourseID, Name: c.Name}
		params := &canvas.ListCourseEnrollmentsParams{Type: []canvas.EnrollmentType{canvas.EnrollmentTypeTeacher}, State: []canvas.EnrollmentState{canvas.EnrollmentStateActive}}
		for e, err := range h.canvas.ListCourseEnrollments(ctx, canvas.ID(c.ID), params) {
			if err != nil {
				return err
			}
			if e.Type == canvas.EnrollmentTypeTeacher {
				nc.TeacherIDs = append(nc.TeacherIDs, e.UserID)
			}
		}
		if err := complete(ctx); err != nil {
			return err
		}
		if len(nc.TeacherIDs) > 0 {
			n.Courses = append(n.Courses, nc)
		}
	}
	if len(n.Courses) > 0 {
		if err := h.o.messenger.SendSuspensionNotice(ctx, n); err != nil {
			return fmt.Errorf("ladokcanvas: messaging the teachers of a suspended student: %w", err)
		}
	}
	return h.markNotice(ctx, key, noticeMark{Until: p.End})
}

// Timers ---------------------------------------------------------------------------------------

// timerState is the timer loop's: a wake-up when a timer was scheduled, and one FireDue at a
// time.
type timerState struct {
	wake chan struct{}
	mu   sync.Mutex
}

func (c *core) wakeTimers() {
	select {
	case c.timers.wake <- struct{}{}:
	default:
	}
}

// FireDue fires the suspension timers that are due by the adapter's clock and does the work
// they stand for (and any a previous run left unfinished): it makes students inactive whose
// suspension has started and active again whose suspension is over. Run calls it by itself;
// hosts with a clock of their own (tests, simulations) call it after moving the clock. It
// returns how many timers fired.
func (a *Adapter) FireDue(ctx context.Context) (int, error) {
	a.timers.mu.Lock()
	defer a.timers.mu.Unlock()
	n, err := store.FireDue(ctx, a.st, a.scope, a.o.now(), 0, func(tx store.Tx, t store.Timer) error {
		if !strings.HasPrefix(t.ID, keySuspension) {
			return nil
		}
		return tx.SetValue(keyWork+t.ID, t.Payload)
	})
	a.stats.timers.Add(int64(n))
	if err != nil {
		return n, fmt.Errorf("ladokcanvas: firing timers: %w", err)
	}
	var work []store.Entry[timerPayload]
	if err := a.st.View(ctx, a.scope, func(tx store.Tx) error {
		var err error
		work, err = store.List[timerPayload](tx, keyWork)
		return err
	}); err != nil {
		return n, fmt.Errorf("ladokcanvas: reading timer work: %w", err)
	}
	byStudent := map[string][]string{}
	var order []string
	for _, w := range work {
		if _, ok := byStudent[w.Value.Student]; !ok {
			order = append(order, w.Value.Student)
		}
		byStudent[w.Value.Student] = append(byStudent[w.Value.Student], w.Key)
	}
	var errs []error
	for _, uid := range order {
		keys := byStudent[uid]
		err := a.do(ctx, []lockKey{student(uid)}, false, func(ctx context.Context) error {
			if uid != "" && a.cfg.UseRestrictions {
				if _, err := a.susp.reconcileSuspension(ctx, uid); err != nil {
					return err
				}
			}
			return a.update(ctx, func(tx store.Tx) error {
				for _, k := range keys {
					if err := tx.DeleteValue(k); err != nil {
						return err
					}
				}
				return nil
			})
		})
		if err != nil {
			errs = append(errs, err)
			if ctx.Err() != nil {
				break
			}
		}
	}
	return n, errors.Join(errs...)
}

// runTimers fires timers as they come due until ctx ends.
func (a *Adapter) runTimers(ctx context.Context) {
	for {
		if _, err := a.FireDue(ctx); err != nil && ctx.Err() == nil {
			a.log.Warn("ladokcanvas: suspension work failed; trying again later", "error", err)
		}
		wait := a.o.timerCheck
		var next store.Timer
		if err := a.st.View(ctx, a.scope, func(tx store.Tx) error {
			var err error
			next, err = tx.NextTimer()
			return err
		}); err == nil {
			if d := next.At.Sub(a.o.now()); d < wait {
				wait = max(d, 10*time.Millisecond)
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		case <-a.timers.wake:
			t.Stop()
		}
	}
}

// SuspensionState is what the adapter knows about one student's suspensions, for an admin
// tool.
type SuspensionState struct {
	// Periods are the suspensions by StudentrestriktionUID: first and last day (inclusive;
	// Last is empty for an open end).
	Periods map[string]SuspensionPeriod
	// InForce: the adapter has made the student's enrolments inactive.
	InForce bool
	// Inactive counts the enrolments the suspension made inactive.
	Inactive int
}

// SuspensionPeriod is one suspension's first and last day (Swedish dates).
type SuspensionPeriod struct {
	First, Last string
}

// Suspension returns what the adapter knows about a student's suspensions.
func (a *Adapter) Suspension(ctx context.Context, studentUID string) (SuspensionState, error) {
	rec, err := a.loadSuspension(ctx, studentUID)
	if err != nil {
		return SuspensionState{}, err
	}
	s := SuspensionState{Periods: map[string]SuspensionPeriod{}, InForce: rec.Phase == phaseApplied || rec.Phase == phaseApplying,
		Inactive: len(rec.Deactivated)}
	for id, p := range rec.Periods {
		s.Periods[id] = SuspensionPeriod{First: p.Start, Last: p.End}
	}
	return s, nil
}
