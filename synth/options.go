package synth

import (
	"errors"
	"fmt"
	"time"
)

// Options says what Generate makes. Start from PresetOptions and change what you need: every
// count and share is used as given (a zero count makes none of that record), only Country,
// Today, Domain, PrincipalName, ClassSize and FileScale have defaults when left zero.
//
// A population can hold schools (SchoolUnits, Students, ...), a university
// (UniversityStudents, CourseOfferings, ...) or both.
type Options struct {
	// Seed makes the population: the same Seed and Options give byte-identical output
	// (Population.WriteTo) on every machine.
	Seed uint64
	// Country chooses names, places, identity numbers and school forms; default Sweden.
	Country Country
	// Today is the day the population describes; default 2026-09-14 (a Monday in the autumn
	// term). Birth dates, school years and terms follow from it; it is never the clock's date.
	Today Date
	// Domain is the e-mail and EPPN realm of the principal or university; default by country
	// ("stad.example.se", "schule.example.de", "kommune.example.no"; "uni.example.se" for
	// university-only populations).
	Domain string
	// PrincipalName names the principal organisation (default by country: "Storstads kommun",
	// "Stadt Musterstadt", "Fjordby kommune") or, for university-only populations, the university.
	PrincipalName string

	// SchoolUnits is the number of school units (preschools, compulsory and upper-secondary
	// schools). With more than one, about 30% are preschools, 50% compulsory schools, 12%
	// upper-secondary schools and 8% special schools; the first unit is always a compulsory school.
	SchoolUnits int
	// Students enrolled at the school units (preschool children included).
	Students int
	// Staff with duties at the school units; at least one per unit (its principal).
	Staff int
	// Guardians of the students; at most twice Students. Siblings share guardians.
	Guardians int
	// Groups in total: classes, preschool units, mentor groups and one staff team per unit
	// are made first, the rest are teaching groups. It must leave room for one class per grade.
	Groups int
	// Memberships is the target for group memberships in total (students, teachers, staff);
	// the result is within a few percent of it when the groups allow that many.
	Memberships int
	// ClassSize is the largest class; default 25.
	ClassSize int

	// UniversityStudents, with personnummer (and some samordningsnummer or none), e-mails and EPPNs.
	UniversityStudents int
	// UniversityStaff are teachers and examiners with duties at departments.
	UniversityStaff int
	// Departments of the university; at least 1 when there are university records.
	Departments int
	// CourseOfferings (kurstillfällen) in the current and previous term.
	CourseOfferings int
	// Programmes and ProgrammeOfferings (intakes; at least one per programme when there are programmes).
	Programmes         int
	ProgrammeOfferings int
	// Registrations on course offerings in total; every registration has an admission, and
	// programme students also have an admission to their programme offering.
	Registrations int

	// ExamCandidates is the number of candidates of the term's ordinary exams (Norway only):
	// students registered on an offering of the exam term sitting one of its exam units. The
	// exam term is the current term once its exams have begun (about two weeks before the
	// middle of the term), the previous one before. The result is smaller when the
	// registrations do not allow that many.
	ExamCandidates int
	// Theses is the number of master's thesis candidates of the exam term (Norway only), each
	// in its department's thesis unit; the Thesis records appear as they are handed in, all by
	// the unit's deadline (about 1 June or 15 May, 1 December or 14 November). Authors are
	// students aged 22 or more, so there may be fewer.
	Theses int
	// ExplanationShare of candidates with a result who ask for an explanation of it.
	ExplanationShare float64
	// AppealShare of candidates with a result who appeal it (those who asked for an
	// explanation appeal more often).
	AppealShare float64
	// ThesisFailShare of theses graded F.
	ThesisFailShare float64
	// FileScale multiplies the sizes of thesis and explanation files (a few MB to a few
	// hundred MB at 1); default 1. Tests use 0.001 or less.
	FileScale float64

	// ProtectedShare of persons with a protected identity (85% Sekretessmarkering, 15%
	// Skyddad folkbokföring). Applies in every country.
	ProtectedShare float64
	// CoordinationShare of Swedish persons with a samordningsnummer instead of a personnummer
	// (Norwegian: D-number instead of fødselsnummer).
	CoordinationShare float64
	// EPPNShare of students and staff with an EPPN (guardians never have one).
	EPPNShare float64
	// NoEmailShare of students and staff without an e-mail address (guardians: three times as many).
	NoEmailShare float64
	// HardShare of persons that are hard cases for matching: same-name-and-birth-date twins,
	// duplicate names, a missing birth place, a typo in a name (each about a quarter). It also
	// sets how often exam records are hard cases: late appeals (about 2×HardShare of the
	// appeals), withdrawn appeals made active again (fewer), contradictory cover sheets (3×
	// HardShare of the theses), missing answers (2×), confidential theses to be published (1×);
	// at least one of each when HardShare > 0 and the calendar leaves room for it.
	HardShare float64
}

// Preset names for PresetOptions.
const (
	PresetSchool       = "school"
	PresetMunicipality = "municipality"
	PresetUniversity   = "university"
	PresetUniversityNO = "university-no"
)

// Presets lists the preset names in a fixed order.
func Presets() []string {
	return []string{PresetSchool, PresetMunicipality, PresetUniversity, PresetUniversityNO}
}

// PresetOptions returns the options of a named preset with Seed 1 and Country Sweden:
//
//   - "school": one compulsory school (F-9), about 500 persons (230 students, 25 staff, 250 guardians).
//   - "municipality": a Stockholm-sized principal: 1,200 school units, 110,000 students,
//     15,000 staff, 180,000 guardians, 25,000 groups, 1.2 million memberships.
//   - "university": 30,000 students, 2,500 staff, 40 departments, 2,000 course offerings,
//     60 programmes, 180 programme offerings, 150,000 registrations.
//   - "university-no": a Norwegian university on 22 June 2026, in the spring term's grading
//     season: 16,000 students, 1,600 staff, 30 departments, 1,200 course offerings, 80,000
//     registrations, 30,000 exam candidates, 1,500 master theses; 10% of candidates with a
//     result ask for an explanation, 7% appeal, 4% of theses fail.
func PresetOptions(name string) (Options, error) {
	o := Options{
		Seed:              1,
		Country:           Sweden,
		ProtectedShare:    0.005,
		CoordinationShare: 0.01,
		EPPNShare:         0.9,
		NoEmailShare:      0.02,
		HardShare:         0.01,
		ClassSize:         25,
	}
	switch name {
	case PresetSchool:
		o.SchoolUnits, o.Students, o.Staff, o.Guardians = 1, 230, 25, 250
		o.Groups, o.Memberships = 60, 2000
	case PresetMunicipality:
		o.SchoolUnits, o.Students, o.Staff, o.Guardians = 1200, 110_000, 15_000, 180_000
		o.Groups, o.Memberships = 25_000, 1_200_000
	case PresetUniversity:
		o.UniversityStudents, o.UniversityStaff, o.Departments = 30_000, 2_500, 40
		o.CourseOfferings, o.Programmes, o.ProgrammeOfferings = 2_000, 60, 180
		o.Registrations = 150_000
	case PresetUniversityNO:
		o.Country, o.Today = Norway, NewDate(2026, time.June, 22)
		o.UniversityStudents, o.UniversityStaff, o.Departments = 16_000, 1_600, 30
		o.CourseOfferings, o.Programmes, o.ProgrammeOfferings = 1_200, 50, 150
		o.Registrations = 80_000
		o.ExamCandidates, o.Theses = 30_000, 1_500
		o.ExplanationShare, o.AppealShare, o.ThesisFailShare = 0.10, 0.07, 0.04
	default:
		return Options{}, fmt.Errorf("synth: unknown preset %q (want school, municipality, university or university-no)", name)
	}
	return o, nil
}

// withDefaults fills the defaulted fields and checks the rest.
func (o Options) withDefaults() (Options, error) {
	if o.Country == "" {
		o.Country = Sweden
	}
	switch o.Country {
	case Sweden, Germany, Norway:
	default:
		return o, fmt.Errorf("synth: unknown Country %q (want SE, DE or NO)", o.Country)
	}
	if o.Today == 0 {
		o.Today = NewDate(2026, time.September, 14)
	}
	if t := o.Today.Time(); DateOf(t) != o.Today || o.Today.Year() < 1950 || o.Today.Year() > 2200 {
		return o, fmt.Errorf("synth: Today %d is not a date between 1950 and 2200", uint32(o.Today))
	}
	school := o.SchoolUnits > 0 || o.Students > 0 || o.Staff > 0 || o.Guardians > 0 || o.Groups > 0 || o.Memberships > 0
	univ := o.UniversityStudents > 0 || o.UniversityStaff > 0 || o.Departments > 0 || o.CourseOfferings > 0 ||
		o.Programmes > 0 || o.ProgrammeOfferings > 0 || o.Registrations > 0
	if o.Domain == "" {
		switch {
		case !school && univ:
			o.Domain = "uni.example." + lower(string(o.Country))
		case o.Country == Germany:
			o.Domain = "schule.example.de"
		case o.Country == Norway:
			o.Domain = "kommune.example.no"
		default:
			o.Domain = "stad.example.se"
		}
	}
	if o.PrincipalName == "" {
		o.PrincipalName = countryData(o.Country).principal
		if !school && univ {
			o.PrincipalName = countryData(o.Country).university
		}
	}
	if o.ClassSize == 0 {
		o.ClassSize = 25
	}
	if o.FileScale == 0 {
		o.FileScale = 1
	}
	var errs []error
	neg := func(name string, v int) {
		if v < 0 {
			errs = append(errs, fmt.Errorf("synth: %s must not be negative (got %d)", name, v))
		}
	}
	neg("SchoolUnits", o.SchoolUnits)
	neg("Students", o.Students)
	neg("Staff", o.Staff)
	neg("Guardians", o.Guardians)
	neg("Groups", o.Groups)
	neg("Memberships", o.Memberships)
	neg("UniversityStudents", o.UniversityStudents)
	neg("UniversityStaff", o.UniversityStaff)
	neg("Departments", o.Departments)
	neg("CourseOfferings", o.CourseOfferings)
	neg("Programmes", o.Programmes)
	neg("ProgrammeOfferings", o.ProgrammeOfferings)
	neg("Registrations", o.Registrations)
	neg("ExamCandidates", o.ExamCandidates)
	neg("Theses", o.Theses)
	share := func(name string, v float64) {
		if !(v >= 0 && v <= 1) {
			errs = append(errs, fmt.Errorf("synth: %s must be between 0 and 1 (got %v)", name, v))
		}
	}
	share("ProtectedShare", o.ProtectedShare)
	share("CoordinationShare", o.CoordinationShare)
	share("EPPNShare", o.EPPNShare)
	share("NoEmailShare", o.NoEmailShare)
	share("HardShare", o.HardShare)
	share("ExplanationShare", o.ExplanationShare)
	share("AppealShare", o.AppealShare)
	share("ThesisFailShare", o.ThesisFailShare)
	if !(o.FileScale > 0 && o.FileScale <= 1000) {
		errs = append(errs, fmt.Errorf("synth: FileScale must be above 0 and at most 1000 (got %v)", o.FileScale))
	}
	if o.ExamCandidates > 0 || o.Theses > 0 {
		if o.Country != Norway {
			errs = append(errs, errors.New("synth: ExamCandidates and Theses need Country NO (FS, Inspera and WISEflow are Norwegian)"))
		}
		if o.UniversityStudents < 1 || o.UniversityStaff < 1 {
			errs = append(errs, errors.New("synth: ExamCandidates and Theses need UniversityStudents and UniversityStaff"))
		}
		if o.Theses > o.UniversityStudents {
			errs = append(errs, errors.New("synth: Theses must be at most UniversityStudents"))
		}
		if o.ExamCandidates > 5_000_000 {
			errs = append(errs, errors.New("synth: ExamCandidates must be at most 5 million"))
		}
	}
	if o.ClassSize < 2 || o.ClassSize > 200 {
		errs = append(errs, fmt.Errorf("synth: ClassSize must be between 2 and 200 (got %d)", o.ClassSize))
	}
	const maxPersons = 20_000_000
	if o.Students+o.Staff+o.Guardians+o.UniversityStudents+o.UniversityStaff > maxPersons {
		errs = append(errs, fmt.Errorf("synth: at most %d persons in total", maxPersons))
	}
	if o.Memberships > 200_000_000 || o.Registrations > 200_000_000 || o.Groups > 20_000_000 || o.SchoolUnits > 1_000_000 {
		errs = append(errs, errors.New("synth: counts too large (Memberships and Registrations at most 200 million, Groups 20 million, SchoolUnits 1 million)"))
	}
	if school {
		if o.SchoolUnits < 1 {
			errs = append(errs, errors.New("synth: SchoolUnits must be at least 1 when there are students, staff, guardians or groups"))
		}
		if o.Staff < o.SchoolUnits {
			errs = append(errs, fmt.Errorf("synth: Staff must be at least SchoolUnits (%d): every unit has a principal", o.SchoolUnits))
		}
		if o.Guardians > 2*o.Students {
			errs = append(errs, fmt.Errorf("synth: Guardians must be at most twice Students (%d)", 2*o.Students))
		}
		if o.Students > 0 && o.Students < o.SchoolUnits {
			errs = append(errs, fmt.Errorf("synth: Students must be at least SchoolUnits (%d) or 0", o.SchoolUnits))
		}
	}
	if univ {
		if o.Departments < 1 {
			errs = append(errs, errors.New("synth: Departments must be at least 1 when there are university records"))
		}
		if o.UniversityStudents > 0 && o.CourseOfferings < 1 {
			errs = append(errs, errors.New("synth: CourseOfferings must be at least 1 when there are university students"))
		}
		if o.Registrations > 0 && o.UniversityStudents < 1 {
			errs = append(errs, errors.New("synth: Registrations need UniversityStudents"))
		}
		if o.CourseOfferings > 0 && o.UniversityStaff < 1 {
			errs = append(errs, errors.New("synth: CourseOfferings need UniversityStaff (teachers and examiners)"))
		}
		if o.Programmes > 0 && o.ProgrammeOfferings < o.Programmes {
			errs = append(errs, fmt.Errorf("synth: ProgrammeOfferings must be at least Programmes (%d)", o.Programmes))
		}
		if o.ProgrammeOfferings > 0 && o.Programmes < 1 {
			errs = append(errs, errors.New("synth: ProgrammeOfferings need Programmes"))
		}
		if o.CourseOfferings > 90_000 {
			errs = append(errs, errors.New("synth: CourseOfferings must be at most 90000 (five-digit offering codes)"))
		}
		if o.UniversityStudents > 0 && o.Registrations > o.UniversityStudents*o.CourseOfferings {
			errs = append(errs, errors.New("synth: Registrations must be at most UniversityStudents × CourseOfferings"))
		}
	}
	return o, errors.Join(errs...)
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}
