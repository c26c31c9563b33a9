package fstest

import (
	"hash/fnv"
	"strconv"
	"time"

	"github.com/edusync/edusync/fs"
	"github.com/edusync/edusync/fs/fsrules"
	"github.com/edusync/edusync/synth"
)

// SmallUniversity generates a small Norwegian university in its grading season: synth's
// "university-no" preset (22 June 2026) scaled down to about 800 candidates and 40 theses,
// for tests and examples that want FS's cases in a moment (seed is synth.Options.Seed). The
// appeal and explanation flows' tests use the same.
func SmallUniversity(seed uint64) (*synth.Population, error) {
	opts, err := synth.PresetOptions(synth.PresetUniversityNO)
	if err != nil {
		return nil, err
	}
	opts.Seed = seed
	opts.UniversityStudents, opts.UniversityStaff, opts.Departments = 600, 80, 6
	opts.CourseOfferings, opts.Programmes, opts.ProgrammeOfferings, opts.Registrations = 60, 4, 8, 3_000
	opts.ExamCandidates, opts.Theses = 800, 40
	return synth.Generate(opts)
}

// LoadOptions says how LoadPopulation stamps and fills what it loads.
type LoadOptions struct {
	// At is when FS made the changes loaded (their sistEndret). Zero: the clock's now, except
	// on the first load into an empty fake, where each record is stamped at a fixed time of
	// the day of its last event (so a poller started at the term's start reads the term's
	// cases in the order they happened).
	At time.Time
	// RegisterGiven registers the explanations synth has given as if the exam flow had posted
	// them (for tests of the flows that read FS, such as the archive, without running the
	// explanation flow). By default FS learns of a given explanation only from
	// POST /eksamen/begrunnelser, as it does in production.
	RegisterGiven bool
}

// Loaded counts what LoadPopulation holds afterwards, and how many records it created or
// changed (and stamped).
type Loaded struct {
	Exams, Candidates, Appeals, ExplanationRequests int
	Changed                                         int
	// Duplicates counts the exam units left out, with their candidates and cases, because
	// another unit of the population has the same FS key (vurdId), which FS cannot hold: the
	// first unit of a key is loaded.
	Duplicates int
}

// LoadPopulation loads synth's Norwegian exams (synth.Options.ExamCandidates, preset
// "university-no") as FS holds them: every exam unit in Inspera or WISEflow, its candidates
// with their names, user names and announcement days (for Lookup), their appeals (AKTIV,
// TRUKKET or AVGJORT) and explanation requests. Loading a population again, such as the one
// synth.NextDay returns, creates and changes only what differs and stamps only that, so the
// change listings return the next day's changes; explanations registered through the API are
// kept.
func (s *Server) LoadPopulation(pop *synth.Population, o LoadOptions) Loaded {
	x := synth.NewIndex(pop)
	s.mu.Lock()
	defer s.mu.Unlock()
	st := &s.state
	first := len(st.appeals) == 0 && len(st.requests) == 0
	now := s.kit.Now()
	stamp := func(day synth.Date, id synth.ID) fs.Timestamp {
		switch {
		case !o.At.IsZero():
			return fs.Timestamp{Time: o.At}
		case first && day != 0:
			if t := dayTime(day, id); t.Before(now) {
				return fs.Timestamp{Time: t}
			}
		}
		return fs.Timestamp{Time: now}
	}
	var n Loaded
	number := map[synth.ID]fs.Number{}
	appealCommittee := map[synth.ID]fs.Number{}
	for _, c := range pop.Committees {
		number[c.ID] = fs.Number(strconv.FormatInt(c.Number, 10))
		if c.Kind == synth.CommitteeAppeal {
			appealCommittee[c.ExamUnit] = number[c.ID]
		}
	}
	for i := range pop.ExamUnits {
		u := &pop.ExamUnits[i]
		key, err := fs.ParseVurdID(u.VurdID)
		if err != nil {
			continue // synth makes valid keys; a unit FS could not hold is not loaded
		}
		if first, taken := st.units[u.VurdID]; taken && first != u.ID {
			n.Duplicates++
			continue
		}
		st.units[u.VurdID] = u.ID
		st.exams[u.VurdID] = &exam{key: key, system: examSystem(u.System), appealCommittee: appealCommittee[u.ID],
			manualDeadline: date(u.ManualAppealDeadline)}
	}
	for i := range pop.Candidates {
		c := &pop.Candidates[i]
		u, ok := x.ExamUnit(c.ExamUnit)
		if !ok || st.units[u.VurdID] != u.ID {
			continue
		}
		p, _ := x.Person(c.Person)
		cand := &candidate{personlopenr: fs.Number(c.PersonNo), brukernavn: c.Username, committee: number[c.Committee],
			announced: date(c.Announced)}
		if p != nil {
			cand.fornavn, cand.etternavn = p.GivenName, p.FamilyName
		}
		st.candidates[caseKey{u.VurdID, c.CandidateNo}] = cand
	}
	for i := range pop.Explanations {
		e := &pop.Explanations[i]
		c, u, cand, k, ok := s.caseOf(x, e.Candidate)
		if !ok {
			continue
		}
		r := fs.ExplanationRequest{VurdID: u.VurdID, Kandidatnr: fs.Number(c.CandidateNo), Personlopenr: cand.personlopenr,
			Brukernavn: cand.brukernavn, KommisjonsID: cand.committee, DatoKlageMottat: date(e.Requested)}
		last := e.Requested
		given := o.RegisterGiven && e.State >= synth.ExplanationGiven && e.Given != 0
		if given {
			r.DatoBegrunnelseGitt, r.ContentTypeBegrunnelse = date(e.Given), "application/pdf"
			r.URLBegrunnelse = "https://exam.example.org/explanations/" + e.ID.String()
			last = e.Given
		}
		old := st.requests[k]
		if old != nil && !given {
			// Keep what was registered through the API.
			r.DatoBegrunnelseGitt, r.URLBegrunnelse, r.ContentTypeBegrunnelse = old.DatoBegrunnelseGitt, old.URLBegrunnelse, old.ContentTypeBegrunnelse
		}
		if old != nil {
			r.SistEndret = old.SistEndret
			if r == *old {
				continue
			}
		}
		r.SistEndret = stamp(last, e.ID)
		st.requests[k] = &r
		if given && st.registered[k] == nil {
			st.registered[k] = &registration{explanation: fs.Explanation{VurdID: r.VurdID, Kandidatnr: r.Kandidatnr,
				DatoBegrunnelseBedtOm: r.DatoKlageMottat, DatoBegrunnelseGitt: r.DatoBegrunnelseGitt,
				URLBegrunnelse: r.URLBegrunnelse, ContentTypeBegrunnelse: r.ContentTypeBegrunnelse}}
		}
		n.Changed++
	}
	for i := range pop.Appeals {
		a := &pop.Appeals[i]
		c, u, cand, k, ok := s.caseOf(x, a.Candidate)
		if !ok {
			continue
		}
		v := fs.Appeal{VurdID: u.VurdID, Kandidatnr: fs.Number(c.CandidateNo), Personlopenr: cand.personlopenr,
			Brukernavn: cand.brukernavn, Fornavn: cand.fornavn, Etternavn: cand.etternavn,
			Klagestatus: fs.AppealStatus(a.Status.String()), DatoKlageMottat: date(a.Received),
			Sensurfrist: date(a.GradingDeadline), KommisjonsidOppr: number[a.OriginalCommittee],
			KommisjonsidNy: number[a.NewCommittee], DatoVedtakFormidlet: date(a.DecisionSent)}
		if old := st.appeals[k]; old != nil {
			v.SistEndret = old.SistEndret
			if v == *old {
				continue
			}
		}
		v.SistEndret = stamp(max(a.Received, a.Withdrawn, a.Reopened, a.DecisionSent), a.ID)
		st.appeals[k] = &v
		n.Changed++
	}
	n.Exams, n.Candidates, n.Appeals, n.ExplanationRequests = len(st.exams), len(st.candidates), len(st.appeals), len(st.requests)
	return n
}

// HoldsUnit reports whether the fake holds synth's exam unit id: false for a unit not loaded,
// and for one left out because an earlier unit has its vurdId (Loaded.Duplicates).
func (s *Server) HoldsUnit(id synth.ID) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range s.state.units {
		if u == id {
			return true
		}
	}
	return false
}

// caseOf finds the candidate, unit and FS candidate of a synth candidate id.
func (s *Server) caseOf(x *synth.Index, id synth.ID) (*synth.Candidate, *synth.ExamUnit, *candidate, caseKey, bool) {
	c, ok := x.Candidate(id)
	if !ok {
		return nil, nil, nil, caseKey{}, false
	}
	u, ok := x.ExamUnit(c.ExamUnit)
	if !ok || s.state.units[u.VurdID] != u.ID {
		return nil, nil, nil, caseKey{}, false
	}
	k := caseKey{u.VurdID, c.CandidateNo}
	cand := s.state.candidates[k]
	return c, u, cand, k, cand != nil
}

// dayTime is a fixed time of day on day in Norway (between 08:00 and 17:00, to the second,
// from the record's id), when FS is taken to have made the change.
func dayTime(day synth.Date, id synth.ID) time.Time {
	h := fnv.New64a()
	_, _ = h.Write([]byte(id.String()))
	return date(day).Start().Add(8*time.Hour + time.Duration(h.Sum64()%(9*3600))*time.Second)
}

func date(d synth.Date) fsrules.Date {
	if d == 0 {
		return fsrules.Date{}
	}
	return fsrules.NewDate(d.Year(), d.Month(), d.Day())
}

func examSystem(s synth.ExamSystem) fs.ExamSystem {
	if s == synth.WISEflow {
		return fs.WISEflow
	}
	return fs.Inspera
}
