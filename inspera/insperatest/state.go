package insperatest

import (
	"cmp"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/edusync/edusync/inspera"
	"github.com/edusync/edusync/synth"
)

// state is the tenant's data. The Server's mutex guards it.
type state struct {
	opts      options
	users     map[inspera.ID]*user
	keys      map[string]inspera.ID // API key -> user
	tests     map[inspera.ID]*test
	external  map[string]inspera.ID
	subs      map[inspera.ID]*subscription
	jobs      map[string]*job
	writes    []Write
	nextID    inspera.ID
	nextJob   int
	staffName map[inspera.ID]string
}

type user struct {
	inspera.User
	api bool // an integration user with an API key
}

type test struct {
	id                      inspera.ID
	title, external, status string
	start, end, deadline    time.Time
	scale, purpose          string
	options                 inspera.TestOptions
	committees              []*committee
	candidates              []*candidate
	byNo                    map[string]*candidate
	units                   []inspera.OrganizationalUnit
}

type committee struct {
	id        inspera.ID
	name      string
	typ       inspera.CommitteeType
	examiners []inspera.ID
}

// Evaluation-round causes.
const (
	causeOrdinary = "ORDINARY"
	causeAppeal   = "APPEAL"
)

// round is one evaluation round of a candidate: the ordinary grading, then one per appeal.
type round struct {
	cause     string
	committee inspera.ID // who grades it
	grade     string     // "" until graded
	graded    time.Time
	grader    inspera.ID
	withdrawn bool
}

type candidate struct {
	user       inspera.ID
	no         string
	committee  inspera.ID
	attendance string
	extIDs     []inspera.ExternalUserID
	rounds     []round
	files      []synth.File
	submitted  time.Time
	deadline   time.Time
	restricted time.Time
	expl       *explanation
}

// Explanation states of the fake (Inspera's administered explanations).
const (
	explRequested = "REQUESTED"
	explReady     = "READY"
	explPublished = "PUBLISHED"
)

type explanation struct {
	status                      string
	requested, given, published time.Time
	text                        string
	doc                         synth.File
}

func newState(o options) *state {
	st := &state{opts: o, users: map[inspera.ID]*user{}, keys: map[string]inspera.ID{},
		tests: map[inspera.ID]*test{}, external: map[string]inspera.ID{}, subs: map[inspera.ID]*subscription{},
		jobs: map[string]*job{}, nextID: 9_000_000, staffName: map[inspera.ID]string{}}
	st.addAPIUser("integration", o.apiKey)
	return st
}

func (st *state) newID() inspera.ID { st.nextID++; return st.nextID }

func (st *state) addAPIUser(name, key string) inspera.ID {
	id := st.newID()
	st.users[id] = &user{User: inspera.User{UserID: id, Username: name, FirstName: "Integrasjon", LastName: name}, api: true}
	st.keys[key] = id
	st.staffName[id] = name
	return id
}

func (st *state) keyUser(key string) (inspera.ID, bool) {
	if key == "" {
		return 0, false
	}
	for k, id := range st.keys {
		if len(k) == len(key) && k == key {
			return id, true
		}
	}
	return 0, false
}

// current returns the candidate's current round (the last one not withdrawn), or nil.
func (c *candidate) current() *round {
	for i := len(c.rounds) - 1; i >= 0; i-- {
		if !c.rounds[i].withdrawn {
			return &c.rounds[i]
		}
	}
	return nil
}

// finalGrade returns the grade of the last graded round that is not withdrawn.
func (c *candidate) finalGrade() (string, time.Time) {
	for i := len(c.rounds) - 1; i >= 0; i-- {
		if r := c.rounds[i]; !r.withdrawn && r.grade != "" {
			return r.grade, r.graded
		}
	}
	return "", time.Time{}
}

// openAppeal reports whether the current round is an appeal not yet graded.
func (c *candidate) openAppeal() bool {
	r := c.current()
	return r != nil && r.cause == causeAppeal && r.grade == ""
}

func (c *candidate) gradingStatus() string {
	r := c.current()
	switch {
	case r == nil:
		return inspera.GradingNotStarted
	case r.grade != "":
		return inspera.GradingConfirmed
	case r.cause == causeAppeal:
		return inspera.GradingInProgress
	}
	return inspera.GradingNotStarted
}

func (t *test) committee(id inspera.ID) *committee {
	for _, c := range t.committees {
		if c.id == id {
			return c
		}
	}
	return nil
}

func (t *test) appealCommittee() *committee {
	for _, c := range t.committees {
		if c.typ == inspera.Reassessment {
			return c
		}
	}
	return nil
}

func (t *test) addCandidate(c *candidate) {
	t.candidates = append(t.candidates, c)
	t.byNo[c.no] = c
}

func (st *state) addTest(t *test) {
	if t.byNo == nil {
		t.byNo = map[string]*candidate{}
	}
	st.tests[t.id] = t
	if t.external != "" {
		st.external[t.external] = t.id
	}
}

// sortedTests returns the tests ordered by id.
func (st *state) sortedTests() []*test {
	out := make([]*test, 0, len(st.tests))
	for _, t := range st.tests {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b *test) int { return cmp.Compare(a.id, b.id) })
	return out
}

// testView renders t as GET /v1/test/{testId} answers it; link makes a candidate's file link.
func (st *state) testView(t *test, link func(f synth.File) string) inspera.Test {
	out := inspera.Test{
		AssessmentRunID:  t.id,
		GeneralInfo:      inspera.GeneralInfo{Title: t.title, Instance: st.opts.tenant, Status: t.status, StartTime: t.start, EndTime: t.end},
		AssessmentInfo:   inspera.AssessmentInfo{GradingScale: t.scale, GradingDeadline: t.deadline, Purpose: t.purpose},
		ExternalTestInfo: inspera.ExternalTestInfo{ExternalTestID: t.external, ExternalSystem: "FS"},
		Options:          t.options, OrganizationalUnits: t.units,
		Candidates: make([]inspera.Candidate, 0, len(t.candidates)),
	}
	graders := map[inspera.ID][]inspera.ID{}
	for _, c := range t.committees {
		out.Committees = append(out.Committees, inspera.Committee{CommitteeID: c.id, Name: c.name, Type: c.typ})
		for _, e := range c.examiners {
			graders[e] = append(graders[e], c.id)
		}
	}
	for _, id := range slices.Sorted(maps.Keys(graders)) {
		out.Contributors = append(out.Contributors, inspera.Contributor{UserID: id, Role: "GRADER", CommitteeIds: graders[id]})
	}
	for _, c := range t.candidates {
		out.Candidates = append(out.Candidates, st.candidateView(t, c, link))
	}
	return out
}

func (st *state) candidateView(t *test, c *candidate, link func(f synth.File) string) inspera.Candidate {
	grade, graded := c.finalGrade()
	v := inspera.Candidate{
		UserID: c.user, CandidateID: c.no, AttendanceStatus: c.attendance, DeliveryMode: "ONLINE",
		CommitteeID: c.committee, CommitteeGradingStatus: c.gradingStatus(),
		FinalGrade: inspera.GradeValue(grade), GradedDate: graded,
		StartTime: t.start, EndTime: c.submitted, DeliveryDeadline: c.deadline, RestrictedUntilDate: c.restricted,
		ExternalIds: c.extIDs,
	}
	if cm := t.committee(c.committee); cm != nil {
		v.CommitteeName = cm.name
	}
	for _, f := range c.files {
		v.AssetsDownloadInfo = append(v.AssetsDownloadInfo, inspera.Asset{FileName: f.Name, ContentType: f.ContentType, Size: f.Size, URL: link(f)})
	}
	return v
}

// Write is one write the server received through its API, applied or refused, as the flows'
// tests observe it.
type Write struct {
	// Operation is the operation id ("registerAppeals", "requestExplanations", ...).
	Operation string
	// User is the API user whose token made the request.
	User inspera.ID
	// Test is the test written to (0 for subscriptions and exports of none).
	Test inspera.ID
	// CandidateIDs are the candidates the request named; Changed those it changed.
	CandidateIDs, Changed []string
	// Status is the HTTP status the server answered, Code its error code when refused.
	Status int
	Code   string
	At     time.Time
}

func (st *state) record(w Write) {
	w.At = st.opts.now()
	st.writes = append(st.writes, w)
}

// matches reports whether t matches a search's criteria.
func (t *test) matches(title, instance, external, tenant string) bool {
	if title != "" && !strings.Contains(strings.ToLower(t.title), strings.ToLower(title)) {
		return false
	}
	if instance != "" && instance != tenant {
		return false
	}
	return external == "" || external == t.external
}
