package synth

import (
	"strconv"
	"strings"
	"time"
)

// FSInstitution is the FS institusjonsnr of every generated university. No real institution
// has it.
const FSInstitution = "999"

// examKinds are the kinds of ordinary exam units, with their vurdkombkode, Norwegian name,
// purpose, WISEflow flow type and weight.
var examKinds = []struct {
	code, name string
	purpose    ExamPurpose
	flow       FlowType
	weight     int
}{
	{"SKR", "skriftlig eksamen", PurposeExamination, FlowLock, 40},
	{"HJEM", "hjemmeeksamen", PurposeExamination, FlowAssign, 25},
	{"DIG", "digital flervalgseksamen", PurposeExamination, FlowMulti, 10},
	{"OPPG", "semesteroppgave", PurposeCourseWork, FlowAssign, 15},
	{"MUNT", "muntlig eksamen", PurposeExamination, FlowOral, 5},
	{"PROS", "prosjektoppgave", PurposeCourseWork, FlowHandin, 5},
}

// examTerm is the term whose exams a population holds.
type examTerm struct {
	termInfo
	fs     string // FS's tid: "2026 VÅR"
	year   string
	season string // "VÅR" or "HØST"
}

// examTermOf returns the exam term for day d: the current term once its first exams are near
// (two weeks before the middle of the term, when half-term courses end), the previous one
// before that.
func examTermOf(d Date) examTerm {
	cur, prev := terms(d)
	t := prev
	if mid := cur.start.AddDays(cur.end.Sub(cur.start) / 2); d >= mid.AddDays(-14) {
		t = cur
	}
	e := examTerm{termInfo: t, year: t.name[2:], season: "VÅR"}
	if strings.HasPrefix(t.name, "HT") {
		e.season = "HØST"
	}
	e.fs = e.year + " " + e.season
	return e
}

// weekday moves a Saturday back to Friday and a Sunday on to Monday.
func weekday(d Date) Date {
	switch d.Time().Weekday() {
	case time.Saturday:
		return d.AddDays(-1)
	case time.Sunday:
		return d.AddDays(1)
	}
	return d
}

// examPerson is what a student carries into every exam of the term.
type examPerson struct {
	candidateNo, personNo, username string
	userID                          [3]int64 // by ExamSystem
}

// examGen is the state of making the static exam records (units, committees, candidates).
type examGen struct {
	g      *gen
	r, ids *rng
	term   examTerm
	// the next ids of the exam systems
	testID, flowID, committeeNo, insperaCandidate, wiseflowParticipant int64
	userID                                                             [3]int64 // by ExamSystem

	persons     map[ID]*examPerson
	usernames   map[string]bool
	vurdIDs     map[string]bool // FS's key is unique: a second unit of a course and kind is another version
	personIdx   map[ID]int32
	teachers    map[ID][]ID // by department
	allTeachers []ID
	// kandidatnr of the k-th student is kandBase + (k×7919 + kandAdd) mod kandMod: unique,
	// and not in the order students appear
	kandAdd, kandMod, kandBase int64
}

// exams makes the term's exam records and runs the exam calendar from the start of the term
// to Today (results, explanations, appeals, theses), so the records are as FS and the exam
// systems would hold them on that day.
func (g *gen) exams() {
	o := g.o
	if o.ExamCandidates == 0 && o.Theses == 0 {
		return
	}
	pop := g.pop
	e := &examGen{g: g, r: newRNG(o.Seed, streamExams), ids: newRNG(o.Seed, streamExamIDs), term: examTermOf(o.Today),
		persons: map[ID]*examPerson{}, usernames: map[string]bool{}, personIdx: make(map[ID]int32, len(pop.Persons)),
		teachers: map[ID][]ID{}}
	r := e.r
	// the systems' number ranges start somewhere different for every seed
	e.testID = 100_000 + int64(r.intn(400_000))
	e.flowID = 1_000_000 + int64(r.intn(2_000_000))
	e.committeeNo = 10_000 + int64(r.intn(50_000))
	e.insperaCandidate = 2_000_000 + int64(r.intn(1_000_000))
	e.wiseflowParticipant = 5_000_000 + int64(r.intn(1_000_000))
	e.userID[Inspera] = 30_000 + int64(r.intn(100_000))
	e.userID[WISEflow] = 200_000 + int64(r.intn(100_000))
	for i := range pop.Persons {
		p := &pop.Persons[i]
		e.personIdx[p.ID] = int32(i)
		if at := strings.IndexByte(p.EPPN, '@'); at > 0 {
			e.usernames[p.EPPN[:at]] = true
		}
	}
	for i := range pop.Duties {
		d := &pop.Duties[i]
		if d.Role == DutyTeacher {
			e.teachers[d.Organisation] = append(e.teachers[d.Organisation], d.Person)
			e.allTeachers = append(e.allTeachers, d.Person)
		}
	}
	// five digits, more when there are more students than five digits number
	e.kandMod, e.kandBase = 90_000, 10_000
	for e.kandMod <= int64(o.UniversityStudents) {
		e.kandMod, e.kandBase = e.kandMod*10, e.kandBase*10
	}
	e.kandAdd = int64(r.intn(int(e.kandMod)))

	e.ordinary()
	if o.HardShare > 0 {
		e.manualDeadline()
	}
	e.thesisUnits()
	w := newExamWorld(pop, o, r, e.ids, nil)
	w.force = o.HardShare > 0
	for d := e.term.start; d <= o.Today; d = d.AddDays(1) {
		w.day(d)
	}
	e.hardCases(w)
}

// person returns the exam data of a student, made when the student first appears.
func (e *examGen) person(id ID) *examPerson {
	if p, ok := e.persons[id]; ok {
		return p
	}
	pi := int64(e.personIdx[id])
	k := int64(len(e.persons))
	p := &examPerson{
		candidateNo: strconv.FormatInt(e.kandBase+(k*7919+e.kandAdd)%e.kandMod, 10),
		// personlopenr: FS's permanent number, from the person's place in the population
		personNo: strconv.FormatInt(10_000_000+(pi*104_729+int64(e.g.o.Seed%90_000_000))%90_000_000, 10),
	}
	person := &e.g.pop.Persons[pi]
	if at := strings.IndexByte(person.EPPN, '@'); at > 0 {
		p.username = person.EPPN[:at]
	} else {
		base := (e.g.ascii(firstWord(person.GivenName)) + "xxx")[:3] + (e.g.ascii(strings.ReplaceAll(person.FamilyName, " ", "")) + "xxx")[:3]
		base = strings.ReplaceAll(base, "-", "x")
		for n := 0; ; n++ {
			u := base
			if n > 0 {
				u += strconv.Itoa(n)
			}
			if !e.usernames[u] {
				e.usernames[u] = true
				p.username = u
				break
			}
		}
	}
	e.persons[id] = p
	return p
}

// next returns the counter's value and moves it on by a small random step, so ids look like a
// live system's (not consecutive) and never repeat.
func (e *examGen) next(c *int64) int64 {
	v := *c
	*c += 1 + int64(e.r.intn(3))
	return v
}

// examiners returns n teachers of the department (of any department when it has too few).
func (e *examGen) examiners(dep ID, n int) []ID {
	pool := e.teachers[dep]
	if len(pool) < n {
		pool = e.allTeachers
	}
	out := make([]ID, 0, n)
	for tries := 0; len(out) < n && tries < 20 && len(pool) > 0; tries++ {
		t := pool[e.r.intn(len(pool))]
		dup := false
		for _, x := range out {
			dup = dup || x == t
		}
		if !dup {
			out = append(out, t)
		}
	}
	return out
}

// unit appends an exam unit with its system ids and its appeal committee.
func (e *examGen) unit(u ExamUnit) *ExamUnit {
	pop := e.g.pop
	u.ID = e.ids.id()
	u.Institution, u.Term = FSInstitution, e.term.fs
	for {
		u.VurdID = strings.Join([]string{u.Institution, u.CourseCode, u.Version, u.AssessmentCode, e.term.year, e.term.season}, "_")
		if !e.vurdIDs[u.VurdID] {
			break
		}
		v, _ := strconv.Atoi(u.Version)
		u.Version = strconv.Itoa(v + 1)
	}
	if e.vurdIDs == nil {
		e.vurdIDs = map[string]bool{}
	}
	e.vurdIDs[u.VurdID] = true
	if u.System == Inspera {
		u.SystemID, u.FlowType = e.next(&e.testID), 0
	} else {
		u.SystemID = e.next(&e.flowID)
	}
	pop.ExamUnits = append(pop.ExamUnits, u)
	e.committee(&pop.ExamUnits[len(pop.ExamUnits)-1], CommitteeAppeal, "Klagekommisjon")
	return &pop.ExamUnits[len(pop.ExamUnits)-1]
}

func (e *examGen) committee(u *ExamUnit, k CommitteeKind, name string) ID {
	c := Committee{ID: e.ids.id(), ExamUnit: u.ID, Number: e.next(&e.committeeNo), Name: name, Kind: k,
		Examiners: e.examiners(u.Department, 2)}
	e.g.pop.Committees = append(e.g.pop.Committees, c)
	return c.ID
}

func (e *examGen) candidate(u *ExamUnit, person, committee ID) {
	p := e.person(person)
	c := Candidate{ID: e.ids.id(), ExamUnit: u.ID, Person: person, CandidateNo: p.candidateNo, PersonNo: p.personNo,
		Username: p.username, Committee: committee}
	if p.userID[u.System] == 0 {
		p.userID[u.System] = e.next(&e.userID[u.System])
	}
	c.UserID = p.userID[u.System]
	if u.System == Inspera {
		c.SystemID = e.next(&e.insperaCandidate)
	} else {
		c.SystemID = e.next(&e.wiseflowParticipant)
	}
	e.g.pop.Candidates = append(e.g.pop.Candidates, c)
}

// ordinary makes the exam units of the exam term's course offerings and picks
// ExamCandidates of their registered students as candidates.
func (e *examGen) ordinary() {
	g, r, pop := e.g, e.r, e.g.pop
	if g.o.ExamCandidates == 0 {
		return
	}
	regs := map[ID][]ID{} // students by offering
	for i := range pop.Registrations {
		reg := &pop.Registrations[i]
		if g.offering(reg.CourseOffering).Term == e.term.name {
			regs[reg.CourseOffering] = append(regs[reg.CourseOffering], reg.Person)
		}
	}
	type slotUnit struct {
		unit     int // index into pop.ExamUnits
		students []ID
	}
	var units []slotUnit
	slots := 0
	totalWeight := 0
	for _, k := range examKinds {
		totalWeight += k.weight
	}
	for i := range pop.CourseOfferings {
		off := &pop.CourseOfferings[i]
		students := regs[off.ID]
		if off.Term != e.term.name || len(students) == 0 {
			continue
		}
		n := 1
		if r.pct(20) {
			n = 2
		}
		date := weekday(off.End.AddDays(r.between(-10, 7)))
		for k := 0; k < n; k++ {
			x, ki := r.intn(totalWeight), 0
			for x >= examKinds[ki].weight {
				x -= examKinds[ki].weight
				ki++
			}
			kind := examKinds[ki]
			if k == 1 { // the second unit of a course is course work some weeks before the exam
				kind = examKinds[3]
				date = weekday(date.AddDays(-r.between(14, 28)))
			}
			u := ExamUnit{Department: off.Department, CourseOffering: off.ID, CourseCode: off.CourseCode, Version: "1",
				AssessmentCode: kind.code, Name: off.NameSV + " – " + kind.name, Purpose: kind.purpose, FlowType: kind.flow,
				System: Inspera, Scale: ScaleAF, Date: date, GradingDeadline: date.AddDays(21)}
			if r.pct(10) {
				u.Version = "2"
			}
			if kind.flow == FlowOral || r.pct(45) {
				u.System = WISEflow
			}
			if kind.flow != FlowOral && r.pct(15) {
				u.Scale = ScalePassFail
			}
			if r.pct(4) { // a manual appeal deadline, earlier or later than the standard one
				u.ManualAppealDeadline = u.GradingDeadline.AddDays(r.between(10, 35))
			}
			e.unit(u)
			units = append(units, slotUnit{len(pop.ExamUnits) - 1, students})
			slots += len(students)
		}
	}
	// selection sampling: exactly min(ExamCandidates, slots) candidates, spread evenly
	want := min(g.o.ExamCandidates, slots)
	seen := 0
	for _, su := range units {
		u := &pop.ExamUnits[su.unit]
		var chosen []ID
		for _, s := range su.students {
			if r.intn(slots-seen) < want {
				chosen = append(chosen, s)
				want--
			}
			seen++
		}
		if len(chosen) == 0 {
			continue
		}
		nc := (len(chosen) + 39) / 40
		comms := make([]ID, nc)
		for k := range comms {
			comms[k] = e.committee(u, CommitteeOrdinary, "Kommisjon "+strconv.Itoa(k+1))
		}
		per := (len(chosen) + nc - 1) / nc
		for k, s := range chosen {
			e.candidate(u, s, comms[k/per])
		}
	}
}

// manualDeadline gives the earliest exam a manual appeal deadline when no unit has one.
func (e *examGen) manualDeadline() {
	units := e.g.pop.ExamUnits
	first := -1
	for i := range units {
		if !units[i].ManualAppealDeadline.IsZero() {
			return
		}
		if first < 0 || units[i].Date < units[first].Date {
			first = i
		}
	}
	if first >= 0 {
		units[first].ManualAppealDeadline = units[first].GradingDeadline.AddDays(e.r.between(10, 35))
	}
}

// thesisUnits makes a thesis unit for each department with master theses and one candidate
// (with a committee of its own) for each thesis author. The theses themselves are handed in
// as the calendar runs (ThesisSubmission).
func (e *examGen) thesisUnits() {
	g, r, pop := e.g, e.r, e.g.pop
	if g.o.Theses == 0 {
		return
	}
	// authors: students aged 22 or more, drawn without repetition
	var eligible []ID
	for i := g.univFrom; i < g.univTo; i++ {
		p := &pop.Persons[i]
		if p.Roles&RoleStudent != 0 && g.o.Today.Year()-p.BirthDate.Year() >= 22 {
			eligible = append(eligible, p.ID)
		}
	}
	n := min(g.o.Theses, len(eligible))
	for i := 0; i < n; i++ {
		j := i + r.intn(len(eligible)-i)
		eligible[i], eligible[j] = eligible[j], eligible[i]
	}
	authors := eligible[:n]
	var deps []*Organisation
	for i := range pop.Organisations {
		if pop.Organisations[i].Type == OrgDepartment {
			deps = append(deps, &pop.Organisations[i])
		}
	}
	if len(deps) == 0 {
		return
	}
	byDep := make([][]ID, len(deps))
	for _, a := range authors {
		di := r.intn(len(deps))
		byDep[di] = append(byDep[di], a)
	}
	codes := map[string]bool{}
	for i := range pop.CourseOfferings {
		codes[pop.CourseOfferings[i].CourseCode] = true
	}
	deadline := NewDate(e.term.start.Year(), time.June, 1)
	if e.term.season == "HØST" {
		deadline = NewDate(e.term.start.Year(), time.December, 1)
	}
	for di, dep := range deps {
		if len(byDep[di]) == 0 {
			continue
		}
		code := ""
		for k := 0; ; k++ {
			code = (g.ascii(dep.Code) + "xx")[:2]
			code = strings.ToUpper(code) + strconv.Itoa(5990+k)
			if !codes[code] {
				codes[code] = true
				break
			}
		}
		date := deadline
		if r.pct(30) {
			date = deadline.AddDays(-17) // 15 May or 14 November
		}
		date = weekday(date)
		field := strings.TrimPrefix(dep.Name, "Institutt for ")
		sys := WISEflow
		if r.pct(30) {
			sys = Inspera
		}
		u := e.unit(ExamUnit{Department: dep.ID, CourseCode: code, Version: "1", AssessmentCode: "MAS",
			Name: "Masteroppgave i " + field, Purpose: PurposeMaster, FlowType: FlowHandin, System: sys,
			Scale: ScaleAF, Date: date, GradingDeadline: date.AddDays(56)})
		for k, a := range byDep[di] {
			c := e.committee(u, CommitteeOrdinary, "Kommisjon "+strconv.Itoa(k+1))
			e.candidate(u, a, c)
		}
	}
}

// hardCases makes sure the hard cases of theses and persons are there at least once when
// HardShare (for protected identities ProtectedShare) is above zero, by turning ordinary
// records into them; the calendar forces its own (late and reopened appeals, appeals after an
// explanation, a failed thesis) as it runs.
func (e *examGen) hardCases(w *examWorld) {
	pop, o := e.g.pop, e.g.o
	if o.ProtectedShare > 0 {
		e.protect()
	}
	if o.HardShare == 0 {
		return
	}
	hasThesis := func(f ExamFlag) bool {
		for i := range pop.Theses {
			if pop.Theses[i].Flags&f != 0 {
				return true
			}
		}
		return false
	}
	for _, hc := range []struct {
		flag ExamFlag
		make func(*Thesis, *CoverSheet)
	}{{ExamFlagConfidentialPublish, w.confidentialPublish}, {ExamFlagContradictory, w.contradict},
		{ExamFlagMissingAnswer, w.leaveOut}} {
		if hasThesis(hc.flag) {
			continue
		}
		for i := range pop.Theses {
			if t := &pop.Theses[i]; t.Flags == 0 {
				hc.make(t, &t.Cover)
				break
			}
		}
	}
}

// protect makes sure candidates with a protected identity are there: one with a strictly
// confidential address (strengt fortrolig), one with a confidential one (fortrolig), and a
// thesis author with either.
func (e *examGen) protect() {
	pop := e.g.pop
	person := func(id ID) *Person { return &pop.Persons[e.personIdx[id]] }
	has := func(m SecurityMarking) bool {
		for i := range pop.Candidates {
			if person(pop.Candidates[i].Person).Security == m {
				return true
			}
		}
		return false
	}
	for _, m := range []SecurityMarking{SecurityProtected, SecurityConfidential} {
		if has(m) {
			continue
		}
		for i := range pop.Candidates {
			if p := person(pop.Candidates[i].Person); p.Security == SecurityNone {
				p.Security = m
				break
			}
		}
	}
	if len(pop.Theses) == 0 {
		return
	}
	cand := make(map[ID]ID, len(pop.Candidates))
	for i := range pop.Candidates {
		cand[pop.Candidates[i].ID] = pop.Candidates[i].Person
	}
	for i := range pop.Theses {
		if person(cand[pop.Theses[i].Candidate]).Security.IsProtected() {
			return
		}
	}
	person(cand[pop.Theses[0].Candidate]).Security = SecurityProtected
}
