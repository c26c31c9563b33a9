package sds

import (
	"fmt"
	"slices"
	"strings"

	"github.com/edusync/edusync/fileset"
	"github.com/edusync/edusync/reconcile"
)

// The value lists of SDS v2.1 (Microsoft's default list of values).
var (
	// OrgTypes are the values of orgs.csv type.
	OrgTypes = []string{"school", "ministryOfEducation", "localAuthority", "department", "university", "region", "district",
		"college", "division", "local", "campus", "province", "state", "adultEducation", "researchCenter", "national",
		"municipality", "program", "departmentOfEducation", "academicTrust"}
	// Roles are the values of roles.csv role and enrollments.csv role.
	Roles = []string{"principal", "chair", "professor", "researcher", "adjunct", "affiliate", "occupationalTherapist",
		"physicalTherapist", "speechTherapist", "visionTherapist", "paraprofessional", "specialServices", "advisor", "proctor",
		"nurse", "officeStaff", "lecturer", "itAdmin", "administrator", "teacher", "faculty", "staff", "teacherAssistant",
		"assistant", "instructor", "substitute", "coach", "alumni", "student", "other"}
	// RelationshipRoles are the values of relationships.csv relationshipRole.
	RelationshipRoles = []string{"parent", "guardian", "relative", "other", "doctor", "aide"}
	// SessionTypes are the values of academicSessions.csv type.
	SessionTypes = []string{"schoolYear", "semester", "term", "gradingPeriod", "quarter"}
)

// The files of an SDS v2.1 set, with the header rows of Microsoft's samples.
var (
	orgsSpec = &fileset.Spec{Name: "orgs.csv", Unique: [][]string{{"sourcedId"}}, Columns: []fileset.Column{
		{Name: "sourcedId", Required: true}, {Name: "name", Required: true},
		{Name: "type", Required: true, Values: OrgTypes},
		{Name: "parentSourcedId", Ref: &fileset.Ref{File: "orgs.csv", Column: "sourcedId"}}}}
	usersSpec = &fileset.Spec{Name: "users.csv", Unique: [][]string{{"sourcedId"}, {"username"}}, Columns: []fileset.Column{
		{Name: "sourcedId", Required: true},
		{Name: "username", Required: true, Check: checkUsername},
		{Name: "givenName", Required: true}, {Name: "familyName", Required: true},
		{Name: "password"}, {Name: "activeDirectoryMatchId"},
		{Name: "email", Check: fileset.CheckEmail}, {Name: "phone"}, {Name: "sms"}}}
	rolesSpec = &fileset.Spec{Name: "roles.csv", Unique: [][]string{{"userSourcedId", "orgSourcedId", "role"}}, Columns: []fileset.Column{
		{Name: "userSourcedId", Required: true, Ref: &fileset.Ref{File: "users.csv", Column: "sourcedId"}},
		{Name: "orgSourcedId", Required: true, Ref: &fileset.Ref{File: "orgs.csv", Column: "sourcedId"}},
		{Name: "role", Required: true, Values: Roles},
		{Name: "sessionSourcedId", Ref: &fileset.Ref{File: "academicSessions.csv", Column: "sourcedId"}},
		{Name: "grade"}, {Name: "isPrimary", Values: []string{"true", "false"}},
		{Name: "roleStartDate", Check: fileset.CheckDate}, {Name: "roleEndDate", Check: fileset.CheckDate}}}
	classesSpec = &fileset.Spec{Name: "classes.csv", Unique: [][]string{{"sourcedId"}}, Columns: []fileset.Column{
		{Name: "sourcedId", Required: true},
		{Name: "orgSourcedId", Required: true, Ref: &fileset.Ref{File: "orgs.csv", Column: "sourcedId"}},
		{Name: "title", Required: true},
		{Name: "sessionSourcedIds", List: true, Ref: &fileset.Ref{File: "academicSessions.csv", Column: "sourcedId"}},
		{Name: "courseSourcedId"}}}
	enrollmentsSpec = &fileset.Spec{Name: "enrollments.csv", Unique: [][]string{{"classSourcedId", "userSourcedId", "role"}}, Columns: []fileset.Column{
		{Name: "classSourcedId", Required: true, Ref: &fileset.Ref{File: "classes.csv", Column: "sourcedId"}},
		{Name: "userSourcedId", Required: true, Ref: &fileset.Ref{File: "users.csv", Column: "sourcedId"}},
		{Name: "role", Required: true, Values: Roles}}}
	sessionsSpec = &fileset.Spec{Name: "academicSessions.csv", Unique: [][]string{{"sourcedId"}}, Columns: []fileset.Column{
		{Name: "sourcedId", Required: true}, {Name: "title", Required: true},
		{Name: "type", Required: true, Values: SessionTypes},
		{Name: "schoolYear", Required: true, Check: fileset.CheckYear},
		{Name: "startDate", Required: true, Check: fileset.CheckDate}, {Name: "endDate", Required: true, Check: fileset.CheckDate}}}
	relationshipsSpec = &fileset.Spec{Name: "relationships.csv", Unique: [][]string{{"userSourcedId", "relationshipUserSourcedId"}}, Columns: []fileset.Column{
		{Name: "userSourcedId", Required: true, Ref: &fileset.Ref{File: "users.csv", Column: "sourcedId"}},
		{Name: "relationshipUserSourcedId", Required: true, Ref: &fileset.Ref{File: "users.csv", Column: "sourcedId"}},
		{Name: "relationshipRole", Required: true, Values: RelationshipRoles}}}
)

// Specs are the files of an SDS v2.1 set this package writes, in the order written. Every set
// has all of them, header-only where there are no rows, since SDS reads a file missing from a
// later upload as every one of its records gone.
var Specs = []*fileset.Spec{orgsSpec, sessionsSpec, usersSpec, rolesSpec, classesSpec, enrollmentsSpec, relationshipsSpec}

// checkUsername keeps Microsoft's rule that a username includes its domain.
func checkUsername(v string) string {
	local, domain, ok := strings.Cut(v, "@")
	if !ok || local == "" || !strings.Contains(domain, ".") || strings.ContainsAny(v, " ,") {
		return "a username must be name@domain"
	}
	return ""
}

// Vocabulary. SS 12000's terms (and SDS's own) map to SDS's value lists; see the package
// documentation for the tables.

func orgType(v string) string { return fileset.OrgType(OrgTypes, v) }

func personRole(v string) string {
	if t := fileset.Term(Roles, v); t != "" {
		return t
	}
	switch fileset.RoleOf(v) {
	case fileset.RoleStudent:
		return "student"
	case fileset.RoleTeacher:
		return "teacher"
	case fileset.RolePrincipal:
		return "principal"
	case fileset.RoleCounselor:
		return "advisor"
	case fileset.RoleNurse:
		return "nurse"
	case fileset.RoleAide:
		return "teacherAssistant"
	case fileset.RoleAdministrator:
		return "administrator"
	case fileset.RoleStaff:
		return "staff"
	}
	return "other"
}

// enrollmentRole: teachers of a class are its owners in Teams; everyone else, and any role not
// known, is a student (a member).
func enrollmentRole(v string) string {
	switch t := fileset.Term(Roles, v); t {
	case "student", "teacher":
		return t
	case "":
	default:
		return "teacher"
	}
	if fileset.RoleOf(v) == fileset.RoleTeacher {
		return "teacher"
	}
	return "student"
}

func relationshipRole(v string) string {
	if t := fileset.Term(RelationshipRoles, v); t != "" {
		return t
	}
	if fileset.Guardian(v) {
		return "guardian"
	}
	return "other"
}

// vocabulary maps SS 12000's terms (and SDS's own) to SDS's value lists.
var vocabulary = fileset.Vocabulary{Org: orgType, Context: personRole, Relation: relationshipRole, Member: enrollmentRole}

// format is SDS v2.1 for fileset.Target.
type format struct {
	users fileset.Usernames
}

func (f *format) Name() string { return "SDS v2.1" }

func (f *format) Capabilities() reconcile.Capabilities {
	persons := []string{reconcile.FieldFamilyName, reconcile.FieldGivenNames, reconcile.FieldEmails, reconcile.FieldEPPNs,
		reconcile.FieldContexts, reconcile.FieldRelations}
	if f.users.Func != nil {
		persons = slices.DeleteFunc(persons, func(s string) bool { return s == reconcile.FieldEPPNs })
	}
	return reconcile.Capabilities{
		Organisations: &reconcile.Stored{Fields: []string{reconcile.FieldName, reconcile.FieldType}, Attributes: []string{AttrParent}},
		Persons:       &reconcile.Stored{Fields: persons, Attributes: []string{fileset.AttrUsername}},
		Groups:        &reconcile.Stored{Fields: []string{reconcile.FieldName, reconcile.FieldOrganisation, reconcile.FieldValid}},
		Memberships:   &reconcile.Stored{Fields: []string{reconcile.FieldRole}},
		Normalise:     vocabulary.Normalise,
		NormaliseID:   "sds/1",
	}
}

func (f *format) CheckID(kind reconcile.Kind, id string) string {
	if strings.ContainsAny(id, ",\"\r\n") || strings.TrimSpace(id) != id {
		return "an SDS id holds no comma, quote, line break or surrounding space"
	}
	return ""
}

// Fit keeps what an SDS set gives back (see fileset.Format).
func (f *format) Fit(s *fileset.State, rec any) error {
	switch r := rec.(type) {
	case *reconcile.Organisation:
		*r = reconcile.Organisation{Keys: r.Keys, Name: fileset.Clean(r.Name), Type: orgType(r.Type), Attributes: fileset.Only(r.Attributes, AttrParent)}
	case *reconcile.Person:
		p, err := f.users.Person(r) // Write generates the usernames still missing
		if err != nil {
			return err
		}
		p.Contexts = fileset.Contexts(r.Contexts, personRole)
		if !r.Protected {
			p.Relations = fileset.Relations(r.Relations, relationshipRole)
		}
		*r = p
	case *reconcile.Group:
		*r = reconcile.Group{Keys: r.Keys, Name: fileset.Clean(r.Name), Organisation: r.Organisation, Valid: fileset.Closed(r.Valid)}
	case *reconcile.Membership:
		*r = reconcile.Membership{Person: r.Person, Group: r.Group, Role: fileset.Roles(r.Role, enrollmentRole)}
	default:
		return fmt.Errorf("sds: cannot hold a %T", rec)
	}
	return nil
}

// Screen leaves out contacts (persons without a role at any organisation, such as guardians)
// without an e-mail address, which SDS requires of a contact, and contacts with protected
// identity, whose address is never written; and relationships to any person without an
// address (fileset.Screener).
func (f *format) Screen(s *reconcile.Snapshot) []fileset.LeftOut {
	var out []fileset.LeftOut
	noEmail := map[string]bool{}
	for _, p := range s.Persons {
		if len(p.Emails) == 0 || p.Protected {
			noEmail[p.Keys.SourceKey] = true
		}
		if len(p.Contexts) == 0 && noEmail[p.Keys.SourceKey] {
			out = append(out, fileset.LeftOut{Kind: reconcile.KindPerson, SourceKey: p.Keys.SourceKey,
				Reason: "a contact (a person without a role at an organisation) needs an e-mail address"})
		}
	}
	for _, p := range s.Persons {
		for _, r := range p.Relations {
			if noEmail[r.Person] {
				out = append(out, fileset.LeftOut{Kind: reconcile.KindPerson, SourceKey: p.Keys.SourceKey, Related: r.Person,
					Reason: "a relationship to a contact without an e-mail address"})
			}
		}
	}
	return out
}
