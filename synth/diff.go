package synth

// Diff returns the changes that take a to b, record by record: creates and updates in b's order,
// then deletes in a's order, entity kinds in the order of Entity's constants. Records are
// matched by ID. Change.Kind is zero (Diff cannot know the event). Flags (of persons, theses and
// appeals) are labels, not data, and are not compared.
//
// Diff(pop, next) holds the same changes as the list NextDay returned with next, which is how
// the tests check NextDay's accounting.
func Diff(a, b *Population) []Change {
	var out []Change
	diffSlice(&out, EntityOrganisation, a.Organisations, b.Organisations, func(x *Organisation) ID { return x.ID }, orgFields, nil)
	diffSlice(&out, EntityPerson, a.Persons, b.Persons, func(x *Person) ID { return x.ID }, personFields,
		func(x, y *Person) bool { xx, yy := *x, *y; xx.Flags, yy.Flags = 0, 0; return xx == yy })
	diffSlice(&out, EntityEnrolment, a.Enrolments, b.Enrolments, func(x *Enrolment) ID { return x.ID }, enrolmentFields,
		func(x, y *Enrolment) bool { return *x == *y })
	diffSlice(&out, EntityGuardianship, a.Guardianships, b.Guardianships, func(x *Guardianship) ID { return x.ID }, guardianshipFields,
		func(x, y *Guardianship) bool { return *x == *y })
	diffSlice(&out, EntityDuty, a.Duties, b.Duties, func(x *Duty) ID { return x.ID }, dutyFields,
		func(x, y *Duty) bool { return *x == *y })
	diffSlice(&out, EntityGroup, a.Groups, b.Groups, func(x *Group) ID { return x.ID }, groupFields,
		func(x, y *Group) bool { return *x == *y })
	diffSlice(&out, EntityMembership, a.Memberships, b.Memberships, func(x *Membership) ID { return x.ID }, membershipFields,
		func(x, y *Membership) bool { return *x == *y })
	diffSlice(&out, EntityCourseOffering, a.CourseOfferings, b.CourseOfferings, func(x *CourseOffering) ID { return x.ID }, offeringFields, nil)
	diffSlice(&out, EntityProgramme, a.Programmes, b.Programmes, func(x *Programme) ID { return x.ID }, programmeFields,
		func(x, y *Programme) bool { return *x == *y })
	diffSlice(&out, EntityProgrammeOffering, a.ProgrammeOfferings, b.ProgrammeOfferings, func(x *ProgrammeOffering) ID { return x.ID }, programmeOfferingFields, nil)
	diffSlice(&out, EntityAdmission, a.Admissions, b.Admissions, func(x *Admission) ID { return x.ID }, admissionFields,
		func(x, y *Admission) bool { return *x == *y })
	diffSlice(&out, EntityRegistration, a.Registrations, b.Registrations, func(x *Registration) ID { return x.ID }, registrationFields,
		func(x, y *Registration) bool { return *x == *y })
	diffSlice(&out, EntityExamUnit, a.ExamUnits, b.ExamUnits, func(x *ExamUnit) ID { return x.ID }, unitFields,
		func(x, y *ExamUnit) bool { return *x == *y })
	diffSlice(&out, EntityCommittee, a.Committees, b.Committees, func(x *Committee) ID { return x.ID }, committeeFields, nil)
	diffSlice(&out, EntityCandidate, a.Candidates, b.Candidates, func(x *Candidate) ID { return x.ID }, candidateFields,
		func(x, y *Candidate) bool { return *x == *y })
	diffSlice(&out, EntityThesis, a.Theses, b.Theses, func(x *Thesis) ID { return x.ID }, thesisFields, nil)
	diffSlice(&out, EntityExplanation, a.Explanations, b.Explanations, func(x *Explanation) ID { return x.ID }, explanationFields,
		func(x, y *Explanation) bool { return *x == *y })
	diffSlice(&out, EntityAppeal, a.Appeals, b.Appeals, func(x *Appeal) ID { return x.ID }, appealFields,
		func(x, y *Appeal) bool { return *x == *y })
	return out
}

// metaField reports whether a field is a label that Diff and NextDay do not count as a change
// (the Flags of persons, theses and appeals).
func metaField(_ Entity, field string) bool { return field == "Flags" }

// fieldChanges compares two field lists of the same record kind.
func fieldChanges(entity Entity, before, after []kv) []FieldChange {
	var out []FieldChange
	for i := range before {
		if before[i].v != after[i].v && !metaField(entity, before[i].k) {
			out = append(out, FieldChange{Field: before[i].k, Before: before[i].v, After: after[i].v})
		}
	}
	return out
}

func diffSlice[T any](out *[]Change, e Entity, a, b []T, id func(*T) ID, fields func(*T) []kv, eq func(x, y *T) bool) {
	inA := make(map[ID]int32, len(a))
	for i := range a {
		inA[id(&a[i])] = int32(i)
	}
	seen := make([]bool, len(a))
	for i := range b {
		y := &b[i]
		j, ok := inA[id(y)]
		if !ok {
			*out = append(*out, Change{Op: Create, Entity: e, ID: id(y)})
			continue
		}
		seen[j] = true
		x := &a[j]
		if eq != nil && eq(x, y) {
			continue
		}
		if fc := fieldChanges(e, fields(x), fields(y)); len(fc) > 0 {
			*out = append(*out, Change{Op: Update, Entity: e, ID: id(y), Fields: fc})
		}
	}
	for i := range a {
		if !seen[i] {
			*out = append(*out, Change{Op: Delete, Entity: e, ID: id(&a[i])})
		}
	}
}
