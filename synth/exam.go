package synth

// The records of a Norwegian university's exams in one term: exam units with FS's key run in
// Inspera or WISEflow, committees, candidates with grades and deadlines, explanation requests,
// appeals and master theses. Generate makes them when Options.ExamCandidates or Options.Theses
// is set (Norway only); NextDay moves them on (results announced, requests, decisions).

// ExamSystem is the digital exam system an exam unit runs in.
type ExamSystem uint8

// The exam systems.
const (
	Inspera  ExamSystem = iota + 1 // Inspera Assessment: a test per exam unit
	WISEflow                       // WISEflow: a flow per exam unit
)

// String returns "INSPERA" or "WISEFLOW", the examSystem values of FS's exam services.
func (s ExamSystem) String() string {
	switch s {
	case Inspera:
		return "INSPERA"
	case WISEflow:
		return "WISEFLOW"
	}
	return ""
}

// ExamPurpose is what an exam is for, in WISEflow's words (flow purpose). Inspera units carry
// it too, so consumers can tell theses from other exams in either system.
type ExamPurpose uint8

// The values of ExamPurpose.
const (
	PurposeExamination ExamPurpose = iota + 1 // an ordinary exam
	PurposeCourseWork                         // a graded assignment or project
	PurposeBachelor                           // a bachelor's thesis
	PurposeMaster                             // a master's thesis
)

// String returns "EXAMINATION", "COURSE_WORK", "BACHELOR" or "MASTER".
func (p ExamPurpose) String() string {
	switch p {
	case PurposeExamination:
		return "EXAMINATION"
	case PurposeCourseWork:
		return "COURSE_WORK"
	case PurposeBachelor:
		return "BACHELOR"
	case PurposeMaster:
		return "MASTER"
	}
	return ""
}

// Code returns WISEflow's number for p (EXAMINATION 0, COURSE_WORK 1, BACHELOR 2, MASTER 3), or
// -1 for the zero ExamPurpose.
func (p ExamPurpose) Code() int { return int(p) - 1 }

// FlowType is the type of a WISEflow flow; its value is WISEflow's number for it. Inspera units
// have none (zero).
type FlowType uint8

// The flow types synth generates.
const (
	FlowAssign FlowType = 2  // FLOWASSIGN: an assignment handed in as files
	FlowLock   FlowType = 4  // FLOWLOCK: a written exam in the locked-down browser
	FlowMulti  FlowType = 8  // FLOWMULTI: a written exam with questions (multiple choice and more)
	FlowHandin FlowType = 16 // FLOWHANDIN: a hand-in of a paper (theses)
	FlowOral   FlowType = 32 // FLOWORAL: an oral exam
)

// String returns WISEflow's name ("FLOWASSIGN", ...), or "" for none.
func (t FlowType) String() string {
	switch t {
	case FlowAssign:
		return "FLOWASSIGN"
	case FlowLock:
		return "FLOWLOCK"
	case FlowMulti:
		return "FLOWMULTI"
	case FlowHandin:
		return "FLOWHANDIN"
	case FlowOral:
		return "FLOWORAL"
	}
	return ""
}

// GradeScale is the scale an exam unit is graded on.
type GradeScale uint8

// The grade scales of Norwegian higher education.
const (
	ScaleAF       GradeScale = iota + 1 // A to F, F failing
	ScalePassFail                       // bestått / ikke bestått
)

// String returns "A-F" or "pass/fail".
func (s GradeScale) String() string {
	switch s {
	case ScaleAF:
		return "A-F"
	case ScalePassFail:
		return "pass/fail"
	}
	return ""
}

// Grade is a result. The zero Grade means "no result yet".
type Grade uint8

// The grades.
const (
	NoGrade Grade = iota
	GradeA
	GradeB
	GradeC
	GradeD
	GradeE
	GradeF
	GradePass // bestått
	GradeFail // ikke bestått
)

// String returns "A" to "F", "bestått", "ikke bestått", or "" for NoGrade.
func (g Grade) String() string {
	switch {
	case g >= GradeA && g <= GradeF:
		return string(rune('A' + g - GradeA))
	case g == GradePass:
		return "bestått"
	case g == GradeFail:
		return "ikke bestått"
	}
	return ""
}

// Passed reports whether g is a passing grade (A-E or bestått).
func (g Grade) Passed() bool { return (g >= GradeA && g <= GradeE) || g == GradePass }

// ExamUnit is one exam of a term as FS knows it (a vurderingsenhet) and the test or flow that
// runs it in Inspera or WISEflow.
type ExamUnit struct {
	ID ID
	// Department is the Organisation (OrgDepartment) that holds the exam.
	Department ID
	// CourseOffering is the offering whose registered students are the candidates; zero for
	// thesis units.
	CourseOffering ID

	// FS's key of the unit: Institution (institusjonsnr), CourseCode (emnekode), Version
	// (versjonskode), AssessmentCode (vurdkombkode) and Term (tid, "2026 VÅR" or "2026 HØST").
	Institution    string
	CourseCode     string
	Version        string
	AssessmentCode string
	Term           string
	// VurdID is the key as one value, Institution_CourseCode_Version_AssessmentCode_Year_Term
	// ("999_DA1234_1_SKR_2026_VÅR"): the external id by which the exam system's test or flow
	// refers to FS's unit (vurdId).
	VurdID string
	// Name in Norwegian ("Introduksjon til informatikk – skriftlig eksamen").
	Name string

	System ExamSystem
	// SystemID is the Inspera test id or the WISEflow flow id; unique within the system.
	SystemID int64
	Purpose  ExamPurpose
	// FlowType is the WISEflow flow type; zero for Inspera units.
	FlowType FlowType
	Scale    GradeScale

	// Date is the exam day, or the hand-in deadline of a thesis unit.
	Date Date
	// GradingDeadline is the day results are due (sensurfrist).
	GradingDeadline Date
	// ManualAppealDeadline is the last day of appeal set by hand on the unit (zero for most);
	// see fsrules.Case.
	ManualAppealDeadline Date
}

// CommitteeKind says what a committee grades.
type CommitteeKind uint8

// The values of CommitteeKind.
const (
	CommitteeOrdinary CommitteeKind = iota + 1 // grades the exam (sensurkommisjon)
	CommitteeAppeal                            // grades appeals anew (klagekommisjon; Inspera REASSESSMENT)
)

// String returns "ordinary" or "appeal".
func (k CommitteeKind) String() string {
	switch k {
	case CommitteeOrdinary:
		return "ordinary"
	case CommitteeAppeal:
		return "appeal"
	}
	return ""
}

// Committee is a group of examiners that grades candidates of one exam unit. Every unit has
// one appeal committee besides its ordinary ones; every thesis has a committee of its own.
type Committee struct {
	ID       ID
	ExamUnit ID
	// Number is the committee id FS and the exam systems use (kommisjonsid, Inspera
	// committeeId); unique in the population.
	Number int64
	// Name as the exam system shows it ("Kommisjon 3", "Klagekommisjon").
	Name string
	Kind CommitteeKind
	// Examiners are members of staff of the department (two, the first chairs).
	Examiners []ID
}

// Candidate is a student sitting one exam unit. A student who sits several units of a term
// has one Candidate for each, all with the same CandidateNo, PersonNo and Username. Names,
// fødselsnummer (or D-number) and protected identity are the Person's.
type Candidate struct {
	ID       ID
	ExamUnit ID
	Person   ID
	// CandidateNo is the kandidatnr: the student's anonymous number for the term's exams.
	CandidateNo string
	// PersonNo is the student's personlopenr: FS's permanent number for the person.
	PersonNo string
	// Username is the student's user name at the university (FS brukernavn, Feide).
	Username string
	// UserID is the student's user id in the exam system; the same for all of the student's
	// candidates in that system.
	UserID int64
	// SystemID is the candidate's id in the exam system (Inspera candidate id, WISEflow
	// participant id).
	SystemID int64
	// Committee is the ordinary committee that grades the candidate.
	Committee ID
	// Grade is the result; NoGrade until announced.
	Grade Grade
	// Announced is the day the result was announced (kunngjøringsdato); zero until then.
	Announced Date
	// ExplanationDeadline and AppealDeadline are the last days fsrules.Compute gives for the
	// result; zero until it is announced. AppealDeadline is zero while a requested explanation
	// has not been given (the deadline is pending).
	ExplanationDeadline Date
	AppealDeadline      Date
}

// ExplanationState is how far an explanation request has come; the values follow WISEflow's
// states.
type ExplanationState uint8

// The values of ExplanationState.
const (
	ExplanationRequested ExplanationState = iota + 1 // the candidate asked for it
	ExplanationAssigned                              // assigned to an examiner
	ExplanationGiven                                 // the examiner gave it
	ExplanationPublished                             // accepted and shown to the candidate; final
)

// String returns "requested", "assigned", "given" or "published".
func (s ExplanationState) String() string {
	switch s {
	case ExplanationRequested:
		return "requested"
	case ExplanationAssigned:
		return "assigned"
	case ExplanationGiven:
		return "given"
	case ExplanationPublished:
		return "published"
	}
	return ""
}

// Explanation is a candidate's request for an explanation of a grade (begrunnelse) and its
// answer. A candidate has at most one.
type Explanation struct {
	ID        ID
	Candidate ID
	// SystemID is the request's id in the exam system (WISEflow explanationRequestId).
	SystemID int64
	State    ExplanationState
	// Requested is datoBegrunnelseBedtOm; Assigned, Given (datoBegrunnelseGitt) and Published
	// are zero until the request gets there.
	Requested Date
	Assigned  Date
	// Assessor is the examiner who answers (zero until assigned).
	Assessor  ID
	Given     Date
	Published Date
	// Document is the explanation (dokumentBegrunnelse and its content type); zero until given.
	Document File
}

// AppealStatus is an appeal's state in FS (klagestatus).
type AppealStatus uint8

// The values of AppealStatus.
const (
	AppealActive    AppealStatus = iota + 1 // AKTIV: filed and waiting for the new committee
	AppealWithdrawn                         // TRUKKET: withdrawn by the candidate
	AppealDecided                           // decided: the new grade is set and the decision sent
)

// String returns "AKTIV", "TRUKKET" or "AVGJORT". FS shows a decided appeal by its new result
// and datoVedtakFormidlet; AVGJORT is synth's name for that state.
func (s AppealStatus) String() string {
	switch s {
	case AppealActive:
		return "AKTIV"
	case AppealWithdrawn:
		return "TRUKKET"
	case AppealDecided:
		return "AVGJORT"
	}
	return ""
}

// Appeal is a candidate's appeal of a grade (klage). A candidate has at most one; an appeal can
// be withdrawn and made active again.
type Appeal struct {
	ID        ID
	Candidate ID
	Status    AppealStatus
	// Received is datoKlageMottatt.
	Received Date
	// GradingDeadline is the new committee's deadline (sensurfrist).
	GradingDeadline Date
	// OriginalCommittee (kommisjonsidOppr) graded the result; NewCommittee (kommisjonsidNy),
	// the unit's appeal committee, grades the appeal.
	OriginalCommittee ID
	NewCommittee      ID
	// Withdrawn is the day of the last withdrawal and Reopened the day the appeal was made
	// active again after it; zero when that did not happen.
	Withdrawn Date
	Reopened  Date
	// NewGrade is the appeal committee's grade (it may be lower), DecisionSent the day the
	// decision was sent (datoVedtakFormidlet); both zero until decided.
	NewGrade     Grade
	DecisionSent Date
	Flags        ExamFlag
}

// Answer is a yes/no answer on a thesis cover sheet that may be missing.
type Answer uint8

// The values of Answer.
const (
	Unanswered Answer = iota // the question was left empty
	Yes
	No
)

// String returns "yes", "no" or "" (unanswered).
func (a Answer) String() string {
	switch a {
	case Yes:
		return "yes"
	case No:
		return "no"
	}
	return ""
}

// Delay is the delayed publication a thesis author asked for.
type Delay uint8

// The values of Delay.
const (
	DelayUnanswered Delay = iota // the question was left empty
	DelayNone                    // publish at once
	Delay1Year
	Delay2Years
	Delay3Years
	DelayNever // never publish
)

// String returns "none", "1y", "2y", "3y", "never" or "" (unanswered).
func (d Delay) String() string {
	switch d {
	case DelayNone:
		return "none"
	case Delay1Year:
		return "1y"
	case Delay2Years:
		return "2y"
	case Delay3Years:
		return "3y"
	case DelayNever:
		return "never"
	}
	return ""
}

// CoverSheet holds a thesis author's answers on the cover sheet, as given: answers may be
// missing or contradict each other (publish yes with delay never, confidential yes with publish
// yes); the flows that read them decide what that means.
type CoverSheet struct {
	// Title of the thesis; "" when left empty.
	Title string
	// Publish: may the thesis be published in the open research archive?
	Publish Answer
	// Delay of publication.
	Delay Delay
	// Confidential: does the thesis hold confidential material (taushetsbelagt)?
	Confidential Answer
}

// Thesis is a master's thesis: a Candidate of a thesis exam unit (Purpose PurposeMaster) with
// the cover sheet and the files handed in.
type Thesis struct {
	ID        ID
	Candidate ID
	// Submitted is the day it was handed in (on or before the unit's Date).
	Submitted Date
	Cover     CoverSheet
	// Files handed in: the thesis as PDF first, sometimes an appendix. Their bytes are made on
	// demand (File.Open).
	Files []File
	Flags ExamFlag
}

// ExamFlag labels the hard cases of the exam records, so tests know what they are looking at.
// Like Flag it never changes how a record looks to a consumer.
type ExamFlag uint8

// The bits of ExamFlag.
const (
	// ExamFlagAfterExplanation (Appeal): filed after an explanation was given and later than
	// AppealDays after the announcement, which only the explanation rule allows.
	ExamFlagAfterExplanation ExamFlag = 1 << iota
	// ExamFlagReopened (Appeal): withdrawn and made active again (AKTIV -> TRUKKET -> AKTIV).
	ExamFlagReopened
	// ExamFlagLate (Appeal): received after the appeal deadline (FS registers it; the
	// institution decides whether to hear it).
	ExamFlagLate
	// ExamFlagConfidentialPublish (Thesis): confidential yes, yet publish yes.
	ExamFlagConfidentialPublish
	// ExamFlagContradictory (Thesis): the cover sheet contradicts itself (publish no with a
	// delay of a few years, publish yes with delay never).
	ExamFlagContradictory
	// ExamFlagMissingAnswer (Thesis): the title or an answer of the cover sheet is missing.
	ExamFlagMissingAnswer
)
