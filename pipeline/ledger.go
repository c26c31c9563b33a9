package pipeline

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/store"
)

// Flow is the store flow pipelines keep their state under; each pipeline is a tenant of it
// named by the pipeline's name.
const Flow = "pipeline"

// The layout of a pipeline's scope. Run numbers are zero-padded so that keys sort by run.
const (
	keyState   = "state"   // state
	keyHistory = "history" // reconcile.History
	keyAnswers = "answers" // []Answer
	keyHold    = "hold"    // Hold
	keyRelease = "release" // Release
	keyRequest = "request" // request
	prefixJrnl = "journal/"
	leaseName  = "run"
	chunkSize  = 500 // actions or results per stored value
	// maxChunks bounds what a run record can make the ledger read or delete (a plan of 32
	// million actions; a municipality's first run has about a million), so that a damaged
	// record cannot make it loop for ever.
	maxChunks = 1 << 16
)

func runKey(id int64) string            { return fmt.Sprintf("run/%016d", id) }
func planKey(id int64) string           { return fmt.Sprintf("plan/%016d", id) }
func actionsKey(id int64, n int) string { return fmt.Sprintf("actions/%016d/%06d", id, n) }
func reportKey(id int64) string         { return fmt.Sprintf("report/%016d", id) }
func resultsKey(id int64, n int) string { return fmt.Sprintf("results/%016d/%06d", id, n) }
func journalKey(n int) string           { return fmt.Sprintf("%s%08d", prefixJrnl, n) }

// state is the pipeline's bookkeeping between runs.
type state struct {
	// LastRun is the number of the latest run started.
	LastRun int64 `json:"lastRun,omitempty"`
	// Planned is the latest run that made a plan: its questions are the open ones.
	Planned     int64     `json:"planned,omitempty"`
	LastStarted time.Time `json:"lastStarted,omitzero"`
	LastEnded   time.Time `json:"lastEnded,omitzero"`
	LastStatus  Status    `json:"lastStatus,omitempty"`
	// Failures counts the failed or interrupted runs since the last that was not.
	Failures int `json:"failures,omitempty"`
}

// runRecord is a Run as stored, with where its plan and report are.
type runRecord struct {
	Run
	ActionChunks int `json:"actionChunks,omitempty"`
	ResultChunks int `json:"resultChunks,omitempty"`
	Results      int `json:"results,omitempty"`
}

// chunks is n, within what a real run stores.
func chunks(n int) int { return min(max(n, 0), maxChunks) }

// readRuns returns the kept runs, oldest first.
func readRuns(tx store.Tx) ([]runRecord, error) {
	entries, err := store.List[runRecord](tx, "run/")
	if err != nil {
		return nil, err
	}
	out := make([]runRecord, len(entries))
	for i, e := range entries {
		out[i] = e.Value
	}
	return out, nil
}

// chunk reads chunk n of a list stored in chunks; a missing one means damaged state.
func chunk[T any](tx store.Tx, key string) ([]T, error) {
	c, ok, err := get[[]T](tx, key)
	if err == nil && !ok {
		err = fmt.Errorf("%w: %s: %s is missing", store.ErrDecode, tx.Scope(), key)
	}
	return c, err
}

// request is a run asked for from elsewhere (Ledger.Request).
type request struct {
	N  int64     `json:"n"`
	At time.Time `json:"at"`
}

// get reads key into a T; ok is false when there is nothing under it.
func get[T any](tx store.Tx, key string) (v T, ok bool, err error) {
	v, err = store.Get[T](tx, key)
	if errors.Is(err, store.ErrNotFound) {
		return v, false, nil
	}
	return v, err == nil, err
}

func readState(tx store.Tx) (state, error) {
	st, _, err := get[state](tx, keyState)
	return st, err
}

func readRun(tx store.Tx, id int64) (runRecord, error) {
	r, ok, err := get[runRecord](tx, runKey(id))
	if err == nil && !ok {
		err = fmt.Errorf("%w: run %d of %s", ErrNoRun, id, tx.Scope().Tenant)
	}
	return r, err
}

// checkName refuses names a store scope or an operator could not tell apart.
func checkName(name string) error {
	if name == "" || len(name) > 200 || !utf8.ValidString(name) {
		return fmt.Errorf("%w: a pipeline name must be 1 to 200 bytes of UTF-8", ErrInvalid)
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return fmt.Errorf("%w: a pipeline name must not hold control characters", ErrInvalid)
		}
	}
	return nil
}

// Ledger is what a pipeline keeps in the store between runs, for the host and for people
// reviewing it: its runs with their plans and reports, the questions of the latest plan and
// the answers given, the hold and its release, and the history reconcile plans from. It does
// not need the pipeline's source or target, so a review page in another process opens it with
// OpenLedger on the same store. Answers, releases and requests given here are used by the next
// run, wherever it runs. It is safe for concurrent use.
type Ledger struct {
	st    store.Store
	name  string
	scope store.Scope
	now   func() time.Time
}

// OpenLedger returns the ledger of pipeline name in st.
func OpenLedger(st store.Store, name string) (*Ledger, error) {
	if st == nil {
		return nil, fmt.Errorf("%w: no store", ErrInvalid)
	}
	if err := checkName(name); err != nil {
		return nil, err
	}
	return &Ledger{st: st, name: name, scope: store.Scope{Flow: Flow, Tenant: name}, now: time.Now}, nil
}

// Names lists the pipelines that keep state in st, in order.
func Names(ctx context.Context, st store.Store) ([]string, error) {
	scopes, err := st.Scopes(ctx)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, s := range scopes {
		if s.Flow == Flow && s.Tenant != "" {
			names = append(names, s.Tenant)
		}
	}
	return names, nil
}

// Name is the pipeline's name.
func (l *Ledger) Name() string { return l.name }

func (l *Ledger) view(ctx context.Context, fn func(tx store.Tx) error) error {
	return l.st.View(ctx, l.scope, fn)
}

// Runs lists the kept runs, newest first, at most limit of them (0: all kept).
func (l *Ledger) Runs(ctx context.Context, limit int) ([]Run, error) {
	if limit < 0 {
		return nil, fmt.Errorf("%w: negative limit", ErrInvalid)
	}
	var out []Run
	err := l.view(ctx, func(tx store.Tx) error {
		runs, err := readRuns(tx)
		for i := len(runs) - 1; i >= 0 && (limit == 0 || len(out) < limit); i-- {
			out = append(out, runs[i].Run)
		}
		return err
	})
	return out, err
}

// Run returns run id, or ErrNoRun.
func (l *Ledger) Run(ctx context.Context, id int64) (Run, error) {
	var r runRecord
	err := l.view(ctx, func(tx store.Tx) (err error) {
		r, err = readRun(tx, id)
		return err
	})
	return r.Run, err
}

// Plan returns the plan run id made, checked against its fingerprint (reconcile.ErrTampered
// when the stored plan was altered); ErrNoPlan when the run made none. A plan read back cannot
// be answered with Plan.Answer: answers go through Answer and are used by the next run.
func (l *Ledger) Plan(ctx context.Context, id int64) (*reconcile.Plan, error) {
	var p reconcile.Plan
	actions, _, err := listed[reconcile.Plan, reconcile.Action](ctx, l, id, false, &p, 0, 0)
	if err != nil {
		return nil, err
	}
	p.Actions = actions
	if err := p.Verify(); err != nil {
		return nil, fmt.Errorf("pipeline %q: run %d: stored plan: %w", l.name, id, err)
	}
	return &p, nil
}

// Actions returns up to limit actions of run id's plan from offset on, in plan order, and how
// many the plan has, reading only the part asked for (a review page pages a large plan so).
func (l *Ledger) Actions(ctx context.Context, id int64, offset, limit int) ([]reconcile.Action, int, error) {
	return listed[struct{}, reconcile.Action](ctx, l, id, false, nil, offset, limit)
}

// Report returns what applying run id's plan did; ErrNoPlan when it applied nothing. Results
// read back carry the error text (Error), not the error value (Err).
func (l *Ledger) Report(ctx context.Context, id int64) (*reconcile.Report, error) {
	var rep reconcile.Report
	results, _, err := listed[reconcile.Report, reconcile.Result](ctx, l, id, true, &rep, 0, 0)
	if err != nil {
		return nil, err
	}
	rep.Results = results
	return &rep, nil
}

// Results returns up to limit results of run id's report from offset on, and how many there
// are: the run's audit trail, one result per action.
func (l *Ledger) Results(ctx context.Context, id int64, offset, limit int) ([]reconcile.Result, int, error) {
	return listed[struct{}, reconcile.Result](ctx, l, id, true, nil, offset, limit)
}

// listed reads run id's plan (or, ofReport, its report): the header into head when head is not
// nil, the items (actions or results) from offset on (limit 0: to the end), and how many there
// are.
func listed[H, T any](ctx context.Context, l *Ledger, id int64, ofReport bool, head *H, offset, limit int) ([]T, int, error) {
	var items []T
	var total int
	err := l.view(ctx, func(tx store.Tx) error {
		r, err := readRun(tx, id)
		if err != nil {
			return err
		}
		headKey, key, stored := planKey(id), func(n int) string { return actionsKey(id, n) }, r.ActionChunks
		switch {
		case !ofReport && r.Plan == nil:
			return fmt.Errorf("%w: run %d made no plan", ErrNoPlan, id)
		case ofReport && r.Report == nil:
			return fmt.Errorf("%w: run %d applied nothing", ErrNoPlan, id)
		case ofReport:
			headKey, key, stored, total = reportKey(id), func(n int) string { return resultsKey(id, n) }, r.ResultChunks, r.Results
		default:
			total = r.Plan.Actions
		}
		if head != nil {
			if *head, _, err = get[H](tx, headKey); err != nil {
				return err
			}
		}
		items, err = page[T](tx, key, stored, offset, limit)
		return err
	})
	return items, total, err
}

// page reads items offset to offset+limit (limit 0: to the end) of a list stored in chunks.
func page[T any](tx store.Tx, key func(n int) string, stored, offset, limit int) ([]T, error) {
	if offset < 0 || limit < 0 {
		return nil, fmt.Errorf("%w: negative offset or limit", ErrInvalid)
	}
	var out []T
	for n := offset / chunkSize; n < chunks(stored); n++ {
		c, err := chunk[T](tx, key(n))
		if err != nil {
			return nil, err
		}
		from := 0
		if n == offset/chunkSize {
			from = min(offset%chunkSize, len(c))
		}
		for _, v := range c[from:] {
			if limit > 0 && len(out) == limit {
				return out, nil
			}
			out = append(out, v)
		}
	}
	return out, nil
}

// Questions lists the actions of the latest plan that wait for a decision, with the answers
// given since. Answer them with Answer; the next run uses the answers.
func (l *Ledger) Questions(ctx context.Context) ([]Question, error) {
	var out []Question
	err := l.view(ctx, func(tx store.Tx) error {
		st, err := readState(tx)
		if err != nil || st.Planned == 0 {
			return err
		}
		answers, _, err := get[[]Answer](tx, keyAnswers)
		if err != nil {
			return err
		}
		given := make(map[string]Answer, len(answers))
		for _, a := range answers {
			given[a.ID] = a
		}
		return eachAction(tx, st.Planned, func(a *reconcile.Action) {
			if a.Confirm == reconcile.Pending {
				q := Question{Run: st.Planned, Action: *a}
				if ans, ok := given[a.ID]; ok {
					q.Answer, q.By = ans.Verdict, ans.By
				}
				out = append(out, q)
			}
		})
	})
	return out, err
}

// eachAction calls fn for each action of run id's plan, one stored chunk at a time.
func eachAction(tx store.Tx, id int64, fn func(a *reconcile.Action)) error {
	r, err := readRun(tx, id)
	if err != nil {
		return err
	}
	for n := range chunks(r.ActionChunks) {
		c, err := chunk[reconcile.Action](tx, actionsKey(id, n))
		if err != nil {
			return err
		}
		for i := range c {
			fn(&c[i])
		}
	}
	return nil
}

// Answer stores decisions on questions of the latest plan, by whom (an operator's name, kept
// with the answers); the next run plans with them. A later answer to the same question replaces
// the earlier one, and reconcile.Undecided withdraws it. Each decision must name a question of
// the latest plan (or one it answered already); nothing is stored when one does not. Call
// Pipeline.Trigger or Request to have the answers applied without waiting for the interval.
func (l *Ledger) Answer(ctx context.Context, by string, decisions ...reconcile.Decision) error {
	if by == "" {
		return fmt.Errorf("%w: an answer needs the name of who gives it", ErrInvalid)
	}
	for i, d := range decisions {
		switch d.Verdict {
		case reconcile.Approve, reconcile.Reject, reconcile.Undecided:
		default:
			return fmt.Errorf("%w: decision %d: the verdict must be approve, reject or empty", ErrInvalid, i)
		}
	}
	var planned int64
	known := map[string]bool{}
	err := l.view(ctx, func(tx store.Tx) error {
		st, err := readState(tx)
		if err != nil || st.Planned == 0 {
			planned = st.Planned
			return err
		}
		planned = st.Planned
		head, _, err := get[reconcile.Plan](tx, planKey(planned))
		if err != nil {
			return err
		}
		for _, d := range head.Decisions {
			known[d.ID] = true
		}
		return eachAction(tx, planned, func(a *reconcile.Action) {
			if a.Confirm != "" {
				known[a.ID] = true
			}
		})
	})
	if err != nil {
		return err
	}
	for i, d := range decisions {
		if !known[d.ID] {
			return fmt.Errorf("%w: decision %d names no question of the latest plan (run %d)", ErrInvalid, i, planned)
		}
	}
	now := l.now().UTC()
	return l.st.Update(ctx, l.scope, func(tx store.Tx) error {
		answers, _, err := get[[]Answer](tx, keyAnswers)
		if err != nil {
			return err
		}
		for _, d := range decisions {
			answers = slices.DeleteFunc(answers, func(a Answer) bool { return a.ID == d.ID })
			if d.Verdict != reconcile.Undecided {
				answers = append(answers, Answer{Decision: d, By: by, At: now})
			}
		}
		return store.Put(tx, keyAnswers, answers)
	})
}

// Answers lists the answers given and not yet used up, oldest first.
func (l *Ledger) Answers(ctx context.Context) ([]Answer, error) {
	var out []Answer
	err := l.view(ctx, func(tx store.Tx) (err error) {
		out, _, err = get[[]Answer](tx, keyAnswers)
		return err
	})
	return out, err
}

// Hold returns the pipeline's hold, with the release waiting for the next run if one was
// given; held is false when the pipeline is not held.
func (l *Ledger) Hold(ctx context.Context) (h Hold, held bool, err error) {
	err = l.view(ctx, func(tx store.Tx) error {
		if h, held, err = get[Hold](tx, keyHold); err != nil || !held {
			return err
		}
		rel, ok, err := get[Release](tx, keyRelease)
		if ok {
			h.Released = &rel
		}
		return err
	})
	return h, held, err
}

// Release lets the next run apply the plan of a held pipeline. run names the held run whose
// plan was reviewed (one of the current hold's); the next run may make the changes that plan
// exceeded its thresholds with, up to its counts: a plan that exceeds them further is held
// again. by names who released it. ErrNotHeld when the pipeline is not held or run is not one
// of the hold's held runs. Call Pipeline.Trigger or Request to run without waiting for the
// interval.
func (l *Ledger) Release(ctx context.Context, run int64, by string) error {
	if by == "" {
		return fmt.Errorf("%w: a release needs the name of who gives it", ErrInvalid)
	}
	now := l.now().UTC()
	return l.st.Update(ctx, l.scope, func(tx store.Tx) error {
		h, held, err := get[Hold](tx, keyHold)
		if err != nil {
			return err
		}
		if !held {
			return fmt.Errorf("%w: pipeline %q is not held", ErrNotHeld, l.name)
		}
		if run < h.Since || run > h.Run {
			return fmt.Errorf("%w: run %d is not one of the hold's (runs %d to %d)", ErrNotHeld, run, h.Since, h.Run)
		}
		r, err := readRun(tx, run)
		if err != nil {
			return err
		}
		if r.Status != StatusHeld || r.Hold == nil {
			return fmt.Errorf("%w: run %d is %s", ErrNotHeld, run, r.Status)
		}
		return store.Put(tx, keyRelease, Release{Run: run, By: by, At: now, Trips: r.Hold.Trips})
	})
}

// Request asks for a run as soon as possible: the pipeline's Start loop, in whichever process
// runs it, picks the request up within its poll interval (WithPoll). Requests made before a run
// starts are all answered by it.
func (l *Ledger) Request(ctx context.Context) error {
	now := l.now().UTC()
	return l.st.Update(ctx, l.scope, func(tx store.Tx) error {
		r, _, err := get[request](tx, keyRequest)
		if err != nil {
			return err
		}
		return store.Put(tx, keyRequest, request{N: r.N + 1, At: now})
	})
}

// History returns what reconcile remembers between runs: the records this pipeline created,
// those in their grace period, the recent writes.
func (l *Ledger) History(ctx context.Context) (reconcile.History, error) {
	var h reconcile.History
	err := l.view(ctx, func(tx store.Tx) (err error) {
		h, _, err = get[reconcile.History](tx, keyHistory)
		return err
	})
	return h, err
}
