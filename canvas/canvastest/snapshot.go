package canvastest

import (
	"cmp"
	"slices"
	"time"

	"github.com/edusync/edusync/canvas"
)

// Snapshot is the visible state of the fake as an SIS integration sees it: the objects with
// SIS ids (accounts, users, courses, sections) and the enrolments that are not deleted, named
// by SIS ids and sorted. Canvas ids are left out, so two fakes that were given the same
// changes in different orders (by parallel workers, across restarts) have equal snapshots.
type Snapshot struct {
	Accounts    []SnapshotAccount
	Users       []SnapshotUser
	Courses     []SnapshotCourse
	Sections    []SnapshotSection
	Enrollments []SnapshotEnrollment
}

// SnapshotAccount is an account with an SIS id.
type SnapshotAccount struct {
	SISID, Name string
	// Parent is the parent account's SIS id ("" for the root account or one without).
	Parent string
}

// SnapshotUser is a user with an SIS login.
type SnapshotUser struct {
	SISID, IntegrationID string
	Name, SortableName   string
	Email                string
	// Logins are the unique ids of the user's logins that are not deleted, sorted.
	Logins    []string
	Suspended bool
}

// SnapshotCourse is a course with an SIS id that is not deleted.
type SnapshotCourse struct {
	SISID, Name, CourseCode string
	Account                 string // the account's SIS id
	WorkflowState           string
	StartAt, EndAt          time.Time
}

// SnapshotSection is a section with an SIS id that is not deleted.
type SnapshotSection struct {
	SISID, Name string
	Course      string // the SIS id of the course the section is in now
	// CrossListedFrom is the SIS id of the course it was cross-listed from ("" when none).
	CrossListedFrom string
}

// SnapshotEnrollment is an enrolment that is not deleted.
type SnapshotEnrollment struct {
	User, Course, Section string // SIS ids ("" for a section without one)
	Role                  string // the role's name (a base type or a custom role's label)
	Type                  canvas.EnrollmentType
	State                 canvas.EnrollmentState
}

// Snapshot returns the fake's state (see Snapshot).
func (s *Server) Snapshot() Snapshot {
	s.mu.RLock()
	defer s.mu.RUnlock()
	st := s.st
	var out Snapshot
	accSIS := func(id int64) string {
		if a := st.accounts[id]; a != nil {
			return a.SisAccountID
		}
		return ""
	}
	for _, id := range st.accOrder {
		a := st.accounts[id]
		if a.SisAccountID == "" {
			continue
		}
		out.Accounts = append(out.Accounts, SnapshotAccount{SISID: a.SisAccountID, Name: a.Name, Parent: accSIS(a.ParentAccountID)})
	}
	userSIS := map[int64]string{}
	for _, id := range st.userOrder {
		u := st.users[id]
		if u.deleted {
			continue
		}
		su := SnapshotUser{Name: u.u.Name, SortableName: u.u.SortableName, Email: u.u.Email}
		active, suspended := 0, 0
		for _, lid := range u.logins {
			l := st.logins[lid]
			if l.WorkflowState == canvas.LoginStateDeleted {
				continue
			}
			su.Logins = append(su.Logins, l.UniqueID)
			if su.SISID == "" && l.SisUserID != "" {
				su.SISID, su.IntegrationID = l.SisUserID, l.IntegrationID
			}
			switch l.WorkflowState {
			case canvas.LoginStateActive:
				active++
			case canvas.LoginStateSuspended:
				suspended++
			}
		}
		if su.SISID == "" {
			continue
		}
		slices.Sort(su.Logins)
		su.Suspended = suspended > 0 && active == 0
		userSIS[id] = su.SISID
		out.Users = append(out.Users, su)
	}
	courseSIS := map[int64]string{}
	for _, id := range st.courseOrder {
		c := st.courses[id]
		courseSIS[id] = c.c.SisCourseID
		if c.c.SisCourseID == "" || c.c.WorkflowState == courseDeleted {
			continue
		}
		out.Courses = append(out.Courses, SnapshotCourse{SISID: c.c.SisCourseID, Name: c.c.Name, CourseCode: c.c.CourseCode,
			Account: accSIS(c.c.AccountID), WorkflowState: c.c.WorkflowState, StartAt: c.c.StartAt, EndAt: c.c.EndAt})
	}
	for _, sec := range st.sections {
		if sec.deleted || sec.s.SisSectionID == "" {
			continue
		}
		if c := st.courses[sec.course]; c == nil || c.c.WorkflowState == courseDeleted {
			continue
		}
		out.Sections = append(out.Sections, SnapshotSection{SISID: sec.s.SisSectionID, Name: sec.s.Name, Course: courseSIS[sec.course],
			CrossListedFrom: courseSIS[sec.s.NonxlistCourseID]})
	}
	for _, e := range st.enrollments {
		if e.e.EnrollmentState == canvas.EnrollmentStateDeleted {
			continue
		}
		if c := st.courses[e.e.CourseID]; c == nil || c.c.WorkflowState == courseDeleted {
			continue
		}
		se := SnapshotEnrollment{User: userSIS[e.e.UserID], Course: courseSIS[e.e.CourseID], Type: e.e.Type, State: e.e.EnrollmentState, Role: e.e.Role}
		if r := st.roles[e.e.RoleID]; r != nil && r.Label != "" {
			se.Role = r.Label
		}
		if sec := st.sections[e.e.CourseSectionID]; sec != nil {
			se.Section = sec.s.SisSectionID
		}
		out.Enrollments = append(out.Enrollments, se)
	}
	slices.SortFunc(out.Accounts, func(a, b SnapshotAccount) int { return cmp.Compare(a.SISID, b.SISID) })
	slices.SortFunc(out.Users, func(a, b SnapshotUser) int { return cmp.Compare(a.SISID, b.SISID) })
	slices.SortFunc(out.Courses, func(a, b SnapshotCourse) int { return cmp.Compare(a.SISID, b.SISID) })
	slices.SortFunc(out.Sections, func(a, b SnapshotSection) int { return cmp.Compare(a.SISID, b.SISID) })
	slices.SortFunc(out.Enrollments, func(a, b SnapshotEnrollment) int {
		return cmp.Or(cmp.Compare(a.User, b.User), cmp.Compare(a.Course, b.Course), cmp.Compare(a.Section, b.Section),
			cmp.Compare(a.Role, b.Role), cmp.Compare(a.State, b.State), cmp.Compare(a.Type, b.Type))
	})
	return out
}
