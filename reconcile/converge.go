package reconcile

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
)

// Convergence. A target that gives back a field otherwise than it was written (it stores grades
// as "08" when "8" was written, drops a value it cannot hold) would get the same write on every
// run. Capabilities.Normalise avoids that for what a target declares; for the rest, every write
// carries a digest of the source record it was made from (Action.SourceDigest), History.Writes
// remembers it, and the next plan compares: a record written last time from the same source
// record that still differs did not converge. Its diffs are then reported (Plan.Unconverged),
// not written, until the source record changes.

// digestOf returns the digest of a source record in its canonical form: 16 hex digits, enough to
// tell one version of one record from the next, and no personal data.
func digestOf[T any](enc func(*canon, *T), x *T) string {
	c := canon{buf: make([]byte, 0, 256)}
	enc(&c, x)
	sum := sha256.Sum256(c.buf)
	return hex.EncodeToString(sum[:8])
}

// converge returns diffs unless the record was written by the last run from the same source
// record: then the diffs are fields that did not converge; they are recorded in the plan and
// nil is returned. Records in their grace period are left alone (their restore writes anyway).
func (p *planner) converge(kind Kind, targetID, sourceKey, digest string, diffs []Diff) []Diff {
	if len(diffs) == 0 || len(p.written) == 0 {
		return diffs
	}
	rec := Record{Kind: kind, TargetID: targetID}
	if w, ok := p.written[rec]; !ok || w != digest {
		return diffs
	}
	if _, ok := p.deactivated[rec]; ok {
		return diffs
	}
	for _, d := range diffs {
		p.unconverged = append(p.unconverged, Unconverged{Kind: kind, SourceKey: sourceKey, TargetID: targetID,
			Field: d.Field, Wanted: d.After, Held: d.Before})
	}
	return nil
}

// sortUnconverged puts the unconverged fields in a fixed order.
func sortUnconverged(us []Unconverged) {
	slices.SortFunc(us, func(a, b Unconverged) int {
		if c := a.Kind.rank() - b.Kind.rank(); c != 0 {
			return c
		}
		if c := strings.Compare(a.TargetID, b.TargetID); c != 0 {
			return c
		}
		if c := strings.Compare(a.SourceKey, b.SourceKey); c != 0 {
			return c
		}
		return strings.Compare(a.Field, b.Field)
	})
}

// membershipName names a target membership in History.Writes: its id, or its person's and
// group's target ids where it has no id of its own.
func membershipName(m *Membership) string {
	if m.ID != "" {
		return m.ID
	}
	return pairKey(m.Person, m.Group)
}
