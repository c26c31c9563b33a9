package ss12000server

import (
	"slices"
	"strings"

	"github.com/edusync/edusync/ss12000"
)

// vocab is a Vocabulary made ready for lookups.
type vocab struct {
	student, teacher map[string]bool
	duty             map[string]ss12000.DutyRole
	assign           map[string]ss12000.AssignmentRoleTypeEnum
	groupTypes       map[string]ss12000.GroupTypesEnum
	orgTypes         map[string]ss12000.OrganisationTypeEnum
	relTypes         map[string]ss12000.RelationTypesEnum
}

func set(list []string, def ...string) map[string]bool {
	if len(list) == 0 {
		list = def
	}
	m := make(map[string]bool, len(list))
	for _, s := range list {
		m[s] = true
	}
	return m
}

func (v Vocabulary) compile() *vocab {
	return &vocab{
		student:    set(v.StudentRoles, "Elev"),
		teacher:    set(v.TeacherRoles, "Lärare"),
		duty:       v.DutyRoles,
		assign:     v.AssignmentRoles,
		groupTypes: v.GroupTypes,
		orgTypes:   v.OrganisationTypes,
		relTypes:   v.RelationTypes,
	}
}

// roles splits a membership's comma-separated roles.
func roles(s string) []string {
	var out []string
	for _, r := range strings.Split(s, ",") {
		if r = strings.TrimSpace(r); r != "" && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

func (v *vocab) dutyRole(role string) ss12000.DutyRole {
	if d, ok := v.duty[role]; ok && d.Valid() {
		return d
	}
	if d := ss12000.DutyRole(role); d.Valid() {
		return d
	}
	return ss12000.DutyRoleAnnanPersonal
}

// assignment returns the assignment role a membership role stands for, if any.
func (v *vocab) assignment(role string) (ss12000.AssignmentRoleTypeEnum, bool) {
	if a, ok := v.assign[role]; ok && a.Valid() {
		return a, true
	}
	if a := ss12000.AssignmentRoleTypeEnum(role); a.Valid() {
		return a, true
	}
	return "", false
}

// memberRole reports whether a membership role makes a group membership: it is neither a
// teacher nor an assignment role.
func (v *vocab) memberRole(role string) bool {
	if v.teacher[role] {
		return false
	}
	_, ok := v.assignment(role)
	return !ok
}

func (v *vocab) groupType(t string) ss12000.GroupTypesEnum {
	if g, ok := v.groupTypes[t]; ok && g.Valid() {
		return g
	}
	if g := ss12000.GroupTypesEnum(t); g.Valid() {
		return g
	}
	return ss12000.GroupTypesOvrigt
}

func (v *vocab) orgType(t string) ss12000.OrganisationTypeEnum {
	if o, ok := v.orgTypes[t]; ok && o.Valid() {
		return o
	}
	if o := ss12000.OrganisationTypeEnum(t); o.Valid() {
		return o
	}
	return ss12000.OrganisationTypeOvrigt
}

func (v *vocab) relationType(role string) ss12000.RelationTypesEnum {
	if role == "" {
		return ss12000.RelationTypesVardnadshavare
	}
	if r, ok := v.relTypes[role]; ok && r.Valid() {
		return r
	}
	if r := ss12000.RelationTypesEnum(role); r.Valid() {
		return r
	}
	return ss12000.RelationTypesAnnanAnsvarig
}
