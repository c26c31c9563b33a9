package reconcile

import (
	"cmp"
	"slices"
	"strings"
)

// Update folds an apply report into the history, so the next plan knows what this pipeline
// created and what is in its grace period: applied creates are added to Created (with their
// source keys), applied deactivations to Deactivated (since the result's time), applied restores
// leave Deactivated, applied deletions leave both. Writes becomes the records this report wrote
// plus those its plan found unconverged. Memberships are not remembered as created: their
// ownership follows from their person and group. The lists stay sorted, so a stored history is
// stable.
func (h *History) Update(rep *Report) {
	if rep == nil {
		return
	}
	created := make(map[Record]string, len(h.Created))
	for _, c := range h.Created {
		created[Record{c.Kind, c.TargetID}] = c.SourceKey
	}
	deactivated := make(map[Record]Deactivated, len(h.Deactivated))
	for _, d := range h.Deactivated {
		deactivated[Record{d.Kind, d.TargetID}] = d
	}
	deleted := map[Record]bool{}
	for i := range rep.Results {
		res := &rep.Results[i]
		if res.Status != StatusApplied || res.Kind == KindMembership || res.TargetID == "" {
			continue
		}
		rec := Record{Kind: res.Kind, TargetID: res.TargetID}
		switch res.Op {
		case OpCreate:
			created[rec] = res.SourceKey
		case OpDeactivate:
			if _, ok := deactivated[rec]; !ok {
				deactivated[rec] = Deactivated{Kind: rec.Kind, TargetID: rec.TargetID, Since: res.At.UTC()}
			}
		case OpRestore:
			delete(deactivated, rec)
		case OpDelete:
			delete(deactivated, rec)
			delete(created, rec)
			deleted[rec] = true
		}
	}
	h.Created = h.Created[:0]
	for r, key := range created {
		h.Created = append(h.Created, Created{Kind: r.Kind, TargetID: r.TargetID, SourceKey: key})
	}
	slices.SortFunc(h.Created, func(a, b Created) int {
		return compareRecords(Record{a.Kind, a.TargetID}, Record{b.Kind, b.TargetID})
	})
	h.Deactivated = h.Deactivated[:0]
	for _, d := range deactivated {
		h.Deactivated = append(h.Deactivated, d)
	}
	slices.SortFunc(h.Deactivated, func(a, b Deactivated) int {
		return compareRecords(Record{a.Kind, a.TargetID}, Record{b.Kind, b.TargetID})
	})
	h.Writes = foldWrites(h.Writes, rep, deleted)
	if len(h.Created) == 0 {
		h.Created = nil
	}
	if len(h.Deactivated) == 0 {
		h.Deactivated = nil
	}
}

// foldWrites returns the writes of rep, and the earlier writes of records its plan found
// unconverged (they stay unconverged while the source keeps the value).
func foldWrites(old []Write, rep *Report, deleted map[Record]bool) []Write {
	next := make(map[Record]string, len(rep.Writes))
	for _, w := range rep.Writes {
		next[Record{w.Kind, w.TargetID}] = w.SourceDigest
	}
	if len(rep.Unconverged) > 0 {
		keep := make(map[Record]bool, len(rep.Unconverged))
		for _, u := range rep.Unconverged {
			keep[Record{u.Kind, u.TargetID}] = true
		}
		for _, w := range old {
			r := Record{w.Kind, w.TargetID}
			if _, written := next[r]; keep[r] && !written {
				next[r] = w.SourceDigest
			}
		}
	}
	if len(next) == 0 {
		return nil
	}
	out := make([]Write, 0, len(next))
	for r, d := range next {
		if !deleted[r] {
			out = append(out, Write{Kind: r.Kind, TargetID: r.TargetID, SourceDigest: d})
		}
	}
	slices.SortFunc(out, func(a, b Write) int {
		return compareRecords(Record{a.Kind, a.TargetID}, Record{b.Kind, b.TargetID})
	})
	return out
}

func compareRecords(a, b Record) int {
	return cmp.Or(a.Kind.rank()-b.Kind.rank(), strings.Compare(string(a.Kind), string(b.Kind)), strings.Compare(a.TargetID, b.TargetID))
}
