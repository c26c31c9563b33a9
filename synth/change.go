package synth

// Entity names a kind of record.
type Entity uint8

// The kinds of record, in the canonical order of WriteTo and Diff.
const (
	EntityOrganisation Entity = iota + 1
	EntityPerson
	EntityEnrolment
	EntityGuardianship
	EntityDuty
	EntityGroup
	EntityMembership
	EntityCourseOffering
	EntityProgramme
	EntityProgrammeOffering
	EntityAdmission
	EntityRegistration
	EntityExamUnit
	EntityCommittee
	EntityCandidate
	EntityThesis
	EntityExplanation
	EntityAppeal
)

var entityNames = [...]string{"", "organisation", "person", "enrolment", "guardianship", "duty", "group",
	"membership", "courseOffering", "programme", "programmeOffering", "admission", "registration",
	"examUnit", "committee", "candidate", "thesis", "explanation", "appeal"}

// String returns the entity's name in lower camel case ("person", "courseOffering").
func (e Entity) String() string {
	if int(e) < len(entityNames) {
		return entityNames[e]
	}
	return ""
}

// Op is what happened to a record.
type Op uint8

// The values of Op.
const (
	Create Op = iota + 1
	Update
	Delete
)

// String returns "create", "update" or "delete".
func (o Op) String() string {
	switch o {
	case Create:
		return "create"
	case Update:
		return "update"
	case Delete:
		return "delete"
	}
	return ""
}

// ChangeKind is the real-world event behind a change.
type ChangeKind uint8

// The events NextDay simulates.
const (
	// NewStudent: a student arrives: the person, an enrolment, class and teaching-group
	// memberships, guardianships and (when the family is new) guardian persons are created.
	NewStudent ChangeKind = iota + 1
	// Leaver: a student leaves: the person, enrolment, memberships and guardianships are
	// deleted, and guardians left without a student are deleted too. Graduates at the
	// school-year change are leavers as well.
	Leaver
	// ClassMove: a student changes class within the school unit and grade: the old class
	// membership is deleted and a new one created.
	ClassMove
	// NameChange: a person's family name changes (marriage, divorce, a chosen name).
	NameChange
	// TypoCorrection: a misspelt given or family name (Population.Typos) is corrected.
	TypoCorrection
	// NewGuardian: a new guardian person and a guardianship to an existing student are created.
	NewGuardian
	// ProtectedIdentity: a person's SecurityMarking changes (to or from protected).
	ProtectedIdentity
	// GroupRename: at the school-year change every class, mentor and teaching group moves up a
	// grade (Name, Code, SchoolYear, possibly SchoolType, Start and End change) and so does every
	// enrolment (SchoolYear, SchoolType); groups of the final grade are deleted with their
	// memberships.
	GroupRename
	// NewRegistration: an admitted university student registers on a course offering.
	NewRegistration
	// ThesisSubmission: a master's thesis is handed in (a Thesis is created).
	ThesisSubmission
	// ResultAnnouncement: a committee's results are announced: each of its candidates gets
	// Grade, Announced and the deadlines.
	ResultAnnouncement
	// ExplanationRequest: a candidate asks for an explanation (an Explanation is created and
	// the candidate's appeal deadline becomes pending).
	ExplanationRequest
	// ExplanationAssignment: the request is assigned to an examiner.
	ExplanationAssignment
	// ExplanationAnswer: the examiner gives the explanation (with its document) and the
	// candidate's appeal deadline is fixed again.
	ExplanationAnswer
	// ExplanationPublication: the explanation is published to the candidate.
	ExplanationPublication
	// AppealFiling: a candidate appeals (an Appeal is created, AKTIV), in time or late.
	AppealFiling
	// AppealWithdrawal: an active appeal is withdrawn (TRUKKET).
	AppealWithdrawal
	// AppealReopening: a withdrawn appeal is made active again within the appeal period.
	AppealReopening
	// AppealDecision: the appeal committee decides: new grade and datoVedtakFormidlet.
	AppealDecision
)

var changeKindNames = [...]string{"", "NewStudent", "Leaver", "ClassMove", "NameChange", "TypoCorrection",
	"NewGuardian", "ProtectedIdentity", "GroupRename", "NewRegistration", "ThesisSubmission", "ResultAnnouncement",
	"ExplanationRequest", "ExplanationAssignment", "ExplanationAnswer", "ExplanationPublication", "AppealFiling",
	"AppealWithdrawal", "AppealReopening", "AppealDecision"}

// String returns the kind's name ("NewStudent", ...).
func (k ChangeKind) String() string {
	if int(k) < len(changeKindNames) {
		return changeKindNames[k]
	}
	return ""
}

// ChangeKinds lists every ChangeKind in order.
func ChangeKinds() []ChangeKind {
	return []ChangeKind{NewStudent, Leaver, ClassMove, NameChange, TypoCorrection, NewGuardian,
		ProtectedIdentity, GroupRename, NewRegistration, ThesisSubmission, ResultAnnouncement, ExplanationRequest,
		ExplanationAssignment, ExplanationAnswer, ExplanationPublication, AppealFiling, AppealWithdrawal,
		AppealReopening, AppealDecision}
}

// Change is one record that differs between two populations: created, deleted, or updated in
// the listed fields. A record appears in at most one Change of a list, so the list is exactly
// the minimum set of record writes that takes a consumer from the old population to the new.
type Change struct {
	// Kind is the event that caused the change (zero in lists from Diff, which cannot know it).
	Kind   ChangeKind
	Op     Op
	Entity Entity
	ID     ID
	// Fields lists, for an Update, every field that changed (in the order of the record's
	// fields); nil for Create and Delete.
	Fields []FieldChange
}

// FieldChange is one changed field. Values are in WriteTo's text form (dates YYYY-MM-DD, enums
// as their String, IDs as UUIDs).
type FieldChange struct {
	Field  string // the Go field name: "FamilyName", "Security", "SchoolYear", ...
	Before string
	After  string
}

// CountByKind counts changes by kind.
func CountByKind(changes []Change) map[ChangeKind]int {
	m := make(map[ChangeKind]int)
	for _, c := range changes {
		m[c.Kind]++
	}
	return m
}
