package insperatest

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/edusync/edusync/inspera"
	"github.com/edusync/edusync/synth"
)

// Errors of the hooks that move the tenant on.
var (
	ErrNoTest      = errors.New("insperatest: no such test")
	ErrNoCandidate = errors.New("insperatest: no such candidate on the test")
	// ErrState: the step does not fit where the candidate is (an explanation given before it
	// was requested, an appeal concluded that is not open, ...).
	ErrState = errors.New("insperatest: the candidate is not in a state for that")
)

// TestData describes a test to add (AddTest), for tests that build their tenant by hand rather
// than from synth (LoadPopulation).
type TestData struct {
	// ID is the test's id (assessmentRunId); 0 gives it a new one.
	ID         inspera.ID
	Title      string
	ExternalID string // FS's vurdId
	Start, End time.Time
	// GradingDeadline is the sensurfrist.
	GradingDeadline time.Time
	Scale, Purpose  string
	Committees      []CommitteeData
	Candidates      []CandidateData
	// ExplanationAdministration enables administered explanations from the start.
	ExplanationAdministration bool
}

// CommitteeData describes a committee of a TestData.
type CommitteeData struct {
	ID        inspera.ID // 0: a new id
	Name      string
	Type      inspera.CommitteeType // default GRADING
	Examiners []inspera.ID
}

// CandidateData describes a candidate of a TestData.
type CandidateData struct {
	UserID      inspera.ID // 0: a new user
	CandidateID string     // the kandidatnr
	// Committee is the committee's id, or its index in TestData.Committees when that has no
	// ids; the first committee when 0.
	Committee inspera.ID
	// Grade is the ordinary round's final grade, given on Graded; "" for none yet.
	Grade  string
	Graded time.Time
	// Files are the files handed in (a thesis and its appendices), served from pre-signed links.
	Files     []synth.File
	Submitted time.Time
	// RestrictedUntil keeps a confidential thesis closed until then.
	RestrictedUntil time.Time
	ExternalIDs     []inspera.ExternalUserID
	// Username, FirstName and LastName describe the user when UserID is 0 or not known yet.
	Username, FirstName, LastName string
}

// AddTest adds a test and returns its id. Candidates' users are created as needed.
func (s *Server) AddTest(d TestData) inspera.ID {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.add(d)
}

func (st *state) add(d TestData) inspera.ID {
	t := &test{id: d.ID, title: d.Title, external: d.ExternalID, status: "ACTIVE", start: d.Start, end: d.End,
		deadline: d.GradingDeadline, scale: d.Scale, purpose: d.Purpose, byNo: map[string]*candidate{}}
	if t.id == 0 {
		t.id = st.newID()
	}
	if d.ExplanationAdministration {
		t.options.ExplanationOptions = []inspera.TestOption{{Option: inspera.OptionExplanationAdministration, Value: true}}
	}
	for _, c := range d.Committees {
		id := c.ID
		if id == 0 {
			id = st.newID()
		}
		typ := c.Type
		if typ == "" {
			typ = inspera.Grading
		}
		t.committees = append(t.committees, &committee{id: id, name: c.Name, typ: typ, examiners: c.Examiners})
	}
	if len(t.committees) == 0 {
		t.committees = []*committee{{id: st.newID(), name: "Kommisjon 1", typ: inspera.Grading}}
	}
	for _, cd := range d.Candidates {
		c := &candidate{user: cd.UserID, no: cd.CandidateID, attendance: "SUBMITTED", extIDs: cd.ExternalIDs,
			files: cd.Files, submitted: cd.Submitted, deadline: d.End, restricted: cd.RestrictedUntil}
		if c.user == 0 {
			c.user = st.newID()
		}
		if _, ok := st.users[c.user]; !ok {
			st.users[c.user] = &user{User: inspera.User{UserID: c.user, Username: cd.Username, FirstName: cd.FirstName,
				LastName: cd.LastName, ExternalIds: cd.ExternalIDs}}
		}
		c.committee = t.committees[0].id
		if cm := t.committee(cd.Committee); cm != nil {
			c.committee = cm.id
		} else if i := int(cd.Committee); i > 0 && i < len(t.committees) {
			c.committee = t.committees[i].id
		}
		r := round{cause: causeOrdinary, committee: c.committee}
		if cd.Grade != "" {
			r.grade, r.graded = cd.Grade, cd.Graded
			if cm := t.committee(c.committee); cm != nil && len(cm.examiners) > 0 {
				r.grader = cm.examiners[0]
			}
		}
		c.rounds = []round{r}
		t.addCandidate(c)
	}
	st.addTest(t)
	return t.id
}

// AddAPIUser adds an integration user with its own API key and returns the user's id. A client
// made with ClientAs(key) acts as that user: its writes are not delivered to its own
// subscriptions.
func (s *Server) AddAPIUser(name, apiKey string) inspera.ID {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.addAPIUser(name, apiKey)
}

// APIUser returns the user id of an API key.
func (s *Server) APIUser(apiKey string) (inspera.ID, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.keyUser(apiKey)
}

// candidateFor finds a test and one of its candidates. The caller holds s.mu.
func (s *Server) candidateFor(testID inspera.ID, no string) (*test, *candidate, error) {
	t := s.st.tests[testID]
	if t == nil {
		return nil, nil, fmt.Errorf("%w: %d", ErrNoTest, testID)
	}
	c := t.byNo[no]
	if c == nil {
		return nil, nil, fmt.Errorf("%w: %q on test %d", ErrNoCandidate, no, testID)
	}
	return t, c, nil
}

// grader returns who grades c's current round (the committee's first examiner), for events.
func (t *test) grader(c *candidate) inspera.ID {
	if r := c.current(); r != nil {
		if cm := t.committee(r.committee); cm != nil && len(cm.examiners) > 0 {
			return cm.examiners[0]
		}
	}
	return 0
}

// GradeCandidate sets the grade of a candidate's ordinary round, as its committee does when it
// confirms the result; ConfirmFinalGrades then tells the subscribers.
func (s *Server) GradeCandidate(testID inspera.ID, candidateID, grade string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, c, err := s.candidateFor(testID, candidateID)
	if err != nil {
		return err
	}
	if grade == "" || len(c.rounds) == 0 || c.rounds[0].withdrawn {
		return fmt.Errorf("%w: grading needs a grade and an ordinary round", ErrState)
	}
	r := &c.rounds[0]
	r.grade, r.graded, r.grader = grade, s.opts.now(), t.grader(c)
	return nil
}

// ConfirmFinalGrades marks the test graded and sends confirm_final_grades, triggered by the
// first examiner of its first committee.
func (s *Server) ConfirmFinalGrades(testID inspera.ID) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.st.tests[testID]
	if t == nil {
		return fmt.Errorf("%w: %d", ErrNoTest, testID)
	}
	t.status = "GRADED"
	var by inspera.ID
	if len(t.committees) > 0 && len(t.committees[0].examiners) > 0 {
		by = t.committees[0].examiners[0]
	}
	s.emitLocked(event{name: inspera.EventConfirmFinalGrades, contextID: t.id.String(), contextType: "ASSESSMENT_RUN", by: by})
	return nil
}

// GiveExplanation is the examiner writing the requested explanation of a candidate's grade
// (text, and doc when not zero); it is ready to send but not published, so GetExplanations does
// not list it yet.
func (s *Server) GiveExplanation(testID inspera.ID, candidateID, text string, doc synth.File) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, c, err := s.candidateFor(testID, candidateID)
	if err != nil {
		return err
	}
	if c.expl == nil || c.expl.status != explRequested {
		return fmt.Errorf("%w: no explanation is requested for candidate %q", ErrState, candidateID)
	}
	c.expl.status, c.expl.given, c.expl.text, c.expl.doc = explReady, s.opts.now(), text, doc
	return nil
}

// PublishExplanation sends a given explanation to the candidate: it is final from now on, listed
// by GetExplanations, and explanation_published goes out (triggered by the examiner).
func (s *Server) PublishExplanation(testID inspera.ID, candidateID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, c, err := s.candidateFor(testID, candidateID)
	if err != nil {
		return err
	}
	if c.expl == nil || c.expl.status != explReady {
		return fmt.Errorf("%w: no explanation is ready for candidate %q", ErrState, candidateID)
	}
	c.expl.status, c.expl.published = explPublished, s.opts.now()
	s.emitLocked(event{name: inspera.EventExplanationPublished, contextID: t.id.String(), contextType: "ASSESSMENT_RUN",
		assocID: c.user.String(), assocType: "USER", by: t.grader(c)})
	return nil
}

// ConcludeAppeal is the appeal committee grading a candidate's open appeal round (the grade may
// be lower); appeal_graded goes out.
func (s *Server) ConcludeAppeal(testID inspera.ID, candidateID, grade string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, c, err := s.candidateFor(testID, candidateID)
	if err != nil {
		return err
	}
	if !c.openAppeal() || grade == "" {
		return fmt.Errorf("%w: candidate %q has no open appeal", ErrState, candidateID)
	}
	r := c.current()
	r.grade, r.graded, r.grader = grade, s.opts.now(), t.grader(c)
	s.emitLocked(event{name: inspera.EventAppealGraded, contextID: t.id.String(), contextType: "ASSESSMENT_RUN",
		assocID: c.user.String(), assocType: "USER", by: r.grader})
	return nil
}

// DeliverThesis is a candidate handing in files (a thesis and its appendices):
// submission_delivered goes out, triggered by the candidate.
func (s *Server) DeliverThesis(testID inspera.ID, candidateID string, files ...synth.File) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, c, err := s.candidateFor(testID, candidateID)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("%w: a delivery needs files", ErrState)
	}
	c.files, c.submitted, c.attendance = slices.Clone(files), s.opts.now(), "SUBMITTED"
	s.emitLocked(event{name: inspera.EventSubmissionDelivered, contextID: t.id.String(), contextType: "ASSESSMENT_RUN",
		assocID: c.user.String(), assocType: "USER", by: c.user})
	return nil
}

// Test returns a test as GET /v1/test/{testId} answers it (without download links).
func (s *Server) Test(testID inspera.ID) (inspera.Test, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.st.tests[testID]
	if t == nil {
		return inspera.Test{}, false
	}
	return s.st.testView(t, func(synth.File) string { return "" }), true
}

// TestIDs returns the ids of the tenant's tests, ordered.
func (s *Server) TestIDs() []inspera.ID {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []inspera.ID
	for _, t := range s.st.sortedTests() {
		out = append(out, t.id)
	}
	return out
}

// ExplanationStatus returns the state of a candidate's explanation: "" (none), "REQUESTED",
// "READY" (given, not sent) or "PUBLISHED".
func (s *Server) ExplanationStatus(testID inspera.ID, candidateID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, c, err := s.candidateFor(testID, candidateID); err == nil && c.expl != nil {
		return c.expl.status
	}
	return ""
}

// Round is one evaluation round of a candidate, as Rounds lists them.
type Round struct {
	// Cause is ORDINARY or APPEAL.
	Cause     string
	Committee inspera.ID
	Grade     string
	Graded    time.Time
	Withdrawn bool
}

// Rounds returns a candidate's evaluation rounds, withdrawn ones included.
func (s *Server) Rounds(testID inspera.ID, candidateID string) []Round {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, c, err := s.candidateFor(testID, candidateID)
	if err != nil {
		return nil
	}
	out := make([]Round, len(c.rounds))
	for i, r := range c.rounds {
		out[i] = Round{Cause: r.cause, Committee: r.committee, Grade: r.grade, Graded: r.graded, Withdrawn: r.withdrawn}
	}
	return out
}

// Writes returns the writes received through the API, applied and refused, oldest first.
func (s *Server) Writes() []Write {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.st.writes)
}

// Subscriptions returns every user's subscriptions.
func (s *Server) Subscriptions() []inspera.Subscription {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []inspera.Subscription
	for _, id := range slices.Sorted(mapKeys(s.st.subs)) {
		out = append(out, s.st.subs[id].Subscription)
	}
	return out
}
