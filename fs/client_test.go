package fs_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/edusync/edusync/fs"
	"github.com/edusync/edusync/fs/fsrules"
	"github.com/edusync/edusync/fs/fstest"
	"github.com/edusync/edusync/synth"
)

// synthInstitution is synth's institusjonsnr.
const synthInstitution = synth.FSInstitution

func kandidatnrs[T any](items []T, of func(*T) fs.Number) []fs.Number {
	out := []fs.Number{}
	for i := range items {
		out = append(out, of(&items[i]))
	}
	return out
}

func appealNrs(p *fs.Page[fs.Appeal]) []fs.Number {
	return kandidatnrs(p.Items, func(a *fs.Appeal) fs.Number { return a.Kandidatnr })
}

func requestNrs(p *fs.Page[fs.ExplanationRequest]) []fs.Number {
	return kandidatnrs(p.Items, func(r *fs.ExplanationRequest) fs.Number { return r.Kandidatnr })
}

// The change listings return what changed at or after siden, in the institution and exam
// system asked for, oldest change first; FS's siden is inclusive.
func TestListChangedFollowsSiden(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	appealAt := t0.Add(-2 * time.Hour) // when the fixture's appeal was filed
	tests := []struct {
		name        string
		q           fs.ChangeQuery
		wantAppeals []fs.Number
		wantReqs    []fs.Number
	}{
		{"everything since the morning", fs.ChangeQuery{System: fs.Inspera, Institution: "999", Since: t0.Add(-6 * time.Hour)}, []fs.Number{"10001"}, []fs.Number{"10002"}},
		{"siden at the appeal's stamp includes it", fs.ChangeQuery{System: fs.Inspera, Institution: "999", Since: appealAt}, []fs.Number{"10001"}, []fs.Number{"10002"}},
		{"a second later leaves it out", fs.ChangeQuery{System: fs.Inspera, Institution: "999", Since: appealAt.Add(time.Second)}, []fs.Number{}, []fs.Number{"10002"}},
		{"after both", fs.ChangeQuery{System: fs.Inspera, Institution: "999", Since: t0}, []fs.Number{}, []fs.Number{}},
		{"another exam system", fs.ChangeQuery{System: fs.WISEflow, Institution: "999", Since: t0.Add(-6 * time.Hour)}, []fs.Number{}, []fs.Number{}},
		{"another institution", fs.ChangeQuery{System: fs.Inspera, Institution: "185", Since: t0.Add(-6 * time.Hour)}, []fs.Number{}, []fs.Number{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ap, err := f.c.ListChangedAppealsPage(ctx, tt.q)
			must(t, err)
			rp, err := f.c.ListChangedExplanationRequestsPage(ctx, tt.q)
			must(t, err)
			if d := cmp.Diff(tt.wantAppeals, appealNrs(ap)); d != "" {
				t.Errorf("appeals (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tt.wantReqs, requestNrs(rp)); d != "" {
				t.Errorf("requests (-want +got):\n%s", d)
			}
		})
	}
}

// A listing reads every field FS documents, and the appeal's state as FS changes it.
func TestListChangedAppealsReadsTheRecord(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	before := f.clock.Now()
	f.clock.Advance(time.Minute)
	must(t, f.srv.WithdrawAppeal(examINF.VurdID(), "10001"))
	var got []fs.Appeal
	for a, err := range f.c.ListChangedAppeals(ctx, fs.ChangeQuery{System: fs.Inspera, Institution: "999", Since: before}) {
		must(t, err)
		got = append(got, a)
	}
	want := []fs.Appeal{{VurdID: examINF.VurdID(), Personlopenr: "7301455", Kandidatnr: "10001", Brukernavn: "kari01",
		Fornavn: "Kari", Etternavn: "Nordmann", Klagestatus: fs.AppealWithdrawn, DatoKlageMottat: fsrules.NewDate(2026, 6, 20),
		Sensurfrist: fsrules.NewDate(2026, 7, 11), KommisjonsidOppr: "5101", KommisjonsidNy: "5199",
		SistEndret: fs.Timestamp{Time: f.clock.Now()}}}
	if d := cmp.Diff(want, got, cmp.Comparer(func(a, b fs.Timestamp) bool { return a.Equal(b.Time) })); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if k, err := got[0].Exam(); err != nil || k != examINF {
		t.Errorf("Exam() = %v, %v", k, err)
	}
}

func TestGetExamRecords(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	ap, err := f.c.GetExamAppeals(ctx, fs.Inspera, examINF)
	must(t, err)
	if d := cmp.Diff([]fs.Number{"10001"}, appealNrs(ap)); d != "" {
		t.Errorf("appeals (-want +got):\n%s", d)
	}
	rp, err := f.c.GetExamExplanationRequests(ctx, fs.Inspera, examINF)
	must(t, err)
	if d := cmp.Diff([]fs.Number{"10002"}, requestNrs(rp)); d != "" {
		t.Errorf("requests (-want +got):\n%s", d)
	}
	empty, err := f.c.GetExamAppeals(ctx, fs.WISEflow, examMAT)
	must(t, err)
	if len(empty.Items) != 0 || len(empty.RecordErrors) != 0 {
		t.Errorf("an exam without appeals: %+v", empty)
	}
	tests := []struct {
		name   string
		system fs.ExamSystem
		exam   fs.ExamKey
	}{
		{"an exam FS does not hold", fs.Inspera, fs.ExamKey{Institution: "999", CourseCode: "NONE", Version: "1", AssessmentCode: "SKR", Year: 2026, Term: "VÅR"}},
		{"an exam of another exam system", fs.WISEflow, examINF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.c.GetExamAppeals(ctx, tt.system, tt.exam)
			if !errors.Is(err, fs.ErrNotFound) {
				t.Errorf("GetExamAppeals: %v, want ErrNotFound", err)
			}
			_, err = f.c.GetExamExplanationRequests(ctx, tt.system, tt.exam)
			if !errors.Is(err, fs.ErrNotFound) {
				t.Errorf("GetExamExplanationRequests: %v, want ErrNotFound", err)
			}
		})
	}
}

// A query FS cannot answer is refused before anything is sent.
func TestInvalidQueriesSendNothing(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	since := t0.Add(-time.Hour)
	queries := []fs.ChangeQuery{
		{System: "CANVAS", Institution: "999", Since: since},
		{System: fs.Inspera, Institution: "", Since: since},
		{System: fs.Inspera, Institution: "99x", Since: since},
		{System: fs.Inspera, Institution: "123456789", Since: since},
		{System: fs.Inspera, Institution: "999"},
	}
	f.srv.ResetStats()
	for _, q := range queries {
		for _, err := range f.c.ListChangedAppeals(ctx, q) {
			if !errors.Is(err, fs.ErrInvalidQuery) {
				t.Errorf("%+v: %v, want ErrInvalidQuery", q, err)
			}
		}
		if _, err := f.c.ListChangedExplanationRequestsPage(ctx, q); !errors.Is(err, fs.ErrInvalidQuery) {
			t.Errorf("%+v: %v, want ErrInvalidQuery", q, err)
		}
	}
	if _, err := f.c.GetExamAppeals(ctx, fs.Inspera, fs.ExamKey{Institution: "999"}); !errors.Is(err, fs.ErrInvalidQuery) || !errors.Is(err, fs.ErrInvalidExamKey) {
		t.Errorf("GetExamAppeals with a bad key: %v", err)
	}
	if s := f.srv.Stats(); s.Reads+s.Writes != 0 {
		t.Errorf("%d requests reached FS", s.Reads+s.Writes)
	}
}

func explanationFor(kandidatnr fs.Number) *fs.Explanation {
	return &fs.Explanation{VurdID: examINF.VurdID(), Kandidatnr: kandidatnr, DatoBegrunnelseBedtOm: fsrules.NewDate(2026, 6, 12),
		DatoBegrunnelseGitt: fsrules.NewDate(2026, 6, 19), URLBegrunnelse: "https://uio.inspera.no/explanations/77",
		DokumentBegrunnelse: []byte("%PDF-1.7 begrunnelse"), ContentTypeBegrunnelse: "application/pdf"}
}

// A registered explanation is on the candidate's request afterwards, in the exam's listing and
// as a change; sending the same one again changes nothing; another one is a conflict.
func TestCreateExplanation(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	e := explanationFor("10002")
	must(t, f.c.CreateExplanation(ctx, fs.Inspera, e))
	got, ok := f.srv.Registered(examINF.VurdID(), "10002")
	if !ok || !cmp.Equal(*e, got) {
		t.Fatalf("FS holds %+v, %v", got, ok)
	}
	held, err := f.c.ExplanationRegistered(ctx, fs.Inspera, e)
	if err != nil || !held {
		t.Errorf("ExplanationRegistered: %v, %v", held, err)
	}
	p, err := f.c.ListChangedExplanationRequestsPage(ctx, fs.ChangeQuery{System: fs.Inspera, Institution: "999", Since: f.clock.Now()})
	must(t, err)
	if len(p.Items) != 1 || !p.Items[0].Given() || p.Items[0].URLBegrunnelse != e.URLBegrunnelse {
		t.Errorf("the registration is not a change of the request: %+v", p.Items)
	}
	must(t, f.c.CreateExplanation(ctx, fs.Inspera, e)) // the same again
	other := explanationFor("10002")
	other.DatoBegrunnelseGitt = fsrules.NewDate(2026, 6, 20)
	if err := f.c.CreateExplanation(ctx, fs.Inspera, other); !errors.Is(err, fs.ErrConflict) {
		t.Errorf("another explanation: %v, want ErrConflict", err)
	}
	ws := f.srv.Writes()
	if len(ws) != 3 || ws[0].Repeat || !ws[1].Repeat || ws[2].Status != http.StatusConflict {
		t.Errorf("writes %+v", ws)
	}
	if err := f.c.CreateExplanation(ctx, fs.Inspera, explanationFor("10001")); !errors.Is(err, fs.ErrNotFound) {
		t.Errorf("for a candidate without a request: %v, want ErrNotFound", err)
	}
}

func TestCreateExplanationRefusesInvalidOnes(t *testing.T) {
	f := newFixture(t, nil)
	tests := []struct {
		name  string
		field string
		edit  func(e *fs.Explanation)
	}{
		{"no exam", "vurdId", func(e *fs.Explanation) { e.VurdID = "" }},
		{"a bad exam", "vurdId", func(e *fs.Explanation) { e.VurdID = "999_INF1000_SKR" }},
		{"no candidate", "kandidatnr", func(e *fs.Explanation) { e.Kandidatnr = "" }},
		{"no day given", "datoBegrunnelseGitt", func(e *fs.Explanation) { e.DatoBegrunnelseGitt = fsrules.Date{} }},
		{"given before asked", "datoBegrunnelseGitt", func(e *fs.Explanation) { e.DatoBegrunnelseGitt = fsrules.NewDate(2026, 6, 1) }},
		{"a day that does not exist", "datoBegrunnelseGitt", func(e *fs.Explanation) { e.DatoBegrunnelseGitt = fsrules.NewDate(2026, 2, 30) }},
		{"neither URL nor document", "urlBegrunnelse", func(e *fs.Explanation) { e.URLBegrunnelse, e.DokumentBegrunnelse = "", nil }},
		{"a document without its type", "contentTypeBegrunnelse", func(e *fs.Explanation) { e.ContentTypeBegrunnelse = "" }},
		{"a document too large", "dokumentBegrunnelse", func(e *fs.Explanation) { e.DokumentBegrunnelse = make([]byte, fs.MaxDocument+1) }},
		{"a relative URL", "urlBegrunnelse", func(e *fs.Explanation) { e.URLBegrunnelse = "/explanations/77" }},
		{"a URL with credentials", "urlBegrunnelse", func(e *fs.Explanation) { e.URLBegrunnelse = "https://u:p@uio.inspera.no/x" }},
		{"a media type with a newline", "contentTypeBegrunnelse", func(e *fs.Explanation) { e.ContentTypeBegrunnelse = "application/pdf\nX: y" }},
	}
	f.srv.ResetStats()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := explanationFor("10002")
			tt.edit(e)
			err := f.c.CreateExplanation(context.Background(), fs.Inspera, e)
			var ee *fs.ExplanationError
			if !errors.As(err, &ee) || ee.Field != tt.field || !errors.Is(err, fs.ErrInvalidExplanation) {
				t.Errorf("%v, want an ExplanationError of %s", err, tt.field)
			}
		})
	}
	if err := f.c.CreateExplanation(context.Background(), "CANVAS", explanationFor("10002")); !errors.Is(err, fs.ErrInvalidQuery) {
		t.Errorf("an unknown exam system: %v", err)
	}
	if s := f.srv.Stats(); s.Reads+s.Writes != 0 {
		t.Errorf("%d requests reached FS", s.Reads+s.Writes)
	}
}

// An explanation whose answer is lost is read back, and sent again only when FS does not hold
// it: FS ends up with it once, whether the connection dropped before or after FS acted.
func TestCreateExplanationAfterALostAnswer(t *testing.T) {
	defer fs.SetCreatePause(time.Millisecond)()
	tests := []struct {
		name       string
		rules      []fstest.Rule
		wantWrites int // requests that reached the handler
		wantErr    error
	}{
		{"dropped after FS registered it", []fstest.Rule{{Operation: "createExplanation", AfterWrite: true, Times: 1}}, 1, nil},
		{"dropped before FS saw it", []fstest.Rule{{Operation: "createExplanation", Drop: true, Times: 1}}, 1, nil},
		{"a gateway timeout, then fine", []fstest.Rule{{Operation: "createExplanation", Status: http.StatusGatewayTimeout, Times: 2}}, 1, nil},
		{"FS never takes it", []fstest.Rule{{Operation: "createExplanation", Status: http.StatusServiceUnavailable}}, 0, fs.ErrServer},
		{"dropped, and FS cannot be read back", []fstest.Rule{{Operation: "createExplanation", AfterWrite: true, Times: 1},
			{Operation: "getExamExplanationRequests", Status: http.StatusBadGateway}}, 1, fs.ErrOutcomeUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, nil)
			f.srv.SetFaults(fstest.Faults{Rules: tt.rules})
			err := f.c.CreateExplanation(context.Background(), fs.Inspera, explanationFor("10002"))
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Errorf("CreateExplanation: %v, want %v", err, tt.wantErr)
			}
			applied := 0
			for _, w := range f.srv.Writes() {
				if w.Status == http.StatusCreated && !w.Repeat {
					applied++
				}
				if w.Repeat {
					t.Errorf("the explanation was sent again after FS registered it")
				}
			}
			if applied != tt.wantWrites {
				t.Errorf("FS registered it %d times, want %d", applied, tt.wantWrites)
			}
		})
	}
}

func TestAuthentication(t *testing.T) {
	ctx := context.Background()
	t.Run("a wrong password is ErrUnauthorized and not in the error", func(t *testing.T) {
		f := newFixture(t, nil)
		c, err := fs.New(f.srv.URL(), fs.WithBasicAuth(fstest.DefaultUser, "wrong-password-123"), fs.WithoutRetry())
		must(t, err)
		err = c.Ping(ctx)
		if !errors.Is(err, fs.ErrUnauthorized) {
			t.Fatalf("Ping: %v", err)
		}
		if s := err.Error(); strings.Contains(s, "wrong-password-123") || strings.Contains(s, fstest.DefaultUser) {
			t.Errorf("the error shows a credential: %s", s)
		}
	})
	t.Run("the gateway key is sent with every request", func(t *testing.T) {
		f := newFixture(t, []fstest.Option{fstest.WithGatewayKey("gw-key-7f3a9c")})
		must(t, f.c.Ping(ctx))
		c, err := fs.New(f.srv.URL(), fs.WithBasicAuth(fstest.DefaultUser, fstest.DefaultPassword), fs.WithoutRetry())
		must(t, err)
		if err := c.Ping(ctx); !errors.Is(err, fs.ErrUnauthorized) {
			t.Errorf("without the key: %v", err)
		}
	})
	t.Run("New wants an API user", func(t *testing.T) {
		if _, err := fs.New("https://fsws.example.no"); err == nil {
			t.Error("New without WithBasicAuth succeeded")
		}
		if _, err := fs.New("https://fsws.example.no", fs.WithBasicAuth("", "x")); err == nil {
			t.Error("New with an empty user succeeded")
		}
	})
}

func TestGetVersion(t *testing.T) {
	f := newFixture(t, []fstest.Option{fstest.WithVersion("8.4.1")})
	v, err := f.c.GetVersion(context.Background())
	must(t, err)
	if v.Versjon != "8.4.1" {
		t.Errorf("version %q", v.Versjon)
	}
}

// FS's own announcement day wins over the exam system's; without a lookup the exam system's
// day in Norway counts; with neither there is none; a failing lookup fails.
func TestAnnouncement(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	published := time.Date(2026, 6, 8, 23, 30, 0, 0, time.UTC) // 9 June in Norway
	plain, err := fs.New(f.srv.URL(), fs.WithBasicAuth(fstest.DefaultUser, fstest.DefaultPassword))
	must(t, err)
	failing, err := f.srv.Client(fs.WithAnnouncementLookup(func(context.Context, fs.AnnouncementQuery) (fs.UnitDates, error) {
		return fs.UnitDates{}, errors.New("the FS view is down")
	}))
	must(t, err)
	tests := []struct {
		name    string
		c       *fs.Client
		q       fs.AnnouncementQuery
		want    fs.Announcement
		wantErr error
	}{
		{"FS's day wins", f.c, fs.AnnouncementQuery{System: fs.Inspera, Exam: examINF, Candidate: "10001", Published: published},
			fs.Announcement{Day: fsrules.NewDate(2026, 6, 10), Source: fs.FromFS}, nil},
		{"the exam system's day without FS's", f.c, fs.AnnouncementQuery{System: fs.Inspera, Exam: examINF, Candidate: "10003", Published: published},
			fs.Announcement{Day: fsrules.NewDate(2026, 6, 9), Source: fs.FromExamSystem}, nil},
		{"the manual deadline comes with either", f.c, fs.AnnouncementQuery{System: fs.WISEflow, Exam: examMAT, Candidate: "10001", Published: published},
			fs.Announcement{Day: fsrules.NewDate(2026, 6, 10), Source: fs.FromFS, ManualAppealDeadline: fsrules.NewDate(2026, 7, 15)}, nil},
		{"without a lookup", plain, fs.AnnouncementQuery{System: fs.Inspera, Exam: examINF, Candidate: "10001", Published: published},
			fs.Announcement{Day: fsrules.NewDate(2026, 6, 9), Source: fs.FromExamSystem}, nil},
		{"neither", f.c, fs.AnnouncementQuery{System: fs.Inspera, Exam: examINF, Candidate: "10003"}, fs.Announcement{}, fs.ErrNoAnnouncement},
		{"a failing lookup", failing, fs.AnnouncementQuery{System: fs.Inspera, Exam: examINF, Candidate: "10001", Published: published}, fs.Announcement{}, errors.New("")},
		{"a bad exam", f.c, fs.AnnouncementQuery{System: fs.Inspera, Candidate: "10001", Published: published}, fs.Announcement{}, fs.ErrInvalidQuery},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.c.Announcement(ctx, tt.q)
			switch {
			case tt.wantErr == nil && err != nil:
				t.Fatalf("error %v", err)
			case tt.wantErr != nil && err == nil:
				t.Fatalf("no error, want %v", tt.wantErr)
			case tt.wantErr != nil && tt.wantErr.Error() != "" && !errors.Is(err, tt.wantErr):
				t.Fatalf("error %v, want %v", err, tt.wantErr)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
	a, _ := f.c.Announcement(ctx, fs.AnnouncementQuery{System: fs.Inspera, Exam: examINF, Candidate: "10001"})
	d, err := fsrules.Compute(a.Case(fsrules.NewDate(2026, 6, 12), fsrules.NewDate(2026, 6, 19)))
	must(t, err)
	if d.Appeal != fsrules.NewDate(2026, 7, 10) || d.Rule != fsrules.RuleExplanation {
		t.Errorf("deadlines %+v", d)
	}
}

// The fake loads synth's exams: every appeal and explanation request of the term, in its
// exam system, and the next day's changes as changes.
func TestSynthExamsThroughTheClient(t *testing.T) {
	pop := examPopulation(t)
	today := pop.Options.Today
	now := time.Date(today.Year(), today.Month(), today.Day(), 20, 0, 0, 0, fsrules.Oslo())
	srv := fstest.NewServer(fstest.WithClock(func() time.Time { return now }))
	defer srv.Close()
	n := srv.LoadPopulation(pop, fstest.LoadOptions{})
	if n.Appeals == 0 || n.ExplanationRequests == 0 {
		t.Fatalf("loaded %+v", n)
	}
	c, err := srv.Client()
	must(t, err)
	ctx := context.Background()
	termStart := time.Date(2026, 1, 1, 0, 0, 0, 0, fsrules.Oslo())
	appeals, requests := 0, 0
	for _, sys := range []fs.ExamSystem{fs.Inspera, fs.WISEflow} {
		q := fs.ChangeQuery{System: sys, Institution: synthInstitution, Since: termStart}
		ap, err := c.ListChangedAppealsPage(ctx, q)
		must(t, err)
		rp, err := c.ListChangedExplanationRequestsPage(ctx, q)
		must(t, err)
		if len(ap.RecordErrors)+len(rp.RecordErrors) > 0 {
			t.Errorf("%s: record errors %v %v", sys, ap.RecordErrors, rp.RecordErrors)
		}
		appeals, requests = appeals+len(ap.Items), requests+len(rp.Items)
		for i := 1; i < len(ap.Items); i++ {
			if ap.Items[i].SistEndret.Before(ap.Items[i-1].SistEndret.Time) {
				t.Fatalf("%s: appeals out of order at %d", sys, i)
			}
		}
	}
	if appeals != n.Appeals || requests != n.ExplanationRequests {
		t.Errorf("listed %d appeals and %d requests, FS holds %d and %d", appeals, requests, n.Appeals, n.ExplanationRequests)
	}

	next, changes, err := synth.NextDay(pop, 7, 0.001)
	must(t, err)
	now = now.Add(24 * time.Hour)
	loaded := srv.LoadPopulation(next, fstest.LoadOptions{})
	// FS sees synth's new and changed appeals and new explanation requests (an explanation's
	// later states happen in the exam system), of the exam units it holds.
	x := synth.NewIndex(next)
	held := func(candidate synth.ID) bool {
		c, _ := x.Candidate(candidate)
		return srv.HoldsUnit(c.ExamUnit)
	}
	want := 0
	for _, ch := range changes {
		switch {
		case ch.Entity == synth.EntityAppeal:
			a := next.Appeals[slices.IndexFunc(next.Appeals, func(a synth.Appeal) bool { return a.ID == ch.ID })]
			if held(a.Candidate) {
				want++
			}
		case ch.Entity == synth.EntityExplanation && ch.Op == synth.Create:
			e := next.Explanations[slices.IndexFunc(next.Explanations, func(e synth.Explanation) bool { return e.ID == ch.ID })]
			if held(e.Candidate) {
				want++
			}
		}
	}
	got := 0
	for _, sys := range []fs.ExamSystem{fs.Inspera, fs.WISEflow} {
		q := fs.ChangeQuery{System: sys, Institution: synthInstitution, Since: now.Add(-time.Minute)}
		ap, err := c.ListChangedAppealsPage(ctx, q)
		must(t, err)
		rp, err := c.ListChangedExplanationRequestsPage(ctx, q)
		must(t, err)
		got += len(ap.Items) + len(rp.Items)
	}
	if want == 0 {
		t.Fatal("the next day has no exam changes; the test checks nothing")
	}
	if got != want || loaded.Changed != want {
		t.Errorf("the next day lists %d changes and loading changed %d, synth made %d", got, loaded.Changed, want)
	}
}
