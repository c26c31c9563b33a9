package fstest

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/edusync/edusync/fs"
	"github.com/edusync/edusync/fs/fsrules"
	"github.com/edusync/edusync/synth"
)

// caseKey names one candidate's case at one exam.
type caseKey struct{ vurdID, kandidatnr string }

// exam is an exam unit as FS holds it.
type exam struct {
	key    fs.ExamKey
	system fs.ExamSystem
	// appealCommittee is the unit's appeal committee (kommisjonsidNy of its appeals).
	appealCommittee fs.Number
	manualDeadline  fsrules.Date
}

// candidate is what FS knows of a candidate at an exam, for the records made from it.
type candidate struct {
	personlopenr                   fs.Number
	brukernavn, fornavn, etternavn string
	committee                      fs.Number
	announced                      fsrules.Date
}

// registration is an explanation registered on a request, with its document.
type registration struct {
	explanation fs.Explanation
}

// state is everything the fake holds; Server.mu guards it.
type state struct {
	exams      map[string]*exam // by vurdId
	candidates map[caseKey]*candidate
	appeals    map[caseKey]*fs.Appeal
	requests   map[caseKey]*fs.ExplanationRequest
	registered map[caseKey]*registration
	writes     []Write
	// units maps a vurdId to the synth exam unit loaded under it (LoadPopulation).
	units map[string]synth.ID
}

func (st *state) init() {
	st.exams = map[string]*exam{}
	st.candidates = map[caseKey]*candidate{}
	st.appeals = map[caseKey]*fs.Appeal{}
	st.requests = map[caseKey]*fs.ExplanationRequest{}
	st.registered = map[caseKey]*registration{}
	st.units = map[string]synth.ID{}
}

func byChange[T any](stamp func(*T) time.Time, vurd func(*T) string, cand func(*T) fs.Number) func(a, b *T) int {
	return func(a, b *T) int {
		return cmp.Or(stamp(a).Compare(stamp(b)), cmp.Compare(vurd(a), vurd(b)), cmp.Compare(cand(a), cand(b)))
	}
}

var (
	appealOrder = byChange(func(a *fs.Appeal) time.Time { return a.SistEndret.Time },
		func(a *fs.Appeal) string { return a.VurdID }, func(a *fs.Appeal) fs.Number { return a.Kandidatnr })
	requestOrder = byChange(func(r *fs.ExplanationRequest) time.Time { return r.SistEndret.Time },
		func(r *fs.ExplanationRequest) string { return r.VurdID }, func(r *fs.ExplanationRequest) fs.Number { return r.Kandidatnr })
)

// inScope reports whether vurdID is an exam of institution inst in exam system sys.
func (st *state) inScope(vurdID string, sys fs.ExamSystem, inst string) bool {
	e := st.exams[vurdID]
	return e != nil && e.system == sys && e.key.Institution == inst
}

// changedAppeals lists the appeals of inst's exams in sys changed at or after since, oldest
// change first: FS's siden semantics.
func (st *state) changedAppeals(sys fs.ExamSystem, inst string, since time.Time) []fs.Appeal {
	return sorted(st.appeals, func(a *fs.Appeal) bool {
		return st.inScope(a.VurdID, sys, inst) && !a.SistEndret.Before(since)
	}, appealOrder)
}

func (st *state) changedRequests(sys fs.ExamSystem, inst string, since time.Time) []fs.ExplanationRequest {
	return sorted(st.requests, func(r *fs.ExplanationRequest) bool {
		return st.inScope(r.VurdID, sys, inst) && !r.SistEndret.Before(since)
	}, requestOrder)
}

func (st *state) examAppeals(e *exam) []fs.Appeal {
	v := e.key.VurdID()
	return sorted(st.appeals, func(a *fs.Appeal) bool { return a.VurdID == v }, appealOrder)
}

func (st *state) examRequests(e *exam) []fs.ExplanationRequest {
	v := e.key.VurdID()
	return sorted(st.requests, func(r *fs.ExplanationRequest) bool { return r.VurdID == v }, requestOrder)
}

// Write is one request that asked FS to register an explanation, as the fake saw it: what a
// test checks to prove an explanation reached FS, and reached it once.
type Write struct {
	Operation   string // "createExplanation"
	System      fs.ExamSystem
	Explanation fs.Explanation // as sent, document included
	// Status is what the fake answered (before any fault replaced the answer).
	Status int
	// Repeat is set when FS already held the same explanation, so nothing changed.
	Repeat bool
	At     time.Time
}

// register applies an explanation: 404 for an exam or a request FS does not hold, 409 when
// another explanation is registered; otherwise the request records it and is stamped.
func (st *state) register(sys fs.ExamSystem, key fs.ExamKey, e *fs.Explanation, now time.Time) (int, string, string, *fs.ExplanationRequest) {
	w := Write{Operation: "createExplanation", System: sys, Explanation: *e, At: now}
	done := func(status int, code, msg string, req *fs.ExplanationRequest) (int, string, string, *fs.ExplanationRequest) {
		w.Status = status
		st.writes = append(st.writes, w)
		return status, code, msg, req
	}
	if ex := st.exams[key.VurdID()]; ex == nil || ex.system != sys {
		return done(http.StatusNotFound, "EKSAMEN_FINNES_IKKE", "no such exam in this exam system", nil)
	}
	k := caseKey{key.VurdID(), string(e.Kandidatnr)}
	req := st.requests[k]
	if req == nil {
		return done(http.StatusNotFound, "FORESPORSEL_FINNES_IKKE", "the candidate has not asked for an explanation of this exam", nil)
	}
	if old := st.registered[k]; old != nil {
		if !sameExplanation(&old.explanation, e) {
			return done(http.StatusConflict, "BEGRUNNELSE_FINNES", "another explanation is registered for the candidate", nil)
		}
		w.Repeat = true
		out := *req
		return done(http.StatusCreated, "", "", &out)
	}
	st.registered[k] = &registration{explanation: *e}
	req.DatoBegrunnelseGitt = e.DatoBegrunnelseGitt
	req.URLBegrunnelse = e.URLBegrunnelse
	req.ContentTypeBegrunnelse = e.ContentTypeBegrunnelse
	req.SistEndret = fs.Timestamp{Time: now}
	out := *req
	return done(http.StatusCreated, "", "", &out)
}

func sameExplanation(a, b *fs.Explanation) bool {
	return a.VurdID == b.VurdID && a.Kandidatnr == b.Kandidatnr && a.DatoBegrunnelseGitt == b.DatoBegrunnelseGitt &&
		a.DatoBegrunnelseBedtOm == b.DatoBegrunnelseBedtOm && a.URLBegrunnelse == b.URLBegrunnelse &&
		a.ContentTypeBegrunnelse == b.ContentTypeBegrunnelse && bytes.Equal(a.DokumentBegrunnelse, b.DokumentBegrunnelse)
}

// Writes returns every registration request the fake answered, in order.
func (s *Server) Writes() []Write {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Write(nil), s.state.writes...)
}

// Registered returns the explanation FS holds for a candidate at an exam (the document
// included), and whether there is one.
func (s *Server) Registered(vurdID string, kandidatnr fs.Number) (fs.Explanation, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.state.registered[caseKey{vurdID, string(kandidatnr)}]
	if r == nil {
		return fs.Explanation{}, false
	}
	return r.explanation, true
}

// Appeals returns every appeal FS holds, oldest change first.
func (s *Server) Appeals() []fs.Appeal {
	s.mu.Lock()
	defer s.mu.Unlock()
	return sorted(s.state.appeals, func(*fs.Appeal) bool { return true }, appealOrder)
}

// ExplanationRequests returns every explanation request FS holds, oldest change first.
func (s *Server) ExplanationRequests() []fs.ExplanationRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return sorted(s.state.requests, func(*fs.ExplanationRequest) bool { return true }, requestOrder)
}

// Appeal returns a candidate's appeal at an exam.
func (s *Server) Appeal(vurdID string, kandidatnr fs.Number) (fs.Appeal, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.state.appeals[caseKey{vurdID, string(kandidatnr)}]
	if a == nil {
		return fs.Appeal{}, false
	}
	return *a, true
}

// ExplanationRequest returns a candidate's explanation request at an exam.
func (s *Server) ExplanationRequest(vurdID string, kandidatnr fs.Number) (fs.ExplanationRequest, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.state.requests[caseKey{vurdID, string(kandidatnr)}]
	if r == nil {
		return fs.ExplanationRequest{}, false
	}
	return *r, true
}

// Lookup is the fake's fs.AnnouncementLookup: the announcement day FS holds for the candidate
// (from synth, or Announce) and the exam unit's manual appeal deadline. It knows nothing of
// exams and candidates it does not hold (zero dates, no error).
func (s *Server) Lookup(_ context.Context, q fs.AnnouncementQuery) (fs.UnitDates, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var u fs.UnitDates
	v := q.Exam.VurdID()
	if e := s.state.exams[v]; e != nil && e.system == q.System {
		u.ManualAppealDeadline = e.manualDeadline
		if c := s.state.candidates[caseKey{v, string(q.Candidate)}]; c != nil {
			u.Announced = c.announced
		}
	}
	return u, nil
}

// ErrUnknown is returned by the hooks for an exam or a candidate the fake does not hold.
var ErrUnknown = errors.New("fstest: no such exam or candidate")

// ErrState is returned by a hook that does not apply to the case as it stands (withdrawing an
// appeal that is not active, say).
var ErrState = errors.New("fstest: the case is not in a state this change applies to")

// candidateAt returns the candidate of vurdID and kandidatnr.
func (st *state) candidateAt(vurdID string, kandidatnr fs.Number) (*exam, *candidate, caseKey, error) {
	k := caseKey{vurdID, string(kandidatnr)}
	e, c := st.exams[vurdID], st.candidates[k]
	if e == nil || c == nil {
		return nil, nil, k, ErrUnknown
	}
	return e, c, k, nil
}

// change runs fn on the fake's state under its lock.
func (s *Server) change(fn func(st *state, now time.Time) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fn(&s.state, s.kit.Now())
}

// FileAppeal records that a candidate appealed on day received, as FS does when the student
// files it in Studentweb: an AKTIV appeal, graded anew by the unit's appeal committee, with the
// new grading due three weeks later. A withdrawn appeal filed again becomes AKTIV again; an
// active or decided one is ErrState.
func (s *Server) FileAppeal(vurdID string, kandidatnr fs.Number, received fsrules.Date) error {
	return s.change(func(st *state, now time.Time) error {
		e, c, k, err := st.candidateAt(vurdID, kandidatnr)
		if err != nil {
			return err
		}
		if a := st.appeals[k]; a != nil {
			if a.Klagestatus != fs.AppealWithdrawn {
				return ErrState
			}
			a.Klagestatus, a.SistEndret = fs.AppealActive, fs.Timestamp{Time: now}
			return nil
		}
		st.appeals[k] = &fs.Appeal{VurdID: vurdID, Kandidatnr: kandidatnr, Personlopenr: c.personlopenr,
			Brukernavn: c.brukernavn, Fornavn: c.fornavn, Etternavn: c.etternavn,
			Klagestatus: fs.AppealActive, DatoKlageMottat: received, Sensurfrist: received.AddDays(fsrules.AppealDays),
			KommisjonsidOppr: c.committee, KommisjonsidNy: e.appealCommittee, SistEndret: fs.Timestamp{Time: now}}
		return nil
	})
}

// WithdrawAppeal records that the candidate withdrew an active appeal (TRUKKET).
func (s *Server) WithdrawAppeal(vurdID string, kandidatnr fs.Number) error {
	return s.setAppeal(vurdID, kandidatnr, fs.AppealActive, func(a *fs.Appeal) { a.Klagestatus = fs.AppealWithdrawn })
}

// DecideAppeal records that the appeal committee decided an active appeal and the decision was
// sent on day sent (AVGJORT with datoVedtakFormidlet).
func (s *Server) DecideAppeal(vurdID string, kandidatnr fs.Number, sent fsrules.Date) error {
	return s.setAppeal(vurdID, kandidatnr, fs.AppealActive, func(a *fs.Appeal) {
		a.Klagestatus, a.DatoVedtakFormidlet = fs.AppealDecided, sent
	})
}

func (s *Server) setAppeal(vurdID string, kandidatnr fs.Number, want fs.AppealStatus, fn func(*fs.Appeal)) error {
	return s.change(func(st *state, now time.Time) error {
		a := st.appeals[caseKey{vurdID, string(kandidatnr)}]
		if a == nil {
			return ErrUnknown
		}
		if a.Klagestatus != want {
			return ErrState
		}
		fn(a)
		a.SistEndret = fs.Timestamp{Time: now}
		return nil
	})
}

// RequestExplanation records that a candidate asked for an explanation on day requested. A
// candidate asks once; a second request is ErrState.
func (s *Server) RequestExplanation(vurdID string, kandidatnr fs.Number, requested fsrules.Date) error {
	return s.change(func(st *state, now time.Time) error {
		_, c, k, err := st.candidateAt(vurdID, kandidatnr)
		if err != nil {
			return err
		}
		if st.requests[k] != nil {
			return ErrState
		}
		st.requests[k] = &fs.ExplanationRequest{VurdID: vurdID, Kandidatnr: kandidatnr, Personlopenr: c.personlopenr,
			Brukernavn: c.brukernavn, KommisjonsID: c.committee, DatoKlageMottat: requested, SistEndret: fs.Timestamp{Time: now}}
		return nil
	})
}

// Announce sets the day FS announced a candidate's result (what Lookup answers).
func (s *Server) Announce(vurdID string, kandidatnr fs.Number, day fsrules.Date) error {
	return s.change(func(st *state, _ time.Time) error {
		_, c, _, err := st.candidateAt(vurdID, kandidatnr)
		if err != nil {
			return err
		}
		c.announced = day
		return nil
	})
}

// Record names the kind of record Restamp changes.
type Record uint8

// The values of Record.
const (
	AppealRecord Record = iota + 1
	ExplanationRequestRecord
)

// Restamp sets the time a record last changed (sistEndret) to at, without changing it
// otherwise: a change FS stamped before it became visible (a long transaction, a clock behind),
// which a poller's overlap must still catch.
func (s *Server) Restamp(kind Record, vurdID string, kandidatnr fs.Number, at time.Time) error {
	return s.change(func(st *state, _ time.Time) error {
		k := caseKey{vurdID, string(kandidatnr)}
		switch kind {
		case AppealRecord:
			if a := st.appeals[k]; a != nil {
				a.SistEndret = fs.Timestamp{Time: at}
				return nil
			}
		case ExplanationRequestRecord:
			if r := st.requests[k]; r != nil {
				r.SistEndret = fs.Timestamp{Time: at}
				return nil
			}
		}
		return ErrUnknown
	})
}

// AddExam adds an exam unit in an exam system, for tests that build FS by hand; LoadPopulation
// adds synth's. appealCommittee is the unit's appeal committee.
func (s *Server) AddExam(system fs.ExamSystem, key fs.ExamKey, appealCommittee fs.Number, manualAppealDeadline fsrules.Date) error {
	if err := key.Validate(); err != nil {
		return err
	}
	if !system.Valid() {
		return ErrUnknown
	}
	return s.change(func(st *state, _ time.Time) error {
		st.exams[key.VurdID()] = &exam{key: key, system: system, appealCommittee: appealCommittee, manualDeadline: manualAppealDeadline}
		return nil
	})
}

// Candidate is a candidate of an exam, for AddCandidate.
type Candidate struct {
	Kandidatnr, Personlopenr fs.Number
	Brukernavn               string
	Fornavn, Etternavn       string
	// Committee is the committee that grades the candidate (kommisjonsid).
	Committee fs.Number
	// Announced is the day FS announced the result; zero until it is.
	Announced fsrules.Date
}

// AddCandidate adds (or replaces) a candidate of an exam AddExam or LoadPopulation added.
func (s *Server) AddCandidate(vurdID string, c Candidate) error {
	return s.change(func(st *state, _ time.Time) error {
		if st.exams[vurdID] == nil || c.Kandidatnr == "" {
			return ErrUnknown
		}
		st.candidates[caseKey{vurdID, string(c.Kandidatnr)}] = &candidate{personlopenr: c.Personlopenr,
			brukernavn: c.Brukernavn, fornavn: c.Fornavn, etternavn: c.Etternavn,
			committee: c.Committee, announced: c.Announced}
		return nil
	})
}
