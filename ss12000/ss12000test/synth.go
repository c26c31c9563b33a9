package ss12000test

import (
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/edusync/edusync/ss12000"
	"github.com/edusync/edusync/synth"
)

// FromPopulation converts a synth population (a school, a municipality) into a Dataset, as a
// school administration system would publish it over SS 12000:
//
//   - organisations: the principal (Huvudman) and its school units (Skolenhet, with school-unit
//     code and school types); university organisations are left out (SS 12000 covers schools);
//   - persons with civic number (nationality from the population's country), birth date, sex,
//     security marking, e-mail (Skola elev / Skola personal / Privat), EPPN, enrolments (not
//     for preschool children) and responsibles (their guardians with relation type); persons
//     with Skyddad folkbokföring have no address, the others a registered one;
//   - duties (role, signature, percent, period), with a Mentor assignment role for every
//     mentor membership;
//   - groups (Klass, Undervisning, Mentor, Avdelning, Personalgrupp) whose groupMemberships list
//     their students and, for staff teams and preschool units, their staff;
//   - placements for preschool children (placed at their unit, in their Avdelning, owned by
//     their guardians);
//   - one Activity per teaching group with its teachers' duties, which is how SS 12000 says who
//     teaches a group.
//
// Ids are the population's ids. meta.created and meta.modified are the population's day at
// 06:00 UTC, so NextDay's changes applied with Upsert or Modify (which stamp the server clock)
// are newer. The conversion is deterministic: the same population gives the same Dataset.
func FromPopulation(pop *synth.Population) Dataset {
	c := popConverter{pop: pop, stamp: pop.Today.Time().Add(6 * time.Hour)}
	return c.convert()
}

type popConverter struct {
	pop   *synth.Population
	stamp time.Time
	ds    Dataset

	schoolUnit map[synth.ID]bool
	marking    map[synth.ID]ss12000.SecurityMarking
	dutyAt     map[[2]synth.ID]int // (person, organisation) -> index into ds.Duties
}

func (c *popConverter) meta() ss12000.Meta { return ss12000.Meta{Created: c.stamp, Modified: c.stamp} }

func date(d synth.Date) openapi_types.Date {
	if d.IsZero() {
		return openapi_types.Date{}
	}
	return openapi_types.Date{Time: d.Time()}
}

func (c *popConverter) personRef(id synth.ID) ss12000.PersonReference {
	return ss12000.PersonReference{ID: id.String(), SecurityMarking: c.marking[id]}
}

func (c *popConverter) convert() Dataset {
	pop := c.pop
	c.schoolUnit = map[synth.ID]bool{}
	c.marking = make(map[synth.ID]ss12000.SecurityMarking, len(pop.Persons))
	c.dutyAt = map[[2]synth.ID]int{}
	for i := range pop.Persons {
		c.marking[pop.Persons[i].ID] = ss12000.SecurityMarking(pop.Persons[i].Security.String())
	}
	c.organisations()
	c.duties()
	c.groups()
	c.persons()
	return c.ds
}

func (c *popConverter) organisations() {
	for i := range c.pop.Organisations {
		o := &c.pop.Organisations[i]
		out := ss12000.Organisation{
			ID: o.ID.String(), Meta: c.meta(), DisplayName: o.Name,
			MunicipalityCode: o.MunicipalityCode, Email: o.Email,
		}
		switch o.Type {
		case synth.OrgPrincipal:
			out.OrganisationType = ss12000.OrganisationTypeHuvudman
			out.OrganisationNumber = o.Code
		case synth.OrgSchoolUnit:
			c.schoolUnit[o.ID] = true
			out.OrganisationType = ss12000.OrganisationTypeSkolenhet
			out.SchoolUnitCode = o.Code
			out.OrganisationCode = o.Code
			for _, st := range o.SchoolTypes {
				out.SchoolTypes = append(out.SchoolTypes, ss12000.SchoolTypesEnum(st))
			}
			if !o.Parent.IsZero() {
				out.ParentOrganisation = ss12000.OrganisationReference{ID: o.Parent.String()}
			}
		default:
			continue // universities and departments are not SS 12000 organisations
		}
		c.ds.Organisations = append(c.ds.Organisations, out)
	}
}

func (c *popConverter) duties() {
	for i := range c.pop.Duties {
		d := &c.pop.Duties[i]
		if !c.schoolUnit[d.Organisation] {
			continue
		}
		c.dutyAt[[2]synth.ID{d.Person, d.Organisation}] = len(c.ds.Duties)
		c.ds.Duties = append(c.ds.Duties, ss12000.Duty{
			ID: d.ID.String(), Meta: c.meta(), Person: c.personRef(d.Person),
			DutyAt: ss12000.OrganisationReference{ID: d.Organisation.String()}, DutyRole: ss12000.DutyRole(d.Role),
			DutyPercent: int(d.Percent), Signature: d.Signature, StartDate: date(d.Start), EndDate: date(d.End),
		})
	}
}

func groupType(t synth.GroupType) ss12000.GroupTypesEnum {
	switch t {
	case synth.GroupClass:
		return ss12000.GroupTypesKlass
	case synth.GroupTeaching:
		return ss12000.GroupTypesUndervisning
	case synth.GroupMentor:
		return ss12000.GroupTypesMentor
	case synth.GroupUnit:
		return ss12000.GroupTypesAvdelning
	case synth.GroupStaff:
		return ss12000.GroupTypesPersonalgrupp
	}
	return ss12000.GroupTypesOvrigt
}

func (c *popConverter) groups() {
	pop := c.pop
	index := make(map[synth.ID]int, len(pop.Groups))
	orgOf := make(map[synth.ID]synth.ID, len(pop.Groups))
	for i := range pop.Groups {
		g := &pop.Groups[i]
		if !c.schoolUnit[g.Organisation] {
			continue
		}
		index[g.ID] = len(c.ds.Groups)
		orgOf[g.ID] = g.Organisation
		c.ds.Groups = append(c.ds.Groups, ss12000.Group{
			ID: g.ID.String(), Meta: c.meta(), DisplayName: g.Name, GroupType: groupType(g.Type),
			SchoolType:   ss12000.SchoolTypesEnum(g.SchoolType),
			Organisation: ss12000.OrganisationReference{ID: g.Organisation.String()},
			StartDate:    date(g.Start), EndDate: date(g.End),
		})
	}
	teachers := map[synth.ID][]ss12000.DutyAssignment{}
	var teachingOrder []synth.ID
	for i := range pop.Memberships {
		m := &pop.Memberships[i]
		gi, ok := index[m.Group]
		if !ok {
			continue
		}
		g := &c.ds.Groups[gi]
		switch m.Role {
		case synth.MemberStudent, synth.MemberStaff:
			g.GroupMemberships = append(g.GroupMemberships, ss12000.GroupMembership{
				Person: c.personRef(m.Person), StartDate: date(m.Start), EndDate: date(m.End),
			})
		case synth.MemberMentor:
			if di, ok := c.dutyAt[[2]synth.ID{m.Person, orgOf[m.Group]}]; ok {
				d := &c.ds.Duties[di]
				d.AssignmentRole = append(d.AssignmentRole, ss12000.DutyAssignmentRole{
					AssignmentRoleType: ss12000.AssignmentRoleTypeMentor, Group: ss12000.GroupReference{ID: g.ID},
					StartDate: date(m.Start), EndDate: date(m.End),
				})
			}
		case synth.MemberTeacher:
			if di, ok := c.dutyAt[[2]synth.ID{m.Person, orgOf[m.Group]}]; ok {
				if _, seen := teachers[m.Group]; !seen {
					teachingOrder = append(teachingOrder, m.Group)
				}
				teachers[m.Group] = append(teachers[m.Group], ss12000.DutyAssignment{
					Duty: ss12000.DutyReference{ID: c.ds.Duties[di].ID}, Grader: len(teachers[m.Group]) == 0,
					StartDate: date(m.Start), EndDate: date(m.End),
				})
			}
		}
	}
	for _, gid := range teachingOrder {
		g := &c.ds.Groups[index[gid]]
		c.ds.Activities = append(c.ds.Activities, ss12000.Activity{
			ID: activityID(gid), Meta: c.meta(), DisplayName: g.DisplayName,
			ActivityType: ss12000.ActivityActivityTypeUndervisning, Organisation: g.Organisation,
			Groups: []ss12000.GroupReference{{ID: g.ID}}, Teachers: teachers[gid],
			StartDate: g.StartDate, EndDate: g.EndDate,
		})
	}
}

// activityID derives the id of a teaching group's activity from the group's id, so it is
// stable across days: the group id with its first hex digit turned (a different UUID).
func activityID(group synth.ID) string {
	group[0] ^= 0xa0
	return group.String()
}

func nationality(k synth.CivicNoKind) string {
	switch k {
	case synth.Personnummer, synth.Samordningsnummer:
		return "SE"
	case synth.Fodselsnummer, synth.DNumber:
		return "NO"
	}
	return ""
}

func sex(s synth.Sex) ss12000.Sex {
	switch s {
	case synth.Female:
		return ss12000.SexKvinna
	case synth.Male:
		return ss12000.SexMan
	}
	return ss12000.SexOkant
}

func relation(r synth.RelationType) ss12000.RelationTypesEnum {
	switch r {
	case synth.AnnanAnsvarig:
		return ss12000.RelationTypesAnnanAnsvarig
	case synth.GodMan:
		return ss12000.RelationTypesGodMan
	}
	return ss12000.RelationTypesVardnadshavare
}

func (c *popConverter) persons() {
	pop := c.pop
	idx := synth.NewIndex(pop)
	for i := range pop.Persons {
		p := &pop.Persons[i]
		if !c.atSchool(idx, p) {
			continue // a university student or teacher: not in a school's SS 12000 service
		}
		out := ss12000.Person{
			ID: p.ID.String(), Meta: c.meta(), GivenName: p.GivenName, FamilyName: p.FamilyName,
			BirthDate: date(p.BirthDate), Sex: sex(p.Sex), SecurityMarking: c.marking[p.ID],
			PersonStatus: ss12000.PersonStatusAktiv,
		}
		if p.CivicNo != "" {
			out.CivicNo = ss12000.CivicNo{Value: p.CivicNo, Nationality: nationality(p.CivicNoKind)}
		}
		if p.EPPN != "" {
			out.EduPersonPrincipalNames = []string{p.EPPN}
		}
		if p.Email != "" {
			t := ss12000.EmailTypePrivat
			switch {
			case p.Roles.Has(synth.RoleStaff):
				t = ss12000.EmailTypeSkolaPersonal
			case p.Roles.Has(synth.RoleStudent):
				t = ss12000.EmailTypeSkolaElev
			}
			out.Emails = []ss12000.Email{{Type: t, Value: p.Email}}
		}
		if p.Security != synth.SecurityProtected && p.BirthPlace != "" {
			// synth has no street addresses; the registered locality is the birth place, which
			// is enough for consumers that must hide addresses to have one to hide.
			out.Addresses = []ss12000.PersonAddress{{Type: ss12000.PersonAddressTypeFolkbokforing, Locality: p.BirthPlace}}
		}
		for e := range idx.EnrolmentsOf(p.ID) {
			if !c.schoolUnit[e.SchoolUnit] {
				continue
			}
			if e.SchoolType == synth.SchoolFS {
				c.placement(idx, p, e)
				continue
			}
			en := ss12000.Enrolment{
				EnroledAt: ss12000.SchoolUnitReference{ID: e.SchoolUnit.String()}, SchoolType: ss12000.SchoolTypesEnum(e.SchoolType),
				StartDate: date(e.Start), EndDate: date(e.End), EducationCode: e.Programme,
			}
			if e.SchoolYear >= 0 {
				en.SchoolYear = int(e.SchoolYear)
			}
			out.Enrolments = append(out.Enrolments, en)
		}
		for g := range idx.GuardiansOf(p.ID) {
			out.Responsibles = append(out.Responsibles, ss12000.Responsible{Person: c.personRef(g.Guardian), RelationType: relation(g.Relation)})
		}
		c.ds.Persons = append(c.ds.Persons, out)
	}
}

// atSchool reports whether p is enrolled or has a duty at a school unit, or is a guardian
// (synth makes guardians for school students only).
func (c *popConverter) atSchool(idx *synth.Index, p *synth.Person) bool {
	if p.Roles.Has(synth.RoleGuardian) {
		return true
	}
	for e := range idx.EnrolmentsOf(p.ID) {
		if c.schoolUnit[e.SchoolUnit] {
			return true
		}
	}
	for d := range idx.DutiesOf(p.ID) {
		if c.schoolUnit[d.Organisation] {
			return true
		}
	}
	return false
}

// placement records a preschool child's place: the unit, the Avdelning group the child is a
// member of there, and the guardians as owners.
func (c *popConverter) placement(idx *synth.Index, p *synth.Person, e *synth.Enrolment) {
	pl := ss12000.Placement{
		ID: e.ID.String(), Meta: c.meta(), Child: c.personRef(p.ID),
		PlacedAt:   ss12000.SchoolUnitReference{ID: e.SchoolUnit.String()},
		SchoolType: ss12000.PlacementSchoolTypeFS, StartDate: date(e.Start), EndDate: date(e.End),
	}
	for m := range idx.MembershipsOf(p.ID) {
		if g, ok := idx.Group(m.Group); ok && g.Type == synth.GroupUnit && g.Organisation == e.SchoolUnit {
			pl.Group = ss12000.GroupReference{ID: g.ID.String()}
			break
		}
	}
	for g := range idx.GuardiansOf(p.ID) {
		pl.Owners = append(pl.Owners, c.personRef(g.Guardian))
	}
	c.ds.Placements = append(c.ds.Placements, pl)
}

// LoadPopulation adds a synth population to the server's records, converted by
// FromPopulation; records with the same ids are replaced.
func (s *Server) LoadPopulation(pop *synth.Population) {
	s.loadDataset(FromPopulation(pop))
}
