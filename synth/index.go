package synth

import "iter"

// Students yields the persons with RoleStudent, in order. It does not copy.
func (p *Population) Students() iter.Seq[*Person] { return p.withRole(RoleStudent) }

// Staff yields the persons with RoleStaff, in order.
func (p *Population) Staff() iter.Seq[*Person] { return p.withRole(RoleStaff) }

// Guardians yields the persons with RoleGuardian, in order.
func (p *Population) Guardians() iter.Seq[*Person] { return p.withRole(RoleGuardian) }

func (p *Population) withRole(r Role) iter.Seq[*Person] {
	return func(yield func(*Person) bool) {
		for i := range p.Persons {
			if p.Persons[i].Roles&r != 0 && !yield(&p.Persons[i]) {
				return
			}
		}
	}
}

// SchoolUnits yields the organisations of type OrgSchoolUnit, in order.
func (p *Population) SchoolUnits() iter.Seq[*Organisation] {
	return func(yield func(*Organisation) bool) {
		for i := range p.Organisations {
			if p.Organisations[i].Type == OrgSchoolUnit && !yield(&p.Organisations[i]) {
				return
			}
		}
	}
}

// GroupsOf yields the groups of one organisation, in order.
func (p *Population) GroupsOf(org ID) iter.Seq[*Group] {
	return func(yield func(*Group) bool) {
		for i := range p.Groups {
			if p.Groups[i].Organisation == org && !yield(&p.Groups[i]) {
				return
			}
		}
	}
}

// Index answers lookups on a Population: records by ID and the relations of a record. Build it
// once with NewIndex (it takes about a second and 100 MB for the municipality preset) and keep it
// while the Population is unchanged. Relations are kept as index lists into the Population's
// slices, not as copies. An Index is safe for concurrent reads.
type Index struct {
	pop      *Population
	persons  map[ID]int32
	groups   map[ID]int32
	orgs     map[ID]int32
	offering map[ID]int32

	membersOfGroup, groupsOfPerson     csr
	guardiansOf, studentsOf            csr
	dutiesOf, enrolmentsOf             csr
	registrationsOf, admissionsOf      csr
	registrationsOfOffering, childOrgs csr

	units, committees, candidates        map[ID]int32
	thesisOf, explanationOf, appealOf    map[ID]int32 // by candidate
	candidatesOfUnit, candidatesOfPerson csr
}

// csr lists, for each of n keys, the indexes of the records that refer to it.
type csr struct {
	start []int32 // len n+1
	items []int32
}

func buildCSR(n, m int, key func(i int) int32) csr {
	c := csr{start: make([]int32, n+1), items: make([]int32, m)}
	for i := 0; i < m; i++ {
		if k := key(i); k >= 0 {
			c.start[k+1]++
		}
	}
	for k := 0; k < n; k++ {
		c.start[k+1] += c.start[k]
	}
	fill := make([]int32, n)
	used := 0
	for i := 0; i < m; i++ {
		if k := key(i); k >= 0 {
			c.items[c.start[k]+fill[k]] = int32(i)
			fill[k]++
			used++
		}
	}
	c.items = c.items[:used]
	return c
}

func (c csr) of(k int32) []int32 {
	if k < 0 || int(k)+1 >= len(c.start) {
		return nil
	}
	return c.items[c.start[k]:c.start[k+1]]
}

// NewIndex indexes pop. References to records that do not exist are left out.
func NewIndex(pop *Population) *Index {
	x := &Index{pop: pop,
		persons:  positions(pop.Persons, func(p *Person) ID { return p.ID }),
		groups:   positions(pop.Groups, func(g *Group) ID { return g.ID }),
		orgs:     positions(pop.Organisations, func(o *Organisation) ID { return o.ID }),
		offering: positions(pop.CourseOfferings, func(c *CourseOffering) ID { return c.ID }),
	}
	look := func(m map[ID]int32, id ID) int32 {
		if v, ok := m[id]; ok {
			return v
		}
		return -1
	}
	np := len(pop.Persons)
	x.membersOfGroup = buildCSR(len(pop.Groups), len(pop.Memberships), func(i int) int32 { return look(x.groups, pop.Memberships[i].Group) })
	x.groupsOfPerson = buildCSR(np, len(pop.Memberships), func(i int) int32 { return look(x.persons, pop.Memberships[i].Person) })
	x.guardiansOf = buildCSR(np, len(pop.Guardianships), func(i int) int32 { return look(x.persons, pop.Guardianships[i].Student) })
	x.studentsOf = buildCSR(np, len(pop.Guardianships), func(i int) int32 { return look(x.persons, pop.Guardianships[i].Guardian) })
	x.dutiesOf = buildCSR(np, len(pop.Duties), func(i int) int32 { return look(x.persons, pop.Duties[i].Person) })
	x.enrolmentsOf = buildCSR(np, len(pop.Enrolments), func(i int) int32 { return look(x.persons, pop.Enrolments[i].Person) })
	x.registrationsOf = buildCSR(np, len(pop.Registrations), func(i int) int32 { return look(x.persons, pop.Registrations[i].Person) })
	x.admissionsOf = buildCSR(np, len(pop.Admissions), func(i int) int32 { return look(x.persons, pop.Admissions[i].Person) })
	x.registrationsOfOffering = buildCSR(len(pop.CourseOfferings), len(pop.Registrations), func(i int) int32 {
		return look(x.offering, pop.Registrations[i].CourseOffering)
	})
	x.childOrgs = buildCSR(len(pop.Organisations), len(pop.Organisations), func(i int) int32 { return look(x.orgs, pop.Organisations[i].Parent) })
	x.units = positions(pop.ExamUnits, func(u *ExamUnit) ID { return u.ID })
	x.committees = positions(pop.Committees, func(c *Committee) ID { return c.ID })
	x.candidates = positions(pop.Candidates, func(c *Candidate) ID { return c.ID })
	x.thesisOf = positions(pop.Theses, func(t *Thesis) ID { return t.Candidate })
	x.explanationOf = positions(pop.Explanations, func(e *Explanation) ID { return e.Candidate })
	x.appealOf = positions(pop.Appeals, func(a *Appeal) ID { return a.Candidate })
	x.candidatesOfUnit = buildCSR(len(pop.ExamUnits), len(pop.Candidates), func(i int) int32 { return look(x.units, pop.Candidates[i].ExamUnit) })
	x.candidatesOfPerson = buildCSR(np, len(pop.Candidates), func(i int) int32 { return look(x.persons, pop.Candidates[i].Person) })
	return x
}

// Population returns the indexed population.
func (x *Index) Population() *Population { return x.pop }

// Person returns the person with id.
func (x *Index) Person(id ID) (*Person, bool) {
	if i, ok := x.persons[id]; ok {
		return &x.pop.Persons[i], true
	}
	return nil, false
}

// Group returns the group with id.
func (x *Index) Group(id ID) (*Group, bool) {
	if i, ok := x.groups[id]; ok {
		return &x.pop.Groups[i], true
	}
	return nil, false
}

// Organisation returns the organisation with id.
func (x *Index) Organisation(id ID) (*Organisation, bool) {
	if i, ok := x.orgs[id]; ok {
		return &x.pop.Organisations[i], true
	}
	return nil, false
}

// CourseOffering returns the course offering with id.
func (x *Index) CourseOffering(id ID) (*CourseOffering, bool) {
	if i, ok := x.offering[id]; ok {
		return &x.pop.CourseOfferings[i], true
	}
	return nil, false
}

func seqOf[T any](s []T, idx []int32) iter.Seq[*T] {
	return func(yield func(*T) bool) {
		for _, i := range idx {
			if !yield(&s[i]) {
				return
			}
		}
	}
}

// Members yields the memberships of a group, in Population order.
func (x *Index) Members(group ID) iter.Seq[*Membership] {
	return seqOf(x.pop.Memberships, x.membersOfGroup.of(lookup(x.groups, group)))
}

// MembershipsOf yields the memberships of a person.
func (x *Index) MembershipsOf(person ID) iter.Seq[*Membership] {
	return seqOf(x.pop.Memberships, x.groupsOfPerson.of(lookup(x.persons, person)))
}

// GuardiansOf yields the guardianships whose Student is student.
func (x *Index) GuardiansOf(student ID) iter.Seq[*Guardianship] {
	return seqOf(x.pop.Guardianships, x.guardiansOf.of(lookup(x.persons, student)))
}

// StudentsOf yields the guardianships whose Guardian is guardian.
func (x *Index) StudentsOf(guardian ID) iter.Seq[*Guardianship] {
	return seqOf(x.pop.Guardianships, x.studentsOf.of(lookup(x.persons, guardian)))
}

// DutiesOf yields the duties of a member of staff.
func (x *Index) DutiesOf(person ID) iter.Seq[*Duty] {
	return seqOf(x.pop.Duties, x.dutiesOf.of(lookup(x.persons, person)))
}

// EnrolmentsOf yields the enrolments of a student (one for generated students).
func (x *Index) EnrolmentsOf(person ID) iter.Seq[*Enrolment] {
	return seqOf(x.pop.Enrolments, x.enrolmentsOf.of(lookup(x.persons, person)))
}

// RegistrationsOf yields the registrations of a university student.
func (x *Index) RegistrationsOf(person ID) iter.Seq[*Registration] {
	return seqOf(x.pop.Registrations, x.registrationsOf.of(lookup(x.persons, person)))
}

// AdmissionsOf yields the admissions of a university student.
func (x *Index) AdmissionsOf(person ID) iter.Seq[*Admission] {
	return seqOf(x.pop.Admissions, x.admissionsOf.of(lookup(x.persons, person)))
}

// Registered yields the registrations on a course offering.
func (x *Index) Registered(offering ID) iter.Seq[*Registration] {
	return seqOf(x.pop.Registrations, x.registrationsOfOffering.of(lookup(x.offering, offering)))
}

// Children yields the organisations whose Parent is org (school units of a principal,
// departments of a university).
func (x *Index) Children(org ID) iter.Seq[*Organisation] {
	return seqOf(x.pop.Organisations, x.childOrgs.of(lookup(x.orgs, org)))
}

func lookup(m map[ID]int32, id ID) int32 {
	if i, ok := m[id]; ok {
		return i
	}
	return -1
}

// ExamUnit returns the exam unit with id.
func (x *Index) ExamUnit(id ID) (*ExamUnit, bool) { return get(x.pop.ExamUnits, x.units, id) }

// Committee returns the committee with id.
func (x *Index) Committee(id ID) (*Committee, bool) { return get(x.pop.Committees, x.committees, id) }

// Candidate returns the candidate with id.
func (x *Index) Candidate(id ID) (*Candidate, bool) { return get(x.pop.Candidates, x.candidates, id) }

// ThesisOf returns the thesis of a candidate of a thesis unit, once handed in.
func (x *Index) ThesisOf(candidate ID) (*Thesis, bool) {
	return get(x.pop.Theses, x.thesisOf, candidate)
}

// ExplanationOf returns the explanation request of a candidate, if it made one.
func (x *Index) ExplanationOf(candidate ID) (*Explanation, bool) {
	return get(x.pop.Explanations, x.explanationOf, candidate)
}

// AppealOf returns the appeal of a candidate, if it appealed.
func (x *Index) AppealOf(candidate ID) (*Appeal, bool) {
	return get(x.pop.Appeals, x.appealOf, candidate)
}

// UnitCandidates yields the candidates of an exam unit, in Population order.
func (x *Index) UnitCandidates(unit ID) iter.Seq[*Candidate] {
	return seqOf(x.pop.Candidates, x.candidatesOfUnit.of(lookup(x.units, unit)))
}

// CandidatesOf yields the candidates of a student: one for each exam unit the student sits.
func (x *Index) CandidatesOf(person ID) iter.Seq[*Candidate] {
	return seqOf(x.pop.Candidates, x.candidatesOfPerson.of(lookup(x.persons, person)))
}

// positions maps the key of each record of s to its index.
func positions[T any](s []T, key func(*T) ID) map[ID]int32 {
	m := make(map[ID]int32, len(s))
	for i := range s {
		m[key(&s[i])] = int32(i)
	}
	return m
}

func get[T any](s []T, m map[ID]int32, id ID) (*T, bool) {
	if i, ok := m[id]; ok {
		return &s[i], true
	}
	return nil, false
}
