package ladokcanvas_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edusync/edusync/canvas"
	"github.com/edusync/edusync/canvas/canvastest"
	"github.com/edusync/edusync/ladok"
	"github.com/edusync/edusync/ladok/ladoktest"
	"github.com/edusync/edusync/ladokcanvas"
	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/store/sqlite"
)

// Role labels of the fake Canvas.
const (
	roleRegistered = "Registrerad student"
	roleAdmitted   = "Antagen student"
	orgUID         = "org-data"
	orgUID2        = "org-hist"
	periodHT26     = 113001
	periodVT27     = 113002
)

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *clock { return &clock{t: t} }

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// swedish returns midday of a Swedish date.
func swedish(d string) time.Time {
	loc, _ := time.LoadLocation("Europe/Stockholm")
	t, err := time.ParseInLocation(time.DateOnly, d, loc)
	if err != nil {
		panic(err)
	}
	return t.Add(12 * time.Hour)
}

// env is a Ladok fake, a Canvas fake, clients for both, a store and an adapter.
type env struct {
	t     testing.TB
	lad   *ladoktest.Server
	cv    *canvastest.Server
	lc    *ladok.Client
	cc    *canvas.Client
	st    store.Store
	clock *clock
	cfg   ladokcanvas.Config
	opts  []ladokcanvas.Option
	ad    *ladokcanvas.Adapter
	logs  *logBuffer
}

type envOption func(*envConfig)

type envConfig struct {
	canvasOpts []canvastest.Option
	clientOpts []canvas.Option
	ladokOpts  []ladoktest.Option
	sqlite     string
	wrapStore  func(store.Store) store.Store
}

func withCanvas(o ...canvastest.Option) envOption {
	return func(c *envConfig) { c.canvasOpts = append(c.canvasOpts, o...) }
}

func withCanvasClient(o ...canvas.Option) envOption {
	return func(c *envConfig) { c.clientOpts = append(c.clientOpts, o...) }
}

func withSQLite(path string) envOption { return func(c *envConfig) { c.sqlite = path } }

// withStore wraps the env's store, to make it fail for instance.
func withStore(wrap func(store.Store) store.Store) envOption {
	return func(c *envConfig) { c.wrapStore = wrap }
}

func fastCanvasRetry() canvas.Option {
	return canvas.WithRetry(canvas.RetryPolicy{MaxAttempts: 8, BaseDelay: 2 * time.Millisecond, MaxDelay: 20 * time.Millisecond})
}

func newEnv(t testing.TB, cfg ladokcanvas.Config, extra []ladokcanvas.Option, eo ...envOption) *env {
	t.Helper()
	var ec envConfig
	for _, o := range eo {
		o(&ec)
	}
	e := &env{t: t, cfg: cfg, clock: newClock(swedish("2026-08-20")), logs: &logBuffer{}}
	e.lad = ladoktest.NewServer(append([]ladoktest.Option{ladoktest.WithEntriesPerPage(20)}, ec.ladokOpts...)...)
	t.Cleanup(e.lad.Close)
	copts := append([]canvastest.Option{canvastest.WithoutThrottle(),
		canvastest.WithCustomRoles(canvastest.CustomRole{Label: roleRegistered, BaseType: "StudentEnrollment"},
			canvastest.CustomRole{Label: roleAdmitted, BaseType: "StudentEnrollment"})}, ec.canvasOpts...)
	e.cv = canvastest.NewServer(copts...)
	t.Cleanup(e.cv.Close)
	var err error
	e.lc, err = e.lad.Client(ladok.WithRetry(ladok.RetryPolicy{MaxAttempts: 4, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	e.cc, err = canvas.New(e.cv.URL(), append([]canvas.Option{canvas.WithBearerToken(e.cv.Token()), fastCanvasRetry()}, ec.clientOpts...)...)
	if err != nil {
		t.Fatal(err)
	}
	if ec.sqlite != "" {
		sq, err := sqlite.Open(context.Background(), ec.sqlite, sqlite.WithSynchronous(sqlite.SyncNormal))
		if err != nil {
			t.Fatal(err)
		}
		e.st = sq
	} else {
		e.st = store.NewMemory()
	}
	if ec.wrapStore != nil {
		e.st = ec.wrapStore(e.st)
	}
	t.Cleanup(func() { e.st.Close() })
	e.opts = append([]ladokcanvas.Option{ladokcanvas.WithClock(e.clock.Now), ladokcanvas.WithTenant("test"),
		ladokcanvas.WithLogger(slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))),
		ladokcanvas.WithRetryBackoff(time.Millisecond, 10*time.Millisecond)}, extra...)
	e.seed()
	e.open()
	return e
}

// open makes a new adapter over the env's store.
func (e *env) open() {
	e.t.Helper()
	ad, err := ladokcanvas.New(context.Background(), e.lc, e.cc, e.st, e.cfg, e.opts...)
	if err != nil {
		e.t.Fatal(err)
	}
	e.ad = ad
	e.t.Cleanup(func() { ad.Close() })
}

// seed fills Ladok with the organisations, periods, offerings and students the tests use.
func (e *env) seed() {
	e.lad.AddOrganisations(
		ladok.Organisation{UID: orgUID, Organisationskod: "DATA", Benamning: ladok.Benamning{"sv": "Institutionen för datavetenskap"}},
		ladok.Organisation{UID: orgUID2, Organisationskod: "HIST", Benamning: ladok.Benamning{"sv": "Historiska institutionen"}})
	e.lad.AddPeriods(ladok.Period{ID: "113001", Kod: "HT2026", FromDatum: "2026-08-31", TomDatum: "2027-01-17"},
		ladok.Period{ID: "113002", Kod: "VT2027", FromDatum: "2027-01-18", TomDatum: "2027-06-06"})
	e.addCourse("off-prog1", "DA1001", "Programmering I", "10001", orgUID, "2026-08-31", "2026-10-30")
	e.addCourse("off-prog2", "DA1002", "Programmering II", "10002", orgUID, "2026-11-02", "2027-01-17")
	e.addCourse("off-db", "DA2001", "Databaser", "10003", orgUID, "2026-08-31", "2027-01-17")
	e.addCourse("off-hist", "HI1001", "Historia A", "20001", orgUID2, "2026-08-31", "2027-01-17")
	e.addCourse("off-hist-d", "HI1001", "Historia A", "20002", orgUID2, "2026-08-31", "2027-01-17") // distance offering
	e.lad.AddKurspaketeringstillfallen(ladok.Utbildningstillfalle{UID: "off-progr", Utbildningskod: "TDATA", Utbildningstillfalleskod: "30001",
		Benamning: ladok.Benamning{"sv": "Datavetenskapligt program", "en": "Computer Science Programme"}, OrganisationUID: orgUID,
		StartperiodID: periodHT26, UtbildningsinstansUID: "inst-progr", UtbildningUID: "utb-progr", Status: 2,
		Tillfallesperioder: []ladok.Tillfallesperiod{{Index: 1, ForstaUndervisningsdatum: "2026-08-31", SistaUndervisningsdatum: "2029-06-06"}}})
	e.addStudent("stu-anna", "Anna", "Andersson", "199001011239", "anna@student.example.se")
	e.addStudent("stu-bo", "Bo", "Berg", "199202022381", "bo@student.example.se")
	e.addStudent("stu-cia", "Cia", "Carlsson", "199303033220", "cia@student.example.se")
	e.addStudent("stu-dan", "Dan", "Dahl", "199404044217", "")
}

func (e *env) addCourse(uid, code, name, offCode, org, start, end string) {
	inst := "inst-" + strings.ToLower(code)
	e.lad.AddUtbildningsinstanser(ladok.Utbildningsinstans{UID: inst, Utbildningskod: code, UtbildningUID: "utb-" + strings.ToLower(code),
		Benamning: ladok.Benamning{"sv": name}, OrganisationUID: org, Status: 2})
	e.lad.AddUtbildningstillfallen(ladok.Utbildningstillfalle{UID: uid, Utbildningskod: code, Utbildningstillfalleskod: offCode,
		Benamning: ladok.Benamning{"sv": name}, OrganisationUID: org, StartperiodID: periodHT26, UtbildningsinstansUID: inst,
		UtbildningUID: "utb-" + strings.ToLower(code), Status: 2,
		Tillfallesperioder: []ladok.Tillfallesperiod{{Index: 1, ForstaUndervisningsdatum: start, SistaUndervisningsdatum: end}}})
}

func (e *env) addStudent(uid, given, family, pnr, email string) {
	e.lad.AddStudents(ladok.Student{UID: uid, Fornamn: given, Efternamn: family, Personnummer: pnr})
	if email != "" {
		e.lad.AddKontaktuppgifter(ladok.Kontaktuppgifter{UID: "k-" + uid, StudentUID: uid, Epostadress: email})
	}
}

// feed appends events and catches up.
func (e *env) feed(evs ...ladok.Event) {
	e.t.Helper()
	e.lad.Append(evs...)
	e.catchUp()
}

func (e *env) catchUp() {
	e.t.Helper()
	if _, err := e.ad.CatchUp(context.Background()); err != nil {
		e.t.Fatalf("CatchUp: %v", err)
	}
}

func (e *env) snap() canvastest.Snapshot { return e.cv.Snapshot() }

// user returns the snapshot of one user.
func (e *env) user(uid string) (canvastest.SnapshotUser, bool) {
	for _, u := range e.snap().Users {
		if u.SISID == uid {
			return u, true
		}
	}
	return canvastest.SnapshotUser{}, false
}

func (e *env) course(sis string) (canvastest.SnapshotCourse, bool) {
	for _, c := range e.snap().Courses {
		if c.SISID == sis {
			return c, true
		}
	}
	return canvastest.SnapshotCourse{}, false
}

func (e *env) section(sis string) (canvastest.SnapshotSection, bool) {
	for _, s := range e.snap().Sections {
		if s.SISID == sis {
			return s, true
		}
	}
	return canvastest.SnapshotSection{}, false
}

// enrolments returns "role/state" for each of the user's enrolments in section, sorted.
func (e *env) enrolments(user, section string) []string {
	var out []string
	for _, en := range e.snap().Enrollments {
		if en.User == user && en.Section == section {
			out = append(out, en.Role+"/"+string(en.State))
		}
	}
	return out
}

func (e *env) requests() int { return canvastest.Total(e.cv.Stats().Requests) }

// logBuffer collects log output for the privacy checks.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// earlyConfig is a configuration with early access and suspensions on.
func earlyConfig() ladokcanvas.Config {
	cfg := ladokcanvas.DefaultConfig()
	cfg.UseAdmitted = true
	cfg.RoleIDRegistered = roleRegistered
	cfg.RoleIDAdmitted = roleAdmitted
	cfg.EarlyAccessOnCreateCourse = true
	cfg.UseRestrictions = true
	cfg.UpdateEmailFromLadok = true
	return cfg
}

func tempDB(t testing.TB) string { return filepath.Join(t.TempDir(), "state.db") }
