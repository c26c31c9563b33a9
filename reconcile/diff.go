package reconcile

import (
	"maps"
	"slices"
	"strconv"
	"strings"
)

// The field names used in diffs.
const (
	fieldReferrer     = "referrer"
	fieldFamilyName   = "familyName"
	fieldGivenNames   = "givenNames"
	fieldBirthDate    = "birthDate"
	fieldBirthPlace   = "birthPlace"
	fieldEmails       = "emails"
	fieldEPPNs        = "eppns"
	fieldProtected    = "protected"
	fieldContexts     = "contexts"
	fieldName         = "name"
	fieldType         = "type"
	fieldOrganisation = "organisation"
	fieldValid        = "valid"
	fieldRole         = "role"
	fieldPerson       = "person"
	fieldGroup        = "group"
	fieldPeriod       = "period"
	fieldState        = "state"
	attributePrefix   = "attributes."
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
			d.add(attributePrefix+k, old, v)
			next[k] = v
		}
	}
	*dst = next
}

// importDiffs lists the fields an import brings into the source, each from empty to the
// target's value.
func importDiffs(fields func(d *fieldDiffs)) []Diff {
	var d fieldDiffs
	fields(&d)
	return d
}

// sameSet reports whether two lists hold the same values, ignoring order and repeats.
func sameSet(a, b []string) bool {
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

func sameContexts(a, b []Context) bool {
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

// personAfter builds the record an update writes: the target's record with every value the
// source supplies laid over it, and this pipeline's referrer. t is nil for a create.
func (p *planner) personAfter(s, t *Person) (Person, []Diff, []Ref) {
	var d fieldDiffs
	var after Person
	before := ""
	if t != nil {
		after = *t
		before = t.Keys.Referrer
	}
	after.Revision = ""
	after.Keys = Keys{Referrer: p.referrerFor(s.Keys.SourceKey)}
	if t != nil {
		after.Keys.TargetID = t.Keys.TargetID
	}
	if before != after.Keys.Referrer {
		d.add(fieldReferrer, before, after.Keys.Referrer)
	}
	d.overlayString(fieldFamilyName, &after.FamilyName, s.FamilyName)
	d.overlayString(fieldGivenNames, &after.GivenNames, s.GivenNames)
	if !s.BirthDate.IsZero() && s.BirthDate != after.BirthDate {
		d.add(fieldBirthDate, after.BirthDate.String(), s.BirthDate.String())
		after.BirthDate = s.BirthDate
	}
	d.overlayString(fieldBirthPlace, &after.BirthPlace, s.BirthPlace)
	d.overlayList(fieldEmails, &after.Emails, s.Emails)
	d.overlayList(fieldEPPNs, &after.EPPNs, s.EPPNs)
	if s.Protected != after.Protected {
		d.add(fieldProtected, strconv.FormatBool(after.Protected), strconv.FormatBool(s.Protected))
		after.Protected = s.Protected
	}
	var needs []Ref
	if len(s.Contexts) > 0 && !p.contextsEqual(s.Contexts, after.Contexts) {
		if want, need, ok := p.translateContexts(s.Contexts); ok && !sameContexts(after.Contexts, want) {
			d.add(fieldContexts, contextString(after.Contexts), contextString(want))
			after.Contexts = slices.Clone(want)
			needs = need
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

func (p *planner) organisationAfter(s, t *Organisation) (Organisation, []Diff) {
	var d fieldDiffs
	var after Organisation
	before := ""
	if t != nil {
		after = *t
		before = t.Keys.Referrer
	}
	after.Revision = ""
	after.Keys = Keys{Referrer: p.referrerFor(s.Keys.SourceKey)}
	if t != nil {
		after.Keys.TargetID = t.Keys.TargetID
	}
	if before != after.Keys.Referrer {
		d.add(fieldReferrer, before, after.Keys.Referrer)
	}
	d.overlayString(fieldName, &after.Name, s.Name)
	d.overlayString(fieldType, &after.Type, s.Type)
	d.overlayAttributes(&after.Attributes, s.Attributes)
	return after, d
}

func (p *planner) groupAfter(s, t *Group) (Group, []Diff, []Ref) {
	var d fieldDiffs
	var after Group
	before := ""
	if t != nil {
		after = *t
		before = t.Keys.Referrer
	}
	after.Revision = ""
	after.Keys = Keys{Referrer: p.referrerFor(s.Keys.SourceKey)}
	if t != nil {
		after.Keys.TargetID = t.Keys.TargetID
	}
	if before != after.Keys.Referrer {
		d.add(fieldReferrer, before, after.Keys.Referrer)
	}
	d.overlayString(fieldName, &after.Name, s.Name)
	d.overlayString(fieldType, &after.Type, s.Type)
	var needs []Ref
	if s.Organisation != "" {
		if ref, need, ok := p.orgRef(s.Organisation); ok {
			d.overlayString(fieldOrganisation, &after.Organisation, ref)
			if need {
				needs = []Ref{{Kind: KindOrganisation, SourceKey: s.Organisation}}
			}
		}
	}
	if !s.Valid.IsZero() && s.Valid != after.Valid {
		d.add(fieldValid, after.Valid.String(), s.Valid.String())
		after.Valid = s.Valid
	}
	d.overlayAttributes(&after.Attributes, s.Attributes)
	return after, d, needs
}

// membershipAfter builds the record a membership update writes; diffs is empty when the target
// already holds what the source supplies (checked first, without building anything).
func membershipAfter(s *Membership, t *Membership) (*Membership, []Diff) {
	if (s.Role == "" || s.Role == t.Role) && (s.Period.IsZero() || s.Period == t.Period) {
		return nil, nil
	}
	var d fieldDiffs
	after := *t
	after.Revision = ""
	d.overlayString(fieldRole, &after.Role, s.Role)
	if !s.Period.IsZero() && s.Period != after.Period {
		d.add(fieldPeriod, after.Period.String(), s.Period.String())
		after.Period = s.Period
	}
	return &after, d
}
