package insperatest

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"

	"github.com/edusync/edusync/inspera"
	"github.com/edusync/edusync/internal/fakekit"
	"github.com/edusync/edusync/synth"
)

// findTest resolves the testId path value (with isExternal) or answers 404. Call it holding
// s.mu.
func (s *Server) findTest(w http.ResponseWriter, r *http.Request) *test {
	ref := r.PathValue("testId")
	var t *test
	if ext := r.URL.Query().Get("isExternal"); ext == "true" {
		if id, ok := s.st.external[ref]; ok {
			t = s.st.tests[id]
		}
	} else if ext != "" && ext != "false" {
		writeError(w, r, http.StatusBadRequest, "INVALID_PARAMETER", "isExternal must be true or false")
		return nil
	} else if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		t = s.st.tests[inspera.ID(id)]
	}
	if t == nil {
		writeError(w, r, http.StatusNotFound, "TEST_NOT_FOUND", "no such test")
	}
	return t
}

// decode reads a JSON request body into v, refusing members the operation does not take, or
// answers 400.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeError(w, r, http.StatusRequestEntityTooLarge, "BODY_TOO_LARGE", "the request body is too large")
			return false
		}
		writeError(w, r, http.StatusBadRequest, "INVALID_BODY", "the request body is not the JSON the operation takes")
		return false
	}
	if dec.More() {
		writeError(w, r, http.StatusBadRequest, "INVALID_BODY", "the request body holds more than one JSON value")
		return false
	}
	return true
}

// linker returns the function that makes download links valid for the request's token.
func (s *Server) linker(r *http.Request) func(f synth.File) string {
	sess := sessionOf(r)
	return func(f synth.File) string { return s.newLink(f, sess.expires) }
}

func (s *Server) getTest(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	t := s.findTest(w, r)
	if t == nil {
		s.mu.Unlock()
		return
	}
	view := s.st.testView(t, s.linker(r))
	s.mu.Unlock()
	fakekit.WriteJSON(w, http.StatusOK, view)
}

func (s *Server) searchTests(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	offset, limit := 0, 100
	var err error
	if v := q.Get("offset"); v != "" {
		if offset, err = strconv.Atoi(v); err != nil || offset < 0 {
			writeError(w, r, http.StatusBadRequest, "INVALID_PARAMETER", "offset must be a number of at least 0")
			return
		}
	}
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > inspera.MaxPageSize {
			writeError(w, r, http.StatusBadRequest, "INVALID_PARAMETER", "limit must be a number from 1 to 500")
			return
		}
	}
	s.mu.Lock()
	var hits []inspera.TestSummary
	for _, t := range s.st.sortedTests() {
		if t.matches(q.Get("title"), q.Get("instance"), q.Get("externalTestId"), s.opts.tenant) {
			hits = append(hits, inspera.TestSummary{AssessmentRunID: t.id, Title: t.title, ExternalTestID: t.external,
				Instance: s.opts.tenant, StartTime: t.start, EndTime: t.end})
		}
	}
	s.mu.Unlock()
	out := inspera.TestSearchResult{TotalHits: int64(len(hits)), Tests: []inspera.TestSummary{}}
	if offset < len(hits) {
		out.Tests = hits[offset:min(offset+limit, len(hits))]
	}
	fakekit.WriteJSON(w, http.StatusOK, out)
}

// explanationOptions are the options of the explanation group the fake knows, all booleans.
var explanationOptions = []string{inspera.OptionExplanationAdministration, inspera.OptionExplanationsForAllGrades}

func (s *Server) setTestOptions(w http.ResponseWriter, r *http.Request) {
	var body inspera.TestOptionsBody
	if !decode(w, r, &body) {
		return
	}
	for _, o := range body.TestOptions.ExplanationOptions {
		if !slices.Contains(explanationOptions, o.Option) {
			writeError(w, r, http.StatusBadRequest, "INVALID_OPTION", "unknown explanation option "+strconv.Quote(o.Option))
			return
		}
		if _, ok := o.Value.(bool); !ok {
			writeError(w, r, http.StatusBadRequest, "INVALID_OPTION", o.Option+" takes true or false")
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.findTest(w, r)
	if t == nil {
		return
	}
	o := &t.options
	o.ExplanationOptions = mergeOptions(o.ExplanationOptions, body.TestOptions.ExplanationOptions)
	o.SecurityOptions = mergeOptions(o.SecurityOptions, body.TestOptions.SecurityOptions)
	o.GeneralOptions = mergeOptions(o.GeneralOptions, body.TestOptions.GeneralOptions)
	var changed []string
	if all, _ := o.Option(inspera.OptionExplanationsForAllGrades); all == true && o.ExplanationAdministration() {
		for _, c := range t.candidates {
			if g, _ := c.finalGrade(); g != "" && c.expl == nil {
				c.expl = &explanation{status: explRequested, requested: s.opts.now()}
				changed = append(changed, c.no)
			}
		}
	}
	s.st.record(Write{Operation: "setTestOptions", User: sessionOf(r).user, Test: t.id, Changed: changed, Status: http.StatusOK})
	fakekit.WriteJSON(w, http.StatusOK, inspera.TestOptionsBody{TestOptions: *o})
}

// mergeOptions sets the options of set in have, replacing those of the same name.
func mergeOptions(have, set []inspera.TestOption) []inspera.TestOption {
	for _, o := range set {
		i := slices.IndexFunc(have, func(h inspera.TestOption) bool { return h.Option == o.Option })
		if i >= 0 {
			have[i] = o
		} else {
			have = append(have, o)
		}
	}
	return have
}

func (s *Server) getExplanations(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	t := s.findTest(w, r)
	if t == nil {
		s.mu.Unlock()
		return
	}
	link := s.linker(r)
	out := inspera.ExplanationList{Explanations: []inspera.Explanation{}}
	for _, c := range t.candidates {
		e := c.expl
		if e == nil || e.status != explPublished {
			continue
		}
		v := inspera.Explanation{UserID: c.user, CandidateID: c.no, CommitteeID: c.committee, Status: explPublished,
			RequestedDate: e.requested, GivenDate: e.given, PublishedDate: e.published, Text: e.text}
		if !e.doc.IsZero() {
			v.Document = inspera.Asset{FileName: e.doc.Name, ContentType: e.doc.ContentType, Size: e.doc.Size, URL: link(e.doc)}
		}
		out.Explanations = append(out.Explanations, v)
	}
	s.mu.Unlock()
	fakekit.WriteJSON(w, http.StatusOK, out)
}

// candidateWrite reads {"candidateIds": [...]}, finds the test and the candidates (answering
// 404 for the test or any unknown candidate) and calls apply holding s.mu; apply refuses with
// a code, or returns what changed. The write is recorded either way.
func (s *Server) candidateWrite(w http.ResponseWriter, r *http.Request, op string,
	apply func(t *test, cands []*candidate) (changed []string, status int, code, msg string, refused []string)) {
	var body inspera.CandidateIdsBody
	if !decode(w, r, &body) {
		return
	}
	ids := dedupe(body.CandidateIds)
	if len(ids) == 0 {
		writeError(w, r, http.StatusBadRequest, "INVALID_BODY", "candidateIds must name at least one candidate")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.findTest(w, r)
	if t == nil {
		return
	}
	rec := Write{Operation: op, User: sessionOf(r).user, Test: t.id, CandidateIDs: ids}
	cands, missing := t.lookup(ids)
	if len(missing) > 0 {
		s.refuse(w, r, rec, http.StatusNotFound, "CANDIDATE_NOT_FOUND", "no such candidate on the test", missing)
		return
	}
	changed, status, code, msg, refused := apply(t, cands)
	if status != http.StatusOK {
		s.refuse(w, r, rec, status, code, msg, refused)
		return
	}
	rec.Status, rec.Changed = status, changed
	s.st.record(rec)
	out := inspera.WriteResult{Changed: []string{}, Unchanged: []string{}}
	for _, id := range ids {
		if slices.Contains(changed, id) {
			out.Changed = append(out.Changed, id)
		} else {
			out.Unchanged = append(out.Unchanged, id)
		}
	}
	fakekit.WriteJSON(w, http.StatusOK, out)
}

// refuse records a refused write (s.mu held) and answers it in Inspera's error body.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, rec Write, status int, code, msg string, candidates []string) {
	rec.Status, rec.Code = status, code
	s.st.record(rec)
	writeRefusal(w, r, status, code, msg, candidates)
}

func dedupe(ids []string) []string {
	var out []string
	for _, id := range ids {
		if id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

func (t *test) lookup(ids []string) (found []*candidate, missing []string) {
	for _, id := range ids {
		if c := t.byNo[id]; c != nil {
			found = append(found, c)
		} else {
			missing = append(missing, id)
		}
	}
	return found, missing
}

// ungraded returns the candidates without a final grade.
func ungraded(cands []*candidate) []string {
	var out []string
	for _, c := range cands {
		if g, _ := c.finalGrade(); g == "" {
			out = append(out, c.no)
		}
	}
	return out
}

func (s *Server) requestExplanations(w http.ResponseWriter, r *http.Request) {
	s.candidateWrite(w, r, "requestExplanations", func(t *test, cands []*candidate) ([]string, int, string, string, []string) {
		if !t.options.ExplanationAdministration() {
			return nil, http.StatusConflict, "EXPLANATIONS_DISABLED", "explanation administration is not enabled on the test", nil
		}
		if no := ungraded(cands); len(no) > 0 {
			return nil, http.StatusConflict, "NOT_GRADED", "explanations can be requested only for graded candidates", no
		}
		var published []string
		for _, c := range cands {
			if c.expl != nil && c.expl.status == explPublished {
				published = append(published, c.no)
			}
		}
		if len(published) > 0 {
			return nil, http.StatusConflict, "EXPLANATION_PUBLISHED", "published explanations are final and cannot be requested again", published
		}
		var changed []string
		for _, c := range cands {
			if c.expl == nil {
				c.expl = &explanation{status: explRequested, requested: s.opts.now()}
				changed = append(changed, c.no)
			}
		}
		return changed, http.StatusOK, "", "", nil
	})
}

func (s *Server) registerAppeals(w http.ResponseWriter, r *http.Request) {
	s.candidateWrite(w, r, "registerAppeals", func(t *test, cands []*candidate) ([]string, int, string, string, []string) {
		if no := ungraded(cands); len(no) > 0 {
			return nil, http.StatusConflict, "NOT_GRADED", "only a graded candidate can appeal", no
		}
		var decided []string
		for _, c := range cands {
			if cur := c.current(); cur.cause == causeAppeal && cur.grade != "" {
				decided = append(decided, c.no)
			}
		}
		if len(decided) > 0 {
			return nil, http.StatusConflict, "APPEAL_DECIDED", "the appeal is decided; a decision cannot be appealed", decided
		}
		var changed []string
		for _, c := range cands {
			if c.openAppeal() {
				continue
			}
			grader := c.committee
			if ac := t.appealCommittee(); ac != nil {
				grader = ac.id
			}
			c.rounds = append(c.rounds, round{cause: causeAppeal, committee: grader})
			changed = append(changed, c.no)
		}
		return changed, http.StatusOK, "", "", nil
	})
}

func (s *Server) withdrawAppeals(w http.ResponseWriter, r *http.Request) {
	s.candidateWrite(w, r, "withdrawAppeals", func(t *test, cands []*candidate) ([]string, int, string, string, []string) {
		var decided []string
		for _, c := range cands {
			if cur := c.current(); cur != nil && cur.cause == causeAppeal && cur.grade != "" {
				decided = append(decided, c.no)
			}
		}
		if len(decided) > 0 {
			return nil, http.StatusConflict, "APPEAL_DECIDED", "a graded appeal cannot be withdrawn", decided
		}
		var changed []string
		for _, c := range cands {
			if !c.openAppeal() {
				continue
			}
			c.current().withdrawn = true
			if cur := c.current(); cur != nil && t.committee(cur.committee) != nil {
				c.committee = cur.committee // back with the committee that graded the standing result
			}
			changed = append(changed, c.no)
		}
		return changed, http.StatusOK, "", "", nil
	})
}

func (s *Server) createCommittees(w http.ResponseWriter, r *http.Request) {
	var body inspera.CommitteesBody
	if !decode(w, r, &body) {
		return
	}
	if len(body.Committees) == 0 {
		writeError(w, r, http.StatusBadRequest, "INVALID_BODY", "committees must name at least one committee")
		return
	}
	for _, c := range body.Committees {
		if c.Name == "" || len([]rune(c.Name)) > 50 {
			writeError(w, r, http.StatusBadRequest, "INVALID_COMMITTEE", "a committee name has 1 to 50 characters")
			return
		}
		if c.Type != "" && !c.Type.Valid() {
			writeError(w, r, http.StatusBadRequest, "INVALID_COMMITTEE", "a committee type is GRADING or REASSESSMENT")
			return
		}
		if c.CommitteeID != 0 {
			writeError(w, r, http.StatusBadRequest, "INVALID_COMMITTEE", "committeeId is assigned by Inspera")
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.findTest(w, r)
	if t == nil {
		return
	}
	out := inspera.CommitteesBody{}
	for _, in := range body.Committees {
		typ := in.Type
		if typ == "" {
			typ = inspera.Grading
		}
		i := slices.IndexFunc(t.committees, func(c *committee) bool { return c.name == in.Name })
		if i < 0 {
			t.committees = append(t.committees, &committee{id: s.st.newID(), name: in.Name, typ: typ})
			i = len(t.committees) - 1
		}
		c := t.committees[i]
		c.typ = typ
		out.Committees = append(out.Committees, inspera.Committee{CommitteeID: c.id, Name: c.name, Type: c.typ})
	}
	s.st.record(Write{Operation: "createCommittees", User: sessionOf(r).user, Test: t.id, Status: http.StatusOK})
	fakekit.WriteJSON(w, http.StatusOK, out)
}

func (s *Server) moveCandidates(w http.ResponseWriter, r *http.Request) {
	var body inspera.MoveCandidatesBody
	if !decode(w, r, &body) {
		return
	}
	ids := dedupe(body.CandidateIds)
	if len(ids) == 0 || body.CommitteeID == 0 {
		writeError(w, r, http.StatusBadRequest, "INVALID_BODY", "committeeId and at least one candidate are required")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.findTest(w, r)
	if t == nil {
		return
	}
	rec := Write{Operation: "moveCommitteeCandidates", User: sessionOf(r).user, Test: t.id, CandidateIDs: ids}
	cm := t.committee(body.CommitteeID)
	if cm == nil {
		s.refuse(w, r, rec, http.StatusNotFound, "COMMITTEE_NOT_FOUND", "no such committee on the test", nil)
		return
	}
	cands, missing := t.lookup(ids)
	if len(missing) > 0 {
		s.refuse(w, r, rec, http.StatusNotFound, "CANDIDATE_NOT_FOUND", "no such candidate on the test", missing)
		return
	}
	out := inspera.WriteResult{Changed: []string{}, Unchanged: []string{}}
	for _, c := range cands {
		if c.committee == cm.id {
			out.Unchanged = append(out.Unchanged, c.no)
			continue
		}
		c.committee = cm.id
		if cur := c.current(); cur != nil && cur.grade == "" {
			cur.committee = cm.id
		}
		out.Changed = append(out.Changed, c.no)
	}
	rec.Status, rec.Changed = http.StatusOK, out.Changed
	s.st.record(rec)
	fakekit.WriteJSON(w, http.StatusOK, out)
}

func (s *Server) getResults(w http.ResponseWriter, r *http.Request) {
	testID, err1 := strconv.ParseInt(r.PathValue("testId"), 10, 64)
	userID, err2 := strconv.ParseInt(r.PathValue("userId"), 10, 64)
	if err1 != nil || err2 != nil {
		writeError(w, r, http.StatusBadRequest, "INVALID_PARAMETER", "testId and userId are numbers")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.st.tests[inspera.ID(testID)]
	var c *candidate
	if t != nil {
		for _, x := range t.candidates {
			if x.user == inspera.ID(userID) {
				c = x
			}
		}
	}
	if c == nil {
		writeError(w, r, http.StatusNotFound, "CANDIDATE_NOT_FOUND", "no such candidate on the test")
		return
	}
	out := inspera.CandidateResults{UserID: c.user, CandidateID: c.no, ExternalUserIds: c.extIDs,
		AssessmentRunID: t.id, AssessmentRunTitle: t.title, AssessmentRunStartTime: t.start, AssessmentRunEndTime: t.end,
		ExtInsperaSessionID: "session-" + c.user.String(), TaskID: "task-" + t.id.String()}
	n := 0
	for _, rd := range c.rounds {
		if rd.withdrawn {
			continue
		}
		n++
		er := inspera.EvaluationRound{RoundID: n, FinalGrade: inspera.GradeValue(rd.grade), JaggedAnalysisStatus: "NONE"}
		if rd.grader != 0 {
			er.RoundGrades = []inspera.RoundGrade{{EvaluatorUserID: rd.grader}}
		}
		out.EvaluationRounds = append(out.EvaluationRounds, er)
	}
	fakekit.WriteJSON(w, http.StatusOK, out)
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("userId"), 10, 64)
	if err != nil {
		writeError(w, r, http.StatusBadRequest, "INVALID_PARAMETER", "userId is a number")
		return
	}
	s.mu.Lock()
	u := s.st.users[inspera.ID(id)]
	var out inspera.User
	if u != nil {
		out = u.User
	}
	s.mu.Unlock()
	if u == nil {
		writeError(w, r, http.StatusNotFound, "USER_NOT_FOUND", "no such user")
		return
	}
	fakekit.WriteJSON(w, http.StatusOK, out)
}

// jsonBytes encodes v for a webhook body or a fixed answer.
func jsonBytes(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}
