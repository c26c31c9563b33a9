package synth

import (
	"strconv"
	"strings"
	"time"
)

type weighted struct {
	role DutyRole
	w    int
}

var (
	preschoolRoles = []weighted{{DutyPreschoolTeacher, 45}, {DutyChildMinder, 45}, {DutyOther, 10}}
	schoolRoles    = []weighted{{DutyTeacher, 62}, {DutyLeadTeacher, 5}, {DutyLeisureTeacher, 7}, {DutySpecialTeacher, 5},
		{DutyTeacherAssistant, 5}, {DutyNurse, 2}, {DutyCounsellor, 2}, {DutyCareerAdviser, 2}, {DutyAdministrator, 5},
		{DutyLibrarian, 1}, {DutyOther, 4}}
	upperRoles = []weighted{{DutyTeacher, 74}, {DutyLeadTeacher, 5}, {DutyCareerAdviser, 3}, {DutySpecialTeacher, 4},
		{DutyNurse, 2}, {DutyCounsellor, 2}, {DutyAdministrator, 5}, {DutyLibrarian, 2}, {DutyOther, 3}}
)

func (g *gen) pickRole(list []weighted) DutyRole {
	total := 0
	for _, x := range list {
		total += x.w
	}
	n := g.r.intn(total)
	for _, x := range list {
		if n < x.w {
			return x.role
		}
		n -= x.w
	}
	return list[0].role
}

func teaches(r DutyRole) bool {
	switch r {
	case DutyTeacher, DutyLeadTeacher, DutySpecialTeacher, DutyPreschoolTeacher, DutyChildMinder, DutyLeisureTeacher:
		return true
	}
	return false
}

// staff creates the staff of every unit with their duties: a principal each, the rest in
// proportion to the unit's students; about 2% also have a duty at a second unit.
func (g *gen) staff(units []unitPlan) error {
	o := g.o
	pop := g.pop
	r := g.r
	weights := make([]int, len(units))
	for i := range units {
		weights[i] = units[i].students + 1
	}
	counts := apportion(o.Staff-len(units), weights, 0)
	syYear := g.syStart.Year()
	for ui := range units {
		u := &units[ui]
		roles := schoolRoles
		switch u.st {
		case SchoolFS:
			roles = preschoolRoles
		case SchoolGY:
			roles = upperRoles
		}
		for k := 0; k <= counts[ui]; k++ {
			role := DutyPrincipal
			if k > 0 {
				role = g.pickRole(roles)
			}
			birth := g.birthDate(syYear - r.between(24, 66))
			pi := g.newPerson(RoleStaff, SexUnknown, birth, "")
			g.addDuty(u, pi, role, 100)
			if k > 0 && len(units) > 1 && r.intn(100) < 2 {
				other := &units[r.intn(len(units))]
				if other != u {
					pop.Duties[len(pop.Duties)-1].Percent = 50
					g.addDuty(other, pi, role, 50)
				}
			}
		}
	}
	return nil
}

func (g *gen) addDuty(u *unitPlan, pi int, role DutyRole, percent uint8) {
	pop := g.pop
	r := g.r
	p := &pop.Persons[pi]
	if percent == 100 {
		switch x := r.intn(100); {
		case x < 12:
			percent = 80
		case x < 18:
			percent = 50
		}
	}
	sig := strings.ToUpper((g.ascii(firstWord(p.GivenName)) + "xx")[:2] + (g.ascii(p.FamilyName) + "xx")[:2])
	sig = strings.ReplaceAll(sig, "-", "X")
	if u.sigs == nil {
		u.sigs = map[string]bool{}
	}
	base := sig
	for i := 2; u.sigs[sig]; i++ {
		sig = base + strconv.Itoa(i)
	}
	u.sigs[sig] = true
	start := g.birthDate(g.syStart.Year() - r.intn(15)).max(p.BirthDate.AddDays(365 * 22))
	if start > g.o.Today {
		start = NewDate(g.o.Today.Year(), time.August, 1).min(g.o.Today)
	}
	d := Duty{ID: g.ids.id(), Person: p.ID, Organisation: pop.Organisations[u.org].ID, Role: role,
		Signature: sig, Percent: percent, Start: start}
	pop.Duties = append(pop.Duties, d)
	u.staff = append(u.staff, pi)
	if teaches(role) {
		u.teachers = append(u.teachers, pi)
	}
}

// teachingGroups makes the unit's teaching groups, ordered by grade, and puts each student in
// about perStudent of them, mostly of its own grade.
func (g *gen) teachingGroups(u *unitPlan, ui int, perStudent float64) {
	if u.tBudget == 0 {
		return
	}
	pop := g.pop
	r := g.r
	unitID := pop.Organisations[u.org].ID
	ng := u.grades()
	weights := make([]int, ng)
	for gi := range weights {
		weights[gi] = u.gradeCount[gi]
		if weights[gi] == 0 && u.students == 0 {
			weights[gi] = 1
		}
	}
	per := apportion(u.tBudget, weights, 1)
	u.blockFrom = make([]int, ng)
	u.blockLen = per
	teachers := u.teachers
	if len(teachers) == 0 {
		teachers = u.staff
	}
	pos := 0
	for gi := 0; gi < ng; gi++ {
		grade := u.lo + int8(gi)
		u.blockFrom[gi] = pos
		subjects := g.subjects(u.st, grade)
		for j := 0; j < per[gi]; j++ {
			subj := subjects[j%len(subjects)]
			tok := g.gradeToken(u.st, grade, j/len(subjects), "")
			grp := Group{ID: g.ids.id(), Organisation: unitID, Type: GroupTeaching, SchoolType: g.gradeType(u.st, grade),
				SchoolYear: grade, Subject: subj, Name: subj + " " + tok, Code: abbrev(subj, g) + tok,
				Start: g.syStart, End: g.syEnd}
			if u.st == SchoolFS {
				grp.SchoolYear = -1
			}
			u.teaching = append(u.teaching, len(pop.Groups))
			pop.Groups = append(pop.Groups, grp)
			t := teachers[(j*7+gi+ui)%len(teachers)]
			pop.Memberships = append(pop.Memberships, Membership{ID: g.ids.id(), Group: grp.ID,
				Person: pop.Persons[t].ID, Role: MemberTeacher, Start: g.syStart})
			pos++
		}
	}
	if u.st == SchoolFS || perStudent <= 0 {
		return
	}
	whole := int(perStudent)
	frac := probOf(perStudent - float64(whole))
	total := len(u.teaching)
	for gi := 0; gi < ng; gi++ {
		bf, bl := u.blockFrom[gi], u.blockLen[gi]
		for pi := u.gradeFrom[gi]; pi < u.gradeFrom[gi]+u.gradeCount[gi]; pi++ {
			m := whole
			if r.chance(frac) {
				m++
			}
			m = min(m, total)
			if m == 0 {
				continue
			}
			var start int
			if m <= bl {
				start = bf + r.intn(bl-m+1)
			} else {
				start = bf - (m-bl)/2
			}
			start = max(0, min(start, total-m))
			pid := pop.Persons[pi].ID
			for k := start; k < start+m; k++ {
				pop.Memberships = append(pop.Memberships, Membership{ID: g.ids.id(), Group: pop.Groups[u.teaching[k]].ID,
					Person: pid, Role: MemberStudent, Start: g.syStart})
			}
		}
	}
}

// subjects returns the subjects taught in a grade.
func (g *gen) subjects(st SchoolType, grade int8) []string {
	c := g.c
	switch {
	case st == SchoolGY && g.o.Country != Germany, st == SchoolGY && grade >= 10:
		return c.subjectsGY
	case grade <= 3:
		return c.subjectsLow
	}
	return c.subjectsHigh
}

// abbrev returns a subject's short code: the first three letters, or for a subject whose first
// three letters another subject of the country has, the first two and the initial of its last word
// ("Svenska som andraspråk" -> "SVA").
func abbrev(subject string, g *gen) string {
	a := strings.ToUpper(g.ascii(strings.ReplaceAll(subject, " ", "")))
	if len(a) > 3 {
		a = a[:3]
	}
	if i := strings.LastIndexByte(subject, ' '); i > 0 {
		last := strings.ToUpper(g.ascii(subject[i+1:]))
		if last != "" {
			a = a[:2] + last[:1]
		}
	}
	return a
}

// staffMemberships puts staff in their unit's staff team and gives classes their class
// teachers (preschool units two staff).
func (g *gen) staffMemberships(u *unitPlan) {
	pop := g.pop
	unit := &pop.Organisations[u.org]
	team := Group{ID: g.ids.id(), Organisation: unit.ID, Type: GroupStaff, SchoolYear: -1,
		Name: map[Country]string{Sweden: "Personal ", Germany: "Kollegium ", Norway: "Personale "}[g.o.Country] + unit.Name,
		Code: "PERS", Start: g.syStart, End: g.syEnd}
	pop.Groups = append(pop.Groups, team)
	for _, pi := range u.staff {
		pop.Memberships = append(pop.Memberships, Membership{ID: g.ids.id(), Group: team.ID,
			Person: pop.Persons[pi].ID, Role: MemberStaff, Start: g.syStart})
	}
	teachers := u.teachers
	if len(teachers) == 0 {
		teachers = u.staff
	}
	k := 0
	for _, gr := range u.mentor {
		t := teachers[k%len(teachers)]
		k++
		pop.Memberships = append(pop.Memberships, Membership{ID: g.ids.id(), Group: pop.Groups[gr].ID,
			Person: pop.Persons[t].ID, Role: MemberMentor, Start: g.syStart})
	}
	for gi := range u.classes {
		for _, gr := range u.classes[gi] {
			role := MemberMentor
			n := 1
			if u.st == SchoolFS {
				role, n = MemberStaff, 2
			}
			for j := 0; j < n; j++ {
				t := teachers[k%len(teachers)]
				k++
				pop.Memberships = append(pop.Memberships, Membership{ID: g.ids.id(), Group: pop.Groups[gr].ID,
					Person: pop.Persons[t].ID, Role: role, Start: g.syStart})
			}
		}
	}
}
