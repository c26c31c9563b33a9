package ss12000server

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"

	"github.com/edusync/edusync/internal/apiquery"
	"github.com/edusync/edusync/internal/ss12000serve"
	"github.com/edusync/edusync/ss12000"
	"github.com/edusync/edusync/store"
)

// kind is one resource of the API as the provider serves it. Its typed parts (parameters,
// filter, sort orders, expansion) are those of internal/ss12000serve, which the fake shares.
type kind struct {
	path     string // the path segment: "persons"
	ep       ss12000.EndPointsEnum
	res      string // the store resource of its served records; "" for kinds the provider holds none of
	plural   string // for operationIds: "Persons"
	singular string // "Person"
	expands  []string
	// list reads a list request's parameters, strictly; a message is a 400.
	list func(q url.Values, rel ss12000serve.Relations) (*listing, string)
	// getParams is the get operation's Params type; nil when there is no get.
	getParams reflect.Type
	// lookup reads a lookup request; nil when there is no lookup.
	lookup func(r *http.Request, rel ss12000serve.Relations) (*lookup, string, *ss12000serve.BodyError)
	decode func([]byte) (any, error)
	expand func(ss12000serve.Relations, any, map[string]bool) any
	// transform reduces or strips a record for a receiver (see request.prepare); it reports
	// whether it changed anything.
	transform func(v any, env *envelope, protectedOK bool) bool
}

// listing is what a list request asks for.
type listing struct {
	common ss12000serve.Common
	match  func(any) bool
	key    func(any) string // the sort key; nil for the default order (by id)
	desc   bool
}

// lookup is what a lookup request asks for.
type lookup struct {
	common ss12000serve.Common
	ids    []string
	keys   int
	match  func(any) bool
}

func defineKind[T any, P any](path string, ep ss12000.EndPointsEnum, res, plural, singular string, expands []string,
	filter func(*P, ss12000serve.Relations) (func(*T) bool, string), sorts map[string]ss12000serve.SortKey[T],
	expand func(ss12000serve.Relations, *T, map[string]bool) any) *kind {
	k := &kind{path: path, ep: ep, res: res, plural: plural, singular: singular, expands: expands}
	sortOK := func(s string) bool { _, ok := sorts[s]; return ok }
	k.list = func(q url.Values, rel ss12000serve.Relations) (*listing, string) {
		var p P
		if err := apiquery.Decode(q, &p, true); err != nil {
			return nil, ss12000serve.Trim(err.Error())
		}
		c, msg := ss12000serve.CommonParams(&p, expands, sortOK)
		if msg != "" {
			return nil, msg
		}
		f, msg := filter(&p, rel)
		if msg != "" {
			return nil, msg
		}
		l := &listing{common: c}
		if f != nil {
			l.match = func(v any) bool { return f(v.(*T)) }
		}
		if sk, ok := sorts[c.Sortkey]; ok && c.Sortkey != "" {
			l.key, l.desc = func(v any) string { return sk.Key(v.(*T)) }, sk.Desc
		}
		return l, ""
	}
	k.decode = func(b []byte) (any, error) {
		v := new(T)
		return v, json.Unmarshal(b, v)
	}
	if expand != nil {
		k.expand = func(rel ss12000serve.Relations, v any, ex map[string]bool) any { return expand(rel, v.(*T), ex) }
	}
	k.transform = func(any, *envelope, bool) bool { return false }
	return k
}

// exp makes an expansion function of package ss12000serve fit kind.expand.
func exp[T, E any](f func(ss12000serve.Relations, *T, map[string]bool) E) func(ss12000serve.Relations, *T, map[string]bool) any {
	return func(rel ss12000serve.Relations, v *T, ex map[string]bool) any { return f(rel, v, ex) }
}

func (k *kind) withGet(params any) *kind {
	k.getParams = reflect.TypeOf(params)
	return k
}

func withLookup[B, T any](k *kind, params any, build func(*B, ss12000serve.Relations) ss12000serve.Lookup[T]) *kind {
	pt := reflect.TypeOf(params)
	k.lookup = func(r *http.Request, rel ss12000serve.Relations) (*lookup, string, *ss12000serve.BodyError) {
		p := reflect.New(pt).Interface()
		if err := apiquery.Decode(r.URL.Query(), p, true); err != nil {
			return nil, ss12000serve.Trim(err.Error()), nil
		}
		c, msg := ss12000serve.CommonParams(p, k.expands, nil)
		if msg != "" {
			return nil, msg, nil
		}
		var body B
		if e := ss12000serve.DecodeBody(r, &body); e != nil {
			return nil, "", e
		}
		l := build(&body, rel)
		out := &lookup{common: c, ids: l.IDs, keys: l.Keys}
		if l.Match != nil {
			out.match = func(v any) bool { return l.Match(v.(*T)) }
		}
		return out, "", nil
	}
	return k
}

func idLookup[T any](b *ss12000.IDLookup, _ ss12000serve.Relations) ss12000serve.Lookup[T] {
	return ss12000serve.IDLookup[T](b)
}

// kinds are the resources of SS 12000 2.1.0 the provider answers reads of: those it serves
// records of, and the others, which it answers as a service holding none (empty lists, 404
// for an id), after checking their parameters as strictly.
func kinds() []*kind {
	none := ""
	persons := withLookup(defineKind("persons", ss12000.EndPointsPerson, resPersons, "Persons", "Person", ss12000serve.PersonExpands,
		ss12000serve.PersonFilter, ss12000serve.PersonSorts, exp(ss12000serve.ExpandPerson)).withGet(ss12000.GetPersonParams{}),
		ss12000.LookupPersonsParams{}, ss12000serve.PersonLookup)
	persons.transform = transformPerson
	groups := withLookup(defineKind("groups", ss12000.EndPointsGroup, resGroups, "Groups", "Group", ss12000serve.GroupExpands,
		ss12000serve.GroupFilter, ss12000serve.GroupSorts, exp(ss12000serve.ExpandGroup)).withGet(ss12000.GetGroupParams{}),
		ss12000.LookupGroupsParams{}, idLookup[ss12000.Group])
	groups.transform = transformGroup
	activities := withLookup(defineKind("activities", ss12000.EndPointsActivity, resActivities, "Activities", "Activity", ss12000serve.ActivityExpands,
		ss12000serve.ActivityFilter, ss12000serve.ActivitySorts, exp(ss12000serve.ExpandActivity)).withGet(ss12000.GetActivityParams{}),
		ss12000.LookupActivitiesParams{}, ss12000serve.ActivityLookup)
	activities.transform = transformActivity
	return []*kind{
		withLookup(defineKind("organisations", ss12000.EndPointsOrganisation, resOrganisations, "Organisations", "Organisation", nil,
			ss12000serve.OrganisationFilter, ss12000serve.OrganisationSorts, nil).withGet(ss12000.GetOrganisationParams{}),
			ss12000.LookupOrganisationsParams{}, ss12000serve.OrganisationLookup),
		persons,
		withLookup(defineKind("placements", ss12000.EndPointsPlacement, none, "Placements", "Placement", ss12000serve.PlacementExpands,
			ss12000serve.PlacementFilter, ss12000serve.PlacementSorts, exp(ss12000serve.ExpandPlacement)).withGet(ss12000.GetPlacementParams{}),
			ss12000.LookupPlacementsParams{}, ss12000serve.PlacementLookup),
		withLookup(defineKind("duties", ss12000.EndPointsDuty, resDuties, "Duties", "Duty", ss12000serve.DutyExpands,
			ss12000serve.DutyFilter, ss12000serve.DutySorts, exp(ss12000serve.ExpandDuty)).withGet(ss12000.GetDutyParams{}),
			ss12000.LookupDutiesParams{}, idLookup[ss12000.Duty]),
		groups,
		withLookup(defineKind("programmes", ss12000.EndPointsProgramme, none, "Programmes", "Programme", nil,
			ss12000serve.ProgrammeFilter, ss12000serve.ProgrammeSorts, nil).withGet(ss12000.GetProgrammeParams{}),
			ss12000.LookupProgrammesParams{}, idLookup[ss12000.Programme]),
		defineKind("studyplans", ss12000.EndPointsStudyPlan, none, "StudyPlans", "StudyPlan", nil,
			ss12000serve.StudyPlanFilter, ss12000serve.StudyPlanSorts, nil).withGet(ss12000.GetStudyPlanParams{}),
		withLookup(defineKind("syllabuses", ss12000.EndPointsSyllabus, none, "Syllabuses", "Syllabus", nil,
			ss12000serve.SyllabusFilter, ss12000serve.SyllabusSorts, nil).withGet(ss12000.GetSyllabusParams{}),
			ss12000.LookupSyllabusesParams{}, idLookup[ss12000.Syllabus]),
		withLookup(defineKind("schoolUnitOfferings", ss12000.EndPointsSchoolUnitOffering, none, "SchoolUnitOfferings", "SchoolUnitOffering", nil,
			ss12000serve.SchoolUnitOfferingFilter, ss12000serve.OfferingSorts, nil).withGet(ss12000.GetSchoolUnitOfferingParams{}),
			ss12000.LookupSchoolUnitOfferingsParams{}, idLookup[ss12000.SchoolUnitOffering]),
		activities,
		withLookup(defineKind("calendarEvents", ss12000.EndPointsCalendarEvent, none, "CalendarEvents", "CalendarEvent", ss12000serve.CalendarEventExpands,
			ss12000serve.CalendarEventFilter, ss12000serve.CalendarEventSorts, exp(ss12000serve.ExpandCalendarEvent)).withGet(ss12000.GetCalendarEventParams{}),
			ss12000.LookupCalendarEventsParams{}, ss12000serve.CalendarEventLookup),
		withLookup(defineKind("attendances", ss12000.EndPointsAttendance, none, "Attendances", "Attendance", nil,
			ss12000serve.AttendanceFilter, nil, nil).withGet(struct{}{}),
			ss12000.LookupAttendancesParams{}, ss12000serve.AttendanceLookup),
		withLookup(defineKind("attendanceEvents", ss12000.EndPointsAttendanceEvent, none, "AttendanceEvents", "AttendanceEvent", ss12000serve.AttendanceEventExpands,
			ss12000serve.AttendanceEventFilter, nil, exp(ss12000serve.ExpandAttendanceEvent)).withGet(ss12000.GetAttendanceEventParams{}),
			ss12000.LookupAttendanceEventsParams{}, ss12000serve.AttendanceEventLookup),
		withLookup(defineKind("attendanceSchedule", ss12000.EndPointsAttendanceSchedule, none, "AttendanceSchedules", "AttendanceSchedule", nil,
			ss12000serve.AttendanceScheduleFilter, nil, nil).withGet(ss12000.GetAttendanceScheduleParams{}),
			ss12000.LookupAttendanceSchedulesParams{}, ss12000serve.AttendanceScheduleLookup),
		withLookup(defineKind("grades", ss12000.EndPointsGrade, none, "Grades", "Grade", nil,
			ss12000serve.GradeFilter, ss12000serve.GradeSorts, nil).withGet(ss12000.GetGradeParams{}),
			ss12000.LookupGradesParams{}, idLookup[ss12000.Grade]),
		withLookup(defineKind("absences", ss12000.EndPointsAbsence, none, "Absences", "Absence", nil,
			ss12000serve.AbsenceFilter, ss12000serve.AbsenceSorts, nil).withGet(struct{}{}),
			ss12000.LookupAbsencesParams{}, idLookup[ss12000.Absence]),
		defineKind("aggregatedAttendance", "AggregatedAttendance", none, "AggregatedAttendances", "", ss12000serve.AggregatedExpands,
			ss12000serve.AggregatedAttendanceFilter, nil, exp(ss12000serve.ExpandAggregated)),
		withLookup(defineKind("resources", ss12000.EndPointsResource, none, "Resources", "Resource", nil,
			ss12000serve.ResourceFilter, ss12000serve.ResourceSorts, nil).withGet(ss12000.GetResourceParams{}),
			ss12000.LookupResourcesParams{}, idLookup[ss12000.Resource]),
		withLookup(defineKind("rooms", ss12000.EndPointsRoom, none, "Rooms", "Room", nil,
			ss12000serve.RoomFilter, ss12000serve.RoomSorts, nil).withGet(ss12000.GetRoomParams{}),
			ss12000.LookupRoomsParams{}, idLookup[ss12000.Room]),
	}
}

// table lists every operation the provider answers.
func (p *Provider) table() []*route {
	var rs []*route
	add := func(method, path, op string, h func(http.ResponseWriter, *http.Request, *request)) {
		rs = append(rs, &route{method: method, segs: splitPath(path), op: op, h: h})
	}
	for _, k := range kinds() {
		add(http.MethodGet, "/"+k.path, "list"+k.plural, p.listHandler(k))
		if k.lookup != nil {
			add(http.MethodPost, "/"+k.path+"/lookup", "lookup"+k.plural, p.lookupHandler(k))
		}
		if k.getParams != nil {
			add(http.MethodGet, "/"+k.path+"/{id}", "get"+k.singular, p.getHandler(k))
		}
	}
	add(http.MethodGet, "/subscriptions", "listSubscriptions", p.listSubscriptions)
	add(http.MethodPost, "/subscriptions", "createSubscription", p.createSubscription)
	add(http.MethodGet, "/subscriptions/{id}", "getSubscription", p.getSubscription)
	add(http.MethodPatch, "/subscriptions/{id}", "renewSubscription", p.renewSubscription)
	add(http.MethodDelete, "/subscriptions/{id}", "deleteSubscription", p.deleteSubscription)
	// The standard writes these two with a trailing slash, Skolverket's client without.
	for _, path := range []string{"/log", "/log/"} {
		add(http.MethodPost, path, "createLogEntry", p.createLogEntry)
	}
	for _, path := range []string{"/statistics", "/statistics/"} {
		add(http.MethodPost, path, "createStatisticsEntry", p.createStatisticsEntry)
	}
	add(http.MethodGet, "/deletedEntities", "listDeletedEntities", p.listDeletedEntities)
	return rs
}

func splitPath(path string) []string { return strings.Split(strings.TrimPrefix(path, "/"), "/") }

func badParam(w http.ResponseWriter, msg string) {
	ss12000serve.WriteError(w, http.StatusBadRequest, "invalid_parameter", msg)
}

// view opens a read transaction on the committed state for a request: the generation and
// the view of the organisations.
func (p *Provider) viewTx(r *http.Request, q *request, fn func(tx store.Tx, gen uint64) error) error {
	return p.st.View(r.Context(), p.scope, func(tx store.Tx) error {
		gen, err := committedGen(tx)
		if err != nil {
			return err
		}
		if q.view, err = p.viewOf(tx, gen); err != nil {
			return err
		}
		return fn(tx, gen)
	})
}

// prepare turns a stored record into what the receiver gets: reduced or stripped of protected
// persons as its opt-in says, matched against the filter (nil: all), expanded and named as
// asked. ok is false when the filter leaves it out.
func (q *request) prepare(k *kind, env *envelope, match func(any) bool, rs ss12000serve.Render, rel *relations) (out []byte, ok bool, err error) {
	protOK := q.recv.cfg.Protected
	if match == nil && rs.Plain() && !env.prot && (len(env.refs) == 0 || protOK) {
		return env.doc, true, nil
	}
	v, err := k.decode(env.doc)
	if err != nil {
		return nil, false, errEnvelope
	}
	changed := k.transform(v, env, protOK)
	rel.cur = env
	if match != nil && !match(v) {
		return nil, false, rel.err
	}
	if rs.Plain() && !changed {
		return env.doc, true, nil
	}
	var res any = v
	if len(rs.Expand) > 0 && k.expand != nil {
		res = k.expand(rel, v, rs.Expand)
	}
	if rs.RefNames {
		res = ss12000serve.WithNames(res, rel)
	}
	if rel.err != nil {
		return nil, false, rel.err
	}
	b, err := json.Marshal(res)
	return b, err == nil, err
}

// transformPerson reduces a protected person to the minimum (for a receiver that opted in;
// others never get one) and leaves guardians with protected identity out for receivers that
// did not opt in.
func transformPerson(v any, env *envelope, protOK bool) bool {
	p := v.(*ss12000.Person)
	if env.prot {
		*p = ss12000.Person{ID: p.ID, Meta: p.Meta, GivenName: p.GivenName, FamilyName: p.FamilyName,
			SecurityMarking: p.SecurityMarking, CivicNo: p.CivicNo, EduPersonPrincipalNames: p.EduPersonPrincipalNames,
			Enrolments: p.Enrolments}
		return true
	}
	if len(env.refs) == 0 || protOK {
		return false
	}
	p.Responsibles = slices.DeleteFunc(p.Responsibles, func(r ss12000.Responsible) bool { return slices.Contains(env.refs, r.Person.ID) })
	return true
}

// transformGroup leaves members with protected identity out for receivers that did not opt in.
func transformGroup(v any, env *envelope, protOK bool) bool {
	if len(env.refs) == 0 || protOK {
		return false
	}
	g := v.(*ss12000.Group)
	g.GroupMemberships = slices.DeleteFunc(g.GroupMemberships, func(m ss12000.GroupMembership) bool { return slices.Contains(env.refs, m.Person.ID) })
	return true
}

// transformActivity leaves the duties of teachers with protected identity out for receivers
// that did not opt in.
func transformActivity(v any, env *envelope, protOK bool) bool {
	if len(env.refs) == 0 || protOK {
		return false
	}
	a := v.(*ss12000.Activity)
	a.Teachers = slices.DeleteFunc(a.Teachers, func(t ss12000.DutyAssignment) bool { return slices.Contains(env.refs, t.Duty.ID) })
	return true
}

// readDoc reads a served record; ok is false when there is none.
func readDoc(tx store.Tx, res, id string) (envelope, bool, error) {
	raw, ok, err := get(tx, docKey(res, id))
	if err != nil || !ok {
		return envelope{}, false, err
	}
	env, err := decodeEnvelope(raw)
	return env, err == nil, err
}

// getHandler answers GET /<resource>/{id}. A record the receiver may not see is as absent as
// one that does not exist.
func (p *Provider) getHandler(k *kind) func(http.ResponseWriter, *http.Request, *request) {
	return func(w http.ResponseWriter, r *http.Request, q *request) {
		params := reflect.New(k.getParams).Interface()
		if err := apiquery.Decode(r.URL.Query(), params, true); err != nil {
			badParam(w, ss12000serve.Trim(err.Error()))
			return
		}
		c, msg := ss12000serve.CommonParams(params, k.expands, nil)
		if msg != "" {
			badParam(w, msg)
			return
		}
		var out []byte
		err := p.viewTx(r, q, func(tx store.Tx, gen uint64) error {
			if k.res == "" {
				return nil
			}
			env, ok, err := readDoc(tx, k.res, q.id)
			if err != nil || !ok || !q.sees(&env) {
				return err
			}
			rel := newRelations(p, tx, q)
			out, _, err = q.prepare(k, &env, nil, c.Render, rel)
			return err
		})
		if err != nil {
			p.fail(w, r, q, err)
			return
		}
		if out == nil {
			ss12000serve.WriteError(w, http.StatusNotFound, "not_found", "no "+k.path+" record with this id")
			return
		}
		ss12000serve.WriteRaw(w, http.StatusOK, out)
	}
}

// maxLookupAnswer caps the answer of one lookup; a larger one is refused (413) so that the
// receiver splits it.
const maxLookupAnswer = 32 << 20

var errLookupTooLarge = errors.New("the answer is too large")

// lookupHandler answers POST /<resource>/lookup: the records with the body's ids in the order
// asked, then those its other keys match, in id order, each once; unknown keys and records the
// receiver may not see are simply absent.
func (p *Provider) lookupHandler(k *kind) func(http.ResponseWriter, *http.Request, *request) {
	return func(w http.ResponseWriter, r *http.Request, q *request) {
		rel := newRelations(p, nil, q)
		l, msg, be := k.lookup(r, rel)
		switch {
		case be != nil:
			be.Write(w)
			return
		case msg != "":
			badParam(w, msg)
			return
		case l.keys > p.opts.MaxLookup:
			ss12000serve.WriteError(w, http.StatusRequestEntityTooLarge, "too_many_keys",
				"the lookup has more keys than the provider accepts in one request; split it")
			return
		}
		buf := ss12000serve.GetBuf()
		defer ss12000serve.PutBuf(buf)
		buf.WriteByte('[')
		n := 0
		emit := func(b []byte) error {
			if n > 0 {
				buf.WriteByte(',')
			}
			n++
			buf.Write(b)
			if buf.Len() > maxLookupAnswer {
				return errLookupTooLarge
			}
			return nil
		}
		err := p.viewTx(r, q, func(tx store.Tx, gen uint64) error {
			if k.res == "" {
				return nil
			}
			rel.tx = tx
			seen := map[string]bool{}
			for _, id := range l.ids {
				if seen[id] || id == "" {
					continue
				}
				seen[id] = true
				env, ok, err := readDoc(tx, k.res, id)
				if err != nil {
					return err
				}
				if !ok || !q.sees(&env) {
					continue
				}
				out, _, err := q.prepare(k, &env, nil, l.common.Render, rel)
				if err != nil {
					return err
				}
				if err := emit(out); err != nil {
					return err
				}
			}
			if l.match == nil {
				return nil
			}
			return each(tx, docPrefix(k.res), func(key string, value []byte) error {
				if seen[lastSegment(key)] {
					return nil
				}
				env, err := decodeEnvelope(value)
				if err != nil {
					return err
				}
				if env.born > gen || !q.sees(&env) {
					return nil
				}
				out, ok, err := q.prepare(k, &env, l.match, l.common.Render, rel)
				if err != nil || !ok {
					return err
				}
				return emit(out)
			})
		})
		if errors.Is(err, errLookupTooLarge) {
			ss12000serve.WriteError(w, http.StatusRequestEntityTooLarge, "answer_too_large",
				"the records the lookup asks for are more than one answer carries; split it")
			return
		}
		if err != nil {
			p.fail(w, r, q, err)
			return
		}
		buf.WriteByte(']')
		ss12000serve.WriteRaw(w, http.StatusOK, buf.Bytes())
	}
}
