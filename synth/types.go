package synth

import (
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// ID identifies one record of a Population: a person, organisation, group, membership and so on.
// It is 128 bits drawn from the seeded generator and shaped as a version 4 UUID, so
// ID.String gives a value every UUID-typed API accepts (SS 12000 ids, Ladok UIDs, Schulconnex
// ids). IDs are stable: NextDay keeps every surviving record's ID, and new records get new IDs.
// The zero ID means "none".
type ID [16]byte

// String returns the ID in canonical UUID form (lower-case hex, 8-4-4-4-12).
func (id ID) String() string {
	var b [36]byte
	hex.Encode(b[0:8], id[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], id[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], id[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], id[8:10])
	b[23] = '-'
	hex.Encode(b[24:], id[10:16])
	return string(b[:])
}

// IsZero reports whether id is the zero ID ("none").
func (id ID) IsZero() bool { return id == ID{} }

// MarshalText encodes the ID as its UUID string.
func (id ID) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

// UnmarshalText parses the canonical UUID form.
func (id *ID) UnmarshalText(b []byte) error {
	v, err := ParseID(string(b))
	if err != nil {
		return err
	}
	*id = v
	return nil
}

// ParseID parses an ID from its canonical UUID form.
func ParseID(s string) (ID, error) {
	var id ID
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return id, errors.New("synth: ID must be a UUID (8-4-4-4-12 hex digits)")
	}
	h := s[0:8] + s[9:13] + s[14:18] + s[19:23] + s[24:36]
	if _, err := hex.Decode(id[:], []byte(h)); err != nil {
		return ID{}, errors.New("synth: ID must be a UUID (8-4-4-4-12 hex digits)")
	}
	return id, nil
}

// Date is a calendar date packed as the decimal number YYYYMMDD (20260914 is 14 September 2026),
// so dates compare with < and print readably. The zero Date means "no date" (an open end date,
// an unknown value).
type Date uint32

// NewDate returns the Date for year, month and day. It does not normalise: pass a real date.
func NewDate(year int, month time.Month, day int) Date {
	return Date(year*10000 + int(month)*100 + day)
}

// DateOf returns the calendar date of t in t's location.
func DateOf(t time.Time) Date { return NewDate(t.Year(), t.Month(), t.Day()) }

// Year, Month and Day return the parts of d.
func (d Date) Year() int { return int(d / 10000) }

// Month returns the month of d.
func (d Date) Month() time.Month { return time.Month(d / 100 % 100) }

// Day returns the day of the month of d.
func (d Date) Day() int { return int(d % 100) }

// IsZero reports whether d is the zero Date ("no date").
func (d Date) IsZero() bool { return d == 0 }

// Time returns midnight UTC of d (the zero time.Time for the zero Date).
func (d Date) Time() time.Time {
	if d == 0 {
		return time.Time{}
	}
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
}

// Sub returns the number of days from e to d (d - e).
func (d Date) Sub(e Date) int { return d.days() - e.days() }

// AddDays returns the date n days after d (before, for negative n).
func (d Date) AddDays(n int) Date { return dateOfDays(d.days() + n) }

// days returns the number of days from 1970-01-01 to d in the proleptic Gregorian calendar,
// with integer arithmetic only (the calendar counting of H. Hinnant's days_from_civil), which
// is many times faster than going through time.Time; the exam calendar counts days a lot.
func (d Date) days() int {
	y, m, dd := d.Year(), int(d.Month()), d.Day()
	if m <= 2 {
		y--
	}
	era := y / 400 // years are positive
	yoe := y - era*400
	doy := (153*((m+9)%12)+2)/5 + dd - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// dateOfDays is the inverse of days.
func dateOfDays(z int) Date {
	z += 719468
	era := z / 146097
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	dd := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if mp >= 10 {
		m = mp - 9
		y++
	}
	return NewDate(y, time.Month(m), dd)
}

// String returns d as YYYY-MM-DD (ISO 8601), or "" for the zero Date.
func (d Date) String() string {
	if d == 0 {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year(), int(d.Month()), d.Day())
}

// MarshalText encodes d as YYYY-MM-DD ("" for the zero Date).
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// Country chooses names, places, identity numbers, school forms and vocabulary.
type Country string

// The supported countries.
const (
	Sweden  Country = "SE" // Swedish names, personnummer and samordningsnummer, SS 12000 vocabulary
	Germany Country = "DE" // German names and birth places, no national identity number
	Norway  Country = "NO" // Norwegian names, fødselsnummer and D-numbers
)

// Sex of a person. For Swedish and Norwegian numbers it agrees with the number's sex digit.
type Sex uint8

// The values of Sex. SS 12000 writes them Kvinna, Man, Okänt; Schulconnex w, m, d/x.
const (
	SexUnknown Sex = iota // not known or not stated
	Female
	Male
	SexOther // German "divers"; only in German populations
)

// String returns "unknown", "female", "male" or "other".
func (s Sex) String() string {
	switch s {
	case Female:
		return "female"
	case Male:
		return "male"
	case SexOther:
		return "other"
	}
	return "unknown"
}

// SecurityMarking is a person's protected-identity status as Swedish registers record it.
type SecurityMarking uint8

// The values of SecurityMarking.
const (
	SecurityNone         SecurityMarking = iota // "Ingen": no marking
	SecurityConfidential                        // "Sekretessmarkering"
	SecurityProtected                           // "Skyddad folkbokföring" (protected population registration)
)

// String returns the SS 12000 value: "Ingen", "Sekretessmarkering" or "Skyddad folkbokföring".
func (m SecurityMarking) String() string {
	switch m {
	case SecurityConfidential:
		return "Sekretessmarkering"
	case SecurityProtected:
		return "Skyddad folkbokföring"
	}
	return "Ingen"
}

// Norwegian returns the Norwegian register's name for the marking: "strengt fortrolig" for
// SecurityProtected (a strictly confidential address), "fortrolig" for SecurityConfidential, ""
// for none.
func (m SecurityMarking) Norwegian() string {
	switch m {
	case SecurityConfidential:
		return "fortrolig"
	case SecurityProtected:
		return "strengt fortrolig"
	}
	return ""
}

// IsProtected reports whether m is any marking other than SecurityNone.
func (m SecurityMarking) IsProtected() bool { return m != SecurityNone }

// CivicNoKind says what kind of national identity number Person.CivicNo holds.
type CivicNoKind uint8

// The values of CivicNoKind.
const (
	NoCivicNo         CivicNoKind = iota // no number (German persons; some exchange students)
	Personnummer                         // Swedish personnummer, 12 digits YYYYMMDDNNNC
	Samordningsnummer                    // Swedish coordination number: day + 60, 12 digits
	Fodselsnummer                        // Norwegian fødselsnummer, 11 digits DDMMYYIIIKK
	DNumber                              // Norwegian D-number: day + 40, 11 digits
)

// String returns the kind's name ("personnummer", "samordningsnummer", "fødselsnummer",
// "d-nummer", or "" for none).
func (k CivicNoKind) String() string {
	switch k {
	case Personnummer:
		return "personnummer"
	case Samordningsnummer:
		return "samordningsnummer"
	case Fodselsnummer:
		return "fødselsnummer"
	case DNumber:
		return "d-nummer"
	}
	return ""
}

// Role is a bit set of the parts a person plays. A person can be a guardian and a member of
// staff at once (a teacher whose child goes to school in the same municipality).
type Role uint8

// The bits of Role.
const (
	RoleStudent  Role = 1 << iota // enrolled at a school unit (Enrolment) or a university student
	RoleStaff                     // has at least one Duty
	RoleGuardian                  // guardian of at least one student (Guardianship)
)

// Has reports whether r includes every bit of q.
func (r Role) Has(q Role) bool { return r&q == q }

// String lists the bits, e.g. "staff|guardian".
func (r Role) String() string {
	s := ""
	for _, x := range []struct {
		b Role
		n string
	}{{RoleStudent, "student"}, {RoleStaff, "staff"}, {RoleGuardian, "guardian"}} {
		if r&x.b != 0 {
			if s != "" {
				s += "|"
			}
			s += x.n
		}
	}
	return s
}

// Flag marks the hard cases a record was made to be, so tests of matching code know what they
// are looking at. Flags never change how a record looks to a consumer; they only label it.
type Flag uint8

// The bits of Flag.
const (
	// FlagTwin: another person has the same given names, family name and birth date (with a
	// different identity number). Both persons of the pair carry the flag.
	FlagTwin Flag = 1 << iota
	// FlagDuplicateName: another person of the same role has the same given and family names
	// and a different birth date. Both carry the flag.
	FlagDuplicateName
	// FlagMissingBirthPlace: BirthPlace was left empty on purpose.
	FlagMissingBirthPlace
	// FlagTypo: a name was registered with a typing error; Population.Typos has the intended spelling.
	FlagTypo
	// FlagNoEmail: the person has no e-mail address although persons of the same role do.
	FlagNoEmail
)

// Person is a student, a member of staff or a guardian (Roles says which).
type Person struct {
	// ID is the stable source key of the person (also the Ladok UID of a university student).
	ID ID
	// GivenName holds all given names as registered, separated by spaces ("Anna Maria",
	// "Karl-Heinz Otto"); hyphenated names are one name. GivenNames splits them.
	GivenName string
	// FamilyName as registered; may be a double name ("Müller-Lüdenscheidt", "Lindqvist Öberg")
	// or carry a particle ("von Bülow").
	FamilyName string
	// BirthDate is always set.
	BirthDate Date
	// BirthPlace is a town ("Göteborg", "Lüdenscheid", "Tromsø", or abroad); empty for the hard
	// case FlagMissingBirthPlace.
	BirthPlace string
	Sex        Sex
	// CivicNo is the national identity number without separators: 12 digits for Swedish
	// numbers (YYYYMMDDNNNC), 11 for Norwegian ones (DDMMYYIIIKK), "" for none (CivicNoKind).
	CivicNo     string
	CivicNoKind CivicNoKind
	// Security is the protected-identity marking.
	Security SecurityMarking
	// Email is the address the school or university gave (students, staff) or a private one
	// (guardians); "" for some persons (FlagNoEmail) and for preschool children.
	Email string
	// EPPN is the eduPersonPrincipalName (user@realm) for students and staff who have one; ""
	// for the others, for preschool children and always for guardians.
	EPPN  string
	Roles Role
	// Flags labels the hard cases.
	Flags Flag
}

// GivenNames returns the given names one by one ("Anna Maria" -> ["Anna", "Maria"]).
func (p *Person) GivenNames() []string { return splitSpaces(p.GivenName) }

// OrgType is the kind of an Organisation.
type OrgType uint8

// The values of OrgType.
const (
	OrgPrincipal  OrgType = iota + 1 // the school principal: a municipality (SS 12000 "Huvudman"), a Schulträger
	OrgSchoolUnit                    // a school unit (SS 12000 "Skolenhet") with a school-unit code
	OrgUniversity                    // a university or college (the root of a university population)
	OrgDepartment                    // a department of a university ("Institution")
)

// String returns the SS 12000 organisation type for principals and school units ("Huvudman",
// "Skolenhet"), "Lärosäte" and "Institution" for the university types.
func (t OrgType) String() string {
	switch t {
	case OrgPrincipal:
		return "Huvudman"
	case OrgSchoolUnit:
		return "Skolenhet"
	case OrgUniversity:
		return "Lärosäte"
	case OrgDepartment:
		return "Institution"
	}
	return ""
}

// SchoolType is a school form in SS 12000's codes. Populations of every country use these
// codes as a neutral classification (a German Grundschule is GR, a Gymnasium GY, a Kita FS;
// a Norwegian videregående skole is GY); Organisation.Name carries the local name.
type SchoolType string

// The school forms synth generates.
const (
	SchoolFS     SchoolType = "FS"     // preschool (förskola, Kita, barnehage); children aged 1-5
	SchoolFKLASS SchoolType = "FKLASS" // Swedish preschool class (förskoleklass), grade 0
	SchoolGR     SchoolType = "GR"     // compulsory school (grundskola, Grundschule, grunnskole)
	SchoolGRS    SchoolType = "GRS"    // compulsory school for pupils with learning disabilities (anpassad grundskola, Förderschule)
	SchoolGY     SchoolType = "GY"     // upper secondary (gymnasium, Gymnasium, videregående)
)

// Organisation is a principal, a school unit, a university or a department.
type Organisation struct {
	ID ID
	// Parent is the principal of a school unit or the university of a department; zero for a root.
	Parent ID
	Type   OrgType
	// Name in the country's language ("Björkhagaskolan", "Goethe-Gymnasium", "Tåsen skole").
	Name string
	// Code is the school-unit code for school units (8 digits, unique), the organisation number
	// for principals and universities ("212000-0142"), a short code for departments ("DSV").
	Code string
	// SchoolTypes offered by a school unit, in a fixed order; empty for other organisations.
	SchoolTypes []SchoolType
	// MunicipalityCode is the four-digit Swedish or Norwegian municipality code (the German
	// Gemeindeschlüssel's last digits for German populations).
	MunicipalityCode string
	// Email of the organisation; "" for departments.
	Email string
}

// Enrolment places a student at a school unit (SS 12000 person.enrolments).
type Enrolment struct {
	ID         ID
	Person     ID
	SchoolUnit ID
	SchoolType SchoolType
	// SchoolYear is the grade: 0 for FKLASS, 1.. for GR, GRS and GY; -1 for preschool children.
	SchoolYear int8
	// Programme is the upper-secondary programme code ("NA", "TE", ...), "" otherwise.
	Programme string
	Start     Date
	End       Date // zero: open
}

// RelationType is how a guardian is related to a student, in SS 12000 words.
type RelationType uint8

// The values of RelationType.
const (
	Vardnadshavare RelationType = iota // "Vårdnadshavare": legal guardian (German Erziehungsberechtigte, Norwegian foresatt)
	AnnanAnsvarig                      // "Annan ansvarig": other responsible adult
	GodMan                             // "God man": appointed guardian (for unaccompanied minors)
)

// String returns the SS 12000 value.
func (r RelationType) String() string {
	switch r {
	case AnnanAnsvarig:
		return "Annan ansvarig"
	case GodMan:
		return "God man"
	}
	return "Vårdnadshavare"
}

// Guardianship links a student to a guardian (SS 12000 person.responsibles; a Schulconnex
// "Eltern" context). Every guardian has at least one student.
type Guardianship struct {
	ID       ID
	Student  ID
	Guardian ID
	Relation RelationType
}

// DutyRole is a staff role in SS 12000 words ("Lärare", "Rektor", "Förskollärare", ...). German
// and Norwegian populations use the same words; converters map them (Lärare -> Lehr, Rektor ->
// Leit, ...).
type DutyRole string

// The duty roles synth generates (all are SS 12000 dutyRole values).
const (
	DutyTeacher          DutyRole = "Lärare"
	DutyLeadTeacher      DutyRole = "Förstelärare"
	DutyPrincipal        DutyRole = "Rektor"
	DutyPreschoolTeacher DutyRole = "Förskollärare"
	DutyChildMinder      DutyRole = "Barnskötare"
	DutyLeisureTeacher   DutyRole = "Fritidspedagog"
	DutySpecialTeacher   DutyRole = "Speciallärare/specialpedagog"
	DutyNurse            DutyRole = "Skolsköterska"
	DutyCounsellor       DutyRole = "Kurator"
	DutyCareerAdviser    DutyRole = "Studie- och yrkesvägledare"
	DutyAdministrator    DutyRole = "Skoladministratör"
	DutyTeacherAssistant DutyRole = "Lärarassistent"
	DutyLibrarian        DutyRole = "Bibliotekarie"
	DutyOther            DutyRole = "Annan personal"
)

// Duty employs a member of staff at an organisation (SS 12000 duties). A few staff have duties
// at two school units.
type Duty struct {
	ID           ID
	Person       ID
	Organisation ID
	Role         DutyRole
	// Signature is the short staff code ("ANLA"), unique within the organisation.
	Signature string
	// Percent is the part of full time (1-100).
	Percent uint8
	Start   Date
	End     Date // zero: open
}

// GroupType is the kind of a Group, in SS 12000 words.
type GroupType uint8

// The values of GroupType.
const (
	GroupClass    GroupType = iota + 1 // "Klass": a class (German Klasse)
	GroupTeaching                      // "Undervisning": a teaching group for one subject (German Kurs)
	GroupMentor                        // "Mentor": a mentor group
	GroupUnit                          // "Avdelning": a preschool unit
	GroupStaff                         // "Personalgrupp": a staff team
)

// String returns the SS 12000 group type.
func (t GroupType) String() string {
	switch t {
	case GroupClass:
		return "Klass"
	case GroupTeaching:
		return "Undervisning"
	case GroupMentor:
		return "Mentor"
	case GroupUnit:
		return "Avdelning"
	case GroupStaff:
		return "Personalgrupp"
	}
	return ""
}

// Group is a class, teaching group, mentor group, preschool unit or staff team at a school unit.
type Group struct {
	ID           ID
	Organisation ID
	Type         GroupType
	// Name is the display name ("7B", "Matematik 7B", "NA2A", "Mentor 8C", "Avdelning Ekorren").
	Name string
	// Code is a short code unique within the school unit ("7B", "MA7B").
	Code       string
	SchoolType SchoolType // "" for staff teams
	// SchoolYear is the grade (see Enrolment.SchoolYear); -1 when the group has none.
	SchoolYear int8
	// Subject of a teaching group in the country's language ("Matematik", "Deutsch"); "" otherwise.
	Subject string
	Start   Date
	End     Date
}

// MemberRole is what a person is in a group.
type MemberRole uint8

// The values of MemberRole.
const (
	MemberStudent MemberRole = iota + 1 // a learner (Schulconnex Lern)
	MemberTeacher                       // teaches the group (Schulconnex Lehr)
	MemberMentor                        // mentor of a class or mentor group
	MemberStaff                         // member of a staff team or a preschool unit's staff
)

// String returns "student", "teacher", "mentor" or "staff".
func (r MemberRole) String() string {
	switch r {
	case MemberStudent:
		return "student"
	case MemberTeacher:
		return "teacher"
	case MemberMentor:
		return "mentor"
	case MemberStaff:
		return "staff"
	}
	return ""
}

// Membership puts a person in a group for a period (SS 12000 group.groupMemberships; a
// Schulconnex group membership with a role).
type Membership struct {
	ID     ID
	Group  ID
	Person ID
	Role   MemberRole
	Start  Date
	End    Date // zero: open
}

// CourseOffering is one run of a university course (Ladok kurstillfälle).
type CourseOffering struct {
	ID ID // the kurstillfälle's UID
	// CourseCode is the course's code ("DA1234"); the same course has several offerings.
	CourseCode string
	// OfferingCode is the five-digit tillfälleskod, unique within a term ("10234").
	OfferingCode string
	// NameSV is the name in the country's language (Swedish in Swedish populations, German or
	// Norwegian otherwise); NameEN the English name.
	NameSV string
	NameEN string
	// Credits in higher-education credits (hp), e.g. 7.5.
	Credits float64
	// Term is "HT2026" (autumn) or "VT2027" (spring).
	Term  string
	Start Date
	End   Date
	// Pace is the study pace in percent (50, 100).
	Pace int
	// Department is the Organisation (OrgDepartment) that gives the course.
	Department ID
	// Teachers are persons with a Duty at the department; the first one is the examiner.
	Teachers []ID
}

// Programme is a study programme (Ladok utbildning of type program).
type Programme struct {
	ID   ID
	Code string // "DAKAN", "MAMAS"
	// NameSV is the name in the country's language (see CourseOffering.NameSV); NameEN the English name.
	NameSV     string
	NameEN     string
	Credits    float64 // 180, 300
	Department ID
}

// ProgrammeOffering is one intake of a programme (Ladok kurspaketeringstillfälle).
type ProgrammeOffering struct {
	ID        ID
	Programme ID
	// Code is the five-digit offering code.
	Code  string
	Term  string // the start term, "HT2026"
	Start Date
	// Courses are the course offerings of the intake's current term that its students take.
	Courses []ID
}

// AdmissionKind says whether an admission is to a course or to a programme.
type AdmissionKind uint8

// The values of AdmissionKind.
const (
	AdmittedToCourse    AdmissionKind = iota + 1 // Offering is a CourseOffering
	AdmittedToProgramme                          // Offering is a ProgrammeOffering
)

// Admission admits a student to a course offering or programme offering (Ladok antagning;
// Canvas-side it means expected participation).
type Admission struct {
	ID       ID
	Person   ID
	Kind     AdmissionKind
	Offering ID
	Date     Date
}

// Registration registers a student on a course offering for its term (Ladok registrering).
type Registration struct {
	ID             ID
	Person         ID
	CourseOffering ID
	Date           Date
	// Repeat is true for a re-registration (omregistrering) on an offering of a course the
	// student was registered on before.
	Repeat bool
}

// Typo records a name registered with a typing error.
type Typo struct {
	Person ID
	// Field is "GivenName" or "FamilyName".
	Field string
	// Intended is the correct spelling (the field holds the misspelt one).
	Intended string
}

// Population is a generated world: organisations, persons and their relations on one day.
//
// Slices hold records in a fixed, deterministic order; references between records are IDs
// (every reference points at a record in the same Population). Use NewIndex for lookups and the
// iterator methods (Students, MembersOf, ...) to stream without copying. A Population is not
// modified by any function of this package after Generate or NextDay returns it; treat it as
// read-only (NextDay returns a new one that shares unchanged strings with the old).
type Population struct {
	// Options are the validated options the population was generated with (defaults filled in).
	Options Options
	// Today is the day the population describes; NextDay advances it by one.
	Today Date

	Organisations []Organisation
	Persons       []Person
	Enrolments    []Enrolment
	Guardianships []Guardianship
	Duties        []Duty
	Groups        []Group
	Memberships   []Membership

	CourseOfferings    []CourseOffering
	Programmes         []Programme
	ProgrammeOfferings []ProgrammeOffering
	Admissions         []Admission
	Registrations      []Registration

	// The exam term's records (Norwegian universities; see Options.ExamCandidates).
	ExamUnits    []ExamUnit
	Committees   []Committee
	Candidates   []Candidate
	Theses       []Thesis
	Explanations []Explanation
	Appeals      []Appeal

	// Typos lists the persons whose name was registered with a typing error and the intended
	// spelling (NextDay corrects some of them).
	Typos []Typo
}

func splitSpaces(s string) []string {
	var out []string
	start := -1
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ' ' {
			if start >= 0 {
				out = append(out, s[start:i])
				start = -1
			}
		} else if start < 0 {
			start = i
		}
	}
	return out
}
