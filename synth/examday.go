package synth

import (
	"strings"

	"github.com/edusync/edusync/fs/fsrules"
)

// examWorld runs the exam calendar one day at a time: theses handed in, results announced,
// explanations requested and answered, appeals filed, withdrawn and decided. Generate runs it
// from the start of the term to Today without recording; NextDay runs one day and records
// every change. Each day changes a record at most once.
type examWorld struct {
	pop    *Population
	o      Options
	r, ids *rng
	rec    *day // nil: nothing recorded (Generate)

	unitIdx     map[ID]int32
	commIdx     map[ID]int32
	appealComm  []ID // by unit: its appeal committee
	candsOfComm csr
	thesisCands []int32 // candidates of thesis units
	candIdx     map[ID]int32
	// by candidate: the index of its thesis, explanation and appeal, or -1
	thesisOf, explOf, appealOf []int32
	nextExplID                 int64

	pE, pA0, pAE float64 // shares: explanation; appeal without and with an explanation
	hard         float64
	// force (Generate only, with HardShare > 0) makes the first chance of each hard case of the
	// calendar happen, so small populations have them too; seen records which have happened.
	force bool
	seen  struct{ late, afterExplanation, reopened, withdrawn, failedThesis bool }
}

func newExamWorld(pop *Population, o Options, r, ids *rng, rec *day) *examWorld {
	w := &examWorld{pop: pop, o: o, r: r, ids: ids, rec: rec, hard: o.HardShare,
		unitIdx: make(map[ID]int32, len(pop.ExamUnits)), commIdx: make(map[ID]int32, len(pop.Committees))}
	for i := range pop.ExamUnits {
		w.unitIdx[pop.ExamUnits[i].ID] = int32(i)
	}
	w.appealComm = make([]ID, len(pop.ExamUnits))
	for i := range pop.Committees {
		c := &pop.Committees[i]
		w.commIdx[c.ID] = int32(i)
		if c.Kind == CommitteeAppeal {
			w.appealComm[w.unitIdx[c.ExamUnit]] = c.ID
		}
	}
	w.candsOfComm = buildCSR(len(pop.Committees), len(pop.Candidates), func(i int) int32 {
		return lookup(w.commIdx, pop.Candidates[i].Committee)
	})
	n := len(pop.Candidates)
	candIdx := make(map[ID]int32, n)
	w.candIdx = candIdx
	w.thesisOf, w.explOf, w.appealOf = make([]int32, n), make([]int32, n), make([]int32, n)
	for i := range pop.Candidates {
		c := &pop.Candidates[i]
		candIdx[c.ID] = int32(i)
		w.thesisOf[i], w.explOf[i], w.appealOf[i] = -1, -1, -1
		if pop.ExamUnits[w.unitIdx[c.ExamUnit]].Purpose == PurposeMaster {
			w.thesisCands = append(w.thesisCands, int32(i))
		}
	}
	for i := range pop.Theses {
		w.thesisOf[candIdx[pop.Theses[i].Candidate]] = int32(i)
	}
	for i := range pop.Explanations {
		w.explOf[candIdx[pop.Explanations[i].Candidate]] = int32(i)
		w.nextExplID = max(w.nextExplID, pop.Explanations[i].SystemID+1)
	}
	for i := range pop.Appeals {
		w.appealOf[candIdx[pop.Appeals[i].Candidate]] = int32(i)
	}
	if w.nextExplID == 0 {
		w.nextExplID = 40_000 + int64(r.intn(60_000))
	}
	// those who asked for an explanation appeal more often; the overall share stays AppealShare
	w.pE = o.ExplanationShare
	w.pAE = min(1, float64(4*o.AppealShare))
	if float64(w.pE*w.pAE) > o.AppealShare {
		w.pAE = o.AppealShare / w.pE
	}
	if w.pE < 1 {
		w.pA0 = max(0, (o.AppealShare-float64(w.pE*w.pAE))/(1-w.pE))
	}
	return w
}

// hazard is the chance that an event still due with total probability s over a window of L
// days happens on day k of it (counting from 0), given it has not happened before: spread
// evenly, the event happens with probability s in all. Products are rounded explicitly so no
// machine fuses them (see NextDay).
func hazard(s float64, L, k int) prob {
	rest := float64(L) - float64(float64(k)*s)
	if rest <= s {
		return probOf(1)
	}
	return probOf(s / rest)
}

// day runs the calendar for day d.
func (w *examWorld) day(d Date) {
	w.submissions(d)
	w.announcements(d)
	for i := range w.pop.Candidates {
		c := &w.pop.Candidates[i]
		if c.Announced.IsZero() || c.Announced >= d {
			continue
		}
		if w.explOf[i] >= 0 {
			w.explanationStep(i, d)
		} else if w.appealOf[i] < 0 {
			w.requestStep(i, d)
		}
		if w.appealOf[i] >= 0 {
			w.appealStep(int(w.appealOf[i]), i, d)
		} else {
			w.fileStep(i, d)
		}
	}
}

// ---- recording ----

func (w *examWorld) created(k ChangeKind, e Entity, id ID) {
	if w.rec != nil {
		w.rec.create(k, e, id)
	}
}

// change applies f to x and records the fields it changed.
func change[T any](w *examWorld, k ChangeKind, e Entity, x *T, id ID, fields func(*T) []kv, f func(*T)) {
	if w.rec == nil {
		f(x)
		return
	}
	before := fields(x)
	f(x)
	w.rec.update(k, e, id, before, fields(x))
}

// ---- theses ----

func (w *examWorld) submissions(d Date) {
	for _, ci := range w.thesisCands {
		if w.thesisOf[ci] >= 0 {
			continue
		}
		u := &w.pop.ExamUnits[w.unitIdx[w.pop.Candidates[ci].ExamUnit]]
		left := u.Date.Sub(d)
		p := probOf(0.001) // a few hand in early, over the term
		if left < 5 {
			p = probOf(1 / float64(max(left, 0)+1)) // most hand in during the last days
		}
		if w.r.chance(p) {
			w.submit(int(ci), u, d)
		}
	}
}

// thesis title words: a topic in Norwegian and English
var thesisTopics = []struct{ no, en string }{
	{"bærekraft", "sustainability"}, {"digitalisering", "digitalisation"}, {"kunstig intelligens", "artificial intelligence"},
	{"likestilling", "gender equality"}, {"klimatilpasning", "climate adaptation"}, {"helsetjenester", "health services"},
	{"ungdom", "young people"}, {"kommunal forvaltning", "local government"}, {"havbruk", "aquaculture"},
	{"fornybar energi", "renewable energy"}, {"samisk språk", "Sámi language"}, {"tillit", "trust"},
	{"mobilitet", "mobility"}, {"arbeidsliv", "working life"}, {"personvern", "privacy"}, {"økonomisk ulikhet", "economic inequality"},
}

var thesisTitlesNO = []string{"%t og %f: en kvalitativ studie", "Betydningen av %t for %f i Norge", "«%T» – %f i praksis",
	"%T i endring. En analyse innen %f", "Hvordan måle %t? Metoder fra %f"}

var thesisTitlesEN = []string{"%T in %f: evidence from Norway", "Towards %t: a study in %f", "Measuring %t with methods from %f"}

func (w *examWorld) title(field string) string {
	r := w.r
	t := thesisTopics[r.intn(len(thesisTopics))]
	topic, tmpl := t.no, thesisTitlesNO[r.intn(len(thesisTitlesNO))]
	if r.pct(30) {
		topic, tmpl = t.en, thesisTitlesEN[r.intn(len(thesisTitlesEN))]
		field = fieldEnglish(field)
	}
	s := strings.NewReplacer("%t", topic, "%T", capitalise(topic), "%f", field).Replace(tmpl)
	return capitalise(s)
}

// fieldEnglish returns the English name of a Norwegian field name (the name itself when unknown).
func fieldEnglish(no string) string {
	for _, f := range fields {
		if strings.HasPrefix(no, f.no) {
			return strings.ToLower(f.en[:1]) + f.en[1:]
		}
	}
	return no
}

// fileSize returns a realistic size in bytes scaled by FileScale: thesis PDFs are mostly a few
// MB, some hundreds (scans, images); appendices range further.
func (w *examWorld) fileSize(appendix bool) int64 {
	r := w.r
	const mb = 1 << 20
	var n int64
	switch x := r.intn(100); {
	case appendix && x < 60:
		n = int64(r.between(1, 20)) * mb
	case x < 55:
		n = int64(r.between(2, 7)) * mb
	case x < 85:
		n = int64(r.between(8, 29)) * mb
	case x < 97:
		n = int64(r.between(30, 119)) * mb
	default:
		n = int64(r.between(120, 449)) * mb
	}
	n += int64(r.intn(mb))
	return w.scaled(n)
}

func (w *examWorld) scaled(n int64) int64 {
	return max(int64(float64(float64(n)*w.o.FileScale)), MinPDFSize)
}

func (w *examWorld) submit(ci int, u *ExamUnit, d Date) {
	r := w.r
	t := Thesis{ID: w.ids.id(), Candidate: w.pop.Candidates[ci].ID, Submitted: d}
	field := strings.TrimPrefix(u.Name, "Masteroppgave i ")
	cv := CoverSheet{Title: w.title(field), Publish: Yes, Delay: DelayNone, Confidential: No}
	switch x := r.intn(100); {
	case x < 6: // confidential material: not published
		cv.Confidential, cv.Publish, cv.Delay = Yes, No, DelayNever
	case x < 28:
		cv.Publish, cv.Delay = No, DelayNever
		if r.pct(40) {
			cv.Delay = DelayUnanswered // irrelevant when publish is no
		}
	case x < 38:
		cv.Delay = [...]Delay{Delay1Year, Delay2Years, Delay3Years}[r.intn(3)]
	}
	// hard cases, with HardShare (1, 3 and 2 times it)
	switch x := r.intn(1_000_000); {
	case x < int(w.hard*1_000_000):
		w.confidentialPublish(&t, &cv)
	case x < int(w.hard*4_000_000):
		w.contradict(&t, &cv)
	case x < int(w.hard*6_000_000):
		w.leaveOut(&t, &cv)
	}
	t.Cover = cv
	t.Files = []File{{Name: "masteroppgave.pdf", ContentType: "application/pdf", Size: w.fileSize(false), Seed: r.u64()}}
	if r.pct(25) {
		t.Files = append(t.Files, File{Name: "vedlegg.pdf", ContentType: "application/pdf", Size: w.fileSize(true), Seed: r.u64()})
	}
	w.pop.Theses = append(w.pop.Theses, t)
	w.thesisOf[ci] = int32(len(w.pop.Theses) - 1)
	w.created(ThesisSubmission, EntityThesis, t.ID)
}

func (w *examWorld) confidentialPublish(t *Thesis, cv *CoverSheet) {
	cv.Confidential, cv.Publish = Yes, Yes
	if cv.Delay == DelayNever || cv.Delay == DelayUnanswered {
		cv.Delay = DelayNone
	}
	t.Flags |= ExamFlagConfidentialPublish
}

func (w *examWorld) contradict(t *Thesis, cv *CoverSheet) {
	cv.Confidential = No
	if w.r.pct(50) {
		cv.Publish, cv.Delay = No, [...]Delay{Delay1Year, Delay2Years, Delay3Years}[w.r.intn(3)]
	} else {
		cv.Publish, cv.Delay = Yes, DelayNever
	}
	t.Flags |= ExamFlagContradictory
}

func (w *examWorld) leaveOut(t *Thesis, cv *CoverSheet) {
	switch w.r.intn(4) {
	case 0:
		cv.Title = ""
	case 1:
		cv.Publish = Unanswered
	case 2:
		cv.Publish, cv.Delay, cv.Confidential = Yes, DelayUnanswered, No
	default:
		cv.Confidential = Unanswered
	}
	t.Flags |= ExamFlagMissingAnswer
}

// ---- results ----

func (w *examWorld) announcements(d Date) {
	pop := w.pop
	for ci := range pop.Committees {
		cm := &pop.Committees[ci]
		cands := w.candsOfComm.of(int32(ci))
		if cm.Kind != CommitteeOrdinary || len(cands) == 0 || !pop.Candidates[cands[0]].Announced.IsZero() {
			continue
		}
		u := &pop.ExamUnits[w.unitIdx[cm.ExamUnit]]
		start, deadline := u.Date.AddDays(7), u.GradingDeadline
		if u.Purpose == PurposeMaster {
			t := w.thesisOf[cands[0]]
			if t < 0 {
				continue
			}
			sub := pop.Theses[t].Submitted
			start, deadline = sub.AddDays(14), sub.AddDays(56)
		}
		if d < start {
			continue
		}
		p := probOf(0.3) // late: a few committees miss the grading deadline
		if left := deadline.Sub(d); left >= 0 {
			p = probOf(0.9 / float64(left+1))
		}
		if !w.r.chance(p) {
			continue
		}
		for _, i := range cands {
			c := &pop.Candidates[i]
			g := w.grade(u)
			change(w, ResultAnnouncement, EntityCandidate, c, c.ID, candidateFields, func(c *Candidate) {
				c.Grade, c.Announced = g, d
				w.setDeadlines(int(i), c, u)
			})
		}
	}
}

// setDeadlines sets the deadlines of candidate i (c) from its result and explanation.
func (w *examWorld) setDeadlines(i int, c *Candidate, u *ExamUnit) {
	cs := fsrules.Case{Announced: fsDate(c.Announced), ManualAppealDeadline: fsDate(u.ManualAppealDeadline)}
	if j := w.explOf[i]; j >= 0 {
		x := &w.pop.Explanations[j]
		cs.ExplanationRequested, cs.ExplanationGiven = fsDate(x.Requested), fsDate(x.Given)
	}
	dl, err := fsrules.Compute(cs)
	if err != nil {
		panic("synth: the exam calendar made an impossible case: " + err.Error()) // a bug, caught by the tests
	}
	c.ExplanationDeadline, c.AppealDeadline = dateOf(dl.Explanation), dateOf(dl.Appeal)
}

func fsDate(d Date) fsrules.Date {
	if d.IsZero() {
		return fsrules.Date{}
	}
	return fsrules.NewDate(d.Year(), d.Month(), d.Day())
}

func dateOf(d fsrules.Date) Date {
	if d.IsZero() {
		return 0
	}
	return NewDate(d.Year, d.Month, d.Day)
}

// grade draws a result on the unit's scale.
func (w *examWorld) grade(u *ExamUnit) Grade {
	r := w.r
	if u.Scale == ScalePassFail {
		if r.pct(88) {
			return GradePass
		}
		return GradeFail
	}
	weights := [...]int{10, 22, 30, 18, 10, 10} // A..F
	if u.Purpose == PurposeMaster {
		if r.chance(probOf(w.o.ThesisFailShare)) || (w.force && !w.seen.failedThesis && w.o.ThesisFailShare > 0) {
			w.seen.failedThesis = true
			return GradeF
		}
		weights = [...]int{20, 35, 30, 10, 5, 0}
	}
	x := r.intn(100)
	for k, wt := range weights {
		if x < wt {
			return GradeA + Grade(k)
		}
		x -= wt
	}
	return GradeC
}

// appealGrade is the appeal committee's grade: mostly the same, sometimes one better, and
// sometimes one worse (an appeal can lower a grade).
func (w *examWorld) appealGrade(g Grade) Grade {
	r := w.r
	switch g {
	case GradeFail:
		if r.pct(35) {
			return GradePass
		}
		return g
	case GradePass:
		return g
	}
	switch x := r.intn(100); {
	case x < 30 && g > GradeA:
		return g - 1
	case x >= 85 && g < GradeF:
		return g + 1
	}
	return g
}

// ---- explanations ----

func (w *examWorld) requestStep(i int, d Date) {
	c := &w.pop.Candidates[i]
	first := c.Announced.AddDays(1)
	if d < first || d > c.ExplanationDeadline {
		return
	}
	if !w.r.chance(hazard(w.pE, c.ExplanationDeadline.Sub(first)+1, d.Sub(first))) {
		return
	}
	x := Explanation{ID: w.ids.id(), Candidate: c.ID, SystemID: w.nextExplID, State: ExplanationRequested, Requested: d}
	w.nextExplID += 1 + int64(w.r.intn(3))
	w.pop.Explanations = append(w.pop.Explanations, x)
	w.explOf[i] = int32(len(w.pop.Explanations) - 1)
	w.created(ExplanationRequest, EntityExplanation, x.ID)
	u := &w.pop.ExamUnits[w.unitIdx[c.ExamUnit]]
	change(w, ExplanationRequest, EntityCandidate, c, c.ID, candidateFields, func(c *Candidate) { w.setDeadlines(i, c, u) })
}

func (w *examWorld) explanationStep(i int, d Date) {
	r := w.r
	x := &w.pop.Explanations[w.explOf[i]]
	c := &w.pop.Candidates[i]
	switch x.State {
	case ExplanationRequested:
		if d > x.Requested && r.pct(50) {
			cm := &w.pop.Committees[w.commIdx[c.Committee]]
			var assessor ID
			if len(cm.Examiners) > 0 {
				assessor = cm.Examiners[r.intn(len(cm.Examiners))]
			}
			change(w, ExplanationAssignment, EntityExplanation, x, x.ID, explanationFields, func(x *Explanation) {
				x.State, x.Assigned, x.Assessor = ExplanationAssigned, d, assessor
			})
		}
	case ExplanationAssigned:
		p := probOf(0.15)
		if d >= x.Requested.AddDays(14) { // two weeks is the rule; a few are late
			p = probOf(0.95)
		}
		if d <= x.Assigned || !r.chance(p) {
			return
		}
		doc := File{Name: "begrunnelse-" + c.CandidateNo + ".pdf", ContentType: "application/pdf",
			Size: w.scaled(int64(r.between(15, 120)) << 10), Seed: r.u64()}
		change(w, ExplanationAnswer, EntityExplanation, x, x.ID, explanationFields, func(x *Explanation) {
			x.State, x.Given, x.Document = ExplanationGiven, d, doc
		})
		u := &w.pop.ExamUnits[w.unitIdx[c.ExamUnit]]
		change(w, ExplanationAnswer, EntityCandidate, c, c.ID, candidateFields, func(c *Candidate) { w.setDeadlines(i, c, u) })
	case ExplanationGiven:
		if d > x.Given && r.pct(60) {
			change(w, ExplanationPublication, EntityExplanation, x, x.ID, explanationFields, func(x *Explanation) {
				x.State, x.Published = ExplanationPublished, d
			})
		}
	}
}

// ---- appeals ----

func (w *examWorld) fileStep(i int, d Date) {
	c := &w.pop.Candidates[i]
	start, s := c.Announced.AddDays(1), w.pA0
	if j := w.explOf[i]; j >= 0 {
		x := &w.pop.Explanations[j]
		if x.Given.IsZero() {
			return // waiting for the explanation
		}
		start, s = x.Given.AddDays(1), w.pAE
	}
	end := c.AppealDeadline
	afterExpl := w.explOf[i] >= 0 && d > c.Announced.AddDays(fsrules.AppealDays)
	var flags ExamFlag
	switch {
	case d >= start && d <= end:
		force := w.force && afterExpl && !w.seen.afterExplanation && s > 0
		if !force && !w.r.chance(hazard(s, end.Sub(start)+1, d.Sub(start))) {
			return
		}
		if afterExpl {
			flags |= ExamFlagAfterExplanation
			w.seen.afterExplanation = true
		}
	case d > end && d <= end.AddDays(5) && w.hard > 0:
		force := w.force && !w.seen.late && s > 0
		if !force && !w.r.chance(probOf(float64(2*w.hard)*s/5)) {
			return
		}
		flags |= ExamFlagLate
		w.seen.late = true
	default:
		return
	}
	w.file(i, d, flags)
}

func (w *examWorld) file(i int, d Date, flags ExamFlag) *Appeal {
	c := &w.pop.Candidates[i]
	a := Appeal{ID: w.ids.id(), Candidate: c.ID, Status: AppealActive, Received: d,
		GradingDeadline: d.max(c.AppealDeadline).AddDays(21), OriginalCommittee: c.Committee,
		NewCommittee: w.appealComm[w.unitIdx[c.ExamUnit]], Flags: flags}
	w.pop.Appeals = append(w.pop.Appeals, a)
	w.appealOf[i] = int32(len(w.pop.Appeals) - 1)
	w.created(AppealFiling, EntityAppeal, a.ID)
	return &w.pop.Appeals[len(w.pop.Appeals)-1]
}

func (w *examWorld) appealStep(j, i int, d Date) {
	r := w.r
	a := &w.pop.Appeals[j]
	c := &w.pop.Candidates[i]
	if a.Received >= d {
		return
	}
	switch a.Status {
	case AppealActive:
		// forced: first one withdrawn the day after filing, to be made active again the day
		// after, then one withdrawn on the last day of appeal, which stays withdrawn
		force := w.force && ((!w.seen.reopened && d == a.Received.AddDays(1) && d.AddDays(1) <= c.AppealDeadline) ||
			(w.seen.reopened && !w.seen.withdrawn && a.Reopened.IsZero() && d == c.AppealDeadline))
		if r.chance(probOf(0.003)) || force {
			w.seen.withdrawn = w.seen.withdrawn || w.seen.reopened
			change(w, AppealWithdrawal, EntityAppeal, a, a.ID, appealFields, func(a *Appeal) {
				a.Status, a.Withdrawn = AppealWithdrawn, d
			})
			return
		}
		// the appeal committee starts when the appeal period is over
		if d <= a.Received.max(c.AppealDeadline).AddDays(2) {
			return
		}
		p := probOf(0.3)
		if left := a.GradingDeadline.Sub(d); left >= 0 {
			p = probOf(0.9 / float64(left+1))
		}
		if r.chance(p) {
			g := w.appealGrade(c.Grade)
			change(w, AppealDecision, EntityAppeal, a, a.ID, appealFields, func(a *Appeal) {
				a.Status, a.NewGrade, a.DecisionSent = AppealDecided, g, d
			})
		}
	case AppealWithdrawn:
		if !c.AppealDeadline.IsZero() && d <= c.AppealDeadline && (r.chance(probOf(float64(4*w.hard))) || (w.force && !w.seen.reopened)) {
			w.seen.reopened = true
			change(w, AppealReopening, EntityAppeal, a, a.ID, appealFields, func(a *Appeal) {
				a.Status, a.Reopened, a.Flags = AppealActive, d, a.Flags|ExamFlagReopened
			})
		}
	}
}
