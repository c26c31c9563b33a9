package fstest_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/edusync/edusync/fs"
	"github.com/edusync/edusync/fs/fsrules"
	"github.com/edusync/edusync/fs/fstest"
	"github.com/edusync/edusync/synth"
)

var (
	exam = fs.ExamKey{Institution: "999", CourseCode: "INF1000", Version: "1", AssessmentCode: "SKR", Year: 2026, Term: "VÅR"}
	vurd = exam.VurdID()
	t0   = time.Date(2026, time.June, 22, 12, 0, 0, 0, fsrules.Oslo())
)

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// handMade is a fake with one Inspera exam and two candidates, the first of whom appealed and
// the second asked for an explanation.
func handMade(t *testing.T, opts ...fstest.Option) *fstest.Server {
	t.Helper()
	srv := fstest.NewServer(append([]fstest.Option{fstest.WithClock(func() time.Time { return t0 })}, opts...)...)
	t.Cleanup(srv.Close)
	must(t, srv.AddExam(fs.Inspera, exam, "5199", fsrules.Date{}))
	must(t, srv.AddCandidate(vurd, fstest.Candidate{Kandidatnr: "10001", Personlopenr: "7301455", Committee: "5101"}))
	must(t, srv.AddCandidate(vurd, fstest.Candidate{Kandidatnr: "10002", Personlopenr: "7301456", Committee: "5101"}))
	must(t, srv.FileAppeal(vurd, "10001", fsrules.NewDate(2026, 6, 20)))
	must(t, srv.RequestExplanation(vurd, "10002", fsrules.NewDate(2026, 6, 12)))
	return srv
}

type call struct {
	method, path string
	body         string
	auth         bool
}

func do(t *testing.T, srv *fstest.Server, c call) (*http.Response, fs.Error) {
	t.Helper()
	var body io.Reader
	if c.body != "" {
		body = strings.NewReader(c.body)
	}
	req, err := http.NewRequest(c.method, srv.URL()+c.path, body)
	must(t, err)
	if c.auth {
		req.SetBasicAuth(fstest.DefaultUser, fstest.DefaultPassword)
	}
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	var e fs.Error
	b, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(b, &e)
	return resp, e
}

// The fake answers requests FS would refuse as FS would, in FS's error body.
func TestRefusals(t *testing.T) {
	srv := handMade(t)
	since := url.QueryEscape("2026-06-22T00:00:00+02:00")
	tests := []struct {
		name   string
		call   call
		status int
		code   string
	}{
		{"no credentials", call{"GET", "/eksamen/versjon", "", false}, 401, "UAUTORISERT"},
		{"an unknown path", call{"GET", "/eksamen/karakterer", "", true}, 404, ""},
		{"a trailing slash", call{"GET", "/eksamen/klager/INSPERA/", "", true}, 404, ""},
		{"another method", call{"DELETE", "/eksamen/klager/INSPERA", "", true}, 405, ""},
		{"an unknown exam system", call{"GET", "/eksamen/klager/CANVAS?institusjonsnr=999&siden=" + since, "", true}, 400, "UKJENT_EKSAMENSSYSTEM"},
		{"no institution", call{"GET", "/eksamen/klager/INSPERA?siden=" + since, "", true}, 400, "UGYLDIG_PARAMETER"},
		{"no siden", call{"GET", "/eksamen/begrunnelse/INSPERA?institusjonsnr=999", "", true}, 400, "UGYLDIG_PARAMETER"},
		{"siden not a time", call{"GET", "/eksamen/begrunnelse/INSPERA?institusjonsnr=999&siden=i%20g%C3%A5r", "", true}, 400, "UGYLDIG_PARAMETER"},
		{"an examId that is not one", call{"GET", "/eksamen/klager/INSPERA/%21%21", "", true}, 400, "UGYLDIG_EKSAMEN"},
		{"an exam of the other system", call{"GET", "/eksamen/begrunnelser/WISEFLOW/" + exam.ExamID(), "", true}, 404, "EKSAMEN_FINNES_IKKE"},
		{"a body that is not JSON", call{"POST", "/eksamen/begrunnelser/INSPERA", "{", true}, 400, "UGYLDIG_JSON"},
		{"no day given", call{"POST", "/eksamen/begrunnelser/INSPERA", `{"vurdId":"` + vurd + `","kandidatnr":"10002","urlBegrunnelse":"https://x.no/1"}`, true}, 400, "MANGLER_FELT"},
		{"no URL or document", call{"POST", "/eksamen/begrunnelser/INSPERA", `{"vurdId":"` + vurd + `","kandidatnr":"10002","datoBegrunnelseGitt":"2026-06-19"}`, true}, 400, "MANGLER_FELT"},
		{"a document without its type", call{"POST", "/eksamen/begrunnelser/INSPERA", `{"vurdId":"` + vurd + `","kandidatnr":"10002","datoBegrunnelseGitt":"2026-06-19","dokumentBegrunnelse":"JVBERg=="}`, true}, 400, "MANGLER_FELT"},
		{"a bad vurdId", call{"POST", "/eksamen/begrunnelser/INSPERA", `{"vurdId":"x","kandidatnr":"10002","datoBegrunnelseGitt":"2026-06-19","urlBegrunnelse":"https://x.no/1"}`, true}, 400, "UGYLDIG_EKSAMEN"},
		{"a candidate without a request", call{"POST", "/eksamen/begrunnelser/INSPERA", `{"vurdId":"` + vurd + `","kandidatnr":"10001","datoBegrunnelseGitt":"2026-06-19","urlBegrunnelse":"https://x.no/1"}`, true}, 404, "FORESPORSEL_FINNES_IKKE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, e := do(t, srv, tt.call)
			if resp.StatusCode != tt.status || (tt.code != "" && e.Kode != tt.code) {
				t.Errorf("%d %+v, want %d %s", resp.StatusCode, e, tt.status, tt.code)
			}
			if tt.status == 401 && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic") {
				t.Errorf("a 401 without a Basic challenge")
			}
			if tt.status == 405 && resp.Header.Get("Allow") == "" {
				t.Errorf("a 405 without Allow")
			}
			if e.Melding == "" {
				t.Errorf("no melding in the error body")
			}
		})
	}
	resp, _ := do(t, srv, call{"POST", "/eksamen/begrunnelser/INSPERA", `{"vurdId":"` + vurd + `","kandidatnr":"10002","datoBegrunnelseGitt":"2026-06-19","contentTypeBegrunnelse":"application/pdf","dokumentBegrunnelse":"` +
		strings.Repeat("A", fstest.MaxBody) + `"}`, true})
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("a body over the cap: %d", resp.StatusCode)
	}
	if _, ok := srv.Registered(vurd, "10002"); ok {
		t.Error("a refused explanation was registered")
	}
}

// The hooks move a case as FS does, and refuse what does not apply.
func TestHooks(t *testing.T) {
	srv := handMade(t)
	tests := []struct {
		name string
		do   func() error
		want error
	}{
		{"appeal again while active", func() error { return srv.FileAppeal(vurd, "10001", fsrules.NewDate(2026, 6, 21)) }, fstest.ErrState},
		{"decide", func() error { return srv.DecideAppeal(vurd, "10001", fsrules.NewDate(2026, 7, 1)) }, nil},
		{"withdraw a decided appeal", func() error { return srv.WithdrawAppeal(vurd, "10001") }, fstest.ErrState},
		{"withdraw where there is none", func() error { return srv.WithdrawAppeal(vurd, "10002") }, fstest.ErrUnknown},
		{"an unknown candidate", func() error { return srv.FileAppeal(vurd, "99999", fsrules.NewDate(2026, 6, 21)) }, fstest.ErrUnknown},
		{"an unknown exam", func() error {
			return srv.RequestExplanation("999_X_1_SKR_2026_VÅR", "10001", fsrules.NewDate(2026, 6, 21))
		}, fstest.ErrUnknown},
		{"ask twice", func() error { return srv.RequestExplanation(vurd, "10002", fsrules.NewDate(2026, 6, 13)) }, fstest.ErrState},
		{"restamp what is not there", func() error { return srv.Restamp(fstest.AppealRecord, vurd, "10002", t0) }, fstest.ErrUnknown},
		{"add a candidate to no exam", func() error { return srv.AddCandidate("999_X_1_SKR_2026_VÅR", fstest.Candidate{Kandidatnr: "1"}) }, fstest.ErrUnknown},
	}
	for _, tt := range tests {
		if err := tt.do(); !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
	a, _ := srv.Appeal(vurd, "10001")
	if a.Klagestatus != fs.AppealDecided || a.DatoVedtakFormidlet != fsrules.NewDate(2026, 7, 1) || !a.Decided() {
		t.Errorf("the decided appeal: %+v", a)
	}
}

func smallUniversity(t *testing.T) *synth.Population {
	t.Helper()
	pop, err := fstest.SmallUniversity(1)
	must(t, err)
	return pop
}

// counts are the cases of synth's population srv holds.
type counts struct{ appeals, requests, given int }

func loadable(srv *fstest.Server, pop *synth.Population) counts {
	x := synth.NewIndex(pop)
	held := func(candidate synth.ID) bool {
		c, _ := x.Candidate(candidate)
		return srv.HoldsUnit(c.ExamUnit)
	}
	var n counts
	for _, a := range pop.Appeals {
		if held(a.Candidate) {
			n.appeals++
		}
	}
	for _, e := range pop.Explanations {
		if held(e.Candidate) {
			n.requests++
			if e.State >= synth.ExplanationGiven {
				n.given++
			}
		}
	}
	return n
}

// Loading synth's exams gives the same FS every time; loading the same population again
// changes nothing; RegisterGiven registers the explanations synth has given.
func TestLoadPopulation(t *testing.T) {
	pop := smallUniversity(t)
	load := func(o fstest.LoadOptions) (*fstest.Server, fstest.Loaded) {
		srv := fstest.NewServer(fstest.WithClock(func() time.Time { return t0 }))
		t.Cleanup(srv.Close)
		return srv, srv.LoadPopulation(pop, o)
	}
	a, na := load(fstest.LoadOptions{})
	b, _ := load(fstest.LoadOptions{})
	if d := cmp.Diff(a.Appeals(), b.Appeals()); d != "" {
		t.Errorf("two loads differ (-a +b):\n%s", d)
	}
	if again := a.LoadPopulation(pop, fstest.LoadOptions{}); again.Changed != 0 {
		t.Errorf("loading the same population again changed %d records", again.Changed)
	}
	want := loadable(a, pop)
	if na.Exams+na.Duplicates != len(pop.ExamUnits) || na.Candidates == 0 || na.Appeals != want.appeals ||
		na.ExplanationRequests != want.requests || want.appeals == 0 || want.requests == 0 {
		t.Errorf("loaded %+v, want %+v", na, want)
	}
	for _, r := range a.ExplanationRequests() {
		if r.Given() {
			t.Fatalf("FS holds a given explanation no flow posted: %+v", r)
		}
	}
	g, _ := load(fstest.LoadOptions{RegisterGiven: true})
	given := want.given
	registered := 0
	for _, r := range g.ExplanationRequests() {
		if r.Given() {
			registered++
			if _, ok := g.Registered(r.VurdID, r.Kandidatnr); !ok {
				t.Errorf("%s %s given but not registered", r.VurdID, r.Kandidatnr)
			}
		}
	}
	if given == 0 || registered != given {
		t.Errorf("%d registered, synth gave %d", registered, given)
	}
	// Announcement days reach Lookup.
	for _, c := range pop.Candidates {
		if c.Announced == 0 {
			continue
		}
		u := synth.NewIndex(pop)
		unit, _ := u.ExamUnit(c.ExamUnit)
		k, _ := fs.ParseVurdID(unit.VurdID)
		sys := fs.Inspera
		if unit.System == synth.WISEflow {
			sys = fs.WISEflow
		}
		dates, err := a.Lookup(t.Context(), fs.AnnouncementQuery{System: sys, Exam: k, Candidate: fs.Number(c.CandidateNo)})
		must(t, err)
		if dates.Announced.String() != c.Announced.String() {
			t.Errorf("Lookup %v, synth announced %v", dates.Announced, c.Announced)
		}
		break
	}
}

// A fault rule answers in FS's body and is counted.
func TestFaultsAnswerInFSsBody(t *testing.T) {
	srv := handMade(t)
	srv.SetFaults(fstest.Faults{Rules: []fstest.Rule{{Operation: "getVersion", Status: http.StatusServiceUnavailable, Times: 1}}})
	resp, e := do(t, srv, call{"GET", "/eksamen/versjon", "", true})
	if resp.StatusCode != http.StatusServiceUnavailable || e.Melding == "" {
		t.Errorf("%d %+v", resp.StatusCode, e)
	}
	resp, _ = do(t, srv, call{"GET", "/eksamen/versjon", "", true})
	if resp.StatusCode != http.StatusOK {
		t.Errorf("after the rule: %d", resp.StatusCode)
	}
	if s := srv.Stats(); s.Requests["getVersion"] != 2 || s.Faults["getVersion"] != 1 {
		t.Errorf("stats %+v", s)
	}
}

// FuzzCreateExplanation posts any body: the fake answers 201, 400, 404, 409 or 413, never
// panics, and registers only what is complete.
func FuzzCreateExplanation(f *testing.F) {
	for _, s := range []string{`{"vurdId":"` + vurd + `","kandidatnr":"10002","datoBegrunnelseGitt":"2026-06-19","urlBegrunnelse":"https://x.no/1"}`,
		`{"vurdId":"` + vurd + `","kandidatnr":10002,"datoBegrunnelseGitt":"2026-02-30","dokumentBegrunnelse":"!!"}`, `[]`, `null`, `{"kandidatnr":{}}`, ``} {
		f.Add([]byte(s))
	}
	srv := fstest.NewServer(fstest.WithClock(func() time.Time { return t0 }))
	defer srv.Close()
	_ = srv.AddExam(fs.Inspera, exam, "5199", fsrules.Date{})
	_ = srv.AddCandidate(vurd, fstest.Candidate{Kandidatnr: "10002"})
	_ = srv.RequestExplanation(vurd, "10002", fsrules.NewDate(2026, 6, 12))
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/eksamen/begrunnelser/INSPERA", bytes.NewReader(body))
		req.SetBasicAuth(fstest.DefaultUser, fstest.DefaultPassword)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		switch rec.Code {
		case 201, 400, 404, 409, 413:
		default:
			t.Fatalf("answered %d", rec.Code)
		}
		if e, ok := srv.Registered(vurd, "10002"); ok && (e.DatoBegrunnelseGitt.IsZero() || (e.URLBegrunnelse == "" && len(e.DokumentBegrunnelse) == 0)) {
			t.Fatalf("registered an incomplete explanation %+v", e)
		}
	})
}
