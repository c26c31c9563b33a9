package reconcile

import (
	"cmp"
	"slices"
	"strings"
)

// Update folds an apply report into the history, so the next plan knows what this pipeline
// created and what is in its grace period: applied creates are added to Created, applied
// deactivations to Deactivated (since the result's time), applied restores leave Deactivated,
// applied deletions leave both. Memberships are not remembered: their ownership follows from
// their person and group. The lists stay sorted, so a stored history is stable.
func (h *History) Update(rep *Report) {
	if rep == nil {
		return
	}
	created := make(map[Record]bool, len(h.Created))
	for _, r := range h.Created {
		created[r] = true
	}
	deactivated := make(map[Record]Deactivated, len(h.Deactivated))
	for _, d := range h.Deactivated {
		deactivated[Record{d.Kind, d.TargetID}] = d
	}
	for i := range rep.Results {
		res := &rep.Results[i]
		if res.Status != StatusApplied || res.Kind == KindMembership || res.TargetID == "" {
			continue
		}
		rec := Record{Kind: res.Kind, TargetID: res.TargetID}
		switch res.Op {
		case OpCreate:
			created[rec] = true
		case OpDeactivate:
			if _, ok := deactivated[rec]; !ok {
				deactivated[rec] = Deactivated{Kind: rec.Kind, TargetID: rec.TargetID, Since: res.At.UTC()}
			}
		case OpRestore:
			delete(deactivated, rec)
		case OpDelete:
			delete(deactivated, rec)
			delete(created, rec)
		}
	}
	h.Created = h.Created[:0]
	for r := range created {
		h.Created = append(h.Created, r)
	}
	slices.SortFunc(h.Created, compareRecords)
	h.Deactivated = h.Deactivated[:0]
	for _, d := range deactivated {
		h.Deactivated = append(h.Deactivated, d)
	}
	slices.SortFunc(h.Deactivated, func(a, b Deactivated) int {
		return compareRecords(Record{a.Kind, a.TargetID}, Record{b.Kind, b.TargetID})
	})
	if len(h.Created) == 0 {
		h.Created = nil
	}
	if len(h.Deactivated) == 0 {
		h.Deactivated = nil
	}
}

func compareRecords(a, b Record) int {
	return cmp.Or(a.Kind.rank()-b.Kind.rank(), strings.Compare(string(a.Kind), string(b.Kind)), strings.Compare(a.TargetID, b.TargetID))
}
