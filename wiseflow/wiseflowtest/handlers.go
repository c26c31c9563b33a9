package wiseflowtest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/edusync/edusync/internal/fakekit"
	"github.com/edusync/edusync/wiseflow"
)

// FilePath is where the fake serves download links (outside BasePath, without credentials, as
// object storage would).
const FilePath = "/files/"

// DefaultLinkLifetime is how long a download link works.
const DefaultLinkLifetime = 10 * time.Minute

func (s *Server) routes() {
	k := s.kit
	k.Handle(fakekit.Operation{ID: "token", Method: http.MethodPost, Path: wiseflow.TokenPath, Public: true,
		Handler: http.HandlerFunc(s.token)})
	k.HandleFunc("getFlow", http.MethodGet, "/flow/{flowId}", false, s.getFlow)
	k.HandleFunc("searchFlows", http.MethodPost, "/flows/search", false, s.searchFlows)
	k.HandleFunc("getFlowMetadata", http.MethodGet, "/flows/{flowId}/metadata", false, s.getFlowMetadata)
	k.HandleFunc("getRemarkingFlow", http.MethodGet, "/flows/{flowId}/remarking", false, s.getRemarkingFlow)
	k.HandleFunc("createReassessment", http.MethodPost, "/flow/{flowId}/reassessment", true, s.createReassessment)
	k.HandleFunc("listParticipants", http.MethodGet, "/flows/{flowId}/participants", false, s.listParticipants)
	k.HandleFunc("getParticipant", http.MethodGet, "/flows/{flowId}/participants/{participantId}", false, s.getParticipant)
	k.HandleFunc("getExplanationRequests", http.MethodGet, "/flow/{flowId}/explanation/request", false, s.getExplanationRequests)
	k.HandleFunc("createExplanationRequest", http.MethodPost, "/flow/{flowId}/explanation/request", true, s.createExplanationRequest)
	k.HandleFunc("getExplanationRequest", http.MethodGet, "/flow/{flowId}/explanation/request/{explanationRequestId}", false, s.getExplanationRequest)
	k.HandleFunc("updateExplanationRequest", http.MethodPatch, "/flow/{flowId}/explanation/request/{explanationRequestId}", true, s.updateExplanationRequest)
	k.HandleFunc("getAssessments", http.MethodGet, "/flow/{flowId}/assessments", false, s.getAssessments)
	k.HandleFunc("getAssessment", http.MethodGet, "/flow/{flowId}/assessments/{participantId}", false, s.getAssessment)
	k.HandleFunc("listSubmissions", http.MethodGet, "/flows/{flowId}/submissions", false, s.listSubmissions)
	k.HandleFunc("getSubmission", http.MethodGet, "/flows/{flowId}/submissions/{submissionId}", false, s.getSubmission)
	k.HandleFunc("getSubmissionFiles", http.MethodGet, "/flows/{flowId}/submissions/{submissionId}/files", false, s.getSubmissionFiles)
	k.HandleFunc("getSubmissionFile", http.MethodGet, "/flows/{flowId}/submissions/{submissionId}/files/{fileId}", false, s.getSubmissionFile)
	k.HandleFunc("searchSources", http.MethodPost, "/sources/search", false, s.searchSources)
	k.HandleFunc("getWebhooks", http.MethodGet, "/webhooks", false, s.getWebhooks)
	k.HandleFunc("createWebhook", http.MethodPost, "/webhooks", true, s.createWebhook)
	k.HandleFunc("getWebhook", http.MethodGet, "/webhooks/{webhookId}", false, s.getWebhook)
	k.HandleFunc("updateWebhook", http.MethodPut, "/webhooks/{webhookId}", true, s.updateWebhook)
	k.HandleFunc("deleteWebhook", http.MethodDelete, "/webhooks/{webhookId}", true, s.deleteWebhook)
	k.HandleFunc("testWebhook", http.MethodPost, "/webhooks/{webhookId}/test", true, s.testWebhook)
	k.Handle(fakekit.Operation{ID: "downloadFile", Method: http.MethodGet, Path: FilePath + "{token}", Root: true, Public: true,
		Handler: http.HandlerFunc(s.downloadFile)})
	s.links = fakekit.NewTable[fileRef](s.opts.now)
}

// fileRef is what a download link stands for.
type fileRef struct{ flow, submission, file int64 }

// flowOf reads the flowId path parameter and finds the flow (404 otherwise).
func (s *Server) flowOf(w http.ResponseWriter, r *http.Request) (*flowRec, bool) {
	id, ok := pathID(r, "flowId")
	if !ok {
		writeError(w, r, http.StatusNotFound, "FLOW_NOT_FOUND", "Flow not found")
		return nil, false
	}
	f := s.data.flows[id]
	if f == nil {
		writeError(w, r, http.StatusNotFound, "FLOW_NOT_FOUND", "Flow not found")
		return nil, false
	}
	return f, true
}

// decode reads a JSON request body into v, refusing unknown members and trailing data; it
// answers 400 itself.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeError(w, r, http.StatusBadRequest, "INVALID_BODY", "the request body is not the JSON this operation takes")
		return false
	}
	if _, err := dec.Token(); err != io.EOF {
		writeError(w, r, http.StatusBadRequest, "INVALID_BODY", "data after the JSON body")
		return false
	}
	return true
}

// fields reads a JSON body's member names, for "required" checks that a Go zero cannot make.
func fields(body []byte) map[string]json.RawMessage {
	var m map[string]json.RawMessage
	_ = json.Unmarshal(body, &m)
	return m
}

func (s *Server) getFlow(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f, ok := s.flowOf(w, r); ok {
		fakekit.WriteJSON(w, http.StatusOK, f.flow)
	}
}

func (s *Server) getFlowMetadata(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f, ok := s.flowOf(w, r); ok {
		ok2(w, f.meta)
	}
}

func ok2(w http.ResponseWriter, data any) { ok(w, http.StatusOK, data) }

func (s *Server) getRemarkingFlow(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, found := s.flowOf(w, r)
	if !found {
		return
	}
	if f.remarking == 0 || s.data.flows[f.remarking] == nil {
		ok2(w, nil)
		return
	}
	ok2(w, wiseflow.RemarkingFlow{FlowID: f.remarking})
}

func (s *Server) createReassessment(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeError(w, r, http.StatusBadRequest, "INVALID_BODY", "the request body could not be read")
		return
	}
	var req wiseflow.ReassessmentRequest
	if len(bytes.TrimSpace(body)) > 0 {
		r.Body = io.NopCloser(bytes.NewReader(body))
		if !decode(w, r, &req) {
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f, found := s.flowOf(w, r)
	if !found {
		return
	}
	if !s.opts.reassessment {
		writeError(w, r, http.StatusForbidden, "MODULE_MISSING", "The license does not have the reassessment module")
		return
	}
	if f.flow.Variant == wiseflow.FlowVariantRemarking {
		writeError(w, r, http.StatusBadRequest, "REMARKING_FLOW", "A remarking flow cannot be reassessed")
		return
	}
	rf, created, err := s.data.reassess(f.flow.ID)
	if err != nil {
		writeError(w, r, http.StatusNotFound, "FLOW_NOT_FOUND", "Flow not found")
		return
	}
	queued := created && req.Synchronize && len(f.sources) > 0
	s.data.write(Write{Operation: "createReassessment", FlowID: f.flow.ID, ID: rf.flow.ID, Created: created})
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		s.emit(wiseflow.WebhookEventFLOWSTATEUPDATED, wiseflow.WebhookPayload{FlowID: rf.flow.ID})
	}
	fakekit.WriteJSON(w, status, wiseflow.Reassessment{ReassessmentFlowID: rf.flow.ID, QueuedForSynchronization: queued})
}

func (s *Server) listParticipants(w http.ResponseWriter, r *http.Request) {
	offset, limit, valid := pageParams(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	f, found := s.flowOf(w, r)
	if !found {
		return
	}
	if !valid {
		writeError(w, r, http.StatusBadRequest, "INVALID_QUERY", "offset must be 0 or more and limit between 1 and 100")
		return
	}
	out := []wiseflow.Participant{}
	for _, p := range pageOf(f.participants, offset, limit) {
		out = append(out, *p)
	}
	okPage(w, out, offset, limit, len(f.participants))
}

// pageOf returns the records of one page.
func pageOf[T any](all []T, offset int64, limit int) []T {
	if offset >= int64(len(all)) {
		return nil
	}
	end := min(int(offset)+limit, len(all))
	return all[offset:end]
}

func (s *Server) getParticipant(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, found := s.flowOf(w, r)
	if !found {
		return
	}
	pid, _ := pathID(r, "participantId")
	p := f.byPID[pid]
	if p == nil {
		writeError(w, r, http.StatusNotFound, "PARTICIPANT_NOT_FOUND", "Participant not found")
		return
	}
	ok2(w, *p)
}

func (s *Server) getExplanationRequests(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, found := s.flowOf(w, r)
	if !found {
		return
	}
	out := make([]wiseflow.ExplanationRequest, len(f.expl))
	for i, e := range f.expl {
		out[i] = *e
	}
	fakekit.WriteJSON(w, http.StatusOK, out)
}

func (s *Server) getExplanationRequest(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, found := s.flowOf(w, r)
	if !found {
		return
	}
	id, _ := pathID(r, "explanationRequestId")
	e := f.explByID[id]
	if e == nil {
		writeError(w, r, http.StatusNotFound, "EXPLANATION_NOT_FOUND", "Explanation request not found")
		return
	}
	fakekit.WriteJSON(w, http.StatusOK, *e)
}

func (s *Server) createExplanationRequest(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeError(w, r, http.StatusBadRequest, "INVALID_BODY", "the request body could not be read")
		return
	}
	var req wiseflow.NewExplanationRequest
	r.Body = io.NopCloser(bytes.NewReader(body))
	if !decode(w, r, &req) {
		return
	}
	m := fields(body)
	if _, ok := m["participantId"]; !ok || req.ParticipantID <= 0 {
		writeError(w, r, http.StatusBadRequest, "PARTICIPANT_ID_MISSING", "participantId is required")
		return
	}
	show := true // the file's default, for a body that leaves it out
	if _, ok := m["showJustification"]; ok {
		show = req.ShowJustification
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f, found := s.flowOf(w, r)
	if !found {
		return
	}
	if f.byPID[req.ParticipantID] == nil {
		writeError(w, r, http.StatusNotFound, "PARTICIPANT_NOT_FOUND", "No participant with given id exists on the flow")
		return
	}
	if g := f.grades[req.ParticipantID]; g == nil || g.Grade == "" {
		writeError(w, r, http.StatusForbidden, "NOT_GRADED", "An explanation can only be requested for a grade")
		return
	}
	e, created, err := s.data.requestExplanation(f.flow.ID, req.ParticipantID, 0, s.data.now(), req.DueDate, show)
	if err != nil {
		writeError(w, r, http.StatusNotFound, "PARTICIPANT_NOT_FOUND", "No participant with given id exists on the flow")
		return
	}
	s.data.write(Write{Operation: "createExplanationRequest", FlowID: f.flow.ID, ID: e.ExplanationID, Created: created, ShowJustification: e.ShowJustification})
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		s.emitExplanation(f.flow.ID, e)
	}
	fakekit.WriteJSON(w, status, wiseflow.ExplanationRequestRef{ExplanationRequestID: e.ExplanationID, ShowJustification: e.ShowJustification})
}

func (s *Server) updateExplanationRequest(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeError(w, r, http.StatusBadRequest, "INVALID_BODY", "the request body could not be read")
		return
	}
	var req wiseflow.ExplanationVisibility
	r.Body = io.NopCloser(bytes.NewReader(body))
	if !decode(w, r, &req) {
		return
	}
	if _, ok := fields(body)["showJustification"]; !ok {
		writeError(w, r, http.StatusBadRequest, "SHOW_JUSTIFICATION_MISSING", "showJustification is required")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f, found := s.flowOf(w, r)
	if !found {
		return
	}
	id, _ := pathID(r, "explanationRequestId")
	e := f.explByID[id]
	if e == nil {
		writeError(w, r, http.StatusNotFound, "EXPLANATION_NOT_FOUND", "No explanation request with given id exists on the flow")
		return
	}
	e.ShowJustification = req.ShowJustification
	s.data.write(Write{Operation: "updateExplanationRequest", FlowID: f.flow.ID, ID: id, ShowJustification: req.ShowJustification})
	ok2(w, []wiseflow.ExplanationRequestRef{{ExplanationRequestID: id, ShowJustification: e.ShowJustification}})
}

// assessments lists a flow's grades, one per participant (grade empty until set).
func (f *flowRec) assessments() []wiseflow.Assessment {
	out := make([]wiseflow.Assessment, 0, len(f.participants))
	for _, p := range f.participants {
		if g := f.grades[p.ParticipantID]; g != nil {
			out = append(out, *g)
		} else {
			out = append(out, wiseflow.Assessment{ParticipantID: p.ParticipantID})
		}
	}
	return out
}

func (s *Server) getAssessments(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f, found := s.flowOf(w, r); found {
		fakekit.WriteJSON(w, http.StatusOK, f.assessments())
	}
}

func (s *Server) getAssessment(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, found := s.flowOf(w, r)
	if !found {
		return
	}
	pid, _ := pathID(r, "participantId")
	if f.byPID[pid] == nil {
		writeError(w, r, http.StatusNotFound, "PARTICIPANT_NOT_FOUND", "Flow or participant not found")
		return
	}
	a := wiseflow.Assessment{ParticipantID: pid}
	if g := f.grades[pid]; g != nil {
		a = *g
	}
	ok2(w, a)
}

func (s *Server) listSubmissions(w http.ResponseWriter, r *http.Request) {
	offset, limit, valid := pageParams(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	f, found := s.flowOf(w, r)
	if !found {
		return
	}
	if !valid {
		writeError(w, r, http.StatusBadRequest, "INVALID_QUERY", "offset must be 0 or more and limit between 1 and 100")
		return
	}
	out := []wiseflow.Submission{}
	for _, sub := range pageOf(f.submissions, offset, limit) {
		out = append(out, wiseflow.Submission{ID: sub.detail.ID, Status: sub.detail.Status, SimilarityReports: sub.detail.SimilarityReports})
	}
	okPage(w, out, offset, limit, len(f.submissions))
}

// submissionOf finds the submission of the path (404, or 403 when it is another flow's).
func (s *Server) submissionOf(w http.ResponseWriter, r *http.Request) (*flowRec, *submissionRec, bool) {
	f, found := s.flowOf(w, r)
	if !found {
		return nil, nil, false
	}
	id, _ := pathID(r, "submissionId")
	sub := f.subByID[id]
	if sub == nil {
		for _, other := range s.data.flows {
			if other.subByID[id] != nil {
				writeError(w, r, http.StatusForbidden, "SUBMISSION_NOT_ON_FLOW", "Submission is not associated with flow")
				return nil, nil, false
			}
		}
		writeError(w, r, http.StatusNotFound, "SUBMISSION_NOT_FOUND", "Submission not found")
		return nil, nil, false
	}
	return f, sub, true
}

func (s *Server) getSubmission(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, sub, found := s.submissionOf(w, r); found {
		fakekit.WriteJSON(w, http.StatusOK, sub.detail)
	}
}

// link returns a fresh download link for a file.
func (s *Server) link(f *flowRec, sub *submissionRec, fr *fileRec) wiseflow.SubmissionFile {
	info := fr.info
	tok := s.links.Add(fileRef{flow: f.flow.ID, submission: sub.detail.ID, file: fr.info.ID}, s.linkLifetime())
	info.Link = s.kit.Root() + FilePath + tok
	return info
}

func (s *Server) linkLifetime() time.Duration {
	if s.linkLife > 0 {
		return s.linkLife
	}
	return DefaultLinkLifetime
}

// ExpireLinks makes every download link handed out so far stop working (403), as links do
// after their lifetime.
func (s *Server) ExpireLinks() { s.links.Clear() }

// SetLinkLifetime sets how long the download links handed out from now on work.
func (s *Server) SetLinkLifetime(d time.Duration) {
	s.mu.Lock()
	s.linkLife = d
	s.mu.Unlock()
}

func (s *Server) getSubmissionFiles(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, sub, found := s.submissionOf(w, r)
	if !found {
		return
	}
	out := []wiseflow.SubmissionFile{}
	for _, fr := range sub.files {
		out = append(out, s.link(f, sub, fr))
	}
	ok2(w, out)
}

func (s *Server) getSubmissionFile(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, sub, found := s.submissionOf(w, r)
	if !found {
		return
	}
	id, _ := pathID(r, "fileId")
	for _, fr := range sub.files {
		if fr.info.ID == id {
			ok2(w, s.link(f, sub, fr))
			return
		}
	}
	writeError(w, r, http.StatusNotFound, "FILE_NOT_FOUND", "File not found")
}

// downloadFile serves a download link (ranges included) without credentials, as object
// storage does; an expired or unknown link is 403, as a presigned URL's is.
func (s *Server) downloadFile(w http.ResponseWriter, r *http.Request) {
	ref, live := s.links.Get(r.PathValue("token"))
	var fr *fileRec
	if live {
		s.mu.Lock()
		if f := s.data.flows[ref.flow]; f != nil {
			if sub := f.subByID[ref.submission]; sub != nil {
				for _, x := range sub.files {
					if x.info.ID == ref.file {
						fr = x
					}
				}
			}
		}
		s.mu.Unlock()
	}
	if fr == nil {
		http.Error(w, "AccessDenied: Request has expired", http.StatusForbidden)
		return
	}
	w.Header().Set("Content-Type", fr.info.ContentType)
	http.ServeContent(w, r, fr.info.Filename, fr.info.CreatedAt, fr.open())
}

func (s *Server) searchSources(w http.ResponseWriter, r *http.Request) {
	offset, limit, valid := pageParams(r)
	var req wiseflow.SourceSearch
	if !decode(w, r, &req) {
		return
	}
	if !valid {
		writeError(w, r, http.StatusBadRequest, "INVALID_QUERY", "offset must be 0 or more and limit between 1 and 100")
		return
	}
	pattern := strings.Split(req.SourceCode, wiseflow.SourceCodeSeparator)
	long := false
	for _, p := range pattern {
		if p != wiseflow.Wildcard && len([]rune(strings.TrimSpace(p))) >= 3 {
			long = true
		}
	}
	if !long {
		writeError(w, r, http.StatusBadRequest, "INVALID_SOURCE_CODE", "At least one parameter with 3 characters or more is required")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var hits []wiseflow.Source
	for _, id := range s.data.ids {
		f := s.data.flows[id]
		if req.FlowID != 0 && req.FlowID != id {
			continue
		}
		for _, src := range f.sources {
			if codeMatches(pattern, src.Code) {
				src.Flow = wiseflow.SourceFlow{Flowid: id, Title: f.flow.Name, State: f.flow.State}
				hits = append(hits, src)
			}
		}
	}
	out := pageOf(hits, offset, limit)
	if out == nil {
		out = []wiseflow.Source{}
	}
	okPage(w, out, offset, limit, len(hits))
}

// codeMatches compares a source code with a search pattern part by part: "*" matches any part,
// others match without regard to case; a pattern may leave out the code's last parts.
func codeMatches(pattern []string, code string) bool {
	parts := strings.Split(code, wiseflow.SourceCodeSeparator)
	if len(pattern) > len(parts) {
		return false
	}
	for i, p := range pattern {
		if p = strings.TrimSpace(p); p != wiseflow.Wildcard && !strings.EqualFold(p, strings.TrimSpace(parts[i])) {
			return false
		}
	}
	return true
}

func (s *Server) searchFlows(w http.ResponseWriter, r *http.Request) {
	offset, limit, valid := pageParams(r)
	var q wiseflow.FlowSearch
	if !decode(w, r, &q) {
		return
	}
	if !valid {
		writeError(w, r, http.StatusBadRequest, "INVALID_QUERY", "offset must be 0 or more and limit between 1 and 100")
		return
	}
	for _, st := range q.Metadata.States {
		if !st.Valid() {
			writeError(w, r, http.StatusBadRequest, "INVALID_STATE", "states holds a value that is not a flow state")
			return
		}
	}
	for _, p := range q.Metadata.Purposes {
		if !p.Valid() {
			writeError(w, r, http.StatusBadRequest, "INVALID_PURPOSE", "purposes holds a value that is not a purpose")
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var hits []wiseflow.FlowSummary
	total := 0
	for _, id := range s.data.ids {
		f := s.data.flows[id]
		if !matches(f, &q) {
			continue
		}
		if int64(total) >= offset && len(hits) < limit {
			hits = append(hits, f.summary())
		}
		total++
	}
	if hits == nil {
		hits = []wiseflow.FlowSummary{}
	}
	okPage(w, hits, offset, limit, total)
}

// summary is a flow as /flows/search lists it.
func (f *flowRec) summary() wiseflow.FlowSummary {
	out := wiseflow.FlowSummary{FlowID: f.flow.ID, Title: f.flow.Name, Subtitle: f.flow.SubName, CreatedAt: f.flow.CreationDate,
		Type: f.flow.Type, State: f.flow.State, Variant: f.flow.Variant, Purpose: f.flow.Purpose,
		Participation: wiseflow.Period{Start: f.flow.ParticipantStartDate, End: f.flow.ParticipantEndDate},
		Marking:       wiseflow.Period{Start: f.flow.AssessorStartDate, End: f.flow.AssessorEndDate}}
	for _, src := range f.sources {
		out.ExternalSourceReferences = append(out.ExternalSourceReferences, src.Code)
	}
	return out
}

// matches applies a search: every criterion given must hold; titles match parts, without
// regard to case.
func matches(f *flowRec, q *wiseflow.FlowSearch) bool {
	m := q.Metadata
	has := func(s, part string) bool {
		return part == "" || strings.Contains(strings.ToLower(s), strings.ToLower(part))
	}
	if !has(f.flow.Name, m.Title) || !has(f.flow.SubName, m.Subtitle) || !has(f.meta.Code, m.Code) || !has(f.meta.Term, m.Term) {
		return false
	}
	if m.ExternalSourceReference != "" && !slices.ContainsFunc(f.sources, func(s wiseflow.Source) bool { return has(s.Code, m.ExternalSourceReference) }) {
		return false
	}
	if len(m.States) > 0 && !slices.Contains(m.States, wiseflow.FlowSearchMetadataStates(f.flow.State.Name())) {
		return false
	}
	if len(m.Purposes) > 0 && !slices.Contains(m.Purposes, wiseflow.FlowSearchMetadataPurposes(f.flow.Purpose.Name())) {
		return false
	}
	if m.IsSis != nil && *m.IsSis != (len(f.sources) > 0) {
		return false
	}
	if (m.CreatedAt.From != 0 && f.flow.CreationDate < m.CreatedAt.From) || (m.CreatedAt.To != 0 && f.flow.CreationDate > m.CreatedAt.To) {
		return false
	}
	return period(f.flow.ParticipantStartDate, f.flow.ParticipantEndDate, q.Dates.Participation) &&
		period(f.flow.AssessorStartDate, f.flow.AssessorEndDate, q.Dates.Marking)
}

// period applies a date filter to a period.
func period(start, end wiseflow.UnixTime, p wiseflow.FlowSearchPeriod) bool {
	return compare(start, p.Start, p.StartComparator) && compare(end, p.End, p.EndComparator)
}

func compare(v, ref wiseflow.UnixTime, c wiseflow.Comparator) bool {
	if ref == 0 {
		return true
	}
	switch c {
	case wiseflow.ComparatorGREATER:
		return v > ref
	case wiseflow.ComparatorGREATEREQUAL:
		return v >= ref
	case wiseflow.ComparatorLESS:
		return v < ref
	case wiseflow.ComparatorLESSEQUAL:
		return v <= ref
	}
	return v == ref
}
