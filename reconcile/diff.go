package reconcile

import (
	"maps"
	"slices"
	"strconv"
	"strings"
)

// The names of the fields of the canonical model, as Diff.Field names them and as a Target lists
// them in its Capabilities. An attribute is named AttributePrefix + its name in diffs
// ("attributes.jahrgangsstufe") and by its name alone in Capabilities.
const (
	// FieldReferrer is the source key the target stores for a record (every kind but memberships).
	FieldReferrer = "referrer"
	// FieldFamilyName is Person.FamilyName.
	FieldFamilyName = "familyName"
	// FieldGivenNames is Person.GivenNames.
	FieldGivenNames = "givenNames"
	// FieldBirthDate is Person.BirthDate.
	FieldBirthDate = "birthDate"
	// FieldBirthPlace is Person.BirthPlace.
	FieldBirthPlace = "birthPlace"
	// FieldEmails is Person.Emails.
	FieldEmails = "emails"
	// FieldEPPNs is Person.EPPNs.
	FieldEPPNs = "eppns"
	// FieldProtected is Person.Protected.
	FieldProtected = "protected"
	// FieldContexts is Person.Contexts.
	FieldContexts = "contexts"
	// FieldRelations is Person.Relations (guardians).
	FieldRelations = "relations"
	// FieldName is the Name of an organisation or group.
	FieldName = "name"
	// FieldType is the Type of an organisation or group.
	FieldType = "type"
	// FieldOrganisation is Group.Organisation.
	FieldOrganisation = "organisation"
	// FieldValid is Group.Valid.
	FieldValid = "valid"
	// FieldRole is Membership.Role.
	FieldRole = "role"
	// FieldPeriod is Membership.Period.
	FieldPeriod = "period"
	// FieldPerson and FieldGroup are the two ends of a membership; they appear in the diffs of
	// membership creates only, since a membership is identified by them.
	FieldPerson = "person"
	// FieldGroup is the group of a membership (see FieldPerson).
	FieldGroup = "group"
	// FieldState is a record's life-cycle state in the diffs of deactivations, restores and
	// deletions ("active", "deactivated", "deleted").
	FieldState = "state"
	// AttributePrefix starts the diff field name of an attribute.
	AttributePrefix = "attributes."
)

// fieldDiffs collects the diffs of one record.
type fieldDiffs []Diff

func (d *fieldDiffs) add(field, before, after string) {
	*d = append(*d, Diff{Field: field, Before: before, After: after})
}

// overlayString sets *dst to src when the source supplies a value that differs.
func (d *fieldDiffs) overlayString(field string, dst *string, src string) {
	if src != "" && src != *dst {
		d.add(field, *dst, src)
		*dst = src
	}
}

// overlayList sets *dst to a copy of src when the source supplies values that differ as a set.
func (d *fieldDiffs) overlayList(field string, dst *[]string, src []string) {
	if len(src) == 0 || sameSet(*dst, src) {
		return
	}
	d.add(field, strings.Join(*dst, ", "), strings.Join(src, ", "))
	*dst = slices.Clone(src)
}

// overlayAttributes writes the source's attributes into *dst, keeping attributes only the
// target has. It clones the map before the first change.
func (d *fieldDiffs) overlayAttributes(dst *map[string]string, src map[string]string) {
	changed := false
	for k, v := range src {
		if old, ok := (*dst)[k]; !ok || old != v {
			changed = true
			break
		}
	}
	if !changed {
		return
	}
	next := maps.Clone(*dst)
	if next == nil {
		next = make(map[string]string, len(src))
	}
	for _, k := range slices.Sorted(maps.Keys(src)) {
		v := src[k]
		if old, ok := next[k]; !ok || old != v {
			d.add(AttributePrefix+k, old, v)
			next[k] = v
		}
	}
	*dst = next
}

// sameRoles reports whether two comma-separated role lists hold the same roles.
func sameRoles(a, b string) bool {
	if a == b {
		return true
	}
	if !strings.Contains(a, ",") && !strings.Contains(b, ",") {
		return false
	}
	var as, bs []string
	for r := range strings.SplitSeq(a, ",") {
		as = append(as, strings.TrimSpace(r))
	}
	for r := range strings.SplitSeq(b, ",") {
		bs = append(bs, strings.TrimSpace(r))
	}
	return sameSet(as, bs)
}

// importDiffs lists the fields an import brings into the source, each from empty to the
// target's value.
func importDiffs(fields func(d *fieldDiffs)) []Diff {
	var d fieldDiffs
	fields(&d)
	return d
}

// sameSet reports whether two lists hold the same values, ignoring order and repeats.
func sameSet[T comparable](a, b []T) bool {
	if slices.Equal(a, b) {
		return true
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	for _, x := range b {
		if !slices.Contains(a, x) {
			return false
		}
	}
	return true
}

func contextString(cs []Context) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c.Organisation + ":" + c.Role
	}
	return strings.Join(parts, ", ")
}

// afterKeys returns the keys of the record an action writes: the target's id and this
// pipeline's referrer, where the target stores referrers; where it does not, the referrer stays
// as the target has it and is never written.
func (p *planner) afterKeys(d *fieldDiffs, s, t *Keys, before string) Keys {
	k := Keys{Referrer: before}
	if t != nil {
		k.TargetID = t.TargetID
	}
	if p.model.caps.Referrers {
		k.Referrer = p.referrerFor(s.SourceKey)
		if before != k.Referrer {
			d.add(FieldReferrer, before, k.Referrer)
		}
	}
	return k
}

// personAfter builds the record an update writes: the target's record with every value the
// source supplies laid over it, and this pipeline's referrer. t is nil for a create.
func (p *planner) personAfter(s, t *Person) (Person, []Diff, []Ref) {
	var d fieldDiffs
	var after Person
	before := ""
	var tk *Keys
	if t != nil {
		after = *t
		before, tk = t.Keys.Referrer, &t.Keys
	}
	after.Revision = ""
	after.Keys = p.afterKeys(&d, &s.Keys, tk, before)
	d.overlayString(FieldFamilyName, &after.FamilyName, s.FamilyName)
	d.overlayString(FieldGivenNames, &after.GivenNames, s.GivenNames)
	if !s.BirthDate.IsZero() && s.BirthDate != after.BirthDate {
		d.add(FieldBirthDate, after.BirthDate.String(), s.BirthDate.String())
		after.BirthDate = s.BirthDate
	}
	d.overlayString(FieldBirthPlace, &after.BirthPlace, s.BirthPlace)
	d.overlayList(FieldEmails, &after.Emails, s.Emails)
	d.overlayList(FieldEPPNs, &after.EPPNs, s.EPPNs)
	if s.Protected != after.Protected && p.model.persons.has(FieldProtected) {
		d.add(FieldProtected, strconv.FormatBool(after.Protected), strconv.FormatBool(s.Protected))
		after.Protected = s.Protected
	}
	var needs []Ref
	if len(s.Contexts) > 0 && !p.contextsEqual(s.Contexts, after.Contexts) {
		if want, need, ok := p.translateContexts(s.Contexts); ok && !sameSet(after.Contexts, want) {
			d.add(FieldContexts, contextString(after.Contexts), contextString(want))
			after.Contexts = slices.Clone(want)
			needs = need
		}
	}
	if len(s.Relations) > 0 {
		if want, need, ok := p.translateRelations(s.Relations); ok && !sameSet(after.Relations, want) {
			d.add(FieldRelations, relationString(after.Relations), relationString(want))
			after.Relations = want
			needs = append(needs, need...)
		}
	}
	d.overlayAttributes(&after.Attributes, s.Attributes)
	return after, d, needs
}

// contextsEqual reports whether source contexts, translated into the target's key space, are
// the target's contexts as a set. It allocates nothing, for the common case of no change.
func (p *planner) contextsEqual(src, tgt []Context) bool {
	translated := func(c Context) (Context, bool) {
		ref, _, ok := p.orgRef(c.Organisation)
		return Context{Organisation: ref, Role: c.Role}, ok
	}
	for _, c := range src {
		t, ok := translated(c)
		if !ok || !slices.Contains(tgt, t) {
			return false
		}
	}
	for _, t := range tgt {
		found := false
		for _, c := range src {
			if x, _ := translated(c); x == t {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// translateContexts maps the organisation keys of source contexts into the target's key space.
// It returns the source slice itself when nothing changes. ok is false when an organisation is
// blocked (waiting for a decision or skipped); contexts are then left as the target has them.
func (p *planner) translateContexts(cs []Context) (out []Context, needs []Ref, ok bool) {
	out = cs
	for i, c := range cs {
		ref, need, ok := p.orgRef(c.Organisation)
		if !ok {
			return nil, nil, false
		}
		if need {
			needs = append(needs, Ref{Kind: KindOrganisation, SourceKey: c.Organisation})
		}
		if ref != c.Organisation {
			if &out[0] == &cs[0] {
				out = slices.Clone(cs)
			}
			out[i].Organisation = ref
		}
	}
	return out, needs, true
}

// translateRelations maps the related persons of source relations into the target's key space.
// Relations to persons left out of the target (protected identity, no record in the source) are
// left out; ok is false when a related person waits for a decision or cannot be synchronised,
// and the relations are then left as the target has them.
func (p *planner) translateRelations(rs []Relation) (out []Relation, needs []Ref, ok bool) {
	out = make([]Relation, 0, len(rs))
	for _, r := range rs {
		i, found := p.persons.srcByKey[r.Person]
		if !found {
			continue
		}
		switch res := p.personRes[i]; res.state {
		case resPaired:
			r.Person = p.tgt.Persons[res.target].Keys.TargetID
		case resCreated:
			needs = append(needs, Ref{Kind: KindPerson, SourceKey: r.Person})
		case resProtected:
			continue
		default:
			return nil, nil, false
		}
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out, needs, true
}

func relationString(rs []Relation) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = r.Person + ":" + r.Role
	}
	return strings.Join(parts, ", ")
}

func (p *planner) organisationAfter(s, t *Organisation) (Organisation, []Diff) {
	var d fieldDiffs
	var after Organisation
	before := ""
	var tk *Keys
	if t != nil {
		after = *t
		before, tk = t.Keys.Referrer, &t.Keys
	}
	after.Revision = ""
	after.Keys = p.afterKeys(&d, &s.Keys, tk, before)
	d.overlayString(FieldName, &after.Name, s.Name)
	d.overlayString(FieldType, &after.Type, s.Type)
	d.overlayAttributes(&after.Attributes, s.Attributes)
	return after, d
}

func (p *planner) groupAfter(s, t *Group) (Group, []Diff, []Ref) {
	var d fieldDiffs
	var after Group
	before := ""
	var tk *Keys
	if t != nil {
		after = *t
		before, tk = t.Keys.Referrer, &t.Keys
	}
	after.Revision = ""
	after.Keys = p.afterKeys(&d, &s.Keys, tk, before)
	d.overlayString(FieldName, &after.Name, s.Name)
	d.overlayString(FieldType, &after.Type, s.Type)
	var needs []Ref
	if s.Organisation != "" {
		if ref, need, ok := p.orgRef(s.Organisation); ok {
			d.overlayString(FieldOrganisation, &after.Organisation, ref)
			if need {
				needs = []Ref{{Kind: KindOrganisation, SourceKey: s.Organisation}}
			}
		}
	}
	if !s.Valid.IsZero() && s.Valid != after.Valid {
		d.add(FieldValid, after.Valid.String(), s.Valid.String())
		after.Valid = s.Valid
	}
	d.overlayAttributes(&after.Attributes, s.Attributes)
	return after, d, needs
}

// membershipAfter builds the record a membership update writes; diffs is empty when the target
// already holds what the source supplies (checked first, without building anything).
func membershipAfter(s *Membership, t *Membership) (*Membership, []Diff) {
	if (s.Role == "" || sameRoles(s.Role, t.Role)) && (s.Period.IsZero() || s.Period == t.Period) {
		return nil, nil
	}
	var d fieldDiffs
	after := *t
	after.Revision = ""
	if s.Role != "" && !sameRoles(s.Role, t.Role) {
		d.add(FieldRole, t.Role, s.Role)
		after.Role = s.Role
	}
	if !s.Period.IsZero() && s.Period != after.Period {
		d.add(FieldPeriod, after.Period.String(), s.Period.String())
		after.Period = s.Period
	}
	return &after, d
}
