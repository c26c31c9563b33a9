package ss12000test

import (
	"net/http"

	"github.com/edusync/edusync/internal/ss12000serve"
	"github.com/edusync/edusync/ss12000"
)

// The filters and lookups are those every SS 12000 server of edusync has
// (internal/ss12000serve), over the records of the store and the view's indexes.

// val returns the stored value of rec as *T.
func val[T any](rec *record) *T { return rec.val.(*T) }

// lift makes a filter over stored records of a typed filter.
func lift[P, T any](f func(*P, ss12000serve.Relations) (func(*T) bool, string)) filterFunc[P] {
	return func(p *P, v *view) (func(*record) bool, string) {
		pred, msg := f(p, v)
		if pred == nil {
			return nil, msg
		}
		return func(r *record) bool { return pred(val[T](r)) }, msg
	}
}

func (s *Server) listOrganisations(w http.ResponseWriter, r *http.Request) {
	serveList(s, w, r, kOrganisations, lift(ss12000serve.OrganisationFilter))
}

func (s *Server) lookupOrganisations(w http.ResponseWriter, r *http.Request) {
	serveLookup(s, w, r, kOrganisations, ss12000.LookupOrganisationsParams{}, ss12000serve.OrganisationLookup)
}

func (s *Server) listPersons(w http.ResponseWriter, r *http.Request) {
	serveList(s, w, r, kPersons, lift(ss12000serve.PersonFilter))
}

func (s *Server) lookupPersons(w http.ResponseWriter, r *http.Request) {
	serveLookup(s, w, r, kPersons, ss12000.LookupPersonsParams{}, ss12000serve.PersonLookup)
}

func (s *Server) listPlacements(w http.ResponseWriter, r *http.Request) {
	serveList(s, w, r, kPlacements, lift(ss12000serve.PlacementFilter))
}

func (s *Server) lookupPlacements(w http.ResponseWriter, r *http.Request) {
	serveLookup(s, w, r, kPlacements, ss12000.LookupPlacementsParams{}, ss12000serve.PlacementLookup)
}

func (s *Server) listDuties(w http.ResponseWriter, r *http.Request) {
	serveList(s, w, r, kDuties, lift(ss12000serve.DutyFilter))
}

// lookupByIDs answers a lookup whose body is only a list of ids.
func lookupByIDs[T any](s *Server, k *kind, params any) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		serveLookup(s, w, r, k, params, func(b *ss12000.IDLookup, _ ss12000serve.Relations) ss12000serve.Lookup[T] {
			return ss12000serve.IDLookup[T](b)
		})
	}
}

func (s *Server) listGroups(w http.ResponseWriter, r *http.Request) {
	serveList(s, w, r, kGroups, lift(ss12000serve.GroupFilter))
}

func (s *Server) listProgrammes(w http.ResponseWriter, r *http.Request) {
	serveList(s, w, r, kProgrammes, lift(ss12000serve.ProgrammeFilter))
}

func (s *Server) listStudyPlans(w http.ResponseWriter, r *http.Request) {
	serveList(s, w, r, kStudyPlans, lift(ss12000serve.StudyPlanFilter))
}

func (s *Server) listSyllabuses(w http.ResponseWriter, r *http.Request) {
	serveList(s, w, r, kSyllabuses, lift(ss12000serve.SyllabusFilter))
}

func (s *Server) listSchoolUnitOfferings(w http.ResponseWriter, r *http.Request) {
	serveList(s, w, r, kSchoolUnitOfferings, lift(ss12000serve.SchoolUnitOfferingFilter))
}

func (s *Server) listActivities(w http.ResponseWriter, r *http.Request) {
	serveList(s, w, r, kActivities, lift(ss12000serve.ActivityFilter))
}

func (s *Server) lookupActivities(w http.ResponseWriter, r *http.Request) {
	serveLookup(s, w, r, kActivities, ss12000.LookupActivitiesParams{}, ss12000serve.ActivityLookup)
}

func (s *Server) listCalendarEvents(w http.ResponseWriter, r *http.Request) {
	serveList(s, w, r, kCalendarEvents, lift(ss12000serve.CalendarEventFilter))
}

func (s *Server) lookupCalendarEvents(w http.ResponseWriter, r *http.Request) {
	serveLookup(s, w, r, kCalendarEvents, ss12000.LookupCalendarEventsParams{}, ss12000serve.CalendarEventLookup)
}

func (s *Server) listAttendances(w http.ResponseWriter, r *http.Request) {
	serveList(s, w, r, kAttendances, lift(ss12000serve.AttendanceFilter))
}

func (s *Server) lookupAttendances(w http.ResponseWriter, r *http.Request) {
	serveLookup(s, w, r, kAttendances, ss12000.LookupAttendancesParams{}, ss12000serve.AttendanceLookup)
}

func (s *Server) listAttendanceEvents(w http.ResponseWriter, r *http.Request) {
	serveList(s, w, r, kAttendanceEvents, lift(ss12000serve.AttendanceEventFilter))
}

func (s *Server) lookupAttendanceEvents(w http.ResponseWriter, r *http.Request) {
	serveLookup(s, w, r, kAttendanceEvents, ss12000.LookupAttendanceEventsParams{}, ss12000serve.AttendanceEventLookup)
}

func (s *Server) listAttendanceSchedules(w http.ResponseWriter, r *http.Request) {
	serveList(s, w, r, kAttendanceSchedules, lift(ss12000serve.AttendanceScheduleFilter))
}

func (s *Server) lookupAttendanceSchedules(w http.ResponseWriter, r *http.Request) {
	serveLookup(s, w, r, kAttendanceSchedules, ss12000.LookupAttendanceSchedulesParams{}, ss12000serve.AttendanceScheduleLookup)
}

// listAggregatedAttendances serves the records the server numbered itself (see aggregated).
func (s *Server) listAggregatedAttendances(w http.ResponseWriter, r *http.Request) {
	serveList(s, w, r, kAggregatedAttendances, func(p *ss12000.ListAggregatedAttendancesParams, v *view) (func(*record) bool, string) {
		pred, msg := ss12000serve.AggregatedAttendanceFilter(p, v)
		if pred == nil {
			return nil, msg
		}
		return func(r *record) bool { return pred(&val[aggregated](r).AggregatedAttendance) }, msg
	})
}

func (s *Server) listGrades(w http.ResponseWriter, r *http.Request) {
	serveList(s, w, r, kGrades, lift(ss12000serve.GradeFilter))
}

func (s *Server) listAbsences(w http.ResponseWriter, r *http.Request) {
	serveList(s, w, r, kAbsences, lift(ss12000serve.AbsenceFilter))
}

func (s *Server) listResources(w http.ResponseWriter, r *http.Request) {
	serveList(s, w, r, kResources, lift(ss12000serve.ResourceFilter))
}

func (s *Server) listRooms(w http.ResponseWriter, r *http.Request) {
	serveList(s, w, r, kRooms, lift(ss12000serve.RoomFilter))
}
