package ladokcanvas

import (
	"context"

	"github.com/edusync/edusync/ladok"
)

// apply carries one event to Canvas. It is idempotent: applying an event again, or a prefix of
// the feed again in order, leaves Canvas as it was.
func (a *Adapter) apply(ctx context.Context, ev ladok.Event) error {
	switch e := ev.(type) {
	// Student information.
	case *ladok.LokalStudentEvent:
		return a.onLokalStudent(ctx, e)
	case *ladok.KontaktuppgifterEvent:
		return a.onKontaktuppgifter(ctx, e)
	case *ladok.StudentrestriktionEvent:
		return a.onRestriction(ctx, e)
	case *ladok.SkyddadePersonuppgifterEvent:
		return a.onProtected(ctx, e)

	// Education information.
	case *ladok.KurspaketeringstillfalleTillStatusEvent:
		return a.onOfferingStatus(ctx, e.UtbildningstillfalleUID, kindProgramme)
	case *ladok.KurspaketeringstillfalleUppdateratEvent:
		return a.onOfferingUpdated(ctx, e.UtbildningstillfalleUID, kindProgramme, e.Utbildningstillfalleskod, e.Tillfallesperioder)
	case *ladok.KurspaketeringUppdateradEvent:
		return a.onSyllabusChanged(ctx, kindProgramme, &e.Utbildningsinstansbas, "")
	case *ladok.KurstillfalleTillStatusEvent:
		return a.onOfferingStatus(ctx, e.UtbildningstillfalleUID, kindCourse)
	case *ladok.KursUppdateradEvent:
		return a.onSyllabusChanged(ctx, kindCourse, &e.Utbildningsinstansbas, e.Kurskod)
	case *ladok.KurstillfalleUppdateratEvent:
		return a.onOfferingUpdated(ctx, e.UtbildningstillfalleUID, kindCourse, e.Utbildningstillfalleskod, e.Kurstillfallesperioder)
	case *ladok.UtbildningstillfalleInstalltEvent:
		return a.onCancelled(ctx, e.UtbildningstillfalleUID)
	case *ladok.UtbildningsinstansPaUtbildningstillfalleAndradEvent:
		return a.onSyllabusMoved(ctx, e)

	// Study participation.
	case *ladok.StudentTillLarosateEvent:
		return a.onStudentTillLarosate(ctx, e)
	case *ladok.RegistreringEvent:
		return a.register(ctx, e.StudentUID, e.KurstillfalleUID, kindCourse)
	case *ladok.OmregistreringEvent:
		return a.register(ctx, e.StudentUID, e.KurstillfalleUID, kindCourse)
	case *ladok.AvbrottBorttagetEvent:
		return a.register(ctx, e.StudentUID, e.UtbildningstillfalleUID, kindCourse)
	case *ladok.UppehallBorttagetEvent:
		return a.register(ctx, e.StudentUID, e.UtbildningstillfalleUID, kindCourse)
	case *ladok.PaborjatUtbildningstillfalleEvent:
		return a.register(ctx, e.StudentUID, e.UtbildningstillfalleUID, kindProgramme)
	case *ladok.ForvantatDeltagandeSkapadEvent:
		return a.admit(ctx, e.StudentUID, e.UtbildningstillfalleUID)
	case *ladok.AterkalladregistreringEvent:
		return a.remove(ctx, e.StudentUID, e.KurstillfalleUID, kindCourse)
	case *ladok.AterkalladOmregistreringEvent:
		return a.remove(ctx, e.StudentUID, e.KurstillfalleUID, kindCourse)
	case *ladok.ForvantatDeltagandeBorttagetEvent:
		return a.remove(ctx, e.StudentUID, e.UtbildningstillfalleUID, kindCourse)
	case *ladok.AvbrottEvent:
		return a.remove(ctx, e.StudentUID, e.UtbildningstillfalleUID, kindCourse)
	case *ladok.AterbudEvent:
		return a.remove(ctx, e.StudentUID, e.UtbildningstillfalleUID, kindCourse)
	case *ladok.AterkallatPaborjatUtbildningstillfalleEvent:
		return a.remove(ctx, e.StudentUID, e.UtbildningstillfalleUID, kindProgramme)
	}
	a.stats.ignored.Add(1)
	return nil
}
