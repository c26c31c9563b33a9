package canvastest

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/edusync/edusync/canvas"
)

// courseState is the workflow state Canvas shows for a course.
const (
	courseUnpublished = "unpublished"
	courseAvailable   = "available"
	courseCompleted   = "completed"
	courseDeleted     = "deleted"
)

func (s *Server) listCourses(w http.ResponseWriter, r *http.Request) {
	var p canvas.ListCoursesParams
	if !decodeParams(w, r, &p) {
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	st := s.st
	acc := s.pathRef(r, "account_id", refAccount)
	if acc == 0 {
		notFound(w)
		return
	}
	var term int64
	if p.EnrollmentTermID != "" {
		if term = st.lookup(refTerm, p.EnrollmentTermID); term == 0 {
			notFound(w)
			return
		}
	}
	states := map[string]bool{}
	for _, v := range p.State {
		switch v {
		case "created", "claimed":
			states[courseUnpublished] = true
		case "all":
			states[courseUnpublished], states[courseAvailable], states[courseCompleted], states[courseDeleted] = true, true, true, true
		default:
			states[string(v)] = true
		}
	}
	if len(states) == 0 {
		states[courseUnpublished], states[courseAvailable], states[courseCompleted] = true, true, true
	}
	search := strings.ToLower(p.SearchTerm)
	var out []canvas.Course
	for _, id := range st.courseOrder {
		c := st.courses[id]
		if !st.subtree(acc, c.c.AccountID) || !states[c.c.WorkflowState] {
			continue
		}
		if term != 0 && c.c.EnrollmentTermID != term {
			continue
		}
		if p.Published && c.c.WorkflowState != courseAvailable {
			continue
		}
		if p.Completed && c.c.WorkflowState != courseCompleted {
			continue
		}
		if p.WithEnrollments && !st.hasLiveEnrollment(c) {
			continue
		}
		if search != "" && !strings.Contains(strings.ToLower(c.c.Name), search) && !strings.Contains(strings.ToLower(c.c.CourseCode), search) &&
			!strings.Contains(strings.ToLower(c.c.SisCourseID), search) {
			continue
		}
		out = append(out, courseView(s, c, p.Include))
	}
	s.numberedPage(w, r, marshalAll(out))
}

func (st *store) hasLiveEnrollment(c *courseRec) bool {
	for _, eid := range c.enrollments {
		if e := st.enrollments[eid]; e != nil && e.e.EnrollmentState != canvas.EnrollmentStateDeleted {
			return true
		}
	}
	return false
}

// courseView is what Canvas sends for a course with the includes asked for.
func courseView[I ~string](s *Server, c *courseRec, include []I) canvas.Course {
	out := c.c
	out.TotalStudents = 0
	for _, inc := range include {
		switch string(inc) {
		case "term":
			if t := s.st.terms[c.c.EnrollmentTermID]; t != nil {
				out.Term = canvas.CourseTerm{ID: t.ID, Name: t.Name, StartAt: t.StartAt, EndAt: t.EndAt}
			}
		case "total_students":
			n := 0
			for _, eid := range c.enrollments {
				if e := s.st.enrollments[eid]; e != nil && e.e.Type == canvas.EnrollmentTypeStudent &&
					(e.e.EnrollmentState == canvas.EnrollmentStateActive || e.e.EnrollmentState == canvas.EnrollmentStateInvited) {
					n++
				}
			}
			out.TotalStudents = n
		}
	}
	return out
}

func (s *Server) getCourse(w http.ResponseWriter, r *http.Request) {
	var p canvas.GetCourseParams
	if !decodeParams(w, r, &p) {
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	id := s.pathRef(r, "id", refCourse)
	c := s.st.courses[id]
	if id == 0 || c.c.WorkflowState == courseDeleted {
		notFound(w)
		return
	}
	writeJSON(w, http.StatusOK, courseView(s, c, p.Include))
}

func (s *Server) createCourse(w http.ResponseWriter, r *http.Request) {
	var body canvas.CreateCourseRequest
	if err := decodeBody(r, &body); err != nil {
		badParam(w, err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	acc := s.pathRef(r, "account_id", refAccount)
	if acc == 0 {
		notFound(w)
		return
	}
	in := body.Course
	st := s.st
	if in.SisCourseID != "" && st.courseBySIS[in.SisCourseID] != 0 {
		writeFieldError(w, "sis_source_id", "taken", "SIS ID \""+in.SisCourseID+"\" is already in use")
		return
	}
	if in.IntegrationID != "" && st.courseByInteg[in.IntegrationID] != 0 {
		writeFieldError(w, "integration_id", "taken", "Integration ID \""+in.IntegrationID+"\" is already in use")
		return
	}
	term := st.defTerm
	if in.TermID != "" {
		if term = st.lookup(refTerm, in.TermID); term == 0 {
			writeFieldError(w, "enrollment_term_id", "invalid", "The term does not exist.")
			return
		}
	}
	c := s.newCourseLocked(acc, term, in.Name, in.CourseCode, in.SisCourseID, in.IntegrationID, in.StartAt, in.EndAt)
	applyCourseInput(&c.c, in)
	if body.Offer != nil && *body.Offer {
		c.c.WorkflowState = courseAvailable
	}
	s.obs.write(Write{Operation: "createCourse", Kind: "course", ID: c.c.ID, Key: firstNonEmpty(c.c.SisCourseID, c.c.IntegrationID)})
	writeJSON(w, http.StatusOK, courseView(s, c, []string(nil)))
}

// newCourseLocked creates an unpublished course with its default section.
func (s *Server) newCourseLocked(acc, term int64, name, code, sis, integ string, start, end time.Time) *courseRec {
	st := s.st
	id := st.newID("course")
	if name == "" {
		name = "Unnamed Course"
	}
	if code == "" {
		code = name
	}
	c := &courseRec{c: canvas.Course{ID: id, Name: name, CourseCode: code, OriginalName: name, SisCourseID: sis, IntegrationID: integ,
		UUID: uuidOf("course", id), WorkflowState: courseUnpublished, AccountID: acc, RootAccountID: st.root, EnrollmentTermID: term,
		CreatedAt: stamp(s.opts.now()), StartAt: start, EndAt: end, DefaultView: "modules", StorageQuotaMb: 500,
		TimeZone: st.accounts[st.root].DefaultTimeZone, License: "private"}}
	st.courses[id] = c
	st.courseOrder = append(st.courseOrder, id)
	if sis != "" {
		st.courseBySIS[sis] = id
	}
	if integ != "" {
		st.courseByInteg[integ] = id
	}
	sec := s.newSectionLocked(c, name, "", "", time.Time{}, time.Time{})
	c.defSection = sec.s.ID
	return c
}

func applyCourseInput(c *canvas.Course, in canvas.CourseInput) {
	if in.License != "" {
		c.License = in.License
	}
	if in.IsPublic != nil {
		c.IsPublic = *in.IsPublic
	}
	if in.PublicDescription != "" {
		c.PublicDescription = in.PublicDescription
	}
	if in.HideFinalGrades != nil {
		c.HideFinalGrades = *in.HideFinalGrades
	}
	if in.TimeZone != "" {
		c.TimeZone = in.TimeZone
	}
	if in.DefaultView != "" {
		c.DefaultView = string(in.DefaultView)
	}
	if in.RestrictEnrollmentsToCourseDates != nil {
		c.RestrictEnrollmentsToCourseDates = *in.RestrictEnrollmentsToCourseDates
	}
	if in.CourseFormat != "" {
		c.CourseFormat = string(in.CourseFormat)
	}
}

func (s *Server) updateCourse(w http.ResponseWriter, r *http.Request) {
	var body canvas.UpdateCourseRequest
	if err := decodeBody(r, &body); err != nil {
		badParam(w, err)
		return
	}
	in := body.Course
	if in.Event != "" && !in.Event.Valid() {
		writeFieldError(w, "event", "invalid", "event must be claim, offer, conclude, delete or undelete")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	id := s.pathRef(r, "id", refCourse)
	if id == 0 {
		notFound(w)
		return
	}
	c := st.courses[id]
	if c.c.WorkflowState == courseDeleted && in.Event != canvas.CourseEventUndelete {
		notFound(w)
		return
	}
	before := c.c
	if in.SisCourseID != "" && in.SisCourseID != c.c.SisCourseID {
		if st.courseBySIS[in.SisCourseID] != 0 {
			writeFieldError(w, "sis_source_id", "taken", "SIS ID \""+in.SisCourseID+"\" is already in use")
			return
		}
		delete(st.courseBySIS, c.c.SisCourseID)
		c.c.SisCourseID = in.SisCourseID
		st.courseBySIS[in.SisCourseID] = id
	}
	if in.IntegrationID != "" && in.IntegrationID != c.c.IntegrationID {
		if st.courseByInteg[in.IntegrationID] != 0 {
			writeFieldError(w, "integration_id", "taken", "Integration ID \""+in.IntegrationID+"\" is already in use")
			return
		}
		delete(st.courseByInteg, c.c.IntegrationID)
		c.c.IntegrationID = in.IntegrationID
		st.courseByInteg[in.IntegrationID] = id
	}
	if in.TermID != "" {
		term := st.lookup(refTerm, in.TermID)
		if term == 0 {
			writeFieldError(w, "enrollment_term_id", "invalid", "The term does not exist.")
			return
		}
		c.c.EnrollmentTermID = term
	}
	if in.AccountID != 0 {
		if st.accounts[in.AccountID] == nil {
			writeFieldError(w, "account_id", "invalid", "The account does not exist.")
			return
		}
		c.c.AccountID = in.AccountID
	}
	if in.Name != "" {
		c.c.Name = in.Name
	}
	if in.CourseCode != "" {
		c.c.CourseCode = in.CourseCode
	}
	if !in.StartAt.IsZero() {
		c.c.StartAt = in.StartAt
	}
	if !in.EndAt.IsZero() {
		c.c.EndAt = in.EndAt
	}
	applyCourseInput(&c.c, in)
	event := in.Event
	if body.Offer != nil && *body.Offer && event == "" {
		event = canvas.CourseEventOffer
	}
	switch event {
	case canvas.CourseEventOffer:
		c.c.WorkflowState = courseAvailable
	case canvas.CourseEventClaim:
		c.c.WorkflowState = courseUnpublished
	case canvas.CourseEventConclude:
		s.concludeCourseLocked(c)
	case canvas.CourseEventDelete:
		s.deleteCourseLocked(c)
	case canvas.CourseEventUndelete:
		if c.c.WorkflowState == courseDeleted {
			c.c.WorkflowState = courseUnpublished
			if c.c.SisCourseID != "" {
				st.courseBySIS[c.c.SisCourseID] = id
			}
		}
	}
	if before != c.c {
		s.obs.write(Write{Operation: "updateCourse", Kind: "course", ID: id, Key: stateKey(c.c.SisCourseID, c.c)})
	}
	writeJSON(w, http.StatusOK, courseView(s, c, []string(nil)))
}

func (s *Server) concludeCourseLocked(c *courseRec) {
	c.c.WorkflowState = courseCompleted
	for _, eid := range c.enrollments {
		if e := s.st.enrollments[eid]; e != nil && (e.e.EnrollmentState == canvas.EnrollmentStateActive || e.e.EnrollmentState == canvas.EnrollmentStateInvited) {
			e.e.EnrollmentState = canvas.EnrollmentStateCompleted
			s.st.encodeEnrollment(e)
		}
	}
}

func (s *Server) deleteCourseLocked(c *courseRec) {
	c.c.WorkflowState = courseDeleted
	// A deleted course gives up its SIS id, so a new course can take it (as on Canvas).
	if s.st.courseBySIS[c.c.SisCourseID] == c.c.ID {
		delete(s.st.courseBySIS, c.c.SisCourseID)
	}
	for _, eid := range c.enrollments {
		if e := s.st.enrollments[eid]; e != nil && e.e.EnrollmentState != canvas.EnrollmentStateDeleted {
			e.e.EnrollmentState = canvas.EnrollmentStateDeleted
			s.st.encodeEnrollment(e)
		}
	}
}

func (s *Server) deleteCourse(w http.ResponseWriter, r *http.Request) {
	var p canvas.DeleteCourseParams
	if !decodeParams(w, r, &p) {
		return
	}
	if p.Event != canvas.DeleteCourseParamsEventDelete && p.Event != canvas.DeleteCourseParamsEventConclude {
		writeFieldError(w, "event", "invalid", "event must be delete or conclude")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.pathRef(r, "id", refCourse)
	c := s.st.courses[id]
	if id == 0 || c.c.WorkflowState == courseDeleted {
		notFound(w)
		return
	}
	if p.Event == canvas.DeleteCourseParamsEventDelete {
		s.deleteCourseLocked(c)
		s.obs.write(Write{Operation: "deleteCourse", Kind: "course", ID: id, Key: c.c.SisCourseID})
		writeJSON(w, http.StatusOK, canvas.CourseEventResult{Delete: true})
		return
	}
	if c.c.WorkflowState != courseCompleted {
		s.concludeCourseLocked(c)
		s.obs.write(Write{Operation: "deleteCourse", Kind: "course", ID: id, Key: c.c.SisCourseID})
	}
	writeJSON(w, http.StatusOK, canvas.CourseEventResult{Conclude: true})
}

// newSectionLocked creates a section in c.
func (s *Server) newSectionLocked(c *courseRec, name, sis, integ string, start, end time.Time) *sectionRec {
	st := s.st
	sec := &sectionRec{s: canvas.Section{ID: st.newID("section"), Name: name, SisSectionID: sis, IntegrationID: integ, CourseID: c.c.ID,
		SisCourseID: c.c.SisCourseID, StartAt: start, EndAt: end, CreatedAt: stamp(s.opts.now())}, course: c.c.ID}
	st.sections[sec.s.ID] = sec
	c.sections = append(c.sections, sec.s.ID)
	if sis != "" {
		st.sectionBySIS[sis] = sec.s.ID
	}
	if integ != "" {
		st.sectionByInteg[integ] = sec.s.ID
	}
	return sec
}

func (s *Server) sectionView(sec *sectionRec, include []canvas.ListSectionsParamsInclude) canvas.Section {
	out := sec.s
	if c := s.st.courses[sec.course]; c != nil {
		out.CourseID, out.SisCourseID = c.c.ID, c.c.SisCourseID
	}
	for _, inc := range include {
		if inc == canvas.ListSectionsParamsIncludeTotalStudents {
			n := 0
			for _, eid := range sec.enrollments {
				if e := s.st.enrollments[eid]; e != nil && e.e.Type == canvas.EnrollmentTypeStudent && e.e.EnrollmentState == canvas.EnrollmentStateActive {
					n++
				}
			}
			out.TotalStudents = n
		}
	}
	return out
}

func (s *Server) listSections(w http.ResponseWriter, r *http.Request) {
	var p canvas.ListSectionsParams
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
	var out []canvas.Section
	for _, sid := range s.st.courses[id].sections {
		if sec := s.st.sections[sid]; !sec.deleted && sec.course == id {
			out = append(out, s.sectionView(sec, p.Include))
		}
	}
	s.numberedPage(w, r, marshalAll(out))
}

func (s *Server) getSection(w http.ResponseWriter, r *http.Request) {
	var p canvas.GetSectionParams
	if !decodeParams(w, r, &p) {
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	id := s.pathRef(r, "id", refSection)
	if id == 0 {
		notFound(w)
		return
	}
	inc := make([]canvas.ListSectionsParamsInclude, len(p.Include))
	for i, v := range p.Include {
		inc[i] = canvas.ListSectionsParamsInclude(v)
	}
	writeJSON(w, http.StatusOK, s.sectionView(s.st.sections[id], inc))
}

func (s *Server) createSection(w http.ResponseWriter, r *http.Request) {
	var body canvas.SectionRequest
	if err := decodeBody(r, &body); err != nil {
		badParam(w, err)
		return
	}
	in := body.CourseSection
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	id := s.pathRef(r, "course_id", refCourse)
	if id == 0 || st.courses[id].c.WorkflowState == courseDeleted {
		notFound(w)
		return
	}
	if in.SisSectionID != "" && st.sectionBySIS[in.SisSectionID] != 0 {
		writeFieldError(w, "sis_source_id", "taken", "SIS ID \""+in.SisSectionID+"\" is already in use")
		return
	}
	if in.IntegrationID != "" && st.sectionByInteg[in.IntegrationID] != 0 {
		writeFieldError(w, "integration_id", "taken", "Integration ID \""+in.IntegrationID+"\" is already in use")
		return
	}
	name := in.Name
	if name == "" {
		name = st.courses[id].c.Name
	}
	sec := s.newSectionLocked(st.courses[id], name, in.SisSectionID, in.IntegrationID, in.StartAt, in.EndAt)
	if in.RestrictEnrollmentsToSectionDates != nil {
		sec.s.RestrictEnrollmentsToSectionDates = *in.RestrictEnrollmentsToSectionDates
	}
	s.obs.write(Write{Operation: "createSection", Kind: "section", ID: sec.s.ID, Key: firstNonEmpty(in.SisSectionID, in.IntegrationID)})
	writeJSON(w, http.StatusOK, s.sectionView(sec, nil))
}

func (s *Server) updateSection(w http.ResponseWriter, r *http.Request) {
	var body canvas.SectionRequest
	if err := decodeBody(r, &body); err != nil {
		badParam(w, err)
		return
	}
	in := body.CourseSection
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	id := s.pathRef(r, "id", refSection)
	if id == 0 {
		notFound(w)
		return
	}
	sec := st.sections[id]
	before := sec.s
	if in.SisSectionID != "" && in.SisSectionID != sec.s.SisSectionID {
		if st.sectionBySIS[in.SisSectionID] != 0 {
			writeFieldError(w, "sis_source_id", "taken", "SIS ID \""+in.SisSectionID+"\" is already in use")
			return
		}
		delete(st.sectionBySIS, sec.s.SisSectionID)
		sec.s.SisSectionID = in.SisSectionID
		st.sectionBySIS[in.SisSectionID] = id
	}
	if in.IntegrationID != "" && in.IntegrationID != sec.s.IntegrationID {
		if st.sectionByInteg[in.IntegrationID] != 0 {
			writeFieldError(w, "integration_id", "taken", "Integration ID \""+in.IntegrationID+"\" is already in use")
			return
		}
		delete(st.sectionByInteg, sec.s.IntegrationID)
		sec.s.IntegrationID = in.IntegrationID
		st.sectionByInteg[in.IntegrationID] = id
	}
	if in.Name != "" {
		sec.s.Name = in.Name
	}
	if !in.StartAt.IsZero() {
		sec.s.StartAt = in.StartAt
	}
	if !in.EndAt.IsZero() {
		sec.s.EndAt = in.EndAt
	}
	if in.RestrictEnrollmentsToSectionDates != nil {
		sec.s.RestrictEnrollmentsToSectionDates = *in.RestrictEnrollmentsToSectionDates
	}
	if before != sec.s {
		for _, eid := range sec.enrollments {
			if e := st.enrollments[eid]; e != nil {
				e.e.SisSectionID, e.e.SectionIntegrationID = sec.s.SisSectionID, sec.s.IntegrationID
				st.encodeEnrollment(e)
			}
		}
		s.obs.write(Write{Operation: "updateSection", Kind: "section", ID: id, Key: stateKey(sec.s.SisSectionID, sec.s)})
	}
	writeJSON(w, http.StatusOK, s.sectionView(sec, nil))
}

func (s *Server) deleteSection(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	id := s.pathRef(r, "id", refSection)
	if id == 0 {
		notFound(w)
		return
	}
	sec := st.sections[id]
	for _, eid := range sec.enrollments {
		if e := st.enrollments[eid]; e != nil && e.e.EnrollmentState != canvas.EnrollmentStateDeleted {
			writeErrors(w, http.StatusBadRequest, "You can't delete a section that has enrollments.")
			return
		}
	}
	if c := st.courses[sec.course]; c != nil && c.defSection == id {
		writeErrors(w, http.StatusBadRequest, "You can't delete the default section of a course.")
		return
	}
	sec.deleted = true
	if st.sectionBySIS[sec.s.SisSectionID] == id {
		delete(st.sectionBySIS, sec.s.SisSectionID)
	}
	if st.sectionByInteg[sec.s.IntegrationID] == id {
		delete(st.sectionByInteg, sec.s.IntegrationID)
	}
	s.obs.write(Write{Operation: "deleteSection", Kind: "section", ID: id, Key: sec.s.SisSectionID})
	writeJSON(w, http.StatusOK, s.sectionView(sec, nil))
}

func (s *Server) crossList(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	id := s.pathRef(r, "id", refSection)
	to := s.pathRef(r, "new_course_id", refCourse)
	if id == 0 || to == 0 || st.courses[to].c.WorkflowState == courseDeleted {
		notFound(w)
		return
	}
	sec := st.sections[id]
	if sec.course != to {
		from := sec.course
		if sec.s.NonxlistCourseID == 0 {
			sec.s.NonxlistCourseID = from
		} else if sec.s.NonxlistCourseID == to {
			sec.s.NonxlistCourseID = 0
		}
		s.moveSectionLocked(sec, from, to)
		s.obs.write(Write{Operation: "crossListSection", Kind: "section", ID: id, Key: sec.s.SisSectionID + "->" + strconv.FormatInt(to, 10)})
	}
	writeJSON(w, http.StatusOK, s.sectionView(sec, nil))
}

func (s *Server) uncrossList(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.pathRef(r, "id", refSection)
	if id == 0 {
		notFound(w)
		return
	}
	sec := s.st.sections[id]
	if sec.s.NonxlistCourseID == 0 {
		writeErrors(w, http.StatusBadRequest, "The section is not cross-listed.")
		return
	}
	to := sec.s.NonxlistCourseID
	sec.s.NonxlistCourseID = 0
	s.moveSectionLocked(sec, sec.course, to)
	s.obs.write(Write{Operation: "uncrossListSection", Kind: "section", ID: id, Key: sec.s.SisSectionID})
	writeJSON(w, http.StatusOK, s.sectionView(sec, nil))
}

func (s *Server) moveSectionLocked(sec *sectionRec, from, to int64) {
	st := s.st
	if fc := st.courses[from]; fc != nil {
		fc.sections = slices.DeleteFunc(fc.sections, func(x int64) bool { return x == sec.s.ID })
	}
	tc := st.courses[to]
	tc.sections = append(tc.sections, sec.s.ID)
	sec.course = to
	sec.s.CourseID, sec.s.SisCourseID = to, tc.c.SisCourseID
	st.moveSectionEnrollments(sec, from, to)
}
