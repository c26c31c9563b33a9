package fileset

import (
	"cmp"
	"slices"
	"strings"
	"unicode"

	"github.com/edusync/edusync/internal/redact"
	"github.com/edusync/edusync/reconcile"
)

// Role is what a person's role means, whatever system named it: the formats map SS 12000's
// duty roles, enrolments and group roles (and their own terms) through it, so that one table
// says what "Kurator" or "Mentor" becomes.
type Role int

// The roles the formats tell apart. RoleOther is any role not known: formats map it to the
// least privileged term they have, never to a staff or teacher role.
const (
	RoleOther Role = iota
	RoleStudent
	RoleTeacher
	RolePrincipal
	RoleCounselor
	RoleNurse
	RoleAide
	RoleAdministrator
	RoleStaff
)

// roles maps SS 12000's terms (duty roles, the enrolment role Elev, ss12000sync's group roles,
// assignment roles) to roles, folded to lower case.
var roles = map[string]Role{
	"elev": RoleStudent, "medlem": RoleStudent,
	"lärare": RoleTeacher, "förstelärare": RoleTeacher, "förskollärare": RoleTeacher, "fritidspedagog": RoleTeacher,
	"speciallärare/specialpedagog": RoleTeacher, "specialpedagog": RoleTeacher, "övrig pedagogisk personal": RoleTeacher,
	"mentor": RoleTeacher, "personal": RoleTeacher, "pedagogisk ledare": RoleTeacher,
	"rektor": RolePrincipal, "förskolechef": RolePrincipal,
	"studie- och yrkesvägledare": RoleCounselor, "kurator": RoleCounselor, "skolpsykolog": RoleCounselor, "elevhälsopersonal": RoleCounselor,
	"skolsköterska": RoleNurse, "skolläkare": RoleNurse,
	"lärarassistent": RoleAide, "barnskötare": RoleAide,
	"skoladministratör": RoleAdministrator, "övrig arbetsledning": RoleAdministrator, "administrativ personal": RoleAdministrator,
	"schemaläggare": RoleAdministrator,
	"bibliotekarie": RoleStaff, "annan personal": RoleStaff,
}

// RoleOf returns what an SS 12000 role term means (RoleOther when it is not known).
func RoleOf(term string) Role { return roles[strings.ToLower(strings.TrimSpace(term))] }

// Org is what kind of organisation a type names.
type Org int

// The kinds of organisation the formats tell apart.
const (
	OrgUnknown Org = iota
	OrgDistrict
	OrgSchool
	OrgDepartment
)

// OrgOf returns what an SS 12000 organisation type means: the principal (Huvudman) is a
// district, a school unit or school a school, the administrative levels between departments.
// Companies, brands and "Övrigt" are not known: formats refuse what they cannot name.
func OrgOf(t string) Org {
	switch strings.ToLower(strings.TrimSpace(t)) {
	case "huvudman":
		return OrgDistrict
	case "skolenhet", "skola":
		return OrgSchool
	case "förvaltning", "verksamhetsområde", "rektorsområde":
		return OrgDepartment
	}
	return OrgUnknown
}

// Guardian reports whether an SS 12000 relation type makes the related person a guardian
// (Vårdnadshavare, and the appointed ones: God man, Utsedd behörig); other responsibles
// (Annan ansvarig) are not.
func Guardian(relation string) bool {
	switch strings.ToLower(strings.TrimSpace(relation)) {
	case "vårdnadshavare", "god man", "utsedd behörig", "guardian":
		return true
	}
	return false
}

// Term returns the term of vocab that equals t ignoring case, or "".
func Term(vocab []string, t string) string {
	t = strings.TrimSpace(t)
	for _, v := range vocab {
		if strings.EqualFold(v, t) {
			return v
		}
	}
	return ""
}

// Clean returns a text value as files can hold it: control characters (line breaks, tabs)
// become spaces, runs of spaces one, and the ends are trimmed; anything shaped like an
// identity number is masked (a source that put one in a name field must not put it in a
// file). Formats normalise names with it, so a name with a line break in the source is
// written, and planned, as one line.
func Clean(s string) string {
	if s == "" {
		return s
	}
	s = redact.PersonalNumbers(s)
	if isClean(s) {
		return s
	}
	var b strings.Builder
	space := false
	for _, r := range s {
		if unicode.IsControl(r) || unicode.IsSpace(r) || r == '\u2028' || r == '\u2029' {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// isClean reports whether Clean would return s as it is.
func isClean(s string) bool {
	if s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	prev := rune(0)
	for _, r := range s {
		if r == ' ' {
			if prev == ' ' {
				return false
			}
		} else if unicode.IsControl(r) || unicode.IsSpace(r) || r == '\u2028' || r == '\u2029' || r == unicode.ReplacementChar {
			return false
		}
		prev = r
	}
	return true
}

// Contexts returns contexts with their roles mapped by role, without repeats, ordered by
// organisation and role.
func Contexts(cs []reconcile.Context, role func(string) string) []reconcile.Context {
	if len(cs) == 0 {
		return nil
	}
	out := make([]reconcile.Context, 0, len(cs))
	for _, c := range cs {
		c.Role = role(c.Role)
		if c.Role != "" && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b reconcile.Context) int {
		return cmp.Or(strings.Compare(a.Organisation, b.Organisation), strings.Compare(a.Role, b.Role))
	})
	return out
}

// Relations returns relations with their roles mapped by role, one per related person (the
// first role in order), ordered by person.
func Relations(rs []reconcile.Relation, role func(string) string) []reconcile.Relation {
	if len(rs) == 0 {
		return nil
	}
	out := make([]reconcile.Relation, 0, len(rs))
	for _, r := range rs {
		r.Role = role(r.Role)
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b reconcile.Relation) int {
		return cmp.Or(strings.Compare(a.Person, b.Person), strings.Compare(a.Role, b.Role))
	})
	return slices.CompactFunc(out, func(a, b reconcile.Relation) bool { return a.Person == b.Person })
}

// Roles maps each of a membership's comma-separated roles by role and returns them without
// repeats, sorted, joined by commas.
func Roles(s string, role func(string) string) string {
	if s == "" {
		return ""
	}
	if !strings.Contains(s, ",") { // nearly every membership: one role
		return role(strings.TrimSpace(s))
	}
	var out []string
	for r := range strings.SplitSeq(s, ",") {
		if v := role(strings.TrimSpace(r)); v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return strings.Join(out, ",")
}

// Closed returns p when both its ends are given, the zero Period otherwise: formats that
// write periods as sessions with a start and an end date cannot hold an open one.
func Closed(p reconcile.Period) reconcile.Period {
	if p.From.IsZero() || p.To.IsZero() || p.Check() != nil {
		return reconcile.Period{}
	}
	return p
}

// SessionID is the id of the session (term) a closed period becomes in formats with sessions:
// "term-20250818-20260612".
func SessionID(p reconcile.Period) string {
	return "term-" + strings.ReplaceAll(p.From.String(), "-", "") + "-" + strings.ReplaceAll(p.To.String(), "-", "")
}

// Vocabulary maps source terms to a format's value lists, one function per kind of term
// (nil leaves a term as it is). Normalise makes a reconcile Capabilities.Normalise of it.
type Vocabulary struct {
	Org, Group, Context, Relation, Member func(string) string
}

// Normalise returns a value as a format with this vocabulary stores it: names one line
// (Clean), e-mail addresses in lower case, EPPNs trimmed, terms mapped.
func (v Vocabulary) Normalise(kind reconcile.Kind, field, s string) string {
	apply := func(f func(string) string) string {
		if f == nil {
			return s
		}
		return f(s)
	}
	switch {
	case field == reconcile.FieldName || field == reconcile.FieldFamilyName || field == reconcile.FieldGivenNames:
		return Clean(s)
	case field == reconcile.FieldEmails:
		return strings.ToLower(strings.TrimSpace(s))
	case field == reconcile.FieldEPPNs:
		return strings.TrimSpace(s)
	case kind == reconcile.KindOrganisation && field == reconcile.FieldType:
		return apply(v.Org)
	case kind == reconcile.KindGroup && field == reconcile.FieldType:
		return apply(v.Group)
	case field == reconcile.FieldContexts:
		return apply(v.Context)
	case field == reconcile.FieldRelations:
		return apply(v.Relation)
	case kind == reconcile.KindMembership && field == reconcile.FieldRole:
		return apply(v.Member)
	}
	return s
}

// OrgType returns the term of list an organisation type is: a term of list as it is, else
// district, school or department for what OrgOf knows, else "" (the format refuses it).
func OrgType(list []string, v string) string {
	if t := Term(list, v); t != "" {
		return t
	}
	switch OrgOf(v) {
	case OrgDistrict:
		return Term(list, "district")
	case OrgSchool:
		return Term(list, "school")
	case OrgDepartment:
		return Term(list, "department")
	}
	return ""
}

// Only returns the attributes of a named keys that have a value, nil when none has.
func Only(a map[string]string, keys ...string) map[string]string {
	var out map[string]string
	for _, k := range keys {
		if v := a[k]; v != "" {
			if out == nil {
				out = map[string]string{}
			}
			out[k] = v
		}
	}
	return out
}
