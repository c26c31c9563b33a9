package reconcile

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strings"
	"time"
)

// planInputs is what a plan was computed from, kept so Answer can re-plan.
type planInputs struct {
	src, tgt *Snapshot
	opts     Options
}

// NewPlan compares a source snapshot with a target snapshot and returns the plan that brings
// the target in step: pure computation, no I/O, no clock. The same inputs give the same plan,
// whatever the order of the records in the snapshots. Snapshots must not be changed while the
// plan is in use (Answer re-plans from them). A nil snapshot is empty.
//
// The plan's safety holds are evaluated (Plan.Tripped) but do not make NewPlan fail: a host
// shows the plan, and Apply refuses it. Errors are returned only for invalid options.
func NewPlan(src, tgt *Snapshot, opts Options) (*Plan, error) {
	if src == nil {
		src = &Snapshot{}
	}
	if tgt == nil {
		tgt = &Snapshot{}
	}
	if err := opts.validate(); err != nil {
		return nil, err
	}
	fingerprint := make(chan string, 1)
	go func() { fingerprint <- fingerprintInputs(src, tgt, &opts) }()

	p := newPlanner(src, tgt, opts)
	p.planOrganisations()
	// The target's memberships are indexed while persons and groups are planned: the index
	// needs only the target ids, and on a municipality it is a third of planning memberships.
	p.persons = matcherOf(p, KindPerson, p.src.Persons, p.tgt.Persons, personKeys)
	p.groups = matcherOf(p, KindGroup, p.src.Groups, p.tgt.Groups, groupKeys)
	index := make(chan *membershipIndex, 1)
	go func() { index <- indexTargetMemberships(p.tgt.Memberships, p.persons, p.groups) }()
	p.planPersons()
	p.planGroups()
	p.planMemberships(<-index)
	plan := p.result()
	plan.Inputs = <-fingerprint
	plan.inputs = &planInputs{src: src, tgt: tgt, opts: opts}
	plan.seal()
	return plan, nil
}

func (o *Options) validate() error {
	var errs []error
	if o.Removals.Enabled && o.Now.IsZero() {
		errs = append(errs, errors.New("reconcile: removals need Options.Now"))
	}
	if o.Removals.GraceDays < 0 {
		errs = append(errs, errors.New("reconcile: Removals.GraceDays is negative"))
	}
	for i, h := range o.Holds {
		if h.Kind != "" && h.Kind.rank() > 3 {
			errs = append(errs, fmt.Errorf("reconcile: hold %d: unknown kind %q", i, truncate(string(h.Kind), 32)))
		}
		switch h.Op {
		case OpCreate, OpUpdate, OpRestore, OpImport, OpDeactivate, OpDelete:
		default:
			errs = append(errs, fmt.Errorf("reconcile: hold %d: op %q cannot be held", i, truncate(string(h.Op), 32)))
		}
		if h.Max < 0 || h.Percent < 0 || math.IsNaN(h.Percent) || math.IsInf(h.Percent, 0) {
			errs = append(errs, fmt.Errorf("reconcile: hold %d: negative or invalid threshold", i))
		}
	}
	for i, d := range o.Decisions {
		if d.Verdict != Approve && d.Verdict != Reject && d.Verdict != Undecided {
			errs = append(errs, fmt.Errorf("reconcile: decision %d: unknown verdict %q", i, truncate(string(d.Verdict), 32)))
		}
	}
	return errors.Join(errs...)
}

// resolution says what the plan does with one source record, for the records that refer to it.
type resolution struct {
	state  resState
	target int32 // the paired target record when state is resPaired
}

type resState uint8

const (
	resInvalid   resState = iota // no unique key
	resPaired                    // paired with a target record that is kept in step
	resCreated                   // created by this plan
	resPending                   // waits for a decision
	resProtected                 // a person with protected identity, left out
)

func (s resState) blockedReason(kind Kind) string {
	switch s {
	case resPending:
		return "the " + string(kind) + " waits for a decision"
	case resProtected:
		return "the person has a protected identity and is left out"
	}
	return "the " + string(kind) + " is not synchronised (missing or repeated key)"
}

// decisionKey names a pairing (source key and target id) or an import (target id only).
type decisionKey struct {
	kind     Kind
	src, tgt string
}

type planner struct {
	// src is the source as the target can hold it (targetModel.restrict).
	src, tgt *Snapshot
	opts     Options
	model    *targetModel
	places   placeNormaliser
	now      time.Time
	grace    time.Duration

	created     map[Record]bool
	createdKey  map[Record]string // source keys of the records this pipeline created
	written     map[Record]string // source digests of the records written by the last run
	deactivated map[Record]time.Time
	verdicts    map[decisionKey]Verdict
	decisionIDs map[decisionKey]string
	used        map[string]bool

	actions     [4]actionList
	unchanged   [4]int
	unconverged []Unconverged

	orgs, persons, groups       *matcher
	orgRes, personRes, groupRes []resolution
	// personKept and groupKept mark target records paired with a source record that is kept
	// in step: their memberships are this pipeline's to manage.
	personKept, groupKept []bool
}

func newPlanner(src, tgt *Snapshot, opts Options) *planner {
	model := prepareModel(tgt.Capabilities)
	p := &planner{
		src: model.restrict(src), tgt: model.held(tgt), opts: opts, model: model,
		places:      opts.Places.prepare(),
		now:         opts.Now,
		grace:       time.Duration(opts.Removals.GraceDays) * 24 * time.Hour,
		created:     make(map[Record]bool, len(opts.History.Created)),
		createdKey:  make(map[Record]string, len(opts.History.Created)),
		written:     make(map[Record]string, len(opts.History.Writes)),
		deactivated: make(map[Record]time.Time, len(opts.History.Deactivated)),
		used:        map[string]bool{},
	}
	if p.opts.Holds == nil {
		p.opts.Holds = DefaultHolds()
	}
	for _, c := range opts.History.Created {
		r := Record{Kind: c.Kind, TargetID: c.TargetID}
		p.created[r] = true
		p.createdKey[r] = c.SourceKey
	}
	for _, w := range opts.History.Writes {
		p.written[Record{Kind: w.Kind, TargetID: w.TargetID}] = w.SourceDigest
	}
	for _, d := range opts.History.Deactivated {
		r := Record{Kind: d.Kind, TargetID: d.TargetID}
		if old, ok := p.deactivated[r]; !ok || d.Since.Before(old) {
			p.deactivated[r] = d.Since
		}
	}
	for _, d := range opts.Decisions {
		k, ok := parseDecisionID(d.ID)
		if !ok {
			continue
		}
		if p.verdicts == nil {
			p.verdicts = map[decisionKey]Verdict{}
			p.decisionIDs = map[decisionKey]string{}
		}
		// A later decision on the same action wins, so Answer can overrule a kept one.
		p.verdicts[k] = d.Verdict
		p.decisionIDs[k] = d.ID
	}
	return p
}

// parseDecisionID reads an action ID of the form kind/s=KEY/t=ID (either part optional).
func parseDecisionID(id string) (decisionKey, bool) {
	kind, rest, ok := strings.Cut(id, "/")
	if !ok || Kind(kind).rank() > 3 {
		return decisionKey{}, false
	}
	k := decisionKey{kind: Kind(kind)}
	for part := range strings.SplitSeq(rest, "/") {
		name, val, ok := strings.Cut(part, "=")
		if !ok {
			return decisionKey{}, false
		}
		v, err := url.QueryUnescape(val)
		if err != nil {
			return decisionKey{}, false
		}
		switch name {
		case "s":
			k.src = v
		case "t":
			k.tgt = v
		default:
			return decisionKey{}, false
		}
	}
	return k, true
}

// actionList collects actions in chunks that never move, so a plan of a million actions is not
// copied over and over while it grows.
type actionList struct {
	chunks [][]Action
	n      int
}

func (l *actionList) add(a Action) {
	if k := len(l.chunks); k == 0 || len(l.chunks[k-1]) == cap(l.chunks[k-1]) {
		size := 16
		if k > 0 {
			size = min(2*cap(l.chunks[k-1]), 4096)
		}
		l.chunks = append(l.chunks, make([]Action, 0, size))
	}
	last := &l.chunks[len(l.chunks)-1]
	*last = append(*last, a)
	l.n++
}

// permute reorders list in place so that list[k] becomes what list[perm[k]] was, moving each
// element once (following the permutation's cycles); perm is used up.
func permute[T any](list []T, perm []int32) {
	for i := range perm {
		if perm[i] < 0 {
			continue
		}
		held := list[i]
		j := i
		for {
			next := int(perm[j])
			perm[j] = -1
			if next == i {
				list[j] = held
				break
			}
			list[j] = list[next]
			j = next
		}
	}
}

// decidedSets are the source keys and target ids that some decision names, per kind.
type decidedSets struct{ src, tgt map[string]bool }

// decidedRecords returns the records of a kind that decisions name.
func (p *planner) decidedRecords(kind Kind) decidedSets {
	d := decidedSets{src: map[string]bool{}, tgt: map[string]bool{}}
	for k, v := range p.verdicts {
		if k.kind != kind || v == Undecided {
			continue
		}
		if k.src != "" {
			d.src[k.src] = true
		}
		if k.tgt != "" {
			d.tgt[k.tgt] = true
		}
	}
	return d
}

// verdict returns the decision on a pairing or import, remembering that it was used.
func (p *planner) verdict(kind Kind, src, tgt string) Verdict {
	if p.verdicts == nil {
		return Undecided
	}
	k := decisionKey{kind: kind, src: src, tgt: tgt}
	v, ok := p.verdicts[k]
	if ok && v != Undecided {
		p.used[p.decisionIDs[k]] = true
	}
	return v
}

func (p *planner) add(a Action) {
	r := a.Kind.rank()
	if r > 3 {
		r = 3
	}
	p.actions[r].add(a)
}

func (p *planner) countUnchanged(a Action) {
	if p.opts.IncludeUnchanged {
		p.add(a)
		return
	}
	p.unchanged[a.Kind.rank()]++
}

// owned reports whether a target record is this pipeline's: it carries this pipeline's
// referrer or the pipeline created it.
func (p *planner) owned(kind Kind, k *Keys) bool {
	if _, ok := p.ownReferrer(k.Referrer); ok {
		return true
	}
	return p.created[Record{Kind: kind, TargetID: k.TargetID}]
}

// orgRef maps an organisation key from the source into the target's key space. need is true
// when the organisation is created by this plan (the key stays a source key until Apply knows
// the new id); ok is false when the organisation waits for a decision or is not synchronised.
// Keys of organisations the source snapshot does not list pass through unchanged: they are
// codes both systems share.
func (p *planner) orgRef(key string) (ref string, need, ok bool) {
	if p.orgs == nil || len(p.src.Organisations) == 0 {
		return key, false, true
	}
	i, found := p.orgs.srcByKey[key]
	if !found {
		return key, false, true
	}
	switch r := p.orgRes[i]; r.state {
	case resPaired:
		return p.tgt.Organisations[r.target].Keys.TargetID, false, true
	case resCreated:
		return key, true, true
	}
	return "", false, false
}

// matcherOf returns the matcher of one kind's source and target records.
func matcherOf[T any](p *planner, kind Kind, src, tgt []T, keys func(*T) *Keys) *matcher {
	return newMatcher(p, kind, keyPointers(src, keys), keyPointers(tgt, keys))
}

// keyPointers lists the keys of a slice of records.
func keyPointers[T any](items []T, keys func(*T) *Keys) []*Keys {
	out := make([]*Keys, len(items))
	for i := range items {
		out[i] = keys(&items[i])
	}
	return out
}

// pairedAction starts the action for a source record paired with a target record.
func (p *planner) pairedAction(m *matcher, i int, before *Keys, revision string, diffs []Diff) Action {
	t := m.srcMatch[i]
	a := Action{
		ID: recordID(m.kind, before.SourceKey, ""), Kind: m.kind, Case: int(m.srcCase[i]),
		SourceKey: before.SourceKey, TargetID: m.tgtKeys[t].TargetID, Revision: revision, Diffs: diffs,
	}
	if m.srcApproved[i] {
		a.Confirm = Approved
	}
	_, wasDeactivated := p.deactivated[Record{Kind: m.kind, TargetID: a.TargetID}]
	switch {
	case wasDeactivated:
		a.Op = OpRestore
		a.Diffs = append([]Diff{{Field: FieldState, Before: "deactivated", After: "active"}}, diffs...)
		a.Reason = "the record reappeared in the source during its grace period"
	case len(diffs) > 0:
		a.Op = OpUpdate
		a.Reason = pairedReason(a.Case, a.Confirm == Approved)
	default:
		a.Op = OpUnchanged
		a.Reason = "the target matches the source"
	}
	return a
}

func pairedReason(c int, approved bool) string {
	switch {
	case approved:
		return "matched by a confirmed decision; fields differ"
	case c == 2:
		return "matched without keys: names, birth date and birth place are equal; fields differ"
	}
	return "matched by key; fields differ"
}

// pendingAction describes a pairing that waits for a decision.
func (p *planner) pendingAction(m *matcher, pp pendingPair, diffs []Diff) Action {
	s, t := m.srcKeys[pp.s], m.tgtKeys[pp.t]
	return Action{
		ID: recordID(m.kind, s.SourceKey, t.TargetID), Kind: m.kind, Op: OpUpdate, Case: int(pp.cas),
		Confirm: Pending, Reason: pp.reason, SourceKey: s.SourceKey, TargetID: t.TargetID, Diffs: diffs,
	}
}

// unmatchedTarget plans a target record no source record pairs with: deactivation, deletion
// after the grace period, or an import offer. ownedCase and foreignCase are the Schulconnex case
// numbers of the import offers for the kind.
func (p *planner) unmatchedTarget(kind Kind, k *Keys, revision string, ownedCase, foreignCase int) (Action, bool) {
	a := Action{ID: recordID(kind, "", k.TargetID), Kind: kind, TargetID: k.TargetID, Revision: revision}
	rec := Record{Kind: kind, TargetID: k.TargetID}
	since, wasDeactivated := p.deactivated[rec]
	owned := p.owned(kind, k)
	switch {
	case owned && p.opts.Removals.Enabled && wasDeactivated && !p.now.Before(since.Add(p.grace)):
		a.Op = OpDelete
		a.Reason = fmt.Sprintf("gone from the source; the grace period of %d days ended", p.opts.Removals.GraceDays)
		a.Diffs = []Diff{{Field: FieldState, Before: "deactivated", After: "deleted"}}
	case owned && wasDeactivated:
		a.Op = OpUnchanged
		a.Reason = "deactivated; waiting for the grace period to end"
		if !p.opts.Removals.Enabled {
			a.Reason = "deactivated earlier; removals are off, so it stays deactivated"
		}
	case owned && p.opts.Removals.Enabled:
		a.Op = OpDeactivate
		a.Reason = fmt.Sprintf("gone from the source; deleted after %d days unless it reappears", p.opts.Removals.GraceDays)
		a.Diffs = []Diff{{Field: FieldState, Before: "active", After: "deactivated"}}
	default:
		a.Op = OpImport
		a.Case = foreignCase
		a.Reason = "the target holds a record the source does not know"
		if owned {
			a.Case = ownedCase
			a.Reason = "the record is this pipeline's (by referrer or history), but the source no longer has it (for example after restoring a backup)"
		}
		switch p.verdict(kind, "", k.TargetID) {
		case Approve:
			a.Confirm = Approved
		case Reject:
			a.Confirm = Rejected
		default:
			a.Confirm = Pending
		}
	}
	return a, a.Op != OpUnchanged
}

func (p *planner) planOrganisations() {
	src, tgt := p.src.Organisations, p.tgt.Organisations
	m := matcherOf(p, KindOrganisation, src, tgt, func(o *Organisation) *Keys { return &o.Keys })
	p.orgs = m
	m.matchByKeys()
	p.orgRes = make([]resolution, len(src))
	for i := range src {
		s := &src[i]
		switch {
		case !m.srcOK[i]:
		case m.srcPending[i]:
			p.orgRes[i].state = resPending
		case m.srcMatch[i] >= 0:
			t := &tgt[m.srcMatch[i]]
			p.orgRes[i] = resolution{state: resPaired, target: m.srcMatch[i]}
			after, diffs := p.organisationAfter(s, t)
			digest := ""
			if len(diffs) > 0 {
				digest = digestOf((*canon).organisation, s)
				diffs = p.converge(KindOrganisation, t.Keys.TargetID, s.Keys.SourceKey, digest, diffs)
			}
			if p.countedUnchanged(KindOrganisation, t.Keys.TargetID, diffs) {
				continue
			}
			a := p.pairedAction(m, i, &s.Keys, t.Revision, diffs)
			a.SourceDigest = digest
			a.Organisation = &Change[Organisation]{Before: t, After: ptr(after)}
			p.add(a)
		default:
			after, diffs := p.organisationAfter(s, nil)
			p.add(Action{ID: recordID(KindOrganisation, s.Keys.SourceKey, ""), Kind: KindOrganisation, Op: OpCreate,
				Case: 4, Reason: "the source has a record the target lacks", SourceKey: s.Keys.SourceKey,
				Diffs: diffs, SourceDigest: digestOf((*canon).organisation, s), Organisation: &Change[Organisation]{After: &after}})
			p.orgRes[i].state = resCreated
		}
	}
	for _, pp := range m.pending {
		after, diffs := p.organisationAfter(&src[pp.s], &tgt[pp.t])
		a := p.pendingAction(m, pp, diffs)
		a.Revision = tgt[pp.t].Revision
		a.Organisation = &Change[Organisation]{Before: &tgt[pp.t], After: &after}
		p.add(a)
	}
	for j := range tgt {
		if m.tgtFree(j) {
			t := &tgt[j]
			if a, ok := p.unmatchedTarget(KindOrganisation, &t.Keys, t.Revision, 2, 3); ok {
				if a.Op == OpImport {
					a.Diffs = importDiffs(func(d *fieldDiffs) {
						d.overlayString(FieldName, new(string), t.Name)
						d.overlayString(FieldType, new(string), t.Type)
					})
				}
				a.Organisation = &Change[Organisation]{Before: t}
				p.add(a)
			} else {
				p.countUnchanged(a)
			}
		}
	}
}

// countedUnchanged counts a paired record that needs no action and reports so; such records
// get no Action (and no allocation) unless Options.IncludeUnchanged.
func (p *planner) countedUnchanged(kind Kind, targetID string, diffs []Diff) bool {
	if len(diffs) > 0 || p.opts.IncludeUnchanged {
		return false
	}
	if len(p.deactivated) > 0 {
		if _, ok := p.deactivated[Record{Kind: kind, TargetID: targetID}]; ok {
			return false // it needs a restore
		}
	}
	p.unchanged[kind.rank()]++
	return true
}

// ptr returns a pointer to a copy of v, so that a record built on the stack moves to the heap
// only when an action keeps it.
func ptr[T any](v T) *T { return &v }

func personKeys(x *Person) *Keys { return &x.Keys }

func groupKeys(g *Group) *Keys { return &g.Keys }

func (p *planner) planPersons() {
	src, tgt := p.src.Persons, p.tgt.Persons
	m := p.persons
	m.matchByKeys()
	m.matchPersonsByAttributes(src, tgt)
	p.personRes = make([]resolution, len(src))
	p.personKept = make([]bool, len(tgt))
	excluded := func(s *Person) bool { return s.Protected && !p.opts.IncludeProtected }
	// First every person's resolution, since relations refer to other persons.
	for i := range src {
		switch {
		case !m.srcOK[i]:
		case m.srcPending[i]:
			p.personRes[i].state = resPending
		case excluded(&src[i]):
			p.personRes[i].state = resProtected
		case m.srcMatch[i] >= 0:
			p.personRes[i] = resolution{state: resPaired, target: m.srcMatch[i]}
			p.personKept[m.srcMatch[i]] = true
		default:
			p.personRes[i].state = resCreated
		}
	}
	for i := range src {
		s := &src[i]
		switch p.personRes[i].state {
		case resProtected:
			if m.srcMatch[i] >= 0 {
				p.protectedPaired(m, i)
				continue
			}
			p.add(Action{ID: recordID(KindPerson, s.Keys.SourceKey, ""), Kind: KindPerson, Op: OpSkip,
				SourceKey: s.Keys.SourceKey, Reason: "protected identity: left out of the target"})
		case resPaired:
			t := &tgt[m.srcMatch[i]]
			after, diffs, needs := p.personAfter(s, t)
			digest := ""
			if len(diffs) > 0 {
				digest = digestOf((*canon).person, s)
				diffs = p.converge(KindPerson, t.Keys.TargetID, s.Keys.SourceKey, digest, diffs)
			}
			if p.countedUnchanged(KindPerson, t.Keys.TargetID, diffs) {
				continue
			}
			a := p.pairedAction(m, i, &s.Keys, t.Revision, diffs)
			if len(a.Diffs) > 0 {
				a.Needs, a.SourceDigest = needs, digest
			}
			a.Person = &Change[Person]{Before: t, After: ptr(after)}
			p.add(a)
		case resCreated:
			after, diffs, needs := p.personAfter(s, nil)
			p.add(Action{ID: recordID(KindPerson, s.Keys.SourceKey, ""), Kind: KindPerson, Op: OpCreate,
				Case: 6, Reason: "no target record matches by key or attributes", SourceKey: s.Keys.SourceKey,
				Diffs: diffs, Needs: needs, SourceDigest: digestOf((*canon).person, s), Person: &Change[Person]{After: &after}})
		}
	}
	for _, pp := range m.pending {
		t := &tgt[pp.t]
		if excluded(&src[pp.s]) {
			// The decision is still needed, but the plan carries none of the protected person's data.
			a := p.pendingAction(m, pp, nil)
			a.Revision = t.Revision
			p.add(a)
			continue
		}
		after, diffs, needs := p.personAfter(&src[pp.s], t)
		a := p.pendingAction(m, pp, diffs)
		a.Revision = t.Revision
		a.Needs = needs
		a.Person = &Change[Person]{Before: t, After: &after}
		p.add(a)
	}
	for j := range tgt {
		if m.tgtFree(j) {
			t := &tgt[j]
			if a, ok := p.unmatchedTarget(KindPerson, &t.Keys, t.Revision, 4, 5); ok {
				if a.Op == OpImport {
					a.Diffs = importDiffs(func(d *fieldDiffs) {
						d.overlayString(FieldFamilyName, new(string), t.FamilyName)
						d.overlayString(FieldGivenNames, new(string), t.GivenNames)
						d.overlayString(FieldBirthDate, new(string), t.BirthDate.String())
						d.overlayString(FieldBirthPlace, new(string), t.BirthPlace)
						d.overlayList(FieldEmails, new([]string), t.Emails)
						d.overlayList(FieldEPPNs, new([]string), t.EPPNs)
					})
				}
				a.Person = &Change[Person]{Before: t}
				p.add(a)
			} else {
				p.countUnchanged(a)
			}
		}
	}
}

// protectedPaired plans a target record paired with a person whose identity is protected: the
// record should not be in the target, so it is removed like one that left the source when
// removals are on and the record is this pipeline's, and skipped otherwise.
func (p *planner) protectedPaired(m *matcher, i int) {
	t := &p.tgt.Persons[m.srcMatch[i]]
	key := p.src.Persons[i].Keys.SourceKey
	if p.opts.Removals.Enabled && (m.srcCase[i] == 1 || p.owned(KindPerson, &t.Keys)) {
		a, _ := p.unmatchedTarget(KindPerson, &t.Keys, t.Revision, 4, 5)
		if a.Op == OpImport { // cannot happen with removals on; kept for safety
			a.Op, a.Confirm = OpSkip, ""
		}
		a.ID = recordID(KindPerson, key, "")
		a.SourceKey = key
		a.Case = 0
		a.Reason = "protected identity: " + a.Reason
		if a.Op == OpUnchanged {
			p.countUnchanged(a)
			return
		}
		p.add(a)
		return
	}
	p.add(Action{ID: recordID(KindPerson, key, ""), Kind: KindPerson, Op: OpSkip, SourceKey: key,
		TargetID: t.Keys.TargetID, Reason: "protected identity: left out; the target still holds a record of this person (removals are off or the record is not this pipeline's)"})
}

func (p *planner) planGroups() {
	src, tgt := p.src.Groups, p.tgt.Groups
	m := p.groups
	m.matchByKeys()
	p.groupRes = make([]resolution, len(src))
	p.groupKept = make([]bool, len(tgt))
	for i := range src {
		s := &src[i]
		switch {
		case !m.srcOK[i]:
		case s.Valid.Check() != nil:
			// Planning does not guess which end of the period is wrong; the group's memberships
			// wait with it.
			p.add(Action{ID: recordID(KindGroup, s.Keys.SourceKey, ""), Kind: KindGroup, Op: OpSkip, SourceKey: s.Keys.SourceKey,
				Reason: "bad input: " + strings.TrimPrefix(s.Valid.Check().Error(), "reconcile: ")})
		case m.srcPending[i]:
			p.groupRes[i].state = resPending
		case m.srcMatch[i] >= 0:
			t := &tgt[m.srcMatch[i]]
			p.groupRes[i] = resolution{state: resPaired, target: m.srcMatch[i]}
			p.groupKept[m.srcMatch[i]] = true
			after, diffs, needs := p.groupAfter(s, t)
			digest := ""
			if len(diffs) > 0 {
				digest = digestOf((*canon).group, s)
				diffs = p.converge(KindGroup, t.Keys.TargetID, s.Keys.SourceKey, digest, diffs)
			}
			if p.countedUnchanged(KindGroup, t.Keys.TargetID, diffs) {
				continue
			}
			a := p.pairedAction(m, i, &s.Keys, t.Revision, diffs)
			if len(a.Diffs) > 0 {
				a.Needs, a.SourceDigest = needs, digest
			}
			a.Group = &Change[Group]{Before: t, After: ptr(after)}
			p.add(a)
		default:
			after, diffs, needs := p.groupAfter(s, nil)
			p.add(Action{ID: recordID(KindGroup, s.Keys.SourceKey, ""), Kind: KindGroup, Op: OpCreate,
				Case: 4, Reason: "the source has a group the target lacks", SourceKey: s.Keys.SourceKey,
				Diffs: diffs, Needs: needs, SourceDigest: digestOf((*canon).group, s), Group: &Change[Group]{After: &after}})
			p.groupRes[i].state = resCreated
		}
	}
	for _, pp := range m.pending {
		t := &tgt[pp.t]
		after, diffs, needs := p.groupAfter(&src[pp.s], t)
		a := p.pendingAction(m, pp, diffs)
		a.Revision = t.Revision
		a.Needs = needs
		a.Group = &Change[Group]{Before: t, After: &after}
		p.add(a)
	}
	for j := range tgt {
		if m.tgtFree(j) {
			t := &tgt[j]
			a, ok := p.unmatchedTarget(KindGroup, &t.Keys, t.Revision, 2, 3)
			if ok {
				if a.Op == OpImport && a.Case == 3 {
					a.Reason = "the target holds a group the source does not know (for example one made by a timetabling system); it is never imported without a decision"
				}
				if a.Op == OpImport {
					a.Diffs = importDiffs(func(d *fieldDiffs) {
						d.overlayString(FieldName, new(string), t.Name)
						d.overlayString(FieldType, new(string), t.Type)
						d.overlayString(FieldOrganisation, new(string), t.Organisation)
						d.overlayString(FieldValid, new(string), t.Valid.String())
					})
				}
				a.Group = &Change[Group]{Before: t}
				p.add(a)
			} else {
				p.countUnchanged(a)
			}
		}
	}
}

// planMemberships plans the memberships; idx is the target's memberships by person (a
// compressed list of each target person's memberships, smaller and faster than a map at a
// million memberships).
func (p *planner) planMemberships(idx *membershipIndex) {
	src, tgt := p.src.Memberships, p.tgt.Memberships
	pm, gm := p.persons, p.groups
	const dup = -2
	// First pass: resolve each source membership to source record indexes and to the target
	// membership it hits, and count the hits per target membership.
	const unknown = -1
	srcPerson := make([]int32, len(src))
	srcGroup := make([]int32, len(src))
	hit := make([]int32, len(src))
	hits := make([]uint8, len(tgt))
	var createdPairs map[uint64]int
	personKeys, groupKeys := cachedIndex{index: pm.srcByKey}, cachedIndex{index: gm.srcByKey}
	for i := range src {
		hit[i] = unknown
		pi, ok1 := personKeys.lookup(src[i].Person)
		gi, ok2 := groupKeys.lookup(src[i].Group)
		srcPerson[i], srcGroup[i] = unknown, unknown
		if ok1 {
			srcPerson[i] = pi
		}
		if ok2 {
			srcGroup[i] = gi
		}
		if !ok1 || !ok2 {
			continue
		}
		pr, gr := p.personRes[pi], p.groupRes[gi]
		switch {
		case pr.state == resPaired && gr.state == resPaired:
			if j, repeated := idx.find(pr.target, gr.target); j >= 0 {
				if repeated {
					hit[i] = dup
					continue
				}
				hit[i] = j
				if hits[j] < 255 {
					hits[j]++
				}
				continue
			}
		case (pr.state == resPaired || pr.state == resCreated) && (gr.state == resPaired || gr.state == resCreated):
		default:
			continue
		}
		if createdPairs == nil {
			createdPairs = map[uint64]int{}
		}
		createdPairs[pairIndex(pi, gi)]++
	}

	// Second pass: one action per source membership; repeats collapse to one skip.
	for i := range src {
		sm := &src[i]
		pi, gi, j := srcPerson[i], srcGroup[i], hit[i]
		var pr, gr resolution
		if pi != unknown {
			pr = p.personRes[pi]
		}
		if gi != unknown {
			gr = p.groupRes[gi]
		}
		skip := func(reason string) {
			k := pairKey(sm.Person, sm.Group)
			p.add(Action{ID: string(KindMembership) + "/s=" + k, Kind: KindMembership, Op: OpSkip, SourceKey: k, Reason: reason})
		}
		switch {
		case sm.Period.Check() != nil:
			skip("bad input: " + strings.TrimPrefix(sm.Period.Check().Error(), "reconcile: "))
		case pi == unknown:
			skip("the membership refers to a person the source does not list")
		case gi == unknown:
			skip("the membership refers to a group the source does not list")
		case pr.state != resPaired && pr.state != resCreated:
			skip(pr.state.blockedReason(KindPerson))
		case gr.state != resPaired && gr.state != resCreated:
			skip(gr.state.blockedReason(KindGroup))
		case j == dup:
			skip("the target holds this membership more than once; it is left alone")
		case j >= 0 && hits[j] > 1:
			skip("the source lists this membership more than once")
		case j >= 0:
			t := &tgt[j]
			after, diffs := membershipAfter(sm, t)
			digest := ""
			if len(diffs) > 0 {
				digest = digestOf((*canon).membership, sm)
				diffs = p.converge(KindMembership, membershipName(t), pairKey(sm.Person, sm.Group), digest, diffs)
			}
			if len(diffs) == 0 {
				if p.opts.IncludeUnchanged {
					k := pairKey(sm.Person, sm.Group)
					p.add(Action{ID: string(KindMembership) + "/s=" + k, Kind: KindMembership, Op: OpUnchanged,
						SourceKey: k, TargetID: t.ID, Revision: t.Revision, Reason: "the target matches the source"})
				} else {
					p.unchanged[KindMembership.rank()]++
				}
				continue
			}
			k := pairKey(sm.Person, sm.Group)
			p.add(Action{ID: string(KindMembership) + "/s=" + k, Kind: KindMembership, Op: OpUpdate,
				SourceKey: k, TargetID: t.ID, Revision: t.Revision, Reason: "role or period differ", Diffs: diffs,
				SourceDigest: digest, Membership: &Change[Membership]{Before: t, After: after}})
		case createdPairs[pairIndex(pi, gi)] > 1:
			skip("the source lists this membership more than once")
		default:
			// A first run creates a million of these: each is sized exactly, its change and
			// record share one allocation, and its source key is the tail of its ID.
			c := &membershipCreate{after: Membership{Person: sm.Person, Group: sm.Group, Role: sm.Role, Period: sm.Period}}
			c.change.After = &c.after
			var needs []Ref
			if n := b2i(pr.state != resPaired) + b2i(gr.state != resPaired); n > 0 {
				needs = make([]Ref, 0, n)
			}
			if pr.state == resPaired {
				c.after.Person = pm.tgtKeys[pr.target].TargetID
			} else {
				needs = append(needs, Ref{Kind: KindPerson, SourceKey: sm.Person})
			}
			if gr.state == resPaired {
				c.after.Group = gm.tgtKeys[gr.target].TargetID
			} else {
				needs = append(needs, Ref{Kind: KindGroup, SourceKey: sm.Group})
			}
			d := make(fieldDiffs, 0, 2+b2i(sm.Role != "")+b2i(!sm.Period.IsZero()))
			d.add(FieldPerson, "", sm.Person)
			d.add(FieldGroup, "", sm.Group)
			if sm.Role != "" {
				d.add(FieldRole, "", sm.Role)
			}
			if !sm.Period.IsZero() {
				d.add(FieldPeriod, "", sm.Period.String())
			}
			k := pairKey(sm.Person, sm.Group)
			id := string(KindMembership) + "/s=" + k
			p.add(Action{ID: id, Kind: KindMembership, Op: OpCreate, SourceKey: id[len(id)-len(k):],
				Reason: "the source has a membership the target lacks", Diffs: d, Needs: needs,
				Membership: &c.change})
		}
	}

	// Target memberships no source membership hits: removed when removals are on and both the
	// person and the group are kept in step by this pipeline; others are not this pipeline's.
	for j := range tgt {
		tp, tg := idx.person[j], idx.group[j]
		if tp < 0 || hits[j] > 0 {
			continue
		}
		t := &tgt[j]
		if n := idx.count(tp, tg); n > 1 {
			p.add(Action{ID: string(KindMembership) + "/t=" + pairKey(t.Person, t.Group), Kind: KindMembership, Op: OpSkip,
				Reason: fmt.Sprintf("the target holds this membership %d times; it is left alone", n)})
			continue
		}
		if !p.personKept[tp] || !p.groupKept[tg] {
			continue
		}
		a := Action{ID: string(KindMembership) + "/t=" + pairKey(t.Person, t.Group), Kind: KindMembership,
			TargetID: t.ID, Revision: t.Revision, Membership: &Change[Membership]{Before: t}}
		if p.opts.Removals.Enabled {
			a.Op, a.Reason = OpDelete, "the source no longer has this membership"
			a.Diffs = []Diff{{Field: FieldState, Before: "member", After: "removed"}}
		} else {
			a.Op, a.Reason = OpSkip, "the source no longer has this membership; removals are off"
		}
		p.add(a)
	}
}

// membershipCreate holds a membership create's change and the record it points to.
type membershipCreate struct {
	change Change[Membership]
	after  Membership
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// membershipIndex lists the target's memberships per target person.
type membershipIndex struct {
	person, group []int32 // each membership's target person and group index, -1 when unknown
	start         []int32 // memberships of person p are order[start[p]:start[p+1]]
	order         []int32
	// orderGroup is the group of each membership in order (group[order[k]]): a person's
	// memberships are searched by group, and reading the groups side by side costs one cache
	// line where reading them through order costs one a membership.
	orderGroup []int32
}

func indexTargetMemberships(tgt []Membership, pm, gm *matcher) *membershipIndex {
	x := &membershipIndex{
		person: make([]int32, len(tgt)), group: make([]int32, len(tgt)),
		start: make([]int32, len(pm.tgtKeys)+1),
	}
	persons, groups := cachedIndex{index: pm.tgtByID}, cachedIndex{index: gm.tgtByID}
	n := 0
	for j := range tgt {
		tp, ok1 := persons.lookup(tgt[j].Person)
		tg, ok2 := groups.lookup(tgt[j].Group)
		if !ok1 || !ok2 {
			// Refers to records the target snapshot does not hold: not this plan's to judge.
			x.person[j], x.group[j] = -1, -1
			continue
		}
		x.person[j], x.group[j] = tp, tg
		x.start[tp+1]++
		n++
	}
	for p := 1; p < len(x.start); p++ {
		x.start[p] += x.start[p-1]
	}
	x.order, x.orderGroup = make([]int32, n), make([]int32, n)
	next := slices.Clone(x.start[:len(x.start)-1])
	for j, tp := range x.person {
		if tp >= 0 {
			x.order[next[tp]], x.orderGroup[next[tp]] = int32(j), x.group[j]
			next[tp]++
		}
	}
	return x
}

// find returns the target membership of person tp in group tg (-1 if none) and whether the
// target holds more than one.
func (x *membershipIndex) find(tp, tg int32) (j int32, repeated bool) {
	j = -1
	from, to := x.start[tp], x.start[tp+1]
	for k, g := range x.orderGroup[from:to] {
		if g == tg {
			if j >= 0 {
				return j, true
			}
			j = x.order[from+int32(k)]
		}
	}
	return j, false
}

// count returns how many memberships person tp has in group tg.
func (x *membershipIndex) count(tp, tg int32) int {
	n := 0
	for _, g := range x.orderGroup[x.start[tp]:x.start[tp+1]] {
		if g == tg {
			n++
		}
	}
	return n
}

// cachedIndex looks keys up in an index, remembering the last answer: memberships usually come
// grouped by group or person, so most lookups repeat the previous key.
type cachedIndex struct {
	index map[string]int32
	last  string
	val   int32
	ok    bool
	used  bool
}

func (c *cachedIndex) lookup(key string) (int32, bool) {
	if c.used && key == c.last {
		return c.val, c.ok
	}
	c.val, c.ok = c.index[key]
	c.last, c.used = key, true
	return c.val, c.ok
}

// pairIndex packs two record indexes into one map key.
func pairIndex(a, b int32) uint64 { return uint64(uint32(a))<<32 | uint64(uint32(b)) }

// result assembles the plan: actions sorted by kind and ID, repeats collapsed, counts.
func (p *planner) result() *Plan {
	plan := &Plan{Version: PlanVersion, Holds: p.opts.Holds}
	if !p.opts.Now.IsZero() {
		plan.Now = p.opts.Now.UTC()
	}
	n := 0
	for r := range p.actions {
		n += p.actions[r].n
	}
	// Each kind's actions are moved into the plan chunk by chunk (a chunk let go once moved,
	// so a million actions are never held twice), then sorted through a permutation of their
	// indexes applied in place, which moves each (large) action once. Repeated IDs (the same
	// skip reached twice) collapse to one.
	plan.Actions = make([]Action, 0, n)
	for r := range p.actions {
		base := len(plan.Actions)
		for c := range p.actions[r].chunks {
			plan.Actions = append(plan.Actions, p.actions[r].chunks[c]...)
			p.actions[r].chunks[c] = nil
		}
		p.actions[r] = actionList{}
		list := plan.Actions[base:]
		perm := make([]int32, len(list))
		for i := range perm {
			perm[i] = int32(i)
		}
		// Actions sharing an ID are the same skip reached twice; the tie-break keeps the choice
		// of the one kept independent of input order all the same.
		slices.SortFunc(perm, func(x, y int32) int {
			a, b := &list[x], &list[y]
			if c := strings.Compare(a.ID, b.ID); c != 0 {
				return c
			}
			return cmp.Or(strings.Compare(string(a.Op), string(b.Op)), strings.Compare(a.Reason, b.Reason),
				strings.Compare(a.TargetID, b.TargetID), strings.Compare(a.SourceKey, b.SourceKey))
		})
		permute(list, perm)
		list = slices.CompactFunc(list, func(a, b Action) bool { return a.ID == b.ID })
		plan.Actions = plan.Actions[:base+len(list)]
	}
	plan.ByKind = make(map[Kind]Counts, len(Kinds))
	for r, k := range Kinds {
		c := Counts{Unchanged: p.unchanged[r]}
		plan.ByKind[k] = c
	}
	for i := range plan.Actions {
		a := &plan.Actions[i]
		c := plan.ByKind[a.Kind]
		c.Add(a.Outcome())
		plan.ByKind[a.Kind] = c
		plan.Counts.Add(a.Outcome())
	}
	for r := range Kinds {
		plan.Counts.Unchanged += p.unchanged[r]
	}
	plan.TargetSizes = map[Kind]int{
		KindOrganisation: len(p.tgt.Organisations), KindPerson: len(p.tgt.Persons),
		KindGroup: len(p.tgt.Groups), KindMembership: len(p.tgt.Memberships),
	}
	for id := range p.used {
		k, _ := parseDecisionID(id)
		plan.Decisions = append(plan.Decisions, Decision{ID: id, Verdict: p.verdicts[k]})
	}
	slices.SortFunc(plan.Decisions, func(a, b Decision) int { return strings.Compare(a.ID, b.ID) })
	if len(p.unconverged) > 0 {
		sortUnconverged(p.unconverged)
		plan.Unconverged = p.unconverged
	}
	return plan
}
