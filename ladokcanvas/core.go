package ladokcanvas

import (
	"log/slog"

	"github.com/edusync/edusync/ladok"
	"github.com/edusync/edusync/store"
)

// core is what every event handler shares: the clients, the store and its scope, the
// configuration, what the adapter knows of Ladok (mirror) and of Canvas (facts), and the
// handlers themselves, so that one can ask another (an enrolment needs its student's Canvas
// user: h.students.ensureUser). The handlers are one type per kind of event, each in its own
// file: students (students.go), courses (courses.go), enrolments (enrol.go) and suspensions
// (suspension.go). The Adapter owns the rest: the feed, the scheduler, Start and Run.
type core struct {
	ladok  *ladok.Client
	canvas canvasAPI
	st     store.Store
	cfg    Config
	o      options
	scope  store.Scope
	log    *slog.Logger

	m       *mirror
	facts   *facts
	ledger  *ledger
	flight  flights
	periods periodCache
	timers  timerState
	stats   counters
	started startState

	students *students
	courses  *courses
	enrol    *enrolments
	susp     *suspensions
}

// students handles the events about a student (LokalStudent, Kontaktuppgifter,
// StudentTillLarosate, SkyddadePersonuppgifter): the student's Canvas user, login and e-mail.
type students struct{ *core }

// courses handles the events about offerings and syllabuses: Canvas accounts, courses and
// sections.
type courses struct{ *core }

// enrolments handles the study-participation events: a student's managed enrolments in an
// offering's section.
type enrolments struct{ *core }

// suspensions handles suspensions (Studentrestriktion AVSTANGNING): their periods and timers,
// the enrolments they make inactive, and the notices to teachers.
type suspensions struct{ *core }

// newCore wires the handlers to c.
func newCore(c *core) *core {
	c.students, c.courses, c.enrol, c.susp = &students{c}, &courses{c}, &enrolments{c}, &suspensions{c}
	return c
}
