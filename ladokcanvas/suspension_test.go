package ladokcanvas_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/edusync/edusync/canvas"
	"github.com/edusync/edusync/ladok"
	"github.com/edusync/edusync/store"
)

func suspension(uid, rid, from, to string, typ ladok.Handelsetyp) *ladok.StudentrestriktionEvent {
	return &ladok.StudentrestriktionEvent{Handelsetyp: typ, Restriktionstyp: ladok.RestriktionAvstangning, StudentUID: uid,
		StudentrestriktionUID: rid, Giltighetsperiod: ladok.Datumperiod{Startdatum: from, Slutdatum: to}}
}

// at returns a moment in Swedish time.
func at(s string) time.Time {
	loc, _ := time.LoadLocation("Europe/Stockholm")
	t, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		panic(err)
	}
	return t
}

func (e *env) fire(now time.Time) {
	e.t.Helper()
	e.clock.Set(now)
	if _, err := e.ad.FireDue(context.Background()); err != nil {
		e.t.Fatalf("FireDue: %v", err)
	}
}

// TestSuspensionPeriod: inactive from the first day's start to the last day's end (Swedish
// time, the end date inclusive), across a change to winter time; enrolments made during the
// period are inactive too and come back with the others.
func TestSuspensionPeriod(t *testing.T) {
	e := newEnv(t, earlyConfig(), nil)
	e.clock.Set(at("2026-10-01 09:00"))
	e.feed(registrering("stu-anna", "off-prog1"), registrering("stu-anna", "off-db"))
	// Sweden moves to winter time in the night to 2026-10-25.
	e.feed(suspension("stu-anna", "r1", "2026-10-25", "2026-10-27", ladok.HandelsetypSkapad))
	state := func() []string {
		return append(e.enrolments("stu-anna", "off-prog1"), e.enrolments("stu-anna", "off-db")...)
	}
	active := []string{roleRegistered + "/active", roleRegistered + "/active"}
	inactive := []string{roleRegistered + "/inactive", roleRegistered + "/inactive"}
	same(t, "before the period", state(), active)

	e.fire(at("2026-10-24 23:59"))
	same(t, "a minute before the first day", state(), active)
	e.fire(at("2026-10-25 00:00"))
	same(t, "at the start of the first day", state(), inactive)

	// Enrolled during the period: inactive.
	e.clock.Set(at("2026-10-26 10:00"))
	e.feed(registrering("stu-anna", "off-hist"))
	same(t, "enrolled during the period", e.enrolments("stu-anna", "off-hist"), []string{roleRegistered + "/inactive"})

	e.fire(at("2026-10-27 23:59"))
	same(t, "on the last day (inclusive)", state(), inactive)
	e.fire(at("2026-10-28 00:00"))
	same(t, "the day after", state(), active)
	same(t, "the one enrolled during the period", e.enrolments("stu-anna", "off-hist"), []string{roleRegistered + "/active"})
	if s, _ := e.ad.Suspension(t.Context(), "stu-anna"); s.InForce || s.Periods["r1"].Last != "2026-10-27" {
		t.Errorf("suspension state %+v", s)
	}
}

// TestSuspensionChanges: a suspension shortened, extended or lifted early moves or cancels
// what was scheduled.
func TestSuspensionChanges(t *testing.T) {
	setup := func(t *testing.T) *env {
		e := newEnv(t, earlyConfig(), nil)
		e.clock.Set(at("2026-09-10 12:00"))
		e.feed(registrering("stu-anna", "off-prog1"), suspension("stu-anna", "r1", "2026-09-01", "2026-09-30", ladok.HandelsetypSkapad))
		same(t, "in force", e.enrolments("stu-anna", "off-prog1"), []string{roleRegistered + "/inactive"})
		return e
	}
	t.Run("shortened", func(t *testing.T) {
		e := setup(t)
		e.feed(suspension("stu-anna", "r1", "2026-09-01", "2026-09-14", ladok.HandelsetypUppdaterad))
		e.fire(at("2026-09-15 00:01"))
		same(t, "after the new end", e.enrolments("stu-anna", "off-prog1"), []string{roleRegistered + "/active"})
	})
	t.Run("shortened into the past", func(t *testing.T) {
		e := setup(t)
		e.feed(suspension("stu-anna", "r1", "2026-09-01", "2026-09-05", ladok.HandelsetypUppdaterad))
		same(t, "at once", e.enrolments("stu-anna", "off-prog1"), []string{roleRegistered + "/active"})
	})
	t.Run("extended", func(t *testing.T) {
		e := setup(t)
		e.feed(suspension("stu-anna", "r1", "2026-09-01", "2026-10-31", ladok.HandelsetypUppdaterad))
		e.fire(at("2026-10-01 08:00"))
		same(t, "after the old end", e.enrolments("stu-anna", "off-prog1"), []string{roleRegistered + "/inactive"})
		e.fire(at("2026-11-01 00:00"))
		same(t, "after the new end", e.enrolments("stu-anna", "off-prog1"), []string{roleRegistered + "/active"})
	})
	t.Run("lifted early", func(t *testing.T) {
		e := setup(t)
		e.feed(suspension("stu-anna", "r1", "", "", ladok.HandelsetypBorttagen))
		same(t, "lifted", e.enrolments("stu-anna", "off-prog1"), []string{roleRegistered + "/active"})
		// The end timer was cancelled: nothing fires later.
		e.clock.Set(at("2026-10-01 08:00"))
		if n, err := e.ad.FireDue(t.Context()); err != nil || n != 0 {
			t.Errorf("timers fired after the suspension was lifted: %d, %v", n, err)
		}
	})
	t.Run("open-ended", func(t *testing.T) {
		e := setup(t)
		e.feed(suspension("stu-anna", "r1", "2026-09-01", "", ladok.HandelsetypUppdaterad))
		e.fire(at("2027-06-01 00:00"))
		same(t, "still in force", e.enrolments("stu-anna", "off-prog1"), []string{roleRegistered + "/inactive"})
	})
	t.Run("future start moved earlier", func(t *testing.T) {
		e := newEnv(t, earlyConfig(), nil)
		e.clock.Set(at("2026-09-10 12:00"))
		e.feed(registrering("stu-anna", "off-prog1"), suspension("stu-anna", "r1", "2026-10-01", "2026-10-10", ladok.HandelsetypSkapad))
		same(t, "not yet", e.enrolments("stu-anna", "off-prog1"), []string{roleRegistered + "/active"})
		e.feed(suspension("stu-anna", "r1", "2026-09-20", "2026-10-10", ladok.HandelsetypUppdaterad))
		e.fire(at("2026-09-20 00:00"))
		same(t, "moved start", e.enrolments("stu-anna", "off-prog1"), []string{roleRegistered + "/inactive"})
	})
}

// TestSuspensionEnrolmentNotedAfterAFailure: an enrolment created inactive during a suspension
// whose event then failed (the suspension's record could not be written) is made active with
// the others when the suspension ends, after the event is handed over again.
func TestSuspensionEnrolmentNotedAfterAFailure(t *testing.T) {
	fs := &failingStore{key: "suspension/stu-anna"}
	e := newEnv(t, earlyConfig(), nil, withStore(func(st store.Store) store.Store { fs.Store = st; return fs }))
	e.clock.Set(at("2026-09-10 12:00"))
	e.feed(suspension("stu-anna", "r1", "2026-09-01", "", ladok.HandelsetypSkapad))
	fs.armed.Store(true)
	e.lad.Append(registrering("stu-anna", "off-prog1"))
	if _, err := e.ad.CatchUp(t.Context()); err == nil {
		t.Fatal("CatchUp succeeded although the suspension's record could not be written")
	}
	same(t, "created while suspended", e.enrolments("stu-anna", "off-prog1"), []string{roleRegistered + "/inactive"})
	e.catchUp() // the registration again
	e.feed(suspension("stu-anna", "r1", "", "", ladok.HandelsetypBorttagen))
	same(t, "lifted", e.enrolments("stu-anna", "off-prog1"), []string{roleRegistered + "/active"})
}

// failingStore fails the first write to key once armed.
type failingStore struct {
	store.Store
	key   string
	armed atomic.Bool
}

func (s *failingStore) Update(ctx context.Context, scope store.Scope, fn func(tx store.Tx) error) error {
	return s.Store.Update(ctx, scope, func(tx store.Tx) error { return fn(failingTx{tx, s}) })
}

type failingTx struct {
	store.Tx
	s *failingStore
}

func (tx failingTx) SetValue(key string, value []byte) error {
	if key == tx.s.key && tx.s.armed.CompareAndSwap(true, false) {
		return errors.New("disk full")
	}
	return tx.Tx.SetValue(key, value)
}

// TestSuspensionConcludedCourse: a course concluded in Canvas is read-only and left as is.
func TestSuspensionConcludedCourse(t *testing.T) {
	e := newEnv(t, earlyConfig(), nil)
	e.clock.Set(at("2026-09-10 12:00"))
	e.feed(registrering("stu-anna", "off-prog1"), registrering("stu-anna", "off-db"))
	e.feed(suspension("stu-anna", "r1", "2026-09-01", "2026-09-30", ladok.HandelsetypSkapad))
	if _, err := e.cc.UpdateCourse(t.Context(), canvas.SISCourse("off-prog1"), canvas.UpdateCourseRequest{Course: canvas.CourseInput{Event: canvas.CourseEventConclude}}); err != nil {
		t.Fatal(err)
	}
	before := e.enrolments("stu-anna", "off-prog1")
	e.fire(at("2026-10-01 00:00"))
	same(t, "concluded course", e.enrolments("stu-anna", "off-prog1"), before)
	same(t, "open course", e.enrolments("stu-anna", "off-db"), []string{roleRegistered + "/active"})

	// A new suspension leaves the concluded course alone from the start.
	e.clock.Set(at("2026-10-10 12:00"))
	before = e.enrolments("stu-anna", "off-prog1")
	e.feed(suspension("stu-anna", "r2", "2026-10-10", "2026-10-20", ladok.HandelsetypSkapad))
	same(t, "concluded course", e.enrolments("stu-anna", "off-prog1"), before)
	same(t, "open course", e.enrolments("stu-anna", "off-db"), []string{roleRegistered + "/inactive"})
}

// TestSuspensionOtherRestrictions: restrictions other than suspensions are ignored.
func TestSuspensionOtherRestrictions(t *testing.T) {
	e := newEnv(t, earlyConfig(), nil)
	e.clock.Set(at("2026-09-10 12:00"))
	ev := suspension("stu-anna", "r1", "2026-09-01", "2026-09-30", ladok.HandelsetypSkapad)
	ev.Restriktionstyp = ladok.RestriktionAvskiljande
	e.feed(registrering("stu-anna", "off-prog1"), ev)
	same(t, "after an expulsion restriction", e.enrolments("stu-anna", "off-prog1"), []string{roleRegistered + "/active"})
	if e.ad.Stats().Ignored == 0 {
		t.Error("not counted as ignored")
	}
}

// TestSuspensionTimersSurviveRestart: the end of a suspension fires in a later process.
func TestSuspensionTimersSurviveRestart(t *testing.T) {
	path := tempDB(t)
	e := newEnv(t, earlyConfig(), nil, withSQLite(path))
	e.clock.Set(at("2026-09-10 12:00"))
	e.feed(registrering("stu-anna", "off-prog1"), suspension("stu-anna", "r1", "2026-09-01", "2026-09-30", ladok.HandelsetypSkapad))
	e.ad.Close()
	e.open() // a new adapter over the same store: nothing in memory survives
	e.fire(at("2026-10-01 00:00"))
	same(t, "after the restart", e.enrolments("stu-anna", "off-prog1"), []string{roleRegistered + "/active"})
	if n, _ := e.ad.FireDue(t.Context()); n != 0 {
		t.Errorf("%d timers fired twice", n)
	}
}

// TestSuspensionBadPeriods: broken periods are dead-lettered, the feed goes on.
func TestSuspensionBadPeriods(t *testing.T) {
	e := newEnv(t, earlyConfig(), nil)
	e.feed(suspension("stu-anna", "r1", "2026-09-30", "2026-09-01", ladok.HandelsetypSkapad),
		suspension("stu-anna", "r2", "30/9", "", ladok.HandelsetypSkapad),
		suspension("stu-anna", "", "2026-09-01", "", ladok.HandelsetypSkapad),
		registrering("stu-anna", "off-prog1"))
	if n := e.ad.Stats().DeadLettered; n != 3 {
		t.Errorf("%d dead-lettered, want 3", n)
	}
	same(t, "the feed went on", e.enrolments("stu-anna", "off-prog1"), []string{roleRegistered + "/active"})
}
