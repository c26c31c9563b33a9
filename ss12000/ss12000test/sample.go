package ss12000test

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/edusync/edusync/internal/idnum"
	"github.com/edusync/edusync/internal/translit"
	"github.com/edusync/edusync/ss12000"
)

// Fixed facts of the sample school, for tests and examples that need to name them.
const (
	SampleHuvudmanName  = "Exempelby kommun"
	SampleGRUnitName    = "Exempelbyskolan"
	SampleGYUnitName    = "Exempelby gymnasium"
	SampleGRUnitCode    = "19283746"
	SampleGYUnitCode    = "28374650"
	SampleMunicipality  = "0999"
	SampleMailDomain    = "exempelby.se"
	sampleStudents      = 144
	sampleClassSize     = 16
	sampleGRClasses     = 6
	sampleGYClasses     = 3
	sampleGRTeachers    = 12
	sampleGYTeachers    = 10
	sampleTermStart     = "2025-08-18"
	sampleTermEnd       = "2026-06-12"
	sampleCreatedString = "2025-08-01T06:00:00Z"
)

// SampleSchool returns a small, hand-made and fully deterministic school for quickstarts,
// examples and tests: the principal organiser "Exempelby kommun" (Huvudman) with two school
// units, Exempelbyskolan (GR, years 7-9) and Exempelby gymnasium (GY); 144 students in nine
// classes, each with one or two guardians (Vårdnadshavare), and 26 staff (two principals, 22
// teachers, a study counsellor and a school nurse) with duties; classes (Klass) and teaching
// groups (Undervisning) with memberships and mentors, activities, syllabuses, programmes,
// rooms, one school week of calendar events. 314 persons in all.
//
// Like real data it is not uniform: a few persons have protected identity (Sekretessmarkering,
// Skyddad folkbokföring, the latter without address), names carry Swedish letters (Åsa,
// Jörgen, Öberg, Ängström), personal numbers are valid-looking with correct check digits,
// most but not all persons have e-mail addresses and eduPersonPrincipalNames, and while ids are
// UUIDs a few persons have vendor-style ids such as "elev-1042". Every call returns new slices.
func SampleSchool() Dataset {
	b := &sampleBuilder{created: mustTime(sampleCreatedString)}
	b.organisations()
	b.programmesAndSyllabuses()
	b.people()
	b.groups()
	b.activities()
	b.rooms()
	return b.ds
}

type sampleBuilder struct {
	ds      Dataset
	created time.Time
	seq     int

	huvudman, gr, gy ss12000.Organisation
	students         []ss12000.Person
	guardians        [][]ss12000.Person // by family
	staff            []ss12000.Person
	grTeachers       []ss12000.Duty
	gyTeachers       []ss12000.Duty
	programmes       []ss12000.Programme
	syllabuses       map[string]ss12000.Syllabus
	teaching         []teachingGroup
}

type teachingGroup struct {
	group   ss12000.Group
	subject string
	teacher ss12000.Duty
	unit    ss12000.Organisation
}

// sampleID is a stable UUID-shaped id for name.
func sampleID(name string) string {
	h := sha1.Sum([]byte("edusync-sample/" + name))
	h[6] = h[6]&0x0f | 0x50
	h[8] = h[8]&0x3f | 0x80
	x := hex.EncodeToString(h[:16])
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func day(s string) openapi_types.Date {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return openapi_types.Date{Time: t}
}

// meta gives records a fixed creation time and slightly different modification times, so
// ModifiedDesc orders are meaningful.
func (b *sampleBuilder) meta() ss12000.Meta {
	b.seq++
	return ss12000.Meta{Created: b.created, Modified: b.created.Add(time.Duration(b.seq) * time.Second)}
}

func orgRef(o ss12000.Organisation) ss12000.OrganisationReference {
	return ss12000.OrganisationReference{ID: o.ID}
}

func personRef(p ss12000.Person) ss12000.PersonReference {
	return ss12000.PersonReference{ID: p.ID, SecurityMarking: p.SecurityMarking}
}

func (b *sampleBuilder) organisations() {
	b.huvudman = ss12000.Organisation{
		ID: sampleID("org/huvudman"), Meta: b.meta(), DisplayName: SampleHuvudmanName,
		OrganisationType: ss12000.OrganisationTypeHuvudman, OrganisationCode: "EXBY",
		OrganisationNumber: orgNumber("212000999"), MunicipalityCode: SampleMunicipality,
		Email: "kommun@" + SampleMailDomain, URL: "https://www." + SampleMailDomain,
	}
	unit := func(key, name, code string, st ss12000.SchoolTypesEnum, street string) ss12000.Organisation {
		return ss12000.Organisation{
			ID: sampleID("org/" + key), Meta: b.meta(), DisplayName: name,
			OrganisationType: ss12000.OrganisationTypeSkolenhet, OrganisationCode: strings.ToUpper(key),
			SchoolUnitCode: code, SchoolTypes: []ss12000.SchoolTypesEnum{st}, MunicipalityCode: SampleMunicipality,
			ParentOrganisation: orgRef(b.huvudman), StartDate: day("2001-07-01"),
			Email: key + "@" + SampleMailDomain, PhoneNumber: "+46 999 12 34 5" + fmt.Sprint(len(key)%10),
			Address: ss12000.OrganisationAddress{
				Type: ss12000.OrganisationAddressTypeBesoksadress, StreetAddress: street,
				PostalCode: "999 31", Locality: "Exempelby", Country: "Sverige",
			},
		}
	}
	b.gr = unit("exby-gr", SampleGRUnitName, SampleGRUnitCode, ss12000.SchoolTypesGR, "Skolvägen 7")
	b.gy = unit("exby-gy", SampleGYUnitName, SampleGYUnitCode, ss12000.SchoolTypesGY, "Åsgatan 12")
	b.ds.Organisations = []ss12000.Organisation{b.huvudman, b.gr, b.gy}
}

// orgNumber completes nine digits with the Luhn check digit as NNNNNN-NNNN.
func orgNumber(nine string) string {
	ten := nine + string(idnum.LuhnDigit(nine))
	return ten[:6] + "-" + ten[6:]
}

func (b *sampleBuilder) programmesAndSyllabuses() {
	b.syllabuses = map[string]ss12000.Syllabus{}
	syl := func(key string, st ss12000.SchoolTypesEnum, subject, code, course, courseCode string, points int) {
		s := ss12000.Syllabus{
			ID: sampleID("syllabus/" + key), Meta: b.meta(), SchoolType: st, SubjectName: subject,
			SubjectCode: code, CourseName: course, CourseCode: courseCode, Points: points, Official: true,
		}
		if st == ss12000.SchoolTypesGR {
			s.Curriculum = ss12000.CurriculumGR2011
			s.StartSchoolYear, s.EndSchoolYear = 7, 9
		} else {
			s.Curriculum = ss12000.CurriculumGY2011
		}
		b.syllabuses[key] = s
		b.ds.Syllabuses = append(b.ds.Syllabuses, s)
	}
	syl("gr-ma", ss12000.SchoolTypesGR, "Matematik", "GRGRMAT01", "", "", 0)
	syl("gr-sv", ss12000.SchoolTypesGR, "Svenska", "GRGRSVE01", "", "", 0)
	syl("gy-ma1c", ss12000.SchoolTypesGY, "Matematik", "MAT", "Matematik 1c", "MATMAT01c", 100)
	syl("gy-sv1", ss12000.SchoolTypesGY, "Svenska", "SVE", "Svenska 1", "SVESVE01", 100)
	for _, p := range []struct{ code, name string }{
		{"NA", "Naturvetenskapsprogrammet"}, {"TE", "Teknikprogrammet"}, {"SA", "Samhällsvetenskapsprogrammet"},
	} {
		b.programmes = append(b.programmes, ss12000.Programme{
			ID: sampleID("programme/" + p.code), Meta: b.meta(), Name: p.name, Code: p.code,
			SchoolType: ss12000.SchoolTypesGY, Type: ss12000.ProgrammeTypeHogskoleforberedandeProgram,
		})
	}
	b.ds.Programmes = b.programmes
	b.ds.SchoolUnitOfferings = []ss12000.SchoolUnitOffering{
		{ID: sampleID("offering/gr"), Meta: b.meta(), OfferedAt: orgRef(b.gr), StartDate: day(sampleTermStart), EndDate: day(sampleTermEnd),
			OfferedSyllabuses: []ss12000.SyllabusReference{{ID: b.syllabuses["gr-ma"].ID}, {ID: b.syllabuses["gr-sv"].ID}}},
		{ID: sampleID("offering/gy"), Meta: b.meta(), OfferedAt: orgRef(b.gy), StartDate: day(sampleTermStart), EndDate: day(sampleTermEnd),
			OfferedSyllabuses: []ss12000.SyllabusReference{{ID: b.syllabuses["gy-ma1c"].ID}, {ID: b.syllabuses["gy-sv1"].ID}},
			OfferedProgrammes: []ss12000.ProgrammeReference{{ID: b.programmes[0].ID}, {ID: b.programmes[1].ID}, {ID: b.programmes[2].ID}}},
	}
}

var (
	girls = []string{"Åsa", "Märta", "Linnéa", "Elsa", "Ebba", "Saga", "Astrid", "Signe", "Tuva", "Alice",
		"Maja", "Wilma", "Agnes", "Ines", "Selma", "Freja", "Leyla", "Amira", "Zoë", "Hedda"}
	boys = []string{"Jörgen", "Björn", "Måns", "Göran", "Sören", "Håkan", "Nils", "Hugo", "Elias", "Oscar",
		"Liam", "Noah", "Adam", "Matteo", "Ali", "Yusuf", "Olle", "Ture", "Viggo", "Loke"}
	families = []string{"Öberg", "Ängström", "Åkesson", "Lindström", "Söderberg", "Björk", "Nyström", "Andersson",
		"Johansson", "Karlsson", "Nilsson", "Eriksson", "Löfgren", "Hägglund", "Sjöberg", "Wallin", "Holm",
		"Lundqvist", "Mäkinen", "Yilmaz", "Hussein", "Nguyen", "Kowalski", "Fältskog", "Öhman", "Jönsson",
		"Persson", "Bergström", "Strömberg", "Dahlén", "Ek", "Sandström", "Åberg", "Källström", "Ström"}
	streets = []string{"Storgatan", "Kyrkvägen", "Björkvägen", "Ängsvägen", "Skolgatan", "Järnvägsgatan", "Östra Långgatan", "Sjövägen"}
)

// civic makes a valid-looking personnummer (12 digits) for a birth date and a serial; the
// birth number's last digit is even for women and odd for men, as in the real scheme.
func civic(birth time.Time, serial int, female bool) string {
	n := 100 + serial%880
	if (n%2 == 0) != female {
		n++
	}
	d := birth.Format("20060102") + fmt.Sprintf("%03d", n)
	return d + string(idnum.LuhnDigit(d[2:11]))
}

func ascii(s string) string {
	return strings.ToLower(strings.ReplaceAll(translit.ASCII(s, translit.Plain), " ", ""))
}

func (b *sampleBuilder) person(id, given, family string, birth time.Time, serial int, female bool, marking ss12000.SecurityMarking) ss12000.Person {
	sex := ss12000.SexMan
	if female {
		sex = ss12000.SexKvinna
	}
	p := ss12000.Person{
		ID: id, Meta: b.meta(), GivenName: given, FamilyName: family,
		CivicNo:   ss12000.CivicNo{Value: civic(birth, serial, female), Nationality: "SE"},
		BirthDate: openapi_types.Date{Time: birth}, Sex: sex, SecurityMarking: marking,
		PersonStatus: ss12000.PersonStatusAktiv,
	}
	if marking != ss12000.SecurityMarkingSkyddadFolkbokforing {
		p.Addresses = []ss12000.PersonAddress{{
			Type:          ss12000.PersonAddressTypeFolkbokforing,
			StreetAddress: fmt.Sprintf("%s %d", streets[serial%len(streets)], 1+serial%40),
			PostalCode:    fmt.Sprintf("999 %02d", 30+serial%40), Locality: "Exempelby", Country: "Sverige",
		}}
	}
	return p
}

// marking says which persons carry a marking: two siblings and their guardian with protected
// address, and three others with confidentiality marking.
func marking(key string) ss12000.SecurityMarking {
	switch key {
	case "student/5", "student/101", "guardian/5/0":
		return ss12000.SecurityMarkingSkyddadFolkbokforing
	case "student/17", "student/130", "staff/teacher-gr/3":
		return ss12000.SecurityMarkingSekretessmarkering
	}
	return ss12000.SecurityMarkingIngen
}

// studentID is a UUID for most students and a vendor-style id for a few.
func studentID(i int) string {
	switch i {
	case 42, 43:
		return fmt.Sprintf("elev-%d", 1000+i)
	case 120:
		return "elev-2120"
	}
	return sampleID(fmt.Sprintf("student/%d", i))
}

func sampleClass(i int) (name string, gr bool, year int) {
	c := i / sampleClassSize
	if c < sampleGRClasses {
		year = 7 + c/2
		return fmt.Sprintf("%d%c", year, 'A'+c%2), true, year
	}
	y := c - sampleGRClasses // 0: first year
	return []string{"NA25", "TE24", "SA23"}[y], false, y + 1
}

func (b *sampleBuilder) people() {
	// Families: GR student f (f < 48) is the sibling of GY student 96+f; GR students 48-95
	// are only children. Even families have two guardians, odd ones one.
	nFamilies := sampleGRClasses * sampleClassSize
	b.guardians = make([][]ss12000.Person, nFamilies)
	for f := range nFamilies {
		family := families[f%len(families)]
		n := 1
		if f%2 == 0 {
			n = 2
		}
		for g := range n {
			key := fmt.Sprintf("guardian/%d/%d", f, g)
			female := (f+g)%2 == 0
			given := boys[(f*3+g)%len(boys)]
			if female {
				given = girls[(f*7+g)%len(girls)]
			}
			birth := time.Date(1972+(f*5+g*3)%18, time.Month(1+(f+g*5)%12), 1+(f*3+g)%28, 0, 0, 0, 0, time.UTC)
			id := sampleID(key)
			if f == 7 && g == 0 {
				id = "vh-3007"
			}
			p := b.person(id, given, family, birth, 300+f*2+g, female, marking(key))
			if f%3 != 0 && p.SecurityMarking == ss12000.SecurityMarkingIngen {
				p.Emails = []ss12000.Email{{Type: ss12000.EmailTypePrivat, Value: ascii(given) + "." + ascii(family) + fmt.Sprint(f) + "@example.com"}}
			}
			if f%4 == 1 {
				p.PhoneNumbers = []ss12000.Phonenumber{{Type: ss12000.PhonenumberTypeHem, Value: fmt.Sprintf("+46 70 %03d %02d %02d", 100+f, f%100, g), Mobile: true}}
			}
			b.guardians[f] = append(b.guardians[f], p)
		}
	}
	for i := range sampleStudents {
		name, gr, year := sampleClass(i)
		f := i
		if i >= nFamilies {
			f = i - nFamilies
		}
		female := i%2 == 0
		given := boys[(i*7)%len(boys)]
		if female {
			given = girls[(i*3)%len(girls)]
		}
		birthYear := 2025 - (year + 6)
		if !gr {
			birthYear = 2025 - (year + 15)
		}
		birth := time.Date(birthYear, time.Month(1+(i*7)%12), 1+(i*11)%28, 0, 0, 0, 0, time.UTC)
		key := fmt.Sprintf("student/%d", i)
		p := b.person(studentID(i), given, families[f%len(families)], birth, i*37, female, marking(key))
		unit, st := b.gr, ss12000.SchoolTypesGR
		if !gr {
			unit, st = b.gy, ss12000.SchoolTypesGY
		}
		startYear := 2025 - (year - 1)
		if gr {
			startYear = 2025 - (year - 7)
		}
		e := ss12000.Enrolment{
			EnroledAt: ss12000.SchoolUnitReference{ID: unit.ID}, SchoolType: st, SchoolYear: year,
			StartDate: day(fmt.Sprintf("%d-08-%d", startYear, 18-(2025-startYear))),
		}
		if (gr && year == 9) || (!gr && year == 3) {
			e.EndDate = day(sampleTermEnd)
		}
		if !gr {
			e.Programme = ss12000.ProgrammeReference{ID: b.programmes[(i/sampleClassSize-sampleGRClasses)%len(b.programmes)].ID}
			e.EducationCode = name[:2]
		}
		p.Enrolments = []ss12000.Enrolment{e}
		for _, g := range b.guardians[f] {
			p.Responsibles = append(p.Responsibles, ss12000.Responsible{Person: personRef(g), RelationType: ss12000.RelationTypesVardnadshavare})
		}
		if i%13 != 12 { // most, not all, have school accounts
			local := ascii(given) + "." + ascii(p.FamilyName) + fmt.Sprintf("%02d", i%100)
			p.EduPersonPrincipalNames = []string{local + "@" + SampleMailDomain}
			p.Emails = []ss12000.Email{{Type: ss12000.EmailTypeSkolaElev, Value: local + "@elev." + SampleMailDomain}}
		}
		if i%10 == 3 {
			p.ExternalIdentifiers = []ss12000.ExternalIdentifier{{Context: "https://skolplattform.exempelby.se", Value: fmt.Sprintf("SP-%05d", 20000+i), GloballyUnique: false}}
		}
		b.students = append(b.students, p)
	}
	// Staff.
	staff := func(key, given, family string, female bool, serial int, role ss12000.DutyRole, unit ss12000.Organisation) ss12000.Duty {
		birth := time.Date(1962+serial%32, time.Month(1+serial%12), 1+(serial*5)%28, 0, 0, 0, 0, time.UTC)
		p := b.person(sampleID("staff/"+key), given, family, birth, 500+serial, female, marking("staff/"+key))
		local := ascii(given) + "." + ascii(family)
		if key != "teacher-gy/9" { // one teacher has no school account yet
			p.EduPersonPrincipalNames = []string{local + "@" + SampleMailDomain}
			p.Emails = []ss12000.Email{{Type: ss12000.EmailTypeSkolaPersonal, Value: local + "@" + SampleMailDomain}}
		}
		p.PhoneNumbers = []ss12000.Phonenumber{{Type: ss12000.PhonenumberTypeArbete, Value: fmt.Sprintf("+46 999 20 %02d %02d", serial%100, serial%7), Mobile: false}}
		b.staff = append(b.staff, p)
		sig := strings.ToUpper(ascii(given)[:2] + ascii(family)[:2])
		return ss12000.Duty{
			ID: sampleID("duty/" + key), Meta: b.meta(), Person: personRef(p), DutyAt: orgRef(unit),
			DutyRole: role, DutyPercent: 100, Signature: sig, StartDate: day(fmt.Sprintf("%d-08-01", 2010+serial%14)),
		}
	}
	duties := []ss12000.Duty{
		staff("principal-gr", "Åsa", "Ängström", true, 1, ss12000.DutyRoleRektor, b.gr),
		staff("principal-gy", "Jörgen", "Öberg", false, 2, ss12000.DutyRoleRektor, b.gy),
	}
	for t := range sampleGRTeachers {
		female := t%3 != 0
		given := boys[(t*5+1)%len(boys)]
		if female {
			given = girls[(t*5+2)%len(girls)]
		}
		d := staff(fmt.Sprintf("teacher-gr/%d", t), given, families[(t*11+3)%len(families)], female, 10+t, ss12000.DutyRoleLarare, b.gr)
		b.grTeachers = append(b.grTeachers, d)
	}
	for t := range sampleGYTeachers {
		female := t%2 == 0
		given := boys[(t*3+4)%len(boys)]
		if female {
			given = girls[(t*3+5)%len(girls)]
		}
		d := staff(fmt.Sprintf("teacher-gy/%d", t), given, families[(t*7+5)%len(families)], female, 30+t, ss12000.DutyRoleLarare, b.gy)
		b.gyTeachers = append(b.gyTeachers, d)
	}
	duties = append(duties, staff("syv", "Märta", "Dahlén", true, 40, ss12000.DutyRoleStudieOchYrkesvagledare, b.gy))
	nurse := staff("nurse", "Göran", "Källström", false, 41, ss12000.DutyRoleSkolskoterska, b.gr)
	nurse.DutyPercent = 50
	duties = append(duties, nurse)
	b.ds.Persons = append(b.ds.Persons, b.students...)
	for _, gs := range b.guardians {
		b.ds.Persons = append(b.ds.Persons, gs...)
	}
	b.ds.Persons = append(b.ds.Persons, b.staff...)
	// Teachers' duties get their mentor roles in groups(); keep them for now.
	b.ds.Duties = duties
}

func (b *sampleBuilder) groups() {
	start, end := day(sampleTermStart), day(sampleTermEnd)
	for c := range sampleGRClasses + sampleGYClasses {
		name, gr, _ := sampleClass(c * sampleClassSize)
		unit, st, teachers := b.gr, ss12000.SchoolTypesGR, b.grTeachers
		subjects := [][2]string{{"Matematik", "gr-ma"}, {"Svenska", "gr-sv"}}
		if !gr {
			unit, st, teachers = b.gy, ss12000.SchoolTypesGY, b.gyTeachers
			subjects = [][2]string{{"Matematik 1c", "gy-ma1c"}, {"Svenska 1", "gy-sv1"}}
		}
		var members []ss12000.GroupMembership
		for i := c * sampleClassSize; i < (c+1)*sampleClassSize; i++ {
			members = append(members, ss12000.GroupMembership{Person: personRef(b.students[i]), StartDate: start})
		}
		class := ss12000.Group{
			ID: sampleID("group/class/" + name), Meta: b.meta(), DisplayName: name, GroupType: ss12000.GroupTypesKlass,
			SchoolType: st, Organisation: orgRef(unit), StartDate: start, EndDate: end, GroupMemberships: members,
		}
		b.ds.Groups = append(b.ds.Groups, class)
		// The class's mentor.
		local := c
		if !gr {
			local = c - sampleGRClasses
		}
		mentor := &teachers[local%len(teachers)]
		mentor.AssignmentRole = append(mentor.AssignmentRole, ss12000.DutyAssignmentRole{
			AssignmentRoleType: ss12000.AssignmentRoleTypeMentor, Group: ss12000.GroupReference{ID: class.ID}, StartDate: start, EndDate: end,
		})
		for j, sub := range subjects {
			g := ss12000.Group{
				ID: sampleID("group/teaching/" + name + "/" + sub[1]), Meta: b.meta(), DisplayName: name + " " + sub[0],
				GroupType: ss12000.GroupTypesUndervisning, SchoolType: st, Organisation: orgRef(unit),
				StartDate: start, EndDate: end, GroupMemberships: members,
			}
			b.ds.Groups = append(b.ds.Groups, g)
			b.teaching = append(b.teaching, teachingGroup{group: g, subject: sub[1], teacher: teachers[(local*2+j+1)%len(teachers)], unit: unit})
		}
	}
	b.ds.Duties = append(b.ds.Duties, b.grTeachers...)
	b.ds.Duties = append(b.ds.Duties, b.gyTeachers...)
}

func (b *sampleBuilder) activities() {
	start, end := day(sampleTermStart), day(sampleTermEnd)
	monday := time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC)
	for i, tg := range b.teaching {
		a := ss12000.Activity{
			ID: sampleID("activity/" + tg.group.ID), Meta: b.meta(), DisplayName: tg.group.DisplayName,
			ActivityType: ss12000.ActivityActivityTypeUndervisning, Organisation: orgRef(tg.unit),
			Groups:   []ss12000.GroupReference{{ID: tg.group.ID}},
			Teachers: []ss12000.DutyAssignment{{Duty: ss12000.DutyReference{ID: tg.teacher.ID}, Grader: true}},
			Syllabus: ss12000.SyllabusReference{ID: b.syllabuses[tg.subject].ID}, StartDate: start, EndDate: end,
			CalendarEventsRequired: true, MinutesPlanned: 3600,
		}
		b.ds.Activities = append(b.ds.Activities, a)
		// Two lessons in the first week of September (times in UTC; 08:00 and 10:00 local summer time).
		for l := range 2 {
			st := monday.Add(time.Duration(l*2+i%3)*24*time.Hour + time.Duration(6+2*(i%3))*time.Hour)
			b.ds.CalendarEvents = append(b.ds.CalendarEvents, ss12000.CalendarEvent{
				ID: sampleID(fmt.Sprintf("event/%s/%d", a.ID, l)), Meta: b.meta(), Activity: ss12000.ActivityReference{ID: a.ID},
				StartTime: st, EndTime: st.Add(60 * time.Minute), TeachingLengthStudent: 60, TeachingLengthTeacher: 60,
			})
		}
	}
}

func (b *sampleBuilder) rooms() {
	for i, n := range []string{"A101", "A102", "A201", "B104", "Aulan"} {
		owner := b.gr
		if i >= 3 {
			owner = b.gy
		}
		b.ds.Rooms = append(b.ds.Rooms, ss12000.Room{ID: sampleID("room/" + n), Meta: b.meta(), DisplayName: n, Owner: orgRef(owner), Seats: 30 + 4*i})
	}
	b.ds.Resources = []ss12000.Resource{
		{ID: sampleID("resource/projektor-1"), Meta: b.meta(), DisplayName: "Projektor 1", Description: "Bärbar projektor", Owner: orgRef(b.gr)},
		{ID: sampleID("resource/labbvagn"), Meta: b.meta(), DisplayName: "Labbvagn kemi", Owner: orgRef(b.gy)},
	}
}
