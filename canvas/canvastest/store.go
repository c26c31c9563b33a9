package canvastest

import (
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/edusync/edusync/canvas"
)

// store is the server's data. The server's mutex guards it.
type store struct {
	ids map[string]int64 // next id per kind

	root     int64
	accounts map[int64]*canvas.Account
	accOrder []int64

	terms     map[int64]*canvas.EnrollmentTerm
	termOrder []int64
	defTerm   int64

	users     map[int64]*userRec
	userOrder []int64
	admin     int64

	logins        map[int64]*canvas.Login
	loginByUnique map[string]int64 // lower-cased unique id (active and suspended logins)
	loginBySIS    map[string]int64
	loginByInteg  map[string]int64

	channels map[int64]*canvas.CommunicationChannel

	courses       map[int64]*courseRec
	courseOrder   []int64
	courseBySIS   map[string]int64
	courseByInteg map[string]int64

	sections       map[int64]*sectionRec
	sectionBySIS   map[string]int64
	sectionByInteg map[string]int64

	enrollments map[int64]*enrRec

	roles     map[int64]*canvas.Role
	roleOrder []int64

	imports     map[int64]*canvas.SisImport
	importOrder []int64
	datasets    map[string]*canvas.SISData // last data of each diffing data set
	progress    map[int64]*canvas.Progress

	conversations map[int64]*convRec
	convOrder     []int64
}

type userRec struct {
	u           canvas.User
	logins      []int64
	channels    []int64
	enrollments []int64
	deleted     bool
}

type courseRec struct {
	c           canvas.Course
	sections    []int64
	enrollments []int64 // ascending ids
	defSection  int64
	sisBatch    bool // created or last touched by an SIS import
}

type sectionRec struct {
	s           canvas.Section
	course      int64 // the course it is in now (cross-listing changes it)
	enrollments []int64
	deleted     bool
	sisBatch    bool
}

type enrRec struct {
	e        canvas.Enrollment
	json     []byte // cached encoding
	sisBatch bool
}

// kinds of ids and where they start; the seed moves them so two fakes differ like two Canvases.
var idStarts = map[string]int64{
	"account": 100, "term": 200, "user": 10_000, "login": 20_000, "channel": 30_000,
	"course": 40_000, "section": 50_000, "enrollment": 1_000_000, "role": 10, "sis_import": 70, "progress": 80,
	"conversation": 60_000, "conversation_message": 3_000_000,
}

func newStore(seed uint64) *store {
	st := &store{
		ids:            map[string]int64{},
		accounts:       map[int64]*canvas.Account{},
		terms:          map[int64]*canvas.EnrollmentTerm{},
		users:          map[int64]*userRec{},
		logins:         map[int64]*canvas.Login{},
		loginByUnique:  map[string]int64{},
		loginBySIS:     map[string]int64{},
		loginByInteg:   map[string]int64{},
		channels:       map[int64]*canvas.CommunicationChannel{},
		courses:        map[int64]*courseRec{},
		courseBySIS:    map[string]int64{},
		courseByInteg:  map[string]int64{},
		sections:       map[int64]*sectionRec{},
		sectionBySIS:   map[string]int64{},
		sectionByInteg: map[string]int64{},
		enrollments:    map[int64]*enrRec{},
		roles:          map[int64]*canvas.Role{},
		imports:        map[int64]*canvas.SisImport{},
		datasets:       map[string]*canvas.SISData{},
		progress:       map[int64]*canvas.Progress{},
		conversations:  map[int64]*convRec{},
	}
	shift := int64(seed%1000) * 7
	for k, v := range idStarts {
		st.ids[k] = v + shift
	}
	return st
}

func (st *store) newID(kind string) int64 {
	id := st.ids[kind]
	st.ids[kind]++
	return id
}

// refKind says what a path or parameter reference may name.
type refKind int

const (
	refUser refKind = iota
	refCourse
	refSection
	refAccount
	refTerm
)

// parseRef splits a reference into its SIS prefix and value ("" prefix for a numeric id or
// self), decoding Canvas's hex form. ok is false for something that is no reference.
func parseRef(ref string) (prefix, value string, ok bool) {
	if ref == "self" {
		return "", "self", true
	}
	if rest, isHex := strings.CutPrefix(ref, "hex:"); isHex {
		p, hv, found := strings.Cut(rest, ":")
		raw, err := hex.DecodeString(hv)
		if !found || err != nil {
			return "", "", false
		}
		return p, string(raw), true
	}
	if p, v, found := strings.Cut(ref, ":"); found {
		return p, v, true
	}
	if _, err := strconv.ParseInt(ref, 10, 64); err != nil {
		return "", "", false
	}
	return "", ref, true
}

// lookup resolves a reference to an id of the given kind; 0 when nothing matches.
func (st *store) lookup(kind refKind, ref string) int64 {
	prefix, value, ok := parseRef(ref)
	if !ok || value == "" {
		return 0
	}
	if prefix == "" {
		if value == "self" {
			switch kind {
			case refUser:
				return st.admin
			case refAccount:
				return st.root
			}
			return 0
		}
		id, _ := strconv.ParseInt(value, 10, 64)
		switch kind {
		case refUser:
			if u := st.users[id]; u != nil && !u.deleted {
				return id
			}
		case refCourse:
			if c := st.courses[id]; c != nil {
				return id
			}
		case refSection:
			if s := st.sections[id]; s != nil && !s.deleted {
				return id
			}
		case refAccount:
			if st.accounts[id] != nil {
				return id
			}
		case refTerm:
			if st.terms[id] != nil {
				return id
			}
		}
		return 0
	}
	switch {
	case kind == refUser && prefix == "sis_user_id":
		return st.userOfLogin(st.loginBySIS[value])
	case kind == refUser && prefix == "sis_login_id":
		return st.userOfLogin(st.loginByUnique[strings.ToLower(value)])
	case kind == refUser && prefix == "sis_integration_id":
		return st.userOfLogin(st.loginByInteg[value])
	case kind == refCourse && prefix == "sis_course_id":
		return st.courseBySIS[value]
	case kind == refCourse && prefix == "sis_integration_id":
		return st.courseByInteg[value]
	case kind == refSection && prefix == "sis_section_id":
		return st.sectionBySIS[value]
	case kind == refSection && prefix == "sis_integration_id":
		return st.sectionByInteg[value]
	case kind == refAccount && prefix == "sis_account_id":
		for _, id := range st.accOrder {
			if st.accounts[id].SisAccountID == value {
				return id
			}
		}
	case kind == refTerm && prefix == "sis_term_id":
		for _, id := range st.termOrder {
			if st.terms[id].SisTermID == value && st.terms[id].WorkflowState != "deleted" {
				return id
			}
		}
	}
	return 0
}

func (st *store) userOfLogin(login int64) int64 {
	l := st.logins[login]
	if l == nil {
		return 0
	}
	if u := st.users[l.UserID]; u == nil || u.deleted {
		return 0
	}
	return l.UserID
}

// subtree reports whether account is root or below it.
func (st *store) subtree(root, account int64) bool {
	for id := account; id != 0; {
		if id == root {
			return true
		}
		a := st.accounts[id]
		if a == nil {
			return false
		}
		id = a.ParentAccountID
	}
	return false
}

// syncUserFields copies the user's primary login into the user record (sis_user_id, login_id,
// integration_id), as Canvas shows them.
func (st *store) syncUserFields(u *userRec) {
	u.u.SisUserID, u.u.LoginID, u.u.IntegrationID = "", "", ""
	for _, lid := range u.logins {
		l := st.logins[lid]
		if l == nil || l.WorkflowState == canvas.LoginStateDeleted {
			continue
		}
		u.u.SisUserID, u.u.LoginID, u.u.IntegrationID = l.SisUserID, l.UniqueID, l.IntegrationID
		break
	}
}

// indexLogin adds or removes a login from the lookups.
func (st *store) indexLogin(l *canvas.Login, add bool) {
	set := func(m map[string]int64, k string) {
		if k == "" {
			return
		}
		if add {
			m[k] = l.ID
		} else if m[k] == l.ID {
			delete(m, k)
		}
	}
	set(st.loginByUnique, strings.ToLower(l.UniqueID))
	set(st.loginBySIS, l.SisUserID)
	set(st.loginByInteg, l.IntegrationID)
}

// addEnrollmentIndex links a new enrolment to its course, section and user, keeping the
// course's list sorted (ids grow, so appending keeps it sorted).
func (st *store) addEnrollmentIndex(e *canvas.Enrollment) {
	if c := st.courses[e.CourseID]; c != nil {
		c.enrollments = append(c.enrollments, e.ID)
	}
	if s := st.sections[e.CourseSectionID]; s != nil {
		s.enrollments = append(s.enrollments, e.ID)
	}
	if u := st.users[e.UserID]; u != nil {
		u.enrollments = append(u.enrollments, e.ID)
	}
}

// moveEnrollments moves the enrolments of a section between courses (cross-listing).
func (st *store) moveSectionEnrollments(s *sectionRec, from, to int64) {
	fc, tc := st.courses[from], st.courses[to]
	for _, eid := range s.enrollments {
		er := st.enrollments[eid]
		if er == nil {
			continue
		}
		er.e.CourseID = to
		if tc != nil {
			er.e.SisCourseID = tc.c.SisCourseID
			er.e.CourseIntegrationID = tc.c.IntegrationID
		}
		if fc != nil {
			fc.enrollments = slices.DeleteFunc(fc.enrollments, func(id int64) bool { return id == eid })
		}
		if tc != nil {
			i, _ := slices.BinarySearch(tc.enrollments, eid)
			tc.enrollments = slices.Insert(tc.enrollments, i, eid)
		}
		st.encodeEnrollment(er)
	}
}

// stamp formats a server time as Canvas does.
func stamp(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }
