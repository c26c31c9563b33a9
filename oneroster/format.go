package oneroster

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/edusync/edusync/fileset"
	"github.com/edusync/edusync/reconcile"
)

// Value lists of OneRoster 1.2 (CSV binding). Terms starting with "ext:" extend the lists
// that the specification lets a system extend.
var (
	OrgTypes        = []string{"department", "school", "district", "local", "state", "national"}
	RoleTypes       = []string{"primary", "secondary"}
	Roles           = []string{"aide", "counselor", "districtAdministrator", "guardian", "parent", "principal", "proctor", "relative", "siteAdministrator", "student", "systemAdministrator", "teacher"}
	EnrollmentRoles = []string{"administrator", "proctor", "student", "teacher"}
	ClassTypes      = []string{"homeroom", "scheduled"}
	SessionTypes    = []string{"gradingPeriod", "semester", "schoolYear", "term"}
)

// guardianRoles are the roles.csv roles a set derives from relations, not from contexts.
var guardianRoles = []string{"guardian", "parent", "relative"}

func vocab(list []string) func(string) string {
	return func(v string) string {
		if slices.Contains(list, v) || (strings.HasPrefix(v, "ext:") && len(v) > 4) {
			return ""
		}
		return "not one of " + strings.Join(list, ", ") + " or an ext: term"
	}
}

func checkGUID(v string) string {
	if len(v) >= 256 {
		return "longer than 255 characters"
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '.' || c == '-' || c == '_' || c == '/' || c == '@') {
			return "a sourcedId holds only 0-9, a-z, A-Z and . - _ / @"
		}
	}
	return ""
}

func checkDateTime(v string) string {
	if _, err := time.Parse(time.RFC3339Nano, v); err != nil || !strings.HasSuffix(v, "Z") {
		return "not a date and time in UTC (2026-08-17T07:00:00.000Z)"
	}
	return ""
}

// head are the three columns every data file starts with.
func head() []fileset.Column {
	return []fileset.Column{{Name: "sourcedId", Required: true, Check: checkGUID},
		{Name: "status", Values: []string{"active", "tobedeleted"}}, {Name: "dateLastModified", Check: checkDateTime}}
}

func ref(file string) *fileset.Ref { return &fileset.Ref{File: file, Column: "sourcedId"} }

func cols(c ...fileset.Column) []fileset.Column { return append(head(), c...) }

func names(ns ...string) []fileset.Column {
	out := make([]fileset.Column, len(ns))
	for i, n := range ns {
		out[i] = fileset.Column{Name: n}
	}
	return out
}

var (
	orgsSpec = &fileset.Spec{Name: "orgs.csv", Optional: true, Unique: [][]string{{"sourcedId"}}, Columns: cols(
		fileset.Column{Name: "name", Required: true}, fileset.Column{Name: "type", Required: true, Check: vocab(OrgTypes)},
		fileset.Column{Name: "identifier"}, fileset.Column{Name: "parentSourcedId", Ref: ref("orgs.csv")})}
	sessionsSpec = &fileset.Spec{Name: "academicSessions.csv", Optional: true, Unique: [][]string{{"sourcedId"}}, Columns: cols(
		fileset.Column{Name: "title", Required: true}, fileset.Column{Name: "type", Required: true, Check: vocab(SessionTypes)},
		fileset.Column{Name: "startDate", Required: true, Check: fileset.CheckDate}, fileset.Column{Name: "endDate", Required: true, Check: fileset.CheckDate},
		fileset.Column{Name: "parentSourcedId", Ref: ref("academicSessions.csv")}, fileset.Column{Name: "schoolYear", Required: true, Check: fileset.CheckYear})}
	usersSpec = &fileset.Spec{Name: "users.csv", Optional: true, Unique: [][]string{{"sourcedId"}, {"username"}}, Columns: cols(append([]fileset.Column{
		{Name: "enabledUser", Required: true, Values: []string{"true", "false"}}, {Name: "username", Required: true},
		{Name: "userIds"}, {Name: "givenName", Required: true}, {Name: "familyName", Required: true},
		{Name: "middleName"}, {Name: "identifier"}, {Name: "email", Check: fileset.CheckEmail}, {Name: "sms"}, {Name: "phone"},
		{Name: "agentSourcedIds", List: true, Ref: ref("users.csv")}}, names("grades", "password", "userMasterIdentifier",
		"resourceSourcedIds", "preferredGivenName", "preferredMiddleName", "preferredFamilyName", "primaryOrgSourcedId", "pronouns")...)...)}
	rolesSpec = &fileset.Spec{Name: "roles.csv", Optional: true, Unique: [][]string{{"sourcedId"}}, Columns: cols(
		fileset.Column{Name: "userSourcedId", Required: true, Ref: ref("users.csv")},
		fileset.Column{Name: "roleType", Required: true, Values: RoleTypes},
		fileset.Column{Name: "role", Required: true, Check: vocab(Roles)},
		fileset.Column{Name: "beginDate", Check: fileset.CheckDate}, fileset.Column{Name: "endDate", Check: fileset.CheckDate},
		fileset.Column{Name: "orgSourcedId", Required: true, Ref: ref("orgs.csv")}, fileset.Column{Name: "userProfileSourcedId"})}
	coursesSpec = &fileset.Spec{Name: "courses.csv", Optional: true, Unique: [][]string{{"sourcedId"}}, Columns: cols(
		fileset.Column{Name: "schoolYearSourcedId", Ref: ref("academicSessions.csv")}, fileset.Column{Name: "title", Required: true},
		fileset.Column{Name: "courseCode"}, fileset.Column{Name: "grades"},
		fileset.Column{Name: "orgSourcedId", Required: true, Ref: ref("orgs.csv")}, fileset.Column{Name: "subjects"}, fileset.Column{Name: "subjectCodes"})}
	classesSpec = &fileset.Spec{Name: "classes.csv", Optional: true, Unique: [][]string{{"sourcedId"}}, Columns: cols(
		fileset.Column{Name: "title", Required: true}, fileset.Column{Name: "grades"},
		fileset.Column{Name: "courseSourcedId", Required: true, Ref: ref("courses.csv")}, fileset.Column{Name: "classCode"},
		fileset.Column{Name: "classType", Required: true, Check: vocab(ClassTypes)}, fileset.Column{Name: "location"},
		fileset.Column{Name: "schoolSourcedId", Required: true, Ref: ref("orgs.csv")},
		fileset.Column{Name: "termSourcedIds", Required: true, List: true, Ref: ref("academicSessions.csv")},
		fileset.Column{Name: "subjects"}, fileset.Column{Name: "subjectCodes"}, fileset.Column{Name: "periods"})}
	enrollmentsSpec = &fileset.Spec{Name: "enrollments.csv", Optional: true, Unique: [][]string{{"sourcedId"}}, Columns: cols(
		fileset.Column{Name: "classSourcedId", Required: true, Ref: ref("classes.csv")},
		fileset.Column{Name: "schoolSourcedId", Required: true, Ref: ref("orgs.csv")},
		fileset.Column{Name: "userSourcedId", Required: true, Ref: ref("users.csv")},
		fileset.Column{Name: "role", Required: true, Check: vocab(EnrollmentRoles)},
		fileset.Column{Name: "primary", Values: []string{"true", "false"}},
		fileset.Column{Name: "beginDate", Check: fileset.CheckDate}, fileset.Column{Name: "endDate", Check: fileset.CheckDate})}
	demographicsSpec = &fileset.Spec{Name: "demographics.csv", Optional: true, Unique: [][]string{{"sourcedId"}}, Columns: cols(append(
		[]fileset.Column{{Name: "birthDate", Check: fileset.CheckDate}}, names("sex", "americanIndianOrAlaskaNative", "asian", "blackOrAfricanAmerican",
			"nativeHawaiianOrOtherPacificIslander", "white", "demographicRaceTwoOrMoreRaces", "hispanicOrLatinoEthnicity",
			"countryOfBirthCode", "stateOfBirthAbbreviation", "cityOfBirth", "publicSchoolResidenceStatus")...)...)}
	manifestSpec = &fileset.Spec{Name: "manifest.csv", Unique: [][]string{{"propertyName"}}, Columns: []fileset.Column{
		{Name: "propertyName", Required: true}, {Name: "value", Required: true}}}
)

// Specs are the files of a OneRoster 1.2 set this package writes (manifest.csv first). A file
// without rows is left out of the set and named absent in the manifest, as the binding asks.
var Specs = []*fileset.Spec{manifestSpec, orgsSpec, sessionsSpec, usersSpec, rolesSpec, coursesSpec, classesSpec, enrollmentsSpec, demographicsSpec}

// manifestFiles are the 21 data files the manifest names, in the binding's order.
var manifestFiles = []string{"academicSessions", "categories", "classes", "classResources", "courses", "courseResources",
	"demographics", "enrollments", "lineItemLearningObjectiveIds", "lineItems", "lineItemScoreScales", "orgs", "resources",
	"resultLearningObjectiveIds", "results", "resultScoreScales", "roles", "scoreScales", "userProfiles", "userResources", "users"}

// Vocabulary: SS 12000's terms (and OneRoster's own) to OneRoster's value lists.

func term(list []string, v string) string {
	if t := fileset.Term(list, v); t != "" {
		return t
	}
	if strings.HasPrefix(v, "ext:") && len(v) > 4 {
		return v
	}
	return ""
}

func orgType(v string) string {
	if t := term(OrgTypes, v); t != "" {
		return t
	}
	return fileset.OrgType(OrgTypes, v)
}

func personRole(v string) string {
	if t := term(Roles, v); t != "" {
		if slices.Contains(guardianRoles, t) {
			return "" // from relations only
		}
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
		return "counselor"
	case fileset.RoleAide:
		return "aide"
	case fileset.RoleAdministrator:
		return "siteAdministrator"
	case fileset.RoleNurse:
		return "ext:nurse"
	case fileset.RoleStaff:
		return "ext:staff"
	}
	return "ext:other"
}

func enrollmentRole(v string) string {
	switch t := term(EnrollmentRoles, v); t {
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

func classType(v string) string {
	if t := term(ClassTypes, v); t != "" {
		return t
	}
	if strings.EqualFold(strings.TrimSpace(v), "klass") {
		return "homeroom"
	}
	return "scheduled"
}

// relationRole keeps guardian relations only: users.agentSourcedIds cannot say of which kind a
// relation is, and the guardian's role at the pupil's school says it for all its pupils.
func relationRole(v string) string {
	if fileset.Guardian(v) || strings.EqualFold(v, "parent") {
		return "guardian"
	}
	return ""
}

// vocabulary maps SS 12000's terms (and OneRoster's own) to OneRoster's value lists.
var vocabulary = fileset.Vocabulary{Org: orgType, Group: classType, Context: personRole, Relation: relationRole, Member: enrollmentRole}

// format is OneRoster 1.2 CSV for fileset.Target.
type format struct {
	opts  Options
	users fileset.Usernames
}

func (f *format) Name() string { return "OneRoster 1.2" }

func (f *format) Capabilities() reconcile.Capabilities {
	persons := []string{reconcile.FieldFamilyName, reconcile.FieldGivenNames, reconcile.FieldEmails, reconcile.FieldEPPNs,
		reconcile.FieldContexts, reconcile.FieldRelations}
	if f.users.Func != nil {
		persons = slices.DeleteFunc(persons, func(s string) bool { return s == reconcile.FieldEPPNs })
	}
	if f.opts.Demographics {
		persons = append(persons, reconcile.FieldBirthDate)
	}
	return reconcile.Capabilities{
		Organisations: &reconcile.Stored{Fields: []string{reconcile.FieldName, reconcile.FieldType}, Attributes: []string{AttrParent, AttrSchoolUnitCode}},
		Persons:       &reconcile.Stored{Fields: persons, Attributes: []string{fileset.AttrUsername}},
		Groups:        &reconcile.Stored{Fields: []string{reconcile.FieldName, reconcile.FieldType, reconcile.FieldOrganisation, reconcile.FieldValid}},
		Memberships:   &reconcile.Stored{Fields: []string{reconcile.FieldRole, reconcile.FieldPeriod}},
		Normalise:     vocabulary.Normalise,
		NormaliseID:   "oneroster/1",
	}
}

func (f *format) CheckID(kind reconcile.Kind, id string) string {
	if r := checkGUID(id); r != "" {
		return r
	}
	if len(id) > 120 {
		return "longer than 120 characters (the ids of roles and enrollments join two of them)"
	}
	return ""
}

// term is the session a group's period makes: its own closed period, or Options.Term.
func (f *format) term(p reconcile.Period) reconcile.Period {
	if c := fileset.Closed(p); !c.IsZero() {
		return c
	}
	return fileset.Closed(f.opts.Term)
}

// Fit keeps what a OneRoster set gives back (see fileset.Format).
func (f *format) Fit(s *fileset.State, rec any) error {
	switch r := rec.(type) {
	case *reconcile.Organisation:
		*r = reconcile.Organisation{Keys: r.Keys, Name: fileset.Clean(r.Name), Type: orgType(r.Type),
			Attributes: fileset.Only(r.Attributes, AttrParent, AttrSchoolUnitCode)}
	case *reconcile.Person:
		p, err := f.users.Person(r) // Write generates the usernames still missing
		if err != nil {
			return err
		}
		p.Contexts = fileset.Contexts(r.Contexts, personRole)
		if !r.Protected {
			p.Relations = fileset.Relations(r.Relations, relationRole)
			p.Relations = slices.DeleteFunc(p.Relations, func(x reconcile.Relation) bool { return x.Role == "" })
			if len(p.Relations) == 0 {
				p.Relations = nil
			}
			if f.opts.Demographics {
				p.BirthDate = r.BirthDate
			}
		}
		*r = p
	case *reconcile.Group:
		*r = reconcile.Group{Keys: r.Keys, Name: fileset.Clean(r.Name), Type: classType(r.Type), Organisation: r.Organisation, Valid: f.term(r.Valid)}
	case *reconcile.Membership:
		*r = reconcile.Membership{Person: r.Person, Group: r.Group, Role: fileset.Roles(r.Role, enrollmentRole), Period: r.Period}
		if r.Period.Check() != nil {
			r.Period = reconcile.Period{}
		}
	default:
		return fmt.Errorf("oneroster: cannot hold a %T", rec)
	}
	return nil
}

// Screen leaves out groups without a term (no closed validity period and no Options.Term),
// since every OneRoster class needs one (fileset.Screener).
func (f *format) Screen(s *reconcile.Snapshot) []fileset.LeftOut {
	var out []fileset.LeftOut
	for _, g := range s.Groups {
		if f.term(g.Valid).IsZero() {
			out = append(out, fileset.LeftOut{Kind: reconcile.KindGroup, SourceKey: g.Keys.SourceKey,
				Reason: "a class needs a term: the group has no validity period with a start and an end, and no Options.Term is set"})
		}
	}
	return out
}
