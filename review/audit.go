package review

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/edusync/edusync/pipeline"
	"github.com/edusync/edusync/reconcile"
)

// auditRow is one result of a run's report: what became of one action, with the record's
// name from the plan (reduced for protected persons as in the plan view).
type auditRow struct {
	Pos       int
	Key       string
	Kind      reconcile.Kind
	Op        reconcile.Op
	Status    reconcile.Status
	Name      string
	TargetID  string
	SourceKey string
	At        time.Time
	Error     string
	Protected bool
	Reduced   string
	search    string
}

// auditRows returns run r's results as rows from the cache, or nil when they are too many for
// it (the caller then streams with eachAudit).
func (h *Handler) auditRows(ctx context.Context, l *pipeline.Ledger, r *pipeline.Run) ([]auditRow, error) {
	size := 0
	if r.Plan != nil {
		size = r.Plan.Actions
	}
	key := fmt.Sprintf("audit\x00%s\x00%d", l.Name(), r.ID)
	ctx = context.WithoutCancel(ctx) // as planRows
	v, err := h.cache.get(key, size, func() (any, error) {
		var out []auditRow
		err := h.eachAudit(ctx, l, r, func(a *auditRow) { out = append(out, *a) })
		return out, err
	})
	if err == errTooBig {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return v.([]auditRow), nil
}

// eachAudit calls fn for every result of run r's report, reading results and the plan's
// actions a chunk at a time side by side (a report has one result per action, in plan order),
// so that each result is shown with its record's name.
func (h *Handler) eachAudit(ctx context.Context, l *pipeline.Ledger, r *pipeline.Run, fn func(a *auditRow)) error {
	b := h.rowBuilder(l.Name())
	for off := 0; ; {
		res, total, err := l.Results(ctx, r.ID, off, chunk)
		if err != nil {
			return err
		}
		var acts []reconcile.Action
		if r.Plan != nil && len(res) > 0 {
			if acts, _, err = l.Actions(ctx, r.ID, off, len(res)); err != nil {
				return err
			}
		}
		for i := range res {
			var plan *row
			if i < len(acts) && acts[i].ID == res[i].ID {
				x := b.row(off+i, &acts[i])
				plan = &x
			}
			a := h.auditRow(l.Name(), off+i, &res[i], plan)
			fn(&a)
		}
		off += len(res)
		if len(res) == 0 || off >= total {
			return nil
		}
	}
}

func (h *Handler) auditRow(pipeline string, pos int, res *reconcile.Result, plan *row) auditRow {
	a := auditRow{Pos: pos, Key: h.opaque(pipeline, res.ID), Kind: res.Kind, Op: res.Op, Status: res.Status,
		TargetID: mask(res.TargetID), SourceKey: mask(res.SourceKey), At: res.At, Error: mask(res.Error)}
	if plan != nil {
		a.Name, a.Protected, a.Reduced = plan.Name, plan.Protected, plan.Reduced
		if a.SourceKey == "" {
			a.SourceKey = plan.SourceKey
		}
		if a.TargetID == "" {
			a.TargetID = plan.TargetID
		}
	}
	shown := []string{a.Key, a.Error}
	if a.Protected {
		shown = append(shown, a.Reduced)
	} else {
		shown = append(shown, a.Name, a.TargetID, a.SourceKey)
	}
	a.search = searchText(shown...)
	return a
}

var allStatuses = []reconcile.Status{reconcile.StatusApplied, reconcile.StatusFailed, reconcile.StatusStale,
	reconcile.StatusNotExecuted, reconcile.StatusCanceled, reconcile.StatusRolledBack}

// auditQuery is the audit trail's filter, search and page.
type auditQuery struct {
	filters
	Status reconcile.Status
}

func parseAuditQuery(v url.Values) (q auditQuery, err error) {
	if q.filters, err = parseFilters(v); err != nil {
		return q, err
	}
	q.Status, err = oneOf(v, "status", allStatuses)
	return q, err
}

// match: results have no matching case; a case in the query matches none.
func (q *auditQuery) match(a *auditRow) bool {
	return (q.Status == "" || a.Status == q.Status) && q.filters.match(a.Kind, a.Op, 0, a.search)
}

func (q *auditQuery) values() url.Values { return q.filters.values("status", string(q.Status)) }
