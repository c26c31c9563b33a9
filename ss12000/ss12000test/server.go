package ss12000test

import (
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/edusync/edusync/internal/fakekit"
	"github.com/edusync/edusync/ss12000"
)

// Server is an in-memory SS 12000 service: all 69 operations of openapi/ss12000.yaml over the
// generated models of package ss12000, with the standard's paging, filters, expansions,
// lookups, removals, writes, subscriptions with callbacks, bearer and OAuth2 authentication,
// and switchable faults. It is safe for concurrent use. It is also an http.Handler, so it can
// be mounted on any server (NewHandler).
type Server struct {
	opts options
	kit  *fakekit.Server

	mu   sync.RWMutex // guards st and subs
	st   *store
	subs map[string]*ss12000.Subscription

	viewMu sync.Mutex
	view   *view

	pages  *fakekit.Table[*cursor]
	auth   *fakekit.Issuer[struct{}]
	obs    *observer
	notify *notifier
}

// NewServer starts a Server on a loopback port (an httptest.Server), empty unless WithDataset
// or LoadPopulation fills it. Close it when done.
func NewServer(opts ...Option) *Server {
	s := newServer(opts)
	s.kit.Start()
	return s
}

// NewHandler returns a Server that does not listen: mount it (it is an http.Handler) on a
// server of your own. Its URL and TokenURL are then paths (BasePath, TokenPath) to put
// behind your origin. Close still stops its callbacks.
func NewHandler(opts ...Option) *Server { return newServer(opts) }

// Serve runs a Server on ln (for example a fixed port of a sandbox) until Close.
func Serve(ln net.Listener, opts ...Option) *Server {
	s := newServer(opts)
	s.kit.Serve(ln, "http", nil)
	return s
}

func newServer(opts []Option) *Server {
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
	s.kit = fakekit.New(fakekit.Config{
		Name: "ss12000test", BasePath: o.basePath, Now: o.now, Logger: o.logger, MaxBody: o.maxBody,
		EchoRequestID: true, Error: writeKitError, Authenticate: s.authenticate,
	})
	s.kit.SetFaults(o.faults)
	s.pages = fakekit.NewTable[*cursor](o.now)
	s.auth = newIssuer(o)
	s.obs = newObserver()
	s.notify = newNotifier(s)
	s.kit.OnClose(s.notify.close)
	s.loadDataset(o.dataset)
	s.routes()
	return s
}

// URL is what a client is configured with, for example http://127.0.0.1:41234/ss12000/v2.
// Paths of the operations follow it ("/persons").
func (s *Server) URL() string { return s.kit.URL() }

// BasePath is the path part of URL.
func (s *Server) BasePath() string { return s.kit.BasePath() }

// TokenURL is the OAuth2 token endpoint (client-credentials grant), for example
// http://127.0.0.1:41234/oauth2/token. It takes the client id and secret (ClientCredentials) by
// HTTP Basic authentication or as form fields and issues bearer tokens valid for the token
// lifetime.
func (s *Server) TokenURL() string { return s.kit.Root() + TokenPath }

// ClientCredentials returns the client id and secret the token endpoint accepts.
func (s *Server) ClientCredentials() (id, secret string) {
	return s.opts.clientID, s.opts.clientSecret
}

// Token returns a valid static bearer token.
func (s *Server) Token() string { return s.opts.tokens[0] }

// Client returns an ss12000.Client for the server that fetches its tokens from the token
// endpoint with the client-credentials grant (or, WithoutAuth, sends none); opts come after
// that, so a test can turn retries off or use another token.
func (s *Server) Client(opts ...ss12000.Option) (*ss12000.Client, error) {
	var all []ss12000.Option
	if !s.opts.noAuth {
		all = append(all, ss12000.WithClientCredentials(s.TokenURL(), s.opts.clientID, s.opts.clientSecret))
	}
	return ss12000.New(s.URL(), append(all, opts...)...)
}

// Faults makes the server misbehave the way real services and networks do (see SetFaults):
// deterministic rules and seeded rates of server errors, 429 with Retry-After, latency, stalls,
// dropped connections, truncated answers, and writes (creates, deletes, subscription changes,
// log and statistics entries) carried out before the connection drops. Rules name operations by
// their operationId ("listPersons", "createAttendance").
type Faults = fakekit.Faults

// Rule is one deterministic fault of Faults.Rules: which requests it hits, what it does, how
// often.
type Rule = fakekit.Rule

// Stats counts what the server saw by operationId: requests (refused and faulted ones
// included; those for no operation under "", the token endpoint under "token"), answers by
// status, faults, token grants, and a log of the last requests with redacted paths.
type Stats = fakekit.Stats

// SetFaults switches faults on, changes them or (with the zero Faults) switches them off, while
// the server runs. The random sequence restarts from the seed.
func (s *Server) SetFaults(f Faults) { s.kit.SetFaults(f) }

// Stats returns what the server saw since it started or since ResetStats.
func (s *Server) Stats() Stats { return s.kit.Stats() }

// ResetStats sets the request counts to zero and empties the request log; Writes and the other
// records of what clients did are kept.
func (s *Server) ResetStats() { s.kit.ResetStats() }

// ServeHTTP answers one request: request id, routing (404 and 405 with the Error body), the
// token endpoint, authentication, faults and the operation.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.kit.ServeHTTP(w, r) }

// Close stops the server and its callbacks.
func (s *Server) Close() { s.kit.Close() }

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

// routes registers every operation of the API.
func (s *Server) routes() {
	add := func(method, path, op string, write bool, h http.HandlerFunc) {
		s.kit.HandleFunc(op, method, path, write, h)
	}
	s.kit.Handle(fakekit.Operation{ID: "token", Method: http.MethodPost, Path: TokenPath, Root: true, Public: true,
		Handler: &fakekit.TokenEndpoint[struct{}]{
			Issuer: s.auth, Server: s.kit, Realm: "ss12000test",
			Client: func(id, secret string) (struct{}, bool) {
				return struct{}{}, fakekit.Equal(id, s.opts.clientID) && fakekit.Equal(secret, s.opts.clientSecret)
			},
			Grants: map[string]fakekit.Grant[struct{}]{"client_credentials": fakekit.ClientCredentialsGrant[struct{}]()},
		}})
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
		{kDuties, s.listDuties, lookupByIDs[ss12000.Duty](s, kDuties, ss12000.LookupDutiesParams{}), s.getHandler(kDuties, ss12000.GetDutyParams{}), "Duty", "Duties"},
		{kGroups, s.listGroups, lookupByIDs[ss12000.Group](s, kGroups, ss12000.LookupGroupsParams{}), s.getHandler(kGroups, ss12000.GetGroupParams{}), "Group", "Groups"},
		{kProgrammes, s.listProgrammes, lookupByIDs[ss12000.Programme](s, kProgrammes, ss12000.LookupProgrammesParams{}), s.getHandler(kProgrammes, ss12000.GetProgrammeParams{}), "Programme", "Programmes"},
		{kStudyPlans, s.listStudyPlans, nil, s.getHandler(kStudyPlans, ss12000.GetStudyPlanParams{}), "StudyPlan", "StudyPlans"},
		{kSyllabuses, s.listSyllabuses, lookupByIDs[ss12000.Syllabus](s, kSyllabuses, ss12000.LookupSyllabusesParams{}), s.getHandler(kSyllabuses, ss12000.GetSyllabusParams{}), "Syllabus", "Syllabuses"},
		{kSchoolUnitOfferings, s.listSchoolUnitOfferings, lookupByIDs[ss12000.SchoolUnitOffering](s, kSchoolUnitOfferings, ss12000.LookupSchoolUnitOfferingsParams{}), s.getHandler(kSchoolUnitOfferings, ss12000.GetSchoolUnitOfferingParams{}), "SchoolUnitOffering", "SchoolUnitOfferings"},
		{kActivities, s.listActivities, s.lookupActivities, s.getHandler(kActivities, ss12000.GetActivityParams{}), "Activity", "Activities"},
		{kCalendarEvents, s.listCalendarEvents, s.lookupCalendarEvents, s.getHandler(kCalendarEvents, ss12000.GetCalendarEventParams{}), "CalendarEvent", "CalendarEvents"},
		{kAttendances, s.listAttendances, s.lookupAttendances, s.getHandler(kAttendances, struct{}{}), "Attendance", "Attendances"},
		{kAttendanceEvents, s.listAttendanceEvents, s.lookupAttendanceEvents, s.getHandler(kAttendanceEvents, ss12000.GetAttendanceEventParams{}), "AttendanceEvent", "AttendanceEvents"},
		{kAttendanceSchedules, s.listAttendanceSchedules, s.lookupAttendanceSchedules, s.getHandler(kAttendanceSchedules, ss12000.GetAttendanceScheduleParams{}), "AttendanceSchedule", "AttendanceSchedules"},
		{kGrades, s.listGrades, lookupByIDs[ss12000.Grade](s, kGrades, ss12000.LookupGradesParams{}), s.getHandler(kGrades, ss12000.GetGradeParams{}), "Grade", "Grades"},
		{kAbsences, s.listAbsences, lookupByIDs[ss12000.Absence](s, kAbsences, ss12000.LookupAbsencesParams{}), s.getHandler(kAbsences, struct{}{}), "Absence", "Absences"},
		{kAggregatedAttendances, s.listAggregatedAttendances, nil, nil, "", "AggregatedAttendances"},
		{kResources, s.listResources, lookupByIDs[ss12000.Resource](s, kResources, ss12000.LookupResourcesParams{}), s.getHandler(kResources, ss12000.GetResourceParams{}), "Resource", "Resources"},
		{kRooms, s.listRooms, lookupByIDs[ss12000.Room](s, kRooms, ss12000.LookupRoomsParams{}), s.getHandler(kRooms, ss12000.GetRoomParams{}), "Room", "Rooms"},
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

	// The standard writes these two with a trailing slash, and only so.
	add("POST", "/log/{$}", "createLogEntry", true, s.createLogEntry)
	add("POST", "/statistics/{$}", "createStatisticsEntry", true, s.createStatisticsEntry)

	add("GET", "/deletedEntities", "listDeletedEntities", false, s.listDeletedEntities)
}

// Operations lists the operationIds the server answers, as in openapi/ss12000.yaml.
func (s *Server) Operations() []string {
	var out []string
	for _, op := range s.kit.Operations() {
		if op != "token" {
			out = append(out, op)
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
