package review

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/edusync/edusync/pipeline"
	"github.com/edusync/edusync/reconcile"
)

// questionQuery is the questions page's filter and page.
type questionQuery struct {
	Kind  reconcile.Kind
	Case  int    // -1: any
	State string // "", "open" or "answered"
	Page  int
	Size  int
}

func parseQuestionQuery(v url.Values) (questionQuery, error) {
	q := questionQuery{Case: -1}
	var err error
	if s := v.Get("kind"); s != "" {
		if !slices.Contains(reconcile.Kinds, reconcile.Kind(s)) {
			return q, errBadInput
		}
		q.Kind = reconcile.Kind(s)
	}
	if s := v.Get("case"); s != "" {
		if q.Case, err = strconv.Atoi(s); err != nil || q.Case < 0 || q.Case > 9 {
			return q, errBadInput
		}
	}
	switch s := v.Get("state"); s {
	case "", "open", "answered":
		q.State = s
	default:
		return q, errBadInput
	}
	q.Page, q.Size, err = paging(v)
	return q, err
}

func (f *questionQuery) match(x *pipeline.Question) bool {
	switch {
	case f.Kind != "" && x.Action.Kind != f.Kind,
		f.Case >= 0 && x.Action.Case != f.Case,
		f.State == "open" && x.Answer != reconcile.Undecided,
		f.State == "answered" && x.Answer == reconcile.Undecided:
		return false
	}
	return true
}

func (f *questionQuery) values() url.Values {
	v := url.Values{}
	set(v, "kind", string(f.Kind))
	if f.Case >= 0 {
		v.Set("case", strconv.Itoa(f.Case))
	}
	set(v, "state", f.State)
	if f.Size != defaultPageSize {
		v.Set("size", strconv.Itoa(f.Size))
	}
	return v
}

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

func (h *Handler) questionsPage(w http.ResponseWriter, r *http.Request) {
	q := h.req(w, r)
	l, _, err := q.ledger(ActionView)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	f, err := parseQuestionQuery(r.URL.Query())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	qs, err := l.Questions(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	name := l.Name()
	path := pipelinePath(name) + "questions"
	_, maySee := q.allowed(ActionViewProtected, name)
	b := questionsBody{Pipeline: mask(name), Action: q.u(path, nil), Back: f.values().Encode(), Reset: q.u(path, nil),
		TriggerURL: q.u(pipelinePath(name)+"trigger", nil)}
	_, b.CanAnswer = q.allowed(ActionAnswer, name)
	_, b.CanTrigger = q.allowed(ActionTrigger, name)
	var matched []*pipeline.Question
	for i := range qs {
		if qs[i].Answer == reconcile.Undecided {
			b.Open++
		} else {
			b.Answered++
		}
		if f.match(&qs[i]) {
			matched = append(matched, &qs[i])
		}
	}
	if len(qs) > 0 {
		b.Run = qs[0].Run
		b.RunURL = q.u(runPath(name, b.Run), nil)
	}
	b.Pager = newPager(f.Page, f.Size, len(matched), q.pageLink(path, f.values()))
	for i := max(0, b.Pager.From-1); i < b.Pager.To; i++ {
		b.Questions = append(b.Questions, h.questionView(name, matched[i], maySee))
	}
	b.Kinds = append(b.Kinds, choice{Value: "", Label: "filter.any"})
	for _, k := range reconcile.Kinds {
		b.Kinds = append(b.Kinds, choice{Value: string(k), Label: "kind." + string(k), Selected: f.Kind == k})
	}
	b.Cases = append(b.Cases, choice{Value: "", Label: "filter.any"})
	for cs := 1; cs <= 6; cs++ {
		b.Cases = append(b.Cases, choice{Value: strconv.Itoa(cs), Label: strconv.Itoa(cs), Raw: true, Selected: f.Case == cs})
	}
	for _, s := range []string{"", "open", "answered"} {
		b.States = append(b.States, choice{Value: s, Label: "questions.state." + cmpOr(s, "any"), Selected: f.State == s})
	}
	b.Sizes = sizeChoices(f.Size)
	q.render(http.StatusOK, "questions", q.t("questions.title"), []crumb{{mask(name), q.u(pipelinePath(name), nil)}}, b)
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
func (h *Handler) answer(w http.ResponseWriter, r *http.Request) {
	q := h.req(w, r)
	l, who, err := q.ledger(ActionAnswer)
	if err == nil {
		err = q.checkPost(who)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	run, err := strconv.ParseInt(r.PostFormValue("run"), 10, 64)
	if err != nil {
		h.fail(w, r, errBadInput)
		return
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
			h.fail(w, r, errBadInput)
			return
		}
		keys, verdict = r.PostForm["sel"], v
		found++
	}
	if found != 1 || len(keys) == 0 || len(keys) > maxSelected {
		h.fail(w, r, errBadInput)
		return
	}
	qs, err := l.Questions(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ids := make(map[string]string, len(qs))
	for i := range qs {
		if qs[i].Run != run {
			h.fail(w, r, errStale)
			return
		}
		ids[h.opaque(l.Name(), qs[i].Action.ID)] = qs[i].Action.ID
	}
	decisions := make([]reconcile.Decision, 0, len(keys))
	for _, k := range keys {
		id, ok := ids[k]
		if !ok {
			h.fail(w, r, errStale)
			return
		}
		decisions = append(decisions, reconcile.Decision{ID: id, Verdict: verdict})
	}
	if err := l.Answer(r.Context(), who, decisions...); err != nil {
		if errors.Is(err, pipeline.ErrInvalid) {
			err = errStale
		}
		h.fail(w, r, err)
		return
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
	q.redirect(pipelinePath(l.Name())+"questions", v)
}

// checkPost refuses a form post without a valid token, or by someone the host's check did
// not name.
func (q *req) checkPost(who string) error {
	if !q.h.checkCSRF(q.r) {
		return errCSRF
	}
	if who == "" {
		return errNoWho
	}
	return nil
}

// release releases a pipeline's hold: only with the box ticked that says the plan was
// reviewed, and only for the run the form showed.
func (h *Handler) release(w http.ResponseWriter, r *http.Request) {
	q := h.req(w, r)
	l, who, err := q.ledger(ActionRelease)
	if err == nil {
		err = q.checkPost(who)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	run, err := strconv.ParseInt(r.PostFormValue("run"), 10, 64)
	if err != nil || run < 1 {
		h.fail(w, r, errBadInput)
		return
	}
	if r.PostFormValue("reviewed") != "yes" {
		h.fail(w, r, errConfirm)
		return
	}
	if err := l.Release(r.Context(), run, who); err != nil {
		h.fail(w, r, err)
		return
	}
	q.redirect(pipelinePath(l.Name()), url.Values{"done": {"released"}, "n": {strconv.FormatInt(run, 10)}})
}

// trigger asks for a run now: through the store, for the Start loop of whichever process runs
// the pipeline, and directly when it runs in this one.
func (h *Handler) trigger(w http.ResponseWriter, r *http.Request) {
	q := h.req(w, r)
	l, who, err := q.ledger(ActionTrigger)
	if err == nil {
		err = q.checkPost(who)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := l.Request(r.Context()); err != nil {
		h.fail(w, r, err)
		return
	}
	if p := h.cfg.local[l.Name()]; p != nil {
		p.Trigger()
	}
	back := pipelinePath(l.Name())
	if r.PostFormValue("from") == "questions" {
		back += "questions"
	}
	q.redirect(back, url.Values{"done": {"requested"}})
}
