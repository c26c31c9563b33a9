package reconcile

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Capabilities declare what a Target stores. Load puts them on the target's Snapshot, planning
// reads them from there, and Apply checks every action against them again, so a plan never asks
// a target for a change it cannot hold: no actions of kinds it does not store (a target without
// organisations gets no organisation actions), no writes of fields or attributes it does not
// keep, values already in the form it stores them in (Normalise), and no referrers where it
// cannot store them.
//
// A Target returns them from its required Capabilities method; it is a declaration, not an
// option a target author can forget. Everything returns the declaration of a target that stores
// the whole model.
type Capabilities struct {
	// Organisations, Persons, Groups and Memberships say what the target keeps of each kind.
	// nil means it does not hold the kind at all: planning proposes nothing of that kind, Load
	// does not read it, and the source's records of the kind are left out (their keys, used in
	// contexts and groups, pass through as codes both systems share). Memberships need Persons
	// and Groups.
	Organisations *Stored `json:"organisations,omitempty"`
	// Persons is what the target keeps of persons (see Organisations).
	Persons *Stored `json:"persons,omitempty"`
	// Groups is what the target keeps of groups (see Organisations).
	Groups *Stored `json:"groups,omitempty"`
	// Memberships is what the target keeps of memberships (see Organisations).
	Memberships *Stored `json:"memberships,omitempty"`
	// Referrers says the target stores each record's referrer and gives it back as written.
	// Without it, planning never writes a referrer, and the records this pipeline created are
	// recognised through History.Created alone: the host must then keep History (package
	// pipeline does), or every run asks again about the records it created.
	Referrers bool `json:"referrers,omitempty"`
	// Revisions says the target keeps a revision per record, reports it in Written and refuses
	// (ErrStale) an action planned on another revision. ApplyOptions.TrustRevisions needs it;
	// without it, Apply compares each record with its before-image instead.
	Revisions bool `json:"revisions,omitempty"`
	// AllAtOnce says the target changes all at once: it implements Transactional, and Apply
	// calls Begin before the first write, then Commit, or Abort when anything failed.
	AllAtOnce bool `json:"allAtOnce,omitempty"`
	// Normalise returns value as the target will store it, for a field of a kind (a Field
	// constant, or AttributePrefix + name for an attribute): "8" as "08", an address in lower
	// case. Planning lays the normalised source values over the target's records, so a value the
	// target stores in another form is written once, not on every run. It is applied to the
	// string fields, each e-mail address and EPPN, the role of each context and relation (as
	// FieldContexts and FieldRelations), and attribute values. Returning "" means the target
	// cannot hold the value: the field is then left as the target has it. It must be pure and
	// idempotent. nil keeps values as they are.
	Normalise func(kind Kind, field, value string) string `json:"-"`
	// NormaliseID names Normalise and its version for plan fingerprints (as PlaceRules.FuncID
	// does); required with Normalise. Change it whenever Normalise changes.
	NormaliseID string `json:"normaliseId,omitempty"`
}

// Stored lists what a target keeps of one kind of record. Keys and ids are always kept; a kind
// whose Fields is empty is stored with its identity only (memberships without role or period).
type Stored struct {
	// Fields are the fields the target keeps, by their Field names (FieldFamilyName, ...).
	// FieldReferrer is declared through Capabilities.Referrers, not here.
	Fields []string `json:"fields,omitempty"`
	// Attributes are the names of the attributes the target keeps; AnyAttribute keeps every one.
	Attributes []string `json:"attributes,omitempty"`
}

// AnyAttribute in Stored.Attributes declares that a target keeps every attribute.
const AnyAttribute = "*"

// kindFields lists the fields of each kind a target can declare.
var kindFields = map[Kind][]string{
	KindOrganisation: {FieldName, FieldType},
	KindPerson: {FieldFamilyName, FieldGivenNames, FieldBirthDate, FieldBirthPlace, FieldEmails, FieldEPPNs,
		FieldProtected, FieldContexts, FieldRelations},
	KindGroup:      {FieldName, FieldType, FieldOrganisation, FieldValid},
	KindMembership: {FieldRole, FieldPeriod},
}

// FieldsOf returns every field a target can declare for kind, in a fixed order.
func FieldsOf(kind Kind) []string { return slices.Clone(kindFields[kind]) }

// StoresAll returns the Stored of a kind whose every field and attribute the target keeps.
func StoresAll(kind Kind) *Stored {
	st := &Stored{Fields: FieldsOf(kind)}
	if kind != KindMembership {
		st.Attributes = []string{AnyAttribute}
	}
	return st
}

// Everything returns the capabilities of a target that stores the whole model: every kind,
// field and attribute, referrers and revisions.
func Everything() Capabilities {
	return Capabilities{Organisations: StoresAll(KindOrganisation), Persons: StoresAll(KindPerson),
		Groups: StoresAll(KindGroup), Memberships: StoresAll(KindMembership), Referrers: true, Revisions: true}
}

// Of returns what the target keeps of kind, nil when it does not hold the kind.
func (c *Capabilities) Of(kind Kind) *Stored {
	switch kind {
	case KindOrganisation:
		return c.Organisations
	case KindPerson:
		return c.Persons
	case KindGroup:
		return c.Groups
	case KindMembership:
		return c.Memberships
	}
	return nil
}

// Validate reports what is wrong with a declaration: no kind, memberships without persons or
// groups, unknown or repeated fields, empty attribute names, Normalise without NormaliseID.
func (c *Capabilities) Validate() error {
	var errs []error
	none := true
	for _, k := range Kinds {
		st := c.Of(k)
		if st == nil {
			continue
		}
		none = false
		seen := map[string]bool{}
		for _, f := range st.Fields {
			switch {
			case f == FieldReferrer:
				errs = append(errs, fmt.Errorf("%s: the referrer is declared with Capabilities.Referrers, not as a field", k))
			case !slices.Contains(kindFields[k], f):
				errs = append(errs, fmt.Errorf("%s: unknown field %q (known: %s)", k, truncate(f, 32), strings.Join(kindFields[k], ", ")))
			case seen[f]:
				errs = append(errs, fmt.Errorf("%s: field %q declared twice", k, f))
			}
			seen[f] = true
		}
		for _, a := range st.Attributes {
			if a == "" {
				errs = append(errs, fmt.Errorf("%s: an empty attribute name", k))
			}
		}
		if k == KindMembership && len(st.Attributes) > 0 {
			errs = append(errs, errors.New("membership: memberships have no attributes"))
		}
	}
	if none {
		errs = append(errs, errors.New("the target declares no kind of record it stores"))
	}
	if c.Memberships != nil && (c.Persons == nil || c.Groups == nil) {
		errs = append(errs, errors.New("memberships need persons and groups"))
	}
	if (c.Normalise == nil) != (c.NormaliseID == "") {
		errs = append(errs, errors.New("Normalise and NormaliseID go together"))
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %w", ErrCapabilities, errors.Join(errs...))
}

// ErrCapabilities means a target's Capabilities are not a valid declaration, or that it does not
// keep them (it declares organisations but cannot yield them, AllAtOnce without Transactional,
// ...), or that a plan proposes changes the target does not declare it can hold. Apply returns it
// before any write.
var ErrCapabilities = errors.New("reconcile: target capabilities")

// CheckTarget checks the rules of the Target contract a program can check without writing:
// valid Capabilities, OrganisationSource exactly when organisations are declared, Transactional
// exactly when AllAtOnce is. Load and Apply call it; target authors can call it in a test (and
// should run reconciletest.TargetSuite for the rest).
func CheckTarget(t Target) error {
	if t == nil {
		return errors.New("reconcile: no target")
	}
	caps := t.Capabilities()
	if err := caps.Validate(); err != nil {
		return err
	}
	_, orgs := t.(OrganisationSource)
	if caps.Organisations != nil && !orgs {
		return fmt.Errorf("%w: organisations are declared, but the target does not implement OrganisationSource", ErrCapabilities)
	}
	_, tx := t.(Transactional)
	switch {
	case caps.AllAtOnce && !tx:
		return fmt.Errorf("%w: AllAtOnce is declared, but the target does not implement Transactional (Begin, Commit, Abort)", ErrCapabilities)
	case tx && !caps.AllAtOnce:
		return fmt.Errorf("%w: the target implements Transactional but does not declare AllAtOnce", ErrCapabilities)
	}
	return nil
}

// Transactional is implemented by targets that must change all at once, such as file sets that
// are delivered whole (declared with Capabilities.AllAtOnce). Apply calls Begin before the
// first write and, after the last action, Commit when every action it carried out succeeded;
// otherwise (an action failed or was stale, the context ended, Commit failed) it calls Abort,
// reports the actions it had carried out as StatusRolledBack and returns an error. Begin, Commit
// and Abort are called with a context that is not canceled with Apply's, so a canceled run can
// still clean up.
type Transactional interface {
	// Begin starts a run: writes until Commit or Abort are not visible to readers of the
	// target's delivered state.
	Begin(ctx context.Context) error
	// Commit makes every write since Begin visible at once, or none of them (then it returns
	// an error).
	Commit(ctx context.Context) error
	// Abort drops every write since Begin: the previous state stays untouched.
	Abort(ctx context.Context) error
}

// storedFields is a prepared Stored: field and attribute lookups without scanning lists.
type storedFields struct {
	fields   map[string]bool
	attrs    map[string]bool
	anyAttr  bool
	complete bool // every field and attribute kept
}

func prepareStored(kind Kind, st *Stored) *storedFields {
	if st == nil {
		return nil
	}
	s := &storedFields{fields: map[string]bool{}, attrs: map[string]bool{}}
	for _, f := range st.Fields {
		s.fields[f] = true
	}
	for _, a := range st.Attributes {
		if a == AnyAttribute {
			s.anyAttr = true
		}
		s.attrs[a] = true
	}
	s.complete = s.anyAttr || kind == KindMembership
	for _, f := range kindFields[kind] {
		s.complete = s.complete && s.fields[f]
	}
	return s
}

func (s *storedFields) has(field string) bool { return s != nil && s.fields[field] }

func (s *storedFields) hasAttribute(name string) bool {
	return s != nil && (s.anyAttr || s.attrs[name])
}

// holds reports whether a diff field is one the target keeps.
func (s *storedFields) holds(field string) bool {
	if name, ok := strings.CutPrefix(field, AttributePrefix); ok {
		return s.hasAttribute(name)
	}
	return s.has(field)
}

// targetModel is the prepared form of a target's capabilities that planning works with.
type targetModel struct {
	caps                       Capabilities
	orgs, persons, groups, mem *storedFields
	clearProtected             bool // Restrict: a target that does not keep Protected loses it
}

func prepareModel(c *Capabilities) *targetModel {
	if c == nil {
		all := Everything()
		c = &all
	}
	return &targetModel{caps: *c, orgs: prepareStored(KindOrganisation, c.Organisations),
		persons: prepareStored(KindPerson, c.Persons), groups: prepareStored(KindGroup, c.Groups),
		mem: prepareStored(KindMembership, c.Memberships)}
}

func (m *targetModel) of(kind Kind) *storedFields {
	switch kind {
	case KindOrganisation:
		return m.orgs
	case KindPerson:
		return m.persons
	case KindGroup:
		return m.groups
	case KindMembership:
		return m.mem
	}
	return nil
}

// plain reports whether the source needs no restriction for this target: every kind and field
// kept, values kept as they are.
func (m *targetModel) plain() bool {
	return m.caps.Normalise == nil && m.orgs != nil && m.orgs.complete && m.persons != nil && m.persons.complete &&
		m.groups != nil && m.groups.complete && m.mem != nil && m.mem.complete
}

// normalise returns a value as the target stores it.
func (m *targetModel) normalise(kind Kind, field, v string) string {
	if m.caps.Normalise == nil || v == "" {
		return v
	}
	return m.caps.Normalise(kind, field, v)
}

// Restrict returns what a target with these capabilities keeps of s: the kinds it does not
// store left out, fields and attributes it does not keep cleared, values normalised, referrers
// and revisions cleared where it keeps none. Planning lays the source over the target in this
// form; a target (or a fake of one) can use it to store exactly what it declares. Records that
// need no change are shared with s.
func (c Capabilities) Restrict(s *Snapshot) *Snapshot {
	if s == nil {
		return nil
	}
	m := prepareModel(&c)
	m.clearProtected = true
	out := m.restrict(s)
	if c.Referrers && c.Revisions {
		return out
	}
	if out == s {
		out = &Snapshot{Organisations: s.Organisations, Persons: s.Persons, Groups: s.Groups, Memberships: s.Memberships}
	}
	out.Organisations = restrictEach(out.Organisations, func(o *Organisation) bool { return m.bookkeeping(&o.Keys, &o.Revision) })
	out.Persons = restrictEach(out.Persons, func(x *Person) bool { return m.bookkeeping(&x.Keys, &x.Revision) })
	out.Groups = restrictEach(out.Groups, func(g *Group) bool { return m.bookkeeping(&g.Keys, &g.Revision) })
	out.Memberships = restrictEach(out.Memberships, func(x *Membership) bool { return m.bookkeeping(nil, &x.Revision) })
	return out
}

// bookkeeping clears the referrer and revision of a record where the target keeps none.
func (m *targetModel) bookkeeping(k *Keys, rev *string) bool {
	c := false
	if k != nil && !m.caps.Referrers && k.Referrer != "" {
		k.Referrer, c = "", true
	}
	if !m.caps.Revisions && *rev != "" {
		*rev, c = "", true
	}
	return c
}

// held returns the target snapshot without records of kinds the target does not declare (a
// snapshot a host built itself may have them): planning proposes nothing for those.
func (m *targetModel) held(tgt *Snapshot) *Snapshot {
	if (m.orgs != nil || len(tgt.Organisations) == 0) && (m.persons != nil || len(tgt.Persons) == 0) &&
		(m.groups != nil || len(tgt.Groups) == 0) && (m.mem != nil || len(tgt.Memberships) == 0) {
		return tgt
	}
	out := *tgt
	if m.orgs == nil {
		out.Organisations = nil
	}
	if m.persons == nil {
		out.Persons = nil
	}
	if m.groups == nil {
		out.Groups = nil
	}
	if m.mem == nil {
		out.Memberships = nil
	}
	return &out
}

// restrict returns the source as this target can hold it: kinds it does not store left out,
// fields and attributes it does not keep cleared (Protected stays unless clearProtected, since
// it decides whether a person is left out), values normalised. Records that need no change are
// shared with src, and src itself is returned when nothing changes.
func (m *targetModel) restrict(src *Snapshot) *Snapshot {
	if m.plain() {
		return src
	}
	out := &Snapshot{}
	if m.orgs != nil {
		out.Organisations = restrictEach(src.Organisations, func(o *Organisation) bool { return m.organisation(o) })
	}
	if m.persons != nil {
		out.Persons = restrictEach(src.Persons, func(x *Person) bool { return m.person(x) })
	}
	if m.groups != nil {
		out.Groups = restrictEach(src.Groups, func(g *Group) bool { return m.group(g) })
	}
	if m.mem != nil {
		out.Memberships = restrictEach(src.Memberships, func(x *Membership) bool { return m.membership(x) })
	}
	return out
}

// restrictEach applies fix to a copy of each record and clones the slice only once a record
// changed.
func restrictEach[T any](items []T, fix func(*T) bool) []T {
	out := items
	for i := range items {
		v := items[i]
		if !fix(&v) {
			continue
		}
		if &out[0] == &items[0] {
			out = slices.Clone(items)
		}
		out[i] = v
	}
	return out
}

// str clears or normalises one string field and reports a change.
func (m *targetModel) str(st *storedFields, kind Kind, field string, v *string) bool {
	if *v == "" {
		return false
	}
	next := ""
	if st.has(field) {
		next = m.normalise(kind, field, *v)
	}
	if next == *v {
		return false
	}
	*v = next
	return true
}

// list clears or normalises a list of values (dropping those the target cannot hold).
func (m *targetModel) list(st *storedFields, kind Kind, field string, v *[]string) bool {
	if len(*v) == 0 {
		return false
	}
	if !st.has(field) {
		*v = nil
		return true
	}
	if m.caps.Normalise == nil {
		return false
	}
	var out []string
	changed := false
	for _, s := range *v {
		n := m.normalise(kind, field, s)
		changed = changed || n != s
		if n != "" && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	if !changed {
		return false
	}
	*v = out
	return true
}

// attributes keeps the attributes the target stores, normalised.
func (m *targetModel) attributes(st *storedFields, kind Kind, a *map[string]string) bool {
	if len(*a) == 0 {
		return false
	}
	change := m.caps.Normalise != nil
	if !change {
		for k := range *a {
			if !st.hasAttribute(k) {
				change = true
				break
			}
		}
	}
	if !change {
		return false
	}
	out := make(map[string]string, len(*a))
	for k, v := range *a {
		if !st.hasAttribute(k) {
			continue
		}
		if n := m.normalise(kind, AttributePrefix+k, v); n != "" {
			out[k] = n
		}
	}
	if maps.Equal(out, *a) {
		return false
	}
	if len(out) == 0 {
		out = nil
	}
	*a = out
	return true
}

func (m *targetModel) organisation(o *Organisation) bool {
	st := m.orgs
	c := m.str(st, KindOrganisation, FieldName, &o.Name)
	c = m.str(st, KindOrganisation, FieldType, &o.Type) || c
	return m.attributes(st, KindOrganisation, &o.Attributes) || c
}

func (m *targetModel) person(x *Person) bool {
	st := m.persons
	c := m.str(st, KindPerson, FieldFamilyName, &x.FamilyName)
	c = m.str(st, KindPerson, FieldGivenNames, &x.GivenNames) || c
	if !st.has(FieldBirthDate) && !x.BirthDate.IsZero() {
		x.BirthDate, c = Date{}, true
	}
	c = m.str(st, KindPerson, FieldBirthPlace, &x.BirthPlace) || c
	c = m.list(st, KindPerson, FieldEmails, &x.Emails) || c
	c = m.list(st, KindPerson, FieldEPPNs, &x.EPPNs) || c
	if m.clearProtected && !st.has(FieldProtected) && x.Protected {
		x.Protected, c = false, true
	}
	if len(x.Contexts) > 0 {
		switch {
		case !st.has(FieldContexts):
			x.Contexts, c = nil, true
		case m.caps.Normalise != nil:
			cs := make([]Context, 0, len(x.Contexts))
			for _, ctx := range x.Contexts {
				if ctx.Role = m.normalise(KindPerson, FieldContexts, ctx.Role); ctx.Role != "" && !slices.Contains(cs, ctx) {
					cs = append(cs, ctx)
				}
			}
			if !slices.Equal(cs, x.Contexts) {
				x.Contexts, c = cs, true
			}
		}
	}
	if len(x.Relations) > 0 {
		switch {
		case !st.has(FieldRelations):
			x.Relations, c = nil, true
		case m.caps.Normalise != nil:
			rs := make([]Relation, 0, len(x.Relations))
			for _, r := range x.Relations {
				if r.Role = m.normalise(KindPerson, FieldRelations, r.Role); r.Role != "" && !slices.Contains(rs, r) {
					rs = append(rs, r)
				}
			}
			if !slices.Equal(rs, x.Relations) {
				x.Relations, c = rs, true
			}
		}
	}
	return m.attributes(st, KindPerson, &x.Attributes) || c
}

func (m *targetModel) group(g *Group) bool {
	st := m.groups
	c := m.str(st, KindGroup, FieldName, &g.Name)
	c = m.str(st, KindGroup, FieldType, &g.Type) || c
	if !st.has(FieldOrganisation) && g.Organisation != "" {
		g.Organisation, c = "", true
	}
	if !st.has(FieldValid) && !g.Valid.IsZero() {
		g.Valid, c = Period{}, true
	}
	return m.attributes(st, KindGroup, &g.Attributes) || c
}

func (m *targetModel) membership(x *Membership) bool {
	st := m.mem
	c := false
	if x.Role != "" {
		role := ""
		if st.has(FieldRole) {
			role = m.normaliseRoles(x.Role)
		}
		if role != x.Role {
			x.Role, c = role, true
		}
	}
	if !st.has(FieldPeriod) && !x.Period.IsZero() {
		x.Period, c = Period{}, true
	}
	return c
}

// normaliseRoles normalises each of a membership's comma-separated roles.
func (m *targetModel) normaliseRoles(s string) string {
	if m.caps.Normalise == nil {
		return s
	}
	if !strings.Contains(s, ",") {
		return m.normalise(KindMembership, FieldRole, s)
	}
	var out []string
	for r := range strings.SplitSeq(s, ",") {
		if n := m.normalise(KindMembership, FieldRole, strings.TrimSpace(r)); n != "" && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return strings.Join(out, ",")
}

// beyond returns why an action asks for something the target does not declare, or "".
func (m *targetModel) beyond(a *Action) string {
	st := m.of(a.Kind)
	if st == nil {
		return fmt.Sprintf("the target does not store %ss", a.Kind)
	}
	for _, d := range a.Diffs {
		switch {
		case d.Field == FieldState:
		case d.Field == FieldReferrer:
			if !m.caps.Referrers {
				return "the target does not store referrers"
			}
		case a.Kind == KindMembership && (d.Field == FieldPerson || d.Field == FieldGroup):
		case !st.holds(d.Field):
			return fmt.Sprintf("the target does not store the %s field %q", a.Kind, d.Field)
		}
	}
	return ""
}
