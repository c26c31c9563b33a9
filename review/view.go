package review

import (
	"maps"
	"slices"
	"strings"

	"github.com/edusync/edusync/internal/redact"
	"github.com/edusync/edusync/reconcile"
)

// Everything the page shows of a record passes through mask on its way from the store into a
// view: the templates never see a raw value.

// maxValue caps one shown value: a hostile source could send megabytes in a field.
const maxValue = 400

// mask makes a value from a record fit to show: control characters replaced, anything shaped
// like an identity number masked (redact.PersonalNumbers, and the spaced forms below), and the
// value capped. Control characters go first, since they become spaces that can join digits
// into a number; the cap comes last, so a cut never leaves part of a number.
func mask(s string) string {
	if s == "" {
		return ""
	}
	return redact.Printable(maskSpaced(redact.PersonalNumbers(redact.Printable(s, 0))), maxValue)
}

// maskSpaced masks the forms redact leaves: a six- or eight-digit date part and a four- or
// five-digit tail joined by a space, dot, slash or underscore ("900101 1234", "19900101.1234").
func maskSpaced(s string) string {
	var b strings.Builder
	i, done := 0, 0
	for i < len(s) {
		if !isDigit(s[i]) || (i > 0 && isDigit(s[i-1])) {
			i++
			continue
		}
		lead := digits(s[i:])
		j := i + lead
		if (lead == 6 || lead == 8) && j+1 < len(s) && strings.IndexByte(" ./_", s[j]) >= 0 {
			if tail := digits(s[j+1:]); tail == 4 || tail == 5 {
				b.WriteString(s[done:i])
				b.WriteString(redact.Mask)
				i = j + 1 + tail
				done = i
				continue
			}
		}
		i = j
	}
	if done == 0 {
		return s
	}
	b.WriteString(s[done:])
	return b.String()
}

func digits(s string) int {
	n := 0
	for n < len(s) && isDigit(s[n]) {
		n++
	}
	return n
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// field is one line of a record as the page shows it.
type field struct {
	Name  string // catalogue key (field.*) or the attribute's name, masked
	Label bool   // Name is a catalogue key
	Value string
}

// diff is one changed field as the page shows it.
type diff struct {
	field
	Before string
}

func diffsOf(ds []reconcile.Diff) []diff {
	out := make([]diff, len(ds))
	for i, d := range ds {
		out[i] = diff{field: fieldNamed(d.Field, mask(d.After)), Before: mask(d.Before)}
	}
	return out
}

// knownFields are the model's fields the catalogue names.
var knownFields = map[string]bool{
	reconcile.FieldReferrer: true, reconcile.FieldFamilyName: true, reconcile.FieldGivenNames: true,
	reconcile.FieldBirthDate: true, reconcile.FieldBirthPlace: true, reconcile.FieldEmails: true,
	reconcile.FieldEPPNs: true, reconcile.FieldProtected: true, reconcile.FieldContexts: true,
	reconcile.FieldRelations: true, reconcile.FieldName: true, reconcile.FieldType: true,
	reconcile.FieldOrganisation: true, reconcile.FieldValid: true, reconcile.FieldRole: true,
	reconcile.FieldPeriod: true, reconcile.FieldPerson: true, reconcile.FieldGroup: true,
	reconcile.FieldState: true, "sourceKey": true, "targetId": true, "id": true,
}

func fieldNamed(name, value string) field {
	if knownFields[name] {
		return field{Name: "field." + name, Label: true, Value: value}
	}
	return field{Name: mask(name), Value: value}
}

// protected reports whether the action is about a person with protected identity.
func protected(a *reconcile.Action) bool {
	if c := a.Person; c != nil {
		return (c.Before != nil && c.Before.Protected) || (c.After != nil && c.After.Protected)
	}
	return a.Kind == reconcile.KindPerson && strings.HasPrefix(a.Reason, "protected identity")
}

// nameOf is what the page calls the record of an action, masked.
func nameOf(a *reconcile.Action) string {
	switch {
	case a.Person != nil:
		p := a.Person.After
		if p == nil {
			p = a.Person.Before
		}
		if p != nil {
			return mask(personName(p.FamilyName, p.GivenNames))
		}
	case a.Group != nil:
		if g := side(a.Group); g != nil {
			return mask(g.Name)
		}
	case a.Organisation != nil:
		if o := side(a.Organisation); o != nil {
			return mask(o.Name)
		}
	case a.Membership != nil:
		if m := side(a.Membership); m != nil {
			n := mask(m.Person) + " → " + mask(m.Group)
			if m.Role != "" {
				n += " (" + mask(m.Role) + ")"
			}
			return n
		}
	}
	return ""
}

func personName(family, given string) string {
	switch {
	case family == "":
		return given
	case given == "":
		return family
	}
	return family + ", " + given
}

func side[T any](c *reconcile.Change[T]) *T {
	if c.After != nil {
		return c.After
	}
	return c.Before
}

// recordFields lists a record of an action (the target's before, or the record after) as the
// page shows it, for the questions' side-by-side view.
func recordFields(a *reconcile.Action, after bool) []field {
	var out []field
	add := func(name, value string) {
		if value != "" {
			out = append(out, fieldNamed(name, mask(value)))
		}
	}
	keys := func(k reconcile.Keys) {
		add("sourceKey", k.SourceKey)
		add("targetId", k.TargetID)
		add(reconcile.FieldReferrer, k.Referrer)
	}
	attrs := func(m map[string]string) {
		for _, k := range slices.Sorted(maps.Keys(m)) {
			add(reconcile.AttributePrefix+k, m[k])
		}
	}
	switch {
	case a.Person != nil:
		p := pick(a.Person, after)
		if p == nil {
			return nil
		}
		keys(p.Keys)
		add(reconcile.FieldFamilyName, p.FamilyName)
		add(reconcile.FieldGivenNames, p.GivenNames)
		add(reconcile.FieldBirthDate, p.BirthDate.String())
		add(reconcile.FieldBirthPlace, p.BirthPlace)
		add(reconcile.FieldEmails, strings.Join(p.Emails, ", "))
		add(reconcile.FieldEPPNs, strings.Join(p.EPPNs, ", "))
		if p.Protected {
			add(reconcile.FieldProtected, "✓")
		}
		ctxs := make([]string, len(p.Contexts))
		for i, c := range p.Contexts {
			ctxs[i] = c.Organisation + ": " + c.Role
		}
		add(reconcile.FieldContexts, strings.Join(ctxs, ", "))
		rels := make([]string, len(p.Relations))
		for i, r := range p.Relations {
			rels[i] = r.Person + " (" + r.Role + ")"
		}
		add(reconcile.FieldRelations, strings.Join(rels, ", "))
		attrs(p.Attributes)
	case a.Group != nil:
		g := pick(a.Group, after)
		if g == nil {
			return nil
		}
		keys(g.Keys)
		add(reconcile.FieldName, g.Name)
		add(reconcile.FieldType, g.Type)
		add(reconcile.FieldOrganisation, g.Organisation)
		add(reconcile.FieldValid, g.Valid.String())
		attrs(g.Attributes)
	case a.Organisation != nil:
		if o := pick(a.Organisation, after); o != nil {
			keys(o.Keys)
			add(reconcile.FieldName, o.Name)
			add(reconcile.FieldType, o.Type)
			attrs(o.Attributes)
		}
	case a.Membership != nil:
		if m := pick(a.Membership, after); m != nil {
			add("id", m.ID)
			add(reconcile.FieldPerson, m.Person)
			add(reconcile.FieldGroup, m.Group)
			add(reconcile.FieldRole, m.Role)
			add(reconcile.FieldPeriod, m.Period.String())
		}
	}
	return out
}

// pick is the record before or after a change.
func pick[T any](c *reconcile.Change[T], after bool) *T {
	if after {
		return c.After
	}
	return c.Before
}

// searchText is what a search matches: the text the page shows of a record for everyone, so
// that a search cannot find what the page would not show (a protected person's details, a
// masked number).
// Each part is folded on its own (most take reconcile.Fold's fast path) and the parts are
// joined by a character a folded search never holds, so a search cannot match across two.
func searchText(parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		if p != "" {
			b.WriteString(reconcile.Fold(p))
			b.WriteByte(0)
		}
	}
	return b.String()
}
