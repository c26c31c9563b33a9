package ss12000test

import (
	"net/http"
	"slices"
	"strings"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/edusync/edusync/ss12000"
)

// conds collects the conditions of one listing; all of them must hold.
type conds []func(*record) bool

func (c *conds) add(f func(*record) bool) { *c = append(*c, f) }

// fn returns the conjunction, or nil when there is no condition (the fast path of serveList).
func (c conds) fn() func(*record) bool {
	switch len(c) {
	case 0:
		return nil
	case 1:
		return c[0]
	}
	return func(r *record) bool {
		for _, f := range c {
			if !f(r) {
				return false
			}
		}
		return true
	}
}

// val returns the stored value of rec as *T.
func val[T any](rec *record) *T { return rec.val.(*T) }

// dates are the four date-range filters (startDate.onOrBefore, ...). A record whose start or
// end date is not set always passes the filters on that date, as the standard says for
// relationships; the fake applies the same rule everywhere.
type dates struct{ sb, sa, eb, ea openapi_types.Date }

func (d dates) set() bool {
	return !d.sb.IsZero() || !d.sa.IsZero() || !d.eb.IsZero() || !d.ea.IsZero()
}

func (d dates) match(start, end openapi_types.Date) bool {
	if !start.IsZero() {
		if !d.sb.IsZero() && start.After(d.sb.Time) {
			return false
		}
		if !d.sa.IsZero() && start.Before(d.sa.Time) {
			return false
		}
	}
	if !end.IsZero() {
		if !d.eb.IsZero() && end.After(d.eb.Time) {
			return false
		}
		if !d.ea.IsZero() && end.Before(d.ea.Time) {
			return false
		}
	}
	return true
}

// inTime applies an inclusive time range (onOrAfter, onOrBefore); zero bounds are open.
func inTime(t, onOrAfter, onOrBefore time.Time) bool {
	return (onOrAfter.IsZero() || !t.Before(onOrAfter)) && (onOrBefore.IsZero() || !t.After(onOrBefore))
}

func inDates(d, onOrAfter, onOrBefore openapi_types.Date) bool {
	return inTime(d.Time, onOrAfter.Time, onOrBefore.Time)
}

// validAll reports whether every value is valid.
func validAll[E interface{ Valid() bool }](vs []E) bool {
	for _, v := range vs {
		if !v.Valid() {
			return false
		}
	}
	return true
}

func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// ---- organisations

func (s *Server) listOrganisations(w http.ResponseWriter, r *http.Request) {
	serveList(s, w, r, kOrganisations, func(p *ss12000.ListOrganisationsParams, _ *view) (func(*record) bool, string) {
		if !validAll(p.Type) || !validAll(p.SchoolTypes) {
			return nil, "type or schoolTypes has a value outside the code list"
		}
		var c conds
		if len(p.Parent) > 0 {
			c.add(func(r *record) bool {
				return slices.Contains(p.Parent, val[ss12000.Organisation](r).ParentOrganisation.ID)
			})
		}
		if len(p.SchoolUnitCode) > 0 {
			c.add(func(r *record) bool {
				o := val[ss12000.Organisation](r)
				return o.SchoolUnitCode != "" && slices.Contains(p.SchoolUnitCode, o.SchoolUnitCode)
			})
		}
		if len(p.OrganisationCode) > 0 {
			c.add(func(r *record) bool {
				o := val[ss12000.Organisation](r)
				return o.OrganisationCode != "" && slices.Contains(p.OrganisationCode, o.OrganisationCode)
			})
		}
		if p.MunicipalityCode != "" {
			c.add(func(r *record) bool { return val[ss12000.Organisation](r).MunicipalityCode == p.MunicipalityCode })
		}
		if len(p.Type) > 0 {
			c.add(func(r *record) bool { return slices.Contains(p.Type, val[ss12000.Organisation](r).OrganisationType) })
		}
		if len(p.SchoolTypes) > 0 {
			c.add(func(r *record) bool {
				return slices.ContainsFunc(val[ss12000.Organisation](r).SchoolTypes, func(t ss12000.SchoolTypesEnum) bool {
					return slices.Contains(p.SchoolTypes, t)
				})
			})
		}
		if d := (dates{p.StartDateOnOrBefore, p.StartDateOnOrAfter, p.EndDateOnOrBefore, p.EndDateOnOrAfter}); d.set() {
			c.add(func(r *record) bool { o := val[ss12000.Organisation](r); return d.match(o.StartDate, o.EndDate) })
		}
		return c.fn(), ""
	})
}

func (s *Server) lookupOrganisations(w http.ResponseWriter, r *http.Request) {
	serveLookup(s, w, r, kOrganisations, ss12000.LookupOrganisationsParams{},
		func(b *ss12000.OrganisationsLookup) int {
			return len(b.Ids) + len(b.SchoolUnitCodes) + len(b.OrganisationCodes)
		},
		func(s *Server, _ *view, b *ss12000.OrganisationsLookup) []*record {
			out := s.byIDs(kOrganisations, b.Ids)
			if len(b.SchoolUnitCodes)+len(b.OrganisationCodes) > 0 {
				out = append(out, s.scan(kOrganisations, func(r *record) bool {
					o := val[ss12000.Organisation](r)
					return (o.SchoolUnitCode != "" && slices.Contains(b.SchoolUnitCodes, o.SchoolUnitCode)) ||
						(o.OrganisationCode != "" && slices.Contains(b.OrganisationCodes, o.OrganisationCode))
				})...)
			}
			return out
		})
}

// ---- persons

// relFilter is the relationship.* filter of /persons.
type relFilter struct {
	typ string
	org string
	d   dates
}

func (f relFilter) set() bool { return f.typ != "" || f.org != "" || f.d.set() }

func (f relFilter) ok(typ, org string, start, end openapi_types.Date) bool {
	return (f.typ == "" || f.typ == typ) && (f.org == "" || f.org == org) && f.d.match(start, end)
}

// hasRelationship reports whether p has a relationship that passes f: an enrolment, a duty,
// a placement as child or owner, responsibility for an enrolled or placed child, or a group
// membership (including an assignment role of one of the person's duties).
func (v *view) hasRelationship(p *ss12000.Person, f relFilter) bool {
	for _, e := range p.Enrolments {
		if f.ok("enrolment", e.EnroledAt.ID, e.StartDate, e.EndDate) {
			return true
		}
	}
	for _, r := range v.dutiesByPerson[p.ID] {
		d := val[ss12000.Duty](r)
		if f.ok("duty", d.DutyAt.ID, d.StartDate, d.EndDate) {
			return true
		}
		for _, ar := range d.AssignmentRole {
			org := ""
			if g := v.st.get(kGroups, ar.Group.ID); g != nil {
				org = val[ss12000.Group](g).Organisation.ID
			}
			if f.ok("groupMembership", org, ar.StartDate, ar.EndDate) {
				return true
			}
		}
	}
	for _, r := range v.placementsByChild[p.ID] {
		pl := val[ss12000.Placement](r)
		if f.ok("placement.child", pl.PlacedAt.ID, pl.StartDate, pl.EndDate) {
			return true
		}
	}
	for _, r := range v.placementsByOwner[p.ID] {
		pl := val[ss12000.Placement](r)
		if f.ok("placement.owner", pl.PlacedAt.ID, pl.StartDate, pl.EndDate) {
			return true
		}
	}
	for _, rf := range v.responsibleFor[p.ID] {
		child := val[ss12000.Person](rf.child)
		for _, e := range child.Enrolments {
			if f.ok("responsibleFor.enrolment", e.EnroledAt.ID, e.StartDate, e.EndDate) {
				return true
			}
		}
		for _, r := range v.placementsByChild[child.ID] {
			pl := val[ss12000.Placement](r)
			if f.ok("responsibleFor.placement", pl.PlacedAt.ID, pl.StartDate, pl.EndDate) {
				return true
			}
		}
	}
	for _, m := range v.memberships[p.ID] {
		if f.ok("groupMembership", val[ss12000.Group](m.group).Organisation.ID, m.start, m.end) {
			return true
		}
	}
	return false
}

func (s *Server) listPersons(w http.ResponseWriter, r *http.Request) {
	serveList(s, w, r, kPersons, func(p *ss12000.ListPersonsParams, v *view) (func(*record) bool, string) {
		if p.RelationshipEntityType != "" && !p.RelationshipEntityType.Valid() {
			return nil, "relationship.entity.type has a value outside the code list"
		}
		var c conds
		if len(p.NameContains) > 0 {
			parts := make([]string, len(p.NameContains))
			for i, n := range p.NameContains {
				parts[i] = strings.ToLower(n)
			}
			c.add(func(r *record) bool {
				pe := val[ss12000.Person](r)
				names := [3]string{strings.ToLower(pe.GivenName), strings.ToLower(pe.MiddleName), strings.ToLower(pe.FamilyName)}
				for _, part := range parts {
					if !strings.Contains(names[0], part) && !strings.Contains(names[1], part) && !strings.Contains(names[2], part) {
						return false
					}
				}
				return true
			})
		}
		if p.CivicNo != "" {
			want := digits(p.CivicNo)
			c.add(func(r *record) bool {
				cn := val[ss12000.Person](r).CivicNo.Value
				return cn != "" && digits(cn) == want
			})
		}
		if p.EduPersonPrincipalName != "" {
			c.add(func(r *record) bool {
				return slices.ContainsFunc(val[ss12000.Person](r).EduPersonPrincipalNames, func(e string) bool {
					return strings.EqualFold(e, p.EduPersonPrincipalName)
				})
			})
		}
		if p.IdentifierValue != "" || p.IdentifierContext != "" {
			c.add(func(r *record) bool {
				return slices.ContainsFunc(val[ss12000.Person](r).ExternalIdentifiers, func(e ss12000.ExternalIdentifier) bool {
					return (p.IdentifierValue == "" || e.Value == p.IdentifierValue) &&
						(p.IdentifierContext == "" || e.Context == p.IdentifierContext)
				})
			})
		}
		rf := relFilter{typ: string(p.RelationshipEntityType), org: p.RelationshipOrganisation, d: dates{
			p.RelationshipStartDateOnOrBefore, p.RelationshipStartDateOnOrAfter,
			p.RelationshipEndDateOnOrBefore, p.RelationshipEndDateOnOrAfter}}
		if rf.set() {
			c.add(func(r *record) bool { return v.hasRelationship(val[ss12000.Person](r), rf) })
		}
		return c.fn(), ""
	})
}

func (s *Server) lookupPersons(w http.ResponseWriter, r *http.Request) {
	serveLookup(s, w, r, kPersons, ss12000.LookupPersonsParams{},
		func(b *ss12000.PersonsLookup) int { return len(b.Ids) + len(b.CivicNos) },
		func(s *Server, _ *view, b *ss12000.PersonsLookup) []*record {
			out := s.byIDs(kPersons, b.Ids)
			if len(b.CivicNos) > 0 {
				want := map[string]bool{}
				for _, c := range b.CivicNos {
					if d := digits(c); d != "" {
						want[d] = true
					}
				}
				out = append(out, s.scan(kPersons, func(r *record) bool {
					cn := val[ss12000.Person](r).CivicNo.Value
					return cn != "" && want[digits(cn)]
				})...)
			}
			return out
		})
}

// ---- placements

func (s *Server) listPlacements(w http.ResponseWriter, r *http.Request) {
	serveList(s, w, r, kPlacements, func(p *ss12000.ListPlacementsParams, _ *view) (func(*record) bool, string) {
		var c conds
		if p.Organisation != "" {
			c.add(func(r *record) bool { return val[ss12000.Placement](r).PlacedAt.ID == p.Organisation })
		}
		if p.Group != "" {
			c.add(func(r *record) bool { return val[ss12000.Placement](r).Group.ID == p.Group })
		}
		if p.Child != "" {
			c.add(func(r *record) bool { return val[ss12000.Placement](r).Child.ID == p.Child })
		}
		if p.Owner != "" {
			c.add(func(r *record) bool {
				return slices.ContainsFunc(val[ss12000.Placement](r).Owners, func(o ss12000.PersonReference) bool { return o.ID == p.Owner })
			})
		}
		if d := (dates{p.StartDateOnOrBefore, p.StartDateOnOrAfter, p.EndDateOnOrBefore, p.EndDateOnOrAfter}); d.set() {
			c.add(func(r *record) bool { pl := val[ss12000.Placement](r); return d.match(pl.StartDate, pl.EndDate) })
		}
		return c.fn(), ""
	})
}

func (s *Server) lookupPlacements(w http.ResponseWriter, r *http.Request) {
	serveLookup(s, w, r, kPlacements, ss12000.LookupPlacementsParams{},
		func(b *ss12000.PlacementsLookup) int { return len(b.Ids) + len(b.PersonIds) },
		func(s *Server, v *view, b *ss12000.PlacementsLookup) []*record {
			out := s.byIDs(kPlacements, b.Ids)
			for _, pid := range b.PersonIds {
				out = append(out, v.placementsByChild[pid]...)
				out = append(out, v.placementsByOwner[pid]...)
			}
			return out
		})
}

// ---- duties

func (s *Server) listDuties(w http.ResponseWriter, r *http.Request) {
	serveList(s, w, r, kDuties, func(p *ss12000.ListDutiesParams, _ *view) (func(*record) bool, string) {
		if p.DutyRole != "" && !p.DutyRole.Valid() {
			return nil, "dutyRole has a value outside the code list"
		}
		var c conds
		if p.Organisation != "" {
			c.add(func(r *record) bool { return val[ss12000.Duty](r).DutyAt.ID == p.Organisation })
		}
		if p.DutyRole != "" {
			c.add(func(r *record) bool { return val[ss12000.Duty](r).DutyRole == p.DutyRole })
		}
		if p.Person != "" {
			c.add(func(r *record) bool { return val[ss12000.Duty](r).Person.ID == p.Person })
		}
		if d := (dates{p.StartDateOnOrBefore, p.StartDateOnOrAfter, p.EndDateOnOrBefore, p.EndDateOnOrAfter}); d.set() {
			c.add(func(r *record) bool { du := val[ss12000.Duty](r); return d.match(du.StartDate, du.EndDate) })
		}
		return c.fn(), ""
	})
}

// lookupByIDs answers a lookup whose body is only a list of ids.
func (s *Server) lookupByIDs(k *kind, params any) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		serveLookup(s, w, r, k, params,
			func(b *ss12000.IDLookup) int { return len(b.Ids) },
			func(s *Server, _ *view, b *ss12000.IDLookup) []*record { return s.byIDs(k, b.Ids) })
	}
}

// ---- groups

func (s *Server) listGroups(w http.ResponseWriter, r *http.Request) {
	serveList(s, w, r, kGroups, func(p *ss12000.ListGroupsParams, _ *view) (func(*record) bool, string) {
		if !validAll(p.GroupType) || !validAll(p.SchoolTypes) {
			return nil, "groupType or schoolTypes has a value outside the code list"
		}
		var c conds
		if len(p.GroupType) > 0 {
			c.add(func(r *record) bool { return slices.Contains(p.GroupType, val[ss12000.Group](r).GroupType) })
		}
		if len(p.SchoolTypes) > 0 {
			c.add(func(r *record) bool { return slices.Contains(p.SchoolTypes, val[ss12000.Group](r).SchoolType) })
		}
		if len(p.Organisation) > 0 {
			c.add(func(r *record) bool { return slices.Contains(p.Organisation, val[ss12000.Group](r).Organisation.ID) })
		}
		if d := (dates{p.StartDateOnOrBefore, p.StartDateOnOrAfter, p.EndDateOnOrBefore, p.EndDateOnOrAfter}); d.set() {
			c.add(func(r *record) bool { g := val[ss12000.Group](r); return d.match(g.StartDate, g.EndDate) })
		}
		return c.fn(), ""
	})
}

// ---- programmes, study plans, syllabuses, offerings

func (s *Server) listProgrammes(w http.ResponseWriter, r *http.Request) {
	serveList(s, w, r, kProgrammes, func(p *ss12000.ListProgrammesParams, _ *view) (func(*record) bool, string) {
		if !validAll(p.SchoolType) {
			return nil, "schoolType has a value outside the code list"
		}
		var c conds
		if len(p.SchoolType) > 0 {
			c.add(func(r *record) bool { return slices.Contains(p.SchoolType, val[ss12000.Programme](r).SchoolType) })
		}
		if p.Code != "" {
			c.add(func(r *record) bool { return val[ss12000.Programme](r).Code == p.Code })
		}
		if p.ParentProgramme != "" {
			c.add(func(r *record) bool { return val[ss12000.Programme](r).ParentProgramme.ID == p.ParentProgramme })
		}
		return c.fn(), ""
	})
}

func (s *Server) listStudyPlans(w http.ResponseWriter, r *http.Request) {
	serveList(s, w, r, kStudyPlans, func(p *ss12000.ListStudyPlansParams, _ *view) (func(*record) bool, string) {
		var c conds
		if len(p.Student) > 0 {
			c.add(func(r *record) bool { return slices.Contains(p.Student, val[ss12000.StudyPlan](r).Student.ID) })
		}
		if d := (dates{p.StartDateOnOrBefore, p.StartDateOnOrAfter, p.EndDateOnOrBefore, p.EndDateOnOrAfter}); d.set() {
			c.add(func(r *record) bool { sp := val[ss12000.StudyPlan](r); return d.match(sp.StartDate, sp.EndDate) })
		}
		return c.fn(), ""
	})
}

func (s *Server) listSyllabuses(w http.ResponseWriter, r *http.Request) {
	serveList(s, w, r, kSyllabuses, func(*ss12000.ListSyllabusesParams, *view) (func(*record) bool, string) {
		return nil, ""
	})
}

func (s *Server) listSchoolUnitOfferings(w http.ResponseWriter, r *http.Request) {
	serveList(s, w, r, kSchoolUnitOfferings, func(p *ss12000.ListSchoolUnitOfferingsParams, _ *view) (func(*record) bool, string) {
		var c conds
		if p.Organisation != "" {
			c.add(func(r *record) bool { return val[ss12000.SchoolUnitOffering](r).OfferedAt.ID == p.Organisation })
		}
		return c.fn(), ""
	})
}

// ---- activities and calendar events

// isMember reports whether person is a member of one of the groups.
func (v *view) isMember(person string, groups []ss12000.GroupReference) bool {
	for _, g := range groups {
		if v.groupMembers[g.ID][person] {
			return true
		}
	}
	return false
}

func hasGroup(groups []ss12000.GroupReference, id string) bool {
	return slices.ContainsFunc(groups, func(g ss12000.GroupReference) bool { return g.ID == id })
}

func hasTeacher(teachers []ss12000.DutyAssignment, duty string) bool {
	return slices.ContainsFunc(teachers, func(t ss12000.DutyAssignment) bool { return t.Duty.ID == duty })
}

func (s *Server) listActivities(w http.ResponseWriter, r *http.Request) {
	serveList(s, w, r, kActivities, func(p *ss12000.ListActivitiesParams, v *view) (func(*record) bool, string) {
		var c conds
		if p.Member != "" {
			c.add(func(r *record) bool { return v.isMember(p.Member, val[ss12000.Activity](r).Groups) })
		}
		if p.Teacher != "" {
			c.add(func(r *record) bool { return hasTeacher(val[ss12000.Activity](r).Teachers, p.Teacher) })
		}
		if p.Organisation != "" {
			c.add(func(r *record) bool { return val[ss12000.Activity](r).Organisation.ID == p.Organisation })
		}
		if p.Group != "" {
			c.add(func(r *record) bool { return hasGroup(val[ss12000.Activity](r).Groups, p.Group) })
		}
		if d := (dates{p.StartDateOnOrBefore, p.StartDateOnOrAfter, p.EndDateOnOrBefore, p.EndDateOnOrAfter}); d.set() {
			c.add(func(r *record) bool { a := val[ss12000.Activity](r); return d.match(a.StartDate, a.EndDate) })
		}
		return c.fn(), ""
	})
}

func (s *Server) lookupActivities(w http.ResponseWriter, r *http.Request) {
	serveLookup(s, w, r, kActivities, ss12000.LookupActivitiesParams{},
		func(b *ss12000.ActivitiesLookup) int { return len(b.Ids) + len(b.Members) + len(b.Teachers) },
		func(s *Server, v *view, b *ss12000.ActivitiesLookup) []*record {
			out := s.byIDs(kActivities, b.Ids)
			if len(b.Members)+len(b.Teachers) > 0 {
				out = append(out, s.scan(kActivities, func(r *record) bool {
					a := val[ss12000.Activity](r)
					for _, m := range b.Members {
						if v.isMember(m, a.Groups) {
							return true
						}
					}
					return slices.ContainsFunc(b.Teachers, func(t string) bool { return hasTeacher(a.Teachers, t) })
				})...)
			}
			return out
		})
}

// eventActivity returns the activity of a calendar event, or nil.
func (v *view) eventActivity(ce *ss12000.CalendarEvent) *ss12000.Activity {
	return typed[ss12000.Activity](v, kActivities, ce.Activity.ID)
}

// eventHasStudent: the student is in one of the activity's groups or named in the event's
// student exceptions.
func (v *view) eventHasStudent(ce *ss12000.CalendarEvent, student string) bool {
	if slices.ContainsFunc(ce.StudentExceptions, func(e ss12000.StudentException) bool { return e.Student.ID == student }) {
		return true
	}
	a := v.eventActivity(ce)
	return a != nil && v.isMember(student, a.Groups)
}

// eventHasTeacher: the duty teaches the activity or is named in the event's teacher exceptions.
func (v *view) eventHasTeacher(ce *ss12000.CalendarEvent, duty string) bool {
	if slices.ContainsFunc(ce.TeacherExceptions, func(e ss12000.TeacherException) bool { return e.Duty.ID == duty }) {
		return true
	}
	a := v.eventActivity(ce)
	return a != nil && hasTeacher(a.Teachers, duty)
}

func (s *Server) listCalendarEvents(w http.ResponseWriter, r *http.Request) {
	serveList(s, w, r, kCalendarEvents, func(p *ss12000.ListCalendarEventsParams, v *view) (func(*record) bool, string) {
		if p.StartTimeOnOrAfter.IsZero() || p.StartTimeOnOrBefore.IsZero() {
			return nil, "startTime.onOrAfter and startTime.onOrBefore are required"
		}
		var c conds
		c.add(func(r *record) bool {
			ce := val[ss12000.CalendarEvent](r)
			return inTime(ce.StartTime, p.StartTimeOnOrAfter, p.StartTimeOnOrBefore) &&
				inTime(ce.EndTime, p.EndTimeOnOrAfter, p.EndTimeOnOrBefore)
		})
		if p.Activity != "" {
			c.add(func(r *record) bool { return val[ss12000.CalendarEvent](r).Activity.ID == p.Activity })
		}
		if p.Student != "" {
			c.add(func(r *record) bool { return v.eventHasStudent(val[ss12000.CalendarEvent](r), p.Student) })
		}
		if p.Teacher != "" {
			c.add(func(r *record) bool { return v.eventHasTeacher(val[ss12000.CalendarEvent](r), p.Teacher) })
		}
		if p.Organisation != "" {
			c.add(func(r *record) bool {
				a := v.eventActivity(val[ss12000.CalendarEvent](r))
				return a != nil && a.Organisation.ID == p.Organisation
			})
		}
		if p.Group != "" {
			c.add(func(r *record) bool {
				a := v.eventActivity(val[ss12000.CalendarEvent](r))
				return a != nil && hasGroup(a.Groups, p.Group)
			})
		}
		return c.fn(), ""
	})
}

func (s *Server) lookupCalendarEvents(w http.ResponseWriter, r *http.Request) {
	serveLookup(s, w, r, kCalendarEvents, ss12000.LookupCalendarEventsParams{},
		func(b *ss12000.CalendarEventsLookup) int {
			return len(b.Ids) + len(b.Activities) + len(b.Student) + len(b.Teacher)
		},
		func(s *Server, v *view, b *ss12000.CalendarEventsLookup) []*record {
			out := s.byIDs(kCalendarEvents, b.Ids)
			if len(b.Activities)+len(b.Student)+len(b.Teacher) > 0 {
				out = append(out, s.scan(kCalendarEvents, func(r *record) bool {
					ce := val[ss12000.CalendarEvent](r)
					return slices.Contains(b.Activities, ce.Activity.ID) ||
						slices.ContainsFunc(b.Student, func(st string) bool { return v.eventHasStudent(ce, st) }) ||
						slices.ContainsFunc(b.Teacher, func(t string) bool { return v.eventHasTeacher(ce, t) })
				})...)
			}
			return out
		})
}

// ---- attendance

// attendanceActivity returns the activity of an attendance's calendar event, or nil.
func (v *view) attendanceActivity(a *ss12000.Attendance) *ss12000.Activity {
	ce := typed[ss12000.CalendarEvent](v, kCalendarEvents, a.CalendarEvent.ID)
	if ce == nil {
		return nil
	}
	return v.eventActivity(ce)
}

func (s *Server) listAttendances(w http.ResponseWriter, r *http.Request) {
	serveList(s, w, r, kAttendances, func(p *ss12000.ListAttendancesParams, v *view) (func(*record) bool, string) {
		var c conds
		if p.Student != "" {
			c.add(func(r *record) bool { return val[ss12000.Attendance](r).Student.ID == p.Student })
		}
		if p.CalendarEvent != "" {
			c.add(func(r *record) bool { return val[ss12000.Attendance](r).CalendarEvent.ID == p.CalendarEvent })
		}
		if p.Organisation != "" {
			c.add(func(r *record) bool {
				a := v.attendanceActivity(val[ss12000.Attendance](r))
				return a != nil && a.Organisation.ID == p.Organisation
			})
		}
		return c.fn(), ""
	})
}

func (s *Server) lookupAttendances(w http.ResponseWriter, r *http.Request) {
	serveLookup(s, w, r, kAttendances, ss12000.LookupAttendancesParams{},
		func(b *ss12000.AttendancesLookup) int {
			return len(b.Ids) + len(b.Activities) + len(b.Students) + len(b.CalendareEvents)
		},
		func(s *Server, v *view, b *ss12000.AttendancesLookup) []*record {
			out := s.byIDs(kAttendances, b.Ids)
			if len(b.Activities)+len(b.Students)+len(b.CalendareEvents) > 0 {
				out = append(out, s.scan(kAttendances, func(r *record) bool {
					a := val[ss12000.Attendance](r)
					if slices.Contains(b.Students, a.Student.ID) || slices.Contains(b.CalendareEvents, a.CalendarEvent.ID) {
						return true
					}
					act := v.attendanceActivity(a)
					return act != nil && slices.Contains(b.Activities, act.ID)
				})...)
			}
			return out
		})
}

func (s *Server) listAttendanceEvents(w http.ResponseWriter, r *http.Request) {
	serveList(s, w, r, kAttendanceEvents, func(p *ss12000.ListAttendanceEventsParams, _ *view) (func(*record) bool, string) {
		var c conds
		if len(p.Group) > 0 {
			c.add(func(r *record) bool { return slices.Contains(p.Group, val[ss12000.AttendanceEvent](r).Group.ID) })
		}
		if p.Person != "" {
			c.add(func(r *record) bool { return val[ss12000.AttendanceEvent](r).Person.ID == p.Person })
		}
		return c.fn(), ""
	})
}

func (s *Server) lookupAttendanceEvents(w http.ResponseWriter, r *http.Request) {
	serveLookup(s, w, r, kAttendanceEvents, ss12000.LookupAttendanceEventsParams{},
		func(b *ss12000.AttendanceEventsLookup) int { return len(b.Ids) + len(b.Person) + len(b.Group) },
		func(s *Server, _ *view, b *ss12000.AttendanceEventsLookup) []*record {
			out := s.byIDs(kAttendanceEvents, b.Ids)
			if len(b.Person)+len(b.Group) > 0 {
				out = append(out, s.scan(kAttendanceEvents, func(r *record) bool {
					a := val[ss12000.AttendanceEvent](r)
					return slices.Contains(b.Person, a.Person.ID) || slices.Contains(b.Group, a.Group.ID)
				})...)
			}
			return out
		})
}

func (s *Server) listAttendanceSchedules(w http.ResponseWriter, r *http.Request) {
	serveList(s, w, r, kAttendanceSchedules, func(p *ss12000.ListAttendanceSchedulesParams, v *view) (func(*record) bool, string) {
		var c conds
		if p.Placement != "" {
			c.add(func(r *record) bool { return val[ss12000.AttendanceSchedule](r).Placement.ID == p.Placement })
		}
		if p.Group != "" {
			c.add(func(r *record) bool {
				pl := typed[ss12000.Placement](v, kPlacements, val[ss12000.AttendanceSchedule](r).Placement.ID)
				return pl != nil && pl.Group.ID == p.Group
			})
		}
		if d := (dates{p.StartDateOnOrBefore, p.StartDateOnOrAfter, p.EndDateOnOrBefore, p.EndDateOnOrAfter}); d.set() {
			c.add(func(r *record) bool { a := val[ss12000.AttendanceSchedule](r); return d.match(a.StartDate, a.EndDate) })
		}
		return c.fn(), ""
	})
}

func (s *Server) lookupAttendanceSchedules(w http.ResponseWriter, r *http.Request) {
	serveLookup(s, w, r, kAttendanceSchedules, ss12000.LookupAttendanceSchedulesParams{},
		func(b *ss12000.AttendanceSchedulesLookup) int { return len(b.Ids) + len(b.Placement) },
		func(s *Server, _ *view, b *ss12000.AttendanceSchedulesLookup) []*record {
			out := s.byIDs(kAttendanceSchedules, b.Ids)
			if len(b.Placement) > 0 {
				out = append(out, s.scan(kAttendanceSchedules, func(r *record) bool {
					return slices.Contains(b.Placement, val[ss12000.AttendanceSchedule](r).Placement.ID)
				})...)
			}
			return out
		})
}

func (s *Server) listAggregatedAttendances(w http.ResponseWriter, r *http.Request) {
	serveList(s, w, r, kAggregatedAttendances, func(p *ss12000.ListAggregatedAttendancesParams, v *view) (func(*record) bool, string) {
		if p.StartDate.IsZero() || p.EndDate.IsZero() {
			return nil, "startDate and endDate are required"
		}
		if !validAll(p.SchoolType) {
			return nil, "schoolType has a value outside the code list"
		}
		var c conds
		c.add(func(r *record) bool { // the record's period overlaps the asked one
			a := val[aggregated](r)
			return !a.StartDate.After(p.EndDate.Time) && !a.EndDate.Before(p.StartDate.Time)
		})
		if p.Organisation != "" {
			c.add(func(r *record) bool {
				a := typed[ss12000.Activity](v, kActivities, val[aggregated](r).Activity.ID)
				return a != nil && a.Organisation.ID == p.Organisation
			})
		}
		if len(p.SchoolType) > 0 {
			c.add(func(r *record) bool {
				a := typed[ss12000.Activity](v, kActivities, val[aggregated](r).Activity.ID)
				if a == nil {
					return false
				}
				sy := typed[ss12000.Syllabus](v, kSyllabuses, a.Syllabus.ID)
				return sy != nil && slices.Contains(p.SchoolType, sy.SchoolType)
			})
		}
		if len(p.Student) > 0 {
			c.add(func(r *record) bool { return slices.Contains(p.Student, val[aggregated](r).Student.ID) })
		}
		return c.fn(), ""
	})
}

// ---- grades, absences, resources, rooms

func (s *Server) listGrades(w http.ResponseWriter, r *http.Request) {
	serveList(s, w, r, kGrades, func(p *ss12000.ListGradesParams, _ *view) (func(*record) bool, string) {
		var c conds
		if p.Organisation != "" {
			c.add(func(r *record) bool { return val[ss12000.Grade](r).Organisation.ID == p.Organisation })
		}
		if p.Student != "" {
			c.add(func(r *record) bool { return val[ss12000.Grade](r).Student.ID == p.Student })
		}
		if p.RegisteredBy != "" {
			c.add(func(r *record) bool { return val[ss12000.Grade](r).RegisteredBy.ID == p.RegisteredBy })
		}
		if p.GradingTeacher != "" {
			c.add(func(r *record) bool { return val[ss12000.Grade](r).GradingTeacher.ID == p.GradingTeacher })
		}
		if !p.RegisteredDateOnOrAfter.IsZero() || !p.RegisteredDateOnOrBefore.IsZero() {
			c.add(func(r *record) bool {
				return inDates(val[ss12000.Grade](r).RegisteredDate, p.RegisteredDateOnOrAfter, p.RegisteredDateOnOrBefore)
			})
		}
		return c.fn(), ""
	})
}

func (s *Server) listAbsences(w http.ResponseWriter, r *http.Request) {
	serveList(s, w, r, kAbsences, func(p *ss12000.ListAbsencesParams, _ *view) (func(*record) bool, string) {
		if p.Type != "" && !p.Type.Valid() {
			return nil, "type has a value outside the code list"
		}
		var c conds
		if p.Organisation != "" {
			c.add(func(r *record) bool { return val[ss12000.Absence](r).Organisation.ID == p.Organisation })
		}
		if p.Student != "" {
			c.add(func(r *record) bool { return val[ss12000.Absence](r).Student.ID == p.Student })
		}
		if p.RegisteredBy != "" {
			c.add(func(r *record) bool { return val[ss12000.Absence](r).RegisteredBy.ID == p.RegisteredBy })
		}
		if p.Type != "" {
			c.add(func(r *record) bool { return val[ss12000.Absence](r).Type == p.Type })
		}
		if !p.StartTimeOnOrAfter.IsZero() || !p.StartTimeOnOrBefore.IsZero() || !p.EndTimeOnOrAfter.IsZero() || !p.EndTimeOnOrBefore.IsZero() {
			c.add(func(r *record) bool {
				a := val[ss12000.Absence](r)
				return inTime(a.StartTime, p.StartTimeOnOrAfter, p.StartTimeOnOrBefore) &&
					inTime(a.EndTime, p.EndTimeOnOrAfter, p.EndTimeOnOrBefore)
			})
		}
		return c.fn(), ""
	})
}

func (s *Server) listResources(w http.ResponseWriter, r *http.Request) {
	serveList(s, w, r, kResources, func(p *ss12000.ListResourcesParams, _ *view) (func(*record) bool, string) {
		var c conds
		if p.Organisation != "" {
			c.add(func(r *record) bool { return val[ss12000.Resource](r).Owner.ID == p.Organisation })
		}
		return c.fn(), ""
	})
}

func (s *Server) listRooms(w http.ResponseWriter, r *http.Request) {
	serveList(s, w, r, kRooms, func(p *ss12000.ListRoomsParams, _ *view) (func(*record) bool, string) {
		var c conds
		if p.Organisation != "" {
			c.add(func(r *record) bool { return val[ss12000.Room](r).Owner.ID == p.Organisation })
		}
		return c.fn(), ""
	})
}
