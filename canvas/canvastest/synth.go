package canvastest

import (
	"slices"
	"strings"
	"time"

	"github.com/edusync/edusync/canvas"
	"github.com/edusync/edusync/synth"
)

// LoadOptions limits what LoadPopulation takes from a population.
type LoadOptions struct {
	// MaxRegistrations caps the student enrolments loaded (0: all). Offerings are loaded in the
	// population's order until the cap is reached, each with all its registrations.
	MaxRegistrations int
}

// LoadResult counts what LoadPopulation created.
type LoadResult struct {
	Accounts    int // sub-accounts (departments)
	Terms       int // enrolment terms
	Users       int // students and teachers
	Courses     int // course offerings
	Enrollments int // student and teacher enrolments
}

// LoadPopulation fills the fake with the university part of a synth population, as a
// student-records system's integration would have set Canvas up: the university names the root
// account, departments become sub-accounts (SIS id: the department code), each term of the
// course offerings an enrolment term (SIS id: "HT2026"), each offering a published course
// (SIS id: course code, term and offering code, "DA1234-HT2026-10234") and every registration an
// active student enrolment; an offering's teachers are teacher enrolments. Users have the synth
// person ID (the Ladok UID) as SIS id and their EPPN (or e-mail) as login; no personal identity
// number is loaded. Persons with protected identity keep only a neutral name and no e-mail, the
// minimum a course needs.
func (s *Server) LoadPopulation(pop *synth.Population, o LoadOptions) LoadResult {
	x := synth.NewIndex(pop)
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	var res LoadResult

	accountOf := map[synth.ID]int64{}
	for _, org := range pop.Organisations {
		switch org.Type {
		case synth.OrgUniversity:
			root := st.accounts[st.root]
			root.Name = org.Name
			accountOf[org.ID] = st.root
		case synth.OrgDepartment:
			a := &canvas.Account{ID: st.newID("account"), Name: org.Name, ParentAccountID: st.root, RootAccountID: st.root,
				SisAccountID: org.Code, WorkflowState: "active", DefaultTimeZone: st.accounts[st.root].DefaultTimeZone}
			a.UUID = uuidOf("account", a.ID)
			st.accounts[a.ID] = a
			st.accOrder = append(st.accOrder, a.ID)
			accountOf[org.ID] = a.ID
			res.Accounts++
		}
	}

	// Terms, spanning their offerings.
	termOf := map[string]int64{}
	for i := range pop.CourseOfferings {
		co := &pop.CourseOfferings[i]
		id, ok := termOf[co.Term]
		if !ok {
			id = st.lookup(refTerm, "sis_term_id:"+co.Term)
			if id == 0 {
				t := &canvas.EnrollmentTerm{ID: st.newID("term"), Name: co.Term, SisTermID: co.Term, WorkflowState: "active",
					StartAt: dateTime(co.Start), EndAt: dateTime(co.End)}
				st.terms[t.ID] = t
				st.termOrder = append(st.termOrder, t.ID)
				id = t.ID
				res.Terms++
			}
			termOf[co.Term] = id
		}
		t := st.terms[id]
		if start := dateTime(co.Start); !start.IsZero() && (t.StartAt.IsZero() || start.Before(t.StartAt)) {
			t.StartAt = start
		}
		if end := dateTime(co.End); end.After(t.EndAt) {
			t.EndAt = end
		}
	}

	userOf := map[synth.ID]int64{}
	user := func(pid synth.ID) int64 {
		if id, ok := userOf[pid]; ok {
			return id
		}
		p, ok := x.Person(pid)
		if !ok {
			return 0
		}
		sis := pid.String()
		if id := st.lookup(refUser, "sis_user_id:"+sis); id != 0 {
			userOf[pid] = id
			return id
		}
		first, last := firstGiven(p.GivenName), p.FamilyName
		email := p.Email
		if p.Security.IsProtected() {
			first, last, email = "Student", strings.ToUpper(sis[:8]), ""
		}
		login := strings.ToLower(firstNonEmpty(p.EPPN, email, sis+"@"+pop.Options.Domain))
		if _, taken := st.loginByUnique[login]; taken {
			login = sis + "@" + pop.Options.Domain
		}
		u := s.newUserLocked(first+" "+last, first+" "+last, last+", "+first, first, last)
		s.addLoginLocked(u, login, sis, "", "")
		if email != "" {
			s.addChannelLocked(u, "email", email, true)
			u.u.Email = email
		}
		userOf[pid] = u.u.ID
		res.Users++
		return u.u.ID
	}

	registered := 0
	for i := range pop.CourseOfferings {
		co := &pop.CourseOfferings[i]
		var regs []*synth.Registration
		for r := range x.Registered(co.ID) {
			regs = append(regs, r)
		}
		if o.MaxRegistrations > 0 && registered+len(regs) > o.MaxRegistrations {
			break
		}
		sis := co.CourseCode + "-" + co.Term + "-" + co.OfferingCode
		cid := st.courseBySIS[sis]
		if cid == 0 {
			acc := accountOf[co.Department]
			if acc == 0 {
				acc = st.root
			}
			c := s.newCourseLocked(acc, termOf[co.Term], co.NameSV, co.CourseCode, sis, co.ID.String(), dateTime(co.Start), dateTime(co.End))
			c.c.WorkflowState = courseAvailable
			cid = c.c.ID
			res.Courses++
		}
		c := st.courses[cid]
		for _, tid := range co.Teachers {
			if uid := user(tid); uid != 0 {
				if e, msg := s.buildEnrollmentLocked(c, c.defSection, uid, canvas.EnrollmentTypeTeacher, 0, "", canvas.EnrollmentStateActive); msg == "" {
					st.encodeEnrollment(e)
					res.Enrollments++
				}
			}
		}
		slices.SortFunc(regs, func(a, b *synth.Registration) int { return strings.Compare(a.ID.String(), b.ID.String()) })
		for _, r := range regs {
			uid := user(r.Person)
			if uid == 0 {
				continue
			}
			e, msg := s.buildEnrollmentLocked(c, c.defSection, uid, canvas.EnrollmentTypeStudent, 0, "", canvas.EnrollmentStateActive)
			if msg != "" {
				continue
			}
			e.e.CreatedAt, e.e.UpdatedAt = dateTime(r.Date), dateTime(r.Date)
			st.encodeEnrollment(e)
			res.Enrollments++
			registered++
		}
	}
	return res
}

func firstGiven(given string) string {
	if f, _, ok := strings.Cut(given, " "); ok {
		return f
	}
	return given
}

func dateTime(d synth.Date) time.Time {
	if d.IsZero() {
		return time.Time{}
	}
	return d.Time().UTC()
}
