package ss12000test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/edusync/edusync/internal/redact"
	"github.com/edusync/edusync/ss12000"
)

// Server is an in-memory SS 12000 service: all 69 operations of openapi/ss12000.yaml over the
// generated models of package ss12000, with the standard's paging, filters, expansions,
// lookups, removals, writes, subscriptions with callbacks, bearer and OAuth2 authentication,
// and switchable faults. It is safe for concurrent use. It is also an http.Handler, so it can
// be mounted on any server (NewHandler).
type Server struct {
	opts options
	mux  *http.ServeMux
	ops  map[string]*route // by mux pattern

	hs   *httptest.Server
	hsrv *http.Server
	root string // scheme://host:port, empty for NewHandler

	mu   sync.RWMutex // guards st and subs
	st   *store
	subs map[string]*ss12000.Subscription

	viewMu sync.Mutex
	view   *view

	pages  *cursors
	auth   *authState
	faults *faultState
	obs    *observer
	notify *notifier

	reqSeq atomic.Uint64
}

// NewServer starts a Server with ds on a loopback port (an httptest.Server). Close it when done.
func NewServer(ds Dataset, opts ...Option) *Server {
	s := newServer(ds, opts)
	s.hs = httptest.NewServer(s)
	s.root = s.hs.URL
	return s
}

// NewHandler returns a Server that does not listen: mount it (it is an http.Handler) on a
// server of your own. Its BaseURL and TokenURL are then paths (BasePath, TokenPath) to put
// behind your origin. Close still stops its callbacks.
func NewHandler(ds Dataset, opts ...Option) *Server { return newServer(ds, opts) }

// Serve runs a Server with ds on ln (for example a fixed port of a sandbox) until Close.
func Serve(ln net.Listener, ds Dataset, opts ...Option) *Server {
	s := newServer(ds, opts)
	s.hsrv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	s.root = "http://" + ln.Addr().String()
	go func() { _ = s.hsrv.Serve(ln) }()
	return s
}

func newServer(ds Dataset, opts []Option) *Server {
	o := defaultOptions()
	for _, f := range opts {
		if f != nil {
			f(&o)
		}
	}
	if o.resolution < 0 {
		o.resolution = 0
	}
	s := &Server{opts: o, st: newStore(), subs: map[string]*ss12000.Subscription{}}
	s.pages = newCursors()
	s.auth = newAuthState(o)
	s.faults = newFaultState(o.faults)
	s.obs = newObserver()
	s.notify = newNotifier(s)
	s.loadDataset(ds)
	s.routes()
	return s
}

// BaseURL is what a client is configured with, for example http://127.0.0.1:41234/ss12000/v2.
// Paths of the operations follow it ("/persons").
func (s *Server) BaseURL() string { return s.root + s.opts.basePath }

// BasePath is the path part of BaseURL.
func (s *Server) BasePath() string { return s.opts.basePath }

// TokenURL is the OAuth2 token endpoint (client-credentials grant), for example
// http://127.0.0.1:41234/oauth2/token. It takes the client id and secret (ClientCredentials) by
// HTTP Basic authentication or as form fields and issues bearer tokens valid for the token
// lifetime.
func (s *Server) TokenURL() string { return s.root + TokenPath }

// ClientCredentials returns the client id and secret the token endpoint accepts.
func (s *Server) ClientCredentials() (id, secret string) {
	return s.opts.clientID, s.opts.clientSecret
}

// Token returns a valid static bearer token.
func (s *Server) Token() string { return s.auth.static[0] }

// Close stops the server and its callbacks.
func (s *Server) Close() {
	s.notify.close()
	if s.hs != nil {
		s.hs.Close()
	}
	if s.hsrv != nil {
		_ = s.hsrv.Close()
	}
}

// now is the server clock, in UTC.
func (s *Server) now() time.Time { return s.opts.now().UTC() }

// stamp is now truncated to the timestamp resolution, for meta.
func (s *Server) stamp() time.Time {
	t := s.now()
	if s.opts.resolution > 0 {
		t = t.Truncate(s.opts.resolution)
	}
	return t
}

// route is one operation of the API.
type route struct {
	method, path string // path under the base path, in ServeMux syntax
	op           string // operationId
	write        bool   // changes data (for the applied-then-dropped fault)
	h            http.HandlerFunc
}

// ServeHTTP answers one request: request id, routing (404 and 405 with the Error body), the
// token endpoint, authentication, faults and the operation.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rid := r.Header.Get("X-Request-Id")
	if !saneHeader(rid) {
		rid = "req-" + strconv.FormatUint(s.reqSeq.Add(1), 10)
	}
	w.Header().Set("X-Request-Id", rid)
	if s.opts.logger != nil {
		s.opts.logger.Debug("ss12000test request", "method", r.Method, "url", redact.URL(r.URL), "request_id", rid)
	}
	if r.URL.Path == TokenPath {
		s.handleToken(w, r)
		return
	}
	_, pattern := s.mux.Handler(r)
	rt := s.ops[pattern]
	if rt == nil {
		s.obs.count("")
		if allow := s.allowed(r); len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", "the operation does not accept "+r.Method)
			return
		}
		writeError(w, http.StatusNotFound, "no_such_operation", "no operation has this path")
		return
	}
	s.obs.count(rt.op)
	if !s.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="ss12000test"`)
		writeError(w, http.StatusUnauthorized, "unauthorized", "a valid bearer token is required")
		return
	}
	// The mux serves the operation (mux.Handler does not fill in path values; ServeHTTP does).
	if s.applyFaults(w, r, rt, s.mux) {
		return
	}
	if r.ContentLength > s.opts.maxBody {
		writeError(w, http.StatusRequestEntityTooLarge, "body_too_large", "the request body is larger than the server accepts")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.opts.maxBody)
	s.mux.ServeHTTP(w, r)
}

// allowed lists the methods the request's path accepts, for 405 answers.
func (s *Server) allowed(r *http.Request) []string {
	var out []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if m == r.Method {
			continue
		}
		c := r.Clone(r.Context())
		c.Method = m
		if _, p := s.mux.Handler(c); s.ops[p] != nil {
			out = append(out, m)
		}
	}
	return out
}

func saneHeader(v string) bool {
	if v == "" || len(v) > 128 {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < 0x21 || v[i] > 0x7e {
			return false
		}
	}
	return true
}

// routes registers every operation of the API.
func (s *Server) routes() {
	s.mux = http.NewServeMux()
	s.ops = map[string]*route{}
	add := func(method, path, op string, write bool, h http.HandlerFunc) {
		rt := &route{method: method, path: path, op: op, write: write, h: h}
		pattern := method + " " + s.opts.basePath + path
		s.mux.HandleFunc(pattern, h)
		s.ops[pattern] = rt
	}
	type std struct {
		k      *kind
		list   http.HandlerFunc
		lookup http.HandlerFunc
		get    http.HandlerFunc
		op     string // singular for get
		ops    string // plural for list/lookup
	}
	for _, d := range []std{
		{kOrganisations, s.listOrganisations, s.lookupOrganisations, s.getHandler(kOrganisations, ss12000.GetOrganisationParams{}), "Organisation", "Organisations"},
		{kPersons, s.listPersons, s.lookupPersons, s.getHandler(kPersons, ss12000.GetPersonParams{}), "Person", "Persons"},
		{kPlacements, s.listPlacements, s.lookupPlacements, s.getHandler(kPlacements, ss12000.GetPlacementParams{}), "Placement", "Placements"},
		{kDuties, s.listDuties, s.lookupByIDs(kDuties, ss12000.LookupDutiesParams{}), s.getHandler(kDuties, ss12000.GetDutyParams{}), "Duty", "Duties"},
		{kGroups, s.listGroups, s.lookupByIDs(kGroups, ss12000.LookupGroupsParams{}), s.getHandler(kGroups, ss12000.GetGroupParams{}), "Group", "Groups"},
		{kProgrammes, s.listProgrammes, s.lookupByIDs(kProgrammes, ss12000.LookupProgrammesParams{}), s.getHandler(kProgrammes, ss12000.GetProgrammeParams{}), "Programme", "Programmes"},
		{kStudyPlans, s.listStudyPlans, nil, s.getHandler(kStudyPlans, ss12000.GetStudyPlanParams{}), "StudyPlan", "StudyPlans"},
		{kSyllabuses, s.listSyllabuses, s.lookupByIDs(kSyllabuses, ss12000.LookupSyllabusesParams{}), s.getHandler(kSyllabuses, ss12000.GetSyllabusParams{}), "Syllabus", "Syllabuses"},
		{kSchoolUnitOfferings, s.listSchoolUnitOfferings, s.lookupByIDs(kSchoolUnitOfferings, ss12000.LookupSchoolUnitOfferingsParams{}), s.getHandler(kSchoolUnitOfferings, ss12000.GetSchoolUnitOfferingParams{}), "SchoolUnitOffering", "SchoolUnitOfferings"},
		{kActivities, s.listActivities, s.lookupActivities, s.getHandler(kActivities, ss12000.GetActivityParams{}), "Activity", "Activities"},
		{kCalendarEvents, s.listCalendarEvents, s.lookupCalendarEvents, s.getHandler(kCalendarEvents, ss12000.GetCalendarEventParams{}), "CalendarEvent", "CalendarEvents"},
		{kAttendances, s.listAttendances, s.lookupAttendances, s.getHandler(kAttendances, struct{}{}), "Attendance", "Attendances"},
		{kAttendanceEvents, s.listAttendanceEvents, s.lookupAttendanceEvents, s.getHandler(kAttendanceEvents, ss12000.GetAttendanceEventParams{}), "AttendanceEvent", "AttendanceEvents"},
		{kAttendanceSchedules, s.listAttendanceSchedules, s.lookupAttendanceSchedules, s.getHandler(kAttendanceSchedules, ss12000.GetAttendanceScheduleParams{}), "AttendanceSchedule", "AttendanceSchedules"},
		{kGrades, s.listGrades, s.lookupByIDs(kGrades, ss12000.LookupGradesParams{}), s.getHandler(kGrades, ss12000.GetGradeParams{}), "Grade", "Grades"},
		{kAbsences, s.listAbsences, s.lookupByIDs(kAbsences, ss12000.LookupAbsencesParams{}), s.getHandler(kAbsences, struct{}{}), "Absence", "Absences"},
		{kAggregatedAttendances, s.listAggregatedAttendances, nil, nil, "", "AggregatedAttendances"},
		{kResources, s.listResources, s.lookupByIDs(kResources, ss12000.LookupResourcesParams{}), s.getHandler(kResources, ss12000.GetResourceParams{}), "Resource", "Resources"},
		{kRooms, s.listRooms, s.lookupByIDs(kRooms, ss12000.LookupRoomsParams{}), s.getHandler(kRooms, ss12000.GetRoomParams{}), "Room", "Rooms"},
	} {
		p := "/" + d.k.path
		add("GET", p, "list"+d.ops, false, d.list)
		if d.lookup != nil {
			add("POST", p+"/lookup", "lookup"+d.ops, false, d.lookup)
		}
		if d.get != nil {
			add("GET", p+"/{id}", "get"+d.op, false, d.get)
		}
	}
	add("POST", "/attendances", "createAttendance", true, s.createAttendance)
	add("DELETE", "/attendances/{id}", "deleteAttendance", true, s.deleteHandler(kAttendances))
	add("POST", "/attendanceEvents", "createAttendanceEvent", true, s.createAttendanceEvent)
	add("DELETE", "/attendanceEvents/{id}", "deleteAttendanceEvent", true, s.deleteHandler(kAttendanceEvents))
	add("POST", "/attendanceSchedule", "createAttendanceSchedule", true, s.createAttendanceSchedule)
	add("DELETE", "/attendanceSchedule/{id}", "deleteAttendanceSchedule", true, s.deleteHandler(kAttendanceSchedules))
	add("POST", "/absences", "createAbsence", true, s.createAbsence)

	add("GET", "/subscriptions", "listSubscriptions", false, s.listSubscriptions)
	add("POST", "/subscriptions", "createSubscription", true, s.createSubscription)
	add("GET", "/subscriptions/{id}", "getSubscription", false, s.getSubscription)
	add("PATCH", "/subscriptions/{id}", "renewSubscription", true, s.renewSubscription)
	add("DELETE", "/subscriptions/{id}", "deleteSubscription", true, s.deleteSubscription)

	// The standard writes these two with a trailing slash; clients send both forms.
	add("POST", "/log/{$}", "createLogEntry", true, s.createLogEntry)
	add("POST", "/log", "createLogEntry", true, s.createLogEntry)
	add("POST", "/statistics/{$}", "createStatisticsEntry", true, s.createStatisticsEntry)
	add("POST", "/statistics", "createStatisticsEntry", true, s.createStatisticsEntry)

	add("GET", "/deletedEntities", "listDeletedEntities", false, s.listDeletedEntities)
}

// Operations lists the operationIds the server answers, as in openapi/ss12000.yaml.
func (s *Server) Operations() []string {
	seen := map[string]bool{}
	var out []string
	for _, rt := range s.ops {
		if !seen[rt.op] {
			seen[rt.op] = true
			out = append(out, rt.op)
		}
	}
	return out
}

func (s *Server) logWarn(msg string, args ...any) {
	if s.opts.logger != nil {
		s.opts.logger.Warn(msg, args...)
	}
}

var _ http.Handler = (*Server)(nil)
