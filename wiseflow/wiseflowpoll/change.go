package wiseflowpoll

import (
	"encoding/json"
	"errors"
	"strconv"

	"github.com/edusync/edusync/wiseflow"
)

// Kind says what a Change is about.
type Kind string

// The kinds of change the poller finds.
const (
	// KindExplanation: a grade-explanation request appeared or changed (state, visibility,
	// assessor, due date).
	KindExplanation Kind = "explanation"
	// KindRemarkingFlow: a flow got a remarking (reassessment) flow, where appeals are graded.
	KindRemarkingFlow Kind = "remarking_flow"
	// KindGrade: a participant's grade appeared or changed (in a remarking flow: an appeal's
	// new grade).
	KindGrade Kind = "grade"
	// KindThesisConcluded: a master's-thesis flow was concluded; its submissions are listed.
	KindThesisConcluded Kind = "thesis_concluded"
)

// Change is one thing the poller found, as it is queued (Payload of a store.Message; decode it
// with DecodeChange). It carries ids and states, no names or other personal data: a consumer
// reads what else it needs through the client.
type Change struct {
	Kind Kind `json:"kind"`
	// FlowID is the flow the change is in (for KindGrade of an appeal, the remarking flow).
	FlowID int64 `json:"flowId"`
	// Flow is the flow as the search listed it when the change was found.
	Flow FlowInfo `json:"flow"`
	// OriginalFlowID is, in a remarking flow, the flow it regrades (0 when not known).
	OriginalFlowID int64 `json:"originalFlowId,omitempty"`

	Explanation   *Explanation `json:"explanation,omitempty"`
	RemarkingFlow int64        `json:"remarkingFlowId,omitempty"`
	Grade         *Grade       `json:"grade,omitempty"`
	Submissions   []Submission `json:"submissions,omitempty"`
}

// FlowInfo is what the search says about a flow.
type FlowInfo struct {
	State   wiseflow.FlowState   `json:"state"`
	Variant wiseflow.FlowVariant `json:"variant"`
	Purpose wiseflow.FlowPurpose `json:"purpose"`
	Type    wiseflow.FlowType    `json:"type"`
	// SourceCodes are the flow's SIS codes (FS: wiseflow.ParseFSCode reads them).
	SourceCodes []string `json:"sourceCodes,omitempty"`
}

// Explanation is a grade-explanation request as the poller saw it.
type Explanation struct {
	ID                int64                     `json:"id"`
	ParticipantID     int64                     `json:"participantId"`
	State             wiseflow.ExplanationState `json:"state"`
	ShowJustification bool                      `json:"showJustification"`
	AssessorID        int64                     `json:"assessorId,omitempty"`
	RequestDate       wiseflow.UnixTime         `json:"requestDate,omitempty"`
	DueDate           wiseflow.UnixTime         `json:"dueDate,omitempty"`
	AcceptDate        wiseflow.UnixTime         `json:"acceptDate,omitempty"`
}

// Grade is a participant's grade as the poller saw it.
type Grade struct {
	ParticipantID int64             `json:"participantId"`
	Grade         string            `json:"grade"`
	Date          wiseflow.UnixTime `json:"date,omitempty"`
}

// Submission is one submission of a concluded thesis flow.
type Submission struct {
	ID       int64 `json:"id"`
	HandedIn bool  `json:"handedIn"`
}

// Key is the change's de-duplication key: the record and the version of it the change reports,
// so the same state is never queued twice while a new one always is.
func (c *Change) Key() string {
	f := strconv.FormatInt(c.FlowID, 10)
	switch c.Kind {
	case KindExplanation:
		e := c.Explanation
		return "explanation/" + f + "/" + strconv.FormatInt(e.ID, 10) + "/" + e.fingerprint()
	case KindRemarkingFlow:
		return "remarking/" + f + "/" + strconv.FormatInt(c.RemarkingFlow, 10)
	case KindGrade:
		return "grade/" + f + "/" + strconv.FormatInt(c.Grade.ParticipantID, 10) + "/" + c.Grade.fingerprint()
	case KindThesisConcluded:
		return "thesis/" + f
	}
	return string(c.Kind) + "/" + f
}

// OrderKey keeps the changes of one flow in the order they were found.
func (c *Change) OrderKey() string {
	if c.Kind == KindGrade && c.OriginalFlowID != 0 {
		return "flow/" + strconv.FormatInt(c.OriginalFlowID, 10)
	}
	return "flow/" + strconv.FormatInt(c.FlowID, 10)
}

func (e *Explanation) fingerprint() string {
	show := "0"
	if e.ShowJustification {
		show = "1"
	}
	return strconv.Itoa(int(e.State)) + "." + show + "." + strconv.FormatInt(e.AssessorID, 10) + "." +
		strconv.FormatInt(int64(e.DueDate), 10) + "." + strconv.FormatInt(int64(e.AcceptDate), 10)
}

func (g *Grade) fingerprint() string {
	return strconv.Quote(g.Grade) + "." + strconv.FormatInt(int64(g.Date), 10)
}

// ErrBadChange is matched by the error of a payload that is not a Change.
var ErrBadChange = errors.New("wiseflowpoll: not a change")

// DecodeChange reads a queued change (a store.Delivery's Payload).
func DecodeChange(payload []byte) (Change, error) {
	var c Change
	if err := json.Unmarshal(payload, &c); err != nil {
		return Change{}, ErrBadChange
	}
	ok := c.FlowID > 0
	switch c.Kind {
	case KindExplanation:
		ok = ok && c.Explanation != nil && c.Explanation.ID > 0
	case KindRemarkingFlow:
		ok = ok && c.RemarkingFlow > 0
	case KindGrade:
		ok = ok && c.Grade != nil && c.Grade.ParticipantID > 0
	case KindThesisConcluded:
	default:
		ok = false
	}
	if !ok {
		return Change{}, ErrBadChange
	}
	return c, nil
}
