package examsync_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/http/httptest"
	"sort"
	"testing"
	"time"

	"github.com/edusync/edusync/examsync"
	"github.com/edusync/edusync/examsync/examsynctest"
	"github.com/edusync/edusync/fs"
	"github.com/edusync/edusync/fs/fstest"
	"github.com/edusync/edusync/inspera"
	"github.com/edusync/edusync/inspera/insperahook"
	"github.com/edusync/edusync/inspera/insperatest"
	"github.com/edusync/edusync/synth"
	"github.com/edusync/edusync/wiseflow"
	"github.com/edusync/edusync/wiseflow/wiseflowtest"
)

// tinyUniversity is fstest.SmallUniversity at about a third of its size, for the tests that
// run a term several times over (the kill test).
func tinyUniversity(seed uint64) (*synth.Population, error) {
	opts, err := synth.PresetOptions(synth.PresetUniversityNO)
	if err != nil {
		return nil, err
	}
	opts.Seed = seed
	opts.UniversityStudents, opts.UniversityStaff, opts.Departments = 250, 40, 3
	opts.CourseOfferings, opts.Programmes, opts.ProgrammeOfferings, opts.Registrations = 25, 2, 4, 1_200
	opts.ExamCandidates, opts.Theses = 300, 10
	return synth.Generate(opts)
}

// world is the three fakes loaded with one synth university, and the examiners who answer
// in the exam systems.
type world struct {
	pop    *synth.Population
	fs     *fstest.Server
	in     *insperatest.Server
	wf     *wiseflowtest.Server
	org    string
	secret string
}

const hookKey = "hook-user-key"

func newWorld(tb testing.TB, pop *synth.Population) *world {
	tb.Helper()
	w := &world{pop: pop, fs: fstest.NewServer(), in: insperatest.NewServer(insperatest.WithWebhookRetries(20*time.Millisecond, 50*time.Millisecond, 100*time.Millisecond, 200*time.Millisecond, 400*time.Millisecond, time.Second, 2*time.Second)),
		wf: wiseflowtest.NewServer(wiseflowtest.WithWebhookRetries(20, 100*time.Millisecond)), secret: "inspera-hook-secret"}
	tb.Cleanup(func() { w.in.Close(); w.wf.Close(); w.fs.Close() })
	w.fs.LoadPopulation(pop, fstest.LoadOptions{})
	w.in.LoadPopulation(pop, insperatest.LoadOptions{})
	w.wf.LoadPopulation(pop, wiseflowtest.LoadOptions{})
	w.in.AddAPIUser("hooks", hookKey)
	w.org = pop.ExamUnits[0].Institution
	return w
}

// tenants are the institution's two tenants, one per exam system.
func (w *world) tenants() []examsync.Tenant {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return []examsync.Tenant{
		{OrgID: w.org, OrgShortName: "uni", ExamSystem: fs.Inspera, Instance: "uni", InsperaClientCode: "uni", FSEnv: "test",
			Active: true, Appeals: true, Explanations: true, Start: start},
		{OrgID: w.org, OrgShortName: "uni", ExamSystem: fs.WISEflow, Instance: "europe", FSEnv: "test",
			Active: true, Appeals: true, Explanations: true, AutoEmail: true, Start: start},
	}
}

// endpoints is how a process reaches the fakes (handed to a child process as JSON).
type endpoints struct {
	FSURL, FSUser, FSPassword string
	InURL, InTenant, InKey    string
	WfURL, WfID, WfSecret     string
	Secret                    string // both exam systems' webhook secret
	Tenants                   []examsync.Tenant
}

func (w *world) endpoints() endpoints {
	u, p := w.fs.Credentials()
	c := w.wf.Credentials()
	return endpoints{FSURL: w.fs.URL(), FSUser: u, FSPassword: p, InURL: w.in.URL(), InTenant: w.in.Tenant(), InKey: w.in.APIKey(),
		WfURL: w.wf.URL(), WfID: c.ClientID, WfSecret: c.ClientSecret, Secret: w.secret, Tenants: w.tenants()}
}

// setups builds the clients a process uses (each process its own).
func (w *world) setups(tb testing.TB) []examsync.Setup {
	tb.Helper()
	su, err := w.endpoints().setups()
	if err != nil {
		tb.Fatal(err)
	}
	return su
}

func (ep endpoints) setups() ([]examsync.Setup, error) {
	retry := func(n int) (int, time.Duration, time.Duration) { return n, time.Millisecond, 20 * time.Millisecond }
	a, b, c := retry(4)
	fc, err := fs.New(ep.FSURL, fs.WithBasicAuth(ep.FSUser, ep.FSPassword), fs.WithRetry(fs.RetryPolicy{MaxAttempts: a, BaseDelay: b, MaxDelay: c}))
	if err != nil {
		return nil, err
	}
	ic, err := inspera.New(ep.InURL, inspera.WithAPIKey(ep.InTenant, ep.InKey), inspera.WithRetry(inspera.RetryPolicy{MaxAttempts: a, BaseDelay: b, MaxDelay: c}))
	if err != nil {
		return nil, err
	}
	wc, err := wiseflow.New(ep.WfURL, wiseflow.WithClientCredentials(ep.WfID, ep.WfSecret), wiseflow.WithRetry(wiseflow.RetryPolicy{MaxAttempts: a, BaseDelay: b, MaxDelay: c}))
	if err != nil {
		return nil, err
	}
	return []examsync.Setup{
		{Tenant: ep.Tenants[0], FS: fc, Inspera: ic, InsperaSecrets: []insperahook.Secret{{Name: "flows", Value: ep.Secret}}},
		{Tenant: ep.Tenants[1], FS: fc, WISEflow: wc, WISEflowSecret: []byte(ep.Secret)},
	}, nil
}

// subscribe registers base's receivers for Inspera's events (as the hook user) and WISEflow's.
func (w *world) subscribe(tb testing.TB, base string) {
	tb.Helper()
	wc, err := w.wf.Client()
	if err != nil {
		tb.Fatal(err)
	}
	active := true
	if _, err := wc.CreateWebhook(context.Background(), wiseflow.NewWebhook{URL: base + "/wiseflow/uni", Secret: w.secret, Active: &active,
		Events: []wiseflow.WebhookEvent{wiseflow.WebhookEventASSESSMENT, wiseflow.WebhookEventFINALGRADE, wiseflow.WebhookEventFLOWSTATEUPDATED}}); err != nil {
		tb.Fatal(err)
	}
	url := base + "/inspera/uni"
	hc, err := w.in.ClientAs(hookKey)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := insperahook.Subscribe(context.Background(), insperahook.SubscribeConfig{Client: hc, URL: url,
		Secret: insperahook.Secret{Name: "flows", Value: w.secret}}); err != nil {
		tb.Fatal(err)
	}
}

// nextDay moves FS on a day (synth's next-day changes: appeals filed, withdrawn, made active
// again; explanations requested; results announced) and grades the announced results in the
// exam systems.
func (w *world) nextDay(tb testing.TB, seed uint64) {
	tb.Helper()
	next, _, err := synth.NextDay(w.pop, seed, 0.01)
	if err != nil {
		tb.Fatal(err)
	}
	w.pop = next
	w.fs.LoadPopulation(next, fstest.LoadOptions{})
	w.term().Announce()
}

// term is the world as examsynctest plays the people around examsync.
func (w *world) term() *examsynctest.Term {
	return &examsynctest.Term{Pop: w.pop, FS: w.fs, Inspera: w.in, WISEflow: w.wf}
}

// examiners answer what is pending in the exam systems (examsynctest.Term.Answer) and return
// how much they did.
func (w *world) examiners(tb testing.TB) int {
	tb.Helper()
	return w.term().Answer()
}

// snapshot is what the three systems hold at the end, for comparing a run with a clean one.
type snapshot struct {
	FS       []string // registered explanations
	Inspera  []string // candidates' rounds and explanation states
	WISEflow []string // explanation requests and remarking flows
}

func (w *world) snapshot() snapshot {
	var s snapshot
	for _, r := range w.fs.ExplanationRequests() {
		if e, ok := w.fs.Registered(r.VurdID, r.Kandidatnr); ok {
			h := sha256.Sum256(e.DokumentBegrunnelse)
			s.FS = append(s.FS, fmt.Sprintf("%s/%s given %s url %v doc %x", e.VurdID, e.Kandidatnr, e.DatoBegrunnelseGitt, e.URLBegrunnelse != "", h[:4]))
		}
	}
	for _, id := range w.in.TestIDs() {
		t, _ := w.in.Test(id)
		for _, c := range t.Candidates {
			line := fmt.Sprintf("%d/%s expl %s", id, c.CandidateID, w.in.ExplanationStatus(id, c.CandidateID))
			for _, r := range w.in.Rounds(id, c.CandidateID) {
				line += fmt.Sprintf(" [%s %s withdrawn=%v]", r.Cause, r.Grade, r.Withdrawn)
			}
			s.Inspera = append(s.Inspera, line)
		}
	}
	for _, flow := range w.wf.FlowIDs() {
		for _, e := range w.wf.ExplanationRequests(flow) {
			s.WISEflow = append(s.WISEflow, fmt.Sprintf("%d/%d state %d show %v", flow, e.Participant.ParticipantID, e.State, e.ShowJustification))
		}
		if rf, ok := w.wf.RemarkingFlow(flow); ok {
			line := fmt.Sprintf("%d remarking", flow)
			for _, e := range w.wf.ExplanationRequests(rf) {
				line += fmt.Sprintf(" expl %d", e.State)
			}
			s.WISEflow = append(s.WISEflow, line)
		}
	}
	sort.Strings(s.FS)
	sort.Strings(s.Inspera)
	sort.Strings(s.WISEflow)
	return s
}

// duplicates counts effects done twice: an explanation FS was sent again (accepted as a
// repeat), a WISEflow record created twice, an Inspera appeal round or explanation request
// changed twice in a row.
func (w *world) duplicates() int {
	n := 0
	posted := map[string]int{}
	for _, wr := range w.fs.Writes() {
		if wr.Status < 300 {
			posted[wr.Explanation.VurdID+"/"+string(wr.Explanation.Kandidatnr)]++
		}
	}
	for _, c := range posted {
		n += c - 1
	}
	created := map[string]int{}
	for _, wr := range w.wf.Writes() {
		if wr.Created {
			created[fmt.Sprintf("%s/%d/%d", wr.Operation, wr.FlowID, wr.ID)]++
		}
	}
	for _, c := range created {
		n += c - 1
	}
	last := map[string]string{}
	for _, wr := range w.in.Writes() {
		for _, c := range wr.Changed {
			k := fmt.Sprintf("%d/%s", wr.Test, c)
			op := wr.Operation
			if op == "requestExplanations" {
				k += "/expl"
			}
			if last[k] == op {
				n++
			}
			last[k] = op
		}
	}
	return n
}

// serve starts the Sync's webhook handler and subscribes Inspera to it.
func (w *world) serve(tb testing.TB, s *examsync.Sync) {
	tb.Helper()
	srv := httptest.NewServer(s.Handler())
	tb.Cleanup(srv.Close)
	w.subscribe(tb, srv.URL)
}
