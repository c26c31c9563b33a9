package inspera

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
	"strings"
)

// ID is an Inspera id (a test's assessmentRunId, a user's or committee's id). Inspera sends ids
// as JSON numbers, but its results export documents userId as a string, so a numeric string is
// read too; null and "" read as 0, which is no id.
type ID int64

// String returns the id in decimal.
func (id ID) String() string { return strconv.FormatInt(int64(id), 10) }

// MarshalJSON writes the id as a number.
func (id ID) MarshalJSON() ([]byte, error) { return strconv.AppendInt(nil, int64(id), 10), nil }

// UnmarshalJSON reads a number or a string holding one.
func (id *ID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		b = []byte(strings.TrimSpace(s))
	}
	if len(b) == 0 || string(b) == "null" {
		*id = 0
		return nil
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return errNotAnID // no sign, fraction or exponent: ids are whole positive numbers
		}
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return errNotAnID
	}
	*id = ID(n)
	return nil
}

var errNotAnID = errors.New("an id must be a whole positive number")

// GradeValue is a grade as the test's grade scale names it: "A" to "F", or "Bestått" and
// "Ikke bestått". Inspera's results export documents the final grade as a decimal grade value,
// so a number is read as its decimal text.
type GradeValue string

// MarshalJSON writes the grade as a string.
func (g GradeValue) MarshalJSON() ([]byte, error) { return json.Marshal(string(g)) }

// UnmarshalJSON reads a string or a number.
func (g *GradeValue) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*g = ""
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*g = GradeValue(s)
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return errors.New("a grade must be a string or a number")
		}
		*g = GradeValue(n.String())
	}
	return nil
}

// TestRef names a test either by Inspera's id (TestID) or by the id the external system gave it
// (ExternalTest, FS's vurdId); operations that take a test send ?isExternal=true for the latter.
type TestRef struct {
	id       ID
	external string
}

// TestID refers to a test by Inspera's id (assessmentRunId, a webhook's contextObjectId).
func TestID(id ID) TestRef { return TestRef{id: id} }

// ExternalTest refers to a test by the external system's id (FS's vurdId,
// "999_DA1234_1_SKR_2026_VÅR").
func ExternalTest(externalID string) TestRef { return TestRef{external: externalID} }

// IsZero reports whether r names no test.
func (r TestRef) IsZero() bool { return r.id == 0 && r.external == "" }

// String returns the id, or "external:" and the external id.
func (r TestRef) String() string {
	if r.external != "" {
		return "external:" + r.external
	}
	return r.id.String()
}

// path returns "/v1/test/{testId}" + suffix and the query that goes with it.
func (r TestRef) path(suffix string) (string, url.Values, error) {
	switch {
	case r.external != "":
		return "/v1/test/" + url.PathEscape(r.external) + suffix, url.Values{"isExternal": {"true"}}, nil
	case r.id > 0:
		return "/v1/test/" + r.id.String() + suffix, nil, nil
	}
	return "", nil, errNoTest
}

var errNoTest = errors.New("no test given (TestID or ExternalTest)")

// Committee types.
const (
	// Grading is an ordinary grading committee (sensurkommisjon).
	Grading = CommitteeTypeGRADING
	// Reassessment is an appeal committee (klagekommisjon), which grades appeals anew.
	Reassessment = CommitteeTypeREASSESSMENT
)

// Option names of the explanation group of SetTestOptions.
const (
	// OptionExplanationAdministration turns on administered explanations of grades, which
	// RequestExplanations needs.
	OptionExplanationAdministration = "EXPLANATION_OF_GRADES_ADMINISTRATION_ENABLED"
	// OptionExplanationsForAllGrades requests an explanation of every grade at once.
	OptionExplanationsForAllGrades = "EXPLANATION_OF_GRADES_REQUESTED_FOR_ALL_GRADES"
)

// Values of Candidate.CommitteeGradingStatus (for the candidate's current evaluation round).
const (
	GradingNotStarted = "NOT_STARTED"
	GradingInProgress = "IN_PROGRESS"
	GradingConfirmed  = "CONFIRMED"
)

// Values of FileExportJob.Status.
const (
	ExportQueued     = "QUEUED"
	ExportInProgress = "IN_PROGRESS"
	ExportFinished   = "FINISHED"
	ExportFailed     = "FAILED"
)

// Candidate returns the candidate with the candidate number (kandidatnr) no.
func (t *Test) Candidate(no string) (*Candidate, bool) {
	for i := range t.Candidates {
		if t.Candidates[i].CandidateID == no {
			return &t.Candidates[i], true
		}
	}
	return nil, false
}

// CandidateByUser returns the candidate who is the user id (a webhook's associatedObjectId).
func (t *Test) CandidateByUser(id ID) (*Candidate, bool) {
	for i := range t.Candidates {
		if t.Candidates[i].UserID == id {
			return &t.Candidates[i], true
		}
	}
	return nil, false
}

// Committee returns the committee with the id.
func (t *Test) Committee(id ID) (*Committee, bool) {
	for i := range t.Committees {
		if t.Committees[i].CommitteeID == id {
			return &t.Committees[i], true
		}
	}
	return nil, false
}

// AppealCommittees returns the test's REASSESSMENT committees, which grade appeals.
func (t *Test) AppealCommittees() []Committee {
	var out []Committee
	for _, c := range t.Committees {
		if c.Type == Reassessment {
			out = append(out, c)
		}
	}
	return out
}

// Option returns the value of an option of the test's option groups, and whether it is set.
func (o TestOptions) Option(name string) (any, bool) {
	for _, group := range [][]TestOption{o.ExplanationOptions, o.SecurityOptions, o.GeneralOptions} {
		for _, opt := range group {
			if opt.Option == name {
				return opt.Value, true
			}
		}
	}
	return nil, false
}

// ExplanationAdministration reports whether administered explanations are enabled.
func (o TestOptions) ExplanationAdministration() bool {
	v, _ := o.Option(OptionExplanationAdministration)
	switch v := v.(type) {
	case bool:
		return v
	case string:
		return strings.EqualFold(v, "true")
	}
	return false
}
