package ss12000server

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/edusync/edusync/internal/idnum"
	"github.com/edusync/edusync/internal/ss12000serve"
	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/ss12000"
)

// How canonical records read in SS 12000: organisations as organisations; persons with their
// enrolments (the contexts of pupils), guardians (relations) and EPPNs; a duty per staff
// context; groups with their memberships (the member roles); an activity per group with
// teachers (the teacher roles), whose duties at the group's organisation teach it; assignment
// roles ("Mentor") on the duty the person holds at the group's organisation.

// marking is the security marking a person is served with: Ingen, or for a protected person
// the marking the source names (AttrSecurityMarking), else the strongest.
func marking(p *reconcile.Person) ss12000.SecurityMarking {
	if !p.Protected {
		return ss12000.SecurityMarkingIngen
	}
	if m := ss12000.SecurityMarking(p.Attributes[AttrSecurityMarking]); m.Valid() && m != ss12000.SecurityMarkingIngen {
		return m
	}
	return ss12000.SecurityMarkingSkyddadFolkbokforing
}

func (c *committer) markingOf(id string) ss12000.SecurityMarking {
	if m, ok := c.prot[id]; ok {
		return m
	}
	return ss12000.SecurityMarkingIngen
}

// list splits a comma-separated attribute.
func list(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func date(d reconcile.Date) openapi_types.Date {
	if d.IsZero() {
		return openapi_types.Date{}
	}
	return openapi_types.Date{Time: d.Time()}
}

func day(s string) openapi_types.Date {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return openapi_types.Date{}
	}
	return openapi_types.Date{Time: t}
}

// rebuildOrganisations writes the served record of every active organisation and removes
// those of the others.
func (c *committer) rebuildOrganisations() error {
	served := map[string]bool{}
	if err := each(c.tx, docPrefix(resOrganisations), func(key string, _ []byte) error {
		served[lastSegment(key)] = true
		return nil
	}); err != nil {
		return err
	}
	byRef := map[string]string{}
	for id, o := range c.orgs {
		if o.Rec.Keys.Referrer != "" && !o.Inactive {
			byRef[o.Rec.Keys.Referrer] = id
		}
	}
	for _, id := range slices.Sorted(mapsKeys(c.orgs)) {
		o := c.orgs[id]
		if o.Inactive {
			continue
		}
		delete(served, id)
		a := o.Rec.Attributes
		doc := ss12000.Organisation{ID: id, DisplayName: o.Rec.Name, OrganisationType: c.voc.orgType(o.Rec.Type),
			SchoolUnitCode: a[AttrSchoolUnitCode], OrganisationCode: a[AttrOrganisationCode], MunicipalityCode: a[AttrMunicipalityCode]}
		for _, t := range list(a[AttrSchoolTypes]) {
			if st := ss12000.SchoolTypesEnum(t); st.Valid() {
				doc.SchoolTypes = append(doc.SchoolTypes, st)
			}
		}
		if parent := a[AttrParent]; parent != "" {
			pid, ok := byRef[parent]
			if !ok {
				if po, known := c.orgs[parent]; known && !po.Inactive {
					pid, ok = parent, true
				}
			}
			if ok && pid != id {
				doc.ParentOrganisation = ss12000.OrganisationReference{ID: pid}
			}
		}
		if err := c.put(resOrganisations, ss12000.EndPointsOrganisation, id, &doc, &doc.Meta, envelope{orgs: []string{id}}, doc.DisplayName); err != nil {
			return err
		}
	}
	for _, id := range sortedKeys(served) {
		if err := c.remove(resOrganisations, ss12000.EndPointsOrganisation, id); err != nil {
			return err
		}
	}
	return nil
}

func mapsKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// membershipOf is one of a person's memberships, with its group.
type membershipOf struct {
	group string
	g     *stored[reconcile.Group]
	org   string
	ix    memberIndex
}

const rebuildChunk = 200

// rebuildPersons rebuilds the served records of the persons marked: the person, its duties.
func (c *committer) rebuildPersons() error {
	ids := sortedKeys(c.persons)
	for len(ids) > 0 {
		n := min(rebuildChunk, len(ids))
		chunk := ids[:n]
		ids = ids[n:]
		recs := make([]*stored[reconcile.Person], len(chunk))
		for i, id := range chunk {
			s, err := getStored[stored[reconcile.Person]](c.tx, kPerson, id)
			if err != nil {
				return err
			}
			recs[i] = s
		}
		given, err := c.giveEPPNs(chunk, recs)
		if err != nil {
			return err
		}
		for i, id := range chunk {
			if err := c.rebuildPerson(id, recs[i], given[id]); err != nil {
				return err
			}
		}
	}
	return nil
}

// giveEPPNs returns the EPPN the provider gives each person of the chunk the source gives
// none: the one given before, or a new one from the template (kept from then on).
func (c *committer) giveEPPNs(ids []string, recs []*stored[reconcile.Person]) (map[string]string, error) {
	out := map[string]string{}
	if c.p.opts.EPPN.Template == "" {
		return out, nil
	}
	var fresh []ss12000.EPPNPerson
	for i, id := range ids {
		s := recs[i]
		if s == nil || len(s.Rec.EPPNs) > 0 {
			continue
		}
		raw, ok, err := get(c.tx, pGivenEPPN+id)
		if err != nil {
			return nil, err
		}
		if ok {
			out[id] = string(raw)
			continue
		}
		given, _ := splitGiven(s.Rec.GivenNames, s.Rec.Attributes[AttrMiddleName])
		fresh = append(fresh, ss12000.EPPNPerson{ID: id, GivenName: given, FamilyName: s.Rec.FamilyName})
	}
	if len(fresh) == 0 {
		return out, nil
	}
	gen := c.p.opts.EPPN
	gen.Taken = func(_ context.Context, eppn string) (bool, error) {
		_, ok, err := get(c.tx, pEPPN+strings.ToLower(eppn))
		return ok, err
	}
	assigned, err := gen.Assign(c.ctx, fresh, nil)
	if err != nil {
		return nil, err
	}
	for id, e := range assigned {
		out[id] = e
		if err := c.tx.SetValue(pGivenEPPN+id, []byte(e)); err != nil {
			return nil, err
		}
		if err := c.tx.SetValue(pEPPN+strings.ToLower(e), []byte(id)); err != nil {
			return nil, err
		}
		c.eppns++
	}
	return out, nil
}

// splitGiven parts the canonical given names into the given name and the middle name the
// source names apart (AttrMiddleName), when they end with it.
func splitGiven(names, middle string) (string, string) {
	names = strings.TrimSpace(names)
	middle = strings.TrimSpace(middle)
	if middle != "" && strings.HasSuffix(names, " "+middle) {
		return strings.TrimSpace(strings.TrimSuffix(names, middle)), middle
	}
	return names, ""
}

// memberships reads a person's memberships in active groups.
func (c *committer) memberships(person string) ([]membershipOf, error) {
	var out []membershipOf
	err := each(c.tx, pPersonMem+person+"/", func(key string, value []byte) error {
		var ix memberIndex
		if err := json.Unmarshal(value, &ix); err != nil {
			return errEnvelope
		}
		gid := lastSegment(key)
		g, err := c.groupOf(gid)
		if err != nil || g == nil || g.Inactive {
			return err
		}
		org, _ := c.activeOrg(g.Rec.Organisation)
		if org == "" {
			return nil
		}
		out = append(out, membershipOf{group: gid, g: g, org: org, ix: ix})
		return nil
	})
	return out, err
}

// staffContext is a person's staff context at an organisation, as its duty.
type staffContext struct {
	org   string
	role  ss12000.DutyRole
	since string
}

// duties lists a person's duties, one per organisation and duty role, in a fixed order.
func (c *committer) duties(s *stored[reconcile.Person]) []staffContext {
	var out []staffContext
	for _, x := range s.Rec.Contexts {
		if c.voc.student[x.Role] {
			continue
		}
		org, _ := c.activeOrg(x.Organisation)
		if org == "" {
			continue
		}
		sc := staffContext{org: org, role: c.voc.dutyRole(x.Role), since: s.Seen[contextKey(x)]}
		if !slices.ContainsFunc(out, func(o staffContext) bool { return o.org == sc.org && o.role == sc.role }) {
			out = append(out, sc)
		}
	}
	slices.SortFunc(out, func(a, b staffContext) int {
		return strings.Compare(a.org+"\x00"+string(a.role), b.org+"\x00"+string(b.role))
	})
	return out
}

func dutyID(person, org string, role ss12000.DutyRole) string {
	return nameUUID("duty", person, org, string(role))
}

// primaryDuty is the duty of a person at an organisation that its teaching and assignment
// roles there belong to: the teacher's, else the first.
func primaryDuty(person string, duties []staffContext, org string) (string, bool) {
	found := ""
	for _, d := range duties {
		if d.org != org {
			continue
		}
		if d.role == ss12000.DutyRoleLarare {
			return dutyID(person, org, d.role), true
		}
		if found == "" {
			found = dutyID(person, org, d.role)
		}
	}
	return found, found != ""
}

// rebuildPerson writes (or removes) the served records of one person: the person and its
// duties.
func (c *committer) rebuildPerson(id string, s *stored[reconcile.Person], given string) error {
	var oldDuties []string
	if err := each(c.tx, pDutyOf+id+"/", func(key string, _ []byte) error {
		oldDuties = append(oldDuties, lastSegment(key))
		return nil
	}); err != nil {
		return err
	}
	keep := map[string]bool{}
	if s != nil && !s.Inactive {
		mem, err := c.memberships(id)
		if err != nil {
			return err
		}
		doc, env, err := c.personDoc(id, s, mem, given)
		if err != nil {
			return err
		}
		duties := c.duties(s)
		for _, d := range duties {
			did := dutyID(id, d.org, d.role)
			keep[did] = true
			duty := ss12000.Duty{ID: did, DutyAt: ss12000.OrganisationReference{ID: d.org}, DutyRole: d.role,
				Person: ss12000.PersonReference{ID: id, SecurityMarking: doc.SecurityMarking}, StartDate: day(d.since)}
			if primary, _ := primaryDuty(id, duties, d.org); primary == did {
				for _, m := range mem {
					if m.org != d.org {
						continue
					}
					for _, role := range roles(m.ix.Roles) {
						if a, ok := c.voc.assignment(role); ok {
							duty.AssignmentRole = append(duty.AssignmentRole, ss12000.DutyAssignmentRole{AssignmentRoleType: a,
								Group: ss12000.GroupReference{ID: m.group}, StartDate: date(m.ix.Valid.From), EndDate: date(m.ix.Valid.To)})
						}
					}
				}
			}
			name := ss12000serve.PersonName(doc) + " (" + string(d.role) + ")"
			if err := c.put(resDuties, ss12000.EndPointsDuty, did, &duty, &duty.Meta, envelope{prot: s.Rec.Protected, orgs: []string{d.org}}, name); err != nil {
				return err
			}
			if !slices.Contains(oldDuties, did) {
				if err := c.tx.SetValue(pDutyOf+id+"/"+did, nil); err != nil {
					return err
				}
			}
		}
		if err := c.put(resPersons, ss12000.EndPointsPerson, id, doc, &doc.Meta, env, ss12000serve.PersonName(doc)); err != nil {
			return err
		}
	} else if err := c.remove(resPersons, ss12000.EndPointsPerson, id); err != nil {
		return err
	}
	for _, did := range oldDuties {
		if keep[did] {
			continue
		}
		if err := c.remove(resDuties, ss12000.EndPointsDuty, did); err != nil {
			return err
		}
		if err := c.tx.DeleteValue(pDutyOf + id + "/" + did); err != nil {
			return err
		}
	}
	return nil
}

// civicNo is the personal number a person is served with: the civicNo attribute, or the
// referrer where the host says persons are keyed by it; twelve digits, or "" when not valid.
func (c *committer) civicNo(s *stored[reconcile.Person]) string {
	for _, v := range []string{s.Rec.Attributes[AttrCivicNo], s.Rec.Keys.Referrer} {
		if v == "" {
			continue
		}
		if n, err := idnum.ParseSwedish(v, c.stamp); err == nil {
			return n.Digits
		}
		if !c.p.opts.CivicNoFromReferrer {
			break
		}
	}
	return ""
}

// pickSchoolType chooses an enrolment's school type: the person's only one, or the one the
// organisation offers, or the organisation's only one.
func pickSchoolType(personal, offered []string) string {
	if len(personal) == 1 {
		return personal[0]
	}
	for _, t := range personal {
		if slices.Contains(offered, t) {
			return t
		}
	}
	if len(personal) > 0 {
		return personal[0]
	}
	if len(offered) == 1 {
		return offered[0]
	}
	return ""
}

// personDoc is a person's served record and envelope.
func (c *committer) personDoc(id string, s *stored[reconcile.Person], mem []membershipOf, given string) (*ss12000.Person, envelope, error) {
	rec := &s.Rec
	a := rec.Attributes
	doc := &ss12000.Person{ID: id, FamilyName: rec.FamilyName, BirthDate: date(rec.BirthDate), SecurityMarking: marking(rec)}
	doc.GivenName, doc.MiddleName = splitGiven(rec.GivenNames, a[AttrMiddleName])
	doc.EduPersonPrincipalNames = slices.Clone(rec.EPPNs)
	if len(doc.EduPersonPrincipalNames) == 0 && given != "" {
		doc.EduPersonPrincipalNames = []string{given}
	}
	if cn := c.civicNo(s); cn != "" {
		doc.CivicNo = ss12000.CivicNo{Value: cn}
	}
	var rels []ss12000serve.Relationship
	orgs := map[string]bool{}
	relate := func(typ, org string, start, end openapi_types.Date) {
		rels = append(rels, ss12000serve.Relationship{Type: typ, Organisation: org, Start: start, End: end})
		orgs[org] = true
	}
	types, years := list(a[AttrSchoolType]), list(a[AttrSchoolYear])
	student, staff := false, false
	for _, x := range rec.Contexts {
		org, o := c.activeOrg(x.Organisation)
		if org == "" {
			c.skipped++
			continue
		}
		since := day(s.Seen[contextKey(x)])
		if !c.voc.student[x.Role] {
			staff = true
			relate(ss12000serve.RelDuty, org, since, openapi_types.Date{})
			continue
		}
		student = true
		st := pickSchoolType(types, list(o.Rec.Attributes[AttrSchoolTypes]))
		if !ss12000.SchoolTypesEnum(st).Valid() {
			c.skipped++
			continue
		}
		e := ss12000.Enrolment{EnroledAt: ss12000.SchoolUnitReference{ID: org}, SchoolType: ss12000.SchoolTypesEnum(st),
			EducationCode: a[AttrEducationCode], StartDate: since}
		switch {
		case len(years) == 1:
			e.SchoolYear, _ = strconv.Atoi(years[0])
		case len(years) == len(types) && slices.Index(types, st) >= 0:
			e.SchoolYear, _ = strconv.Atoi(years[slices.Index(types, st)])
		}
		if !slices.ContainsFunc(doc.Enrolments, func(o ss12000.Enrolment) bool { return o.EnroledAt.ID == org && o.SchoolType == e.SchoolType }) {
			doc.Enrolments = append(doc.Enrolments, e)
			relate(ss12000serve.RelEnrolment, org, since, openapi_types.Date{})
		}
	}
	emailType := ss12000.EmailTypePrivat
	switch {
	case student:
		emailType = ss12000.EmailTypeSkolaElev
	case staff:
		emailType = ss12000.EmailTypeSkolaPersonal
	}
	for _, e := range rec.Emails {
		doc.Emails = append(doc.Emails, ss12000.Email{Type: emailType, Value: e})
	}
	var refs []string
	for _, r := range rec.Relations {
		if c.off[r.Person] || slices.ContainsFunc(doc.Responsibles, func(x ss12000.Responsible) bool { return x.Person.ID == r.Person }) {
			continue
		}
		m := c.markingOf(r.Person)
		doc.Responsibles = append(doc.Responsibles, ss12000.Responsible{Person: ss12000.PersonReference{ID: r.Person, SecurityMarking: m},
			RelationType: c.voc.relationType(r.Role)})
		if ss12000.IsProtected(m) {
			refs = append(refs, r.Person)
		}
	}
	for _, m := range mem {
		relate(ss12000serve.RelGroupMembership, m.org, date(m.ix.Valid.From), date(m.ix.Valid.To))
	}
	// A guardian relates to the schools of the children it is responsible for.
	if err := each(c.tx, pRespFor+id+"/", func(key string, _ []byte) error {
		child := lastSegment(key)
		if c.off[child] {
			return nil
		}
		cs, err := getStored[stored[reconcile.Person]](c.tx, kPerson, child)
		if err != nil || cs == nil {
			return err
		}
		for _, x := range cs.Rec.Contexts {
			if org, _ := c.activeOrg(x.Organisation); org != "" && c.voc.student[x.Role] {
				relate(ss12000serve.RelResponsibleForEnrolment, org, day(cs.Seen[contextKey(x)]), openapi_types.Date{})
			}
		}
		return nil
	}); err != nil {
		return nil, envelope{}, err
	}
	env := envelope{prot: rec.Protected, orgs: sortedKeys(orgs), refs: refs}
	if len(rels) > 0 {
		var err error
		if env.extra, err = json.Marshal(rels); err != nil {
			return nil, envelope{}, err
		}
	}
	return doc, env, nil
}

// rebuildGroups rebuilds the served records of the groups marked: the group and its activity.
func (c *committer) rebuildGroups() error {
	for _, gid := range sortedKeys(c.groups) {
		if err := c.rebuildGroup(gid); err != nil {
			return err
		}
	}
	return nil
}

func (c *committer) rebuildGroup(gid string) error {
	actID := nameUUID("activity", gid)
	delete(c.groupCache, gid)
	g, err := c.groupOf(gid)
	if err != nil {
		return err
	}
	org := ""
	var o *stored[reconcile.Organisation]
	if g != nil && !g.Inactive {
		org, o = c.activeOrg(g.Rec.Organisation)
	}
	if org == "" {
		if err := c.remove(resGroups, ss12000.EndPointsGroup, gid); err != nil {
			return err
		}
		return c.remove(resActivities, ss12000.EndPointsActivity, actID)
	}
	start := date(g.Rec.Valid.From)
	if start.IsZero() {
		start = day(g.Since)
	}
	doc := ss12000.Group{ID: gid, DisplayName: g.Rec.Name, GroupType: c.voc.groupType(g.Rec.Type),
		Organisation: ss12000.OrganisationReference{ID: org}, StartDate: start, EndDate: date(g.Rec.Valid.To)}
	if st := ss12000.SchoolTypesEnum(g.Rec.Attributes[AttrSchoolType]); st.Valid() {
		doc.SchoolType = st
	} else if offered := list(o.Rec.Attributes[AttrSchoolTypes]); len(offered) == 1 && ss12000.SchoolTypesEnum(offered[0]).Valid() {
		doc.SchoolType = ss12000.SchoolTypesEnum(offered[0])
	}
	var teachers []ss12000.DutyAssignment
	var assignments []ss12000.GroupAssignmentRole
	var refs, teacherRefs []string
	if err := each(c.tx, pGroupMem+gid+"/", func(key string, value []byte) error {
		person := lastSegment(key)
		if c.off[person] {
			return nil
		}
		var ix memberIndex
		if err := json.Unmarshal(value, &ix); err != nil {
			return errEnvelope
		}
		m := c.markingOf(person)
		prot := ss12000.IsProtected(m)
		member, teaches := len(roles(ix.Roles)) == 0, false
		var assigned []ss12000.AssignmentRoleTypeEnum
		for _, role := range roles(ix.Roles) {
			switch a, isAssign := c.voc.assignment(role); {
			case c.voc.teacher[role]:
				teaches = true
			case isAssign:
				assigned = append(assigned, a)
			default:
				member = true
			}
		}
		if member {
			doc.GroupMemberships = append(doc.GroupMemberships, ss12000.GroupMembership{Person: ss12000.PersonReference{ID: person, SecurityMarking: m},
				StartDate: date(ix.Valid.From), EndDate: date(ix.Valid.To)})
			if prot {
				refs = append(refs, person)
			}
		}
		if !teaches && len(assigned) == 0 {
			return nil
		}
		ps, err := getStored[stored[reconcile.Person]](c.tx, kPerson, person)
		if err != nil || ps == nil {
			return err
		}
		did, ok := primaryDuty(person, c.duties(ps), org)
		if !ok {
			c.skipped++ // a teacher or mentor without a duty at the group's organisation
			return nil
		}
		if teaches {
			teachers = append(teachers, ss12000.DutyAssignment{Duty: ss12000.DutyReference{ID: did}, StartDate: date(ix.Valid.From), EndDate: date(ix.Valid.To)})
			if prot {
				teacherRefs = append(teacherRefs, did)
			}
		}
		for _, a := range assigned {
			assignments = append(assignments, ss12000.GroupAssignmentRole{AssignmentRoleType: a, Duty: ss12000.DutyReference{ID: did},
				StartDate: date(ix.Valid.From), EndDate: date(ix.Valid.To)})
		}
		return nil
	}); err != nil {
		return err
	}
	env := envelope{orgs: []string{org}, refs: refs}
	if len(assignments) > 0 {
		if env.extra, err = json.Marshal(assignments); err != nil {
			return err
		}
	}
	if err := c.put(resGroups, ss12000.EndPointsGroup, gid, &doc, &doc.Meta, env, doc.DisplayName); err != nil {
		return err
	}
	if len(teachers) == 0 {
		return c.remove(resActivities, ss12000.EndPointsActivity, actID)
	}
	act := ss12000.Activity{ID: actID, DisplayName: doc.DisplayName, ActivityType: ss12000.ActivityActivityTypeUndervisning,
		Groups: []ss12000.GroupReference{{ID: gid}}, Organisation: ss12000.OrganisationReference{ID: org}, Teachers: teachers,
		StartDate: doc.StartDate, EndDate: doc.EndDate}
	return c.put(resActivities, ss12000.EndPointsActivity, actID, &act, &act.Meta, envelope{orgs: []string{org}, refs: teacherRefs}, act.DisplayName)
}
