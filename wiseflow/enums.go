package wiseflow

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
)

// WISEflow sends its enumerations in two forms: the older /flow/... endpoints as numbers
// (state 4), the newer /flows/... and /sources/... endpoints as names ("CONCLUDED"), and the two
// name some values differently (state 1 is PARTICIPATION_NOT_STARTED in the one, ACTIVATED in
// the other). Each enumeration is one Go type that reads both forms, so a flow from GetFlow and
// one from SearchFlows compare with the same constants. A value WISEflow adds later reads as
// its number, or as the type's Unknown value when it arrives as a name this package does not
// know; neither fails the record. Values are written as numbers; Name gives the form the newer
// endpoints use.

// FlowType is what kind of exam a flow is.
type FlowType int

// The flow types, with WISEflow's numbers.
const (
	FlowTypeUnknown FlowType = -1 // a name this package does not know
	FlowTypeDefault FlowType = 0
	FlowTypeDemo    FlowType = 1
	FlowTypeAssign  FlowType = 2  // FLOWassign: an assignment handed in as files
	FlowTypeLock    FlowType = 4  // FLOWlock: a written exam in the locked-down browser
	FlowTypeMulti   FlowType = 8  // FLOWmulti: questions answered in WISEflow
	FlowTypeHandin  FlowType = 16 // FLOWhandin: a paper handed in (theses)
	FlowTypeOral    FlowType = 32 // FLOWoral: an oral exam
	FlowTypeAttend  FlowType = 64 // FLOWattend: attendance
)

var flowTypes = enumTable{
	names: map[int]string{0: "FLOWdefault", 1: "FLOWdemo", 2: "FLOWassign", 4: "FLOWlock", 8: "FLOWmulti",
		16: "FLOWhandin", 32: "FLOWoral", 64: "FLOWattend"},
}

// Name returns the name the newer endpoints use ("FLOWassign"), or "" for an unknown value.
func (t FlowType) Name() string { return flowTypes.name(int(t)) }

// String returns Name, or the number of a value without one.
func (t FlowType) String() string { return flowTypes.str(int(t)) }

// MarshalJSON writes the number.
func (t FlowType) MarshalJSON() ([]byte, error) { return flowTypes.marshal(int(t)) }

// UnmarshalJSON reads the number or the name (in any case).
func (t *FlowType) UnmarshalJSON(b []byte) error { return flowTypes.unmarshal(b, (*int)(t)) }

// FlowState is how far a flow has come.
type FlowState int

// The flow states, with WISEflow's numbers.
const (
	FlowStateUnknown                 FlowState = -1 // a name this package does not know
	FlowStateNotActivated            FlowState = 0
	FlowStateParticipationNotStarted FlowState = 1 // ACTIVATED in the newer endpoints
	FlowStateParticipationStarted    FlowState = 2
	FlowStateParticipationEnded      FlowState = 3
	FlowStateConcluded               FlowState = 4 // grades are final
	FlowStateArchived                FlowState = 5
)

var flowStates = enumTable{
	names: map[int]string{0: "NOT_ACTIVATED", 1: "ACTIVATED", 2: "PARTICIPATION_STARTED", 3: "PARTICIPATION_ENDED",
		4: "CONCLUDED", 5: "ARCHIVED"},
	aliases: map[string]int{"PARTICIPATION_NOT_STARTED": 1},
}

// Name returns the name the newer endpoints use ("ACTIVATED" for state 1), or "" for an
// unknown value.
func (s FlowState) Name() string { return flowStates.name(int(s)) }

// String returns Name, or the number of a value without one.
func (s FlowState) String() string { return flowStates.str(int(s)) }

// MarshalJSON writes the number.
func (s FlowState) MarshalJSON() ([]byte, error) { return flowStates.marshal(int(s)) }

// UnmarshalJSON reads the number or either name.
func (s *FlowState) UnmarshalJSON(b []byte) error { return flowStates.unmarshal(b, (*int)(s)) }

// FlowVariant says whether a flow is the ordinary exam, a resit or the new grading of an appeal.
type FlowVariant int

// The flow variants, with WISEflow's numbers.
const (
	FlowVariantUnknown       FlowVariant = -1
	FlowVariantOrdinary      FlowVariant = 0
	FlowVariantReexamination FlowVariant = 1
	FlowVariantRemarking     FlowVariant = 2 // the reassessment flow of an appeal
)

var flowVariants = enumTable{names: map[int]string{0: "ORDINARY", 1: "REEXAMINATION", 2: "REMARKING"}}

// Name returns the name ("REMARKING"), or "" for an unknown value.
func (v FlowVariant) Name() string { return flowVariants.name(int(v)) }

// String returns Name, or the number of a value without one.
func (v FlowVariant) String() string { return flowVariants.str(int(v)) }

// MarshalJSON writes the number.
func (v FlowVariant) MarshalJSON() ([]byte, error) { return flowVariants.marshal(int(v)) }

// UnmarshalJSON reads the number or the name.
func (v *FlowVariant) UnmarshalJSON(b []byte) error { return flowVariants.unmarshal(b, (*int)(v)) }

// FlowPurpose is what a flow examines; MASTER flows hold master's theses.
type FlowPurpose int

// The purposes, with WISEflow's numbers.
const (
	FlowPurposeUnknown     FlowPurpose = -1
	FlowPurposeExamination FlowPurpose = 0
	FlowPurposeCourseWork  FlowPurpose = 1
	FlowPurposeBachelor    FlowPurpose = 2
	FlowPurposeMaster      FlowPurpose = 3
)

var flowPurposes = enumTable{names: map[int]string{0: "EXAMINATION", 1: "COURSE_WORK", 2: "BACHELOR", 3: "MASTER"}}

// Name returns the name ("MASTER"), or "" for an unknown value.
func (p FlowPurpose) Name() string { return flowPurposes.name(int(p)) }

// String returns Name, or the number of a value without one.
func (p FlowPurpose) String() string { return flowPurposes.str(int(p)) }

// MarshalJSON writes the number.
func (p FlowPurpose) MarshalJSON() ([]byte, error) { return flowPurposes.marshal(int(p)) }

// UnmarshalJSON reads the number or the name.
func (p *FlowPurpose) UnmarshalJSON(b []byte) error { return flowPurposes.unmarshal(b, (*int)(p)) }

// ExplanationState is how far a grade-explanation request has come. WISEflow documents only the
// numbers; the names are this package's.
type ExplanationState int

// The explanation states.
const (
	ExplanationStateUnknown   ExplanationState = -1
	ExplanationStateRequested ExplanationState = 0 // the participant asked
	ExplanationStateAssigned  ExplanationState = 1 // a manager (or the rules) assigned an assessor
	ExplanationStateSubmitted ExplanationState = 2 // the assessor wrote the explanation
	ExplanationStateAccepted  ExplanationState = 3 // a manager (or the rules) accepted it; final
)

var explanationStates = enumTable{names: map[int]string{0: "REQUESTED", 1: "ASSIGNED", 2: "SUBMITTED", 3: "ACCEPTED"}}

// Name returns the name ("ACCEPTED"), or "" for an unknown value.
func (s ExplanationState) Name() string { return explanationStates.name(int(s)) }

// String returns Name, or the number of a value without one.
func (s ExplanationState) String() string { return explanationStates.str(int(s)) }

// Final reports whether the explanation is accepted: it will not change any more.
func (s ExplanationState) Final() bool { return s == ExplanationStateAccepted }

// MarshalJSON writes the number.
func (s ExplanationState) MarshalJSON() ([]byte, error) { return explanationStates.marshal(int(s)) }

// UnmarshalJSON reads the number or the name.
func (s *ExplanationState) UnmarshalJSON(b []byte) error {
	return explanationStates.unmarshal(b, (*int)(s))
}

// ExportState says whether a grade reached the student-information system (FS).
type ExportState int

// The export states.
const (
	ExportStateUnknown     ExportState = -1
	ExportStateNotExported ExportState = 0
	ExportStateQueued      ExportState = 1
	ExportStateExported    ExportState = 2
	ExportStateFailed      ExportState = 3
)

var exportStates = enumTable{names: map[int]string{0: "NOT_EXPORTED", 1: "QUEUED", 2: "EXPORTED", 3: "FAILED"}}

// Name returns the name ("EXPORTED"), or "" for an unknown value.
func (s ExportState) Name() string { return exportStates.name(int(s)) }

// String returns Name, or the number of a value without one.
func (s ExportState) String() string { return exportStates.str(int(s)) }

// MarshalJSON writes the number.
func (s ExportState) MarshalJSON() ([]byte, error) { return exportStates.marshal(int(s)) }

// UnmarshalJSON reads the number or the name.
func (s *ExportState) UnmarshalJSON(b []byte) error { return exportStates.unmarshal(b, (*int)(s)) }

// enumTable maps an enumeration's numbers to their names and back.
type enumTable struct {
	names   map[int]string
	aliases map[string]int // further names (upper case) that mean a number
}

func (t *enumTable) name(v int) string { return t.names[v] }

func (t *enumTable) str(v int) string {
	if n, ok := t.names[v]; ok {
		return n
	}
	if v == -1 {
		return "unknown"
	}
	return strconv.Itoa(v)
}

func (t *enumTable) marshal(v int) ([]byte, error) { return strconv.AppendInt(nil, int64(v), 10), nil }

// errEnum is the complaint about an enumeration that is neither a number nor a string.
var errEnum = errors.New("an enumeration must be a number or a name")

func (t *enumTable) unmarshal(b []byte, out *int) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		return nil
	}
	if b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return errEnum
		}
		s = strings.TrimSpace(s)
		if n, err := strconv.Atoi(s); err == nil {
			*out = n
			return nil
		}
		*out = t.lookup(s)
		return nil
	}
	n, err := strconv.ParseInt(string(b), 10, 32)
	if err != nil {
		return errEnum
	}
	*out = int(n)
	return nil
}

// lookup finds a name in any case; -1 (the types' Unknown) when it is not known.
func (t *enumTable) lookup(s string) int {
	for v, n := range t.names {
		if strings.EqualFold(n, s) {
			return v
		}
	}
	for n, v := range t.aliases {
		if strings.EqualFold(n, s) {
			return v
		}
	}
	return -1
}

// UnixTime is a time as WISEflow sends it: whole seconds since 1970 (UTC). Zero means "not set".
type UnixTime int64

// UnixTimeOf returns t as a UnixTime; the zero time gives zero.
func UnixTimeOf(t time.Time) UnixTime {
	if t.IsZero() {
		return 0
	}
	return UnixTime(t.Unix())
}

// Time returns the time, or the zero time when it is not set.
func (u UnixTime) Time() time.Time {
	if u == 0 {
		return time.Time{}
	}
	return time.Unix(int64(u), 0).UTC()
}

// IsZero reports whether the time is not set.
func (u UnixTime) IsZero() bool { return u == 0 }

// String renders the time as RFC 3339, or "" when it is not set.
func (u UnixTime) String() string {
	if u == 0 {
		return ""
	}
	return u.Time().Format(time.RFC3339)
}

// UnmarshalJSON reads a number of seconds (a fraction is dropped; milliseconds, which some
// answers carry, are recognised by their size) or a string holding one; null leaves it unset.
func (u *UnixTime) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		return nil
	}
	s := string(b)
	if b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return errors.New("a unix time must be a number")
		}
		if s = strings.TrimSpace(s); s == "" {
			*u = 0
			return nil
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) >= 1<<62 {
		return errors.New("a unix time must be a number")
	}
	if math.Abs(f) >= 1e12 { // milliseconds: 1e12 seconds lie beyond the year 33,000
		f /= 1000
	}
	*u = UnixTime(int64(f))
	return nil
}

// GradeText is a grade as WISEflow writes it: a letter or word on Norwegian scales ("B",
// "bestått"), a number on others. Numbers are read as their decimal text.
type GradeText string

// UnmarshalJSON reads a string or a number; null leaves it empty.
func (g *GradeText) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		return nil
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return errors.New("a grade must be a string or a number")
		}
		*g = GradeText(s)
		return nil
	}
	if _, err := strconv.ParseFloat(string(b), 64); err != nil {
		return errors.New("a grade must be a string or a number")
	}
	*g = GradeText(b)
	return nil
}
