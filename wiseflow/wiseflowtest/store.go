package wiseflowtest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"time"

	"github.com/edusync/edusync/synth"
	"github.com/edusync/edusync/wiseflow"
)

// store is the licence's data. The Server's mutex guards it.
type store struct {
	now         func() time.Time
	credentials Credentials
	next        int64 // the next id handed out (ids are unique across kinds)
	flows       map[int64]*flowRec
	ids         []int64 // flow ids, ascending: the order searches answer in
	users       map[int64]wiseflow.User
	webhooks    map[int64]*webhookRec
	hookIDs     []int64
	writes      []Write
	seq         int64 // webhook event sequence numbers
}

type flowRec struct {
	flow         wiseflow.Flow
	meta         wiseflow.FlowMetadata
	sources      []wiseflow.Source
	participants []*wiseflow.Participant // in number order
	byPID        map[int64]*wiseflow.Participant
	grades       map[int64]*wiseflow.Assessment // by participant
	submissions  []*submissionRec
	subByID      map[int64]*submissionRec
	expl         []*wiseflow.ExplanationRequest
	explByID     map[int64]*wiseflow.ExplanationRequest
	assessors    map[int64]wiseflow.User // by assessor id
	remarking    int64                   // the remarking flow, 0 when none
	original     int64                   // of a remarking flow: the flow it regrades
}

type submissionRec struct {
	detail wiseflow.SubmissionDetail
	files  []*fileRec
}

type fileRec struct {
	info wiseflow.SubmissionFile // without link
	open func() io.ReadSeeker
}

func newStore(now func() time.Time) *store {
	return &store{now: now, next: 1000, flows: map[int64]*flowRec{}, users: map[int64]wiseflow.User{}, webhooks: map[int64]*webhookRec{}}
}

// id hands out a new id; taken makes sure a given one is never handed out.
func (d *store) id() int64 { d.next++; return d.next }

func (d *store) taken(id int64) {
	if id >= d.next {
		d.next = id + 1
	}
}

// Write is a change a client made through the API, in the order they happened (see Writes).
type Write struct {
	At        time.Time
	Operation string // the operation id: "createExplanationRequest", "createReassessment", ...
	FlowID    int64
	// ID is the record written: the explanation request, the reassessment flow, the webhook.
	ID int64
	// Created is false for a create that found the record there already (an answer of 200).
	Created bool
	// ShowJustification is the value an explanation request was created or updated with.
	ShowJustification bool
}

// Writes returns what clients wrote through the API, oldest first.
func (s *Server) Writes() []Write {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.data.writes)
}

func (d *store) write(w Write) {
	w.At = d.now()
	d.writes = append(d.writes, w)
}

// ErrNoFlow is returned by the hooks for a flow, participant or record the licence does not have.
var ErrNoFlow = errors.New("wiseflowtest: no such flow or record")

// FlowSpec describes a flow for AddFlow.
type FlowSpec struct {
	// ID is the flow id; 0 gives the next free one.
	ID      int64
	Name    string // the title
	SubName string // the subtitle (FS: the course code)
	Type    wiseflow.FlowType
	Purpose wiseflow.FlowPurpose
	Variant wiseflow.FlowVariant
	State   wiseflow.FlowState
	// Created is the creation time (zero: now).
	Created time.Time
	// The participation and marking periods.
	ParticipationStart, ParticipationEnd time.Time
	MarkingStart, MarkingEnd             time.Time
	// Code and Term are the metadata's (FS: the course code and "2026 VÅR").
	Code, Term string
	// SourceCodes are the flow's SIS codes (FS: wiseflow.FSCode.String()).
	SourceCodes []string
}

// AddFlow adds a flow and returns its id.
func (s *Server) AddFlow(spec FlowSpec) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.data.addFlow(spec).flow.ID
}

func (d *store) addFlow(spec FlowSpec) *flowRec {
	if spec.ID <= 0 {
		spec.ID = d.id()
	} else {
		d.taken(spec.ID)
	}
	if spec.Created.IsZero() {
		spec.Created = d.now()
	}
	f := &flowRec{
		flow: wiseflow.Flow{ID: spec.ID, Name: spec.Name, SubName: spec.SubName, CreationDate: wiseflow.UnixTimeOf(spec.Created),
			Type: spec.Type, State: spec.State, Variant: spec.Variant, Purpose: spec.Purpose,
			ParticipantStartDate: wiseflow.UnixTimeOf(spec.ParticipationStart), ParticipantEndDate: wiseflow.UnixTimeOf(spec.ParticipationEnd),
			AssessorStartDate: wiseflow.UnixTimeOf(spec.MarkingStart), AssessorEndDate: wiseflow.UnixTimeOf(spec.MarkingEnd)},
		meta: wiseflow.FlowMetadata{Title: spec.Name, Subtitle: spec.SubName, Code: spec.Code, Term: spec.Term,
			ExaminationType: spec.Variant, Purpose: spec.Purpose},
		byPID: map[int64]*wiseflow.Participant{}, grades: map[int64]*wiseflow.Assessment{}, subByID: map[int64]*submissionRec{},
		explByID: map[int64]*wiseflow.ExplanationRequest{}, assessors: map[int64]wiseflow.User{},
	}
	for _, code := range spec.SourceCodes {
		f.flow.SisInformation = append(f.flow.SisInformation, wiseflow.SISInformation{Code: code})
		f.sources = append(f.sources, wiseflow.Source{SourceID: d.id(), Code: code, IntegrationID: 7, IntegrationName: "Felles Studentsystem (FS)"})
	}
	if old := d.flows[spec.ID]; old == nil {
		i := sort.Search(len(d.ids), func(i int) bool { return d.ids[i] >= spec.ID })
		d.ids = slices.Insert(d.ids, i, spec.ID)
	}
	d.flows[spec.ID] = f
	return f
}

// RemoveFlow takes a flow off the licence (WISEflow archives rather than deletes; tests use it
// to shift the pages of a search).
func (s *Server) RemoveFlow(flowID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.data.flows[flowID]; !ok {
		return
	}
	delete(s.data.flows, flowID)
	if i, ok := slices.BinarySearch(s.data.ids, flowID); ok {
		s.data.ids = slices.Delete(s.data.ids, i, i+1)
	}
}

// Flow returns a flow as GET /flow/{id} answers it.
func (s *Server) Flow(flowID int64) (wiseflow.Flow, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.data.flows[flowID]
	if f == nil {
		return wiseflow.Flow{}, false
	}
	return f.flow, true
}

// FlowIDs returns the ids of every flow, ascending.
func (s *Server) FlowIDs() []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.data.ids)
}

func (d *store) flow(id int64) (*flowRec, error) {
	f := d.flows[id]
	if f == nil {
		return nil, fmt.Errorf("%w: flow %d", ErrNoFlow, id)
	}
	return f, nil
}

// AddUser adds (or replaces) a user of the licence; an id of 0 gives the next free one.
func (s *Server) AddUser(u wiseflow.User) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.data.addUser(u).ID
}

func (d *store) addUser(u wiseflow.User) wiseflow.User {
	if u.ID <= 0 {
		u.ID = d.id()
	} else {
		d.taken(u.ID)
	}
	d.users[u.ID] = u
	return u
}

// AddParticipant makes a user (added when unknown, with the next free id when u.ID is 0) a
// participant of a flow and returns the participant id; uniqueExamID is the candidate number
// (FS: kandidatnr). A user who is a participant already keeps the participant id.
func (s *Server) AddParticipant(flowID int64, u wiseflow.User, uniqueExamID string) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.data.addParticipant(flowID, 0, u, uniqueExamID)
	if err != nil {
		return 0, err
	}
	return p.ParticipantID, nil
}

func (d *store) addParticipant(flowID, participantID int64, u wiseflow.User, uniqueExamID string) (*wiseflow.Participant, error) {
	f, err := d.flow(flowID)
	if err != nil {
		return nil, err
	}
	if _, known := d.users[u.ID]; !known || u.ID <= 0 {
		u = d.addUser(u)
	}
	for _, p := range f.participants {
		if p.UserID == u.ID {
			return p, nil
		}
	}
	if participantID <= 0 {
		participantID = d.id()
	} else {
		d.taken(participantID)
	}
	p := &wiseflow.Participant{ParticipantID: participantID, UserID: u.ID, User: u, UniqueExamID: uniqueExamID,
		Number: len(f.participants) + 1, Activated: true}
	f.participants = append(f.participants, p)
	f.byPID[participantID] = p
	return p, nil
}

// AddAssessor makes a user an assessor of a flow and returns the assessor id.
func (s *Server) AddAssessor(flowID int64, u wiseflow.User) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.data.addAssessor(flowID, 0, u)
}

func (d *store) addAssessor(flowID, assessorID int64, u wiseflow.User) (int64, error) {
	f, err := d.flow(flowID)
	if err != nil {
		return 0, err
	}
	if _, known := d.users[u.ID]; !known || u.ID <= 0 {
		u = d.addUser(u)
	}
	for id, a := range f.assessors {
		if a.ID == u.ID {
			return id, nil
		}
	}
	if assessorID <= 0 {
		assessorID = d.id()
	} else {
		d.taken(assessorID)
	}
	f.assessors[assessorID] = u
	return assessorID, nil
}

// AllocateAssessor makes an assessor of the flow grade a participant.
func (s *Server) AllocateAssessor(flowID, participantID, assessorID int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.data.flow(flowID)
	if err != nil {
		return err
	}
	p := f.byPID[participantID]
	if _, ok := f.assessors[assessorID]; p == nil || !ok {
		return ErrNoFlow
	}
	if !slices.Contains(p.AssessorIds, assessorID) {
		p.AssessorIds = append(p.AssessorIds, assessorID)
	}
	return nil
}

// SetFlowState moves a flow to state (a FLOW_STATE_UPDATED event for the webhooks).
func (s *Server) SetFlowState(flowID int64, state wiseflow.FlowState) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.data.flow(flowID)
	if err != nil {
		return err
	}
	if f.flow.State == state {
		return nil
	}
	f.flow.State = state
	s.emit(wiseflow.WebhookEventFLOWSTATEUPDATED, wiseflow.WebhookPayload{FlowID: flowID})
	return nil
}

// ConcludeFlow concludes a flow: its grades are final.
func (s *Server) ConcludeFlow(flowID int64) error {
	return s.SetFlowState(flowID, wiseflow.FlowStateConcluded)
}

// GradeParticipant sets a participant's grade ("B", "bestått"), as its assessors do; the
// grade's date is now (a FINAL_GRADE event).
func (s *Server) GradeParticipant(flowID, participantID int64, grade string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.data.grade(flowID, participantID, grade, s.data.now()); err != nil {
		return err
	}
	s.emit(wiseflow.WebhookEventFINALGRADE, wiseflow.WebhookPayload{FlowID: flowID, ParticipantID: participantID})
	return nil
}

func (d *store) grade(flowID, participantID int64, grade string, at time.Time) error {
	f, err := d.flow(flowID)
	if err != nil {
		return err
	}
	if f.byPID[participantID] == nil {
		return fmt.Errorf("%w: participant %d of flow %d", ErrNoFlow, participantID, flowID)
	}
	f.grades[participantID] = &wiseflow.Assessment{ParticipantID: participantID, Grade: grade, Date: wiseflow.UnixTimeOf(at)}
	for _, sub := range f.submissions {
		for i := range sub.detail.Participants {
			if sub.detail.Participants[i].ID == participantID {
				sub.detail.Participants[i].FinalGrade = wiseflow.GradeEntry{Grade: wiseflow.GradeText(grade), Date: at.UTC()}
			}
		}
	}
	return nil
}

// Grade returns a participant's grade ("" when none).
func (s *Server) Grade(flowID, participantID int64) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f := s.data.flows[flowID]; f != nil && f.grades[participantID] != nil {
		return f.grades[participantID].Grade
	}
	return ""
}

// File is a file of a submission for DeliverThesis: its bytes come from Source (synth's
// files, made on demand) or Data.
type File struct {
	Name        string
	ContentType string
	Type        wiseflow.FileType // default DOCUMENT
	Source      synth.File
	Data        []byte
}

// DeliverThesis hands in a participant's submission with its cover-sheet answers and files
// (a PAPER_SUBMITTED event) and returns the submission id. A participant who handed in already
// has the submission replaced.
func (s *Server) DeliverThesis(flowID, participantID int64, cover []wiseflow.CoverSheetElement, files ...File) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, err := s.data.deliver(flowID, participantID, 0, s.data.now(), cover, files)
	if err != nil {
		return 0, err
	}
	s.emit(wiseflow.WebhookEventPAPERSUBMITTED, wiseflow.WebhookPayload{FlowID: flowID, ParticipantID: participantID, SubmissionID: id})
	return id, nil
}

func (d *store) deliver(flowID, participantID, submissionID int64, at time.Time, cover []wiseflow.CoverSheetElement, files []File) (int64, error) {
	f, err := d.flow(flowID)
	if err != nil {
		return 0, err
	}
	p := f.byPID[participantID]
	if p == nil {
		return 0, fmt.Errorf("%w: participant %d of flow %d", ErrNoFlow, participantID, flowID)
	}
	if p.SubmissionID != nil {
		submissionID = *p.SubmissionID
	} else if submissionID <= 0 {
		submissionID = d.id()
	} else {
		d.taken(submissionID)
	}
	at = at.UTC()
	ip := "10.0.0.1"
	sub := &submissionRec{detail: wiseflow.SubmissionDetail{ID: submissionID,
		Status:       wiseflow.SubmissionStatus{HandedIn: true, HandedInBlank: len(files) == 0, HandedInDate: &at, HandedInIP: &ip},
		CoverSheet:   slices.Clone(cover),
		Participants: []wiseflow.SubmissionParticipant{{ID: participantID, UserID: p.UserID}},
	}}
	for aid := range f.assessors {
		if slices.Contains(p.AssessorIds, aid) {
			sub.detail.Allocations.Assessors = append(sub.detail.Allocations.Assessors, wiseflow.AssessorRef{AssessorID: aid, UserID: f.assessors[aid].ID})
		}
	}
	slices.SortFunc(sub.detail.Allocations.Assessors, func(a, b wiseflow.AssessorRef) int { return int(a.AssessorID - b.AssessorID) })
	if g := f.grades[participantID]; g != nil && g.Grade != "" {
		sub.detail.Participants[0].FinalGrade = wiseflow.GradeEntry{Grade: wiseflow.GradeText(g.Grade), Date: g.Date.Time()}
	}
	for i, fl := range files {
		typ := fl.Type
		if typ == "" {
			typ = wiseflow.FileTypeDOCUMENT
			if i > 0 {
				typ = wiseflow.FileTypeADDENDUM
			}
		}
		fr := &fileRec{info: wiseflow.SubmissionFile{ID: d.id(), Type: typ, Filename: fl.Name, ContentType: fl.ContentType, CreatedAt: at}}
		switch {
		case fl.Data != nil:
			data := slices.Clone(fl.Data)
			fr.info.Size = int64(len(data))
			fr.open = func() io.ReadSeeker { return bytes.NewReader(data) }
		default:
			src := fl.Source
			fr.info.Size = src.Size
			if fr.info.ContentType == "" {
				fr.info.ContentType = src.ContentType
			}
			if fr.info.Filename == "" {
				fr.info.Filename = src.Name
			}
			fr.open = func() io.ReadSeeker { return src.Open() }
		}
		sub.files = append(sub.files, fr)
	}
	if old := f.subByID[submissionID]; old != nil {
		i := slices.Index(f.submissions, old)
		f.submissions[i] = sub
	} else {
		f.submissions = append(f.submissions, sub)
	}
	f.subByID[submissionID] = sub
	p.SubmissionID = &submissionID
	return submissionID, nil
}

// Quarantine marks a file of a submission as quarantined (a virus scan found it infected).
func (s *Server) Quarantine(flowID, submissionID, fileID int64, reason string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.data.flow(flowID)
	if err != nil {
		return err
	}
	if sub := f.subByID[submissionID]; sub != nil {
		for _, fr := range sub.files {
			if fr.info.ID == fileID {
				fr.info.Quarantine = wiseflow.Quarantine{Reason: reason, By: wiseflow.QuarantineByWISEFLOW, CreatedAt: s.data.now().UTC()}
				return nil
			}
		}
	}
	return ErrNoFlow
}

// RequestExplanation asks for an explanation of a participant's grade, as the participant does
// in WISEflow (an ASSESSMENT event), and returns the request's id; a participant with a request
// keeps it.
func (s *Server) RequestExplanation(flowID, participantID int64) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, _, err := s.data.requestExplanation(flowID, participantID, 0, s.data.now(), 0, true)
	if err != nil {
		return 0, err
	}
	s.emitExplanation(flowID, e)
	return e.ExplanationID, nil
}

// requestExplanation finds or makes a participant's request; created says which.
func (d *store) requestExplanation(flowID, participantID, requestID int64, at time.Time, due wiseflow.UnixTime, show bool) (*wiseflow.ExplanationRequest, bool, error) {
	f, err := d.flow(flowID)
	if err != nil {
		return nil, false, err
	}
	p := f.byPID[participantID]
	if p == nil {
		return nil, false, fmt.Errorf("%w: participant %d of flow %d", ErrNoFlow, participantID, flowID)
	}
	for _, e := range f.expl {
		if e.Participant.ParticipantID == participantID {
			return e, false, nil
		}
	}
	if requestID <= 0 {
		requestID = d.id()
	} else {
		d.taken(requestID)
	}
	if due == 0 {
		due = wiseflow.UnixTimeOf(at.AddDate(0, 0, 14))
	}
	e := &wiseflow.ExplanationRequest{ExplanationID: requestID, FlowID: flowID, Title: f.flow.Name, Subtitle: f.flow.SubName,
		RequestDate: wiseflow.UnixTimeOf(at), DueDate: due, State: wiseflow.ExplanationStateRequested, ShowJustification: show,
		Participant: wiseflow.ExplanationParticipant{ParticipantID: participantID, User: p.User}}
	f.expl = append(f.expl, e)
	f.explByID[requestID] = e
	return e, true, nil
}

// AssignExplanation assigns an explanation request to an assessor of the flow (state 1).
func (s *Server) AssignExplanation(flowID, requestID, assessorID int64) error {
	return s.moveExplanation(flowID, requestID, func(f *flowRec, e *wiseflow.ExplanationRequest) error {
		u, ok := f.assessors[assessorID]
		if !ok {
			return fmt.Errorf("%w: assessor %d of flow %d", ErrNoFlow, assessorID, flowID)
		}
		e.State, e.AssignDate = wiseflow.ExplanationStateAssigned, wiseflow.UnixTimeOf(s.data.now())
		e.AssignedAssessor = wiseflow.ExplanationAssessor{AssessorID: assessorID, User: u}
		e.AssignedBy = wiseflow.ExplanationAssigner{UserID: 1, FirstName: "Eksamens", LastName: "Kontoret"}
		return nil
	})
}

// GiveExplanation records that the assessor wrote the explanation (state 2).
func (s *Server) GiveExplanation(flowID, requestID int64) error {
	return s.moveExplanation(flowID, requestID, func(_ *flowRec, e *wiseflow.ExplanationRequest) error {
		e.State = wiseflow.ExplanationStateSubmitted
		return nil
	})
}

// AcceptExplanation accepts the explanation (state 3, final).
func (s *Server) AcceptExplanation(flowID, requestID int64) error {
	return s.moveExplanation(flowID, requestID, func(_ *flowRec, e *wiseflow.ExplanationRequest) error {
		e.State, e.AcceptDate = wiseflow.ExplanationStateAccepted, wiseflow.UnixTimeOf(s.data.now())
		return nil
	})
}

func (s *Server) moveExplanation(flowID, requestID int64, move func(*flowRec, *wiseflow.ExplanationRequest) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.data.flow(flowID)
	if err != nil {
		return err
	}
	e := f.explByID[requestID]
	if e == nil {
		return fmt.Errorf("%w: explanation request %d of flow %d", ErrNoFlow, requestID, flowID)
	}
	if err := move(f, e); err != nil {
		return err
	}
	s.emitExplanation(flowID, e)
	return nil
}

// ExplanationRequests returns a flow's explanation requests as GET
// /flow/{id}/explanation/request answers them.
func (s *Server) ExplanationRequests(flowID int64) []wiseflow.ExplanationRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.data.flows[flowID]
	if f == nil {
		return nil
	}
	out := make([]wiseflow.ExplanationRequest, len(f.expl))
	for i, e := range f.expl {
		out[i] = *e
	}
	return out
}

// RemarkingFlow returns the remarking (reassessment) flow of a flow.
func (s *Server) RemarkingFlow(flowID int64) (int64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f := s.data.flows[flowID]; f != nil && f.remarking != 0 {
		return f.remarking, true
	}
	return 0, false
}

// reassess finds or makes a flow's remarking flow; created says which.
func (d *store) reassess(flowID int64) (*flowRec, bool, error) {
	f, err := d.flow(flowID)
	if err != nil {
		return nil, false, err
	}
	if f.remarking != 0 {
		if r := d.flows[f.remarking]; r != nil {
			return r, false, nil
		}
	}
	now := d.now()
	var codes []string
	for _, src := range f.sources {
		codes = append(codes, src.Code)
	}
	r := d.addFlow(FlowSpec{Name: f.flow.Name, SubName: f.flow.SubName, Type: f.flow.Type, Purpose: f.flow.Purpose,
		Variant: wiseflow.FlowVariantRemarking, State: wiseflow.FlowStateParticipationNotStarted,
		ParticipationStart: now, ParticipationEnd: now, MarkingStart: now, MarkingEnd: now.AddDate(0, 0, 21),
		Code: f.meta.Code, Term: f.meta.Term, SourceCodes: codes})
	r.original = flowID
	f.remarking = r.flow.ID
	return r, true, nil
}
