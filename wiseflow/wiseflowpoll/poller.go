package wiseflowpoll

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/wiseflow"
)

// Poller finds what changed in WISEflow for the exam flows, one round at a time, and queues
// each change in the store (the queue of Scope), in the same transaction as what it remembers
// of the flow, so that a change is queued exactly once even when a round fails half way or the
// process dies. Consumers take the changes with a store.Worker and DecodeChange.
//
// A round reads the flows of Query page by page (see listWindow) and compares each flow's
// listing with the last round's. A flow is read in detail when it is new, its listing changed,
// a webhook call named it (Hint), or it has business that can change without its listing
// changing (an open explanation request, a remarking flow not concluded, a thesis flow not
// concluded) and Recheck has passed since it was last read. The reads a flow's kind needs:
//
//   - an ordinary flow whose participation has ended: its explanation requests, its
//     remarking flow and its grades (three requests); a concluded master's-thesis flow also
//     its submissions, once (one request per 100);
//   - a remarking flow whose participation has ended: its grades and its explanation requests;
//   - a flow whose participation has not ended: nothing.
//
// Only one Poller works on a Scope at a time (a store lease); another one's round waits.
type Poller struct {
	// Client reads WISEflow.
	Client *wiseflow.Client
	// Store keeps what the poller remembers and the queued changes.
	Store store.Store
	// Scope is where (Flow may not be empty).
	Scope store.Scope
	// Query selects the flows watched (the zero Query: every flow of the licence). Narrow it
	// (states, purposes, a creation window) to keep rounds small.
	Query wiseflow.FlowQuery
	// Recheck is how long after its last detailed read a flow with open business is read
	// again though nothing showed a change (default one hour; negative: never).
	Recheck time.Duration
	// Concurrency is how many flows are read in detail at once (default 4); the client's
	// throttle keeps them within WISEflow's rate limits.
	Concurrency int
	// PageSize is the search's page size (default and most 100).
	PageSize int
	// MaxPages bounds the pages of one round's search (default 10,000).
	MaxPages int
	// KeyWindow is how long a queued change's key keeps an identical change out (default 90
	// days).
	KeyWindow time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Logger receives a line per round and per failed flow (ids only).
	Logger *slog.Logger
	// Holder names the poller in the scope's lease (default: a random name per Poller). A
	// process restarted after a crash that passes the holder it had (a stable name of the
	// deployment) takes its lease back at once rather than waiting up to 15 minutes for it to
	// expire. Pollers that may run at the same time must have different holders.
	Holder string

	once   sync.Once
	holder string
}

// RoundStats says what a round did.
type RoundStats struct {
	// Flows is how many flows the search listed; New, Changed and Gone how many of them were
	// new, had a changed listing, or were no longer listed.
	Flows, New, Changed, Gone int
	// Read is how many flows were read in detail; Hinted and Rechecked how many of them for a
	// webhook call or for Recheck.
	Read, Hinted, Rechecked int
	// Pages is how many search pages were read, Requests how many requests the round made in all.
	Pages, Requests int
	// Queued is how many changes were queued, Duplicates how many were queued already.
	Queued, Duplicates int
}

// leaseName is the store lease that keeps two pollers of a scope from working at once.
const leaseName = "wiseflowpoll"

const (
	prefixFlow  = "flow/"
	prefixExpl  = "expl/"
	prefixGrade = "grade/"
	prefixHint  = "hint/"
)

func (p *Poller) defaults() {
	p.once.Do(func() {
		if p.Holder != "" {
			p.holder = p.Holder
			return
		}
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		p.holder = "poller-" + hex.EncodeToString(b)
	})
}

func (p *Poller) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p *Poller) logger() *slog.Logger {
	if p.Logger != nil {
		return p.Logger
	}
	return slog.New(slog.DiscardHandler)
}

func orDefault[T int | time.Duration](v, def T) T {
	if v == 0 {
		return def
	}
	return v
}

// snapshot is what the poller remembers of a flow between rounds.
type snapshot struct {
	Listing    string    `json:"listing"` // the listing's fingerprint
	Info       FlowInfo  `json:"info"`
	Original   int64     `json:"original,omitempty"`  // of a remarking flow: the flow it regrades
	Remarking  int64     `json:"remarking,omitempty"` // the flow's remarking flow
	ThesisDone bool      `json:"thesisDone,omitempty"`
	Open       bool      `json:"open,omitempty"` // business that can change without the listing
	Checked    time.Time `json:"checked,omitzero"`
}

// fingerprint is what of a flow's listing the poller compares.
func fingerprint(f *wiseflow.FlowSummary) string {
	return fmt.Sprintf("%d|%d|%d|%d|%d|%d|%d|%d|%q|%q|%q", f.State, f.Variant, f.Purpose, f.Type, f.Participation.Start,
		f.Participation.End, f.Marking.Start, f.Marking.End, f.Title, f.Subtitle, strings.Join(f.ExternalSourceReferences, "\n"))
}

func info(f *wiseflow.FlowSummary) FlowInfo {
	return FlowInfo{State: f.State, Variant: f.Variant, Purpose: f.Purpose, Type: f.Type, SourceCodes: slices.Clone(f.ExternalSourceReferences)}
}

func flowKey(id int64) string { return prefixFlow + strconv.FormatInt(id, 10) }

// Hint marks flows whose details the next round reads whatever their listing says, for the
// webhook calls that tell of a change (the Receiver does it when its Poller is set).
func (p *Poller) Hint(ctx context.Context, flowIDs ...int64) error {
	if len(flowIDs) == 0 {
		return nil
	}
	at := []byte(strconv.FormatInt(p.now().UnixNano(), 10))
	return p.Store.Update(ctx, p.Scope, func(tx store.Tx) error {
		for _, id := range flowIDs {
			if id > 0 {
				if err := tx.SetValue(prefixHint+strconv.FormatInt(id, 10), at); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// Round polls once: it lists the watched flows, reads the details of those that need it and
// queues what changed. It returns what it did; on an error it has committed the flows it
// finished (the others are read again next round) and queued nothing twice.
func (p *Poller) Round(ctx context.Context) (RoundStats, error) {
	var st RoundStats
	if p.Client == nil || p.Store == nil {
		return st, errors.New("wiseflowpoll: Poller needs a Client and a Store")
	}
	p.defaults()
	lease, err := p.lease(ctx)
	if err != nil {
		return st, err
	}
	defer func() {
		_ = p.Store.Update(context.WithoutCancel(ctx), p.Scope, func(tx store.Tx) error { return tx.ReleaseLease(lease) })
	}()
	start := p.now()
	snaps := map[int64]snapshot{}
	hints := map[int64]string{}
	err = p.Store.View(ctx, p.Scope, func(tx store.Tx) error {
		vals, err := store.List[snapshot](tx, prefixFlow)
		if err != nil {
			return err
		}
		for _, v := range vals {
			if id, err := strconv.ParseInt(strings.TrimPrefix(v.Key, prefixFlow), 10, 64); err == nil {
				snaps[id] = v.Value
			}
		}
		hs, err := tx.Values(prefixHint)
		if err != nil {
			return err
		}
		for _, h := range hs {
			if id, err := strconv.ParseInt(strings.TrimPrefix(h.Key, prefixHint), 10, 64); err == nil {
				hints[id] = string(h.Value)
			}
		}
		return nil
	})
	if err != nil {
		return st, err
	}
	win, err := listWindow(ctx, p.Client, p.Query, min(orDefault(p.PageSize, wiseflow.MaxPageSize), wiseflow.MaxPageSize), orDefault(p.MaxPages, 10000))
	if win != nil {
		st.Pages = win.pages
	}
	if err != nil {
		return st, err
	}
	st.Requests = st.Pages
	st.Flows = len(win.flows)

	var due []*work
	listed := map[int64]bool{}
	recheck := orDefault(p.Recheck, time.Hour)
	for i := range win.flows {
		f := &win.flows[i]
		listed[f.FlowID] = true
		old, known := snaps[f.FlowID]
		fp := fingerprint(f)
		w := &work{flow: *f, old: old, known: known, fp: fp, hint: hints[f.FlowID]}
		switch {
		case !known:
			st.New++
		case old.Listing != fp:
			st.Changed++
		case w.hint != "":
			st.Hinted++
		case old.Open && recheck > 0 && !start.Before(old.Checked.Add(recheck)):
			st.Rechecked++
		default:
			continue
		}
		due = append(due, w)
	}
	// Remember which remarking flow regrades which flow, for the changes of both.
	originals := map[int64]int64{}
	for id, s := range snaps {
		if s.Remarking != 0 {
			originals[s.Remarking] = id
		}
	}
	for _, w := range due {
		if w.old.Original == 0 {
			w.old.Original = originals[w.flow.FlowID]
		}
	}
	st.Read = len(due)
	requests, readErr := p.readAll(ctx, due)
	st.Requests += requests
	// A remarking flow found in the same round as the flow it regrades learns its original now.
	byID := map[int64]*work{}
	for _, w := range due {
		byID[w.flow.FlowID] = w
	}
	for _, w := range due {
		if r := byID[w.snap.Remarking]; w.done && r != nil && r.done && r.snap.Original == 0 {
			r.snap.Original = w.flow.FlowID
			for i := range r.changes {
				r.changes[i].OriginalFlowID = w.flow.FlowID
			}
		}
	}

	var gone []int64
	for id := range snaps {
		if !listed[id] && !win.unknown[id] {
			gone = append(gone, id)
		}
	}
	var stale []int64 // hints of flows outside the window
	for id := range hints {
		if !listed[id] {
			stale = append(stale, id)
		}
	}
	st.Gone = len(gone)
	queued, dups, commitErr := p.commit(ctx, lease, due, gone, stale, hints, start)
	st.Queued, st.Duplicates = queued, dups
	p.logger().Info("wiseflowpoll: round", "scope", p.Scope.String(), "flows", st.Flows, "read", st.Read,
		"queued", st.Queued, "requests", st.Requests, "took", p.now().Sub(start))
	return st, errors.Join(readErr, commitErr)
}

// lease takes the scope's lease, waiting while another poller holds it.
func (p *Poller) lease(ctx context.Context) (store.Lease, error) {
	for {
		var l store.Lease
		err := p.Store.Update(ctx, p.Scope, func(tx store.Tx) error {
			var err error
			l, err = tx.AcquireLease(leaseName, p.holder, 15*time.Minute)
			return err
		})
		if !errors.Is(err, store.ErrLeaseHeld) {
			return l, err
		}
		select {
		case <-ctx.Done():
			return l, ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// work is one flow a round reads in detail, and what came of it.
type work struct {
	flow  wiseflow.FlowSummary
	old   snapshot
	known bool
	fp    string
	hint  string // the hint's value when the round began

	done     bool
	snap     snapshot
	sets     map[string][]byte
	deletes  []string
	changes  []Change
	requests int
}

// readAll reads the due flows, Concurrency at a time. It stops starting new flows at the first
// failure; the flows read by then are committed.
func (p *Poller) readAll(ctx context.Context, due []*work) (int, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sem := make(chan struct{}, orDefault(p.Concurrency, 4))
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for _, w := range due {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := p.read(ctx, w); err != nil {
				mu.Lock()
				if first == nil {
					first = fmt.Errorf("wiseflowpoll: reading flow %d: %w", w.flow.FlowID, err)
					cancel()
				}
				mu.Unlock()
				p.logger().Warn("wiseflowpoll: a flow could not be read; it is read again next round", "flow", w.flow.FlowID)
				return
			}
			w.done = true
		})
	}
	wg.Wait()
	n := 0
	for _, w := range due {
		n += w.requests
	}
	return n, first
}

// read reads one flow's details and works out its changes (nothing is written yet).
func (p *Poller) read(ctx context.Context, w *work) error {
	f := &w.flow
	id := f.FlowID
	w.snap = w.old
	w.snap.Listing, w.snap.Info, w.snap.Checked = w.fp, info(f), p.now()
	w.sets = map[string][]byte{}
	ended := f.State >= wiseflow.FlowStateParticipationEnded
	if !ended {
		w.snap.Open = false
		return nil
	}
	var prevExpl, prevGrades map[string]string
	err := p.Store.View(ctx, p.Scope, func(tx store.Tx) error {
		var err error
		if prevExpl, err = values(tx, prefixExpl+strconv.FormatInt(id, 10)+"/"); err != nil {
			return err
		}
		prevGrades, err = values(tx, prefixGrade+strconv.FormatInt(id, 10)+"/")
		return err
	})
	if err != nil {
		return err
	}
	base := Change{FlowID: id, Flow: w.snap.Info, OriginalFlowID: w.old.Original}
	open := false

	// Explanation requests.
	w.requests++
	reqs, err := p.Client.GetExplanationRequests(ctx, id)
	var bad wiseflow.RecordErrors
	if err != nil && !errors.As(err, &bad) {
		return err
	}
	seen := map[string]bool{}
	for _, r := range reqs {
		e := &Explanation{ID: r.ExplanationID, ParticipantID: r.Participant.ParticipantID, State: r.State, ShowJustification: r.ShowJustification,
			AssessorID: r.AssignedAssessor.AssessorID, RequestDate: r.RequestDate, DueDate: r.DueDate, AcceptDate: r.AcceptDate}
		key := prefixExpl + strconv.FormatInt(id, 10) + "/" + strconv.FormatInt(e.ID, 10)
		seen[key] = true
		if !e.State.Final() {
			open = true
		}
		if fp := e.fingerprint(); prevExpl[key] != fp {
			w.sets[key] = []byte(fp)
			c := base
			c.Kind, c.Explanation = KindExplanation, e
			w.changes = append(w.changes, c)
		}
	}
	for _, re := range bad {
		// A request that could not be read keeps what was remembered of it.
		seen[prefixExpl+strconv.FormatInt(id, 10)+"/"+re.ID] = true
		open = true
	}
	for key := range prevExpl {
		if !seen[key] {
			w.deletes = append(w.deletes, key)
		}
	}

	// The remarking flow of an ordinary flow.
	if f.Variant != wiseflow.FlowVariantRemarking {
		w.requests++
		rid, has, err := p.Client.GetRemarkingFlow(ctx, id)
		if err != nil {
			return err
		}
		if has && rid != w.old.Remarking {
			w.snap.Remarking = rid
			c := base
			c.Kind, c.RemarkingFlow = KindRemarkingFlow, rid
			w.changes = append(w.changes, c)
		}
	} else if f.State != wiseflow.FlowStateConcluded && f.State != wiseflow.FlowStateArchived {
		open = true // an appeal's grading goes on
	}

	// Grades.
	w.requests++
	grades, err := p.Client.GetAssessments(ctx, id)
	bad = nil
	if err != nil && !errors.As(err, &bad) {
		return err
	}
	seen = map[string]bool{}
	for _, a := range grades {
		key := prefixGrade + strconv.FormatInt(id, 10) + "/" + strconv.FormatInt(a.ParticipantID, 10)
		seen[key] = true
		if a.Grade == "" {
			continue
		}
		g := &Grade{ParticipantID: a.ParticipantID, Grade: a.Grade, Date: a.Date}
		if fp := g.fingerprint(); prevGrades[key] != fp {
			w.sets[key] = []byte(fp)
			c := base
			c.Kind, c.Grade = KindGrade, g
			w.changes = append(w.changes, c)
		}
	}
	for _, re := range bad {
		seen[prefixGrade+strconv.FormatInt(id, 10)+"/"+re.ID] = true
	}
	for key := range prevGrades {
		if !seen[key] {
			w.deletes = append(w.deletes, key)
		}
	}

	// A concluded master's thesis flow, once.
	if f.Purpose == wiseflow.FlowPurposeMaster && f.Variant != wiseflow.FlowVariantRemarking && !w.old.ThesisDone {
		if f.State == wiseflow.FlowStateConcluded || f.State == wiseflow.FlowStateArchived {
			c := base
			c.Kind = KindThesisConcluded
			if c.Submissions, err = p.submissions(ctx, w); err != nil {
				return err
			}
			w.snap.ThesisDone = true
			w.changes = append(w.changes, c)
		} else {
			open = true
		}
	}
	w.snap.Open = open
	return nil
}

// submissions reads a concluded thesis flow's submissions page by page, each once. The pages
// are read one by one, not with ListSubmissions, so that RoundStats counts the requests; like
// ListSubmissions, the reading ends with a *wiseflow.PageCycleError once a page's worth of
// records in a row were read already (a server answering every offset with the same page), and
// with ErrNoConvergence past wiseflow.MaxListRecords submissions, so that no answer can keep a
// round going or its memory growing.
func (p *Poller) submissions(ctx context.Context, w *work) ([]Submission, error) {
	id := w.flow.FlowID
	out := []Submission{}
	seen := map[int64]bool{}
	var offset int64
	repeats := 0
	for pages := 1; ; pages++ {
		w.requests++
		page, err := p.Client.ListSubmissionsPage(ctx, id, offset, wiseflow.MaxPageSize)
		if err != nil {
			return nil, err
		}
		if len(page.RecordErrors) > 0 {
			return nil, page.RecordErrors[0] // a thesis left out would never be archived
		}
		for _, s := range page.Items {
			if seen[s.ID] {
				if repeats++; repeats >= wiseflow.MaxPageSize {
					return nil, &wiseflow.PageCycleError{Path: "/flows/" + strconv.FormatInt(id, 10) + "/submissions", Pages: pages}
				}
				continue
			}
			seen[s.ID], repeats = true, 0
			out = append(out, Submission{ID: s.ID, HandedIn: s.Status.HandedIn})
		}
		if len(out) > wiseflow.MaxListRecords {
			return nil, fmt.Errorf("%w: flow %d lists more than %d submissions", ErrNoConvergence, id, wiseflow.MaxListRecords)
		}
		if !page.More() {
			return out, nil
		}
		offset = page.NextOffset()
	}
}

// values reads the values under prefix as text.
func values(tx store.Tx, prefix string) (map[string]string, error) {
	vs, err := tx.Values(prefix)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(vs))
	for _, v := range vs {
		out[v.Key] = string(v.Value)
	}
	return out, nil
}

// commitBatch is how many flows one transaction commits.
const commitBatch = 64

// commit writes what the round found: per flow its snapshot, its records' fingerprints and its
// queued changes in one transaction (so a change is queued exactly when the flow's snapshot
// says it was seen), the flows gone, the hints consumed, and the position.
func (p *Poller) commit(ctx context.Context, lease store.Lease, due []*work, gone, stale []int64, hints map[int64]string, start time.Time) (queued, dups int, err error) {
	window := orDefault(p.KeyWindow, 90*24*time.Hour)
	var done []*work
	for _, w := range due {
		if w.done {
			done = append(done, w)
		}
	}
	for i := 0; i == 0 || i < len(done); i += commitBatch {
		batch := done[i:min(i+commitBatch, len(done))]
		last := i+commitBatch >= len(done)
		var q, d int
		err := p.Store.Update(ctx, p.Scope, func(tx store.Tx) error {
			q, d = 0, 0
			if err := tx.CheckLease(lease); err != nil {
				return err
			}
			for _, w := range batch {
				id := w.flow.FlowID
				b, err := json.Marshal(w.snap)
				if err != nil {
					return err
				}
				if err := tx.SetValue(flowKey(id), b); err != nil {
					return err
				}
				for k, v := range w.sets {
					if err := tx.SetValue(k, v); err != nil {
						return err
					}
				}
				for _, k := range w.deletes {
					if err := tx.DeleteValue(k); err != nil {
						return err
					}
				}
				for i := range w.changes {
					c := &w.changes[i]
					payload, err := json.Marshal(c)
					if err != nil {
						return err
					}
					e, err := tx.Enqueue(store.Message{Key: c.Key(), OrderKey: c.OrderKey(), Payload: payload, KeyWindow: window})
					if err != nil {
						return err
					}
					if e.Duplicate {
						d++
					} else {
						q++
					}
				}
				if err := unhint(tx, id, w.hint); err != nil {
					return err
				}
			}
			if !last {
				return nil
			}
			for _, id := range gone {
				if err := forget(tx, id); err != nil {
					return err
				}
			}
			for _, id := range stale {
				if err := unhint(tx, id, hints[id]); err != nil {
					return err
				}
			}
			pos, err := tx.Position()
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			return tx.SetPosition(store.Position{Cursor: "rounds", Offset: pos.Offset + 1, ItemTime: start})
		})
		if err != nil {
			return queued, dups, err
		}
		queued, dups = queued+q, dups+d
	}
	return queued, dups, nil
}

// unhint removes a flow's hint unless a newer one came while the round ran.
func unhint(tx store.Tx, id int64, seen string) error {
	if seen == "" {
		return nil
	}
	key := prefixHint + strconv.FormatInt(id, 10)
	v, err := tx.Value(key)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if string(v) != seen {
		return nil
	}
	return tx.DeleteValue(key)
}

// forget drops what the poller remembers of a flow that left the search.
func forget(tx store.Tx, id int64) error {
	if err := tx.DeleteValue(flowKey(id)); err != nil {
		return err
	}
	for _, prefix := range []string{prefixExpl, prefixGrade} {
		vs, err := tx.Values(prefix + strconv.FormatInt(id, 10) + "/")
		if err != nil {
			return err
		}
		for _, v := range vs {
			if err := tx.DeleteValue(v.Key); err != nil {
				return err
			}
		}
	}
	return nil
}

// Run polls every interval until ctx ends. A round that fails is logged and the next one
// tries again; a permanent store failure (store.IsPermanent) ends Run.
func (p *Poller) Run(ctx context.Context, interval time.Duration) error {
	if interval <= 0 {
		return errors.New("wiseflowpoll: Run needs a positive interval")
	}
	for {
		if _, err := p.Round(ctx); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if store.IsPermanent(err) {
				return err
			}
			p.logger().Warn("wiseflowpoll: round failed; trying again next round", "scope", p.Scope.String(), "error", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(interval):
		}
	}
}
