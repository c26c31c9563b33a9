package ladokcanvas

import (
	"context"

	"github.com/edusync/edusync/ladok"
)

// eventWork is what one event does: the work that carries it to Canvas, and the keys its task
// holds while the work runs (a barrier holds none: it waits for every task before it, and
// every task after it waits for it). The work is idempotent: applying an event again, or a
// prefix of the feed again in order, leaves Canvas as it was.
type eventWork struct {
	keys    []lockKey
	barrier bool
	run     func(ctx context.Context) error
}

// route returns the work of an event; ok is false for events the adapter does not act on
// (UppehallEvent, which needs nothing, generic and unknown events).
func (a *Adapter) route(ev ladok.Event) (w eventWork, ok bool) {
	onStudent := func(uid string, run func(context.Context) error) (eventWork, bool) {
		return eventWork{keys: []lockKey{student(uid)}, run: run}, true
	}
	onOffering := func(uid string, run func(context.Context) error) (eventWork, bool) {
		return eventWork{keys: []lockKey{offering(uid)}, run: run}, true
	}
	onSyllabus := func(run func(context.Context) error) (eventWork, bool) {
		return eventWork{barrier: true, run: run}, true
	}
	// Study participation: the student's events in order, different students in one
	// offering at the same time.
	participation := func(do func(ctx context.Context, uid, off, kind string) error, uid, off, kind string) (eventWork, bool) {
		return eventWork{keys: []lockKey{student(uid), offeringShared(off)},
			run: func(ctx context.Context) error { return do(ctx, uid, off, kind) }}, true
	}
	switch e := ev.(type) {
	// Student information.
	case *ladok.LokalStudentEvent:
		return onStudent(e.StudentUID, func(ctx context.Context) error { return a.students.onLokalStudent(ctx, e) })
	case *ladok.KontaktuppgifterEvent:
		return onStudent(e.StudentUID, func(ctx context.Context) error { return a.students.onKontaktuppgifter(ctx, e) })
	case *ladok.StudentrestriktionEvent:
		return onStudent(e.StudentUID, func(ctx context.Context) error { return a.susp.onRestriction(ctx, e) })
	case *ladok.SkyddadePersonuppgifterEvent:
		return onStudent(e.StudentUID, func(ctx context.Context) error { return a.students.onProtected(ctx, e) })
	case *ladok.StudentTillLarosateEvent:
		return onStudent(e.StudentUID, func(ctx context.Context) error { return a.students.onStudentTillLarosate(ctx, e) })

	// Education information.
	case *ladok.KurspaketeringstillfalleTillStatusEvent:
		return onOffering(e.UtbildningstillfalleUID, func(ctx context.Context) error {
			return a.courses.onOfferingStatus(ctx, e.UtbildningstillfalleUID, kindProgramme)
		})
	case *ladok.KurspaketeringstillfalleUppdateratEvent:
		return onOffering(e.UtbildningstillfalleUID, func(ctx context.Context) error {
			return a.courses.onOfferingUpdated(ctx, e.UtbildningstillfalleUID, kindProgramme, e.Utbildningstillfalleskod, e.Tillfallesperioder)
		})
	case *ladok.KurstillfalleTillStatusEvent:
		return onOffering(e.UtbildningstillfalleUID, func(ctx context.Context) error {
			return a.courses.onOfferingStatus(ctx, e.UtbildningstillfalleUID, kindCourse)
		})
	case *ladok.KurstillfalleUppdateratEvent:
		return onOffering(e.UtbildningstillfalleUID, func(ctx context.Context) error {
			return a.courses.onOfferingUpdated(ctx, e.UtbildningstillfalleUID, kindCourse, e.Utbildningstillfalleskod, e.Kurstillfallesperioder)
		})
	case *ladok.UtbildningstillfalleInstalltEvent:
		return onOffering(e.UtbildningstillfalleUID, func(ctx context.Context) error { return a.courses.onCancelled(ctx, e.UtbildningstillfalleUID) })
	case *ladok.UtbildningsinstansPaUtbildningstillfalleAndradEvent:
		return onOffering(e.UtbildningstillfalleUID, func(ctx context.Context) error { return a.courses.onSyllabusMoved(ctx, e) })
	case *ladok.KurspaketeringUppdateradEvent:
		return onSyllabus(func(ctx context.Context) error {
			return a.courses.onSyllabusChanged(ctx, kindProgramme, &e.Utbildningsinstansbas, "")
		})
	case *ladok.KursUppdateradEvent:
		return onSyllabus(func(ctx context.Context) error {
			return a.courses.onSyllabusChanged(ctx, kindCourse, &e.Utbildningsinstansbas, e.Kurskod)
		})

	// Study participation.
	case *ladok.RegistreringEvent:
		return participation(a.enrol.register, e.StudentUID, e.KurstillfalleUID, kindCourse)
	case *ladok.OmregistreringEvent:
		return participation(a.enrol.register, e.StudentUID, e.KurstillfalleUID, kindCourse)
	case *ladok.AvbrottBorttagetEvent:
		return participation(a.enrol.register, e.StudentUID, e.UtbildningstillfalleUID, kindCourse)
	case *ladok.UppehallBorttagetEvent:
		return participation(a.enrol.register, e.StudentUID, e.UtbildningstillfalleUID, kindCourse)
	case *ladok.PaborjatUtbildningstillfalleEvent:
		return participation(a.enrol.register, e.StudentUID, e.UtbildningstillfalleUID, kindProgramme)
	case *ladok.ForvantatDeltagandeSkapadEvent:
		return participation(a.enrol.admit, e.StudentUID, e.UtbildningstillfalleUID, kindCourse)
	case *ladok.AterkalladregistreringEvent:
		return participation(a.enrol.remove, e.StudentUID, e.KurstillfalleUID, kindCourse)
	case *ladok.AterkalladOmregistreringEvent:
		return participation(a.enrol.remove, e.StudentUID, e.KurstillfalleUID, kindCourse)
	case *ladok.ForvantatDeltagandeBorttagetEvent:
		return participation(a.enrol.remove, e.StudentUID, e.UtbildningstillfalleUID, kindCourse)
	case *ladok.AvbrottEvent:
		return participation(a.enrol.remove, e.StudentUID, e.UtbildningstillfalleUID, kindCourse)
	case *ladok.AterbudEvent:
		return participation(a.enrol.remove, e.StudentUID, e.UtbildningstillfalleUID, kindCourse)
	case *ladok.AterkallatPaborjatUtbildningstillfalleEvent:
		return participation(a.enrol.remove, e.StudentUID, e.UtbildningstillfalleUID, kindProgramme)
	}
	return eventWork{}, false
}
