// Command exam-appeals runs a few days of a Norwegian university's grading season through
// examsync against the fakes of FS, Inspera and WISEflow, loaded with synth's exams: the
// term's appeals and explanation requests so far, then each day's new ones (synth's next-day
// changes), flow from FS into the exam systems; examiners answer there; the explanations they
// give flow back into FS. It prints what happened in each system and the audit's summary.
//
//	go run ./examples/exam-appeals
//
// Everything runs in this process, on loopback ports and a SQLite file in a temporary
// directory; no credentials and no flags are needed.
package main

import (
	"context"
	"fmt"
	"log"
	"maps"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/edusync/edusync/examsync"
	"github.com/edusync/edusync/examsync/examsynctest"
	"github.com/edusync/edusync/fs"
	"github.com/edusync/edusync/fs/fstest"
	"github.com/edusync/edusync/inspera/insperahook"
	"github.com/edusync/edusync/inspera/insperatest"
	"github.com/edusync/edusync/notify"
	"github.com/edusync/edusync/notify/notifytest"
	"github.com/edusync/edusync/store/sqlite"
	"github.com/edusync/edusync/synth"
	"github.com/edusync/edusync/wiseflow"
	"github.com/edusync/edusync/wiseflow/wiseflowtest"
)

const secret = "webhook-secret"

func main() {
	if err := run(); err != nil {
		log.Fatal(err)
	}
}

// fakes are the three systems.
type fakes struct {
	pop *synth.Population
	fs  *fstest.Server
	in  *insperatest.Server
	wf  *wiseflowtest.Server
}

func run() error {
	ctx := context.Background()
	pop, err := fstest.SmallUniversity(1)
	if err != nil {
		return err
	}
	f := &fakes{pop: pop, fs: fstest.NewServer(), in: insperatest.NewServer(),
		wf: wiseflowtest.NewServer(wiseflowtest.WithWebhookRetries(8, 200*time.Millisecond))}
	defer f.fs.Close()
	defer f.in.Close()
	defer f.wf.Close()
	loaded := f.fs.LoadPopulation(pop, fstest.LoadOptions{})
	f.in.LoadPopulation(pop, insperatest.LoadOptions{})
	f.wf.LoadPopulation(pop, wiseflowtest.LoadOptions{})
	f.in.AddAPIUser("hooks", "hook-key") // Inspera sends no events to the user who writes
	fmt.Printf("FS holds %d exams, %d appeals and %d explanation requests of %s's term so far\n",
		loaded.Exams, loaded.Appeals, loaded.ExplanationRequests, pop.Today)

	dir, err := os.MkdirTemp("", "exam-appeals")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	st, err := sqlite.Open(ctx, filepath.Join(dir, "examsync.db"))
	if err != nil {
		return err
	}
	defer st.Close()

	fc, err := f.fs.Client()
	if err != nil {
		return err
	}
	ic, err := f.in.Client()
	if err != nil {
		return err
	}
	wc, err := f.wf.Client()
	if err != nil {
		return err
	}
	chat := notifytest.NewChatReceiver() // a Slack channel in production
	defer chat.Close()
	n, err := notify.New(notify.WithChatWebhook(chat.URL()))
	if err != nil {
		return err
	}
	org := pop.ExamUnits[0].Institution
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s, err := examsync.New(examsync.Config{Store: st, Notifier: n, Idle: 20 * time.Millisecond,
		RetryBase: 50 * time.Millisecond, RetryMax: time.Second,
		Tenants: []examsync.Setup{
			{Tenant: examsync.Tenant{OrgID: org, OrgShortName: "uni", ExamSystem: fs.Inspera, Instance: "uni",
				InsperaClientCode: "uni", FSEnv: "test", Active: true, Appeals: true, Explanations: true, Start: start},
				FS: fc, Inspera: ic, InsperaSecrets: []insperahook.Secret{{Name: "flows", Value: secret}}},
			{Tenant: examsync.Tenant{OrgID: org, OrgShortName: "uni", ExamSystem: fs.WISEflow, Instance: "europe",
				FSEnv: "test", Active: true, Appeals: true, Explanations: true, AutoEmail: true, Start: start},
				FS: fc, WISEflow: wc, WISEflowSecret: []byte(secret)},
		}})
	if err != nil {
		return err
	}
	defer s.Close()
	hooks := httptest.NewServer(s.Handler()) // Config.Listen and Run in production
	defer hooks.Close()
	if err := f.subscribe(ctx, wc, hooks.URL); err != nil {
		return err
	}

	for day := range 4 {
		if day > 0 {
			if err := f.nextDay(uint64(day)); err != nil {
				return err
			}
		}
		if err := f.settle(ctx, s); err != nil {
			return err
		}
		sum, err := s.Summary(ctx, org, time.Time{})
		if err != nil {
			return err
		}
		fmt.Printf("%s: %d explanations registered in FS so far, %d steps in the audit\n", f.pop.Today, f.registered(), steps(sum))
	}
	f.report()
	sum, err := s.Summary(ctx, org, time.Time{})
	if err != nil {
		return err
	}
	fmt.Println("\naudit summary (submodule / step: ok, failed, dead):")
	for _, sub := range slices.Sorted(maps.Keys(sum)) {
		for _, step := range slices.Sorted(maps.Keys(sum[sub])) {
			c := sum[sub][step]
			fmt.Printf("  %-22s %-20s %5d %3d %3d\n", sub, step, c.OK, c.Failed, c.Dead)
		}
	}
	dead, err := s.DeadLetters(ctx, org)
	if err != nil {
		return err
	}
	fmt.Printf("dead letters: %d, alerts sent to the chat: %d\n", len(dead), len(chat.Messages()))
	return nil
}

// subscribe registers examsync's receivers for both exam systems' webhooks.
func (f *fakes) subscribe(ctx context.Context, wc *wiseflow.Client, base string) error {
	hc, err := f.in.ClientAs("hook-key")
	if err != nil {
		return err
	}
	if _, err := insperahook.Subscribe(ctx, insperahook.SubscribeConfig{Client: hc, URL: base + "/inspera/uni",
		Secret: insperahook.Secret{Name: "flows", Value: secret}}); err != nil {
		return err
	}
	active := true
	_, err = wc.CreateWebhook(ctx, wiseflow.NewWebhook{URL: base + "/wiseflow/uni", Secret: secret, Active: &active,
		Events: []wiseflow.WebhookEvent{wiseflow.WebhookEventASSESSMENT, wiseflow.WebhookEventFINALGRADE}})
	return err
}

// settle reads, handles and lets the examiners answer until nothing moves.
func (f *fakes) settle(ctx context.Context, s *examsync.Sync) error {
	for quiet := 0; quiet < 2; {
		if _, err := s.Poll(ctx); err != nil {
			log.Printf("a reading failed (tried again next round): %v", err)
		}
		n, err := s.Drain(ctx)
		if err != nil {
			return err
		}
		_ = f.in.WaitDeliveries(ctx)
		_ = f.wf.WaitDeliveries(ctx)
		k, err := s.Drain(ctx)
		if err != nil {
			return err
		}
		if n+k+f.term().Answer() == 0 {
			quiet++
		} else {
			quiet = 0
		}
		time.Sleep(100 * time.Millisecond)
	}
	return nil
}

// nextDay moves the term on a day: FS gets the day's appeals, withdrawals and explanation
// requests; the results announced that day are graded in the exam systems.
func (f *fakes) nextDay(seed uint64) error {
	next, _, err := synth.NextDay(f.pop, seed, 0.01)
	if err != nil {
		return err
	}
	f.pop = next
	f.fs.LoadPopulation(next, fstest.LoadOptions{})
	f.term().Announce() // the day's results, graded in the exam systems
	return nil
}

// term is the fakes as examsynctest plays the examiners and WISEflow's synchronisation.
func (f *fakes) term() *examsynctest.Term {
	return &examsynctest.Term{Pop: f.pop, FS: f.fs, Inspera: f.in, WISEflow: f.wf}
}

func (f *fakes) registered() int {
	n := 0
	for _, r := range f.fs.ExplanationRequests() {
		if _, ok := f.fs.Registered(r.VurdID, r.Kandidatnr); ok {
			n++
		}
	}
	return n
}

// report prints what each system was asked to do.
func (f *fakes) report() {
	in := map[string]int{}
	for _, w := range f.in.Writes() {
		if w.Status < 300 {
			in[w.Operation] += len(w.Changed)
		}
	}
	wf := map[string]int{}
	for _, w := range f.wf.Writes() {
		if w.Created || w.Operation == "updateExplanationRequest" {
			wf[w.Operation]++
		}
	}
	posted := 0
	for _, w := range f.fs.Writes() {
		if w.Status < 300 && !w.Repeat {
			posted++
		}
	}
	fmt.Println("\nwhat happened in each system:")
	fmt.Printf("  FS:       %d explanations registered (each once), %d of %d requests now hold one\n", posted, f.registered(), len(f.fs.ExplanationRequests()))
	fmt.Printf("  Inspera:  %d appeal rounds opened, %d withdrawn, %d explanations requested, %d tests with explanation administration turned on\n",
		in["registerAppeals"], in["withdrawAppeals"], in["requestExplanations"], countOps(f.in.Writes(), "setTestOptions"))
	fmt.Printf("  WISEflow: %d reassessment flows made, %d explanation requests made, %d explanations shown to the candidate\n",
		wf["createReassessment"], wf["createExplanationRequest"], wf["updateExplanationRequest"])
}

func countOps(ws []insperatest.Write, op string) int {
	n := 0
	for _, w := range ws {
		if w.Operation == op && w.Status < 300 {
			n++
		}
	}
	return n
}

func steps(sum examsync.AuditSummary) int {
	n := 0
	for _, m := range sum {
		for _, c := range m {
			n += c.OK + c.Failed
		}
	}
	return n
}
