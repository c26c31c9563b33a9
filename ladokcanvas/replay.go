package ladokcanvas

import (
	"context"
	"errors"
	"sort"

	"github.com/edusync/edusync/canvas"
	"github.com/edusync/edusync/ladok"
)

// ReplayResult sums up a ReplayCourse.
type ReplayResult struct {
	Offerings int // offerings of the course (its primary and the co-read ones)
	Added     int // enrolments created (or made to match: a suspended student's is inactive)
	Removed   int // managed enrolments removed
	Kept      int // enrolments already as Ladok says
}

// Participant states and what they mean in Canvas.
var (
	registeredStates = map[ladok.Deltagaretillstand]bool{ladok.DeltagaretillstandRegistrerad: true, ladok.DeltagaretillstandPagaende: true,
		ladok.DeltagaretillstandPagaendeMedSparr: true, ladok.DeltagaretillstandPaborjad: true, ladok.DeltagaretillstandAvklarad: true}
	admittedStates = map[ladok.Deltagaretillstand]bool{ladok.DeltagaretillstandForvantadDeltagare: true}
	pausedStates   = map[ladok.Deltagaretillstand]bool{ladok.DeltagaretillstandUppehall: true}
)

// ReplayCourse re-derives a course's student enrolments from Ladok's REST services instead of
// the feed: for the course's offering (and the offerings co-read in it) it lists the
// participants in Ladok and the managed enrolments in each section, adds who is missing
// (registered students with the registered role; admitted ones with the admitted role when
// the course has early access) and removes managed enrolments of students who left or whom
// Ladok no longer lists (admitted ones are kept with EarlyAccessDisablePurge). Students whose
// events passed before the course was configured are thereby added. course is the course's
// SIS id (the primary offering UID) or any of its offerings.
func (a *Adapter) ReplayCourse(ctx context.Context, course string) (ReplayResult, error) {
	if err := a.Start(ctx); err != nil {
		return ReplayResult{}, err
	}
	var res ReplayResult
	err := a.do(ctx, nil, true, func(ctx context.Context) error {
		primary := a.m.primary(course)
		offs := []string{primary}
		a.m.mu.RLock()
		for o, p := range a.m.coread {
			if p == primary {
				offs = append(offs, o)
			}
		}
		a.m.mu.RUnlock()
		sort.Strings(offs[1:])
		for _, off := range offs {
			if err := a.replayOffering(ctx, off, &res); err != nil {
				return err
			}
			res.Offerings++
		}
		return nil
	})
	return res, err
}

func (a *Adapter) replayOffering(ctx context.Context, off string, res *ReplayResult) error {
	r, err := a.courses.ensureOffering(ctx, off, a.kindOf(off, kindCourse))
	if err != nil {
		return err
	}
	early := a.cfg.UseAdmitted && a.m.isEarlyAccess(r.Course)

	type want struct {
		src   studentData
		roles map[roleKind]bool // the roles the student should hold
		keep  bool              // leave as is (a break)
		known bool              // Ladok lists the student
	}
	wants := map[string]*want{}
	for d, err := range a.ladok.SearchDeltagare(ctx, ladok.DeltagareKurstillfalleFilter{UtbildningstillfalleUID: []string{off}}) {
		if err != nil {
			var re *ladok.RecordError
			if errors.As(err, &re) {
				a.log.Warn("ladokcanvas: a participant record could not be read; skipped", "offering", off, "error", err)
				continue
			}
			return err
		}
		uid := d.Student.UID
		if uid == "" {
			continue
		}
		w := wants[uid]
		if w == nil {
			w = &want{src: studentData{uid: uid, given: d.Student.Fornamn, family: d.Student.Efternamn, pnr: d.Student.Personnummer}, roles: map[roleKind]bool{}}
			wants[uid] = w
		}
		w.known = true
		st := ladok.Deltagaretillstand(d.TillstandKurs.Tillfallesdeltagande)
		switch {
		case registeredStates[st]:
			w.roles[roleRegistered] = true
		case admittedStates[st]:
			if early {
				w.roles[roleAdmitted] = true
			}
		case pausedStates[st]:
			w.keep = true
		}
	}
	if err := complete(ctx); err != nil {
		return err
	}

	// What the section holds now.
	type have struct {
		e canvas.Enrollment
		r roleKind
	}
	current := map[string][]have{}
	for e, err := range a.canvas.ListSectionEnrollments(ctx, canvas.SISSection(off), nil) {
		if err != nil {
			if errors.Is(err, canvas.ErrNotFound) {
				break
			}
			return err
		}
		role, ok := a.roleOf(&e)
		if !ok || e.SisUserID == "" || e.EnrollmentState == canvas.EnrollmentStateCompleted || e.EnrollmentState == canvas.EnrollmentStateDeleted {
			continue
		}
		current[e.SisUserID] = append(current[e.SisUserID], have{e, role})
	}
	if err := complete(ctx); err != nil {
		return err
	}
	a.facts.dropSection(off)
	for uid, hs := range current {
		for _, h := range hs {
			a.facts.setEnrollment(enrKey{user: uid, section: off, role: h.r}, enrFact{ID: h.e.ID, Course: h.e.CourseID, State: h.e.EnrollmentState})
		}
	}

	uids := make([]string, 0, len(wants)+len(current))
	for uid := range wants {
		uids = append(uids, uid)
	}
	for uid := range current {
		if wants[uid] == nil {
			uids = append(uids, uid)
		}
	}
	sort.Strings(uids)
	purge := !a.cfg.EarlyAccessDisablePurge
	for _, uid := range uids {
		w := wants[uid]
		holds := map[roleKind]bool{}
		for _, h := range current[uid] {
			holds[h.r] = true
		}
		if w != nil && w.keep {
			res.Kept += len(holds)
			continue
		}
		var add, drop []roleKind
		for _, role := range []roleKind{roleRegistered, roleAdmitted} {
			should := w != nil && w.roles[role]
			switch {
			case should && !holds[role]:
				add = append(add, role)
			case should:
				res.Kept++
			case holds[role]:
				if role == roleAdmitted && !purge {
					res.Kept++
					continue
				}
				if role == roleAdmitted && w != nil && !w.roles[roleRegistered] && !early {
					res.Kept++ // early access is off: admitted students are neither added nor removed
					continue
				}
				drop = append(drop, role)
			}
		}
		if len(add) > 0 {
			var src *studentData
			if w != nil {
				src = &w.src
			}
			if _, err := a.students.ensureUser(ctx, uid, src); err != nil {
				if isPermanent(err) {
					a.log.Warn("ladokcanvas: replay could not add a student", "student", uid, "offering", off, "error", err)
					continue
				}
				return err
			}
			for _, role := range add {
				if err := a.enrol.enrollIn(ctx, uid, r, role); err != nil {
					return err
				}
				res.Added++
			}
		}
		if len(drop) > 0 {
			if err := a.enrol.unenrollIn(ctx, uid, r, drop...); err != nil {
				return err
			}
			res.Removed += len(drop)
		}
	}
	a.log.Info("ladokcanvas: offering replayed from Ladok", "offering", off, "added", res.Added, "removed", res.Removed)
	return nil
}
