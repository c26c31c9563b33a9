package canvastest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/edusync/edusync/canvas"
)

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) {
	var p canvas.ListUsersParams
	if !decodeParams(w, r, &p) {
		return
	}
	term := strings.ToLower(strings.TrimSpace(p.SearchTerm))
	if term != "" && len(term) < 3 {
		writeFieldError(w, "search_term", "invalid", "3 or more characters is required")
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
	match := func(id int64) bool {
		u := st.users[id]
		if u == nil || u.deleted {
			return false
		}
		if acc != st.root && !st.userInAccount(u, acc) {
			return false
		}
		if p.EnrollmentType != "" && !st.userHasType(u, string(p.EnrollmentType)) {
			return false
		}
		if term == "" {
			return true
		}
		if strconv.FormatInt(id, 10) == term {
			return true
		}
		for _, f := range []string{u.u.Name, u.u.SortableName, u.u.Email} {
			if strings.Contains(strings.ToLower(f), term) {
				return true
			}
		}
		for _, lid := range u.logins {
			l := st.logins[lid]
			if strings.Contains(strings.ToLower(l.UniqueID), term) || strings.Contains(strings.ToLower(l.SisUserID), term) {
				return true
			}
		}
		return false
	}
	s.bookmarkPage(w, r, st.userOrder, match, func(b []byte, id int64) []byte {
		j, _ := json.Marshal(&st.users[id].u)
		return append(b, j...)
	})
}

// userInAccount reports whether the user has an enrolment in a course of the account's subtree.
func (st *store) userInAccount(u *userRec, acc int64) bool {
	for _, eid := range u.enrollments {
		if e := st.enrollments[eid]; e != nil {
			if c := st.courses[e.e.CourseID]; c != nil && st.subtree(acc, c.c.AccountID) {
				return true
			}
		}
	}
	return false
}

func (st *store) userHasType(u *userRec, short string) bool {
	want := map[string]canvas.EnrollmentType{"student": canvas.EnrollmentTypeStudent, "teacher": canvas.EnrollmentTypeTeacher,
		"ta": canvas.EnrollmentTypeTa, "observer": canvas.EnrollmentTypeObserver, "designer": canvas.EnrollmentTypeDesigner}[short]
	for _, eid := range u.enrollments {
		if e := st.enrollments[eid]; e != nil && e.e.Type == want && e.e.EnrollmentState != canvas.EnrollmentStateDeleted {
			return true
		}
	}
	return false
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	id := s.pathRef(r, "id", refUser)
	if id == 0 {
		notFound(w)
		return
	}
	writeJSON(w, http.StatusOK, &s.st.users[id].u)
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) {
	var body canvas.CreateUserRequest
	if err := decodeBody(r, &body); err != nil {
		badParam(w, err)
		return
	}
	ps := body.Pseudonym
	if strings.TrimSpace(ps.UniqueID) == "" {
		writeFieldError(w, "unique_id", "blank", "The login is required.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pathRef(r, "account_id", refAccount) == 0 {
		notFound(w)
		return
	}
	st := s.st
	if _, taken := st.loginByUnique[strings.ToLower(ps.UniqueID)]; taken {
		writeFieldError(w, "unique_id", "taken", "ID already in use for this account and authentication provider")
		return
	}
	if ps.SisUserID != "" {
		if _, taken := st.loginBySIS[ps.SisUserID]; taken {
			writeFieldError(w, "sis_user_id", "taken", "The SIS ID is already in use")
			return
		}
	}
	in := body.User
	u := s.newUserLocked(in.Name, in.ShortName, in.SortableName, "", "")
	if in.TimeZone != "" {
		u.u.TimeZone = in.TimeZone
	}
	u.u.Locale = in.Locale
	s.addLoginLocked(u, ps.UniqueID, ps.SisUserID, ps.IntegrationID, ps.AuthenticationProviderID)
	if cc := body.CommunicationChannel; cc.Address != "" {
		s.addChannelLocked(u, cc.Type, cc.Address, cc.SkipConfirmation != nil && *cc.SkipConfirmation)
		if cc.Type == "" || cc.Type == "email" {
			u.u.Email = cc.Address
		}
	}
	s.obs.write(Write{Operation: "createUser", Kind: "user", ID: u.u.ID, Key: firstNonEmpty(ps.SisUserID, ps.UniqueID)})
	writeJSON(w, http.StatusOK, &u.u)
}

// newUserLocked creates a user; names missing are derived from the others as Canvas does.
func (s *Server) newUserLocked(name, short, sortable, first, last string) *userRec {
	st := s.st
	if name == "" {
		name = strings.TrimSpace(first + " " + last)
	}
	if name == "" {
		name = "Unnamed User"
	}
	if first == "" && last == "" {
		if i := strings.LastIndexByte(name, ' '); i > 0 {
			first, last = name[:i], name[i+1:]
		} else {
			first = name
		}
	}
	if short == "" {
		short = name
	}
	if sortable == "" {
		sortable = name
		if last != "" {
			sortable = last + ", " + first
		}
	}
	u := &userRec{u: canvas.User{ID: st.newID("user"), Name: name, ShortName: short, SortableName: sortable, FirstName: first,
		LastName: last, CreatedAt: stamp(s.opts.now()), TimeZone: st.accounts[st.root].DefaultTimeZone, RootAccount: "canvas.example.edu"}}
	u.u.AvatarURL = "https://canvas.example.edu/images/messages/avatar-50.png"
	st.users[u.u.ID] = u
	st.userOrder = append(st.userOrder, u.u.ID)
	return u
}

func (s *Server) addLoginLocked(u *userRec, unique, sis, integ, provider string) *canvas.Login {
	st := s.st
	l := &canvas.Login{ID: st.newID("login"), UserID: u.u.ID, AccountID: st.root, UniqueID: unique, SisUserID: sis,
		IntegrationID: integ, WorkflowState: canvas.LoginStateActive, CreatedAt: stamp(s.opts.now())}
	if provider != "" {
		if n, err := strconv.ParseInt(provider, 10, 64); err == nil {
			l.AuthenticationProviderID = n
		} else {
			l.AuthenticationProviderType = provider
		}
	}
	st.logins[l.ID] = l
	st.indexLogin(l, true)
	u.logins = append(u.logins, l.ID)
	st.syncUserFields(u)
	return l
}

func (s *Server) addChannelLocked(u *userRec, typ, address string, confirmed bool) *canvas.CommunicationChannel {
	if typ == "" {
		typ = "email"
	}
	state := "unconfirmed"
	if confirmed {
		state = "active"
	}
	ch := &canvas.CommunicationChannel{ID: s.st.newID("channel"), Address: address, Type: typ, Position: len(u.channels) + 1,
		UserID: u.u.ID, WorkflowState: state}
	s.st.channels[ch.ID] = ch
	u.channels = append(u.channels, ch.ID)
	return ch
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

func (s *Server) updateUser(w http.ResponseWriter, r *http.Request) {
	var body canvas.UpdateUserRequest
	if err := decodeBody(r, &body); err != nil {
		badParam(w, err)
		return
	}
	in := body.User
	if in.Event != "" && !in.Event.Valid() {
		writeFieldError(w, "event", "invalid", "event must be suspend or unsuspend")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.pathRef(r, "id", refUser)
	if id == 0 {
		notFound(w)
		return
	}
	st := s.st
	u := st.users[id]
	before := u.u
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&u.u.Name, in.Name)
	set(&u.u.ShortName, in.ShortName)
	set(&u.u.SortableName, in.SortableName)
	set(&u.u.TimeZone, in.TimeZone)
	if in.Email != "" && !strings.EqualFold(in.Email, u.u.Email) {
		s.defaultEmailLocked(u, in.Email)
	}
	set(&u.u.Locale, in.Locale)
	set(&u.u.Bio, in.Bio)
	changed := before != u.u
	switch in.Event {
	case canvas.UserEventSuspend, canvas.UserEventUnsuspend:
		from, to := canvas.LoginStateActive, canvas.LoginStateSuspended
		if in.Event == canvas.UserEventUnsuspend {
			from, to = to, from
		}
		for _, lid := range u.logins {
			if l := st.logins[lid]; l.WorkflowState == from {
				l.WorkflowState = to
				changed = true
			}
		}
	}
	if changed {
		st.reencodeUser(u)
		s.obs.write(Write{Operation: "updateUser", Kind: "user", ID: u.u.ID, Key: stateKey(u.u.SisUserID, userState(st, u))})
	}
	writeJSON(w, http.StatusOK, &u.u)
}

// UserSuspended reports whether all of the user's logins are suspended (nil when no such user).
func (s *Server) UserSuspended(ref string) (suspended, ok bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	id := s.st.lookup(refUser, ref)
	if id == 0 {
		return false, false
	}
	u := s.st.users[id]
	n := 0
	for _, lid := range u.logins {
		switch s.st.logins[lid].WorkflowState {
		case canvas.LoginStateActive:
			return false, true
		case canvas.LoginStateSuspended:
			n++
		}
	}
	return n > 0, true
}

func (s *Server) listLogins(w http.ResponseWriter, r *http.Request) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	id := s.pathRef(r, "user_id", refUser)
	if id == 0 {
		notFound(w)
		return
	}
	var out []canvas.Login
	for _, lid := range s.st.users[id].logins {
		if l := s.st.logins[lid]; l.WorkflowState != canvas.LoginStateDeleted {
			out = append(out, *l)
		}
	}
	s.numberedPage(w, r, marshalAll(out))
}

func (s *Server) createLogin(w http.ResponseWriter, r *http.Request) {
	var body canvas.CreateLoginRequest
	if err := decodeBody(r, &body); err != nil {
		badParam(w, err)
		return
	}
	in := body.Login
	if strings.TrimSpace(in.UniqueID) == "" {
		writeFieldError(w, "unique_id", "blank", "The login is required.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pathRef(r, "account_id", refAccount) == 0 {
		notFound(w)
		return
	}
	st := s.st
	uid := st.lookup(refUser, body.User.ID)
	if uid == 0 {
		writeErrors(w, http.StatusNotFound, "The specified resource does not exist.")
		return
	}
	if _, taken := st.loginByUnique[strings.ToLower(in.UniqueID)]; taken {
		writeFieldError(w, "unique_id", "taken", "ID already in use for this account and authentication provider")
		return
	}
	if in.SisUserID != "" {
		if _, taken := st.loginBySIS[in.SisUserID]; taken {
			writeFieldError(w, "sis_user_id", "taken", "The SIS ID is already in use")
			return
		}
	}
	u := st.users[uid]
	l := s.addLoginLocked(u, in.UniqueID, in.SisUserID, in.IntegrationID, in.AuthenticationProviderID)
	st.reencodeUser(u)
	s.obs.write(Write{Operation: "createLogin", Kind: "login", ID: l.ID, Key: strings.ToLower(in.UniqueID)})
	writeJSON(w, http.StatusOK, l)
}

func (s *Server) updateLogin(w http.ResponseWriter, r *http.Request) {
	var body canvas.UpdateLoginRequest
	if err := decodeBody(r, &body); err != nil {
		badParam(w, err)
		return
	}
	in := body.Login
	if in.WorkflowState != "" && in.WorkflowState != canvas.LoginStateActive && in.WorkflowState != canvas.LoginStateSuspended {
		writeFieldError(w, "workflow_state", "invalid", "workflow_state must be active or suspended")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pathRef(r, "account_id", refAccount) == 0 {
		notFound(w)
		return
	}
	st := s.st
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	l := st.logins[id]
	if err != nil || l == nil || l.WorkflowState == canvas.LoginStateDeleted {
		notFound(w)
		return
	}
	if in.UniqueID != "" && !strings.EqualFold(in.UniqueID, l.UniqueID) {
		if _, taken := st.loginByUnique[strings.ToLower(in.UniqueID)]; taken {
			writeFieldError(w, "unique_id", "taken", "ID already in use for this account and authentication provider")
			return
		}
	}
	if in.SisUserID != "" && in.SisUserID != l.SisUserID {
		if _, taken := st.loginBySIS[in.SisUserID]; taken {
			writeFieldError(w, "sis_user_id", "taken", "The SIS ID is already in use")
			return
		}
	}
	before := *l
	st.indexLogin(l, false)
	if in.UniqueID != "" {
		l.UniqueID = in.UniqueID
	}
	if in.SisUserID != "" {
		l.SisUserID = in.SisUserID
	}
	if in.IntegrationID != "" {
		l.IntegrationID = in.IntegrationID
	}
	if in.WorkflowState != "" {
		l.WorkflowState = in.WorkflowState
	}
	st.indexLogin(l, true)
	if before != *l {
		u := st.users[l.UserID]
		st.syncUserFields(u)
		st.reencodeUser(u)
		s.obs.write(Write{Operation: "updateLogin", Kind: "login", ID: l.ID, Key: stateKey(strconv.FormatInt(l.ID, 10), *l)})
	}
	writeJSON(w, http.StatusOK, l)
}

func (s *Server) deleteLogin(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	uid := s.pathRef(r, "user_id", refUser)
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	l := st.logins[id]
	if uid == 0 || err != nil || l == nil || l.UserID != uid || l.WorkflowState == canvas.LoginStateDeleted {
		notFound(w)
		return
	}
	st.indexLogin(l, false)
	l.WorkflowState = canvas.LoginStateDeleted
	u := st.users[uid]
	st.syncUserFields(u)
	st.reencodeUser(u)
	s.obs.write(Write{Operation: "deleteLogin", Kind: "login", ID: l.ID, Key: strings.ToLower(l.UniqueID)})
	writeJSON(w, http.StatusOK, l)
}

func (s *Server) listChannels(w http.ResponseWriter, r *http.Request) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	id := s.pathRef(r, "user_id", refUser)
	if id == 0 {
		notFound(w)
		return
	}
	var out []canvas.CommunicationChannel
	for _, cid := range s.st.users[id].channels {
		if ch := s.st.channels[cid]; ch.WorkflowState != "deleted" {
			out = append(out, *ch)
		}
	}
	s.numberedPage(w, r, marshalAll(out))
}

func (s *Server) createChannel(w http.ResponseWriter, r *http.Request) {
	var body canvas.CreateCommunicationChannelRequest
	if err := decodeBody(r, &body); err != nil {
		badParam(w, err)
		return
	}
	in := body.CommunicationChannel
	if strings.TrimSpace(in.Address) == "" {
		writeFieldError(w, "address", "blank", "An address is required.")
		return
	}
	switch in.Type {
	case "email", "sms", "push":
	default:
		writeFieldError(w, "type", "invalid", "type must be email, sms or push")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.pathRef(r, "user_id", refUser)
	if id == 0 {
		notFound(w)
		return
	}
	u := s.st.users[id]
	for _, cid := range u.channels {
		if ch := s.st.channels[cid]; ch.Type == in.Type && strings.EqualFold(ch.Address, in.Address) && ch.WorkflowState != "deleted" {
			writeFieldError(w, "path", "taken", "That address is already in use")
			return
		}
	}
	skip := body.SkipConfirmation != nil && *body.SkipConfirmation
	ch := s.addChannelLocked(u, in.Type, in.Address, skip)
	s.obs.write(Write{Operation: "createCommunicationChannel", Kind: "channel", ID: ch.ID, Key: in.Type + ":" + strings.ToLower(in.Address)})
	writeJSON(w, http.StatusOK, ch)
}

// defaultEmailLocked makes address the user's default e-mail address as Canvas does: the
// e-mail channel with that address (created when there is none) moves to the top.
func (s *Server) defaultEmailLocked(u *userRec, address string) {
	var top *canvas.CommunicationChannel
	for _, cid := range u.channels {
		if ch := s.st.channels[cid]; ch.Type == "email" && ch.WorkflowState != "deleted" && strings.EqualFold(ch.Address, address) {
			top = ch
		}
	}
	if top == nil {
		top = s.addChannelLocked(u, "email", address, false)
	}
	for _, cid := range u.channels {
		if ch := s.st.channels[cid]; ch != top && ch.Position <= top.Position {
			ch.Position++
		}
	}
	top.Position = 1
	s.syncEmailLocked(u)
}

// deleteChannel deletes a channel as Canvas does: it stays, in workflow_state deleted, and is
// no longer listed; the user's e-mail address is the first e-mail channel left.
func (s *Server) deleteChannel(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	uid := s.pathRef(r, "user_id", refUser)
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	ch := st.channels[id]
	if uid == 0 || err != nil || ch == nil || ch.UserID != uid || ch.WorkflowState == "deleted" {
		notFound(w)
		return
	}
	ch.WorkflowState = "deleted"
	u := st.users[uid]
	s.syncEmailLocked(u)
	st.reencodeUser(u)
	s.obs.write(Write{Operation: "deleteCommunicationChannel", Kind: "channel", ID: ch.ID, Key: ch.Type + ":" + strings.ToLower(ch.Address)})
	writeJSON(w, http.StatusOK, ch)
}

// syncEmailLocked makes the user's e-mail address that of their first e-mail channel not
// deleted, as Canvas shows it ("" when none is left).
func (s *Server) syncEmailLocked(u *userRec) {
	u.u.Email = ""
	best := 0
	for _, cid := range u.channels {
		ch := s.st.channels[cid]
		if ch.Type != "email" || ch.WorkflowState == "deleted" {
			continue
		}
		if best == 0 || ch.Position < best {
			u.u.Email, best = ch.Address, ch.Position
		}
	}
}

// userState is what an update of a user can change: the user and its logins' states.
func userState(st *store, u *userRec) string {
	out := fmt.Sprintf("%+v", u.u)
	for _, lid := range u.logins {
		out += " " + string(st.logins[lid].WorkflowState)
	}
	return out
}
