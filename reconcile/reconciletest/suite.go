package reconciletest

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"iter"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/edusync/edusync/reconcile"
)

// Fixture is what TargetSuite needs to test one Target: a fresh target and a small source in
// the target's vocabulary.
type Fixture struct {
	// Target is a fresh target that holds nothing yet (an empty file set, a fake service
	// without records of this source system).
	Target reconcile.Target
	// Source is a small source the target can hold: at least three persons (each with what the
	// target needs to create one, such as a context at its organisation), at least two groups,
	// and memberships of every person in a group. The suite adds what a target may not keep (an
	// attribute, EPPNs, a relation, an organisation) to test that it is left out or kept.
	Source *reconcile.Snapshot
	// Options are the planning options the target needs (ReferrerPrefix, IncludeProtected,
	// Places); the suite sets Now, History, Removals, Holds and Decisions itself.
	Options reconcile.Options
	// GraceDays is the grace period of removals the target is set up for (0: 30).
	GraceDays int
	// Start is when the suite's clock starts (zero: 2026-08-17 07:00 UTC).
	Start time.Time
	// Advance moves the target's own clock (deletion times, end dates) on by d; nil for
	// targets without one. The suite moves its planning clock with it.
	Advance func(d time.Duration)
	// Equivalent, if set, rewrites the source's values into other spellings the target stores
	// alike (a grade "8" for "08", a role in lower case). Planning the rewritten source against
	// the synchronised target must propose nothing (Capabilities.Normalise).
	Equivalent func(s *reconcile.Snapshot)
}

// TargetSuite is the conformance suite every reconcile.Target runs, as storetest.Run is for
// stores: newFixture is called once per subtest. It checks the Target rules a program cannot
// check by itself (reconcile.CheckTarget checks the others, and so does the suite): records
// created with their ids and referrers, a rerun that writes nothing and finds nothing
// unconverged, updates of exactly what changed, deactivation, restore, deletion after the
// grace period with the memberships of deleted persons and groups, stale actions refused,
// capabilities honoured (nothing outside them planned, nothing kept that is not declared) and,
// for targets that change all at once, an aborted run that leaves the previous state. A
// reconcile.BatchTarget gets its writes through ApplyBatch, and a reconcile.SnapshotSource
// must give in its Snapshot the records its iterators give.
func TargetSuite(t *testing.T, newFixture func(t *testing.T) *Fixture) {
	t.Helper()
	tests := []struct {
		name string
		run  func(t *testing.T, s *session)
	}{
		{"Contract", testContract},
		{"CreatesThenRerunWritesNothing", testCreates},
		{"UpdatesWhatChanged", testUpdates},
		{"DeactivatesRestoresAndDeletesPersons", testPersonLifecycle},
		{"DeletedGroupTakesItsMemberships", testGroupDeletion},
		{"RefusesStaleActions", testStale},
		{"HonoursCapabilities", testCapabilities},
		{"EquivalentValuesConverge", testEquivalent},
		{"AbortKeepsPreviousState", testAbort},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			if f == nil || f.Target == nil || f.Source == nil {
				t.Fatal("reconciletest: the fixture needs a Target and a Source")
			}
			tt.run(t, newSession(t, f))
		})
	}
}

// session is one subtest's pipeline: the fixture, the enriched source, the history and the clock.
type session struct {
	f       *Fixture
	target  *probe
	wrapped reconcile.Target
	caps    reconcile.Capabilities
	source  *reconcile.Snapshot
	history reconcile.History
	now     time.Time
	ctx     context.Context
}

func newSession(t *testing.T, f *Fixture) *session {
	p := &probe{Target: f.Target}
	s := &session{f: f, target: p, wrapped: p, caps: f.Target.Capabilities(), ctx: context.Background(),
		now: cmp.Or(f.Start, time.Date(2026, 8, 17, 7, 0, 0, 0, time.UTC))}
	_, batches := f.Target.(reconcile.BatchTarget)
	if _, ok := f.Target.(reconcile.Transactional); ok {
		s.wrapped = &txProbe{p}
		if batches {
			s.wrapped = &batchTxProbe{&txProbe{p}}
		}
	} else if batches {
		s.wrapped = &batchProbe{p}
	}
	s.source = enrich(f.Source)
	if len(s.source.Persons) < 3 || len(s.source.Groups) < 2 || len(s.source.Memberships) < 3 {
		t.Fatalf("reconciletest: the fixture's source needs at least three persons, two groups and three memberships (has %d, %d, %d)",
			len(s.source.Persons), len(s.source.Groups), len(s.source.Memberships))
	}
	return s
}

// extraAttribute is the attribute the suite adds to every person and group.
const extraAttribute = "reconciletest-extra"

// enrich copies the fixture's source and adds what a target may not keep: an attribute on every
// person and group, EPPNs, a relation from the first person to the second, an organisation.
func enrich(src *reconcile.Snapshot) *reconcile.Snapshot {
	s := cloneSnapshot(src)
	for i := range s.Persons {
		p := &s.Persons[i]
		p.Attributes = withAttribute(p.Attributes, "p"+p.Keys.SourceKey)
		if len(p.EPPNs) == 0 {
			p.EPPNs = []string{"suite-" + p.Keys.SourceKey + "@reconciletest.example"}
		}
	}
	if len(s.Persons) > 1 && len(s.Persons[0].Relations) == 0 {
		s.Persons[0].Relations = []reconcile.Relation{{Person: s.Persons[1].Keys.SourceKey, Role: "guardian"}}
	}
	for i := range s.Groups {
		g := &s.Groups[i]
		g.Attributes = withAttribute(g.Attributes, "g"+g.Keys.SourceKey)
	}
	s.Organisations = append(s.Organisations, reconcile.Organisation{Keys: reconcile.Keys{SourceKey: "reconciletest-org"},
		Name: "Suite Organisation", Type: "Skolenhet"})
	return s
}

func withAttribute(a map[string]string, v string) map[string]string {
	out := make(map[string]string, len(a)+1)
	for k, x := range a {
		out[k] = x
	}
	out[extraAttribute] = v
	return out
}

func cloneSnapshot(s *reconcile.Snapshot) *reconcile.Snapshot {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err) // a snapshot is plain data
	}
	var out reconcile.Snapshot
	if err := json.Unmarshal(b, &out); err != nil {
		panic(err)
	}
	if s.Capabilities != nil {
		c := *s.Capabilities
		out.Capabilities = &c
	}
	return &out
}

// load reads the target record by record; a target that also gives its records at once
// (reconcile.SnapshotSource) must give the same records that way.
func (s *session) load(t *testing.T) *reconcile.Snapshot {
	t.Helper()
	snap, err := reconcile.Load(s.ctx, s.wrapped)
	if err != nil {
		t.Fatalf("loading the target: %v", err)
	}
	if _, ok := s.f.Target.(reconcile.SnapshotSource); ok {
		whole, err := reconcile.Load(s.ctx, s.f.Target)
		if err != nil {
			t.Fatalf("loading the target's Snapshot: %v", err)
		}
		if a, b := sortedRecords(snap), sortedRecords(whole); a != b {
			t.Fatalf("the target's Snapshot gives other records than its Persons, Groups, Memberships and Organisations:\nrecord by record %s\nSnapshot %s", a, b)
		}
	}
	return snap
}

// sortedRecords renders a snapshot's records in an order of their own, to compare snapshots
// whatever the order their records came in.
func sortedRecords(s *reconcile.Snapshot) string {
	var b strings.Builder
	kind := func(name string, records []string) {
		slices.Sort(records)
		b.WriteString(name + ":" + strings.Join(records, ",") + "\n")
	}
	kind("organisations", jsonEach(s.Organisations))
	kind("persons", jsonEach(s.Persons))
	kind("groups", jsonEach(s.Groups))
	kind("memberships", jsonEach(s.Memberships))
	return b.String()
}

func jsonEach[T any](items []T) []string {
	out := make([]string, len(items))
	for i := range items {
		b, err := json.Marshal(&items[i])
		if err != nil {
			panic(err) // records are plain data
		}
		out[i] = string(b)
	}
	return out
}

// options are the planning options of the session's next run.
func (s *session) options(removals bool) reconcile.Options {
	o := s.f.Options
	o.Now, o.History, o.Holds, o.Decisions = s.now, s.history, []reconcile.Hold{}, nil
	o.Removals = reconcile.Removals{Enabled: removals, GraceDays: s.grace()}
	return o
}

func (s *session) grace() int { return cmp.Or(s.f.GraceDays, 30) }

// plan plans src against the target.
func (s *session) plan(t *testing.T, src *reconcile.Snapshot, removals bool) *reconcile.Plan {
	t.Helper()
	p, err := reconcile.NewPlan(src, s.load(t), s.options(removals))
	if err != nil {
		t.Fatalf("NewPlan: %v", err)
	}
	return p
}

// apply applies a plan, folds the report into the history and returns it.
func (s *session) apply(t *testing.T, p *reconcile.Plan, opts reconcile.ApplyOptions) (*reconcile.Report, error) {
	t.Helper()
	opts.Clock = func() time.Time { return s.now }
	rep, err := reconcile.Apply(s.ctx, p, s.wrapped, opts)
	if rep != nil {
		s.history.Update(rep)
	}
	return rep, err
}

// sync plans src, applies the plan and fails the test unless every action was applied.
func (s *session) sync(t *testing.T, src *reconcile.Snapshot, removals bool) (*reconcile.Plan, *reconcile.Report) {
	t.Helper()
	p := s.plan(t, src, removals)
	if len(p.Pending()) > 0 {
		t.Fatalf("the plan waits for %d decisions; the fixture's target must start empty:\n%s", len(p.Pending()), describe(p))
	}
	rep, err := s.apply(t, p, reconcile.ApplyOptions{})
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if !rep.OK() {
		t.Fatalf("Apply did not carry out every action:\n%s", failures(rep))
	}
	return p, rep
}

// settled plans src again and fails unless nothing is to be written, nothing is unconverged,
// and applying the plan calls the target's Apply not once.
func (s *session) settled(t *testing.T, src *reconcile.Snapshot, removals bool, after string) {
	t.Helper()
	p := s.plan(t, src, removals)
	if n := executable(p); n > 0 || len(p.Unconverged) > 0 || p.Counts.Pending > 0 {
		t.Fatalf("%s, planning again proposes %d writes and finds %d fields unconverged (the target does not give back what was written):\n%s",
			after, n, len(p.Unconverged), describe(p))
	}
	before := s.target.calls.Load()
	if _, err := s.apply(t, p, reconcile.ApplyOptions{}); err != nil {
		t.Fatalf("%s, applying an empty plan: %v", after, err)
	}
	if n := s.target.calls.Load() - before; n != 0 {
		t.Fatalf("%s, applying an empty plan called the target %d times", after, n)
	}
}

// advance moves the suite's clock and the target's.
func (s *session) advance(d time.Duration) {
	s.now = s.now.Add(d)
	if s.f.Advance != nil {
		s.f.Advance(d)
	}
}

func executable(p *reconcile.Plan) int {
	n := 0
	for i := range p.Actions {
		if p.Actions[i].Executable() {
			n++
		}
	}
	return n
}

// describe renders a plan's actions and unconverged fields for a failure message.
func describe(p *reconcile.Plan) string {
	var b strings.Builder
	for _, a := range p.Actions {
		b.WriteString("  " + a.ID + " " + string(a.Op))
		if a.Confirm != "" {
			b.WriteString(" " + string(a.Confirm))
		}
		b.WriteString(": " + a.Reason)
		for _, d := range a.Diffs {
			b.WriteString("\n      " + d.Field + ": " + d.Before + " -> " + d.After)
		}
		b.WriteString("\n")
	}
	for _, u := range p.Unconverged {
		b.WriteString("  unconverged " + string(u.Kind) + " " + u.TargetID + " " + u.Field + ": wrote " + u.Wanted + ", reads " + u.Held + "\n")
	}
	return b.String()
}

func failures(rep *reconcile.Report) string {
	var b strings.Builder
	for _, r := range rep.Results {
		if r.Status != reconcile.StatusApplied && r.Status != reconcile.StatusNotExecuted {
			b.WriteString("  " + r.ID + " " + string(r.Op) + " " + string(r.Status) + ": " + r.Error + "\n")
		}
	}
	return b.String()
}

// find returns the target record of a source key, through the history (created records) or
// the referrer.
func (s *session) person(t *testing.T, snap *reconcile.Snapshot, key string) (reconcile.Person, bool) {
	t.Helper()
	id := s.targetID(reconcile.KindPerson, key)
	for _, p := range snap.Persons {
		if (id != "" && p.Keys.TargetID == id) || (id == "" && p.Keys.Referrer == s.f.Options.ReferrerPrefix+key) {
			return p, true
		}
	}
	return reconcile.Person{}, false
}

func (s *session) targetID(kind reconcile.Kind, key string) string {
	for _, c := range s.history.Created {
		if c.Kind == kind && c.SourceKey == key {
			return c.TargetID
		}
	}
	return ""
}

// without returns the source without one person (and the person's memberships and relations).
func without(src *reconcile.Snapshot, kind reconcile.Kind, key string) *reconcile.Snapshot {
	s := cloneSnapshot(src)
	switch kind {
	case reconcile.KindPerson:
		s.Persons = slices.DeleteFunc(s.Persons, func(p reconcile.Person) bool { return p.Keys.SourceKey == key })
		for i := range s.Persons {
			s.Persons[i].Relations = slices.DeleteFunc(s.Persons[i].Relations, func(r reconcile.Relation) bool { return r.Person == key })
		}
		s.Memberships = slices.DeleteFunc(s.Memberships, func(m reconcile.Membership) bool { return m.Person == key })
	case reconcile.KindGroup:
		s.Groups = slices.DeleteFunc(s.Groups, func(g reconcile.Group) bool { return g.Keys.SourceKey == key })
		s.Memberships = slices.DeleteFunc(s.Memberships, func(m reconcile.Membership) bool { return m.Group == key })
	}
	return s
}

// comparable renders a target snapshot without revisions, for before-and-after comparisons.
func comparable(s *reconcile.Snapshot) string {
	c := cloneSnapshot(s)
	c.Capabilities = nil
	for i := range c.Organisations {
		c.Organisations[i].Revision = ""
	}
	for i := range c.Persons {
		c.Persons[i].Revision = ""
	}
	for i := range c.Groups {
		c.Groups[i].Revision = ""
	}
	for i := range c.Memberships {
		c.Memberships[i].Revision = ""
	}
	slices.SortFunc(c.Organisations, func(a, b reconcile.Organisation) int { return strings.Compare(a.Keys.TargetID, b.Keys.TargetID) })
	slices.SortFunc(c.Persons, func(a, b reconcile.Person) int { return strings.Compare(a.Keys.TargetID, b.Keys.TargetID) })
	slices.SortFunc(c.Groups, func(a, b reconcile.Group) int { return strings.Compare(a.Keys.TargetID, b.Keys.TargetID) })
	slices.SortFunc(c.Memberships, func(a, b reconcile.Membership) int {
		return cmp.Or(strings.Compare(a.Person, b.Person), strings.Compare(a.Group, b.Group), strings.Compare(a.ID, b.ID))
	})
	b, _ := json.MarshalIndent(c, "", " ")
	return string(b)
}

func testContract(t *testing.T, s *session) {
	if err := reconcile.CheckTarget(s.f.Target); err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(s.caps)
	b, _ := json.Marshal(s.f.Target.Capabilities())
	if string(a) != string(b) {
		t.Fatalf("Capabilities changed between calls: %s, then %s", a, b)
	}
	if n := s.caps.Normalise; n != nil {
		for _, v := range sampleValues(s.source) {
			once := n(v.kind, v.field, v.value)
			if twice := n(v.kind, v.field, once); twice != once {
				t.Errorf("Normalise is not idempotent for %s %s: %q -> %q -> %q", v.kind, v.field, v.value, once, twice)
			}
		}
	}
}

type sample struct {
	kind         reconcile.Kind
	field, value string
}

// sampleValues lists the string values of a source by field, for checking Normalise.
func sampleValues(s *reconcile.Snapshot) []sample {
	var out []sample
	add := func(k reconcile.Kind, f, v string) {
		if v != "" {
			out = append(out, sample{k, f, v})
		}
	}
	attrs := func(k reconcile.Kind, a map[string]string) {
		for n, v := range a {
			add(k, reconcile.AttributePrefix+n, v)
		}
	}
	for _, o := range s.Organisations {
		add(reconcile.KindOrganisation, reconcile.FieldName, o.Name)
		add(reconcile.KindOrganisation, reconcile.FieldType, o.Type)
		attrs(reconcile.KindOrganisation, o.Attributes)
	}
	for _, p := range s.Persons {
		add(reconcile.KindPerson, reconcile.FieldFamilyName, p.FamilyName)
		add(reconcile.KindPerson, reconcile.FieldGivenNames, p.GivenNames)
		add(reconcile.KindPerson, reconcile.FieldBirthPlace, p.BirthPlace)
		for _, e := range p.Emails {
			add(reconcile.KindPerson, reconcile.FieldEmails, e)
		}
		for _, e := range p.EPPNs {
			add(reconcile.KindPerson, reconcile.FieldEPPNs, e)
		}
		for _, c := range p.Contexts {
			add(reconcile.KindPerson, reconcile.FieldContexts, c.Role)
		}
		attrs(reconcile.KindPerson, p.Attributes)
	}
	for _, g := range s.Groups {
		add(reconcile.KindGroup, reconcile.FieldName, g.Name)
		add(reconcile.KindGroup, reconcile.FieldType, g.Type)
		attrs(reconcile.KindGroup, g.Attributes)
	}
	for _, m := range s.Memberships {
		add(reconcile.KindMembership, reconcile.FieldRole, m.Role)
	}
	return out
}

func testCreates(t *testing.T, s *session) {
	p, rep := s.sync(t, s.source, false)
	created := 0
	for _, r := range rep.Results {
		if r.Op == reconcile.OpCreate && r.Status == reconcile.StatusApplied {
			created++
			if r.Kind != reconcile.KindMembership && r.TargetID == "" {
				t.Errorf("%s: created without an id", r.ID)
			}
		}
	}
	if created == 0 || created != p.Counts.Created {
		t.Fatalf("%d records created, the plan had %d creates", created, p.Counts.Created)
	}
	snap := s.load(t)
	for _, src := range s.source.Persons {
		got, ok := s.person(t, snap, src.Keys.SourceKey)
		if !ok {
			t.Errorf("person %s was created but is not given back", src.Keys.SourceKey)
			continue
		}
		if s.caps.Referrers && got.Keys.Referrer != s.f.Options.ReferrerPrefix+src.Keys.SourceKey {
			t.Errorf("person %s: referrer %q given back, %q written", src.Keys.SourceKey, got.Keys.Referrer, s.f.Options.ReferrerPrefix+src.Keys.SourceKey)
		}
		if s.caps.Revisions && got.Revision == "" {
			t.Errorf("person %s: no revision, though the target declares revisions", src.Keys.SourceKey)
		}
	}
	if s.caps.Memberships != nil && len(snap.Memberships) < len(s.source.Memberships) {
		t.Errorf("%d memberships given back, %d created", len(snap.Memberships), len(s.source.Memberships))
	}
	s.settled(t, s.source, false, "after creating every record")
}

func testUpdates(t *testing.T, s *session) {
	s.sync(t, s.source, false)
	next := cloneSnapshot(s.source)
	changed := 0
	if st := s.caps.Persons; st != nil && slices.Contains(st.Fields, reconcile.FieldFamilyName) {
		next.Persons[0].FamilyName += "-Lind"
		changed++
	}
	if st := s.caps.Groups; st != nil && slices.Contains(st.Fields, reconcile.FieldName) {
		next.Groups[0].Name += " B"
		changed++
	}
	if st := s.caps.Memberships; st != nil && slices.Contains(st.Fields, reconcile.FieldPeriod) {
		m := &next.Memberships[0]
		m.Period = reconcile.Period{From: reconcile.DateOf(s.now), To: reconcile.DateOf(s.now.AddDate(1, 0, 0))}
		changed++
	}
	if changed == 0 {
		t.Skip("the target keeps none of family name, group name and membership period")
	}
	p := s.plan(t, next, false)
	if p.Counts.Updated != changed || executable(p) != changed {
		t.Fatalf("%d records changed at the source; the plan proposes %d updates and %d writes in all:\n%s",
			changed, p.Counts.Updated, executable(p), describe(p))
	}
	rep, err := s.apply(t, p, reconcile.ApplyOptions{})
	if err != nil || !rep.OK() {
		t.Fatalf("applying the updates: %v\n%s", err, failures(rep))
	}
	s.settled(t, next, false, "after the updates")
}

func testPersonLifecycle(t *testing.T, s *session) {
	s.sync(t, s.source, false)
	before := comparable(s.load(t))
	key := s.source.Persons[len(s.source.Persons)-1].Keys.SourceKey
	gone := without(s.source, reconcile.KindPerson, key)

	p := s.plan(t, gone, true)
	if p.ByKind[reconcile.KindPerson].Deactivated != 1 {
		t.Fatalf("a person left the source: the plan should deactivate it:\n%s", describe(p))
	}
	if rep, err := s.apply(t, p, reconcile.ApplyOptions{}); err != nil || !rep.OK() {
		t.Fatalf("deactivating: %v\n%s", err, failures(rep))
	}
	if _, ok := s.person(t, s.load(t), key); !ok {
		t.Fatal("a deactivated person must stay readable until it is deleted")
	}
	s.advance(24 * time.Hour)
	s.settled(t, gone, true, "a day into the grace period")

	p = s.plan(t, s.source, true)
	if p.ByKind[reconcile.KindPerson].Updated != 1 {
		t.Fatalf("the person reappeared: the plan should restore it:\n%s", describe(p))
	}
	if rep, err := s.apply(t, p, reconcile.ApplyOptions{}); err != nil || !rep.OK() {
		t.Fatalf("restoring: %v\n%s", err, failures(rep))
	}
	if after := comparable(s.load(t)); after != before {
		t.Fatalf("the restored person does not read back as before its deactivation:\nbefore %s\nafter %s", before, after)
	}
	s.settled(t, s.source, true, "after the restore")

	s.sync(t, gone, true)
	s.deleteAfterGrace(t, reconcile.KindPerson, key, gone)
}

func testGroupDeletion(t *testing.T, s *session) {
	s.sync(t, s.source, false)
	key := s.source.Memberships[0].Group // a group with members
	gone := without(s.source, reconcile.KindGroup, key)
	p := s.plan(t, gone, true)
	if p.ByKind[reconcile.KindGroup].Deactivated != 1 {
		t.Fatalf("a group left the source: the plan should deactivate it:\n%s", describe(p))
	}
	if rep, err := s.apply(t, p, reconcile.ApplyOptions{}); err != nil || !rep.OK() {
		t.Fatalf("deactivating: %v\n%s", err, failures(rep))
	}
	s.deleteAfterGrace(t, reconcile.KindGroup, key, gone)
}

// deleteAfterGrace lets the grace period of a deactivated person or group end, applies its
// deletion and checks that neither the record nor its memberships are given back.
func (s *session) deleteAfterGrace(t *testing.T, kind reconcile.Kind, key string, gone *reconcile.Snapshot) {
	t.Helper()
	s.advance(time.Duration(s.grace()+1) * 24 * time.Hour)
	p := s.plan(t, gone, true)
	if p.ByKind[kind].Deleted != 1 {
		t.Fatalf("the grace period ended: the plan should delete the %s:\n%s", kind, describe(p))
	}
	id := s.targetID(kind, key)
	if rep, err := s.apply(t, p, reconcile.ApplyOptions{}); err != nil || !rep.OK() {
		t.Fatalf("deleting: %v\n%s", err, failures(rep))
	}
	snap := s.load(t)
	ids := map[reconcile.Kind][]string{}
	for _, x := range snap.Persons {
		ids[reconcile.KindPerson] = append(ids[reconcile.KindPerson], x.Keys.TargetID)
	}
	for _, g := range snap.Groups {
		ids[reconcile.KindGroup] = append(ids[reconcile.KindGroup], g.Keys.TargetID)
	}
	if slices.Contains(ids[kind], id) {
		t.Fatalf("the deleted %s %s is still given back", kind, id)
	}
	for _, m := range snap.Memberships {
		if (kind == reconcile.KindPerson && m.Person == id) || (kind == reconcile.KindGroup && m.Group == id) {
			t.Fatalf("a membership of the deleted %s %s is still given back: %+v", kind, id, m)
		}
	}
	s.settled(t, gone, true, "after the deletion")
}

func testStale(t *testing.T, s *session) {
	if st := s.caps.Persons; st == nil || !slices.Contains(st.Fields, reconcile.FieldFamilyName) {
		t.Skip("the target keeps no family names")
	}
	s.sync(t, s.source, false)
	rename := func(name string) *reconcile.Snapshot {
		next := cloneSnapshot(s.source)
		next.Persons[0].FamilyName = name
		return next
	}
	late := s.plan(t, rename("Sent"), false)
	s.sync(t, rename("Forst"), false)
	// Trusting revisions leaves the refusal to the target itself; otherwise Apply compares
	// before-images.
	rep, err := s.apply(t, late, reconcile.ApplyOptions{TrustRevisions: s.caps.Revisions})
	if err != nil && !(s.caps.AllAtOnce && errors.Is(err, reconcile.ErrRolledBack)) {
		t.Fatalf("Apply: %v", err)
	}
	if rep.Stale != 1 {
		t.Fatalf("a plan made before another writer changed the person was not refused as stale:\n%s", failures(rep))
	}
	got, _ := s.person(t, s.load(t), s.source.Persons[0].Keys.SourceKey)
	if !strings.HasPrefix(reconcile.Fold(got.FamilyName), reconcile.Fold("Forst")) {
		t.Fatalf("the stale write overwrote the newer change: family name %q", got.FamilyName)
	}
}

func testCapabilities(t *testing.T, s *session) {
	p := s.plan(t, s.source, false)
	for _, a := range p.Actions {
		st := s.caps.Of(a.Kind)
		if st == nil {
			if a.Op != reconcile.OpSkip {
				t.Errorf("%s: the target does not store %ss, yet the plan has a %s for one", a.ID, a.Kind, a.Op)
			}
			continue
		}
		for _, d := range a.Diffs {
			if !declared(s.caps, st, a.Kind, d.Field) {
				t.Errorf("%s: the plan writes %s, which the target does not declare", a.ID, d.Field)
			}
		}
	}
	s.sync(t, s.source, false)
	snap := s.load(t)
	if s.caps.Organisations == nil && len(snap.Organisations) > 0 {
		t.Errorf("the target declares no organisations but Load read %d", len(snap.Organisations))
	}
	if s.caps.Persons == nil {
		return
	}
	for _, x := range snap.Persons {
		if len(x.EPPNs) > 0 && !slices.Contains(s.caps.Persons.Fields, reconcile.FieldEPPNs) {
			t.Errorf("person %s: gives back EPPNs, which the target does not declare", x.Keys.TargetID)
		}
		if len(x.Relations) > 0 && !slices.Contains(s.caps.Persons.Fields, reconcile.FieldRelations) {
			t.Errorf("person %s: gives back relations, which the target does not declare", x.Keys.TargetID)
		}
		for a := range x.Attributes {
			if !declared(s.caps, s.caps.Persons, reconcile.KindPerson, reconcile.AttributePrefix+a) {
				t.Errorf("person %s: gives back attribute %q, which the target does not declare", x.Keys.TargetID, a)
			}
		}
	}
	if slices.Contains(s.caps.Persons.Fields, reconcile.FieldRelations) {
		first, _ := s.person(t, snap, s.source.Persons[0].Keys.SourceKey)
		second, _ := s.person(t, snap, s.source.Persons[1].Keys.SourceKey)
		if !slices.ContainsFunc(first.Relations, func(r reconcile.Relation) bool { return r.Person == second.Keys.TargetID }) {
			t.Errorf("the target declares relations, but the first person's relation to the second is not given back: %+v", first.Relations)
		}
	}
	s.settled(t, s.source, false, "after a sync with values the target may not keep")
}

func declared(c reconcile.Capabilities, st *reconcile.Stored, kind reconcile.Kind, field string) bool {
	switch {
	case field == reconcile.FieldState:
		return true
	case field == reconcile.FieldReferrer:
		return c.Referrers
	case kind == reconcile.KindMembership && (field == reconcile.FieldPerson || field == reconcile.FieldGroup):
		return true
	}
	if name, ok := strings.CutPrefix(field, reconcile.AttributePrefix); ok {
		return slices.Contains(st.Attributes, reconcile.AnyAttribute) || slices.Contains(st.Attributes, name)
	}
	return slices.Contains(st.Fields, field)
}

func testEquivalent(t *testing.T, s *session) {
	if s.f.Equivalent == nil {
		t.Skip("the fixture gives no equivalent spellings")
	}
	s.sync(t, s.source, false)
	other := cloneSnapshot(s.source)
	s.f.Equivalent(other)
	s.settled(t, other, false, "with the source's values spelt another way the target stores alike")
}

func testAbort(t *testing.T, s *session) {
	if !s.caps.AllAtOnce {
		t.Skip("the target does not change all at once")
	}
	s.sync(t, s.source, false)
	before := comparable(s.load(t))
	next := cloneSnapshot(s.source)
	for i := range next.Persons {
		next.Persons[i].FamilyName += "-Lind"
	}
	p := s.plan(t, next, false)
	if executable(p) < 2 {
		t.Fatalf("renaming every person should plan several writes:\n%s", describe(p))
	}
	ctx, cancel := context.WithCancel(s.ctx)
	defer cancel()
	start := s.target.calls.Load()
	s.target.before = func(n int64) {
		if n == start+2 {
			cancel() // the run ends before its second write
		}
	}
	rep, err := reconcile.Apply(ctx, p, s.wrapped, reconcile.ApplyOptions{Clock: func() time.Time { return s.now }})
	s.target.before = nil
	if !errors.Is(err, reconcile.ErrRolledBack) {
		t.Fatalf("a run canceled halfway on an all-at-once target: err %v, want ErrRolledBack", err)
	}
	if rep == nil || rep.RolledBack == 0 {
		t.Fatalf("the report marks nothing rolled back: %+v", rep)
	}
	s.history.Update(rep)
	if after := comparable(s.load(t)); after != before {
		t.Fatalf("Abort did not leave the previous state:\nbefore %s\nafter %s", before, after)
	}
	s.sync(t, next, false)
	s.settled(t, next, false, "after the run that followed the aborted one")
}

// probe wraps a target to count the calls of Apply and to act before one.
type probe struct {
	reconcile.Target
	calls  atomic.Int64
	before func(n int64)
}

// Apply counts the call and forwards it.
func (p *probe) Apply(ctx context.Context, a reconcile.Action) (reconcile.Written, error) {
	n := p.calls.Add(1)
	if p.before != nil {
		p.before(n)
		if err := ctx.Err(); err != nil {
			return reconcile.Written{}, err
		}
	}
	return p.Target.Apply(ctx, a)
}

// Organisations forwards to the target when it has organisations.
func (p *probe) Organisations(ctx context.Context) iter.Seq2[reconcile.Organisation, error] {
	if o, ok := p.Target.(reconcile.OrganisationSource); ok {
		return o.Organisations(ctx)
	}
	return func(func(reconcile.Organisation, error) bool) {}
}

// applyBatch counts each action as a call and forwards the batch. When the suite acts before
// a call, the batch goes action by action, so that it can act between two of them.
func (p *probe) applyBatch(ctx context.Context, actions []reconcile.Action, written []reconcile.Written, errs []error) {
	bt := p.Target.(reconcile.BatchTarget)
	if p.before == nil {
		p.calls.Add(int64(len(actions)))
		bt.ApplyBatch(ctx, actions, written, errs)
		return
	}
	for i := range actions {
		p.before(p.calls.Add(1))
		if err := ctx.Err(); err != nil {
			errs[i] = err
			continue
		}
		bt.ApplyBatch(ctx, actions[i:i+1], written[i:i+1], errs[i:i+1])
	}
}

// batchProbe is a probe of a BatchTarget.
type batchProbe struct{ *probe }

// ApplyBatch counts and forwards the batch.
func (p *batchProbe) ApplyBatch(ctx context.Context, actions []reconcile.Action, written []reconcile.Written, errs []error) {
	p.applyBatch(ctx, actions, written, errs)
}

// batchTxProbe is a probe of a Transactional BatchTarget.
type batchTxProbe struct{ *txProbe }

// ApplyBatch counts and forwards the batch.
func (p *batchTxProbe) ApplyBatch(ctx context.Context, actions []reconcile.Action, written []reconcile.Written, errs []error) {
	p.applyBatch(ctx, actions, written, errs)
}

// txProbe is a probe of a Transactional target.
type txProbe struct{ *probe }

// Begin forwards to the target.
func (p *txProbe) Begin(ctx context.Context) error {
	return p.Target.(reconcile.Transactional).Begin(ctx)
}

// Commit forwards to the target.
func (p *txProbe) Commit(ctx context.Context) error {
	return p.Target.(reconcile.Transactional).Commit(ctx)
}

// Abort forwards to the target.
func (p *txProbe) Abort(ctx context.Context) error {
	return p.Target.(reconcile.Transactional).Abort(ctx)
}
