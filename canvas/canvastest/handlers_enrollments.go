package canvastest

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/edusync/edusync/canvas"
)

// enrollmentFilter is what the three enrolment lists share.
type enrollmentFilter struct {
	types    []canvas.EnrollmentType
	roles    []string
	states   map[canvas.EnrollmentState]bool
	user     int64
	userSet  bool
	sisUsers []string
	sisSecs  []string
	sisCours []string
}

// defaultEnrollmentStates are listed when state[] is not given: active and invited, and for
// admins (the fake's tokens are admins) inactive and pending ones too.
var defaultEnrollmentStates = map[canvas.EnrollmentState]bool{canvas.EnrollmentStateActive: true, canvas.EnrollmentStateInvited: true,
	canvas.EnrollmentStateInactive: true, canvas.EnrollmentStateCreationPending: true}

func (st *store) newFilter(types []canvas.EnrollmentType, roles []string, states []canvas.EnrollmentState, user string) (enrollmentFilter, bool) {
	f := enrollmentFilter{types: types, roles: roles, states: defaultEnrollmentStates}
	if len(states) > 0 {
		f.states = map[canvas.EnrollmentState]bool{}
		for _, s := range states {
			switch s {
			case canvas.EnrollmentStateCurrentAndInvited:
				f.states[canvas.EnrollmentStateActive], f.states[canvas.EnrollmentStateInvited] = true, true
			case canvas.EnrollmentStateCurrentAndFuture:
				f.states[canvas.EnrollmentStateActive], f.states[canvas.EnrollmentStateInvited], f.states[canvas.EnrollmentStateCreationPending] = true, true, true
			case canvas.EnrollmentStateCurrentAndConcluded:
				f.states[canvas.EnrollmentStateActive], f.states[canvas.EnrollmentStateCompleted] = true, true
			default:
				f.states[s] = true
			}
		}
	}
	if user != "" {
		f.userSet = true
		f.user = st.lookup(refUser, user)
		if f.user == 0 {
			return f, false
		}
	}
	return f, true
}

func (f *enrollmentFilter) match(e *canvas.Enrollment) bool {
	if !f.states[e.EnrollmentState] {
		return false
	}
	if f.userSet && e.UserID != f.user {
		return false
	}
	if len(f.roles) > 0 {
		if !slices.Contains(f.roles, e.Role) {
			return false
		}
	} else if len(f.types) > 0 && !slices.Contains(f.types, e.Type) {
		return false
	}
	if len(f.sisUsers) > 0 && !slices.Contains(f.sisUsers, e.SisUserID) {
		return false
	}
	if len(f.sisSecs) > 0 && !slices.Contains(f.sisSecs, e.SisSectionID) {
		return false
	}
	if len(f.sisCours) > 0 && !slices.Contains(f.sisCours, e.SisCourseID) {
		return false
	}
	return true
}

// servePage answers one bookmarked page of the enrolments with the given ids.
func (s *Server) serveEnrollments(w http.ResponseWriter, r *http.Request, ids []int64, f enrollmentFilter) {
	st := s.st
	s.bookmarkPage(w, r, ids, func(id int64) bool {
		e := st.enrollments[id]
		return e != nil && f.match(&e.e)
	}, func(b []byte, id int64) []byte {
		return append(b, st.enrollments[id].json...)
	})
}

func (s *Server) listCourseEnrollments(w http.ResponseWriter, r *http.Request) {
	var p canvas.ListCourseEnrollmentsParams
	if !decodeParams(w, r, &p) {
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	id := s.pathRef(r, "course_id", refCourse)
	if id == 0 || s.st.courses[id].c.WorkflowState == courseDeleted {
		notFound(w)
		return
	}
	f, ok := s.st.newFilter(p.Type, p.Role, p.State, p.UserID)
	if !ok {
		notFound(w)
		return
	}
	f.sisUsers, f.sisSecs = p.SisUserID, p.SisSectionID
	s.serveEnrollments(w, r, s.st.courses[id].enrollments, f)
}

func (s *Server) listSectionEnrollments(w http.ResponseWriter, r *http.Request) {
	var p canvas.ListSectionEnrollmentsParams
	if !decodeParams(w, r, &p) {
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	id := s.pathRef(r, "section_id", refSection)
	if id == 0 {
		notFound(w)
		return
	}
	f, ok := s.st.newFilter(p.Type, p.Role, p.State, p.UserID)
	if !ok {
		notFound(w)
		return
	}
	f.sisUsers, f.sisSecs = p.SisUserID, p.SisSectionID
	s.serveEnrollments(w, r, s.st.sections[id].enrollments, f)
}

func (s *Server) listUserEnrollments(w http.ResponseWriter, r *http.Request) {
	var p canvas.ListUserEnrollmentsParams
	if !decodeParams(w, r, &p) {
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	id := s.pathRef(r, "user_id", refUser)
	if id == 0 {
		notFound(w)
		return
	}
	f, _ := s.st.newFilter(p.Type, p.Role, p.State, "")
	f.sisSecs, f.sisCours = p.SisSectionID, p.SisCourseID
	s.serveEnrollments(w, r, s.st.users[id].enrollments, f)
}

func (s *Server) enrollInCourse(w http.ResponseWriter, r *http.Request) {
	s.enroll(w, r, "enrollInCourse", func() (int64, int64) {
		c := s.pathRef(r, "course_id", refCourse)
		return c, 0
	})
}

func (s *Server) enrollInSection(w http.ResponseWriter, r *http.Request) {
	s.enroll(w, r, "enrollInSection", func() (int64, int64) {
		sec := s.pathRef(r, "section_id", refSection)
		if sec == 0 {
			return 0, 0
		}
		return s.st.sections[sec].course, sec
	})
}

// enroll creates an enrolment as Canvas does: the state defaults to invited; a custom role
// decides the type; an enrolment of the same user in the same section with the same role is
// updated and returned instead of duplicated (but still counted as a processed create).
func (s *Server) enroll(w http.ResponseWriter, r *http.Request, op string, where func() (course, section int64)) {
	var body canvas.EnrollmentRequest
	if err := decodeBody(r, &body); err != nil {
		badParam(w, err)
		return
	}
	in := body.Enrollment
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	cid, sid := where()
	if cid == 0 || st.courses[cid] == nil || st.courses[cid].c.WorkflowState == courseDeleted {
		notFound(w)
		return
	}
	c := st.courses[cid]
	if sid == 0 {
		sid = c.defSection
		if in.CourseSectionID != 0 {
			sec := st.sections[in.CourseSectionID]
			if sec == nil || sec.deleted || sec.course != cid {
				writeFieldError(w, "course_section_id", "invalid", "The section does not belong to the course.")
				return
			}
			sid = in.CourseSectionID
		}
	}
	uid := st.lookup(refUser, in.UserID)
	if uid == 0 {
		writeErrors(w, http.StatusNotFound, "The specified resource does not exist.")
		return
	}
	e, msg := s.buildEnrollmentLocked(c, sid, uid, in.Type, in.RoleID, "", in.EnrollmentState)
	if msg != "" {
		writeFieldError(w, "type", "invalid", msg)
		return
	}
	e.e.StartAt, e.e.EndAt = in.StartAt, in.EndAt
	if in.LimitPrivilegesToCourseSection != nil {
		e.e.LimitPrivilegesToCourseSection = *in.LimitPrivilegesToCourseSection
	}
	if in.AssociatedUserID != 0 {
		e.e.AssociatedUserID = in.AssociatedUserID
	}
	st.encodeEnrollment(e)
	s.obs.write(Write{Operation: op, Kind: "enrollment", ID: e.e.ID, Key: enrollmentKey(&e.e)})
	writeRaw(w, http.StatusOK, append([]byte(nil), e.json...))
}

// enrollmentKey identifies an enrolment across retries: user, course, section and role.
func enrollmentKey(e *canvas.Enrollment) string {
	return strconv.FormatInt(e.UserID, 10) + "/" + strconv.FormatInt(e.CourseID, 10) + "/" + strconv.FormatInt(e.CourseSectionID, 10) + "/" + strconv.FormatInt(e.RoleID, 10)
}

// buildEnrollmentLocked creates (or, for the same user, section and role, updates) an
// enrolment. roleName names a role by name (SIS imports); roleID by id. It returns a message
// for a request Canvas would refuse.
func (s *Server) buildEnrollmentLocked(c *courseRec, sid, uid int64, typ canvas.EnrollmentType, roleID int64, roleName string, state canvas.EnrollmentState) (*enrRec, string) {
	st := s.st
	var role *canvas.Role
	switch {
	case roleID != 0:
		role = st.roles[roleID]
		if role == nil || role.IsAccountRole || (role.WorkflowState != "active" && role.WorkflowState != "built_in") {
			return nil, "The role does not exist or is not a course role."
		}
	case roleName != "":
		if role = st.roleByName(roleName); role == nil {
			return nil, "The role does not exist."
		}
	default:
		if typ == "" {
			typ = canvas.EnrollmentTypeStudent
		}
		if !typ.Valid() {
			return nil, "The enrolment type is not one Canvas knows."
		}
		role = st.roleByName(string(typ))
	}
	if typ != "" && string(typ) != role.BaseRoleType {
		return nil, "The enrolment type does not match the role's base type."
	}
	typ = canvas.EnrollmentType(role.BaseRoleType)
	if state == "" {
		state = canvas.EnrollmentStateInvited // Canvas's default, which SIS clients must override
	}
	switch state {
	case canvas.EnrollmentStateActive, canvas.EnrollmentStateInvited, canvas.EnrollmentStateInactive, canvas.EnrollmentStateCompleted, canvas.EnrollmentStateDeleted:
	default:
		return nil, "The enrolment state is not one an enrolment can be created in."
	}
	now := stamp(s.opts.now())
	for _, eid := range st.users[uid].enrollments {
		e := st.enrollments[eid]
		if e.e.CourseSectionID == sid && e.e.RoleID == role.ID && e.e.EnrollmentState != canvas.EnrollmentStateDeleted {
			if e.e.EnrollmentState != state {
				e.e.EnrollmentState, e.e.UpdatedAt = state, now
			}
			return e, ""
		}
	}
	sec := st.sections[sid]
	u := st.users[uid]
	acc := st.accounts[c.c.AccountID]
	e := &enrRec{e: canvas.Enrollment{ID: st.newID("enrollment"), UserID: uid, CourseID: c.c.ID, Type: typ, CreatedAt: now, UpdatedAt: now,
		CourseSectionID: sid, RootAccountID: st.root, EnrollmentState: state, Role: role.Role, RoleID: role.ID,
		SisCourseID: c.c.SisCourseID, CourseIntegrationID: c.c.IntegrationID, SisSectionID: sec.s.SisSectionID,
		SectionIntegrationID: sec.s.IntegrationID, SisUserID: u.u.SisUserID, SisAccountID: acc.SisAccountID}}
	e.e.HTMLURL = "https://canvas.example.edu/courses/" + strconv.FormatInt(c.c.ID, 10) + "/users/" + strconv.FormatInt(uid, 10)
	if typ == canvas.EnrollmentTypeStudent {
		e.e.Grades.HTMLURL = "https://canvas.example.edu/courses/" + strconv.FormatInt(c.c.ID, 10) + "/grades/" + strconv.FormatInt(uid, 10)
	}
	st.enrollments[e.e.ID] = e
	st.addEnrollmentIndex(&e.e)
	return e, ""
}

func (s *Server) courseEnrollment(r *http.Request) (*courseRec, *enrRec) {
	cid := s.pathRef(r, "course_id", refCourse)
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if cid == 0 || err != nil {
		return nil, nil
	}
	e := s.st.enrollments[id]
	if e == nil || e.e.CourseID != cid {
		return nil, nil
	}
	return s.st.courses[cid], e
}

func (s *Server) endEnrollment(w http.ResponseWriter, r *http.Request) {
	var p canvas.EndEnrollmentParams
	if !decodeParams(w, r, &p) {
		return
	}
	task := p.Task
	if task == "" {
		task = canvas.EnrollmentTaskConclude
	}
	if !task.Valid() {
		writeFieldError(w, "task", "invalid", "task must be conclude, delete, inactivate or deactivate")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, e := s.courseEnrollment(r)
	if e == nil {
		notFound(w)
		return
	}
	var to canvas.EnrollmentState
	switch task {
	case canvas.EnrollmentTaskConclude:
		to = canvas.EnrollmentStateCompleted
	case canvas.EnrollmentTaskDelete:
		to = canvas.EnrollmentStateDeleted
	default:
		to = canvas.EnrollmentStateInactive
	}
	if e.e.EnrollmentState == canvas.EnrollmentStateDeleted {
		// Canvas looks the enrolment up among the course's enrolments that are not deleted, so
		// any task on a deleted one (a repeated delete included) is answered 404.
		notFound(w)
		return
	}
	if e.e.EnrollmentState != to {
		e.e.EnrollmentState, e.e.UpdatedAt = to, stamp(s.opts.now())
		s.st.encodeEnrollment(e)
		s.obs.write(Write{Operation: "endEnrollment", Kind: "enrollment", ID: e.e.ID, Key: enrollmentKey(&e.e) + "/" + string(to)})
	}
	writeRaw(w, http.StatusOK, append([]byte(nil), e.json...))
}

func (s *Server) reactivateEnrollment(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, e := s.courseEnrollment(r)
	if e == nil || e.e.EnrollmentState == canvas.EnrollmentStateDeleted {
		notFound(w)
		return
	}
	switch e.e.EnrollmentState {
	case canvas.EnrollmentStateActive:
	case canvas.EnrollmentStateInactive:
		e.e.EnrollmentState, e.e.UpdatedAt = canvas.EnrollmentStateActive, stamp(s.opts.now())
		s.st.encodeEnrollment(e)
		s.obs.write(Write{Operation: "reactivateEnrollment", Kind: "enrollment", ID: e.e.ID, Key: enrollmentKey(&e.e) + "/active"})
	default:
		writeErrors(w, http.StatusBadRequest, "Only an inactive enrollment can be reactivated.")
		return
	}
	writeRaw(w, http.StatusOK, append([]byte(nil), e.json...))
}

// EnrollmentSeed describes the enrolments SeedEnrollments creates.
type EnrollmentSeed struct {
	// CourseSISID is the SIS id of the course (created when missing), e.g. "BENCH".
	CourseSISID string
	// Students is how many active student enrolments to create, each with its own user.
	Students int
	// Teachers adds active teacher enrolments.
	Teachers int
	// Seed varies names and grades.
	Seed uint64
}

// SeedEnrollments fills a course with realistic active enrolments (user with names, SIS and
// login ids; grades with scores; creation, update, start and activity dates), fast enough for
// hundreds of thousands, for benchmarks and the sandbox. It returns the course's Canvas id.
func (s *Server) SeedEnrollments(o EnrollmentSeed) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	cid := st.courseBySIS[o.CourseSISID]
	if cid == 0 {
		c := s.newCourseLocked(st.root, st.defTerm, "Benchmark course "+o.CourseSISID, o.CourseSISID, o.CourseSISID, "", time.Time{}, time.Time{})
		c.c.WorkflowState = courseAvailable
		cid = c.c.ID
	}
	c := st.courses[cid]
	rng := newSplitMix(o.Seed ^ 0x5eed)
	base := stamp(s.opts.now()).Add(-90 * 24 * time.Hour)
	grades := []string{"A", "B", "C", "D", "E", "F"}
	mk := func(typ canvas.EnrollmentType, i int) {
		first := firstNames[rng.next()%uint64(len(firstNames))]
		last := lastNames[rng.next()%uint64(len(lastNames))]
		sis := o.CourseSISID + "-" + strconv.Itoa(i)
		u := s.newUserLocked(first+" "+last, "", "", first, last)
		u.u.Email = "u" + strconv.FormatInt(u.u.ID, 10) + "@student.example.edu"
		s.addLoginLocked(u, "u"+strconv.FormatInt(u.u.ID, 10)+"@example.edu", sis, "int-"+sis, "")
		e, _ := s.buildEnrollmentLocked(c, c.defSection, u.u.ID, typ, 0, "", canvas.EnrollmentStateActive)
		e.e.CreatedAt = base.Add(time.Duration(rng.next()%(30*24*3600)) * time.Second)
		e.e.UpdatedAt = e.e.CreatedAt.Add(time.Duration(rng.next()%(24*3600)) * time.Second)
		e.e.StartAt = base
		e.e.LastActivityAt = base.Add(time.Duration(60*24*3600+rng.next()%(30*24*3600)) * time.Second)
		e.e.TotalActivityTime = int(rng.next() % 200000)
		if typ == canvas.EnrollmentTypeStudent {
			score := float64(rng.next()%10000) / 100
			g := grades[min(5, int((100-score)/10))]
			e.e.Grades.CurrentScore, e.e.Grades.CurrentGrade = score, g
			e.e.Grades.FinalScore, e.e.Grades.FinalGrade = score*0.8, g
			e.e.Grades.UnpostedCurrentScore, e.e.Grades.UnpostedCurrentGrade = score, g
			e.e.Grades.UnpostedFinalScore, e.e.Grades.UnpostedFinalGrade = score*0.8, g
		}
		st.encodeEnrollment(e)
	}
	for i := range o.Students {
		mk(canvas.EnrollmentTypeStudent, i)
	}
	for i := range o.Teachers {
		mk(canvas.EnrollmentTypeTeacher, o.Students+i)
	}
	return cid
}

// splitMix is a tiny deterministic generator for seeded data.
type splitMix struct{ s uint64 }

func newSplitMix(seed uint64) *splitMix { return &splitMix{s: seed} }

func (r *splitMix) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

var (
	firstNames = []string{"Åsa", "Björn", "Chiara", "Dagny", "Elif", "Fredrik", "Gül", "Hanna", "Ingrid", "Jörg", "Karin", "Lars",
		"Maja", "Nils", "Oskar", "Pernilla", "Ragnhild", "Sven", "Tove", "Ulla", "Viktor", "Yasmin", "Zlatan", "Øystein"}
	lastNames = []string{"Andersson", "Berg", "Çelik", "Dahl", "Ek", "Forsberg", "Gustafsson", "Holm", "Isaksson", "Johansson",
		"Karlsson", "Lindqvist", "Müller-Lüdenscheidt", "Nilsson", "Ødegård", "Persson", "Quist", "Rask", "Svensson", "Tran"}
)

// SeedUsers creates n users with logins whose SIS ids are prefix followed by 0, 1, ... and
// returns their Canvas ids, for tests and benchmarks that enrol many people.
func (s *Server) SeedUsers(prefix string, n int) []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	rng := newSplitMix(uint64(len(prefix)) * 0x9e37)
	ids := make([]int64, n)
	for i := range n {
		first := firstNames[rng.next()%uint64(len(firstNames))]
		last := lastNames[rng.next()%uint64(len(lastNames))]
		u := s.newUserLocked(first+" "+last, "", "", first, last)
		sis := prefix + strconv.Itoa(i)
		s.addLoginLocked(u, strings.ToLower(sis)+"@example.edu", sis, "", "")
		ids[i] = u.u.ID
	}
	return ids
}

// SeedCourse creates a published course with the given SIS id (and its default section) and
// returns its Canvas id; an existing course with that SIS id is returned as it is.
func (s *Server) SeedCourse(sisID, name string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id := s.st.courseBySIS[sisID]; id != 0 {
		return id
	}
	c := s.newCourseLocked(s.st.root, s.st.defTerm, name, sisID, sisID, "", time.Time{}, time.Time{})
	c.c.WorkflowState = courseAvailable
	return c.c.ID
}
