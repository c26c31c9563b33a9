package canvastest

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/edusync/edusync/canvas"
)

func (s *Server) listSisImports(w http.ResponseWriter, r *http.Request) {
	var p canvas.ListSisImportsParams
	if !decodeParams(w, r, &p) {
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.pathRef(r, "account_id", refAccount) != s.st.root {
		notFound(w)
		return
	}
	var out []canvas.SisImport
	for i := len(s.st.importOrder) - 1; i >= 0; i-- { // newest first
		si := s.st.imports[s.st.importOrder[i]]
		if !p.CreatedSince.IsZero() && si.CreatedAt.Before(p.CreatedSince) {
			continue
		}
		if !p.CreatedBefore.IsZero() && !si.CreatedAt.Before(p.CreatedBefore) {
			continue
		}
		if len(p.WorkflowState) > 0 && !slices.Contains(p.WorkflowState, si.WorkflowState) {
			continue
		}
		out = append(out, *si)
	}
	s.wrappedPage(w, r, marshalAll(out), "sis_imports")
}

func (s *Server) getSisImport(w http.ResponseWriter, r *http.Request) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.pathRef(r, "account_id", refAccount) != s.st.root {
		notFound(w)
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	si := s.st.imports[id]
	if err != nil || si == nil {
		notFound(w)
		return
	}
	writeJSON(w, http.StatusOK, si)
}

// createSisImport queues an upload (a raw CSV or zip body, or a multipart form with the file in
// "attachment") and processes it in the background after the SIS import delay.
func (s *Server) createSisImport(w http.ResponseWriter, r *http.Request) {
	var p canvas.CreateSisImportParams
	if !decodeParams(w, r, &p) {
		return
	}
	data, err := readUpload(r)
	if err != nil {
		badParam(w, err)
		return
	}
	if p.ImportType != "" && p.ImportType != "instructure_csv" {
		writeErrors(w, http.StatusBadRequest, "Unknown import type")
		return
	}
	if p.BatchMode && p.DiffingDataSetIdentifier != "" {
		writeErrors(w, http.StatusBadRequest, "Diffing cannot be used with batch mode")
		return
	}
	if p.ChangeThreshold < 0 || p.ChangeThreshold > 100 {
		writeErrors(w, http.StatusBadRequest, "change_threshold must be between 1 and 100")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	acc := s.pathRef(r, "account_id", refAccount)
	if acc == 0 {
		notFound(w)
		return
	}
	if acc != s.st.root {
		writeErrors(w, http.StatusBadRequest, "SIS imports can only be executed on root accounts")
		return
	}
	var batchTerm int64
	if p.BatchMode {
		if p.BatchModeTermID == "" {
			writeErrors(w, http.StatusBadRequest, "Batch mode specified, but no batch_mode_term_id given")
			return
		}
		if batchTerm = s.st.lookup(refTerm, p.BatchModeTermID); batchTerm == 0 {
			writeErrors(w, http.StatusBadRequest, "Batch mode specified, but the given batch_mode_term_id cannot be found")
			return
		}
	}
	now := stamp(s.opts.now())
	si := &canvas.SisImport{ID: s.st.newID("sis_import"), CreatedAt: now, UpdatedAt: now, WorkflowState: canvas.SisImportStateCreated,
		Data: canvas.SisImportData{ImportType: "instructure_csv"}, DiffingDataSetIdentifier: p.DiffingDataSetIdentifier,
		DiffingRemaster: p.DiffingRemasterDataSet, BatchMode: p.BatchMode, BatchModeTermID: p.BatchModeTermID,
		SkipDeletes: p.SkipDeletes, OverrideSisStickiness: p.OverrideSisStickiness, ChangeThreshold: p.ChangeThreshold}
	s.st.imports[si.ID] = si
	s.st.importOrder = append(s.st.importOrder, si.ID)
	s.st.progress[si.ID] = &canvas.Progress{ID: si.ID, ContextID: s.st.root, ContextType: "Account", UserID: s.st.admin, Tag: "sis_import",
		WorkflowState: canvas.ProgressStateQueued, CreatedAt: now, UpdatedAt: now, URL: s.URL() + "/progress/" + strconv.FormatInt(si.ID, 10)}
	job := sisJob{id: si.ID, data: data, params: p, batchTerm: batchTerm}
	s.wg.Add(1)
	go s.runImport(job)
	writeJSON(w, http.StatusOK, si)
}

// readUpload returns the uploaded file: the raw body, or the "attachment" part of a form.
func readUpload(r *http.Request) ([]byte, error) {
	ct, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if strings.HasPrefix(ct, "multipart/") {
		mr := multipart.NewReader(r.Body, params["boundary"])
		for {
			part, err := mr.NextPart()
			if err != nil {
				return nil, errors.New("the form has no attachment")
			}
			if part.FormName() == "attachment" {
				return io.ReadAll(part)
			}
		}
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, errors.New("the upload could not be read (too large?)")
	}
	if len(b) == 0 {
		return nil, errors.New("no data was uploaded")
	}
	return b, nil
}

type sisJob struct {
	id        int64
	data      []byte
	params    canvas.CreateSisImportParams
	batchTerm int64
}

// sisRun collects what one import did.
type sisRun struct {
	s        *Server
	si       *canvas.SisImport
	warnings [][]string
	errs     [][]string
	stats    map[string]*canvas.SisImportStatistic
	changes  int
}

func (run *sisRun) warn(file, format string, args ...any) {
	run.warnings = append(run.warnings, []string{file, fmt.Sprintf(format, args...)})
}

func (run *sisRun) stat(kind string) *canvas.SisImportStatistic {
	st := run.stats[kind]
	if st == nil {
		st = &canvas.SisImportStatistic{}
		run.stats[kind] = st
	}
	return st
}

func (run *sisRun) wrote(kind string, id int64, key string) {
	run.changes++
	run.s.obs.write(Write{Operation: "sisImport", Kind: kind, ID: id, Key: key})
}

func (s *Server) runImport(job sisJob) {
	defer s.wg.Done()
	if s.opts.sisDelay > 0 {
		t := time.NewTimer(s.opts.sisDelay)
		select {
		case <-t.C:
		case <-s.closing():
			t.Stop()
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	si := st.imports[job.id]
	prog := st.progress[job.id]
	now := stamp(s.opts.now())
	si.WorkflowState, si.UpdatedAt = canvas.SisImportStateImporting, now
	prog.WorkflowState = canvas.ProgressStateRunning
	run := &sisRun{s: s, si: si, stats: map[string]*canvas.SisImportStatistic{}}

	data, err := canvas.ReadSISData(job.data)
	if err == nil && data.Empty() {
		err = errors.New("no SIS records were found in the upload")
	}
	if err != nil {
		si.WorkflowState = canvas.SisImportStateFailedWithMessages
		si.ProcessingErrors = [][]string{{"upload", "Error while importing CSV: " + trimMsg(err.Error())}}
		si.Data.Counts.ErrorCount = 1
		s.finishImport(si, prog, run)
		return
	}
	apply, removed := data, (*canvas.SISData)(nil)
	if id := job.params.DiffingDataSetIdentifier; id != "" {
		prev := st.datasets[id]
		st.datasets[id] = data
		if prev != nil && !job.params.DiffingRemasterDataSet {
			for i := len(st.importOrder) - 1; i >= 0; i-- {
				if o := st.imports[st.importOrder[i]]; o.ID != si.ID && o.DiffingDataSetIdentifier == id {
					si.DiffedAgainstImportID = o.ID
					break
				}
			}
			changed, gone, n := diffSIS(prev, data)
			if t := job.params.ChangeThreshold; t > 0 && (n*100) > t*max(1, rows(prev)) {
				si.DiffingThresholdExceeded = true // too many changes: import in full, remove nothing
			} else {
				apply, removed = changed, gone
			}
		}
	}
	supplied := []string{}
	for kind, n := range map[string]int{"term": len(data.Terms), "user": len(data.Users), "course": len(data.Courses), "section": len(data.Sections), "enrollment": len(data.Enrollments)} {
		if n > 0 {
			supplied = append(supplied, kind)
		}
	}
	slices.Sort(supplied)
	si.Data.SuppliedBatches = supplied
	si.Data.Counts.Terms, si.Data.Counts.Users, si.Data.Counts.Courses = len(apply.Terms), len(apply.Users), len(apply.Courses)
	si.Data.Counts.Sections, si.Data.Counts.Enrollments = len(apply.Sections), len(apply.Enrollments)

	dropStatus := string(job.params.DiffingDropStatus)
	if removed != nil && !job.params.SkipDeletes {
		markRemoved(removed, dropStatus)
		apply = joinSIS(apply, removed)
	}
	run.applyTerms(apply.Terms)
	run.applyUsers(apply.Users, job.params.SkipDeletes)
	run.applyCourses(apply.Courses, job.params.SkipDeletes)
	run.applySections(apply.Sections, job.params.SkipDeletes)
	run.applyEnrollments(apply.Enrollments, job.params.SkipDeletes)
	if job.params.BatchMode {
		run.batchCleanup(data, job.batchTerm, string(job.params.BatchModeEnrollmentDropStatus), job.params.ChangeThreshold)
	}
	si.ProcessingWarnings, si.ProcessingErrors = run.warnings, run.errs
	si.Data.Counts.WarningCount, si.Data.Counts.ErrorCount = len(run.warnings), len(run.errs)
	switch {
	case len(run.errs) > 0 || len(run.warnings) > 0:
		si.WorkflowState = canvas.SisImportStateImportedWithMessages
	default:
		si.WorkflowState = canvas.SisImportStateImported
	}
	s.finishImport(si, prog, run)
}

func (s *Server) finishImport(si *canvas.SisImport, prog *canvas.Progress, run *sisRun) {
	now := stamp(s.opts.now())
	si.Progress, si.EndedAt, si.UpdatedAt = 100, now, now
	for kind, st := range run.stats {
		switch kind {
		case "term":
			si.Statistics.EnrollmentTerm = *st
		case "user":
			si.Statistics.Pseudonym = *st
		case "course":
			si.Statistics.Course = *st
		case "section":
			si.Statistics.CourseSection = *st
		case "enrollment":
			si.Statistics.Enrollment = *st
		}
	}
	si.Statistics.TotalStateChanges = run.changes
	prog.Completion, prog.UpdatedAt = 100, now
	prog.WorkflowState = canvas.ProgressStateCompleted
	if si.WorkflowState == canvas.SisImportStateFailedWithMessages || si.WorkflowState == canvas.SisImportStateFailed {
		prog.WorkflowState = canvas.ProgressStateFailed
	}
}

// WaitSISImports blocks until every SIS import queued so far has been processed.
func (s *Server) WaitSISImports() { s.wg.Wait() }

func rows(d *canvas.SISData) int {
	return len(d.Terms) + len(d.Users) + len(d.Courses) + len(d.Sections) + len(d.Enrollments)
}

func enrollmentRowKey(e canvas.SISEnrollmentRow) string {
	return e.CourseID + "\x00" + e.SectionID + "\x00" + e.UserID + "\x00" + e.Role + "\x00" + strconv.FormatInt(e.RoleID, 10)
}

// diffSIS returns the rows of next that are new or changed since prev, the rows of prev that
// next lacks, and how many rows that is in all.
func diffSIS(prev, next *canvas.SISData) (changed, gone *canvas.SISData, n int) {
	changed, gone = &canvas.SISData{}, &canvas.SISData{}
	changed.Terms, gone.Terms = diffRows(prev.Terms, next.Terms, func(r canvas.SISTermRow) string { return r.TermID })
	changed.Users, gone.Users = diffRows(prev.Users, next.Users, func(r canvas.SISUserRow) string { return r.UserID })
	changed.Courses, gone.Courses = diffRows(prev.Courses, next.Courses, func(r canvas.SISCourseRow) string { return r.CourseID })
	changed.Sections, gone.Sections = diffRows(prev.Sections, next.Sections, func(r canvas.SISSectionRow) string { return r.SectionID })
	changed.Enrollments, gone.Enrollments = diffRows(prev.Enrollments, next.Enrollments, enrollmentRowKey)
	return changed, gone, rows(changed) + rows(gone)
}

func diffRows[T comparable](prev, next []T, key func(T) string) (changed, gone []T) {
	old := make(map[string]T, len(prev))
	for _, r := range prev {
		old[key(r)] = r
	}
	seen := make(map[string]bool, len(next))
	for _, r := range next {
		k := key(r)
		seen[k] = true
		if o, ok := old[k]; !ok || o != r {
			changed = append(changed, r)
		}
	}
	for _, r := range prev {
		if !seen[key(r)] {
			gone = append(gone, r)
		}
	}
	return changed, gone
}

// markRemoved turns rows that disappeared from a data set into deletions.
func markRemoved(d *canvas.SISData, dropStatus string) {
	if dropStatus == "" {
		dropStatus = canvas.SISDeleted
	}
	for i := range d.Terms {
		d.Terms[i].Status = canvas.SISDeleted
	}
	for i := range d.Users {
		d.Users[i].Status = canvas.SISDeleted
	}
	for i := range d.Courses {
		d.Courses[i].Status = canvas.SISDeleted
	}
	for i := range d.Sections {
		d.Sections[i].Status = canvas.SISDeleted
	}
	for i := range d.Enrollments {
		d.Enrollments[i].Status = dropStatus
	}
}

// joinSIS puts removals after the changes; enrolments go first among removals' effects.
func joinSIS(a, b *canvas.SISData) *canvas.SISData {
	return &canvas.SISData{
		Terms:       append(slices.Clone(a.Terms), b.Terms...),
		Users:       append(slices.Clone(a.Users), b.Users...),
		Courses:     append(slices.Clone(a.Courses), b.Courses...),
		Sections:    append(slices.Clone(a.Sections), b.Sections...),
		Enrollments: append(slices.Clone(a.Enrollments), b.Enrollments...),
	}
}

func (run *sisRun) applyTerms(terms []canvas.SISTermRow) {
	st := run.s.st
	for _, t := range terms {
		if t.TermID == "" || t.Name == "" {
			run.warn(canvas.SISTermsFile, "No term_id or name given for a term")
			continue
		}
		var term *canvas.EnrollmentTerm
		for _, id := range st.termOrder {
			if st.terms[id].SisTermID == t.TermID {
				term = st.terms[id]
				break
			}
		}
		switch t.Status {
		case "", canvas.SISActive:
		case canvas.SISDeleted:
			if term != nil && term.WorkflowState != "deleted" {
				term.WorkflowState = "deleted"
				run.stat("term").Deleted++
				run.wrote("term", term.ID, t.TermID)
			}
			continue
		default:
			run.warn(canvas.SISTermsFile, "Improper status %q for term %s", t.Status, t.TermID)
			continue
		}
		if term == nil {
			term = &canvas.EnrollmentTerm{ID: st.newID("term"), SisTermID: t.TermID, SisImportID: run.si.ID}
			st.terms[term.ID] = term
			st.termOrder = append(st.termOrder, term.ID)
			run.stat("term").Created++
		}
		before := *term
		term.Name, term.StartAt, term.EndAt, term.WorkflowState = t.Name, t.StartDate, t.EndDate, "active"
		if !sameTerm(&before, term) || before.WorkflowState != "active" {
			run.wrote("term", term.ID, t.TermID)
		}
	}
}

func (run *sisRun) applyUsers(users []canvas.SISUserRow, skipDeletes bool) {
	s, st := run.s, run.s.st
	for _, u := range users {
		if u.UserID == "" || u.LoginID == "" {
			run.warn(canvas.SISUsersFile, "No user_id or login_id given for a user")
			continue
		}
		status := u.Status
		if status == "" {
			status = canvas.SISActive
		}
		if status != canvas.SISActive && status != canvas.SISDeleted && status != canvas.SISSuspended {
			run.warn(canvas.SISUsersFile, "Improper status %q for user %s", u.Status, u.UserID)
			continue
		}
		lid := st.loginBySIS[u.UserID]
		if lid == 0 {
			if status == canvas.SISDeleted {
				continue
			}
			if other, taken := st.loginByUnique[strings.ToLower(u.LoginID)]; taken && other != 0 {
				run.warn(canvas.SISUsersFile, "An existing Canvas user with the login %s already has a different SIS ID; user %s was skipped", u.LoginID, u.UserID)
				continue
			}
			rec := s.newUserLocked(u.FullName, u.ShortName, u.SortableName, u.FirstName, u.LastName)
			rec.u.SisImportID = run.si.ID
			l := s.addLoginLocked(rec, u.LoginID, u.UserID, u.IntegrationID, u.AuthenticationProviderID)
			if status == canvas.SISSuspended {
				l.WorkflowState = canvas.LoginStateSuspended
			}
			if u.Email != "" {
				s.addChannelLocked(rec, "email", u.Email, true)
				rec.u.Email = u.Email
			}
			run.stat("user").Created++
			run.wrote("user", rec.u.ID, u.UserID)
			continue
		}
		l := st.logins[lid]
		rec := st.users[l.UserID]
		before, beforeLogin := rec.u, *l
		if status == canvas.SISDeleted {
			if skipDeletes {
				continue
			}
			if l.WorkflowState != canvas.LoginStateDeleted {
				st.indexLogin(l, false)
				l.WorkflowState = canvas.LoginStateDeleted
				for _, eid := range rec.enrollments {
					if e := st.enrollments[eid]; e != nil && e.e.EnrollmentState != canvas.EnrollmentStateDeleted {
						e.e.EnrollmentState = canvas.EnrollmentStateDeleted
					}
				}
				st.syncUserFields(rec)
				st.reencodeUser(rec)
				run.stat("user").Deleted++
				run.wrote("user", rec.u.ID, u.UserID)
			}
			continue
		}
		name := u.FullName
		if name == "" {
			name = strings.TrimSpace(u.FirstName + " " + u.LastName)
		}
		if name != "" {
			rec.u.Name = name
		}
		if u.FirstName != "" || u.LastName != "" {
			rec.u.FirstName, rec.u.LastName = u.FirstName, u.LastName
			if u.SortableName == "" {
				rec.u.SortableName = strings.TrimPrefix(u.LastName+", "+u.FirstName, ", ")
			}
		}
		if u.SortableName != "" {
			rec.u.SortableName = u.SortableName
		}
		if u.ShortName != "" {
			rec.u.ShortName = u.ShortName
		}
		if u.Email != "" {
			rec.u.Email = u.Email
		}
		st.indexLogin(l, false)
		l.UniqueID = u.LoginID
		if u.IntegrationID != "" {
			l.IntegrationID = u.IntegrationID
		}
		switch status {
		case canvas.SISSuspended:
			l.WorkflowState = canvas.LoginStateSuspended
		case canvas.SISActive:
			if l.WorkflowState != canvas.LoginStateActive {
				run.stat("user").Restored++
			}
			l.WorkflowState = canvas.LoginStateActive
		}
		st.indexLogin(l, true)
		st.syncUserFields(rec)
		if before != rec.u || beforeLogin != *l {
			st.reencodeUser(rec)
			run.wrote("user", rec.u.ID, u.UserID)
		}
	}
}

func (run *sisRun) applyCourses(courses []canvas.SISCourseRow, skipDeletes bool) {
	s, st := run.s, run.s.st
	for _, c := range courses {
		if c.CourseID == "" || c.ShortName == "" || c.LongName == "" {
			run.warn(canvas.SISCoursesFile, "No course_id, short_name or long_name given for a course")
			continue
		}
		switch c.Status {
		case "", canvas.SISActive, canvas.SISDeleted, canvas.SISCompleted, canvas.SISPublished:
		default:
			run.warn(canvas.SISCoursesFile, "Improper status %q for course %s", c.Status, c.CourseID)
			continue
		}
		acc := st.root
		if c.AccountID != "" {
			if acc = st.lookup(refAccount, "sis_account_id:"+c.AccountID); acc == 0 {
				run.warn(canvas.SISCoursesFile, "Account not found %q for course %s", c.AccountID, c.CourseID)
				acc = st.root
			}
		}
		term := st.defTerm
		if c.TermID != "" {
			if term = st.lookup(refTerm, "sis_term_id:"+c.TermID); term == 0 {
				run.warn(canvas.SISCoursesFile, "Term not found %q for course %s", c.TermID, c.CourseID)
				term = st.defTerm
			}
		}
		id := st.courseBySIS[c.CourseID]
		if id == 0 {
			if c.Status == canvas.SISDeleted {
				continue
			}
			rec := s.newCourseLocked(acc, term, c.LongName, c.ShortName, c.CourseID, c.IntegrationID, c.StartDate, c.EndDate)
			rec.c.SisImportID, rec.sisBatch = run.si.ID, true
			switch c.Status {
			case canvas.SISPublished:
				rec.c.WorkflowState = courseAvailable
			case canvas.SISCompleted:
				s.concludeCourseLocked(rec)
			}
			run.stat("course").Created++
			run.wrote("course", rec.c.ID, c.CourseID)
			continue
		}
		rec := st.courses[id]
		rec.sisBatch = true
		before := rec.c
		switch c.Status {
		case canvas.SISDeleted:
			if skipDeletes {
				continue
			}
			s.deleteCourseLocked(rec)
			run.stat("course").Deleted++
		case canvas.SISCompleted:
			if rec.c.WorkflowState != courseCompleted {
				s.concludeCourseLocked(rec)
				run.stat("course").Concluded++
			}
		case canvas.SISPublished:
			rec.c.WorkflowState = courseAvailable
		}
		if c.Status != canvas.SISDeleted {
			rec.c.Name, rec.c.CourseCode, rec.c.AccountID, rec.c.EnrollmentTermID = c.LongName, c.ShortName, acc, term
			rec.c.StartAt, rec.c.EndAt = c.StartDate, c.EndDate
			if c.IntegrationID != "" && c.IntegrationID != rec.c.IntegrationID {
				delete(st.courseByInteg, rec.c.IntegrationID)
				rec.c.IntegrationID = c.IntegrationID
				st.courseByInteg[c.IntegrationID] = id
			}
		}
		if before != rec.c {
			run.wrote("course", id, c.CourseID)
		}
	}
}

func (run *sisRun) applySections(sections []canvas.SISSectionRow, skipDeletes bool) {
	s, st := run.s, run.s.st
	for _, sr := range sections {
		if sr.SectionID == "" || sr.CourseID == "" || sr.Name == "" {
			run.warn(canvas.SISSectionsFile, "No section_id, course_id or name given for a section")
			continue
		}
		if sr.Status != "" && sr.Status != canvas.SISActive && sr.Status != canvas.SISDeleted {
			run.warn(canvas.SISSectionsFile, "Improper status %q for section %s", sr.Status, sr.SectionID)
			continue
		}
		cid := st.courseBySIS[sr.CourseID]
		id := st.sectionBySIS[sr.SectionID]
		if sr.Status == canvas.SISDeleted {
			if id != 0 && !skipDeletes {
				sec := st.sections[id]
				sec.deleted = true
				delete(st.sectionBySIS, sr.SectionID)
				for _, eid := range sec.enrollments {
					if e := st.enrollments[eid]; e != nil && e.e.EnrollmentState != canvas.EnrollmentStateDeleted {
						e.e.EnrollmentState = canvas.EnrollmentStateDeleted
						st.encodeEnrollment(e)
					}
				}
				run.stat("section").Deleted++
				run.wrote("section", id, sr.SectionID)
			}
			continue
		}
		if cid == 0 {
			run.warn(canvas.SISSectionsFile, "Section %s references course %s which doesn't exist", sr.SectionID, sr.CourseID)
			continue
		}
		if id == 0 {
			sec := s.newSectionLocked(st.courses[cid], sr.Name, sr.SectionID, sr.IntegrationID, sr.StartDate, sr.EndDate)
			sec.s.SisImportID, sec.sisBatch = run.si.ID, true
			run.stat("section").Created++
			run.wrote("section", sec.s.ID, sr.SectionID)
			continue
		}
		sec := st.sections[id]
		sec.sisBatch = true
		before := sec.s
		sec.s.Name, sec.s.StartAt, sec.s.EndAt = sr.Name, sr.StartDate, sr.EndDate
		if sec.course != cid && sec.s.NonxlistCourseID == 0 {
			s.moveSectionLocked(sec, sec.course, cid)
		}
		if before != sec.s {
			run.wrote("section", id, sr.SectionID)
		}
	}
}

func sisRoleType(role string) canvas.EnrollmentType {
	switch strings.ToLower(role) {
	case "student":
		return canvas.EnrollmentTypeStudent
	case "teacher":
		return canvas.EnrollmentTypeTeacher
	case "ta":
		return canvas.EnrollmentTypeTa
	case "observer":
		return canvas.EnrollmentTypeObserver
	case "designer":
		return canvas.EnrollmentTypeDesigner
	}
	return ""
}

func (run *sisRun) applyEnrollments(es []canvas.SISEnrollmentRow, skipDeletes bool) {
	s, st := run.s, run.s.st
	for _, e := range es {
		where := fmt.Sprintf("(User ID: %s, Course ID: %s, Section ID: %s, Role: %s)", e.UserID, e.CourseID, e.SectionID, e.Role)
		if e.UserID == "" || (e.CourseID == "" && e.SectionID == "") || (e.Role == "" && e.RoleID == 0) {
			run.warn(canvas.SISEnrollmentsFile, "No user_id, course_id or section_id, or role given for an enrollment %s", where)
			continue
		}
		var state canvas.EnrollmentState
		switch e.Status {
		case "", canvas.SISActive:
			state = canvas.EnrollmentStateActive
		case canvas.SISDeleted, "deleted_last_completed":
			state = canvas.EnrollmentStateDeleted
		case canvas.SISCompleted:
			state = canvas.EnrollmentStateCompleted
		case canvas.SISInactive:
			state = canvas.EnrollmentStateInactive
		default:
			run.warn(canvas.SISEnrollmentsFile, "Improper status %q for an enrollment %s", e.Status, where)
			continue
		}
		uid := st.lookup(refUser, "sis_user_id:"+e.UserID)
		if uid == 0 {
			run.warn(canvas.SISEnrollmentsFile, "User not found for enrollment %s", where)
			continue
		}
		var cid, sid int64
		if e.SectionID != "" {
			if sid = st.sectionBySIS[e.SectionID]; sid == 0 {
				run.warn(canvas.SISEnrollmentsFile, "An enrollment referenced a non-existent section %s", where)
				continue
			}
			cid = st.sections[sid].course
		} else {
			if cid = st.courseBySIS[e.CourseID]; cid == 0 {
				run.warn(canvas.SISEnrollmentsFile, "An enrollment referenced a non-existent course %s", where)
				continue
			}
			sid = st.courses[cid].defSection
		}
		c := st.courses[cid]
		typ, roleName := sisRoleType(e.Role), ""
		if typ == "" && e.RoleID == 0 {
			roleName = e.Role
		}
		if state == canvas.EnrollmentStateDeleted || state == canvas.EnrollmentStateCompleted || state == canvas.EnrollmentStateInactive {
			if state == canvas.EnrollmentStateDeleted && skipDeletes {
				continue
			}
			// Ending an enrolment that does not exist creates nothing.
			if !run.hasEnrollment(uid, sid, typ, e.RoleID, roleName) {
				continue
			}
		}
		before := map[int64]canvas.EnrollmentState{}
		for _, eid := range st.users[uid].enrollments {
			before[eid] = st.enrollments[eid].e.EnrollmentState
		}
		rec, msg := s.buildEnrollmentLocked(c, sid, uid, typ, e.RoleID, roleName, state)
		if msg != "" {
			run.warn(canvas.SISEnrollmentsFile, "Improper role %q for an enrollment %s", e.Role, where)
			continue
		}
		rec.e.LimitPrivilegesToCourseSection = e.LimitSectionPrivileges
		if !e.StartDate.IsZero() {
			rec.e.StartAt = e.StartDate
		}
		if !e.EndDate.IsZero() {
			rec.e.EndAt = e.EndDate
		}
		rec.sisBatch = true
		if rec.e.SisImportID == 0 {
			rec.e.SisImportID = run.si.ID
		}
		st.encodeEnrollment(rec)
		old, existed := before[rec.e.ID]
		switch {
		case !existed:
			run.stat("enrollment").Created++
			run.wrote("enrollment", rec.e.ID, enrollmentKey(&rec.e))
		case old != rec.e.EnrollmentState:
			switch rec.e.EnrollmentState {
			case canvas.EnrollmentStateDeleted:
				run.stat("enrollment").Deleted++
			case canvas.EnrollmentStateCompleted:
				run.stat("enrollment").Concluded++
			case canvas.EnrollmentStateInactive:
				run.stat("enrollment").Deactivated++
			default:
				run.stat("enrollment").Restored++
			}
			run.wrote("enrollment", rec.e.ID, enrollmentKey(&rec.e)+"/"+string(rec.e.EnrollmentState))
		}
	}
}

func (run *sisRun) hasEnrollment(uid, sid int64, typ canvas.EnrollmentType, roleID int64, roleName string) bool {
	st := run.s.st
	if roleID == 0 {
		name := roleName
		if name == "" {
			name = string(typ)
		}
		if r := st.roleByName(name); r != nil {
			roleID = r.ID
		}
	}
	for _, eid := range st.users[uid].enrollments {
		e := st.enrollments[eid]
		if e.e.CourseSectionID == sid && e.e.RoleID == roleID && e.e.EnrollmentState != canvas.EnrollmentStateDeleted {
			return true
		}
	}
	return false
}

// batchCleanup deletes what earlier SIS imports created in the batch term that this import
// lacks, unless that is more than the change threshold allows.
func (run *sisRun) batchCleanup(data *canvas.SISData, term int64, dropStatus string, threshold int) {
	st := run.s.st
	inCourses := map[string]bool{}
	for _, c := range data.Courses {
		inCourses[c.CourseID] = true
	}
	inSections := map[string]bool{}
	for _, s := range data.Sections {
		inSections[s.SectionID] = true
	}
	inEnr := map[string]bool{}
	for _, e := range data.Enrollments {
		inEnr[e.UserID+"\x00"+firstNonEmpty(e.SectionID, "course:"+e.CourseID)] = true
	}
	var delCourses []*courseRec
	var delSections []*sectionRec
	var delEnr []*enrRec
	total := 0
	for _, id := range st.courseOrder {
		c := st.courses[id]
		if c.c.EnrollmentTermID != term || !c.sisBatch || c.c.WorkflowState == courseDeleted {
			continue
		}
		total++
		if !inCourses[c.c.SisCourseID] {
			delCourses = append(delCourses, c)
		}
		for _, sid := range c.sections {
			sec := st.sections[sid]
			if sec.sisBatch && !sec.deleted && !inSections[sec.s.SisSectionID] {
				delSections = append(delSections, sec)
			}
		}
		for _, eid := range c.enrollments {
			e := st.enrollments[eid]
			if !e.sisBatch || e.e.EnrollmentState == canvas.EnrollmentStateDeleted {
				continue
			}
			k := e.e.SisUserID + "\x00" + firstNonEmpty(e.e.SisSectionID, "course:"+c.c.SisCourseID)
			if !inEnr[k] && !inEnr[e.e.SisUserID+"\x00course:"+c.c.SisCourseID] {
				delEnr = append(delEnr, e)
			}
		}
	}
	if threshold > 0 && total > 0 && len(delCourses)*100 > threshold*total {
		run.errs = append(run.errs, []string{"", fmt.Sprintf("%d courses would be deleted and exceeded the set threshold of %d%%", len(delCourses), threshold)})
		return
	}
	state := canvas.EnrollmentState(dropStatus)
	if state == "" {
		state = canvas.EnrollmentStateDeleted
	}
	for _, e := range delEnr {
		e.e.EnrollmentState = state
		st.encodeEnrollment(e)
		run.wrote("enrollment", e.e.ID, enrollmentKey(&e.e)+"/"+string(state))
		run.si.Data.Counts.BatchEnrollmentsDeleted++
	}
	for _, sec := range delSections {
		sec.deleted = true
		delete(st.sectionBySIS, sec.s.SisSectionID)
		run.wrote("section", sec.s.ID, sec.s.SisSectionID)
		run.si.Data.Counts.BatchSectionsDeleted++
	}
	for _, c := range delCourses {
		run.s.deleteCourseLocked(c)
		run.wrote("course", c.c.ID, c.c.SisCourseID)
		run.si.Data.Counts.BatchCoursesDeleted++
	}
}
