package synth

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strconv"
)

// kv is one field of a record as text: the canonical form WriteTo prints and Diff compares.
type kv struct{ k, v string }

func itoa(n int) string { return strconv.Itoa(n) }

func orgFields(o *Organisation) []kv {
	st := ""
	for i, s := range o.SchoolTypes {
		if i > 0 {
			st += ","
		}
		st += string(s)
	}
	return []kv{{"Parent", idStr(o.Parent)}, {"Type", o.Type.String()}, {"Name", o.Name}, {"Code", o.Code},
		{"SchoolTypes", st}, {"MunicipalityCode", o.MunicipalityCode}, {"Email", o.Email}}
}

func personFields(p *Person) []kv {
	return []kv{{"GivenName", p.GivenName}, {"FamilyName", p.FamilyName}, {"BirthDate", p.BirthDate.String()},
		{"BirthPlace", p.BirthPlace}, {"Sex", p.Sex.String()}, {"CivicNo", p.CivicNo}, {"CivicNoKind", p.CivicNoKind.String()},
		{"Security", p.Security.String()}, {"Email", p.Email}, {"EPPN", p.EPPN}, {"Roles", p.Roles.String()},
		{"Flags", itoa(int(p.Flags))}}
}

func enrolmentFields(e *Enrolment) []kv {
	return []kv{{"Person", idStr(e.Person)}, {"SchoolUnit", idStr(e.SchoolUnit)}, {"SchoolType", string(e.SchoolType)},
		{"SchoolYear", itoa(int(e.SchoolYear))}, {"Programme", e.Programme}, {"Start", e.Start.String()}, {"End", e.End.String()}}
}

func guardianshipFields(g *Guardianship) []kv {
	return []kv{{"Student", idStr(g.Student)}, {"Guardian", idStr(g.Guardian)}, {"Relation", g.Relation.String()}}
}

func dutyFields(d *Duty) []kv {
	return []kv{{"Person", idStr(d.Person)}, {"Organisation", idStr(d.Organisation)}, {"Role", string(d.Role)},
		{"Signature", d.Signature}, {"Percent", itoa(int(d.Percent))}, {"Start", d.Start.String()}, {"End", d.End.String()}}
}

func groupFields(g *Group) []kv {
	return []kv{{"Organisation", idStr(g.Organisation)}, {"Type", g.Type.String()}, {"Name", g.Name}, {"Code", g.Code},
		{"SchoolType", string(g.SchoolType)}, {"SchoolYear", itoa(int(g.SchoolYear))}, {"Subject", g.Subject},
		{"Start", g.Start.String()}, {"End", g.End.String()}}
}

func membershipFields(m *Membership) []kv {
	return []kv{{"Group", idStr(m.Group)}, {"Person", idStr(m.Person)}, {"Role", m.Role.String()},
		{"Start", m.Start.String()}, {"End", m.End.String()}}
}

func offeringFields(c *CourseOffering) []kv {
	t := idList(c.Teachers)
	return []kv{{"CourseCode", c.CourseCode}, {"OfferingCode", c.OfferingCode}, {"NameSV", c.NameSV}, {"NameEN", c.NameEN},
		{"Credits", strconv.FormatFloat(c.Credits, 'f', -1, 64)}, {"Term", c.Term}, {"Start", c.Start.String()},
		{"End", c.End.String()}, {"Pace", itoa(c.Pace)}, {"Department", idStr(c.Department)}, {"Teachers", t}}
}

func programmeFields(p *Programme) []kv {
	return []kv{{"Code", p.Code}, {"NameSV", p.NameSV}, {"NameEN", p.NameEN},
		{"Credits", strconv.FormatFloat(p.Credits, 'f', -1, 64)}, {"Department", idStr(p.Department)}}
}

func programmeOfferingFields(p *ProgrammeOffering) []kv {
	c := idList(p.Courses)
	return []kv{{"Programme", idStr(p.Programme)}, {"Code", p.Code}, {"Term", p.Term}, {"Start", p.Start.String()}, {"Courses", c}}
}

func admissionFields(a *Admission) []kv {
	k := "course"
	if a.Kind == AdmittedToProgramme {
		k = "programme"
	}
	return []kv{{"Person", idStr(a.Person)}, {"Kind", k}, {"Offering", idStr(a.Offering)}, {"Date", a.Date.String()}}
}

func registrationFields(r *Registration) []kv {
	return []kv{{"Person", idStr(r.Person)}, {"CourseOffering", idStr(r.CourseOffering)}, {"Date", r.Date.String()},
		{"Repeat", strconv.FormatBool(r.Repeat)}}
}

func unitFields(u *ExamUnit) []kv {
	return []kv{{"Department", idStr(u.Department)}, {"CourseOffering", idStr(u.CourseOffering)},
		{"Institution", u.Institution}, {"CourseCode", u.CourseCode}, {"Version", u.Version},
		{"AssessmentCode", u.AssessmentCode}, {"Term", u.Term}, {"VurdID", u.VurdID}, {"Name", u.Name},
		{"System", u.System.String()}, {"SystemID", i64(u.SystemID)}, {"Purpose", u.Purpose.String()},
		{"FlowType", u.FlowType.String()}, {"Scale", u.Scale.String()}, {"Date", u.Date.String()},
		{"GradingDeadline", u.GradingDeadline.String()}, {"ManualAppealDeadline", u.ManualAppealDeadline.String()}}
}

func committeeFields(c *Committee) []kv {
	return []kv{{"ExamUnit", idStr(c.ExamUnit)}, {"Number", i64(c.Number)}, {"Name", c.Name}, {"Kind", c.Kind.String()},
		{"Examiners", idList(c.Examiners)}}
}

func candidateFields(c *Candidate) []kv {
	return []kv{{"ExamUnit", idStr(c.ExamUnit)}, {"Person", idStr(c.Person)}, {"CandidateNo", c.CandidateNo},
		{"PersonNo", c.PersonNo}, {"Username", c.Username}, {"UserID", i64(c.UserID)}, {"SystemID", i64(c.SystemID)},
		{"Committee", idStr(c.Committee)}, {"Grade", c.Grade.String()}, {"Announced", c.Announced.String()},
		{"ExplanationDeadline", c.ExplanationDeadline.String()}, {"AppealDeadline", c.AppealDeadline.String()}}
}

func thesisFields(t *Thesis) []kv {
	files := ""
	for i, f := range t.Files {
		if i > 0 {
			files += ";"
		}
		files += fileStr(f)
	}
	return []kv{{"Candidate", idStr(t.Candidate)}, {"Submitted", t.Submitted.String()}, {"Title", t.Cover.Title},
		{"Publish", t.Cover.Publish.String()}, {"Delay", t.Cover.Delay.String()},
		{"Confidential", t.Cover.Confidential.String()}, {"Files", files}, {"Flags", itoa(int(t.Flags))}}
}

func explanationFields(x *Explanation) []kv {
	return []kv{{"Candidate", idStr(x.Candidate)}, {"SystemID", i64(x.SystemID)}, {"State", x.State.String()},
		{"Requested", x.Requested.String()}, {"Assigned", x.Assigned.String()}, {"Assessor", idStr(x.Assessor)},
		{"Given", x.Given.String()}, {"Published", x.Published.String()}, {"Document", fileStr(x.Document)}}
}

func appealFields(a *Appeal) []kv {
	return []kv{{"Candidate", idStr(a.Candidate)}, {"Status", a.Status.String()}, {"Received", a.Received.String()},
		{"GradingDeadline", a.GradingDeadline.String()}, {"OriginalCommittee", idStr(a.OriginalCommittee)},
		{"NewCommittee", idStr(a.NewCommittee)}, {"Withdrawn", a.Withdrawn.String()}, {"Reopened", a.Reopened.String()},
		{"NewGrade", a.NewGrade.String()}, {"DecisionSent", a.DecisionSent.String()}, {"Flags", itoa(int(a.Flags))}}
}

func i64(n int64) string { return strconv.FormatInt(n, 10) }

// fileStr writes a File as name|type|size|seed ("" for no file).
func fileStr(f File) string {
	if f.IsZero() {
		return ""
	}
	return f.Name + "|" + f.ContentType + "|" + i64(f.Size) + "|" + strconv.FormatUint(f.Seed, 16)
}

func idList(ids []ID) string {
	s := ""
	for i, id := range ids {
		if i > 0 {
			s += ","
		}
		s += id.String()
	}
	return s
}

func idStr(id ID) string {
	if id.IsZero() {
		return ""
	}
	return id.String()
}

// records calls f for every record of pop with its entity kind, ID and fields, in the canonical
// order: entity kinds in the order of Entity's constants, records in slice order.
func (p *Population) records(f func(e Entity, id ID, fields []kv) bool) {
	for i := range p.Organisations {
		if !f(EntityOrganisation, p.Organisations[i].ID, orgFields(&p.Organisations[i])) {
			return
		}
	}
	for i := range p.Persons {
		if !f(EntityPerson, p.Persons[i].ID, personFields(&p.Persons[i])) {
			return
		}
	}
	for i := range p.Enrolments {
		if !f(EntityEnrolment, p.Enrolments[i].ID, enrolmentFields(&p.Enrolments[i])) {
			return
		}
	}
	for i := range p.Guardianships {
		if !f(EntityGuardianship, p.Guardianships[i].ID, guardianshipFields(&p.Guardianships[i])) {
			return
		}
	}
	for i := range p.Duties {
		if !f(EntityDuty, p.Duties[i].ID, dutyFields(&p.Duties[i])) {
			return
		}
	}
	for i := range p.Groups {
		if !f(EntityGroup, p.Groups[i].ID, groupFields(&p.Groups[i])) {
			return
		}
	}
	for i := range p.Memberships {
		if !f(EntityMembership, p.Memberships[i].ID, membershipFields(&p.Memberships[i])) {
			return
		}
	}
	for i := range p.CourseOfferings {
		if !f(EntityCourseOffering, p.CourseOfferings[i].ID, offeringFields(&p.CourseOfferings[i])) {
			return
		}
	}
	for i := range p.Programmes {
		if !f(EntityProgramme, p.Programmes[i].ID, programmeFields(&p.Programmes[i])) {
			return
		}
	}
	for i := range p.ProgrammeOfferings {
		if !f(EntityProgrammeOffering, p.ProgrammeOfferings[i].ID, programmeOfferingFields(&p.ProgrammeOfferings[i])) {
			return
		}
	}
	for i := range p.Admissions {
		if !f(EntityAdmission, p.Admissions[i].ID, admissionFields(&p.Admissions[i])) {
			return
		}
	}
	for i := range p.Registrations {
		if !f(EntityRegistration, p.Registrations[i].ID, registrationFields(&p.Registrations[i])) {
			return
		}
	}
	for i := range p.ExamUnits {
		if !f(EntityExamUnit, p.ExamUnits[i].ID, unitFields(&p.ExamUnits[i])) {
			return
		}
	}
	for i := range p.Committees {
		if !f(EntityCommittee, p.Committees[i].ID, committeeFields(&p.Committees[i])) {
			return
		}
	}
	for i := range p.Candidates {
		if !f(EntityCandidate, p.Candidates[i].ID, candidateFields(&p.Candidates[i])) {
			return
		}
	}
	for i := range p.Theses {
		if !f(EntityThesis, p.Theses[i].ID, thesisFields(&p.Theses[i])) {
			return
		}
	}
	for i := range p.Explanations {
		if !f(EntityExplanation, p.Explanations[i].ID, explanationFields(&p.Explanations[i])) {
			return
		}
	}
	for i := range p.Appeals {
		if !f(EntityAppeal, p.Appeals[i].ID, appealFields(&p.Appeals[i])) {
			return
		}
	}
}

// WriteTo writes pop in a canonical line format, one record a line:
//
//	person<TAB>id<TAB>GivenName=Åsa<TAB>FamilyName=Ödegård<TAB>...
//
// Values are written with tabs, newlines and backslashes escaped (\t, \n, \\). The same seed and
// options give byte-identical output on every machine; golden files and Hash rest on that.
// The typo list follows as "typo" lines.
func (p *Population) WriteTo(w io.Writer) (int64, error) {
	bw := bufio.NewWriterSize(w, 1<<16)
	var n int64
	var err error
	write := func(s string) {
		if err != nil {
			return
		}
		var k int
		k, err = bw.WriteString(s)
		n += int64(k)
	}
	write("today\t" + p.Today.String() + "\n")
	p.records(func(e Entity, id ID, fields []kv) bool {
		write(e.String())
		write("\t")
		write(id.String())
		for _, f := range fields {
			write("\t")
			write(f.k)
			write("=")
			write(escape(f.v))
		}
		write("\n")
		return err == nil
	})
	for _, t := range p.Typos {
		write("typo\t" + t.Person.String() + "\t" + t.Field + "=" + escape(t.Intended) + "\n")
	}
	if err == nil {
		err = bw.Flush()
	}
	return n, err
}

// Hash returns the SHA-256 of WriteTo's output in hex: a fingerprint of the whole population.
func (p *Population) Hash() string {
	h := sha256.New()
	if _, err := p.WriteTo(h); err != nil {
		panic(err) // hash.Hash writes never fail
	}
	return hex.EncodeToString(h.Sum(nil))
}

func escape(s string) string {
	need := false
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '\t' || c == '\n' || c == '\\' {
			need = true
			break
		}
	}
	if !need {
		return s
	}
	b := make([]byte, 0, len(s)+4)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\t':
			b = append(b, '\\', 't')
		case '\n':
			b = append(b, '\\', 'n')
		case '\\':
			b = append(b, '\\', '\\')
		default:
			b = append(b, c)
		}
	}
	return string(b)
}
