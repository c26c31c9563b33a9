package synth

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// MaxRate is the largest change rate NextDay accepts.
const MaxRate = 0.05

// NextDay returns the population of the day after pop and the list of true changes. pop is not
// modified; the result shares unchanged strings with it.
//
// rate scales how much happens (0.001 is a busy school day): with S school students, P persons
// and U university students it makes about rate×S new students, rate×S leavers, rate×S/2 class
// moves, rate×P/5 name changes, rate×S/3 new guardians, rate×P/20 protected-identity changes,
// rate×U new registrations, and corrects about rate×50 of the typos. Counts are rounded
// randomly, so small populations see events on some days only. When the new day is the first
// of a school year (SchoolYearStart) the school-year change comes first: every class,
// teaching and mentor group moves up a grade, the final grade of each unit leaves.
//
// Exam records follow the calendar, not rate: theses are handed in towards their deadline,
// committees announce results between a week after the exam and the grading deadline (a few
// late), candidates ask for explanations and appeal within FS's deadlines at the Options'
// shares (a few appeals late), examiners answer, and appeals are withdrawn, made active again
// and decided (see the ChangeKinds from ThesisSubmission on). The exams are those of the term
// Generate made them for; NextDay does not start another term's.
//
// The same pop, seed and rate give the same result. Use a new seed each day (or the same; the
// date is mixed in) to get different days.
//
// Every record appears in at most one Change, and the list equals Diff(pop, next) apart from
// Kind and order. Person.Flags is a label and not reported.
func NextDay(pop *Population, seed uint64, rate float64) (*Population, []Change, error) {
	if pop == nil {
		return nil, nil, errors.New("synth: NextDay needs a population")
	}
	if !(rate >= 0 && rate <= MaxRate) {
		return nil, nil, fmt.Errorf("synth: rate must be between 0 and %v (got %v)", MaxRate, rate)
	}
	d := newDay(pop, seed)
	if d.q.Today == SchoolYearStart(pop.Options.Country, d.q.Today) {
		d.yearChange()
	}
	schoolStudents := 0
	for i := range pop.Persons {
		if d.x.enrolmentsOf.start[i+1] > d.x.enrolmentsOf.start[i] {
			schoolStudents++
		}
	}
	univStudents := 0
	for i := range pop.Persons {
		if pop.Persons[i].Roles&RoleStudent != 0 && d.x.enrolmentsOf.start[i+1] == d.x.enrolmentsOf.start[i] {
			univStudents++
		}
	}
	S, P := float64(schoolStudents), float64(len(pop.Persons))
	// float64(...) around each product: an explicit conversion rounds, so no machine fuses the
	// product with sround's subtraction (Go allows fused multiply-add otherwise, and arm64 does it)
	d.repeat(d.sround(float64(rate*S)), d.leaver)
	d.repeat(d.sround(float64(rate*S)), d.newStudent)
	d.repeat(d.sround(float64(rate*S)/2), d.classMove)
	d.repeat(d.sround(float64(rate*P)/5), d.nameChange)
	d.repeat(min(d.sround(float64(rate*50)), len(pop.Typos)), d.typoCorrection)
	d.repeat(d.sround(float64(rate*S)/3), d.newGuardian)
	d.repeat(d.sround(float64(rate*P)/20), d.protectedChange)
	d.newRegistrations(d.sround(float64(rate * float64(univStudents))))
	if len(pop.ExamUnits) > 0 {
		newExamWorld(d.q, pop.Options, newRNG(d.seed, streamExamDay), newRNG(d.seed, streamExamDayIDs), d).day(d.q.Today)
	}
	d.compact()
	return d.q, d.changes, nil
}

// day is the state of one NextDay.
type day struct {
	old     *Population
	x       *Index // of old; record indexes are the same in q until compact
	q       *Population
	g       *gen
	r       *rng
	changes []Change
	touched map[ID]bool
	deleted map[ID]bool
	// live number of students per guardian
	students map[ID]int32
	// classes by unit and grade, teaching groups by unit and grade, mentor groups by unit and name (q's values)
	classes  map[unitGrade][]int32
	teaching map[unitGrade][]int32
	mentors  map[unitName]int32
	built    bool
	seed     uint64 // of this day (mixes NextDay's seed, the population's and the date)
}

type unitGrade struct {
	org   ID
	grade int8
}

type unitName struct {
	org  ID
	name string
}

func mix(x uint64) uint64 { // splitmix64's finaliser
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func newDay(pop *Population, seed uint64) *day {
	q := &Population{Options: pop.Options, Today: pop.Today.AddDays(1)}
	q.Organisations = grow(pop.Organisations)
	q.Persons = grow(pop.Persons)
	q.Enrolments = grow(pop.Enrolments)
	q.Guardianships = grow(pop.Guardianships)
	q.Duties = grow(pop.Duties)
	q.Groups = grow(pop.Groups)
	q.Memberships = grow(pop.Memberships)
	q.CourseOfferings = grow(pop.CourseOfferings)
	q.Programmes = grow(pop.Programmes)
	q.ProgrammeOfferings = grow(pop.ProgrammeOfferings)
	q.Admissions = grow(pop.Admissions)
	q.Registrations = grow(pop.Registrations)
	q.ExamUnits = grow(pop.ExamUnits)
	q.Committees = grow(pop.Committees)
	q.Candidates = grow(pop.Candidates)
	q.Theses = grow(pop.Theses)
	q.Explanations = grow(pop.Explanations)
	q.Appeals = grow(pop.Appeals)
	q.Typos = grow(pop.Typos)

	s := mix(seed) ^ mix(pop.Options.Seed+uint64(q.Today)*0x100000001b3)
	o := pop.Options
	g := &gen{
		o: o, c: countryData(o.Country), pop: q,
		r:          newRNG(s, streamNextDay),
		ids:        newRNG(s, streamNextDayIDs),
		civic:      newCivicAlloc(o.Country),
		emails:     make(map[string]uint32, len(pop.Persons)),
		eppns:      make(map[string]uint32),
		eppnUsed:   make(map[string]bool, len(pop.Persons)),
		pProtected: probOf(o.ProtectedShare),
		pCoord:     probOf(o.CoordinationShare),
		pEPPN:      probOf(o.EPPNShare),
		pNoEmail:   probOf(o.NoEmailShare),
	}
	g.pNoEmailGuardian = guardianNoEmail(o)
	g.civic.used = make(map[string]struct{}, len(pop.Persons))
	for i := range pop.Persons {
		p := &pop.Persons[i]
		if p.CivicNo != "" {
			g.civic.used[p.CivicNo] = struct{}{}
		}
		if p.Email != "" {
			g.emails[p.Email] = 0
		}
		if p.EPPN != "" {
			g.eppnUsed[p.EPPN] = true
		}
	}
	g.syStart, g.syEnd = schoolYear(o.Country, q.Today)
	d := &day{old: pop, x: NewIndex(pop), q: q, g: g, r: g.r, seed: s,
		touched: map[ID]bool{}, deleted: map[ID]bool{}, students: map[ID]int32{}}
	for i := range pop.Guardianships {
		d.students[pop.Guardianships[i].Guardian]++
	}
	return d
}

// grow copies s with room to append a day's new records without copying again.
func grow[T any](s []T) []T {
	out := make([]T, len(s), len(s)+len(s)/64+256)
	copy(out, s)
	return out
}

func (d *day) sround(x float64) int {
	n := int(x)
	if d.r.chance(probOf(x - float64(n))) {
		n++
	}
	return n
}

// repeat runs event until it has succeeded n times or failed too often (no candidates left).
func (d *day) repeat(n int, event func() bool) {
	for done, tries := 0, 0; done < n && tries < 20*n+20; tries++ {
		if event() {
			done++
		}
	}
}

func (d *day) create(k ChangeKind, e Entity, id ID) {
	d.touched[id] = true
	d.changes = append(d.changes, Change{Kind: k, Op: Create, Entity: e, ID: id})
}

func (d *day) del(k ChangeKind, e Entity, id ID) {
	if d.deleted[id] {
		return
	}
	d.touched[id] = true
	d.deleted[id] = true
	d.changes = append(d.changes, Change{Kind: k, Op: Delete, Entity: e, ID: id})
}

func (d *day) update(k ChangeKind, e Entity, id ID, before, after []kv) {
	d.touched[id] = true
	if fc := fieldChanges(e, before, after); len(fc) > 0 {
		d.changes = append(d.changes, Change{Kind: k, Op: Update, Entity: e, ID: id, Fields: fc})
	}
}

// free reports whether a record can still be changed today.
func (d *day) free(id ID) bool { return !d.touched[id] }

// schoolStudent returns a random school student (index into old and q) that is still free.
func (d *day) schoolStudent() (int, bool) {
	n := len(d.old.Persons)
	if n == 0 {
		return 0, false
	}
	for tries := 0; tries < 50; tries++ {
		i := d.r.intn(n)
		p := &d.old.Persons[i]
		if p.Roles&RoleStudent == 0 || !d.free(p.ID) {
			continue
		}
		enr := d.x.enrolmentsOf.of(int32(i))
		if len(enr) == 0 || !d.free(d.old.Enrolments[enr[0]].ID) {
			continue
		}
		return i, true
	}
	return 0, false
}

// ---- leavers ----

func (d *day) leaver() bool {
	i, ok := d.schoolStudent()
	if !ok {
		return false
	}
	for _, gi := range d.x.guardiansOf.of(int32(i)) {
		if !d.free(d.old.Guardianships[gi].ID) {
			return false
		}
	}
	d.removeStudent(i, Leaver)
	return true
}

// removeStudent deletes a school student with everything that refers to it, and guardians left
// without a student.
func (d *day) removeStudent(i int, k ChangeKind) {
	x, old := d.x, d.old
	pi := int32(i)
	d.del(k, EntityPerson, old.Persons[i].ID)
	for _, e := range x.enrolmentsOf.of(pi) {
		d.del(k, EntityEnrolment, old.Enrolments[e].ID)
	}
	for _, m := range x.groupsOfPerson.of(pi) {
		d.del(k, EntityMembership, old.Memberships[m].ID)
	}
	for _, gi := range x.guardiansOf.of(pi) {
		gs := &old.Guardianships[gi]
		d.del(k, EntityGuardianship, gs.ID)
		d.students[gs.Guardian]--
		if d.students[gs.Guardian] > 0 || d.deleted[gs.Guardian] {
			continue
		}
		gix, _ := x.persons[gs.Guardian]
		gp := &d.q.Persons[gix]
		if gp.Roles == RoleGuardian {
			d.del(k, EntityPerson, gp.ID)
			for _, m := range x.groupsOfPerson.of(gix) {
				d.del(k, EntityMembership, old.Memberships[m].ID)
			}
		} else if d.free(gp.ID) {
			before := personFields(gp)
			gp.Roles &^= RoleGuardian
			d.update(k, EntityPerson, gp.ID, before, personFields(gp))
		}
	}
}

// ---- the school-year change ----

func (d *day) yearChange() {
	old, q := d.old, d.q
	final := map[ID]int8{}
	for i := range old.Groups {
		g := &old.Groups[i]
		if g.SchoolYear >= 0 && (g.Type == GroupClass || g.Type == GroupTeaching || g.Type == GroupMentor) {
			if f, ok := final[g.Organisation]; !ok || g.SchoolYear > f {
				final[g.Organisation] = g.SchoolYear
			}
		}
	}
	for i := range old.Enrolments {
		e := &old.Enrolments[i]
		if f, ok := final[e.SchoolUnit]; ok && e.SchoolYear >= 0 && e.SchoolYear >= f {
			if pi, ok := d.x.persons[e.Person]; ok && !d.deleted[e.Person] {
				d.removeStudent(int(pi), Leaver)
			}
		}
	}
	for i := range q.Groups {
		g := &q.Groups[i]
		if f, ok := final[g.Organisation]; ok && g.SchoolYear >= 0 && g.SchoolYear >= f && g.Type != GroupStaff && g.Type != GroupUnit {
			d.del(GroupRename, EntityGroup, g.ID)
			for _, m := range d.x.membersOfGroup.of(int32(i)) {
				d.del(GroupRename, EntityMembership, old.Memberships[m].ID)
			}
			continue
		}
		before := groupFields(g)
		if g.SchoolYear >= 0 && g.Type != GroupStaff && g.Type != GroupUnit {
			g.Name = nextGradeToken(g.Name)
			g.Code = nextGradeToken(g.Code)
			g.SchoolYear++
			if g.SchoolType == SchoolFKLASS {
				g.SchoolType = SchoolGR
			}
		}
		g.Start, g.End = d.g.syStart, d.g.syEnd
		d.update(GroupRename, EntityGroup, g.ID, before, groupFields(g))
	}
	for i := range q.Enrolments {
		e := &q.Enrolments[i]
		if d.deleted[e.ID] || e.SchoolYear < 0 {
			continue
		}
		before := enrolmentFields(e)
		e.SchoolYear++
		if e.SchoolType == SchoolFKLASS {
			e.SchoolType = SchoolGR
		}
		d.update(GroupRename, EntityEnrolment, e.ID, before, enrolmentFields(e))
	}
}

// nextGradeToken moves the grade in the last word of a group name or code up by one:
// "Matematik 7B" -> "Matematik 8B", "NA1A" -> "NA2A", "MAT9A" -> "MAT10A", "FA" -> "1A"
// (Swedish förskoleklass).
func nextGradeToken(s string) string {
	i := strings.LastIndexByte(s, ' ') + 1
	head, tok := s[:i], s[i:]
	ds, de := -1, -1
	for j := 0; j < len(tok); j++ {
		if tok[j] >= '0' && tok[j] <= '9' {
			if ds < 0 {
				ds = j
			}
			de = j + 1
		} else if ds >= 0 {
			break
		}
	}
	if ds < 0 {
		// förskoleklass: "FA" or "MFA" (mentor) or "SVEFA" (teaching code): the F before the letter
		if j := strings.LastIndexByte(tok, 'F'); j >= 0 {
			return head + tok[:j] + "1" + tok[j+1:]
		}
		return s
	}
	n, _ := strconv.Atoi(tok[ds:de])
	return head + tok[:ds] + strconv.Itoa(n+1) + tok[de:]
}

// ---- new students ----

func (d *day) buildGroups() {
	if d.built {
		return
	}
	d.built = true
	d.classes = map[unitGrade][]int32{}
	d.teaching = map[unitGrade][]int32{}
	d.mentors = map[unitName]int32{}
	for i := range d.q.Groups {
		g := &d.q.Groups[i]
		if d.deleted[g.ID] {
			continue
		}
		k := unitGrade{g.Organisation, g.SchoolYear}
		switch g.Type {
		case GroupClass, GroupUnit:
			d.classes[k] = append(d.classes[k], int32(i))
		case GroupTeaching:
			d.teaching[k] = append(d.teaching[k], int32(i))
		case GroupMentor:
			d.mentors[unitName{g.Organisation, g.Name}] = int32(i)
		}
	}
}

func (d *day) newStudent() bool {
	d.buildGroups()
	q, g, r := d.q, d.g, d.r
	// a random class still in use
	var cls *Group
	for tries := 0; tries < 50 && cls == nil && len(d.old.Groups) > 0; tries++ {
		c := &q.Groups[r.intn(len(d.old.Groups))]
		if (c.Type == GroupClass || c.Type == GroupUnit) && !d.deleted[c.ID] {
			cls = c
		}
	}
	if cls == nil {
		return false
	}
	syYear := g.syStart.Year()
	var birth Date
	st := SchoolGR
	if cls.SchoolType == SchoolGY {
		st = SchoolGY
	}
	if cls.SchoolYear < 0 {
		birth = g.birthDate(syYear - r.between(1, 5))
	} else {
		birth = g.birthDate(syYear - g.age(st, cls.SchoolYear))
	}
	// a sibling's family, or a new one
	var siblingGuardians []ID
	family := ""
	if len(d.old.Guardianships) > 0 && r.intn(100) < 30 {
		gs := &d.old.Guardianships[r.intn(len(d.old.Guardianships))]
		if !d.deleted[gs.Student] && !d.deleted[gs.Guardian] && !d.deleted[gs.ID] {
			si := d.x.persons[gs.Student]
			family = q.Persons[si].FamilyName
			for _, gi := range d.x.guardiansOf.of(si) {
				og := &d.old.Guardianships[gi]
				if !d.deleted[og.ID] && !d.deleted[og.Guardian] {
					siblingGuardians = append(siblingGuardians, og.Guardian)
				}
			}
		}
	}
	pi := g.newPerson(RoleStudent, SexUnknown, birth, family)
	p := &q.Persons[pi]
	g.contact(p, g.o.Domain, false)
	d.create(NewStudent, EntityPerson, p.ID)
	e := Enrolment{ID: g.ids.id(), Person: p.ID, SchoolUnit: cls.Organisation, SchoolType: cls.SchoolType,
		SchoolYear: cls.SchoolYear, Start: q.Today}
	if st == SchoolGY && len(cls.Name) > 2 {
		for _, prog := range g.c.programmes {
			if prog != "" && strings.HasPrefix(cls.Name, prog) {
				e.Programme = prog
			}
		}
	}
	q.Enrolments = append(q.Enrolments, e)
	d.create(NewStudent, EntityEnrolment, e.ID)
	join := func(grp *Group) {
		m := Membership{ID: g.ids.id(), Group: grp.ID, Person: p.ID, Role: MemberStudent, Start: q.Today}
		q.Memberships = append(q.Memberships, m)
		d.create(NewStudent, EntityMembership, m.ID)
	}
	join(cls)
	if mi, ok := d.mentors[unitName{cls.Organisation, "Mentor " + cls.Name}]; ok {
		join(&q.Groups[mi])
	}
	// one teaching group per subject of the grade
	seen := map[string]bool{}
	tg := d.teaching[unitGrade{cls.Organisation, cls.SchoolYear}]
	off := 0
	if len(tg) > 0 {
		off = r.intn(len(tg))
	}
	for k := range tg {
		grp := &q.Groups[tg[(k+off)%len(tg)]]
		if !seen[grp.Subject] {
			seen[grp.Subject] = true
			join(grp)
		}
	}
	// guardians
	if len(siblingGuardians) == 0 {
		ng := 1
		if r.intn(100) < 85 {
			ng = 2
		}
		sex := Female
		if r.intn(2) == 0 {
			sex = Male
		}
		for j := 0; j < ng; j++ {
			if j == 1 {
				sex = 3 - sex
			}
			fam := p.FamilyName
			if j == 1 && r.intn(100) < 40 {
				fam = ""
			}
			gi := g.newPerson(RoleGuardian, sex, g.birthDate(birth.Year()-r.between(21, 44)), fam)
			gp := &q.Persons[gi]
			g.contact(gp, g.o.Domain, false)
			d.create(NewStudent, EntityPerson, gp.ID)
			siblingGuardians = append(siblingGuardians, gp.ID)
		}
	}
	for _, gid := range siblingGuardians {
		gs := Guardianship{ID: g.ids.id(), Student: p.ID, Guardian: gid, Relation: Vardnadshavare}
		q.Guardianships = append(q.Guardianships, gs)
		d.students[gid]++
		d.create(NewStudent, EntityGuardianship, gs.ID)
	}
	return true
}

// ---- class moves ----

func (d *day) classMove() bool {
	d.buildGroups()
	i, ok := d.schoolStudent()
	if !ok {
		return false
	}
	q, old := d.q, d.old
	for _, mi := range d.x.groupsOfPerson.of(int32(i)) {
		m := &old.Memberships[mi]
		gi, ok := d.x.groups[m.Group]
		if !ok || q.Groups[gi].Type != GroupClass || !d.free(m.ID) || d.deleted[m.Group] {
			continue
		}
		cur := &q.Groups[gi]
		var others []int32
		for _, c := range d.classes[unitGrade{cur.Organisation, cur.SchoolYear}] {
			if c != gi {
				others = append(others, c)
			}
		}
		if len(others) == 0 {
			return false
		}
		to := &q.Groups[others[d.r.intn(len(others))]]
		d.del(ClassMove, EntityMembership, m.ID)
		nm := Membership{ID: d.g.ids.id(), Group: to.ID, Person: m.Person, Role: MemberStudent, Start: q.Today}
		q.Memberships = append(q.Memberships, nm)
		d.create(ClassMove, EntityMembership, nm.ID)
		d.touched[m.Person] = true
		return true
	}
	return false
}

// ---- edits of persons ----

// freePerson returns a random person still free (any role).
func (d *day) freePerson() (int, bool) {
	n := len(d.old.Persons)
	for tries := 0; tries < 50 && n > 0; tries++ {
		i := d.r.intn(n)
		if d.free(d.old.Persons[i].ID) {
			return i, true
		}
	}
	return 0, false
}

func (d *day) nameChange() bool {
	i, ok := d.freePerson()
	if !ok {
		return false
	}
	p := &d.q.Persons[i]
	before := personFields(p)
	name := p.FamilyName
	for tries := 0; tries < 5 && name == p.FamilyName; tries++ {
		name = d.g.familyName()
		if d.r.intn(4) == 0 && !strings.ContainsAny(p.FamilyName, " -") {
			sep := "-"
			if d.g.o.Country == Sweden {
				sep = " "
			}
			name = p.FamilyName + sep + name
		}
	}
	if name == p.FamilyName {
		return false
	}
	p.FamilyName = name
	d.update(NameChange, EntityPerson, p.ID, before, personFields(p))
	return true
}

func (d *day) typoCorrection() bool {
	q := d.q
	for tries := 0; tries < 20 && len(q.Typos) > 0; tries++ {
		k := d.r.intn(len(q.Typos))
		t := q.Typos[k]
		pi, ok := d.x.persons[t.Person]
		if !ok || !d.free(t.Person) {
			continue
		}
		p := &q.Persons[pi]
		before := personFields(p)
		if t.Field == "GivenName" {
			p.GivenName = t.Intended
		} else {
			p.FamilyName = t.Intended
		}
		p.Flags &^= FlagTypo
		d.update(TypoCorrection, EntityPerson, p.ID, before, personFields(p))
		q.Typos = append(q.Typos[:k:k], q.Typos[k+1:]...)
		return true
	}
	return false
}

func (d *day) newGuardian() bool {
	i, ok := d.schoolStudent()
	if !ok || len(d.x.guardiansOf.of(int32(i))) >= 3 {
		return false
	}
	q, g, r := d.q, d.g, d.r
	s := &q.Persons[i]
	fam := ""
	if r.intn(2) == 0 {
		fam = s.FamilyName
	}
	gi := g.newPerson(RoleGuardian, SexUnknown, g.birthDate(s.BirthDate.Year()-r.between(21, 50)), fam)
	gp := &q.Persons[gi]
	g.contact(gp, g.o.Domain, false)
	d.create(NewGuardian, EntityPerson, gp.ID)
	rel := Vardnadshavare
	if r.intn(100) < 30 {
		rel = AnnanAnsvarig
	}
	gs := Guardianship{ID: g.ids.id(), Student: s.ID, Guardian: gp.ID, Relation: rel}
	q.Guardianships = append(q.Guardianships, gs)
	d.students[gp.ID]++
	d.create(NewGuardian, EntityGuardianship, gs.ID)
	d.touched[s.ID] = true
	return true
}

func (d *day) protectedChange() bool {
	var i int
	ok := false
	if d.r.intn(100) < 30 { // someone protected loses or changes the marking
		n := len(d.old.Persons)
		for tries := 0; tries < 200 && n > 0 && !ok; tries++ {
			j := d.r.intn(n)
			if d.old.Persons[j].Security.IsProtected() && d.free(d.old.Persons[j].ID) {
				i, ok = j, true
			}
		}
	}
	if !ok {
		i, ok = d.freePerson()
	}
	if !ok {
		return false
	}
	p := &d.q.Persons[i]
	before := personFields(p)
	switch {
	case p.Security == SecurityNone && d.r.intn(100) < 85:
		p.Security = SecurityConfidential
	case p.Security == SecurityNone:
		p.Security = SecurityProtected
	case d.r.intn(100) < 70:
		p.Security = SecurityNone
	case p.Security == SecurityConfidential:
		p.Security = SecurityProtected
	default:
		p.Security = SecurityConfidential
	}
	d.update(ProtectedIdentity, EntityPerson, p.ID, before, personFields(p))
	return true
}

// ---- university ----

func (d *day) newRegistrations(n int) {
	if n == 0 || len(d.old.Admissions) == 0 {
		return
	}
	old, q := d.old, d.q
	type pair struct{ p, o ID }
	registered := make(map[pair]bool, len(old.Registrations))
	for i := range old.Registrations {
		registered[pair{old.Registrations[i].Person, old.Registrations[i].CourseOffering}] = true
	}
	var cand []int32
	for i := range old.Admissions {
		a := &old.Admissions[i]
		if a.Kind != AdmittedToCourse || registered[pair{a.Person, a.Offering}] || d.deleted[a.Person] {
			continue
		}
		off, ok := d.x.CourseOffering(a.Offering)
		if ok && off.Start <= q.Today && off.End >= q.Today {
			cand = append(cand, int32(i))
		}
	}
	for k := 0; k < n && len(cand) > 0; k++ {
		j := d.r.intn(len(cand))
		a := &old.Admissions[cand[j]]
		cand[j] = cand[len(cand)-1]
		cand = cand[:len(cand)-1]
		reg := Registration{ID: d.g.ids.id(), Person: a.Person, CourseOffering: a.Offering, Date: q.Today}
		q.Registrations = append(q.Registrations, reg)
		d.create(NewRegistration, EntityRegistration, reg.ID)
	}
}

// ---- end of day ----

func (d *day) compact() {
	q := d.q
	if len(d.deleted) == 0 {
		return
	}
	q.Persons = keep(q.Persons, func(x *Person) ID { return x.ID }, d.deleted)
	q.Enrolments = keep(q.Enrolments, func(x *Enrolment) ID { return x.ID }, d.deleted)
	q.Guardianships = keep(q.Guardianships, func(x *Guardianship) ID { return x.ID }, d.deleted)
	q.Duties = keep(q.Duties, func(x *Duty) ID { return x.ID }, d.deleted)
	q.Groups = keep(q.Groups, func(x *Group) ID { return x.ID }, d.deleted)
	q.Memberships = keep(q.Memberships, func(x *Membership) ID { return x.ID }, d.deleted)
	q.Typos = keep(q.Typos, func(x *Typo) ID { return x.Person }, d.deleted)
}

func keep[T any](s []T, id func(*T) ID, deleted map[ID]bool) []T {
	out := s[:0]
	for i := range s {
		if !deleted[id(&s[i])] {
			out = append(out, s[i])
		}
	}
	return out
}
