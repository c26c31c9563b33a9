package review

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/edusync/edusync/pipeline"
	"github.com/edusync/edusync/reconcile"
)

// chunk is how many actions or results the page reads from the store at a time.
const chunk = 500

// row is one action of a plan as the page lists it, everything already masked. For a person
// with protected identity (and a membership of one) Reduced is what a viewer without
// ActionViewProtected sees instead of the name, keys and changes.
type row struct {
	Pos       int
	Key       string // opaque id of the action
	Kind      reconcile.Kind
	Op        reconcile.Op
	Case      int
	Confirm   reconcile.Confirmation
	Reason    string
	Name      string
	SourceKey string
	TargetID  string
	Diffs     []diff
	Protected bool
	Reduced   string
	Hidden    bool   // shown reduced (viewRow)
	search    string // folded text the search matches
}

// rowBuilder turns a plan's actions into rows, remembering the keys of protected persons so
// that their memberships, which come later in plan order, are reduced too.
type rowBuilder struct {
	h         *Handler
	pipeline  string
	protected map[string]bool
}

func (h *Handler) rowBuilder(name string) *rowBuilder {
	return &rowBuilder{h: h, pipeline: name, protected: map[string]bool{}}
}

func (b *rowBuilder) row(pos int, a *reconcile.Action) row {
	r := row{Pos: pos, Key: b.h.opaque(b.pipeline, a.ID), Kind: a.Kind, Op: a.Op, Case: a.Case, Confirm: a.Confirm,
		Reason: mask(a.Reason), Name: nameOf(a), SourceKey: mask(a.SourceKey), TargetID: mask(a.TargetID), Diffs: diffsOf(a.Diffs)}
	switch {
	case a.Kind == reconcile.KindPerson && protected(a):
		r.Protected, r.Reduced = true, r.Name
		for _, k := range personKeys(a) {
			b.protected[k] = true
		}
	case a.Kind == reconcile.KindMembership:
		if group, ok := b.ofProtected(a); ok {
			r.Protected = true
			r.Reduced = "[" + r.Key + "] → " + mask(group)
		}
	}
	shown := []string{r.Key, r.Reason}
	if r.Protected {
		shown = append(shown, r.Reduced)
	} else {
		shown = append(shown, r.Name, r.SourceKey, r.TargetID)
		for _, d := range r.Diffs {
			shown = append(shown, d.Before, d.Value)
			if !d.Label {
				shown = append(shown, d.Name)
			}
		}
	}
	r.search = searchText(shown...)
	return r
}

// ofProtected reports whether a membership action is about a protected person, and its group.
// A membership names its person and group in its record or, where it has none (a skip), in
// its keys as "person,group".
func (b *rowBuilder) ofProtected(a *reconcile.Action) (group string, ok bool) {
	if a.Membership != nil {
		if m := side(a.Membership); m != nil {
			return m.Group, b.protected[m.Person]
		}
	}
	for _, k := range []string{a.SourceKey, a.TargetID} {
		for i := 0; i < len(k); i++ {
			if k[i] == ',' && b.protected[k[:i]] {
				return k[i+1:], true
			}
		}
	}
	return "", false
}

// personKeys are the keys a person's memberships may name it by.
func personKeys(a *reconcile.Action) []string {
	out := []string{a.SourceKey, a.TargetID}
	if c := a.Person; c != nil {
		for _, p := range []*reconcile.Person{c.Before, c.After} {
			if p != nil {
				out = append(out, p.Keys.SourceKey, p.Keys.TargetID, p.Keys.Referrer)
			}
		}
	}
	return slices.DeleteFunc(out, func(s string) bool { return s == "" })
}

// counts are a plan's actions counted per kind and operation, and per kind and case.
type counts struct {
	KindOp  map[reconcile.Kind]map[reconcile.Op]int
	Cases   map[reconcile.Kind]map[int]int
	Confirm map[reconcile.Confirmation]int
	Total   int
}

func newCounts() *counts {
	return &counts{KindOp: map[reconcile.Kind]map[reconcile.Op]int{}, Cases: map[reconcile.Kind]map[int]int{},
		Confirm: map[reconcile.Confirmation]int{}}
}

func (c *counts) add(r *row) {
	if c.KindOp[r.Kind] == nil {
		c.KindOp[r.Kind] = map[reconcile.Op]int{}
		c.Cases[r.Kind] = map[int]int{}
	}
	c.KindOp[r.Kind][r.Op]++
	if r.Case > 0 {
		c.Cases[r.Kind][r.Case]++
	}
	c.Confirm[r.Confirm]++
	c.Total++
}

// planRows are a plan's rows and counts, as cached.
type planRows struct {
	rows   []row
	counts *counts
}

// eachAction calls fn for every action of run's plan, reading the store a chunk at a time.
func eachAction(ctx context.Context, l *pipeline.Ledger, run int64, fn func(pos int, a *reconcile.Action)) error {
	for off := 0; ; {
		acts, total, err := l.Actions(ctx, run, off, chunk)
		if err != nil {
			return err
		}
		for i := range acts {
			fn(off+i, &acts[i])
		}
		off += len(acts)
		if len(acts) == 0 || off >= total {
			return nil
		}
	}
}

// planRows returns the rows of run r's plan from the cache, or nil when the plan is too large
// for it (the caller then streams with eachAction).
func (h *Handler) planRows(ctx context.Context, l *pipeline.Ledger, r *pipeline.Run) (*planRows, error) {
	key := fmt.Sprintf("plan\x00%s\x00%d\x00%s", l.Name(), r.ID, r.Plan.Fingerprint)
	// The rows are built for whoever asks next too: a request that goes away must not end it.
	ctx = context.WithoutCancel(ctx)
	v, err := h.cache.get(key, r.Plan.Actions, func() (any, error) {
		pr := &planRows{rows: make([]row, 0, r.Plan.Actions), counts: newCounts()}
		b := h.rowBuilder(l.Name())
		err := eachAction(ctx, l, r.ID, func(pos int, a *reconcile.Action) {
			pr.rows = append(pr.rows, b.row(pos, a))
			pr.counts.add(&pr.rows[len(pr.rows)-1])
		})
		return pr, err
	})
	if err == errTooBig {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return v.(*planRows), nil
}

// pageSizes are the page sizes a list offers.
var pageSizes = []int{25, 50, 100, 200}

const defaultPageSize = 50

// maxQuery caps a search: longer ones are refused, not cut.
const maxQuery = 200

// planQuery is the plan view's filter, search and page.
type planQuery struct {
	filters
	Confirm string // "", "none" or a reconcile.Confirmation
}

var allOps = []reconcile.Op{reconcile.OpCreate, reconcile.OpUpdate, reconcile.OpRestore, reconcile.OpUnchanged,
	reconcile.OpImport, reconcile.OpDeactivate, reconcile.OpDelete, reconcile.OpSkip}

var confirmStates = []string{string(reconcile.Pending), string(reconcile.Approved), string(reconcile.Rejected), "none"}

func parsePlanQuery(v url.Values) (q planQuery, err error) {
	if q.filters, err = parseFilters(v); err != nil {
		return q, err
	}
	q.Confirm, err = oneOf(v, "confirm", confirmStates)
	return q, err
}

// searchQuery reads a search. It is masked like everything the page shows, so a search for a
// personal number is echoed masked and finds the rows where one was masked, no more.
func searchQuery(v url.Values) (string, error) {
	s := strings.TrimSpace(v.Get("q"))
	if len(s) > maxQuery {
		return "", errBadInput
	}
	return mask(s), nil
}

func paging(v url.Values) (page, size int, err error) {
	page, size = 1, defaultPageSize
	if s := v.Get("page"); s != "" {
		if page, err = strconv.Atoi(s); err != nil || page < 1 || page > 1<<24 {
			return 1, size, errBadInput
		}
	}
	if s := v.Get("size"); s != "" {
		if size, err = strconv.Atoi(s); err != nil || !slices.Contains(pageSizes, size) {
			return page, defaultPageSize, errBadInput
		}
	}
	return page, size, nil
}

func (q *planQuery) match(r *row) bool {
	switch {
	case q.Confirm == "none" && r.Confirm != "",
		q.Confirm != "" && q.Confirm != "none" && string(r.Confirm) != q.Confirm:
		return false
	}
	return q.filters.match(r.Kind, r.Op, r.Case, r.search)
}

func (q *planQuery) values() url.Values { return q.filters.values("confirm", q.Confirm) }

// pager is a list's position.
type pager struct {
	Page, Pages, From, To, Total int
	First, Prev, Next, Last      string
}

// newPager says where page page of size items out of total is, with links built by link.
func newPager(page, size, total int, link func(page int) string) pager {
	p := pager{Page: page, Pages: max(1, (total+size-1)/size), Total: total}
	if p.Page > p.Pages {
		p.Page = p.Pages
	}
	if total > 0 {
		p.From = (p.Page-1)*size + 1
		p.To = min(total, p.Page*size)
	}
	if p.Page > 1 {
		p.First, p.Prev = link(1), link(p.Page-1)
	}
	if p.Page < p.Pages {
		p.Next, p.Last = link(p.Page+1), link(p.Pages)
	}
	return p
}

// pageLink returns a function making the link to a page of a list filtered by v.
func (q *req) pageLink(path string, v url.Values) func(int) string {
	return func(page int) string {
		w := url.Values{}
		for k, s := range v {
			w[k] = s
		}
		if page > 1 {
			w.Set("page", strconv.Itoa(page))
		}
		return q.u(path, w)
	}
}

// when formats a time for the page, in the host's zone.
func (q *req) when(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(q.h.cfg.location).Format("2006-01-02 15:04:05 MST")
}
