package synth

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// unitPlan is one school unit while it is generated.
type unitPlan struct {
	org        int // index in Organisations
	st         SchoolType
	lo, hi     int8 // grades; -1..-1 for preschools
	weight     int
	students   int
	gradeFrom  []int // per grade: first student (person index)
	gradeCount []int
	classes    [][]int         // per grade: group indexes of its classes (or preschool units)
	staff      []int           // person indexes of staff with a duty here
	teachers   []int           // those who teach
	tBudget    int             // teaching groups
	teaching   []int           // group indexes of teaching groups, ordered by grade
	mentor     []int           // group indexes of mentor groups
	sigs       map[string]bool // staff signatures in use
	blockFrom  []int           // per grade: first position in teaching
	blockLen   []int
}

func (u *unitPlan) grades() int { return int(u.hi-u.lo) + 1 }

// gradeLabel writes a grade as class names use it (Swedish förskoleklass is "F").
func (g *gen) gradeToken(st SchoolType, grade int8, letter int, programme string) string {
	l := letterOf(letter, g.o.Country == Germany)
	if grade == 0 && g.o.Country == Sweden {
		return "F" + l
	}
	return programme + strconv.Itoa(int(grade)) + l
}

func letterOf(i int, lowerCase bool) string {
	base := byte('A')
	if lowerCase {
		base = 'a'
	}
	s := string(rune(base + byte(i%26)))
	if i >= 26 {
		s += strconv.Itoa(i / 26)
	}
	return s
}

func (g *gen) schools() error {
	o := g.o
	if o.SchoolUnits == 0 {
		return nil
	}
	r := g.r
	pop := g.pop
	c := g.c
	// the principal
	g.principal = g.ids.id()
	pop.Organisations = append(pop.Organisations, Organisation{
		ID: g.principal, Type: OrgPrincipal, Name: o.PrincipalName, Code: g.orgNumber(),
		MunicipalityCode: c.municipalityCode, Email: "info@" + o.Domain,
	})
	units := g.planUnits()
	// students per unit, by weight with a random spread, then per grade
	weights := make([]int, len(units))
	for i := range units {
		weights[i] = units[i].weight
	}
	for i, n := range apportion(o.Students, weights, 1) {
		units[i].students = n
	}
	syYear := g.syStart.Year()
	names := map[string]bool{}
	codes := map[string]bool{}
	for ui := range units {
		u := &units[ui]
		u.org = len(pop.Organisations)
		org := Organisation{ID: g.ids.id(), Parent: g.principal, Type: OrgSchoolUnit,
			Name: g.unitName(u, names), MunicipalityCode: c.municipalityCode}
		for {
			code := strconv.Itoa(10000000 + r.intn(90000000))
			if !codes[code] {
				codes[code] = true
				org.Code = code
				break
			}
		}
		switch {
		case u.st == SchoolGR && u.lo == 0 && o.Country == Sweden:
			org.SchoolTypes = []SchoolType{SchoolFKLASS, SchoolGR}
		default:
			org.SchoolTypes = []SchoolType{u.st}
		}
		org.Email = g.ascii(strings.ReplaceAll(org.Name, " ", "")) + "@" + o.Domain
		pop.Organisations = append(pop.Organisations, org)
		// students
		ng := u.grades()
		u.gradeFrom = make([]int, ng)
		u.gradeCount = make([]int, ng)
		u.classes = make([][]int, ng)
		for gi := 0; gi < ng; gi++ {
			u.gradeCount[gi] = u.students / ng
			if gi < u.students%ng {
				u.gradeCount[gi]++
			}
		}
		for gi := 0; gi < ng; gi++ {
			grade := u.lo + int8(gi)
			u.gradeFrom[gi] = len(pop.Persons)
			st := g.gradeType(u.st, grade)
			for k := 0; k < u.gradeCount[gi]; k++ {
				var birth Date
				var start Date
				if grade < 0 {
					birth = g.birthDate(syYear - r.between(1, 5))
					start = g.birthDate(syYear - r.intn(3)).max(birth.AddDays(365)).min(o.Today)
				} else {
					birth = g.birthDate(syYear - g.age(u.st, grade))
					start = NewDate(syYear-int(grade-u.lo), time.August, 15+r.intn(10))
					if start > o.Today {
						start = NewDate(syYear-int(grade-u.lo)-1, time.August, 15+r.intn(10))
					}
				}
				pi := g.newPerson(RoleStudent, SexUnknown, birth, "")
				e := Enrolment{ID: g.ids.id(), Person: pop.Persons[pi].ID, SchoolUnit: org.ID,
					SchoolType: st, SchoolYear: grade, Start: start}
				if u.st == SchoolGY {
					e.Programme = "" // set with the class below
				}
				pop.Enrolments = append(pop.Enrolments, e)
			}
		}
	}
	// classes, preschool units and mentor groups
	fixedGroups := 0
	for ui := range units {
		u := &units[ui]
		unitID := pop.Organisations[u.org].ID
		for gi := range u.gradeCount {
			grade := u.lo + int8(gi)
			n := u.gradeCount[gi]
			if n == 0 {
				continue
			}
			size := o.ClassSize
			if u.st == SchoolFS {
				size = max(2, o.ClassSize*3/4)
			} else if u.st == SchoolGRS {
				size = max(2, o.ClassSize/3)
			}
			nc := (n + size - 1) / size
			for ci := 0; ci < nc; ci++ {
				from := u.gradeFrom[gi] + ci*n/nc
				to := u.gradeFrom[gi] + (ci+1)*n/nc
				grp := Group{ID: g.ids.id(), Organisation: unitID, SchoolType: g.gradeType(u.st, grade),
					SchoolYear: grade, Start: g.syStart, End: g.syEnd}
				programme := ""
				if u.st == SchoolGY && c.programmes[0] != "" {
					programme = c.programmes[(ci+ui)%len(c.programmes)]
					for pi := from; pi < to; pi++ {
						pop.Enrolments[g.enrolmentOf(pi)].Programme = programme
					}
				}
				if u.st == SchoolFS {
					grp.Type = GroupUnit
					w := c.unitWords[(ci+ui)%len(c.unitWords)]
					if ci >= len(c.unitWords) {
						w += " " + strconv.Itoa(ci/len(c.unitWords)+1)
					}
					grp.Name = map[Country]string{Sweden: "Avdelning ", Germany: "Gruppe ", Norway: "Avdeling "}[o.Country] + w
					grp.Code = "AVD" + strconv.Itoa(ci+1)
				} else {
					grp.Type = GroupClass
					tok := g.gradeToken(u.st, grade, ci, programme)
					grp.Name, grp.Code = tok, tok
				}
				u.classes[gi] = append(u.classes[gi], len(pop.Groups))
				pop.Groups = append(pop.Groups, grp)
				fixedGroups++
				for pi := from; pi < to; pi++ {
					pop.Memberships = append(pop.Memberships, Membership{ID: g.ids.id(), Group: grp.ID,
						Person: pop.Persons[pi].ID, Role: MemberStudent, Start: pop.Enrolments[g.enrolmentOf(pi)].Start.max(g.syStart)})
				}
				if g.hasMentorGroups(u.st, grade) {
					mg := Group{ID: g.ids.id(), Organisation: unitID, Type: GroupMentor, SchoolType: grp.SchoolType,
						SchoolYear: grade, Name: "Mentor " + grp.Name, Code: "M" + grp.Code, Start: g.syStart, End: g.syEnd}
					u.mentor = append(u.mentor, len(pop.Groups))
					pop.Groups = append(pop.Groups, mg)
					fixedGroups++
					for pi := from; pi < to; pi++ {
						pop.Memberships = append(pop.Memberships, Membership{ID: g.ids.id(), Group: mg.ID,
							Person: pop.Persons[pi].ID, Role: MemberStudent, Start: g.syStart})
					}
				}
			}
		}
	}
	fixedGroups += len(units) // staff teams
	tBudget := o.Groups - fixedGroups
	if tBudget < 0 {
		return fmt.Errorf("synth: Groups (%d) is too small: the classes, preschool units, mentor groups and staff teams alone are %d (raise Groups or ClassSize)", o.Groups, fixedGroups)
	}
	// staff
	if err := g.staff(units); err != nil {
		return err
	}
	// teaching groups
	weights = weights[:0]
	nonPre := 0
	for ui := range units {
		w := units[ui].students
		if units[ui].st == SchoolFS {
			w = 0
		}
		nonPre += w
		weights = append(weights, w)
	}
	if nonPre == 0 && tBudget > 0 {
		// only preschools: teaching groups go to the largest preschool anyway (as "Övrigt"-like activity groups)
		for i := range weights {
			weights[i] = units[i].students + 1
		}
	}
	for ui, n := range apportion(tBudget, weights, 0) {
		units[ui].tBudget = n
	}
	fixedMembers := len(pop.Memberships) + tBudget // + one teacher per teaching group
	for ui := range units {
		u := &units[ui]
		for gi := range u.classes {
			fixedMembers += len(u.classes[gi]) // class teacher or preschool staff
			if u.st == SchoolFS {
				fixedMembers += len(u.classes[gi])
			}
		}
		fixedMembers += len(u.staff) + len(u.mentor) // staff team, mentors
	}
	// teaching memberships per student: the same everywhere, except that a unit cannot give a
	// student more groups than it has; what such units cannot take goes to the others
	per := make([]float64, len(units))
	if nonPre > 0 && o.Memberships > fixedMembers {
		left := float64(o.Memberships - fixedMembers)
		open := make([]bool, len(units))
		students := 0
		for ui := range units {
			if units[ui].st != SchoolFS && units[ui].students > 0 {
				open[ui] = true
				students += units[ui].students
			}
		}
		for students > 0 {
			level := left / float64(students)
			capped := false
			for ui := range units {
				if open[ui] && float64(units[ui].tBudget) <= level {
					per[ui] = float64(units[ui].tBudget)
					left -= float64(per[ui] * float64(units[ui].students))
					students -= units[ui].students
					open[ui] = false
					capped = true
				}
			}
			if !capped {
				for ui := range units {
					if open[ui] {
						per[ui] = level
					}
				}
				break
			}
		}
	}
	for ui := range units {
		g.teachingGroups(&units[ui], ui, per[ui])
	}
	// staff teams and teachers of classes
	for ui := range units {
		g.staffMemberships(&units[ui])
	}
	// families
	g.families()
	g.hardCases(0, len(pop.Persons))
	return nil
}

func (d Date) max(e Date) Date {
	if e > d {
		return e
	}
	return d
}

func (d Date) min(e Date) Date {
	if e < d {
		return e
	}
	return d
}

// enrolmentOf returns the enrolment index of the school student at person index pi (students
// are created first, in the same order as their enrolments).
func (g *gen) enrolmentOf(pi int) int { return pi }

// age is the age in the autumn of a grade.
func (g *gen) age(st SchoolType, grade int8) int {
	a := g.c.firstGradeAge + int(grade) - 1
	if st == SchoolGY {
		a += g.c.gyOffset
	}
	return a
}

// gradeType is the school type of one grade of a unit (Swedish grade 0 is FKLASS).
func (g *gen) gradeType(st SchoolType, grade int8) SchoolType {
	if st == SchoolGR && grade == 0 && g.o.Country == Sweden {
		return SchoolFKLASS
	}
	return st
}

// hasMentorGroups: Swedish and Norwegian upper grades and upper-secondary classes have mentor groups.
func (g *gen) hasMentorGroups(st SchoolType, grade int8) bool {
	switch g.o.Country {
	case Sweden:
		return st == SchoolGY || (st == SchoolGR && grade >= 7)
	case Norway:
		return st == SchoolGY || (st == SchoolGR && grade >= 8)
	}
	return false
}

// planUnits decides the form, grades and size weight of every school unit.
func (g *gen) planUnits() []unitPlan {
	n := g.o.SchoolUnits
	r := g.r
	kinds := make([]SchoolType, n)
	if n == 1 {
		kinds[0] = SchoolGR
	} else {
		counts := apportion(n, []int{30, 50, 12, 8}, 0)
		forms := []SchoolType{SchoolFS, SchoolGR, SchoolGY, SchoolGRS}
		k := 0
		for fi, cnt := range counts {
			for j := 0; j < cnt; j++ {
				kinds[k] = forms[fi]
				k++
			}
		}
		r.shuffle(n, func(i, j int) { kinds[i], kinds[j] = kinds[j], kinds[i] })
		for i := range kinds { // the first unit is a compulsory school
			if kinds[i] == SchoolGR {
				kinds[0], kinds[i] = kinds[i], kinds[0]
				break
			}
		}
	}
	units := make([]unitPlan, n)
	for i, st := range kinds {
		u := &units[i]
		u.st = st
		per := 10 // weight per grade
		switch st {
		case SchoolFS:
			u.lo, u.hi, per = -1, -1, 30
		case SchoolGY:
			u.lo, u.hi, per = 1, 3, 30
			if g.o.Country == Germany {
				u.lo, u.hi, per = 5, 12, 12
			}
		case SchoolGRS:
			u.lo, u.hi, per = 1, 9, 2
			if g.o.Country != Sweden {
				u.hi = 10
			}
		case SchoolGR:
			switch g.o.Country {
			case Sweden:
				u.lo, u.hi = 0, 9
				if n > 1 {
					switch x := r.intn(100); {
					case x < 35:
						u.hi = 6
					case x < 55:
						u.lo = 7
					}
				}
			case Germany:
				u.lo, u.hi = 1, 4
			case Norway:
				u.lo, u.hi = 1, 10
				if n > 1 {
					switch x := r.intn(100); {
					case x < 40:
						u.hi = 7
					case x < 60:
						u.lo = 8
					}
				}
			}
		}
		u.weight = per * u.grades() * r.between(70, 130) / 100
	}
	return units
}

// unitName gives a unit a name not used before.
func (g *gen) unitName(u *unitPlan, used map[string]bool) string {
	c := g.c
	r := g.r
	words := c.schoolWords
	if u.st == SchoolFS {
		words = c.unitWords
	}
	pattern := func(w string) string {
		switch g.o.Country {
		case Germany:
			switch u.st {
			case SchoolFS:
				return "Kita " + w
			case SchoolGY:
				return w + "-Gymnasium"
			case SchoolGRS:
				return w + "-Förderschule"
			}
			return w + "-Grundschule"
		case Norway:
			switch u.st {
			case SchoolFS:
				return w + " barnehage"
			case SchoolGY:
				return w + " videregående skole"
			case SchoolGRS:
				return w + " spesialskole"
			}
			if u.lo >= 8 {
				return w + " ungdomsskole"
			}
			return w + " skole"
		}
		switch u.st {
		case SchoolFS:
			return "Förskolan " + w
		case SchoolGY:
			return w + " gymnasium"
		case SchoolGRS:
			return w + " anpassade grundskola"
		}
		return w + "skolan"
	}
	quarters := map[Country][]string{
		Sweden: {"Norra ", "Södra ", "Östra ", "Västra "}, Germany: {"Neue ", "Alte ", "Obere ", "Untere "},
		Norway: {"Nordre ", "Søndre ", "Østre ", "Vestre "},
	}[g.o.Country]
	w := words[r.intn(len(words))]
	name := pattern(w)
	for i := 0; used[name]; i++ {
		switch {
		case i < 4:
			name = quarters[i] + pattern(w)
			if g.o.Country == Sweden && u.st == SchoolGR || g.o.Country == Germany {
				name = quarters[i] + pattern(strings.ToLower(w[:1])+w[1:])
				if g.o.Country == Germany {
					name = quarters[i] + pattern(w)
				}
			}
		case i < 4+len(words):
			w = words[(r.intn(len(words))+i)%len(words)]
			name = pattern(w)
		default:
			name = pattern(w) + " " + strconv.Itoa(i-len(words)-2)
		}
	}
	used[name] = true
	return name
}

// orgNumber makes a Swedish-style organisation number (NNNNNN-NNNC with a Luhn check digit);
// German and Norwegian principals get a nine-digit number.
func (g *gen) orgNumber() string {
	var b [9]byte
	b[0] = '2'
	for i := 1; i < 9; i++ {
		b[i] = byte('0' + g.r.intn(10))
	}
	if g.o.Country != Sweden {
		return string(b[:])
	}
	s := string(b[:])
	return s[:6] + "-" + s[6:] + string(LuhnDigit(s))
}

// apportion splits total into len(weights) parts proportional to weights (largest remainder);
// every part with a positive weight gets at least min when total allows.
func apportion(total int, weights []int, min int) []int {
	out := make([]int, len(weights))
	sum := 0
	pos := 0
	for _, w := range weights {
		sum += w
		if w > 0 {
			pos++
		}
	}
	if sum == 0 || total <= 0 {
		return out
	}
	left := total
	if min > 0 && total >= min*pos {
		for i, w := range weights {
			if w > 0 {
				out[i] = min
			}
		}
		left -= min * pos
	}
	type rem struct {
		i int
		r int64
	}
	rems := make([]rem, 0, len(weights))
	given := 0
	for i, w := range weights {
		q := int64(left) * int64(w)
		out[i] += int(q / int64(sum))
		given += int(q / int64(sum))
		rems = append(rems, rem{i, q % int64(sum)})
	}
	// hand out the rest by largest remainder (ties: lower index first)
	for k := 0; k < left-given; k++ {
		best := -1
		for j := range rems {
			if rems[j].r >= 0 && (best < 0 || rems[j].r > rems[best].r) {
				best = j
			}
		}
		out[rems[best].i]++
		rems[best].r = -1
	}
	return out
}
