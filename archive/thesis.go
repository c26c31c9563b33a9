package archive

import (
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/edusync/edusync/fs"
)

// System is the exam system a thesis was handed in through.
type System string

// The exam systems theses come from.
const (
	Inspera  System = "inspera"
	WISEflow System = "wiseflow"
)

// fsSystem is FS's name of the exam system.
func (s System) fsSystem() fs.ExamSystem {
	if s == WISEflow {
		return fs.WISEflow
	}
	return fs.Inspera
}

// Key names one thesis: the exam system, FS's exam (vurdId) and the candidate number
// (kandidatnr). It is the thesis's key everywhere: in the store, in the staging manifest and,
// as the source key, in the archive's registration.
type Key struct {
	System    System `json:"system"`
	Exam      string `json:"exam"`      // vurdId, "185_INF5990_1_MOPPG_2026_VÅR"
	Candidate string `json:"candidate"` // kandidatnr
}

// String returns "system/vurdId/kandidatnr".
func (k Key) String() string { return string(k.System) + "/" + k.Exam + "/" + k.Candidate }

// ErrInvalidThesis is matched by the error of a thesis that cannot be recorded (no key, an exam
// key FS could not hold, a file without name).
var ErrInvalidThesis = errors.New("archive: invalid thesis")

func (k Key) validate() error {
	if k.System != Inspera && k.System != WISEflow {
		return errors.Join(ErrInvalidThesis, errors.New("unknown exam system"))
	}
	if _, err := fs.ParseVurdID(k.Exam); err != nil {
		return errors.Join(ErrInvalidThesis, err)
	}
	if k.Candidate == "" || len(k.Candidate) > 16 || strings.Trim(k.Candidate, "0123456789") != "" {
		return errors.Join(ErrInvalidThesis, errors.New("the candidate number is not digits"))
	}
	return nil
}

// Answer is a yes/no answer on the cover sheet as the author gave it.
type Answer string

// The answers a cover sheet holds; anything else the exam system sends is kept as it came
// and, like a missing answer, restricts access.
const (
	Unanswered Answer = ""
	Yes        Answer = "yes"
	No         Answer = "no"
)

// ParseAnswer reads an exam system's yes/no ("yes", "ja", "true", "no", "nei", "false", case
// and spaces ignored); anything else is returned as it came (trimmed to 16 bytes).
func ParseAnswer(s string) Answer {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "yes", "ja", "true", "y", "j":
		return Yes
	case "no", "nei", "false", "n":
		return No
	case "":
		return Unanswered
	}
	return Answer(truncate(s, 16))
}

// Delay is the delayed publication the author asked for.
type Delay string

// The delays of the cover sheet.
const (
	DelayUnanswered Delay = ""
	DelayNone       Delay = "none"
	Delay1Year      Delay = "1y"
	Delay2Years     Delay = "2y"
	Delay3Years     Delay = "3y"
	DelayNever      Delay = "never"
)

// Years is how many years publication is delayed (0 for none, -1 for never or an answer that
// is not one of the delays).
func (d Delay) Years() int {
	switch d {
	case DelayNone:
		return 0
	case Delay1Year:
		return 1
	case Delay2Years:
		return 2
	case Delay3Years:
		return 3
	}
	return -1
}

// CoverSheet is what the author answered on the thesis's cover sheet (forside). Present is
// false when the exam system holds none for the thesis (Inspera without the host's lookup).
type CoverSheet struct {
	Present      bool   `json:"present"`
	Title        string `json:"title,omitempty"`
	Publish      Answer `json:"publish,omitempty"`
	Delay        Delay  `json:"delay,omitempty"`
	Confidential Answer `json:"confidential,omitempty"`
}

// File is one file handed in: the thesis, an appendix.
type File struct {
	Name        string `json:"name"`
	ContentType string `json:"contentType,omitempty"`
	Size        int64  `json:"size"`
	// Ref is how the source finds the file again (an Inspera download link's asset name, a
	// WISEflow file id); opaque to the flow.
	Ref string `json:"ref,omitempty"`
}

// SourceIDs are the thesis's ids in its exam system, kept in the manifest and the archive.
type SourceIDs struct {
	TestID        int64 `json:"testId,omitempty"`        // Inspera assessmentRunId
	UserID        int64 `json:"userId,omitempty"`        // Inspera user id
	FlowID        int64 `json:"flowId,omitempty"`        // WISEflow flow
	ParticipantID int64 `json:"participantId,omitempty"` // WISEflow participant
	SubmissionID  int64 `json:"submissionId,omitempty"`  // WISEflow submission
}

// Thesis is a delivered master's thesis with what archiving it needs. It holds personal data
// (the author's name and user name): its LogValue names only its key.
type Thesis struct {
	Key       Key       `json:"key"`
	Source    SourceIDs `json:"source"`
	Course    string    `json:"course,omitempty"` // the exam's title in the exam system
	Author    string    `json:"author,omitempty"` // the student's name
	Username  string    `json:"username,omitempty"`
	Protected bool      `json:"protected,omitempty"` // the author has a protected identity
	// Grade is the final grade as the exam system names it ("B", "bestått"); "" until graded.
	// After an appeal it is the reassessment's grade.
	Grade  string    `json:"grade,omitempty"`
	Graded time.Time `json:"graded,omitzero"` // when the exam system published the grade
	// Submitted is when the thesis was handed in.
	Submitted time.Time  `json:"submitted,omitzero"`
	Cover     CoverSheet `json:"cover"`
	Files     []File     `json:"files"`
}

// LogValue names the thesis by its key only.
func (t Thesis) LogValue() slog.Value { return slog.StringValue(t.Key.String()) }

// Title is the thesis's title: the cover sheet's, else "Masteroppgave".
func (t *Thesis) Title() string {
	if s := strings.TrimSpace(t.Cover.Title); s != "" {
		return s
	}
	return "Masteroppgave"
}

// Outcome says whether a grade passed.
type Outcome string

// The outcomes of a grade.
const (
	Passed  Outcome = "passed"
	Failed  Outcome = "failed"
	Unknown Outcome = "unknown" // no grade, or one the flow does not know
)

// OutcomeOf reads a grade: A to E, bestått, godkjent and pass pass; F, ikke bestått, ikke
// godkjent and fail fail; anything else is Unknown.
func OutcomeOf(grade string) Outcome {
	switch strings.ToLower(strings.TrimSpace(grade)) {
	case "a", "b", "c", "d", "e", "bestått", "bestatt", "godkjent", "pass", "passed", "g":
		return Passed
	case "f", "ikke bestått", "ikke bestatt", "ikke godkjent", "fail", "failed", "ib", "ig":
		return Failed
	}
	return Unknown
}

func (t *Thesis) validate() error {
	if err := t.Key.validate(); err != nil {
		return err
	}
	if len(t.Files) == 0 {
		return errors.Join(ErrInvalidThesis, errors.New("no files"))
	}
	for _, f := range t.Files {
		if strings.TrimSpace(f.Name) == "" || f.Size < 0 {
			return errors.Join(ErrInvalidThesis, errors.New("a file without a name or with a negative size"))
		}
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
