package ss12000sync

import (
	"errors"
	"fmt"

	"slices"
	"strings"

	"github.com/edusync/edusync/internal/redact"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/ss12000"
)

// The records the Source keeps of each SS 12000 resource: only what the canonical model needs,
// so that a municipality's snapshot loads from store in a fraction of a second. Addresses,
// phone numbers and photos are never kept; a personal number only when persons are keyed by it.

type orgRec struct {
	ID, Name, Type, Parent                    string
	SchoolUnitCode, OrgCode, MunicipalityCode string
	SchoolTypes                               []string
	Start, End                                reconcile.Date
}

type emailRec struct{ Type, Value string }

type enrolRec struct {
	Unit, SchoolType string
	Year             int
	Cancelled        bool
	Start, End       reconcile.Date
}

type respRec struct {
	Person, Relation string
}

type personRec struct {
	ID, Given, Middle, Family string
	CivicNo                   string // only with KeyCivicNo
	Birth                     reconcile.Date
	Protected                 bool
	Emails                    []emailRec
	EPPNs                     []string
	Enrolments                []enrolRec
	Responsibles              []respRec
}

type memberRec struct {
	Person     string
	Start, End reconcile.Date
}

type groupRec struct {
	ID, Name, Type, Org, SchoolType string
	Start, End                      reconcile.Date
	Members                         []memberRec
}

type assignRec struct {
	Group, Role string
	Start, End  reconcile.Date
}

type dutyRec struct {
	ID, Person, Unit, Role string
	Start, End             reconcile.Date
	Assignments            []assignRec
}

type teacherRec struct {
	Duty       string
	Start, End reconcile.Date
}

type activityRec struct {
	ID         string
	Groups     []string
	Teachers   []teacherRec
	Start, End reconcile.Date
}

// civil converts an SS 12000 date; an absent date (the zero time) is the zero Date, not
// 0001-01-01.
func civil(d openapi_types.Date) reconcile.Date { return reconcile.DateOf(d.Time) }

func organisationRecord(o *ss12000.Organisation) orgRec {
	r := orgRec{ID: o.ID, Name: o.DisplayName, Type: string(o.OrganisationType), Parent: o.ParentOrganisation.ID,
		SchoolUnitCode: o.SchoolUnitCode, OrgCode: o.OrganisationCode, MunicipalityCode: o.MunicipalityCode,
		Start: civil(o.StartDate), End: civil(o.EndDate)}
	for _, t := range o.SchoolTypes {
		r.SchoolTypes = append(r.SchoolTypes, string(t))
	}
	return r
}

// personRecord keeps what the canonical person needs; the personal number only when keyPNR.
// Protection is read through ss12000.IsProtected, which treats a missing or unknown marking as
// protected.
func personRecord(p *ss12000.PersonExpanded, keyPNR bool) personRec {
	r := personRec{ID: p.ID, Given: strings.TrimSpace(p.GivenName), Middle: strings.TrimSpace(p.MiddleName),
		Family: strings.TrimSpace(p.FamilyName), Birth: civil(p.BirthDate), Protected: p.Protected(),
		EPPNs: slices.Clone(p.EduPersonPrincipalNames)}
	if keyPNR {
		r.CivicNo = strings.TrimSpace(p.CivicNo.Value)
	}
	for _, e := range p.Emails {
		if v := strings.TrimSpace(e.Value); v != "" {
			r.Emails = append(r.Emails, emailRec{Type: string(e.Type), Value: v})
		}
	}
	for _, e := range p.Enrolments {
		r.Enrolments = append(r.Enrolments, enrolRec{Unit: e.EnroledAt.ID, SchoolType: string(e.SchoolType), Year: e.SchoolYear,
			Cancelled: e.Cancelled, Start: civil(e.StartDate), End: civil(e.EndDate)})
	}
	for _, x := range p.Responsibles {
		if x.Person.ID != "" {
			r.Responsibles = append(r.Responsibles, respRec{Person: x.Person.ID, Relation: string(x.RelationType)})
		}
	}
	return r
}

func groupRecord(g *ss12000.GroupExpanded) groupRec {
	r := groupRec{ID: g.ID, Name: g.DisplayName, Type: string(g.GroupType), Org: g.Organisation.ID,
		SchoolType: string(g.SchoolType), Start: civil(g.StartDate), End: civil(g.EndDate)}
	for _, m := range g.GroupMemberships {
		if m.Person.ID != "" {
			r.Members = append(r.Members, memberRec{Person: m.Person.ID, Start: civil(m.StartDate), End: civil(m.EndDate)})
		}
	}
	return r
}

func dutyRecord(d *ss12000.DutyExpanded) dutyRec {
	r := dutyRec{ID: d.ID, Person: d.Person.ID, Unit: d.DutyAt.ID, Role: string(d.DutyRole),
		Start: civil(d.StartDate), End: civil(d.EndDate)}
	for _, a := range d.AssignmentRole {
		if a.Group.ID != "" {
			r.Assignments = append(r.Assignments, assignRec{Group: a.Group.ID, Role: string(a.AssignmentRoleType),
				Start: civil(a.StartDate), End: civil(a.EndDate)})
		}
	}
	return r
}

func activityRecord(a *ss12000.ActivityExpanded) activityRec {
	r := activityRec{ID: a.ID, Start: civil(a.StartDate), End: civil(a.EndDate)}
	for _, g := range a.Groups {
		if g.ID != "" {
			r.Groups = append(r.Groups, g.ID)
		}
	}
	for _, t := range a.Teachers {
		if t.Duty.ID != "" {
			r.Teachers = append(r.Teachers, teacherRec{Duty: t.Duty.ID, Start: civil(t.StartDate), End: civil(t.EndDate)})
		}
	}
	return r
}

func (r *orgRec) idField() *string      { return &r.ID }
func (r *personRec) idField() *string   { return &r.ID }
func (r *groupRec) idField() *string    { return &r.ID }
func (r *dutyRec) idField() *string     { return &r.ID }
func (r *activityRec) idField() *string { return &r.ID }

// Bounds on what one record may hold. A service that sends more is broken or hostile; the run
// fails (ErrRecordTooLarge) rather than keep megabytes of one name in every snapshot.
const (
	maxText    = 1024   // any one string: a name, an address, a code
	maxList    = 1000   // e-mails, EPPNs, enrolments, responsibles, school types, assignments, groups, teachers
	maxMembers = 100000 // the members of one group
)

// ErrRecordTooLarge means a record of the service has a value or a list longer than any real
// record has (a name over 1,024 bytes, a group over 100,000 members). The run fails; nothing
// is stored.
var ErrRecordTooLarge = errors.New("ss12000sync: a record is larger than any real record")

// sizes checks strings and lists against the bounds.
type sizes struct{ bad string }

func (s *sizes) text(field string, vs ...string) {
	for _, v := range vs {
		if len(v) > maxText && s.bad == "" {
			s.bad = field
		}
	}
}

func (s *sizes) list(field string, n, max int) {
	if n > max && s.bad == "" {
		s.bad = field
	}
}

func (s *sizes) err(kind ss12000.EndPointsEnum, id string) error {
	if s.bad == "" {
		return nil
	}
	return fmt.Errorf("%w: %s %s: %s", ErrRecordTooLarge, kind, redact.Text(truncateID(id)), s.bad)
}

func truncateID(id string) string {
	if len(id) > 64 {
		return id[:64] + "..."
	}
	return id
}

func (r *orgRec) check() error {
	var s sizes
	s.text("a text field", r.ID, r.Name, r.Type, r.Parent, r.SchoolUnitCode, r.OrgCode, r.MunicipalityCode)
	s.text("schoolTypes", r.SchoolTypes...)
	s.list("schoolTypes", len(r.SchoolTypes), maxList)
	return s.err(ss12000.EndPointsOrganisation, r.ID)
}

func (r *personRec) check() error {
	var s sizes
	s.text("a name or id", r.ID, r.Given, r.Middle, r.Family, r.CivicNo)
	s.list("emails", len(r.Emails), maxList)
	for _, e := range r.Emails {
		s.text("emails", e.Type, e.Value)
	}
	s.list("eduPersonPrincipalNames", len(r.EPPNs), maxList)
	s.text("eduPersonPrincipalNames", r.EPPNs...)
	s.list("enrolments", len(r.Enrolments), maxList)
	for _, e := range r.Enrolments {
		s.text("enrolments", e.Unit, e.SchoolType)
	}
	s.list("responsibles", len(r.Responsibles), maxList)
	for _, x := range r.Responsibles {
		s.text("responsibles", x.Person, x.Relation)
	}
	return s.err(ss12000.EndPointsPerson, r.ID)
}

func (r *groupRec) check() error {
	var s sizes
	s.text("a text field", r.ID, r.Name, r.Type, r.Org, r.SchoolType)
	s.list("groupMemberships", len(r.Members), maxMembers)
	for _, m := range r.Members {
		s.text("groupMemberships", m.Person)
	}
	return s.err(ss12000.EndPointsGroup, r.ID)
}

func (r *dutyRec) check() error {
	var s sizes
	s.text("a text field", r.ID, r.Person, r.Unit, r.Role)
	s.list("assignmentRole", len(r.Assignments), maxList)
	for _, a := range r.Assignments {
		s.text("assignmentRole", a.Group, a.Role)
	}
	return s.err(ss12000.EndPointsDuty, r.ID)
}

func (r *activityRec) check() error {
	var s sizes
	s.text("id", r.ID)
	s.list("groups", len(r.Groups), maxList)
	s.text("groups", r.Groups...)
	s.list("teachers", len(r.Teachers), maxList)
	for _, t := range r.Teachers {
		s.text("teachers", t.Duty)
	}
	return s.err(ss12000.EndPointsActivity, r.ID)
}
