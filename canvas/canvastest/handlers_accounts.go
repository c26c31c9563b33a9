package canvastest

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/edusync/edusync/canvas"
)

// routes registers every operation of openapi/canvas.yaml.
func (s *Server) routes() {
	add := func(method, p, op string, h http.HandlerFunc) {
		s.kit.HandleFunc(op, method, p, method != http.MethodGet, h)
	}
	add("GET", "/accounts/{id}", "getAccount", s.getAccount)
	add("GET", "/accounts/{account_id}/sub_accounts", "listSubAccounts", s.listSubAccounts)
	add("POST", "/accounts/{account_id}/sub_accounts", "createSubAccount", s.createSubAccount)
	add("GET", "/accounts/{account_id}/terms", "listTerms", s.listTerms)
	add("POST", "/accounts/{account_id}/terms", "createTerm", s.createTerm)
	add("GET", "/accounts/{account_id}/terms/{id}", "getTerm", s.getTerm)
	add("PUT", "/accounts/{account_id}/terms/{id}", "updateTerm", s.updateTerm)
	add("GET", "/accounts/{account_id}/users", "listUsers", s.listUsers)
	add("POST", "/accounts/{account_id}/users", "createUser", s.createUser)
	add("GET", "/users/{id}", "getUser", s.getUser)
	add("PUT", "/users/{id}", "updateUser", s.updateUser)
	add("GET", "/users/{user_id}/logins", "listLogins", s.listLogins)
	add("POST", "/accounts/{account_id}/logins", "createLogin", s.createLogin)
	add("PUT", "/accounts/{account_id}/logins/{id}", "updateLogin", s.updateLogin)
	add("DELETE", "/users/{user_id}/logins/{id}", "deleteLogin", s.deleteLogin)
	add("GET", "/users/{user_id}/communication_channels", "listCommunicationChannels", s.listChannels)
	add("POST", "/users/{user_id}/communication_channels", "createCommunicationChannel", s.createChannel)
	add("DELETE", "/users/{user_id}/communication_channels/{id}", "deleteCommunicationChannel", s.deleteChannel)
	add("GET", "/accounts/{account_id}/courses", "listCourses", s.listCourses)
	add("POST", "/accounts/{account_id}/courses", "createCourse", s.createCourse)
	add("GET", "/courses/{id}", "getCourse", s.getCourse)
	add("PUT", "/courses/{id}", "updateCourse", s.updateCourse)
	add("DELETE", "/courses/{id}", "deleteCourse", s.deleteCourse)
	add("GET", "/courses/{course_id}/sections", "listSections", s.listSections)
	add("POST", "/courses/{course_id}/sections", "createSection", s.createSection)
	add("GET", "/sections/{id}", "getSection", s.getSection)
	add("PUT", "/sections/{id}", "updateSection", s.updateSection)
	add("DELETE", "/sections/{id}", "deleteSection", s.deleteSection)
	add("POST", "/sections/{id}/crosslist/{new_course_id}", "crossListSection", s.crossList)
	add("DELETE", "/sections/{id}/crosslist", "uncrossListSection", s.uncrossList)
	add("GET", "/courses/{course_id}/enrollments", "listCourseEnrollments", s.listCourseEnrollments)
	add("POST", "/courses/{course_id}/enrollments", "enrollInCourse", s.enrollInCourse)
	add("GET", "/sections/{section_id}/enrollments", "listSectionEnrollments", s.listSectionEnrollments)
	add("POST", "/sections/{section_id}/enrollments", "enrollInSection", s.enrollInSection)
	add("GET", "/users/{user_id}/enrollments", "listUserEnrollments", s.listUserEnrollments)
	add("DELETE", "/courses/{course_id}/enrollments/{id}", "endEnrollment", s.endEnrollment)
	add("PUT", "/courses/{course_id}/enrollments/{id}/reactivate", "reactivateEnrollment", s.reactivateEnrollment)
	add("GET", "/accounts/{account_id}/roles", "listRoles", s.listRoles)
	add("GET", "/accounts/{account_id}/roles/{id}", "getRole", s.getRole)
	add("GET", "/accounts/{account_id}/sis_imports", "listSisImports", s.listSisImports)
	add("POST", "/accounts/{account_id}/sis_imports", "createSisImport", s.createSisImport)
	add("GET", "/accounts/{account_id}/sis_imports/{id}", "getSisImport", s.getSisImport)
	add("GET", "/progress/{id}", "getProgress", s.getProgress)
	add("POST", "/conversations", "createConversation", s.createConversation)
}

// Operations lists the operation ids the server answers, as in openapi/canvas.yaml.
func (s *Server) Operations() []string {
	out := s.kit.Operations()
	slices.Sort(out)
	return out
}

// base role types of course enrolments, in Canvas's order.
var baseRoles = []canvas.EnrollmentType{canvas.EnrollmentTypeStudent, canvas.EnrollmentTypeTeacher,
	canvas.EnrollmentTypeTa, canvas.EnrollmentTypeDesigner, canvas.EnrollmentTypeObserver}

// seedBasics creates what every Canvas has: the root account, the default term, the admin whose
// token the fake accepts, the base roles and the configured custom roles.
func (s *Server) seedBasics() {
	st := s.st
	now := stamp(s.opts.now())
	st.root = st.newID("account")
	st.accounts[st.root] = &canvas.Account{ID: st.root, Name: s.opts.accountName, UUID: uuidOf("account", st.root),
		DefaultTimeZone: "Europe/Stockholm", WorkflowState: "active", DefaultStorageQuotaMb: 500,
		DefaultUserStorageQuotaMb: 50, DefaultGroupStorageQuotaMb: 50}
	st.accOrder = append(st.accOrder, st.root)
	st.defTerm = st.newID("term")
	st.terms[st.defTerm] = &canvas.EnrollmentTerm{ID: st.defTerm, Name: "Default Term", WorkflowState: "active"}
	st.termOrder = append(st.termOrder, st.defTerm)

	admin := &userRec{u: canvas.User{ID: st.newID("user"), Name: "Canvas Admin", SortableName: "Admin, Canvas",
		ShortName: "Canvas Admin", FirstName: "Canvas", LastName: "Admin", CreatedAt: now, TimeZone: "Europe/Stockholm",
		RootAccount: "canvas.example.edu"}}
	st.admin = admin.u.ID
	st.users[admin.u.ID] = admin
	st.userOrder = append(st.userOrder, admin.u.ID)
	l := &canvas.Login{ID: st.newID("login"), UserID: admin.u.ID, AccountID: st.root, UniqueID: "admin@canvas.example.edu",
		WorkflowState: canvas.LoginStateActive, CreatedAt: now}
	st.logins[l.ID] = l
	st.indexLogin(l, true)
	admin.logins = append(admin.logins, l.ID)
	st.syncUserFields(admin)

	acc := s.roleAccount(st.root)
	for _, bt := range baseRoles {
		r := &canvas.Role{ID: st.newID("role"), Label: baseLabel(bt), Role: string(bt), BaseRoleType: string(bt),
			WorkflowState: "built_in", Account: acc, CreatedAt: now}
		st.roles[r.ID] = r
		st.roleOrder = append(st.roleOrder, r.ID)
	}
	admRole := &canvas.Role{ID: st.newID("role"), Label: "Account Admin", Role: "AccountAdmin", BaseRoleType: "AccountMembership",
		IsAccountRole: true, WorkflowState: "built_in", Account: acc, CreatedAt: now}
	st.roles[admRole.ID] = admRole
	st.roleOrder = append(st.roleOrder, admRole.ID)
	for _, cr := range s.opts.customRoles {
		s.addCustomRoleLocked(cr)
	}
}

// AddCustomRole defines a custom course role in the root account and returns it.
func (s *Server) AddCustomRole(cr CustomRole) canvas.Role {
	s.mu.Lock()
	defer s.mu.Unlock()
	return *s.addCustomRoleLocked(cr)
}

func (s *Server) addCustomRoleLocked(cr CustomRole) *canvas.Role {
	st := s.st
	bt := cr.BaseType
	if !canvas.EnrollmentType(bt).Valid() {
		bt = string(canvas.EnrollmentTypeStudent)
	}
	state := "active"
	if cr.Inactive {
		state = "inactive"
	}
	r := &canvas.Role{ID: st.newID("role"), Label: cr.Label, Role: cr.Label, BaseRoleType: bt, WorkflowState: state,
		Account: s.roleAccount(st.root), CreatedAt: stamp(s.opts.now())}
	st.roles[r.ID] = r
	st.roleOrder = append(st.roleOrder, r.ID)
	return r
}

func baseLabel(bt canvas.EnrollmentType) string {
	switch bt {
	case canvas.EnrollmentTypeStudent:
		return "Student"
	case canvas.EnrollmentTypeTeacher:
		return "Teacher"
	case canvas.EnrollmentTypeTa:
		return "TA"
	case canvas.EnrollmentTypeDesigner:
		return "Designer"
	}
	return "Observer"
}

func (s *Server) roleAccount(id int64) canvas.RoleAccount {
	a := s.st.accounts[id]
	return canvas.RoleAccount{ID: a.ID, Name: a.Name, ParentAccountID: a.ParentAccountID, RootAccountID: a.RootAccountID, SisAccountID: a.SisAccountID}
}

// roleByName finds an active course role by its name (custom roles) or base type.
func (st *store) roleByName(name string) *canvas.Role {
	for _, id := range st.roleOrder {
		r := st.roles[id]
		if r.IsAccountRole || (r.WorkflowState != "active" && r.WorkflowState != "built_in") {
			continue
		}
		if r.Role == name || (r.WorkflowState != "built_in" && r.Label == name) {
			return r
		}
	}
	return nil
}

func uuidOf(kind string, id int64) string {
	return kind[:1] + strings.Repeat("0", 8) + strconv.FormatInt(id, 36) + "Xq7edusync"
}

// pathRef resolves the path value name as a reference of kind; 0 when nothing matches.
func (s *Server) pathRef(r *http.Request, name string, kind refKind) int64 {
	return s.st.lookup(kind, r.PathValue(name))
}

func (s *Server) getAccount(w http.ResponseWriter, r *http.Request) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	id := s.pathRef(r, "id", refAccount)
	if id == 0 {
		notFound(w)
		return
	}
	writeJSON(w, http.StatusOK, s.st.accounts[id])
}

func (s *Server) listSubAccounts(w http.ResponseWriter, r *http.Request) {
	var p canvas.ListSubAccountsParams
	if !decodeParams(w, r, &p) {
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	id := s.pathRef(r, "account_id", refAccount)
	if id == 0 {
		notFound(w)
		return
	}
	var out []canvas.Account
	for _, aid := range s.st.accOrder {
		a := s.st.accounts[aid]
		if aid == id || a.WorkflowState == "deleted" {
			continue
		}
		if a.ParentAccountID == id || (p.Recursive && s.st.subtree(id, aid)) {
			out = append(out, *a)
		}
	}
	s.numberedPage(w, r, marshalAll(out))
}

func (s *Server) createSubAccount(w http.ResponseWriter, r *http.Request) {
	var body canvas.CreateSubAccountRequest
	if err := decodeBody(r, &body); err != nil {
		badParam(w, err)
		return
	}
	in := body.Account
	if strings.TrimSpace(in.Name) == "" {
		writeFieldError(w, "name", "blank", "The account name is required.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	parent := s.pathRef(r, "account_id", refAccount)
	if parent == 0 {
		notFound(w)
		return
	}
	if in.SisAccountID != "" && s.st.lookup(refAccount, "sis_account_id:"+in.SisAccountID) != 0 {
		writeFieldError(w, "sis_account_id", "taken", "SIS ID \""+in.SisAccountID+"\" is already in use")
		return
	}
	st := s.st
	a := &canvas.Account{ID: st.newID("account"), Name: in.Name, UUID: "", ParentAccountID: parent, RootAccountID: st.root,
		SisAccountID: in.SisAccountID, DefaultTimeZone: in.DefaultTimeZone, WorkflowState: "active",
		DefaultStorageQuotaMb: in.DefaultStorageQuotaMb, DefaultUserStorageQuotaMb: in.DefaultUserStorageQuotaMb,
		DefaultGroupStorageQuotaMb: in.DefaultGroupStorageQuotaMb}
	a.UUID = uuidOf("account", a.ID)
	if a.DefaultTimeZone == "" {
		a.DefaultTimeZone = st.accounts[st.root].DefaultTimeZone
	}
	st.accounts[a.ID] = a
	st.accOrder = append(st.accOrder, a.ID)
	s.obs.write(Write{Operation: "createSubAccount", Kind: "account", ID: a.ID, Key: a.SisAccountID})
	writeJSON(w, http.StatusOK, a)
}

func (s *Server) listTerms(w http.ResponseWriter, r *http.Request) {
	var p canvas.ListTermsParams
	if !decodeParams(w, r, &p) {
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if id := s.pathRef(r, "account_id", refAccount); id == 0 {
		notFound(w)
		return
	}
	states := map[string]bool{}
	for _, ws := range p.WorkflowState {
		states[string(ws)] = true
	}
	if len(states) == 0 {
		states["active"] = true
	}
	var items [][]byte
	for _, id := range s.st.termOrder {
		t := s.st.terms[id]
		if !states["all"] && !states[t.WorkflowState] {
			continue
		}
		items = append(items, marshalAll([]canvas.EnrollmentTerm{*t})...)
	}
	// Wrapped as Canvas does: {"enrollment_terms": [...]}.
	s.wrappedPage(w, r, items, "enrollment_terms")
}

func (s *Server) getTerm(w http.ResponseWriter, r *http.Request) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.pathRef(r, "account_id", refAccount) == 0 {
		notFound(w)
		return
	}
	id := s.pathRef(r, "id", refTerm)
	if id == 0 {
		notFound(w)
		return
	}
	writeJSON(w, http.StatusOK, s.st.terms[id])
}

func (s *Server) createTerm(w http.ResponseWriter, r *http.Request) {
	var body canvas.TermRequest
	if err := decodeBody(r, &body); err != nil {
		badParam(w, err)
		return
	}
	in := body.EnrollmentTerm
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pathRef(r, "account_id", refAccount) == 0 {
		notFound(w)
		return
	}
	if in.SisTermID != "" && s.st.lookup(refTerm, "sis_term_id:"+in.SisTermID) != 0 {
		writeFieldError(w, "sis_source_id", "taken", "SIS ID \""+in.SisTermID+"\" is already in use")
		return
	}
	t := &canvas.EnrollmentTerm{ID: s.st.newID("term"), Name: in.Name, SisTermID: in.SisTermID, StartAt: in.StartAt, EndAt: in.EndAt,
		WorkflowState: "active", Overrides: in.Overrides}
	if t.Name == "" {
		t.Name = "Term " + strconv.FormatInt(t.ID, 10)
	}
	s.st.terms[t.ID] = t
	s.st.termOrder = append(s.st.termOrder, t.ID)
	s.obs.write(Write{Operation: "createTerm", Kind: "term", ID: t.ID, Key: t.SisTermID})
	writeJSON(w, http.StatusOK, t)
}

func (s *Server) updateTerm(w http.ResponseWriter, r *http.Request) {
	var body canvas.TermRequest
	if err := decodeBody(r, &body); err != nil {
		badParam(w, err)
		return
	}
	in := body.EnrollmentTerm
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pathRef(r, "account_id", refAccount) == 0 {
		notFound(w)
		return
	}
	id := s.pathRef(r, "id", refTerm)
	if id == 0 {
		notFound(w)
		return
	}
	t := s.st.terms[id]
	before := *t
	if in.SisTermID != "" && in.SisTermID != t.SisTermID {
		if s.st.lookup(refTerm, "sis_term_id:"+in.SisTermID) != 0 {
			writeFieldError(w, "sis_source_id", "taken", "SIS ID \""+in.SisTermID+"\" is already in use")
			return
		}
		t.SisTermID = in.SisTermID
	}
	if in.Name != "" {
		t.Name = in.Name
	}
	if !in.StartAt.IsZero() {
		t.StartAt = in.StartAt
	}
	if !in.EndAt.IsZero() {
		t.EndAt = in.EndAt
	}
	if in.Overrides != nil {
		t.Overrides = in.Overrides
	}
	if !sameTerm(&before, t) {
		s.obs.write(Write{Operation: "updateTerm", Kind: "term", ID: t.ID, Key: stateKey(t.SisTermID, *t)})
	}
	writeJSON(w, http.StatusOK, t)
}

func sameTerm(a, b *canvas.EnrollmentTerm) bool {
	return a.Name == b.Name && a.SisTermID == b.SisTermID && a.StartAt.Equal(b.StartAt) && a.EndAt.Equal(b.EndAt) && len(a.Overrides) == len(b.Overrides)
}

func (s *Server) listRoles(w http.ResponseWriter, r *http.Request) {
	var p canvas.ListRolesParams
	if !decodeParams(w, r, &p) {
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	acc := s.pathRef(r, "account_id", refAccount)
	if acc == 0 {
		notFound(w)
		return
	}
	states := map[string]bool{}
	for _, st := range p.State {
		states[string(st)] = true
	}
	if len(states) == 0 {
		states["active"] = true
	}
	var out []canvas.Role
	for _, id := range s.st.roleOrder {
		role := s.st.roles[id]
		state := role.WorkflowState
		if state == "built_in" {
			state = "active"
		}
		if !states[state] {
			continue
		}
		// Roles live in the root account; a sub-account sees them only as inherited ones.
		if acc != s.st.root && !p.ShowInherited && role.WorkflowState != "built_in" {
			continue
		}
		out = append(out, *role)
	}
	s.numberedPage(w, r, marshalAll(out))
}

func (s *Server) getRole(w http.ResponseWriter, r *http.Request) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.pathRef(r, "account_id", refAccount) == 0 {
		notFound(w)
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	role := s.st.roles[id]
	if err != nil || role == nil {
		notFound(w)
		return
	}
	writeJSON(w, http.StatusOK, role)
}

func (s *Server) getProgress(w http.ResponseWriter, r *http.Request) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	p := s.st.progress[id]
	if err != nil || p == nil {
		notFound(w)
		return
	}
	writeJSON(w, http.StatusOK, p)
}
