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

func (h *Handler) overview(w http.ResponseWriter, r *http.Request) {
	q := h.req(w, r)
	ctx := r.Context()
	names, err := pipeline.Names(ctx, h.st)
	if err != nil {
		h.fail(w, r, err)
		return
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
			h.fail(w, r, err)
			return
		}
		row := pipelineRow{Name: mask(name), URL: q.u(pipelinePath(name), nil), Held: s.held, Pending: s.pending, Answered: s.answered}
		if len(s.runs) > 0 {
			v := q.runView(name, &s.runs[0])
			row.Last = &v
		}
		rows = append(rows, row)
	}
	q.render(http.StatusOK, "overview", q.t("overview.title"), nil, rows)
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

func (h *Handler) pipelinePage(w http.ResponseWriter, r *http.Request) {
	q := h.req(w, r)
	l, _, err := q.ledger(ActionView)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	page, _, err := paging(r.URL.Query())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	s, err := q.status(l)
	if err != nil {
		h.fail(w, r, err)
		return
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
		b.CanRelease = b.CanRelease && s.hold.Released == nil && len(s.hold.Trips) > 0
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
	q.render(http.StatusOK, "pipeline", mask(name), nil, b)
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
	Rows         []rowView
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

// rowView is a row as a given viewer sees it.
type rowView struct {
	Key       string
	Kind      reconcile.Kind
	Op        reconcile.Op
	Case      int
	Confirm   reconcile.Confirmation
	Reason    string
	Name      string
	SourceKey string
	TargetID  string
	Diffs     []diff
	Reduced   bool
}

func viewRow(r *row, maySee bool) rowView {
	v := rowView{Key: r.Key, Kind: r.Kind, Op: r.Op, Case: r.Case, Confirm: r.Confirm, Reason: r.Reason}
	if r.Protected && !maySee {
		v.Name, v.Reduced = r.Reduced, true
		v.Diffs = make([]diff, len(r.Diffs))
		for i, d := range r.Diffs {
			v.Diffs[i] = diff{field: field{Name: d.Name, Label: d.Label}}
		}
		return v
	}
	v.Name, v.SourceKey, v.TargetID, v.Diffs = r.Name, r.SourceKey, r.TargetID, r.Diffs
	return v
}

// run reads the run named in the path.
func (q *req) run(l *pipeline.Ledger) (*pipeline.Run, error) {
	id, err := strconv.ParseInt(q.r.PathValue("run"), 10, 64)
	if err != nil || id < 1 {
		return nil, errNotFound
	}
	r, err := l.Run(q.r.Context(), id)
	if err != nil {
		return nil, err
	}
	return &r, nil
}

func (h *Handler) planPage(w http.ResponseWriter, r *http.Request) {
	q := h.req(w, r)
	l, _, err := q.ledger(ActionView)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	f, err := parsePlanQuery(r.URL.Query())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	run, err := q.run(l)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if run.Plan == nil {
		h.fail(w, r, errNoPlan)
		return
	}
	ctx := r.Context()
	name := l.Name()
	_, maySee := q.allowed(ActionViewProtected, name)
	b := planBody{Pipeline: mask(name), Run: q.runView(name, run), Outcomes: run.Plan.Counts, MaySee: maySee}
	if run.Hold != nil {
		b.Hold = q.holdView(name, run.Hold)
	}

	// The rows: filtered from the cache, or from the store a chunk at a time when the plan is
	// too large for it (then only the page asked for is kept).
	var page []row
	matched := 0
	from := (f.Page - 1) * f.Size
	collect := func(x *row) {
		if f.match(x) {
			if matched >= from && len(page) < f.Size {
				page = append(page, *x)
			}
			matched++
		}
	}
	pr, err := h.planRows(ctx, l, run)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	b.Streamed = pr == nil
	scan := func() (*counts, error) {
		page, matched = nil, 0
		if pr != nil {
			for i := range pr.rows {
				collect(&pr.rows[i])
			}
			return pr.counts, nil
		}
		cnt := newCounts()
		rb := h.rowBuilder(name)
		err := eachAction(ctx, l, run.ID, func(pos int, a *reconcile.Action) {
			x := rb.row(pos, a)
			cnt.add(&x)
			collect(&x)
		})
		return cnt, err
	}
	cnt, err := scan()
	if err == nil && from >= matched && f.Page > 1 {
		// A page past the end (a link from a wider filter): show the last one.
		f.Page = max(1, (matched+f.Size-1)/f.Size)
		from = (f.Page - 1) * f.Size
		cnt, err = scan()
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	b.Listed = cnt.Total
	for i := range page {
		b.Rows = append(b.Rows, viewRow(&page[i], maySee))
	}
	path := runPath(name, run.ID)
	base := f.values()
	b.Pager = newPager(f.Page, f.Size, matched, q.pageLink(path, base))
	b.Kinds, b.Ops, b.Cases = q.countTables(path, cnt)
	b.Filter = q.planFilter(path, &f, cnt)
	if b.Run.Questions > 0 {
		b.QuestionsURL = q.u(pipelinePath(name)+"questions", nil)
	}
	q.render(http.StatusOK, "plan", q.t("plan.title", run.ID), []crumb{{mask(name), q.u(pipelinePath(name), nil)}}, b)
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

func (q *req) planFilter(path string, f *planQuery, c *counts) planFilter {
	pf := planFilter{Action: q.u(path, nil), Q: f.Q, Reset: q.u(path, nil)}
	pf.Kinds = append(pf.Kinds, choice{Value: "", Label: "filter.any"})
	for _, k := range reconcile.Kinds {
		pf.Kinds = append(pf.Kinds, choice{Value: string(k), Label: "kind." + string(k), Selected: f.Kind == k})
	}
	pf.Ops = append(pf.Ops, choice{Value: "", Label: "filter.any"})
	for _, op := range allOps {
		pf.Ops = append(pf.Ops, choice{Value: string(op), Label: "op." + string(op), Selected: f.Op == op})
	}
	pf.Confirm = append(pf.Confirm, choice{Value: "", Label: "filter.any"})
	for _, s := range confirmStates {
		pf.Confirm = append(pf.Confirm, choice{Value: s, Label: "confirm." + s, Selected: f.Confirm == s})
	}
	pf.Cases = append(pf.Cases, choice{Value: "", Label: "filter.any"})
	for cs := 1; cs <= 6; cs++ {
		pf.Cases = append(pf.Cases, choice{Value: strconv.Itoa(cs), Label: strconv.Itoa(cs), Raw: true, Selected: f.Case == cs})
	}
	pf.Sizes = sizeChoices(f.Size)
	return pf
}

func sizeChoices(size int) []choice {
	var out []choice
	for _, s := range pageSizes {
		out = append(out, choice{Value: strconv.Itoa(s), Label: strconv.Itoa(s), Raw: true, Selected: s == size})
	}
	return out
}

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

func (h *Handler) auditPage(w http.ResponseWriter, r *http.Request) {
	q := h.req(w, r)
	l, _, err := q.ledger(ActionView)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	f, err := parseAuditQuery(r.URL.Query())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	run, err := q.run(l)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if run.Report == nil {
		h.fail(w, r, errNoPlan)
		return
	}
	name := l.Name()
	_, maySee := q.allowed(ActionViewProtected, name)
	var page []auditRow
	matched := 0
	collect := func(a *auditRow) {
		if f.match(a) {
			if matched >= (f.Page-1)*f.Size && len(page) < f.Size {
				page = append(page, *a)
			}
			matched++
		}
	}
	b := auditBody{Pipeline: mask(name), Run: q.runView(name, run)}
	rows, err := h.auditRows(r.Context(), l, run)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if rows != nil {
		for i := range rows {
			collect(&rows[i])
		}
	} else {
		b.Streamed = true
		if err := h.eachAudit(r.Context(), l, run, collect); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	for _, a := range page {
		v := auditView{Key: a.Key, Kind: a.Kind, Op: a.Op, Status: a.Status, Name: a.Name, TargetID: a.TargetID,
			SourceKey: a.SourceKey, At: q.when(a.At), Error: a.Error}
		if a.Protected && !maySee {
			v.Name, v.TargetID, v.SourceKey, v.Reduced = a.Reduced, "", "", true
		}
		b.Rows = append(b.Rows, v)
	}
	path := runPath(name, run.ID) + "audit"
	b.Pager = newPager(f.Page, f.Size, matched, q.pageLink(path, f.values()))
	if run.Plan != nil {
		b.PlanURL = q.u(runPath(name, run.ID), nil)
	}
	af := auditFilter{Action: q.u(path, nil), Q: f.Q, Reset: q.u(path, nil), Sizes: sizeChoices(f.Size)}
	af.Kinds = append(af.Kinds, choice{Value: "", Label: "filter.any"})
	for _, k := range reconcile.Kinds {
		af.Kinds = append(af.Kinds, choice{Value: string(k), Label: "kind." + string(k), Selected: f.Kind == k})
	}
	af.Ops = append(af.Ops, choice{Value: "", Label: "filter.any"})
	for _, op := range allOps {
		af.Ops = append(af.Ops, choice{Value: string(op), Label: "op." + string(op), Selected: f.Op == op})
	}
	af.Statuses = append(af.Statuses, choice{Value: "", Label: "filter.any"})
	for _, s := range allStatuses {
		af.Statuses = append(af.Statuses, choice{Value: string(s), Label: "result." + string(s), Selected: f.Status == s})
	}
	b.Filter = af
	q.render(http.StatusOK, "audit", q.t("audit.title", run.ID), []crumb{{mask(name), q.u(pipelinePath(name), nil)},
		{q.t("plan.title", run.ID), b.PlanURL}}, b)
}
