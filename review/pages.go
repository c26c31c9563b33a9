package review

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/edusync/edusync/pipeline"
	"github.com/edusync/edusync/reconcile"
)

// runView is a run as the lists show it.
type runView struct {
	ID        int64
	URL       string // its plan, when it made one
	AuditURL  string // its audit trail, when it applied a plan
	Trigger   pipeline.Trigger
	Status    pipeline.Status
	Started   string
	Ended     string
	Plan      *pipeline.PlanSummary
	Report    *pipeline.ReportSummary
	Error     string
	Released  *releaseView
	Questions int
}

func (q *req) runView(name string, r *pipeline.Run) runView {
	v := runView{ID: r.ID, Trigger: r.Trigger, Status: r.Status, Started: q.when(r.Started), Ended: q.when(r.Ended),
		Plan: r.Plan, Report: r.Report, Error: mask(r.Error)}
	if r.Hold != nil && r.Error == "" {
		v.Error = mask(r.Hold.Reason)
	}
	if r.Plan != nil {
		v.URL = q.u(runPath(name, r.ID), nil)
		v.Questions = r.Plan.Counts.Pending
	}
	if r.Report != nil {
		v.AuditURL = q.u(runPath(name, r.ID)+"audit", nil)
	}
	if rel := r.Released; rel != nil {
		v.Released = &releaseView{Run: rel.Run, By: mask(rel.By), At: q.when(rel.At)}
	}
	return v
}

type releaseView struct {
	Run int64
	By  string
	At  string
}

// pipelineRow is a pipeline on the overview.
type pipelineRow struct {
	Name     string
	URL      string
	Last     *runView
	Held     bool
	Pending  int
	Answered int
}

func (h *Handler) overview(q *req) error {
	r := q.r
	ctx := r.Context()
	names, err := pipeline.Names(ctx, h.st)
	if err != nil {
		return err
	}
	var rows []pipelineRow
	for _, name := range names {
		if _, ok := q.allowed(ActionView, name); !ok {
			continue
		}
		l, err := pipeline.OpenLedger(h.st, name)
		if err != nil {
			continue // a scope no pipeline could have made
		}
		s, err := q.status(l)
		if err != nil {
			return err
		}
		row := pipelineRow{Name: mask(name), URL: q.u(pipelinePath(name), nil), Held: s.held, Pending: s.pending, Answered: s.answered}
		if len(s.runs) > 0 {
			v := q.runView(name, &s.runs[0])
			row.Last = &v
		}
		rows = append(rows, row)
	}
	return q.render(http.StatusOK, "overview", q.t("overview.title"), nil, rows)
}

// status is what a pipeline's page and the overview say of it.
type status struct {
	runs     []pipeline.Run // newest first
	hold     pipeline.Hold
	held     bool
	planned  *pipeline.Run // the latest run that made a plan: its questions are the open ones
	pending  int
	answered int
}

func (q *req) status(l *pipeline.Ledger) (*status, error) {
	ctx := q.r.Context()
	var s status
	var err error
	if s.runs, err = l.Runs(ctx, 0); err != nil {
		return nil, err
	}
	if s.hold, s.held, err = l.Hold(ctx); err != nil {
		return nil, err
	}
	for i := range s.runs {
		if s.runs[i].Plan != nil {
			s.planned = &s.runs[i]
			s.pending = s.runs[i].Plan.Counts.Pending
			break
		}
	}
	if s.pending > 0 {
		answers, err := l.Answers(ctx)
		if err != nil {
			return nil, err
		}
		s.answered = min(len(answers), s.pending)
	}
	return &s, nil
}

// holdView is a pipeline's safety hold as the page explains it.
type holdView struct {
	Since, Run int64
	RunURL     string
	At         string
	Trips      []tripView
	Released   *releaseView
}

type tripView struct {
	Kind      string // catalogue key
	Op        string // catalogue key
	Count     int
	Base      int
	Share     string
	Threshold string
}

func (q *req) holdView(name string, h *pipeline.Hold) *holdView {
	v := &holdView{Since: h.Since, Run: h.Run, RunURL: q.u(runPath(name, h.Run), nil), At: q.when(h.At)}
	for _, t := range h.Trips {
		v.Trips = append(v.Trips, q.tripView(t))
	}
	if rel := h.Released; rel != nil {
		v.Released = &releaseView{Run: rel.Run, By: mask(rel.By), At: q.when(rel.At)}
	}
	return v
}

func (q *req) tripView(t reconcile.Trip) tripView {
	kind := "kind.all"
	if t.Hold.Kind != "" {
		kind = "kind." + string(t.Hold.Kind)
	}
	v := tripView{Kind: kind, Op: "op." + string(t.Hold.Op), Count: t.Count, Base: t.Base}
	if t.Base > 0 {
		v.Share = strconv.FormatFloat(100*float64(t.Count)/float64(t.Base), 'f', 1, 64) + " %"
	}
	pct := strconv.FormatFloat(t.Hold.Percent, 'f', -1, 64)
	switch {
	case t.Hold.Percent > 0 && t.Hold.Max > 0:
		v.Threshold = q.t("hold.percentMax", pct, t.Hold.Max)
	case t.Hold.Percent > 0:
		v.Threshold = q.t("hold.percent", pct)
	default:
		v.Threshold = q.t("hold.max", t.Hold.Max)
	}
	return v
}

// pipelineBody is a pipeline's page: its hold, its open questions, its runs.
type pipelineBody struct {
	Name         string
	Hold         *holdView
	Pending      int
	Answered     int
	QuestionsURL string
	Runs         []runView
	Pager        pager
	CanTrigger   bool
	CanRelease   bool
	TriggerURL   string
	ReleaseURL   string
	NextRun      string
}

const runsPerPage = 25

func (h *Handler) pipelinePage(q *req) error {
	r := q.r
	l, _, err := q.ledger(ActionView)
	if err != nil {
		return err
	}
	page, _, err := paging(r.URL.Query())
	if err != nil {
		return err
	}
	s, err := q.status(l)
	if err != nil {
		return err
	}
	name := l.Name()
	path := pipelinePath(name)
	b := pipelineBody{Name: mask(name), Pending: s.pending, Answered: s.answered,
		TriggerURL: q.u(path+"trigger", nil), ReleaseURL: q.u(path+"release", nil)}
	_, b.CanTrigger = q.allowed(ActionTrigger, name)
	if s.pending > 0 {
		b.QuestionsURL = q.u(path+"questions", nil)
	}
	if s.held {
		b.Hold = q.holdView(name, &s.hold)
		_, b.CanRelease = q.allowed(ActionRelease, name)
		b.CanRelease = b.CanRelease && s.hold.Released == nil
	}
	b.Pager = newPager(page, runsPerPage, len(s.runs), q.pageLink(path, nil))
	for i := max(0, b.Pager.From-1); i < b.Pager.To; i++ {
		b.Runs = append(b.Runs, q.runView(name, &s.runs[i]))
	}
	if p := h.cfg.local[name]; p != nil {
		if next, err := p.NextRun(r.Context()); err == nil {
			b.NextRun = q.when(next)
		}
	}
	return q.render(http.StatusOK, "pipeline", mask(name), nil, b)
}

// planBody is the plan view.
type planBody struct {
	Pipeline     string
	Run          runView
	Hold         *holdView
	Outcomes     reconcile.Counts
	Kinds        []kindCounts
	Ops          []reconcile.Op
	Cases        []caseCount
	Filter       planFilter
	Rows         []row
	Pager        pager
	Listed       int
	QuestionsURL string
	Streamed     bool
	MaySee       bool
}

type kindCounts struct {
	Kind  reconcile.Kind
	Cells []cell
}

type cell struct {
	N   int
	URL string
}

type caseCount struct {
	Kind reconcile.Kind
	Case int
	N    int
	URL  string
}

// planFilter is the filter form with its choices.
type planFilter struct {
	Action  string
	Kinds   []choice
	Ops     []choice
	Confirm []choice
	Cases   []choice
	Sizes   []choice
	Q       string
	Reset   string
}

type choice struct {
	Value    string
	Label    string // catalogue key, or the value itself when Raw
	Raw      bool
	Selected bool
}

// viewRow is a row as a viewer sees it: for a protected person, unless the viewer may see
// more, the reduced name, no keys, and the changed fields without their values.
func viewRow(r row, maySee bool) row {
	if !r.Protected || maySee {
		return r
	}
	r.Name, r.SourceKey, r.TargetID, r.Hidden = r.Reduced, "", "", true
	diffs := make([]diff, len(r.Diffs))
	for i, d := range r.Diffs {
		diffs[i] = diff{field: field{Name: d.Name, Label: d.Label}}
	}
	r.Diffs = diffs
	return r
}

// pipelineRun reads the pipeline and the run the path names, for a viewer.
func (q *req) pipelineRun() (*pipeline.Ledger, *pipeline.Run, error) {
	l, _, err := q.ledger(ActionView)
	if err != nil {
		return nil, nil, err
	}
	id, err := strconv.ParseInt(q.r.PathValue("run"), 10, 64)
	if err != nil || id < 1 {
		return nil, nil, errNotFound
	}
	r, err := l.Run(q.r.Context(), id)
	if err != nil {
		return nil, nil, err
	}
	return l, &r, nil
}

func (h *Handler) planPage(q *req) error {
	l, run, err := q.pipelineRun()
	if err != nil {
		return err
	}
	f, err := parsePlanQuery(q.r.URL.Query())
	if err != nil {
		return err
	}
	if run.Plan == nil {
		return errNoPlan
	}
	ctx := q.r.Context()
	name := l.Name()
	_, maySee := q.allowed(ActionViewProtected, name)
	b := planBody{Pipeline: mask(name), Run: q.runView(name, run), Outcomes: run.Plan.Counts, MaySee: maySee}
	if run.Hold != nil {
		b.Hold = q.holdView(name, run.Hold)
	}

	// The rows: filtered in the cache, or read from the store a chunk at a time when the plan
	// is too large for it (then only the page shown is kept).
	pr, err := h.planRows(ctx, l, run)
	if err != nil {
		return err
	}
	var cnt *counts
	scan := func(add func(*row)) error {
		if pr != nil {
			cnt = pr.counts
			return each(pr.rows)(add)
		}
		cnt = newCounts()
		rb := h.rowBuilder(name)
		return eachAction(ctx, l, run.ID, func(pos int, a *reconcile.Action) {
			x := rb.row(pos, a)
			cnt.add(&x)
			add(&x)
		})
	}
	w, err := pageOf(f.Page, f.Size, f.match, scan)
	if err != nil {
		return err
	}
	b.Streamed, b.Listed = pr == nil, cnt.Total
	for i := range w.Rows {
		b.Rows = append(b.Rows, viewRow(w.Rows[i], maySee))
	}
	path := runPath(name, run.ID)
	b.Pager = newPager(w.Page, w.Size, w.Matched, q.pageLink(path, f.values()))
	b.Kinds, b.Ops, b.Cases = q.countTables(path, cnt)
	b.Filter = planFilter{Action: q.u(path, nil), Q: f.Q, Reset: q.u(path, nil), Kinds: choices(reconcile.Kinds, f.Kind, "kind."),
		Ops: choices(allOps, f.Op, "op."), Confirm: choices(confirmStates, f.Confirm, "confirm."), Cases: caseChoices(f.Case),
		Sizes: sizeChoices(f.Size)}
	if b.Run.Questions > 0 {
		b.QuestionsURL = q.u(pipelinePath(name)+"questions", nil)
	}
	return q.render(http.StatusOK, "plan", q.t("plan.title", run.ID), []crumb{{mask(name), q.u(pipelinePath(name), nil)}}, b)
}

// countTables are the plan's counts per kind and operation (each a link to the actions it
// counts) and per kind and matching case.
func (q *req) countTables(path string, c *counts) ([]kindCounts, []reconcile.Op, []caseCount) {
	var ops []reconcile.Op
	for _, op := range allOps {
		for _, k := range reconcile.Kinds {
			if c.KindOp[k][op] > 0 {
				ops = append(ops, op)
				break
			}
		}
	}
	var kinds []kindCounts
	var cases []caseCount
	for _, k := range reconcile.Kinds {
		if c.KindOp[k] == nil {
			continue
		}
		kc := kindCounts{Kind: k}
		for _, op := range ops {
			n := c.KindOp[k][op]
			cl := cell{N: n}
			if n > 0 {
				cl.URL = q.u(path, url.Values{"kind": {string(k)}, "op": {string(op)}})
			}
			kc.Cells = append(kc.Cells, cl)
		}
		kinds = append(kinds, kc)
		for cs, n := range c.Cases[k] {
			cases = append(cases, caseCount{Kind: k, Case: cs, N: n,
				URL: q.u(path, url.Values{"kind": {string(k)}, "case": {strconv.Itoa(cs)}})})
		}
	}
	slices.SortFunc(cases, func(a, b caseCount) int {
		return cmp.Or(cmp.Compare(kindRank(a.Kind), kindRank(b.Kind)), cmp.Compare(a.Case, b.Case))
	})
	return kinds, ops, cases
}

func kindRank(k reconcile.Kind) int { return slices.Index(reconcile.Kinds, k) }

// auditBody is a run's audit trail.
type auditBody struct {
	Pipeline string
	Run      runView
	Filter   auditFilter
	Rows     []auditView
	Pager    pager
	PlanURL  string
	Streamed bool
}

type auditFilter struct {
	Action   string
	Kinds    []choice
	Ops      []choice
	Statuses []choice
	Sizes    []choice
	Q        string
	Reset    string
}

type auditView struct {
	Key       string
	Kind      reconcile.Kind
	Op        reconcile.Op
	Status    reconcile.Status
	Name      string
	TargetID  string
	SourceKey string
	At        string
	Error     string
	Reduced   bool
}

func (h *Handler) auditPage(q *req) error {
	l, run, err := q.pipelineRun()
	if err != nil {
		return err
	}
	f, err := parseAuditQuery(q.r.URL.Query())
	if err != nil {
		return err
	}
	if run.Report == nil {
		return errNoPlan
	}
	ctx := q.r.Context()
	name := l.Name()
	_, maySee := q.allowed(ActionViewProtected, name)
	rows, err := h.auditRows(ctx, l, run)
	if err != nil {
		return err
	}
	scan := each(rows)
	if rows == nil {
		scan = func(add func(*auditRow)) error { return h.eachAudit(ctx, l, run, add) }
	}
	w, err := pageOf(f.Page, f.Size, f.match, scan)
	if err != nil {
		return err
	}
	b := auditBody{Pipeline: mask(name), Run: q.runView(name, run), Streamed: rows == nil}
	for _, a := range w.Rows {
		v := auditView{Key: a.Key, Kind: a.Kind, Op: a.Op, Status: a.Status, Name: a.Name, TargetID: a.TargetID,
			SourceKey: a.SourceKey, At: q.when(a.At), Error: a.Error}
		if a.Protected && !maySee {
			v.Name, v.TargetID, v.SourceKey, v.Reduced = a.Reduced, "", "", true
		}
		b.Rows = append(b.Rows, v)
	}
	path := runPath(name, run.ID) + "audit"
	b.Pager = newPager(w.Page, w.Size, w.Matched, q.pageLink(path, f.values()))
	if run.Plan != nil {
		b.PlanURL = q.u(runPath(name, run.ID), nil)
	}
	b.Filter = auditFilter{Action: q.u(path, nil), Q: f.Q, Reset: q.u(path, nil), Sizes: sizeChoices(f.Size),
		Kinds: choices(reconcile.Kinds, f.Kind, "kind."), Ops: choices(allOps, f.Op, "op."), Statuses: choices(allStatuses, f.Status, "result.")}
	return q.render(http.StatusOK, "audit", q.t("audit.title", run.ID), []crumb{{mask(name), q.u(pipelinePath(name), nil)},
		{q.t("plan.title", run.ID), b.PlanURL}}, b)
}
