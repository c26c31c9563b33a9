package asm

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/edusync/edusync/fileset"
	"github.com/edusync/edusync/reconcile"
)

// The roles an Apple School Manager set knows: a person is a student or staff; a member of a
// class a student (rosters.csv) or an instructor (classes.csv).
const (
	RoleStudent    = "student"
	RoleStaff      = "staff"
	RoleInstructor = "instructor"
)

// MaxInstructors is the number of instructor columns classes.csv allows (instructor_id up to
// instructor_id_15).
const MaxInstructors = 15

func checkID(v string) string {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-') {
			return "an Apple School Manager id holds only letters, digits and hyphens"
		}
	}
	return ""
}

func extra(prefix string, maxN int) func(string) bool {
	return func(name string) bool {
		n, err := strconv.Atoi(strings.TrimPrefix(name, prefix))
		return strings.HasPrefix(name, prefix) && err == nil && n >= 2 && n <= maxN
	}
}

func ref(file, column string) *fileset.Ref { return &fileset.Ref{File: file, Column: column} }

var (
	locationsSpec = &fileset.Spec{Name: "locations.csv", Unique: [][]string{{"location_id"}}, Columns: []fileset.Column{
		{Name: "location_id", Required: true, Check: checkID}, {Name: "location_name", Required: true}}}
	studentsSpec = &fileset.Spec{Name: "students.csv", Unique: [][]string{{"person_id"}}, Extra: extra("location_id_", 999), Columns: []fileset.Column{
		{Name: "person_id", Required: true, Check: checkID, Ref: nil}, {Name: "person_number"}, {Name: "first_name", Required: true},
		{Name: "middle_name"}, {Name: "last_name", Required: true}, {Name: "grade_level"}, {Name: "email_address"},
		{Name: "sis_username"}, {Name: "password_policy", Values: []string{"4", "6", "8"}},
		{Name: "location_id", Required: true, Ref: ref("locations.csv", "location_id")}}}
	staffSpec = &fileset.Spec{Name: "staff.csv", Unique: [][]string{{"person_id"}}, Extra: extra("location_id_", 999), Columns: []fileset.Column{
		{Name: "person_id", Required: true, Check: checkID}, {Name: "person_number"}, {Name: "first_name", Required: true},
		{Name: "middle_name"}, {Name: "last_name", Required: true}, {Name: "email_address"}, {Name: "sis_username"},
		{Name: "location_id", Required: true, Ref: ref("locations.csv", "location_id")}}}
	coursesSpec = &fileset.Spec{Name: "courses.csv", Unique: [][]string{{"course_id"}}, Columns: []fileset.Column{
		{Name: "course_id", Required: true, Check: checkID}, {Name: "course_number"}, {Name: "course_name"},
		{Name: "location_id", Required: true, Ref: ref("locations.csv", "location_id")}}}
	classesSpec = &fileset.Spec{Name: "classes.csv", Unique: [][]string{{"class_id"}}, Extra: extra("instructor_id_", MaxInstructors), Columns: []fileset.Column{
		{Name: "class_id", Required: true, Check: checkID}, {Name: "class_number"},
		{Name: "course_id", Required: true, Ref: ref("courses.csv", "course_id")},
		{Name: "instructor_id", Ref: ref("staff.csv", "person_id")}, {Name: "instructor_id_2", Ref: ref("staff.csv", "person_id")},
		{Name: "instructor_id_3", Ref: ref("staff.csv", "person_id")},
		{Name: "location_id", Required: true, Ref: ref("locations.csv", "location_id")}}}
	rostersSpec = &fileset.Spec{Name: "rosters.csv", Unique: [][]string{{"roster_id"}, {"class_id", "student_id"}}, Columns: []fileset.Column{
		{Name: "roster_id", Required: true, Check: checkID},
		{Name: "class_id", Required: true, Ref: ref("classes.csv", "class_id")},
		{Name: "student_id", Required: true, Ref: ref("students.csv", "person_id")}}}
)

// Specs are the six files of an Apple School Manager upload, in the order written. Every
// upload has all of them.
var Specs = []*fileset.Spec{locationsSpec, studentsSpec, staffSpec, coursesSpec, classesSpec, rostersSpec}

func personRole(v string) string {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case RoleStudent:
		return RoleStudent
	case RoleStaff:
		return RoleStaff
	}
	if fileset.RoleOf(v) == fileset.RoleStudent {
		return RoleStudent
	}
	return RoleStaff
}

// memberRole: teachers of a class are its instructors; everyone else, and any role not known,
// is on its roster as a student.
func memberRole(v string) string {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case RoleStudent:
		return RoleStudent
	case RoleInstructor:
		return RoleInstructor
	}
	if fileset.RoleOf(v) == fileset.RoleTeacher {
		return RoleInstructor
	}
	return RoleStudent
}

// vocabulary maps SS 12000's terms (and Apple's own) to students, staff and instructors.
var vocabulary = fileset.Vocabulary{Context: personRole, Member: memberRole}

type format struct{}

func (format) Name() string { return "Apple School Manager" }

func (format) Capabilities() reconcile.Capabilities {
	return reconcile.Capabilities{
		Organisations: &reconcile.Stored{Fields: []string{reconcile.FieldName}},
		Persons: &reconcile.Stored{Fields: []string{reconcile.FieldFamilyName, reconcile.FieldGivenNames, reconcile.FieldEmails,
			reconcile.FieldEPPNs, reconcile.FieldContexts}},
		Groups:      &reconcile.Stored{Fields: []string{reconcile.FieldName, reconcile.FieldOrganisation}},
		Memberships: &reconcile.Stored{Fields: []string{reconcile.FieldRole}},
		Normalise:   vocabulary.Normalise,
		NormaliseID: "asm/1",
	}
}

func (format) CheckID(kind reconcile.Kind, id string) string { return checkID(id) }

// kind says whether a person goes to students.csv or staff.csv, or why neither.
func kind(cs []reconcile.Context) (string, string) {
	var student, staff bool
	for _, c := range cs {
		if personRole(c.Role) == RoleStudent {
			student = true
		} else {
			staff = true
		}
	}
	switch {
	case student && staff:
		return "", "the person is both a student and staff, and Apple's person_id must be unique across students.csv and staff.csv"
	case student:
		return RoleStudent, ""
	case staff:
		return RoleStaff, ""
	}
	return "", "the person has no student or staff role at any location"
}

// Fit keeps what an Apple School Manager set gives back (see fileset.Format).
func (format) Fit(s *fileset.State, rec any) error {
	switch r := rec.(type) {
	case *reconcile.Organisation:
		*r = reconcile.Organisation{Keys: r.Keys, Name: fileset.Clean(r.Name)}
	case *reconcile.Person:
		p := reconcile.Person{Keys: r.Keys, FamilyName: fileset.Clean(r.FamilyName), GivenNames: fileset.Clean(r.GivenNames),
			Contexts: fileset.Contexts(r.Contexts, personRole)}
		if _, why := kind(p.Contexts); why != "" {
			return fmt.Errorf("%w: %s", fileset.ErrInvalid, why)
		}
		if len(r.EPPNs) > 0 {
			p.EPPNs = []string{slices.Min(r.EPPNs)}
		}
		if len(r.Emails) > 0 && !r.Protected {
			p.Emails = []string{strings.ToLower(slices.Min(r.Emails))}
		}
		*r = p
	case *reconcile.Group:
		*r = reconcile.Group{Keys: r.Keys, Name: fileset.Clean(r.Name), Organisation: r.Organisation}
	case *reconcile.Membership:
		// Staff are a class's instructors, students on its roster, whatever the role says.
		role := RoleStudent
		if p := s.Persons[r.Person]; p != nil {
			if k, _ := kind(p.Record.Contexts); k == RoleStaff {
				role = RoleInstructor
			}
		}
		*r = reconcile.Membership{Person: r.Person, Group: r.Group, Role: role}
	default:
		return fmt.Errorf("asm: cannot hold a %T", rec)
	}
	return nil
}

// Screen leaves out persons who are neither students nor staff (guardians) or both, and
// classes without students or with more instructors than Apple takes (fileset.Screener).
func (format) Screen(s *reconcile.Snapshot) []fileset.LeftOut {
	var out []fileset.LeftOut
	role := map[string]string{}
	for _, p := range s.Persons {
		k, why := kind(p.Contexts)
		if why != "" {
			out = append(out, fileset.LeftOut{Kind: reconcile.KindPerson, SourceKey: p.Keys.SourceKey, Reason: why})
			continue
		}
		role[p.Keys.SourceKey] = k
	}
	students, instructors := map[string]int{}, map[string]int{}
	for _, m := range s.Memberships {
		switch role[m.Person] {
		case RoleStudent:
			students[m.Group]++
		case RoleStaff:
			instructors[m.Group]++
		}
	}
	for _, g := range s.Groups {
		key := g.Keys.SourceKey
		switch {
		case students[key] == 0:
			out = append(out, fileset.LeftOut{Kind: reconcile.KindGroup, SourceKey: key, Reason: "Apple School Manager needs at least one student in a class"})
		case instructors[key] > MaxInstructors:
			out = append(out, fileset.LeftOut{Kind: reconcile.KindGroup, SourceKey: key,
				Reason: fmt.Sprintf("the class has %d instructors; Apple School Manager takes at most %d", instructors[key], MaxInstructors)})
		}
	}
	return out
}
