package archive

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/edusync/edusync/internal/redact"
	"github.com/edusync/edusync/store"
)

// AuditEntry is one step taken for a thesis: when, which step, and what came of it (personal
// numbers masked).
type AuditEntry struct {
	At      time.Time `json:"at"`
	Step    string    `json:"step"`
	Outcome string    `json:"outcome"`
}

func auditPrefix(k Key) string { return "audit/" + k.String() + "/" }

// audit appends an entry to the thesis's audit trail in tx.
func (f *Flow) audit(tx store.Tx, k Key, step, outcome string) error {
	seq, err := store.Get[int](tx, "auditseq/"+k.String())
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	seq++
	if err := store.Put(tx, "auditseq/"+k.String(), seq); err != nil {
		return err
	}
	e := AuditEntry{At: f.cfg.Now(), Step: step, Outcome: redact.Text(outcome)}
	return store.Put(tx, fmt.Sprintf("%s%08d", auditPrefix(k), seq), e)
}

// Audit returns the audit trail of a thesis, oldest first.
func (f *Flow) Audit(ctx context.Context, k Key) ([]AuditEntry, error) {
	var out []AuditEntry
	err := f.cfg.Store.View(ctx, f.cfg.Scope, func(tx store.Tx) error {
		es, err := store.List[AuditEntry](tx, auditPrefix(k))
		for _, e := range es {
			out = append(out, e.Value)
		}
		return err
	})
	return out, err
}
