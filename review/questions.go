package review

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/edusync/edusync/pipeline"
	"github.com/edusync/edusync/reconcile"
)

// questionQuery is the questions page's filter and page.
type questionQuery struct {
	filters
	State string // "", "open" or "answered"
}

func parseQuestionQuery(v url.Values) (q questionQuery, err error) {
	if q.filters, err = parseFilters(v); err != nil {
		return q, err
	}
	q.State, err = oneOf(v, "state", []string{"open", "answered"})
	return q, err
}

func (q *questionQuery) match(x *pipeline.Question) bool {
	switch {
	case q.State == "open" && x.Answer != reconcile.Undecided,
		q.State == "answered" && x.Answer == reconcile.Undecided:
		return false
	}
	return q.filters.match(x.Action.Kind, x.Action.Op, x.Action.Case, "")
}

func (q *questionQuery) values() url.Values { return q.filters.values("state", q.State) }

// questionView is a question with both records side by side.
type questionView struct {
	Key     string
	Kind    reconcile.Kind
	Case    int
	Op      reconcile.Op
	Reason  string
	Name    string
	Answer  reconcile.Verdict
	By      string
	Reduced bool
	Import  bool
	Fields  []sideField
}

// sideField is one line of the side-by-side view: the target's record now, and the record
// approval would give (for an import, the record taken into the source).
type sideField struct {
	field
	Before  string
	Changed bool
}

func (h *Handler) questionView(name string, x *pipeline.Question, maySee bool) questionView {
	a := &x.Action
	v := questionView{Key: h.opaque(name, a.ID), Kind: a.Kind, Case: a.Case, Op: a.Op, Reason: mask(a.Reason),
		Name: nameOf(a), Answer: x.Answer, By: mask(x.By), Import: a.Op == reconcile.OpImport}
	if a.Kind == reconcile.KindPerson && protected(a) && !maySee {
		v.Reduced = true
		return v
	}
	before, after := recordFields(a, false), recordFields(a, true)
	if v.Import {
		after = before
	}
	idx := map[string]int{}
	for _, f := range after {
		idx[f.Name] = len(v.Fields)
		v.Fields = append(v.Fields, sideField{field: f})
	}
	for _, f := range before {
		i, ok := idx[f.Name]
		if !ok {
			i = len(v.Fields)
			v.Fields = append(v.Fields, sideField{field: field{Name: f.Name, Label: f.Label}})
		}
		v.Fields[i].Before = f.Value
	}
	for i := range v.Fields {
		v.Fields[i].Changed = !v.Import && v.Fields[i].Before != v.Fields[i].Value
	}
	return v
}

// questionsBody is the questions page.
type questionsBody struct {
	Pipeline   string
	Run        int64
	RunURL     string
	Questions  []questionView
	Pager      pager
	Open       int
	Answered   int
	CanAnswer  bool
	CanTrigger bool
	TriggerURL string
	Action     string
	Back       string
	Kinds      []choice
	Cases      []choice
	States     []choice
	Sizes      []choice
	Reset      string
}

func (h *Handler) questionsPage(q *req) error {
	l, _, err := q.ledger(ActionView)
	if err != nil {
		return err
	}
	f, err := parseQuestionQuery(q.r.URL.Query())
	if err != nil {
		return err
	}
	qs, err := l.Questions(q.r.Context())
	if err != nil {
		return err
	}
	name := l.Name()
	path := pipelinePath(name) + "questions"
	_, maySee := q.allowed(ActionViewProtected, name)
	b := questionsBody{Pipeline: mask(name), Action: q.u(path, nil), Back: f.values().Encode(), Reset: q.u(path, nil),
		TriggerURL: q.u(pipelinePath(name)+"trigger", nil), Kinds: choices(reconcile.Kinds, f.Kind, "kind."),
		Cases: caseChoices(f.Case), Sizes: sizeChoices(f.Size)}
	_, b.CanAnswer = q.allowed(ActionAnswer, name)
	_, b.CanTrigger = q.allowed(ActionTrigger, name)
	for i := range qs {
		if qs[i].Answer == reconcile.Undecided {
			b.Open++
		} else {
			b.Answered++
		}
	}
	if len(qs) > 0 {
		b.Run = qs[0].Run
		b.RunURL = q.u(runPath(name, b.Run), nil)
	}
	w, _ := pageOf(f.Page, f.Size, f.match, each(qs))
	b.Pager = newPager(w.Page, w.Size, w.Matched, q.pageLink(path, f.values()))
	for i := range w.Rows {
		b.Questions = append(b.Questions, h.questionView(name, &w.Rows[i], maySee))
	}
	for _, s := range []string{"", "open", "answered"} {
		b.States = append(b.States, choice{Value: s, Label: "questions.state." + cmpOr(s, "any"), Selected: f.State == s})
	}
	return q.render(http.StatusOK, "questions", q.t("questions.title"), []crumb{{mask(name), q.u(pipelinePath(name), nil)}}, b)
}

func cmpOr(s, or string) string {
	if s == "" {
		return or
	}
	return s
}

// maxSelected bounds a bulk answer (a page holds at most 200 questions).
const maxSelected = 1000

// answer stores the answers of a questions form: one question's (the approve, reject or
// withdraw button pressed beside it) or the selected ones' (a bulk button).
func (h *Handler) answer(q *req) error {
	r := q.r
	l, who, err := q.post(ActionAnswer)
	if err != nil {
		return err
	}
	run, err := strconv.ParseInt(r.PostFormValue("run"), 10, 64)
	if err != nil {
		return errBadInput
	}
	verdicts := map[string]reconcile.Verdict{"approve": reconcile.Approve, "reject": reconcile.Reject, "undo": reconcile.Undecided}
	var keys []string
	var verdict reconcile.Verdict
	found := 0
	for name, v := range verdicts {
		if k := r.PostFormValue(name); k != "" {
			keys, verdict = []string{k}, v
			found++
		}
	}
	if bulk := r.PostFormValue("bulk"); bulk != "" {
		v, ok := verdicts[bulk]
		if !ok {
			return errBadInput
		}
		keys, verdict = r.PostForm["sel"], v
		found++
	}
	if found != 1 || len(keys) == 0 || len(keys) > maxSelected {
		return errBadInput
	}
	qs, err := l.Questions(r.Context())
	if err != nil {
		return err
	}
	ids := make(map[string]string, len(qs))
	for i := range qs {
		if qs[i].Run != run {
			return errStale
		}
		ids[h.opaque(l.Name(), qs[i].Action.ID)] = qs[i].Action.ID
	}
	decisions := make([]reconcile.Decision, 0, len(keys))
	for _, k := range keys {
		id, ok := ids[k]
		if !ok {
			return errStale
		}
		decisions = append(decisions, reconcile.Decision{ID: id, Verdict: verdict})
	}
	if err := l.Answer(r.Context(), who, decisions...); err != nil {
		if errors.Is(err, pipeline.ErrInvalid) {
			err = errStale
		}
		return err
	}
	back, _ := url.ParseQuery(r.PostFormValue("back"))
	f, err := parseQuestionQuery(back)
	if err != nil {
		f, _ = parseQuestionQuery(nil)
	}
	v := f.values()
	if f.Page > 1 {
		v.Set("page", strconv.Itoa(f.Page))
	}
	v.Set("done", "answered")
	v.Set("n", strconv.Itoa(len(decisions)))
	return q.redirect(pipelinePath(l.Name())+"questions", v)
}

// post reads the pipeline a form is posted to, after checking that the host allows act on it
// and names who acts, and that the form carries a valid token.
func (q *req) post(act Action) (*pipeline.Ledger, string, error) {
	l, who, err := q.ledger(act)
	switch {
	case err != nil:
		return nil, "", err
	case !q.h.checkCSRF(q.r):
		return nil, "", errCSRF
	case who == "":
		return nil, "", errNoWho
	}
	return l, who, nil
}

// release releases a pipeline's hold: only with the box ticked that says the plan was
// reviewed, and only for the run the form showed.
func (h *Handler) release(q *req) error {
	r := q.r
	l, who, err := q.post(ActionRelease)
	if err != nil {
		return err
	}
	run, err := strconv.ParseInt(r.PostFormValue("run"), 10, 64)
	if err != nil || run < 1 {
		return errBadInput
	}
	if r.PostFormValue("reviewed") != "yes" {
		return errConfirm
	}
	if err := l.Release(r.Context(), run, who); err != nil {
		return err
	}
	return q.redirect(pipelinePath(l.Name()), url.Values{"done": {"released"}, "n": {strconv.FormatInt(run, 10)}})
}

// trigger asks for a run now: through the store, for the Start loop of whichever process runs
// the pipeline, and directly when it runs in this one.
func (h *Handler) trigger(q *req) error {
	r := q.r
	l, _, err := q.post(ActionTrigger)
	if err != nil {
		return err
	}
	if err := l.Request(r.Context()); err != nil {
		return err
	}
	if p := h.cfg.local[l.Name()]; p != nil {
		p.Trigger()
	}
	back := pipelinePath(l.Name())
	if r.PostFormValue("from") == "questions" {
		back += "questions"
	}
	return q.redirect(back, url.Values{"done": {"requested"}})
}
