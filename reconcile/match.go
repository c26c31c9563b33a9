package reconcile

import (
	"fmt"
	"slices"
	"strings"
)

// matcher pairs the source and target records of one kind. It works on indexes into the two
// snapshots' slices and never looks at slice order for decisions, so the result does not depend
// on the order of the input.
type matcher struct {
	kind Kind
	p    *planner

	srcKeys []*Keys
	tgtKeys []*Keys

	srcByKey map[string]int32 // valid source keys; duplicated keys are left out
	tgtByID  map[string]int32 // valid target ids; duplicated ids are left out
	srcOK    []bool           // the record has a unique key and takes part in matching
	tgtOK    []bool

	srcMatch    []int32 // the target paired with each source record, -1 if none
	tgtMatch    []int32 // the source paired with each target record, -1 if none
	srcCase     []uint8 // the Schulconnex case of the pairing
	srcApproved []bool  // the pairing was confirmed by a decision
	srcPending  []bool  // the record is part of a pairing that waits for a decision
	tgtPending  []bool

	pending []pendingPair
}

// edge is a candidate pairing of source record s and target record t.
type edge struct {
	s, t int32
	// full marks an attribute edge where all four person attributes are present and equal.
	full bool
	// byKey marks an edge found through keys rather than attributes.
	byKey bool
}

// pendingPair is a candidate pairing that needs a decision.
type pendingPair struct {
	s, t   int32
	cas    uint8
	reason string
}

func newMatcher(p *planner, kind Kind, src, tgt []*Keys) *matcher {
	m := &matcher{
		kind: kind, p: p, srcKeys: src, tgtKeys: tgt,
		srcOK:    make([]bool, len(src)),
		tgtOK:    make([]bool, len(tgt)),
		srcMatch: make([]int32, len(src)), tgtMatch: make([]int32, len(tgt)),
		srcCase: make([]uint8, len(src)), srcApproved: make([]bool, len(src)),
		srcPending: make([]bool, len(src)), tgtPending: make([]bool, len(tgt)),
	}
	for i := range m.srcMatch {
		m.srcMatch[i] = -1
	}
	for i := range m.tgtMatch {
		m.tgtMatch[i] = -1
	}
	m.srcByKey = uniqueIndex(src, func(k *Keys) string { return k.SourceKey }, m.srcOK, func(key string, n int) {
		if key == "" {
			p.add(Action{ID: recordID(kind, "", "") + "/s=", Kind: kind, Op: OpSkip,
				Reason: fmt.Sprintf("%d source records have no key", n)})
			return
		}
		p.add(Action{ID: recordID(kind, key, ""), Kind: kind, Op: OpSkip, SourceKey: key,
			Reason: fmt.Sprintf("%d source records share this key; none of them is synchronised", n)})
	})
	m.tgtByID = uniqueIndex(tgt, func(k *Keys) string { return k.TargetID }, m.tgtOK, func(id string, n int) {
		if id == "" {
			p.add(Action{ID: recordID(kind, "", "") + "/t=", Kind: kind, Op: OpSkip,
				Reason: fmt.Sprintf("%d target records have no id", n)})
			return
		}
		p.add(Action{ID: recordID(kind, "", id), Kind: kind, Op: OpSkip, TargetID: id,
			Reason: fmt.Sprintf("%d target records share this id; none of them is touched", n)})
	})
	return m
}

// uniqueIndex maps each non-empty key that occurs once to its index and marks those records ok;
// it reports empty and repeated keys through bad, once per key, with the number of records.
// Each key costs one map write: a write that does not grow the map found a repeat.
func uniqueIndex(keys []*Keys, get func(*Keys) string, ok []bool, bad func(key string, n int)) map[string]int32 {
	idx := make(map[string]int32, len(keys))
	var repeats map[string]int // key -> number of records beyond the first
	empty := 0
	for i, k := range keys {
		key := get(k)
		if key == "" {
			empty++
			continue
		}
		n := len(idx)
		idx[key] = int32(i)
		if len(idx) == n {
			if repeats == nil {
				repeats = make(map[string]int)
			}
			repeats[key]++
		}
	}
	for i, k := range keys {
		key := get(k)
		ok[i] = key != "" && (repeats == nil || repeats[key] == 0)
	}
	if empty > 0 {
		bad("", empty)
	}
	for key, n := range repeats {
		delete(idx, key)
		bad(key, n+1)
	}
	return idx
}

// ownReferrer returns the source key a target referrer stands for, if the referrer is this
// pipeline's.
func (p *planner) ownReferrer(ref string) (string, bool) {
	if ref == "" || !strings.HasPrefix(ref, p.opts.ReferrerPrefix) {
		return "", false
	}
	return ref[len(p.opts.ReferrerPrefix):], true
}

// ownKey returns the source key a target record is this pipeline's record of: the one its
// referrer names, or, for a record without a referrer, the one it was created for (from
// History.Created), so targets that cannot store referrers still find their records by key.
func (p *planner) ownKey(kind Kind, k *Keys) (string, bool) {
	if k.Referrer != "" {
		return p.ownReferrer(k.Referrer)
	}
	key, ok := p.createdKey[Record{Kind: kind, TargetID: k.TargetID}]
	return key, ok && key != ""
}

// referrerFor is the referrer this pipeline writes for a source key.
func (p *planner) referrerFor(sourceKey string) string { return p.opts.ReferrerPrefix + sourceKey }

// matchByKeys pairs records through the target id stored in the source and the referrer stored
// in the target (Schulconnex case 1). When the two keys point at different records, every
// candidate pairing waits for a decision.
func (m *matcher) matchByKeys() {
	// Each target record adds at most one edge by referrer, each source record one by id.
	withID := 0
	for _, k := range m.srcKeys {
		if k.TargetID != "" {
			withID++
		}
	}
	edges := make([]edge, 0, withID+len(m.tgtKeys))
	byID := make([]int32, len(m.srcKeys)) // the target each source record names by id, -1 if none
	for i, k := range m.srcKeys {
		byID[i] = -1
		if !m.srcOK[i] || k.TargetID == "" {
			continue
		}
		if j, ok := m.tgtByID[k.TargetID]; ok {
			byID[i] = j
			edges = append(edges, edge{s: int32(i), t: j, byKey: true})
		}
	}
	for j, k := range m.tgtKeys {
		if !m.tgtOK[j] {
			continue
		}
		key, ok := m.p.ownKey(m.kind, k)
		if !ok {
			continue
		}
		if i, ok := m.srcByKey[key]; ok && byID[i] != int32(j) {
			edges = append(edges, edge{s: i, t: int32(j), byKey: true})
		}
	}
	m.resolve(edges, func(live []edge, sDeg, tDeg []int32) []bool {
		auto := make([]bool, len(live))
		for n, e := range live {
			if sDeg[e.s] != 1 || tDeg[e.t] != 1 {
				continue
			}
			// A record another source system manages is never taken over without a decision.
			ref := m.tgtKeys[e.t].Referrer
			if _, own := m.p.ownReferrer(ref); ref != "" && !own {
				continue
			}
			auto[n] = true
		}
		return auto
	}, func(e edge, sDeg, tDeg []int32) (uint8, string) {
		ref := m.tgtKeys[e.t].Referrer
		if _, own := m.p.ownReferrer(ref); ref != "" && !own && sDeg[e.s] == 1 && tDeg[e.t] == 1 {
			return 1, "the source stores this target id, but the target record is managed by another source system"
		}
		return 1, fmt.Sprintf("key conflict: the source record's keys lead to %d target records and the target record's keys to %d source records", sDeg[e.s], tDeg[e.t])
	})
}

// resolve turns candidate edges into pairings: rejected edges are dropped, an approved edge
// whose two records have no other approved edge is taken, then auto picks the edges that are
// safe without a decision, and every edge left waits for one.
func (m *matcher) resolve(edges []edge,
	auto func(live []edge, sDeg, tDeg []int32) []bool,
	reason func(e edge, sDeg, tDeg []int32) (uint8, string)) {
	if len(edges) == 0 {
		return
	}
	// Decisions name pairings by source key and target id.
	live := edges[:0]
	var approved []edge
	for _, e := range edges {
		switch m.p.verdict(m.kind, m.srcKeys[e.s].SourceKey, m.tgtKeys[e.t].TargetID) {
		case Reject:
			continue
		case Approve:
			approved = append(approved, e)
		}
		live = append(live, e)
	}
	if len(approved) > 0 {
		aS, aT := map[int32]int{}, map[int32]int{}
		for _, e := range approved {
			aS[e.s]++
			aT[e.t]++
		}
		for _, e := range approved {
			if aS[e.s] == 1 && aT[e.t] == 1 {
				m.pair(e.s, e.t, caseOf(e), true)
			}
		}
		live = m.dropPaired(live)
	}
	sDeg, tDeg := m.degrees(live)
	picked := auto(live, sDeg, tDeg)
	for n, e := range live {
		if picked[n] {
			m.pair(e.s, e.t, caseOf(e), false)
		}
	}
	for n, e := range live {
		if picked[n] || m.srcMatch[e.s] >= 0 || m.tgtMatch[e.t] >= 0 {
			continue
		}
		c, why := reason(e, sDeg, tDeg)
		m.pending = append(m.pending, pendingPair{s: e.s, t: e.t, cas: c, reason: why})
		m.srcPending[e.s] = true
		m.tgtPending[e.t] = true
	}
}

// dropPaired removes the edges that touch an already paired record.
func (m *matcher) dropPaired(edges []edge) []edge {
	rest := edges[:0]
	for _, e := range edges {
		if m.srcMatch[e.s] < 0 && m.tgtMatch[e.t] < 0 {
			rest = append(rest, e)
		}
	}
	return rest
}

func caseOf(e edge) uint8 {
	switch {
	case e.byKey:
		return 1
	case e.full:
		return 2
	}
	return 3
}

// degrees counts the edges at each source and target record.
func (m *matcher) degrees(edges []edge) (sDeg, tDeg []int32) {
	sDeg, tDeg = make([]int32, len(m.srcKeys)), make([]int32, len(m.tgtKeys))
	for _, e := range edges {
		sDeg[e.s]++
		tDeg[e.t]++
	}
	return sDeg, tDeg
}

func (m *matcher) pair(s, t int32, c uint8, approved bool) {
	m.srcMatch[s] = t
	m.tgtMatch[t] = s
	m.srcCase[s] = c
	m.srcApproved[s] = approved
}

// free reports whether a source record is neither paired nor waiting for a decision.
func (m *matcher) srcFree(i int) bool { return m.srcOK[i] && m.srcMatch[i] < 0 && !m.srcPending[i] }

// tgtFree reports whether a target record is neither paired nor waiting for a decision.
func (m *matcher) tgtFree(j int) bool { return m.tgtOK[j] && m.tgtMatch[j] < 0 && !m.tgtPending[j] }

// personAttrs are the four matching attributes of a person in comparison form.
type personAttrs struct {
	family, given, date, place string
}

func (a personAttrs) complete() bool {
	return a.family != "" && a.given != "" && a.date != "" && a.place != ""
}

func (p *planner) attrsOf(x *Person) personAttrs {
	return personAttrs{
		family: Fold(x.FamilyName),
		given:  foldGivenNames(x.GivenNames),
		date:   x.BirthDate.String(),
		place:  p.places.normalise(x.BirthPlace),
	}
}

// compareAttrs classifies two persons' attributes. They match when the family name is present
// and equal on both sides, the given names or the birth date are present on both sides as well,
// and every attribute present on both sides agrees (given names agree when one list contains the
// other: a source that keeps only the call name). The match is full when all four are present on
// both sides and equal (Schulconnex case 2); otherwise it is partial (case 3). A family name
// alone, or with only the birth place, is never a match: it would pair a person with every
// namesake born in the same town. Cheap checks come first.
func compareAttrs(a, b personAttrs) (match, full bool) {
	if a.family == "" || a.family != b.family {
		return false, false
	}
	strong := false // given names or birth date present on both sides
	if a.date != "" && b.date != "" {
		if a.date != b.date {
			return false, false
		}
		strong = true
	}
	if a.place != "" && b.place != "" && a.place != b.place {
		return false, false
	}
	if a.given != "" && b.given != "" {
		if !givenNamesCompatible(a.given, b.given) {
			return false, false
		}
		strong = true
	}
	if !strong {
		return false, false
	}
	return true, a.complete() && b.complete() && a.given == b.given
}

// fullKey joins the four attributes of a complete person into one map key.
func (a personAttrs) fullKey() string {
	return a.family + "\x00" + a.given + "\x00" + a.date + "\x00" + a.place
}

// famDate is a family name with a birth date ("" for none), an index key for candidates.
type famDate struct{ family, date string }

// givenKey is a family name, one given name and a birth date, an index key for candidates.
type givenKey struct{ family, token, date string }

// attrIndex finds the target records that may match a source record by attributes (see
// compareAttrs): records sharing the family name and either a given name or the birth date.
// Records with given names are indexed by each given name and their birth date; all records by
// family name and birth date. The index by given name without the date, for source records
// without one, is built only when such a record asks.
type attrIndex struct {
	byGiven  map[givenKey][]int32
	anyDate  map[givenKey][]int32 // byGiven without the date, built on demand
	byFamily map[famDate][]int32  // records with a birth date, by family name and date
}

func newAttrIndex(tgt []personAttrs, members []int32) *attrIndex {
	x := &attrIndex{byGiven: map[givenKey][]int32{}, byFamily: map[famDate][]int32{}}
	for _, k := range members {
		a := &tgt[k]
		if a.date != "" {
			fd := famDate{a.family, a.date}
			x.byFamily[fd] = append(x.byFamily[fd], k)
		}
		if a.given == "" {
			continue
		}
		for tok := range strings.SplitSeq(a.given, " ") {
			gk := givenKey{a.family, tok, a.date}
			if l := x.byGiven[gk]; len(l) == 0 || l[len(l)-1] != k {
				x.byGiven[gk] = append(l, k)
			}
		}
	}
	return x
}

// candidates appends to out the positions of the target records that may match a (with repeats).
func (x *attrIndex) candidates(a *personAttrs, out []int32) []int32 {
	if a.date != "" {
		// Everyone of the family born that day, with or without given names.
		out = append(out, x.byFamily[famDate{a.family, a.date}]...)
	}
	if a.given == "" {
		return out
	}
	for tok := range strings.SplitSeq(a.given, " ") {
		if a.date == "" {
			if x.anyDate == nil {
				x.anyDate = map[givenKey][]int32{}
				for k, l := range x.byGiven {
					b := givenKey{k.family, k.token, ""}
					x.anyDate[b] = append(x.anyDate[b], l...)
				}
			}
			out = append(out, x.anyDate[givenKey{a.family, tok, ""}]...)
			continue
		}
		// Namesakes without a birth date (those with one are among the family's above).
		out = append(out, x.byGiven[givenKey{a.family, tok, ""}]...)
	}
	return out
}

// matchPersonsByAttributes pairs the persons left over by key matching through family name,
// given names, birth date and birth place (Schulconnex cases 2 and 3).
//
// It works in two steps so that a first synchronisation of a whole municipality stays fast. First,
// complete records are looked up by all four attributes: a source and a target record that find
// only each other, with no referrer on the target record and no decision about either, are a
// case-2 pair without looking further (any weaker candidate would be dropped for them anyway).
// Then the rest are compared candidate by candidate, found through attrIndex, and resolve decides
// as for keys: a unique full match is taken, everything else waits for a decision.
func (m *matcher) matchPersonsByAttributes(src, tgt []Person) {
	var srcFree, tgtFree []int32
	for i := range src {
		if m.srcFree(i) && src[i].FamilyName != "" {
			srcFree = append(srcFree, int32(i))
		}
	}
	for j := range tgt {
		if m.tgtFree(j) && tgt[j].FamilyName != "" {
			tgtFree = append(tgtFree, int32(j))
		}
	}
	if len(srcFree) == 0 || len(tgtFree) == 0 {
		return
	}
	// Attributes in comparison form, by position in srcFree and tgtFree.
	srcAttrs := make([]personAttrs, len(srcFree))
	tgtAttrs := make([]personAttrs, len(tgtFree))
	for k, i := range srcFree {
		srcAttrs[k] = m.p.attrsOf(&src[i])
	}
	for k, j := range tgtFree {
		tgtAttrs[k] = m.p.attrsOf(&tgt[j])
	}

	// Step 1: unambiguous complete matches.
	decided := m.p.decidedRecords(m.kind)
	byFull := map[string][]int32{}
	for k := range tgtFree {
		if a := &tgtAttrs[k]; a.complete() {
			byFull[a.fullKey()] = append(byFull[a.fullKey()], int32(k))
		}
	}
	srcByFull := map[string][]int32{}
	for k := range srcFree {
		if a := &srcAttrs[k]; a.complete() {
			srcByFull[a.fullKey()] = append(srcByFull[a.fullKey()], int32(k))
		}
	}
	var edges []edge
	quick := make([]bool, len(tgtFree)) // target records already in a step-1 pair
	for key, ss := range srcByFull {
		ts := byFull[key]
		if len(ss) != 1 || len(ts) != 1 {
			continue
		}
		i, j := srcFree[ss[0]], tgtFree[ts[0]]
		if tgt[j].Keys.Referrer != "" || decided.src[src[i].Keys.SourceKey] || decided.tgt[tgt[j].Keys.TargetID] {
			continue
		}
		edges = append(edges, edge{s: i, t: j, full: true})
		quick[ts[0]] = true
		srcAttrs[ss[0]] = personAttrs{} // done: leave it out of step 2
	}

	// Step 2: every other candidate.
	var rest []int32
	for k := range tgtFree {
		if !quick[k] && tgtAttrs[k].family != "" {
			rest = append(rest, int32(k))
		}
	}
	index := newAttrIndex(tgtAttrs, rest)
	var cands []int32
	for ks := range srcFree {
		a := &srcAttrs[ks]
		if a.family == "" {
			continue
		}
		cands = index.candidates(a, cands[:0])
		slices.Sort(cands)
		cands = slices.Compact(cands)
		for _, kt := range cands {
			if ok, full := compareAttrs(*a, tgtAttrs[kt]); ok {
				edges = append(edges, edge{s: srcFree[ks], t: tgtFree[kt], full: full})
			}
		}
	}
	m.resolve(edges, func(live []edge, _, _ []int32) []bool {
		fullS, fullT := map[int32]int{}, map[int32]int{}
		for _, e := range live {
			if e.full {
				fullS[e.s]++
				fullT[e.t]++
			}
		}
		auto := make([]bool, len(live))
		for n, e := range live {
			auto[n] = e.full && fullS[e.s] == 1 && fullT[e.t] == 1 && tgt[e.t].Keys.Referrer == ""
		}
		return auto
	}, func(e edge, sDeg, tDeg []int32) (uint8, string) {
		switch {
		case e.full && tgt[e.t].Keys.Referrer != "":
			return 2, "names, birth date and birth place are equal, but the target record carries a referrer of another record or system"
		case e.full:
			return 2, fmt.Sprintf("names, birth date and birth place are equal, but the match is not unique (%d source and %d target candidates)", sDeg[e.s], tDeg[e.t])
		case sDeg[e.s] > 1 || tDeg[e.t] > 1:
			return 3, fmt.Sprintf("the attributes present on both sides are equal, but some are missing and the match is not unique (%d source and %d target candidates)", sDeg[e.s], tDeg[e.t])
		}
		return 3, "the attributes present on both sides agree, but family name, given names, birth date and birth place are not all present and equal on both"
	})
}
